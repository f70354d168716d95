package bench

import (
	"context"
	"slices"
	"testing"
	"time"

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

// BenchmarkWhatIfScope is a planner's what-if over a scope (issue 16): one
// edit (the quantity of a resource the scope's busiest community meeting
// proposes, a new value each op) forked, solved for every meeting of the
// scope incrementally from the live plans' sessions (warm after the first
// diff) and diffed, through scenario.Manager. "district": every root
// alliance with everything below it; "street": the street with the most
// communities. ms/scenario is the wall time of one create + diff (targets:
// district ≤ 1000, street ≤ 200 on the generated district), cpu-ms the
// process's CPU time for it (GC and both workers included).
func BenchmarkWhatIfScope(b *testing.B) {
	for _, d := range []*dataset{ds20k, dsDistrict} {
		b.Run(d.name, func(b *testing.B) {
			benchWhatIfScope(b, d.get(b))
		})
	}
}

func benchWhatIfScope(b *testing.B, d *dataset) {
	ctx := context.Background()
	st := openCopy(b, d)
	sn := st.Snapshot()
	var roots []string
	var street string
	most := -1
	for a := range sn.Alliances() {
		if a.Parent == "" {
			roots = append(roots, a.ID)
		}
		if a.Level == matcher.Street {
			n := 0
			for range sn.Children(a.ID) {
				n++
			}
			if n > most || n == most && a.ID < street {
				street, most = a.ID, n
			}
		}
	}
	slices.Sort(roots)
	// The resource: of the street's busiest community meeting.
	var item string
	edges := -1
	for c := range sn.Children(street) {
		res, err := match.Run(ctx, sn.Reader, sn.Vocab, c.ID, match.DefaultSettings())
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Proposals) > 0 && res.Stats.Edges > edges {
			item, edges = res.Proposals[0].Resource, res.Stats.Edges
		}
	}
	it, err := sn.Item(item)
	if err != nil {
		b.Fatal(err)
	}
	for _, s := range []struct {
		name  string
		scope []string
	}{{"district", roots}, {"street " + street, []string{street}}} {
		b.Run(s.name, func(b *testing.B) {
			mgr := scenario.NewManager()
			q := it.Quantity
			var meetings int
			whatIf := func() {
				q++
				qq := q
				sc, err := mgr.Create(ctx, st, matcher.Admin, scenario.Request{Scope: s.scope,
					Edits: []scenario.Edit{{Op: scenario.OpSetQuantity, Item: scenario.Ref[matcher.Item]{ID: it.ID}, Quantity: &qq}}})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := mgr.Diff(ctx, st, matcher.Admin, sc.ID); err != nil {
					b.Fatal(err)
				}
				meetings = len(sc.Meetings)
				if err := mgr.Delete(st.Snapshot().Reader, matcher.Admin, sc.ID); err != nil {
					b.Fatal(err)
				}
			}
			whatIf() // the first diff solves every live plan of the scope
			start, c0 := time.Now(), cpuTime()
			n := 0
			for b.Loop() {
				whatIf()
				n++
			}
			// Wall time, and CPU time (of both cores: a loaded machine
			// stretches the wall time, not this).
			b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(n), "ms/scenario")
			b.ReportMetric(float64((cpuTime()-c0).Microseconds())/1000/float64(n), "cpu-ms/scenario")
			b.ReportMetric(float64(meetings), "meetings")
		})
	}
}
