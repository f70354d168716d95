package scenario

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
	"github.com/allymatch/allymatch/matcher/match"
	"github.com/allymatch/allymatch/matcher/store"
)

// Edits of the Longhua (龙华社区) scenarios below.
const (
	// 龙华社区居民法律讲堂: a new project of the community committee with
	// one slot that the law firm's (渝南律师事务所) spare hours can fill.
	addLawProject = `{"op":"add_project","project":{"id":"LH-P03","unit":"lh-committee","name":"龙华社区居民法律讲堂","description":"每季度一次的居民法律讲堂"}},
		{"op":"add_item","unit":"lh-committee","item":{"id":"LH-P03-S1","kind":"demand","category":"法律服务","title":"法律讲堂主讲律师","quantity":6,"measure":"小时","radius_km":3,"priority":4,"project":"LH-P03"}}`
	// The restaurant's (龙华家常菜馆) food-safety training, which nothing
	// serves, becomes a talk on labour contracts: the law firm serves it.
	setLegalTalk = `{"op":"set_item","item":{"id":"LH-D10","category":"法律服务","title":"餐饮从业人员劳动合同法律咨询讲座","tags":["劳动合同","法律咨询"],"quantity":1,"measure":"场","radius_km":2,"priority":2}}`
	// The bank's branch (重庆农村商业银行龙洲湾支行) moves to Tangwan, far
	// beyond the 3 km of its points exchange (LH-R05).
	moveBank = `{"op":"set_unit","unit":{"id":"lh-bank","name":"重庆农村商业银行龙洲湾支行","kind":"bank","party_org":true,"grid":"tw-g1","location":{"lat":29.245,"lon":106.758}}}`
)

// scenarioDiff makes a scenario of lh with the edits js (a JSON array) and
// returns it with its diff against the live plan.
func scenarioDiff(t *testing.T, st *store.Store, m *Manager, js string) (*Scenario, *Diff) {
	t.Helper()
	sc, err := m.Create(ctx, st, matcher.Coordinator("lh"), Request{Meeting: "lh", Edits: edits(t, js)})
	if err != nil {
		t.Fatal(err)
	}
	d, err := m.Diff(ctx, st, matcher.Coordinator("lh"), sc.ID)
	if err != nil {
		t.Fatal(err)
	}
	return sc, d
}

func proposes(res *match.Result, resource, demand string) bool {
	return slices.ContainsFunc(res.Proposals, func(p match.Proposal) bool {
		return (resource == "" || p.Resource == resource) && (demand == "" || p.Demand == demand)
	})
}

// Dropping the New Year points fair (LH-P02, 道德积分银行迎新春兑换会), or
// marking it done, takes its three slots out of the plan and frees what
// served them: the bank's (重庆农村商业银行龙洲湾支行) rice and oil go to the
// rice and oil exchange (LH-D03) instead. remove_project does the same and closes the slots.
func TestProjectStatusAndRemove(t *testing.T) {
	st := bananStore(t)
	m := NewManager()
	for _, js := range []string{
		`[{"op":"set_project_status","project":"LH-P02","status":"dropped"}]`,
		`[{"op":"set_project_status","project":"LH-P02","status":"done"}]`,
		`[{"op":"remove_project","project":"LH-P02"}]`,
	} {
		sc, d := scenarioDiff(t, st, m, js)
		for _, slot := range []string{"LH-P02-S1", "LH-P02-S2"} { // S3 has no candidate
			if c := change(d, slot); c == nil || c.Change != NewlyUnmet || c.MetAfter != 0 {
				t.Errorf("%s: slot %s = %+v, want newly unmet", js, slot, c)
			}
		}
		if c := change(d, "LH-D03"); c == nil || c.MetBefore != 130 || c.MetAfter != 150 {
			t.Errorf("%s: LH-D03 = %+v, want 130 → 150 with the freed rice and oil", js, c)
		}
		if proposes(d.After, "", "LH-P02-S2") {
			t.Errorf("%s: a slot of the project is still proposed", js)
		}
		r := sc.Reader()
		p, err := r.Project("LH-P02")
		if err != nil {
			t.Fatal(err)
		}
		removing := strings.Contains(js, "remove_project")
		for it := range r.Slots("LH-P02") {
			if closed := it.Status == matcher.ItemClosed; closed != removing {
				t.Errorf("%s: slot %s is %s in the fork", js, it.ID, it.Status)
			}
		}
		if removing && p.Status != matcher.ProjectDropped {
			t.Errorf("remove_project: the project is %s, want dropped", p.Status)
		}
	}

	// Dropped and planned again: nothing changes.
	_, d := scenarioDiff(t, st, m, `[{"op":"set_project_status","project":"LH-P02","status":"dropped"},{"op":"set_project_status","project":"LH-P02","status":"planned"}]`)
	if len(d.Demands) != 0 || d.Totals.Met != 0 {
		t.Errorf("dropped and planned again changes %+v", d.Demands)
	}
	if live, _ := st.Snapshot().Project("LH-P02"); live.Status != matcher.ProjectPlanned {
		t.Errorf("the live project is %s", live.Status)
	}
}

// A new project with a slot (add_project, then add_item with "project")
// gets the slot met from spare resources.
func TestAddProject(t *testing.T) {
	st := bananStore(t)
	m := NewManager()
	sc, d := scenarioDiff(t, st, m, `[`+addLawProject+`]`)
	c := change(d, "LH-P03-S1")
	if c == nil || c.Change != NewlyMet || c.MetAfter != 6 || len(c.After) != 1 || c.After[0].Unit != "lh-law" {
		t.Fatalf("the new slot = %+v, want 6 hours of lh-law", c)
	}
	p, err := sc.Reader().Project("LH-P03")
	if err != nil || p.Status != matcher.ProjectPlanned || p.Unit != "lh-committee" {
		t.Errorf("the fork's project %+v, %v; want planned, of lh-committee", p, err)
	}
	if it, _ := sc.Reader().Item("LH-P03-S1"); it == nil || it.Category != "legal" || it.Project != "LH-P03" {
		t.Errorf("the fork's slot %+v", it)
	}
	if _, err := st.Snapshot().Project("LH-P03"); err == nil {
		t.Error("the scenario's project is live")
	}

	// The project's unit may come from the edit's "unit"; a project made
	// in the scenario can be dropped in it, and its slot leaves the plan.
	_, d = scenarioDiff(t, st, m, `[
		{"op":"add_project","unit":"lh-committee","project":{"id":"LH-P03","name":"龙华社区居民法律讲堂"}},
		{"op":"add_item","unit":"lh-committee","item":{"id":"LH-P03-S1","kind":"demand","category":"legal","title":"法律讲堂主讲律师","quantity":6,"radius_km":3,"project":"LH-P03"}},
		{"op":"set_project_status","project":"LH-P03","status":"dropped"}]`)
	if len(d.Demands) != 0 {
		t.Errorf("a dropped new project changes %+v", d.Demands)
	}
}

// set_item changes what an item is: a new category makes a demand newly
// met or unmet; fields left out that an item cannot lack keep theirs.
func TestSetItem(t *testing.T) {
	st := bananStore(t)
	m := NewManager()
	sc, d := scenarioDiff(t, st, m, `[`+setLegalTalk+`]`)
	if c := change(d, "LH-D10"); c == nil || c.Change != NewlyMet || c.MetAfter != 1 || c.After[0].Resource != "LH-R14" {
		t.Errorf("LH-D10 as a legal talk = %+v, want met by LH-R14", c)
	}
	live, _ := st.Snapshot().Item("LH-D10")
	it, _ := sc.Reader().Item("LH-D10")
	if it.Category != "legal" || it.Title != "餐饮从业人员劳动合同法律咨询讲座" || !slices.Equal(it.Tags, []string{"劳动合同", "法律咨询"}) || it.Priority != 2 {
		t.Errorf("the fork's LH-D10 = %+v", it)
	}
	if it.Kind != live.Kind || it.Unit != live.Unit || it.Level != live.Level || it.Status != live.Status || it.Description != live.Description || !slices.Equal(it.Windows, live.Windows) {
		t.Errorf("kind, unit, level, status, description or windows changed (left out, they keep theirs): %+v, live %+v", it, live)
	}
	if it.Rev != st.Seq()+1 {
		t.Errorf("the fork's LH-D10 has rev %d, want %d: a fork's puts are the store's, stamping the index the scenario would be applied at", it.Rev, st.Seq()+1)
	}
	if live.Category != "training" {
		t.Errorf("live LH-D10 category %q", live.Category)
	}

	// The kindergarten's (龙华幼儿园) science talk asks for funds instead:
	// the weather bureau no longer serves it.
	_, d = scenarioDiff(t, st, m, `[{"op":"set_item","item":{"id":"LH-D05","kind":"demand","unit":"lh-kinder","category":"funds","title":"幼儿园防灾减灾科普经费","quantity":2,"radius_km":5,"priority":2,"level":"community","status":"open"}}]`)
	if c := change(d, "LH-D05"); c == nil || c.Change != NewlyUnmet || c.MetBefore != 2 {
		t.Errorf("LH-D05 asking for funds = %+v, want newly unmet", c)
	}

	// A resource: the law firm's hours become a kindergarten's childcare,
	// so the law talk of the same scenario finds nothing; the scenario's
	// own new item can be set too.
	_, d = scenarioDiff(t, st, m, `[`+setLegalTalk+`,
		{"op":"set_item","item":{"id":"LH-R14","category":"托育关爱","title":"律所亲子托管","quantity":24,"radius_km":10}},
		{"op":"add_item","unit":"lh-bank","item":{"id":"X-R1","kind":"resource","category":"志愿服务","title":"银行志愿者","quantity":5,"radius_km":5}},
		{"op":"set_item","item":{"id":"X-R1","category":"法律服务","title":"银行法务咨询","quantity":13,"radius_km":5}}]`)
	if c := change(d, "LH-D10"); c == nil || c.Change != NewlyMet || c.After[0].Resource != "X-R1" {
		t.Errorf("LH-D10 = %+v, want met by the bank's new legal hours", c)
	}
	if c := change(d, "LH-D08"); c == nil || c.Change != Moved || c.MetAfter != 12 || c.After[0].Resource != "X-R1" {
		t.Errorf("LH-D08 = %+v, want moved from the law firm's hours turned childcare to the bank's", c)
	}
}

// set_unit moves a unit: its resources reach other demands.
func TestSetUnit(t *testing.T) {
	st := bananStore(t)
	m := NewManager()
	sc, d := scenarioDiff(t, st, m, `[`+moveBank+`]`)
	if !proposes(d.Live, "LH-R05", "") || proposes(d.After, "LH-R05", "") {
		t.Errorf("the moved bank's points exchange LH-R05 is still proposed (or never was)")
	}
	c := change(d, "LH-D03")
	if c == nil || !slices.ContainsFunc(c.Before, func(a Assignment) bool { return a.Resource == "LH-R05" }) {
		t.Errorf("LH-D03 = %+v, want it to lose LH-R05", c)
	}
	var bank *UnitChange
	for i := range d.Units {
		if d.Units[i].Unit == "lh-bank" {
			bank = &d.Units[i]
		}
	}
	if bank == nil || len(bank.Lost) == 0 || len(bank.Gained) != 0 {
		t.Errorf("lh-bank's change = %+v", bank)
	}
	u, err := sc.Reader().Unit("lh-bank")
	if err != nil || u.Grid != "tw-g1" || u.Location.Lat != 29.245 || !slices.Equal(u.Alliances, []string{"lh"}) {
		t.Errorf("the fork's lh-bank = %+v, %v; want moved, still in lh only", u, err)
	}

	// The bun shop (龙华包子铺) moved to a grid not next to the
	// committee's, known by its grid only (its coordinates cleared with
	// null; fields left out keep theirs): its buns reach no one.
	_, d = scenarioDiff(t, st, m, `[{"op":"set_unit","unit":{"id":"lh-bakery","grid":"lzwc-g2","location":null}}]`)
	if !proposes(d.Live, "LH-R07", "") || proposes(d.After, "LH-R07", "") {
		t.Errorf("LH-R07 after the bun shop moved away: still proposed")
	}

	// "alliances" joins more, as add_unit; the unit stays where it was.
	sc, err = m.Create(ctx, st, matcher.Admin, Request{Meeting: "lh", Edits: edits(t, `[{"op":"set_unit","unit":{"id":"lh-bank","name":"重庆农村商业银行龙洲湾支行","kind":"bank","party_org":true,"grid":"lh-g3","location":{"lat":29.3475,"lon":106.529},"alliances":["lh","lzwc"]}}]`)})
	if err != nil {
		t.Fatal(err)
	}
	if u, _ := sc.Reader().Unit("lh-bank"); !slices.Equal(u.Alliances, []string{"lh", "lzwc"}) {
		t.Errorf("lh-bank's alliances after joining lzwc: %v", u.Alliances)
	}
	if !sc.Edits[0].changesMembership(st.Snapshot().Reader) || edits(t, `[`+moveBank+`]`)[0].changesMembership(st.Snapshot().Reader) {
		t.Error("changesMembership: joining lzwc is a membership change, a move is not")
	}
}

func TestNewOpsBadEdits(t *testing.T) {
	st := bananStore(t)
	m := NewManager()
	const (
		law   = `{"op":"add_project","project":{"id":"LH-P09","unit":"lh-committee","name":"法律讲堂"}}`
		slot  = `{"op":"add_item","unit":"lh-committee","item":{"id":"LH-P09-S1","kind":"demand","category":"legal","title":"主讲律师","quantity":2,"project":"LH-P09"}}`
		d10   = `"id":"LH-D10","category":"training","title":"餐饮从业人员食品安全培训","quantity":1`
		bankU = `"id":"lh-bank","name":"重庆农村商业银行龙洲湾支行","kind":"bank","grid":"lh-g3"`
	)
	for _, c := range []struct{ edits, field, says, code string }{
		// set_item
		{`[{"op":"set_item","item":{` + d10 + `,"kind":"resource"}}]`, "edits[0].item.kind", "does not change", matcher.EINVALID},
		{`[{"op":"set_item","item":{` + d10 + `,"unit":"lh-bank"}}]`, "edits[0].item.unit", "does not change", matcher.EINVALID},
		{`[{"op":"set_item","unit":"lh-bank","item":{` + d10 + `}}]`, "edits[0].unit", "does not change", matcher.EINVALID},
		{`[{"op":"set_item","item":{` + d10 + `,"level":"street"}}]`, "edits[0].item.level", "escalation", matcher.EINVALID},
		{`[{"op":"set_item","item":{"id":"nope","category":"legal","title":"x","quantity":1}}]`, "edits[0].item.id", `"nope"`, matcher.ENOTFOUND},
		{`[{"op":"set_item","item":"LH-D10"}]`, "edits[0].item", "names no field to change", matcher.EINVALID},
		{`[{"op":"set_item","item":"LH-D10","quantity":0}]`, "edits[0].quantity", "≥ 1", matcher.EINVALID},
		{`[{"op":"set_item","item":"nope","quantity":2}]`, "edits[0].item", `"nope"`, matcher.ENOTFOUND},
		{`[{"op":"set_item","item":{` + d10 + `,"category":"炒菜"}}]`, "edits[0].item.category", `"炒菜"`, matcher.EINVALID},
		{`[{"op":"set_item","item":{"id":"LH-D10","category":"training","title":"x","quantity":0}}]`, "edits[0].item.quantity", "", matcher.EINVALID},
		{`[{"op":"set_item","item":{"id":"LH-D10","category":"training","title":"","quantity":1}}]`, "edits[0].item.title", "", matcher.EINVALID},
		{`[{"op":"set_item","item":{"id":"LH-R12","category":"volunteer","title":"楼层党员中心户志愿者","quantity":3}}]`, "edits[0].item.quantity", "confirmed claims hold", matcher.EINVALID},
		{`[{"op":"set_item","item":{` + d10 + `,"project":"LH-P01"}}]`, "edits[0].item.project", `has no project "LH-P01"`, matcher.ENOTFOUND},
		// add_item's slot must be its own unit's project, one that exists by then
		{`[{"op":"add_item","unit":"lh-bank","item":{"id":"X-S1","kind":"demand","category":"legal","title":"x","quantity":1,"project":"LH-P01"}}]`, "edits[0].item.project", `has no project "LH-P01"`, matcher.ENOTFOUND},
		{`[` + slot + `,` + law + `]`, "edits[0].item.project", `"LH-P09"`, matcher.ENOTFOUND},
		{`[` + law + `,` + slot + `,{"op":"set_item","item":{"id":"LH-P09-S1","kind":"resource","category":"legal","title":"x","quantity":1}}]`, "edits[2].item.kind", "", matcher.EINVALID},
		// set_unit
		{`[{"op":"set_unit","unit":{"id":"nope","name":"某单位","kind":"shop","grid":"lh-g1"}}]`, "edits[0].unit.id", `"nope"`, matcher.ENOTFOUND},
		{`[{"op":"set_unit","unit":"lh-bank"}]`, "edits[0].unit", "names no field to change", matcher.EINVALID},
		{`[{"op":"set_unit","unit":"lh-bank","alliances":["nope"]}]`, "edits[0].alliances[0]", `"nope"`, matcher.ENOTFOUND},
		{`[{"op":"set_unit","unit":{"id":"lh-bank","kind":"Bank"}}]`, "edits[0].unit.kind", "", matcher.EINVALID},
		{`[{"op":"set_unit","unit":{` + bankU + `,"grid":"lh-g9"}}]`, "edits[0].unit.grid", `"lh-g9"`, matcher.EINVALID},
		{`[{"op":"set_unit","unit":{"id":"lh-bank","grid":"","location":null}}]`, "edits[0].unit.location", "", matcher.EINVALID},
		{`[{"op":"set_unit","unit":{` + bankU + `,"kind":"Bank"}}]`, "edits[0].unit.kind", "", matcher.EINVALID},
		{`[{"op":"set_unit","unit":{` + bankU + `,"alliances":["nope"]}}]`, "edits[0].unit.alliances[0]", `"nope"`, matcher.ENOTFOUND},
		{`[{"op":"remove_unit","unit":"lh-bakery"},{"op":"set_unit","unit":{` + bankU + `,"location":{"lat":95,"lon":0}}}]`, "edits[1].unit.location.lat", "", matcher.EINVALID},
		// add_project
		{`[{"op":"add_project","project":{"id":"LH-P01","unit":"lh-committee","name":"重复"}}]`, "edits[0].project.id", `"LH-P01"`, matcher.EINVALID},
		{`[` + law + `,` + law + `]`, "edits[1].project.id", `"LH-P09"`, matcher.EINVALID},
		{`[{"op":"add_project","project":{"id":"LH-P09","unit":"nope","name":"x"}}]`, "edits[0].project.unit", `"nope"`, matcher.ENOTFOUND},
		{`[{"op":"add_project","project":{"id":"LH-P09","name":"x"}}]`, "edits[0].project.unit", "required", matcher.EINVALID},
		{`[{"op":"add_project","unit":"lh-bank","project":{"id":"LH-P09","unit":"lh-committee","name":"x"}}]`, "edits[0].project.unit", "", matcher.EINVALID},
		{`[{"op":"add_project","project":{"id":"LH-P09","unit":"lh-committee","name":""}}]`, "edits[0].project.name", "", matcher.EINVALID},
		{`[{"op":"add_project","project":{"id":"LH-P09","unit":"lh-committee","name":"x","status":"paused"}}]`, "edits[0].project.status", "", matcher.EINVALID},
		{`[{"op":"add_project","project":"LH-P09"}]`, "edits[0].project", "project object", matcher.EINVALID},
		// set_project_status, remove_project
		{`[{"op":"set_project_status","project":"LH-P02","status":"finished"}]`, "edits[0].status", `"finished"`, matcher.EINVALID},
		{`[{"op":"set_project_status","project":"LH-P02"}]`, "edits[0].status", "required", matcher.EINVALID},
		{`[{"op":"set_project_status","project":"nope","status":"done"}]`, "edits[0].project", `"nope"`, matcher.ENOTFOUND},
		{`[{"op":"remove_project","project":"nope"}]`, "edits[0].project", `"nope"`, matcher.ENOTFOUND},
		{`[{"op":"remove_project"}]`, "edits[0].project", "", matcher.EINVALID},
		{`[{"op":"set_project_status","project":"LH-P02","status":"done"},{"op":"remove_project","project":"LH-P02"}]`, "edits[1].project", "done", matcher.EINVALID},
	} {
		_, err := m.Create(ctx, st, matcher.Admin, Request{Meeting: "lh", Edits: edits(t, c.edits)})
		if matcher.ErrorCode(err) != c.code || !strings.Contains(err.Error(), c.field) || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%s: %v, want %s naming %s (saying %s)", c.edits, err, c.code, c.field, c.says)
		}
	}
	if m.Len() != 0 {
		t.Errorf("refused scenarios kept: %d", m.Len())
	}
}

// A coordinator plans only for the units it can see, with every new op:
// the records of others are answered as absent ones.
func TestNewOpsScope(t *testing.T) {
	st := bananStore(t)
	m := NewManager()
	tw := matcher.Coordinator("tw")
	for _, js := range []string{
		`[` + moveBank + `]`,
		`[` + setLegalTalk + `]`,
		`[{"op":"set_project_status","project":"LH-P02","status":"dropped"}]`,
		`[{"op":"remove_project","project":"LH-P02"}]`,
		`[{"op":"add_project","project":{"id":"X-P1","unit":"lh-committee","name":"x"}}]`,
		`[{"op":"add_project","unit":"lh-committee","project":{"id":"X-P1","name":"x"}}]`,
	} {
		_, err := m.Create(ctx, st, tw, Request{Meeting: "tw", Edits: edits(t, js)})
		var me *matcher.Error
		if matcher.ErrorCode(err) != matcher.ENOTFOUND || !errors.As(err, &me) || !strings.HasPrefix(me.Field, "edits[0].") {
			t.Errorf("tw plans %s: %v, want not found (as an absent record) naming edits[0]", js, err)
		}
	}
	// Its own units are fine.
	if _, err := m.Create(ctx, st, tw, Request{Meeting: "tw", Edits: edits(t, `[{"op":"set_project_status","project":"TW-P01","status":"running"}]`)}); err != nil {
		t.Errorf("tw drops its own project: %v", err)
	}
}

// Applying the new ops commits them to the store as they were forked: the
// live plan afterwards is the scenario's; a scenario forked before is
// refused as stale.
func TestApplyNewOps(t *testing.T) {
	st := bananStore(t)
	m := NewManager()
	lh := matcher.Coordinator("lh")
	js := `[` + addLawProject + `,
		{"op":"set_project_status","project":"LH-P01","status":"running"},
		{"op":"remove_project","project":"LH-P02"},
		` + setLegalTalk + `,
		{"op":"set_unit","unit":{"id":"lh-bank","name":"重庆农商行龙洲湾支行","kind":"bank","party_org":true,"grid":"lh-g2","location":{"lat":29.349,"lon":106.531},"alliances":["lh"]}}]`
	a, err := m.Create(ctx, st, lh, Request{Meeting: "lh", Edits: edits(t, js)})
	if err != nil {
		t.Fatal(err)
	}
	b, err := m.Create(ctx, st, lh, Request{Meeting: "lh", Edits: edits(t, `[{"op":"set_project_status","project":"LH-P01","status":"dropped"}]`)})
	if err != nil {
		t.Fatal(err)
	}
	planned, err := a.Solve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := m.Apply(ctx, st, lh, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	sn := st.Snapshot()
	if ev.Seq != a.Seq+1 || sn.Seq != ev.Seq {
		t.Errorf("event %d, store at %d, fork %d", ev.Seq, sn.Seq, a.Seq)
	}
	if p, err := sn.Project("LH-P03"); err != nil || p.Status != matcher.ProjectPlanned || p.Unit != "lh-committee" || p.Rev != ev.Seq {
		t.Errorf("live LH-P03 = %+v, %v", p, err)
	}
	if it, err := sn.Item("LH-P03-S1"); err != nil || it.Project != "LH-P03" || it.Category != "legal" {
		t.Errorf("live LH-P03-S1 = %+v, %v", it, err)
	}
	if p, _ := sn.Project("LH-P01"); p.Status != matcher.ProjectRunning {
		t.Errorf("live LH-P01 is %s, want running", p.Status)
	}
	if p, _ := sn.Project("LH-P02"); p.Status != matcher.ProjectDropped {
		t.Errorf("live LH-P02 is %s, want dropped", p.Status)
	}
	n := 0
	for it := range sn.Slots("LH-P02") {
		n++
		if it.Status != matcher.ItemClosed {
			t.Errorf("live slot %s is %s, want closed", it.ID, it.Status)
		}
	}
	if n != 3 {
		t.Errorf("LH-P02 has %d slots live", n)
	}
	if it, _ := sn.Item("LH-D10"); it.Category != "legal" || it.Kind != matcher.Demand || it.Unit != "lh-restaurant" || it.Rev != ev.Seq || len(it.Tags) != 2 {
		t.Errorf("live LH-D10 = %+v", it)
	}
	if u, _ := sn.Unit("lh-bank"); u.Name != "重庆农商行龙洲湾支行" || u.Grid != "lh-g2" || u.Location.Lon != 106.531 || !slices.Equal(u.Alliances, []string{"lh"}) {
		t.Errorf("live lh-bank = %+v", u)
	}
	// The live plan is now the scenario's.
	live, err := match.Run(ctx, sn.Reader, sn.Vocab, "lh", a.Base)
	if err != nil {
		t.Fatal(err)
	}
	g, _ := json.Marshal(live.Proposals)
	w, _ := json.Marshal(planned.Proposals)
	if string(g) != string(w) {
		t.Errorf("the live plan after apply differs from the scenario's:\n got %.400s\nwant %.400s", g, w)
	}

	// The other scenario forked before: 409 with the apply as the event.
	_, err = m.Apply(ctx, st, lh, b.ID)
	var ce *ConflictError
	if matcher.ErrorCode(err) != matcher.ECONFLICT || !errors.As(err, &ce) || len(ce.Events) != 1 || !strings.Contains(err.Error(), "projects/LH-P03") {
		t.Errorf("stale apply: %v", err)
	}
	if p, _ := st.Snapshot().Project("LH-P01"); p.Status != matcher.ProjectRunning || st.Seq() != ev.Seq {
		t.Errorf("a stale apply changed the store: LH-P01 %s, seq %d", p.Status, st.Seq())
	}

	// Joining an alliance through set_unit is applied too (admin).
	c, err := m.Create(ctx, st, matcher.Admin, Request{Meeting: "lh", Edits: edits(t, `[{"op":"set_unit","unit":{"id":"lh-bakery","location":null,"alliances":["lzwc"]}}]`)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Apply(ctx, st, matcher.Admin, c.ID); err != nil {
		t.Fatal(err)
	}
	if u, _ := st.Snapshot().Unit("lh-bakery"); u.Location != nil || !slices.Equal(u.Alliances, []string{"lh", "lzwc"}) {
		t.Errorf("live lh-bakery = %+v, want no location, in lh and lzwc", u)
	}
}

// The fork logs every record the new ops write, so that the live plan's
// session solves the scenario incrementally; its diffs must be those of
// two full solves.
func TestNewOpsChangeLogAndIncrementalDiff(t *testing.T) {
	st := bananStore(t)
	m := NewManager()
	sc, err := m.Create(ctx, st, matcher.Admin, Request{Meeting: "lh", Edits: edits(t, `[`+addLawProject+`,
		{"op":"remove_project","project":"LH-P02"},`+setLegalTalk+`,
		{"op":"set_unit","unit":{"id":"lh-bank","name":"重庆农商行龙洲湾支行","alliances":["lzwc"]}}]`)})
	if err != nil {
		t.Fatal(err)
	}
	keys, ok := sc.Reader().ChangesSince(st.Snapshot().Meta().State)
	if !ok {
		t.Fatal("the fork's change log does not reach the live state")
	}
	for _, k := range []index.Key{
		{Table: index.TableProjects, ID: "LH-P03"}, {Table: index.TableItems, ID: "LH-P03-S1"},
		{Table: index.TableProjects, ID: "LH-P02"}, {Table: index.TableItems, ID: "LH-P02-S1"},
		{Table: index.TableItems, ID: "LH-P02-S2"}, {Table: index.TableItems, ID: "LH-P02-S3"},
		{Table: index.TableItems, ID: "LH-D10"}, {Table: index.TableUnits, ID: "lh-bank"},
		{Table: index.TableAlliances, ID: "lzwc"},
	} {
		if !slices.Contains(keys, k) {
			t.Errorf("the change log lacks %s/%s: %v", k.Table, k.ID, keys)
		}
	}

	for i, js := range []string{
		`[` + addLawProject + `]`,
		`[{"op":"set_project_status","project":"LH-P02","status":"dropped"}]`,
		`[{"op":"remove_project","project":"LH-P02"}]`,
		`[{"op":"set_project_status","project":"LH-P01","status":"done"},{"op":"set_project_status","project":"LH-P02","status":"done"}]`,
		`[` + setLegalTalk + `]`,
		`[` + moveBank + `]`,
		`[{"op":"set_unit","unit":{"id":"lh-bakery","grid":"lzwc-g2","location":null}}]`,
	} {
		for range 2 { // the second time from a warm live session
			sc, err := m.Create(ctx, st, matcher.Admin, Request{Meeting: "lh", Edits: edits(t, js)})
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
				t.Errorf("request %d: Manager.Diff differs from a full diff:\n got %.500s\nwant %.500s", i, g, w)
			}
			if len(full.Demands) == 0 {
				t.Errorf("request %d changes nothing", i)
			}
			if err := m.Delete(st.Snapshot().Reader, matcher.Admin, sc.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// renameUnit is an operation that lives in one place, as a new one
// would: it changes an existing unit given whole, so its Spec says so
// and the scope checks see the unit's id.
type renameUnit struct{ membership }

func (renameUnit) Spec() Spec {
	return Spec{Name: "test_rename_unit", Rank: 99, Changes: true,
		Fields: []Field{{Name: "unit", Kind: ArgRecord, Label: [2]string{"单位", "Unit"}}}}
}

func (renameUnit) Apply(*Ctx) error { return nil }

// A new operation needs no other file: the ids of the record it changes
// are checked against the caller's scope from its Spec alone.
func TestNewOpScopedFromItsSpec(t *testing.T) {
	register(renameUnit{})
	t.Cleanup(func() { delete(registry, "test_rename_unit") })
	st := bananStore(t)
	e := edits(t, `[{"op":"test_rename_unit","unit":{"id":"tw-shop","name":"改名"}}]`)
	got := e[0].refs()
	if len(got) != 1 || got[0] != (ref{"unit.id", index.TableUnits, "tw-shop"}) {
		t.Errorf("refs = %v", got)
	}
	err := editScope(st.Snapshot().Reader, matcher.Coordinator("lh"), 0, &e[0])
	if fe := matcher.FieldErrors(err); matcher.ErrorCode(err) != matcher.ENOTFOUND || len(fe) != 1 || fe[0].Field != "edits[0].unit.id" {
		t.Errorf("a foreign unit renamed: %v", err)
	}
}
