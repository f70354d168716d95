// Copyright (c) the allymatch authors.
// SPDX-License-Identifier: MPL-2.0

package memdb

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sort"
	"testing"
)

type bulkObj struct {
	ID    string
	Group string
	Tag   string // "" for none (AllowMissing)
	Next  []string
	N     int
}

func bulkSchema() *DBSchema {
	return &DBSchema{Tables: map[string]*TableSchema{
		"objs": {Name: "objs", Indexes: map[string]*IndexSchema{
			"id":    {Name: "id", Unique: true, Indexer: &StringFieldIndex{Field: "ID"}},
			"group": {Name: "group", Indexer: &StringFieldIndex{Field: "Group"}},
			"tag":   {Name: "tag", AllowMissing: true, Indexer: &StringFieldIndex{Field: "Tag"}},
			"next":  {Name: "next", AllowMissing: true, Indexer: &StringSliceFieldIndex{Field: "Next"}},
			"pair": {Name: "pair", Indexer: &CompoundIndex{Indexes: []Indexer{
				&StringFieldIndex{Field: "Group"}, &StringFieldIndex{Field: "ID"}}}},
		}},
		"other": {Name: "other", Indexes: map[string]*IndexSchema{
			"id": {Name: "id", Unique: true, Indexer: &StringFieldIndex{Field: "ID"}},
		}},
	}}
}

// bulkObjs returns n objects with ids that share long prefixes, some a
// prefix of another, in a random order.
func bulkObjs(r *rand.Rand, n int) []interface{} {
	var out []interface{}
	seen := map[string]bool{}
	for len(out) < n {
		id := fmt.Sprintf("O-%d", r.IntN(4*n))
		if r.IntN(5) == 0 {
			id = id[:len(id)-1] // a prefix of others
		}
		if seen[id] {
			continue
		}
		seen[id] = true
		o := &bulkObj{ID: id, Group: fmt.Sprintf("g%d", r.IntN(7)), N: len(out)}
		if r.IntN(3) == 0 {
			o.Tag = fmt.Sprintf("t%d", r.IntN(3))
		}
		for range r.IntN(4) {
			o.Next = append(o.Next, fmt.Sprintf("O-%d", r.IntN(50))) // repeats too
		}
		out = append(out, o)
	}
	return out
}

// dump lists every index of db in order, with the objects' ids.
func dump(t *testing.T, db *MemDB) []string {
	t.Helper()
	txn := db.Txn(false)
	var out []string
	var tables []string
	for name := range db.schema.Tables {
		tables = append(tables, name)
	}
	sort.Strings(tables)
	for _, table := range tables {
		var indexes []string
		for name := range db.schema.Tables[table].Indexes {
			indexes = append(indexes, name)
		}
		sort.Strings(indexes)
		for _, ix := range indexes {
			it := txn.readableIndex(table, ix).Root().Iterator()
			for k, v, ok := it.Next(); ok; k, v, ok = it.Next() {
				out = append(out, fmt.Sprintf("%s.%s %q %s", table, ix, k, v.(*bulkObj).ID))
			}
		}
	}
	return out
}

func TestInsertBulkIsInsert(t *testing.T) {
	for seed := range uint64(20) {
		r := rand.New(rand.NewPCG(seed, 1))
		objs := bulkObjs(r, 1+r.IntN(3000))
		one, _ := NewMemDB(bulkSchema())
		txn := one.Txn(true)
		for _, o := range objs {
			if err := txn.Insert("objs", o); err != nil {
				t.Fatal(err)
			}
		}
		txn.Commit()
		bulk, _ := NewMemDB(bulkSchema())
		txn = bulk.Txn(true)
		err := txn.InsertBulk("objs", objs, 1+int(seed%3))
		if err != nil {
			t.Fatal(err)
		}
		txn.Commit()
		if a, b := dump(t, one), dump(t, bulk); !reflect.DeepEqual(a, b) {
			t.Fatalf("seed %d: bulk differs from inserts: %d entries against %d", seed, len(b), len(a))
		}
		// A watchless database holds the same, written either way.
		watchless, _ := NewMemDBWatchless(bulkSchema())
		txn = watchless.Txn(true)
		if seed%2 == 0 {
			err = txn.InsertBulk("objs", objs, 2)
		} else {
			for _, o := range objs {
				if err = txn.Insert("objs", o); err != nil {
					break
				}
			}
		}
		if err != nil {
			t.Fatal(err)
		}
		txn.Commit()
		if a, b := dump(t, one), dump(t, watchless); !reflect.DeepEqual(a, b) {
			t.Fatalf("seed %d: the watchless database differs: %d entries against %d", seed, len(b), len(a))
		}
		dbs := []*MemDB{one, bulk, watchless}
		// Reads of every kind agree, and later writes work on the bulk tree.
		for _, db := range dbs {
			txn := db.Txn(true)
			for i, o := range objs {
				switch i % 3 {
				case 0:
					if err := txn.Delete("objs", o); err != nil {
						t.Fatal(err)
					}
				case 1:
					c := *o.(*bulkObj)
					c.Group, c.Tag = "moved", "x"
					if err := txn.Insert("objs", &c); err != nil {
						t.Fatal(err)
					}
				}
			}
			txn.Commit()
		}
		if a, b := dump(t, one), dump(t, bulk); !reflect.DeepEqual(a, b) {
			t.Fatalf("seed %d: after writes, bulk differs from inserts", seed)
		}
		if a, b := dump(t, one), dump(t, watchless); !reflect.DeepEqual(a, b) {
			t.Fatalf("seed %d: after writes, the watchless database differs", seed)
		}
		for _, args := range [][]interface{}{{"id", "O-1"}, {"id_prefix", "O-1"}, {"group", "g3"}, {"next", "O-7"}, {"pair_prefix", "g2"}} {
			var got [3][]string
			for d, db := range dbs {
				it, err := db.Txn(false).Get("objs", args[0].(string), args[1:]...)
				if err != nil {
					t.Fatal(err)
				}
				for o := it.Next(); o != nil; o = it.Next() {
					got[d] = append(got[d], o.(*bulkObj).ID)
				}
			}
			if !reflect.DeepEqual(got[0], got[1]) || !reflect.DeepEqual(got[0], got[2]) {
				t.Fatalf("seed %d: Get%v: %v, bulk %v, watchless %v", seed, args, got[0], got[1], got[2])
			}
		}
	}
}

func TestInsertBulkRefuses(t *testing.T) {
	db, _ := NewMemDB(bulkSchema())
	txn := db.Txn(true)
	err := txn.InsertBulk("objs", []interface{}{&bulkObj{ID: "a", Group: "g"}, &bulkObj{ID: "b", Group: "g"}, &bulkObj{ID: "a", Group: "h"}}, 2)
	var be *BulkError
	if !errors.As(err, &be) || be.Obj != 2 {
		t.Fatalf("a repeated id: %v, want a BulkError about object 2", err)
	}
	txn.Abort()
	txn = db.Txn(true)
	if err := txn.InsertBulk("objs", []interface{}{&bulkObj{ID: "a"}}, 2); !errors.As(err, &be) || be.Obj != 0 {
		t.Fatalf("a missing group: %v, want a BulkError about object 0", err)
	}
	txn.Abort()
	txn = db.Txn(true)
	if err := txn.Insert("objs", &bulkObj{ID: "a", Group: "g"}); err != nil {
		t.Fatal(err)
	}
	if err := txn.InsertBulk("objs", []interface{}{&bulkObj{ID: "b", Group: "g"}}, 2); err == nil {
		t.Fatal("a bulk insert into a table that is not empty was taken")
	}
	txn.Abort()
}

// A snapshot taken before a bulk insert does not see it, and watchers of
// the empty table hear of it.
func TestInsertBulkSnapshotAndWatch(t *testing.T) {
	db, _ := NewMemDB(bulkSchema())
	before := db.Snapshot()
	watch, _, err := db.Txn(false).FirstWatch("objs", "id", "a")
	if err != nil {
		t.Fatal(err)
	}
	txn := db.Txn(true)
	if err := txn.InsertBulk("objs", []interface{}{&bulkObj{ID: "a", Group: "g"}}, 2); err != nil {
		t.Fatal(err)
	}
	txn.Commit()
	select {
	case <-watch:
	default:
		t.Fatal("the watch of the empty table was not notified")
	}
	if o, _ := before.Txn(false).First("objs", "id", "a"); o != nil {
		t.Fatal("the snapshot sees the later bulk insert")
	}
	if o, _ := db.Txn(false).First("objs", "id", "a"); o == nil {
		t.Fatal("the bulk insert is not seen")
	}
}

// A watchless database answers nil watch channels, on itself and on its
// snapshots, before and after writes, and its commits close none.
func TestWatchlessWatches(t *testing.T) {
	db, _ := NewMemDBWatchless(bulkSchema())
	txn := db.Txn(true)
	if err := txn.InsertBulk("objs", []interface{}{&bulkObj{ID: "a", Group: "g"}, &bulkObj{ID: "b", Group: "g"}}, 2); err != nil {
		t.Fatal(err)
	}
	txn.Commit()
	for _, d := range []*MemDB{db, db.Snapshot()} {
		txn := d.Txn(true)
		if err := txn.Insert("objs", &bulkObj{ID: "c", Group: "h"}); err != nil {
			t.Fatal(err)
		}
		if err := txn.Delete("objs", &bulkObj{ID: "a", Group: "g"}); err != nil {
			t.Fatal(err)
		}
		txn.Commit()
		read := d.Txn(false)
		for _, args := range [][]interface{}{{"id", "b"}, {"id", "zz"}, {"group", "h"}} {
			watch, _, err := read.FirstWatch("objs", args[0].(string), args[1:]...)
			if err != nil || watch != nil {
				t.Fatalf("FirstWatch%v: %v, %v; want a nil channel", args, watch, err)
			}
		}
		it, err := read.Get("objs", "group_prefix", "")
		if err != nil || it.WatchCh() != nil {
			t.Fatalf("Get: WatchCh %v, %v; want nil", it.WatchCh(), err)
		}
	}
}

// First and Last in a write transaction see its writes so far, not later
// ones, and leave an iterator taken before a write unchanged by it; in a
// read transaction they see the committed state. (They read the modified
// index in place, where Get reads a clone.)
func TestFirstLastInWriteTxn(t *testing.T) {
	for _, watchless := range []bool{false, true} {
		db, _ := NewMemDB(bulkSchema())
		if watchless {
			db, _ = NewMemDBWatchless(bulkSchema())
		}
		txn := db.Txn(true)
		for _, id := range []string{"b", "d"} {
			if err := txn.Insert("objs", &bulkObj{ID: id, Group: "g"}); err != nil {
				t.Fatal(err)
			}
		}
		it, err := txn.Get("objs", "group", "g")
		if err != nil {
			t.Fatal(err)
		}
		for i, id := range []string{"a", "c", "e"} {
			if o, _ := txn.First("objs", "id", id); o != nil {
				t.Fatalf("First(%s) before its insert: %v", id, o)
			}
			if err := txn.Insert("objs", &bulkObj{ID: id, Group: "g", N: i}); err != nil {
				t.Fatal(err)
			}
			if o, _ := txn.First("objs", "id", id); o == nil || o.(*bulkObj).N != i {
				t.Fatalf("First(%s) after its insert: %v", id, o)
			}
			first, _ := txn.First("objs", "group", "g")
			last, _ := txn.Last("objs", "group", "g")
			if first.(*bulkObj).ID != "a" || last.(*bulkObj).ID != map[string]string{"a": "d", "c": "d", "e": "e"}[id] {
				t.Fatalf("after %s: First %v, Last %v of the group", id, first, last)
			}
		}
		var seen []string
		for o := it.Next(); o != nil; o = it.Next() {
			seen = append(seen, o.(*bulkObj).ID)
		}
		if !reflect.DeepEqual(seen, []string{"b", "d"}) {
			t.Fatalf("an iterator taken before the inserts sees %v", seen)
		}
		read := db.Txn(false)
		if o, _ := read.First("objs", "id", "a"); o != nil {
			t.Fatal("a read transaction sees an uncommitted insert")
		}
		txn.Commit()
		if o, _ := db.Txn(false).Last("objs", "id"); o == nil || o.(*bulkObj).ID != "e" {
			t.Fatalf("Last after the commit: %v", o)
		}
	}
}
