package store

import (
	"testing"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/bundle"
)

// ImportDry answers what ImportChecked would, and stores nothing.
func TestImportDry(t *testing.T) {
	s := mustOpen(t, t.TempDir())
	seq := s.Seq()
	good := &bundle.Bundle{Format: bundle.Format, Grids: []matcher.Grid{{ID: "g1", Name: "网格"}}}
	if err := s.ImportDry(ctx, good, nil); err != nil || s.Seq() != seq {
		t.Fatalf("a good bundle: %v (seq %d → %d)", err, seq, s.Seq())
	}
	if _, err := s.Snapshot().Grid("g1"); err == nil {
		t.Fatal("the dry run stored the grid")
	}
	// A unit in a grid that does not exist: the store's own check.
	bad := &bundle.Bundle{Format: bundle.Format, Units: []matcher.Unit{{ID: "u1", Name: "单位", Kind: "shop", Grid: "nope"}}}
	dry := s.ImportDry(ctx, bad, nil)
	_, real := s.ImportChecked(ctx, bad, "test", nil, nil)
	if dry == nil || real == nil || dry.Error() != real.Error() || s.Seq() != seq {
		t.Errorf("dry %v\nreal %v", dry, real)
	}
}
