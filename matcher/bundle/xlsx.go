package bundle

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"io"
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

// skippedSheets are sheet names that hold notes, not a list.
var skippedSheets = map[string]bool{"说明": true, "使用说明": true, "填写说明": true, "readme": true, "help": true, "instructions": true, "notes": true}

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
// the from/to columns are read as China Standard Time.
func DecodeXLSX(name string, data []byte, lim XLSXLimits) (*Bundle, error) {
	var ps problems
	if err := CheckZip(data, lim); err != nil {
		ps.addErr(Loc{File: name}, "", err)
		return nil, ps.err()
	}
	opts := excelize.Options{RawCellValue: true, UnzipSizeLimit: lim.Total, UnzipXMLSizeLimit: min(lim.Total, 16<<20)}
	if opts.UnzipSizeLimit <= 0 {
		opts.UnzipSizeLimit = DefaultXLSXLimits.Total
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), opts)
	if err != nil {
		ps.add(Loc{File: name}, "", "", "cannot open the workbook: %v", err)
		return nil, ps.err()
	}
	defer f.Close()
	out := &Bundle{Format: Format}
	lists := 0
	for _, sheet := range f.GetSheetList() {
		if skippedSheets[strings.ToLower(strings.TrimSpace(sheet))] || strings.HasPrefix(sheet, "_") {
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
		if err != nil {
			if be, ok := err.(*Error); ok {
				ps.merge(be)
				continue
			}
			return nil, err
		}
		out.Merge(b)
	}
	if lists == 0 && !ps.any() {
		ps.add(Loc{File: name}, "", "", "no list in the workbook: name a sheet 需求清单, 资源清单, 项目清单 or 成员单位")
	}
	if err := ps.err(); err != nil {
		return nil, err
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
	if len(rows) > 0 {
		cols, _ := mapHeader(kind, rows[0])
		for _, c := range []string{"from", "to"} {
			if i, ok := cols[c]; ok {
				dateCols[i] = true
			}
		}
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	flat := strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ")
	for r, row := range rows {
		rec := make([]string, len(row))
		for i, v := range row {
			v = flat.Replace(v)
			if r > 0 && dateCols[i] {
				v = excelDate(v, date1904)
			}
			if r > 0 {
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
		sw, err := f.NewStreamWriter(sh.Name)
		if err != nil {
			return err
		}
		for c := range sh.Header {
			wd := 16.0
			if c == 0 || len(sh.Header) == 1 {
				wd = 20
			}
			if err := sw.SetColWidth(c+1, c+1, wd); err != nil {
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
	f.SetActiveSheet(0)
	_, err = f.WriteTo(w)
	return err
}

// templateHeaders are the Chinese headers of the template, per list; each
// is an alias DecodeCSV knows.
var templateHeaders = map[string]string{
	"id": "编号", "unit": "单位", "kind": "类型", "category": "类别", "title": "名称", "description": "说明",
	"tags": "标签", "quantity": "数量", "measure": "计量单位", "from": "开始", "to": "结束", "lat": "纬度",
	"lon": "经度", "radius_km": "服务半径", "priority": "优先级", "status": "状态", "level": "层级",
	"project": "项目", "optional": "可选", "name": "名称", "party_org": "党组织", "grid": "网格", "alliances": "联盟",
}

// TemplateSheets are the sheets of the import template: the four lists
// with Chinese headers and no rows, and a sheet of notes.
func TemplateSheets() []Sheet {
	head := func(kind CSVKind) []string {
		var h []string
		for _, c := range kindColumns[kind] {
			h = append(h, templateHeaders[c])
		}
		return h
	}
	notes := [][]any{
		{"成员单位", "编号、名称、类型必填（类型：机关/学校/企业/银行/商铺/社会组织…或 agency/school/…）；联盟填联盟编号，多个用、分隔；需有经纬度（WGS-84）或红色网格"},
		{"需求清单 / 资源清单", "编号、单位（单位编号）、类别（如 护学、志愿服务）、名称、数量必填；标签用、分隔；开始/结束如 2026-12-01 18:00；优先级 1-5 或 低/中/高/紧急；层级 社区/街道/区"},
		{"项目清单", "编号、单位、名称必填；项目的环节是需求清单中“项目”列填了该项目编号的需求，“可选”填 是/否"},
		{"example", "LH-D01, lh-school, 护学, 晚自习放学护送学生回家, …, 护学、晚自习, 6, 人/晚, 2026-12-01 21:00, 2027-01-20 22:30, , , 2, 5, 社区"},
		{"English", "Headers may also be in English: id, unit, category, title, description, tags, quantity, measure, from, to, lat, lon, radius_km, priority, status, level, project, optional, name, kind, party_org, grid, alliances"},
	}
	return []Sheet{
		{Name: "需求清单", Header: head(CSVDemands)},
		{Name: "资源清单", Header: head(CSVResources)},
		{Name: "项目清单", Header: head(CSVProjects)},
		{Name: "成员单位", Header: head(CSVUnits)},
		{Name: "说明", Header: []string{"表", "填写说明"}, Rows: notes},
	}
}
