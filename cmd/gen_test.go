package cmd

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/bundle"
)

func runGenMain(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Main(context.Background(), args, Stdio{In: strings.NewReader(""), Out: &out, Err: &errb})
	return code, out.String(), errb.String()
}

func TestGen(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "district")
	code, out, errs := runGenMain(t, "gen", "--units", "500", "--seed", "3", "--out", dir)
	if code != 0 {
		t.Fatalf("gen: exit %d, stderr %q", code, errs)
	}
	if errs != "" {
		t.Errorf("stderr=%q, want nothing (no progress bar off a terminal)", errs)
	}
	if !strings.HasPrefix(out, "gen: 500 units, ") || strings.Count(out, "\n") != 1 {
		t.Errorf("stdout=%q, want one summary line starting \"gen: 500 units, \"", out)
	}
	for _, w := range []string{" grids, ", " alliances, ", " items (", " projects: ", dir} {
		if !strings.Contains(out, w) {
			t.Errorf("summary %q lacks %q", out, w)
		}
	}
	b, err := bundle.ReadPath(dir)
	if err != nil {
		t.Fatalf("ReadPath: %v", err)
	}
	if _, err := bundle.Prepare(b, matcher.MustDefaultVocabulary()); err != nil {
		t.Fatalf("Prepare: %v", err)
	}
	if len(b.Units) != 500 || len(b.Items) == 0 {
		t.Errorf("read %d units and %d items, want 500 and some", len(b.Units), len(b.Items))
	}
	before, _ := os.ReadFile(filepath.Join(dir, "items.json"))

	// A second run refuses the non-empty folder, unless forced.
	code, _, errs = runGenMain(t, "gen", "--units", "500", "--seed", "3", "--out", dir)
	if code != 1 || !strings.Contains(errs, "not empty") || !strings.Contains(errs, "--force") {
		t.Errorf("gen into a non-empty folder: exit %d, stderr %q; want 1 and a hint to --force", code, errs)
	}
	code, _, errs = runGenMain(t, "gen", "--units", "500", "--seed", "3", "--out", dir, "--force")
	if code != 0 {
		t.Fatalf("gen --force: exit %d, stderr %q", code, errs)
	}
	after, _ := os.ReadFile(filepath.Join(dir, "items.json"))
	if !bytes.Equal(before, after) {
		t.Errorf("the same units and seed gave different items.json")
	}

	// Another file in the folder is kept, with a note.
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errs = runGenMain(t, "gen", "--units", "500", "--out", dir, "--force")
	if code != 0 || !strings.Contains(errs, "notes.txt") {
		t.Errorf("gen --force next to another file: exit %d, stderr %q; want 0 and a note naming it", code, errs)
	}
	if _, err := os.Stat(filepath.Join(dir, "notes.txt")); err != nil {
		t.Errorf("gen --force removed another file: %v", err)
	}
}

func TestGenUsage(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"gen", "--units", "many"}, 2, "invalid value"},
		{[]string{"gen", "--out", dir, "extra"}, 2, "unexpected argument"},
		{[]string{"gen", "--units", "10", "--out", filepath.Join(dir, "x")}, 1, "units"},
	} {
		code, _, errs := runGenMain(t, tc.args...)
		if code != tc.code || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tc.args, code, errs, tc.code, tc.want)
		}
	}
}
