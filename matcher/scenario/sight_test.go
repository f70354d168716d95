package scenario

import (
	"slices"
	"strings"
	"testing"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/match"
)

// A whole-district scenario that changes two communities of one street (lh
// and lzwc, both of st-lzw), shared: lh's coordinator reads it within its own scope. It sees
// lh's edit and lh's changes, with totals recomputed for what it is shown
// (here from full solves of every meeting, filtered by the access rules),
// and nothing of lzwc; lzwc's coordinator the other way round; the admin who
// made it everything.
func TestSharedScenarioReadWithinScope(t *testing.T) {
	st := bananStore(t)
	m := NewManager()
	js := `[{"op":"set_quantity","item":"LH-D02","quantity":5},{"op":"set_quantity","item":"LZWC-D02","quantity":3}]`
	sc, err := m.Create(ctx, st, matcher.Admin, Request{Scope: []string{"bn-district", "bn-water"}, Name: "两个社区", Edits: edits(t, js)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Share(st, matcher.Admin, sc.ID, true); err != nil {
		t.Fatal(err)
	}
	sn := st.Snapshot()
	r := sn.Reader
	whole, err := m.Diff(ctx, st, matcher.Admin, sc.ID)
	if err != nil {
		t.Fatal(err)
	}
	units := func(d *Diff) (out []string) {
		for _, c := range d.Demands {
			out = append(out, c.Unit)
			for _, a := range append(slices.Clone(c.Before), c.After...) {
				out = append(out, a.Unit)
			}
		}
		for _, u := range d.Units {
			out = append(out, u.Unit)
		}
		return out
	}
	has := func(list []string, prefix string) bool {
		return slices.ContainsFunc(list, func(u string) bool { return strings.HasPrefix(u, prefix) })
	}
	if u := units(whole); !has(u, "lh-") || !has(u, "lzwc-") || whole.Partial {
		t.Fatalf("the admin's diff: units %v, partial %v", u, whole.Partial)
	}
	for _, c := range []struct{ who, mine, other string }{{"lh", "lh-", "lzwc-"}, {"lzwc", "lzwc-", "lh-"}} {
		reader := matcher.Coordinator(c.who)
		got, err := m.Get(r, reader, sc.ID)
		if err != nil {
			t.Fatalf("%s reads the shared scenario: %v", c.who, err)
		}
		if len(got.Edits) != 1 || !strings.HasPrefix(strings.ToLower(got.Edits[0].Item.ID), c.mine) || !got.Partial {
			t.Errorf("%s sees the edits %+v (partial %v)", c.who, got.Edits, got.Partial)
		}
		if slices.Contains(got.Meetings, strings.TrimSuffix(c.other, "-")) || !slices.Contains(got.Meetings, c.who) {
			t.Errorf("%s sees the meetings %v", c.who, got.Meetings)
		}
		if listed, err := m.List(r, reader); err != nil || len(listed) != 1 || len(listed[0].Edits) != 1 {
			t.Errorf("%s lists %d scenarios, the first with %d edits", c.who, len(listed), len(listed[0].Edits))
		}
		d, err := m.Diff(ctx, st, reader, sc.ID)
		if err != nil {
			t.Fatal(err)
		}
		if u := units(d); !has(u, c.mine) || has(u, c.other) || !d.Partial {
			t.Errorf("%s's diff names the units %v (partial %v)", c.who, u, d.Partial)
		}
		for _, mc := range d.Meetings {
			if mc.Meeting == strings.TrimSuffix(c.other, "-") {
				t.Errorf("%s sees %s's meeting change", c.who, mc.Meeting)
			}
		}
		// The totals of what is shown, from full solves of every meeting.
		var live, after Side
		fork := sc.Reader()
		for _, id := range sc.Meetings {
			for j, rd := range []struct {
				side *Side
				res  func() (*match.Result, error)
			}{{&live, func() (*match.Result, error) { return match.Run(ctx, r, sn.Vocab, id, sc.Base) }},
				{&after, func() (*match.Result, error) { return match.Run(ctx, fork, sn.Vocab, id, sc.Settings) }}} {
				res, err := rd.res()
				if err != nil {
					t.Fatal(err)
				}
				on := r
				if j == 1 {
					on = fork
				}
				in := matcher.CanRunMeeting(r, reader, id)
				for _, p := range res.Proposals {
					if in || matcher.CanSeeUnit(r, reader, p.DemandUnit) || matcher.CanSeeUnit(on, reader, p.ResourceUnit) || matcher.CanSeeUnit(r, reader, p.ResourceUnit) {
						rd.side.Met += p.Quantity
						rd.side.Welfare += p.Quantity * int64(p.Score)
					}
				}
			}
		}
		if d.Totals.Live.Met != live.Met || d.Totals.Scenario.Met != after.Met || d.Totals.Live.Welfare != live.Welfare || d.Totals.Scenario.Welfare != after.Welfare {
			t.Errorf("%s's totals %+v, want met %d → %d, welfare %d → %d", c.who, d.Totals, live.Met, after.Met, live.Welfare, after.Welfare)
		}
		if d.Totals.Live.Met >= whole.Totals.Live.Met {
			t.Errorf("%s's totals are the district's: %d of %d", c.who, d.Totals.Live.Met, whole.Totals.Live.Met)
		}
	}
	// The owner reads it whole, and the record it keeps is whole.
	if got, _ := m.Get(r, matcher.Admin, sc.ID); len(got.Edits) != 2 || got.Partial {
		t.Errorf("the owner sees %d edits, partial %v", len(got.Edits), got.Partial)
	}
	// Compared with another shared scenario of the same scope, within
	// the reader's scope too.
	other, err := m.Create(ctx, st, matcher.Admin, Request{Scope: []string{"bn-district", "bn-water"}, Edits: edits(t, `[{"op":"set_quantity","item":"LH-D02","quantity":2},{"op":"set_quantity","item":"LZWC-D02","quantity":1}]`)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Share(st, matcher.Admin, other.ID, true); err != nil {
		t.Fatal(err)
	}
	cmpd, err := m.Compare(ctx, st, matcher.Coordinator("lh"), sc.ID, other.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !cmpd.Partial || len(cmpd.Demands) == 0 || slices.ContainsFunc(cmpd.Demands, func(c DemandChange) bool { return !strings.HasPrefix(c.Unit, "lh-") }) {
		t.Errorf("lh compares: partial %v, demands %+v", cmpd.Partial, cmpd.Demands)
	}
}
