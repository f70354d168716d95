package api

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// chunked hides the length of a body so that it is sent chunked.
type chunked struct{ io.Reader }

func TestBodyLimit(t *testing.T) {
	ts := newTestServer(t)
	seq := ts.st.Seq()
	big := `{"id":"LH-D98","kind":"demand","category":"tutoring","title":"` + strings.Repeat("x", 2<<20) + `","quantity":1}`
	for _, chunk := range []bool{false, true} {
		var body io.Reader = strings.NewReader(big)
		if chunk {
			body = chunked{body}
		}
		req := httptest.NewRequest(http.MethodPost, "/v1/units/lh-school/items", body)
		if chunk {
			req.ContentLength = -1
			req.TransferEncoding = []string{"chunked"}
		}
		req.Header.Set("Authorization", "Bearer "+testAdmin)
		rec := httptest.NewRecorder()
		ts.Handler().ServeHTTP(rec, req)
		want := `{"type":"about:blank","title":"Request Entity Too Large","status":413,"detail":"the body is larger than 1048576 bytes","field":"body"}`
		if rec.Code != 413 || strings.TrimSpace(rec.Body.String()) != want {
			t.Errorf("chunked=%v: got %d %s, want 413 %s", chunk, rec.Code, rec.Body, want)
		}
	}
	if ts.st.Seq() != seq {
		t.Error("an oversized body changed the store")
	}
}

func TestBadBodies(t *testing.T) {
	ts := newTestServer(t)
	cases := []struct {
		name        string
		givenMethod string
		givenPath   string
		givenBody   string
		givenCT     string
		expectCode  int
		expectBody  string
	}{
		{"unknown field", "POST", "/v1/units/lh-school/items", `{"id":"A1","kind":"demand","category":"tutoring","title":"t","quantity":1,"colour":"red"}`, "", 400,
			`{"type":"about:blank","title":"Bad Request","status":400,"detail":"unknown field \"colour\"","code":"invalid","field":"colour"}`},
		{"quantity range", "POST", "/v1/units/lh-school/items", `{"id":"A1","kind":"demand","category":"tutoring","title":"t","quantity":0}`, "", 400,
			`{"type":"about:blank","title":"Bad Request","status":400,"detail":"must be between 1 and 1000000000, got 0","code":"invalid","field":"quantity"}`},
		{"wrong type", "PATCH", "/v1/items/LH-D01", `{"quantity":"many"}`, "", 400,
			`{"type":"about:blank","title":"Bad Request","status":400,"detail":"must be an integer, got string","code":"invalid","field":"quantity"}`},
		{"bad enum", "PATCH", "/v1/items/LH-D01", `{"status":"gone"}`, "", 400,
			`{"type":"about:blank","title":"Bad Request","status":400,"detail":"must be open, paused or closed, got \"gone\"","code":"invalid","field":"status"}`},
		{"bad id", "POST", "/v1/units/lh-school/projects", `{"id":"项目一","name":"x"}`, "", 400, ""},
		{"syntax", "POST", "/v1/claims", `{"resource":`, "", 400,
			`{"type":"about:blank","title":"Bad Request","status":400,"detail":"the JSON ends too early","code":"invalid","field":"body"}`},
		{"empty", "POST", "/v1/claims", ``, "", 400,
			`{"type":"about:blank","title":"Bad Request","status":400,"detail":"a JSON object is required","code":"invalid","field":"body"}`},
		{"trailing", "POST", "/v1/claims/x/reject", `{} {}`, "", 400,
			`{"type":"about:blank","title":"Bad Request","status":400,"detail":"holds data after the JSON value","code":"invalid","field":"body"}`},
		{"not json", "POST", "/v1/claims", `resource=a`, "application/x-www-form-urlencoded", 415,
			`{"type":"about:blank","title":"Unsupported Media Type","status":415,"detail":"send application/json, not \"application/x-www-form-urlencoded\""}`},
		{"several problems", "POST", "/v1/claims", `{"resource":"","demand":"","quantity":0}`, "", 400, ""},
		{"unknown route", "GET", "/v1/nothing", ``, "", 404,
			`{"type":"about:blank","title":"Not Found","status":404,"detail":"Not Found"}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(tc.givenMethod, tc.givenPath, bytes.NewBufferString(tc.givenBody))
			ct := tc.givenCT
			if ct == "" {
				ct = "application/json"
			}
			req.Header.Set("Content-Type", ct)
			req.Header.Set("Authorization", "Bearer "+testAdmin)
			rec := httptest.NewRecorder()
			ts.Handler().ServeHTTP(rec, req)
			if rec.Code != tc.expectCode || (tc.expectBody != "" && strings.TrimSpace(rec.Body.String()) != tc.expectBody) {
				t.Errorf("got %d %s\nwant %d %s", rec.Code, rec.Body, tc.expectCode, tc.expectBody)
			}
			if rec.Header().Get("Content-Type") != "application/problem+json" {
				t.Errorf("Content-Type = %q", rec.Header().Get("Content-Type"))
			}
			var p Problem
			decodeBody(t, rec, &p)
			if tc.expectCode == 400 && p.Field == "" && len(p.Problems) == 0 {
				t.Errorf("a 400 that names no field: %s", rec.Body)
			}
		})
	}
}

// TestProposeHonoursContext: a cancelled request stops the solve and
// changes nothing.
func TestProposeHonoursContext(t *testing.T) {
	ts := newTestServer(t)
	seq := ts.st.Seq()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req := httptest.NewRequest(http.MethodPost, "/v1/meetings/lh/proposals", nil).WithContext(ctx)
	req.Header.Set("Authorization", "Bearer "+testAdmin)
	rec := httptest.NewRecorder()
	ts.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusServiceUnavailable || ts.st.Seq() != seq {
		t.Errorf("cancelled propose = %d %s (seq %d → %d), want 503 and nothing stored", rec.Code, rec.Body, seq, ts.st.Seq())
	}
}

func TestMetrics(t *testing.T) {
	ts := newTestServer(t)
	ts.do(http.MethodGet, "/v1/units/lh-school", testAdmin, "")
	ts.do(http.MethodGet, "/v1/units/lh-school", "", "")
	rec := ts.do(http.MethodGet, "/metrics", "", "")
	body := rec.Body.String()
	for _, want := range []string{
		`allymatch_http_requests_total{code="200",method="GET",route="/v1/units/:id"} 1`,
		`allymatch_http_requests_total{code="401",method="GET",route="/v1/units/:id"} 1`,
		`allymatch_store_seq 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(body, "lh-school") {
		t.Error("/metrics names a unit")
	}
}
