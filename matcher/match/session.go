package match

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/flow"
	"github.com/allymatch/allymatch/matcher/index"
)

// Session matches one meeting again and again as the state moves on,
// redoing only what the changes touch. Its Run returns exactly what [Run]
// returns on the same state (Stats aside: they count the work done).
//
// What is reused between runs:
//
//   - Candidate rows. A row records what it read (see rowReads): the
//     fields of the items it read (fieldSet), the buckets of resources it
//     searched (category by spatial cell and by red grid), and the keys of
//     the rejected pairs (its demand) and of the fulfilled history (its
//     demand's unit) it looked up. It is kept while its demand is the
//     same in what the row read of it (its unit, the fields read, its gram
//     weights) and no change touches its other reads: no resource under a
//     bucket key it read is new, gone or changed (in its unit, in having
//     something left or not, in a field some row read, in its gram
//     weights), in its old or its new version, and no rejected pair or
//     fulfilled count under its keys changed. So a new rule or term that
//     reads an item field through pairCheck.dItem or rItem needs nothing
//     here. A change of what every row reads (the vocabulary, any grid,
//     the alliances of a unit in the instance, the relevance settings)
//     rebuilds every row.
//   - Component solves, through a [flow.Cache] (welfare and coverage).
//   - Memory: the candidate arrays, scores and each demand's best two
//     edges live in scratch space the runs reuse, and are not rebuilt at
//     all when every row is the very same slice as in the run before.
//
// A run reads the state through a recorder (index.Reads): the scope's
// alliances, the units and their items at the meeting's level, the
// projects and claims of those items, the rejected and fulfilled claims
// between units of the scope, the grids, and the slots of its projects.
// When the state r carries a change log back to the last run's state (see
// index.Reader.ChangesSince) and no change touches what the last run read
// (the old or the new version of no written record is found by one of its
// lookups; the categories always touch), the last result is returned
// again at the new store index without any work: after one edit, every
// other meeting of the district costs a few map lookups. Otherwise the
// instance (open items, what is left after claims) is patched: only the
// items the changes reach are read again (see patchInstance; a change of
// alliances, grids or categories gathers afresh). The project and
// explanation stages run in full, and the solver's union-find and
// component keys: they are linear in the candidate edges. A component
// whose data changed is solved cold, never warm from an earlier basis: the
// optimum is often not unique, and only a cold solve ends where a full
// solve ends.
//
// Fork makes a session for a what-if scenario of the state it last
// matched; WhyNot and Alternatives of [Sessions] verify their changes on
// such forks.
//
// Results of one Session share their slices with each other: treat them as
// read-only.
//
// A Session is safe for concurrent use; its runs are serialised.
type Session struct {
	meeting string
	set     Settings
	cache   *flow.Cache

	mu      sync.Mutex
	prev    *sessionState
	stats   SessionStats
	scratch scratch // reused by the runs (under mu)
}

// SessionStats count the work of a Session's runs.
type SessionStats struct {
	Runs         int // runs done
	Untouched    int // runs that returned the last result again: no change touched the meeting
	Patched      int // runs that gathered only the items the changes reach
	FullRebuilds int // runs that rebuilt every candidate row
	RowsReused   int // demand rows taken from the last run, summed over runs
	RowsBuilt    int // demand rows generated, summed over runs
	Cache        flow.CacheStats
}

// sessionState is what a run leaves for the next.
type sessionState struct {
	r         index.Reader // the state matched
	state     uint64       // its index state (0: none)
	in        *instance    // the instance matched (nil after an error)
	reads     *index.Reads // what the run read of the state r (see touchedBy)
	result    *Result
	vocab     *matcher.Vocabulary
	grids     []*matcher.Grid
	resources []resourceKey         // by index, sorted by id
	resIndex  map[string]int32      // resource item id → index
	rows      map[string]*demandRow // demand item id → row
	rowList   []*demandRow          // by demand index
	rejected  map[[2]string]bool    // of the instance
	history   map[unitPair]int      // of the instance
	df        map[uint64]int32      // of the instance (weighText)
	fields    fieldSet              // the fields of items its rows and parties read (see fieldSet)
	minText   Relevance             // of the instance
	direct    map[string][]string   // of the instance
	parents   map[string][]string   // of the instance
}

type resourceKey struct {
	item     *matcher.Item
	unit     *matcher.Unit
	positive bool // remaining > 0 (the quantity rule)
}

// same reports whether a resource is unchanged for the candidate rows
// that read the fields reads of the items (see fieldSet): the same unit,
// quantity left or not (the quantity rule), and the same in those fields
// (the gram weights are the party's: see dirtyRows).
func (k resourceKey) same(o resourceKey, reads fieldSet) bool {
	return k.unit == o.unit && k.positive == o.positive && sameFields(k.item, o.item, reads)
}

type demandRow struct {
	item  *matcher.Item
	unit  *matcher.Unit
	gw    []uint16  // the demand's gram weights (party.gw)
	edges []rowEdge // by resource index
	reads fieldSet  // the fields of the items the row read
	at    rowReads  // what else the row read (see dirtyRows)
}

type rowEdge struct {
	ri    int32 // resource index of the run that built the state
	terms termValues
	km    float32
}

// SessionCacheEdges is the edge budget of a session's component cache
// (about 10 MiB at most: a flow per edge, a dual per node): the busiest
// district meeting's solution and a few variants of its changed components.
const SessionCacheEdges = 1 << 19

// NewSession returns a session matching the meeting held by alliance
// meeting with set. The flow cache keeps up to SessionCacheEdges edges of
// solved components.
func NewSession(meeting string, set Settings) *Session {
	return &Session{meeting: meeting, set: set, cache: flow.NewCache(SessionCacheEdges)}
}

// Fork returns a new session of the same meeting with settings set that
// starts from what s has built: a what-if scenario forked from the state s
// last matched is solved incrementally, its edits being the changes. The
// two share the component cache (it is safe for concurrent use) and
// nothing else; s is not changed by the fork's runs. The last result is
// handed on only when set equals s's settings.
func (s *Session) Fork(set Settings) *Session {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.forkLocked(set)
}

func (s *Session) forkLocked(set Settings) *Session {
	f := &Session{meeting: s.meeting, set: set, cache: s.cache}
	if s.prev != nil {
		p := *s.prev
		if set != s.set {
			p.result = nil
		}
		f.prev = &p
	}
	return f
}

// lastRun is what a Session's last run built, for the explanations worked
// out on it (why-not on a fork): the instance matched and its candidate
// rows. It never changes once made.
type lastRun struct {
	in *instance
	st *sessionState
}

// lastRun returns what s's last run built (in is nil when it has none).
func (s *Session) lastRun() lastRun {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.prev == nil {
		return lastRun{}
	}
	return lastRun{in: s.prev.in, st: s.prev}
}

// row returns the candidate row of demand (nil: none).
func (l lastRun) row(demand string) *demandRow {
	if l.st == nil {
		return nil
	}
	return l.st.rows[demand]
}

// rowHas reports whether row, a row of l, holds resource.
func (l lastRun) rowHas(row *demandRow, resource string) bool {
	ri, ok := l.st.resIndex[resource]
	if !ok {
		return false
	}
	return slices.ContainsFunc(row.edges, func(e rowEdge) bool { return e.ri == ri })
}

// Stats returns the session's counters.
func (s *Session) Stats() SessionStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.Cache = s.cache.Stats()
	return st
}

// Run matches the session's meeting on the state r, reusing what the last
// run built where the changes since do not touch it.
func (s *Session) Run(ctx context.Context, r index.Reader, vocab *matcher.Vocabulary) (*Result, error) {
	if err := s.set.Validate(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.runLocked(ctx, r, vocab)
}

// runFork runs s on r and returns the result and a fork of s at r, with no
// other run of s in between: the fork's overlays (why-not, alternatives)
// work on exactly the state of the result, whatever s does next.
func (s *Session) runFork(ctx context.Context, r index.Reader, vocab *matcher.Vocabulary) (*Result, *Session, error) {
	if err := s.set.Validate(); err != nil {
		return nil, nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	res, err := s.runLocked(ctx, r, vocab)
	if err != nil {
		return nil, nil, err
	}
	return res, s.forkLocked(s.set), nil
}

func (s *Session) runLocked(ctx context.Context, r index.Reader, vocab *matcher.Vocabulary) (*Result, error) {
	start := time.Now()
	prev := s.prev
	var keys []index.Key
	known := false // keys are the changes since prev's state
	if prev != nil && prev.vocab == vocab && prev.in != nil {
		keys, known = r.ChangesSince(prev.state)
	}
	if known && prev.result != nil && !prev.touchedBy(r, keys) {
		s.stats.Runs++
		s.stats.Untouched++
		next := *prev
		next.r, next.state = r, r.Meta().State
		res := *prev.result
		res.Seq = r.Meta().Seq
		res.Stats = Stats{Demands: res.Stats.Demands, Resources: res.Stats.Resources, Edges: res.Stats.Edges,
			Components: res.Stats.Components, Candidates: time.Since(start)}
		next.result = &res
		if s.scratch.of == prev {
			s.scratch.of = &next // the same rows
		}
		if s.scratch.topsOf == prev {
			s.scratch.topsOf = &next
		}
		s.prev = &next
		return &res, nil
	}
	// The run reads the state through a recorder: what it reads is what
	// the next run's changes are checked against (touchedBy). A patched
	// instance records what it reads again on top of what the last
	// instance read.
	var in *instance
	var rec *index.Reads
	if known {
		rec = index.NewReads(prev.reads)
		in = patchInstance(prev.in, prev.reads, prev.r, r.Track(rec), vocab, keys) // nil: alliances, grids or categories changed
	}
	if in != nil {
		s.stats.Patched++
	} else {
		rec = index.NewReads(nil)
		tr := r.Track(rec)
		scope, err := ResolveScope(tr, s.meeting)
		if err != nil {
			return nil, err
		}
		in = buildInstance(tr, vocab, scope)
	}
	in.minText = s.set.Relevance
	cands, next, same := s.candidates(in)
	s.stats.Runs++
	res, err := newRun(in, cands, s.set, start).reuse(s.cache, &s.scratch, same, prev).do(ctx)
	in.r = r // what later reads the kept instance (overlays, explanations) is not the run's
	if err != nil {
		s.prev = next
		return nil, err
	}
	next.r, next.state, next.result, next.in, next.reads = r, r.Meta().State, res, in, rec
	if !res.Optimal { // cut by the deadline: do not hand it out again
		next.result = nil
	}
	s.prev = next
	return res, nil
}

// runOverlay matches the meeting of the session's last run with the items
// of over in place of the stored ones and the pairs rejected rejected,
// redoing only what they touch (a why-not fix, an alternative plan). The
// session's state is not changed: the next Run starts from its last run.
func (s *Session) runOverlay(ctx context.Context, over map[string]*matcher.Item, rejected [][2]string) (*Result, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.prev == nil || s.prev.in == nil {
		return nil, fmt.Errorf("match: overlay on a session without a run")
	}
	start := time.Now()
	in := s.prev.in.overlay(over, rejected)
	in.minText = s.set.Relevance
	prev := s.prev
	cands, _, same := s.candidates(in)
	return newRun(in, cands, s.set, start).reuse(s.cache, &s.scratch, same, prev).do(ctx)
}

// touchedBy reports whether any change of keys (between st's state and
// r's) touches what the run that left st read (see index.Reads): only
// then may the meeting's result differ.
func (st *sessionState) touchedBy(r index.Reader, keys []index.Key) bool {
	return st.reads.Touched(st.r, r, keys)
}

// candidates assembles the instance's candidate edges from the last run's
// rows and fresh ones, and returns the state for the next run and whether
// the edges are the very ones of the last run (of s.prev), in s.scratch.
func (s *Session) candidates(in *instance) (*candidates, *sessionState, bool) {
	in.weighText()
	next := &sessionState{vocab: in.vocab, rejected: in.rejected, history: in.history,
		direct: in.direct, parents: in.parents, df: in.df, minText: in.minText,
		resources: make([]resourceKey, len(in.resources)), resIndex: make(map[string]int32, len(in.resources)),
		rows: make(map[string]*demandRow, len(in.demands))}
	for g := range in.r.Grids() {
		next.grids = append(next.grids, g)
	}
	for i := range in.resources {
		p := &in.resources[i]
		next.resources[i] = resourceKey{p.item, p.unit, p.remaining > 0}
		next.resIndex[p.item.ID] = int32(i)
		next.fields |= p.reads
	}
	for i := range in.demands {
		next.fields |= in.demands[i].reads
	}

	prev := s.prev
	full := prev.rebuildsAll(in, next)
	// oldToNew maps the last run's resource indexes to this run's, -1 for
	// a resource gone or changed; dirty holds the demands whose rows read
	// something that changed.
	var oldToNew []int32
	var dirty map[string]bool
	if full {
		s.stats.FullRebuilds++
	} else {
		dirty, oldToNew = prev.dirtyRows(in, next)
	}

	// With every resource where it was, a kept row is the very same slice
	// (rows are never changed once built).
	identity := !full && len(prev.resources) == len(next.resources)
	for oi := 0; identity && oi < len(oldToNew); oi++ {
		identity = oldToNew[oi] == int32(oi)
	}
	rows := make([]*demandRow, len(in.demands))
	var found []int32
	total := 0
	for di := range in.demands {
		d := &in.demands[di]
		var row *demandRow
		if old := prev.keptRow(d, full, dirty); old != nil {
			switch {
			case !identity: // the row's resources moved: remap them
				row = &demandRow{item: d.item, unit: d.unit, gw: d.gw, edges: make([]rowEdge, len(old.edges)), reads: old.reads, at: old.at}
				for k, e := range old.edges {
					ni := oldToNew[e.ri]
					if ni < 0 { // a resource of the row changed or left (dirtyRows rebuilds such rows)
						row = nil
						break
					}
					row.edges[k] = rowEdge{ni, e.terms, e.km}
				}
			case old.item != d.item: // a new version of the demand, the same edges
				row = &demandRow{item: d.item, unit: d.unit, gw: d.gw, edges: old.edges, reads: old.reads, at: old.at}
			default:
				row = old
			}
		}
		if row != nil {
			s.stats.RowsReused++
		} else {
			s.stats.RowsBuilt++
			row, found = in.buildRow(d, found)
		}
		next.rows[d.item.ID] = row
		next.fields |= row.reads
		rows[di] = row
		total += len(row.edges)
	}
	next.rowList = rows
	out := &s.scratch.cands
	// The scratch holds the candidates of the last run's rows: when every
	// row is the very same slice at the same demand index, they are these.
	same := prev != nil && s.scratch.of == prev && identity && len(prev.rowList) == len(rows)
	for di := 0; same && di < len(rows); di++ {
		a, b := rows[di].edges, prev.rowList[di].edges
		same = len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
	}
	s.scratch.of = next
	if same {
		return out, next, true
	}
	out.R, out.D = sized(out.R, total)[:0], sized(out.D, total)[:0]
	out.Terms, out.KM = sized(out.Terms, total)[:0], sized(out.KM, total)[:0]
	for di, row := range rows {
		for _, e := range row.edges {
			out.R = append(out.R, e.ri)
			out.D = append(out.D, int32(di))
			out.Terms = append(out.Terms, e.terms)
			out.KM = append(out.KM, e.km)
		}
	}
	return out, next, false
}

// rebuildsAll reports whether every row of in must be built (prev, the
// last run's state, may be nil): a change of what every row reads (the
// vocabulary, the grids, the alliances of a unit, the relevance settings),
// or no last instance to compare with. next is in's state (its grids).
func (prev *sessionState) rebuildsAll(in *instance, next *sessionState) bool {
	return prev == nil || prev.in == nil || prev.vocab != in.vocab || !slices.Equal(prev.grids, next.grids) ||
		!sameAlliances(prev, in) || prev.minText != in.minText
}

// keptRow returns the last run's row of demand d when it may be kept (nil:
// build it): not full, d not dirty (see dirtyRows), and d the same in what
// its row read of it: its unit, the fields of its item the row read, its
// gram weights.
func (prev *sessionState) keptRow(d *party, full bool, dirty map[string]bool) *demandRow {
	if full || dirty[d.item.ID] {
		return nil
	}
	old := prev.rows[d.item.ID]
	if old == nil || old.unit != d.unit || !sameWeights(old.gw, d.gw) || !sameFields(old.item, d.item, old.reads) {
		return nil
	}
	return old
}

// dirtyRows returns the demands (item ids) of the last run's rows (of
// prev) whose recorded reads (rowReads) a change between prev and in, with
// next its state, touches:
//
//   - a resource new, gone or changed (in its unit, in what is left of it
//     being 0 or not, in a field of its item that some row or party read,
//     or in its gram weights) under a bucket key the row read, in its old
//     or its new version;
//   - a rejected pair added or removed of the row's demand;
//   - a fulfilled count changed between the row's unit and another.
//
// It also returns oldToNew, the last run's resource indexes mapped to in's,
// -1 for a resource gone or changed. A change of the demand itself is
// keptRow's.
func (prev *sessionState) dirtyRows(in *instance, next *sessionState) (map[string]bool, []int32) {
	dirty := map[string]bool{}
	var changed []*party // old and new versions
	oldToNew := make([]int32, len(prev.resources))
	for oi, k := range prev.resources {
		oldToNew[oi] = -1
		if ni, ok := next.resIndex[k.item.ID]; ok && next.resources[ni].same(k, prev.fields) &&
			sameWeights(prev.in.resources[oi].gw, in.resources[ni].gw) {
			oldToNew[oi] = ni
		} else {
			changed = append(changed, &prev.in.resources[oi])
		}
	}
	for ni, k := range next.resources {
		if oi, ok := prev.resIndex[k.item.ID]; !ok || oldToNew[oi] != int32(ni) {
			changed = append(changed, &in.resources[ni])
		}
	}
	// the keys of the rejected pairs and fulfilled counts that changed
	var rejected, history map[string]bool
	for k := range in.rejected {
		if !prev.rejected[k] {
			rejected = setAdd(rejected, k[1])
		}
	}
	for k := range prev.rejected {
		if !in.rejected[k] {
			rejected = setAdd(rejected, k[1])
		}
	}
	for k, n := range in.history {
		if prev.history[k] != n {
			history = setAdd(setAdd(history, k.a), k.b)
		}
	}
	for k, n := range prev.history {
		if in.history[k] != n {
			history = setAdd(setAdd(history, k.a), k.b)
		}
	}
	if len(changed) == 0 && rejected == nil && history == nil {
		return dirty, oldToNew
	}
	// so many resources changed that finding the rows that read them costs
	// more than building every row again
	all := len(changed) > 64 && len(changed) > len(in.resources)/4
	for di := range in.demands {
		id := in.demands[di].item.ID
		row := prev.rows[id]
		if row == nil {
			continue
		}
		if all || rejected[row.at.rejected] || history[row.at.history] || row.at.holdsAny(changed) {
			dirty[id] = true
		}
	}
	return dirty, oldToNew
}

func setAdd(m map[string]bool, k string) map[string]bool {
	if m == nil {
		m = map[string]bool{}
	}
	m[k] = true
	return m
}

// sameWeights reports whether two parties' gram weights (party.gw) are
// equal: the same slice (weighText keeps a party's slice when its weights
// did not move) or equal values.
func sameWeights(a, b []uint16) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0] || slices.Equal(a, b))
}

// buildRow generates the candidate row of one demand, as generate does,
// with what it read.
func (in *instance) buildRow(d *party, found []int32) (*demandRow, []int32) {
	row := &demandRow{item: d.item, unit: d.unit, gw: d.gw}
	found, row.reads = in.row(d, found, &row.at, func(ri int32, t termValues, km float64) {
		row.edges = append(row.edges, rowEdge{ri, t, float32(km)})
	})
	return row, found
}

// sameAlliances reports whether every unit of both the last run and in
// belongs to the same alliances, with the same parents, in each (a unit in
// one only has new or gone items, whose rows are built anyway).
func sameAlliances(prev *sessionState, in *instance) bool {
	for u, la := range prev.direct {
		if lb, ok := in.direct[u]; ok && (!slices.Equal(la, lb) || !slices.Equal(prev.parents[u], in.parents[u])) {
			return false
		}
	}
	return true
}
