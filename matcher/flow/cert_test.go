package flow

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// checkCertificate verifies that res is a feasible flow of g whose
// potentials prove it optimal: bounds, conservation, Cost, and reduced
// costs ≥ 0 where flow < cap and ≤ 0 where flow > lower.
func checkCertificate(tb testing.TB, g *Network, res *Result) {
	tb.Helper()
	if err := certificate(g, res); err != nil {
		tb.Fatalf("certificate: %v\nnetwork: %+v\nresult: %+v", err, g, res)
	}
}

func certificate(g *Network, res *Result) error {
	m := len(g.From)
	if len(res.Flow) != m || len(res.Potential) != g.N {
		return fmt.Errorf("len(Flow)=%d len(Potential)=%d, want %d, %d", len(res.Flow), len(res.Potential), m, g.N)
	}
	bal := make([]int64, g.N)
	var cost int64
	for a := range m {
		f, lo, c := res.Flow[a], g.lower(a), g.Cap[a]
		if f < lo || f > c {
			return fmt.Errorf("arc %d: flow %d outside [%d, %d]", a, f, lo, c)
		}
		bal[g.From[a]] += f
		bal[g.To[a]] -= f
		cost += f * g.Cost[a]
		rc := g.Cost[a] + res.Potential[g.From[a]] - res.Potential[g.To[a]]
		if res.Optimal && f < c && rc < 0 {
			return fmt.Errorf("arc %d: flow %d < cap %d but reduced cost %d < 0", a, f, c, rc)
		}
		if res.Optimal && f > lo && rc > 0 {
			return fmt.Errorf("arc %d: flow %d > lower %d but reduced cost %d > 0", a, f, lo, rc)
		}
	}
	for v := range g.N {
		if bal[v] != g.Supply[v] {
			return fmt.Errorf("node %d: net outflow %d, supply %d", v, bal[v], g.Supply[v])
		}
	}
	if cost != res.Cost {
		return fmt.Errorf("Cost=%d, flows cost %d", res.Cost, cost)
	}
	return nil
}

// checkTransport verifies a transport plan: bounds, totals, and when
// Optimal, the dual certificate for the objective obj.
func checkTransport(tb testing.TB, t *Transport, obj Objective, res *TransportResult) {
	tb.Helper()
	if err := transportCertificate(t, obj, res); err != nil {
		tb.Fatalf("transport certificate: %v\ninstance: %+v\nresult: %+v", err, t, res)
	}
}

func transportCertificate(t *Transport, obj Objective, res *TransportResult) error {
	used := make([]int64, len(t.Cap))
	got := make([]int64, len(t.Need))
	var score, covered int64
	for e, f := range res.Flow {
		if f < 0 {
			return fmt.Errorf("edge %d: flow %d < 0", e, f)
		}
		used[t.R[e]] += f
		got[t.D[e]] += f
		score += f * t.Score[e]
		covered += f * t.weight(t.D[e])
	}
	for r := range used {
		if used[r] > t.Cap[r] {
			return fmt.Errorf("resource %d: uses %d > cap %d", r, used[r], t.Cap[r])
		}
	}
	for d := range got {
		if got[d] > t.Need[d] {
			return fmt.Errorf("demand %d: gets %d > need %d", d, got[d], t.Need[d])
		}
	}
	if score != res.Score || covered != res.Covered {
		return fmt.Errorf("Score=%d Covered=%d, flows give %d, %d", res.Score, res.Covered, score, covered)
	}
	if !res.Optimal {
		return nil
	}
	u, v := res.ResourceDual, res.DemandDual
	for r := range u {
		if u[r] < 0 || (u[r] > 0 && used[r] < t.Cap[r]) {
			return fmt.Errorf("resource %d: dual %d with %d of %d used", r, u[r], used[r], t.Cap[r])
		}
	}
	for d := range v {
		if v[d] < 0 || (v[d] > 0 && got[d] < t.Need[d]) {
			return fmt.Errorf("demand %d: dual %d with %d of %d met", d, v[d], got[d], t.Need[d])
		}
	}
	for e, f := range res.Flow {
		val := t.Score[e]
		if obj == Coverage {
			val += t.weight(t.D[e]) * res.Scale
		}
		sum := u[t.R[e]] + v[t.D[e]]
		if sum < val {
			return fmt.Errorf("edge %d: duals %d+%d < value %d", e, u[t.R[e]], v[t.D[e]], val)
		}
		if f > 0 && sum != val {
			return fmt.Errorf("edge %d: flow %d but duals %d+%d != value %d", e, f, u[t.R[e]], v[t.D[e]], val)
		}
	}
	return nil
}

// randomNetwork draws a small network with a planted feasible flow, so
// that most instances are feasible; some arcs are uncapacitated and some
// have lower bounds.
func randomNetwork(r *rand.Rand, n, m int, maxCap, maxCost int64) *Network {
	g := &Network{N: n, Supply: make([]int64, n)}
	lower := false
	for range m {
		u, v := int32(r.IntN(n)), int32(r.IntN(n))
		lo := int64(0)
		if r.IntN(5) == 0 {
			lo = r.Int64N(maxCap/2 + 1)
			lower = true
		}
		c := lo + r.Int64N(maxCap+1)
		if r.IntN(8) == 0 {
			c = Inf
		}
		cost := r.Int64N(2*maxCost+1) - maxCost
		if c == Inf && cost < 0 && r.IntN(2) == 0 {
			cost = -cost // keep unbounded cases rare
		}
		hi := c
		if c == Inf {
			hi = lo + maxCap
		}
		f := lo + r.Int64N(hi-lo+1)
		g.From = append(g.From, u)
		g.To = append(g.To, v)
		g.Lower = append(g.Lower, lo)
		g.Cap = append(g.Cap, c)
		g.Cost = append(g.Cost, cost)
		g.Supply[u] += f
		g.Supply[v] -= f
	}
	if !lower {
		g.Lower = nil
	}
	if r.IntN(6) == 0 && n > 1 { // perturb: possibly infeasible
		a, b := r.IntN(n), r.IntN(n)
		d := r.Int64N(3) + 1
		g.Supply[a] += d
		g.Supply[b] -= d
	}
	return g
}

// randomTransport draws a transportation instance.
func randomTransport(r *rand.Rand, nr, nd, m int, maxQty, maxScore int64, weights bool) *Transport {
	t := &Transport{Cap: make([]int64, nr), Need: make([]int64, nd)}
	for i := range t.Cap {
		t.Cap[i] = r.Int64N(maxQty + 1)
	}
	for i := range t.Need {
		t.Need[i] = r.Int64N(maxQty + 1)
	}
	for range m {
		t.R = append(t.R, int32(r.IntN(nr)))
		t.D = append(t.D, int32(r.IntN(nd)))
		t.Score = append(t.Score, r.Int64N(maxScore+1)-maxScore/5)
	}
	if weights {
		t.Weight = make([]int64, nd)
		for i := range t.Weight {
			t.Weight[i] = r.Int64N(4)
		}
	}
	return t
}
