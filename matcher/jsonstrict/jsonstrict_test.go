package jsonstrict_test

import (
	"encoding/json"
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

// FuzzCheck: Check never panics, points inside the text, and finds no
// UTF-8 problem in UTF-8 text; on valid JSON without duplicate keys it
// agrees with a decode that counts keys.
func FuzzCheck(f *testing.F) {
	for _, s := range []string{`{"a":1,"a":2}`, `[{"a":{"b":[1,2,{"c":3,"c":4}]}}]`, "{\"a\":\"\xff\"}", `{"a":1}`, `[]`, `"x"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p := jsonstrict.Check(data)
		if p == nil {
			if json.Valid(data) && utf8.Valid(data) && keyTokens(data) != decodedKeys(data) {
				t.Fatalf("Check(%q) = nil, but it has a key given twice", data)
			}
			return
		}
		if p.Offset < 0 || p.Offset > int64(len(data)) {
			t.Fatalf("Check(%q) offset %d outside the text", data, p.Offset)
		}
		if utf8.Valid(data) && p.Msg != jsonstrict.MsgTwice {
			t.Fatalf("Check(%q) = %+v on UTF-8 text", data, p)
		}
	})
}

// keyTokens counts the object keys of the first value of data.
func keyTokens(data []byte) int {
	var v any
	if json.Unmarshal(data, &v) != nil {
		return -1
	}
	dec := json.NewDecoder(strings.NewReader(string(data)))
	n, depth := 0, 0
	var inObject []bool
	wantKey := false
	for {
		tok, err := dec.Token()
		if err != nil {
			return n
		}
		switch tok := tok.(type) {
		case json.Delim:
			if tok == '{' || tok == '[' {
				inObject = append(inObject, tok == '{')
				depth++
				wantKey = tok == '{'
				continue
			}
			inObject = inObject[:len(inObject)-1]
			depth--
		case string:
			if wantKey {
				n++
				wantKey = false
				continue
			}
		}
		if depth == 0 {
			return n
		}
		wantKey = inObject[len(inObject)-1]
	}
}

// decodedKeys counts the keys of the maps a decode of data makes.
func decodedKeys(data []byte) int {
	var v any
	if json.Unmarshal(data, &v) != nil {
		return -1
	}
	var count func(v any) int
	count = func(v any) int {
		n := 0
		switch v := v.(type) {
		case map[string]any:
			n += len(v)
			for _, x := range v {
				n += count(x)
			}
		case []any:
			for _, x := range v {
				n += count(x)
			}
		}
		return n
	}
	return count(v)
}
