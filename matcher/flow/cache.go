package flow

import (
	"container/list"
	"context"
	"encoding/binary"
	"hash/maphash"
	"runtime"
	"sync"
	"sync/atomic"
)

// DefaultCacheEdges is the edge budget of a [Cache] made with a limit ≤ 0.
const DefaultCacheEdges = 4 << 20

// Cache makes repeated transportation solves incremental at the level of
// connected components. [Cache.SolveTransport] splits a problem into
// components like [SolveTransport]; a component whose sub-problem (its
// resources' capacities, its demands' needs, its edges with their values,
// in canonical order: edges by ascending index, endpoints numbered by rank)
// was solved before gets the stored flow and duals back, remapped onto the
// new edge and node indexes; only the others are solved. The result is
// identical to SolveTransport's (Flow, duals, Score, Covered, Components,
// Scale; Pivots counts only the pivots of the components solved now).
//
// Changed components are solved cold (from the all-slack tree), not warm
// from an earlier basis: a component an edit touches usually changes shape
// (edges come and go, components merge or split), and a cold solve of just
// the touched components is what keeps the result identical to a full
// solve, whose optimum may not be unique.
//
// Components are keyed by a 128-bit seeded hash of their canonical form
// (two independent maphash seeds; the seeds are random per Cache, so
// collisions cannot be provoked by input). Memory is bounded: past the
// edge budget the least recently used components are evicted. A Cache is
// safe for concurrent use; the solves run outside its lock.
type Cache struct {
	seed1, seed2 maphash.Seed
	limit        int

	mu      sync.Mutex
	entries map[cacheKey]*list.Element // of *cacheEntry
	lru     list.List                  // front: most recently used
	edges   int                        // Σ edges of the stored entries
	stats   CacheStats
}

// CacheStats count a Cache's work since it was made.
type CacheStats struct {
	Hits, Misses int // components reused, components solved
	Evictions    int
	Entries      int // components stored now
	Edges        int // edges stored now
}

type cacheKey [2]uint64

var keyBufs sync.Pool // of *[]byte: the canonical forms hashed into keys

type cacheEntry struct {
	key          cacheKey
	flow         []int64 // per component edge, canonical order
	rdual, ddual []int64 // per component resource / demand, ascending
}

// cachePart is one array of an entry (kept), the array of a result it
// mirrors (live) and the component's indices into live, in kept's order.
type cachePart struct {
	kept []int64
	at   []int32
	live []int64
}

// parts pairs e's arrays with res's: the flows of comp's edges, the duals
// of its resources and of its demands. A hit copies kept to live, a solve
// live to kept.
func (e *cacheEntry) parts(comp *component, res *TransportResult) [3]cachePart {
	return [3]cachePart{
		{e.flow, comp.edges, res.Flow},
		{e.rdual, comp.res, res.ResourceDual},
		{e.ddual, comp.dem, res.DemandDual},
	}
}

// NewCache returns a cache that keeps the solutions of components with at
// most maxEdges edges in all (DefaultCacheEdges when maxEdges ≤ 0). A
// component larger than the whole budget is solved but not kept.
func NewCache(maxEdges int) *Cache {
	if maxEdges <= 0 {
		maxEdges = DefaultCacheEdges
	}
	return &Cache{seed1: maphash.MakeSeed(), seed2: maphash.MakeSeed(), limit: maxEdges,
		entries: map[cacheKey]*list.Element{}}
}

// Stats returns the cache's counters.
func (c *Cache) Stats() CacheStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.stats
	s.Entries, s.Edges = c.lru.Len(), c.edges
	return s
}

// key hashes the canonical form of component comp: the options that steer
// the simplex, the capacities and needs by rank, and each edge's ranks and
// value in edge order. buf is scratch; local maps global nodes to ranks.
func (c *Cache) key(t *Transport, vals []int64, comp *component, opt Options, local []int32, buf []byte) (cacheKey, []byte) {
	n := 2 + 12 + 8*(len(comp.res)+len(comp.dem)) + 16*len(comp.edges)
	if cap(buf) < n {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	le := binary.LittleEndian
	mix := byte(0)
	if opt.NoArcMixing {
		mix = 1
	}
	buf[0], buf[1] = byte(opt.Pivot), mix
	le.PutUint32(buf[2:], uint32(len(comp.res)))
	le.PutUint32(buf[6:], uint32(len(comp.dem)))
	le.PutUint32(buf[10:], uint32(len(comp.edges)))
	at := 14
	nr := int32(len(t.Cap))
	for i, r := range comp.res {
		local[r] = int32(i)
		le.PutUint64(buf[at:], uint64(t.Cap[r]))
		at += 8
	}
	for i, d := range comp.dem {
		local[nr+d] = int32(i)
		le.PutUint64(buf[at:], uint64(t.Need[d]))
		at += 8
	}
	for _, e := range comp.edges {
		b := buf[at : at+16 : at+16]
		le.PutUint32(b, uint32(local[t.R[e]]))
		le.PutUint32(b[4:], uint32(local[nr+t.D[e]]))
		le.PutUint64(b[8:], uint64(vals[e]))
		at += 16
	}
	return cacheKey{maphash.Bytes(c.seed1, buf), maphash.Bytes(c.seed2, buf)}, buf
}

// get returns the entry of k and marks it used, or nil.
func (c *Cache) get(k cacheKey) *cacheEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.entries[k]
	if !ok {
		c.stats.Misses++
		return nil
	}
	c.stats.Hits++
	c.lru.MoveToFront(el)
	return el.Value.(*cacheEntry)
}

// put stores e (unless its key is there already) and evicts past the limit.
func (c *Cache) put(e *cacheEntry) {
	n := len(e.flow)
	if n > c.limit {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[e.key]; ok {
		c.lru.MoveToFront(el)
		return
	}
	c.entries[e.key] = c.lru.PushFront(e)
	c.edges += n
	for c.edges > c.limit {
		old := c.lru.Back()
		oe := old.Value.(*cacheEntry)
		c.lru.Remove(old)
		delete(c.entries, oe.key)
		c.edges -= len(oe.flow)
		c.stats.Evictions++
	}
}

// SolveTransport is [SolveTransport] with the components found in the
// cache reused; see [Cache]. Components of a single edge are always
// solved (it costs less than a lookup); components cut short by ctx are
// not stored.
func (c *Cache) SolveTransport(ctx context.Context, t *Transport, opt Options) (*TransportResult, error) {
	vals, comps, release, res, err := t.begin(opt.Objective)
	if err != nil {
		return nil, err
	}
	defer release()
	// Look every component up; reused ones are written at once, the
	// others queued for the workers.
	bufs := getInt32s(1)
	defer bufs.put()
	local := bufs.get(0, len(t.Cap)+len(t.Need))
	bp, _ := keyBufs.Get().(*[]byte)
	if bp == nil {
		bp = new([]byte)
	}
	buf := *bp
	defer func() { *bp = buf[:0]; keyBufs.Put(bp) }()
	keys := make([]cacheKey, len(comps))
	var todo []int
	for i := range comps {
		comp := &comps[i]
		if len(comp.edges) == 1 {
			todo = append(todo, i)
			continue
		}
		keys[i], buf = c.key(t, vals, comp, opt, local, buf)
		if e := c.get(keys[i]); e != nil {
			for _, p := range e.parts(comp, res) {
				for k, j := range p.at {
					p.live[j] = p.kept[k]
				}
			}
			continue
		}
		todo = append(todo, i)
	}

	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = max(1, min(workers, len(todo)))
	m := 0
	for _, i := range todo {
		m += len(comps[i].edges)
	}
	if m < serialEdges {
		workers = 1
	}
	var next, pivots atomic.Int64
	var stopped atomic.Bool
	solveAll := func(w *worker) {
		for {
			j := int(next.Add(1) - 1)
			if j >= len(todo) {
				return
			}
			comp := &comps[todo[j]]
			p, ok := w.solve(ctx, t, vals, comp, opt, res)
			pivots.Add(int64(p))
			if !ok {
				stopped.Store(true)
				continue
			}
			if len(comp.edges) == 1 {
				continue
			}
			e := &cacheEntry{key: keys[todo[j]],
				flow:  make([]int64, len(comp.edges)),
				rdual: make([]int64, len(comp.res)),
				ddual: make([]int64, len(comp.dem)),
			}
			for _, p := range e.parts(comp, res) {
				for k, j := range p.at {
					p.kept[k] = p.live[j]
				}
			}
			c.put(e)
		}
	}
	runWorkers(workers, solveAll)
	t.finish(vals, res, int(pivots.Load()), stopped.Load())
	return res, nil
}
