package match

import (
	"slices"
	"testing"

	"github.com/allymatch/allymatch/matcher"
)

func TestAlternatives(t *testing.T) {
	sn := bananStore(t).Snapshot()
	base := mustRun(t, sn, "lh", Welfare)
	tried := 0
	for _, p := range base.Proposals {
		a, err := Alternatives(ctx, sn.Reader, sn.Vocab, "lh", p.Demand, 3, DefaultSettings())
		if err != nil {
			t.Fatalf("Alternatives(%s) = %v", p.Demand, err)
		}
		if a.Welfare != base.Totals.Welfare || len(a.Optimum) == 0 {
			t.Fatalf("%s: optimum welfare %d (%d proposals), want %d", p.Demand, a.Welfare, len(a.Optimum), base.Totals.Welfare)
		}
		if len(a.Alternatives) == 0 {
			if !a.Exhausted {
				t.Errorf("%s: no alternative and not exhausted", p.Demand)
			}
			continue
		}
		tried++
		optRes := map[string]bool{}
		for _, o := range a.Optimum {
			optRes[o.Resource] = true
		}
		first := a.Alternatives[0]
		for _, q := range first.Proposals {
			if optRes[q.Resource] {
				t.Errorf("%s: first alternative reuses the optimum's pair %s", p.Demand, q.Resource)
			}
		}
		prev := int64(0)
		for i, alt := range a.Alternatives {
			if alt.Rank != i+1 || alt.Cost < 0 || alt.Cost < prev || alt.Cost != a.Welfare-alt.Welfare {
				t.Errorf("%s: alternative %d cost %d (previous %d, welfare %d of %d)", p.Demand, alt.Rank, alt.Cost, prev, alt.Welfare, a.Welfare)
			}
			prev = alt.Cost
			for _, q := range alt.Proposals {
				if slices.Contains(alt.Forbidden, q.Resource) {
					t.Errorf("%s: alternative %d uses forbidden %s", p.Demand, alt.Rank, q.Resource)
				}
			}
		}
	}
	if tried == 0 {
		t.Fatal("no demand of lh has an alternative")
	}
	if _, err := Alternatives(ctx, sn.Reader, sn.Vocab, "", "LH-D10", 2, DefaultSettings()); matcher.ErrorCode(err) != matcher.ECONFLICT {
		t.Errorf("an unmet demand: %v, want conflict", err)
	}
	if _, err := Alternatives(ctx, sn.Reader, sn.Vocab, "", "LH-D01", 0, DefaultSettings()); matcher.ErrorCode(err) != matcher.EINVALID {
		t.Errorf("k = 0: %v, want invalid", err)
	}
}
