package scenario

import (
	"slices"
	"testing"

	"github.com/allymatch/allymatch/fixtures"
	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/store"
)

// Scenarios survive a restart: the store keeps them, a new manager loads
// them, and their records and diffs are byte for byte what they were; ids
// are not made again.
func TestScenariosSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	st, _, err := store.Open(ctx, store.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Import(ctx, fixtures.MustBanan(t), "test"); err != nil {
		t.Fatal(err)
	}
	m := NewManager()
	admin := matcher.Admin
	a, err := m.Create(ctx, st, admin, Request{Scope: []string{"bn-district", "bn-water"}, Name: "红十字会加入水上联席会", Note: "联席会讨论用", Edits: edits(t, redCrossJoinsWater)})
	if err != nil {
		t.Fatal(err)
	}
	b, err := m.Create(ctx, st, matcher.Coordinator("lh"), Request{Meeting: "lh", Edits: edits(t, `[{"op":"set_item","item":{"id":"LH-D10","title":"餐饮从业人员劳动合同讲座"}},{"op":"set_weights","weights":{"proximity":3,"text":2,"category":1,"priority":1,"time":1,"affinity":1,"history":1}}]`)})
	if err != nil {
		t.Fatal(err)
	}
	gone, _ := m.Create(ctx, st, admin, Request{Meeting: "lh"})
	if err := m.Delete(st.Snapshot().Reader, admin, gone.ID); err != nil {
		t.Fatal(err)
	}
	want := map[string][2]string{}
	for _, sc := range []*Scenario{a, b} {
		d, err := m.Diff(ctx, st, admin, sc.ID)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := m.Get(st.Snapshot().Reader, admin, sc.ID)
		want[sc.ID] = [2]string{mustJSON(got), mustJSON(d)}
	}
	st.Close()

	st, _, err = store.Open(ctx, store.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	m = NewManager()
	if err := m.Use(st); err != nil {
		t.Fatal(err)
	}
	if m.Len() != 2 {
		t.Fatalf("%d scenarios after the restart, want 2", m.Len())
	}
	for id, w := range want {
		d, err := m.Diff(ctx, st, admin, id)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := m.Get(st.Snapshot().Reader, admin, id)
		if g := mustJSON(got); g != w[0] {
			t.Errorf("%s after the restart:\n got %s\nwant %s", id, g, w[0])
		}
		if g := mustJSON(d); g != w[1] {
			t.Errorf("%s's diff after the restart:\n got %.400s\nwant %.400s", id, g, w[1])
		}
	}
	c, err := m.Create(ctx, st, admin, Request{Meeting: "lh"})
	if err != nil {
		t.Fatal(err)
	}
	if c.ID == a.ID || c.ID == b.ID || c.ID == gone.ID {
		t.Errorf("id %s made again", c.ID)
	}
	// A write since: loaded on a later state the scenario is stale, and
	// applying it is a 409 as before.
	if _, err := st.Update(ctx, "test", "edit", nil, func(tx *store.Tx) error {
		it, _ := tx.Item("LH-R12")
		n := *it
		n.Quantity++
		return tx.PutItem(n)
	}); err != nil {
		t.Fatal(err)
	}
	m = NewManager()
	if _, err := m.Apply(ctx, st, admin, b.ID); matcher.ErrorCode(err) != matcher.ECONFLICT {
		t.Errorf("applying a scenario loaded after a write: %v, want a conflict", err)
	}
}

// Sharing: a scenario is read by the coordinators of the alliances it
// touches once shared, and by nobody else; they may not change it.
func TestSharedScenarioIsReadOnly(t *testing.T) {
	st := bananStore(t)
	m := NewManager()
	planner := matcher.Coordinator("bn-water")
	sc, err := m.Create(ctx, st, planner, Request{Scope: []string{"bn-water"}, Name: "红十字会", Edits: edits(t, `[{"op":"set_quantity","item":"BN-R12","quantity":30}]`)})
	if err != nil {
		t.Fatal(err)
	}
	r := st.Snapshot().Reader
	district, tw := matcher.Coordinator("bn-district"), matcher.Coordinator("tw")
	if _, err := m.Get(r, district, sc.ID); matcher.ErrorCode(err) != matcher.ENOTFOUND {
		t.Errorf("the district's coordinator reads an unshared scenario: %v", err)
	}
	if _, err := m.Share(st, district, sc.ID, true); matcher.ErrorCode(err) != matcher.ENOTFOUND {
		t.Errorf("the district's coordinator shares another's scenario: %v", err)
	}
	if _, err := m.Share(st, planner, sc.ID, true); err != nil {
		t.Fatal(err)
	}
	// The emergency bureau (bn-emergency) is a member of bn-district too: the
	// scenario touches the district, whose coordinator then reads it.
	if !slices.Contains(sc.Touched, "bn-district") {
		t.Fatalf("touched %v", sc.Touched)
	}
	for _, c := range []struct {
		who  matcher.Actor
		read bool
	}{{district, true}, {tw, false}, {matcher.Coordinator("lh"), false}, {matcher.UnitActor("bn-redcross"), false}} {
		_, err := m.Get(r, c.who, sc.ID)
		if (err == nil) != c.read {
			t.Errorf("%s reads the shared scenario: %v, want %v", c.who, err, c.read)
		}
		if _, err := m.Diff(ctx, st, c.who, sc.ID); (err == nil) != c.read {
			t.Errorf("%s diffs the shared scenario: %v", c.who, err)
		}
		listed, err := m.List(r, c.who)
		if err != nil {
			t.Fatal(err)
		}
		if got := slices.ContainsFunc(listed, func(s *Scenario) bool { return s.ID == sc.ID }); got != c.read {
			t.Errorf("%s lists it: %v", c.who, got)
		}
		want := matcher.ENOTFOUND
		if c.read {
			want = matcher.EFORBIDDEN
		}
		if _, err := m.Apply(ctx, st, c.who, sc.ID); matcher.ErrorCode(err) != want {
			t.Errorf("%s applies it: %v, want %s", c.who, err, want)
		}
		if err := m.Delete(r, c.who, sc.ID); matcher.ErrorCode(err) != want {
			t.Errorf("%s deletes it: %v, want %s", c.who, err, want)
		}
		if _, err := m.Share(st, c.who, sc.ID, false); matcher.ErrorCode(err) != want {
			t.Errorf("%s unshares it: %v, want %s", c.who, err, want)
		}
	}
}

// Two scenarios of one scope side by side: the Red Cross joining the
// waterway meeting with its 300 pieces, and with 100.
func TestCompareScenarios(t *testing.T) {
	st := bananStore(t)
	m := NewManager()
	scope := []string{"bn-district", "bn-water"}
	a, err := m.Create(ctx, st, matcher.Admin, Request{Scope: scope, Edits: edits(t, redCrossJoinsWater)})
	if err != nil {
		t.Fatal(err)
	}
	b, err := m.Create(ctx, st, matcher.Admin, Request{Scope: scope, Edits: edits(t, joinsWithLess)})
	if err != nil {
		t.Fatal(err)
	}
	c, err := m.Compare(ctx, st, matcher.Admin, a.ID, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if c.Totals.B.Met-c.Totals.A.Met != -100 || c.Totals.Met != -100 || c.Totals.A.Met-c.Totals.Live.Met != 200 {
		t.Errorf("totals %+v", c.Totals)
	}
	if len(c.Demands) == 0 || c.Demands[0].Meeting != "bn-water" || len(c.Changed) != 1 {
		t.Errorf("demands %+v, changed %+v", c.Demands, c.Changed)
	}
	one, err := m.Create(ctx, st, matcher.Admin, Request{Meeting: "bn-water", Edits: edits(t, redCrossJoinsWater)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Compare(ctx, st, matcher.Admin, a.ID, one.ID); matcher.ErrorCode(err) != matcher.EINVALID {
		t.Errorf("comparing scenarios of other scopes: %v", err)
	}
	if _, err := m.Compare(ctx, st, matcher.Coordinator("tw"), a.ID, b.ID); matcher.ErrorCode(err) != matcher.ENOTFOUND {
		t.Errorf("tw's coordinator compares the admin's scenarios: %v", err)
	}
}
