package api

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/allymatch/allymatch/fixtures"
	"github.com/allymatch/allymatch/matcher/notify"
	"github.com/allymatch/allymatch/matcher/store"
)

const testAdmin = "test-admin-token"

// testServer is a server over a store seeded with the Banan sample.
type testServer struct {
	*Server
	st *store.Store
	tb testing.TB
}

func newTestServer(tb testing.TB) *testServer {
	tb.Helper()
	st, _, err := store.Open(context.Background(), store.Options{Dir: tb.TempDir()})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	if _, err := st.Import(context.Background(), fixtures.MustBanan(tb), "system"); err != nil {
		tb.Fatal(err)
	}
	s := New(nil)
	s.SetStore(st)
	s.SetAdminToken(testAdmin)
	// The notifier writes notes from now on; tests that deliver start it.
	n, err := notify.New(st, testNotifyConfig())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { n.Close() })
	s.SetNotifier(n)
	return &testServer{Server: s, st: st, tb: tb}
}

// testNotifyConfig: loopback receivers allowed, no batching window,
// millisecond ticks, and one attempt (a failing receiver makes a dead
// letter at once).
func testNotifyConfig() notify.Config {
	return notify.Config{AllowPrivate: true, Tick: 2 * time.Millisecond, Timeout: 2 * time.Second,
		Backoff: time.Millisecond, MaxAttempts: 1, RemindEvery: time.Hour}
}

// do sends a request with token (none when empty) and body (none when
// empty) through the handler.
func (ts *testServer) do(method, path, token, body string) *httptest.ResponseRecorder {
	ts.tb.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, r)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	ts.Handler().ServeHTTP(rec, req)
	return rec
}

// doAs sends a request whose body is of Content-Type ctype.
func (ts *testServer) doAs(method, path, token, ctype, body string) *httptest.ResponseRecorder {
	ts.tb.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", ctype)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	ts.Handler().ServeHTTP(rec, req)
	return rec
}

// token makes a token through the API.
func (ts *testServer) token(body string) string {
	ts.tb.Helper()
	rec := ts.do(http.MethodPost, "/v1/tokens", testAdmin, body)
	if rec.Code != http.StatusCreated {
		ts.tb.Fatalf("POST /v1/tokens %s = %d %s, want 201", body, rec.Code, rec.Body)
	}
	var out struct{ Token string }
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || out.Token == "" {
		ts.tb.Fatalf("token answer %s: %v", rec.Body, err)
	}
	return out.Token
}

func (ts *testServer) unitToken(unit string) string {
	return ts.token(`{"role":"unit","unit":"` + unit + `"}`)
}

func (ts *testServer) coordToken(alliance string) string {
	return ts.token(`{"role":"coordinator","alliance":"` + alliance + `"}`)
}

// decodeBody decodes a response body into v.
func decodeBody(tb testing.TB, rec *httptest.ResponseRecorder, v any) {
	tb.Helper()
	if err := json.Unmarshal(rec.Body.Bytes(), v); err != nil {
		tb.Fatalf("decoding %s: %v", rec.Body, err)
	}
}
