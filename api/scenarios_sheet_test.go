package api

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/scenario"
)

// The Banan planner's sheet: the Red Cross joins the waterway meeting and
// its relief stock drops to 100.
const redCrossSheetCSV = "\ufeff操作,成员单位,加入联盟,条目,数量\r\n修改成员单位,bn-redcross,bn-water,,\r\n修改数量,,,BN-R10,１００\r\n"

const redCrossEdits = `[{"op":"set_unit","unit":"bn-redcross","alliances":["bn-water"]},{"op":"set_quantity","item":"BN-R10","quantity":100}]`

// multipartSheet is a desk's upload: the file and the form's values.
func multipartSheet(t *testing.T, file string, data []byte, values map[string]string) (string, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range values {
		if err := w.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	fw, err := w.CreateFormFile("file", file)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	w.Close()
	return w.FormDataContentType(), buf.String()
}

// The dry run previews (the edits the JSON API takes, by row; no problem;
// nothing stored); without it the sheet makes the scenario POST
// /v1/scenarios makes of the same edits, answered alike.
func TestScenarioSheetRoute(t *testing.T) {
	ts := newTestServer(t)
	before := ts.fingerprint()
	rec := ts.doAs(http.MethodPost, "/v1/scenarios/sheet?dry_run=1&scope=bn-district,bn-water", testAdmin, "text/csv", redCrossSheetCSV)
	if rec.Code != 200 {
		t.Fatalf("dry run: %d %s", rec.Code, rec.Body)
	}
	var preview struct {
		Edits []struct {
			Row  int
			Edit json.RawMessage
		}
		Problems []json.RawMessage
	}
	decodeBody(t, rec, &preview)
	var edits []json.RawMessage
	for i, e := range preview.Edits {
		if e.Row != i+2 {
			t.Errorf("edit %d at row %d", i, e.Row)
		}
		edits = append(edits, e.Edit)
	}
	if got, _ := json.Marshal(edits); string(got) != redCrossEdits || len(preview.Problems) != 0 {
		t.Errorf("the preview: %s", rec.Body)
	}
	if ts.fingerprint() != before {
		t.Fatal("the dry run stored something")
	}

	ctype, body := multipartSheet(t, "红十字会.csv", []byte(redCrossSheetCSV), map[string]string{"scope": "bn-district,bn-water", "name": "红十字会加入水上联席会"})
	bySheet := ts.doAs(http.MethodPost, "/v1/scenarios/sheet", testAdmin, ctype, body)
	byJSON := ts.do(http.MethodPost, "/v1/scenarios", testAdmin, `{"scope":["bn-district","bn-water"],"name":"红十字会加入水上联席会","edits":`+redCrossEdits+`}`)
	if bySheet.Code != 201 || byJSON.Code != 201 {
		t.Fatalf("sheet %d %s; JSON %d %s", bySheet.Code, bySheet.Body, byJSON.Code, byJSON.Body)
	}
	strip := regexp.MustCompile(`"(id|created|scenario)":"[^"]*"`)
	if a, b := strip.ReplaceAllString(bySheet.Body.String(), ""), strip.ReplaceAllString(byJSON.Body.String(), ""); a != b {
		t.Errorf("the sheet's scenario differs from the JSON's:\n%s\n%s", a, b)
	}
	if !strings.Contains(bySheet.Body.String(), `"touched":["bn-district","bn-water"]`) {
		t.Errorf("the scenario: %s", bySheet.Body)
	}
}

// A bad sheet is refused with every problem listed by cell and field, in
// Chinese when asked; its dry run lists them with row, column and letter;
// nothing is stored; a body that is not a sheet is a 415.
func TestScenarioSheetProblems(t *testing.T) {
	ts := newTestServer(t)
	const bad = "操作,条目,数量,颜色\n修改数量,BN-R10,一百,\n修改数量,ZZ-NONE,100,\n改名字,,,\n"
	before := ts.fingerprint()
	rec := ts.doAs(http.MethodPost, "/v1/scenarios/sheet?scope=bn-district", testAdmin, "text/csv", bad)
	var p Problem
	decodeBody(t, rec, &p)
	var fields []string
	for _, q := range p.Problems {
		fields = append(fields, q.Field)
	}
	if rec.Code != 400 || strings.Join(fields, " ") != "D1 C2.quantity B3.item A4.op" {
		t.Errorf("a bad sheet: %d %v %s", rec.Code, fields, rec.Body)
	}
	req := httptest.NewRequest(http.MethodPost, "/v1/scenarios/sheet?scope=bn-district&dry_run=1", strings.NewReader(bad))
	req.Header.Set("Content-Type", "text/csv")
	req.Header.Set("Authorization", "Bearer "+testAdmin)
	req.Header.Set("Accept-Language", "zh-CN")
	zh := httptest.NewRecorder()
	ts.Handler().ServeHTTP(zh, req)
	var preview struct {
		Problems []sheetProblem
	}
	decodeBody(t, zh, &preview)
	if zh.Code != 200 || len(preview.Problems) != 4 {
		t.Fatalf("the dry run: %d %s", zh.Code, zh.Body)
	}
	if q := preview.Problems[2]; q.Row != 3 || q.Cell != "B3" || q.Letter != "B" || q.Column != "条目" || q.Field != "item" || q.Code != "not_found" || !strings.Contains(q.Detail, "“条目”列") {
		t.Errorf("the unknown item: %+v", q)
	}
	if ts.fingerprint() != before {
		t.Fatal("a bad sheet stored something")
	}
	if rec := ts.do(http.MethodPost, "/v1/scenarios/sheet?scope=bn-district", testAdmin, `{"edits":[]}`); rec.Code != http.StatusUnsupportedMediaType {
		t.Errorf("JSON: %d %s", rec.Code, rec.Body)
	}
	if rec := ts.doAs(http.MethodPost, "/v1/scenarios/sheet", testAdmin, "text/csv", redCrossSheetCSV); rec.Code != 400 || !strings.Contains(rec.Body.String(), `"field":"scope"`) {
		t.Errorf("no scope: %d %s", rec.Code, rec.Body)
	}
}

// A sheet past the owner's quota is a 409 before its rows are checked, as
// POST /v1/scenarios refuses the same edits: the sheet's problems wait
// until there is room (a full quota is not the sheet's fault, and
// correcting the sheet would not help).
func TestScenarioSheetQuota(t *testing.T) {
	ts := newTestServer(t)
	coord := ts.coordToken("lh")
	for i := range scenario.DefaultMaxPerOwner {
		if rec := ts.do(http.MethodPost, "/v1/scenarios", coord, `{"meeting":"lh"}`); rec.Code != http.StatusCreated {
			t.Fatalf("scenario %d = %d %s", i, rec.Code, rec.Body)
		}
	}
	before := ts.fingerprint()
	for name, sheet := range map[string]string{
		"good": "操作,条目,数量\n修改数量,LH-R12,70\n",
		"bad":  "操作,条目,数量\n修改数量,LH-R12,七十\n",
	} {
		rec := ts.doAs(http.MethodPost, "/v1/scenarios/sheet?meeting=lh", coord, "text/csv", sheet)
		var p Problem
		decodeBody(t, rec, &p)
		if rec.Code != http.StatusConflict || p.Code != matcher.ECONFLICT || !strings.Contains(p.Detail, "too many scenarios") {
			t.Errorf("a %s sheet past the quota = %d %s, want 409", name, rec.Code, rec.Body)
		}
	}
	if ts.fingerprint() != before {
		t.Fatal("a refused sheet stored something")
	}
	// The dry run still previews: it keeps nothing.
	if rec := ts.doAs(http.MethodPost, "/v1/scenarios/sheet?meeting=lh&dry_run=1", coord, "text/csv", "操作,条目,数量\n修改数量,LH-R12,七十\n"); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"cell":"C2","column":"数量","letter":"C","field":"quantity"`) {
		t.Errorf("the dry run past the quota = %d %s", rec.Code, rec.Body)
	}
}
