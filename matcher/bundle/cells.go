package bundle

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"strings"
)

// formulaStart holds the characters with which a spreadsheet program takes
// a cell for a formula (OWASP, "CSV Injection"): = + - @, tab and
// carriage return.
const formulaStart = "=+-@\t\r"

// FormulaLike reports whether a spreadsheet program would read a text cell
// holding s as a formula: s starts with = + - @, a tab or a carriage
// return. It is the one rule of both writers: WriteCSV prefixes such text
// with a ' (CSVCell), WriteXLSX gives its cell the text number format.
// Numbers are not text: a numeric cell of -5 is written as a number.
func FormulaLike(s string) bool {
	return s != "" && strings.IndexByte(formulaStart, s[0]) >= 0
}

// quoted reports whether s, as a CSV cell, starts with a protective ': a '
// before a formula-like rest or before another '.
func quoted(s string) bool {
	return len(s) > 1 && s[0] == '\'' && (FormulaLike(s[1:]) || s[1] == '\'')
}

// CSVCell returns text as a CSV export writes it: with a ' in front when a
// spreadsheet program would otherwise read it as a formula (or when it
// starts with a ' that the import would take for that protection), so that
// =HYPERLINK("http://x","点我") shows as text. UnquoteCSVCell gives the text
// back.
func CSVCell(text string) string {
	if FormulaLike(text) || quoted(text) {
		return "'" + text
	}
	return text
}

// UnquoteCSVCell returns the text of a CSV cell: CSVCell undone, so that a
// ' is dropped only where it protects = + - @, a tab, a carriage return or
// another '. DecodeCSV reads every cell through it.
func UnquoteCSVCell(cell string) string {
	if quoted(cell) {
		return cell[1:]
	}
	return cell
}

// WriteCSV writes a sheet as CSV, UTF-8 with a byte-order mark (so that
// Excel reads the Chinese) and CRLF line ends: text cells through CSVCell,
// numbers as numbers, nil as an empty cell.
func WriteCSV(w io.Writer, sh Sheet) error {
	var buf bytes.Buffer
	buf.Write(utf8BOM)
	cw := csv.NewWriter(&buf)
	cw.UseCRLF = true
	rec := make([]string, len(sh.Header))
	for i, h := range sh.Header {
		rec[i] = CSVCell(h)
	}
	if err := cw.Write(rec); err != nil {
		return err
	}
	for _, row := range sh.Rows {
		rec = rec[:0]
		for _, v := range row {
			switch v := v.(type) {
			case nil:
				rec = append(rec, "")
			case string:
				rec = append(rec, CSVCell(v))
			default:
				rec = append(rec, fmt.Sprint(v))
			}
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}
