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
			`{"type":"about:blank","title":"Forbidden","status":403,"detail":"only an admin or a coordinator makes logins","code":"forbidden"}`, ""},
		{"coordinator, foreign unit", coord, `{"role":"unit","unit":"tw-company"}`, 404,
			`{"type":"about:blank","title":"Not Found","status":404,"detail":"no unit \"tw-company\"","code":"not_found","field":"unit"}`, ""},
		{"coordinator, parent alliance", coord, `{"role":"coordinator","alliance":"st-lzw"}`, 404,
			`{"type":"about:blank","title":"Not Found","status":404,"detail":"no alliance \"st-lzw\"","code":"not_found","field":"alliance"}`, ""},
		{"ttl", testAdmin, `{"role":"unit","unit":"lh-school","ttl_hours":0}`, 400,
			`{"type":"about:blank","title":"Bad Request","status":400,"detail":"must be between 1 and 8784 hours, got 0","code":"invalid","field":"ttl_hours"}`, ""},
		{"bad role", testAdmin, `{"role":"admin"}`, 400,
			`{"type":"about:blank","title":"Bad Request","status":400,"detail":"must be coordinator or unit, got \"admin\"","code":"invalid","field":"role"}`, ""},
		{"unknown unit", testAdmin, `{"role":"unit","unit":"nope"}`, 404,
			`{"type":"about:blank","title":"Not Found","status":404,"detail":"no unit \"nope\"","code":"not_found","field":"unit"}`, ""},
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
