package match

import (
	"math/bits"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unique"
	"unsafe"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
)

// party is one open item of the instance, with what matching needs of it.
type party struct {
	item      *matcher.Item
	unit      *matcher.Unit
	loc       matcher.GeoPoint
	hasLoc    bool
	grid      string
	remaining int64                 // quantity less what confirmed and fulfilled claims hold
	grams     []uint64              // of the title, tags and description: numbered (gramNumbers), sorted
	fw        []uint8               // by gram: its field weight (fieldTitle, fieldDescription)
	gw        []uint16              // by gram: its weight in the instance (rarity × field weight); see instance.weighText
	wsum      int64                 // Σ gw
	family    string                // the measure's family ("" for none)
	measure   unique.Handle[string] // the measure, interned: equal handles, equal measures
	audience  uint8                 // the groups its title and tags name (audienceOf)
	points    bool                  // a resource: offered for points (pointsOffer); a demand: it redeems them (redeems)
	days      uint8                 // the days of the week its texts name (daysOf)
	holidays  bool                  // its texts name the school holidays (daysOf)
	spansOK   bool                  // spans are item.Windows (spansOf); false: compare the windows themselves
	spans     []span                // item.Windows as spans (spansOK)
	cosLat    float64               // cosLat(loc) (hasLoc)
	vec       [3]float64            // loc on the unit sphere, for the distance bound (hasLoc)
	lim2      float64               // chord2Within(RadiusKM) (radial)
	radius    float64               // item.RadiusKM, read without a trip to the item (rules, terms)
	reads     fieldSet              // the fields of item read to make the party, and to bucket it (Category)
}

func (p *party) radial() bool { return p.hasLoc && p.radius > 0 }

// bucket holds the resources of one category: the radial ones by spatial
// cell and all of them by red grid.
type bucket struct {
	cells  map[cell][]int32
	byGrid map[string][]int32
}

type unitPair struct{ a, b string }

func orderedPair(a, b string) unitPair {
	if a > b {
		a, b = b, a
	}
	return unitPair{a, b}
}

// instance is the matching problem of one meeting, built from a snapshot.
type instance struct {
	r         index.Reader
	vocab     *matcher.Vocabulary
	scope     *Scope
	demands   []party // sorted by item id
	resources []party // sorted by item id; remaining may be 0 (kept for explanations)
	held      []party // open demands with nothing left (held by claims): counted in rarity only
	parties   []party // demands, held and resources are cut from it when gathered (merge): recycle pools it
	buckets   map[string]*bucket
	rejected  map[[2]string]bool
	history   map[unitPair]int
	direct    map[string][]string // unit -> alliances it belongs to, sorted
	parents   map[string][]string // unit -> parents of those alliances, sorted
	nbMu      sync.Mutex
	neighbour map[string][]string // grid -> itself and its neighbours (symmetric), sorted; filled lazily
	prepOnce  sync.Once
	prep      *rowPrep  // see prepared
	minText   Relevance // Settings.Relevance of the run: rows depend on it
	textOnce  sync.Once
	df        map[uint64]int32 // gram → items of the instance holding it (its rarity is rarityOf); see weighText
}

func newParty(it *matcher.Item, u *matcher.Unit, held int64) party {
	p := party{item: it, unit: u, grid: u.Grid, remaining: it.Quantity - held, radius: it.RadiusKM,
		reads: fID | fKind | fCategory | fTitle | fDescription | fTags | fMeasure | fLocation | fRadiusKM}
	switch {
	case it.Location != nil:
		p.loc, p.hasLoc = *it.Location, true
	case u.Location != nil:
		p.loc, p.hasLoc = *u.Location, true
	}
	if p.hasLoc {
		p.cosLat, p.vec = cosLat(p.loc), unitVector(p.loc)
		if p.radial() {
			p.lim2 = chord2Within(it.RadiusKM)
		}
	}
	t := textOf(it)
	p.grams, p.fw, p.family, p.audience, p.points, p.days, p.holidays = t.grams, t.fw, t.family, t.audience, t.points, t.days, t.holidays
	p.spans, p.spansOK = t.spans, t.spansOK
	p.measure = t.measure
	return p
}

// itemTexts is what a party reads of its item's texts, measure and
// windows, with the fields of the item it was read from (source).
type itemTexts struct {
	grams    []uint64
	fw       []uint8
	family   string
	measure  unique.Handle[string]
	audience uint8
	points   bool
	days     uint8
	holidays bool
	spansOK  bool
	spans    []span // Windows (spansOf)
	source   textSource
}

// textSource is every field of an item that its itemTexts are read from:
// two items equal in these have the same texts.
type textSource struct {
	kind                        matcher.ItemKind
	title, description, measure string
	tags                        []string
	windows                     []matcher.Window
}

func sourceOf(it *matcher.Item) textSource {
	return textSource{it.Kind, it.Title, it.Description, it.Measure, it.Tags, it.Windows}
}

// of reports whether the texts were read from fields equal to it's. A
// record's own fields share its strings and arrays, which compare equal
// without reading them.
func (s *textSource) of(it *matcher.Item) bool {
	return s.kind == it.Kind && s.title == it.Title && s.description == it.Description && s.measure == it.Measure &&
		slices.Equal(s.tags, it.Tags) && slices.Equal(s.windows, it.Windows)
}

// texts keeps the itemTexts of each item record while the record lives:
// records are immutable, and a record is matched again and again (every
// run, every meeting that holds it), so its texts are read once.
//
// An entry is found by the record's address and holds the fields the
// texts were read from (not the record: the cache does not keep it
// alive): a lookup compares them with the record's, so that a record born
// at the address of one collected takes the other's texts only when they
// are its own too. A cleanup on the record deletes its entry, unless a
// newer record at the same address replaced it already. The shards spread
// the lock words of the CPUs' lookups.
var texts [textShards]textShard

const textShards = 64

type textShard struct {
	mu sync.RWMutex
	m  map[uintptr]*itemTexts
	_  [40]byte // a shard per cache line
}

// textOf returns the itemTexts of it, read on first use (the slices are
// shared and never changed).
func textOf(it *matcher.Item) *itemTexts {
	key := uintptr(unsafe.Pointer(it))
	sh := &texts[(key>>4^key>>12)%textShards]
	sh.mu.RLock()
	t, ok := sh.m[key]
	sh.mu.RUnlock()
	if ok && t.source.of(it) {
		return t
	}
	t = &itemTexts{family: matcher.MeasureFamily(it.Measure), measure: unique.Make(it.Measure), audience: audienceOf(it.Title, it.Tags),
		source: sourceOf(it)}
	t.grams, t.fw = textOfItem(it.Title, it.Description, it.Tags)
	if it.Kind == matcher.Resource {
		t.points = pointsOffer(it.Title, it.Tags)
	} else {
		t.points = redeems(it.Title, it.Description, it.Tags)
	}
	t.days, t.holidays = daysOf(it.Title, it.Description, it.Tags)
	t.spans, t.spansOK = spansOf(it.Windows)
	sh.mu.Lock()
	if cur, ok := sh.m[key]; ok && cur.source.of(it) {
		sh.mu.Unlock()
		return cur
	}
	if sh.m == nil {
		sh.m = map[uintptr]*itemTexts{}
	}
	sh.m[key] = t
	sh.mu.Unlock()
	runtime.AddCleanup(it, func(t *itemTexts) {
		sh.mu.Lock()
		if sh.m[key] == t {
			delete(sh.m, key)
		}
		sh.mu.Unlock()
	}, t)
	return t
}

// Reserved is the quantity of item that a new solve of meeting must leave
// alone: confirmed and fulfilled claims, and proposals still waiting for an
// answer except this meeting's own unanswered ones, which the new solve
// replaces. So proposals never double-book quantity, across meetings too.
func Reserved(r index.Reader, it *matcher.Item, meeting string) int64 {
	_, n := HeldReserved(r, it, meeting)
	return n
}

// HeldReserved returns both what confirmed and fulfilled claims hold of
// item (index.Reader.Held) and what it has Reserved for a new solve of
// meeting, its claims read once.
func HeldReserved(r index.Reader, it *matcher.Item, meeting string) (held, reserved int64) {
	if !r.HasClaims(it) {
		return 0, 0
	}
	return heldReserved(r.Track(nil), it, meeting)
}

// heldReserved is HeldReserved of an item with claims, read by r (the
// walks read only claims on it: a recorder of HasClaims's lookup has them
// all).
func heldReserved(r index.Reader, it *matcher.Item, meeting string) (held, reserved int64) {
	held = r.HeldOfClaimed(it)
	reserved = held
	for c := range r.ClaimsOnItemWith(it, matcher.ClaimProposed) {
		if !(c.Meeting == meeting && len(c.AcceptedBy) == 0) {
			reserved += c.Quantity
		}
	}
	return held, reserved
}

// gatherer collects the open items of a meeting at its level, with the
// alliances of their units.
type gatherer struct {
	r         index.Reader
	scope     *Scope
	demands   []party
	resources []party
	held      []party
	direct    map[string][]string
	parents   map[string][]string
	closed    map[string]bool    // project id -> done or dropped
	rejected  map[[2]string]bool // (resource, demand) of the rejected claims on the demands gathered
	own       index.Reader       // r, reading for the item set by owner (see add)
	owner     func(item string)
	units     map[string]*unitReads // the units' alliances, read once for a RunMany (nil: read here)
	claimed   *claimedItems         // the items with claims, read once for a RunMany (nil: read here)
	picking   bool                  // add picks the items (picks) instead of making their parties
	picks     []pick
}

// pick is an item a gatherer took, with what claims reserve of it: its
// party is made when the picks of every gatherer are sorted (see merge).
type pick struct {
	it       *matcher.Item
	u        *matcher.Unit
	reserved int64
}

// pickSlab pools the pick arrays of gatherings done.
var pickSlab = slab[pick]{round: 1024}

func newGatherer(r index.Reader, scope *Scope) *gatherer {
	g := &gatherer{r: r, scope: scope,
		direct: map[string][]string{}, parents: map[string][]string{}, closed: map[string]bool{},
		rejected: map[[2]string]bool{}}
	g.own, g.owner = r.Owning()
	return g
}

// partySlab pools the party arrays of instances recycled (see recycle): a
// new one has room for a few hundred more, for the next instances to fit.
var partySlab = slab[party]{round: 512}

// slab pools arrays of T, so that one run's memory serves the next.
type slab[T any] struct {
	pool  sync.Pool // *[]T, empty and cleared
	round int       // a new array's room, rounded up to a multiple of it (a power of two)
}

// take returns an array of n zero T, the pooled one when it is large
// enough (a smaller one goes back, for a smaller array).
func (s *slab[T]) take(n int) []T {
	if n == 0 {
		return nil
	}
	if b, ok := s.pool.Get().(*[]T); ok {
		if cap(*b) >= n {
			return (*b)[:n]
		}
		s.pool.Put(b)
	}
	return make([]T, n, (n+s.round-1)&^(s.round-1))
}

// give hands b's memory to the next take.
func (s *slab[T]) give(b []T) {
	if cap(b) == 0 {
		return
	}
	clear(b[:cap(b)])
	b = b[:0]
	s.pool.Put(&b)
}

// closedProject reports whether project id is done or dropped (its slots
// are not matched); projects are looked up as their slots come.
// r reads for the item looked at (see add).
func (g *gatherer) closedProject(r index.Reader, id string) bool {
	if id == "" {
		return false
	}
	c, ok := g.closed[id]
	if !ok {
		p, err := r.Project(id)
		c = err == nil && (p.Status == matcher.ProjectDone || p.Status == matcher.ProjectDropped)
		g.closed[id] = c
	} else {
		r.Noted(index.TableProjects, id)
	}
	return c
}

// add gathers it, of unit u, when it is matched. When g's reader records,
// what it reads for it is recorded as read for it (index.Reader.Owning): a
// patch gathers again the items a change touches the reads of.
func (g *gatherer) add(it *matcher.Item, u *matcher.Unit) {
	if it.Status != matcher.ItemOpen || it.Level != g.scope.Level {
		return
	}
	g.owner(it.ID)
	r := g.own
	if g.closedProject(r, it.Project) {
		return
	}
	r.Noted(index.TableUnits, u.ID)
	var reserved int64 // Reserved(g.r, it, g.scope.Meeting)
	if g.claimed != nil && g.claimed.has(it) || g.claimed == nil && r.HasClaims(it) {
		q := g.r.Track(nil) // the claims on it, recorded whole by HasClaims
		_, reserved = heldReserved(q, it, g.scope.Meeting)
		if it.Kind == matcher.Demand {
			for c := range q.ClaimsOnItemWith(it, matcher.ClaimRejected) {
				g.rejected[[2]string{c.Resource, it.ID}] = true
			}
		}
	}
	switch {
	case g.picking:
		g.picks = append(g.picks, pick{it, u, reserved})
	case it.Kind != matcher.Demand:
		g.resources = append(g.resources, newParty(it, u, reserved))
	case it.Quantity-reserved > 0: // newParty's remaining
		g.demands = append(g.demands, newParty(it, u, reserved))
	default:
		g.held = append(g.held, newParty(it, u, reserved))
	}
	if _, seen := g.direct[u.ID]; !seen {
		if ur := g.units[u.ID]; ur != nil {
			g.direct[u.ID] = ur.direct
			if ur.parents != nil {
				g.parents[u.ID] = ur.parents
			}
			return
		}
		g.direct[u.ID] = []string{}
		for a := range g.r.AlliancesOf(u.ID) {
			g.direct[u.ID] = append(g.direct[u.ID], a.ID)
			if a.Parent != "" {
				g.parents[u.ID] = append(g.parents[u.ID], a.Parent)
			}
		}
		slices.Sort(g.direct[u.ID])
		slices.Sort(g.parents[u.ID])
	}
}

// merge takes what gs gathered (picking): their maps, and their picks as
// the instance's parties, sorted by id, each kind in an array of the exact
// size (the instance holds none yet). Picks are sorted rather than parties
// (a pointer and two words rather than a party), and the parties are made
// in place, split over the CPUs when there are many.
func (in *instance) merge(gs ...*gatherer) {
	picks := gs[0].picks
	if len(gs) == 1 {
		in.direct, in.parents, in.rejected = gs[0].direct, gs[0].parents, gs[0].rejected
	} else {
		n := 0
		for _, g := range gs {
			n += len(g.picks)
		}
		picks = make([]pick, 0, n)
		for _, g := range gs {
			picks = append(picks, g.picks...)
			for k, v := range g.direct {
				in.direct[k] = v
			}
			for k, v := range g.parents {
				in.parents[k] = v
			}
			for k := range g.rejected {
				in.rejected[k] = true
			}
		}
	}
	slices.SortFunc(picks, func(a, b pick) int { return strings.Compare(a.it.ID, b.it.ID) })
	// Where each part of the picks starts in the three arrays.
	parts := min(runtime.GOMAXPROCS(0), max(1, len(picks)/512))
	chunk := (len(picks) + parts - 1) / max(parts, 1)
	starts := make([][3]int, parts+1) // demands, held, resources
	var at [3]int
	for i, p := range picks {
		if i%chunk == 0 {
			starts[i/chunk] = at
		}
		switch {
		case p.it.Kind != matcher.Demand:
			at[2]++
		case p.it.Quantity-p.reserved > 0:
			at[0]++
		default:
			at[1]++
		}
	}
	in.parties = partySlab.take(len(picks))
	nd, nh := at[0], at[0]+at[1]
	in.demands, in.held, in.resources = in.parties[:nd:nd], in.parties[nd:nh:nh], in.parties[nh:len(picks):len(picks)]
	if nh == nd {
		in.held = nil
	}
	fill := func(part int) {
		at := starts[part]
		for _, p := range picks[min(part*chunk, len(picks)):min((part+1)*chunk, len(picks))] {
			var dst *party
			switch {
			case p.it.Kind != matcher.Demand:
				dst = &in.resources[at[2]]
				at[2]++
			case p.it.Quantity-p.reserved > 0:
				dst = &in.demands[at[0]]
				at[0]++
			default:
				dst = &in.held[at[1]]
				at[1]++
			}
			*dst = newParty(p.it, p.u, p.reserved)
		}
	}
	var wg sync.WaitGroup
	for part := 1; part < parts; part++ {
		wg.Go(func() { fill(part) })
	}
	fill(0)
	wg.Wait()
}

// levelItems holds, for the meetings of a RunMany, the items at each level
// above the community grouped by unit, gathered once per level on first
// use, so that each meeting looks up its own units instead of walking
// every item at its level. A nil *levelItems gathers nothing.
type levelItems struct {
	r      index.Reader
	mu     sync.Mutex
	levels map[matcher.Level]func() map[string][]*matcher.Item
}

func newLevelItems(r index.Reader) *levelItems {
	return &levelItems{r: r, levels: map[matcher.Level]func() map[string][]*matcher.Item{}}
}

// at returns the items at level l by unit (nil for a nil l).
func (l *levelItems) at(level matcher.Level) map[string][]*matcher.Item {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	f := l.levels[level]
	if f == nil {
		f = sync.OnceValue(func() map[string][]*matcher.Item {
			byUnit := map[string][]*matcher.Item{}
			for it := range l.r.ItemsAtLevel(level) {
				byUnit[it.Unit] = append(byUnit[it.Unit], it)
			}
			return byUnit
		})
		l.levels[level] = f
	}
	l.mu.Unlock()
	return f()
}

// buildInstance gathers the open items of the scope's units at its level.
func buildInstance(r index.Reader, vocab *matcher.Vocabulary, scope *Scope) *instance {
	return gatherInstance(r, vocab, scope, nil)
}

// gatherInstance is buildInstance, reading what sh holds from it when sh is
// not nil (the meetings of a RunMany share it): above the community level
// the items at the scope's level, and the units, their items and
// alliances and the items with claims when it holds them.
func gatherInstance(r index.Reader, vocab *matcher.Vocabulary, scope *Scope, sh *sharedReads) *instance {
	in := &instance{r: r, vocab: vocab, scope: scope, buckets: map[string]*bucket{},
		rejected: map[[2]string]bool{}, history: map[unitPair]int{},
		direct: map[string][]string{}, parents: map[string][]string{}, neighbour: map[string][]string{}}
	var levels *levelItems
	var units map[string]*unitReads
	var claimed *claimedItems
	if sh != nil {
		levels = sh.levels
		if sh.units != nil {
			c := sh.claimed()
			units, claimed = sh.units(), &c
		}
	}
	switch {
	case scope.Level == matcher.Community && units != nil:
		// A community meeting of a RunMany: its units' items as read for
		// all (the parties are made in merge, over the CPUs).
		ids := scope.Units()
		n := 0
		for _, uid := range ids {
			if u := units[uid]; u != nil {
				n += len(u.items)
			}
		}
		g := newGatherer(r, scope)
		g.units, g.claimed, g.picking = units, claimed, true
		g.picks = pickSlab.take(n)[:0]
		g.direct, g.parents = make(map[string][]string, len(ids)), make(map[string][]string, len(ids))
		for _, uid := range ids {
			if u := units[uid]; u != nil {
				for _, it := range u.items {
					g.add(it, u.unit) // which takes the items at the scope's level only
				}
			}
		}
		in.merge(g)
		pickSlab.give(g.picks)
	case scope.Level == matcher.Community:
		// A community meeting reads its units' items; the units are split
		// over the CPUs (reads of one snapshot are safe to share), each
		// gatherer keeping its own picks and maps, merged afterwards. The
		// order does not matter: merge sorts the picks by id.
		// When r records its reads (a Session's run), each gatherer
		// records its own, merged afterwards.
		ids := scope.Units()
		workers := min(runtime.GOMAXPROCS(0), max(1, len(ids)/64))
		gs := make([]*gatherer, workers)
		recs := make([]*index.Reads, workers)
		var wg sync.WaitGroup
		chunk := (len(ids) + workers - 1) / workers
		for w := range workers {
			wr := r
			if r.Reads() != nil {
				recs[w] = index.NewReads(nil)
				wr = r.Track(recs[w])
			}
			g := newGatherer(wr, scope)
			g.picking = true
			gs[w] = g
			atLevel := wr.Where(levelIs(scope.Level)) // an item at another level is never matched
			part := ids[min(w*chunk, len(ids)):min((w+1)*chunk, len(ids))]
			wg.Go(func() {
				for _, uid := range part {
					if u := wr.UnitRaw(uid); u != nil {
						for it := range atLevel.ItemsOf(uid) {
							g.add(it, u)
						}
					}
				}
			})
		}
		wg.Wait()
		in.merge(gs...)
		if rec := r.Reads(); rec != nil {
			for _, wr := range recs {
				rec.Merge(wr)
			}
		}
	default:
		// Above the community level, the level index holds the few items.
		g := newGatherer(r, scope)
		g.units, g.claimed, g.picking = units, claimed, true
		seen := map[string]*matcher.Unit{}
		add := func(it *matcher.Item) {
			u, ok := seen[it.Unit]
			if !ok {
				if ur := units[it.Unit]; ur != nil {
					u = ur.unit
				} else {
					u = r.UnitRaw(it.Unit)
				}
				seen[it.Unit] = u
			}
			if u != nil {
				g.add(it, u)
			}
		}
		byUnit := levels.at(scope.Level)
		if byUnit != nil {
			n := min(len(scope.units), len(byUnit)) // at most the units gathered
			g.direct, g.parents = make(map[string][]string, n), make(map[string][]string, n)
		}
		switch {
		case byUnit == nil:
			inScope := r.Where(func(o any) bool { return scope.HasUnit(o.(*matcher.Item).Unit) })
			for it := range inScope.ItemsAtLevel(scope.Level) {
				add(it)
			}
		case len(scope.units) < len(byUnit):
			for uid := range scope.units {
				for _, it := range byUnit[uid] {
					add(it)
				}
			}
		default:
			for uid, items := range byUnit {
				if scope.HasUnit(uid) {
					for _, it := range items {
						add(it)
					}
				}
			}
		}
		in.merge(g)
	}
	in.indexResources()
	// The fulfilled history: only claims between two units of the scope
	// count between a demand and a resource of the instance (the only
	// pairs the rows look up). The rejected pairs are those of the
	// demands gathered (see gatherer.add).
	within := r.Where(func(o any) bool {
		c := o.(*matcher.Claim)
		return scope.HasUnit(c.ResourceUnit) && scope.HasUnit(c.DemandUnit)
	})
	for c := range within.ClaimsByStatus(matcher.ClaimFulfilled) {
		in.history[orderedPair(c.ResourceUnit, c.DemandUnit)]++
	}
	return in
}

// levelIs returns a filter (see index.Reader.Where) of the items at level.
func levelIs(level matcher.Level) func(any) bool {
	return func(o any) bool { return o.(*matcher.Item).Level == level }
}

// gridsNear returns grid and its neighbours, sorted: the grids it lists and
// the grids that list it (neighbourhood is symmetric even where the data
// lists it one way). It is computed on first use and kept; nbMu guards the
// map, as the candidate workers share it.
func (in *instance) gridsNear(grid string) []string {
	if grid == "" {
		return nil
	}
	in.nbMu.Lock()
	defer in.nbMu.Unlock()
	if n, ok := in.neighbour[grid]; ok {
		return n
	}
	n := []string{grid}
	if g, err := in.r.Grid(grid); err == nil {
		n = append(n, g.Neighbours...)
	}
	for h := range in.r.GridsNextTo(grid) {
		n = append(n, h.ID)
	}
	slices.Sort(n)
	n = slices.Compact(n)
	in.neighbour[grid] = n
	return n
}

func (in *instance) gridNeighbours(a, b string) (same, near bool) {
	if a == "" || b == "" {
		return false, false
	}
	if a == b {
		return true, true
	}
	_, ok := slices.BinarySearch(in.gridsNear(a), b)
	return false, ok
}

// rowPrep is what the candidate rows of an instance look up per pair, taken
// once from the instance's maps (keyed by strings) into forms a row reads
// without hashing or comparing strings: by resource index, or by the row's
// demand.
type rowPrep struct {
	units      map[string]int32          // unit id → number, for the units of the resources
	resUnit    []int32                   // by resource index: the number of its unit
	unitSet    map[string]int32          // unit id → number of its alliance set (sets)
	sets       []allianceSet             // distinct (in.direct, in.parents) of the units
	resSet     []int32                   // by resource index: the alliance set of its unit
	affinity   []int16                   // len(sets)²: affinityOf between two sets; nil when too many
	rejectedBy map[string][]string       // demand item → resource items a rejected claim pairs it with
	history    map[string]map[string]int // unit → other unit → fulfilled claims between the two (in.history)
	cats       []string                  // the categories of the resources
	resCat     []int32                   // by resource index: its category in cats

	strMu    sync.Mutex
	strByCat map[string][]int16 // demand category → by cats: the category strength (see strengths)
}

// strengths returns, by category of cats, the strength of a resource of it
// for a demand of category dem, made once per demand category (the rows of
// one category share it; it is never changed).
func (p *rowPrep) strengths(vocab *matcher.Vocabulary, dem string) []int16 {
	p.strMu.Lock()
	defer p.strMu.Unlock()
	if s, ok := p.strByCat[dem]; ok {
		return s
	}
	s := make([]int16, len(p.cats))
	for k, c := range p.cats {
		s[k] = int16(vocab.Strength(c, dem))
	}
	if p.strByCat == nil {
		p.strByCat = map[string][]int16{}
	}
	p.strByCat[dem] = s
	return s
}

// allianceSet is the alliances of a unit (in.direct) and their parents
// (in.parents): what affinity looks at.
type allianceSet struct{ direct, parents []string }

// maxAffinitySets bounds the table of affinities between alliance sets
// (2 bytes per pair of sets); above it, affinity is computed per pair.
const maxAffinitySets = 1024

// prepared returns the instance's rowPrep, built on first use. The
// instance must not change after (overlays change it before any row).
func (in *instance) prepared() *rowPrep {
	in.prepOnce.Do(func() {
		p := &rowPrep{units: map[string]int32{}, resUnit: make([]int32, len(in.resources)),
			unitSet: make(map[string]int32, len(in.direct)), resSet: make([]int32, len(in.resources))}
		keys := map[string]int32{}
		setOf := func(u string) int32 {
			if s, ok := p.unitSet[u]; ok {
				return s
			}
			set := allianceSet{in.direct[u], in.parents[u]}
			key := strings.Join(set.direct, "\x00") + "\x01" + strings.Join(set.parents, "\x00")
			s, ok := keys[key]
			if !ok {
				s = int32(len(p.sets))
				keys[key] = s
				p.sets = append(p.sets, set)
			}
			p.unitSet[u] = s
			return s
		}
		for u := range in.direct {
			setOf(u)
		}
		catOf := map[string]int32{}
		p.resCat = make([]int32, len(in.resources))
		for i := range in.resources {
			u := in.resources[i].unit.ID
			n, ok := p.units[u]
			if !ok {
				n = int32(len(p.units))
				p.units[u] = n
			}
			p.resUnit[i], p.resSet[i] = n, setOf(u)
			c := in.resources[i].item.Category
			k, ok := catOf[c]
			if !ok {
				k = int32(len(p.cats))
				catOf[c] = k
				p.cats = append(p.cats, c)
			}
			p.resCat[i] = k
		}
		if n := len(p.sets); n <= maxAffinitySets {
			p.affinity = make([]int16, n*n)
			for i, a := range p.sets {
				for j, b := range p.sets {
					p.affinity[i*n+j] = int16(affinityOf(a.direct, a.parents, b.direct, b.parents))
				}
			}
		}
		for k, ok := range in.rejected {
			if ok {
				if p.rejectedBy == nil {
					p.rejectedBy = map[string][]string{}
				}
				p.rejectedBy[k[1]] = append(p.rejectedBy[k[1]], k[0])
			}
		}
		for k, n := range in.history {
			if p.history == nil {
				p.history = map[string]map[string]int{}
			}
			for _, ab := range [2][2]string{{k.a, k.b}, {k.b, k.a}} {
				m := p.history[ab[0]]
				if m == nil {
					m = map[string]int{}
					p.history[ab[0]] = m
				}
				m[ab[1]] = n
			}
		}
		in.prep = p
	})
	return in.prep
}

// demandView is what a candidate row needs of its demand, looked up once
// per row instead of once per pair.
type demandView struct {
	d        *party
	unit     int32    // rowPrep number of d's unit; -1: no resource's unit
	near     []string // in.gridsNear(d.grid)
	set      allianceSet
	affinity []int16  // the row of d's alliance set in rowPrep.affinity; nil: compute per pair
	rejected []string // resource items a rejected claim pairs with d
	history  map[string]int
	strength []int16 // by rowPrep category: the category strength for d
	prep     *rowPrep
}

func (in *instance) view(d *party) demandView {
	p := in.prepared()
	v := demandView{d: d, unit: -1, near: in.gridsNear(d.grid), set: allianceSet{in.direct[d.unit.ID], in.parents[d.unit.ID]},
		rejected: p.rejectedBy[d.item.ID], history: p.history[d.unit.ID], prep: p}
	if u, ok := p.units[d.unit.ID]; ok {
		v.unit = u
	}
	if s, ok := p.unitSet[d.unit.ID]; ok && p.affinity != nil {
		n := len(p.sets)
		v.affinity = p.affinity[int(s)*n : int(s+1)*n]
	}
	v.strength = p.strengths(in.vocab, d.item.Category)
	return v
}

func sortedHas(list []string, s string) bool {
	_, ok := slices.BinarySearch(list, s)
	return ok
}

// terms computes the soft score terms of a pair that passes the rules,
// at distance km (-1 without coordinates).
func (p *pairCheck) terms(km float64) termValues {
	in, v, d, r, ri := p.in, &p.v, p.d, p.r, p.ri
	var t termValues
	if km >= 0 && d.radial() && r.radial() {
		maxKM := min(d.radius, r.radius) // fRadiusKM: in the parties' reads
		t[termProximity] = uint16(max(0, 1000-int(1000*km/maxKM)))
	} else if d.grid != "" && d.grid == r.grid {
		t[termProximity] = 1000
	} else {
		t[termProximity] = 600
	}
	t[termText] = uint16(p.textSim())
	t[termCategory] = uint16(p.strength())
	t[termPriority] = uint16((p.dItem(fPriority).Priority - 1) * 1000 / (matcher.MaxPriority - 1))
	if p.reads |= fWindows; d.spansOK && r.spansOK { // the windows as integers
		t[termTime] = uint16(spanShare(d.spans, r.spans))
	} else {
		t[termTime] = uint16(timeShare(p.dItem(fWindows).Windows, p.rItem(fWindows).Windows))
	}
	if rs := v.prep.resSet[ri]; v.affinity != nil {
		t[termAffinity] = uint16(v.affinity[rs])
	} else {
		t[termAffinity] = uint16(affinityOf(v.set.direct, v.set.parents, v.prep.sets[rs].direct, v.prep.sets[rs].parents))
	}
	if len(in.history) > 0 {
		t[termHistory] = uint16(min(1000, 200*v.history[r.unit.ID]))
	}
	return t
}

// weighText computes, once per instance, how rare each gram is among the
// items of the instance (demands, resources and demands held in full by
// claims: an item counts once per gram it holds) and each party's gram
// weights from it. A party keeps its gw slice when the weights come out
// the same (parties are shared with the instances they were derived
// from, and their slices are never changed once made).
func (in *instance) weighText() {
	in.textOnce.Do(func() {
		// count by gram number (dfScratch), then copy the counts of the
		// grams met into the map
		sc := dfScratch.Get().(*dfCounts)
		cnt, met := sc.cnt, sc.met[:0]
		if n := int(gramCount.Load()); len(cnt) < n {
			cnt = make([]int32, n+n/8)
		}
		for _, ps := range [][]party{in.demands, in.resources, in.held} {
			for i := range ps {
				for _, g := range ps[i].grams {
					if g >= uint64(len(cnt)) {
						cnt = append(cnt, make([]int32, int(g)+1-len(cnt))...)
					}
					if cnt[g] == 0 {
						met = append(met, g)
					}
					cnt[g]++
				}
			}
		}
		var df map[uint64]int32
		if m, ok := dfPool.Get().(map[uint64]int32); ok {
			df = m
		} else {
			df = make(map[uint64]int32, len(met))
		}
		for _, g := range met {
			df[g] = cnt[g]
		}
		in.df = df
		var slab []uint16 // the new weights, cut from blocks (weighInto)
		for _, ps := range [][]party{in.demands, in.resources} {
			for i := range ps {
				in.weighInto(&ps[i], &slab, cnt)
			}
		}
		for _, g := range met {
			cnt[g] = 0
		}
		sc.cnt, sc.met = cnt, met
		dfScratch.Put(sc)
	})
}

// dfCounts is weighText's scratch: the items holding each gram, by gram
// number (all zero between uses), and the grams met.
type dfCounts struct {
	cnt []int32
	met []uint64
}

var dfScratch = sync.Pool{New: func() any { return new(dfCounts) }}

// dfPool holds the rarity maps of instances recycled (see recycle), empty.
var dfPool sync.Pool

// recycle hands the instance's memory that nothing else can hold on to
// the next instances: the instance must not be used afterwards (Run and
// RunMany recycle theirs after the run; a Session keeps its instances and
// their maps, which it compares with the next run's).
func (in *instance) recycle() {
	partySlab.give(in.parties)
	in.parties, in.demands, in.resources, in.held = nil, nil, nil, nil
	if in.df != nil {
		clear(in.df)
		dfPool.Put(in.df)
		in.df = nil
	}
}

// weigh sets p's gram weights from the instance's rarities (a gram no item
// of the instance holds weighs as a gram of one item).
func (in *instance) weigh(p *party) { in.weighInto(p, nil, nil) }

// weighBlock is how many weights weighInto allocates at a time: the
// parties of an instance share blocks instead of each allocating its own.
const weighBlock = 8192

// weighInto is weigh taking p's new weights, if they changed, from slab
// (blocks of weighBlock allocated as needed; nil: an array of p's own),
// and the rarities from cnt, in.df by gram number, when not nil.
func (in *instance) weighInto(p *party, slab *[]uint16, cnt []int32) {
	weight := func(k int) uint16 {
		var n int32
		if cnt != nil {
			n = cnt[p.grams[k]]
		} else {
			n = in.df[p.grams[k]]
		}
		return rarityOf(max(1, n)) * uint16(p.fw[k])
	}
	if len(p.gw) == len(p.grams) { // keep the slice when nothing moved
		var sum int64
		same := true
		for k := range p.grams {
			w := weight(k)
			if w != p.gw[k] {
				same = false
				break
			}
			sum += int64(w)
		}
		if same {
			p.wsum = sum
			return
		}
	}
	var gw []uint16
	switch n := len(p.grams); {
	case slab == nil || n == 0 || n > weighBlock/4:
		gw = make([]uint16, n)
	default:
		if len(*slab) < n {
			*slab = make([]uint16, weighBlock)
		}
		gw, *slab = (*slab)[:n:n], (*slab)[n:]
	}
	var sum int64
	for k := range p.grams {
		gw[k] = weight(k)
		sum += int64(gw[k])
	}
	p.gw, p.wsum = gw, sum
}

func intersects(a, b []string) bool {
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] == b[j]:
			return true
		case a[i] < b[j]:
			i++
		default:
			j++
		}
	}
	return false
}

// affinity is 1000 for units sharing an alliance, 600 for units whose
// alliances meet one level up (the same street), 300 otherwise.
func (in *instance) affinity(a, b string) int {
	return affinityOf(in.direct[a], in.parents[a], in.direct[b], in.parents[b])
}

// affinityOf is affinity on the alliances (da, db) of two units and their
// parents (pa, pb).
func affinityOf(da, pa, db, pb []string) int {
	switch {
	case intersects(da, db):
		return 1000
	case intersects(pa, pb) || intersects(da, pb) || intersects(pa, db):
		return 600
	}
	return 300
}

// candidates are the eligible pairs of an instance, ordered by demand then
// resource index.
type candidates struct {
	R, D  []int32
	Terms []termValues
	KM    []float32 // -1: no coordinates
}

// edgeBuf is scratch for the edges one generate worker finds, reused
// across instances (see edgeBufs).
type edgeBuf struct {
	candidates
	found []int32
}

func (b *edgeBuf) reset() {
	b.R, b.D, b.Terms, b.KM, b.found = b.R[:0], b.D[:0], b.Terms[:0], b.KM[:0], b.found[:0]
}

// edgeBufs pools the workers' scratch, so that the edges are written once
// into scratch and copied once into arrays of the exact size.
var edgeBufs = sync.Pool{New: func() any { return new(edgeBuf) }}

// rowBlock is how many demands a generate worker takes at a time.
const rowBlock = 32

// generate finds every eligible pair, demands taken in blocks by the
// workers (one per CPU) as they come free; the result does not depend on
// which worker found what: the blocks are put together in demand order.
func (in *instance) generate() *candidates {
	return in.generateInto(new(candidates))
}

// generateInto is generate writing the edges into all's arrays (resized,
// their memory reused when large enough).
func (in *instance) generateInto(all *candidates) *candidates {
	in.weighText()
	nblocks := (len(in.demands) + rowBlock - 1) / rowBlock
	workers := runtime.GOMAXPROCS(0)
	if len(in.demands) < 256 {
		workers = 1
	}
	workers = max(1, min(workers, nblocks))
	type span struct {
		buf    *edgeBuf
		lo, hi int
	}
	spans := make([]span, nblocks)
	bufs := make([]*edgeBuf, workers)
	var next atomic.Int64
	work := func(buf *edgeBuf) {
		for {
			blk := int(next.Add(1)) - 1
			if blk >= nblocks {
				return
			}
			lo := len(buf.R)
			for di := blk * rowBlock; di < min((blk+1)*rowBlock, len(in.demands)); di++ {
				buf.found, _ = in.row(&in.demands[di], buf.found, nil, func(ri int32, t termValues, km float64) {
					buf.R = append(buf.R, ri)
					buf.D = append(buf.D, int32(di))
					buf.Terms = append(buf.Terms, t)
					buf.KM = append(buf.KM, float32(km))
				})
			}
			spans[blk] = span{buf, lo, len(buf.R)}
		}
	}
	var wg sync.WaitGroup
	for w := range workers {
		buf := edgeBufs.Get().(*edgeBuf)
		buf.reset()
		bufs[w] = buf
		if w == workers-1 {
			work(buf)
		} else {
			wg.Go(func() { work(buf) })
		}
	}
	wg.Wait()
	n := 0
	for _, sp := range spans {
		n += sp.hi - sp.lo
	}
	all.R, all.D, all.Terms, all.KM = sized(all.R, n), sized(all.D, n), sized(all.Terms, n), sized(all.KM, n)
	at := 0
	for _, sp := range spans {
		b := sp.buf
		copy(all.R[at:], b.R[sp.lo:sp.hi])
		copy(all.D[at:], b.D[sp.lo:sp.hi])
		copy(all.Terms[at:], b.Terms[sp.lo:sp.hi])
		copy(all.KM[at:], b.KM[sp.lo:sp.hi])
		at += sp.hi - sp.lo
	}
	for _, b := range bufs {
		edgeBufs.Put(b)
	}
	return all
}

// row calls fn, in resource order, for every resource that is a candidate
// of demand d, with the pair's terms and distance (-1 without
// coordinates). found is scratch space, returned for reuse, with the
// fields of the items the row read (see fieldSet). A non-nil rec records
// the row's other reads (a Session's rows; see rowReads).
func (in *instance) row(d *party, found []int32, rec *rowReads, fn func(ri int32, t termValues, km float64)) ([]int32, fieldSet) {
	kept := rowScratch.Get().(*rowBuf)
	kept.check = in.checker(d)
	p := &kept.check
	radius := 0.0
	if d.radial() {
		radius = d.radius
	}
	area := in.areaOf(d, radius, p.v.near)
	found = in.nearby(&area, found[:0])
	if rec != nil {
		rec.searched(area, d)
	}
	kept.bits = sortIndexes(found, len(in.resources), kept.bits)
	kept.edges, kept.shared = kept.edges[:0], kept.shared[:0]
	// d's weights by gram number, for the text similarity of its pairs
	// (denseShared); all zero again once the row is done
	if len(d.gw) == len(d.grams) {
		if n := int(gramCount.Load()); len(kept.dense) < n {
			kept.dense = make([]uint16, n+n/8)
		}
		for k, g := range d.grams {
			kept.dense[g] = d.gw[k]
		}
		p.dense = kept.dense
	}
	for _, ri := range found {
		if p.with(&in.resources[ri], ri).passes() {
			km := p.distance()
			kept.edges = append(kept.edges, rowEdge{ri, p.terms(km), float32(km)})
			kept.shared = append(kept.shared, p.shared)
		}
	}
	kept.ris, kept.texts = kept.ris[:0], kept.texts[:0]
	for _, e := range kept.edges {
		kept.ris = append(kept.ris, e.ri)
		kept.texts = append(kept.texts, int(e.terms[termText]))
	}
	kept.keep = in.relativeKeep(d, kept.ris, kept.texts, kept.shared, kept.keep[:0], &kept.ctx)
	for k, e := range kept.edges {
		if kept.keep[k] {
			fn(e.ri, e.terms, float64(e.km))
		}
	}
	reads := p.reads | d.reads
	if p.dense != nil {
		for _, g := range d.grams {
			kept.dense[g] = 0
		}
	}
	kept.check = pairCheck{} // holds nothing of the instance while pooled
	rowScratch.Put(kept)
	return found, reads
}

// sortIndexes sorts found, distinct indexes below n, in place. A long list
// is sorted through a bitset of n bits (set, returned for reuse, all zero
// again), which costs a word per 64 indexes below n instead of a
// comparison sort's n·log n steps; a short one (against n) by comparison.
func sortIndexes(found []int32, n int, set []uint64) []uint64 {
	words := (n + 63) / 64
	if len(found) < 64 || words > 2*len(found) {
		slices.Sort(found)
		return set
	}
	if cap(set) < words {
		set = make([]uint64, words)
	}
	set = set[:words]
	for _, i := range found {
		set[i>>6] |= 1 << (i & 63)
	}
	k := 0
	for w, b := range set {
		for b != 0 {
			found[k] = int32(w<<6 | bits.TrailingZeros64(b))
			k++
			b &= b - 1
		}
		set[w] = 0
	}
	if k != len(found) {
		panic("match: sortIndexes of indexes listed twice")
	}
	return set
}

// rowScratch pools the buffers of row.
var rowScratch = sync.Pool{New: func() any { return new(rowBuf) }}

type rowBuf struct {
	check  pairCheck // of the row's demand
	edges  []rowEdge
	shared []int64
	ris    []int32
	texts  []int
	keep   []bool
	ctx    keepScratch
	bits   []uint64 // sortIndexes
	dense  []uint16 // by gram number: the row's demand's weight (0: a gram it does not hold)
}

// relativeKeep appends to keep, for each resource of ris (the candidates
// of demand d that pass every other rule), whether it passes the relative
// bar of the relevance rule (Relevance.Ratio): its text similarity with d,
// the grams every one of the candidates shares with d left out (they say
// nothing about which of them fits, as 道德积分兑换 among the offers of a
// points bank), reaches Ratio percent of the best such similarity. With
// fewer than three candidates no gram is left out. texts are the pairs'
// text similarities (the text term) and shared the weights their texts
// share (textShared); ctx is scratch.
func (in *instance) relativeKeep(d *party, ris []int32, texts []int, shared []int64, keep []bool, ctx *keepScratch) []bool {
	if in.minText.Ratio == 0 || len(ris) < 2 {
		for range ris {
			keep = append(keep, true)
		}
		return keep
	}
	common := ctx.common[:0]
	if len(ris) >= 3 {
		common = append(common, d.grams...)
		for _, ri := range ris {
			common = intersectSorted(common, in.resources[ri].grams)
			if len(common) == 0 {
				break
			}
		}
	}
	ctx.common = common
	best := 0
	sim := func(k int) int { return texts[k] }
	if len(common) > 0 {
		// The similarity without the common grams, from the pair's
		// shared weight less theirs: the common grams are in d and in
		// every candidate.
		var ctxA int64
		wd := sized(ctx.wd, len(common))
		ctx.wd = wd
		for i, j := 0, 0; i < len(common); j++ {
			if d.grams[j] == common[i] {
				wd[i] = d.gw[j]
				ctxA += int64(d.gw[j])
				i++
			}
		}
		adjusted := sized(ctx.adjusted, len(ris))
		ctx.adjusted = adjusted
		for k, ri := range ris {
			r := &in.resources[ri]
			var ctxB, ctxShared int64
			lo := 0
			for i, g := range common {
				j, _ := slices.BinarySearch(r.grams[lo:], g)
				j += lo
				ctxB += int64(r.gw[j])
				ctxShared += int64(min(wd[i], r.gw[j]))
				lo = j + 1
			}
			adjusted[k] = simOf(shared[k]-ctxShared, d.wsum-ctxA, r.wsum-ctxB)
		}
		sim = func(k int) int { return adjusted[k] }
	}
	for k := range ris {
		best = max(best, sim(k))
	}
	bar := in.minText.Bar(best)
	for k := range ris {
		keep = append(keep, sim(k) >= bar)
	}
	return keep
}

// keepScratch is relativeKeep's scratch: the grams common to a row's
// candidates, their weights in the demand, the candidates' similarities
// without them.
type keepScratch struct {
	common   []uint64
	wd       []uint16
	adjusted []int
}

// intersectSorted keeps in a (sorted) the grams b (sorted) holds too.
func intersectSorted(a, b []uint64) []uint64 {
	out := a[:0]
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] == b[j]:
			out = append(out, a[i])
			i++
			j++
		case a[i] < b[j]:
			i++
		default:
			j++
		}
	}
	return out
}
