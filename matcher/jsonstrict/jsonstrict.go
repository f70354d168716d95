// Package jsonstrict finds what encoding/json accepts without a word: an
// object key given twice (json keeps the last value, so
// {"quantity":-5,"quantity":3} reads as 3) and bytes that are not UTF-8
// (json replaces them with U+FFFD). The API's request decoder and the
// bundle decoder check their input with Check before they decode it.
package jsonstrict

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
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

// frame is an object or array being scanned.
type frame struct {
	object  bool
	wantKey bool     // object: the next string is a key
	key     string   // object: the key of the value being scanned
	index   int      // array: the index of the value being scanned
	keys    []string // object: the keys so far (few: a linear search)
	set     map[string]struct{}
}

// manyKeys is the size past which an object's keys go to a map, so that an
// object of a million keys costs a million look-ups, not their square.
const manyKeys = 16

// seen records key and reports whether the object had it already.
func (f *frame) seen(key string) bool {
	if f.set != nil {
		if _, ok := f.set[key]; ok {
			return true
		}
		f.set[key] = struct{}{}
		return false
	}
	for _, k := range f.keys {
		if k == key {
			return true
		}
	}
	f.keys = append(f.keys, key)
	if len(f.keys) > manyKeys {
		f.set = make(map[string]struct{}, 2*manyKeys)
		for _, k := range f.keys {
			f.set[k] = struct{}{}
		}
	}
	return false
}

// Check scans the first JSON value of data, streaming with
// json.Decoder.Token, and returns its first problem: a key given twice in
// one object, at any depth, or text that is not UTF-8 (named by the value
// or object that holds it). It returns nil when there is none. Syntax
// errors are the decoder's to report: Check stops at one and returns nil
// (or the UTF-8 problem, when the bytes are not UTF-8).
func Check(data []byte) *Problem {
	bad := int64(-1) // the offset of the first byte that is not UTF-8
	if !utf8.Valid(data) {
		bad = int64(firstInvalid(data))
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var stack []frame
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		end := dec.InputOffset()
		var top *frame
		if len(stack) > 0 {
			top = &stack[len(stack)-1]
		}
		if s, ok := tok.(string); ok && top != nil && top.object && top.wantKey {
			if bad >= 0 && bad < end {
				return &Problem{Path: path(stack[:len(stack)-1]), Offset: end, Msg: MsgKeyNotUTF8}
			}
			if top.seen(s) {
				top.key = s
				return &Problem{Path: path(stack), Offset: end, Msg: MsgTwice}
			}
			top.key, top.wantKey = s, false
			continue
		}
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{', '[':
				stack = append(stack, frame{})
				f := &stack[len(stack)-1]
				if d == '{' {
					f.object, f.wantKey = true, true
				}
				continue
			case '}', ']':
				stack = stack[:len(stack)-1]
				top = nil
				if len(stack) > 0 {
					top = &stack[len(stack)-1]
				}
			}
		} else if _, ok := tok.(string); ok && bad >= 0 && bad < end {
			return &Problem{Path: path(stack), Offset: end, Msg: MsgNotUTF8}
		}
		// A value ended: its parent moves on.
		if top == nil {
			break // the first value is done
		}
		if top.object {
			top.wantKey = true
		} else {
			top.index++
		}
	}
	if bad >= 0 {
		return &Problem{Offset: bad, Msg: MsgNotUTF8}
	}
	return nil
}

// path names the value being scanned in stack.
func path(stack []frame) string {
	var b strings.Builder
	for _, f := range stack {
		if f.object {
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(f.key)
		} else {
			b.WriteString("[" + strconv.Itoa(f.index) + "]")
		}
	}
	return b.String()
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
