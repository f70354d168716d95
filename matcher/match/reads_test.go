package match

import (
	"bytes"
	"slices"
	"testing"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
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

// TestSessionAlliances: the alliances a run read are those of its scope
// and of the units it gathered. A change of another community's alliance
// leaves the meeting untouched; adding one of that community's units to
// the meeting's alliance touches it, and the session follows (gathering
// afresh).
func TestSessionAlliances(t *testing.T) {
	st := bananStore(t)
	set := DefaultSettings()
	sess := NewSession("lh", set)
	sn := st.Snapshot()
	if _, err := sess.Run(ctx, sn.Reader, sn.Vocab); err != nil {
		t.Fatal(err)
	}
	lh, err := sn.Alliance("lh")
	if err != nil {
		t.Fatal(err)
	}
	// another community meeting, and a unit of it with an item at the
	// community level that lh does not hold
	var other *matcher.Alliance
	var unit string
	for a := range sn.AlliancesAt(matcher.Community) {
		if a.ID == "lh" {
			continue
		}
		for _, u := range a.AllUnits() {
			if hasItemAt(sn.Reader, u, matcher.Community) && !slices.Contains(lh.AllUnits(), u) {
				other, unit = a, u
				break
			}
		}
		if other != nil {
			break
		}
	}
	if other == nil {
		t.Fatal("no other community meeting with items")
	}
	check := func(what string, edit func(tx *store.Tx) error, touched bool) {
		t.Helper()
		before := sess.Stats()
		if _, err := st.Update(ctx, "test", "edit", nil, edit); err != nil {
			t.Fatal(err)
		}
		sn := st.Snapshot()
		got, err := sess.Run(ctx, sn.Reader, sn.Vocab)
		if err != nil {
			t.Fatal(err)
		}
		want, err := Run(ctx, sn.Reader, sn.Vocab, "lh", set)
		if err != nil {
			t.Fatal(err)
		}
		if untouched := sess.Stats().Untouched > before.Untouched; untouched == touched {
			t.Errorf("%s: touched %v, want %v", what, !untouched, touched)
		}
		if g, w := resultJSON(t, got), resultJSON(t, want); !bytes.Equal(g, w) {
			t.Fatalf("%s: session differs from Run:\n got %.600s\nwant %.600s", what, g, w)
		}
	}
	renamed := *other
	renamed.Name += "（改）"
	check("another community's alliance renamed", func(tx *store.Tx) error { return tx.PutAlliance(renamed) }, false)
	grown := *lh
	grown.Members = append(slices.Clone(grown.Members), unit)
	check("a unit of another community joins lh", func(tx *store.Tx) error { return tx.PutAlliance(grown) }, true)
	sn = st.Snapshot()
	if res, _ := sess.Run(ctx, sn.Reader, sn.Vocab); res == nil || !slices.ContainsFunc(sess.prev.in.demands, func(p party) bool { return p.unit.ID == unit }) &&
		!slices.ContainsFunc(sess.prev.in.resources, func(p party) bool { return p.unit.ID == unit }) {
		t.Fatalf("the unit %s that joined is not gathered", unit)
	}
}

// hasItemAt reports whether unit has an item at level in r.
func hasItemAt(r index.Reader, unit string, level matcher.Level) bool {
	for it := range r.ItemsOf(unit) {
		if it.Level == level {
			return true
		}
	}
	return false
}

// TestSessionFollowsResourceField: a rule registered here reads a field of
// the resource's item that no rule or term reads (its Quantity: a resource
// of exactly 777 is refused). A resource of the plan is stored with 777
// before the session's first run, so that no row holds it; an edit of that
// field alone (to 778) lets it back into the rows of the demands near it,
// and an edit back to 777 takes it out again. After each, the session's
// run, patched and with rows reused, gives what a cold run gives. Nothing
// of the invalidation names the field or the rule: the rule read the field
// through rItem (fieldSet), so the resource counts as changed, and the
// rows that searched its bucket (rowReads) are built again.
func TestSessionFollowsResourceField(t *testing.T) {
	quantity := fieldOf("Quantity")
	saved := hardRules
	hardRules = append(slices.Clone(hardRules), hardRule{"test_quantity", false, func(p *pairCheck) bool {
		return p.rItem(quantity).Quantity == 777
	}})
	defer func() { hardRules = saved }()
	st := bananStore(t)
	set := DefaultSettings()
	sn := st.Snapshot()
	base, err := Run(ctx, sn.Reader, sn.Vocab, "lh", set)
	if err != nil {
		t.Fatal(err)
	}
	if len(base.Proposals) == 0 {
		t.Fatal("no proposal in lh")
	}
	res := base.Proposals[0].Resource
	setQuantity := func(q int64) {
		t.Helper()
		if _, err := st.Update(ctx, "test", "edit", nil, func(tx *store.Tx) error {
			it, err := tx.Item(res)
			if err != nil {
				return err
			}
			e := *it
			e.Quantity = q
			return tx.PutItem(e)
		}); err != nil {
			t.Fatal(err)
		}
	}
	setQuantity(777)
	sess := NewSession("lh", set)
	sn = st.Snapshot()
	if _, err := sess.Run(ctx, sn.Reader, sn.Vocab); err != nil {
		t.Fatal(err)
	}
	inRows := func() int {
		ri, ok := sess.prev.resIndex[res]
		if !ok {
			t.Fatalf("resource %s is not in the instance", res)
		}
		n := 0
		for _, row := range sess.prev.rowList {
			if slices.ContainsFunc(row.edges, func(e rowEdge) bool { return e.ri == ri }) {
				n++
			}
		}
		return n
	}
	if n := inRows(); n != 0 {
		t.Fatalf("the rule does not bite: %s in %d rows at 777", res, n)
	}
	for step, q := range []int64{778, 777} {
		before := sess.Stats()
		setQuantity(q)
		sn = st.Snapshot()
		got, err := sess.Run(ctx, sn.Reader, sn.Vocab)
		if err != nil {
			t.Fatal(err)
		}
		want, err := Run(ctx, sn.Reader, sn.Vocab, "lh", set)
		if err != nil {
			t.Fatal(err)
		}
		s := sess.Stats()
		if s.Patched != before.Patched+1 || s.FullRebuilds != before.FullRebuilds || s.RowsReused == before.RowsReused {
			t.Fatalf("quantity %d: the edit was not run incrementally: %+v", q, s)
		}
		if g, w := resultJSON(t, got), resultJSON(t, want); !bytes.Equal(g, w) {
			t.Fatalf("quantity %d: session after the edit differs from Run:\n got %.600s\nwant %.600s", q, g, w)
		}
		if n := inRows(); (n > 0) != (step == 0) {
			t.Fatalf("quantity %d: %s in %d rows", q, res, n)
		}
	}
}

// TestRowReadsHoldCandidates: what a row records of the buckets it
// searched (rowReads.holds) holds every resource nearby found for it and
// every resource that passes the rules with its demand, on the generated
// data: a resource a row can read is always under a key the row recorded.
func TestRowReadsHoldCandidates(t *testing.T) {
	sn := genStore(t, 1000, 3).Snapshot()
	for a := range sn.AlliancesAt(matcher.Community) {
		scope, err := ResolveScope(sn.Reader, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		in := buildInstance(sn.Reader, sn.Vocab, scope)
		in.minText = DefaultRelevance
		in.weighText()
		for di := range in.demands {
			d := &in.demands[di]
			var rec rowReads
			found, _ := in.row(d, nil, &rec, func(int32, termValues, float64) {})
			for _, ri := range found {
				if !rec.holds(&in.resources[ri]) {
					t.Fatalf("%s: the row of %s found %s outside its recorded buckets", a.ID, d.item.ID, in.resources[ri].item.ID)
				}
			}
			p := in.checker(d)
			for ri := range in.resources {
				if p.with(&in.resources[ri], int32(ri)).passes() && !rec.holds(&in.resources[ri]) {
					t.Fatalf("%s: %s passes the rules with %s outside the row's recorded buckets", a.ID, in.resources[ri].item.ID, d.item.ID)
				}
			}
		}
	}
}
