package api

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// GET / sends a browser to the desk and answers an API client (Accept
// application/json, curl's */*, none) with the JSON index.
func TestRoot(t *testing.T) {
	ts := newTestServer(t)
	for _, c := range []struct {
		givenAccept  string
		expectCode   int
		expectTarget string
	}{
		{"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", http.StatusSeeOther, "/ui/"},
		{"application/json", http.StatusOK, ""},
		{"*/*", http.StatusOK, ""},
		{"", http.StatusOK, ""},
		{"application/json, text/html;q=0.5", http.StatusOK, ""},
	} {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		if c.givenAccept != "" {
			req.Header.Set("Accept", c.givenAccept)
		}
		rec := httptest.NewRecorder()
		ts.Handler().ServeHTTP(rec, req)
		if rec.Code != c.expectCode {
			t.Errorf("Accept %q: %d, want %d", c.givenAccept, rec.Code, c.expectCode)
			continue
		}
		if c.expectTarget != "" {
			if got := rec.Header().Get("Location"); got != c.expectTarget {
				t.Errorf("Accept %q: to %q, want %q", c.givenAccept, got, c.expectTarget)
			}
			continue
		}
		const want = `{"name":"allymatch","links":{"api":"/v1","desk":"/ui/","health":"/healthz","openapi":"/openapi.json","ready":"/readyz"},"version":"1"}` + "\n"
		if got := rec.Body.String(); got != want {
			t.Errorf("Accept %q: %s, want %s", c.givenAccept, got, want)
		}
	}
}
