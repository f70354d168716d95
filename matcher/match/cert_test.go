package match

import (
	"testing"

	"github.com/allymatch/allymatch/matcher/store"
)

// TestCertificates: every welfare and coverage plan of the Banan sample
// and of a generated 1,000-unit district carries a certificate that passed
// on the final plan, and Verify, rebuilding the network from the store,
// accepts it; a plan with one quantity moved fails.
func TestCertificates(t *testing.T) {
	moved := 0
	for _, sn := range []store.Snapshot{bananStore(t).Snapshot(), genStore(t, 1000, 5).Snapshot()} {
		for a := range sn.Alliances() {
			for _, mode := range []Mode{Welfare, Coverage} {
				res := mustRun(t, sn, a.ID, mode)
				if res.Certificate == nil || !res.Certificate.Certified {
					t.Fatalf("%s %s: certificate %+v", a.ID, mode, res.Certificate)
				}
				if err := Verify(ctx, sn.Reader, sn.Vocab, res); err != nil {
					t.Fatalf("%s %s: Verify = %v", a.ID, mode, err)
				}
				if len(res.Proposals) < 2 {
					continue
				}
				bad := *res
				bad.Proposals = append([]Proposal(nil), res.Proposals...)
				bad.Proposals[0].Quantity--
				bad.Proposals[len(bad.Proposals)-1].Quantity++
				if err := Verify(ctx, sn.Reader, sn.Vocab, &bad); err == nil {
					t.Errorf("%s %s: a plan with one quantity moved passes", a.ID, mode)
				}
				moved++
			}
		}
	}
	if moved == 0 {
		t.Fatal("no plan with two proposals: not a test")
	}
}

// TestNetworkCheck: on one resource of 2 and one demand of 2 joined by an
// edge of value 5, the optimal plan and its prices pass, and each
// condition check names fails with its own message, resource side and
// demand side alike.
func TestNetworkCheck(t *testing.T) {
	n := &network{capR: []int64{2, 1}, need: []int64{2, 1}, r: []int32{0, 1}, d: []int32{0, 1}, vals: []int64{5, 0}}
	id := func(prefix string) func(int) string {
		return func(i int) string { return prefix + string(rune('0'+i)) }
	}
	for _, c := range []struct {
		flow, u, v []int64
		want       string
	}{
		{[]int64{2, 0}, []int64{5, 0}, []int64{0, 0}, ""},
		{[]int64{-1, 0}, []int64{5, 0}, []int64{0, 0}, "R0 → D0: quantity -1 < 0"},
		{[]int64{3, 0}, []int64{5, 0}, []int64{0, 0}, "resource R0: 3 proposed, only 2 left"},
		{[]int64{2, 0}, []int64{5, -1}, []int64{0, 1}, "resource R1: dual -1 < 0"},
		{[]int64{2, 0}, []int64{5, 1}, []int64{0, 0}, "resource R1: dual 1 > 0 but 1 of 1 left unused (complementary slackness)"},
		{[]int64{2, 0}, []int64{5, 0}, []int64{0, -1}, "demand D1: dual -1 < 0"},
		{[]int64{2, 0}, []int64{5, 0}, []int64{0, 2}, "demand D1: dual 2 > 0 but 1 of 1 unmet (complementary slackness)"},
		{[]int64{2, 0}, []int64{4, 0}, []int64{0, 0}, "R0 → D0: duals 4 + 0 below the edge's value 5 (reduced cost of the wrong sign)"},
	} {
		err := n.check(c.flow, c.u, c.v, id("R"), id("D"))
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != c.want {
			t.Errorf("check(%v, %v, %v) = %q, want %q", c.flow, c.u, c.v, got, c.want)
		}
	}
	// The demand side's bound: a demand given more than it needs.
	m := &network{capR: []int64{3}, need: []int64{2}, r: []int32{0}, d: []int32{0}, vals: []int64{5}}
	if err := m.check([]int64{3}, []int64{5}, []int64{0}, id("R"), id("D")); err == nil || err.Error() != "demand D0: 3 proposed, only 2 needed" {
		t.Errorf("a demand over its need: %v", err)
	}
}
