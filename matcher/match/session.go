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
//   - Candidate rows. A demand's candidate edges depend on the demand, the
//     resources near it, both units (location, grid, alliances), the
//     rejected pairs and the fulfilled history of the two units. A row is
//     kept when its demand item and unit are the very objects of the last
//     run (index objects are immutable, so the same pointer means the same
//     record) or differ only in fields the row did not read (the
//     quantity, for one: the rows record the fields of items they read,
//     see fieldSet), and rebuilt when the demand changed in a field it
//     read, when a resource in its old row changed (in a field some row
//     read) or left, when a changed or
//     new resource would pass the hard rules with it, when one of its
//     pairs was rejected or un-rejected, or when the fulfilled history of
//     its unit changed. A
//     change of the vocabulary, of any grid, or of the alliances of a unit
//     in the instance rebuilds every row.
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
// quantity left or not (the quantity rule), and the same in those fields.
func (k resourceKey) same(o resourceKey, reads fieldSet) bool {
	return k.unit == o.unit && k.positive == o.positive && sameFields(k.item, o.item, reads)
}

type demandRow struct {
	item  *matcher.Item
	unit  *matcher.Unit
	edges []rowEdge // by resource index
	reads fieldSet  // the fields of the items the row read
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
	full := prev == nil || prev.vocab != in.vocab || !slices.Equal(prev.grids, next.grids) ||
		!sameAlliances(prev, in) || prev.minText != in.minText || prev.in == nil

	// oldToNew maps the last run's resource indexes to this run's, -1 for
	// a resource gone or changed.
	var oldToNew []int32
	dirty := map[string]bool{} // demand item ids whose row must be rebuilt
	if !full {
		// Grams whose rarity changed: every edge of a party holding one
		// has another text term (the party's weights all sum anew), and
		// may pass or fail the relevance rule. Such resources count as
		// changed, such demands are rebuilt.
		reweighed := changedRarity(prev.df, in.df)
		touched := func(p *party) bool {
			if len(reweighed) == 0 {
				return false
			}
			for _, g := range p.grams {
				if reweighed[g] {
					return true
				}
			}
			return false
		}
		retexted := make([]bool, len(next.resources))
		for ni := range next.resources {
			retexted[ni] = touched(&in.resources[ni])
		}
		oldToNew = make([]int32, len(prev.resources))
		for oi, k := range prev.resources {
			oldToNew[oi] = -1
			if ni, ok := next.resIndex[k.item.ID]; ok && next.resources[ni].same(k, prev.fields) && !retexted[ni] {
				oldToNew[oi] = ni
			}
		}
		// resources new or changed: the demands they would now serve
		var fresh []int32
		for ni, k := range next.resources {
			oi, ok := prev.resIndex[k.item.ID]
			if !ok || !prev.resources[oi].same(k, prev.fields) || retexted[ni] {
				fresh = append(fresh, int32(ni))
			}
		}
		if len(reweighed) > 0 {
			for di := range in.demands {
				if touched(&in.demands[di]) {
					dirty[in.demands[di].item.ID] = true
				}
			}
		}
		//
		// A row depends on every resource that passes the rules with its
		// demand, not only on those it keeps: the relative bar of the
		// relevance rule is set by all of them (see relativeKeep). So a
		// resource new, changed or gone dirties the demands its old or new
		// version passes the rules with, quantity aside (a resource that
		// runs out leaves the set too).
		passes := func(h *hardRule) bool { return !h.fit && h.name != RuleQuantity }
		var changed []*party
		for _, ri := range fresh {
			changed = append(changed, &in.resources[ri])
		}
		if prev.in != nil {
			for oi := range prev.in.resources {
				old := &prev.in.resources[oi]
				if ni, ok := next.resIndex[old.item.ID]; !ok || !next.resources[ni].same(prev.resources[oi], prev.fields) || retexted[ni] {
					changed = append(changed, old)
				}
			}
		}
		if len(changed) > 64 && len(changed) > len(in.resources)/4 {
			// so many that checking each against each demand costs more
			// than building every row again
			for di := range in.demands {
				dirty[in.demands[di].item.ID] = true
			}
		} else {
			var p pairCheck // one for all the demands: made for a demand only when a changed resource can meet it
			for di := range in.demands {
				d := &in.demands[di]
				if dirty[d.item.ID] {
					continue
				}
				metBy := in.vocab.MetBy(d.item.Category)
				checked := false
				for _, r := range changed {
					if !slices.Contains(metBy, r.item.Category) {
						continue
					}
					if !checked {
						p, checked = in.checker(d), true
					}
					if p.with(r, -1).first(passes) == "" {
						dirty[d.item.ID] = true
						break
					}
				}
			}
		}
		// rejected pairs added or removed
		for k := range in.rejected {
			if !prev.rejected[k] {
				dirty[k[1]] = true
			}
		}
		for k := range prev.rejected {
			if !in.rejected[k] {
				dirty[k[1]] = true
			}
		}
		// fulfilled history changed between two units: both units' demands
		dirtyUnits := map[string]bool{}
		for k, n := range in.history {
			if prev.history[k] != n {
				dirtyUnits[k.a], dirtyUnits[k.b] = true, true
			}
		}
		for k, n := range prev.history {
			if in.history[k] != n {
				dirtyUnits[k.a], dirtyUnits[k.b] = true, true
			}
		}
		if len(dirtyUnits) > 0 {
			for i := range in.demands {
				if dirtyUnits[in.demands[i].unit.ID] {
					dirty[in.demands[i].item.ID] = true
				}
			}
		}
	} else {
		s.stats.FullRebuilds++
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
		if !full && !dirty[d.item.ID] {
			if old := prev.rows[d.item.ID]; old != nil && sameFields(old.item, d.item, old.reads) && old.unit == d.unit {
				switch {
				case !identity: // the row's resources moved: remap them
					row = &demandRow{item: d.item, unit: d.unit, edges: make([]rowEdge, len(old.edges)), reads: old.reads}
					for k, e := range old.edges {
						ni := oldToNew[e.ri]
						if ni < 0 { // a resource of the row changed or left
							row = nil
							break
						}
						row.edges[k] = rowEdge{ni, e.terms, e.km}
					}
				case old.item != d.item: // a new version of the demand, the same edges
					row = &demandRow{item: d.item, unit: d.unit, edges: old.edges, reads: old.reads}
				default:
					row = old
				}
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

// changedRarity returns the grams held in both a and b (counts of items
// holding them) with another rarity (a gram in one only is held by parties
// new to that instance, or changed, whose rows are rebuilt anyway), or nil
// when there are none.
func changedRarity(a, b map[uint64]int32) map[uint64]bool {
	var out map[uint64]bool
	for g, n := range b {
		if m, ok := a[g]; ok && m != n && rarityOf(m) != rarityOf(n) {
			if out == nil {
				out = map[uint64]bool{}
			}
			out[g] = true
		}
	}
	return out
}

// buildRow generates the candidate row of one demand, as generate does.
func (in *instance) buildRow(d *party, found []int32) (*demandRow, []int32) {
	row := &demandRow{item: d.item, unit: d.unit}
	found, row.reads = in.row(d, found, func(ri int32, t termValues, km float64) {
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
