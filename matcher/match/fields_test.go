package match

import (
	"bytes"
	"slices"
	"testing"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/store"
)

// revRule is a rule that reads a field no other rule or term reads, the
// store's revision of an item: it rejects the resource target once it is
// written again after revision base. recorded says whether it reads the
// field through rItem.
func revRule(target *string, base *uint64, recorded bool) hardRule {
	fRev := fieldOf("Rev")
	return hardRule{"test_rev", false, func(p *pairCheck) bool {
		it := p.r.item
		if recorded {
			it = p.rItem(fRev)
		}
		return *target != "" && p.r.item.ID == *target && it.Rev > *base
	}}
}

// followsEdit runs a session of lh with the rule revRule registered,
// adds one to the quantity of a resource the plan uses (the store stamps
// a new revision; the rows read neither), and returns the session's result and a
// cold run's, as JSON, and whether the resource's proposals are gone cold.
func followsEdit(t *testing.T, recorded bool) (got, want []byte, gone bool) {
	t.Helper()
	var target string
	var base uint64
	saved := hardRules
	hardRules = append(slices.Clone(hardRules), revRule(&target, &base, recorded))
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
	used := first.Proposals[0].Resource
	it, err := sn.Item(used)
	if err != nil {
		t.Fatal(err)
	}
	target, base = used, it.Rev
	e := *it
	e.Quantity++ // what the rows read of it stays the same
	if _, err := st.Update(ctx, "test", "edit", nil, func(tx *store.Tx) error { return tx.PutItem(e) }); err != nil {
		t.Fatal(err)
	}
	sn = st.Snapshot()
	res, err := sess.Run(ctx, sn.Reader, sn.Vocab)
	if err != nil {
		t.Fatal(err)
	}
	cold, err := Run(ctx, sn.Reader, sn.Vocab, "lh", set)
	if err != nil {
		t.Fatal(err)
	}
	if s := sess.Stats(); s.Patched != 1 || s.RowsReused == 0 {
		t.Fatalf("the edit was not run incrementally: %+v", s)
	}
	gone = !slices.ContainsFunc(cold.Proposals, func(p Proposal) bool { return p.Resource == used })
	return resultJSON(t, res), resultJSON(t, cold), gone
}

// TestSessionFollowsRecordedReads: a rule registered here only reads a
// field of the resource that no other rule or term reads (Rev); through
// rItem the read is recorded, and an incremental run after a change of
// that field alone gives what a cold run gives. The same rule reading the
// field behind the recorder's back leaves the session's rows stale: the
// recording, not a list of fields, is what the session follows.
func TestSessionFollowsRecordedReads(t *testing.T) {
	got, want, gone := followsEdit(t, true)
	if !gone {
		t.Fatal("the rule does not bite: the edited resource is still proposed")
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("session after the edit differs from Run:\n got %.600s\nwant %.600s", got, want)
	}
	got, want, _ = followsEdit(t, false)
	if bytes.Equal(got, want) {
		t.Fatal("a read not recorded was followed all the same: the test proves nothing")
	}
}

// TestSameFields compares exactly the fields of the set.
func TestSameFields(t *testing.T) {
	sn := bananStore(t).Snapshot()
	for it := range sn.ItemsAtLevel("community") {
		c := *it
		c.Title += "改"
		c.Tags = slices.Clone(it.Tags)
		if !sameFields(it, &c, fWindows|fRadiusKM|fTags) || sameFields(it, &c, fTitle) {
			t.Fatalf("sameFields on %s: the title alone differs", it.ID)
		}
		return
	}
	t.Fatal("no item")
}

// TestTextOf: an item record's texts are read once and shared; another
// record (a changed copy) has its own.
func TestTextOf(t *testing.T) {
	sn := bananStore(t).Snapshot()
	for it := range sn.ItemsAtLevel("community") {
		a, b := textOf(it), textOf(it)
		if a != b {
			t.Fatal("the texts of one record were read twice")
		}
		g, fw := textOfItem(it.Title, it.Description, it.Tags)
		if !slices.Equal(a.grams, g) || !slices.Equal(a.fw, fw) || a.family != matcher.MeasureFamily(it.Measure) {
			t.Fatalf("%s: kept texts differ from a fresh read", it.ID)
		}
		c := *it
		c.Title = "完全不同的标题"
		if tc := textOf(&c); tc == a || slices.Equal(tc.grams, a.grams) {
			t.Fatalf("%s: a changed copy shares the record's texts", it.ID)
		}
		return
	}
	t.Fatal("no item")
}
