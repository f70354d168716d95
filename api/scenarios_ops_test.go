package api

import (
	"net/http"
	"testing"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/scenario"
)

// The project and whole-record edits through HTTP: the document takes
// them, the diff shows them, apply commits them, a stale apply is a 409.
func TestScenarioProjectOps(t *testing.T) {
	ts := newTestServer(t)
	coord := ts.coordToken("lh")
	const body = `{"meeting":"lh","edits":[
		{"op":"set_project_status","project":"LH-P02","status":"dropped"},
		{"op":"add_project","project":{"id":"LH-P03","unit":"lh-committee","name":"龙华社区居民法律讲堂"}},
		{"op":"add_item","unit":"lh-committee","item":{"id":"LH-P03-S1","kind":"demand","category":"legal","title":"法律讲堂主讲律师","quantity":6,"radius_km":3,"project":"LH-P03"}},
		{"op":"set_item","item":{"id":"LH-D10","category":"legal","title":"餐饮从业人员劳动合同法律咨询讲座","quantity":1,"radius_km":2}},
		{"op":"set_unit","unit":{"id":"lh-bakery","name":"龙华包子铺","kind":"shop","grid":"lh-g2","location":{"lat":29.348,"lon":106.531}}}
	]}`
	rec := ts.do(http.MethodPost, "/v1/scenarios", coord, body)
	if rec.Code != http.StatusCreated {
		t.Fatalf("create = %d %s", rec.Code, rec.Body)
	}
	checkAnswer(t, "POST", "/v1/scenarios", "/v1/scenarios", rec)
	var sc scenarioBody
	decodeBody(t, rec, &sc)
	if len(sc.Edits) != 5 || sc.Edits[0].Project.ID != "LH-P02" || sc.Edits[0].Status == nil || *sc.Edits[0].Status != matcher.ProjectDropped || sc.Edits[1].Project.Value == nil {
		t.Errorf("edits answered: %+v", sc.Edits)
	}
	if s := sc.Summary; s == nil || s.NewlyUnmet != 2 || s.NewlyMet != 2 {
		t.Fatalf("summary = %+v, want LH-P02's 2 met slots unmet, LH-P03-S1 and LH-D10 met", s)
	}
	// Another scenario forked now goes stale when the first is applied.
	rec = ts.do(http.MethodPost, "/v1/scenarios", coord, `{"meeting":"lh","edits":[{"op":"remove_project","project":"LH-P01"}]}`)
	if rec.Code != http.StatusCreated {
		t.Fatalf("create = %d %s", rec.Code, rec.Body)
	}
	var other scenarioBody
	decodeBody(t, rec, &other)

	rec = ts.do(http.MethodGet, "/v1/scenarios/"+sc.ID+"/diff", coord, "")
	checkAnswer(t, "GET", "/v1/scenarios/:id/diff", "/v1/scenarios/"+sc.ID+"/diff", rec)
	var d scenario.Diff
	decodeBody(t, rec, &d)
	changes := map[string]string{}
	for _, c := range d.Demands {
		changes[c.Demand] = c.Change
	}
	if changes["LH-P02-S2"] != scenario.NewlyUnmet || changes["LH-P03-S1"] != scenario.NewlyMet || changes["LH-D10"] != scenario.NewlyMet {
		t.Errorf("diff changes %v", changes)
	}

	rec = ts.do(http.MethodPost, "/v1/scenarios/"+sc.ID+"/apply", coord, "")
	checkAnswer(t, "POST", "/v1/scenarios/:id/apply", "/v1/scenarios/"+sc.ID+"/apply", rec)
	if rec.Code != http.StatusOK {
		t.Fatalf("apply = %d %s", rec.Code, rec.Body)
	}
	sn := ts.st.Snapshot()
	if p, _ := sn.Project("LH-P02"); p.Status != matcher.ProjectDropped {
		t.Errorf("live LH-P02 is %s after apply", p.Status)
	}
	if p, err := sn.Project("LH-P03"); err != nil || p.Status != matcher.ProjectPlanned {
		t.Errorf("live LH-P03 = %+v, %v", p, err)
	}
	if it, _ := sn.Item("LH-D10"); it.Category != "legal" || it.Kind != matcher.Demand {
		t.Errorf("live LH-D10 = %+v", it)
	}
	if u, _ := sn.Unit("lh-bakery"); u.Location == nil || u.Location.Lat != 29.348 {
		t.Errorf("live lh-bakery = %+v", u)
	}
	seq := ts.st.Seq()
	rec = ts.do(http.MethodPost, "/v1/scenarios/"+other.ID+"/apply", coord, "")
	if rec.Code != http.StatusConflict || ts.st.Seq() != seq {
		t.Errorf("stale apply = %d %s", rec.Code, rec.Body)
	}
	if p, _ := ts.st.Snapshot().Project("LH-P01"); p.Status != matcher.ProjectPlanned {
		t.Errorf("a stale apply dropped LH-P01: %s", p.Status)
	}

	for _, tc := range []struct {
		name, body string
		code       int
		field      string
	}{
		{"kind", `{"meeting":"lh","edits":[{"op":"set_item","item":{"id":"LH-D10","kind":"resource","category":"legal","title":"x","quantity":1}}]}`, 400, "edits[0].item.kind"},
		{"unknown unit", `{"meeting":"lh","edits":[{"op":"set_unit","unit":{"id":"nope","name":"x","kind":"shop","grid":"lh-g1"}}]}`, 404, "edits[0].unit.id"},
		{"foreign unit", `{"meeting":"lh","edits":[{"op":"set_unit","unit":{"id":"tw-school","name":"x","kind":"shop","grid":"lh-g1"}}]}`, 404, "edits[0].unit.id"},
		{"project field", `{"meeting":"lh","edits":[{"op":"add_project","project":{"id":"X-P1","unit":"lh-committee","name":"x","colour":"red"}}]}`, 400, "edits[0].project.colour"},
		{"status", `{"meeting":"lh","edits":[{"op":"set_project_status","project":"LH-P01","status":"finished"}]}`, 400, "edits[0].status"},
		{"unknown project", `{"meeting":"lh","edits":[{"op":"set_radius","item":"LH-D06","radius_km":4},{"op":"remove_project","project":"nope"}]}`, 404, "edits[1].project"},
		{"foreign project", `{"meeting":"lh","edits":[{"op":"set_radius","item":"LH-D06","radius_km":4},{"op":"remove_project","project":"TW-P01"}]}`, 404, "edits[1].project"},
	} {
		rec := ts.do(http.MethodPost, "/v1/scenarios", coord, tc.body)
		var p Problem
		decodeBody(t, rec, &p)
		if rec.Code != tc.code || p.Field != tc.field {
			t.Errorf("%s: %d %s, want %d naming %s", tc.name, rec.Code, rec.Body, tc.code, tc.field)
		}
	}
}
