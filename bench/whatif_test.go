package bench

import (
	"context"
	"slices"
	"testing"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/match"
	"github.com/allymatch/allymatch/matcher/scenario"
)

// BenchmarkWhatIf is what a planner waits for: fork the live state + one
// unit's edit (the quantity of the resource of the meeting's first
// proposal, a new value each op) + re-solve + diff against the live plan,
// through scenario.Manager (which keeps the live plan's session, so the
// scenario is solved as an incremental fork of it), then delete. On the
// 20k-unit and the district data, for the median community meeting (by
// candidate edges) and the busiest one.
func BenchmarkWhatIf(b *testing.B) {
	for _, d := range []*dataset{ds20k, dsDistrict} {
		b.Run(d.name, func(b *testing.B) {
			benchWhatIf(b, d.get(b))
		})
	}
}

func benchWhatIf(b *testing.B, d *dataset) {
	ctx := context.Background()
	st := openCopy(b, d)
	sn := st.Snapshot()
	type meeting struct {
		id    string
		edges int
	}
	var ms []meeting
	for a := range sn.AlliancesAt(matcher.Community) {
		res, err := match.Run(ctx, sn.Reader, sn.Vocab, a.ID, match.DefaultSettings())
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Proposals) > 0 {
			ms = append(ms, meeting{a.ID, res.Stats.Edges})
		}
	}
	slices.SortFunc(ms, func(x, y meeting) int { return x.edges - y.edges })
	for _, m := range []struct {
		name string
		meeting
	}{{"median", ms[len(ms)/2]}, {"busiest", ms[len(ms)-1]}} {
		b.Run(m.name+" "+m.id, func(b *testing.B) {
			res, err := match.Run(ctx, sn.Reader, sn.Vocab, m.id, match.DefaultSettings())
			if err != nil {
				b.Fatal(err)
			}
			it, err := sn.Item(res.Proposals[0].Resource)
			if err != nil {
				b.Fatal(err)
			}
			mgr := scenario.NewManager()
			q := it.Quantity
			whatIf := func() {
				q++
				qq := q
				sc, err := mgr.Create(ctx, st, matcher.Admin, scenario.Request{Meeting: m.id,
					Edits: []scenario.Edit{{Op: scenario.OpSetQuantity, Item: scenario.Ref[matcher.Item]{ID: it.ID}, Quantity: &qq}}})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := mgr.Diff(ctx, st, matcher.Admin, sc.ID); err != nil {
					b.Fatal(err)
				}
				if err := mgr.Delete(st.Snapshot().Reader, matcher.Admin, sc.ID); err != nil {
					b.Fatal(err)
				}
			}
			whatIf() // the first diff solves the live plan
			for b.Loop() {
				whatIf()
			}
			b.ReportMetric(float64(m.edges), "edges")
		})
	}
}
