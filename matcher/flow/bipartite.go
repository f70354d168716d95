package flow

import "slices"

// Bipartite records how a [Network] embeds a transportation problem, as
// found by [FindBipartite].
type Bipartite struct {
	Transport *Transport
	// Network cost = Offset − Σ Score·Flow over the transport's edges.
	Offset int64
	// arcs of the network: per resource (source→r), per demand (d→sink),
	// and the bypass source→sink. Edge e is the e-th arc that is none of
	// these, in arc order.
	ResourceArc, DemandArc []int32
	Bypass                 int32
}

// FindBipartite reports whether g is a transportation problem in the
// layout of the alliance instance generator, and if so returns it:
// one source s with supply F and one sink t with supply −F, every other
// supply 0, no lower bounds, and arcs only of the kinds
//
//	s→t   exactly one (the bypass), capacity ≥ F
//	s→r   one per resource node r (r has no other in-arcs, out-arcs only to demands)
//	r→d   the candidate edges, each with capacity ≥ min(cap(s→r), cap(d→t))
//	d→t   one per demand node d (d has no other out-arcs)
//
// with Σ cap(s→r) ≤ F. Such a network's optimum is Offset − (the maximum
// welfare of the Transport), whose edge scores are cost(s→t) −
// (cost(s→r) + cost(r→d) + cost(d→t)). Costs must stay within MaxValue/4.
func FindBipartite(g *Network) (*Bipartite, bool) {
	n, m := g.N, len(g.From)
	if g.Lower != nil && slices.ContainsFunc(g.Lower, func(l int64) bool { return l != 0 }) {
		return nil, false
	}
	s, t := int32(-1), int32(-1)
	for v, b := range g.Supply {
		switch {
		case b == 0:
		case b > 0 && s < 0:
			s = int32(v)
		case b < 0 && t < 0:
			t = int32(v)
		default:
			return nil, false
		}
	}
	if s < 0 || t < 0 || g.Supply[s] != -g.Supply[t] {
		return nil, false
	}
	F := g.Supply[s]
	const (
		kindNone = iota
		kindRes
		kindDem
	)
	kind := make([]int8, n)
	index := make([]int32, n)
	b := &Bipartite{Bypass: -1}
	var caps, needs []int64
	// side makes node x, the far end of the terminal arc a (s→x or x→t),
	// a resource or a demand with a's capacity; false when x is a
	// terminal or has a side already.
	side := func(a int, x int32, k int8, arcs *[]int32, amounts *[]int64) bool {
		if x == s || x == t || kind[x] != kindNone {
			return false
		}
		kind[x] = k
		index[x] = int32(len(*arcs))
		*arcs = append(*arcs, int32(a))
		*amounts = append(*amounts, g.Cap[a])
		return true
	}
	// first pass: classify nodes by their arcs from s and into t
	for a := range m {
		u, v, c := g.From[a], g.To[a], g.Cost[a]
		if c > MaxValue/4 || c < -MaxValue/4 {
			return nil, false
		}
		switch {
		case u == s && v == t:
			if b.Bypass >= 0 || g.Cap[a] < F {
				return nil, false
			}
			b.Bypass = int32(a)
		case u == s:
			if !side(a, v, kindRes, &b.ResourceArc, &caps) {
				return nil, false
			}
		case v == t:
			if !side(a, u, kindDem, &b.DemandArc, &needs) {
				return nil, false
			}
		}
	}
	if b.Bypass < 0 {
		return nil, false
	}
	var capSum int64
	for _, c := range caps {
		if c > MaxValue || c < 0 {
			return nil, false
		}
		capSum += c
		if capSum > F {
			return nil, false
		}
	}
	for _, c := range needs {
		if c > MaxValue || c < 0 {
			return nil, false
		}
	}
	ne := m - len(caps) - len(needs) - 1
	tr := &Transport{Cap: caps, Need: needs, R: make([]int32, 0, ne), D: make([]int32, 0, ne), Score: make([]int64, 0, ne)}
	cst := g.Cost[b.Bypass]
	// the cost of a path s→r→d→t less the bypass, by resource and demand
	resCost := make([]int64, len(caps))
	for r, a := range b.ResourceArc {
		resCost[r] = g.Cost[a] - cst
	}
	demCost := make([]int64, len(needs))
	for d, a := range b.DemandArc {
		demCost[d] = g.Cost[a]
	}
	// second pass: every other arc must be a resource→demand edge
	for a := range m {
		u, v := g.From[a], g.To[a]
		if u == s || v == t {
			continue
		}
		if kind[u] != kindRes || kind[v] != kindDem {
			return nil, false
		}
		r, d := index[u], index[v]
		if g.Cap[a] < min(caps[r], needs[d]) {
			return nil, false
		}
		tr.R = append(tr.R, r)
		tr.D = append(tr.D, d)
		tr.Score = append(tr.Score, -(resCost[r] + g.Cost[a] + demCost[d]))
	}
	off, ok := mulAdd(0, cst, F)
	if !ok {
		return nil, false
	}
	b.Offset = off
	b.Transport = tr
	return b, true
}

// Flow maps a plan of b.Transport back to per-arc flows of g.
func (b *Bipartite) Flow(g *Network, plan []int64) []int64 {
	f := make([]int64, len(g.From))
	s, t := g.From[b.Bypass], g.To[b.Bypass]
	e := 0
	for a := range g.From {
		if g.From[a] != s && g.To[a] != t {
			f[a] = plan[e]
			e++
		}
	}
	var total int64
	for e, x := range plan {
		f[b.ResourceArc[b.Transport.R[e]]] += x
		f[b.DemandArc[b.Transport.D[e]]] += x
		total += x
	}
	f[b.Bypass] = g.Supply[g.From[b.Bypass]] - total
	return f
}
