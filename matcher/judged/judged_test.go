package judged_test

import (
	"context"
	"strings"
	"testing"

	"github.com/allymatch/allymatch/fixtures"
	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/judged"
	"github.com/allymatch/allymatch/matcher/match"
)

func TestReadLabels(t *testing.T) {
	for _, tc := range []struct{ name, in, wantErr string }{
		{"ok", "resource,demand,label,reason\nR1,D1,good,\nR2,D1,bad,不对口\n", ""},
		{"header", "a,b,c,d\n", "first row"},
		{"label", "resource,demand,label,reason\nR1,D1,maybe,x\n", "good or bad"},
		{"reason", "resource,demand,label,reason\nR1,D1,bad,\n", "needs its reason"},
		{"twice", "resource,demand,label,reason\nR1,D1,good,\nR1,D1,bad,x\n", "judged twice"},
		{"id", "resource,demand,label,reason\nR 1,D1,good,\n", "not item ids"},
	} {
		_, err := judged.ReadLabels(strings.NewReader(tc.in))
		if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("%s: err=%v, want %q", tc.name, err, tc.wantErr)
		}
	}
}

// TestJudgedSets reads every judged set, checks that each judged pair
// names a resource and a demand of its sample, and that the figures add up.
func TestJudgedSets(t *testing.T) {
	for _, js := range fixtures.JudgedSets() {
		b, err := js.Bundle()
		if err != nil {
			t.Fatalf("%s: %v", js.Name, err)
		}
		f, err := js.Labels()
		if err != nil {
			t.Fatal(err)
		}
		labels, err := judged.ReadLabels(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", js.Name, err)
		}
		kinds := map[string]matcher.ItemKind{}
		for _, it := range b.Items {
			kinds[it.ID] = it.Kind
		}
		for p := range labels {
			if kinds[p.Resource] != matcher.Resource || kinds[p.Demand] != matcher.Demand {
				t.Errorf("%s: %s → %s: not a resource and a demand of the sample", js.Name, p.Resource, p.Demand)
			}
		}
		figs, err := judged.Run(context.Background(), b, labels, []match.Mode{match.Welfare, match.Coverage, match.Stable}, match.DefaultSettings())
		if err != nil {
			t.Fatal(err)
		}
		for _, fg := range figs {
			if fg.Good+fg.Bad+fg.Unjudged != fg.Proposals || fg.Recalled+len(fg.Missed) != fg.Reachable || fg.Reachable == 0 {
				t.Errorf("%s %s: figures do not add up: %+v", js.Name, fg.Mode, fg)
			}
			t.Logf("%s %-8s precision %.1f%% bad rate %.1f%% recall %.1f%% (%d/%d)", js.Name, fg.Mode, 100*fg.Precision, 100*fg.BadRate, 100*fg.Recall, fg.Recalled, fg.Reachable)
		}
	}
}
