package bench

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/match"
	"github.com/allymatch/allymatch/matcher/store"
)

// busiestCommunity returns the community meeting with the most candidate
// edges.
func busiestCommunity(b *testing.B, sn store.Snapshot) string {
	best, most := "", -1
	for a := range sn.AlliancesAt(matcher.Community) {
		res, err := match.Run(context.Background(), sn.Reader, sn.Vocab, a.ID, match.DefaultSettings())
		if err != nil {
			b.Fatal(err)
		}
		if res.Stats.Edges > most {
			best, most = a.ID, res.Stats.Edges
		}
	}
	return best
}

// openCopy opens a private copy of d's store file (benchmarks that write
// must not change the data set the others read), closed when b ends.
func openCopy(b *testing.B, d *dataset) *store.Store {
	b.Helper()
	dir := b.TempDir()
	src, err := os.Open(filepath.Join(d.dir, "allymatch.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer src.Close()
	dst, err := os.Create(filepath.Join(dir, "allymatch.db"))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		b.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		b.Fatal(err)
	}
	st, _, err := store.Open(context.Background(), store.Options{Dir: dir})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	return st
}

// BenchmarkIncremental compares a full match.Run with a Session's run
// after one item edit (the quantity of one open demand of the busiest
// community meeting, alternating between two values), on the 20k-unit and
// the district data: for the busiest community meeting alone and for every
// meeting of the district (what keeping the whole district's plan current
// costs). Each op makes the edit in a store (not timed) and runs the
// session(s) on the new snapshot (timed); "full" runs match.Run on the same
// edited states. speedup is full ms/op over incremental ms/op, measured in
// the same benchmark; untouched counts the meetings the edit did not touch
// (their sessions return the last result from the change log alone).
func BenchmarkIncremental(b *testing.B) {
	for _, d := range []*dataset{ds20k, dsDistrict} {
		b.Run(d.name, func(b *testing.B) {
			benchIncremental(b, d.get(b))
		})
	}
}

func benchIncremental(b *testing.B, d *dataset) {
	ctx := context.Background()
	st := openCopy(b, d)
	sn := st.Snapshot()
	busy := busiestCommunity(b, sn)
	for _, m := range []struct {
		name string
		ids  []string
	}{
		{"busiest community " + busy, []string{busy}},
		{"all meetings", allAt(matcher.District, matcher.Street, matcher.Community)(sn)},
	} {
		b.Run(m.name, func(b *testing.B) {
			// the item to edit: the first open demand of the busiest meeting
			res, err := match.Run(ctx, sn.Reader, sn.Vocab, busy, match.DefaultSettings())
			if err != nil || len(res.Proposals) == 0 {
				b.Fatal("no proposal to edit", err)
			}
			target := res.Proposals[0].Demand
			edit := func() store.Snapshot {
				_, err := st.Update(ctx, "bench", "edit", nil, func(tx *store.Tx) error {
					it, err := tx.Item(target)
					if err != nil {
						return err
					}
					e := *it
					e.Quantity = 5 // alternate 5 and 6: an edit always changes the item
					if it.Quantity == 5 {
						e.Quantity = 6
					}
					return tx.PutItem(e)
				})
				if err != nil {
					b.Fatal(err)
				}
				return st.Snapshot()
			}
			sessions := make([]*match.Session, len(m.ids))
			for i, id := range m.ids {
				sessions[i] = match.NewSession(id, match.DefaultSettings())
			}
			runSessions := func(sn store.Snapshot) {
				for _, s := range sessions {
					if _, err := s.Run(ctx, sn.Reader, sn.Vocab); err != nil {
						b.Fatal(err)
					}
				}
			}
			runFull := func(sn store.Snapshot) {
				for _, id := range m.ids {
					if _, err := match.Run(ctx, sn.Reader, sn.Vocab, id, match.DefaultSettings()); err != nil {
						b.Fatal(err)
					}
				}
			}
			runSessions(st.Snapshot()) // warm: the first run builds everything
			untouched0 := 0
			for _, s := range sessions {
				untouched0 += s.Stats().Untouched
			}
			var full, inc time.Duration
			n := 0
			for b.Loop() {
				b.StopTimer()
				sn := edit()
				t0 := time.Now()
				runFull(sn)
				full += time.Since(t0)
				b.StartTimer()
				t1 := time.Now()
				runSessions(sn)
				inc += time.Since(t1)
				n++
			}
			untouched := 0
			for _, s := range sessions {
				untouched += s.Stats().Untouched
			}
			fullMS := float64(full.Microseconds()) / 1000 / float64(n)
			incMS := float64(inc.Microseconds()) / 1000 / float64(n)
			b.ReportMetric(fullMS, "full-ms/op")
			b.ReportMetric(incMS, "incr-ms/op")
			b.ReportMetric(fullMS/incMS, "speedup")
			b.ReportMetric(float64(untouched-untouched0)/float64(n), "untouched/op")
			b.Logf("%d meetings: full %.1f ms, incremental %.1f ms", len(m.ids), fullMS, incMS)
		})
	}
}
