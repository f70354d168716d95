package match

import (
	"slices"
	"testing"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
	"github.com/allymatch/allymatch/matcher/store"
)

// TestSharedReadsAsSeeks checks that the reads a RunMany shares answer
// what the seeks of one meeting would: for every unit of Banan and of 1k
// generated units, the stored unit, its items, the ids of its alliances
// and their parents as gatherer.add sorts them; and for every item
// whether a claim names it.
func TestSharedReadsAsSeeks(t *testing.T) {
	gst := genStore(t, 1000, 1)
	for name, sn := range map[string]store.Snapshot{"banan": bananStore(t).Snapshot(), "1k": gst.Snapshot()} {
		r := sn.Reader
		units, claimed := readUnits(r), readClaimed(r)
		n, withClaims := 0, 0
		for u := range r.Units() {
			n++
			got := units[u.ID]
			if got == nil || got.unit != r.UnitRaw(u.ID) {
				t.Fatalf("%s: unit %s: %v, want the stored unit", name, u.ID, got)
			}
			var items []*matcher.Item
			for it := range r.ItemsOf(u.ID) {
				items = append(items, it)
			}
			if !slices.Equal(got.items, items) {
				t.Errorf("%s: unit %s: items %d, ItemsOf %d", name, u.ID, len(got.items), len(items))
			}
			direct, parents := []string{}, []string(nil)
			for a := range r.AlliancesOf(u.ID) {
				direct = append(direct, a.ID)
				if a.Parent != "" {
					parents = append(parents, a.Parent)
				}
			}
			slices.Sort(direct)
			slices.Sort(parents)
			if !slices.Equal(got.direct, direct) || got.direct == nil || !slices.Equal(got.parents, parents) || (got.parents == nil) != (parents == nil) {
				t.Errorf("%s: unit %s: alliances %q, parents %q; AlliancesOf %q, %q", name, u.ID, got.direct, got.parents, direct, parents)
			}
		}
		if len(units) != n {
			t.Errorf("%s: %d units read, %d stored", name, len(units), n)
		}
		for it := range r.Items() {
			if h := r.HasClaims(it); claimed.has(it) != h {
				t.Errorf("%s: item %s: claimed %v, HasClaims %v", name, it.ID, !h, h)
			} else if h {
				withClaims++
			}
		}
		if withClaims == 0 && name == "banan" {
			t.Errorf("%s: no item with claims: the claims are not checked", name)
		}
	}
}

// TestSharedReadsWhen checks that a RunMany shares the walks of every unit
// only when its meetings cover at least half the communities, and never
// from a reader that records or filters.
func TestSharedReadsWhen(t *testing.T) {
	sn := genStore(t, 1000, 1).Snapshot()
	var comm []string
	for a := range sn.AlliancesAt(matcher.Community) {
		comm = append(comm, a.ID)
	}
	if len(comm) < 4 {
		t.Fatalf("%d communities", len(comm))
	}
	half := comm[:(len(comm)+1)/2]
	for _, c := range []struct {
		what     string
		meetings []string
		reader   string
		want     bool
	}{
		{"every community", comm, "", true},
		{"half of them", half, "", true},
		{"fewer", half[1:], "", false},
		{"none", []string{"nowhere"}, "", false},
		{"a recording reader", comm, "recording", false},
		{"a filtering reader", comm, "filtering", false},
	} {
		r := sn.Reader
		switch c.reader {
		case "recording":
			r = r.Track(index.NewReads(nil))
		case "filtering":
			r = r.Where(func(any) bool { return true })
		}
		levels := make([]matcher.Level, len(c.meetings))
		for i, id := range c.meetings {
			if a, err := sn.Alliance(id); err == nil {
				levels[i] = a.Level
			}
		}
		if got := newSharedReads(r, levels).units != nil; got != c.want {
			t.Errorf("%s: shared units %v, want %v", c.what, got, c.want)
		}
	}
}
