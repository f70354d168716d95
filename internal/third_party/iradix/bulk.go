// Copyright (c) the allymatch authors.
// SPDX-License-Identifier: MPL-2.0

package iradix

import (
	"bytes"
	"errors"
)

// ErrNotSorted is ReplaceSorted's answer to keys that are not in strictly
// increasing order.
var ErrNotSorted = errors.New("iradix: keys are not sorted, or one is repeated")

// ErrNotEmpty is ReplaceSorted's answer on a transaction whose tree holds a
// key.
var ErrNotEmpty = errors.New("iradix: the tree is not empty")

// ReplaceSorted fills the transaction's tree, which must be empty, with
// keys[i] → vals[i]: keys must be in strictly increasing order
// (bytes.Compare). It builds the tree in one pass from the sorted keys, each
// node made once with its final edges, where Insert would walk, copy and
// grow nodes key by key; the tree is the one the same Inserts would make
// (a radix tree's shape depends only on its keys). The keys are kept (not
// copied) and must not be changed afterwards. With mutation tracking on,
// the empty tree's root is notified at Notify, as an Insert would notify it.
func (t *Txn) ReplaceSorted(keys [][]byte, vals []interface{}) error {
	if len(keys) != len(vals) {
		return errors.New("iradix: as many values as keys are needed")
	}
	if t.root.leaf != nil || len(t.root.edges) != 0 {
		return ErrNotEmpty
	}
	for i := 1; i < len(keys); i++ {
		if bytes.Compare(keys[i-1], keys[i]) >= 0 {
			return ErrNotSorted
		}
	}
	if len(keys) == 0 {
		return nil
	}
	if t.trackMutate {
		t.trackChannel(t.root.mutateCh)
	}
	// Blocks no larger than the tree needs: a tree of n keys has n
	// leaves, at most 2n nodes and 2n edges.
	b := builder{keys: keys, vals: vals, block: min(builderBlock, 2*len(keys)+1), watchless: t.watchless}
	root := b.node()
	b.fill(root, 0, len(keys), 0, 0)
	t.root = root
	t.size = len(keys)
	t.writable = nil // no node of the old tree is in the new one
	return nil
}

// builder makes the nodes of a tree from sorted keys, its nodes, leaves
// and edges taken from blocks (fewer, larger allocations; a block is freed
// once none of its nodes is in a tree).
type builder struct {
	keys   [][]byte
	vals   []interface{}
	nodes  []Node
	leaves []leafNode
	edges  []edge
	block  int
	ends   []int // the ends of the groups of the fills in progress
	// watchless: the nodes get no watch channel (NewWatchless).
	watchless bool
}

const builderBlock = 1024

func (b *builder) node() *Node {
	if len(b.nodes) == 0 {
		b.nodes = make([]Node, b.block)
	}
	n := &b.nodes[0]
	b.nodes = b.nodes[1:]
	if !b.watchless {
		n.mutateCh = make(chan struct{})
	}
	return n
}

func (b *builder) leaf(i int) *leafNode {
	if len(b.leaves) == 0 {
		b.leaves = make([]leafNode, b.block)
	}
	l := &b.leaves[0]
	b.leaves = b.leaves[1:]
	if !b.watchless {
		l.mutateCh = make(chan struct{})
	}
	l.key, l.val = b.keys[i], b.vals[i]
	return l
}

func (b *builder) edgeSlice(n int) []edge {
	if n > b.block {
		return make([]edge, n)
	}
	if len(b.edges) < n {
		b.edges = make([]edge, b.block)
	}
	e := b.edges[:n:n] // capped: an append never reaches a neighbour's edges
	b.edges = b.edges[n:]
	return e
}

// fill makes n the node of keys[lo:hi], which share their first depth
// bytes: its prefix is the next plen bytes (the edge's label first), its
// leaf the key that ends there, its edges one child per next byte.
func (b *builder) fill(n *Node, lo, hi, depth, plen int) {
	end := depth + plen
	if plen > 0 {
		n.prefix = b.keys[lo][depth:end]
	}
	if len(b.keys[lo]) == end {
		n.leaf = b.leaf(lo)
		lo++
	}
	if lo == hi {
		return
	}
	// The groups' ends, found once, on the stack that the children's
	// fills push theirs onto after them.
	base := len(b.ends)
	for i := lo; i < hi; {
		i = b.groupEnd(i, hi, end)
		b.ends = append(b.ends, i)
	}
	count := len(b.ends) - base
	n.edges = b.edgeSlice(count)
	i := lo
	for k := range count {
		j := b.ends[base+k]
		child := b.node()
		// The keys of the group share every byte up to the longest prefix
		// of its first and its last (sorted keys).
		first, last := b.keys[i], b.keys[j-1]
		var p int
		if j-i > 1 {
			p = longestPrefix(first[end:], last[end:])
		} else {
			p = len(first) - end
		}
		b.fill(child, i, j, end, p)
		n.edges[k] = edge{label: first[end], node: child}
		i = j
	}
	b.ends = b.ends[:base]
}

// groupEnd returns the end of the run of keys from i (below hi) whose byte
// at depth is keys[i]'s.
func (b *builder) groupEnd(i, hi, depth int) int {
	c := b.keys[i][depth]
	// Runs are long in an index over a few values (a level, a kind):
	// gallop, then search the last step.
	step := 1
	j := i + 1
	for j < hi && b.keys[j][depth] == c {
		j = i + step
		step *= 2
		if j >= hi {
			j = hi
			break
		}
	}
	// keys[lo..] of the run are before the first key past it, in [i+1, j].
	lo, up := i+1, j
	if up > hi {
		up = hi
	}
	for lo < up {
		m := int(uint(lo+up) >> 1)
		if b.keys[m][depth] == c {
			lo = m + 1
		} else {
			up = m
		}
	}
	return lo
}
