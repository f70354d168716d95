// Copyright (c) the allymatch authors.
// SPDX-License-Identifier: MPL-2.0

package memdb

import (
	"bytes"
	"fmt"
	"slices"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/allymatch/allymatch/internal/third_party/iradix"
)

// BulkError is InsertBulk's error about one of its objects.
type BulkError struct {
	Obj int // the object's position in the list
	Err error
}

func (e *BulkError) Error() string { return fmt.Sprintf("object %d: %v", e.Obj, e.Err) }
func (e *BulkError) Unwrap() error { return e.Err }

// InsertBulk inserts objs into table, which must be empty in txn: the
// result is that of Insert on each object in turn, but each index's tree
// is built once from its sorted keys (iradix's ReplaceSorted), and the
// indexes are built on up to workers goroutines at a time. Two objects
// with one primary key are an error (Insert would keep the later). On an
// error the transaction is left half-changed and must be aborted. As with
// Insert, the objects must never be modified afterwards.
func (txn *Txn) InsertBulk(table string, objs []interface{}, workers int) error {
	if !txn.write {
		return fmt.Errorf("cannot insert in read-only transaction")
	}
	tableSchema, ok := txn.db.schema.Tables[table]
	if !ok {
		return fmt.Errorf("invalid table '%s'", table)
	}
	if len(objs) == 0 {
		return nil
	}
	names := make([]string, 0, len(tableSchema.Indexes))
	for name := range tableSchema.Indexes {
		names = append(names, name)
	}
	sort.Strings(names)
	// The index transactions are taken on this goroutine (txn.modified is
	// not safe for concurrent use); each is then filled by one worker.
	indexTxns := make([]*iradix.Txn, len(names))
	for i, name := range names {
		indexTxns[i] = txn.writableIndex(table, name)
	}
	idIndexer := tableSchema.Indexes[id].Indexer.(SingleIndexer)
	ids := make([][]byte, len(objs))
	for i, obj := range objs {
		ok, idVal, err := idIndexer.FromObject(obj)
		if err != nil {
			return &BulkError{i, fmt.Errorf("failed to build primary index: %v", err)}
		}
		if !ok {
			return &BulkError{i, fmt.Errorf("object missing primary index")}
		}
		ids[i] = idVal
	}

	errs := make([]error, len(names))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range max(1, min(workers, len(names))) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(names) {
					return
				}
				errs[i] = buildIndex(indexTxns[i], tableSchema.Indexes[names[i]], objs, ids)
			}
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			if be, ok := err.(*BulkError); ok {
				return be
			}
			return fmt.Errorf("index '%s': %v", names[i], err)
		}
	}
	if txn.changes != nil {
		for i, obj := range objs {
			txn.changes = append(txn.changes, Change{Table: table, After: obj, primaryKey: ids[i]})
		}
	}
	return nil
}

// keyBlock is the size of the blocks that hold the keys of a non-unique
// index (a tree keeps its keys: a block is freed once none of its keys is
// in a tree).
const keyBlock = 64 << 10

// buildIndex fills one index's empty tree with the keys of objs.
func buildIndex(indexTxn *iradix.Txn, s *IndexSchema, objs []interface{}, ids [][]byte) error {
	type entry struct {
		key []byte
		obj int
	}
	entries := make([]entry, 0, len(objs))
	var arena []byte
	for i, obj := range objs {
		var (
			ok   bool
			vals [][]byte
			err  error
		)
		if s.Name == id {
			ok, vals = true, [][]byte{ids[i]}
		} else {
			switch indexer := s.Indexer.(type) {
			case SingleIndexer:
				var val []byte
				ok, val, err = indexer.FromObject(obj)
				vals = [][]byte{val}
			case MultiIndexer:
				ok, vals, err = indexer.FromObject(obj)
			}
		}
		if err != nil {
			return &BulkError{i, fmt.Errorf("failed to build index '%s': %v", s.Name, err)}
		}
		if !ok {
			if s.AllowMissing {
				continue
			}
			return &BulkError{i, fmt.Errorf("missing value for index '%s'", s.Name)}
		}
		for _, v := range vals {
			if !s.Unique {
				// The key and the primary key after it, in a block of
				// keys (one allocation for many).
				n := len(v) + len(ids[i])
				if len(arena)+n > cap(arena) {
					// Blocks no larger than the keys left need (a small
					// table's index takes a small block).
					arena = make([]byte, 0, max(n, min(keyBlock, n*(len(objs)-i))))
				}
				start := len(arena)
				arena = append(append(arena, v...), ids[i]...)
				v = arena[start : start+n : start+n]
			}
			entries = append(entries, entry{v, i})
		}
	}
	cmp := func(a, b entry) int {
		if c := bytes.Compare(a.key, b.key); c != 0 {
			return c
		}
		return a.obj - b.obj
	}
	if !slices.IsSortedFunc(entries, cmp) {
		slices.SortFunc(entries, cmp)
	}
	keys := make([][]byte, 0, len(entries))
	vals := make([]interface{}, 0, len(entries))
	for i, e := range entries {
		if i > 0 && bytes.Equal(e.key, entries[i-1].key) {
			if e.obj != entries[i-1].obj {
				// Only a unique index can repeat a key across objects (a
				// non-unique one ends every key with the primary key).
				return &BulkError{e.obj, fmt.Errorf("index '%s': the key of object %d again", s.Name, entries[i-1].obj)}
			}
			continue // a multi-index value listed twice by one object
		}
		keys = append(keys, e.key)
		vals = append(vals, objs[e.obj])
	}
	return indexTxn.ReplaceSorted(keys, vals)
}
