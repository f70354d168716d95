package bundle_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/allymatch/allymatch/fixtures"
	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/bundle"
)

// wantProblem is a problem a test expects: its line, field and a part of
// its message ("" matches any).
type wantProblem struct {
	line  int
	field string
	msg   string
}

// checkProblems compares err's problems with want, in order.
func checkProblems(t *testing.T, err error, want []wantProblem) {
	t.Helper()
	if len(want) == 0 {
		if err != nil {
			t.Fatalf("error = %v, want nil", err)
		}
		return
	}
	var be *bundle.Error
	if !errors.As(err, &be) {
		t.Fatalf("error = %v (%T), want *bundle.Error with %d problem(s)", err, err, len(want))
	}
	if got := matcher.ErrorCode(err); got != matcher.EINVALID {
		t.Errorf("ErrorCode = %q, want %q", got, matcher.EINVALID)
	}
	if len(be.Problems) != len(want) {
		t.Fatalf("%d problems, want %d:\n%v", len(be.Problems), len(want), err)
	}
	for i, w := range want {
		p := be.Problems[i]
		if p.Loc.Line != w.line || p.Field != w.field || !strings.Contains(p.Msg, w.msg) {
			t.Errorf("problem %d = %s (line %d, field %q), want line %d, field %q, message with %q",
				i, p, p.Loc.Line, p.Field, w.line, w.field, w.msg)
		}
	}
}

func TestDecodeJSON(t *testing.T) {
	const head = "{\n  \"format\": \"allymatch.bundle/v1\",\n" // lines 1-2
	item := `{"id": "D1", "unit": "u1", "kind": "demand", "category": "escort", "title": "护送", "quantity": 2}`
	tests := []struct {
		name  string
		input string
		want  []wantProblem
		check func(t *testing.T, b *bundle.Bundle)
	}{
		{
			name:  "valid",
			input: head + "  \"name\": \"样例\",\n  \"items\": [\n    " + item + "\n  ]\n}\n",
			check: func(t *testing.T, b *bundle.Bundle) {
				if b.Name != "样例" || len(b.Items) != 1 || b.Items[0].Title != "护送" {
					t.Errorf("decoded %+v", b)
				}
				if l, ok := b.Source("items", 0); !ok || l.Line != 5 || l.File != "in.json" {
					t.Errorf("Source(items, 0) = %v, %v; want in.json:5", l, ok)
				}
			},
		},
		{
			name:  "BOM and null list",
			input: "\uFEFF" + head + "  \"grids\": null\n}",
		},
		{
			name:  "unknown field names its line",
			input: head + "  \"items\": [\n    {\"id\": \"D1\",\n     \"titel\": \"x\"}\n  ]\n}",
			want:  []wantProblem{{5, "titel", "unknown field"}},
		},
		{
			name:  "nested unknown field",
			input: head + "  \"units\": [\n    {\"id\": \"u1\", \"name\": \"甲\", \"kind\": \"shop\",\n     \"location\": {\"lat\": 29.3, \"lng\": 106.5}}\n  ]\n}",
			want:  []wantProblem{{5, "lng", "unknown field"}},
		},
		{
			name:  "wrong type names its line and field",
			input: head + "  \"items\": [\n    {\"id\": \"D1\",\n     \"quantity\": \"6\"}\n  ]\n}",
			want:  []wantProblem{{5, "quantity", "must be an integer, got JSON string"}},
		},
		{
			name:  "record not an object",
			input: head + "  \"grids\": [\n    42\n  ]\n}",
			want:  []wantProblem{{4, "", "must be an object, got JSON number"}},
		},
		{
			name:  "bad time",
			input: head + "  \"items\": [\n    {\"id\": \"D1\", \"windows\": [{\"from\": \"2026-12-01 18:00\"}]}\n  ]\n}",
			want:  []wantProblem{{4, "", "not a time"}},
		},
		{
			name:  "time as a number",
			input: head + "  \"items\": [\n    {\"id\": \"D1\", \"windows\": [{\"from\": 20261201}]}\n  ]\n}",
			want:  []wantProblem{{4, "", "time string"}},
		},
		{
			name:  "wrong format",
			input: "{\n  \"name\": \"x\",\n  \"format\": \"allymatch.bundle/v0\"\n}",
			want:  []wantProblem{{3, "format", `must be "allymatch.bundle/v1", got "allymatch.bundle/v0"`}},
		},
		{
			name:  "missing format",
			input: "{\"name\": \"x\"}",
			want:  []wantProblem{{1, "format", `got ""`}},
		},
		{
			name:  "format not a string",
			input: "{\n  \"format\": 1\n}",
			want:  []wantProblem{{2, "format", "must be a string, got a number"}, {1, "format", `got ""`}},
		},
		{
			name:  "syntax error names its line",
			input: head + "  \"items\": [\n    {\"id\": \"D1\",}\n  ]\n}",
			want:  []wantProblem{{4, "", "malformed JSON"}},
		},
		{
			name:  "truncated",
			input: head + "  \"items\": [\n    {\"id\": \"D1\"",
			want:  []wantProblem{{4, "", "unexpected end"}},
		},
		{
			name:  "empty",
			input: "",
			want:  []wantProblem{{1, "", "malformed JSON"}},
		},
		{
			name:  "not an object",
			input: "[1, 2]",
			want:  []wantProblem{{1, "", "a bundle is a JSON object"}},
		},
		{
			name:  "unknown top-level key, decoding goes on",
			input: head + "  \"demands\": [1, 2],\n  \"items\": [\n    {\"id\": 1}\n  ]\n}",
			want:  []wantProblem{{3, "demands", "unknown field"}, {5, "id", "must be a string"}},
		},
		{
			name:  "list given as an object, decoding goes on",
			input: head + "  \"units\": {\"id\": \"u1\", \"x\": [1, {}]},\n  \"grids\": \"g1\",\n  \"items\": [\n    {\"id\": true}\n  ]\n}",
			want:  []wantProblem{{3, "units", "must be a list, got an object"}, {4, "grids", "must be a list, got a string"}, {6, "id", "must be a string"}},
		},
		{
			name:  "key twice",
			input: head + "  \"items\": [],\n  \"items\": []\n}",
			want:  []wantProblem{{4, "items", "is given twice"}},
		},
		{
			name:  "key twice in a record, at any depth; decoding goes on",
			input: head + "  \"items\": [\n    {\"id\": \"D1\", \"quantity\": -5,\n     \"quantity\": 3},\n    {\"id\": \"D2\", \"windows\": [{\"from\": \"2026-12-01T00:00:00Z\",\n     \"from\": \"2026-12-02T00:00:00Z\"}]}\n  ]\n}",
			want:  []wantProblem{{5, "quantity", "is given twice"}, {7, "windows[0].from", "is given twice"}},
		},
		{
			name:  "not UTF-8 in a record names the field",
			input: head + "  \"items\": [\n    {\"id\": \"D1\",\n     \"tags\": [\"护学\", \"\xe6\x8a\"]}\n  ]\n}",
			want:  []wantProblem{{5, "tags[1]", "is not valid UTF-8"}},
		},
		{
			name:  "not UTF-8 in the name",
			input: head + "  \"name\": \"巴南\xff\"\n}",
			want:  []wantProblem{{3, "name", "is not valid UTF-8"}},
		},
		{
			name:  "data after the bundle",
			input: head + "  \"items\": []\n}\n}",
			want:  []wantProblem{{5, "", "unexpected data after"}},
		},
		{
			name: "several bad records are all listed",
			input: head + "  \"items\": [\n" +
				"    {\"id\": \"D1\", \"quantity\": 1.5},\n" +
				"    " + item + ",\n" +
				"    {\"id\": \"D3\", \"colour\": \"red\"},\n" +
				"    {\"id\": \"D4\", \"optional\": \"yes\"}\n" +
				"  ],\n  \"claims\": [\n    {\"id\": \"C1\", \"score\": \"high\"}\n  ]\n}",
			want: []wantProblem{
				{4, "quantity", "must be an integer, got JSON number 1.5"},
				{6, "colour", "unknown field"},
				{7, "optional", "must be true or false"},
				{10, "score", "must be an integer"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := bundle.DecodeJSON("in.json", []byte(tt.input))
			checkProblems(t, err, tt.want)
			if err != nil {
				if b != nil {
					t.Errorf("DecodeJSON returned a bundle with an error; nothing is half-read")
				}
				for _, p := range err.(*bundle.Error).Problems {
					if p.Loc.File != "in.json" {
						t.Errorf("problem %s: file %q, want in.json", p, p.Loc.File)
					}
				}
				return
			}
			if tt.check != nil {
				tt.check(t, b)
			}
		})
	}
}

func TestDecodeJSONRecordNames(t *testing.T) {
	in := "{\"format\": \"allymatch.bundle/v1\", \"items\": [{}, {\"id\": 3}]}"
	_, err := bundle.DecodeJSON("x.json", []byte(in))
	var be *bundle.Error
	if !errors.As(err, &be) || len(be.Problems) != 1 {
		t.Fatalf("error = %v, want one problem", err)
	}
	if got, want := be.Problems[0].String(), "x.json:1: items[1]: id: must be a string, got JSON number"; got != want {
		t.Errorf("problem = %q, want %q", got, want)
	}
}

// A bundle written by WriteJSON reads back to the same bundle.
func TestWriteJSONRoundTrip(t *testing.T) {
	for name, b := range map[string]*bundle.Bundle{"banan": fixtures.MustBanan(t), "small": fixtures.Small()} {
		t.Run(name, func(t *testing.T) {
			b.Format = "" // WriteJSON sets it
			var first bytes.Buffer
			if err := bundle.WriteJSON(&first, b); err != nil {
				t.Fatalf("WriteJSON error = %v", err)
			}
			if b.Format != "" {
				t.Errorf("WriteJSON changed its input")
			}
			got, err := bundle.DecodeJSON("round.json", first.Bytes())
			if err != nil {
				t.Fatalf("DecodeJSON(WriteJSON(b)) error = %v", err)
			}
			if got.Len() != b.Len() {
				t.Errorf("read back %d records, wrote %d", got.Len(), b.Len())
			}
			var second bytes.Buffer
			if err := bundle.WriteJSON(&second, got); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(first.Bytes(), second.Bytes()) {
				t.Errorf("write, read, write differs:\n%s\n---\n%s", first.String()[:200], second.String()[:200])
			}
			if bytes.Contains(first.Bytes(), []byte(`\u`)) {
				t.Errorf("WriteJSON escapes text; Chinese should stay readable")
			}
			for i := range got.Items {
				if !got.Items[i].Windows[0].From.Equal(b.Items[i].Windows[0].From) {
					t.Fatalf("item %s: window from %v, want %v", got.Items[i].ID, got.Items[i].Windows[0].From, b.Items[i].Windows[0].From)
				}
			}
		})
	}
}

// TestProblemsCap: a bundle of 250,000 bad items lists the first
// matcher.MaxProblems problems and counts the rest; so does Prepare.
func TestProblemsCap(t *testing.T) {
	var in bytes.Buffer
	in.WriteString(`{"format": "allymatch.bundle/v1", "items": [`)
	for i := range 250_000 {
		if i > 0 {
			in.WriteString(",\n")
		}
		fmt.Fprintf(&in, `{"id": %d}`, i)
	}
	in.WriteString("]}")
	_, err := bundle.DecodeJSON("big.json", in.Bytes())
	var be *bundle.Error
	if !errors.As(err, &be) {
		t.Fatalf("DecodeJSON = %v, want a *bundle.Error", err)
	}
	if len(be.Problems) != matcher.MaxProblems || be.More != 249_000 {
		t.Fatalf("DecodeJSON: %d problems and %d more, want %d and 249000", len(be.Problems), be.More, matcher.MaxProblems)
	}
	if msg := err.Error(); !strings.HasPrefix(msg, "250,000 problem(s):\n  big.json:1: items[0]: id: must be a string") || !strings.HasSuffix(msg, "\n  … and 249,000 more") {
		t.Errorf("Error() = %.100q … %q", msg, msg[len(msg)-60:])
	}

	b := &bundle.Bundle{Format: bundle.Format}
	for i := range 2500 {
		it := fixtures.Item()
		it.ID, it.Quantity = fmt.Sprintf("D-%06d", i), 0
		b.Items = append(b.Items, *it)
	}
	_, err = bundle.Prepare(b, nil)
	if !errors.As(err, &be) || len(be.Problems) != matcher.MaxProblems || be.More != 1500 {
		t.Fatalf("Prepare = %T, want %d problems and 1500 more", err, matcher.MaxProblems)
	}
	if p := be.Problems[999]; p.Record != "items[999] (id D-000999)" || p.Field != "quantity" {
		t.Errorf("last problem listed = %s", p)
	}
}
