package scenario

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/xuri/excelize/v2"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/bundle"
	"github.com/allymatch/allymatch/matcher/match"
	"github.com/allymatch/allymatch/matcher/store"
)

// The sheet of edits: a scenario's edits as a planner keeps them in Excel
// or WPS, one row per edit (.xlsx or CSV: UTF-8 with or without a BOM, or
// GBK/GB18030 as Excel on a Chinese Windows saves it). Its columns come
// from the registry: 操作 (the operation, by its Chinese or English label
// or its name) and one column per field the operations read (Spec.Fields),
// headed by the field's Chinese label (its English label and its JSON name
// read too). A record an edit gives whole or in part (add_unit, set_unit,
// add_item, set_item, add_project, set_project) is given by further
// columns, one per field of the record (单位名称, 类别, 条目名称, …), the
// record's id in the unit's, item's or project's own column: a planner
// fills cells, never JSON. A row is read into the same JSON an API client
// sends and decoded as POST /v1/scenarios decodes it, so that a sheet's
// edits are the API's.
//
// Every problem is listed with its row (as a spreadsheet numbers it),
// column (header and letter) and field: what does not read (an unknown
// column or operation, a bad number, a filled cell the operation does not
// read, a required one empty), then what Manager.Check finds applying the
// edits to a fork, as Create would (unknown ids, ids outside the caller's
// scope, a record the store would refuse).

// A cellKind is how a column's cells read.
type cellKind int

const (
	cellText cellKind = iota
	cellList
	cellInt
	cellFloat
	cellWindows
	cellStatus // a project's or an item's status, by the field it fills
	cellMode
	cellWeights
	cellUnitKind
	cellItemKind
	cellBool
	cellPriority
	cellLevel
)

// sheetColumn is a column of the sheet of edits.
type sheetColumn struct {
	key   string    // "op", a field of Edit ("quantity"), or a record's field (recordColumns)
	label [2]string // its header: Chinese, English
	kind  cellKind
}

// opColumn is the operation's column.
var opColumn = sheetColumn{key: "op", label: [2]string{"操作", "Operation"}}

// recordColumns are the columns of the fields of the records edits give
// (sheetRecords), beyond the columns of the registry's fields.
var recordColumns = []sheetColumn{
	{key: "unit_name", label: [2]string{"单位名称", "Unit name"}},
	{key: "unit_kind", label: [2]string{"单位类型", "Unit kind"}, kind: cellUnitKind},
	{key: "party_org", label: [2]string{"有党组织", "Party organisation"}, kind: cellBool},
	{key: "grid", label: [2]string{"红色网格", "Red grid"}},
	{key: "lat", label: [2]string{"纬度", "Latitude"}, kind: cellFloat},
	{key: "lon", label: [2]string{"经度", "Longitude"}, kind: cellFloat},
	{key: "item_kind", label: [2]string{"需求或资源", "Demand or resource"}, kind: cellItemKind},
	{key: "category", label: [2]string{"类别", "Category"}},
	{key: "title", label: [2]string{"条目名称", "Item title"}},
	{key: "description", label: [2]string{"说明", "Description"}},
	{key: "tags", label: [2]string{"标签", "Tags"}, kind: cellList},
	{key: "measure", label: [2]string{"计量单位", "Measure"}},
	{key: "priority", label: [2]string{"优先级", "Priority"}, kind: cellPriority},
	{key: "level", label: [2]string{"层级", "Level"}, kind: cellLevel},
	{key: "optional", label: [2]string{"可选环节", "Optional slot"}, kind: cellBool},
	{key: "project_name", label: [2]string{"项目名称", "Project name"}},
}

// recField is a field of a record (its JSON path in the record) and the
// column that fills it.
type recField struct{ field, col string }

// sheetRecords are the fields of each record an edit may give, the id
// first (in the record's own column).
var sheetRecords = map[string][]recField{
	"unit": {{"id", "unit"}, {"name", "unit_name"}, {"kind", "unit_kind"}, {"party_org", "party_org"}, {"grid", "grid"},
		{"location.lat", "lat"}, {"location.lon", "lon"}},
	"item": {{"id", "item"}, {"kind", "item_kind"}, {"category", "category"}, {"title", "title"}, {"description", "description"},
		{"tags", "tags"}, {"quantity", "quantity"}, {"measure", "measure"}, {"windows", "windows"}, {"location.lat", "lat"},
		{"location.lon", "lon"}, {"radius_km", "radius_km"}, {"priority", "priority"}, {"status", "status"}, {"level", "level"},
		{"project", "project"}, {"optional", "optional"}},
	"project": {{"id", "project"}, {"name", "project_name"}, {"description", "description"}, {"status", "status"}},
}

// sheetLayout is the sheet's columns and what each operation reads.
type sheetLayout struct {
	cols  []sheetColumn
	byKey map[string]int
	// reads maps an operation to the columns it reads: column key → the
	// JSON path of the edit it fills ("quantity", "item.title").
	reads map[string]map[string]string
	// byWord finds an operation by its name or label.
	byWord map[string]string
}

var layout = sync.OnceValue(func() *sheetLayout {
	l := &sheetLayout{byKey: map[string]int{}, reads: map[string]map[string]string{}, byWord: map[string]string{}}
	add := func(c sheetColumn) {
		if _, ok := l.byKey[c.key]; !ok {
			l.byKey[c.key] = len(l.cols)
			l.cols = append(l.cols, c)
		}
	}
	add(opColumn)
	for _, name := range Ops() {
		// A record's field is its id's column (成员单位 of add_unit);
		// its other fields are recordColumns.
		for _, f := range registry[name].Spec().Fields {
			add(sheetColumn{key: f.Name, label: f.Label, kind: fieldCell(f)})
		}
	}
	for _, c := range recordColumns {
		add(c)
	}
	for _, name := range Ops() {
		sp := registry[name].Spec()
		reads := map[string]string{"op": "op"}
		var records []string
		for _, f := range sp.Fields {
			if f.Kind == ArgRecord {
				records = append(records, f.Name)
			} else {
				reads[f.Name] = f.Name
			}
		}
		for _, r := range records {
			for _, rf := range sheetRecords[r] {
				if _, ok := reads[rf.col]; !ok {
					reads[rf.col] = r + "." + rf.field
				}
			}
		}
		l.reads[name] = reads
		for _, w := range []string{name, sp.Label[0], sp.Label[1]} {
			l.byWord[normWord(w)] = name
		}
	}
	return l
})

// fieldCell is how the cells of a registry field read: by its kind, and a
// number by the type of Edit's field.
func fieldCell(f Field) cellKind {
	switch f.Kind {
	case ArgList:
		return cellList
	case ArgWindows:
		return cellWindows
	case ArgStatus:
		return cellStatus
	case ArgMode:
		return cellMode
	case ArgWeights:
		return cellWeights
	case ArgText:
		t := reflect.TypeFor[Edit]()
		for i := range t.NumField() {
			if tag, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); tag == f.Name {
				switch ft := t.Field(i).Type; {
				case ft.Kind() == reflect.Pointer && ft.Elem().Kind() == reflect.Int64:
					return cellInt
				case ft.Kind() == reflect.Pointer && ft.Elem().Kind() == reflect.Float64:
					return cellFloat
				}
			}
		}
	}
	return cellText
}

// normWord is a header or a word as it is matched: lower case, without
// spaces (full-width too), full-width brackets as ASCII.
func normWord(s string) string {
	return strings.Map(foldRune, strings.TrimSpace(s))
}

// foldRune is normWord's folding of one rune (-1: dropped), one pass
// that allocates only when the word changes.
func foldRune(r rune) rune {
	switch r {
	case ' ', '　':
		return -1
	case '（':
		return '('
	case '）':
		return ')'
	}
	return unicode.ToLower(r)
}

// ignoredHeaders are the running-number columns a sheet may carry: read
// past, and a row whose cell there says 示例 is an example, not an edit.
var ignoredHeaders = map[string]bool{"序号": true, "序": true, "no": true, "no.": true, "#": true, "行号": true}

var exampleMarks = map[string]bool{"示例": true, "例": true, "example": true, "e.g.": true}

// column returns the column a header names, or false.
func (l *sheetLayout) column(header string) (sheetColumn, bool) {
	h := normWord(header)
	for _, c := range l.cols {
		if h == normWord(c.label[0]) || h == normWord(c.label[1]) || h == c.key {
			return c, true
		}
	}
	return sheetColumn{}, false
}

// EditSheet is a sheet of edits as read: the edits of its rows (every row
// whose operation is known, even when a cell of it did not read, so that a
// check finds the rest of its problems), the sheet's row of each, and the
// problems of what did not read.
type EditSheet struct {
	Name     string
	Edits    []Edit
	Rows     []int
	Problems []bundle.Problem

	header []string       // the header row as the sheet has it
	cols   map[string]int // column key → index in the sheet
}

// The bounds of a sheet: the file (as an .xlsx file may be) and its rows
// (a scenario keeps at most DefaultMaxEdits edits: a sheet of a few more
// rows is read, and its edits refused by Create's bound; a sheet of
// many more is refused as a whole, unread).
const (
	MaxSheetBytes = 16 << 20
	maxSheetRows  = 4 * DefaultMaxEdits
	headerScan    = 6
)

// xlsxMagic starts a zip archive, as an .xlsx file is.
var xlsxMagic = []byte("PK\x03\x04")

// ReadSheet reads a sheet of edits from an .xlsx workbook (its one sheet
// of edits: sheets of notes, 说明, and hidden lists, _lists, are read
// past) or a CSV file; which one, the bytes say. name names the file in
// problems.
func ReadSheet(name string, data []byte) *EditSheet {
	s := &EditSheet{Name: name}
	var rows [][]string
	var lines []int
	var err error
	if bytes.HasPrefix(data, xlsxMagic) {
		rows, lines, err = xlsxRows(data)
	} else {
		rows, lines, err = csvRows(data)
	}
	if err != nil {
		s.fileProblem(err)
		return s
	}
	s.read(rows, lines)
	return s
}

// fileProblem records a problem of the file as a whole.
func (s *EditSheet) fileProblem(err error) {
	var me *matcher.Error
	if errors.As(err, &me) {
		format, args := me.Key()
		s.Problems = append(s.Problems, bundle.Problem{Loc: bundle.Loc{File: s.Name}, Msg: me.Message, Code: me.Code, Format: format, Args: args})
		return
	}
	s.Problems = append(s.Problems, bundle.Problemf(bundle.Loc{File: s.Name}, "", "", "%v", err))
}

// xlsxRows returns the rows of a workbook's sheet of edits and the row
// number of each.
func xlsxRows(data []byte) ([][]string, []int, error) {
	f, err := bundle.OpenXLSX(data, bundle.DefaultXLSXLimits)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	sheets := bundle.DataSheets(f)
	switch {
	case len(sheets) == 0:
		return nil, nil, matcher.Errorf(matcher.EINVALID, "the workbook has no sheet of edits")
	case len(sheets) > 1:
		return nil, nil, matcher.Errorf(matcher.EINVALID, "the workbook has %d sheets of edits (%s): keep the edits on one sheet (notes may go on a sheet named 说明)", len(sheets), strings.Join(sheets, ", "))
	}
	rows, err := f.GetRows(sheets[0])
	if err != nil {
		return nil, nil, matcher.Errorf(matcher.EINVALID, "cannot read the sheet: %v", err)
	}
	if len(rows) > maxSheetRows {
		return nil, nil, tooManyRows()
	}
	lines := make([]int, len(rows))
	for i, row := range rows {
		lines[i] = i + 1
		for j, v := range row {
			// A workbook's cells are taken as they are: the unquoting
			// of a CSV cell (cell) undoes this.
			row[j] = bundle.CSVCell(bundle.FlatCell(v))
		}
	}
	return rows, lines, nil
}

func tooManyRows() error {
	return matcher.Errorf(matcher.EINVALID, "the sheet has more than %d rows; a scenario keeps at most %d edits", maxSheetRows, DefaultMaxEdits)
}

// csvRows returns the rows of a CSV file and the line of each.
func csvRows(data []byte) ([][]string, []int, error) {
	if len(data) > MaxSheetBytes {
		return nil, nil, matcher.Errorf(matcher.EINVALID, "the file is %d bytes, more than the limit of %d", len(data), MaxSheetBytes)
	}
	text, err := bundle.Text(data)
	if err != nil {
		return nil, nil, err
	}
	r := csv.NewReader(bytes.NewReader(text))
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	var rows [][]string
	var lines []int
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, matcher.Errorf(matcher.EINVALID, "malformed CSV: %v", err)
		}
		line, _ := r.FieldPos(0)
		rows, lines = append(rows, rec), append(lines, line)
		if len(rows) > maxSheetRows {
			return nil, nil, tooManyRows()
		}
	}
	return rows, lines, nil
}

func blankRow(row []string) bool {
	return !slices.ContainsFunc(row, func(s string) bool { return strings.TrimSpace(s) != "" })
}

// Letter is a column's letter as a spreadsheet names it (0 → A).
func Letter(i int) string {
	name, err := excelize.ColumnNumberToName(i + 1)
	if err != nil {
		return strconv.Itoa(i + 1)
	}
	return name
}

// bad records a problem at row (line) and column i (-1: the row).
func (s *EditSheet) bad(line, i int, field, code, format string, args ...any) {
	p := bundle.Problemf(bundle.Loc{}, "", field, format, args...)
	p.Code = code
	s.Problems = append(s.Problems, s.place(line, i, p))
}

// place puts p at row (line) and column i (-1: the row as a whole): the
// cell's name (C4) as its record, the column's header before its message.
func (s *EditSheet) place(line, i int, p bundle.Problem) bundle.Problem {
	p.Loc = bundle.Loc{File: s.Name, Line: line}
	if i >= 0 {
		p.Loc.Col = i + 1
		p.Record = Letter(i) + strconv.Itoa(line)
		if i < len(s.header) {
			p.Column = strings.TrimSpace(s.header[i])
			p.Msg = fmt.Sprintf("column %q: %s", p.Column, p.Msg)
		}
	} else if line > 0 {
		p.Record = "row " + strconv.Itoa(line)
	}
	return p
}

// read reads the header and the rows.
func (s *EditSheet) read(rows [][]string, lines []int) {
	l := layout()
	head := -1
	for i, seen := 0, 0; i < len(rows) && seen < headerScan; i++ {
		if blankRow(rows[i]) {
			continue
		}
		seen++
		if slices.ContainsFunc(rows[i], func(h string) bool { c, ok := l.column(h); return ok && c.key == "op" }) {
			head = i
			break
		}
	}
	if head < 0 {
		s.Problems = append(s.Problems, bundle.Problemf(bundle.Loc{File: s.Name, Line: 1}, "", "", "missing column %q (or %s)", opColumn.label[0], opColumn.label[1]+", op"))
		return
	}
	s.header, s.cols = rows[head], map[string]int{}
	headLine := lines[head]
	var marks []int
	var known []string
	for _, c := range l.cols {
		known = append(known, c.label[0])
	}
	for i, h := range s.header {
		n := normWord(h)
		c, ok := l.column(h)
		switch {
		case n == "":
		case ignoredHeaders[n]:
			marks = append(marks, i)
		case !ok:
			s.bad(headLine, i, "", matcher.EINVALID, "unknown column %q (allowed: %s)", strings.TrimSpace(h), strings.Join(known, ", "))
		case hasKey(s.cols, c.key):
			s.bad(headLine, i, "", matcher.EINVALID, "column %q appears twice", strings.TrimSpace(h))
		default:
			s.cols[c.key] = i
		}
	}
	for r := head + 1; r < len(rows); r++ {
		row, line := rows[r], lines[r]
		if blankRow(row) || slices.ContainsFunc(marks, func(i int) bool { return i < len(row) && exampleMarks[normWord(row[i])] }) {
			continue
		}
		if extra := row[min(len(row), len(s.header)):]; !blankRow(extra) {
			s.bad(line, -1, "", matcher.EINVALID, "row has %d cells, the header %d", len(row), len(s.header))
			continue
		}
		if e, ok := s.readRow(l, row, line); ok {
			s.Edits, s.Rows = append(s.Edits, e), append(s.Rows, line)
		}
	}
}

func hasKey(m map[string]int, k string) bool { _, ok := m[k]; return ok }

// cell returns the text of the cell of column key ("" when the sheet has
// no such column): trimmed, and without the ' that protects a formula-like
// text (bundle.UnquoteCSVCell).
func (s *EditSheet) cell(row []string, key string) (string, int) {
	i, ok := s.cols[key]
	if !ok {
		return "", -1
	}
	if i >= len(row) {
		return "", i
	}
	return bundle.UnquoteCSVCell(strings.TrimSpace(row[i])), i
}

// readRow reads one row into an edit; false when its operation is
// missing or unknown.
func (s *EditSheet) readRow(l *sheetLayout, row []string, line int) (Edit, bool) {
	word, opAt := s.cell(row, "op")
	if word == "" {
		s.bad(line, opAt, "op", matcher.EINVALID, "is required")
		return Edit{}, false
	}
	name, ok := l.byWord[normWord(word)]
	if !ok {
		var labels []string
		for _, n := range Ops() {
			labels = append(labels, registry[n].Spec().Label[0])
		}
		s.bad(line, opAt, "op", matcher.EINVALID, "unknown operation %q (one of %s)", word, strings.Join(labels, ", "))
		return Edit{}, false
	}
	sp := registry[name].Spec()
	reads := l.reads[name]
	top := map[string]any{"op": name}
	recs := map[string]map[string]any{}
	var lat, lon *[2]any // the value and column of each
	for _, c := range l.cols[1:] {
		text, i := s.cell(row, c.key)
		if text == "" {
			continue
		}
		path, ok := reads[c.key]
		if !ok {
			s.bad(line, i, c.key, matcher.EINVALID, "operation %s does not read this column: leave it empty", name)
			continue
		}
		v, ok := s.value(c, path, text, line, i)
		if !ok {
			continue
		}
		switch rec, sub, _ := strings.Cut(path, "."); {
		case sub == "location.lat":
			lat = &[2]any{v, i}
		case sub == "location.lon":
			lon = &[2]any{v, i}
		case sub != "":
			if recs[rec] == nil {
				recs[rec] = map[string]any{}
			}
			recs[rec][sub] = v
		default:
			top[path] = v
		}
	}
	if (lat == nil) != (lon == nil) {
		at, key := s.cols["lat"], "lat"
		if lat != nil {
			at, key = s.cols["lon"], "lon"
		}
		s.bad(line, at, reads[key], matcher.EINVALID, "give both lat and lon, or neither")
	} else if lat != nil {
		rec, _, _ := strings.Cut(reads["lat"], ".")
		if recs[rec] == nil {
			recs[rec] = map[string]any{}
		}
		recs[rec]["location"] = map[string]any{"lat": lat[0], "lon": lon[0]}
	}
	for _, f := range sp.Fields {
		key := f.Name
		if f.Kind == ArgRecord {
			key = sheetRecords[f.Name][0].col
		}
		if text, i := s.cell(row, key); text == "" && !f.Optional {
			if i < 0 {
				s.bad(line, -1, f.Name, matcher.EINVALID, "missing column %q (or %s)", l.cols[l.byKey[key]].label[0], key)
				continue
			}
			s.bad(line, i, f.Name, matcher.EINVALID, "is required")
		}
	}
	for rec, fields := range recs {
		if id, ok := top[rec].(string); ok {
			fields["id"] = id
		}
		top[rec] = fields
	}
	js, err := json.Marshal(top)
	if err == nil {
		var e Edit
		if err = json.Unmarshal(js, &e); err == nil {
			return e, true
		}
	}
	s.bad(line, opAt, "", matcher.EINVALID, "%v", err)
	return Edit{}, false
}

// value reads text, the cell of column c, as the JSON value of the edit's
// field path; false (and a problem) when it does not read.
func (s *EditSheet) value(c sheetColumn, path, text string, line, i int) (any, bool) {
	// fail is v when the cell read (ok), else a problem saying what the
	// cell must be (must: a format whose last verb is the cell's text).
	fail := func(v any, ok bool, must string, args ...any) (any, bool) {
		if !ok {
			s.bad(line, i, path, matcher.EINVALID, must, append(args, text)...)
			return nil, false
		}
		return v, true
	}
	switch c.kind {
	case cellList:
		return bundle.List(text), true
	case cellInt:
		n, err := strconv.ParseInt(bundle.Number(text), 10, 64)
		return fail(n, err == nil, "must be a whole number, got %q")
	case cellFloat:
		f, err := strconv.ParseFloat(bundle.Number(text), 64)
		return fail(f, err == nil && !math.IsNaN(f) && !math.IsInf(f, 0), "must be a number, got %q")
	case cellWindows:
		ws, ok := windowsOf(text)
		return fail(ws, ok, "must be times from~to (2026-12-01 18:00~2026-12-01 21:00), several separated by ；, or 不限 for any time; got %q")
	case cellStatus:
		if strings.HasPrefix(path, "item.") {
			return bundle.ItemStatusOf(text), true
		}
		return bundle.ProjectStatusOf(text), true
	case cellMode:
		m, ok := modeWords[normWord(text)]
		return fail(m, ok, "must be one of %s, got %q", "总体得分最高 (welfare), 优先满足更多需求 (coverage), 双向稳定匹配 (stable)")
	case cellWeights:
		w, ok := weightsOf(text)
		return fail(w, ok, "must be weights such as 距离=30、内容相似=30 (terms: %s; those not named keep their current value), got %q", strings.Join(termList(), ", "))
	case cellUnitKind:
		return bundle.UnitKindOf(text), true
	case cellItemKind:
		k, ok := bundle.ItemKindOf(text)
		return fail(k, ok, "must be demand or resource (需求/资源), got %q")
	case cellBool:
		b, ok := bundle.Bool(text)
		return fail(b, ok, "must be yes/no (是/否), got %q")
	case cellPriority:
		p, ok := bundle.PriorityOf(text)
		return fail(p, ok, "must be 1 (low) to %d (urgent), or 低/一般/高/紧急; got %q", matcher.MaxPriority)
	case cellLevel:
		return bundle.LevelOf(text), true
	}
	return text, true
}

// anyTime are the words of a windows cell for any time (no windows).
var anyTime = map[string]bool{"不限": true, "任何时间": true, "全天": true, "any": true, "anytime": true, "[]": true}

// windowsOf reads time windows: from~to, several separated by ； (or 、 |
// ;), the end's date left out when it is the start's (2026-12-01
// 18:00~21:00); 不限 for any time.
func windowsOf(text string) ([]map[string]string, bool) {
	if anyTime[normWord(text)] {
		return []map[string]string{}, true
	}
	parts := strings.FieldsFunc(text, func(r rune) bool { return strings.ContainsRune(";；、|", r) })
	if len(parts) == 0 {
		return nil, false
	}
	out := make([]map[string]string, 0, len(parts))
	for _, p := range parts {
		a, b, ok := strings.Cut(strings.NewReplacer("～", "~", "至", "~", "—", "~").Replace(p), "~")
		if !ok {
			return nil, false
		}
		from, ok := bundle.Time(a, false)
		if !ok {
			return nil, false
		}
		b = strings.TrimSpace(b)
		if len(b) <= 5 && strings.Contains(b, ":") {
			b = from.Format("2006-01-02 ") + b
		}
		to, ok := bundle.Time(b, true)
		if !ok {
			return nil, false
		}
		out = append(out, map[string]string{"from": from.Format(time.RFC3339), "to": to.Format(time.RFC3339)})
	}
	return out, true
}

// modeWords are the words of a mode cell: the desk's names of the modes
// and the modes themselves.
var modeWords = map[string]match.Mode{
	"总体得分最高": match.Welfare, "welfare": match.Welfare, "highesttotalscore": match.Welfare,
	"优先满足更多需求": match.Coverage, "coverage": match.Coverage, "meetthemostdemand": match.Coverage,
	"双向稳定匹配": match.Stable, "stable": match.Stable, "stabletwo-sidedmatching": match.Stable,
}

// termWords are the score terms by the desk's Chinese names.
var termWords = map[string]string{
	"距离": match.TermProximity, "内容相似": match.TermText, "类别": match.TermCategory, "优先级": match.TermPriority,
	"时间": match.TermTime, "联盟关系": match.TermAffinity, "合作历史": match.TermHistory,
}

func termList() []string {
	out := make([]string, 0, len(termWords))
	for zh, en := range termWords {
		out = append(out, zh+" ("+en+")")
	}
	slices.Sort(out)
	return out
}

// weightsOf reads weights: term=value pairs (距离=30、内容相似=20, or the
// terms' English names), as a set_weights edit names them (the terms not
// named keep their current value).
func weightsOf(text string) (map[string]int, bool) {
	w := map[string]int{}
	parts := bundle.List(strings.ReplaceAll(text, "\n", ";"))
	if len(parts) == 0 {
		return w, false
	}
	for _, p := range parts {
		k, v, ok := strings.Cut(strings.NewReplacer("＝", "=", "：", "=", ":", "=").Replace(p), "=")
		if !ok {
			return w, false
		}
		k = normWord(k)
		if t, ok := termWords[k]; ok {
			k = t
		}
		if !slices.Contains(match.Terms, k) {
			return w, false
		}
		n, err := strconv.Atoi(bundle.Number(v))
		if err != nil {
			return w, false
		}
		w[k] = n
	}
	return w, true
}

// editField matches a problem's field of a check: edits[i] and the rest.
var editField = regexp.MustCompile(`^edits\[(\d+)\]\.?(.*)$`)

// storeRecord is the record a store check names before the field
// ("items[LH-D01].project").
var storeRecord = regexp.MustCompile(`^(?:units|items|projects|alliances|claims)\[[^\]]*\]\.`)

var indexes = regexp.MustCompile(`\[[^\]]*\]`)

// Locate places problems of a check of the sheet's edits (Manager.Check:
// edits[i].field) on the sheet: edit i's row, and the column of the field
// (the operation's column for a problem of the whole edit); a problem of
// no edit (the name, the scope) is the file's.
func (s *EditSheet) Locate(list []*matcher.Error) []bundle.Problem {
	var out []bundle.Problem
	l := layout()
	for _, e := range list {
		format, args := e.Key()
		m := editField.FindStringSubmatch(e.Field)
		i := len(s.Edits)
		if m != nil {
			i, _ = strconv.Atoi(m[1])
		}
		if i >= len(s.Edits) {
			p := bundle.Problemf(bundle.Loc{File: s.Name}, "", e.Field, format, args...)
			p.Code, p.Msg = e.Code, e.Message
			out = append(out, p)
			continue
		}
		field := m[2]
		reads := l.reads[s.Edits[i].Op]
		if loc := storeRecord.FindString(field); loc != "" {
			field = strings.TrimPrefix(field, loc)
			for _, f := range registry[s.Edits[i].Op].Spec().Fields {
				if f.Kind == ArgRecord {
					field = f.Name + "." + field
					break
				}
			}
		}
		col := s.columnOf(reads, indexes.ReplaceAllString(field, ""))
		out = append(out, s.place(s.Rows[i], col, bundle.Problem{Field: field, Msg: e.Message, Code: e.Code, Format: format, Args: args}))
	}
	return out
}

// columnOf returns the sheet's column of the field path of an edit that
// reads reads: the column that fills it or the nearest record above it
// (unit.location.lat → 纬度; unit.alliances → 成员单位), else the
// operation's.
func (s *EditSheet) columnOf(reads map[string]string, path string) int {
	for p := path; p != ""; {
		for _, try := range []string{p, p + ".id"} {
			for key, got := range reads {
				if got == try {
					if i, ok := s.cols[key]; ok && key != "op" {
						return i
					}
				}
			}
		}
		// A field the sheet gives in parts (unit.location: 纬度, 经度):
		// the first of its columns.
		best := -1
		for key, got := range reads {
			if i, ok := s.cols[key]; ok && strings.HasPrefix(got, p+".") && (best < 0 || i < best) {
				best = i
			}
		}
		if best >= 0 {
			return best
		}
		i := strings.LastIndexByte(p, '.')
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return s.cols["op"]
}

// CheckSheet checks the edits of s for actor at st as Create would (req
// with the sheet's edits: Check) and returns every problem of the sheet:
// what did not read and what the check found, by row and column (one
// problem per cell and field; those of the file as a whole first). err is
// what Create refuses outright: a scope the caller may not plan (403, or
// 404 for one it cannot see). Nothing is kept.
func (m *Manager) CheckSheet(ctx context.Context, st *store.Store, actor matcher.Actor, req Request, s *EditSheet) ([]bundle.Problem, error) {
	req.Edits = s.Edits
	p, err := m.Check(ctx, st, actor, req)
	if err != nil {
		return nil, err
	}
	return s.problems(p), nil
}

// CreateSheet creates the scenario of s's edits for actor at st, checked
// once: a scope the caller may not plan and a full quota are refused
// first (err, as Create refuses them), then the sheet is checked as
// CheckSheet checks it, and with no problem the scenario is the fork that
// check made (the edits are not applied again). A sheet with problems
// keeps nothing and returns them.
func (m *Manager) CreateSheet(ctx context.Context, st *store.Store, actor matcher.Actor, req Request, s *EditSheet) (*Scenario, []bundle.Problem, error) {
	req.Edits = s.Edits
	sn := st.Snapshot()
	if err := checkScope(sn.Reader, actor, req); err != nil {
		return nil, nil, err
	}
	if err := m.room(st, actor); err != nil {
		return nil, nil, err
	}
	p, sc, err := m.check(ctx, sn, actor, req)
	if err != nil {
		return nil, nil, err
	}
	if problems := s.problems(p); len(problems) > 0 {
		return nil, problems, nil
	}
	sc, err = m.keep(st, actor, sc)
	return sc, nil, err
}

// problems are the sheet's own problems and those the check found (p),
// by row and column.
func (s *EditSheet) problems(p matcher.Problems) []bundle.Problem {
	out := bundle.Join(s.Problems, s.Locate(p.List))
	slices.SortStableFunc(out, func(a, b bundle.Problem) int {
		if a.Loc.Line != b.Loc.Line {
			return a.Loc.Line - b.Loc.Line
		}
		return a.Loc.Col - b.Loc.Col
	})
	if p.More > 0 {
		out = append(out, bundle.Problemf(bundle.Loc{File: s.Name}, "", "", "… and %s more", matcher.FormatCount(p.More)))
	}
	return out
}

// SheetError is the error of a sheet's problems (nil when there are none):
// a *bundle.Error, whose code is the one its problems share (ENOTFOUND
// for ids nobody may plan with, absent or foreign alike), else EINVALID.
func SheetError(problems []bundle.Problem) error {
	if len(problems) == 0 {
		return nil
	}
	return &bundle.Error{Problems: problems}
}
