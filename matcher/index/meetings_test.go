package index

import (
	"slices"
	"testing"

	"github.com/allymatch/allymatch/matcher"
)

// TestMeetingsBottomUp: every alliance, the community level first, then
// street, then district, by id within a level, whatever the order they
// were put in.
func TestMeetingsBottomUp(t *testing.T) {
	db, err := New()
	if err != nil {
		t.Fatal(err)
	}
	txn := db.Txn(true)
	for _, a := range []matcher.Alliance{
		{ID: "d", Level: matcher.District}, {ID: "s-b", Level: matcher.Street}, {ID: "c-z", Level: matcher.Community},
		{ID: "s-a", Level: matcher.Street}, {ID: "c-a", Level: matcher.Community},
	} {
		if err := txn.Insert(TableAlliances, &a); err != nil {
			t.Fatal(err)
		}
	}
	txn.Commit()
	got := NewReader(db.Txn(false)).MeetingsBottomUp()
	if want := []string{"c-a", "c-z", "s-a", "s-b", "d"}; !slices.Equal(got, want) {
		t.Errorf("MeetingsBottomUp() = %v, want %v", got, want)
	}
}
