package bundle

import (
	"bytes"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/allymatch/allymatch/matcher"
)

// A workbook as the readers of workbooks take it (DecodeXLSX for the
// lists, the scenario's sheet of edits): opened within limits, its sheets
// of notes read past, its cells with their line breaks as spaces.

// notesSheets are the names of sheets that hold notes, not data (as
// NotesSheet folds them).
var notesSheets = map[string]bool{
	"说明": true, "使用说明": true, "填写说明": true, "帮助": true,
	"readme": true, "help": true, "instructions": true, "notes": true,
}

// NotesSheet reports whether a sheet's name says it holds notes (说明,
// 填写说明, 帮助, readme, help, instructions, notes; in any case, with
// spaces anywhere) or that it is hidden from readers (a leading "_").
func NotesSheet(name string) bool {
	n := strings.ToLower(strings.Join(strings.Fields(name), ""))
	return notesSheets[n] || strings.HasPrefix(name, "_")
}

// OpenXLSX opens an .xlsx file within lim: the zip's declared sizes are
// checked first (CheckZip), then excelize reads raw cell values (numbers
// as typed, not as formatted) unzipping at most lim.Total bytes.
func OpenXLSX(data []byte, lim XLSXLimits) (*excelize.File, error) {
	if err := CheckZip(data, lim); err != nil {
		return nil, err
	}
	opts := excelize.Options{RawCellValue: true, UnzipSizeLimit: lim.Total, UnzipXMLSizeLimit: min(lim.Total, 16<<20)}
	if opts.UnzipSizeLimit <= 0 {
		opts.UnzipSizeLimit = DefaultXLSXLimits.Total
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), opts)
	if err != nil {
		return nil, matcher.Errorf(matcher.EINVALID, "cannot open the workbook: %v", err)
	}
	return f, nil
}

// DataSheets are the sheets of f that are not notes, in the workbook's
// order.
func DataSheets(f *excelize.File) []string {
	var out []string
	for _, sh := range f.GetSheetList() {
		if !NotesSheet(sh) {
			out = append(out, sh)
		}
	}
	return out
}

// flatCell makes a cell one line: its line breaks become spaces.
var flatCell = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ")

// FlatCell is cell v on one line (a spreadsheet's line breaks inside a
// cell as spaces), as the readers of workbooks take cells.
func FlatCell(v string) string { return flatCell.Replace(v) }
