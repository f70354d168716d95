package cmd

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/allymatch/allymatch/matcher/match"
)

func TestMatchBanan(t *testing.T) {
	code, out, stderr := runCmd(t, "match", "--meeting", "lh", "--json")
	if code != 0 {
		t.Fatalf("match = %d, stderr: %s", code, stderr)
	}
	var res struct {
		Meeting   string `json:"meeting"`
		Optimal   bool   `json:"optimal"`
		Proposals []struct {
			Resource, Demand string
			Quantity         int64
			Score            int
			Breakdown        []struct{ Name string }
		} `json:"proposals"`
		Unmet []struct{ Demand, Reason string } `json:"unmet"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("match --json output is not JSON: %v\n%s", err, out)
	}
	if res.Meeting != "lh" || !res.Optimal || len(res.Proposals) == 0 || len(res.Unmet) == 0 {
		t.Errorf("match lh: meeting %q optimal %v, %d proposals, %d unmet; want lh, optimal, some of each", res.Meeting, res.Optimal, len(res.Proposals), len(res.Unmet))
	}
	for _, p := range res.Proposals {
		if len(p.Breakdown) != len(match.Terms) || p.Quantity <= 0 {
			t.Errorf("proposal %+v lacks its breakdown or quantity", p)
		}
	}
	_, again, _ := runCmd(t, "match", "--meeting", "lh", "--json")
	strip := func(s string) string { // timings differ between runs
		i := strings.Index(s, `"stats"`)
		return s[:i]
	}
	if strip(again) != strip(out) {
		t.Errorf("two runs on the same data differ")
	}

	code, out, _ = runCmd(t, "match")
	if code != 0 || !strings.Contains(out, "龙华社区") || !strings.Contains(out, "Totals:") || !strings.Contains(out, "Unmet demands") {
		t.Errorf("match (all meetings) = %d; output lacks the Longhua meeting, totals or unmet:\n%s", code, out)
	}
}

func TestMatchBadInput(t *testing.T) {
	if code, _, stderr := runCmd(t, "match", "--mode", "fastest"); code != 2 || !strings.Contains(stderr, "mode") {
		t.Errorf("match --mode fastest = %d %q, want 2 naming mode", code, stderr)
	}
	if code, _, stderr := runCmd(t, "match", "--meeting", "nowhere"); code != 1 || !strings.Contains(stderr, "nowhere") {
		t.Errorf("match --meeting nowhere = %d %q, want 1 naming it", code, stderr)
	}
}
