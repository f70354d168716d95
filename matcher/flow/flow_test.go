package flow

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize/convex/lp"
)

// bruteNetwork enumerates every integer flow of a network with finite
// capacities; ok is false when none is feasible.
func bruteNetwork(g *Network) (best int64, ok bool) {
	m := len(g.From)
	f := make([]int64, m)
	var rec func(a int)
	rec = func(a int) {
		if a == m {
			bal := make([]int64, g.N)
			var c int64
			for i := range m {
				bal[g.From[i]] += f[i]
				bal[g.To[i]] -= f[i]
				c += f[i] * g.Cost[i]
			}
			for v := range bal {
				if bal[v] != g.Supply[v] {
					return
				}
			}
			if !ok || c < best {
				best, ok = c, true
			}
			return
		}
		for x := g.lower(a); x <= g.Cap[a]; x++ {
			f[a] = x
			rec(a + 1)
		}
	}
	rec(0)
	return best, ok
}

// bruteTransport enumerates every plan; it returns the best (covered,
// score) pair, comparing lexicographically for Coverage.
func bruteTransport(t *Transport, obj Objective) (bestCov, bestScore int64) {
	m := len(t.R)
	f := make([]int64, m)
	used := make([]int64, len(t.Cap))
	got := make([]int64, len(t.Need))
	first := true
	var rec func(e int)
	rec = func(e int) {
		if e == m {
			s, c := t.totals(f)
			better := s > bestScore
			if obj == Coverage {
				better = c > bestCov || (c == bestCov && s > bestScore)
			}
			if first || better {
				bestCov, bestScore, first = c, s, false
			}
			return
		}
		r, d := t.R[e], t.D[e]
		for x := int64(0); used[r]+x <= t.Cap[r] && got[d]+x <= t.Need[d]; x++ {
			f[e] = x
			used[r] += x
			got[d] += x
			rec(e + 1)
			used[r] -= x
			got[d] -= x
		}
		f[e] = 0
	}
	rec(0)
	return bestCov, bestScore
}

func TestSolveBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 1500 {
		n, m := 2+r.IntN(4), 1+r.IntN(6)
		g := randomNetwork(r, n, m, 3, 5)
		for a := range g.Cap {
			if g.Cap[a] == Inf {
				g.Cap[a] = g.lower(a) + 3
			}
		}
		want, feasible := bruteNetwork(g)
		for _, rule := range []PivotRule{BlockSearch, CandidateList} {
			res, err := Solve(context.Background(), g, Options{Pivot: rule})
			if !feasible {
				if !errors.Is(err, ErrInfeasible) {
					t.Fatalf("case %d %v: err=%v, want ErrInfeasible\n%+v", i, rule, err, g)
				}
				continue
			}
			if err != nil {
				t.Fatalf("case %d %v: err=%v, want cost %d\n%+v", i, rule, err, want, g)
			}
			checkCertificate(t, g, res)
			if res.Cost != want || !res.Optimal {
				t.Fatalf("case %d %v: cost=%d optimal=%v, want %d\n%+v", i, rule, res.Cost, res.Optimal, want, g)
			}
		}
	}
}

func TestTransportBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for i := range 1500 {
		tr := randomTransport(r, 1+r.IntN(3), 1+r.IntN(3), 1+r.IntN(6), 3, 9, i%2 == 1)
		for _, obj := range []Objective{Welfare, Coverage} {
			wantCov, wantScore := bruteTransport(tr, obj)
			res, err := SolveTransport(context.Background(), tr, Options{Objective: obj})
			if err != nil {
				t.Fatalf("case %d: %v", i, err)
			}
			checkTransport(t, tr, obj, res)
			if res.Score != wantScore || (obj == Coverage && res.Covered != wantCov) {
				t.Fatalf("case %d obj %d: covered=%d score=%d, want %d, %d\n%+v", i, obj, res.Covered, res.Score, wantCov, wantScore, tr)
			}
		}
	}
}

// lpNetwork solves g as an LP with gonum in equality standard form:
// y = x − lower ≥ 0, y + slack = cap − lower for finite capacities, one
// conservation row per node except one per weakly connected part.
func lpNetwork(g *Network) (float64, error) {
	m := len(g.From)
	// union-find for the parts
	parent := make([]int, g.N)
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(x int) int {
		if parent[x] != x {
			parent[x] = find(parent[x])
		}
		return parent[x]
	}
	for a := range m {
		parent[find(int(g.From[a]))] = find(int(g.To[a]))
	}
	supply := slices.Clone(g.Supply)
	var base float64
	for a := range m {
		lo := g.lower(a)
		supply[g.From[a]] -= lo
		supply[g.To[a]] += lo
		base += float64(lo * g.Cost[a])
	}
	partSum := map[int]int64{}
	for v := range g.N {
		partSum[find(v)] += supply[v]
	}
	for _, s := range partSum {
		if s != 0 {
			return 0, lp.ErrInfeasible
		}
	}
	var rows []int
	for v := range g.N {
		if find(v) != v {
			rows = append(rows, v)
		}
	}
	var slack []int
	for a := range m {
		if g.Cap[a] != Inf {
			slack = append(slack, a)
		}
	}
	nv := m + len(slack)
	nrow := len(rows) + len(slack)
	if nrow == 0 {
		return base, nil
	}
	A := mat.NewDense(nrow, nv, nil)
	b := make([]float64, nrow)
	c := make([]float64, nv)
	rowOf := map[int]int{}
	for i, v := range rows {
		rowOf[v] = i
		b[i] = float64(supply[v])
	}
	for a := range m {
		c[a] = float64(g.Cost[a])
		if i, ok := rowOf[int(g.From[a])]; ok {
			A.Set(i, a, A.At(i, a)+1)
		}
		if i, ok := rowOf[int(g.To[a])]; ok {
			A.Set(i, a, A.At(i, a)-1)
		}
	}
	for k, a := range slack {
		i := len(rows) + k
		A.Set(i, a, 1)
		A.Set(i, m+k, 1)
		b[i] = float64(g.Cap[a] - g.lower(a))
	}
	opt, _, err := lp.Simplex(c, A, b, 1e-10, nil)
	return opt + base, err
}

func TestSolveLP(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	checked := 0
	for i := range 400 {
		n := 3 + r.IntN(8)
		g := randomNetwork(r, n, n+r.IntN(3*n), 20, 50)
		want, lpErr := lpNetwork(g)
		res, err := Solve(context.Background(), g, Options{})
		switch {
		case errors.Is(lpErr, lp.ErrInfeasible):
			if !errors.Is(err, ErrInfeasible) {
				t.Fatalf("case %d: err=%v, LP says infeasible\n%+v", i, err, g)
			}
		case errors.Is(lpErr, lp.ErrUnbounded):
			if !errors.Is(err, ErrUnbounded) {
				t.Fatalf("case %d: err=%v, LP says unbounded\n%+v", i, err, g)
			}
		case lpErr != nil:
			continue // gonum could not decide (singular basis, …)
		default:
			if err != nil {
				t.Fatalf("case %d: err=%v, LP optimum %v\n%+v", i, err, want, g)
			}
			checkCertificate(t, g, res)
			if math.Abs(float64(res.Cost)-want) > 1e-6*math.Max(1, math.Abs(want)) {
				t.Fatalf("case %d: cost=%d, LP optimum %v\n%+v", i, res.Cost, want, g)
			}
			checked++
		}
	}
	if checked < 200 {
		t.Fatalf("only %d LP optima compared", checked)
	}
}

// lpTransport is the LP optimum of a welfare transport problem.
func lpTransport(tr *Transport) (float64, error) {
	nr, nd, m := len(tr.Cap), len(tr.Need), len(tr.R)
	nv := m + nr + nd
	A := mat.NewDense(nr+nd, nv, nil)
	b := make([]float64, nr+nd)
	c := make([]float64, nv)
	for e := range m {
		A.Set(int(tr.R[e]), e, 1)
		A.Set(nr+int(tr.D[e]), e, 1)
		c[e] = -float64(tr.Score[e])
	}
	for i := range nr + nd {
		A.Set(i, m+i, 1)
	}
	for r := range nr {
		b[r] = float64(tr.Cap[r])
	}
	for d := range nd {
		b[nr+d] = float64(tr.Need[d])
	}
	opt, _, err := lp.Simplex(c, A, b, 1e-10, nil)
	return -opt, err
}

func TestTransportLP(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for i := range 300 {
		nr, nd := 1+r.IntN(8), 1+r.IntN(8)
		tr := randomTransport(r, nr, nd, r.IntN(4*(nr+nd)), 20, 1000, false)
		want, err := lpTransport(tr)
		if err != nil {
			t.Fatalf("case %d: LP: %v", i, err)
		}
		res, err := SolveTransport(context.Background(), tr, Options{})
		if err != nil {
			t.Fatal(err)
		}
		checkTransport(t, tr, Welfare, res)
		if math.Abs(float64(res.Score)-want) > 1e-6*math.Max(1, want) {
			t.Fatalf("case %d: score=%d, LP optimum %v\n%+v", i, res.Score, want, tr)
		}
	}
}

func TestSolveRandomLarger(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for i := range 200 {
		n := 10 + r.IntN(200)
		g := randomNetwork(r, n, n*(1+r.IntN(8)), 100, 1000)
		for _, opt := range []Options{{Pivot: BlockSearch}, {Pivot: CandidateList}, {NoArcMixing: true}} {
			res, err := Solve(context.Background(), g, opt)
			if errors.Is(err, ErrInfeasible) || errors.Is(err, ErrUnbounded) {
				continue
			}
			if err != nil {
				t.Fatalf("case %d: %v", i, err)
			}
			checkCertificate(t, g, res)
		}
	}
}

func TestTransportRandomLarger(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for i := range 100 {
		nr, nd := 5+r.IntN(300), 5+r.IntN(300)
		tr := randomTransport(r, nr, nd, r.IntN(6*(nr+nd)), 20, 1000, i%3 == 0)
		var prev *TransportResult
		for _, opt := range []Options{{Pivot: BlockSearch}, {Pivot: CandidateList}, {Workers: 1}, {Objective: Coverage}} {
			res, err := SolveTransport(context.Background(), tr, opt)
			if err != nil {
				t.Fatalf("case %d: %v", i, err)
			}
			checkTransport(t, tr, opt.Objective, res)
			if opt.Objective == Welfare && prev != nil && prev.Score != res.Score {
				t.Fatalf("case %d: score %d with %+v, %d before", i, res.Score, opt, prev.Score)
			}
			// the welfare optimum never loses to greedy
			if g := Greedy(tr); opt.Objective == Welfare && g.Score > res.Score {
				t.Fatalf("case %d: greedy %d beats optimum %d", i, g.Score, res.Score)
			}
			prev = res
		}
	}
}

func TestTransportDeterministic(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	tr := randomTransport(r, 5000, 5000, 6000, 20, 1000, true)
	run := func(procs, workers int) *TransportResult {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		res, err := SolveTransport(context.Background(), tr, Options{Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		checkTransport(t, tr, Welfare, res)
		return res
	}
	want := run(1, 0)
	if want.Components < 10 {
		t.Fatalf("only %d components; the test wants many", want.Components)
	}
	for _, c := range [][2]int{{2, 0}, {2, 2}, {1, 0}, {4, 8}} {
		got := run(c[0], c[1])
		if !slices.Equal(got.Flow, want.Flow) || !slices.Equal(got.ResourceDual, want.ResourceDual) ||
			!slices.Equal(got.DemandDual, want.DemandDual) || got.Pivots != want.Pivots {
			t.Fatalf("GOMAXPROCS=%d workers=%d: result differs from GOMAXPROCS=1", c[0], c[1])
		}
	}
}

func TestSolveDeterministic(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	g := randomNetwork(r, 300, 3000, 50, 100)
	a, errA := Solve(context.Background(), g, Options{})
	b, errB := Solve(context.Background(), g, Options{})
	if (errA == nil) != (errB == nil) {
		t.Fatalf("errors %v, %v", errA, errB)
	}
	if errA == nil && (!slices.Equal(a.Flow, b.Flow) || !slices.Equal(a.Potential, b.Potential)) {
		t.Fatal("two solves differ")
	}
}

// Failures found by random testing and fuzzing are kept here.
var networkCases = []struct {
	name    string
	g       Network
	want    int64
	wantErr error
}{
	{
		name: "empty",
		g:    Network{},
	},
	{
		name: "single arc",
		g:    Network{N: 2, Supply: []int64{3, -3}, From: []int32{0}, To: []int32{1}, Cap: []int64{5}, Cost: []int64{2}},
		want: 6,
	},
	{
		name:    "capacity too small",
		g:       Network{N: 2, Supply: []int64{3, -3}, From: []int32{0}, To: []int32{1}, Cap: []int64{2}, Cost: []int64{2}},
		wantErr: ErrInfeasible,
	},
	{
		name:    "supplies do not balance",
		g:       Network{N: 2, Supply: []int64{3, -2}, From: []int32{0}, To: []int32{1}, Cap: []int64{5}, Cost: []int64{2}},
		wantErr: ErrInfeasible,
	},
	{
		name:    "negative cycle of infinite capacity",
		g:       Network{N: 2, Supply: []int64{0, 0}, From: []int32{0, 1}, To: []int32{1, 0}, Cap: []int64{Inf, Inf}, Cost: []int64{-1, 0}},
		wantErr: ErrUnbounded,
	},
	{
		name: "negative cycle of finite capacity",
		g:    Network{N: 2, Supply: []int64{0, 0}, From: []int32{0, 1}, To: []int32{1, 0}, Cap: []int64{4, Inf}, Cost: []int64{-3, 1}},
		want: -8,
	},
	{
		name: "lower bound forces a costly arc",
		g: Network{N: 3, Supply: []int64{2, 0, -2}, From: []int32{0, 0, 1}, To: []int32{2, 1, 2},
			Lower: []int64{0, 1, 0}, Cap: []int64{5, 5, 5}, Cost: []int64{1, 5, 5}},
		want: 11,
	},
	{
		name: "self loop with negative cost",
		g:    Network{N: 1, Supply: []int64{0}, From: []int32{0}, To: []int32{0}, Cap: []int64{3}, Cost: []int64{-2}},
		want: -6,
	},
	{
		name:    "lower above capacity",
		g:       Network{N: 2, Supply: []int64{0, 0}, From: []int32{0}, To: []int32{1}, Lower: []int64{2}, Cap: []int64{1}, Cost: []int64{0}},
		wantErr: ErrInfeasible,
	},
	{
		// found by TestSolveBruteForce: the big-M of the artificial arcs
		// was derived from the largest positive cost only (0 here), but
		// reversed residual arcs cost −c
		name: "all costs negative with lower bounds",
		g: Network{N: 4, Supply: []int64{0, 0, -3, 3}, From: []int32{2, 0, 3, 3}, To: []int32{3, 2, 0, 2},
			Lower: []int64{1, 0, 1, 0}, Cap: []int64{2, 1, 1, 3}, Cost: []int64{-5, -2, -5, -1}},
		want: -15,
	},
	{
		name:    "cost too large",
		g:       Network{N: 2, Supply: []int64{0, 0}, From: []int32{0}, To: []int32{1}, Cap: []int64{1}, Cost: []int64{1 << 61}},
		wantErr: ErrRange,
	},
}

func TestSolveCases(t *testing.T) {
	for _, tc := range networkCases {
		t.Run(tc.name, func(t *testing.T) {
			for _, rule := range []PivotRule{BlockSearch, CandidateList} {
				res, err := Solve(context.Background(), &tc.g, Options{Pivot: rule})
				if tc.wantErr != nil {
					if !errors.Is(err, tc.wantErr) {
						t.Fatalf("%v: err=%v, want %v", rule, err, tc.wantErr)
					}
					continue
				}
				if err != nil {
					t.Fatalf("%v: err=%v, want cost %d", rule, err, tc.want)
				}
				checkCertificate(t, &tc.g, res)
				if res.Cost != tc.want {
					t.Fatalf("%v: cost=%d, want %d", rule, res.Cost, tc.want)
				}
			}
		})
	}
}

// Transport failures found by random testing.
var transportCases = []struct {
	name      string
	t         Transport
	obj       Objective
	wantScore int64
}{
	{
		// a resource with no capacity left still needs a dual that
		// covers its edges' scores
		name:      "zero capacity resource",
		t:         Transport{Cap: []int64{1, 0, 3}, Need: []int64{1, 3, 0}, R: []int32{2, 1, 2}, D: []int32{0, 1, 2}, Score: []int64{5, 4, -1}},
		wantScore: 5,
	},
	{
		name:      "zero need and zero capacity on one edge",
		t:         Transport{Cap: []int64{0, 2}, Need: []int64{0, 2}, R: []int32{0, 1, 1}, D: []int32{0, 0, 1}, Score: []int64{7, 9, 3}},
		wantScore: 6,
	},
	{
		name:      "coverage prefers the weighted demand",
		t:         Transport{Cap: []int64{1}, Need: []int64{1, 1}, R: []int32{0, 0}, D: []int32{0, 1}, Score: []int64{900, 10}, Weight: []int64{1, 2}},
		obj:       Coverage,
		wantScore: 10,
	},
}

func TestTransportCases(t *testing.T) {
	for _, tc := range transportCases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := SolveTransport(context.Background(), &tc.t, Options{Objective: tc.obj})
			if err != nil {
				t.Fatal(err)
			}
			checkTransport(t, &tc.t, tc.obj, res)
			if res.Score != tc.wantScore {
				t.Fatalf("score=%d, want %d", res.Score, tc.wantScore)
			}
		})
	}
}

func TestSolvePanicsOnShape(t *testing.T) {
	for name, g := range map[string]*Network{
		"supply length": {N: 2, Supply: []int64{0}},
		"arc lengths":   {N: 1, Supply: []int64{0}, From: []int32{0}, To: []int32{0}, Cap: []int64{1}},
		"node range":    {N: 1, Supply: []int64{0}, From: []int32{0}, To: []int32{1}, Cap: []int64{1}, Cost: []int64{1}},
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			Solve(context.Background(), g, Options{})
		})
	}
}

func TestTransportDeadline(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	tr := randomTransport(r, 2000, 2000, 20000, 20, 1000, false)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := SolveTransport(ctx, tr, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Optimal {
		t.Fatal("Optimal=true after the context ended")
	}
	checkTransport(t, tr, Welfare, res)
	if g := Greedy(tr); res.Score != g.Score {
		t.Fatalf("score past the deadline %d, want greedy %d", res.Score, g.Score)
	}
	opt, err := SolveTransport(context.Background(), tr, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !opt.Optimal || opt.Score < res.Score {
		t.Fatalf("optimal score %d (optimal=%v) below the greedy %d", opt.Score, opt.Optimal, res.Score)
	}
}

func TestTransportRangeErrors(t *testing.T) {
	tr := &Transport{Cap: []int64{-1}, Need: []int64{1}, R: []int32{0}, D: []int32{0}, Score: []int64{1}}
	if _, err := SolveTransport(context.Background(), tr, Options{}); !errors.Is(err, ErrRange) {
		t.Fatalf("negative capacity: err=%v, want ErrRange", err)
	}
	tr = &Transport{Cap: []int64{1 << 40}, Need: []int64{1 << 40}, R: []int32{0}, D: []int32{0},
		Score: []int64{1 << 30}, Weight: []int64{1 << 20}}
	if _, err := SolveTransport(context.Background(), tr, Options{Objective: Coverage}); !errors.Is(err, ErrRange) {
		t.Fatalf("coverage scale overflow: err=%v, want ErrRange", err)
	}
}
