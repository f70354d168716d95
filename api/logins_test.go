package api

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/service"
)

// tokenID returns the id of the token tok (as POST /v1/tokens gave it).
func (ts *testServer) tokenID(tok string) string {
	ts.tb.Helper()
	l, ok, err := ts.Login(tok)
	if err != nil || !ok {
		ts.tb.Fatalf("Login(%s) = %v, %v", tok, ok, err)
	}
	return l.ID
}

// A token dies with what it stands for: its unit deleted, or deleted and
// created again under the same id by another coordinator; revoked; expired.
func TestTokensDieWithTheirSubject(t *testing.T) {
	ts := newTestServer(t)
	const unitBody = `{"id":"lh-new","name":"新成员","kind":"shop","grid":"lh-g1","alliances":["lh"]}`
	if rec := ts.do(http.MethodPost, "/v1/units", testAdmin, unitBody); rec.Code != 201 {
		t.Fatalf("setup: %d %s", rec.Code, rec.Body)
	}
	tok := ts.unitToken("lh-new")
	if rec := ts.do(http.MethodGet, "/v1/units/lh-new", tok, ""); rec.Code != 200 {
		t.Fatalf("the new unit's token: %d %s", rec.Code, rec.Body)
	}
	if rec := ts.do(http.MethodDelete, "/v1/units/lh-new", ts.coordToken("lh"), ""); rec.Code != 204 {
		t.Fatalf("delete: %d %s", rec.Code, rec.Body)
	}
	if rec := ts.do(http.MethodGet, "/v1/claims", tok, ""); rec.Code != 401 {
		t.Errorf("deleted unit's token = %d %s, want 401", rec.Code, rec.Body)
	}
	// Another community's coordinator makes a unit with the same id.
	if rec := ts.do(http.MethodPost, "/v1/units", ts.coordToken("tw"), strings.Replace(unitBody, `"lh"]`, `"tw"]`, 1)); rec.Code != 201 {
		t.Fatalf("re-create under tw: %d %s", rec.Code, rec.Body)
	}
	if rec := ts.do(http.MethodGet, "/v1/units/lh-new", tok, ""); rec.Code != 401 {
		t.Errorf("the old token acts as the re-created unit: %d %s, want 401", rec.Code, rec.Body)
	}

	// Revoked: its very next request is a 401.
	coord := ts.coordToken("lh")
	unit := ts.unitToken("lh-school")
	rec := ts.do(http.MethodGet, "/v1/tokens", coord, "")
	var lst struct {
		Items []struct {
			ID, Subject string
			Role        matcher.Role
		}
	}
	decodeBody(t, rec, &lst)
	id := ts.tokenID(unit)
	found := false
	for _, l := range lst.Items {
		found = found || l.ID == id && l.Subject == "lh-school" && l.Role == matcher.RoleUnit
		if l.Subject == "tw" || strings.HasPrefix(l.Subject, "tw-") {
			t.Errorf("lh's coordinator lists a login of %s", l.Subject)
		}
	}
	if !found || strings.Contains(rec.Body.String(), unit) {
		t.Errorf("GET /v1/tokens = %s; want lh-school's token %s listed, never a secret", rec.Body, id)
	}
	if rec := ts.do(http.MethodDelete, "/v1/tokens/"+id, ts.coordToken("tw"), ""); rec.Code != 404 {
		t.Errorf("a foreign coordinator revokes: %d, want 404", rec.Code)
	}
	if rec := ts.do(http.MethodDelete, "/v1/tokens/"+id, coord, ""); rec.Code != 204 {
		t.Fatalf("revoke: %d %s", rec.Code, rec.Body)
	}
	if rec := ts.do(http.MethodGet, "/v1/claims", unit, ""); rec.Code != 401 {
		t.Errorf("revoked token = %d, want 401", rec.Code)
	}
	if rec := ts.do(http.MethodDelete, "/v1/tokens/"+id, coord, ""); rec.Code != 404 {
		t.Errorf("revoke twice: %d, want 404", rec.Code)
	}

	// Expired.
	svc := ts.service()
	if _, _, err := svc.NewToken(matcher.Admin, service.TokenRequest{Role: matcher.RoleUnit, Unit: "lh-school", TTLHours: new(int)}); matcher.ErrorCode(err) != matcher.EINVALID {
		t.Errorf("ttl 0: %v, want invalid", err)
	}
	one := 1
	tok2, _, err := svc.NewToken(matcher.Admin, service.TokenRequest{Role: matcher.RoleUnit, Unit: "lh-school", TTLHours: &one})
	if err != nil {
		t.Fatal(err)
	}
	if rec := ts.do(http.MethodGet, "/v1/claims", tok2, ""); rec.Code != 200 {
		t.Errorf("fresh token = %d", rec.Code)
	}
	svc.Now = func() time.Time { return time.Now().Add(61 * time.Minute) }
	if rec := ts.do(http.MethodGet, "/v1/claims", tok2, ""); rec.Code != 401 {
		t.Errorf("expired token = %d, want 401", rec.Code)
	}
}

// POST /v1/login-codes answers the code once, with its desk link and
// expiry; only its hash is stored.
func TestLoginCodeRoute(t *testing.T) {
	ts := newTestServer(t)
	rec := ts.do(http.MethodPost, "/v1/login-codes", ts.coordToken("lh"), `{"unit":"lh-school"}`)
	var out codeResponse
	decodeBody(t, rec, &out)
	if rec.Code != 201 || len(out.Code) != 9 || out.Code[4] != '-' || !strings.HasSuffix(out.URL, "/ui/login?code="+out.Code) ||
		out.Actor != matcher.UnitActor("lh-school") || time.Until(out.ExpiresAt) < 71*time.Hour {
		t.Fatalf("POST /v1/login-codes = %d %s", rec.Code, rec.Body)
	}
	for _, c := range []struct {
		body string
		code int
	}{
		{`{"unit":"lh-school","alliance":"lh"}`, 400},
		{`{}`, 400},
		{`{"unit":"lh-school","role":"admin"}`, 400},
	} {
		if rec := ts.do(http.MethodPost, "/v1/login-codes", testAdmin, c.body); rec.Code != c.code {
			t.Errorf("%s = %d %s, want %d", c.body, rec.Code, rec.Body, c.code)
		}
	}
	if rec := ts.do(http.MethodPost, "/v1/login-codes", ts.unitToken("lh-school"), `{"unit":"lh-school"}`); rec.Code != 403 {
		t.Errorf("a unit makes a code = %d, want 403", rec.Code)
	}
	l, err := ts.service().RedeemCode(out.Code)
	if err != nil || l.Actor != matcher.UnitActor("lh-school") {
		t.Fatalf("RedeemCode = %+v, %v", l, err)
	}
	if _, err := ts.service().RedeemCode(out.Code); matcher.ErrorCode(err) != matcher.ENOLOGIN {
		t.Errorf("a second redemption = %v, want no login", err)
	}
}

// The audit event of an answer says who recorded which side's answer.
func TestAnswerEventNamesTheSide(t *testing.T) {
	ts := newTestServer(t)
	c := proposedClaim(ts)
	seq := ts.st.Seq()
	if rec := ts.do(http.MethodPost, "/v1/claims/"+c.ID+"/accept", ts.coordToken("lh"), `{"side":"demand"}`); rec.Code != 200 {
		t.Fatalf("accept: %d %s", rec.Code, rec.Body)
	}
	evs, err := ts.st.Events(seq, 10, nil)
	if err != nil || len(evs) != 1 {
		t.Fatalf("events after the answer: %+v, %v", evs, err)
	}
	if ev := evs[0]; ev.Actor != "coordinator:lh" || ev.Action != "claim.accept" || ev.Side != matcher.DemandSide {
		t.Errorf("event %+v, want coordinator:lh recording claim.accept for the demand side", ev)
	}
}
