// Package bundle reads and writes allymatch's data format: a JSON bundle
// holding categories, grids, alliances, units, projects, items and claims,
// and CSV files for the three lists (demands, resources, projects) and the
// units, as coordinators keep them in spreadsheets.
//
// A folder is read as one bundle: every *.json file in it and every CSV file
// whose name says what it holds (see CSVKinds). Every problem found is
// reported with its file, line and field; nothing is half-read.
package bundle

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/jsonstrict"
)

// Format is the value of a bundle's "format" field.
const Format = "allymatch.bundle/v1"

// MaxFileBytes bounds one input file.
const MaxFileBytes = 1 << 30

// Bundle is a set of records to load. Its JSON form is the documented
// exchange format (see README.md, "Data format").
type Bundle struct {
	Format     string             `json:"format"`
	Name       string             `json:"name,omitempty"`
	Categories []matcher.Category `json:"categories,omitempty"`
	Grids      []matcher.Grid     `json:"grids,omitempty"`
	Alliances  []matcher.Alliance `json:"alliances,omitempty"`
	Units      []matcher.Unit     `json:"units,omitempty"`
	Projects   []matcher.Project  `json:"projects,omitempty"`
	Items      []matcher.Item     `json:"items,omitempty"`
	Claims     []matcher.Claim    `json:"claims,omitempty"`
	// The points bank's lists (ledger.go); bundles without them read as
	// before.
	Ledger

	// src records where each record came from, for error messages.
	src map[string][]Loc
}

// Loc is where a record or a problem is: a file, a line (1-based; 0
// unknown) and, in a CSV file, the column (1-based, as a spreadsheet counts
// them; 0 unknown).
type Loc struct {
	File string
	Line int
	Col  int
}

func (l Loc) String() string {
	switch {
	case l.Line > 0 && l.Col > 0:
		return fmt.Sprintf("%s:%d:%d", l.File, l.Line, l.Col)
	case l.Line > 0:
		return fmt.Sprintf("%s:%d", l.File, l.Line)
	}
	return l.File
}

// Source returns where record i of table came from, if known.
func (b *Bundle) Source(table string, i int) (Loc, bool) {
	locs := b.src[table]
	if i < 0 || i >= len(locs) {
		return Loc{}, false
	}
	return locs[i], true
}

func (b *Bundle) addSource(table string, l Loc) {
	if b.src == nil {
		b.src = map[string][]Loc{}
	}
	b.src[table] = append(b.src[table], l)
}

// count returns the number of records in table.
func (b *Bundle) count(table string) int {
	for _, l := range lists {
		if l.key == table {
			return l.len(b)
		}
	}
	return 0
}

// Len returns the number of records in b.
func (b *Bundle) Len() int {
	n := 0
	for _, l := range lists {
		n += l.len(b)
	}
	return n
}

// recordList is one list of records of a bundle: its JSON key, its
// length, the decoder of its records (decodeRecords) and its merge.
type recordList struct {
	key    string
	len    func(*Bundle) int
	decode func(*Bundle, []rawRecord) []recordResult
	// merge appends the list of o to b's and returns how many it appended;
	// take: into an empty list of b, o's list itself (o is not used again).
	merge func(b, o *Bundle, take bool) int
}

func listOf[T any](key string, of func(*Bundle) *[]T) recordList {
	return recordList{key: key,
		len:    func(b *Bundle) int { return len(*of(b)) },
		decode: func(b *Bundle, recs []rawRecord) []recordResult { return decodeRecords(recs, of(b)) },
		merge: func(b, o *Bundle, take bool) int {
			if take && len(*of(b)) == 0 {
				*of(b) = *of(o)
			} else {
				*of(b) = append(*of(b), *of(o)...)
			}
			return len(*of(o))
		}}
}

// lists are a bundle's lists in the order of a bundle file, the points
// bank's last.
var lists = []recordList{
	listOf("categories", func(b *Bundle) *[]matcher.Category { return &b.Categories }),
	listOf("grids", func(b *Bundle) *[]matcher.Grid { return &b.Grids }),
	listOf("alliances", func(b *Bundle) *[]matcher.Alliance { return &b.Alliances }),
	listOf("units", func(b *Bundle) *[]matcher.Unit { return &b.Units }),
	listOf("projects", func(b *Bundle) *[]matcher.Project { return &b.Projects }),
	listOf("items", func(b *Bundle) *[]matcher.Item { return &b.Items }),
	listOf("claims", func(b *Bundle) *[]matcher.Claim { return &b.Claims }),
	listOf("accounts", func(b *Bundle) *[]matcher.Account { return &b.Ledger.Accounts }),
	listOf("rules", func(b *Bundle) *[]matcher.EarnRule { return &b.Ledger.Rules }),
	listOf("offers", func(b *Bundle) *[]matcher.Offer { return &b.Ledger.Offers }),
	listOf("earners", func(b *Bundle) *[]matcher.Earners { return &b.Ledger.Earners }),
	listOf("transfers", func(b *Bundle) *[]matcher.Transfer { return &b.Ledger.Transfers }),
}

// Merge appends o's records (and their sources) to b.
func (b *Bundle) Merge(o *Bundle) { b.merge(o, false) }

// merge is Merge; take: o is not used again, and a list of b that is
// empty takes o's (no copy: the district's items are 62 MB).
func (b *Bundle) merge(o *Bundle, take bool) {
	if b.Name == "" {
		b.Name = o.Name
	}
	merge := func(table string, n int) {
		// b's records may lack sources (built in code): pad so that
		// indexes stay aligned.
		if take && len(b.src[table]) == 0 && b.count(table) == n && len(o.src[table]) == n {
			if b.src == nil {
				b.src = map[string][]Loc{}
			}
			b.src[table] = o.src[table]
			return
		}
		for len(b.src[table]) < b.count(table)-n {
			b.addSource(table, Loc{})
		}
		for i := 0; i < n; i++ {
			l, _ := o.Source(table, i)
			b.addSource(table, l)
		}
	}
	for _, l := range lists {
		merge(l.key, l.merge(b, o, take))
	}
}

// Problem is one thing wrong with an input: where, which field, what.
type Problem struct {
	Loc    Loc
	Record string // e.g. "items[12] (id D-001)"
	Field  string
	Msg    string
	Code   string // the matcher error code; "" is EINVALID
	// Column is the column's header as the file has it, when the problem
	// is one cell's and the header is not Field's own name ("数量" for
	// quantity); Msg then starts with it (column "数量": ...).
	Column string
	// Format and Args are the message before formatting, without the
	// column (see matcher.Error): its key for a translation.
	Format string
	Args   []any
}

// Problemf returns a problem with a formatted message, keeping format and
// args for a translation.
func Problemf(loc Loc, record, field, format string, args ...any) Problem {
	return Problem{Loc: loc, Record: record, Field: field, Msg: fmt.Sprintf(format, args...), Format: format, Args: args}
}

// Join lists the problems of several checks of one input once: a problem
// at the file, line and field of an earlier one is left out (a cell that
// did not read, then the value it left found invalid).
func Join(lists ...[]Problem) []Problem {
	type at struct {
		file  string
		line  int
		field string
	}
	seen := map[at]bool{}
	var out []Problem
	for _, l := range lists {
		for _, p := range l {
			if p.Loc.Line > 0 {
				k := at{p.Loc.File, p.Loc.Line, p.Field}
				if seen[k] {
					continue
				}
				seen[k] = true
			}
			out = append(out, p)
		}
	}
	return out
}

// Key returns the message's key for a translation: its format and
// arguments, or Msg itself when it was not made from one.
func (p Problem) Key() (format string, args []any) {
	if p.Format == "" {
		return p.Msg, nil
	}
	return p.Format, p.Args
}

func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.Loc.String())
	if p.Record != "" {
		b.WriteString(": " + p.Record)
	}
	if p.Field != "" {
		b.WriteString(": " + p.Field)
	}
	b.WriteString(": " + p.Msg)
	return b.String()
}

// code is p's matcher error code.
func (p Problem) code() string {
	if p.Code == "" {
		return matcher.EINVALID
	}
	return p.Code
}

// Error lists the problems of an input: the first matcher.MaxProblems and
// the count of the rest. Its matcher code is the code its problems share
// (ECONFLICT for an import that would move records between units), else
// EINVALID.
type Error struct {
	Problems []Problem
	More     int // problems past Problems: counted, not listed
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s problem(s):", matcher.FormatCount(len(e.Problems)+e.More))
	for _, p := range e.Problems {
		b.WriteString("\n  " + p.String())
	}
	if e.More > 0 {
		b.WriteString("\n  " + matcher.AndMore(e.More))
	}
	return b.String()
}

// Code is the matcher code of e: the one its problems share, else
// EINVALID.
func (e *Error) Code() string {
	code := matcher.EINVALID
	for i, p := range e.Problems {
		if i == 0 {
			code = p.code()
		} else if p.code() != code {
			return matcher.EINVALID
		}
	}
	return code
}

// As makes ErrorCode(err) report e's Code.
func (e *Error) As(target any) bool {
	if t, ok := target.(**matcher.Error); ok {
		*t = &matcher.Error{Code: e.Code(), Message: e.Error()}
		return true
	}
	return false
}

// problems accumulates Problems: the first matcher.MaxProblems, and the
// count of the rest.
type problems struct {
	list []Problem
	more int
}

func (ps *problems) put(p Problem) {
	if len(ps.list) >= matcher.MaxProblems {
		ps.more++
		return
	}
	ps.list = append(ps.list, p)
}

func (ps *problems) add(loc Loc, record, field, format string, args ...any) {
	ps.put(Problemf(loc, record, field, format, args...))
}

// addErr adds every field problem of err (from a Validate method).
func (ps *problems) addErr(loc Loc, record string, err error) {
	if err == nil {
		return
	}
	list := matcher.FieldErrors(err)
	if list == nil {
		ps.add(loc, record, "", "%v", err)
		return
	}
	for _, e := range list {
		ps.put(Problem{Loc: loc, Record: record, Field: e.Field, Msg: e.Message, Code: e.Code, Format: e.Format, Args: e.Args})
	}
	ps.more += matcher.Unlisted(err)
}

// merge adds the problems of e.
func (ps *problems) merge(e *Error) {
	for _, p := range e.Problems {
		ps.put(p)
	}
	ps.more += e.More
}

// any reports whether a problem was found.
func (ps *problems) any() bool { return len(ps.list) > 0 || ps.more > 0 }

func (ps *problems) err() error {
	if !ps.any() {
		return nil
	}
	return &Error{Problems: ps.list, More: ps.more}
}

// ReadPath reads a bundle from a .json or .csv file, or from a folder of
// them (not recursive). Files it does not know are an error, so that a typo
// in a file name does not silently drop a list. Problems name files by their
// base name.
func ReadPath(path string) (*Bundle, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, statError(err)
	}
	if !st.IsDir() {
		return ReadFS(os.DirFS(filepath.Dir(path)), filepath.Base(path))
	}
	return ReadFS(os.DirFS(path), ".")
}

// ReadFS is ReadPath on a file system: name is a .json or .csv file or a
// folder in fsys ("." for its root), e.g. an embedded folder. In a folder,
// sub-folders, hidden files (".x"), backups ("x~") and .md and .txt files
// are skipped; every other file must be a bundle or a
// known CSV list. Files are read in name order and merged.
func ReadFS(fsys fs.FS, name string) (*Bundle, error) {
	st, err := fs.Stat(fsys, name)
	if err != nil {
		return nil, statError(err)
	}
	if !st.IsDir() {
		return readFile(fsys, name, path.Base(name))
	}
	entries, err := fs.ReadDir(fsys, name)
	if err != nil {
		return nil, matcher.Errorf(matcher.EINVALID, "%v", err)
	}
	out := &Bundle{Format: Format}
	var ps problems
	n := 0
	for _, e := range entries { // sorted by name
		base := e.Name()
		if e.IsDir() || skipFile(base) {
			continue
		}
		b, err := readFile(fsys, path.Join(name, base), base)
		if err != nil {
			var be *Error
			if errors.As(err, &be) {
				ps.merge(be)
				continue
			}
			return nil, err
		}
		out.merge(b, true)
		n++
	}
	if err := ps.err(); err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, matcher.Errorf(matcher.EINVALID, "%s: no .json or .csv data files in this folder", name)
	}
	return out, nil
}

// skipFile reports whether a folder entry is not data: hidden files (and
// office lock files), editor backups and documentation.
func skipFile(name string) bool {
	switch strings.ToLower(path.Ext(name)) {
	case ".md", ".txt":
		return true
	}
	return strings.HasPrefix(name, ".") || strings.HasSuffix(name, "~")
}

func statError(err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return matcher.Errorf(matcher.ENOTFOUND, "%v", err)
	}
	return matcher.Errorf(matcher.EINVALID, "%v", err)
}

func readFile(fsys fs.FS, full, name string) (*Bundle, error) {
	f, err := fsys.Open(full)
	if err != nil {
		return nil, statError(err)
	}
	defer f.Close()
	data, err := readAll(f)
	if err != nil {
		return nil, matcher.Errorf(matcher.EINVALID, "%s: %v", name, err)
	}
	if len(data) > MaxFileBytes {
		return nil, &Error{Problems: []Problem{Problemf(Loc{File: name}, "", "", "file is larger than %d bytes", MaxFileBytes)}}
	}
	switch strings.ToLower(path.Ext(name)) {
	case ".json":
		return DecodeJSON(name, data)
	case ".csv":
		kind, ok := CSVKindOf(name)
		if !ok {
			return nil, &Error{Problems: []Problem{Problemf(Loc{File: name}, "", "", "unknown CSV file name; name it %s", strings.Join(csvNames(), ", "))}}
		}
		return DecodeCSV(name, kind, data)
	case ".xlsx":
		return DecodeXLSX(name, data, DefaultXLSXLimits)
	}
	return nil, &Error{Problems: []Problem{Problemf(Loc{File: name}, "", "", "unknown file type; use .json, .csv or .xlsx")}}
}

// readAll reads f up to MaxFileBytes+1 bytes into a buffer of the size
// the file says it has (io.ReadAll would grow one twice over, and its
// copies are garbage: 100 MB for the district's 83 MB).
func readAll(f fs.File) ([]byte, error) {
	r := io.LimitReader(f, MaxFileBytes+1)
	info, err := f.Stat()
	if err != nil || info.Size() <= 0 {
		return io.ReadAll(r)
	}
	data := make([]byte, 0, min(info.Size(), MaxFileBytes)+1) // +1: EOF is seen without growing
	for {
		n, err := r.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		if err == io.EOF {
			return data, nil
		}
		if err != nil {
			return data, err
		}
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)] // the file grew meanwhile
		}
	}
}

// tables are the JSON keys of a bundle's lists.
var tables = func() []string {
	keys := make([]string, len(lists))
	for i, l := range lists {
		keys[i] = l.key
	}
	return keys
}()

// DecodeJSON decodes a bundle strictly: unknown fields, wrong types and a
// missing or wrong "format" are problems, each reported with its line.
// Decoding goes on past a bad record so that every problem is listed; a
// syntax error stops it.
func DecodeJSON(name string, data []byte) (*Bundle, error) {
	return decodeJSON(name, data, true)
}

// decodeJSON is DecodeJSON, through its fast path first when fast is set
// (tests compare the two).
func decodeJSON(name string, data []byte, fast bool) (*Bundle, error) {
	data = bytes.TrimPrefix(data, utf8BOM)
	lines := lineIndex(data)
	loc := func(off int64) Loc { return Loc{File: name, Line: lines.line(off)} }
	if fast {
		if b, ok, err := decodeWellFormed(data, loc); ok {
			return b, err
		}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	b := &Bundle{}
	var ps problems
	syntax := func(err error) (*Bundle, error) {
		var se *json.SyntaxError
		off := dec.InputOffset()
		msg := err.Error()
		switch {
		case errors.As(err, &se):
			off = se.Offset
		case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
			off = int64(len(data))
			msg = "unexpected end of file"
		}
		ps.add(loc(off), "", "", "malformed JSON: %s", strings.TrimPrefix(msg, "json: "))
		return nil, ps.err()
	}
	tok, err := dec.Token()
	if err != nil {
		return syntax(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		ps.add(loc(0), "", "", "a bundle is a JSON object with %q and the record lists", "format")
		return nil, ps.err()
	}
	seen := map[string]bool{}
	formatLoc := loc(0)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return syntax(err)
		}
		key, _ := tok.(string)
		keyLoc := loc(dec.InputOffset())
		if seen[key] {
			ps.add(keyLoc, "", key, "%s", jsonstrict.MsgTwice)
		}
		seen[key] = true
		switch key {
		case "format", "name":
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return syntax(err)
			}
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				ps.add(keyLoc, "", key, "must be a string, got %s", jsonKind(raw))
				continue
			}
			if !utf8.Valid(raw) {
				ps.add(keyLoc, "", key, "%s", jsonstrict.MsgNotUTF8)
				continue
			}
			if key == "format" {
				b.Format, formatLoc = s, keyLoc
			} else {
				b.Name = s
			}
		default:
			if !slices.Contains(tables, key) {
				ps.add(keyLoc, "", key, "unknown field; a bundle has format, name, %s", strings.Join(tables, ", "))
				var skip json.RawMessage
				if err := dec.Decode(&skip); err != nil {
					return syntax(err)
				}
				continue
			}
			if err := decodeList(dec, key, b, loc, &ps); err != nil {
				return syntax(err)
			}
		}
	}
	if _, err := dec.Token(); err != nil { // '}'
		return syntax(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		ps.add(loc(dec.InputOffset()), "", "", "unexpected data after the bundle object")
	}
	if b.Format != Format {
		ps.add(formatLoc, "", "format", "must be %q, got %q", Format, b.Format)
	}
	if err := ps.err(); err != nil {
		return nil, err
	}
	return b, nil
}

// decodeList decodes the array under key record by record. It returns only
// syntax errors; record problems go to ps.
func decodeList(dec *json.Decoder, key string, b *Bundle, loc func(int64) Loc, ps *problems) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		if tok == nil {
			return nil // null: an empty list
		}
		what := "a " + fmt.Sprintf("%T", tok)
		switch tok.(type) {
		case json.Delim:
			what = "an object"
			if err := skipRest(dec); err != nil {
				return err
			}
		case string:
			what = "a string"
		case json.Number:
			what = "a number"
		case bool:
			what = "true or false"
		}
		ps.add(loc(dec.InputOffset()), "", key, "must be a list, got %s", what)
		return nil
	}
	// The records are read off the text one by one, then checked and
	// decoded (decodeRecords, on several goroutines for a long list), and
	// their problems reported in the file's order. A syntax error stops
	// the reading; the records before it are still reported.
	var recs []rawRecord
	var readErr error
	for dec.More() {
		var raw json.RawMessage
		if readErr = dec.Decode(&raw); readErr != nil {
			break
		}
		recs = append(recs, rawRecord{raw, dec.InputOffset() - int64(len(raw))})
	}
	decodeRaw(key, recs, b, loc, ps)
	if readErr != nil {
		return readErr
	}
	_, err = dec.Token() // ']'
	return err
}

// decodeRaw decodes the records recs of the list under key into b, their
// problems going to ps in the file's order.
func decodeRaw(key string, recs []rawRecord, b *Bundle, loc func(int64) Loc, ps *problems) {
	i := slices.IndexFunc(lists, func(l recordList) bool { return l.key == key })
	res := lists[i].decode(b, recs) // key is one of tables
	if b.src == nil {
		b.src = map[string][]Loc{}
	}
	b.src[key] = slices.Grow(b.src[key], len(recs))
	for i, r := range recs {
		b.addSource(key, loc(r.off))
		if sp := res[i].strict; sp != nil {
			// Reported rather than what encoding/json made of it.
			ps.add(loc(r.off+sp.Offset), fmt.Sprintf("%s[%d]", key, i), sp.Path, "%s", sp.Msg)
			continue
		}
		if err := res[i].err; err != nil {
			ps.add(loc(r.off+errOffset(err, r.raw)), fmt.Sprintf("%s[%d]", key, i), jsonField(err), "%s", jsonMessage(err))
		}
	}
}

// decodeWellFormed is DecodeJSON's fast path, for a bundle whose top level
// raises no problem: an object holding the right "format", a string
// "name" perhaps, and lists of records, each key once, valid JSON
// throughout (and valid UTF-8, no name twice in an object: jsontext's
// defaults). It splits the lists into records with jsontext, which is
// several times faster than encoding/json's Decoder and copies nothing
// (a record is a slice of data), then decodes them as decodeList does.
// Anything else, a problem of a record aside, answers ok false before
// decoding anything, and DecodeJSON reads the text again its own way,
// finding and reporting each problem.
func decodeWellFormed(data []byte, loc func(int64) Loc) (b *Bundle, ok bool, err error) {
	type list struct {
		key  string
		recs []rawRecord
	}
	var (
		lists []list
		seen  = map[string]bool{}
	)
	b = &Bundle{}
	dec := jsontext.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.ReadToken(); err != nil || tok.Kind() != '{' {
		return nil, false, nil
	}
	for dec.PeekKind() != '}' {
		tok, err := dec.ReadToken()
		if err != nil || tok.Kind() != '"' {
			return nil, false, nil
		}
		key := tok.String()
		if seen[key] {
			return nil, false, nil
		}
		seen[key] = true
		switch {
		case key == "format" || key == "name":
			tok, err := dec.ReadToken()
			if err != nil || tok.Kind() != '"' {
				return nil, false, nil
			}
			if key == "format" {
				b.Format = tok.String()
			} else {
				b.Name = tok.String()
			}
		case slices.Contains(tables, key):
			if tok, err := dec.ReadToken(); err != nil || tok.Kind() != '[' {
				return nil, false, nil
			}
			var recs []rawRecord
			for dec.PeekKind() != ']' {
				v, err := dec.ReadValue()
				if err != nil {
					return nil, false, nil
				}
				end := dec.InputOffset()
				off := end - int64(len(v))
				if off < 0 || !bytes.Equal(data[off:end], v) {
					return nil, false, nil
				}
				recs = append(recs, rawRecord{json.RawMessage(data[off:end:end]), off})
			}
			if _, err := dec.ReadToken(); err != nil { // ']'
				return nil, false, nil
			}
			lists = append(lists, list{key, recs})
		default:
			return nil, false, nil
		}
	}
	if _, err := dec.ReadToken(); err != nil { // '}'
		return nil, false, nil
	}
	if _, err := dec.ReadToken(); err != io.EOF || b.Format != Format {
		return nil, false, nil
	}
	var ps problems
	for _, l := range lists {
		decodeRaw(l.key, l.recs, b, loc, &ps)
	}
	if err := ps.err(); err != nil {
		return nil, true, err
	}
	return b, true, nil
}

// skipRest skips the rest of an object or list whose opening delimiter
// was just read.
func skipRest(dec *json.Decoder) error {
	for depth := 1; depth > 0; {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		if d, ok := tok.(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
		}
	}
	return nil
}

// rawRecord is one record of a list as the file has it, and its offset.
type rawRecord struct {
	raw json.RawMessage
	off int64
}

// recordResult is what checking and decoding one record found.
type recordResult struct {
	strict *jsonstrict.Problem
	err    error
}

// parallelRecords is the length from which a list is decoded by
// GOMAXPROCS workers, each taking decodeChunk records at a time.
const (
	parallelRecords = 4096
	decodeChunk     = 1024
)

// inChunks calls work over 0..n in ranges [lo, hi): at once for a short
// list, on GOMAXPROCS goroutines taking decodeChunk at a time from
// parallelRecords on. It returns when every range is done.
func inChunks(n int, work func(lo, hi int)) {
	if n < parallelRecords {
		work(0, n)
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for {
				lo := int(next.Add(decodeChunk) - decodeChunk)
				if lo >= n {
					return
				}
				work(lo, min(lo+decodeChunk, n))
			}
		})
	}
	wg.Wait()
}

// decodeRecords checks (jsonstrict) and decodes every record of recs into
// a new element of *list each, in order; an element is appended even when
// its record fails, so that indexes match the file. A long list is
// decoded by several goroutines, each into its own elements.
func decodeRecords[T any](recs []rawRecord, list *[]T) []recordResult {
	base := len(*list)
	*list = slices.Grow(*list, len(recs))[:base+len(recs)]
	out := (*list)[base:]
	res := make([]recordResult, len(recs))
	inChunks(len(recs), func(lo, hi int) {
		var strict jsonstrict.Checker
		for i := lo; i < hi; i++ {
			res[i] = recordResult{strict: strict.Check(recs[i].raw), err: decodeOne(recs[i].raw, &out[i])}
		}
	})
	return res
}

// fastJSON are the options of decodeOne's first try: json/v2, matching
// names exactly and refusing unknown and duplicate members and invalid
// UTF-8, so that what it accepts encoding/json's strict decoder would
// decode to the same value.
var fastJSON = jsonv2.RejectUnknownMembers(true)

// decodeOne decodes raw strictly into *v, a zero value. A record is first
// decoded with json/v2, about 2.5 times faster; one that it refuses (an
// error, or a name in another case, which encoding/json matches) is
// decoded again with encoding/json, whose result (what it decoded up to an
// error) and error messages are the bundle's.
func decodeOne[T any](raw json.RawMessage, v *T) error {
	if jsonv2.Unmarshal(raw, v, fastJSON) == nil {
		return nil
	}
	*v = *new(T)
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// errOffset returns where in raw the error err points: the value of a
// wrong type, or the key of an unknown field; 0 when it cannot tell.
func errOffset(err error, raw []byte) int64 {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Offset > 0 && te.Offset <= int64(len(raw)) {
		// Offset is just past the bad value; point at its start line.
		o := te.Offset - 1
		for o > 0 && (raw[o] == ' ' || raw[o] == '\n' || raw[o] == '\r' || raw[o] == '\t') {
			o--
		}
		return o
	}
	if f := unknownField(err); f != "" {
		key, _ := json.Marshal(f)
		if i := bytes.Index(raw, key); i >= 0 {
			return int64(i)
		}
	}
	return 0
}

// jsonKind names the JSON type of raw for messages.
func jsonKind(raw []byte) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '{':
		return "an object"
	case '[':
		return "a list"
	case '"':
		return "a string"
	case 't', 'f':
		return "true or false"
	case 'n':
		return "null"
	}
	return "a number"
}

func jsonField(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return te.Field
	}
	return unknownField(err)
}

// unknownField returns the field named by a DisallowUnknownFields error.
func unknownField(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, "unknown field "); i >= 0 {
		if f, err := strconv.Unquote(msg[i+len("unknown field "):]); err == nil {
			return f
		}
		return strings.Trim(msg[i+len("unknown field "):], `"`)
	}
	return ""
}

func jsonMessage(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("must be %s, got JSON %s", jsonTypeName(te.Type.String()), te.Value)
	}
	if unknownField(err) != "" {
		return "unknown field"
	}
	var pe *time.ParseError
	if errors.As(err, &pe) {
		return fmt.Sprintf("not a time: %q (use RFC 3339, e.g. 2026-12-01T18:00:00+08:00)", pe.Value)
	}
	msg := strings.TrimPrefix(err.Error(), "json: ")
	if strings.HasPrefix(msg, "Time.UnmarshalJSON") {
		return "must be a time string (RFC 3339, e.g. 2026-12-01T18:00:00+08:00)"
	}
	return msg
}

func jsonTypeName(t string) string {
	switch t {
	case "string", "matcher.Level", "matcher.ItemKind", "matcher.ItemStatus", "matcher.UnitKind", "matcher.ProjectStatus", "matcher.ClaimStatus", "matcher.Origin", "matcher.Side":
		return "a string"
	case "int", "int64", "uint64":
		return "an integer"
	case "float64":
		return "a number"
	case "bool":
		return "true or false"
	case "time.Time":
		return "a time string (RFC 3339)"
	}
	if strings.HasPrefix(t, "[]") {
		return "a list"
	}
	return "an object"
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

type lineIdx []int64

func lineIndex(data []byte) lineIdx {
	idx := lineIdx{0}
	for i := 0; ; {
		j := bytes.IndexByte(data[i:], '\n')
		if j < 0 {
			return idx
		}
		i += j + 1
		idx = append(idx, int64(i))
	}
}

func (l lineIdx) line(off int64) int {
	return sort.Search(len(l), func(i int) bool { return l[i] > off })
}

// WriteJSON writes b as an indented JSON bundle.
func WriteJSON(w io.Writer, b *Bundle) error {
	out := *b
	out.Format = Format
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(&out)
}
