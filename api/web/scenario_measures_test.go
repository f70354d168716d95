package web_test

import (
	"bytes"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

var compareRowRe = regexp.MustCompile(`(?s)<tr class="measure( changed)?" data-measure="([^"]*)"[^>]*>.*?data-label="当前方案">(\d+)</td><td class="num" data-label="[^"]*">(\d+)</td><td class="num" data-label="[^"]*">(\d+)</td>`)

var measureRowRe = regexp.MustCompile(`(?s)<tr class="measure( changed)?" data-measure="([^"]*)"[^>]*>.*?data-label="当前方案">(\d+)<br>.*?data-label="推演方案">(\d+)<br>`)

// TestScenarioMeasuresOverTheDistrict: the Red Cross joins the waterway
// meeting over the whole district; the scenario's page compares the
// quantity met measure by measure from every meeting's plan (a scope diff
// has no one plan): the relief stock serves the waterway's demand, 0 → 200
// 件, first of the measures as the one that changes, and nothing else
// moves. The .xlsx has the same lines for the scope and for the meeting
// that changes, and no measure is added to another.
func TestScenarioMeasuresOverTheDistrict(t *testing.T) {
	ts, _ := newServer(t)
	b := newBrowser(t, ts.URL)
	b.login(testAdmin)
	b.get("/ui/meetings/bn-water")
	code, body := b.post("/ui/meetings/bn-water/whatif", url.Values{"csrf": {b.csrf()}, "op": {"set_unit"}, "op_unit": {"红十字会"},
		"op_alliances": {"bn-water"}, "below": {"all"}, "name": {"红十字会加入水上联席会"}})
	m := scenarioRe.FindStringSubmatch(body)
	if code != 200 || m == nil {
		t.Fatalf("the Red Cross joining: %d %s", code, formErrorOf(body))
	}
	rows := measureRowRe.FindAllStringSubmatch(body, -1)
	if len(rows) < 5 {
		t.Fatalf("the scope scenario's page has %d measure rows: %.3000s", len(rows), body[strings.Index(body, `id="totals"`):])
	}
	if r := rows[0]; r[2] != "件" || r[3] != "0" || r[4] != "200" || r[1] == "" {
		t.Errorf("the first measure row is %q %s → %s, want 件 0 → 200, changed", r[2], r[3], r[4])
	}
	seen := map[string]bool{}
	for _, r := range rows[1:] {
		if r[1] != "" || r[3] != r[4] {
			t.Errorf("measure %s changes too: %s → %s", r[2], r[3], r[4])
		}
		if seen[r[2]] {
			t.Errorf("measure %s has two rows", r[2])
		}
		seen[r[2]] = true
	}

	_, data := b.get("/ui/scenarios/" + m[1] + "/export.xlsx")
	f, err := excelize.OpenReader(bytes.NewReader([]byte(data)))
	if err != nil {
		t.Fatal(err)
	}
	sheet, err := f.GetRows("各计量单位满足量")
	if err != nil || len(sheet) < 2 || sheet[0][1] != "计量单位" {
		t.Fatalf("the measures sheet: %v %v", err, sheet)
	}
	delta := map[string]map[string]int{} // scope or meeting → measure → change
	for _, r := range sheet[1:] {
		if delta[r[0]] == nil {
			delta[r[0]] = map[string]int{}
		}
		live, _ := strconv.Atoi(r[3])
		after, _ := strconv.Atoi(r[4])
		d, _ := strconv.Atoi(r[5])
		if after-live != d {
			t.Errorf("row %v: %d − %d is not %d", r, after, live, d)
		}
		delta[r[0]][r[1]] = d
	}
	var scope string
	for name := range delta {
		if strings.Contains(name, "巴南区党建联席会") && strings.Contains(name, "巴南区水上党建联席会") {
			scope = name
		}
	}
	if scope == "" || delta[scope]["件"] != 200 || len(delta[scope]) != len(rows) {
		t.Errorf("the scope's lines %v (of %q), want 件 +200 and one line per measure of the page", delta[scope], scope)
	}
	if w := delta["巴南区水上党建联席会"]; w["件"] != 200 {
		t.Errorf("the waterway meeting's lines %v, want 件 +200", w)
	}
	for measure, d := range delta[scope] {
		sum := 0
		for name, lines := range delta {
			if name != scope {
				sum += lines[measure]
			}
		}
		if sum != d {
			t.Errorf("measure %s changes by %d over the scope and by %d in its meetings", measure, d, sum)
		}
	}
}

// TestCompareExport: two scenarios of one scope side by side as .xlsx,
// with the compare page's access: the owner reads it; a scenario of
// another scope or none named is refused; another community's
// coordinator, and a scenario of another community (answered as absent)
// get 404; the district's coordinator reads the comparison of two shared
// scenarios only.
func TestCompareExport(t *testing.T) {
	ts, _ := newServer(t)
	b := newBrowser(t, ts.URL)
	b.login(testAdmin)
	scenarioOf := func(meeting string, form url.Values) string {
		t.Helper()
		b.get("/ui/meetings/" + meeting)
		form.Set("csrf", b.csrf())
		_, body := b.post("/ui/meetings/"+meeting+"/whatif", form)
		m := scenarioRe.FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("a scenario of %s: %s", meeting, formErrorOf(body))
		}
		return m[1]
	}
	all := url.Values{"below": {"all"}}
	join := scenarioOf("bn-water", url.Values{"op": {"set_unit"}, "op_unit": {"红十字会"}, "op_alliances": {"bn-water"}, "below": all["below"], "name": {"红十字会加入水上联席会"}})
	less := scenarioOf("bn-water", url.Values{"op": {"set_quantity"}, "op_item": {"BN-R10"}, "op_quantity": {"100"}, "below": all["below"], "name": {"救灾物资降至100件"}})
	lh := scenarioOf("lh", url.Values{"qty_item": {"LH-R05"}, "qty": {"220"}})

	code, body := b.get("/ui/scenarios/" + join + "/compare/" + less)
	if code != 200 || !strings.Contains(body, `href="/ui/scenarios/`+join+`/compare.xlsx?with=`+less+`"`) {
		t.Fatalf("the compare page does not link its .xlsx: %d", code)
	}
	// The quantities met, measure by measure: live, with the Red Cross in
	// the waterway meeting, with the stock at 100.
	rows := compareRowRe.FindAllStringSubmatch(body, -1)
	if len(rows) < 5 || rows[0][2] != "件" || rows[0][1] == "" || rows[0][3] != "0" || rows[0][4] != "200" || rows[0][5] != "0" {
		t.Errorf("the compare page's first measure rows: %q", rows[:min(len(rows), 2)])
	}
	for _, r := range rows[1:] {
		if r[1] != "" || r[4] != r[5] {
			t.Errorf("measure %s differs too: %q", r[2], r)
		}
	}
	code, data := b.get("/ui/scenarios/" + join + "/compare.xlsx?with=" + less)
	if code != 200 || !strings.HasPrefix(data, "PK") {
		t.Fatalf("compare.xlsx: %d", code)
	}
	f, err := excelize.OpenReader(bytes.NewReader([]byte(data)))
	if err != nil {
		t.Fatal(err)
	}
	if sheets := f.GetSheetList(); strings.Join(sheets, "|") != "推演内容|总体比较|各计量单位满足量|方案不同的需求" {
		t.Errorf("sheets %v", sheets)
	}
	measures, _ := f.GetRows("各计量单位满足量")
	if len(measures) < 3 || measures[1][1] != "件" || measures[1][4] != "200" || measures[1][5] != "0" || measures[1][6] != "-200" {
		t.Errorf("the measures sheet: %v", measures[:min(len(measures), 3)])
	}
	edits, _ := f.GetRows("推演内容")
	if len(edits) != 3 || edits[1][0] != join || !strings.Contains(edits[1][3], "红十字会") || edits[2][0] != less {
		t.Errorf("the edits sheet: %v", edits)
	}
	totals, _ := f.GetRows("总体比较")
	if len(totals) < 3 || !strings.Contains(totals[0][2], join) || totals[2][0] != "巴南区水上党建联席会" {
		t.Errorf("the totals sheet: %v", totals)
	}
	demands, _ := f.GetRows("方案不同的需求")
	found := false
	for _, r := range demands[1:] {
		if r[0] == "巴南区水上党建联席会" && r[4] == "200" && r[5] == "0" && r[7] == "件" {
			found = true
		}
	}
	if !found {
		t.Errorf("the demands sheet has no waterway demand met 200 件 with the Red Cross and 0 without: %v", demands)
	}

	for _, c := range []struct{ who, path string }{
		{"admin", "/ui/scenarios/" + join + "/compare.xlsx?with=" + lh},
		{"admin", "/ui/scenarios/" + join + "/compare.xlsx"},
		{"admin", "/ui/scenarios/" + join + "/compare.xlsx?with=sc-nope"},
	} {
		if code, _ := b.get(c.path); code == 200 {
			t.Errorf("%s %s = %d", c.who, c.path, code)
		}
	}
	tw := newBrowser(t, ts.URL)
	tw.login(makeToken(t, ts.URL, `{"role":"coordinator","alliance":"tw"}`))
	if code, _ := tw.get("/ui/scenarios/" + join + "/compare.xlsx?with=" + less); code != http.StatusNotFound {
		t.Errorf("tw's coordinator: %d", code)
	}
	coord := newBrowser(t, ts.URL)
	coord.login(makeToken(t, ts.URL, `{"role":"coordinator","alliance":"lh"}`))
	mine := func() string {
		coord.get("/ui/meetings/lh")
		_, body := coord.post("/ui/meetings/lh/whatif", url.Values{"csrf": {coord.csrf()}, "qty_item": {"LH-R12"}, "qty": {"76"}})
		return scenarioRe.FindStringSubmatch(body)[1]
	}()
	// The admin's scenario of lh is lh's coordinator's to read; tw's is not.
	if code, _ := coord.get("/ui/scenarios/" + mine + "/compare.xlsx?with=" + lh); code != 200 {
		t.Errorf("lh's coordinator with the admin's scenario of lh: %d", code)
	}
	tw.get("/ui/meetings/tw")
	_, body = tw.post("/ui/meetings/tw/whatif", url.Values{"csrf": {tw.csrf()}, "remove_unit": {"tw-company"}})
	theirs := scenarioRe.FindStringSubmatch(body)[1]
	if code, _ := coord.get("/ui/scenarios/" + mine + "/compare.xlsx?with=" + theirs); code != http.StatusNotFound {
		t.Errorf("lh's coordinator with tw's scenario: %d", code)
	}
	if code, _ := tw.get("/ui/scenarios/" + theirs + "/compare.xlsx?with=" + mine); code != http.StatusNotFound {
		t.Errorf("tw's coordinator with lh's scenario: %d", code)
	}

	district := newBrowser(t, ts.URL)
	district.login(makeToken(t, ts.URL, `{"role":"coordinator","alliance":"bn-district"}`))
	if code, _ := district.get("/ui/scenarios/" + join + "/compare.xlsx?with=" + less); code != http.StatusNotFound {
		t.Errorf("the district's coordinator, nothing shared: %d", code)
	}
	for _, id := range []string{join, less} {
		b.get("/ui/scenarios/" + id)
		if code, _ := b.post("/ui/scenarios/"+id+"/share", url.Values{"csrf": {b.csrf()}, "shared": {"1"}}); code != 200 {
			t.Fatalf("share %s: %d", id, code)
		}
	}
	if code, _ := district.get("/ui/scenarios/" + join + "/compare.xlsx?with=" + less); code != 200 {
		t.Errorf("the district's coordinator, both shared: %d", code)
	}
}
