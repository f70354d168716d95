package index

import (
	"slices"
	"strings"
	"sync"

	memdb "github.com/allymatch/allymatch/internal/third_party/memdb"
)

// Reads records what was read through a Reader made by Track: every
// lookup, as the table, the index and the key (or key prefix) it sought,
// whether by id (a record, found or not), by an index value (the items of
// a unit, the claims on a pair) or a walk of a whole table. It is the
// read side of go-memdb's WatchSet as Nomad's state store uses it, kept
// as data instead of channels: Touched tells, from the keys of the records
// written since (ChangesSince), whether a write touched anything read,
// that is whether the old or the new version of a written record falls
// inside a recorded lookup. A computation that reads its inputs only
// through such a Reader and is deterministic gives the same result again
// on a later state as long as no write touched its reads; nothing needs
// to restate, table by table, what it depends on.
//
// A lookup made through a Reader narrowed by Where counts only the records
// its filter accepts: the walk yields no other, so no other can change
// what was computed.
//
// Reads may be layered (NewReads with a parent): a layer holds what one
// more computation read on top of its parent's, which it never changes.
// Reads is safe for concurrent use.
type Reads struct {
	parent *Reads
	depth  int // layers below this one

	mu      sync.Mutex
	ix      map[tableIndex]*indexReads
	owned   map[tableIndex]*ownedKeys // as indexReads.strs: the owners each key was read for (see For)
	unowned bool                      // a read for an owner that owned cannot hold was made
	n       int                       // lookups recorded in this layer
}

type tableIndex struct{ table, index string }

// indexReads is what was sought in one index: key prefixes (an exact
// key is the prefix of itself), and those sought through a filter.
type indexReads struct {
	any   map[string]struct{}
	strs  map[string]struct{} // s stands for the key s+"\x00" (see terminated), kept without a copy
	where map[string][]*filter
	wstrs map[string][]*filter // as strs, through filters
}

// filter is the acceptance test of a Reader made by Where.
type filter struct{ keep func(obj any) bool }

// maxLayers bounds the chain of layers: a new layer on a deeper chain
// holds its parents' reads itself.
const maxLayers = 8

// NewReads returns an empty record on top of parent (nil: none), which
// must no longer be recorded into.
func NewReads(parent *Reads) *Reads {
	rec := &Reads{ix: map[tableIndex]*indexReads{}, owned: map[tableIndex]*ownedKeys{}}
	if parent == nil {
		return rec
	}
	if parent.depth+1 < maxLayers {
		rec.parent, rec.depth = parent, parent.depth+1
		return rec
	}
	for p := parent; p != nil; p = p.parent {
		rec.Merge(p)
	}
	return rec
}

// Len returns the number of lookups recorded, in every layer (a lookup
// made in two layers counts twice).
func (rec *Reads) Len() int {
	n := 0
	for p := rec; p != nil; p = p.parent {
		p.mu.Lock()
		n += p.n
		p.mu.Unlock()
	}
	return n
}

// Merge adds what o recorded (its own layer only) to rec.
func (rec *Reads) Merge(o *Reads) {
	o.mu.Lock()
	defer o.mu.Unlock()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	for k, src := range o.ix {
		dst := rec.index(k)
		for p := range src.any {
			if _, ok := dst.any[p]; !ok {
				dst.any[p] = struct{}{}
				rec.n++
			}
		}
		for p := range src.strs {
			if _, ok := dst.strs[p]; !ok {
				dst.strs[p] = struct{}{}
				rec.n++
			}
		}
		rec.n += mergeWhere(&dst.where, src.where) + mergeWhere(&dst.wstrs, src.wstrs)
	}
	for k, src := range o.owned {
		for s, w := range src.one {
			rec.addOwnedLocked(k, s, w)
		}
		for s, ws := range src.more {
			for _, w := range ws {
				rec.addOwnedLocked(k, s, w)
			}
		}
	}
	rec.unowned = rec.unowned || o.unowned
}

// mergeWhere adds src's filters to *dst and returns how many it added.
func mergeWhere(dst *map[string][]*filter, src map[string][]*filter) int {
	n := 0
	for p, fs := range src {
		for _, f := range fs {
			n += addWhere(dst, p, f)
		}
	}
	return n
}

// addWhere adds f to (*m)[p] and returns 1, or 0 when it is there.
func addWhere(m *map[string][]*filter, p string, f *filter) int {
	if slices.Contains((*m)[p], f) {
		return 0
	}
	if *m == nil {
		*m = map[string][]*filter{}
	}
	(*m)[p] = append((*m)[p], f)
	return 1
}

func (rec *Reads) index(k tableIndex) *indexReads {
	ir := rec.ix[k]
	if ir == nil {
		ir = &indexReads{any: map[string]struct{}{}, strs: map[string]struct{}{}}
		rec.ix[k] = ir
	}
	return ir
}

// addStr records a lookup of the key s+"\x00" in table's index, through
// f (nil: none).
func (rec *Reads) addStr(table, index, s string, f *filter) {
	rec.mu.Lock()
	ir := rec.index(tableIndex{table, index})
	if f != nil {
		rec.n += addWhere(&ir.wstrs, s, f)
	} else if _, ok := ir.strs[s]; !ok {
		ir.strs[s] = struct{}{}
		rec.n++
	}
	rec.mu.Unlock()
}

// addOwnedLocked records that the key s+"\x00" of k was read for owner
// (rec.mu held).
func (rec *Reads) addOwnedLocked(k tableIndex, s, owner string) {
	m := rec.owned[k]
	if m == nil {
		m = &ownedKeys{one: map[string]string{}}
		rec.owned[k] = m
	}
	w, ok := m.one[s]
	switch {
	case !ok:
		m.one[s] = owner
	case w == owner:
	default:
		if ws := m.more[s]; !slices.Contains(ws, owner) {
			if m.more == nil {
				m.more = map[string][]string{}
			}
			m.more[s] = append(ws, owner)
		}
	}
}

// ownedKeys is the owners of the keys read in one index: the first of
// each, and the others (most keys have one: the item read them).
type ownedKeys struct {
	one  map[string]string
	more map[string][]string
}

// each calls fn with the owners of key s.
func (m *ownedKeys) each(s string, fn func(owner string)) {
	if w, ok := m.one[s]; ok {
		fn(w)
		for _, w := range m.more[s] {
			fn(w)
		}
	}
}

// add records a lookup of prefix in table's index, through f (nil: none).
func (rec *Reads) add(table, index, prefix string, f *filter) {
	rec.mu.Lock()
	ir := rec.index(tableIndex{table, index})
	if f == nil {
		if _, ok := ir.any[prefix]; !ok {
			ir.any[prefix] = struct{}{}
			rec.n++
		}
	} else {
		rec.n += addWhere(&ir.where, prefix, f)
	}
	rec.mu.Unlock()
}

// schema is the index's schema, for the indexers of the records read.
var schema = sync.OnceValue(Schema)

// Track returns a reader of r's state whose lookups are recorded in rec
// (nil: not recorded).
func (r Reader) Track(rec *Reads) Reader {
	if rec == nil {
		if r.t == nil || r.t.keep == nil {
			return Reader{txn: r.txn}
		}
		return Reader{txn: r.txn, t: &tracker{keep: r.t.keep, f: r.t.f}}
	}
	t := &tracker{reads: rec}
	if r.t != nil {
		t.keep, t.f = r.t.keep, r.t.f
	}
	return Reader{txn: r.txn, t: t}
}

// Plain reports whether r neither records nor filters: its walks yield
// every record, and nothing notes its lookups.
func (r Reader) Plain() bool { return r.t == nil }

// Reads returns the record r's lookups go to (nil: none).
func (r Reader) Reads() *Reads {
	if r.t == nil {
		return nil
	}
	return r.t.reads
}

// Where returns a reader of r's state (recording where r records) whose
// walks (the methods returning an iter.Seq) yield only the records keep
// accepts, and record that only those were read: a write of a record
// keep rejects in both its old and its new version touches nothing read
// through it. keep must depend on nothing but the record. Reads of one
// record by id are not filtered.
func (r Reader) Where(keep func(obj any) bool) Reader {
	t := &tracker{keep: keep, f: &filter{keep}}
	if r.t != nil {
		t.reads = r.t.reads
	}
	return Reader{txn: r.txn, t: t}
}

// tracker is what a Reader made by Track or Where carries.
type tracker struct {
	reads *Reads
	keep  func(obj any) bool // nil: every record
	f     *filter            // keep, as recorded
	owner string             // see For ("": none)
}

// For returns a reader of r's state that records, besides, what it reads
// as read for owner (an item gathered, say): Owners tells from the keys
// written which owners read what they touch. A reader that records
// nothing is returned as it is.
func (r Reader) For(owner string) Reader {
	if r.t == nil || r.t.reads == nil {
		return r
	}
	t := *r.t
	t.owner = owner
	return Reader{txn: r.txn, t: &t}
}

// Owning is For with the owner set by set, for a caller reading for one
// owner after another: the reader and set belong to one goroutine. A
// reader that records nothing is returned as it is (set does nothing).
func (r Reader) Owning() (Reader, func(owner string)) {
	if r.t == nil || r.t.reads == nil {
		return r, func(string) {}
	}
	t := *r.t
	return Reader{txn: r.txn, t: &t}, func(owner string) { t.owner = owner }
}

// Noted records that the record id of table was read: it was handed over
// by another lookup (made for another owner, or by the caller before).
func (r Reader) Noted(table, id string) { r.noteStr(table, IndexID, id) }

// note records a lookup of args in table's index (a name ending in
// "_prefix" seeks a prefix, as in memdb) when r records.
func (r Reader) note(table, index string, filtered bool, args ...any) {
	if r.t == nil || r.t.reads == nil {
		return
	}
	ix, prefix := index, false
	if s, ok := strings.CutSuffix(index, "_prefix"); ok {
		ix, prefix = s, true
	}
	var f *filter
	if filtered {
		f = r.t.f
	}
	if len(args) == 1 && !prefix {
		if s, ok := args[0].(string); ok && terminated(table, ix) {
			r.t.reads.addStr(table, ix, s, f) // the common case, without a copy of the key
			r.noteOwner(table, ix, s)
			return
		}
	}
	if r.t.owner != "" {
		r.t.reads.mu.Lock()
		r.t.reads.unowned = true
		r.t.reads.mu.Unlock()
	}
	var key []byte
	if len(args) > 0 {
		is := schema().Tables[table].Indexes[ix]
		var err error
		if prefix {
			key, err = is.Indexer.(memdb.PrefixIndexer).PrefixFromArgs(args...)
		} else {
			key, err = is.Indexer.FromArgs(args...)
		}
		if err != nil {
			panic("index: " + err.Error()) // schema and argument bugs only, as in get
		}
	}
	r.noteKey(table, ix, string(key), filtered)
}

// terminatedIndexes caches terminated.
var terminatedIndexes sync.Map // tableIndex → bool

// terminated reports whether the key of a lookup of one string s in
// table's index is s+"\x00" (memdb's string indexes and ours).
func terminated(table, index string) bool {
	k := tableIndex{table, index}
	if v, ok := terminatedIndexes.Load(k); ok {
		return v.(bool)
	}
	const probe = "\x01probe"
	b, err := schema().Tables[table].Indexes[index].Indexer.FromArgs(probe)
	ok := err == nil && string(b) == probe+"\x00"
	terminatedIndexes.Store(k, ok)
	return ok
}

// noteStr is note of one string argument, which it does not box unless r
// records (a caller's arguments passed to note escape).
func (r Reader) noteStr(table, index, arg string) {
	if r.t == nil || r.t.reads == nil {
		return
	}
	if !strings.HasSuffix(index, "_prefix") && terminated(table, index) {
		r.t.reads.addStr(table, index, arg, nil)
		r.noteOwner(table, index, arg)
		return
	}
	r.note(table, index, false, arg)
}

// noteOwner records that the key arg+"\x00" of table's index was read for
// r's owner, if any.
func (r Reader) noteOwner(table, index, arg string) {
	if r.t.owner != "" {
		r.t.reads.mu.Lock()
		r.t.reads.addOwnedLocked(tableIndex{table, index}, arg, r.t.owner)
		r.t.reads.mu.Unlock()
	}
}

// noteKey records a lookup of the key prefix key in table's index.
func (r Reader) noteKey(table, index, key string, filtered bool) {
	if r.t == nil || r.t.reads == nil {
		return
	}
	var f *filter
	if filtered {
		f = r.t.f
	}
	r.t.reads.add(table, index, key, f)
}

// Touched reports whether a write of any record of keys, between the
// state was reads and the state now reads, touches a lookup of rec: the
// record's old or new version (whichever exists) is found by a recorded
// lookup, filter included. A key of a table the index does not hold (the
// categories, which live in Meta) touches always.
func (rec *Reads) Touched(was, now Reader, keys []Key) bool {
	var seen map[Key]bool // keys repeat when a record is written in several writes
	if len(keys) > 16 {
		seen = make(map[Key]bool, len(keys))
	}
	for i, k := range keys {
		if seen != nil && seen[k] || seen == nil && slices.Contains(keys[:i], k) {
			continue
		}
		if seen != nil {
			seen[k] = true
		}
		ts, ok := schema().Tables[k.Table]
		if !ok {
			return true
		}
		for _, rd := range [2]Reader{was, now} {
			obj, err := rd.txn.First(k.Table, IndexID, k.ID)
			if err != nil {
				return true
			}
			if obj != nil && rec.finds(ts, obj) {
				return true
			}
		}
	}
	return false
}

// Owners calls fn with each owner (see For) of a lookup of rec that finds
// the old or the new version of a record of keys (an owner may come more
// than once). It returns false when it cannot tell: a key of a table the
// index does not hold, or a read for an owner of a kind it does not keep
// (one other than of one string).
func (rec *Reads) Owners(was, now Reader, keys []Key, fn func(owner string)) bool {
	for p := rec; p != nil; p = p.parent {
		p.mu.Lock()
		unowned := p.unowned
		p.mu.Unlock()
		if unowned {
			return false
		}
	}
	var buf [4][]byte
	for _, k := range keys {
		ts, ok := schema().Tables[k.Table]
		if !ok {
			return false
		}
		for _, rd := range [2]Reader{was, now} {
			obj, err := rd.txn.First(k.Table, IndexID, k.ID)
			if err != nil {
				return false
			}
			if obj == nil {
				continue
			}
			for name, is := range ts.Indexes {
				vals := buf[:0]
				computed := false
				for p := rec; p != nil; p = p.parent {
					p.mu.Lock()
					m := p.owned[tableIndex{ts.Name, name}]
					if m != nil {
						if !computed {
							vals, computed = indexValues(is, obj, vals), true
						}
						for _, v := range vals {
							for n := 1; n <= len(v); n++ {
								if v[n-1] == 0 {
									m.each(string(v[:n-1]), fn)
								}
							}
						}
					}
					p.mu.Unlock()
				}
			}
		}
	}
	return true
}

// finds reports whether a recorded lookup of ts finds obj.
func (rec *Reads) finds(ts *memdb.TableSchema, obj any) bool {
	var buf [4][]byte
	vals := buf[:0] // of the index at hand, computed once for all layers
	for name, is := range ts.Indexes {
		vals = vals[:0]
		computed := false
		for p := rec; p != nil; p = p.parent {
			p.mu.Lock()
			ir := p.ix[tableIndex{ts.Name, name}]
			p.mu.Unlock()
			if ir == nil {
				continue
			}
			if !computed {
				vals, computed = indexValues(is, obj, vals), true
			}
			if ir.finds(vals, obj) {
				return true
			}
		}
	}
	return false
}

// finds reports whether a lookup of ir finds a record with index values
// vals (obj itself, for the filters).
func (ir *indexReads) finds(vals [][]byte, obj any) bool {
	for _, v := range vals {
		for n := 0; n <= len(v); n++ {
			if _, ok := ir.any[string(v[:n])]; ok {
				return true
			}
			if n > 0 && v[n-1] == 0 {
				if _, ok := ir.strs[string(v[:n-1])]; ok {
					return true
				}
				for _, f := range ir.wstrs[string(v[:n-1])] {
					if f.keep(obj) {
						return true
					}
				}
			}
			for _, f := range ir.where[string(v[:n])] {
				if f.keep(obj) {
					return true
				}
			}
		}
	}
	return false
}

// indexValues appends obj's values in the index is to vals (none when
// obj is not in that index).
func indexValues(is *memdb.IndexSchema, obj any, vals [][]byte) [][]byte {
	switch x := is.Indexer.(type) {
	case memdb.SingleIndexer:
		if ok, v, err := x.FromObject(obj); ok && err == nil {
			vals = append(vals, v)
		}
	case memdb.MultiIndexer:
		if ok, vs, err := x.FromObject(obj); ok && err == nil {
			vals = append(vals, vs...)
		}
	}
	return vals
}
