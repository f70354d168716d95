package bundle_test

import (
	"bytes"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/allymatch/allymatch/matcher/bundle"
)

func TestCSVCell(t *testing.T) {
	cases := []struct {
		givenText  string
		expectCell string
	}{
		{`=HYPERLINK("http://x","点我")`, `'=HYPERLINK("http://x","点我")`},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"+86 138 0000 0000", "'+86 138 0000 0000"},
		{"-1", "'-1"},
		{"\t=1", "'\t=1"},
		{"\r=1", "'\r=1"},
		{"'=已经加了引号", "''=已经加了引号"},
		{"''两个引号", "'''两个引号"},
		{"'引号开头", "'引号开头"},
		{"'", "'"},
		{"晚自习放学护送学生回家", "晚自习放学护送学生回家"},
		{"a=b", "a=b"},
		{"", ""},
	}
	for _, tc := range cases {
		if got := bundle.CSVCell(tc.givenText); got != tc.expectCell {
			t.Errorf("CSVCell(%q) = %q, want %q", tc.givenText, got, tc.expectCell)
		}
		if got := bundle.UnquoteCSVCell(tc.expectCell); got != tc.givenText {
			t.Errorf("UnquoteCSVCell(%q) = %q, want %q", tc.expectCell, got, tc.givenText)
		}
	}
}

// dangerous are texts a spreadsheet program would take for formulas.
var dangerous = []string{`=HYPERLINK("http://x","点我")`, "@SUM(A1)", "+86 138 0000 0000", "-1", "\t=1", "\r=1"}

func TestWriteCSV(t *testing.T) {
	sh := bundle.Sheet{Header: []string{"名称", "数量", "得分"}, Rows: [][]any{
		{dangerous[0], -5, 2.5},
		{"@SUM(A1)", int64(3), nil},
		{"+86 138 0000 0000", 0, "-1"},
		{"\t=1", 1, "普通"},
	}}
	var buf bytes.Buffer
	if err := bundle.WriteCSV(&buf, sh); err != nil {
		t.Fatal(err)
	}
	want := "\ufeff名称,数量,得分\r\n" +
		`"'=HYPERLINK(""http://x"",""点我"")",-5,2.5` + "\r\n" +
		"'@SUM(A1),3,\r\n" +
		"'+86 138 0000 0000,0,'-1\r\n" +
		"'\t=1,1,普通\r\n"
	if buf.String() != want {
		t.Errorf("WriteCSV =\n%q\nwant\n%q", buf.String(), want)
	}
}

// TestWriteXLSXFormulas: formula-like texts are string cells in the text
// number format, with the text unchanged; numbers stay numbers.
func TestWriteXLSXFormulas(t *testing.T) {
	rows := [][]any{{"晚自习放学护送学生回家", -5}}
	for _, s := range dangerous {
		rows = append(rows, []any{s, 1})
	}
	var buf bytes.Buffer
	if err := bundle.WriteXLSX(&buf, []bundle.Sheet{{Name: "导出", Header: []string{"名称", "数量"}, Rows: rows}}); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for r, row := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, r+2)
		want := row[0].(string)
		got, _ := f.GetCellValue("导出", cell, excelize.Options{RawCellValue: true})
		formula, _ := f.GetCellFormula("导出", cell)
		typ, _ := f.GetCellType("导出", cell)
		styleID, _ := f.GetCellStyle("导出", cell)
		style, _ := f.GetStyle(styleID)
		text := style != nil && style.NumFmt == 49
		if got != want || formula != "" || typ == excelize.CellTypeFormula || text != bundle.FormulaLike(want) {
			t.Errorf("%s = %q (formula %q, type %v, text format %v), want %q as a string cell, text format %v", cell, got, formula, typ, text, want, bundle.FormulaLike(want))
		}
	}
	if typ, _ := f.GetCellType("导出", "B2"); typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber {
		t.Errorf("B2 (-5) has type %v, want a number", typ)
	}
	if v, _ := f.GetCellValue("导出", "B2"); v != "-5" {
		t.Errorf("B2 = %q, want -5", v)
	}
}

// TestSpreadsheetRoundTrip: a list written by WriteCSV or WriteXLSX reads
// back with its texts as they were, formula-like or not.
func TestSpreadsheetRoundTrip(t *testing.T) {
	titles := []string{`=HYPERLINK("http://x","点我")`, "@SUM(A1)", "+86 138 0000 0000", "-1", "'=已经加了引号", "''两个引号", "'引号开头", "晚自习放学护送学生回家"}
	descriptions := []string{"\t=1", "-1", "", "=1+1", "@", "+", "'", "普通说明"}
	head := bundle.TemplateSheets()[0] // 需求清单: 序号, 编号, 单位, 类别, 名称, 说明, …, 数量, …
	sh := bundle.Sheet{Name: head.Name, Header: head.Header}
	for i, title := range titles {
		row := make([]any, len(head.Header))
		row[0], row[1], row[2], row[3], row[4], row[5], row[7] = i+1, "D"+string(rune('0'+i)), "lh-school", "护学", title, descriptions[i], 2
		sh.Rows = append(sh.Rows, row)
	}
	read := map[string]func() (*bundle.Bundle, error){
		"csv": func() (*bundle.Bundle, error) {
			var buf bytes.Buffer
			if err := bundle.WriteCSV(&buf, sh); err != nil {
				return nil, err
			}
			return bundle.DecodeCSV("需求清单.csv", bundle.CSVDemands, buf.Bytes())
		},
		"xlsx": func() (*bundle.Bundle, error) {
			var buf bytes.Buffer
			if err := bundle.WriteXLSX(&buf, []bundle.Sheet{sh}); err != nil {
				return nil, err
			}
			return bundle.DecodeXLSX("清单.xlsx", buf.Bytes(), bundle.DefaultXLSXLimits)
		},
	}
	for name, readBack := range read {
		t.Run(name, func(t *testing.T) {
			b, err := readBack()
			if err != nil {
				t.Fatal(err)
			}
			if len(b.Items) != len(titles) {
				t.Fatalf("read %d items, wrote %d", len(b.Items), len(titles))
			}
			for i, it := range b.Items {
				if it.Title != titles[i] || it.Description != descriptions[i] || it.Quantity != 2 {
					t.Errorf("item %d = %q, %q, %d; want %q, %q, 2", i, it.Title, it.Description, it.Quantity, titles[i], descriptions[i])
				}
			}
		})
	}
}

// FuzzCSVCell: UnquoteCSVCell gives back every text CSVCell wrote, and what
// CSVCell writes is never formula-like.
func FuzzCSVCell(f *testing.F) {
	for _, s := range append(dangerous, "'", "''", "'=", "普通", "") {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cell := bundle.CSVCell(s)
		if back := bundle.UnquoteCSVCell(cell); back != s {
			t.Fatalf("UnquoteCSVCell(CSVCell(%q)) = %q", s, back)
		}
		if bundle.FormulaLike(cell) {
			t.Fatalf("CSVCell(%q) = %q is formula-like", s, cell)
		}
	})
}
