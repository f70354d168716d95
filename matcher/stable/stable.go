// Package stable computes two-sided stable matchings with capacities and
// divisible quantities (stable allocations), in int64 arithmetic.
//
// # Problem
//
// Resources r have capacities Cap[r] and demands d have needs Need[d];
// candidate edges e join resource R[e] and demand D[e] (several edges may
// join the same pair). An assignment sends Flow[e] ≥ 0 units over each edge
// with
//
//	Σ_{e: R[e]=r} Flow[e] ≤ Cap[r]   and   Σ_{e: D[e]=d} Flow[e] ≤ Need[d].
//
// Each side ranks its edges: demand D[e] values edge e at DemandPref[e] and
// resource R[e] values it at ResourcePref[e], higher is better. Ties are
// broken by edge index, the lower index preferred, so that every agent's
// ranking of its edges is strict.
//
// Edge e = (r, d) blocks an assignment when both
//
//   - d has unmet need, or d sends flow over an edge it ranks below e; and
//   - r has spare capacity, or r sends flow over an edge it ranks below e.
//
// Then d and r would both gain by moving a unit onto e. An assignment is
// stable when no edge blocks it ([BlockingPairs] lists the edges that do).
// With Cap = Need = 1 and at most one edge per pair this is the stable
// marriage problem with incomplete lists; with Need = 1 it is Gale and
// Shapley's college admissions problem.
//
// # Algorithm and complexity
//
// Solve runs demand-proposing deferred acceptance (Gale and Shapley, "College
// admissions and the stability of marriage", 1962), extended to quantities
// as in Baïou and Balinski, "The stable allocation (or ordinal
// transportation) problem", Math. Oper. Res. 27(3), 2002. Each demand keeps
// a pointer into its preference list and offers its unmet quantity to the
// edge under the pointer; a resource holds the offers it ranks highest up to
// its capacity, possibly a part of the lowest one it keeps, and rejects the
// rest; a rejected edge is never offered again, so the rejected demand's
// pointer moves on. The result is the demand-optimal stable assignment.
//
// Offering whole blocks of quantity is not enough on its own: two demands
// that bump each other's lowest edge at two resources can trade a block of
// a few units back and forth a number of times proportional to the
// quantities. Following Dean and Munshi, "Faster algorithms for stable
// allocation problems", Algorithmica 58(1), 2010, Solve therefore follows
// each offer as a chain (McVitie and Wilson's order: a bumped demand offers
// at once) d₀ → r₀ bumps d₁ → r₁ bumps d₂ → … until a resource with spare
// capacity or a demand with no edge left, and moves along the whole chain
// the largest quantity that keeps every step valid (the bottleneck of the
// unmet need, the spare capacity and the bumped amounts). A chain that comes
// back to a demand already on it is a cycle; the cycle's bottleneck is moved
// around it, which empties at least one bumped edge.
//
// Every chain so ends with an event that can happen only a bounded number of
// times: an edge empties and leaves its resource's held set for good (≤ E),
// a resource becomes full (≤ |R|), or the starting demand is satisfied or
// runs out of edges (≤ |D|; neither is ever undone). There are therefore at
// most E + |R| + |D| chains ([Result.Rounds]) whatever the quantities, and
// pointers advance ≤ E times in all. A chain has
// at most |D| steps, each a heap operation on the resource's held edges.
// Sorting the preference lists costs O(E log E); the chains cost
// O((E + |R| + |D|)·L·log E) where L ≤ |D| is the average chain length,
// which stays small on matching instances (see the benchmarks). Dean and
// Munshi bring the worst case down to O(E log |D|) with dynamic trees; this
// package does not. Memory is O(E + |R| + |D|).
//
// # Errors and panics
//
// A malformed Problem (slices of different lengths, indices out of range,
// more than 2³¹−1 edges) is a programming error and panics. A negative
// capacity or need is returned as an error wrapping [ErrRange].
package stable

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
)

// ErrRange reports a quantity outside the range the solver accepts
// (a negative capacity or need).
var ErrRange = errors.New("stable: value out of range")

// checkEvery is how many chains Solve follows between two looks at ctx.
const checkEvery = 1024

// Problem is a two-sided stable allocation instance: resources with
// capacities, demands with needs and candidate edges (R[e], D[e]), each
// ranked by both of its ends. R, D, DemandPref and ResourcePref have one
// entry per edge.
type Problem struct {
	Cap  []int64 // per resource, ≥ 0
	Need []int64 // per demand, ≥ 0
	R, D []int32 // per edge: resource and demand index
	// DemandPref[e]: how much demand D[e] likes edge e (higher is better).
	DemandPref []int64
	// ResourcePref[e]: how much resource R[e] likes edge e.
	ResourcePref []int64
}

// Result is the outcome of [Solve].
type Result struct {
	Flow []int64 // per edge
	// Rounds counts the proposal chains followed (each moves one block of
	// quantity along a chain of offers and rejections, or around a cycle).
	Rounds int
	// Stable is false when the context ended the solve early: Flow then
	// respects Cap and Need but may have blocking edges.
	Stable bool
}

// demandPrefers reports whether demand D[a] = D[b] ranks edge a above b.
func (p *Problem) demandPrefers(a, b int32) bool {
	if p.DemandPref[a] != p.DemandPref[b] {
		return p.DemandPref[a] > p.DemandPref[b]
	}
	return a < b
}

// resourcePrefers reports whether resource R[a] = R[b] ranks edge a above b.
func (p *Problem) resourcePrefers(a, b int32) bool {
	if p.ResourcePref[a] != p.ResourcePref[b] {
		return p.ResourcePref[a] > p.ResourcePref[b]
	}
	return a < b
}

// check panics if p is malformed and returns the number of edges.
func (p *Problem) check() int {
	m := len(p.R)
	if len(p.D) != m || len(p.DemandPref) != m || len(p.ResourcePref) != m {
		panic("stable: Problem R, D, DemandPref and ResourcePref differ in length")
	}
	if m > math.MaxInt32 {
		panic("stable: more than 2³¹−1 edges")
	}
	nr, nd := len(p.Cap), len(p.Need)
	for e := range m {
		if p.R[e] < 0 || int(p.R[e]) >= nr {
			panic(fmt.Sprintf("stable: edge %d: resource %d out of range [0,%d)", e, p.R[e], nr))
		}
		if p.D[e] < 0 || int(p.D[e]) >= nd {
			panic(fmt.Sprintf("stable: edge %d: demand %d out of range [0,%d)", e, p.D[e], nd))
		}
	}
	return m
}

// BlockingPairs returns, in increasing order, the edges that block flow
// (see the package doc); an empty result means flow is stable. It does not
// check that flow respects Cap and Need: a resource or demand over its
// bound simply has no spare capacity or unmet need. It panics if p is
// malformed or flow has the wrong length.
func BlockingPairs(p *Problem, flow []int64) []int {
	m := p.check()
	if len(flow) != m {
		panic("stable: BlockingPairs flow has the wrong length")
	}
	spare := slices.Clone(p.Cap)
	unmet := slices.Clone(p.Need)
	worstR := make([]int32, len(p.Cap)) // lowest-ranked edge with flow, or -1
	worstD := make([]int32, len(p.Need))
	for i := range worstR {
		worstR[i] = -1
	}
	for i := range worstD {
		worstD[i] = -1
	}
	for e := range int32(m) {
		if flow[e] <= 0 {
			continue
		}
		r, d := p.R[e], p.D[e]
		spare[r] -= flow[e]
		unmet[d] -= flow[e]
		if w := worstR[r]; w < 0 || p.resourcePrefers(w, e) {
			worstR[r] = e
		}
		if w := worstD[d]; w < 0 || p.demandPrefers(w, e) {
			worstD[d] = e
		}
	}
	var block []int
	for e := range int32(m) {
		r, d := p.R[e], p.D[e]
		dWants := unmet[d] > 0 || (worstD[d] >= 0 && p.demandPrefers(e, worstD[d]))
		rWants := spare[r] > 0 || (worstR[r] >= 0 && p.resourcePrefers(e, worstR[r]))
		if dWants && rWants {
			block = append(block, int(e))
		}
	}
	return block
}

// Solve returns the demand-optimal stable assignment of p (see the package
// doc for the definition and the algorithm). It returns an error wrapping
// [ErrRange] if a capacity or need is negative and panics if p is
// malformed.
//
// Solve looks at ctx every few thousand chains. When ctx ends, it returns
// the current assignment, which respects Cap and Need, with Stable == false
// and a nil error.
func Solve(ctx context.Context, p *Problem) (*Result, error) {
	m := p.check()
	for r, c := range p.Cap {
		if c < 0 {
			return nil, fmt.Errorf("stable: Cap[%d] = %d: %w", r, c, ErrRange)
		}
	}
	for d, n := range p.Need {
		if n < 0 {
			return nil, fmt.Errorf("stable: Need[%d] = %d: %w", d, n, ErrRange)
		}
	}
	s := newSolver(p, m)
	res := &Result{Flow: s.flow, Stable: true}
	for d := range int32(len(p.Need)) {
		for s.active(d) {
			s.chain(d)
			res.Rounds++
			if res.Rounds%checkEvery == 0 && ctx.Err() != nil {
				res.Stable = false
				return res, nil
			}
		}
	}
	return res, nil
}

// solver is the state of deferred acceptance.
//
// Invariants: for every edge f that demand d has passed (before ptr[d] in
// its list), resource R[f] is full and holds only edges it ranks at least
// as high as f; edges after ptr[d] carry no flow. A full resource stays
// full and the lowest edge it holds only moves up.
type solver struct {
	p *Problem

	flow  []int64
	used  []int64 // per resource: Σ flow
	unmet []int64 // per demand: Need − Σ flow

	// demand preference lists, best first: dList[dOff[d]:dOff[d+1]]
	dOff, dList []int32
	ptr         []int32 // per demand: index into dList of its next offer

	// rank[e]: position of e in R[e]'s preference list, 0 the best.
	rank []int32
	// per resource a max-heap on rank of the edges with flow > 0 (the
	// lowest-ranked on top), stored in heap[hOff[r]:hOff[r]+hLen[r]].
	hOff, hLen, heap []int32

	// the current chain: step i is demand px[i] offering edge pe[i] at a
	// full resource that gives up some of its lowest edge pf[i].
	px, pe, pf []int32
	onChain    []int32 // per demand: 1 + its step on the chain, or 0
}

func newSolver(p *Problem, m int) *solver {
	nr, nd := len(p.Cap), len(p.Need)
	s := &solver{
		p:       p,
		flow:    make([]int64, m),
		used:    make([]int64, nr),
		unmet:   slices.Clone(p.Need),
		rank:    make([]int32, m),
		hLen:    make([]int32, nr),
		heap:    make([]int32, m),
		onChain: make([]int32, nd),
	}
	s.dOff, s.dList = buckets(nd, p.D, func(a, b int32) int {
		return cmp.Or(cmp.Compare(p.DemandPref[b], p.DemandPref[a]), cmp.Compare(a, b))
	})
	s.ptr = slices.Clone(s.dOff[:nd])
	var rList []int32
	s.hOff, rList = buckets(nr, p.R, func(a, b int32) int {
		return cmp.Or(cmp.Compare(p.ResourcePref[b], p.ResourcePref[a]), cmp.Compare(a, b))
	})
	for r := range nr {
		for i, e := range rList[s.hOff[r]:s.hOff[r+1]] {
			s.rank[e] = int32(i)
		}
	}
	return s
}

// buckets groups the edges by owner[e] (counting sort) and sorts each
// group with order; group v is list[off[v]:off[v+1]].
func buckets(n int, owner []int32, order func(a, b int32) int) (off, list []int32) {
	off = make([]int32, n+1)
	for _, v := range owner {
		off[v+1]++
	}
	for v := range n {
		off[v+1] += off[v]
	}
	list = make([]int32, len(owner))
	next := slices.Clone(off[:n])
	for e, v := range owner {
		list[next[v]] = int32(e)
		next[v]++
	}
	for v := range n {
		slices.SortFunc(list[off[v]:off[v+1]], order)
	}
	return off, list
}

// active reports whether d has unmet need and an edge left to offer it on.
func (s *solver) active(d int32) bool {
	return s.unmet[d] > 0 && s.ptr[d] < s.dOff[d+1]
}

// chain follows one chain of offers from the active demand d and moves a
// block of quantity along it (or around the cycle it closes).
func (s *solver) chain(d int32) {
	p := s.p
	s.px, s.pe, s.pf = s.px[:0], s.pe[:0], s.pf[:0]
	defer func() {
		for _, x := range s.px {
			s.onChain[x] = 0
		}
	}()
	x, a := d, s.unmet[d]
	for {
		if s.ptr[x] == s.dOff[x+1] {
			// x has no edge left: it takes the loss
			s.push(0, a)
			s.unmet[d] -= a
			s.unmet[x] += a
			return
		}
		e := s.dList[s.ptr[x]]
		r := p.R[e]
		if spare := p.Cap[r] - s.used[r]; spare > 0 {
			a = min(a, spare)
			s.push(0, a)
			s.add(e, a)
			s.used[r] += a
			s.unmet[d] -= a
			return
		}
		if s.hLen[r] == 0 {
			s.ptr[x]++ // capacity 0
			continue
		}
		f := s.heap[s.hOff[r]]
		if s.rank[f] <= s.rank[e] {
			s.ptr[x]++ // r is full of edges it ranks at least as high as e
			continue
		}
		// r gives up some of f for e
		s.px = append(s.px, x)
		s.pe = append(s.pe, e)
		s.pf = append(s.pf, f)
		s.onChain[x] = int32(len(s.px))
		a = min(a, s.flow[f])
		y := p.D[f]
		if i := s.onChain[y]; i > 0 {
			// a cycle from step i−1 on: move its bottleneck around it
			c := s.flow[s.pf[i-1]]
			for _, f := range s.pf[i:] {
				c = min(c, s.flow[f])
			}
			s.push(int(i-1), c)
			return
		}
		x = y
	}
}

// push moves a units along chain steps from..len−1: onto each offered edge
// and off each bumped one.
func (s *solver) push(from int, a int64) {
	for i := from; i < len(s.pe); i++ {
		s.add(s.pe[i], a)
		f := s.pf[i]
		s.flow[f] -= a
		if s.flow[f] == 0 {
			s.pop(s.p.R[f]) // f is the lowest edge its resource holds
		}
	}
}

// add puts a units on edge e, entering it in its resource's heap if new.
func (s *solver) add(e int32, a int64) {
	if s.flow[e] == 0 {
		s.hpush(s.p.R[e], e)
	}
	s.flow[e] += a
}

// hpush and pop maintain r's max-heap on rank; a hand-written binary heap
// over one shared array, since container/heap would need an interface value
// per resource.
func (s *solver) hpush(r, e int32) {
	h := s.heap[s.hOff[r]:s.hOff[r+1]]
	i := s.hLen[r]
	s.hLen[r]++
	for i > 0 {
		up := (i - 1) / 2
		if s.rank[h[up]] >= s.rank[e] {
			break
		}
		h[i] = h[up]
		i = up
	}
	h[i] = e
}

func (s *solver) pop(r int32) {
	h := s.heap[s.hOff[r] : s.hOff[r]+s.hLen[r]]
	n := int32(len(h)) - 1
	s.hLen[r] = n
	if n == 0 {
		return
	}
	e := h[n]
	i := int32(0)
	for {
		c := 2*i + 1
		if c >= n {
			break
		}
		if c+1 < n && s.rank[h[c+1]] > s.rank[h[c]] {
			c++
		}
		if s.rank[h[c]] <= s.rank[e] {
			break
		}
		h[i] = h[c]
		i = c
	}
	h[i] = e
}
