package api

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/match"
	"github.com/allymatch/allymatch/matcher/scenario"
)

// scenarioBody is a scenario as the API answers it.
type scenarioBody struct {
	ID      string
	Meeting string
	Seq     uint64
	Stale   bool
	Applied uint64
	Edits   []scenario.Edit
	Summary *scenarioSummary
}

// checkAnswer checks rec against the document's schema for route.
func checkAnswer(t *testing.T, method, route, path string, rec *httptest.ResponseRecorder) {
	t.Helper()
	d, err := loadAPIDoc()
	if err != nil {
		t.Fatal(err)
	}
	rt := documentRoutes(d)[method+" "+route]
	if rt == nil {
		t.Fatalf("%s %s is not in the document", method, route)
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: httptest.NewRequest(method, path, nil), Route: rt},
		Status:                 rec.Code,
		Header:                 rec.Header(),
		Body:                   io.NopCloser(strings.NewReader(rec.Body.String())),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Errorf("%s %s = %d: the answer does not match the document: %v\n%.400s", method, path, rec.Code, err, rec.Body)
	}
}

const lhEdits = `{"meeting":"lh","edits":[
	{"op":"set_quantity","item":"LH-R05","quantity":220},
	{"op":"set_radius","item":"LH-D06","radius_km":4}
]}`

func TestScenarioCreateDiffApply(t *testing.T) {
	ts := newTestServer(t)
	coord := ts.coordToken("lh")
	seq := ts.st.Seq()

	rec := ts.do(http.MethodPost, "/v1/scenarios", coord, lhEdits)
	if rec.Code != http.StatusCreated {
		t.Fatalf("create = %d %s", rec.Code, rec.Body)
	}
	checkAnswer(t, "POST", "/v1/scenarios", "/v1/scenarios", rec)
	var sc scenarioBody
	decodeBody(t, rec, &sc)
	if sc.ID == "" || sc.Meeting != "lh" || sc.Seq != seq || len(sc.Edits) != 2 || sc.Stale || sc.Summary == nil {
		t.Fatalf("scenario = %+v", sc)
	}
	if sc.Summary.Demands == 0 || sc.Summary.Totals.Met <= 0 {
		t.Errorf("summary = %+v, want LH-D03 more met", sc.Summary)
	}

	// Get, list, diff.
	rec = ts.do(http.MethodGet, "/v1/scenarios/"+sc.ID, coord, "")
	checkAnswer(t, "GET", "/v1/scenarios/:id", "/v1/scenarios/"+sc.ID, rec)
	if rec.Code != http.StatusOK {
		t.Fatalf("get = %d %s", rec.Code, rec.Body)
	}
	rec = ts.do(http.MethodGet, "/v1/scenarios", coord, "")
	checkAnswer(t, "GET", "/v1/scenarios", "/v1/scenarios", rec)
	var l struct {
		Items []scenarioBody
		Next  string
	}
	decodeBody(t, rec, &l)
	if len(l.Items) != 1 || l.Items[0].ID != sc.ID || l.Items[0].Summary != nil {
		t.Errorf("list = %s", rec.Body)
	}
	rec = ts.do(http.MethodGet, "/v1/scenarios/"+sc.ID+"/diff", coord, "")
	checkAnswer(t, "GET", "/v1/scenarios/:id/diff", "/v1/scenarios/"+sc.ID+"/diff", rec)
	var d scenario.Diff
	decodeBody(t, rec, &d)
	var d06 *scenario.DemandChange
	for i := range d.Demands {
		if d.Demands[i].Demand == "LH-D03" {
			d06 = &d.Demands[i]
		}
	}
	if d06 == nil || d06.MetBefore != 130 || d06.MetAfter != 200 || len(d.Units) == 0 || d.Stale {
		t.Fatalf("diff = %s", rec.Body)
	}
	if ts.st.Seq() != seq {
		t.Fatal("creating and reading a scenario wrote to the store")
	}
	if it, _ := ts.st.Snapshot().Item("LH-R05"); it.Quantity != 150 {
		t.Fatalf("live LH-R05 quantity %d before apply", it.Quantity)
	}

	// Apply: the edits go live as one change.
	rec = ts.do(http.MethodPost, "/v1/scenarios/"+sc.ID+"/apply", coord, "")
	checkAnswer(t, "POST", "/v1/scenarios/:id/apply", "/v1/scenarios/"+sc.ID+"/apply", rec)
	if rec.Code != http.StatusOK {
		t.Fatalf("apply = %d %s", rec.Code, rec.Body)
	}
	var ap struct {
		Scenario scenarioBody
		Event    matcher.Event
	}
	decodeBody(t, rec, &ap)
	if ap.Event.Action != "scenario.apply" || ap.Scenario.Applied != ap.Event.Seq || ts.st.Seq() != ap.Event.Seq {
		t.Errorf("apply answer = %s (store at %d)", rec.Body, ts.st.Seq())
	}
	sn := ts.st.Snapshot()
	if it, _ := sn.Item("LH-R05"); it.Quantity != 220 {
		t.Errorf("live LH-R05 quantity %d after apply, want 220", it.Quantity)
	}
	if it, _ := sn.Item("LH-D06"); it.RadiusKM != 4 {
		t.Errorf("live LH-D06 radius %v after apply, want 4", it.RadiusKM)
	}

	// Delete.
	if rec := ts.do(http.MethodDelete, "/v1/scenarios/"+sc.ID, coord, ""); rec.Code != http.StatusNoContent {
		t.Errorf("delete = %d %s", rec.Code, rec.Body)
	}
	if rec := ts.do(http.MethodGet, "/v1/scenarios/"+sc.ID, coord, ""); rec.Code != http.StatusNotFound {
		t.Errorf("get after delete = %d %s", rec.Code, rec.Body)
	}
}

func TestScenarioStaleApply(t *testing.T) {
	ts := newTestServer(t)
	coord := ts.coordToken("lh")
	rec := ts.do(http.MethodPost, "/v1/scenarios", coord, lhEdits)
	if rec.Code != http.StatusCreated {
		t.Fatalf("create = %d %s", rec.Code, rec.Body)
	}
	var sc scenarioBody
	decodeBody(t, rec, &sc)
	// Another write after the fork.
	if rec := ts.do(http.MethodPatch, "/v1/items/LH-D01", coord, `{"quantity":7}`); rec.Code != http.StatusOK {
		t.Fatalf("patch = %d %s", rec.Code, rec.Body)
	}
	seq := ts.st.Seq()
	rec = ts.do(http.MethodGet, "/v1/scenarios/"+sc.ID, coord, "")
	var got scenarioBody
	decodeBody(t, rec, &got)
	if !got.Stale {
		t.Errorf("scenario not stale after a write: %s", rec.Body)
	}
	rec = ts.do(http.MethodPost, "/v1/scenarios/"+sc.ID+"/apply", coord, "")
	checkAnswer(t, "POST", "/v1/scenarios/:id/apply", "/v1/scenarios/"+sc.ID+"/apply", rec)
	var p struct {
		Problem
		ForkSeq uint64 `json:"fork_seq"`
		LiveSeq uint64 `json:"live_seq"`
		Events  []matcher.Event
	}
	decodeBody(t, rec, &p)
	if rec.Code != http.StatusConflict || p.Code != matcher.ECONFLICT || rec.Header().Get("Content-Type") != "application/problem+json" {
		t.Fatalf("stale apply = %d %s, want 409 problem+json", rec.Code, rec.Body)
	}
	if p.ForkSeq != sc.Seq || p.LiveSeq != seq || len(p.Events) != 1 || p.Events[0].Action != "item.patch" && !strings.Contains(p.Events[0].Action, "item") {
		t.Errorf("conflict = %s", rec.Body)
	}
	if len(p.Events) == 1 && (len(p.Events[0].Changes) == 0 || p.Events[0].Changes[0].ID != "LH-D01") {
		t.Errorf("the conflict does not name LH-D01: %s", rec.Body)
	}
	if ts.st.Seq() != seq {
		t.Error("a stale apply changed the store")
	}
	if it, _ := ts.st.Snapshot().Item("LH-R12"); it.Quantity != 60 {
		t.Errorf("a stale apply changed LH-R12 to %d", it.Quantity)
	}
}

// TestScenarioRefusals: bad input, scope and bounds; none of them writes.
func TestScenarioRefusals(t *testing.T) {
	ts := newTestServer(t)
	coord := ts.coordToken("lh")
	foreign := ts.coordToken("tw")
	unit := ts.unitToken("lh-school")
	rec := ts.do(http.MethodPost, "/v1/scenarios", coord, lhEdits)
	if rec.Code != http.StatusCreated {
		t.Fatalf("create = %d %s", rec.Code, rec.Body)
	}
	var sc scenarioBody
	decodeBody(t, rec, &sc)
	own := "/v1/scenarios/" + sc.ID
	seq := ts.st.Seq()

	cases := []struct {
		name, method, path, token, body string
		code                            int
		field                           string
	}{
		{"no token", "POST", "/v1/scenarios", "", lhEdits, 401, ""},
		{"no token get", "GET", own, "", "", 401, ""},
		{"bad token", "GET", "/v1/scenarios", "am_nope", "", 401, ""},
		{"bad quantity", "POST", "/v1/scenarios", coord, `{"meeting":"lh","edits":[{"op":"set_radius","item":"LH-D06","radius_km":4},{"op":"set_quantity","item":"LH-R12","quantity":0}]}`, 400, "edits[1].quantity"},
		{"unknown item", "POST", "/v1/scenarios", coord, `{"meeting":"lh","edits":[{"op":"set_quantity","item":"nope","quantity":3}]}`, 404, "edits[0].item"},
		{"foreign item", "POST", "/v1/scenarios", coord, `{"meeting":"lh","edits":[{"op":"set_quantity","item":"TW-R01","quantity":3}]}`, 404, "edits[0].item"},
		{"unknown op", "POST", "/v1/scenarios", coord, `{"meeting":"lh","edits":[{"op":"explode"}]}`, 400, "edits[0].op"},
		{"radius", "POST", "/v1/scenarios", coord, `{"meeting":"lh","edits":[{"op":"set_radius","item":"LH-D06","radius_km":-1}]}`, 400, "edits[0].radius_km"},
		{"missing radius", "POST", "/v1/scenarios", coord, `{"meeting":"lh","edits":[{"op":"set_radius","item":"LH-D06"}]}`, 400, "edits[0].radius_km"},
		{"add item", "POST", "/v1/scenarios", coord, `{"meeting":"lh","edits":[{"op":"add_item","unit":"lh-bank","item":{"id":"Z","kind":"resource","category":"volunteer","title":"x","quantity":0}}]}`, 400, "edits[0].item.quantity"},
		{"unknown field", "POST", "/v1/scenarios", coord, `{"meeting":"lh","edits":[{"op":"remove_unit","unit":"lh-bank","colour":"red"}]}`, 400, "edits[0].colour"},
		{"item field", "POST", "/v1/scenarios", coord, `{"meeting":"lh","edits":[{"op":"add_item","unit":"lh-bank","item":{"id":"Z","kind":"resource","category":"volunteer","title":"x","quantity":1,"colour":"red"}}]}`, 400, "edits[0].item.colour"},
		{"unit type", "POST", "/v1/scenarios", coord, `{"meeting":"lh","edits":[{"op":"remove_unit","unit":5}]}`, 400, "edits[0].unit"},
		{"quantity type", "POST", "/v1/scenarios", coord, `{"meeting":"lh","edits":[{"op":"set_quantity","item":"LH-R12","quantity":"many"}]}`, 400, "edits[0].quantity"},
		{"no meeting", "POST", "/v1/scenarios", coord, `{"edits":[]}`, 400, "meeting"},
		{"bad mode", "POST", "/v1/scenarios", coord, `{"meeting":"lh","mode":"greedy"}`, 400, "mode"},
		{"unknown meeting", "POST", "/v1/scenarios", coord, `{"meeting":"nope"}`, 404, ""},
		{"foreign meeting", "POST", "/v1/scenarios", foreign, lhEdits, 404, ""},
		{"foreign get", "GET", own, foreign, "", 404, ""},
		{"foreign diff", "GET", own + "/diff", foreign, "", 404, ""},
		{"foreign apply", "POST", own + "/apply", foreign, "", 404, ""},
		{"foreign delete", "DELETE", own, foreign, "", 404, ""},
		{"unit create", "POST", "/v1/scenarios", unit, lhEdits, 403, ""},
		{"unit get", "GET", own, unit, "", 404, ""},
		{"unit apply", "POST", own + "/apply", unit, "", 404, ""},
		{"unit delete", "DELETE", own, unit, "", 404, ""},
		{"no scenario", "GET", "/v1/scenarios/sc-999", coord, "", 404, ""},
		{"not json", "POST", "/v1/scenarios", coord, `meeting=lh`, 400, "body"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := ts.do(tc.method, tc.path, tc.token, tc.body)
			var p Problem
			decodeBody(t, rec, &p)
			if rec.Code != tc.code || (tc.field != "" && p.Field != tc.field) {
				t.Errorf("%s %s %s = %d %s, want %d naming %q", tc.method, tc.path, tc.body, rec.Code, rec.Body, tc.code, tc.field)
			}
			if rec.Header().Get("Content-Type") != "application/problem+json" {
				t.Errorf("Content-Type %q", rec.Header().Get("Content-Type"))
			}
		})
	}
	// The foreign coordinator lists nothing; the owner still has its own.
	rec = ts.do(http.MethodGet, "/v1/scenarios", foreign, "")
	if rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), sc.ID) {
		t.Errorf("foreign list = %d %s", rec.Code, rec.Body)
	}
	if rec := ts.do(http.MethodGet, own, coord, ""); rec.Code != http.StatusOK {
		t.Errorf("the scenario went away: %d %s", rec.Code, rec.Body)
	}
	if ts.st.Seq() != seq {
		t.Error("a refused request changed the store")
	}
	if it, _ := ts.st.Snapshot().Item("LH-R12"); it.Quantity != 60 {
		t.Errorf("LH-R12 changed to %d", it.Quantity)
	}
}

// TestScenarioBound: past the owner's quota, a 409 for that owner only;
// deleting one makes room; the list pages in the manager's order.
func TestScenarioBound(t *testing.T) {
	ts := newTestServer(t)
	coord := ts.coordToken("lh")
	for i := range scenario.DefaultMaxPerOwner {
		if rec := ts.do(http.MethodPost, "/v1/scenarios", coord, `{"meeting":"lh"}`); rec.Code != http.StatusCreated {
			t.Fatalf("scenario %d = %d %s", i, rec.Code, rec.Body)
		}
	}
	rec := ts.do(http.MethodPost, "/v1/scenarios", coord, `{"meeting":"lh"}`)
	var p Problem
	decodeBody(t, rec, &p)
	if rec.Code != http.StatusConflict || p.Code != matcher.ECONFLICT || !strings.Contains(p.Detail, "too many scenarios") {
		t.Fatalf("past the bound = %d %s, want 409", rec.Code, rec.Body)
	}
	// Another tenant (another co-coordinator token of lh is the same
	// owner; tw is another) is not blocked.
	if rec := ts.do(http.MethodPost, "/v1/scenarios", ts.coordToken("lh"), `{"meeting":"lh"}`); rec.Code != http.StatusConflict {
		t.Errorf("a second token of the same coordinator = %d, want 409 (one quota per owner)", rec.Code)
	}
	if rec := ts.do(http.MethodPost, "/v1/scenarios", ts.coordToken("tw"), `{"meeting":"tw"}`); rec.Code != http.StatusCreated {
		t.Errorf("another community after lh filled its quota = %d %s, want 201", rec.Code, rec.Body)
	}
	// Pages: 10 at a time, in order, all of them once.
	seen, cursor := []string{}, ""
	for range 20 {
		rec := ts.do(http.MethodGet, "/v1/scenarios?limit=10&cursor="+cursor, coord, "")
		var l struct {
			Items []scenarioBody
			Next  string
		}
		decodeBody(t, rec, &l)
		for _, s := range l.Items {
			seen = append(seen, s.ID)
		}
		if cursor = l.Next; cursor == "" {
			break
		}
	}
	if len(seen) != scenario.DefaultMaxPerOwner || seen[0] != "sc-1" || seen[9] != "sc-10" || seen[len(seen)-1] != fmt.Sprintf("sc-%d", scenario.DefaultMaxPerOwner) {
		t.Errorf("pages gave %d scenarios: %v", len(seen), seen)
	}
	if rec := ts.do(http.MethodDelete, "/v1/scenarios/sc-5", coord, ""); rec.Code != http.StatusNoContent {
		t.Fatalf("delete = %d %s", rec.Code, rec.Body)
	}
	if rec := ts.do(http.MethodPost, "/v1/scenarios", coord, `{"meeting":"lh"}`); rec.Code != http.StatusCreated {
		t.Errorf("after a delete = %d %s", rec.Code, rec.Body)
	}
}

func TestWhyNotRoute(t *testing.T) {
	ts := newTestServer(t)
	coord := ts.coordToken("lh")
	path := "/v1/items/LH-D03/why-not"
	rec := ts.do(http.MethodGet, path, coord, "")
	checkAnswer(t, "GET", "/v1/items/:id/why-not", path, rec)
	var w struct {
		match.WhyNotResult
		Hidden int
	}
	decodeBody(t, rec, &w)
	if rec.Code != http.StatusOK || w.Demand != "LH-D03" || w.Status != "partly_met" || len(w.Candidates) == 0 || len(w.Fixes) == 0 {
		t.Fatalf("why-not LH-D03 = %d %s", rec.Code, rec.Body)
	}
	if f := w.Fixes[0]; f.Kind != match.FixAddQuantity || f.Item != "LH-R05" || f.By != 70 || f.Met != 200 {
		t.Errorf("smallest fix = %+v, want 70 more on LH-R05 giving 200", f)
	}

	// An unmet demand whose nearest resource is another alliance's: the
	// admin sees it with every rule, lh's coordinator does not see it.
	path = "/v1/items/LH-D10/why-not"
	rec = ts.do(http.MethodGet, path, testAdmin, "")
	checkAnswer(t, "GET", "/v1/items/:id/why-not", path, rec)
	decodeBody(t, rec, &w)
	var nq *match.WhyNotCandidate
	for i := range w.Candidates {
		if w.Candidates[i].Resource == "NQC-R03" {
			nq = &w.Candidates[i]
		}
	}
	if w.Status != "unmet" || nq == nil || len(nq.Rules) < 3 {
		t.Fatalf("admin why-not LH-D10 = %s", rec.Body)
	}
	rec = ts.do(http.MethodGet, path, coord, "")
	decodeBody(t, rec, &w)
	if rec.Code != http.StatusOK || w.Hidden == 0 || strings.Contains(rec.Body.String(), "NQC-R03") {
		t.Errorf("coordinator why-not LH-D10 shows another alliance's resource: %s", rec.Body)
	}

	// Scope and kind.
	unit := ts.unitToken("lh-school")
	for _, tc := range []struct {
		path, token string
		code        int
		field       string
	}{
		{"/v1/items/LH-D06/why-not", ts.coordToken("tw"), 404, ""},
		{"/v1/items/LH-D06/why-not", "", 401, ""},
		{"/v1/items/nope/why-not", coord, 404, ""},
		{"/v1/items/LH-R12/why-not", coord, 400, "id"},
		{"/v1/items/LH-D06/why-not?mode=greedy", coord, 400, "mode"},
		{"/v1/items/TW-D01/why-not", unit, 404, ""},
	} {
		rec := ts.do(http.MethodGet, tc.path, tc.token, "")
		var p Problem
		decodeBody(t, rec, &p)
		if rec.Code != tc.code || p.Field != tc.field {
			t.Errorf("GET %s = %d %s, want %d naming %q", tc.path, rec.Code, rec.Body, tc.code, tc.field)
		}
	}
}

func TestAlternativesRoute(t *testing.T) {
	ts := newTestServer(t)
	coord := ts.coordToken("lh")
	// The first proposal of lh that has an alternative.
	res := ts.propose(coord, "lh", "")
	found := false
	for _, p := range res.Claims {
		path := "/v1/items/" + p.Demand + "/alternatives?k=2&meeting=lh"
		rec := ts.do(http.MethodGet, path, coord, "")
		checkAnswer(t, "GET", "/v1/items/:id/alternatives", path, rec)
		var a match.AlternativesResult
		decodeBody(t, rec, &a)
		if rec.Code != http.StatusOK || a.Demand != p.Demand || a.Meeting != "lh" || len(a.Optimum) == 0 || len(a.Alternatives) > 2 {
			t.Fatalf("GET %s = %d %s", path, rec.Code, rec.Body)
		}
		if len(a.Alternatives) > 0 {
			if alt := a.Alternatives[0]; alt.Rank != 1 || alt.Cost < 0 || alt.Cost != a.Welfare-alt.Welfare {
				t.Errorf("%s: first alternative %+v", p.Demand, alt)
			}
			found = true
			break
		}
	}
	if !found {
		t.Error("no lh proposal has an alternative")
	}
	for _, tc := range []struct {
		path  string
		code  int
		field string
	}{
		{"/v1/items/LH-D01/alternatives?k=0", 400, "k"},
		{"/v1/items/LH-D01/alternatives?k=21", 400, "k"},
		{"/v1/items/LH-D01/alternatives?meeting=tw", 404, ""},
		{"/v1/items/LH-R12/alternatives", 400, "id"},
		{"/v1/items/LH-D10/alternatives", 409, ""},
	} {
		rec := ts.do(http.MethodGet, tc.path, coord, "")
		var p Problem
		decodeBody(t, rec, &p)
		if rec.Code != tc.code || p.Field != tc.field {
			t.Errorf("GET %s = %d %s, want %d naming %q", tc.path, rec.Code, rec.Body, tc.code, tc.field)
		}
	}
}
