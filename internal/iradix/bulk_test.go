// Copyright (c) the allymatch authors.
// SPDX-License-Identifier: MPL-2.0

package iradix

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// sameShape reports where the trees under a and b differ in shape:
// prefixes, leaves, edges.
func sameShape(a, b *Node, path string) error {
	if !bytes.Equal(a.prefix, b.prefix) {
		return fmt.Errorf("%s: prefix %q, want %q", path, b.prefix, a.prefix)
	}
	if (a.leaf == nil) != (b.leaf == nil) || a.leaf != nil && (!bytes.Equal(a.leaf.key, b.leaf.key) || a.leaf.val != b.leaf.val) {
		return fmt.Errorf("%s: leaves differ", path)
	}
	if len(a.edges) != len(b.edges) {
		return fmt.Errorf("%s: %d edges, want %d", path, len(b.edges), len(a.edges))
	}
	for i := range a.edges {
		if a.edges[i].label != b.edges[i].label {
			return fmt.Errorf("%s: edge %d labelled %q, want %q", path, i, b.edges[i].label, a.edges[i].label)
		}
		if err := sameShape(a.edges[i].node, b.edges[i].node, path+string(a.edges[i].label)); err != nil {
			return err
		}
	}
	return nil
}

// ReplaceSorted makes the very tree that Inserts make, node for node.
func TestReplaceSortedIsInsert(t *testing.T) {
	for seed := range uint64(50) {
		r := rand.New(rand.NewPCG(seed, 2))
		seen := map[string]bool{}
		var keys [][]byte
		for range r.IntN(2000) {
			k := fmt.Sprintf("%s%d", []string{"", "a", "ab", "abc", "b"}[r.IntN(5)], r.IntN(500))
			k = k[:r.IntN(len(k)+1)] // the empty key and prefixes of others too
			if !seen[k] {
				seen[k] = true
				keys = append(keys, []byte(k))
			}
		}
		ins := New().Txn()
		for i, k := range keys {
			ins.Insert(k, i)
		}
		want := ins.Commit()
		slices.SortFunc(keys, bytes.Compare)
		vals := make([]interface{}, len(keys))
		for i, k := range keys {
			v, _ := want.Get(k)
			vals[i] = v
		}
		txn := New().Txn()
		if err := txn.ReplaceSorted(keys, vals); err != nil {
			t.Fatal(err)
		}
		got := txn.Commit()
		if got.Len() != want.Len() {
			t.Fatalf("seed %d: %d keys, want %d", seed, got.Len(), want.Len())
		}
		if err := sameShape(want.root, got.root, ""); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
	}
	if err := New().Txn().ReplaceSorted([][]byte{[]byte("b"), []byte("a")}, []interface{}{1, 2}); err != ErrNotSorted {
		t.Fatalf("unsorted keys: %v", err)
	}
	full, _, _ := New().Insert([]byte("a"), 1)
	if err := full.Txn().ReplaceSorted(nil, nil); err != ErrNotEmpty {
		t.Fatalf("a tree with a key: %v", err)
	}
}
