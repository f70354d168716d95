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
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/allymatch/allymatch/matcher"
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

	// src records where each record came from, for error messages.
	src map[string][]Loc
}

// Loc is where a record came from: a file and a line (1-based; 0 unknown).
type Loc struct {
	File string
	Line int
}

func (l Loc) String() string {
	if l.Line > 0 {
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

// Len returns the number of records in b.
func (b *Bundle) Len() int {
	return len(b.Categories) + len(b.Grids) + len(b.Alliances) + len(b.Units) + len(b.Projects) + len(b.Items) + len(b.Claims)
}

// Merge appends o's records (and their sources) to b.
func (b *Bundle) Merge(o *Bundle) {
	if b.Name == "" {
		b.Name = o.Name
	}
	merge := func(table string, n int) {
		for i := 0; i < n; i++ {
			l, _ := o.Source(table, i)
			b.addSource(table, l)
		}
	}
	b.Categories = append(b.Categories, o.Categories...)
	merge("categories", len(o.Categories))
	b.Grids = append(b.Grids, o.Grids...)
	merge("grids", len(o.Grids))
	b.Alliances = append(b.Alliances, o.Alliances...)
	merge("alliances", len(o.Alliances))
	b.Units = append(b.Units, o.Units...)
	merge("units", len(o.Units))
	b.Projects = append(b.Projects, o.Projects...)
	merge("projects", len(o.Projects))
	b.Items = append(b.Items, o.Items...)
	merge("items", len(o.Items))
	b.Claims = append(b.Claims, o.Claims...)
	merge("claims", len(o.Claims))
}

// Problem is one thing wrong with an input: where, which field, what.
type Problem struct {
	Loc    Loc
	Record string // e.g. "items[12] (id D-001)"
	Field  string
	Msg    string
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

// Error lists every problem of an input. It carries the matcher code
// EINVALID.
type Error struct {
	Problems []Problem
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d problem(s):", len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n  " + p.String())
	}
	return b.String()
}

// As makes ErrorCode(err) report EINVALID.
func (e *Error) As(target any) bool {
	if t, ok := target.(**matcher.Error); ok {
		*t = &matcher.Error{Code: matcher.EINVALID, Message: e.Error()}
		return true
	}
	return false
}

// problems accumulates Problems.
type problems []Problem

func (ps *problems) add(loc Loc, record, field, format string, args ...any) {
	*ps = append(*ps, Problem{Loc: loc, Record: record, Field: field, Msg: fmt.Sprintf(format, args...)})
}

// addErr adds every field problem of err (from a Validate method).
func (ps *problems) addErr(loc Loc, record string, err error) {
	if err == nil {
		return
	}
	var list []*matcher.Error
	var pe *matcher.ProblemsError
	var me *matcher.Error
	switch {
	case errors.As(err, &pe):
		list = pe.List
	case errors.As(err, &me):
		list = []*matcher.Error{me}
	default:
		ps.add(loc, record, "", "%v", err)
		return
	}
	for _, e := range list {
		ps.add(loc, record, e.Field, "%s", e.Message)
	}
}

func (ps problems) err() error {
	if len(ps) == 0 {
		return nil
	}
	return &Error{Problems: ps}
}

// ReadPath reads a bundle from a .json or .csv file, or from a folder of
// them (not recursive). Files it does not know are an error, so that a typo
// in a file name does not silently drop a list.
func ReadPath(path string) (*Bundle, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, matcher.Errorf(matcher.EINVALID, "%v", err)
	}
	if !st.IsDir() {
		return readFile(path, filepath.Base(path))
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return nil, matcher.Errorf(matcher.EINVALID, "%v", err)
	}
	out := &Bundle{Format: Format}
	var ps problems
	n := 0
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || strings.HasPrefix(name, ".") || strings.EqualFold(filepath.Ext(name), ".md") || strings.EqualFold(filepath.Ext(name), ".txt") {
			continue
		}
		b, err := readFile(filepath.Join(path, name), name)
		if err != nil {
			var be *Error
			if errors.As(err, &be) {
				ps = append(ps, be.Problems...)
				continue
			}
			return nil, err
		}
		out.Merge(b)
		n++
	}
	if err := ps.err(); err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, matcher.Errorf(matcher.EINVALID, "%s: no .json or .csv data files in this folder", path)
	}
	return out, nil
}

func readFile(path, name string) (*Bundle, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, matcher.Errorf(matcher.EINVALID, "%v", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
	if err != nil {
		return nil, matcher.Errorf(matcher.EINVALID, "%s: %v", name, err)
	}
	if len(data) > MaxFileBytes {
		return nil, &Error{Problems: []Problem{{Loc: Loc{File: name}, Msg: fmt.Sprintf("file is larger than %d bytes", MaxFileBytes)}}}
	}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".json":
		return DecodeJSON(name, data)
	case ".csv":
		kind, ok := CSVKindOf(name)
		if !ok {
			return nil, &Error{Problems: []Problem{{Loc: Loc{File: name}, Msg: "unknown CSV file name; name it " + strings.Join(csvNames(), ", ")}}}
		}
		return DecodeCSV(name, kind, data)
	}
	return nil, &Error{Problems: []Problem{{Loc: Loc{File: name}, Msg: "unknown file type; use .json or .csv"}}}
}

// tables maps a bundle's JSON keys to a decoder of one record.
var tables = []string{"categories", "grids", "alliances", "units", "projects", "items", "claims"}

// DecodeJSON decodes a bundle strictly: unknown fields, wrong types and a
// missing or wrong "format" are problems, each reported with its line.
// Decoding goes on past a bad record so that every problem is listed.
func DecodeJSON(name string, data []byte) (*Bundle, error) {
	data = bytes.TrimPrefix(data, utf8BOM)
	lines := lineIndex(data)
	loc := func(off int64) Loc { return Loc{File: name, Line: lines.line(off)} }
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	b := &Bundle{}
	var ps problems
	syntax := func(err error) (*Bundle, error) {
		var se *json.SyntaxError
		off := dec.InputOffset()
		if errors.As(err, &se) {
			off = se.Offset
		}
		ps.add(loc(off), "", "", "malformed JSON: %v", err)
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
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return syntax(err)
		}
		key, _ := tok.(string)
		keyLoc := loc(dec.InputOffset())
		if seen[key] {
			ps.add(keyLoc, "", key, "appears twice")
		}
		seen[key] = true
		switch key {
		case "format", "name":
			var s string
			if err := dec.Decode(&s); err != nil {
				if isSyntax(err) {
					return syntax(err)
				}
				ps.add(keyLoc, "", key, "must be a string")
				continue
			}
			if key == "format" {
				b.Format = s
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
	if _, err := dec.Token(); err != nil {
		return syntax(err)
	}
	if dec.More() {
		ps.add(loc(dec.InputOffset()), "", "", "unexpected data after the bundle object")
	}
	if b.Format != Format {
		ps.add(Loc{File: name, Line: 1}, "", "format", "must be %q, got %q", Format, b.Format)
	}
	if err := ps.err(); err != nil {
		return nil, err
	}
	return b, nil
}

func isSyntax(err error) bool {
	var se *json.SyntaxError
	return errors.As(err, &se) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}

// decodeList decodes the array under key record by record. It returns only
// syntax errors; record problems go to ps.
func decodeList(dec *json.Decoder, key string, b *Bundle, loc func(int64) Loc, ps *problems) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		ps.add(loc(dec.InputOffset()), "", key, "must be a list")
		if d, ok := tok.(json.Delim); ok && d == '{' {
			return fmt.Errorf("%s must be a list, not an object", key)
		}
		return nil
	}
	for i := 0; dec.More(); i++ {
		start := loc(skipSpace(dec))
		rec := fmt.Sprintf("%s[%d]", key, i)
		var err error
		switch key {
		case "categories":
			err = decodeOne(dec, &b.Categories)
		case "grids":
			err = decodeOne(dec, &b.Grids)
		case "alliances":
			err = decodeOne(dec, &b.Alliances)
		case "units":
			err = decodeOne(dec, &b.Units)
		case "projects":
			err = decodeOne(dec, &b.Projects)
		case "items":
			err = decodeOne(dec, &b.Items)
		case "claims":
			err = decodeOne(dec, &b.Claims)
		}
		b.addSource(key, start)
		if err != nil {
			if isSyntax(err) {
				return err
			}
			ps.add(start, rec, jsonField(err), "%s", jsonMessage(err))
		}
	}
	_, err = dec.Token() // ']'
	return err
}

// decodeOne decodes the next value into a new element of *list. The element
// is appended even when decoding fails so that indexes match the file.
func decodeOne[T any](dec *json.Decoder, list *[]T) error {
	var v T
	err := dec.Decode(&v)
	*list = append(*list, v)
	return err
}

// skipSpace returns the offset of the next value (InputOffset points before
// the separator and white space).
func skipSpace(dec *json.Decoder) int64 {
	off := dec.InputOffset()
	buf, _ := io.ReadAll(io.LimitReader(dec.Buffered(), 64))
	for _, c := range buf {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != ',' {
			break
		}
		off++
	}
	return off
}

func jsonField(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return te.Field
	}
	msg := err.Error()
	if i := strings.Index(msg, "unknown field "); i >= 0 {
		return strings.Trim(msg[i+len("unknown field "):], `"`)
	}
	return ""
}

func jsonMessage(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("must be %s, got JSON %s", jsonTypeName(te.Type.String()), te.Value)
	}
	if strings.Contains(err.Error(), "unknown field ") {
		return "unknown field"
	}
	var pe *time.ParseError
	if errors.As(err, &pe) {
		return fmt.Sprintf("not a time: %q (use RFC 3339, e.g. 2026-12-01T18:00:00+08:00)", pe.Value)
	}
	return strings.TrimPrefix(err.Error(), "json: ")
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
	for i, c := range data {
		if c == '\n' {
			idx = append(idx, int64(i+1))
		}
	}
	return idx
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
