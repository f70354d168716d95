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
