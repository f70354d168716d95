package bundle

import (
	"bytes"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/allymatch/allymatch/matcher"
)

// Sheets as people keep them: a title above the header, a 序号 column,
// full-width digits, Chinese unit kinds the vocabulary does not have yet.
func TestSheetsAsTheyAre(t *testing.T) {
	csvText := "龙华社区需求清单（2026年12月）,,,,,,\n" +
		",,,,,,\n" +
		"序号,编号,单位,类别,名称,数量,优先级\n" +
		"1,LH-X1,龙洲湾中学,护学,周末护送,４０,５\n" +
		"2,LH-X2,lh-school,护学,寒假护送,１２,高\n"
	b, err := DecodeCSV("需求清单.csv", CSVDemands, []byte(csvText))
	if err != nil {
		t.Fatalf("DecodeCSV: %v", err)
	}
	if len(b.Items) != 2 {
		t.Fatalf("%d items, want 2", len(b.Items))
	}
	if it := b.Items[0]; it.ID != "LH-X1" || it.Unit != "龙洲湾中学" || it.Quantity != 40 || it.Priority != 5 {
		t.Errorf("first row: %+v", it)
	}
	if l, _ := b.Source("items", 1); l.Line != 5 {
		t.Errorf("second row at line %d, want 5 (the file's own)", l.Line)
	}

	units := "序号,编号,名称,类型,网格\n1,U1,龙华家常菜馆,餐饮,g1\n2,U2,龙华物业,物业,g1\n3,U3,龙华小学,学校,g1\n"
	b, err = DecodeCSV("成员单位.csv", CSVUnits, []byte(units))
	if err != nil {
		t.Fatalf("units: %v", err)
	}
	for i, want := range []matcher.UnitKind{"餐饮", "物业", matcher.KindSchool} {
		if b.Units[i].Kind != want || b.Units[i].Validate() != nil {
			t.Errorf("unit %d: kind %q (%v), want %q", i, b.Units[i].Kind, b.Units[i].Validate(), want)
		}
	}

	// A workbook whose list sheet has a merged title row.
	f := excelize.NewFile()
	f.SetSheetName("Sheet1", "资源清单")
	f.SetSheetRow("资源清单", "A1", &[]any{"龙华社区资源清单"})
	f.MergeCell("资源清单", "A1", "F1")
	f.SetSheetRow("资源清单", "A2", &[]any{"序号", "编号", "单位", "类别", "名称", "数量"})
	f.SetSheetRow("资源清单", "A3", &[]any{1, "LH-RX", "lh-bank", "资金", "助学金", "８０００"})
	f.SetSheetRow("资源清单", "A4", &[]any{2, "LH-RY", "lh-bank", "资金", "奖学金", "很多"})
	var buf bytes.Buffer
	f.WriteTo(&buf)
	b, err = DecodeXLSX("lists.xlsx", buf.Bytes(), DefaultXLSXLimits)
	if err == nil || !strings.Contains(err.Error(), "lists.xlsx[资源清单]:4:6") {
		t.Fatalf("DecodeXLSX: %v, want the bad quantity at row 4, column 6", err)
	}
	// The rows come back with the problems, for a preview to check too.
	if b == nil || len(b.Items) != 2 || b.Items[0].Quantity != 8000 {
		t.Errorf("partial bundle: %+v", b)
	}
}
