package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
)

// The bbolt file layout (version 2) as checkPages reads it. bbolt writes
// its structures in the machine's byte order.
const (
	boltMagic        = 0xED0CDAED
	boltVersion      = 2
	pageHeaderSize   = 16 // id u64, flags u16, count u16, overflow u32
	elementSize      = 16 // branch: pos u32, ksize u32, pgid u64; leaf: flags u32, pos u32, ksize u32, vsize u32
	bucketHeaderSize = 16 // root pgid u64, sequence u64
	metaOffset       = pageHeaderSize
	metaSize         = 64 // magic, version, page size, flags, root bucket, freelist, pgid, txid, checksum
	flagBranch       = 0x01
	flagLeaf         = 0x02
	flagMeta         = 0x04
	flagFreelist     = 0x10
	leafBucket       = 0x01
	noFreelist       = ^uint64(0)
	maxTreeDepth     = 64 // a B+tree of a few GB is under 10 deep
)

var ne = binary.NativeEndian

// fileMeta is what checkPages learned from the file's meta pages.
type fileMeta struct {
	pageSize int
	root     uint64 // the root bucket's page
	freelist uint64
	pgid     uint64 // high-water mark: pages [0, pgid) are in use or free
	txid     uint64
}

// checkPages checks the page structure of a bbolt file before bbolt reads
// it through its memory map: both meta pages intact and one transaction
// apart, the file as long as its last transaction needs, every page that a
// bucket or the freelist names within the file, of the right type, named
// once, with its elements inside it and its keys in order, and every page
// either in use or free. bbolt trusts all of this (a damaged page id makes
// it read outside the map, a cycle recurses without end, a large overflow
// count loops for minutes, some of it on a goroutine of its own where no
// recover reaches), so nothing of the file is handed to bbolt before
// checkPages has passed. It reads with ReadAt only and never panics on any
// input.
func checkPages(r io.ReaderAt, size int64) (fileMeta, error) {
	var head [pageHeaderSize + metaSize]byte
	if size < int64(len(head)) {
		return fileMeta{}, fmt.Errorf("%d bytes, too short for a bbolt file", size)
	}
	m0, err0 := readMeta(r, 0, 0, head[:])
	if err0 != nil {
		return fileMeta{}, fmt.Errorf("meta page 0: %w", err0)
	}
	if int64(m0.pageSize)*2 > size {
		return fileMeta{}, fmt.Errorf("%d bytes, too short for its two meta pages of %d bytes", size, m0.pageSize)
	}
	m1, err1 := readMeta(r, 1, int64(m0.pageSize), head[:])
	if err1 != nil {
		return fileMeta{}, fmt.Errorf("meta page 1: %w", err1)
	}
	if m1.pageSize != m0.pageSize {
		return fileMeta{}, fmt.Errorf("the meta pages disagree on the page size (%d and %d)", m0.pageSize, m1.pageSize)
	}
	m, old := m0, m1
	if m1.txid > m0.txid {
		m, old = m1, m0
	}
	// Each commit writes the meta page txid%2: the other one holds the
	// transaction before. bbolt would fall back to the older meta page if
	// the newer one were damaged, silently serving the state before the
	// last acknowledged write; checkPages refuses a damaged meta page
	// instead (above), and a pair that is not one apart here.
	if m.txid != old.txid+1 {
		return fileMeta{}, fmt.Errorf("the meta pages hold transactions %d and %d, not two in a row", m.txid, old.txid)
	}
	ps := int64(m.pageSize)
	if m.pgid < 2 || m.pgid > uint64(size/ps) {
		return fileMeta{}, fmt.Errorf("%d bytes, but its last transaction uses %d pages of %d bytes: the file was cut short", size, m.pgid, ps)
	}
	if m.freelist == noFreelist {
		return fileMeta{}, errors.New("the freelist is not stored (allymatch always stores it)")
	}
	c := &pageChecker{r: r, m: m, state: make([]byte, m.pgid)}
	c.state[0], c.state[1] = pageUsed, pageUsed
	if err := c.freelist(); err != nil {
		return fileMeta{}, err
	}
	if err := c.tree(m.root, nil, nil, 0); err != nil {
		return fileMeta{}, err
	}
	for id, st := range c.state {
		if st == pageUnknown {
			return fileMeta{}, fmt.Errorf("page %d is neither in use nor free", id)
		}
	}
	return m, nil
}

// readMeta reads and validates the meta page id at off.
func readMeta(r io.ReaderAt, id uint64, off int64, buf []byte) (fileMeta, error) {
	if _, err := r.ReadAt(buf, off); err != nil {
		return fileMeta{}, fmt.Errorf("unreadable: %w", err)
	}
	if got, flags := ne.Uint64(buf[0:]), ne.Uint16(buf[8:]); got != id || flags != flagMeta {
		return fileMeta{}, fmt.Errorf("damaged (page header says page %d, flags %#x)", got, flags)
	}
	b := buf[metaOffset:]
	if ne.Uint32(b[0:]) != boltMagic {
		return fileMeta{}, errors.New("damaged (not a bbolt meta page)")
	}
	if v := ne.Uint32(b[4:]); v != boltVersion {
		return fileMeta{}, fmt.Errorf("damaged (bbolt format version %d)", v)
	}
	h := fnv.New64a()
	h.Write(b[:56])
	if h.Sum64() != ne.Uint64(b[56:]) {
		return fileMeta{}, errors.New("damaged (its checksum does not match)")
	}
	m := fileMeta{
		pageSize: int(ne.Uint32(b[8:])),
		root:     ne.Uint64(b[16:]),
		freelist: ne.Uint64(b[32:]),
		pgid:     ne.Uint64(b[40:]),
		txid:     ne.Uint64(b[48:]),
	}
	if m.pageSize < 1024 || m.pageSize > 1<<24 {
		return fileMeta{}, fmt.Errorf("damaged (page size %d)", m.pageSize)
	}
	if m.txid%2 != id {
		return fileMeta{}, fmt.Errorf("holds transaction %d, which belongs on meta page %d", m.txid, m.txid%2)
	}
	return m, nil
}

const (
	pageUnknown = iota
	pageUsed
	pageFree
)

type pageChecker struct {
	r     io.ReaderAt
	m     fileMeta
	state []byte   // per page below the high-water mark
	bufs  [][]byte // one buffer per tree depth
}

// span marks the pages [id, id+overflow] as used by what ("page 7" or a
// bucket's page), refusing ids outside the file and pages named twice.
func (c *pageChecker) span(id uint64, overflow uint32, as byte) error {
	if id < 2 || id >= c.m.pgid || uint64(overflow) >= c.m.pgid-id {
		return fmt.Errorf("page %d (+%d overflow) lies outside the file's %d pages", id, overflow, c.m.pgid)
	}
	for p := id; p <= id+uint64(overflow); p++ {
		switch c.state[p] {
		case pageUsed:
			return fmt.Errorf("page %d is named twice", p)
		case pageFree:
			return fmt.Errorf("page %d is in use and free", p)
		}
		c.state[p] = as
	}
	return nil
}

// read reads page id (with its overflow pages) into the buffer of depth,
// checking its header: the id it holds and its type.
func (c *pageChecker) read(id uint64, depth int, want ...uint16) ([]byte, uint16, error) {
	if id < 2 || id >= c.m.pgid {
		return nil, 0, fmt.Errorf("page %d lies outside the file's %d pages", id, c.m.pgid)
	}
	for len(c.bufs) <= depth {
		c.bufs = append(c.bufs, make([]byte, c.m.pageSize))
	}
	ps := int64(c.m.pageSize)
	buf := c.bufs[depth][:ps]
	if _, err := c.r.ReadAt(buf, int64(id)*ps); err != nil {
		return nil, 0, fmt.Errorf("page %d: unreadable: %w", id, err)
	}
	got, flags, overflow := ne.Uint64(buf[0:]), ne.Uint16(buf[8:]), ne.Uint32(buf[12:])
	if got != id {
		return nil, 0, fmt.Errorf("page %d: its header says page %d", id, got)
	}
	ok := false
	for _, w := range want {
		ok = ok || flags == w
	}
	if !ok {
		return nil, 0, fmt.Errorf("page %d: unexpected page type %#x", id, flags)
	}
	if overflow == 0 {
		return buf, flags, nil
	}
	if uint64(overflow) >= c.m.pgid-id {
		return nil, 0, fmt.Errorf("page %d: %d overflow pages run past the file's %d pages", id, overflow, c.m.pgid)
	}
	n := (int64(overflow) + 1) * ps
	if int64(cap(c.bufs[depth])) < n {
		c.bufs[depth] = make([]byte, n)
		copy(c.bufs[depth], buf)
	}
	buf = c.bufs[depth][:n]
	if _, err := c.r.ReadAt(buf[ps:], int64(id)*ps+ps); err != nil {
		return nil, 0, fmt.Errorf("page %d: unreadable: %w", id, err)
	}
	return buf, flags, nil
}

func (c *pageChecker) freelist() error {
	id := c.m.freelist
	buf, _, err := c.read(id, 0, flagFreelist)
	if err != nil {
		return fmt.Errorf("freelist: %w", err)
	}
	if err := c.span(id, ne.Uint32(buf[12:]), pageUsed); err != nil {
		return fmt.Errorf("freelist: %w", err)
	}
	start, count := pageHeaderSize, uint64(ne.Uint16(buf[10:]))
	if count == 0xFFFF {
		start += 8
		count = ne.Uint64(buf[pageHeaderSize:])
	}
	if count > uint64(len(buf)-start)/8 {
		return fmt.Errorf("freelist: page %d lists %d pages, more than it holds", id, count)
	}
	for i := range int(count) {
		p := ne.Uint64(buf[start+8*i:])
		if p < 2 || p >= c.m.pgid {
			return fmt.Errorf("freelist: page %d lies outside the file's %d pages", p, c.m.pgid)
		}
		if c.state[p] != pageUnknown {
			return fmt.Errorf("freelist: page %d is listed twice or is the freelist's own", p)
		}
		c.state[p] = pageFree
	}
	return nil
}

// tree checks the B+tree rooted at page id, whose keys lie in [lo, hi) (nil:
// unbounded), and the buckets it holds.
func (c *pageChecker) tree(id uint64, lo, hi []byte, depth int) error {
	if depth > maxTreeDepth {
		return fmt.Errorf("page %d: the tree is more than %d levels deep", id, maxTreeDepth)
	}
	buf, flags, err := c.read(id, depth, flagBranch, flagLeaf)
	if err != nil {
		return err
	}
	if err := c.span(id, ne.Uint32(buf[12:]), pageUsed); err != nil {
		return err
	}
	count := int(ne.Uint16(buf[10:]))
	if flags == flagLeaf {
		return c.leaf(id, buf, count, lo, hi, depth)
	}
	if count == 0 {
		return fmt.Errorf("page %d: a branch page without elements", id)
	}
	keys := make([][]byte, count)
	kids := make([]uint64, count)
	for i := range count {
		off, e, err := element(buf, i)
		if err != nil {
			return fmt.Errorf("page %d: %w", id, err)
		}
		pos, ksize := int(ne.Uint32(e[0:])), int(ne.Uint32(e[4:]))
		key, err := slice(buf, off, pos, ksize)
		if err != nil {
			return fmt.Errorf("page %d: branch element %d: %w", id, i, err)
		}
		var prev []byte
		if i > 0 {
			prev = keys[i-1]
		}
		if err := keyOrder(i, key, prev, lo, hi); err != nil {
			return fmt.Errorf("page %d: %w", id, err)
		}
		keys[i], kids[i] = key, ne.Uint64(e[8:])
	}
	for i, kid := range kids {
		next := hi
		if i+1 < count {
			next = keys[i+1]
		}
		if err := c.tree(kid, keys[i], next, depth+1); err != nil {
			return err
		}
	}
	return nil
}

// leaf checks the elements of a leaf page (or an inline bucket's page) and
// the buckets it holds.
func (c *pageChecker) leaf(id uint64, buf []byte, count int, lo, hi []byte, depth int) error {
	var prev []byte
	for i := range count {
		off, e, err := element(buf, i)
		if err != nil {
			return fmt.Errorf("page %d: %w", id, err)
		}
		flags, pos := ne.Uint32(e[0:]), int(ne.Uint32(e[4:]))
		ksize, vsize := int(ne.Uint32(e[8:])), int(ne.Uint32(e[12:]))
		if flags&^leafBucket != 0 {
			return fmt.Errorf("page %d: leaf element %d has flags %#x", id, i, flags)
		}
		if ksize > len(buf) || vsize > len(buf) {
			return fmt.Errorf("page %d: leaf element %d runs past the page", id, i)
		}
		kv, err := slice(buf, off, pos, ksize+vsize)
		if err != nil {
			return fmt.Errorf("page %d: leaf element %d: %w", id, i, err)
		}
		if err := keyOrder(i, kv[:ksize], prev, lo, hi); err != nil {
			return fmt.Errorf("page %d: %w", id, err)
		}
		prev = kv[:ksize]
		if flags&leafBucket == 0 {
			continue
		}
		if err := c.bucket(kv[ksize:], depth); err != nil {
			return fmt.Errorf("bucket %q: %w", kv[:ksize], err)
		}
	}
	return nil
}

// bucket checks a bucket's value: its own tree, or its inline page.
func (c *pageChecker) bucket(v []byte, depth int) error {
	if len(v) < bucketHeaderSize {
		return fmt.Errorf("a bucket value of %d bytes", len(v))
	}
	if root := ne.Uint64(v); root != 0 {
		return c.tree(root, nil, nil, depth+1)
	}
	p := v[bucketHeaderSize:]
	if len(p) < pageHeaderSize || ne.Uint16(p[8:]) != flagLeaf {
		return errors.New("a damaged inline page")
	}
	count := int(ne.Uint16(p[10:]))
	// An inline bucket holds no buckets (bbolt inlines only those without).
	var prev []byte
	for i := range count {
		off, e, err := element(p, i)
		if err != nil {
			return fmt.Errorf("inline page: %w", err)
		}
		if ne.Uint32(e[0:]) != 0 {
			return fmt.Errorf("inline page: element %d has flags %#x", i, ne.Uint32(e[0:]))
		}
		pos, ksize, vsize := int(ne.Uint32(e[4:])), int(ne.Uint32(e[8:])), int(ne.Uint32(e[12:]))
		if ksize > len(p) || vsize > len(p) {
			return fmt.Errorf("inline page: element %d runs past the page", i)
		}
		kv, err := slice(p, off, pos, ksize+vsize)
		if err != nil {
			return fmt.Errorf("inline page: element %d: %w", i, err)
		}
		if err := keyOrder(i, kv[:ksize], prev, nil, nil); err != nil {
			return fmt.Errorf("inline page: %w", err)
		}
		prev = kv[:ksize]
	}
	return nil
}

// element returns the offset and header of the i-th element of page p.
func element(p []byte, i int) (int, []byte, error) {
	off := pageHeaderSize + i*elementSize
	if off+elementSize > len(p) {
		return 0, nil, fmt.Errorf("element %d lies past the page's end", i)
	}
	return off, p[off : off+elementSize], nil
}

// slice returns the n bytes of page p at pos after offset off: bbolt
// stores an element's key and value at an offset from its header.
func slice(p []byte, off, pos, n int) ([]byte, error) {
	start := off + pos
	if n < 0 || start > len(p) || n > len(p)-start {
		return nil, errors.New("its key or value lies past the page's end")
	}
	return p[start : start+n], nil
}

// keyOrder checks key i of a page: not empty, after the key before it
// (prev, nil for the first), and within [lo, hi) (nil: unbounded).
func keyOrder(i int, k, prev, lo, hi []byte) error {
	switch {
	case len(k) == 0:
		return fmt.Errorf("key %d is empty", i)
	case i == 0 && lo != nil && bytes.Compare(k, lo) < 0:
		return fmt.Errorf("key %d (%q) sorts before its parent's key %q", i, k, lo)
	case i > 0 && bytes.Compare(prev, k) >= 0:
		return fmt.Errorf("key %d (%q) does not sort after key %d (%q)", i, k, i-1, prev)
	case hi != nil && bytes.Compare(k, hi) >= 0:
		return fmt.Errorf("key %d (%q) does not sort before the next parent key %q", i, k, hi)
	}
	return nil
}
