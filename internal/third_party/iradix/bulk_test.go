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

// channels counts the watch channels of the nodes and leaves under n.
func channels(n *Node) int {
	c := 0
	if n.mutateCh != nil {
		c++
	}
	if n.leaf != nil && n.leaf.mutateCh != nil {
		c++
	}
	for _, e := range n.edges {
		c += channels(e.node)
	}
	return c
}

// A watchless tree is the tree a watched one is under the same writes
// (inserts, updates, deletes, prefix deletes, a bulk fill), in
// transactions tracking mutations or not, cloned or not; none of its
// nodes or leaves has a channel, and its watches are nil.
func TestWatchless(t *testing.T) {
	for seed := range uint64(30) {
		r := rand.New(rand.NewPCG(seed, 3))
		key := func() []byte {
			k := fmt.Sprintf("%s%d", []string{"", "a", "ab", "b"}[r.IntN(4)], r.IntN(300))
			return []byte(k[:r.IntN(len(k)+1)])
		}
		var bulk [][]byte
		for k := range 100 {
			bulk = append(bulk, fmt.Appendf(nil, "k%03d", k))
		}
		vals := make([]interface{}, len(bulk))
		watched, watchless := New(), NewWatchless()
		for round := range 6 {
			wt, lt := watched.Txn(), watchless.Txn()
			track := round%2 == 0
			wt.TrackMutate(track)
			lt.TrackMutate(track)
			if round == 3 {
				wt, lt = wt.Clone(), lt.Clone()
			}
			if seed%3 == 0 && round == 0 {
				if err := wt.ReplaceSorted(bulk, vals); err != nil {
					t.Fatal(err)
				}
				if err := lt.ReplaceSorted(bulk, vals); err != nil {
					t.Fatal(err)
				}
			}
			for range r.IntN(300) {
				k, v := key(), r.IntN(10)
				switch r.IntN(6) {
				case 0:
					wt.Delete(k)
					lt.Delete(k)
				case 1:
					if len(k) == 0 {
						// Upstream's DeletePrefix of everything, tracked,
						// closes a channel twice at the next Notify
						// (v1.3.1; the store never deletes a prefix).
						k = []byte("a")
					}
					wt.DeletePrefix(k)
					lt.DeletePrefix(k)
				default:
					wt.Insert(k, v)
					lt.Insert(k, v)
				}
			}
			watched, watchless = wt.Commit(), lt.Commit()
			if watched.Len() != watchless.Len() {
				t.Fatalf("seed %d round %d: %d keys, want %d", seed, round, watchless.Len(), watched.Len())
			}
			if err := sameShape(watched.root, watchless.root, ""); err != nil {
				t.Fatalf("seed %d round %d: %v", seed, round, err)
			}
			if n := channels(watchless.root); n != 0 {
				t.Fatalf("seed %d round %d: the watchless tree holds %d channels", seed, round, n)
			}
			if channels(watched.root) == 0 {
				t.Fatalf("seed %d round %d: the watched tree holds no channel", seed, round)
			}
			k := key()
			if ch, _, _ := watchless.Root().GetWatch(k); ch != nil {
				t.Fatalf("seed %d: GetWatch(%q) on the watchless tree is a channel", seed, k)
			}
			if ch := watchless.Root().Iterator().SeekPrefixWatch(k); ch != nil {
				t.Fatalf("seed %d: SeekPrefixWatch(%q) on the watchless tree is a channel", seed, k)
			}
		}
	}
}
