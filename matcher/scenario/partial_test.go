package scenario

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/allymatch/allymatch/matcher"
)

// set_unit and set_item change only the fields given; the edit reads back
// as it was written (a stored scenario keeps its JSON).
func TestPartialUpdates(t *testing.T) {
	st := bananStore(t)
	m := NewManager()
	live := st.Snapshot()

	// The Red Cross (巴南区红十字会) becomes a member of both district
	// meetings: only its memberships change.
	js := `[{"op":"set_unit","unit":"bn-redcross","alliances":["bn-district","bn-water"]}]`
	sc, err := m.Create(ctx, st, matcher.Admin, Request{Meeting: "bn-water", Edits: edits(t, js)})
	if err != nil {
		t.Fatal(err)
	}
	u, err := sc.Reader().Unit("bn-redcross")
	was, _ := live.Unit("bn-redcross")
	if err != nil || !slices.Equal(u.Alliances, []string{"bn-district", "bn-water"}) || u.Name != was.Name || u.Kind != was.Kind || *u.Location != *was.Location {
		t.Errorf("the fork's bn-redcross = %+v, %v; live %+v", u, err, was)
	}
	if !sc.Edits[0].changesMembership(live.Reader) {
		t.Error("joining bn-water is a membership change")
	}
	if b, _ := json.Marshal(sc.Edits); string(b) != strings.ReplaceAll(js, " ", "") {
		t.Errorf("the edit reads back as %s", b)
	}

	// One field of a unit object; the rest stays.
	sc, err = m.Create(ctx, st, matcher.Admin, Request{Meeting: "lh", Edits: edits(t, `[{"op":"set_unit","unit":{"id":"lh-bank","name":"农商行龙洲湾支行"}}]`)})
	if err != nil {
		t.Fatal(err)
	}
	u, _ = sc.Reader().Unit("lh-bank")
	was, _ = live.Unit("lh-bank")
	if u.Name != "农商行龙洲湾支行" || u.Grid != was.Grid || *u.Location != *was.Location || u.PartyOrg != was.PartyOrg || !slices.Equal(u.Alliances, was.Alliances) {
		t.Errorf("lh-bank renamed = %+v, live %+v", u, was)
	}
	if b, _ := json.Marshal(sc.Edits[0]); !strings.Contains(string(b), `"unit":{"id":"lh-bank","name":"农商行龙洲湾支行"}`) {
		t.Errorf("the edit reads back as %s", b)
	}

	// The relief stock (救生衣、棉被, 300 pieces) drops to 100, by id and
	// by object; the rest of the item stays.
	for _, js := range []string{
		`[{"op":"set_item","item":"BN-R10","quantity":100}]`,
		`[{"op":"set_item","item":{"id":"BN-R10","quantity":100}}]`,
		`[{"op":"set_quantity","item":"BN-R10","quantity":100}]`,
	} {
		sc, err := m.Create(ctx, st, matcher.Admin, Request{Meeting: "bn-district", Edits: edits(t, js)})
		if err != nil {
			t.Fatal(js, err)
		}
		it, _ := sc.Reader().Item("BN-R10")
		was, _ := live.Item("BN-R10")
		c := *was
		c.Quantity, c.Rev = 100, live.Seq+1
		if g, w := mustJSON(it), mustJSON(&c); g != w {
			t.Errorf("%s: BN-R10 = %s, want %s", js, g, w)
		}
		if err := m.Delete(live.Reader, matcher.Admin, sc.ID); err != nil {
			t.Fatal(err)
		}
	}

	// A Go caller's Ref (no JSON): the fields not zero are given.
	sc, err = m.Create(ctx, st, matcher.Admin, Request{Meeting: "lh", Edits: []Edit{{Op: OpSetItem, Item: Ref[matcher.Item]{Value: &matcher.Item{ID: "LH-D10", Title: "餐饮从业人员食品安全与劳动合同培训"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	it, _ := sc.Reader().Item("LH-D10")
	wasIt, _ := live.Item("LH-D10")
	if it.Title != "餐饮从业人员食品安全与劳动合同培训" || it.Quantity != wasIt.Quantity || it.Category != wasIt.Category || it.Priority != wasIt.Priority {
		t.Errorf("LH-D10 retitled = %+v", it)
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// join_alliance and set_project, the operations the registry gained.
func TestJoinAllianceAndSetProject(t *testing.T) {
	st := bananStore(t)
	m := NewManager()
	live := st.Snapshot()
	sc, err := m.Create(ctx, st, matcher.Admin, Request{Meeting: "bn-water", Edits: edits(t, `[
		{"op":"join_alliance","unit":"bn-redcross","alliance":"bn-water"},
		{"op":"set_project","project":{"id":"LH-P02","name":"道德积分银行新春兑换会","status":"running"}}]`)})
	if err != nil {
		t.Fatal(err)
	}
	if u, _ := sc.Reader().Unit("bn-redcross"); !slices.Equal(u.Alliances, []string{"bn-district", "bn-water"}) {
		t.Errorf("bn-redcross after joining bn-water: %v", u.Alliances)
	}
	p, _ := sc.Reader().Project("LH-P02")
	was, _ := live.Project("LH-P02")
	if p.Name != "道德积分银行新春兑换会" || p.Status != matcher.ProjectRunning || p.Unit != was.Unit || p.Description != was.Description {
		t.Errorf("LH-P02 = %+v, live %+v", p, was)
	}
	d, err := m.Diff(ctx, st, matcher.Admin, sc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Demands) == 0 {
		t.Error("the Red Cross in the waterway meeting changes nothing there")
	}
	for _, c := range []struct{ edits, field, says, code string }{
		{`[{"op":"join_alliance","unit":"bn-redcross","alliance":"bn-district"}]`, "edits[0].alliance", "already", matcher.EINVALID},
		{`[{"op":"join_alliance","unit":"bn-redcross","alliance":"nope"}]`, "edits[0].alliance", `"nope"`, matcher.ENOTFOUND},
		{`[{"op":"join_alliance","unit":"bn-redcross"}]`, "edits[0].alliance", "required", matcher.EINVALID},
		{`[{"op":"set_project","project":"LH-P02"}]`, "edits[0].project", "project object", matcher.EINVALID},
		{`[{"op":"set_project","project":{"id":"LH-P02","unit":"lh-bank"}}]`, "edits[0].project.unit", "does not change", matcher.EINVALID},
		{`[{"op":"set_project","project":{"id":"LH-P02","status":"paused"}}]`, "edits[0].project.status", `"paused"`, matcher.EINVALID},
		{`[{"op":"set_project","project":{"id":"LH-P02","name":""}}]`, "edits[0].project.name", "", matcher.EINVALID},
		{`[{"op":"set_project","project":{"id":"nope","name":"x"}}]`, "edits[0].project.id", `"nope"`, matcher.ENOTFOUND},
	} {
		_, err := m.Create(ctx, st, matcher.Admin, Request{Meeting: "lh", Edits: edits(t, c.edits)})
		if matcher.ErrorCode(err) != c.code || !strings.Contains(err.Error(), c.field) || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%s: %v, want %s naming %s (saying %s)", c.edits, err, c.code, c.field, c.says)
		}
	}
	// A coordinator of lh may not make a unit join another alliance.
	_, err = m.Create(ctx, st, matcher.Coordinator("lh"), Request{Meeting: "lh", Edits: edits(t, `[{"op":"join_alliance","unit":"lh-bank","alliance":"lzwc"}]`)})
	if matcher.ErrorCode(err) != matcher.EFORBIDDEN && matcher.ErrorCode(err) != matcher.ENOTFOUND {
		t.Errorf("lh's coordinator joins lh-bank to lzwc: %v", err)
	}
}

// Every registered operation describes itself: a label and words in both
// languages with one %s per argument, and its fields.
func TestRegistry(t *testing.T) {
	ops := Ops()
	if len(ops) < 17 {
		t.Fatalf("%d operations: %v", len(ops), ops)
	}
	for _, name := range ops {
		op, _ := Lookup(name)
		s := op.Spec()
		if s.Name != name || s.Label[0] == "" || s.Label[1] == "" || len(s.Fields) == 0 {
			t.Errorf("%s: spec %+v", name, s)
		}
		n := len(op.Args(&Edit{Op: name}))
		for _, w := range s.Words {
			if strings.Count(w, "%s") != n || strings.Count(w, "%") != n {
				t.Errorf("%s: words %q for %d arguments", name, w, n)
			}
		}
	}
	if _, ok := Lookup("paint_unit"); ok {
		t.Error("an unknown operation is found")
	}
}
