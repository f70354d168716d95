package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
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

// TestStrictText: every text field of every request refuses control,
// bidirectional and damaged characters with a 400 naming the field, and
// nothing is stored.
func TestStrictText(t *testing.T) {
	ts := newTestServer(t)
	seq := ts.st.Seq()
	const (
		rlo     = `护学\u202e3202`
		rloWhy  = "holds the invisible bidirectional control U+202E at character 3 (it makes text display in another order than it is stored)"
		nulWhy  = "holds a NUL character (U+0000) at character 3"
		lineWhy = "holds a tab or line break (U+000A) at character 3; this text is one line"
	)
	// item is a new item with field set (title 作业辅导 unless field is the title).
	item := func(field string) string {
		if !strings.HasPrefix(field, `"title"`) {
			field = `"title":"作业辅导",` + field
		}
		return `{"id":"LH-D90","kind":"demand","category":"tutoring","quantity":1,` + field + `}`
	}
	cases := []struct {
		name         string
		givenMethod  string
		givenPath    string
		givenBody    string
		expectField  string
		expectDetail string
	}{
		{"item title", "POST", "/v1/units/lh-school/items", item(`"title":"` + rlo + `"`), "title", rloWhy},
		{"item description NUL", "POST", "/v1/units/lh-school/items", item(`"description":"说明\u0000"`), "description", nulWhy},
		{"item description lines are fine, bidi is not", "POST", "/v1/units/lh-school/items", item(`"description":"第一行\n` + rlo + `"`), "description", "holds the invisible bidirectional control U+202E at character 7 (it makes text display in another order than it is stored)"},
		{"item measure", "POST", "/v1/units/lh-school/items", item(`"measure":"人次\n"`), "measure", lineWhy},
		{"item tag", "POST", "/v1/units/lh-school/items", item(`"tags":["护学","晚自习\ufeff"]`), "tags[1]", "holds a byte-order mark (U+FEFF) at character 4"},
		{"item patch title", "PATCH", "/v1/items/LH-D01", `{"title":"` + rlo + `"}`, "title", rloWhy},
		{"item patch tags", "PATCH", "/v1/items/LH-D01", `{"tags":["护学\u0000"]}`, "tags[0]", nulWhy},
		{"unit name", "POST", "/v1/units", `{"id":"lh-new","name":"` + rlo + `","kind":"shop","grid":"lh-g1","alliances":["lh"]}`, "name", rloWhy},
		{"unit patch name", "PATCH", "/v1/units/lh-school", `{"name":"中学\n"}`, "name", lineWhy},
		{"alliance name", "POST", "/v1/alliances", `{"id":"lh-sub","name":"联盟\u0000","level":"community","parent":"st-lzw"}`, "name", nulWhy},
		{"project name", "POST", "/v1/units/lh-school/projects", `{"id":"LH-P90","name":"` + rlo + `"}`, "name", rloWhy},
		{"project patch description", "PATCH", "/v1/projects/LH-P01", `{"description":"说明\u0007"}`, "description", "holds the control character U+0007 at character 3"},
		{"reject reason", "POST", "/v1/claims/x/reject", `{"reason":"` + rlo + `"}`, "reason", rloWhy},
		{"withdraw reason", "POST", "/v1/claims/x/withdraw", `{"reason":"原因\u2066"}`, "reason", "holds the invisible bidirectional control U+2066 at character 3 (it makes text display in another order than it is stored)"},
		{"scenario edit item title", "POST", "/v1/scenarios", `{"meeting":"lh","edits":[{"op":"add_item","unit":"lh-school","item":` + item(`"title":"`+rlo+`"`) + `}]}`, "edits[0].item.title", rloWhy},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := ts.do(tc.givenMethod, tc.givenPath, testAdmin, tc.givenBody)
			want := `{"type":"about:blank","title":"Bad Request","status":400,"detail":` + jsonString(t, tc.expectDetail) + `,"code":"invalid","field":"` + tc.expectField + `"}`
			if rec.Code != 400 || strings.TrimSpace(rec.Body.String()) != want {
				t.Errorf("%s %s %s\ngot  %d %s\nwant 400 %s", tc.givenMethod, tc.givenPath, tc.givenBody, rec.Code, rec.Body, want)
			}
		})
	}
	if ts.st.Seq() != seq {
		t.Errorf("refused texts changed the store: seq %d → %d", seq, ts.st.Seq())
	}
}

// jsonString is s as a JSON string, as the server writes it.
func jsonString(tb testing.TB, s string) string {
	tb.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	if err := enc.Encode(s); err != nil {
		tb.Fatal(err)
	}
	return strings.TrimSpace(buf.String())
}

// TestStrictJSON: a key given twice at any depth, bytes that are not
// UTF-8 and times outside 2000..2100 are 400s naming the field, and nothing
// is stored.
func TestStrictJSON(t *testing.T) {
	ts := newTestServer(t)
	seq := ts.st.Seq()
	const rangeWhy = "must be between 2000-01-01 and 2100-12-31, got "
	cases := []struct {
		name         string
		givenMethod  string
		givenPath    string
		givenBody    string
		expectField  string
		expectDetail string
	}{
		{"key twice, last valid", "PATCH", "/v1/items/LH-D01", `{"quantity":-5,"quantity":3}`, "quantity", "is given twice"},
		{"key twice in another case", "PATCH", "/v1/items/LH-D01", `{"quantity":-5,"Quantity":3}`, "Quantity", "is given twice"},
		{"key twice, last invalid", "PATCH", "/v1/items/LH-D01", `{"quantity":3,"quantity":-5}`, "quantity", "is given twice"},
		{"key twice in a list", "POST", "/v1/units/lh-school/items", `{"id":"LH-D90","kind":"demand","category":"tutoring","title":"作业辅导","quantity":1,"windows":[{"from":"2026-12-01T08:00:00+08:00"},{"from":"2026-12-02T08:00:00+08:00","from":"2026-12-03T08:00:00+08:00"}]}`, "windows[1].from", "is given twice"},
		{"key twice in weights", "POST", "/v1/meetings/lh/proposals", `{"weights":{"text":40,"text":50}}`, "weights.text", "is given twice"},
		{"key twice in a scenario edit", "POST", "/v1/scenarios", `{"meeting":"lh","edits":[{"op":"set_quantity","item":"LH-R12","quantity":76,"quantity":1}]}`, "edits[0].quantity", "is given twice"},
		{"key twice in a claim", "POST", "/v1/claims", `{"resource":"LH-R12","demand":"LH-D01","demand":"LH-D02","quantity":1}`, "demand", "is given twice"},
		{"key twice in a token request", "POST", "/v1/tokens", `{"role":"unit","unit":"lh-school","role":"coordinator"}`, "role", "is given twice"},
		{"not UTF-8 in a title", "PATCH", "/v1/items/LH-D01", "{\"title\":\"护学\xff\"}", "title", "is not valid UTF-8"},
		{"not UTF-8 in a tag", "PATCH", "/v1/items/LH-D01", "{\"tags\":[\"护学\",\"\xe6\x8a\"]}", "tags[1]", "is not valid UTF-8"},
		{"not UTF-8 in a reason", "POST", "/v1/claims/x/reject", "{\"reason\":\"\xc0\xaf\"}", "reason", "is not valid UTF-8"},
		{"not UTF-8 in a key", "PATCH", "/v1/items/LH-D01", "{\"tit\xffle\":\"x\"}", "body", "holds a key that is not valid UTF-8"},
		{"window from year 0", "PATCH", "/v1/items/LH-D01", `{"windows":[{"from":"0000-01-01T00:00:00Z","to":"2026-12-01T00:00:00Z"}]}`, "windows[0].from", rangeWhy + "0000-01-01T00:00:00Z"},
		{"window to year 9999", "PATCH", "/v1/items/LH-D01", `{"windows":[{"from":"2026-12-01T00:00:00+08:00","to":"9999-12-31T23:59:59Z"}]}`, "windows[0].to", rangeWhy + "9999-12-31T23:59:59Z"},
		{"window to just past 2100", "POST", "/v1/units/lh-school/items", `{"id":"LH-D90","kind":"demand","category":"tutoring","title":"作业辅导","quantity":1,"windows":[{"from":"2100-12-31T08:00:00+08:00","to":"2101-01-01T00:00:01+08:00"}]}`, "windows[0].to", rangeWhy + "2101-01-01T00:00:01+08:00"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := ts.do(tc.givenMethod, tc.givenPath, testAdmin, tc.givenBody)
			want := `{"type":"about:blank","title":"Bad Request","status":400,"detail":` + jsonString(t, tc.expectDetail) + `,"code":"invalid","field":"` + tc.expectField + `"}`
			if rec.Code != 400 || strings.TrimSpace(rec.Body.String()) != want {
				t.Errorf("%s %s %q\ngot  %d %s\nwant 400 %s", tc.givenMethod, tc.givenPath, tc.givenBody, rec.Code, rec.Body, want)
			}
		})
	}
	// The last window of 2100 is accepted.
	if rec := ts.do("PATCH", "/v1/items/LH-D01", testAdmin, `{"windows":[{"from":"2100-12-31T08:00:00+08:00","to":"2101-01-01T00:00:00+08:00"}]}`); rec.Code != 200 {
		t.Errorf("a window ending with 2100 = %d %s, want 200", rec.Code, rec.Body)
	}
	if got := ts.st.Seq(); got != seq+1 {
		t.Errorf("seq %d → %d, want one write (the accepted window)", seq, got)
	}
}

// TestImportErrors: /v1/import's errors name the field of each problem
// (one as field, several as problems), an import that moves an item to
// another unit is a 409, and a bad 250,000-item bundle answers 1,000
// problems and the count of the rest.
func TestImportErrors(t *testing.T) {
	ts := newTestServer(t)
	seq := ts.st.Seq()
	const head = `{"format":"allymatch.bundle/v1",`
	item := `{"id":"X1","unit":"lh-school","kind":"demand","category":"tutoring","title":"作业辅导","quantity":0}`
	cases := []struct {
		name       string
		givenBody  string
		expectCode int
		expectBody string
	}{
		{"one problem", head + `"items":[` + item + `]}`, 400,
			`{"type":"about:blank","title":"Bad Request","status":400,"detail":"body:1: items[0] (id X1): quantity: must be between 1 and 1000000000, got 0","code":"invalid","field":"items[0].quantity"}`},
		{"several problems", head + "\n" + `"items":[` + item + ",\n" + `{"id":"X2","kind":"demand","category":"tutoring","title":"护学\u202e","quantity":1}]}`, 400,
			`{"type":"about:blank","title":"Bad Request","status":400,"detail":"3 problems; the first: body:2: items[0] (id X1): quantity: must be between 1 and 1000000000, got 0","code":"invalid",` +
				`"problems":[{"field":"items[0].quantity","detail":"body:2: items[0] (id X1): quantity: must be between 1 and 1000000000, got 0","code":"invalid"},` +
				`{"field":"items[1].unit","detail":"body:3: items[1] (id X2): unit: is required","code":"invalid"},` +
				`{"field":"items[1].title","detail":"body:3: items[1] (id X2): title: holds the invisible bidirectional control U+202E at character 3 (it makes text display in another order than it is stored)","code":"invalid"}],"problems_total":3}`},
		{"key twice", head + `"items":[{"id":"X1","id":"X2"}]}`, 400,
			`{"type":"about:blank","title":"Bad Request","status":400,"detail":"body:1: items[0]: id: is given twice","code":"invalid","field":"items[0].id"}`},
		{"no records", `{"format":"allymatch.bundle/v1"}`, 400,
			`{"type":"about:blank","title":"Bad Request","status":400,"detail":"the bundle holds no records","code":"invalid","field":"body"}`},
		{"syntax", `{"format":"allymatch.bundle/v1",`, 400,
			`{"type":"about:blank","title":"Bad Request","status":400,"detail":"body:1: malformed JSON: unexpected end of file","code":"invalid","field":"body"}`},
		{"an item moved to another unit", head + `"items":[{"id":"LH-D01","unit":"lh-bank","kind":"demand","category":"escort","title":"晚自习放学护送学生回家","quantity":6}]}`, 409,
			`{"type":"about:blank","title":"Conflict","status":409,"detail":"body:1: items[0] (id LH-D01): unit: item \"LH-D01\" belongs to unit \"lh-school\", not \"lh-bank\"; an import does not move records between units","code":"conflict","field":"items[0].unit"}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := ts.do("POST", "/v1/import", testAdmin, tc.givenBody)
			if rec.Code != tc.expectCode || strings.TrimSpace(rec.Body.String()) != tc.expectBody {
				t.Errorf("got  %d %s\nwant %d %s", rec.Code, rec.Body, tc.expectCode, tc.expectBody)
			}
			checkDocumented(t, "POST", "/v1/import", rec)
		})
	}

	t.Run("250,000 bad items", func(t *testing.T) {
		var in bytes.Buffer
		in.WriteString(head + `"items":[`)
		for i := range 250_000 {
			if i > 0 {
				in.WriteString(",\n")
			}
			fmt.Fprintf(&in, `{"id":%d}`, i)
		}
		in.WriteString("]}")
		rec := ts.do("POST", "/v1/import", testAdmin, in.String())
		var p Problem
		decodeBody(t, rec, &p)
		want := "250,000 problems; the first: body:1: items[0]: id: must be a string, got JSON number; the first 1,000 are listed, … and 249,000 more"
		if rec.Code != 400 || len(p.Problems) != 1000 || p.ProblemsTotal != 250_000 || p.Detail != want {
			t.Errorf("got %d with %d problems of %d, detail %q\nwant 400 with 1000 of 250000, detail %q", rec.Code, len(p.Problems), p.ProblemsTotal, p.Detail, want)
		}
		if p.Problems[999].Field != "items[999].id" {
			t.Errorf("last problem listed names %s, want items[999].id", p.Problems[999].Field)
		}
		checkDocumented(t, "POST", "/v1/import", rec)
		t.Logf("answer: %d bytes", rec.Body.Len())
		if n := rec.Body.Len(); n > 256<<10 {
			t.Errorf("the answer is %d bytes, want at most 256 KiB", n)
		}
	})
	if ts.st.Seq() != seq {
		t.Errorf("refused imports changed the store: seq %d → %d", seq, ts.st.Seq())
	}
}

// checkDocumented checks that rec, the answer of route, matches the
// document's schema for its status.
func checkDocumented(t *testing.T, method, route string, rec *httptest.ResponseRecorder) {
	t.Helper()
	d, err := loadAPIDoc()
	if err != nil {
		t.Fatal(err)
	}
	rt := documentRoutes(d)[method+" "+route]
	if rt == nil {
		t.Fatalf("%s %s is not in the document", method, route)
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: httptest.NewRequest(method, route, nil), Route: rt},
		Status:                 rec.Code,
		Header:                 rec.Header(),
		Body:                   io.NopCloser(bytes.NewReader(rec.Body.Bytes())),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Errorf("%s %s = %d: the answer does not match the document: %v", method, route, rec.Code, err)
	}
}
