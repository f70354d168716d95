package web_test

import (
	"bytes"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

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
