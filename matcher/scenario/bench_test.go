package scenario

import (
	"fmt"
	"runtime"
	"slices"
	"sync"
	"testing"

	"github.com/allymatch/allymatch/fixtures/gen"
	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/store"
)

var genOnce struct {
	sync.Once
	st  *store.Store
	err error
}

// genStore is a store of generated 20,000-unit data, shared by the
// benchmarks of one run (its folder is left to the OS's temp cleanup).
func genStore(b *testing.B) *store.Store {
	genOnce.Do(func() {
		bu, err := gen.Generate(gen.Config{Units: 20000, Seed: 1})
		if err != nil {
			genOnce.err = err
			return
		}
		dir, err := osMkdirTemp()
		if err != nil {
			genOnce.err = err
			return
		}
		st, _, err := store.Open(ctx, store.Options{Dir: dir})
		if err == nil {
			_, err = st.Import(ctx, bu, "bench")
		}
		genOnce.st, genOnce.err = st, err
	})
	if genOnce.err != nil {
		b.Fatal(genOnce.err)
	}
	return genOnce.st
}

// busiestCommunity returns the community meeting with the most open items
// and up to n of its open items (resources first, then demands).
func busiestCommunity(st *store.Store, n int) (string, []*matcher.Item) {
	sn := st.Snapshot()
	best, bestN := "", 0
	var items []*matcher.Item
	for a := range sn.AlliancesAt(matcher.Community) {
		var its []*matcher.Item
		for _, u := range a.AllUnits() {
			for it := range sn.ItemsOf(u) {
				if it.Status == matcher.ItemOpen && it.Level == matcher.Community && it.Project == "" {
					its = append(its, it)
				}
			}
		}
		if len(its) > bestN {
			best, bestN, items = a.ID, len(its), its
		}
	}
	slices.SortFunc(items, func(x, y *matcher.Item) int {
		if x.Kind != y.Kind {
			if x.Kind == matcher.Resource {
				return -1
			}
			return 1
		}
		if x.ID < y.ID {
			return -1
		}
		return 1
	})
	return best, items[:min(n, len(items))]
}

// editsOn makes n set_quantity edits (one per item, cycling) — 1 edit or
// 100 edits per scenario.
func editsOn(items []*matcher.Item, n int) []Edit {
	out := make([]Edit, n)
	for i := range out {
		it := items[i%len(items)]
		q := it.Quantity + int64(1+i/len(items))
		out[i] = Edit{Op: OpSetQuantity, Item: Ref[matcher.Item]{ID: it.ID}, Quantity: &q}
	}
	return out
}

func liveHeap() uint64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// BenchmarkScenario measures the memory a kept scenario costs (B/scenario,
// from the live heap before and after creating N scenarios) for 1 and 100
// edits on generated 20k-unit data.
func BenchmarkScenario(b *testing.B) {
	st := genStore(b)
	meeting, items := busiestCommunity(st, 100)
	for _, n := range []int{1, 100} {
		b.Run(fmt.Sprintf("edits=%d", n), func(b *testing.B) {
			const N = 50
			req := Request{Meeting: meeting, Edits: editsOn(items, n)}
			for b.Loop() {
				m := NewManager()
				m.MaxScenarios, m.MaxPerOwner = N, N
				if err := m.Use(st); err != nil {
					b.Fatal(err)
				}
				before := liveHeap()
				var ids []string
				for range N {
					sc, err := m.Create(ctx, st, matcher.Admin, req)
					if err != nil {
						b.Fatal(err)
					}
					ids = append(ids, sc.ID)
				}
				after := liveHeap()
				b.ReportMetric(float64(after-before)/N, "B/scenario")
				runtime.KeepAlive(m)
				// The store keeps them: leave it as it was for the next.
				for _, id := range ids {
					if err := m.Delete(st.Snapshot().Reader, matcher.Admin, id); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

// medianCommunity returns the community meeting of median open-item count
// and its first open resource.
func medianCommunity(st *store.Store) (string, []*matcher.Item) {
	sn := st.Snapshot()
	type c struct {
		id    string
		n     int
		first *matcher.Item
	}
	var all []c
	for a := range sn.AlliancesAt(matcher.Community) {
		x := c{id: a.ID}
		for _, u := range a.AllUnits() {
			for it := range sn.ItemsOf(u) {
				if it.Status == matcher.ItemOpen && it.Level == matcher.Community {
					x.n++
					if x.first == nil && it.Kind == matcher.Resource && it.Project == "" {
						x.first = it
					}
				}
			}
		}
		if x.first != nil {
			all = append(all, x)
		}
	}
	slices.SortFunc(all, func(a, b c) int { return a.n - b.n })
	m := all[len(all)/2]
	return m.id, []*matcher.Item{m.first}
}

// BenchmarkWhatIf is what a planner waits for: fork + one unit's edit (the
// quantity of one of its resources) + re-solve + diff against the live
// plan, for a community meeting of 20k-unit generated data: the median one
// and the busiest one; cold (the live plan solved too) and with the live
// plan cached by the Manager (its session: solved once, then incrementally).
func BenchmarkWhatIf(b *testing.B) {
	st := genStore(b)
	for _, which := range []string{"median", "busiest"} {
		meeting, items := medianCommunity(st)
		if which == "busiest" {
			meeting, items = busiestCommunity(st, 1)
		}
		req := Request{Meeting: meeting, Edits: editsOn(items, 1)}
		b.Run(which+"/cold", func(b *testing.B) {
			sn := st.Snapshot()
			for b.Loop() {
				sc, err := Fork(sn, req)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := sc.Diff(ctx, sn); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(which+"/live-cached", func(b *testing.B) {
			m := NewManager()
			// the first diff solves the live plan; time the ones after
			if sc, err := m.Create(ctx, st, matcher.Admin, req); err != nil {
				b.Fatal(err)
			} else if _, err := m.Diff(ctx, st, matcher.Admin, sc.ID); err != nil {
				b.Fatal(err)
			} else if err := m.Delete(st.Snapshot().Reader, matcher.Admin, sc.ID); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				sc, err := m.Create(ctx, st, matcher.Admin, req)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := m.Diff(ctx, st, matcher.Admin, sc.ID); err != nil {
					b.Fatal(err)
				}
				if err := m.Delete(st.Snapshot().Reader, matcher.Admin, sc.ID); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
