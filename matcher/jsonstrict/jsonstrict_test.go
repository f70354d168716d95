package jsonstrict_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/allymatch/allymatch/matcher/jsonstrict"
)

func TestCheck(t *testing.T) {
	many := `{`
	for i := range 40 {
		many += `"k` + string(rune('a'+i%26)) + strings.Repeat("x", i/26) + `":1,`
	}
	cases := []struct {
		name         string
		givenJSON    string
		expectPath   string
		expectMsg    string // "" when Check finds nothing
		expectOffset int64
	}{
		{"valid", `{"title":"护学","tags":["a","b"],"windows":[{"from":"x"}]}`, "", "", 0},
		{"same key in sibling objects", `[{"a":1},{"a":2}]`, "", "", 0},
		{"same key at two depths", `{"a":{"a":1}}`, "", "", 0},
		{"scalar", `"护学"`, "", "", 0},
		{"twice at the top", `{"quantity":-5,"quantity":3}`, "quantity", jsonstrict.MsgTwice, 25},
		{"twice deep", `{"items":[{"id":"a"},{"id":"b","windows":[{"from":"x","to":"y","from":"z"}]}]}`, "items[1].windows[0].from", jsonstrict.MsgTwice, 69},
		{"twice after a nested value", `{"a":{"b":[1,{"c":2}]},"d":1,"a":2}`, "a", jsonstrict.MsgTwice, 32},
		{"twice in a big object", many + `"kb":2}`, "kb", jsonstrict.MsgTwice, int64(len(many) + 4)},
		{"not UTF-8 in a value", "{\"items\":[{\"title\":\"\xff\"}]}", "items[0].title", jsonstrict.MsgNotUTF8, 22},
		{"not UTF-8 in a list", "{\"tags\":[\"a\",\"b\xc3\"]}", "tags[1]", jsonstrict.MsgNotUTF8, 17},
		{"not UTF-8 in a key", "{\"a\":{\"ti\xfftle\":1}}", "a", jsonstrict.MsgKeyNotUTF8, 14},
		{"not UTF-8 at the top", "\"\xff\"", "", jsonstrict.MsgNotUTF8, 3},
		{"not UTF-8 outside a string", "{\"a\":1\xff}", "", jsonstrict.MsgNotUTF8, 6},
		{"twice in another case", `{"quantity":-5,"Quantity":3}`, "Quantity", jsonstrict.MsgTwice, 25},
		{"twice by a fold of another script", `{"kind":"shop","\u212aind":"bank"}`, "\u212aind", jsonstrict.MsgTwice, 26},
		{"twice through an escape", `{"title":"a","\u0074itle":"b"}`, "title", jsonstrict.MsgTwice, 25},
		{"chinese keys", `{"名称":"a","名称":"b"}`, "名称", jsonstrict.MsgTwice, 22},
		{"deeper than encoding/json goes", strings.Repeat("[", 10001) + `{"a":1,"a":2}` + strings.Repeat("]", 10001), "", "", 0},
		{"text ends in an escape (found by fuzzing)", `"\`, "", "", 0},
		{"syntax error is the decoder's", `{"a":1,,"a":2}`, "", "", 0},
		{"only the first value", `{"a":1} {"a":1,"a":2}`, "", "", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := jsonstrict.Check([]byte(tc.givenJSON))
			if tc.expectMsg == "" {
				if p != nil {
					t.Fatalf("Check(%q) = %+v, want nil", tc.givenJSON, p)
				}
				return
			}
			if p == nil || p.Path != tc.expectPath || p.Msg != tc.expectMsg || p.Offset != tc.expectOffset {
				t.Fatalf("Check(%q) = %+v (offset %d), want {Path:%s Offset:%d Msg:%s}", tc.givenJSON, p, p.Offset, tc.expectPath, tc.expectOffset, tc.expectMsg)
			}
		})
	}
}

// FuzzCheck: Check never panics and points inside the text; on valid
// JSON it finds what a reference built on json.Decoder.Token finds.
func FuzzCheck(f *testing.F) {
	for _, s := range []string{`{"a":1,"a":2}`, `[{"a":{"b":[1,2,{"c":3,"C":4}]}}]`, "{\"a\":\"\xff\"}", `{"a":1}`, `[]`, `"x"`, `{"\u0061":1,"a":2}`, "{\"k\":1,\"\u212a\":2}"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p := jsonstrict.Check(data)
		if p != nil && (p.Offset < 0 || p.Offset > int64(len(data))) {
			t.Fatalf("Check(%q) offset %d outside the text", data, p.Offset)
		}
		if !json.Valid(data) {
			return
		}
		want := referenceCheck(data)
		if (p == nil) != (want == nil) || p != nil && (p.Path != want.Path || p.Msg != want.Msg) {
			t.Fatalf("Check(%q) = %+v, the reference finds %+v", data, p, want)
		}
	})
}

// referenceCheck is Check built on json.Decoder.Token: simpler, and about
// ten times slower.
func referenceCheck(data []byte) *jsonstrict.Problem {
	bad := int64(-1)
	if !utf8.Valid(data) {
		for i := 0; i < len(data); {
			r, n := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && n == 1 {
				bad = int64(i)
				break
			}
			i += n
		}
	}
	type frame struct {
		object, wantKey bool
		key             string
		index           int
		keys            []string
	}
	path := func(stack []frame) string {
		var b strings.Builder
		for _, f := range stack {
			switch {
			case f.object && b.Len() > 0:
				b.WriteString("." + f.key)
			case f.object:
				b.WriteString(f.key)
			default:
				fmt.Fprintf(&b, "[%d]", f.index)
			}
		}
		return b.String()
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
				return &jsonstrict.Problem{Path: path(stack[:len(stack)-1]), Msg: jsonstrict.MsgKeyNotUTF8}
			}
			top.key, top.wantKey = s, false
			for _, k := range top.keys {
				if strings.EqualFold(k, s) {
					return &jsonstrict.Problem{Path: path(stack), Msg: jsonstrict.MsgTwice}
				}
			}
			top.keys = append(top.keys, s)
			continue
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			stack = append(stack, frame{object: tok == json.Delim('{'), wantKey: true})
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			top = nil
			if len(stack) > 0 {
				top = &stack[len(stack)-1]
			}
		default:
			if _, ok := tok.(string); ok && bad >= 0 && bad < end {
				return &jsonstrict.Problem{Path: path(stack), Msg: jsonstrict.MsgNotUTF8}
			}
		}
		if top == nil {
			break
		}
		if top.object {
			top.wantKey = true
		} else {
			top.index++
		}
	}
	if bad >= 0 {
		return &jsonstrict.Problem{Msg: jsonstrict.MsgNotUTF8}
	}
	return nil
}
