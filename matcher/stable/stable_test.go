package stable

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// checkFeasible fails t unless flow is ≥ 0 and respects Cap and Need.
func checkFeasible(t testing.TB, p *Problem, flow []int64) {
	t.Helper()
	if len(flow) != len(p.R) {
		t.Fatalf("len(flow)=%d, want %d", len(flow), len(p.R))
	}
	used := make([]int64, len(p.Cap))
	got := make([]int64, len(p.Need))
	for e, x := range flow {
		if x < 0 {
			t.Fatalf("flow[%d]=%d, want ≥ 0\n%s", e, x, dump(p))
		}
		used[p.R[e]] += x
		got[p.D[e]] += x
	}
	for r := range used {
		if used[r] > p.Cap[r] {
			t.Fatalf("resource %d uses %d, want ≤ Cap %d\n%s", r, used[r], p.Cap[r], dump(p))
		}
	}
	for d := range got {
		if got[d] > p.Need[d] {
			t.Fatalf("demand %d gets %d, want ≤ Need %d\n%s", d, got[d], p.Need[d], dump(p))
		}
	}
}

// checkStable fails t unless res is feasible, marked stable and has no
// blocking edge.
func checkStable(t testing.TB, p *Problem, res *Result) {
	t.Helper()
	checkFeasible(t, p, res.Flow)
	if !res.Stable {
		t.Fatalf("Stable=false, want true")
	}
	if b := BlockingPairs(p, res.Flow); len(b) > 0 {
		t.Fatalf("blocking edges %v for flow %v\n%s", b, res.Flow, dump(p))
	}
}

// checkRounds fails t unless every chain paid for itself: at most one chain
// per edge, resource and demand, whatever the quantities.
func checkRounds(t testing.TB, p *Problem, res *Result) {
	t.Helper()
	if bound := len(p.R) + len(p.Cap) + len(p.Need); res.Rounds > bound {
		t.Fatalf("rounds=%d, want ≤ E+|R|+|D| = %d\n%s", res.Rounds, bound, dump(p))
	}
}

// dump renders p as a Go literal, ready to become a table row.
func dump(p *Problem) string {
	return fmt.Sprintf("{Cap: %#v, Need: %#v, R: %#v, D: %#v, DemandPref: %#v, ResourcePref: %#v}",
		p.Cap, p.Need, p.R, p.D, p.DemandPref, p.ResourcePref)
}

func mustSolve(t testing.TB, p *Problem) *Result {
	t.Helper()
	res, err := Solve(context.Background(), p)
	if err != nil {
		t.Fatalf("Solve: %v\n%s", err, dump(p))
	}
	return res
}

// randomProblem draws nr resources, nd demands and m edges with capacities
// and needs in [lo, hi] and preferences in [0, prefs) (small prefs give
// ties). Pairs may repeat unless simple is set (then m is an upper bound).
func randomProblem(rng *rand.Rand, nr, nd, m int, lo, hi int64, prefs int64, simple bool) *Problem {
	p := &Problem{Cap: make([]int64, nr), Need: make([]int64, nd)}
	for r := range p.Cap {
		p.Cap[r] = lo + rng.Int64N(hi-lo+1)
	}
	for d := range p.Need {
		p.Need[d] = lo + rng.Int64N(hi-lo+1)
	}
	seen := map[[2]int32]bool{}
	for range m {
		r, d := int32(rng.IntN(nr)), int32(rng.IntN(nd))
		if simple {
			if seen[[2]int32{r, d}] {
				continue
			}
			seen[[2]int32{r, d}] = true
		}
		p.R = append(p.R, r)
		p.D = append(p.D, d)
		p.DemandPref = append(p.DemandPref, rng.Int64N(prefs))
		p.ResourcePref = append(p.ResourcePref, rng.Int64N(prefs))
	}
	return p
}

// naiveDA is the textbook quantity deferred acceptance, a reference for
// small quantities: a queue of demands, each offering its whole unmet need
// on its best edge not yet rejected; the resource keeps its best offers up
// to capacity and rejects the rest. Its running time grows with the
// quantities.
func naiveDA(p *Problem) []int64 {
	m := len(p.R)
	lists := make([][]int32, len(p.Need))
	for e := range int32(m) {
		lists[p.D[e]] = append(lists[p.D[e]], e)
	}
	for _, l := range lists {
		slices.SortFunc(l, func(a, b int32) int {
			if p.demandPrefers(a, b) {
				return -1
			}
			if p.demandPrefers(b, a) {
				return 1
			}
			return 0
		})
	}
	flow := make([]int64, m)
	ptr := make([]int, len(p.Need))
	rejected := make([]bool, m)
	unmet := slices.Clone(p.Need)
	var queue []int32
	for d := range int32(len(p.Need)) {
		queue = append(queue, d)
	}
	for len(queue) > 0 {
		d := queue[0]
		queue = queue[1:]
		for ptr[d] < len(lists[d]) && rejected[lists[d][ptr[d]]] {
			ptr[d]++
		}
		if unmet[d] == 0 || ptr[d] == len(lists[d]) {
			continue
		}
		e := lists[d][ptr[d]]
		r := p.R[e]
		flow[e] += unmet[d]
		unmet[d] = 0
		// r keeps its best edges up to Cap
		var held []int32
		for f := range int32(m) {
			if p.R[f] == r && flow[f] > 0 {
				held = append(held, f)
			}
		}
		slices.SortFunc(held, func(a, b int32) int {
			if p.resourcePrefers(a, b) {
				return -1
			}
			return 1
		})
		left := p.Cap[r]
		for _, f := range held {
			keep := min(flow[f], left)
			left -= keep
			if keep < flow[f] {
				unmet[p.D[f]] += flow[f] - keep
				flow[f] = keep
				rejected[f] = true
				queue = append(queue, p.D[f])
			}
		}
	}
	return flow
}

// Tiny random instances: 1–4 resources and demands, capacities and needs
// 1–3, preferences with many ties, repeated pairs allowed. The result must
// be feasible, stable and equal to the textbook algorithm's.
func TestSolveTinyRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 20000 {
		nr, nd := 1+rng.IntN(4), 1+rng.IntN(4)
		p := randomProblem(rng, nr, nd, rng.IntN(nr*nd+3), 1, 3, 3, false)
		if i%7 == 0 && nr > 1 {
			p.Cap[rng.IntN(nr)] = 0
		}
		if i%11 == 0 && nd > 1 {
			p.Need[rng.IntN(nd)] = 0
		}
		res := mustSolve(t, p)
		checkStable(t, p, res)
		checkRounds(t, p, res)
		if want := naiveDA(p); !slices.Equal(res.Flow, want) {
			t.Fatalf("flow %v, textbook deferred acceptance %v\n%s", res.Flow, want, dump(p))
		}
	}
}

// allStableUnit enumerates the stable matchings of a unit instance (Cap =
// Need = 1, simple edges) as edge sets given by flow vectors.
func allStableUnit(p *Problem) [][]int64 {
	m := len(p.R)
	var out [][]int64
	flow := make([]int64, m)
	usedR := make([]bool, len(p.Cap))
	usedD := make([]bool, len(p.Need))
	var rec func(e int)
	rec = func(e int) {
		if e == m {
			if len(BlockingPairs(p, flow)) == 0 {
				out = append(out, slices.Clone(flow))
			}
			return
		}
		rec(e + 1)
		r, d := p.R[e], p.D[e]
		if !usedR[r] && !usedD[d] {
			usedR[r], usedD[d] = true, true
			flow[e] = 1
			rec(e + 1)
			flow[e] = 0
			usedR[r], usedD[d] = false, false
		}
	}
	rec(0)
	return out
}

// On unit instances the result is a stable matching that every demand
// likes at least as much as any other stable matching (demand-optimal).
func TestDemandOptimalUnit(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 3000 {
		nr, nd := 1+rng.IntN(5), 1+rng.IntN(5)
		p := randomProblem(rng, nr, nd, rng.IntN(nr*nd+1)+1, 1, 1, 4, true)
		res := mustSolve(t, p)
		checkStable(t, p, res)
		all := allStableUnit(p)
		if !slices.ContainsFunc(all, func(f []int64) bool { return slices.Equal(f, res.Flow) }) {
			t.Fatalf("flow %v not among the stable matchings %v\n%s", res.Flow, all, dump(p))
		}
		mine := matchedEdge(p, res.Flow)
		for _, other := range all {
			for d, o := range matchedEdge(p, other) {
				if o >= 0 && (mine[d] < 0 || p.demandPrefers(o, mine[d])) {
					t.Fatalf("demand %d prefers edge %d of stable %v to edge %d of %v\n%s",
						d, o, other, mine[d], res.Flow, dump(p))
				}
			}
		}
	}
}

// matchedEdge returns per demand its edge with flow, or -1.
func matchedEdge(p *Problem, flow []int64) []int32 {
	out := make([]int32, len(p.Need))
	for d := range out {
		out[d] = -1
	}
	for e, x := range flow {
		if x > 0 {
			out[p.D[e]] = int32(e)
		}
	}
	return out
}

// allStableFlows enumerates the stable integer flows of a tiny instance.
func allStableFlows(p *Problem) [][]int64 {
	m := len(p.R)
	var out [][]int64
	flow := make([]int64, m)
	left := slices.Clone(p.Cap)
	need := slices.Clone(p.Need)
	var rec func(e int)
	rec = func(e int) {
		if e == m {
			if len(BlockingPairs(p, flow)) == 0 {
				out = append(out, slices.Clone(flow))
			}
			return
		}
		r, d := p.R[e], p.D[e]
		for x := int64(0); x <= min(left[r], need[d]); x++ {
			flow[e] = x
			left[r] -= x
			need[d] -= x
			rec(e + 1)
			left[r] += x
			need[d] += x
		}
		flow[e] = 0
	}
	rec(0)
	return out
}

// With quantities, demand-optimal means: for every demand d and every k,
// the amount d receives on its k best edges is at least what it receives
// there in any other stable flow.
func TestDemandOptimalQuantities(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for range 1500 {
		nr, nd := 1+rng.IntN(3), 1+rng.IntN(3)
		p := randomProblem(rng, nr, nd, 1+rng.IntN(6), 1, 3, 3, false)
		res := mustSolve(t, p)
		checkStable(t, p, res)
		all := allStableFlows(p)
		if len(all) == 0 {
			t.Fatalf("brute force finds no stable flow\n%s", dump(p))
		}
		for _, other := range all {
			for d := range int32(len(p.Need)) {
				var list []int32
				for e := range int32(len(p.R)) {
					if p.D[e] == d {
						list = append(list, e)
					}
				}
				slices.SortFunc(list, func(a, b int32) int {
					if p.demandPrefers(a, b) {
						return -1
					}
					return 1
				})
				var mine, theirs int64
				for _, e := range list {
					mine += res.Flow[e]
					theirs += other[e]
					if theirs > mine {
						t.Fatalf("demand %d does better in stable %v than in %v\n%s", d, other, res.Flow, dump(p))
					}
				}
			}
		}
	}
}

// BlockingPairs must flag each way an edge can block.
func TestBlockingPairs(t *testing.T) {
	// resources 0, 1 (cap 2); demands 0, 1 (need 2); every pair an edge
	p := &Problem{
		Cap:          []int64{2, 2},
		Need:         []int64{2, 2},
		R:            []int32{0, 0, 1, 1},
		D:            []int32{0, 1, 0, 1},
		DemandPref:   []int64{5, 1, 1, 5},
		ResourcePref: []int64{5, 1, 1, 5},
	}
	for _, tc := range []struct {
		name string
		flow []int64
		want []int
	}{
		{"stable", []int64{2, 0, 0, 2}, nil},
		{"empty", []int64{0, 0, 0, 0}, []int{0, 1, 2, 3}},
		{"swapped", []int64{0, 2, 2, 0}, []int{0, 3}},
		{"half", []int64{1, 0, 0, 2}, []int{0}},
		{"partial swap", []int64{1, 1, 1, 1}, []int{0, 3}},
		{"over capacity", []int64{2, 2, 0, 0}, []int{3}},
	} {
		if got := BlockingPairs(p, tc.flow); !slices.Equal(got, tc.want) {
			t.Errorf("%s: BlockingPairs(%v)=%v, want %v", tc.name, tc.flow, got, tc.want)
		}
	}
}

// Table rows: hand-made traps and inputs worth keeping.
func TestSolveTable(t *testing.T) {
	const big = 1_000_000_000
	for _, tc := range []struct {
		name      string
		p         *Problem
		want      []int64
		maxRounds int
	}{
		{
			// Two demands bump each other's lowest edge at two resources;
			// offering unmet need block by block trades 2 units per lap,
			// about 5·10⁸ laps. The cycle is cancelled in one chain. With
			// a unit of need left over, each demand ends at the resource
			// that prefers it.
			name: "bumping cycle with large quantities",
			p: &Problem{
				Cap:          []int64{big, big},
				Need:         []int64{big + 1, big + 1},
				R:            []int32{1, 0, 0, 1},
				D:            []int32{0, 0, 1, 1},
				DemandPref:   []int64{2, 1, 2, 1},
				ResourcePref: []int64{1, 2, 1, 2},
			},
			want:      []int64{0, big, 0, big},
			maxRounds: 10,
		},
		{
			name: "zero capacity and zero need",
			p: &Problem{
				Cap:          []int64{0, 3},
				Need:         []int64{0, 5},
				R:            []int32{0, 1, 0, 1},
				D:            []int32{0, 0, 1, 1},
				DemandPref:   []int64{9, 1, 9, 1},
				ResourcePref: []int64{1, 1, 1, 1},
			},
			want: []int64{0, 0, 0, 3},
		},
		{
			name: "no edges",
			p:    &Problem{Cap: []int64{1}, Need: []int64{1}},
			want: []int64{},
		},
		{
			// two parallel edges between the same pair: the demand prefers
			// edge 1, the resource edge 0; ties elsewhere go to the lower index
			name: "parallel edges",
			p: &Problem{
				Cap:          []int64{3},
				Need:         []int64{2, 2},
				R:            []int32{0, 0, 0},
				D:            []int32{0, 0, 1},
				DemandPref:   []int64{1, 2, 0},
				ResourcePref: []int64{3, 2, 2},
			},
			want: []int64{0, 2, 1},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := mustSolve(t, tc.p)
			checkStable(t, tc.p, res)
			checkRounds(t, tc.p, res)
			if !slices.Equal(res.Flow, tc.want) {
				t.Errorf("flow=%v, want %v", res.Flow, tc.want)
			}
			if tc.maxRounds > 0 && res.Rounds > tc.maxRounds {
				t.Errorf("rounds=%d, want ≤ %d", res.Rounds, tc.maxRounds)
			}
		})
	}
}

// A ring of k demands and k resources with quantities of 10⁹ and one unit
// of need too many: demand i likes resource i+1 best and resource i next,
// resource i prefers demand i. Offering block by block goes round the ring
// about 10⁹/k times.
func TestRing(t *testing.T) {
	const big = 1_000_000_000
	for _, k := range []int32{2, 3, 10, 200} {
		p := &Problem{Cap: make([]int64, k), Need: make([]int64, k)}
		for i := range k {
			p.Cap[i] = big
			p.Need[i] = big + 1
			next := (i + 1) % k
			p.R = append(p.R, next, i)
			p.D = append(p.D, i, i)
			p.DemandPref = append(p.DemandPref, 2, 1)
			p.ResourcePref = append(p.ResourcePref, 1, 2)
		}
		res := mustSolve(t, p)
		checkStable(t, p, res)
		checkRounds(t, p, res)
		for i := range k {
			if res.Flow[2*i] != 0 || res.Flow[2*i+1] != big {
				t.Fatalf("k=%d: demand %d gets %d, %d, want 0, %d", k, i, res.Flow[2*i], res.Flow[2*i+1], int64(big))
			}
		}
	}
}

func TestSolveMediumRandom(t *testing.T) {
	for seed := range uint64(5) {
		rng := rand.New(rand.NewPCG(seed, 99))
		hi := int64(10)
		if seed%2 == 1 {
			hi = 1_000_000_000
		}
		p := randomProblem(rng, 2000, 2000, 20000, 0, hi, 1001, false)
		res := mustSolve(t, p)
		checkStable(t, p, res)
		checkRounds(t, p, res)
		again := mustSolve(t, p)
		if !slices.Equal(res.Flow, again.Flow) || res.Rounds != again.Rounds {
			t.Fatalf("seed %d: two solves differ", seed)
		}
	}
}

// The result does not depend on the order in which edges are listed (as
// long as ties are broken the same way) nor on the run.
func TestDeterministic(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	p := randomProblem(rng, 300, 300, 3000, 1, 20, 1_000_000, false)
	want := mustSolve(t, p)
	for range 5 {
		if got := mustSolve(t, p); !slices.Equal(got.Flow, want.Flow) {
			t.Fatal("same input, different flow")
		}
	}
	// reverse the edges; prefs are (almost surely) distinct per agent, so
	// the tie-break by index does not matter
	m := len(p.R)
	q := &Problem{Cap: p.Cap, Need: p.Need}
	for e := m - 1; e >= 0; e-- {
		q.R = append(q.R, p.R[e])
		q.D = append(q.D, p.D[e])
		q.DemandPref = append(q.DemandPref, p.DemandPref[e]*int64(m)+int64(m-e))
		q.ResourcePref = append(q.ResourcePref, p.ResourcePref[e]*int64(m)+int64(m-e))
	}
	got := mustSolve(t, q)
	for e := range m {
		if got.Flow[m-1-e] != want.Flow[e] {
			t.Fatalf("reversed edge order: flow of edge %d is %d, want %d", e, got.Flow[m-1-e], want.Flow[e])
		}
	}
}

func TestErrors(t *testing.T) {
	ok := func() *Problem {
		return &Problem{Cap: []int64{1}, Need: []int64{1}, R: []int32{0}, D: []int32{0},
			DemandPref: []int64{0}, ResourcePref: []int64{0}}
	}
	for _, tc := range []struct {
		name   string
		change func(*Problem)
	}{
		{"negative cap", func(p *Problem) { p.Cap[0] = -1 }},
		{"negative need", func(p *Problem) { p.Need[0] = -2 }},
	} {
		p := ok()
		tc.change(p)
		if _, err := Solve(context.Background(), p); !errors.Is(err, ErrRange) {
			t.Errorf("%s: err=%v, want ErrRange", tc.name, err)
		}
	}
	for _, tc := range []struct {
		name   string
		change func(*Problem)
	}{
		{"short D", func(p *Problem) { p.D = nil }},
		{"short DemandPref", func(p *Problem) { p.DemandPref = nil }},
		{"long ResourcePref", func(p *Problem) { p.ResourcePref = append(p.ResourcePref, 1) }},
		{"resource out of range", func(p *Problem) { p.R[0] = 1 }},
		{"negative demand", func(p *Problem) { p.D[0] = -1 }},
	} {
		p := ok()
		tc.change(p)
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: Solve did not panic", tc.name)
				}
			}()
			Solve(context.Background(), p)
		}()
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: BlockingPairs did not panic", tc.name)
				}
			}()
			BlockingPairs(p, []int64{0})
		}()
	}
}

func TestContextCancelled(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	p := randomProblem(rng, 2000, 2000, 20000, 1, 10, 1001, false)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := Solve(ctx, p)
	if err != nil {
		t.Fatalf("err=%v, want nil", err)
	}
	if res.Stable {
		t.Fatalf("Stable=true after cancel, want false (rounds %d)", res.Rounds)
	}
	checkFeasible(t, p, res.Flow)

	ctx, cancel = context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	res, err = Solve(ctx, p)
	if err != nil || !res.Stable {
		t.Fatalf("err=%v stable=%v, want nil, true", err, res.Stable)
	}
}
