package matcher_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/allymatch/allymatch/fixtures"
	"github.com/allymatch/allymatch/matcher"
)

func TestTextRules(t *testing.T) {
	line := matcher.NameText
	lines := matcher.DescText
	cases := []struct {
		name        string
		givenRule   matcher.Text
		givenText   string
		expectError string // "" when the text is accepted
	}{
		{"chinese", line, "龙洲湾中学晚自习护送", ""},
		{"punctuation and emoji", line, "四点半课堂（周一至周五）👍 — “作业辅导”", ""},
		{"zero-width joiner kept for emoji", line, "👨\u200d👩\u200d👧", ""},
		{"a formula-like title is text", line, `=HYPERLINK("http://x","点我")`, ""},
		{"blank required", line, " \u3000 ", "is required"},
		{"too long", line, strings.Repeat("护", matcher.MaxNameLen+1), "is longer than 200 characters"},
		{"invalid UTF-8", line, "护学\xff", "is not valid UTF-8"},
		{"NUL", line, "护学\x00", "holds a NUL character (U+0000) at character 3"},
		{"bell", line, "护\a学", "holds the control character U+0007 at character 2"},
		{"DEL", line, "护学\x7f", "holds the control character U+007F at character 3"},
		{"C1 control", line, "护学\u0085", "holds the control character U+0085 at character 3"},
		{"tab in one line", line, "护\t学", "holds a tab or line break (U+0009) at character 2; this text is one line"},
		{"newline in one line", line, "护学\n", "holds a tab or line break (U+000A) at character 3; this text is one line"},
		{"tab and lines in a description", lines, "第一行\r\n\t第二行", ""},
		{"NUL in a description", lines, "第一行\n\x00", "holds a NUL character (U+0000) at character 5"},
		{"right-to-left override", lines, "护学\u202e3202", "holds the invisible bidirectional control U+202E at character 3 (it makes text display in another order than it is stored)"},
		{"left-to-right embedding", line, "\u202a护学", "holds the invisible bidirectional control U+202A at character 1 (it makes text display in another order than it is stored)"},
		{"first strong isolate", line, "护学\u2068", "holds the invisible bidirectional control U+2068 at character 3 (it makes text display in another order than it is stored)"},
		{"pop directional isolate", line, "护学\u2069", "holds the invisible bidirectional control U+2069 at character 3 (it makes text display in another order than it is stored)"},
		{"right-to-left mark", line, "护学\u200f", "holds the invisible bidirectional control U+200F at character 3 (it makes text display in another order than it is stored)"},
		{"arabic letter mark", line, "\u061c护学", "holds the invisible bidirectional control U+061C at character 1 (it makes text display in another order than it is stored)"},
		{"line separator", lines, "护学\u2028", "holds the line or paragraph separator U+2028 at character 3"},
		{"BOM inside", line, "护\ufeff学", "holds a byte-order mark (U+FEFF) at character 2"},
		{"replacement character", line, "护学\ufffd", "holds the replacement character U+FFFD at character 3: the text was damaged by a conversion before it was sent"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.givenRule.Check("title", tc.givenText)
			if tc.expectError == "" {
				if err != nil {
					t.Fatalf("Check(%q) = %v, want nil", tc.givenText, err)
				}
				return
			}
			var e *matcher.Error
			if !errors.As(err, &e) || e.Code != matcher.EINVALID || e.Field != "title" || e.Message != tc.expectError {
				t.Fatalf("Check(%q) = %#v, want invalid title: %s", tc.givenText, err, tc.expectError)
			}
		})
	}
}

// TestEveryTextIsChecked: each text field of each record refuses a
// right-to-left override (and, in one-line fields, a line break) with the
// field named.
func TestEveryTextIsChecked(t *testing.T) {
	const rlo = "护学\u202e"
	cases := []struct {
		name        string
		givenRecord interface{ Validate() error }
		expectField string
	}{
		{"grid name", func() *matcher.Grid { g := fixtures.Grid(); g.Name = rlo; return g }(), "name"},
		{"alliance name", func() *matcher.Alliance { a := fixtures.Alliance(); a.Name = rlo; return a }(), "name"},
		{"unit name", func() *matcher.Unit { u := fixtures.Unit(); u.Name = rlo; return u }(), "name"},
		{"item title", func() *matcher.Item { it := fixtures.Item(); it.Title = rlo; return it }(), "title"},
		{"item description", func() *matcher.Item { it := fixtures.Item(); it.Description = rlo; return it }(), "description"},
		{"item measure", func() *matcher.Item { it := fixtures.Item(); it.Measure = rlo; return it }(), "measure"},
		{"item tag", func() *matcher.Item { it := fixtures.Item(); it.Tags = []string{"护学", rlo}; return it }(), "tags[1]"},
		{"item title line break", func() *matcher.Item { it := fixtures.Item(); it.Title = "护学\n"; return it }(), "title"},
		{"item tag line break", func() *matcher.Item { it := fixtures.Item(); it.Tags = []string{"护\t学"}; return it }(), "tags[0]"},
		{"project name", func() *matcher.Project { p := fixtures.Project(); p.Name = rlo; return p }(), "name"},
		{"project description", func() *matcher.Project { p := fixtures.Project(); p.Description = rlo; return p }(), "description"},
		{"claim reason", func() *matcher.Claim { c := fixtures.Claim(); c.Reason = rlo; return c }(), "reason"},
		{"claim score term", func() *matcher.Claim { c := fixtures.Claim(); c.Breakdown[1].Name = rlo; return c }(), "breakdown[1].name"},
		{"claim runner-up", func() *matcher.Claim { c := fixtures.Claim(); c.RunnerUp = "BN R08"; return c }(), "runner_up"},
		{"category chinese name", func() *matcher.Category { c := fixtures.Category(); c.NameZH = rlo; return c }(), "name_zh"},
		{"category english name", func() *matcher.Category { c := fixtures.Category(); c.NameEN = "a\x00"; return c }(), "name_en"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.givenRecord.Validate()
			list := matcher.FieldErrors(err)
			if len(list) != 1 || list[0].Field != tc.expectField || list[0].Code != matcher.EINVALID {
				t.Fatalf("Validate() = %v, want one invalid %s", err, tc.expectField)
			}
		})
	}
}
