package api

import (
	"net/http"
	"strings"
	"testing"
)

func TestTokens(t *testing.T) {
	ts := newTestServer(t)
	unit := ts.unitToken("lh-school")
	coord := ts.coordToken("lh")
	seq := ts.st.Seq()
	cases := []struct {
		name         string
		givenToken   string
		givenBody    string
		expectCode   int
		expectBody   string
		expectHeader string
	}{
		{"no token", "", `{"role":"unit","unit":"lh-school"}`, 401,
			`{"type":"about:blank","title":"Unauthorized","status":401,"detail":"send a bearer token: Authorization: Bearer TOKEN"}`, `Bearer realm="allymatch"`},
		{"wrong token", "nope", `{"role":"unit","unit":"lh-school"}`, 401,
			`{"type":"about:blank","title":"Unauthorized","status":401,"detail":"the bearer token is not valid"}`, `Bearer realm="allymatch"`},
		{"unit token", unit, `{"role":"unit","unit":"lh-school"}`, 403,
			`{"type":"about:blank","title":"Forbidden","status":403,"detail":"this needs an admin token","code":"forbidden"}`, ""},
		{"coordinator token", coord, `{"role":"unit","unit":"lh-school"}`, 403,
			`{"type":"about:blank","title":"Forbidden","status":403,"detail":"this needs an admin token","code":"forbidden"}`, ""},
		{"bad role", testAdmin, `{"role":"admin"}`, 400,
			`{"type":"about:blank","title":"Bad Request","status":400,"detail":"must be coordinator or unit, got \"admin\"","code":"invalid","field":"role"}`, ""},
		{"unknown unit", testAdmin, `{"role":"unit","unit":"nope"}`, 400,
			`{"type":"about:blank","title":"Bad Request","status":400,"detail":"unknown unit \"nope\"","code":"invalid","field":"unit"}`, ""},
		{"unknown field", testAdmin, `{"role":"unit","unit":"lh-school","admin":true}`, 400,
			`{"type":"about:blank","title":"Bad Request","status":400,"detail":"unknown field \"admin\"","code":"invalid","field":"admin"}`, ""},
		{"wrong type", testAdmin, `{"role":1}`, 400,
			`{"type":"about:blank","title":"Bad Request","status":400,"detail":"must be a string, got number","code":"invalid","field":"role"}`, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := ts.do(http.MethodPost, "/v1/tokens", tc.givenToken, tc.givenBody)
			if rec.Code != tc.expectCode || strings.TrimSpace(rec.Body.String()) != tc.expectBody {
				t.Errorf("got %d %s\nwant %d %s", rec.Code, rec.Body, tc.expectCode, tc.expectBody)
			}
			if got := rec.Header().Get("WWW-Authenticate"); got != tc.expectHeader {
				t.Errorf("WWW-Authenticate = %q, want %q", got, tc.expectHeader)
			}
		})
	}
	if got := ts.st.Seq(); got != seq {
		t.Errorf("store seq = %d after token requests, want %d (tokens are not records)", got, seq)
	}
}
