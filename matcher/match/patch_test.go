package match

import (
	"bytes"
	"testing"
	"time"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/store"
)

// TestSessionClaimChangedInSeveralWrites: a claim that changes in several
// writes between two runs (proposed, accepted by one side, confirmed,
// fulfilled: as the desk writes it) counts once in the track record of its
// units, as a fresh solve counts it; the change log lists its key once
// per write.
func TestSessionClaimChangedInSeveralWrites(t *testing.T) {
	st := bananStore(t)
	set := Settings{Mode: Welfare, Weights: DefaultWeights, Relevance: DefaultRelevance}
	sess := NewSession("lh", set)
	sn := st.Snapshot()
	first, err := sess.Run(ctx, sn.Reader, sn.Vocab)
	if err != nil {
		t.Fatal(err)
	}
	p := first.Proposals[0]
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	c := matcher.Claim{ID: "lh.test.1", Resource: p.Resource, Demand: p.Demand, ResourceUnit: p.ResourceUnit, DemandUnit: p.DemandUnit,
		Quantity: p.Quantity, Score: p.Score, Origin: matcher.OriginSolver, Status: matcher.ClaimProposed, Meeting: "lh", Created: now, Updated: now}
	steps := []func(c *matcher.Claim){
		func(*matcher.Claim) {},
		func(c *matcher.Claim) { c.AcceptedBy = []matcher.Side{matcher.ResourceSide} },
		func(c *matcher.Claim) {
			c.Status, c.AcceptedBy = matcher.ClaimConfirmed, []matcher.Side{matcher.DemandSide, matcher.ResourceSide}
		},
		func(c *matcher.Claim) { c.Status = matcher.ClaimFulfilled },
	}
	for i, step := range steps {
		step(&c)
		c.Updated = now.Add(time.Duration(i) * time.Minute)
		if _, err := st.Update(ctx, "test", "edit", nil, func(tx *store.Tx) error { return tx.PutClaim(c) }); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
	}
	sn = st.Snapshot()
	got, err := sess.Run(ctx, sn.Reader, sn.Vocab)
	if err != nil {
		t.Fatal(err)
	}
	want, err := Run(ctx, sn.Reader, sn.Vocab, "lh", set)
	if err != nil {
		t.Fatal(err)
	}
	if err := sameInstance(sess.prev.in, buildInstance(sn.Reader, sn.Vocab, sess.prev.in.scope)); err != nil {
		t.Errorf("the patched instance differs from a fresh gather: %v", err)
	}
	if g, w := resultJSON(t, got), resultJSON(t, want); !bytes.Equal(g, w) {
		t.Errorf("session differs from Run:\n got %.600s\nwant %.600s", g, w)
	}
	if n := sess.prev.in.history[orderedPair(c.ResourceUnit, c.DemandUnit)]; n != 1 {
		t.Errorf("the track record of %s and %s counts %d fulfilled claims, want 1", c.ResourceUnit, c.DemandUnit, n)
	}
}
