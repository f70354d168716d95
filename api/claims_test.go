package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/service"
)

// proposalsBody is a proposal run's answer, with the meeting's plan read
// after it.
type proposalsBody struct {
	Meeting string
	Mode    string
	Seq     uint64
	Run     uint64
	Kept    int
	Totals  struct{ Proposals int }
	Changes struct{ New, Changed, Dropped []string }
	// Claims are the meeting's unanswered proposals after the run, read
	// page by page from GET /v1/claims?meeting=&status=proposed.
	Claims []matcher.Claim `json:"-"`
}

func (ts *testServer) propose(token, meeting, body string) proposalsBody {
	ts.tb.Helper()
	rec := ts.do(http.MethodPost, "/v1/meetings/"+meeting+"/proposals", token, body)
	if rec.Code != http.StatusOK {
		ts.tb.Fatalf("propose %s = %d %s", meeting, rec.Code, rec.Body)
	}
	var out proposalsBody
	decodeBody(ts.tb, rec, &out)
	out.Claims = ts.plan(token, meeting)
	return out
}

// plan reads the meeting's unanswered proposals page by page (a small
// page, so that paging is exercised), in id order.
func (ts *testServer) plan(token, meeting string) []matcher.Claim {
	ts.tb.Helper()
	out := []matcher.Claim{}
	for cursor, pages := "", 0; ; pages++ {
		path := "/v1/claims?meeting=" + meeting + "&status=proposed&limit=7"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		rec := ts.do(http.MethodGet, path, token, "")
		var l struct {
			Items []matcher.Claim
			Next  string
		}
		decodeBody(ts.tb, rec, &l)
		if rec.Code != http.StatusOK || pages > 1000 {
			ts.tb.Fatalf("GET %s = %d %s", path, rec.Code, rec.Body)
		}
		for _, c := range l.Items {
			if len(c.AcceptedBy) == 0 {
				out = append(out, c)
			}
		}
		if l.Next == "" {
			return out
		}
		cursor = l.Next
	}
}

func TestMeetingFlow(t *testing.T) {
	ts := newTestServer(t)
	coord := ts.coordToken("lh")
	p := ts.propose(coord, "lh", `{"mode":"welfare","weights":{"text":40}}`)
	if p.Meeting != "lh" || p.Mode != "welfare" || len(p.Claims) == 0 || len(p.Claims) != p.Totals.Proposals ||
		len(p.Changes.New) != len(p.Claims) || p.Run == 0 {
		t.Fatalf("proposals = %+v", p)
	}
	if len(p.Claims[0].Breakdown) == 0 {
		t.Errorf("proposal without breakdown: %+v", p.Claims[0])
	}
	for _, tm := range p.Claims[0].Breakdown {
		if tm.Name == "text" && tm.Weight != 40 {
			t.Errorf("tags weight = %d, want 40", tm.Weight)
		}
	}
	c := p.Claims[0]
	res, dem := ts.unitToken(c.ResourceUnit), ts.unitToken(c.DemandUnit)

	// The resource side accepts, then the demand side: confirmed.
	rec := ts.do(http.MethodPost, "/v1/claims/"+c.ID+"/accept", res, "")
	var got matcher.Claim
	decodeBody(t, rec, &got)
	if rec.Code != 200 || got.Status != matcher.ClaimProposed || !got.Accepted(matcher.ResourceSide) {
		t.Fatalf("resource accept = %d %s", rec.Code, rec.Body)
	}
	rec = ts.do(http.MethodPost, "/v1/claims/"+c.ID+"/accept", dem, `{}`)
	decodeBody(t, rec, &got)
	if rec.Code != 200 || got.Status != matcher.ClaimConfirmed {
		t.Fatalf("demand accept = %d %s", rec.Code, rec.Body)
	}
	// Accepting again is a conflict.
	if rec := ts.do(http.MethodPost, "/v1/claims/"+c.ID+"/accept", dem, ""); rec.Code != http.StatusConflict {
		t.Errorf("second accept = %d %s, want 409", rec.Code, rec.Body)
	}
	// Only the demand side fulfils.
	if rec := ts.do(http.MethodPost, "/v1/claims/"+c.ID+"/fulfil", res, ""); rec.Code != http.StatusForbidden {
		t.Errorf("fulfil by the resource side = %d %s, want 403", rec.Code, rec.Body)
	}
	rec = ts.do(http.MethodPost, "/v1/claims/"+c.ID+"/fulfil", dem, "")
	decodeBody(t, rec, &got)
	if rec.Code != 200 || got.Status != matcher.ClaimFulfilled {
		t.Errorf("fulfil = %d %s", rec.Code, rec.Body)
	}

	// The second claim is rejected with a reason, and a new solve does not
	// propose that pair again.
	if len(p.Claims) > 1 {
		c2 := p.Claims[1]
		rec := ts.do(http.MethodPost, "/v1/claims/"+c2.ID+"/reject", ts.unitToken(c2.DemandUnit), `{"reason":"需要固定老师"}`)
		decodeBody(t, rec, &got)
		if rec.Code != 200 || got.Status != matcher.ClaimRejected || got.Reason != "需要固定老师" {
			t.Errorf("reject = %d %s", rec.Code, rec.Body)
		}
		p2 := ts.propose(coord, "lh", "")
		for _, c3 := range p2.Claims {
			if c3.Resource == c2.Resource && c3.Demand == c2.Demand {
				t.Errorf("rejected pair proposed again as %s", c3.ID)
			}
		}
	}

	// A unit lists only the claims on its own items.
	rec = ts.do(http.MethodGet, "/v1/claims?limit=1000", res, "")
	var l struct {
		Items []matcher.Claim
		Next  string
	}
	decodeBody(t, rec, &l)
	if rec.Code != 200 || len(l.Items) == 0 {
		t.Fatalf("unit claims = %d %s", rec.Code, rec.Body)
	}
	for _, cl := range l.Items {
		if cl.ResourceUnit != c.ResourceUnit && cl.DemandUnit != c.ResourceUnit {
			t.Errorf("unit %s sees claim %s of %s→%s", c.ResourceUnit, cl.ID, cl.ResourceUnit, cl.DemandUnit)
		}
	}
	// The coordinator pages through the meeting's claims.
	seen := map[string]bool{}
	for cursor, pages := "", 0; ; pages++ {
		rec := ts.do(http.MethodGet, "/v1/claims?meeting=lh&limit=2&cursor="+cursor, coord, "")
		l.Items, l.Next = nil, ""
		decodeBody(t, rec, &l)
		for _, cl := range l.Items {
			if seen[cl.ID] || cl.Meeting != "lh" {
				t.Errorf("page %d: claim %s seen twice or not of lh", pages, cl.ID)
			}
			seen[cl.ID] = true
		}
		if l.Next == "" || pages > 100 {
			break
		}
		cursor = l.Next
	}
	if n := ts.svc.Load().Store.Snapshot(); len(seen) != countClaims(n.ClaimsOfMeeting("lh")) {
		t.Errorf("paged %d claims of lh, want %d", len(seen), countClaims(n.ClaimsOfMeeting("lh")))
	}

	// The report and the events.
	rec = ts.do(http.MethodGet, "/v1/meetings/lh/report", coord, "")
	var rep service.Report
	decodeBody(t, rec, &rep)
	if rec.Code != 200 || rep.Meeting != "lh" || rep.Claims[matcher.ClaimFulfilled] != 1 || rep.Total.Met+rep.Total.Partly == 0 || len(rep.Total.Measures) < 2 {
		t.Errorf("report = %d %s", rec.Code, rec.Body)
	}
	rec = ts.do(http.MethodGet, "/v1/events?since=1", coord, "")
	var evs struct{ Items []matcher.Event }
	decodeBody(t, rec, &evs)
	if rec.Code != 200 || len(evs.Items) < 4 || evs.Items[0].Action != "meeting.propose" {
		t.Errorf("coordinator events = %d %s", rec.Code, rec.Body)
	}
	// Another community's coordinator sees none of it.
	other := ts.coordToken("tw")
	for _, path := range []string{"/v1/events", "/v1/claims", "/v1/claims?meeting=lh", "/v1/claims?unit=" + c.ResourceUnit} {
		rec := ts.do(http.MethodGet, path, other, "")
		if rec.Code != 200 || strings.TrimSpace(rec.Body.String()) != `{"items":[]}` {
			t.Errorf("GET %s by tw's coordinator = %d %s, want an empty list", path, rec.Code, rec.Body)
		}
	}
	for _, path := range []string{"/v1/claims/" + c.ID, "/v1/meetings/lh/report"} {
		if rec := ts.do(http.MethodGet, path, other, ""); rec.Code != http.StatusNotFound {
			t.Errorf("GET %s by tw's coordinator = %d %s, want 404", path, rec.Code, rec.Body)
		}
	}
}

func countClaims(seq func(func(*matcher.Claim) bool)) int {
	n := 0
	for range seq {
		n++
	}
	return n
}

func TestBadQueries(t *testing.T) {
	ts := newTestServer(t)
	cases := []struct{ path, expectField string }{
		{"/v1/claims?limit=0", "limit"},
		{"/v1/claims?limit=x", "limit"},
		{"/v1/claims?status=done", "status"},
		{"/v1/claims?cursor=%2F..", "cursor"},
		{"/v1/claims?meeting=%E4%B8%AD", "meeting"},
		{"/v1/events?since=-1", "since"},
	}
	for _, tc := range cases {
		rec := ts.do(http.MethodGet, tc.path, testAdmin, "")
		var p Problem
		decodeBody(t, rec, &p)
		if rec.Code != 400 || p.Field != tc.expectField {
			t.Errorf("GET %s = %d %s, want 400 naming %s", tc.path, rec.Code, rec.Body, tc.expectField)
		}
	}
	for _, tc := range []struct{ body, field string }{
		{`{"mode":"greedy"}`, "mode"},
		{`{"weights":{"text":101}}`, "weights.text"},
		{`{"weights":{"nearness":1}}`, "nearness"},
		{`{"mode":"welfare"} {}`, "body"},
		{`[1]`, "body"},
	} {
		rec := ts.do(http.MethodPost, "/v1/meetings/lh/proposals", testAdmin, tc.body)
		var p Problem
		decodeBody(t, rec, &p)
		if rec.Code != 400 || p.Field != tc.field {
			t.Errorf("propose %s = %d %s, want 400 naming %s", tc.body, rec.Code, rec.Body, tc.field)
		}
	}
}
