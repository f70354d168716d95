package matcher

import (
	"strings"
	"testing"
)

// TestProblemsCap: a validation that finds 250,000 problems keeps the
// first MaxProblems and counts the rest, through AddErr too.
func TestProblemsCap(t *testing.T) {
	var p Problems
	for i := range 250_000 {
		p.Add(fieldIndex("items", i)+".title", "is required")
	}
	if len(p.List) != MaxProblems || p.More != 249_000 {
		t.Fatalf("kept %d, counted %d more; want %d and 249000", len(p.List), p.More, MaxProblems)
	}
	err := p.Err()
	msg := err.Error()
	if !strings.HasPrefix(msg, "250,000 problems:\n  items[0].title: is required\n") || !strings.HasSuffix(msg, "\n  items[999].title: is required\n  … and 249,000 more") {
		t.Errorf("Error() = %.80q … %q", msg, msg[len(msg)-80:])
	}
	var outer Problems
	outer.Add("name", "is required")
	outer.AddErr("bundle", err)
	if len(outer.List) != MaxProblems || outer.More != 249_001 || Unlisted(outer.Err()) != 249_001 {
		t.Errorf("AddErr kept %d, counted %d more; want %d and 249001", len(outer.List), outer.More, MaxProblems)
	}
	if outer.List[1].Field != "bundle.items[0].title" {
		t.Errorf("AddErr's second problem is %s, want bundle.items[0].title", outer.List[1].Field)
	}
}

func TestFormatCount(t *testing.T) {
	for n, want := range map[int]string{0: "0", 7: "7", 999: "999", 1000: "1,000", 249000: "249,000", 1234567: "1,234,567", -1000: "-1,000"} {
		if got := FormatCount(n); got != want {
			t.Errorf("FormatCount(%d) = %q, want %q", n, got, want)
		}
	}
	if got := AndMore(249000); got != "… and 249,000 more" {
		t.Errorf("AndMore(249000) = %q", got)
	}
}
