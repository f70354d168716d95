package service

import (
	"slices"
	"testing"

	"github.com/allymatch/allymatch/matcher"
)

// PatchAlliance changes the lead and members within the caller's scope:
// a new lead leaves the members and the old one stays a member; the lead
// cannot be removed; a unit outside the scope is answered as absent.
func TestPatchAlliance(t *testing.T) {
	s := newService(t)
	lh := matcher.Coordinator("lh")
	bank := "lh-bank"
	a, err := s.PatchAlliance(ctx, lh, "lh", AlliancePatch{Lead: &bank, Remove: []string{"lh-law"}})
	if err != nil {
		t.Fatal(err)
	}
	if a.Lead != "lh-bank" || slices.Contains(a.Members, "lh-bank") || !slices.Contains(a.Members, "lh-committee") || slices.Contains(a.Members, "lh-law") {
		t.Errorf("after the patch: lead %s, members %v", a.Lead, a.Members)
	}
	seq := s.Store.Seq()
	if _, err := s.PatchAlliance(ctx, lh, "lh", AlliancePatch{Remove: []string{"lh-bank"}}); matcher.ErrorCode(err) != matcher.ECONFLICT {
		t.Errorf("removing the lead: %v", err)
	}
	if _, err := s.PatchAlliance(ctx, lh, "lh", AlliancePatch{Add: []string{"tw-company"}}); matcher.ErrorCode(err) != matcher.ENOTFOUND {
		t.Errorf("adding a foreign unit: %v", err)
	}
	if _, err := s.PatchAlliance(ctx, matcher.UnitActor("lh-school"), "lh", AlliancePatch{Add: []string{"lh-law"}}); matcher.ErrorCode(err) != matcher.EFORBIDDEN {
		t.Errorf("a unit patches its alliance: %v", err)
	}
	if _, err := s.PatchAlliance(ctx, matcher.Coordinator("tw"), "lh", AlliancePatch{Add: []string{"lh-law"}}); matcher.ErrorCode(err) != matcher.ENOTFOUND {
		t.Errorf("another community's coordinator: %v", err)
	}
	if s.Store.Seq() != seq {
		t.Error("a refused patch changed something")
	}
	// The street adds a unit of another of its communities.
	if a, err := s.PatchAlliance(ctx, matcher.Coordinator("st-lzw"), "lh", AlliancePatch{Add: []string{"lzwc-noodle"}}); err != nil || !slices.Contains(a.Members, "lzwc-noodle") {
		t.Errorf("the street adds lzwc-noodle: %v %v", a.Members, err)
	}
}
