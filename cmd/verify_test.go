package cmd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestVerify: every welfare and coverage plan of the Banan sample carries
// a certificate verify accepts; a plan edited by hand (one quantity moved),
// a plan of an older store index, a plan of another store and a file that
// is not a plan are refused, each naming what is wrong.
func TestVerify(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	if code, _, stderr := runCmd(t, "load", "--data", data, "../fixtures/banan"); code != 0 {
		t.Fatalf("load = %d: %s", code, stderr)
	}
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, mode := range []string{"welfare", "coverage"} {
		code, out, stderr := runCmd(t, "match", "--data", data, "--json", "--mode", mode)
		if code != 0 {
			t.Fatalf("match = %d: %s", code, stderr)
		}
		code, got, stderr := runCmd(t, "verify", "--data", data, write(mode+".json", out))
		if code != 0 || strings.Count(got, "certified optimal") != 13 || strings.Contains(got, "NOT") {
			t.Fatalf("verify %s = %d:\n%s%s", mode, code, got, stderr)
		}
	}
	_, out, _ := runCmd(t, "match", "--data", data, "--json", "--meeting", "lh")
	var plan map[string]any
	if err := json.Unmarshal([]byte(out), &plan); err != nil {
		t.Fatal(err)
	}
	ps := plan["proposals"].([]any)
	a, b := ps[0].(map[string]any), ps[len(ps)-1].(map[string]any)
	a["quantity"] = a["quantity"].(float64) - 1
	b["quantity"] = b["quantity"].(float64) + 1
	edited, _ := json.Marshal(plan)
	code, got, _ := runCmd(t, "verify", "--data", data, write("edited.json", string(edited)))
	if code != 1 || !strings.Contains(got, "lh: NOT certified") {
		t.Errorf("an edited plan = %d:\n%s", code, got)
	}
	plan["seq"] = plan["seq"].(float64) - 1
	old, _ := json.Marshal(plan)
	if code, got, _ := runCmd(t, "verify", "--data", data, write("old.json", string(old))); code != 1 || !strings.Contains(got, "made at store index") {
		t.Errorf("a plan of an older store index = %d:\n%s", code, got)
	}
	plan["seq"] = plan["seq"].(float64) + 1
	plan["meeting"] = "hx"
	other, _ := json.Marshal(plan)
	if code, got, _ := runCmd(t, "verify", "--data", data, write("other.json", string(other))); code != 1 || !strings.Contains(got, "another store") {
		t.Errorf("a plan of another store = %d:\n%s", code, got)
	}
	if code, _, stderr := runCmd(t, "verify", "--data", data, write("bad.json", `{"hello":`)); code != 1 || !strings.Contains(stderr, "not a plan") {
		t.Errorf("not a plan = %d: %s", code, stderr)
	}
	if code, _, stderr := runCmd(t, "verify", write("x.json", "{}")); code != 2 || !strings.Contains(stderr, "--data") {
		t.Errorf("no --data = %d: %s", code, stderr)
	}
}
