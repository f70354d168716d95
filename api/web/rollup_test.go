package web_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/allymatch/allymatch/matcher/service"
)

// apiGet reads a JSON answer of the API with a bearer token.
func apiGet(t *testing.T, base, path, token string, out any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET %s = %d %s", path, resp.StatusCode, b)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatal(err)
	}
}

// TestRollupPage: the district coordinator's home page is the district's
// overview linking its streets; the roll-up page drills down district →
// street → community, shows what the JSON route says, and its .xlsx
// opens with the same figures; a coordinator below is refused the
// district's, and the page is in English with ?lang=en.
func TestRollupPage(t *testing.T) {
	ts, _ := newServer(t)
	lh := newBrowser(t, ts.URL)
	lh.login(makeToken(t, ts.URL, `{"role":"coordinator","alliance":"lh"}`))
	lh.get("/ui/meetings/lh")
	lh.post("/ui/meetings/lh/propose", url.Values{"csrf": {lh.csrf()}, "mode": {"welfare"}, "answer_by": {time.Now().Add(72 * time.Hour).Format("2006-01-02T15:04")}})

	distTok := makeToken(t, ts.URL, `{"role":"coordinator","alliance":"bn-district"}`)
	dist := newBrowser(t, ts.URL)
	dist.login(distTok)
	code, home := dist.get("/ui/")
	if code != 200 || !strings.Contains(home, `id="overview-bn-district"`) || !strings.Contains(home, `href="/ui/rollup/st-lzw"`) {
		t.Fatalf("home %d: no district overview linking the streets: %.600s", code, home)
	}
	var r service.Rollup
	apiGet(t, ts.URL, "/v1/rollup/bn-district", distTok, &r)
	code, page := dist.get("/ui/rollup/bn-district")
	if code != 200 {
		t.Fatalf("roll-up page %d: %.500s", code, page)
	}
	attr := func(page, id, name string) int {
		t.Helper()
		m := regexp.MustCompile(`id="` + id + `"[^>]*\sdata-` + name + `="(\d+)"`).FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("no data-%s on #%s", name, id)
		}
		n, _ := strconv.Atoi(m[1])
		return n
	}
	if attr(page, "rollup-total", "demands") != r.Demands.Demands || attr(page, "rollup-total", "open") != r.Demands.Open ||
		attr(page, "rollup-glance", "waiting") != r.Answers.Waiting || attr(page, "rollup-glance", "blocked") != r.Projects.Blocked {
		t.Errorf("the page's totals differ from GET /v1/rollup: %+v %+v %+v", r.Demands, r.Answers, r.Projects)
	}
	for _, want := range []string{`svg class="chart"`, `id="rollup-map"`, `id="rollup-blocked"`, `id="rollup-weeks"`, `href="/ui/rollup/st-lzw"`, `id="meeting-lh"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the district's roll-up has no %s", want)
		}
	}
	// Drill down: the street, then the community, each linking back up.
	_, street := dist.get("/ui/rollup/st-lzw")
	if !strings.Contains(street, `href="/ui/rollup/lh"`) || !strings.Contains(street, `href="/ui/rollup/bn-district"`) {
		t.Errorf("the street's roll-up links neither its communities nor the district")
	}
	_, community := dist.get("/ui/rollup/lh")
	if !strings.Contains(community, `href="/ui/rollup/st-lzw"`) || strings.Contains(community, `id="rollup-children"`) {
		t.Errorf("the community's roll-up does not link its street, or lists alliances below")
	}

	// The spreadsheet: it opens, and says what the page says.
	resp, err := dist.c.Get(ts.URL + "/ui/rollup/bn-district/export.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "spreadsheetml") {
		t.Fatalf("export: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	sheets := f.GetSheetList()
	if len(sheets) != 4 {
		t.Fatalf("sheets %v, want 4", sheets)
	}
	rows, err := f.GetRows(sheets[0])
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string][]string{}
	for _, row := range rows[1:] {
		if _, ok := byID[row[0]]; !ok { // the first row of an id: the alliance with all below it
			byID[row[0]] = row
		}
	}
	cell := func(id string, col int) int {
		n, err := strconv.Atoi(byID[id][col])
		if err != nil {
			t.Fatalf("sheet row %s col %d: %q", id, col, byID[id][col])
		}
		return n
	}
	if cell("bn-district", 3) != attr(page, "rollup-total", "demands") || cell("bn-district", 4) != attr(page, "rollup-total", "met") ||
		cell("bn-district", 6) != attr(page, "rollup-total", "open") || cell("bn-district", 10) != attr(page, "rollup-glance", "waiting") ||
		cell("bn-district", 14) != attr(page, "rollup-glance", "blocked") {
		t.Errorf("the sheet's district row %v differs from the page", byID["bn-district"])
	}
	for _, ch := range r.Children {
		if cell(ch.Alliance, 3) != attr(page, "child-"+ch.Alliance, "demands") || cell(ch.Alliance, 6) != attr(page, "child-"+ch.Alliance, "open") {
			t.Errorf("the sheet's row of %s %v differs from the page", ch.Alliance, byID[ch.Alliance])
		}
	}
	weeks, _ := f.GetRows(sheets[3])
	if len(weeks) != len(r.Weeks)+1 || len(r.Weeks) == 0 {
		t.Errorf("weeks sheet has %d rows, the roll-up %d weeks", len(weeks)-1, len(r.Weeks))
	}

	// Scope: lh's coordinator reads lh's roll-up, not its street's.
	if code, _ := lh.get("/ui/rollup/lh"); code != 200 {
		t.Errorf("lh's own roll-up: %d", code)
	}
	for _, path := range []string{"/ui/rollup/st-lzw", "/ui/rollup/tw", "/ui/rollup/st-lzw/export.xlsx", "/ui/rollup/nope"} {
		if code, _ := lh.get(path); code != http.StatusNotFound {
			t.Errorf("lh's coordinator: %s = %d, want 404", path, code)
		}
	}
	// English.
	if _, en := dist.get("/ui/rollup/bn-district?lang=en"); !strings.Contains(en, "District roll-up") || strings.Contains(en, "区域汇总") {
		t.Errorf("the English roll-up is not in English")
	}
}
