package scenario

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/allymatch/allymatch/fixtures"
	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/match"
	"github.com/allymatch/allymatch/matcher/store"
)

var ctx = context.Background()

func bananStore(tb testing.TB) *store.Store {
	tb.Helper()
	st, _, err := store.Open(ctx, store.Options{Dir: tb.TempDir()})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	if _, err := st.Import(ctx, fixtures.MustBanan(tb), "test"); err != nil {
		tb.Fatal(err)
	}
	return st
}

func edits(tb testing.TB, js string) []Edit {
	tb.Helper()
	var e []Edit
	if err := json.Unmarshal([]byte(js), &e); err != nil {
		tb.Fatal(err)
	}
	return e
}

func change(d *Diff, demand string) *DemandChange {
	for i := range d.Demands {
		if d.Demands[i].Demand == demand {
			return &d.Demands[i]
		}
	}
	return nil
}

func TestScenarioDiff(t *testing.T) {
	st := bananStore(t)
	m := NewManager()
	req := Request{Meeting: "lh", Edits: edits(t, `[
		{"op":"set_quantity","item":"LH-R05","quantity":220},
		{"op":"add_item","unit":"lh-bank","item":{"id":"X-R1","kind":"resource","category":"志愿服务","title":"银行志愿者","quantity":5,"radius_km":5}},
		{"op":"set_radius","item":"LH-D06","radius_km":4}
	]`)}
	sc, err := m.Create(ctx, st, matcher.Coordinator("lh"), req)
	if err != nil {
		t.Fatal(err)
	}
	d, err := m.Diff(ctx, st, matcher.Coordinator("lh"), sc.ID)
	if err != nil {
		t.Fatal(err)
	}
	c := change(d, "LH-D03")
	if c == nil || c.MetBefore != 130 || c.MetAfter != 200 {
		t.Fatalf("LH-D03 change = %+v, want 130 → 200", c)
	}
	if d.Totals.Met <= 0 || d.Totals.Scenario.Met != d.Totals.Live.Met+d.Totals.Met || d.Stale {
		t.Errorf("totals %+v", d.Totals)
	}
	gained := false
	for _, u := range d.Units {
		if u.Unit == "lh-committee" || len(u.Gained) > 0 {
			gained = true
		}
	}
	if !gained || len(d.Units) == 0 {
		t.Errorf("no unit gains: %+v", d.Units)
	}
	// Nothing leaked into the live state.
	sn := st.Snapshot()
	if it, _ := sn.Item("LH-R12"); it.Quantity != 60 {
		t.Errorf("live LH-R12 quantity %d, want 60", it.Quantity)
	}
	if _, err := sn.Item("X-R1"); err == nil {
		t.Errorf("the scenario's new item is live")
	}

	// Removing a unit: what it served goes unmet or moves.
	sc2, err := m.Create(ctx, st, matcher.Admin, Request{Meeting: "lh", Edits: edits(t, `[{"op":"remove_unit","unit":"lh-school"},{"op":"set_mode","mode":"coverage"}]`)})
	if err != nil {
		t.Fatal(err)
	}
	if sc2.Settings.Mode != match.Coverage || sc2.Base.Mode != match.Welfare {
		t.Errorf("settings %+v base %+v", sc2.Settings, sc2.Base)
	}
	d2, err := m.Diff(ctx, st, matcher.Admin, sc2.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range d2.Demands {
		if c.Unit == "lh-school" && c.Change != NewlyUnmet {
			t.Errorf("a demand of the removed unit: %+v", c)
		}
	}
	if len(d2.Demands) == 0 {
		t.Error("removing the school changes nothing")
	}
}

func TestScenarioBadEdits(t *testing.T) {
	st := bananStore(t)
	m := NewManager()
	for _, c := range []struct{ edits, field string }{
		{`[{"op":"set_radius","item":"LH-D06","radius_km":4},{"op":"set_radius","item":"LH-D06","radius_km":3},{"op":"set_quantity","item":"LH-R12","quantity":0}]`, "edits[2].quantity"},
		{`[{"op":"explode"}]`, "edits[0].op"},
		{`[{"op":"set_radius","item":"LH-D06","radius_km":-1}]`, "edits[0].radius_km"},
		{`[{"op":"add_item","unit":"lh-bank","item":{"id":"Z","kind":"resource","category":"volunteer","title":"x","quantity":0}}]`, "edits[0].item.quantity"},
		{`[{"op":"set_weights","weights":{"proximity":500}}]`, "edits[0].weights.proximity"},
		{`[{"op":"set_window","item":"LH-D06","windows":[{"from":"2027-01-02T00:00:00Z","to":"2027-01-01T00:00:00Z"}]}]`, "edits[0].item.windows[0].to"},
	} {
		_, err := m.Create(ctx, st, matcher.Admin, Request{Meeting: "lh", Edits: edits(t, c.edits)})
		if matcher.ErrorCode(err) != matcher.EINVALID || !strings.Contains(err.Error(), c.field) {
			t.Errorf("%s: %v, want invalid naming %s", c.edits, err, c.field)
		}
	}
	// An id that names nothing is not found, naming the field.
	for _, c := range []struct{ edits, field string }{
		{`[{"op":"set_quantity","item":"nope","quantity":3}]`, "edits[0].item"},
		{`[{"op":"drop_from_alliance","unit":"lh-party","alliance":"lh"}]`, "edits[0].unit"},
	} {
		_, err := m.Create(ctx, st, matcher.Admin, Request{Meeting: "lh", Edits: edits(t, c.edits)})
		var me *matcher.Error
		if !errors.As(err, &me) || me.Code != matcher.ENOTFOUND || me.Field != c.field {
			t.Errorf("%s: %v, want not found naming %s", c.edits, err, c.field)
		}
	}
	if m.Len() != 0 {
		t.Errorf("refused scenarios kept: %d", m.Len())
	}
}

func TestManagerScopeAndBound(t *testing.T) {
	st := bananStore(t)
	m := NewManager()
	m.MaxPerOwner = 2
	m.MaxScenarios = 3
	sn := st.Snapshot()
	if _, err := m.Create(ctx, st, matcher.Coordinator("tw"), Request{Meeting: "lh"}); matcher.ErrorCode(err) != matcher.ENOTFOUND {
		t.Errorf("a stranger's meeting: %v, want not found", err)
	}
	if _, err := m.Create(ctx, st, matcher.UnitActor("lh-bank"), Request{Meeting: "lh"}); matcher.ErrorCode(err) != matcher.EFORBIDDEN {
		t.Errorf("a unit: %v", err)
	}
	a, err := m.Create(ctx, st, matcher.Coordinator("lh"), Request{Meeting: "lh"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Create(ctx, st, matcher.Coordinator("st-lzw"), Request{Meeting: "lh", Edits: edits(t, `[{"op":"set_quantity","item":"TW-R01","quantity":3}]`)}); matcher.ErrorCode(err) != matcher.ENOTFOUND {
		t.Errorf("an edit outside the scope: %v, want not found (as an absent item)", err)
	}
	// tw fills its own quota; that blocks tw, not lh.
	for range 2 {
		if _, err := m.Create(ctx, st, matcher.Coordinator("tw"), Request{Meeting: "tw"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := m.Create(ctx, st, matcher.Coordinator("tw"), Request{Meeting: "tw"}); matcher.ErrorCode(err) != matcher.ECONFLICT || !strings.Contains(err.Error(), "coordinator:tw keeps at most 2") {
		t.Errorf("past tw's quota: %v", err)
	}
	// The server's bound (3) is reached: only a memory bound.
	if _, err := m.Create(ctx, st, matcher.Admin, Request{Meeting: "tw"}); matcher.ErrorCode(err) != matcher.ECONFLICT || !strings.Contains(err.Error(), "on this server") {
		t.Errorf("past the server's bound: %v", err)
	}
	if got, _ := m.List(sn.Reader, matcher.Coordinator("lh")); len(got) != 1 || got[0].ID != a.ID {
		t.Errorf("lh sees %d scenarios", len(got))
	}
	if got, _ := m.List(sn.Reader, matcher.Coordinator("st-lzw")); len(got) != 1 {
		t.Errorf("the street above lh sees %d scenarios, want lh's", len(got))
	}
	if got, _ := m.List(sn.Reader, matcher.Admin); len(got) != 3 {
		t.Errorf("admin sees %d, want 3", len(got))
	}
	if _, err := m.Get(sn.Reader, matcher.Coordinator("tw"), a.ID); matcher.ErrorCode(err) != matcher.ENOTFOUND {
		t.Errorf("tw gets lh's scenario: %v", err)
	}
	if err := m.Delete(sn.Reader, matcher.Coordinator("tw"), a.ID); matcher.ErrorCode(err) != matcher.ENOTFOUND {
		t.Errorf("tw deletes lh's scenario: %v", err)
	}
	if err := m.Delete(sn.Reader, matcher.Coordinator("lh"), a.ID); err != nil || m.Len() != 2 {
		t.Errorf("delete: %v, %d left", err, m.Len())
	}
}

func TestApply(t *testing.T) {
	st := bananStore(t)
	m := NewManager()
	lh := matcher.Coordinator("lh")
	mk := func() *Scenario {
		sc, err := m.Create(ctx, st, lh, Request{Meeting: "lh", Edits: edits(t, `[{"op":"set_quantity","item":"LH-R12","quantity":76},{"op":"set_weights","weights":{"proximity":10,"text":10,"category":10,"priority":10,"time":10,"affinity":10,"history":10}}]`)})
		if err != nil {
			t.Fatal(err)
		}
		return sc
	}
	a, b := mk(), mk()
	if _, err := m.Apply(ctx, st, matcher.UnitActor("lh-bank"), a.ID); matcher.ErrorCode(err) != matcher.ENOTFOUND {
		t.Errorf("a unit applies: %v", err)
	}
	ev, err := m.Apply(ctx, st, lh, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if it, _ := st.Snapshot().Item("LH-R12"); it.Quantity != 76 || ev.Seq != a.Seq+1 {
		t.Errorf("after apply LH-R12 = %d, event %d", it.Quantity, ev.Seq)
	}
	_, err = m.Apply(ctx, st, lh, b.ID)
	var ce *ConflictError
	if matcher.ErrorCode(err) != matcher.ECONFLICT || !errors.As(err, &ce) || len(ce.Events) != 1 || ce.Events[0].Action != "scenario.apply" || !strings.Contains(err.Error(), "items/LH-R12") {
		t.Errorf("stale apply: %v", err)
	}
	d, err := m.Diff(ctx, st, lh, b.ID)
	if err != nil || !d.Stale {
		t.Errorf("diff of a stale scenario: %v stale=%v", err, d != nil && d.Stale)
	}
}

// The Manager solves scenarios as forks of the live plan's session; its
// diffs must be exactly those of two full solves, before and after the
// live state moves, and with settings edits.
func TestManagerDiffIsFullDiff(t *testing.T) {
	st := bananStore(t)
	m := NewManager()
	reqs := []Request{
		{Meeting: "lh", Edits: edits(t, `[{"op":"set_quantity","item":"LH-R12","quantity":5}]`)},
		{Meeting: "lh", Edits: edits(t, `[{"op":"set_radius","item":"LH-D06","radius_km":9},{"op":"set_quantity","item":"LH-D06","quantity":40}]`)},
		{Meeting: "lh", Edits: edits(t, `[{"op":"add_item","unit":"lh-bank","item":{"id":"X-R1","kind":"resource","category":"志愿服务","title":"银行志愿者","quantity":5,"radius_km":5}}]`)},
		{Meeting: "lh", Mode: match.Coverage, Edits: edits(t, `[{"op":"set_quantity","item":"LH-R12","quantity":6}]`)},
		{Meeting: "bn-district", Edits: edits(t, `[]`)},
	}
	check := func(when string) {
		for i, req := range reqs {
			sc, err := m.Create(ctx, st, matcher.Admin, req)
			if err != nil {
				t.Fatal(err)
			}
			got, err := m.Diff(ctx, st, matcher.Admin, sc.ID)
			if err != nil {
				t.Fatal(err)
			}
			full, err := sc.Diff(ctx, st.Snapshot())
			if err != nil {
				t.Fatal(err)
			}
			g, _ := json.Marshal(got)
			w, _ := json.Marshal(full)
			if string(g) != string(w) {
				t.Errorf("%s, request %d: Manager.Diff differs from a full diff:\n got %.500s\nwant %.500s", when, i, g, w)
			}
			if err := m.Delete(st.Snapshot().Reader, matcher.Admin, sc.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	check("first")
	check("again")
	if _, err := st.Update(ctx, "test", "edit", nil, func(tx *store.Tx) error {
		it, err := tx.Item("LH-R12")
		if err != nil {
			return err
		}
		c := *it
		c.Quantity = 9
		return tx.PutItem(c)
	}); err != nil {
		t.Fatal(err)
	}
	check("after a live edit")
}

// A coordinator changes the members of its own alliances only: joining a
// unit to another community's alliance, or dropping one from it, is
// refused at create (and so never reaches apply); an admin may. An
// alliance it cannot see is not found, as an absent one; one it sees (the
// street above) but does not run is forbidden.
func TestMembershipScope(t *testing.T) {
	st := bananStore(t)
	m := NewManager()
	for i, c := range []struct {
		js, code, field string
	}{
		{`[{"op":"add_unit","unit":{"id":"X-U1","name":"新开书店","kind":"shop","grid":"lh-g1","alliances":["tw"]}}]`, matcher.ENOTFOUND, "edits[0].unit.alliances[0]"},
		{`[{"op":"add_unit","unit":{"id":"X-U1","name":"新开书店","kind":"shop","grid":"lh-g1","alliances":["nope"]}}]`, matcher.ENOTFOUND, "edits[0].unit.alliances[0]"},
		{`[{"op":"drop_from_alliance","unit":"tw-committee","alliance":"tw"}]`, matcher.ENOTFOUND, "edits[0].unit"},
		{`[{"op":"add_unit","unit":{"id":"X-U1","name":"新开书店","kind":"shop","grid":"lh-g1","alliances":["st-lzw"]}}]`, matcher.EFORBIDDEN, "edits[0]"},
	} {
		_, err := m.Create(ctx, st, matcher.Coordinator("lh"), Request{Meeting: "lh", Edits: edits(t, c.js)})
		var me *matcher.Error
		if !errors.As(err, &me) || me.Code != c.code || me.Field != c.field {
			t.Errorf("case %d: coordinator of lh: err = %v; want %s on %s", i, err, c.code, c.field)
		}
	}
	if _, err := m.Create(ctx, st, matcher.Admin, Request{Meeting: "lh", Edits: edits(t,
		`[{"op":"add_unit","unit":{"id":"X-U1","name":"新开书店","kind":"shop","grid":"lh-g1","alliances":["tw"]}}]`)}); err != nil {
		t.Errorf("admin: %v", err)
	}
}
