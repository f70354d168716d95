package service

import (
	"strings"
	"testing"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/match"
)

// A view answers a record outside its actor's sight exactly as an absent
// one, names units and alliances whatever the scope, and reads one
// snapshot: a write after it is taken is not seen.
func TestView(t *testing.T) {
	s := newService(t)
	lh := s.View(matcher.Coordinator("lh"))
	same := func(what string, foreign, absent error, fid, aid string) {
		t.Helper()
		if foreign == nil || absent == nil {
			t.Fatalf("%s: foreign %v, absent %v; want both refused", what, foreign, absent)
		}
		if matcher.ErrorCode(foreign) != matcher.ENOTFOUND || strings.ReplaceAll(foreign.Error(), fid, "X") != strings.ReplaceAll(absent.Error(), aid, "X") {
			t.Errorf("%s: a foreign id answers %q, an absent one %q", what, foreign, absent)
		}
	}
	_, e1 := lh.Item("LZWC-D01")
	_, e2 := lh.Item("LZWC-D99")
	same("Item", e1, e2, "LZWC-D01", "LZWC-D99")
	_, e1 = lh.Unit("lzwc-shops")
	_, e2 = lh.Unit("lzwc-nobody")
	same("Unit", e1, e2, "lzwc-shops", "lzwc-nobody")
	_, e1 = lh.Meeting("lzwc")
	_, e2 = lh.Meeting("nowhere")
	same("Meeting", e1, e2, "lzwc", "nowhere")
	_, e1 = lh.Claim("nope")
	if matcher.ErrorCode(e1) != matcher.ENOTFOUND {
		t.Errorf("Claim(absent) = %v", e1)
	}
	if _, err := lh.Item("LH-D01"); err != nil {
		t.Errorf("Item(LH-D01) for lh: %v", err)
	}
	if _, err := lh.Meeting("lh"); err != nil {
		t.Errorf("Meeting(lh) for lh: %v", err)
	}
	if _, err := lh.Alliance("st-lzw"); err != nil {
		t.Errorf("Alliance(st-lzw), lh's parent, for lh: %v", err)
	}

	admin := s.View(matcher.Admin)
	shops, err := admin.Unit("lzwc-shops")
	if err != nil {
		t.Fatal(err)
	}
	if got := lh.UnitName("lzwc-shops"); got != shops.Name || got == "lzwc-shops" {
		t.Errorf("UnitName(lzwc-shops) for lh = %q, want %q: names are public", got, shops.Name)
	}
	lzwc, _ := admin.Alliance("lzwc")
	if got := lh.AllianceName("lzwc"); got != lzwc.Name || got == "lzwc" {
		t.Errorf("AllianceName(lzwc) for lh = %q, want %q", got, lzwc.Name)
	}
	if got := lh.UnitName("gone"); got != "gone" {
		t.Errorf("UnitName(gone) = %q, want the id", got)
	}

	before := lh.UnitName("lh-school")
	renamed := before + "（新）"
	if _, err := s.PatchUnit(ctx, matcher.Admin, "lh-school", UnitPatch{Name: &renamed}); err != nil {
		t.Fatal(err)
	}
	if got := lh.UnitName("lh-school"); got != before {
		t.Errorf("a view taken before a rename names %q, want %q (its snapshot)", got, before)
	}
	if got := s.View(matcher.Coordinator("lh")).UnitName("lh-school"); got != renamed {
		t.Errorf("a view taken after names %q, want %q", got, renamed)
	}
	if lh.Seq() >= s.Store.Seq() {
		t.Errorf("view at %d, store at %d after a write", lh.Seq(), s.Store.Seq())
	}
}

// WhyNot through a view leaves out the candidates and fixes whose items
// the actor may not see, and counts them.
func TestViewWhyNotHides(t *testing.T) {
	s := newService(t)
	admin, lh := s.View(matcher.Admin), s.View(matcher.Coordinator("lh"))
	hid := 0
	for it := range admin.Reader().ItemsOf("lh-school") {
		if it.Kind != matcher.Demand {
			continue
		}
		all, n, err := admin.WhyNot(ctx, it, match.DefaultSettings())
		if err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%s: an admin has %d hidden", it.ID, n)
		}
		got, n, err := lh.WhyNot(ctx, it, match.DefaultSettings())
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Candidates)+len(got.Fixes)+n != len(all.Candidates)+len(all.Fixes) {
			t.Errorf("%s: lh sees %d+%d and %d hidden of %d+%d", it.ID, len(got.Candidates), len(got.Fixes), n, len(all.Candidates), len(all.Fixes))
		}
		for _, cd := range got.Candidates {
			if _, err := lh.Item(cd.Resource); err != nil {
				t.Errorf("%s: lh is shown candidate %s: %v", it.ID, cd.Resource, err)
			}
		}
		hid += n
	}
	if hid == 0 {
		t.Fatal("no candidate of lh-school's demands lies outside lh's sight: the test shows nothing")
	}
}
