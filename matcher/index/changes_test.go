package index

import (
	"slices"
	"testing"

	memdb "github.com/allymatch/allymatch/internal/third_party/memdb"
)

// write records keys as one write on db and returns the new state.
func write(t *testing.T, db *memdb.MemDB, keys ...Key) uint64 {
	t.Helper()
	txn := db.Txn(true)
	st, err := RecordChanges(txn, keys)
	if err != nil {
		t.Fatal(err)
	}
	if err := txn.Insert(TableMeta, &Meta{ID: MetaID, State: st}); err != nil {
		t.Fatal(err)
	}
	txn.Commit()
	return st
}

func TestChangesSince(t *testing.T) {
	db, err := New()
	if err != nil {
		t.Fatal(err)
	}
	a, b, c := Key{TableItems, "甲"}, Key{TableUnits, "乙"}, Key{TableClaims, "丙"}
	s1 := write(t, db, a)
	s2 := write(t, db, b)
	s3 := write(t, db, c, a)
	r := NewReader(db.Txn(false))
	if got := r.Meta().State; got != s3 {
		t.Fatalf("state %d, want %d", got, s3)
	}
	keys, ok := r.ChangesSince(s1)
	if !ok || !slices.Equal(keys, []Key{c, a, b}) {
		t.Errorf("ChangesSince(s1) = %v, %v; want [c a b], true", keys, ok)
	}
	if keys, ok := r.ChangesSince(s3); !ok || len(keys) != 0 {
		t.Errorf("ChangesSince(now) = %v, %v; want none, true", keys, ok)
	}
	if _, ok := r.ChangesSince(0); ok {
		t.Error("ChangesSince(0) is ok; want false (no state)")
	}

	// A fork written on s2 diverges: the live s3 is not its ancestor, and
	// its writes are not the live ones.
	fork := db.Snapshot()
	txn := db.Txn(true)
	if err := ForgetChanges(txn, s3); err != nil {
		t.Fatal(err)
	}
	txn.Commit()
	if _, ok := NewReader(db.Txn(false)).ChangesSince(s2); ok {
		t.Error("ChangesSince across a forgotten write is ok; want false")
	}
	f4 := write(t, fork, b)
	fr := NewReader(fork.Txn(false))
	if keys, ok := fr.ChangesSince(s2); !ok || !slices.Equal(keys, []Key{b, c, a}) {
		t.Errorf("fork: ChangesSince(s2) = %v, %v; want [b c a], true", keys, ok)
	}
	if _, ok := r.ChangesSince(f4); ok {
		t.Error("live: ChangesSince(a fork's state) is ok; want false")
	}

	// A write too large to list breaks the chain.
	big := make([]Key, MaxChangeKeys+1)
	write(t, db, big...)
	if _, ok := NewReader(db.Txn(false)).ChangesSince(s1); ok {
		t.Error("ChangesSince across an overflow is ok; want false")
	}
}
