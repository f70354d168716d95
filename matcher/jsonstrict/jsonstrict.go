// Package jsonstrict finds what encoding/json accepts without a word: an
// object key given twice (json keeps the last value, so
// {"quantity":-5,"quantity":3} reads as 3) and bytes that are not UTF-8
// (json replaces them with U+FFFD). The API's request decoder and the
// bundle decoder check their input with Check before they decode it.
//
// Keys are compared as encoding/json matches them to struct fields:
// without regard to case ({"quantity":-5,"Quantity":3} is a key given
// twice too). Check is one pass over the bytes that builds no value (about
// 400 MB/s, BenchmarkCheck), so that it adds nothing measurable to the
// decode of a district's 73 MB items file (BenchmarkDecodeJSON in
// matcher/bundle). Its tests hold it to a reference built on
// json.Decoder.Token, which is simpler but twelve times slower: as slow as
// the decode itself.
package jsonstrict

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Problem is what Check found: the path of the value at fault as the
// domain's errors name fields ("items[3].title", "tags[0]"; "" for the
// whole text), the byte offset in the text just after the token at fault,
// and what is wrong.
type Problem struct {
	Path   string
	Offset int64
	Msg    string
}

func (p *Problem) Error() string {
	if p.Path == "" {
		return p.Msg
	}
	return p.Path + ": " + p.Msg
}

// Messages of the problems.
const (
	MsgTwice      = "is given twice"
	MsgNotUTF8    = "is not valid UTF-8"
	MsgKeyNotUTF8 = "holds a key that is not valid UTF-8"
)

// maxDepth is encoding/json's nesting limit; deeper text is its error.
const maxDepth = 10000

// manyKeys is the size past which an object's keys go to a map, so that an
// object of a million keys costs a million look-ups, not their square.
const manyKeys = 16

// frame is an object or array being scanned.
type frame struct {
	object bool
	key    []byte // object: the key of the value being scanned, as written
	index  int    // array: the index of the value being scanned
	folded []byte // object: the keys so far, folded, end to end
	ends   []int  // object: where each folded key ends in folded
	set    map[string]struct{}
}

// seen records the folded key k and reports whether the object had it.
func (f *frame) seen(k []byte) bool {
	if f.set != nil {
		if _, ok := f.set[string(k)]; ok {
			return true
		}
		f.set[string(k)] = struct{}{}
		return false
	}
	start := 0
	for _, end := range f.ends {
		if bytes.Equal(f.folded[start:end], k) {
			return true
		}
		start = end
	}
	f.folded = append(f.folded, k...)
	f.ends = append(f.ends, len(f.folded))
	if len(f.ends) > manyKeys {
		f.set = make(map[string]struct{}, 2*manyKeys)
		start = 0
		for _, end := range f.ends {
			f.set[string(f.folded[start:end])] = struct{}{}
			start = end
		}
	}
	return false
}

// Checker is Check with its scratch memory kept between calls, for many
// small texts (a bundle's records). Its zero value is ready; it is not
// safe for concurrent use.
type Checker struct {
	s scanner
}

// Check is the package's Check.
func (c *Checker) Check(data []byte) *Problem {
	c.s.data, c.s.i, c.s.bad, c.s.depth = data, 0, -1, 0
	p := c.s.check()
	c.s.data = nil
	return p
}

// scanner walks one JSON text.
type scanner struct {
	data  []byte
	i     int
	bad   int // offset of the first byte that is not UTF-8; -1 if none
	stack []frame
	depth int    // frames in use (stack keeps the others for reuse)
	fold  []byte // scratch for folding a key
}

// Check scans the first JSON value of data and returns its first problem:
// a key given twice in one object, at any depth, or text that is not
// UTF-8 (named by the string, or for a key by the object, that holds it).
// It returns nil when there is none. Syntax errors are the decoder's to
// report: Check stops at one and returns nil (or the UTF-8 problem, when
// the bytes are not UTF-8).
func Check(data []byte) *Problem {
	var c Checker
	return c.Check(data)
}

func (s *scanner) check() *Problem {
	if !utf8.Valid(s.data) {
		s.bad = firstInvalid(s.data)
	}
	if p := s.value(); p != nil {
		return p
	}
	if s.bad >= 0 {
		return &Problem{Offset: int64(s.bad), Msg: MsgNotUTF8}
	}
	return nil
}

// value scans one value and what it holds; it stops at a problem (which it
// returns) or at a syntax error (nil).
func (s *scanner) value() *Problem {
	for {
		// A value starts here.
		s.space()
		if s.i >= len(s.data) {
			return nil
		}
		switch s.data[s.i] {
		case '{':
			s.i++
			if !s.push(true) {
				return nil
			}
			if s.space(); s.peek() == '}' {
				s.i++
				s.pop()
				break
			}
			if p, ok := s.key(); p != nil || !ok {
				return p
			}
			continue
		case '[':
			s.i++
			if !s.push(false) {
				return nil
			}
			if s.space(); s.peek() == ']' {
				s.i++
				s.pop()
				break
			}
			continue
		case '"':
			start := s.i
			if !s.str() {
				return nil
			}
			if s.bad >= start && s.bad < s.i {
				return &Problem{Path: s.path(s.depth), Offset: int64(s.i), Msg: MsgNotUTF8}
			}
		default:
			start := s.i
			for s.i < len(s.data) && !isDelim(s.data[s.i]) {
				s.i++
			}
			if s.i == start {
				return nil // a stray delimiter: a syntax error
			}
		}
		// A value ended: go on in its parent.
		for {
			if s.depth == 0 {
				return nil // the first value is done
			}
			top := &s.stack[s.depth-1]
			s.space()
			c := s.peek()
			s.i++
			switch {
			case c == ',' && top.object:
				if p, ok := s.key(); p != nil || !ok {
					return p
				}
			case c == ',':
				top.index++
			case c == '}' && top.object, c == ']' && !top.object:
				s.pop()
				continue
			default:
				return nil // a syntax error
			}
			break
		}
	}
}

// key scans an object's key and its colon; ok is false at a syntax error.
func (s *scanner) key() (p *Problem, ok bool) {
	s.space()
	start := s.i
	if s.peek() != '"' || !s.str() {
		return nil, false
	}
	top := &s.stack[s.depth-1]
	raw := s.data[start+1 : s.i-1]
	if s.bad >= start && s.bad < s.i {
		return &Problem{Path: s.path(s.depth - 1), Offset: int64(s.i), Msg: MsgKeyNotUTF8}, true
	}
	top.key = raw
	name := raw
	if bytes.IndexByte(raw, '\\') >= 0 {
		name = []byte(unquote(raw))
	}
	s.fold = appendFolded(s.fold[:0], name)
	if top.seen(s.fold) {
		return &Problem{Path: s.path(s.depth), Offset: int64(s.i), Msg: MsgTwice}, true
	}
	s.space()
	if s.peek() != ':' {
		return nil, false
	}
	s.i++
	return nil, true
}

// str scans a string whose opening quote is at s.i; it is false when the
// text ends first.
func (s *scanner) str() bool {
	s.i++
	for {
		j := bytes.IndexAny(s.data[s.i:], `"\`)
		if j < 0 {
			s.i = len(s.data)
			return false
		}
		s.i += j + 1
		if s.data[s.i-1] == '"' {
			return true
		}
		s.i++ // the escaped byte (\u's digits are plain bytes)
		if s.i >= len(s.data) {
			s.i = len(s.data)
			return false
		}
	}
}

// push starts an object or array; it is false past encoding/json's depth.
func (s *scanner) push(object bool) bool {
	if s.depth == maxDepth {
		return false
	}
	if s.depth == len(s.stack) {
		s.stack = append(s.stack, frame{})
	}
	f := &s.stack[s.depth]
	*f = frame{object: object, folded: f.folded[:0], ends: f.ends[:0]}
	s.depth++
	return true
}

func (s *scanner) pop() { s.depth-- }

func (s *scanner) peek() byte {
	if s.i < len(s.data) {
		return s.data[s.i]
	}
	return 0
}

func (s *scanner) space() {
	for s.i < len(s.data) {
		switch s.data[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// isDelim reports whether c ends a number or literal.
func isDelim(c byte) bool {
	switch c {
	case ',', ']', '}', ' ', '\t', '\n', '\r', ':', '"', '{', '[':
		return true
	}
	return false
}

// path names the value being scanned in the first n frames.
func (s *scanner) path(n int) string {
	var b strings.Builder
	for _, f := range s.stack[:n] {
		if f.object {
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			if bytes.IndexByte(f.key, '\\') >= 0 {
				b.WriteString(unquote(f.key))
			} else {
				b.Write(f.key)
			}
		} else {
			b.WriteString("[" + strconv.Itoa(f.index) + "]")
		}
	}
	return b.String()
}

// unquote returns the text of a key with escapes, as encoding/json reads
// it.
func unquote(raw []byte) string {
	var v string
	q := make([]byte, 0, len(raw)+2)
	q = append(append(append(q, '"'), raw...), '"')
	if json.Unmarshal(q, &v) != nil {
		return string(raw)
	}
	return v
}

// appendFolded appends name folded as encoding/json folds field names to
// match them without regard to case: ASCII letters upper-cased, other
// runes to the smallest rune of their fold set.
func appendFolded(out, name []byte) []byte {
	for i := 0; i < len(name); {
		if c := name[i]; c < utf8.RuneSelf {
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			out = append(out, c)
			i++
			continue
		}
		r, n := utf8.DecodeRune(name[i:])
		out = utf8.AppendRune(out, foldRune(r))
		i += n
	}
	return out
}

// foldRune returns the smallest rune of r's fold set.
func foldRune(r rune) rune {
	for {
		r2 := unicode.SimpleFold(r)
		if r2 <= r {
			return r2
		}
		r = r2
	}
}

// firstInvalid returns the offset of the first byte of data that does not
// start a UTF-8 sequence, or len(data).
func firstInvalid(data []byte) int {
	for i := 0; i < len(data); {
		if data[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return len(data)
}
