package bundle

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/allymatch/allymatch/matcher"
)

// XLSXLimits bound a spreadsheet before and while it is opened: the file
// itself, each zip entry and all entries once unzipped, and the number of
// entries. A .xlsx file is a zip archive, so a small upload can unzip to
// gigabytes; the declared sizes are checked before anything is unzipped
// (archive/zip refuses an entry that inflates past its declared size).
type XLSXLimits struct {
	File    int64 // bytes of the .xlsx file
	Entry   int64 // uncompressed bytes of one zip entry
	Total   int64 // uncompressed bytes of all entries
	Entries int   // zip entries
}

// DefaultXLSXLimits suit the lists of a district: 16 MiB files that unzip
// to at most 128 MiB.
var DefaultXLSXLimits = XLSXLimits{File: 16 << 20, Entry: 64 << 20, Total: 128 << 20, Entries: 1000}

// CheckZip checks a zip archive's entries against lim without unzipping
// them.
func CheckZip(data []byte, lim XLSXLimits) error {
	if lim.File > 0 && int64(len(data)) > lim.File {
		return matcher.Errorf(matcher.EINVALID, "the file is %d bytes, more than the limit of %d", len(data), lim.File)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return matcher.Errorf(matcher.EINVALID, "not an .xlsx file (not a zip archive): %v", err)
	}
	if lim.Entries > 0 && len(zr.File) > lim.Entries {
		return matcher.Errorf(matcher.EINVALID, "the archive has %d entries, more than the limit of %d", len(zr.File), lim.Entries)
	}
	var total uint64
	for _, f := range zr.File {
		if lim.Entry > 0 && f.UncompressedSize64 > uint64(lim.Entry) {
			return matcher.Errorf(matcher.EINVALID, "entry %s unzips to %d bytes, more than the limit of %d", f.Name, f.UncompressedSize64, lim.Entry)
		}
		total += f.UncompressedSize64
		if lim.Total > 0 && total > uint64(lim.Total) {
			return matcher.Errorf(matcher.EINVALID, "the archive unzips to more than the limit of %d bytes", lim.Total)
		}
	}
	return nil
}

// SheetKind tells what a sheet holds from its name, as CSVKindOf does for
// file names (需求清单, demands, 资源清单, 项目清单, 成员单位, ...).
func SheetKind(sheet string) (CSVKind, bool) {
	return CSVKindOf(strings.TrimSpace(sheet) + ".csv")
}

// DecodeXLSX decodes a workbook of lists: each sheet named as a CSV file
// would be (需求清单, 资源清单, 项目清单, 成员单位, demands, ...) is read as that
// list, with the same headers and cell values as DecodeCSV; sheets of notes
// (说明, readme) are skipped, any other sheet is a problem. Problems are
// located as "name[sheet]:row:column". Dates typed as spreadsheet dates in
// the from/to columns are read as China Standard Time. On problems the
// rows as far as they read come back with the error, as DecodeCSV's.
func DecodeXLSX(name string, data []byte, lim XLSXLimits) (*Bundle, error) {
	var ps problems
	f, err := OpenXLSX(data, lim)
	if err != nil {
		ps.addErr(Loc{File: name}, "", err)
		return nil, ps.err()
	}
	defer f.Close()
	out := &Bundle{Format: Format}
	lists := 0
	for _, sheet := range f.GetSheetList() {
		if NotesSheet(sheet) {
			continue
		}
		kind, ok := SheetKind(sheet)
		if !ok {
			ps.add(Loc{File: name}, "sheet "+sheet, "", "unknown sheet %q: name it 需求清单, 资源清单, 清单, 项目清单 or 成员单位 (demands, resources, items, projects, units), or 说明 for notes", sheet)
			continue
		}
		lists++
		rows, err := f.GetRows(sheet)
		if err != nil {
			ps.add(Loc{File: name}, "sheet "+sheet, "", "cannot read the sheet: %v", err)
			continue
		}
		text, err := sheetCSV(kind, rows, f.WorkBook != nil && f.WorkBook.WorkbookPr != nil && f.WorkBook.WorkbookPr.Date1904)
		if err != nil {
			ps.add(Loc{File: name}, "sheet "+sheet, "", "%v", err)
			continue
		}
		b, err := DecodeCSV(name+"["+sheet+"]", kind, text)
		if b != nil {
			out.Merge(b)
		}
		if err != nil {
			if be, ok := err.(*Error); ok {
				ps.merge(be)
				continue
			}
			return nil, err
		}
	}
	if lists == 0 && !ps.any() {
		ps.add(Loc{File: name}, "", "", "no list in the workbook: name a sheet 需求清单, 资源清单, 项目清单 or 成员单位")
	}
	if err := ps.err(); err != nil {
		return out, err
	}
	return out, nil
}

// sheetCSV writes a sheet's rows as CSV, one line per row so that the
// lines DecodeCSV reports are the sheet's row numbers. Line breaks inside
// cells become spaces; spreadsheet dates (serial numbers) in the from and to
// columns become "2006-01-02 15:04"; cells go through CSVCell, which
// DecodeCSV undoes, so that each cell reads as it is in the workbook.
func sheetCSV(kind CSVKind, rows [][]string, date1904 bool) ([]byte, error) {
	dateCols := map[int]bool{}
	head := 0
	if len(rows) > 0 {
		head = findHeader(kind, rows)
		cols, _ := mapHeader(kind, rows[head])
		for _, c := range []string{"from", "to"} {
			if i, ok := cols[c]; ok {
				dateCols[i] = true
			}
		}
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	for r, row := range rows {
		rec := make([]string, len(row))
		for i, v := range row {
			v = FlatCell(v)
			if r > head && dateCols[i] {
				v = excelDate(v, date1904)
			}
			if r > head {
				// DecodeCSV drops the ' that protects a formula-like
				// cell; a workbook's cells are taken as they are.
				v = CSVCell(v)
			}
			rec[i] = v
		}
		if len(rec) == 0 {
			rec = []string{""}
		}
		if err := w.Write(rec); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

// excelDate turns a spreadsheet serial date into "2006-01-02 15:04" (or
// "2006-01-02" at midnight); other text is returned as it is.
func excelDate(v string, date1904 bool) string {
	x, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || x <= 0 || x > 2958465 {
		return v
	}
	t, err := excelize.ExcelDateToTime(x, date1904)
	if err != nil {
		return v
	}
	if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 {
		return t.Format("2006-01-02")
	}
	return t.Format("2006-01-02 15:04")
}

// Sheet is one sheet to write: a header row and rows of cells (strings,
// numbers, booleans; nil for an empty cell).
type Sheet struct {
	Name   string
	Header []string
	Rows   [][]any
	// Choices are drop-down lists by column (0-based): a cell of the
	// column offers them, and warns of another value (it may still be
	// kept).
	Choices map[int][]string
}

// textFormat is the number format "@" (text): a cell in it keeps what is
// typed into it as text.
const textFormat = 49

// WriteXLSX writes sheets as one .xlsx workbook: a bold, frozen header row
// and columns wide enough for Chinese text. Text is written as string
// cells, never formulas, and a formula-like text (FormulaLike) also gets
// the text number format: a string cell is not evaluated when the file is
// opened, but Excel and WPS evaluate what a user confirms in a cell (F2,
// Enter), and a cell in the text format stays text. The cell keeps the text
// exactly (no ' is added), so that programs that read the workbook get the
// text as it was, and DecodeXLSX reads it back unchanged.
func WriteXLSX(w io.Writer, sheets []Sheet) error {
	f := excelize.NewFile()
	defer f.Close()
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}}})
	if err != nil {
		return err
	}
	asText, err := f.NewStyle(&excelize.Style{NumFmt: textFormat})
	if err != nil {
		return err
	}
	safe := func(v any) any {
		if s, ok := v.(string); ok && FormulaLike(s) {
			return excelize.Cell{StyleID: asText, Value: s}
		}
		return v
	}
	for i, sh := range sheets {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", sh.Name); err != nil {
				return err
			}
		} else if _, err := f.NewSheet(sh.Name); err != nil {
			return err
		}
		if len(sh.Choices) > 0 {
			// A sheet with drop-down lists (a template, a few rows) is
			// written cell by cell: a streamed sheet keeps no data
			// validation.
			if err := writePlain(f, sh, bold, safe); err != nil {
				return err
			}
			continue
		}
		sw, err := f.NewStreamWriter(sh.Name)
		if err != nil {
			return err
		}
		for c := range sh.Header {
			if err := sw.SetColWidth(c+1, c+1, colWidth(sh, c)); err != nil {
				return err
			}
		}
		if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
			return err
		}
		head := make([]any, len(sh.Header))
		for c, h := range sh.Header {
			head[c] = excelize.Cell{StyleID: bold, Value: h}
		}
		if err := sw.SetRow("A1", head); err != nil {
			return err
		}
		var cells []any
		for r, row := range sh.Rows {
			cells = cells[:0]
			for _, v := range row {
				cells = append(cells, safe(v))
			}
			cell, _ := excelize.CoordinatesToCellName(1, r+2)
			if err := sw.SetRow(cell, cells); err != nil {
				return err
			}
		}
		if err := sw.Flush(); err != nil {
			return err
		}
	}
	if err := addChoices(f, sheets); err != nil {
		return err
	}
	f.SetActiveSheet(0)
	_, err = f.WriteTo(w)
	return err
}

// colWidth is the width of column c of sh: wider for the first.
func colWidth(sh Sheet, c int) float64 {
	if c == 0 || len(sh.Header) == 1 {
		return 20
	}
	return 16
}

// writePlain writes a sheet cell by cell, as WriteXLSX streams the others.
func writePlain(f *excelize.File, sh Sheet, bold int, safe func(any) any) error {
	for c := range sh.Header {
		name, err := excelize.ColumnNumberToName(c + 1)
		if err != nil {
			return err
		}
		if err := f.SetColWidth(sh.Name, name, name, colWidth(sh, c)); err != nil {
			return err
		}
		cell, _ := excelize.CoordinatesToCellName(c+1, 1)
		if err := f.SetCellValue(sh.Name, cell, sh.Header[c]); err != nil {
			return err
		}
		if err := f.SetCellStyle(sh.Name, cell, cell, bold); err != nil {
			return err
		}
	}
	if err := f.SetPanes(sh.Name, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	for r, row := range sh.Rows {
		for c, v := range row {
			cell, _ := excelize.CoordinatesToCellName(c+1, r+2)
			v = safe(v)
			if x, ok := v.(excelize.Cell); ok {
				if err := f.SetCellStr(sh.Name, cell, x.Value.(string)); err != nil {
					return err
				}
				if err := f.SetCellStyle(sh.Name, cell, cell, x.StyleID); err != nil {
					return err
				}
				continue
			}
			if err := f.SetCellValue(sh.Name, cell, v); err != nil {
				return err
			}
		}
	}
	return nil
}

// choicesSheet holds the drop-down lists of a workbook, hidden (its name
// starts with _, so DecodeXLSX reads past it).
const choicesSheet = "_lists"

// choiceRows is how many rows below the header offer a column's choices.
const choiceRows = 2000

// addChoices writes the sheets' drop-down lists on a hidden sheet and
// gives each column its list.
func addChoices(f *excelize.File, sheets []Sheet) error {
	col := 0
	lists := map[string]string{} // a list's values → its range
	for _, sh := range sheets {
		cols := make([]int, 0, len(sh.Choices))
		for c := range sh.Choices {
			cols = append(cols, c)
		}
		slices.Sort(cols)
		for _, c := range cols {
			values := sh.Choices[c]
			key := strings.Join(values, "\x00")
			ref, ok := lists[key]
			if !ok {
				if col == 0 {
					if _, err := f.NewSheet(choicesSheet); err != nil {
						return err
					}
					if err := f.SetSheetVisible(choicesSheet, false); err != nil {
						return err
					}
				}
				col++
				name, err := excelize.ColumnNumberToName(col)
				if err != nil {
					return err
				}
				for i, v := range values {
					if err := f.SetCellValue(choicesSheet, name+strconv.Itoa(i+1), v); err != nil {
						return err
					}
				}
				ref = fmt.Sprintf("%s!$%s$1:$%s$%d", choicesSheet, name, name, len(values))
				lists[key] = ref
			}
			target, err := excelize.ColumnNumberToName(c + 1)
			if err != nil {
				return err
			}
			dv := excelize.NewDataValidation(true)
			dv.Sqref = fmt.Sprintf("%s2:%s%d", target, target, choiceRows+1)
			dv.SetSqrefDropList(ref)
			dv.SetError(excelize.DataValidationErrorStyleWarning, "不在列表中", "这个值不在下拉列表里；如确实需要（例如新的单位类型），可以保留。")
			if err := f.AddDataValidation(sh.Name, dv); err != nil {
				return err
			}
		}
	}
	return nil
}

// templateHeaders are the Chinese headers of the template, per list; each
// is an alias DecodeCSV knows.
var templateHeaders = map[string]string{
	"id": "编号", "unit": "单位", "kind": "类型", "category": "类别", "title": "名称", "description": "说明",
	"tags": "标签", "quantity": "数量", "measure": "计量单位", "from": "开始", "to": "结束", "lat": "纬度",
	"lon": "经度", "radius_km": "服务半径", "priority": "优先级", "status": "状态", "level": "层级",
	"project": "项目", "optional": "可选", "name": "名称", "party_org": "党组织", "grid": "网格", "alliances": "联盟",
}

// exampleMark is what the 序号 column of a template's example row says:
// a row so marked is read past, not imported.
var exampleMark = map[string]bool{"示例": true, "例": true, "example": true, "e.g.": true}

// TemplateSheets are the sheets of the import template, with the default
// vocabulary (TemplateSheetsFor).
func TemplateSheets() []Sheet { return TemplateSheetsFor(matcher.MustDefaultVocabulary()) }

// TemplateSheetsFor are the sheets of the import template: the four lists
// with Chinese headers after a 序号 column, one example row each (its
// 序号 says 示例: it is not imported), drop-down lists of the categories
// of v, the priorities, the levels and the unit kinds (other values may
// still be typed: a new unit kind is a kind), and a sheet of notes.
func TemplateSheetsFor(v *matcher.Vocabulary) []Sheet {
	var cats []string
	for _, c := range v.All() {
		cats = append(cats, c.NameZH)
	}
	choices := map[string][]string{
		"category":  cats,
		"priority":  {"低", "较低", "一般", "较高", "紧急"},
		"level":     {"社区", "街道", "区"},
		"kind":      {"机关", "学校", "企业", "银行", "商铺", "餐饮", "物业", "社会组织", "医院", "群团组织", "驻区部队", "社区党委", "村党组织"},
		"status":    {"开放", "暂停", "关闭"},
		"optional":  {"是", "否"},
		"party_org": {"是", "否"},
	}
	sheet := func(name string, kind CSVKind, example map[string]any) Sheet {
		sh := Sheet{Name: name, Header: []string{"序号"}, Choices: map[int][]string{}}
		row := []any{"示例"}
		for _, c := range kindColumns[kind] {
			if l, ok := choices[c]; ok && !(kind == CSVProjects && c == "status") {
				sh.Choices[len(sh.Header)] = l
			}
			sh.Header = append(sh.Header, templateHeaders[c])
			row = append(row, example[c])
		}
		sh.Rows = [][]any{row}
		return sh
	}
	notes := [][]any{
		{"通用", "第一行是表头（可在其上加一行标题）；“序号”列可有可无，序号写“示例”的行不导入；数字可用全角（４０）"},
		{"成员单位", "编号、名称、类型必填（类型：机关/学校/企业/银行/商铺/餐饮/物业/社会组织…，也可写新的类型）；联盟填联盟编号，多个用、分隔；需有经纬度（WGS-84）或红色网格"},
		{"需求清单 / 资源清单", "编号、单位、类别（如 护学、志愿服务）、名称、数量必填；单位可填单位编号，或本联席会中不重名的单位名称；标签用、分隔；开始/结束如 2026-12-01 18:00；优先级 1-5 或 低/一般/高/紧急；层级 社区/街道/区"},
		{"项目清单", "编号、单位、名称必填；项目的环节是需求清单中“项目”列填了该项目编号的需求，“可选”填 是/否"},
		{"English", "Headers may also be in English: id, unit, category, title, description, tags, quantity, measure, from, to, lat, lon, radius_km, priority, status, level, project, optional, name, kind, party_org, grid, alliances"},
	}
	return []Sheet{
		sheet("需求清单", CSVDemands, map[string]any{"id": "LH-D01", "unit": "龙洲湾中学", "category": "护学", "title": "晚自习放学护送学生回家", "description": "每晚 21:00 后护送",
			"tags": "护学、晚自习", "quantity": 6, "measure": "人/晚", "from": "2026-12-01 21:00", "to": "2027-01-20 22:30", "radius_km": 2, "priority": "紧急", "level": "社区"}),
		sheet("资源清单", CSVResources, map[string]any{"id": "LH-R01", "unit": "龙华社区党委", "category": "志愿服务", "title": "楼层党员中心户志愿者", "tags": "志愿者、护学",
			"quantity": 40, "measure": "人次", "radius_km": 3, "priority": "一般", "level": "社区"}),
		sheet("项目清单", CSVProjects, map[string]any{"id": "LH-P01", "unit": "龙华社区党委", "name": "四点半课堂", "description": "放学后的作业辅导", "status": "筹备中"}),
		sheet("成员单位", CSVUnits, map[string]any{"id": "lh-food", "name": "龙华家常菜馆", "kind": "餐饮", "party_org": "否", "grid": "g-lh-1", "lat": 29.351, "lon": 106.532, "alliances": "lh"}),
		{Name: "说明", Header: []string{"表", "填写说明"}, Rows: notes},
	}
}
