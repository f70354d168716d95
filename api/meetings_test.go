package api

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/service"
)

// meetingDay is the test servers' clock: 1 December 2026, 10:00 UTC.
var meetingDay = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

// newMeetingServer is a test server whose service runs at meetingDay
// (move it with ts.at).
func newMeetingServer(tb testing.TB) *testServer {
	ts := newTestServer(tb)
	ts.at(meetingDay)
	return ts
}

// at sets the service's clock.
func (ts *testServer) at(t time.Time) { ts.service().Now = func() time.Time { return t } }

// lhClaims proposes lh as the admin and returns its claims by demand.
func lhClaims(ts *testServer) map[string]matcher.Claim {
	ts.tb.Helper()
	out := map[string]matcher.Claim{}
	for _, c := range ts.propose(testAdmin, "lh", "").Claims {
		if _, dup := out[c.Demand]; !dup {
			out[c.Demand] = c
		}
	}
	return out
}

// accept has both sides of claim id accepted, as the admin.
func (ts *testServer) accept(id string) {
	ts.tb.Helper()
	for _, side := range []string{"resource", "demand"} {
		ts.ok(200, http.MethodPost, "/v1/claims/"+id+"/accept", testAdmin, `{"side":"`+side+`"}`)
	}
}

func problem(status int, detail, code, field string) string {
	p := Problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: detail, Code: code, Field: field}
	b, _ := json.Marshal(p)
	return string(b)
}

// TestLifecycleBadInput: every refusal of the lifecycle routes, with its
// exact answer; none changes anything.
func TestLifecycleBadInput(t *testing.T) {
	ts := newMeetingServer(t)
	claims := lhClaims(ts)
	escort, kinder := claims["LH-D01"], claims["LH-D05"]
	ts.accept(escort.ID)
	school, committee, lh := ts.unitToken(escort.DemandUnit), ts.unitToken(escort.ResourceUnit), ts.coordToken("lh")
	fulfil, withdraw := "/v1/claims/"+escort.ID+"/fulfil", "/v1/claims/"+escort.ID+"/withdraw"
	cases := []struct {
		name                               string
		givenMethod, givenPath, givenToken string
		givenBody                          string
		expectCode                         int
		expectBody                         string
	}{
		{"fulfil more than agreed", "POST", fulfil, school, `{"quantity":3}`, 400,
			problem(400, "the delivered quantity must be between 1 and the claim's 2, got 3", "invalid", "quantity")},
		{"fulfil nothing", "POST", fulfil, school, `{"quantity":0}`, 400, problem(400, "number must be at least 1", "invalid", "quantity")},
		{"fulfil a word", "POST", fulfil, school, `{"quantity":"two"}`, 400, problem(400, "must be an integer, got string", "invalid", "quantity")},
		{"fulfil with a reason", "POST", fulfil, school, `{"reason":"送完了"}`, 400, problem(400, `unknown field "reason"`, "invalid", "reason")},
		{"fulfil for the left side", "POST", fulfil, lh, `{"side":"left"}`, 400, problem(400, `must be resource or demand, got "left"`, "invalid", "side")},
		{"fulfil by the resource side", "POST", fulfil, committee, `{"quantity":1}`, 403,
			problem(403, "only the demand side reports claim "+escort.ID+" fulfilled", "forbidden", "")},
		{"fulfil a proposed claim", "POST", "/v1/claims/" + kinder.ID + "/fulfil", ts.unitToken(kinder.DemandUnit), "", 409,
			problem(409, "claim "+kinder.ID+" is proposed; only a confirmed claim can be fulfilled", "conflict", "")},
		{"withdraw a confirmed claim without a reason", "POST", withdraw, committee, "", 400,
			problem(400, "claim "+escort.ID+" is confirmed: both sides agreed to it, so say why it is withdrawn", "invalid", "reason")},
		{"a deadline in words", "PUT", "/v1/meetings/lh/deadline", lh, `{"answer_by":"下周五"}`, 400,
			problem(400, `must be an RFC 3339 time such as 2026-12-05T18:00:00+08:00, got "下周五"`, "invalid", "answer_by")},
		{"a deadline past", "PUT", "/v1/meetings/lh/deadline", lh, `{"answer_by":"2026-11-30T18:00:00+08:00"}`, 400,
			problem(400, "must be in the future, got 2026-11-30T18:00:00+08:00 (now 2026-12-01T10:00:00Z)", "invalid", "answer_by")},
		{"a deadline too far", "PUT", "/v1/meetings/lh/deadline", lh, `{"answer_by":"2028-01-01T18:00:00+08:00"}`, 400,
			problem(400, "must be at most 366 days ahead, got 2028-01-01T18:00:00+08:00", "invalid", "answer_by")},
		{"no deadline", "PUT", "/v1/meetings/lh/deadline", lh, `{}`, 400, problem(400, `property "answer_by" is missing`, "invalid", "answer_by")},
		{"a deadline where nothing waits", "PUT", "/v1/meetings/tw/deadline", testAdmin, `{"answer_by":"2026-12-04T18:00:00+08:00"}`, 409,
			problem(409, "no claim of the meeting of tw waits for an answer: propose first", "conflict", "")},
		{"a proposal deadline past", "POST", "/v1/meetings/lh/proposals", lh, `{"answer_by":"2026-12-01T09:00:00Z"}`, 400,
			problem(400, "must be in the future, got 2026-12-01T09:00:00Z (now 2026-12-01T10:00:00Z)", "invalid", "answer_by")},
		{"a foreign meeting's waiting", "GET", "/v1/meetings/tw/waiting", lh, "", 404, problem(404, `meeting "tw" not found`, "not_found", "")},
		{"a unit asks the meeting's waiting", "GET", "/v1/meetings/lh/waiting", school, "", 404, problem(404, `meeting "lh" not found`, "not_found", "")},
		{"a foreign unit's waiting", "GET", "/v1/units/tw-company/waiting", lh, "", 404, problem(404, `unit "tw-company" not found`, "not_found", "")},
		{"another unit's waiting", "GET", "/v1/units/lh-school/waiting", committee, "", 404, problem(404, `unit "lh-school" not found`, "not_found", "")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := ts.fingerprint()
			rec := ts.do(tc.givenMethod, tc.givenPath, tc.givenToken, tc.givenBody)
			if rec.Code != tc.expectCode || strings.TrimSpace(rec.Body.String()) != tc.expectBody {
				t.Errorf("%s %s %s = %d\n%s\nwant %d\n%s", tc.givenMethod, tc.givenPath, tc.givenBody, rec.Code, rec.Body, tc.expectCode, tc.expectBody)
			}
			if ts.fingerprint() != before {
				t.Error("the refused request changed something")
			}
		})
	}
}

// lifecycleRoutes are the write routes of the lifecycle, with the caller
// that may use them.
func lifecycleRoutes() []writeRoute {
	var c matcher.Claim
	return []writeRoute{
		{"POST /v1/claims/{id}/fulfil (part)", http.MethodPost, func(ts *testServer) (string, string) {
			c = lhClaims(ts)["LH-D01"]
			ts.accept(c.ID)
			return "/v1/claims/" + c.ID + "/fulfil", `{"quantity":1}`
		}, func(ts *testServer) string { return ts.unitToken(c.DemandUnit) }, 200},
		{"PUT /v1/meetings/{id}/deadline", http.MethodPut, func(ts *testServer) (string, string) {
			lhClaims(ts)
			return "/v1/meetings/lh/deadline", `{"answer_by":"` + ts.service().Now().Add(72*time.Hour).Format(time.RFC3339) + `"}`
		}, coordOwner("lh"), 200},
	}
}

// TestLifecycleRoutesRefuseStrangers: each write route of the lifecycle,
// called by a foreign unit, a foreign coordinator, no token, a revoked and
// an expired token (both of the owner's coordinator), is refused with 401,
// 403 or 404 and changes nothing; the owner then succeeds.
func TestLifecycleRoutesRefuseStrangers(t *testing.T) {
	for _, wr := range lifecycleRoutes() {
		t.Run(wr.name, func(t *testing.T) {
			ts := newMeetingServer(t)
			one := 1
			expired, _, err := ts.service().NewToken(matcher.Admin, service.TokenRequest{Role: matcher.RoleCoordinator, Alliance: "lh", TTLHours: &one})
			if err != nil {
				t.Fatal(err)
			}
			strangers := []struct{ name, token string }{
				{"foreign unit", ts.unitToken("tw-company")},
				{"foreign coordinator", ts.coordToken("tw")},
				{"no token", ""},
				{"revoked token", ts.revokedToken()},
				{"expired token", expired},
			}
			path, body := wr.setup(ts)
			before := ts.fingerprint()
			for _, s := range strangers {
				if s.name == "expired token" {
					ts.at(meetingDay.Add(61 * time.Minute))
				}
				rec := ts.do(wr.method, path, s.token, body)
				want := []int{401, 403, 404}
				if strings.HasSuffix(s.name, "token") {
					want = []int{401}
				}
				if !slices.Contains(want, rec.Code) || rec.Header().Get("Content-Type") != "application/problem+json" {
					t.Errorf("%s: %s %s = %d %s, want one of %v", s.name, wr.method, path, rec.Code, rec.Body, want)
				}
				if ts.fingerprint() != before {
					t.Fatalf("%s: the refused request changed something", s.name)
				}
			}
			if rec := ts.do(wr.method, path, wr.owner(ts), body); rec.Code != wr.expectCode {
				t.Errorf("owner: %s %s = %d %s, want %d", wr.method, path, rec.Code, rec.Body, wr.expectCode)
			}
		})
	}
}

// TestLifecycleResponses: the answers of the lifecycle routes match their
// schemas in the document.
func TestLifecycleResponses(t *testing.T) {
	ts := newMeetingServer(t)
	d, err := loadAPIDoc()
	if err != nil {
		t.Fatal(err)
	}
	routes := newRequestValidator(d, nil).routes
	lh := ts.coordToken("lh")
	claims := lhClaims(ts)
	escort := claims["LH-D01"]
	ts.accept(escort.ID)
	cases := []struct{ method, route, path, token, body string }{
		{"POST", "/v1/meetings/:alliance/proposals", "/v1/meetings/lh/proposals", lh, `{"answer_by":"2026-12-03T18:00:00+08:00"}`},
		{"PUT", "/v1/meetings/:alliance/deadline", "/v1/meetings/lh/deadline", lh, `{"answer_by":"2026-12-02T18:00:00+08:00"}`},
		{"GET", "/v1/meetings/:alliance/waiting", "/v1/meetings/lh/waiting", lh, ""},
		{"GET", "/v1/units/:id/waiting", "/v1/units/lh-school/waiting", lh, ""},
		{"POST", "/v1/claims/:id/fulfil", "/v1/claims/" + escort.ID + "/fulfil", lh, `{"quantity":1}`},
		{"GET", "/v1/claims/:id", "/v1/claims/" + escort.ID, lh, ""},
	}
	for _, tc := range cases {
		rec := ts.do(tc.method, tc.path, tc.token, tc.body)
		rt := routes[tc.method+" "+tc.route]
		if rt == nil {
			t.Fatalf("%s %s is not in the document", tc.method, tc.route)
		}
		in := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: &openapi3filter.RequestValidationInput{Request: httptest.NewRequest(tc.method, tc.path, nil), Route: rt},
			Status:                 rec.Code,
			Header:                 rec.Header(),
			Body:                   io.NopCloser(strings.NewReader(rec.Body.String())),
			Options:                &openapi3filter.Options{IncludeResponseStatus: true},
		}
		if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
			t.Errorf("%s %s = %d: the answer does not match the document: %v\n%.400s", tc.method, tc.path, rec.Code, err, rec.Body)
		}
	}
}
