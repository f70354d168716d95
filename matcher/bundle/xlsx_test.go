package bundle_test

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/allymatch/allymatch/matcher/bundle"
)

func xlsxBytes(t *testing.T, sheets []bundle.Sheet) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := bundle.WriteXLSX(&buf, sheets); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestXLSXRoundTrip(t *testing.T) {
	data := xlsxBytes(t, []bundle.Sheet{
		{Name: "需求清单", Header: []string{"编号", "单位", "类别", "名称", "标签", "数量", "开始", "结束", "优先级"},
			Rows: [][]any{
				{"D1", "lh-school", "护学", "晚自习护送\n学生", "护学、夜间", 6, "2026-12-01 21:00", 46407.75, "高"},
				{"D2", "lh-school", "escort", "周末护送", nil, "3", nil, nil, 2},
			}},
		{Name: "说明", Header: []string{"notes"}, Rows: [][]any{{"skipped"}}},
		{Name: "longhua-units", Header: []string{"id", "name", "kind", "grid"}, Rows: [][]any{{"u1", "单位一", "学校", "g1"}}},
	})
	b, err := bundle.DecodeXLSX("lists.xlsx", data, bundle.DefaultXLSXLimits)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Items) != 2 || len(b.Units) != 1 {
		t.Fatalf("got %d items, %d units; want 2, 1", len(b.Items), len(b.Units))
	}
	d := b.Items[0]
	if d.Title != "晚自习护送 学生" || d.Quantity != 6 || len(d.Tags) != 2 || d.Priority != 4 {
		t.Errorf("item 0 = %+v", d)
	}
	if len(d.Windows) != 1 || d.Windows[0].To.Format("2006-01-02 15:04") != "2027-01-20 18:00" {
		t.Errorf("windows = %+v, want a serial date read as 2027-01-20 18:00", d.Windows)
	}
	if b.Units[0].Kind != "school" {
		t.Errorf("unit kind = %q, want school", b.Units[0].Kind)
	}
	if l, ok := b.Source("items", 1); !ok || l.String() != "lists.xlsx[需求清单]:3" {
		t.Errorf("source of items[1] = %v, want lists.xlsx[需求清单]:3", l)
	}
}

func TestXLSXProblems(t *testing.T) {
	data := xlsxBytes(t, []bundle.Sheet{
		{Name: "资源清单", Header: []string{"编号", "单位", "类别", "名称", "数量"},
			Rows: [][]any{{"R1", "u1", "场地", "会议室", "很多"}}},
		{Name: "Sheet9", Header: []string{"x"}},
	})
	_, err := bundle.DecodeXLSX("r.xlsx", data, bundle.DefaultXLSXLimits)
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	for _, want := range []string{"r.xlsx[资源清单]:2:5", "quantity", `unknown sheet "Sheet9"`} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not mention %q", msg, want)
		}
	}
}

func TestXLSXTemplate(t *testing.T) {
	data := xlsxBytes(t, bundle.TemplateSheets())
	b, err := bundle.DecodeXLSX("template.xlsx", data, bundle.DefaultXLSXLimits)
	if err != nil {
		t.Fatalf("the empty template does not read back: %v", err)
	}
	if b.Len() != 0 {
		t.Errorf("the template holds %d records", b.Len())
	}
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); len(got) != 6 || got[0] != "需求清单" || got[5] != "_lists" {
		t.Errorf("sheets = %v", got)
	}
	if v, _ := f.GetSheetVisible("_lists"); v {
		t.Error("the sheet of drop-down lists is visible")
	}
	// An example row per list, and drop-downs for category, priority,
	// level (the lists) and unit kind (the units).
	for sheet, cols := range map[string][]string{"需求清单": {"类别", "优先级", "层级"}, "资源清单": {"类别", "优先级", "层级"}, "成员单位": {"类型"}} {
		rows, _ := f.GetRows(sheet)
		if len(rows) < 2 || rows[1][0] != "示例" {
			t.Errorf("%s: no example row: %v", sheet, rows)
			continue
		}
		dvs, _ := f.GetDataValidations(sheet)
		for _, c := range cols {
			i := slices.Index(rows[0], c)
			name, _ := excelize.ColumnNumberToName(i + 1)
			if !slices.ContainsFunc(dvs, func(dv *excelize.DataValidation) bool {
				return strings.HasPrefix(dv.Sqref, name+"2:") && strings.Contains(dv.Formula1, "_lists!")
			}) {
				t.Errorf("%s: no drop-down list in column %s (%s)", sheet, c, name)
			}
		}
	}
}

func TestXLSXLimits(t *testing.T) {
	data := xlsxBytes(t, bundle.TemplateSheets())
	for _, tc := range []struct {
		lim  bundle.XLSXLimits
		want string
	}{
		{bundle.XLSXLimits{File: 100}, "more than the limit of 100"},
		{bundle.XLSXLimits{Entry: 100}, "unzips to"},
		{bundle.XLSXLimits{Total: 1000}, "more than the limit of 1000 bytes"},
		{bundle.XLSXLimits{Entries: 2}, "entries"},
	} {
		_, err := bundle.DecodeXLSX("t.xlsx", data, tc.lim)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("limits %+v: err = %v, want %q", tc.lim, err, tc.want)
		}
	}
	// A zip bomb: one entry declaring 1 GiB is refused before unzipping.
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("xl/worksheets/sheet1.xml")
	zeros := make([]byte, 1<<20)
	for range 200 {
		w.Write(zeros)
	}
	zw.Close()
	if _, err := bundle.DecodeXLSX("bomb.xlsx", buf.Bytes(), bundle.DefaultXLSXLimits); err == nil || !strings.Contains(err.Error(), "unzips to") {
		t.Errorf("zip bomb: err = %v", err)
	}
	if _, err := bundle.DecodeXLSX("x.xlsx", []byte("not a zip"), bundle.DefaultXLSXLimits); err == nil || !strings.Contains(err.Error(), "not an .xlsx") {
		t.Errorf("not a zip: err = %v", err)
	}
}

// TestReadPathXLSX: a folder (or a file) given to allymatch load may hold
// a workbook of the lists.
func TestReadPathXLSX(t *testing.T) {
	dir := t.TempDir()
	data := xlsxBytes(t, []bundle.Sheet{{Name: "资源清单", Header: []string{"编号", "单位", "类别", "名称", "数量"},
		Rows: [][]any{{"R1", "lh-bank", "物资", "粮油", 100}}}})
	if err := os.WriteFile(filepath.Join(dir, "longhua.xlsx"), data, 0o600); err != nil {
		t.Fatal(err)
	}
	b, err := bundle.ReadPath(dir)
	if err != nil {
		t.Fatalf("ReadPath = %v", err)
	}
	if len(b.Items) != 1 || b.Items[0].ID != "R1" || b.Items[0].Kind != "resource" || b.Items[0].Quantity != 100 {
		t.Errorf("items = %+v, want resource R1 of 100", b.Items)
	}
	if _, err := bundle.ReadPath(filepath.Join(dir, "longhua.xlsx")); err != nil {
		t.Errorf("ReadPath(file) = %v", err)
	}
}
