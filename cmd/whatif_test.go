package cmd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWhatIf(t *testing.T) {
	dir := t.TempDir()
	edits := filepath.Join(dir, "edits.json")
	if err := os.WriteFile(edits, []byte(`[{"op":"set_quantity","item":"LH-R10","quantity":20}]`), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := runCmd(t, "whatif", "--meeting", "lh", "--edits", edits, "--json")
	if code != 0 {
		t.Fatalf("whatif = %d, stderr: %s", code, stderr)
	}
	var d struct {
		Meeting string
		Demands []struct {
			Demand, Change      string
			MetBefore, MetAfter int64 `json:"-"`
		}
		Totals struct{ Met int64 }
	}
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if d.Meeting != "lh" || d.Totals.Met <= 0 || !strings.Contains(out, `"LH-D02"`) {
		t.Errorf("diff %+v lacks LH-D02 newly met quantity:\n%s", d, out)
	}
	code, out, _ = runCmd(t, "whatif", "--meeting", "lh", "--edits", edits)
	if code != 0 || !strings.Contains(out, "LH-D02") || !strings.Contains(out, "Totals:") || !strings.Contains(out, "lh-") {
		t.Errorf("whatif table = %d:\n%s", code, out)
	}

	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"meeting":"lh","edits":[{"op":"set_radius","item":"LH-D06","radius_km":3},{"op":"set_quantity","item":"LH-R12","quantity":0}]}`), 0o644)
	if code, _, stderr := runCmd(t, "whatif", "--edits", bad); code != 1 || !strings.Contains(stderr, "edits[1].quantity") {
		t.Errorf("bad edit = %d %q, want 1 naming edits[1].quantity", code, stderr)
	}
	if code, _, stderr := runCmd(t, "whatif", "--meeting", "lh"); code != 2 || !strings.Contains(stderr, "--edits") {
		t.Errorf("no --edits = %d %q", code, stderr)
	}
}
