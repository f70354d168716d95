package flow

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/bits"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
)

// Transport is a bipartite transportation problem: resources with
// capacities, demands with needs, and candidate edges (R[e], D[e]) with an
// integer Score[e]. A plan sends Flow[e] ≥ 0 units over each edge with
//
//	Σ_{e: R[e]=r} Flow[e] ≤ Cap[r]   and   Σ_{e: D[e]=d} Flow[e] ≤ Need[d];
//
// partial fulfilment is allowed. Quantities already pinned (confirmed
// claims) are the caller's to subtract from Cap and Need beforehand.
type Transport struct {
	Cap   []int64 // per resource, ≥ 0
	Need  []int64 // per demand, ≥ 0
	R, D  []int32 // per edge: resource and demand index
	Score []int64 // per edge
	// Weight per demand, used by the Coverage objective (nil: all 1).
	Weight []int64
}

// TransportResult is a plan for a [Transport] and its certificate.
type TransportResult struct {
	Flow []int64 // per edge
	// Duals: with Optimal set, ResourceDual[r] ≥ 0, DemandDual[d] ≥ 0,
	// ResourceDual[R[e]] + DemandDual[D[e]] ≥ value(e) on every edge, with
	// equality where Flow[e] > 0, a resource dual of 0 where capacity is
	// left and a demand dual of 0 where need is left. value(e) is Score[e]
	// for Welfare and Weight[D[e]]·M + Score[e] for Coverage (M as in
	// Scale). They are zero when Optimal is false.
	ResourceDual []int64
	DemandDual   []int64
	Score        int64 // Σ Score·Flow
	Covered      int64 // Σ Weight·Flow (Weight nil: Σ Flow)
	Optimal      bool  // false when the context ended the solve early
	Pivots       int
	Components   int   // connected components of the useful edges (value > 0, both ends non-empty)
	Scale        int64 // M of the Coverage objective (the least power of two above flow·(score span)), 0 for Welfare
}

func (t *Transport) check() {
	m := len(t.R)
	if len(t.D) != m || len(t.Score) != m {
		panic("flow: Transport R, D and Score differ in length")
	}
	if t.Weight != nil && len(t.Weight) != len(t.Need) {
		panic("flow: Transport has a Weight slice not matching Need")
	}
	nr, nd := len(t.Cap), len(t.Need)
	for e := range m {
		if t.R[e] < 0 || int(t.R[e]) >= nr || t.D[e] < 0 || int(t.D[e]) >= nd {
			panic(fmt.Sprintf("flow: Transport edge %d: (%d,%d) out of range", e, t.R[e], t.D[e]))
		}
	}
	if int64(nr)+int64(nd) >= math.MaxInt32-1 || int64(m) >= math.MaxInt32/2 {
		panic("flow: Transport too large")
	}
}

func (t *Transport) weight(d int32) int64 {
	if t.Weight == nil {
		return 1
	}
	return t.Weight[d]
}

// values returns each edge's objective coefficient (scaled for Coverage),
// and the scale M, or an ErrRange error.
func (t *Transport) values(obj Objective) ([]int64, int64, error) {
	var capSum, needSum int64
	for r, c := range t.Cap {
		if c < 0 || c > MaxValue {
			return nil, 0, fmt.Errorf("%w: resource %d: capacity %d", ErrRange, r, c)
		}
		capSum += c
	}
	for d, c := range t.Need {
		if c < 0 || c > MaxValue {
			return nil, 0, fmt.Errorf("%w: demand %d: need %d", ErrRange, d, c)
		}
		needSum += c
	}
	if capSum > MaxValue || needSum > MaxValue {
		return nil, 0, fmt.Errorf("%w: total capacity %d or need %d", ErrRange, capSum, needSum)
	}
	flowMax := min(capSum, needSum)
	nodes := int64(len(t.Cap) + len(t.Need) + 2)
	var hi, lo int64
	for e, s := range t.Score {
		if s > MaxValue || s < -MaxValue {
			return nil, 0, fmt.Errorf("%w: edge %d: score %d", ErrRange, e, s)
		}
		hi, lo = max(hi, s), min(lo, s)
	}
	vals := t.Score
	var scale int64
	if obj == Coverage {
		var wmax int64
		for d, w := range t.Weight {
			if w < 0 || w > MaxValue {
				return nil, 0, fmt.Errorf("%w: demand %d: weight %d", ErrRange, d, w)
			}
			wmax = max(wmax, w)
		}
		if t.Weight == nil {
			wmax = 1
		}
		// Σ score·flow varies by at most flowMax·(hi−lo) over all plans, so
		// one unit of weight outweighs any change of score.
		span := hi - lo
		if flowMax > 0 && span > (MaxValue-1)/flowMax {
			return nil, 0, fmt.Errorf("%w: coverage scale %d×%d too large", ErrRange, flowMax, span)
		}
		// Rounded up to a power of two: any M above the bound gives the
		// same optima, and a power of two changes only when the bound
		// doubles, so that a small change of one quantity leaves every
		// component's values as they were (a Cache reuses them).
		scale = 1 << bits.Len64(uint64(flowMax*span))
		if wmax > 0 && scale > (MaxValue-hi)/wmax {
			return nil, 0, fmt.Errorf("%w: coverage weights up to %d times scale %d", ErrRange, wmax, scale)
		}
		vals = make([]int64, len(t.Score))
		for e, s := range t.Score {
			vals[e] = t.weight(t.D[e])*scale + s
		}
		hi = wmax*scale + hi
	}
	maxAbs := max(hi, -lo)
	if maxAbs > 0 && (nodes > math.MaxInt64/4/maxAbs || (flowMax > 0 && maxAbs > math.MaxInt64/flowMax)) {
		return nil, 0, fmt.Errorf("%w: values up to %d on %d nodes, flow up to %d", ErrRange, maxAbs, nodes, flowMax)
	}
	return vals, scale, nil
}

// component is one connected part of the edge graph: its edges (ascending
// original index), resources and demands (ascending).
type component struct {
	edges, res, dem []int32
}

// components splits the useful edges (positive value, both ends with
// positive quantity) into connected components with a union-find, ordered
// by decreasing size then by first edge.
//
// The returned release gives the memory of the components back for reuse:
// call it once the components are no longer read.
func (t *Transport) components(vals []int64) ([]component, func()) {
	nr := len(t.Cap)
	n := nr + len(t.Need)
	bufs := getInt32s(3)
	useful := func(e int) bool {
		return vals[e] > 0 && t.Cap[t.R[e]] > 0 && t.Need[t.D[e]] > 0
	}
	forest := JoinEdges(bufs.get(0, n), nr, t.R, t.D, useful)
	// number components by their smallest node, count edges and nodes
	id := bufs.get(1, n)
	for i := range id {
		id[i] = -1
	}
	var nEdges []int32
	nc := int32(0)
	compOf := func(v int32) int32 {
		r := forest.Find(v)
		if id[r] < 0 {
			id[r] = nc
			nc++
			nEdges = append(nEdges, 0)
		}
		return id[r]
	}
	edgeComp := bufs.get(2, len(t.R))
	for e := range t.R {
		if !useful(e) {
			edgeComp[e] = -1
			continue
		}
		c := compOf(t.R[e])
		edgeComp[e] = c
		nEdges[c]++
	}
	comps := make([]component, nc)
	for c := range comps {
		comps[c].edges = make([]int32, 0, nEdges[c])
	}
	for e, c := range edgeComp {
		if c >= 0 {
			comps[c].edges = append(comps[c].edges, int32(e))
		}
	}
	for v := range int32(n) {
		r := forest.Find(v)
		if id[r] < 0 {
			continue // no useful edge
		}
		c := &comps[id[r]]
		if v < int32(nr) {
			c.res = append(c.res, v)
		} else {
			c.dem = append(c.dem, v-int32(nr))
		}
	}
	slices.SortStableFunc(comps, func(a, b component) int {
		if c := cmp.Compare(len(b.edges), len(a.edges)); c != 0 {
			return c
		}
		return cmp.Compare(a.edges[0], b.edges[0])
	})
	return comps, bufs.put
}

// int32s are scratch arrays of the solves, pooled: a solve's working
// memory is reused by the next instead of left to the collector (which
// would mark the whole heap for each few megabytes a solve allocates).
type int32s struct{ a [][]int32 }

var int32Pool sync.Pool // of *int32s

func getInt32s(n int) *int32s {
	b, _ := int32Pool.Get().(*int32s)
	if b == nil {
		b = &int32s{}
	}
	for len(b.a) < n {
		b.a = append(b.a, nil)
	}
	return b
}

// get returns array i with length n (contents undefined).
func (b *int32s) get(i, n int) []int32 {
	if cap(b.a[i]) < n {
		b.a[i] = make([]int32, n)
	}
	b.a[i] = b.a[i][:n]
	return b.a[i]
}

func (b *int32s) put() { int32Pool.Put(b) }

// SolveTransport returns a plan maximising the objective of opt.Objective
// (Welfare by default) and, when Optimal, its dual certificate. It panics
// on malformed input (slices of the wrong length, indices out of range) and
// returns an ErrRange error when quantities are negative or the numbers do
// not fit exactly in int64 (Coverage multiplies weights by a scale M
// greater than the largest possible change of total score).
//
// Components are solved in parallel by opt.Workers goroutines, largest
// first; each is solved deterministically and writes only its own edges, so
// the result is identical for any scheduling and worker count.
//
// When ctx ends before every component is solved, SolveTransport still
// returns a feasible plan with Optimal == false and a nil error: solved
// components keep their optimal flow; an interrupted component keeps the
// better of its current simplex flow and the greedy plan; a component not
// yet started gets the greedy plan (see [Greedy]).
func SolveTransport(ctx context.Context, t *Transport, opt Options) (*TransportResult, error) {
	vals, comps, release, res, err := t.begin(opt.Objective)
	if err != nil {
		return nil, err
	}
	defer release()
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = max(1, min(workers, len(comps)))
	if len(t.R) < serialEdges {
		workers = 1 // goroutines cost more than they save
	}
	var next atomic.Int64
	var pivots atomic.Int64
	var stopped atomic.Bool
	solveAll := func(w *worker) {
		for {
			i := int(next.Add(1) - 1)
			if i >= len(comps) {
				return
			}
			p, ok := w.solve(ctx, t, vals, &comps[i], opt, res)
			pivots.Add(int64(p))
			if !ok {
				stopped.Store(true)
			}
		}
	}
	runWorkers(workers, solveAll)
	t.finish(vals, res, int(pivots.Load()), stopped.Load())
	return res, nil
}

// begin checks t and returns each edge's value under obj, the components
// (release gives their memory back once they are no longer read) and the
// empty result of a solve.
func (t *Transport) begin(obj Objective) (vals []int64, comps []component, release func(), res *TransportResult, err error) {
	t.check()
	vals, scale, err := t.values(obj)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	comps, release = t.components(vals)
	res = &TransportResult{
		Flow:         make([]int64, len(t.R)),
		ResourceDual: make([]int64, len(t.Cap)),
		DemandDual:   make([]int64, len(t.Need)),
		Optimal:      true,
		Components:   len(comps),
		Scale:        scale,
	}
	return vals, comps, release, res, nil
}

// runWorkers runs solveAll, each with its own worker, on the calling
// goroutine when workers is 1, else on that many goroutines; solveAll
// takes components from a shared counter until none are left.
func runWorkers(workers int, solveAll func(*worker)) {
	if workers == 1 {
		solveAll(new(worker))
		return
	}
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() { solveAll(new(worker)) })
	}
	wg.Wait()
}

// finish completes res once every component is solved: pivots, the duals
// (cleared when the deadline stopped a component, as the plan is then not
// proven optimal) and the totals.
func (t *Transport) finish(vals []int64, res *TransportResult, pivots int, stopped bool) {
	res.Pivots = pivots
	if stopped {
		res.Optimal = false
		clear(res.ResourceDual)
		clear(res.DemandDual)
	} else {
		t.zeroDuals(vals, res)
	}
	res.Score, res.Covered = t.totals(res.Flow)
}

// zeroDuals prices the resources and demands with nothing to give or
// take, which no component covers: each gets the least dual that keeps
// every edge's reduced cost non-negative (resources first, then demands).
func (t *Transport) zeroDuals(vals []int64, res *TransportResult) {
	u, v := res.ResourceDual, res.DemandDual
	for e, val := range vals {
		if r := t.R[e]; t.Cap[r] == 0 {
			u[r] = max(u[r], val-v[t.D[e]])
		}
	}
	for e, val := range vals {
		if d := t.D[e]; t.Need[d] == 0 {
			v[d] = max(v[d], val-u[t.R[e]])
		}
	}
}

func (t *Transport) totals(flow []int64) (score, covered int64) {
	for e, f := range flow {
		if f != 0 {
			score += f * t.Score[e]
			covered += f * t.weight(t.D[e])
		}
	}
	return score, covered
}

// transportBlockFactor sizes the pricing blocks of the transportation
// front end: 0.25·√m was the fastest of 0.25, 0.5 and 1 on the peers'
// medium and large instances (fewer arcs priced per pivot outweigh the
// extra pivots).
const transportBlockFactor = 0.25

// serialEdges is the problem size below which components are solved on
// the calling goroutine.
const serialEdges = 5000

// worker owns the scratch memory of one goroutine.
type worker struct {
	s     simplex
	local []int32 // node index → local index
	pos   []int32
	order []int32
}

// solve solves one component into res; it reports the pivots and false if
// ctx ended it (the component then holds a feasible, non-optimal plan).
func (w *worker) solve(ctx context.Context, t *Transport, vals []int64, c *component, opt Options, res *TransportResult) (int, bool) {
	if ctx.Err() != nil {
		w.greedy(t, vals, c, res.Flow)
		return 0, false
	}
	nr, nd, m := len(c.res), len(c.dem), len(c.edges)
	if m == 1 {
		// a single edge: saturate it; the scarcer side earns its value
		e, r, d := c.edges[0], c.res[0], c.dem[0]
		f := min(t.Cap[r], t.Need[d])
		res.Flow[e] = f
		if t.Cap[r] <= t.Need[d] {
			res.ResourceDual[r] = vals[e]
		} else {
			res.DemandDual[d] = vals[e]
		}
		return 0, true
	}
	n := nr + nd
	s := &w.s
	s.hub = true
	s.uncap = true
	s.reset(n, m)
	nAll := len(t.Cap) + len(t.Need)
	if len(w.local) < nAll {
		w.local = make([]int32, nAll)
	}
	nrAll := int32(len(t.Cap))
	for i, r := range c.res {
		w.local[r] = int32(i)
		s.supply[i] = t.Cap[r]
	}
	for i, d := range c.dem {
		w.local[nrAll+d] = int32(nr + i)
		s.supply[nr+i] = -t.Need[d]
	}
	w.pos = grow(w.pos, m)
	if opt.NoArcMixing {
		for i := range w.pos {
			w.pos[i] = int32(i)
		}
	} else {
		mixOrder(w.pos, n, m)
	}
	for k, e := range c.edges {
		i := w.pos[k]
		s.source[i] = w.local[t.R[e]]
		s.target[i] = w.local[nrAll+t.D[e]]
		s.cost[i] = -vals[e]
		s.cap[i] = Inf
	}
	s.initTree(0)
	rule := opt.Pivot
	if rule == Auto {
		rule = BlockSearch
	}
	s.initPricing(rule, transportBlockFactor)
	status := s.run(ctx)
	if status == runUnbounded {
		panic("flow: transport subproblem unbounded") // cannot happen: every cycle has a finite arc
	}
	for k, e := range c.edges {
		res.Flow[e] = s.flow[w.pos[k]]
	}
	if status == runStopped {
		// keep the better of the simplex's feasible flow and greedy
		var simplexVal, greedyVal int64
		for _, e := range c.edges {
			simplexVal += res.Flow[e] * vals[e]
		}
		saved := make([]int64, 0, m)
		for _, e := range c.edges {
			saved = append(saved, res.Flow[e])
		}
		w.greedy(t, vals, c, res.Flow)
		for _, e := range c.edges {
			greedyVal += res.Flow[e] * vals[e]
		}
		if simplexVal > greedyVal {
			for k, e := range c.edges {
				res.Flow[e] = saved[k]
			}
		}
		return s.pivots, false
	}
	for i, r := range c.res {
		res.ResourceDual[r] = s.pi[i]
	}
	for i, d := range c.dem {
		res.DemandDual[d] = -s.pi[nr+i]
	}
	return s.pivots, true
}

// greedy writes the greedy plan of one component into flow.
func (w *worker) greedy(t *Transport, vals []int64, c *component, flow []int64) {
	w.order = append(w.order[:0], c.edges...)
	greedyInto(t, vals, w.order, flow)
}

// greedyInto fills edges in order of decreasing value (ties: lower index)
// as far as capacities and needs allow. It sorts order in place.
func greedyInto(t *Transport, vals []int64, order []int32, flow []int64) {
	slices.SortFunc(order, func(a, b int32) int {
		if c := cmp.Compare(vals[b], vals[a]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	capLeft := map[int32]int64{}
	needLeft := map[int32]int64{}
	for _, e := range order {
		r, d := t.R[e], t.D[e]
		cl, ok := capLeft[r]
		if !ok {
			cl = t.Cap[r]
		}
		nl, ok := needLeft[d]
		if !ok {
			nl = t.Need[d]
		}
		f := max(0, min(cl, nl))
		if vals[e] <= 0 {
			f = 0
		}
		flow[e] = f
		capLeft[r] = cl - f
		needLeft[d] = nl - f
	}
}

// Greedy returns the greedy-by-score plan: edges sorted by decreasing
// Score (ties by index) each take as much as their resource and demand
// have left; edges with Score ≤ 0 get nothing. It is the fallback of
// [SolveTransport] past a deadline. The result has Optimal == false and no
// duals. It panics on malformed input like SolveTransport.
func Greedy(t *Transport) *TransportResult {
	t.check()
	res := &TransportResult{
		Flow:         make([]int64, len(t.R)),
		ResourceDual: make([]int64, len(t.Cap)),
		DemandDual:   make([]int64, len(t.Need)),
	}
	order := make([]int32, len(t.R))
	for e := range order {
		order[e] = int32(e)
	}
	vals := t.Score
	capLeft := slices.Clone(t.Cap)
	needLeft := slices.Clone(t.Need)
	slices.SortFunc(order, func(a, b int32) int {
		if c := cmp.Compare(vals[b], vals[a]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	for _, e := range order {
		if vals[e] <= 0 {
			break
		}
		r, d := t.R[e], t.D[e]
		f := max(0, min(capLeft[r], needLeft[d]))
		res.Flow[e] = f
		capLeft[r] -= f
		needLeft[d] -= f
	}
	res.Score, res.Covered = t.totals(res.Flow)
	return res
}
