// Package bench holds benchmarks of the matching core.
package bench

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"

	"github.com/allymatch/allymatch/matcher/flow"
)

// generate builds a deterministic transportation problem with the given
// number of units, in the shape of the peers' generator
// (shared/peers/solver/gen): units on a grid of cells, items in
// Zipf-skewed categories, quantities 1..20, candidate edges within a
// category and a radius, integer scores 0..1000. It is a smaller cousin of
// the peers' generator, not byte-compatible.
func generate(units int, seed uint64, unitQty bool) *flow.Transport {
	r := rand.New(rand.NewPCG(seed, 0x616c6c79))
	cells := max(4, min(2000, int(math.Round(float64(units)/27.5))))
	w := max(1, int(math.Round(math.Sqrt(float64(cells)*1.25))))
	h := (cells + w - 1) / w
	const ncat = 30
	catCum := make([]float64, ncat)
	catRad := make([]float64, ncat)
	acc := 0.0
	for k := range ncat {
		acc += 1 / math.Pow(float64(k+1), 0.9)
		catCum[k] = acc
		catRad[k] = []float64{0.5, 1, 1, 1.5, 2}[r.IntN(5)]
	}
	type item struct {
		unit, cell, cat int
		res             bool
		qty             int64
	}
	var items []item
	for u := range units {
		cell := r.IntN(w * h)
		n := 1 + min(59, int(math.Floor(math.Log(1-r.Float64())/math.Log(1-1/4.5))))
		for range n {
			cat := min(sort.SearchFloat64s(catCum, r.Float64()*acc), ncat-1)
			res := r.Float64() < 0.5
			qty := int64(1 + min(19, int(math.Floor(math.Log(1-r.Float64())/math.Log(1-1/3.0)))))
			if unitQty {
				qty = 1
			}
			items = append(items, item{u, cell, cat, res, qty})
		}
	}
	t := &flow.Transport{}
	idx := make([]int32, len(items))
	bucket := map[[2]int][]int{} // (cat, cell) → resource items
	for i, it := range items {
		if it.res {
			idx[i] = int32(len(t.Cap))
			t.Cap = append(t.Cap, it.qty)
			bucket[[2]int{it.cat, it.cell}] = append(bucket[[2]int{it.cat, it.cell}], i)
		} else {
			idx[i] = int32(len(t.Need))
			t.Need = append(t.Need, it.qty)
		}
	}
	for j, it := range items {
		if it.res {
			continue
		}
		rad := catRad[it.cat]
		R := int(math.Ceil(rad))
		x0, y0 := it.cell%w, it.cell/w
		for dy := -R; dy <= R; dy++ {
			for dx := -R; dx <= R; dx++ {
				x, y := x0+dx, y0+dy
				if x < 0 || y < 0 || x >= w || y >= h || float64(dx*dx+dy*dy) > rad*rad+1e-9 {
					continue
				}
				prox := 1 - math.Hypot(float64(dx), float64(dy))/(rad+1)
				for _, i := range bucket[[2]int{it.cat, y*w + x}] {
					if items[i].unit == it.unit {
						continue
					}
					s := int64(math.Round(1000 * prox * (0.4 + 0.6*r.Float64())))
					t.R = append(t.R, idx[i])
					t.D = append(t.D, idx[j])
					t.Score = append(t.Score, s)
				}
			}
		}
	}
	return t
}

var sizes = []struct {
	name  string
	units int
	long  bool
}{
	{"small 220 units", 220, false},
	{"medium 4400 units", 4400, false},
	{"large 55000 units", 55000, true},
}

var (
	instOnce  = map[string]*sync.Once{}
	instCache = map[string]*flow.Transport{}
	instMu    sync.Mutex
)

// transport returns the instance of a size, built once.
func transport(b *testing.B, name string, units int, unitQty bool) *flow.Transport {
	b.Helper()
	key := fmt.Sprintf("%s/%v", name, unitQty)
	instMu.Lock()
	once, ok := instOnce[key]
	if !ok {
		once = new(sync.Once)
		instOnce[key] = once
	}
	instMu.Unlock()
	once.Do(func() {
		tr := generate(units, 1, unitQty)
		instMu.Lock()
		instCache[key] = tr
		instMu.Unlock()
	})
	instMu.Lock()
	defer instMu.Unlock()
	return instCache[key]
}

func BenchmarkSolveTransport(b *testing.B) {
	for _, sz := range sizes {
		for _, unit := range []bool{false, true} {
			name := sz.name
			if unit {
				name += " unit"
			}
			b.Run(name, func(b *testing.B) {
				if sz.long && testing.Short() {
					b.Skip("large instance skipped in -short mode")
				}
				tr := transport(b, sz.name, sz.units, unit)
				res, err := flow.SolveTransport(context.Background(), tr, flow.Options{})
				if err != nil || !res.Optimal {
					b.Fatalf("setup solve: err=%v optimal=%v", err, res != nil && res.Optimal)
				}
				b.ReportAllocs()
				for b.Loop() {
					res, _ = flow.SolveTransport(context.Background(), tr, flow.Options{})
				}
				b.ReportMetric(float64(len(tr.R)), "edges")
				b.ReportMetric(float64(res.Components), "components")
				b.ReportMetric(float64(res.Pivots), "pivots/op")
			})
		}
	}
}

func BenchmarkGreedy(b *testing.B) {
	for _, sz := range sizes[:2] {
		b.Run(sz.name, func(b *testing.B) {
			tr := transport(b, sz.name, sz.units, false)
			b.ReportAllocs()
			for b.Loop() {
				flow.Greedy(tr)
			}
			b.ReportMetric(float64(len(tr.R)), "edges")
		})
	}
}

// BenchmarkDIMACS solves the .min files in $ALLYMATCH_MIN_DIR (for example
// the instances compare.sh writes under /tmp/allymatch-peers/instances),
// on the transportation path when the file has that layout and with the
// general network simplex.
func BenchmarkDIMACS(b *testing.B) {
	dir := os.Getenv("ALLYMATCH_MIN_DIR")
	if dir == "" {
		b.Skip("set ALLYMATCH_MIN_DIR to a directory of .min files")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.min"))
	if len(files) == 0 {
		b.Skipf("no .min files in %s", dir)
	}
	sort.Strings(files)
	for _, f := range files {
		var g *flow.Network
		load := func(b *testing.B) {
			if g != nil {
				return
			}
			fh, err := os.Open(f)
			if err != nil {
				b.Fatal(err)
			}
			defer fh.Close()
			if g, err = flow.ReadDIMACS(fh); err != nil {
				b.Fatal(err)
			}
		}
		base := filepath.Base(f)
		b.Run(base+"/transport", func(b *testing.B) {
			load(b)
			bp, ok := flow.FindBipartite(g)
			if !ok {
				b.Skip("not a transportation layout")
			}
			var res *flow.TransportResult
			b.ReportAllocs()
			for b.Loop() {
				bp, _ = flow.FindBipartite(g)
				res, _ = flow.SolveTransport(context.Background(), bp.Transport, flow.Options{})
			}
			b.ReportMetric(float64(len(bp.Transport.R)), "edges")
			b.ReportMetric(float64(res.Components), "components")
			b.ReportMetric(float64(res.Pivots), "pivots/op")
		})
		b.Run(base+"/general", func(b *testing.B) {
			load(b)
			if len(g.From) > 1_000_000 && testing.Short() {
				b.Skip("large instance skipped in -short mode")
			}
			var res *flow.Result
			b.ReportAllocs()
			for b.Loop() {
				var err error
				if res, err = flow.Solve(context.Background(), g, flow.Options{}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(g.From)), "arcs")
			b.ReportMetric(float64(res.Pivots), "pivots/op")
		})
	}
}
