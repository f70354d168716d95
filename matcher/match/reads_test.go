package match

import (
	"bytes"
	"slices"
	"testing"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/store"
)

// TestSessionFollowsUnitField: a rule registered here reads a field of the
// resource's unit that no rule or term reads (its Kind: a resource of a
// garrison unit is refused). After an edit of that field alone, of the
// unit of a resource the plan uses, the session's run, patched and with
// rows reused, gives what a cold run gives, and the resource has left the
// plan. Nothing of the invalidation names the field or the rule: the run
// read the unit record, and the edit writes it.
func TestSessionFollowsUnitField(t *testing.T) {
	saved := hardRules
	hardRules = append(slices.Clone(hardRules), hardRule{"test_unit_kind", false, func(p *pairCheck) bool {
		return p.r.unit.Kind == matcher.KindMilitary
	}})
	defer func() { hardRules = saved }()
	st := bananStore(t)
	set := DefaultSettings()
	sess := NewSession("lh", set)
	sn := st.Snapshot()
	first, err := sess.Run(ctx, sn.Reader, sn.Vocab)
	if err != nil {
		t.Fatal(err)
	}
	if len(first.Proposals) == 0 {
		t.Fatal("no proposal in lh")
	}
	unit := first.Proposals[0].ResourceUnit
	u, err := sn.Unit(unit)
	if err != nil {
		t.Fatal(err)
	}
	if u.Kind == matcher.KindMilitary {
		t.Fatalf("unit %s is a garrison already", unit)
	}
	e := *u
	e.Kind = matcher.KindMilitary
	if _, err := st.Update(ctx, "test", "edit", nil, func(tx *store.Tx) error { return tx.PutUnit(e) }); err != nil {
		t.Fatal(err)
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
	if s := sess.Stats(); s.Patched != 1 || s.Untouched != 0 || s.RowsReused == 0 {
		t.Fatalf("the edit was not run incrementally: %+v", s)
	}
	if slices.ContainsFunc(want.Proposals, func(p Proposal) bool { return p.ResourceUnit == unit }) {
		t.Fatalf("the rule does not bite: unit %s still proposed cold", unit)
	}
	if g, w := resultJSON(t, got), resultJSON(t, want); !bytes.Equal(g, w) {
		t.Fatalf("session after the edit differs from Run:\n got %.600s\nwant %.600s", g, w)
	}
}
