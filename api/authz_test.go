package api

import (
	"net/http"
	"slices"
	"testing"

	"github.com/allymatch/allymatch/matcher"
)

// writeRoute is one write route with the caller that may use it.
type writeRoute struct {
	name   string
	method string
	// setup returns the path and body (it may prepare state, e.g. propose).
	setup func(ts *testServer) (path, body string)
	// owner returns a token that may use the route and the status it gets.
	owner      func(ts *testServer) string
	expectCode int
}

// proposedClaim proposes lh and returns its first claim.
func proposedClaim(ts *testServer) matcher.Claim {
	p := ts.propose(testAdmin, "lh", "")
	if len(p.Claims) == 0 {
		ts.tb.Fatal("no proposals for lh")
	}
	return p.Claims[0]
}

func fixed(path, body string) func(*testServer) (string, string) {
	return func(*testServer) (string, string) { return path, body }
}

func unitOwner(unit string) func(*testServer) string {
	return func(ts *testServer) string { return ts.unitToken(unit) }
}

func coordOwner(alliance string) func(*testServer) string {
	return func(ts *testServer) string { return ts.coordToken(alliance) }
}

func adminOwner(*testServer) string { return testAdmin }

var (
	newItem = `{"id":"LH-D99","kind":"demand","category":"tutoring","title":"周末作业辅导","quantity":3}`
	newUnit = `{"id":"lh-new","name":"新成员","kind":"shop","grid":"lh-g1","alliances":["lh"]}`
)

func writeRoutes() []writeRoute {
	claimAnswer := func(ans string, side func(matcher.Claim) string, body string, code int) writeRoute {
		var c matcher.Claim
		return writeRoute{name: "POST /v1/claims/{id}/" + ans, method: http.MethodPost,
			setup: func(ts *testServer) (string, string) {
				c = proposedClaim(ts)
				if ans == "fulfil" {
					ts.do(http.MethodPost, "/v1/claims/"+c.ID+"/accept", ts.unitToken(c.ResourceUnit), "")
					ts.do(http.MethodPost, "/v1/claims/"+c.ID+"/accept", ts.unitToken(c.DemandUnit), "")
				}
				return "/v1/claims/" + c.ID + "/" + ans, body
			},
			owner:      func(ts *testServer) string { return ts.unitToken(side(c)) },
			expectCode: code}
	}
	demandSide := func(c matcher.Claim) string { return c.DemandUnit }
	resourceSide := func(c matcher.Claim) string { return c.ResourceUnit }
	return []writeRoute{
		{"POST /v1/tokens", http.MethodPost, fixed("/v1/tokens", `{"role":"unit","unit":"lh-school"}`), adminOwner, 201},
		{"POST /v1/meetings/{id}/proposals", http.MethodPost, fixed("/v1/meetings/lh/proposals", `{"mode":"coverage"}`), coordOwner("lh"), 200},
		{"POST /v1/meetings/{id}/escalate", http.MethodPost, fixed("/v1/meetings/lh/escalate", ""), coordOwner("st-lzw"), 200},
		claimAnswer("accept", resourceSide, "", 200),
		claimAnswer("reject", demandSide, `{"reason":"不合适"}`, 200),
		claimAnswer("withdraw", resourceSide, "", 200),
		claimAnswer("fulfil", demandSide, "", 200),
		{"POST /v1/claims", http.MethodPost, fixed("/v1/claims", `{"resource":"LH-R12","demand":"LH-D01","quantity":1}`), unitOwner("lh-committee"), 201},
		{"POST /v1/alliances", http.MethodPost, fixed("/v1/alliances", `{"id":"lh2","name":"新社区联盟","level":"community","lead":"lh-school","parent":"st-lzw"}`), coordOwner("st-lzw"), 201},
		{"POST /v1/units", http.MethodPost, fixed("/v1/units", newUnit), coordOwner("lh"), 201},
		{"PATCH /v1/units/{id}", http.MethodPatch, fixed("/v1/units/lh-school", `{"name":"龙洲湾中学（新）"}`), unitOwner("lh-school"), 200},
		{"DELETE /v1/units/{id}", http.MethodDelete, func(ts *testServer) (string, string) {
			if rec := ts.do(http.MethodPost, "/v1/units", testAdmin, newUnit); rec.Code != 201 {
				ts.tb.Fatalf("setup: %d %s", rec.Code, rec.Body)
			}
			return "/v1/units/lh-new", ""
		}, coordOwner("lh"), 204},
		{"POST /v1/units/{id}/items", http.MethodPost, fixed("/v1/units/lh-school/items", newItem), unitOwner("lh-school"), 201},
		{"PATCH /v1/items/{id}", http.MethodPatch, fixed("/v1/items/LH-D01", `{"quantity":7,"tags":["护学"]}`), unitOwner("lh-school"), 200},
		{"DELETE /v1/items/{id}", http.MethodDelete, func(ts *testServer) (string, string) {
			if rec := ts.do(http.MethodPost, "/v1/units/lh-school/items", testAdmin, newItem); rec.Code != 201 {
				ts.tb.Fatalf("setup: %d %s", rec.Code, rec.Body)
			}
			return "/v1/items/LH-D99", ""
		}, unitOwner("lh-school"), 204},
		{"POST /v1/units/{id}/projects", http.MethodPost, fixed("/v1/units/lh-school/projects", `{"id":"LH-P09","name":"校园开放日"}`), unitOwner("lh-school"), 201},
		{"PATCH /v1/projects/{id}", http.MethodPatch, fixed("/v1/projects/LH-P01", `{"status":"running"}`), unitOwner("lh-committee"), 200},
		{"DELETE /v1/projects/{id}", http.MethodDelete, func(ts *testServer) (string, string) {
			if rec := ts.do(http.MethodPost, "/v1/units/lh-school/projects", testAdmin, `{"id":"LH-P09","name":"校园开放日"}`); rec.Code != 201 {
				ts.tb.Fatalf("setup: %d %s", rec.Code, rec.Body)
			}
			return "/v1/projects/LH-P09", ""
		}, unitOwner("lh-school"), 204},
		{"POST /v1/import", http.MethodPost, fixed("/v1/import", `{"format":"allymatch.bundle/v1","units":[{"id":"lh-imp","name":"导入单位","kind":"shop","grid":"lh-g1"}]}`), adminOwner, 200},
	}
}

// TestWriteRoutesRefuseStrangers: for every write route, a foreign unit, a
// foreign coordinator, no token and a wrong token get 401, 403 or 404 and
// change nothing; the owner then succeeds.
func TestWriteRoutesRefuseStrangers(t *testing.T) {
	for _, wr := range writeRoutes() {
		t.Run(wr.name, func(t *testing.T) {
			ts := newTestServer(t)
			strangers := []struct{ name, token string }{
				{"foreign unit", ts.unitToken("tw-company")},
				{"foreign coordinator", ts.coordToken("tw")},
				{"no token", ""},
				{"wrong token", "am_wrong"},
			}
			path, body := wr.setup(ts)
			seq := ts.st.Seq()
			for _, s := range strangers {
				rec := ts.do(wr.method, path, s.token, body)
				if !slices.Contains([]int{401, 403, 404}, rec.Code) {
					t.Errorf("%s: %s %s = %d %s, want 401, 403 or 404", s.name, wr.method, path, rec.Code, rec.Body)
				}
				if rec.Header().Get("Content-Type") != "application/problem+json" {
					t.Errorf("%s: Content-Type %q, want application/problem+json", s.name, rec.Header().Get("Content-Type"))
				}
				if got := ts.st.Seq(); got != seq {
					t.Errorf("%s: store seq %d → %d: the refused request changed something", s.name, seq, got)
				}
			}
			if rec := ts.do(wr.method, path, wr.owner(ts), body); rec.Code != wr.expectCode {
				t.Errorf("owner: %s %s = %d %s, want %d", wr.method, path, rec.Code, rec.Body, wr.expectCode)
			}
		})
	}
}
