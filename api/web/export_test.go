package web_test

import (
	"bytes"
	"encoding/csv"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/allymatch/allymatch/matcher/bundle"
)

// TestExportsSafeToOpen: texts that units wrote as formulas (a title
// =HYPERLINK(…), a unit name @SUM(…), a phone number +86 …) are exported as
// text in every CSV and xlsx export: a ' in front in CSV, a string cell in
// the text format in xlsx; numbers stay numbers.
func TestExportsSafeToOpen(t *testing.T) {
	ts, _ := newServer(t)
	for _, req := range []struct{ method, path, body string }{
		{"PATCH", "/v1/items/LH-D01", `{"title":"=HYPERLINK(\"http://x\",\"点我\")"}`},
		{"PATCH", "/v1/items/LH-D09", `{"title":"+86 138 0000 0000"}`},
		{"PATCH", "/v1/items/LH-D10", `{"title":"-1"}`},
		{"PATCH", "/v1/units/lh-school", `{"name":"@SUM(A1)"}`},
	} {
		r, _ := http.NewRequest(req.method, ts.URL+req.path, strings.NewReader(req.body))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Authorization", "Bearer "+testAdmin)
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s %s = %d", req.method, req.path, resp.StatusCode)
		}
	}
	coord := newBrowser(t, ts.URL)
	coord.login(makeToken(t, ts.URL, `{"role":"coordinator","alliance":"lh"}`))
	get := func(file string) []byte {
		resp, err := coord.c.Get(ts.URL + "/ui/meetings/lh/export/" + file)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("export %s: %d", file, resp.StatusCode)
		}
		return data
	}
	number := func(s string) bool { _, err := strconv.ParseFloat(s, 64); return err == nil }
	seen := map[string]bool{} // texts found, as written
	for _, what := range []string{"proposals", "claims", "unmet", "report"} {
		rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(get(what+".csv"), []byte("\ufeff")))).ReadAll()
		if err != nil {
			t.Fatalf("%s.csv: %v", what, err)
		}
		for _, row := range rows {
			for _, cell := range row {
				seen["csv "+cell] = true
				if bundle.FormulaLike(cell) && !number(cell) {
					t.Errorf("%s.csv has the live formula %q", what, cell)
				}
			}
		}
		f, err := excelize.OpenReader(bytes.NewReader(get(what + ".xlsx")))
		if err != nil {
			t.Fatalf("%s.xlsx: %v", what, err)
		}
		for _, sheet := range f.GetSheetList() {
			rows, _ := f.GetRows(sheet, excelize.Options{RawCellValue: true})
			for r, row := range rows {
				for c, v := range row {
					seen["xlsx "+v] = true
					cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
					formula, _ := f.GetCellFormula(sheet, cell)
					typ, _ := f.GetCellType(sheet, cell)
					id, _ := f.GetCellStyle(sheet, cell)
					style, _ := f.GetStyle(id)
					if formula != "" || typ == excelize.CellTypeFormula {
						t.Errorf("%s.xlsx %s is the formula %q", what, cell, formula)
					}
					if bundle.FormulaLike(v) && !number(v) && (style == nil || style.NumFmt != 49) {
						t.Errorf("%s.xlsx %s %q is not in the text format", what, cell, v)
					}
				}
			}
		}
		f.Close()
	}
	for _, want := range []string{
		`csv '=HYPERLINK("http://x","点我")`, `xlsx =HYPERLINK("http://x","点我")`,
		"csv '@SUM(A1)", "xlsx @SUM(A1)",
	} {
		if !seen[want] {
			t.Errorf("no export holds %s", want)
		}
	}
}
