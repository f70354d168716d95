package api

import (
	"context"
	"encoding/json"
	"fmt"
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
	escort, kinder, slot := claims["LH-D01"], claims["LH-D05"], claims["LH-P02-S1"]
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
		{"fulfil nothing", "POST", fulfil, school, `{"quantity":0}`, 400, problem(400, "the delivered quantity must be between 1 and the claim's 2, got 0", "invalid", "quantity")},
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
		{"no deadline", "PUT", "/v1/meetings/lh/deadline", lh, `{}`, 400, problem(400, "is required", "invalid", "answer_by")},
		{"a deadline where nothing waits", "PUT", "/v1/meetings/tw/deadline", testAdmin, `{"answer_by":"2026-12-04T18:00:00+08:00"}`, 409,
			problem(409, "no claim of the meeting of tw waits for an answer: propose first", "conflict", "")},
		{"a proposal deadline past", "POST", "/v1/meetings/lh/proposals", lh, `{"answer_by":"2026-12-01T09:00:00Z"}`, 400,
			problem(400, "must be in the future, got 2026-12-01T09:00:00Z (now 2026-12-01T10:00:00Z)", "invalid", "answer_by")},
		{"escalate none", "POST", "/v1/meetings/lh/escalate", lh, `{"items":[]}`, 400,
			problem(400, "name at least one demand, or send no body to move every unmet demand the meeting has seen", "invalid", "items")},
		{"escalate one twice", "POST", "/v1/meetings/lh/escalate", lh, `{"items":["LH-D10","LH-D10"]}`, 400,
			problem(400, `"LH-D10" is named twice (also items[0])`, "invalid", "items[1]")},
		{"escalate a foreign demand", "POST", "/v1/meetings/lh/escalate", lh, `{"items":["LH-D10","TW-D01"]}`, 404,
			problem(404, `no demand "TW-D01" in the meeting of lh`, "not_found", "items[1]")},
		{"escalate a resource", "POST", "/v1/meetings/lh/escalate", lh, `{"items":["LH-R12"]}`, 400,
			problem(400, "LH-R12 is a resource; only demands go up", "invalid", "items[0]")},
		{"escalate a project slot alone", "POST", "/v1/meetings/lh/escalate", lh, `{"items":["LH-P02-S3"]}`, 409,
			problem(409, "slot LH-P02-S1 of project LH-P02 has claim "+slot.ID+" waiting for an answer, and a project moves whole: answer it, or let the next proposal run replace it, first", "conflict", "items[0]")},
		{"escalate a string", "POST", "/v1/meetings/lh/escalate", lh, `{"items":"LH-D10"}`, 400, problem(400, "must be an array, got string", "invalid", "items")},
		{"a unit escalates", "POST", "/v1/meetings/lh/escalate", committee, `{"items":["LH-D10"]}`, 404, problem(404, `meeting "lh" not found`, "not_found", "")},
		{"return a community demand", "POST", "/v1/items/LH-D01/return", lh, "", 409,
			problem(409, "LH-D01 sits at community level: there is no meeting below", "conflict", "id")},
		{"return a resource", "POST", "/v1/items/LH-R12/return", lh, "", 400,
			problem(400, "LH-R12 is a resource; only demands go up and come back", "invalid", "id")},
		{"return nothing", "POST", "/v1/items/LH-D404/return", lh, "", 404, problem(404, `item "LH-D404" not found`, "not_found", "")},
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

// TestMeetingLifecycle: a Longhua meeting through the API, from the
// proposals with a deadline to a partial delivery and the escalation the
// meeting decides.
func TestMeetingLifecycle(t *testing.T) {
	ts := newMeetingServer(t)
	lh := ts.coordToken("lh")
	p := ts.propose(lh, "lh", `{"answer_by":"2026-12-03T18:00:00+08:00"}`)
	due := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	var escort matcher.Claim
	for _, c := range p.Claims {
		if !c.AnswerBy.Equal(due) || c.Run == 0 {
			t.Errorf("claim %s: answer_by %s run %d, want %s and its run", c.ID, c.AnswerBy, c.Run, due)
		}
		if c.Demand == "LH-D01" {
			escort = c
		}
	}
	school := ts.unitToken(escort.DemandUnit)

	// Who has not answered: every unit of a proposal, none overdue yet.
	var w service.MeetingWaiting
	json.Unmarshal(ts.ok(200, http.MethodGet, "/v1/meetings/lh/waiting", lh, ""), &w)
	if w.Claims != len(p.Claims) || w.Overdue != 0 || !w.AnswerBy.Equal(due) || len(w.Units) == 0 {
		t.Errorf("waiting = %+v, want %d claims due %s, none overdue", w, len(p.Claims), due)
	}
	// The coordinator moves the deadline to tomorrow evening.
	if got := string(ts.ok(200, http.MethodPut, "/v1/meetings/lh/deadline", lh, `{"answer_by":"2026-12-02T20:00:00+08:00"}`)); strings.TrimSpace(got) !=
		fmt.Sprintf(`{"meeting":"lh","answer_by":"2026-12-02T20:00:00+08:00","claims":%d}`, len(p.Claims)) {
		t.Errorf("PUT deadline = %s", got)
	}
	// The school's list, the day after: its claims, overdue.
	ts.at(meetingDay.Add(30 * time.Hour))
	var q service.UnitQueue
	json.Unmarshal(ts.ok(200, http.MethodGet, "/v1/units/lh-school/waiting", school, ""), &q)
	if len(q.Items) == 0 || q.Overdue != len(q.Items) || q.Items[0].Claim.ID != escort.ID || q.Items[0].Side != matcher.DemandSide {
		t.Errorf("the school's waiting list = %+v, want its claims, all overdue, the escort one first", q)
	}

	// Both sides accept the escort claim; the school delivers 1 of 2.
	ts.ok(200, http.MethodPost, "/v1/claims/"+escort.ID+"/accept", ts.unitToken(escort.ResourceUnit), "")
	ts.ok(200, http.MethodPost, "/v1/claims/"+escort.ID+"/accept", school, "")
	var got matcher.Claim
	json.Unmarshal(ts.ok(200, http.MethodPost, "/v1/claims/"+escort.ID+"/fulfil", school, `{"quantity":1}`), &got)
	if got.Status != matcher.ClaimFulfilled || got.Quantity != 1 || got.Agreed != 2 {
		t.Errorf("fulfilled claim = %+v, want fulfilled 1 of 2", got)
	}
	json.Unmarshal(ts.ok(200, http.MethodGet, "/v1/claims/"+escort.ID, school, ""), &got)
	if got.Quantity != 1 || got.Agreed != 2 {
		t.Errorf("GET the claim = quantity %d agreed %d, want 1 of 2", got.Quantity, got.Agreed)
	}

	// The meeting sends LH-D10 up, brings it back, then sends what its
	// run saw: LH-D10 changed since (it came back), so it stays; the
	// school's escort demand, open again for what was not delivered, goes.
	run := p.Claims[0].Run
	if got := strings.TrimSpace(string(ts.ok(200, http.MethodPost, "/v1/meetings/lh/escalate", lh, `{"items":["LH-D10"]}`))); got != `{"from":"community","to":"street","items":["LH-D10"]}` {
		t.Errorf("escalate LH-D10 = %s", got)
	}
	if got := strings.TrimSpace(string(ts.ok(200, http.MethodPost, "/v1/items/LH-D10/return", lh, ""))); got != `{"from":"street","to":"community","items":["LH-D10"]}` {
		t.Errorf("return LH-D10 = %s", got)
	}
	returned := ts.st.Seq()
	want := fmt.Sprintf(`{"from":"community","to":"street","items":["LH-D01","LH-D07","LH-P01-S1","LH-P01-S2","LH-P01-S3","LH-P01-S4"],"projects":["LH-P01"],"run":%d,`+
		`"held":[{"item":"LH-D10","reason":"not_in_last_run","detail":"LH-D10 was added or changed (store index %d) after the meeting's last proposal run (%d): propose again, or name it"},`+
		`{"item":"LH-P02-S3","reason":"project_not_whole","detail":"slot LH-P02-S1 of project LH-P02 has claim lh.%d.9 waiting for an answer, and a project moves whole: answer it, or let the next proposal run replace it, first"}]}`,
		run, returned, run, run)
	if got := strings.TrimSpace(string(ts.ok(200, http.MethodPost, "/v1/meetings/lh/escalate", lh, ""))); got != want {
		t.Errorf("escalate (no body) =\n%s\nwant\n%s", got, want)
	}

	// One event each, in order, for the coordinator to read.
	var evs struct{ Items []matcher.Event }
	json.Unmarshal(ts.ok(200, http.MethodGet, fmt.Sprintf("/v1/events?since=%d", run-1), lh, ""), &evs)
	var actions []string
	for _, ev := range evs.Items {
		actions = append(actions, ev.Action)
	}
	if wantActions := []string{"meeting.propose", "meeting.deadline", "claim.accept", "claim.accept", "claim.fulfil", "meeting.escalate", "item.return", "meeting.escalate"}; !slices.Equal(actions, wantActions) {
		t.Errorf("events %v, want %v", actions, wantActions)
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
		{"POST /v1/meetings/{id}/escalate (items)", http.MethodPost, fixed("/v1/meetings/lh/escalate", `{"items":["LH-D10","LH-P01-S2"]}`), coordOwner("lh"), 200},
		{"PUT /v1/meetings/{id}/deadline", http.MethodPut, func(ts *testServer) (string, string) {
			lhClaims(ts)
			return "/v1/meetings/lh/deadline", `{"answer_by":"` + ts.service().Now().Add(72*time.Hour).Format(time.RFC3339) + `"}`
		}, coordOwner("lh"), 200},
		{"POST /v1/items/{id}/return", http.MethodPost, func(ts *testServer) (string, string) {
			ts.ok(200, http.MethodPost, "/v1/meetings/lh/escalate", testAdmin, `{"items":["LH-D10"]}`)
			return "/v1/items/LH-D10/return", ""
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
	routes := documentRoutes(d)
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
		{"POST", "/v1/meetings/:alliance/escalate", "/v1/meetings/lh/escalate", lh, `{"items":["LH-D10"]}`},
		{"POST", "/v1/items/:id/return", "/v1/items/LH-D10/return", lh, ""},
		{"POST", "/v1/meetings/:alliance/escalate", "/v1/meetings/lh/escalate", lh, ""},
		{"POST", "/v1/meetings/:alliance/escalate", "/v1/meetings/lh/escalate", lh, `{"items":["LH-P02-S1"]}`},
		{"POST", "/v1/items/:id/return", "/v1/items/LH-D01/return", lh, ""},
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
