package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/store"
)

func TestHealthAndReady(t *testing.T) {
	s := New(nil)
	do := func(path string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		return rec
	}
	if rec := do("/healthz"); rec.Code != http.StatusOK || strings.TrimSpace(rec.Body.String()) != `{"status":"ok"}` {
		t.Errorf("GET /healthz = %d %s, want 200 ok", rec.Code, rec.Body)
	}
	rec := do("/readyz")
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Content-Type") != "application/problem+json" {
		t.Errorf("GET /readyz before load = %d %q, want 503 problem+json", rec.Code, rec.Header().Get("Content-Type"))
	}
	st, _, err := store.Open(context.Background(), store.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s.SetStore(st)
	if rec := do("/readyz"); rec.Code != http.StatusOK || strings.TrimSpace(rec.Body.String()) != `{"status":"ready"}` {
		t.Errorf("GET /readyz after load = %d %s, want 200 ready", rec.Code, rec.Body)
	}
	if rec := do("/nope"); rec.Code != http.StatusNotFound || rec.Header().Get("Content-Type") != "application/problem+json" {
		t.Errorf("GET /nope = %d %q, want 404 problem+json", rec.Code, rec.Header().Get("Content-Type"))
	}
}

func TestErrorHandler(t *testing.T) {
	cases := []struct {
		name       string
		givenErr   error
		expectCode int
		expectBody string
	}{
		{"wrapped invalid", fmt.Errorf("op: %w", matcher.FieldError("quantity", "must be positive")), 400,
			`{"type":"about:blank","title":"Bad Request","status":400,"detail":"must be positive","code":"invalid","field":"quantity"}`},
		{"not found", matcher.Errorf(matcher.ENOTFOUND, "unit %q not found", "x"), 404,
			`{"type":"about:blank","title":"Not Found","status":404,"detail":"unit \"x\" not found","code":"not_found"}`},
		{"conflict", matcher.Errorf(matcher.ECONFLICT, "claim c1 is rejected"), 409,
			`{"type":"about:blank","title":"Conflict","status":409,"detail":"claim c1 is rejected","code":"conflict"}`},
		{"plain error is hidden", errors.New("disk on fire at /var/secret"), 500,
			`{"type":"about:blank","title":"Internal Server Error","status":500,"detail":"internal error","code":"internal"}`},
		{"echo error", echo.NewHTTPError(http.StatusRequestEntityTooLarge, "body too large"), 413,
			`{"type":"about:blank","title":"Request Entity Too Large","status":413,"detail":"body too large"}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := New(nil)
			rec := httptest.NewRecorder()
			c := s.e.NewContext(httptest.NewRequest(http.MethodGet, "/", nil), rec)
			s.handleError(tc.givenErr, c)
			if rec.Code != tc.expectCode || strings.TrimSpace(rec.Body.String()) != tc.expectBody {
				t.Errorf("got %d %s\nwant %d %s", rec.Code, rec.Body, tc.expectCode, tc.expectBody)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type = %q, want application/problem+json", ct)
			}
		})
	}
}
