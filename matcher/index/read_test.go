package index

import (
	"slices"
	"testing"

	"github.com/allymatch/allymatch/matcher"
)

// A level's items in parts: the parts between split ids, walked one after
// the other, are the level's walk, whatever the splits (ids of items,
// between them, before the first, past the last); LevelIDs bound them.
func TestItemsAtLevelBetween(t *testing.T) {
	db, err := New()
	if err != nil {
		t.Fatal(err)
	}
	txn := db.Txn(true)
	levels := []matcher.Level{matcher.Community, matcher.Street, matcher.District}
	for i, id := range []string{"A1", "A10", "A2", "B", "B1", "C-9", "C0", "Z", "a", "c1", "c10", "c2"} {
		it := &matcher.Item{ID: id, Unit: "u", Kind: matcher.Demand, Category: "c", Status: matcher.ItemOpen, Level: levels[i%2*2]} // community and district only
		if err := txn.Insert(TableItems, it); err != nil {
			t.Fatal(err)
		}
	}
	txn.Commit()
	r := NewReader(db.Txn(false))
	for _, l := range levels {
		var want []string
		for it := range r.ItemsAtLevel(l) {
			want = append(want, it.ID)
		}
		first, last := r.LevelIDs(l)
		if len(want) > 0 && (first != want[0] || last != want[len(want)-1]) || len(want) == 0 && (first != "" || last != "") {
			t.Errorf("%s: LevelIDs = %q, %q; the walk %v", l, first, last, want)
		}
		for _, splits := range [][]string{nil, {"B"}, {"A10", "C0"}, {"0", "B0", "b", "zz"}, {"A1", "A10", "A2", "c2"}} {
			var got []string
			bounds := append(append([]string{""}, splits...), "")
			for i := range len(bounds) - 1 {
				for it := range r.ItemsAtLevelBetween(l, bounds[i], bounds[i+1]) {
					if it.Level != l {
						t.Fatalf("%s: an item of %s", l, it.Level)
					}
					got = append(got, it.ID)
				}
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s split at %q: %v, want %v", l, splits, got, want)
			}
		}
	}
}

// ItemsByUnit walks every item once, by unit and then by id, so that the
// items of a unit (ItemsOf, in any order) come one after another, units
// whose ids prefix one another included.
func TestItemsByUnit(t *testing.T) {
	db, err := New()
	if err != nil {
		t.Fatal(err)
	}
	txn := db.Txn(true)
	units := []string{"u1", "u", "u10", "v", "u1"}
	for i, id := range []string{"i9", "i1", "i5", "i3", "i2", "i8", "i4"} {
		it := &matcher.Item{ID: id, Unit: units[i%len(units)], Kind: matcher.Demand, Category: "c", Status: matcher.ItemOpen, Level: matcher.Community}
		if err := txn.Insert(TableItems, it); err != nil {
			t.Fatal(err)
		}
	}
	txn.Commit()
	r := NewReader(db.Txn(false))
	var got []string
	for it := range r.ItemsByUnit() {
		got = append(got, it.Unit+"/"+it.ID)
	}
	want := []string{"u/i1", "u/i4", "u1/i2", "u1/i8", "u1/i9", "u10/i5", "v/i3"}
	if !slices.Equal(got, want) {
		t.Errorf("ItemsByUnit = %v, want %v", got, want)
	}
	if !r.Plain() || r.Track(NewReads(nil)).Plain() || r.Where(func(any) bool { return true }).Plain() || !r.Track(nil).Plain() {
		t.Error("Plain: a reader that records or filters is not plain; one that does neither is")
	}
}
