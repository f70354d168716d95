// Package flow solves minimum-cost flow problems exactly, in int64
// arithmetic, with a primal network simplex.
//
// # Problem
//
// Given a directed network with node supplies b, and per arc a lower bound
// l, a capacity u and a cost c, [Solve] finds a flow x minimising
//
//	Σ_a c(a)·x(a)
//	subject to  l(a) ≤ x(a) ≤ u(a)                        for every arc a
//	            Σ_{a out of v} x(a) − Σ_{a into v} x(a) = b(v)  for every node v
//
// together with node potentials π proving optimality: the reduced cost
// c(a) + π(from) − π(to) is ≥ 0 on every arc with x(a) < u(a) and ≤ 0 on
// every arc with x(a) > l(a). Supplies must sum to zero; a capacity of
// [Inf] means unbounded.
//
// [SolveTransport] is the front end the matcher uses: a bipartite
// resources × demands problem maximising Σ score·flow with partial
// fulfilment, optionally lexicographically after a weighted coverage
// objective. It splits the problem into connected components and solves
// them in parallel; the output does not depend on the scheduling.
//
// # Algorithm and complexity
//
// The solver is a port of the network simplex of LEMON 1.3 (Kovács,
// "Minimum-cost flow algorithms: an experimental evaluation", Optimization
// Methods and Software 30(1), 2015; lemon/network_simplex.h): a strongly
// feasible spanning tree stored in parent/thread/succ_num/last_succ arrays
// under an artificial root, block-search or candidate-list pricing and arc
// mixing. Each pivot costs O(n) in the worst case (tree update) plus the
// pricing; the number of pivots is not polynomially bounded in theory but is
// observed to grow roughly like n·√m on matching instances. Memory is
// O(n + m). The transportation front end starts from an all-slack tree rooted
// at a real hub node, which needs no big-M costs and no phase one.
//
// # Errors and panics
//
// Inputs whose shape is wrong (slices of the wrong length, node indices out
// of range) are programming errors and panic. Data-dependent failures are
// returned as errors wrapping the sentinels [ErrInfeasible],
// [ErrUnbounded] and [ErrRange] (numbers too large to be solved exactly in
// int64, or negative capacities). A cancelled or expired context is not an
// error when a feasible plan is at hand: the result then has Optimal ==
// false (see [Solve] and [SolveTransport]).
package flow

import (
	"context"
	"errors"
	"fmt"
	"math"
)

// Sentinel errors; returned errors wrap them, test with errors.Is.
var (
	// ErrInfeasible: no flow satisfies the bounds and supplies.
	ErrInfeasible = errors.New("flow: infeasible")
	// ErrUnbounded: a negative-cost cycle has unbounded capacity.
	ErrUnbounded = errors.New("flow: unbounded")
	// ErrRange: a number is outside the range the solver handles exactly
	// (see [MaxValue]) or a quantity that must not be negative is.
	ErrRange = errors.New("flow: value out of range")
)

// MaxValue bounds the magnitude of supplies, finite bounds and costs. The
// solver further requires that (n+2)·4·max|cost| and the total cost of any
// flow fit in an int64, and reports [ErrRange] otherwise.
const MaxValue = 1 << 60

// Network is a min-cost-flow instance over nodes 0..N-1 and arcs
// 0..len(From)-1. From, To, Lower, Cap and Cost must have the same length;
// Lower may be nil (all zero).
type Network struct {
	N      int
	Supply []int64 // per node: > 0 supplies flow, < 0 demands it; sums to 0
	From   []int32
	To     []int32
	Lower  []int64 // per arc lower bound, or nil
	Cap    []int64 // per arc capacity (≥ Lower), or Inf
	Cost   []int64
}

// PivotRule selects how the entering arc is priced.
type PivotRule int

const (
	// Auto lets the solver choose: for Solve, candidate list on networks
	// with more than 20,000 arcs and block search otherwise; for
	// SolveTransport, block search with blocks of 0.25·√m arcs.
	Auto PivotRule = iota
	// BlockSearch scans blocks of about √m arcs and takes the best
	// eligible arc of the first block that has one (LEMON's default).
	BlockSearch
	// CandidateList keeps a short list of eligible arcs and re-prices it
	// for a few minor iterations before a new major scan.
	CandidateList
)

func (p PivotRule) String() string {
	switch p {
	case Auto:
		return "auto"
	case BlockSearch:
		return "block"
	case CandidateList:
		return "candidate"
	}
	return fmt.Sprintf("PivotRule(%d)", int(p))
}

// Objective selects what [SolveTransport] maximises.
type Objective int

const (
	// Welfare maximises Σ score·flow.
	Welfare Objective = iota
	// Coverage maximises Σ weight(demand)·flow first and Σ score·flow
	// second (lexicographically), exactly.
	Coverage
)

// Options tunes a solve. The zero value is a good default.
type Options struct {
	Pivot       PivotRule
	NoArcMixing bool      // keep arcs in input order for pricing
	Objective   Objective // SolveTransport only
	// Workers bounds the components solved at once by SolveTransport;
	// 0 means runtime.GOMAXPROCS(0).
	Workers int
}

// Basis is the final spanning tree, kept so that a later solve can start
// from it. Parent[v] is v's parent node and Pred[v] the arc joining them, or
// -1 for both when v hangs directly off the solver's artificial root.
type Basis struct {
	State  []int8 // per arc: -1 at its upper bound, 0 in the tree, +1 at its lower bound
	Parent []int32
	Pred   []int32
}

// Result is the outcome of [Solve].
type Result struct {
	Flow []int64 // per arc
	// Potential per node: reduced cost of arc a is
	// Cost[a] + Potential[From[a]] − Potential[To[a]].
	Potential []int64
	Cost      int64 // Σ Cost·Flow
	// Optimal is false when the context ended the solve early; Flow is
	// then feasible but not proven optimal and Potential is not a
	// certificate.
	Optimal bool
	Pivots  int
	Basis   *Basis
}

func (g *Network) arcs() int { return len(g.From) }

// check panics on shape errors and returns ErrRange/ErrInfeasible for
// data errors. It returns the largest |cost|.
func (g *Network) check() (maxCost int64, err error) {
	n, m := g.N, len(g.From)
	if n < 0 || len(g.Supply) != n {
		panic(fmt.Sprintf("flow: %d supplies for %d nodes", len(g.Supply), n))
	}
	if len(g.To) != m || len(g.Cap) != m || len(g.Cost) != m || (g.Lower != nil && len(g.Lower) != m) {
		panic("flow: From, To, Lower, Cap and Cost differ in length")
	}
	if n >= math.MaxInt32-1 || m >= math.MaxInt32-n-1 {
		panic("flow: network too large")
	}
	var sum int64
	for v, b := range g.Supply {
		if b > MaxValue || b < -MaxValue {
			return 0, fmt.Errorf("%w: node %d: supply %d", ErrRange, v, b)
		}
		sum += b
	}
	for a := range m {
		u, v := g.From[a], g.To[a]
		if u < 0 || int(u) >= n || v < 0 || int(v) >= n {
			panic(fmt.Sprintf("flow: arc %d: node out of range [0,%d)", a, n))
		}
		lo := g.lower(a)
		c := g.Cap[a]
		if lo > MaxValue || lo < -MaxValue || (c != Inf && (c > MaxValue || c < -MaxValue)) {
			return 0, fmt.Errorf("%w: arc %d: bounds [%d, %d]", ErrRange, a, lo, c)
		}
		if lo > c {
			return 0, fmt.Errorf("%w: arc %d: lower bound %d above capacity %d", ErrInfeasible, a, lo, c)
		}
		k := g.Cost[a]
		if k > MaxValue || k < -MaxValue {
			return 0, fmt.Errorf("%w: arc %d: cost %d", ErrRange, a, k)
		}
		maxCost = max(maxCost, k, -k)
	}
	if sum != 0 {
		return 0, fmt.Errorf("%w: supplies sum to %d, not 0", ErrInfeasible, sum)
	}
	if maxCost > 0 && int64(n+2) > math.MaxInt64/4/maxCost {
		return 0, fmt.Errorf("%w: costs up to %d on %d nodes may overflow potentials", ErrRange, maxCost, n)
	}
	return maxCost, nil
}

func (g *Network) lower(a int) int64 {
	if g.Lower == nil {
		return 0
	}
	return g.Lower[a]
}

// Solve returns a minimum-cost flow of g. It returns an error wrapping
// ErrInfeasible or ErrUnbounded when there is none, ErrRange when the
// numbers are too large (see [MaxValue]). It panics if g is malformed.
//
// Solve checks ctx every few hundred pivots. When ctx ends the solve and the
// current tree already carries a feasible flow, that flow is returned with
// Optimal == false and a nil error; otherwise the error is ctx.Err().
func Solve(ctx context.Context, g *Network, opt Options) (*Result, error) {
	maxCost, err := g.check()
	if err != nil {
		return nil, err
	}
	n, m := g.N, g.arcs()
	s := new(simplex)
	s.reset(n, m)
	pos := make([]int32, m)
	if opt.NoArcMixing {
		for a := range pos {
			pos[a] = int32(a)
		}
	} else {
		mixOrder(pos, n, m)
	}
	copy(s.supply, g.Supply)
	for a := range m {
		i := pos[a]
		s.source[i], s.target[i] = g.From[a], g.To[a]
		s.cost[i] = g.Cost[a]
		lo, c := g.lower(a), g.Cap[a]
		if c == Inf {
			s.cap[i] = Inf
		} else {
			s.cap[i] = c - lo
		}
		if lo != 0 {
			s.supply[g.From[a]] -= lo
			s.supply[g.To[a]] += lo
		}
	}
	// A root→v arc costs more than any simple path of residual arcs, so
	// it carries flow at the optimum only if nothing else can.
	art := maxCost*int64(n) + 1
	s.initTree(art)
	s.initPricing(choosePivot(opt.Pivot, m), 1)
	if !s.initialPivots() {
		return nil, ErrUnbounded
	}
	status := s.run(ctx)
	if status == runUnbounded {
		return nil, ErrUnbounded
	}
	for e := m; e < m+n; e++ {
		if s.flow[e] != 0 {
			if status == runStopped {
				return nil, ctx.Err()
			}
			return nil, fmt.Errorf("%w: node %d cannot ship or receive %d units", ErrInfeasible, e-m, s.flow[e])
		}
	}
	res := &Result{
		Flow:      make([]int64, m),
		Potential: make([]int64, n),
		Optimal:   status == runOptimal,
		Pivots:    s.pivots,
		Basis:     &Basis{State: make([]int8, m), Parent: make([]int32, n), Pred: make([]int32, n)},
	}
	var total int64
	for a := range m {
		i := pos[a]
		f := s.flow[i] + g.lower(a)
		res.Flow[a] = f
		res.Basis.State[a] = s.state[i]
		var ok bool
		if total, ok = mulAdd(total, f, g.Cost[a]); !ok {
			return nil, fmt.Errorf("%w: total cost overflows int64", ErrRange)
		}
	}
	res.Cost = total
	copy(res.Potential, s.pi[:n])
	inv := make([]int32, m)
	for a, i := range pos {
		inv[i] = int32(a)
	}
	for v := range n {
		p, e := s.parent[v], s.pred[v]
		if p == s.root || int(e) >= m {
			res.Basis.Parent[v], res.Basis.Pred[v] = -1, -1
			continue
		}
		res.Basis.Parent[v], res.Basis.Pred[v] = p, inv[e]
	}
	return res, nil
}

func choosePivot(p PivotRule, m int) PivotRule {
	if p != Auto {
		return p
	}
	if m > 20000 {
		return CandidateList
	}
	return BlockSearch
}

// mulAdd returns acc + a·b and whether it did not overflow.
func mulAdd(acc, a, b int64) (int64, bool) {
	if a == 0 || b == 0 {
		return acc, true
	}
	p := a * b
	if p/b != a || (a == -1 && b == math.MinInt64) || (b == -1 && a == math.MinInt64) {
		return 0, false
	}
	r := acc + p
	if (p > 0 && r < acc) || (p < 0 && r > acc) {
		return 0, false
	}
	return r, true
}

type runStatus int

const (
	runOptimal runStatus = iota
	runUnbounded
	runStopped
)

// checkEvery is how many pivots pass between two looks at the context.
const checkEvery = 256

// run pivots until optimality, unboundedness or the end of ctx.
func (s *simplex) run(ctx context.Context) runStatus {
	done := ctx.Done()
	k := checkEvery
	for s.findEnteringArc() {
		if !s.pivot() {
			return runUnbounded
		}
		if k--; k == 0 {
			k = checkEvery
			if done != nil {
				select {
				case <-done:
					return runStopped
				default:
				}
			}
		}
	}
	return runOptimal
}

// initialPivots is LEMON's start heuristic: for a single source and sink
// it pivots in a path of arcs wide enough for the whole supply, otherwise
// the cheapest in-arc of every demand node. It reports false if a pivot
// finds an unbounded cycle.
func (s *simplex) initialPivots() bool {
	n, m := s.n, s.m
	var total int64
	var sup, dem []int32
	for u := range n {
		c := s.supply[u]
		if c > 0 {
			total += c
			sup = append(sup, int32(u))
		} else if c < 0 {
			dem = append(dem, int32(u))
		}
	}
	if total <= 0 {
		return true
	}
	var arcs []int32
	if len(sup) == 1 && len(dem) == 1 {
		// reverse depth-first search from the sink over wide arcs
		head := make([]int32, n+1)
		for e := range m {
			head[s.target[e]+1]++
		}
		for v := range n {
			head[v+1] += head[v]
		}
		in := make([]int32, m)
		fill := append([]int32(nil), head[:n]...)
		for e := range m {
			t := s.target[e]
			in[fill[t]] = int32(e)
			fill[t]++
		}
		reached := make([]bool, n)
		src, snk := sup[0], dem[0]
		reached[snk] = true
		stack := []int32{snk}
		for len(stack) > 0 {
			v := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if v == src {
				break
			}
			for _, e := range in[head[v]:head[v+1]] {
				u := s.source[e]
				if reached[u] {
					continue
				}
				if s.cap[e] >= total {
					arcs = append(arcs, e)
					reached[u] = true
					stack = append(stack, u)
				}
			}
		}
	} else {
		best := make([]int32, n)
		for i := range best {
			best[i] = -1
		}
		for e := range m {
			t := s.target[e]
			if s.supply[t] < 0 && (best[t] < 0 || s.cost[e] < s.cost[best[t]]) {
				best[t] = int32(e)
			}
		}
		for _, v := range dem {
			if best[v] >= 0 {
				arcs = append(arcs, best[v])
			}
		}
	}
	for _, e := range arcs {
		if s.reduced(int(e)) >= 0 {
			continue
		}
		s.inArc = e
		if !s.pivot() {
			return false
		}
	}
	return true
}
