package match

import (
	"runtime"
	"slices"
	"sync"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
)

// The hard rules a candidate pair must pass, cheapest first. A near pair
// that a rule excludes keeps the rule's name, so that "why not" names every
// rule that blocks it, not only the first.
const (
	RuleCategory = "category"  // the resource's category cannot meet the demand's
	RuleSameUnit = "same_unit" // both items belong to one unit
	RuleQuantity = "quantity"  // nothing left of the resource after confirmed claims
	RuleDistance = "distance"  // farther apart than the smaller of the two radii
	RuleGrid     = "grid"      // without coordinates (or radius), not the same or a neighbouring red grid
	RuleWindow   = "window"    // no time window of one overlaps a window of the other
	RuleRejected = "rejected"  // one side rejected this pair before
)

// party is one open item of the instance, with what matching needs of it.
type party struct {
	item      *matcher.Item
	unit      *matcher.Unit
	loc       matcher.GeoPoint
	hasLoc    bool
	grid      string
	remaining int64 // quantity less what confirmed and fulfilled claims hold
	grams     []uint64
}

func (p *party) radial() bool { return p.hasLoc && p.item.RadiusKM > 0 }

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
	buckets   map[string]*bucket
	rejected  map[[2]string]bool
	history   map[unitPair]int
	direct    map[string][]string // unit -> alliances it belongs to, sorted
	parents   map[string][]string // unit -> parents of those alliances, sorted
	nbMu      sync.Mutex
	neighbour map[string][]string // grid -> itself and its neighbours (symmetric), sorted; filled lazily
}

func newParty(it *matcher.Item, u *matcher.Unit, held int64) party {
	p := party{item: it, unit: u, grid: u.Grid, remaining: it.Quantity - held}
	switch {
	case it.Location != nil:
		p.loc, p.hasLoc = *it.Location, true
	case u.Location != nil:
		p.loc, p.hasLoc = *u.Location, true
	}
	p.grams = grams(append([]string{it.Title}, it.Tags...)...)
	return p
}

// Reserved is the quantity of item that a new solve of meeting must leave
// alone: confirmed and fulfilled claims, and proposals still waiting for an
// answer except this meeting's own unanswered ones, which the new solve
// replaces. So proposals never double-book quantity, across meetings too.
func Reserved(r index.Reader, it *matcher.Item, meeting string) int64 {
	if !r.HasClaims(it) {
		return 0
	}
	n := r.Held(it)
	for c := range r.ClaimsOnItemWith(it, matcher.ClaimProposed) {
		if !(c.Meeting == meeting && len(c.AcceptedBy) == 0) {
			n += c.Quantity
		}
	}
	return n
}

// gatherer collects the open items of a meeting at its level, with the
// alliances of their units.
type gatherer struct {
	r         index.Reader
	scope     *Scope
	demands   []party
	resources []party
	direct    map[string][]string
	parents   map[string][]string
	closed    map[string]bool // project id -> done or dropped
}

func newGatherer(r index.Reader, scope *Scope) *gatherer {
	return &gatherer{r: r, scope: scope, direct: map[string][]string{}, parents: map[string][]string{}, closed: map[string]bool{}}
}

// closedProject reports whether project id is done or dropped (its slots
// are not matched); projects are looked up as their slots come.
func (g *gatherer) closedProject(id string) bool {
	if id == "" {
		return false
	}
	c, ok := g.closed[id]
	if !ok {
		p, err := g.r.Project(id)
		c = err == nil && (p.Status == matcher.ProjectDone || p.Status == matcher.ProjectDropped)
		g.closed[id] = c
	}
	return c
}

func (g *gatherer) add(it *matcher.Item, u *matcher.Unit) {
	if it.Status != matcher.ItemOpen || it.Level != g.scope.Level || g.closedProject(it.Project) {
		return
	}
	p := newParty(it, u, Reserved(g.r, it, g.scope.Meeting))
	if it.Kind == matcher.Demand {
		if p.remaining > 0 {
			g.demands = append(g.demands, p)
		}
	} else {
		g.resources = append(g.resources, p)
	}
	if _, seen := g.direct[u.ID]; !seen {
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

// merge takes what g gathered.
func (in *instance) merge(g *gatherer) {
	in.demands = append(in.demands, g.demands...)
	in.resources = append(in.resources, g.resources...)
	for k, v := range g.direct {
		in.direct[k] = v
	}
	for k, v := range g.parents {
		in.parents[k] = v
	}
}

// buildInstance gathers the open items of the scope's units at its level.
func buildInstance(r index.Reader, vocab *matcher.Vocabulary, scope *Scope) *instance {
	in := &instance{r: r, vocab: vocab, scope: scope, buckets: map[string]*bucket{},
		rejected: map[[2]string]bool{}, history: map[unitPair]int{},
		direct: map[string][]string{}, parents: map[string][]string{}, neighbour: map[string][]string{}}
	if scope.Level == matcher.Community {
		// A community meeting reads its units' items; the units are split
		// over the CPUs (reads of one snapshot are safe to share), each
		// gatherer keeping its own parties and maps, merged afterwards. The
		// order does not matter: parties are sorted by id below.
		units := scope.Units()
		workers := min(runtime.GOMAXPROCS(0), max(1, len(units)/64))
		gs := make([]*gatherer, workers)
		var wg sync.WaitGroup
		chunk := (len(units) + workers - 1) / workers
		for w := range workers {
			g := newGatherer(r, scope)
			gs[w] = g
			part := units[min(w*chunk, len(units)):min((w+1)*chunk, len(units))]
			wg.Go(func() {
				for _, uid := range part {
					if u := r.UnitRaw(uid); u != nil {
						for it := range r.ItemsOf(uid) {
							g.add(it, u)
						}
					}
				}
			})
		}
		wg.Wait()
		for _, g := range gs {
			in.merge(g)
		}
	} else {
		// Above the community level, the level index holds the few items.
		g := newGatherer(r, scope)
		units := map[string]*matcher.Unit{}
		for it := range r.ItemsAtLevel(scope.Level) {
			if !scope.HasUnit(it.Unit) {
				continue
			}
			u, ok := units[it.Unit]
			if !ok {
				u = r.UnitRaw(it.Unit)
				units[it.Unit] = u
			}
			if u != nil {
				g.add(it, u)
			}
		}
		in.merge(g)
	}
	slices.SortFunc(in.demands, partyByID)
	slices.SortFunc(in.resources, partyByID)
	in.indexResources()
	for c := range r.ClaimsByStatus(matcher.ClaimRejected) {
		in.rejected[[2]string{c.Resource, c.Demand}] = true
	}
	for c := range r.ClaimsByStatus(matcher.ClaimFulfilled) {
		in.history[orderedPair(c.ResourceUnit, c.DemandUnit)]++
	}
	return in
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

// rulesFor evaluates every hard rule (category excepted) on the pair and
// returns the ones it breaks, with the distance when both have coordinates
// (-1 otherwise).
func (in *instance) rulesFor(d, r *party, stopAtFirst bool) (broken []string, km float64) {
	km = -1
	add := func(rule string) bool {
		broken = append(broken, rule)
		return stopAtFirst
	}
	if d.unit.ID == r.unit.ID && add(RuleSameUnit) {
		return
	}
	if r.remaining <= 0 && add(RuleQuantity) {
		return
	}
	if d.hasLoc && r.hasLoc {
		km = DistanceKM(d.loc, r.loc)
	}
	if d.radial() && r.radial() {
		if km > min(d.item.RadiusKM, r.item.RadiusKM) && add(RuleDistance) {
			return
		}
	} else if _, near := in.gridNeighbours(d.grid, r.grid); !near && add(RuleGrid) {
		return
	}
	if !windowsOverlap(d.item.Windows, r.item.Windows) && add(RuleWindow) {
		return
	}
	if len(in.rejected) > 0 && in.rejected[[2]string{r.item.ID, d.item.ID}] && add(RuleRejected) {
		return
	}
	return broken, km
}

// terms computes the soft score terms of an eligible pair.
func (in *instance) terms(d, r *party, km float64) termValues {
	var v termValues
	if km >= 0 && d.radial() && r.radial() {
		maxKM := min(d.item.RadiusKM, r.item.RadiusKM)
		v[0] = uint16(max(0, 1000-int(1000*km/maxKM)))
	} else if same, _ := in.gridNeighbours(d.grid, r.grid); same {
		v[0] = 1000
	} else {
		v[0] = 600
	}
	v[1] = uint16(dice(d.grams, r.grams))
	v[2] = uint16((d.item.Priority - 1) * 1000 / (matcher.MaxPriority - 1))
	v[3] = uint16(timeShare(d.item.Windows, r.item.Windows))
	v[4] = uint16(in.affinity(d.unit.ID, r.unit.ID))
	if len(in.history) > 0 {
		v[5] = uint16(min(1000, 200*in.history[orderedPair(d.unit.ID, r.unit.ID)]))
	}
	return v
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
	da, db := in.direct[a], in.direct[b]
	switch {
	case intersects(da, db):
		return 1000
	case intersects(in.parents[a], in.parents[b]) || intersects(da, in.parents[b]) || intersects(in.parents[a], db):
		return 600
	}
	return 300
}

// near calls fn once for every resource of a category compatible with d
// that is near d: within its radius by coordinates, or in the same or a
// neighbouring grid. With wide set the radius is widened (for explanations).
func (in *instance) near(d *party, wide bool, fn func(ri int32)) {
	seen := map[int32]bool{}
	visit := func(ri int32) {
		if !seen[ri] {
			seen[ri] = true
			fn(ri)
		}
	}
	for _, cat := range in.vocab.MetBy(d.item.Category) {
		b := in.buckets[cat]
		if b == nil {
			continue
		}
		if d.hasLoc {
			km := d.item.RadiusKM
			if wide {
				km = max(3*km, 10)
			}
			if km > 0 {
				var cells []cell
				cellsWithin(d.loc, km, func(c cell) { cells = append(cells, c) })
				for _, c := range cells {
					for _, ri := range b.cells[c] {
						visit(ri)
					}
				}
			}
		}
		for _, g := range in.gridsNear(d.grid) {
			for _, ri := range b.byGrid[g] {
				visit(ri)
			}
		}
	}
}

// candidates are the eligible pairs of an instance, ordered by demand then
// resource index.
type candidates struct {
	R, D  []int32
	Terms []termValues
	KM    []float32 // -1: no coordinates
}

// generate finds every eligible pair, demands split over the CPUs; the
// result does not depend on the split.
func (in *instance) generate() *candidates {
	workers := runtime.GOMAXPROCS(0)
	if len(in.demands) < 256 {
		workers = 1
	}
	parts := make([]candidates, workers)
	chunk := (len(in.demands) + workers - 1) / workers
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := w*chunk, min((w+1)*chunk, len(in.demands))
		wg.Add(1)
		go func() {
			defer wg.Done()
			out := &parts[w]
			var found []int32
			for di := lo; di < hi; di++ {
				found = in.row(&in.demands[di], found, func(ri int32, t termValues, km float64) {
					out.R = append(out.R, ri)
					out.D = append(out.D, int32(di))
					out.Terms = append(out.Terms, t)
					out.KM = append(out.KM, float32(km))
				})
			}
		}()
	}
	wg.Wait()
	all := &candidates{}
	for _, p := range parts {
		all.R = append(all.R, p.R...)
		all.D = append(all.D, p.D...)
		all.Terms = append(all.Terms, p.Terms...)
		all.KM = append(all.KM, p.KM...)
	}
	return all
}

// row calls fn, in resource order, for every resource that is a candidate
// of demand d, with the pair's terms and distance (-1 without
// coordinates). found is scratch space, returned for reuse.
func (in *instance) row(d *party, found []int32, fn func(ri int32, t termValues, km float64)) []int32 {
	found = found[:0]
	in.nearEligible(d, func(ri int32) { found = append(found, ri) })
	slices.Sort(found)
	for _, ri := range found {
		r := &in.resources[ri]
		if broken, km := in.rulesFor(d, r, true); len(broken) == 0 {
			fn(ri, in.terms(d, r, km), km)
		}
	}
	return found
}

// nearEligible is near without the map of seen resources: the radial and
// grid passes are disjoint (a radial pair is judged by distance, any other
// by grid), so each resource is visited once.
func (in *instance) nearEligible(d *party, fn func(ri int32)) {
	for _, cat := range in.vocab.MetBy(d.item.Category) {
		b := in.buckets[cat]
		if b == nil {
			continue
		}
		if d.radial() {
			cellsWithin(d.loc, d.item.RadiusKM, func(c cell) {
				for _, ri := range b.cells[c] {
					fn(ri)
				}
			})
		}
		for _, g := range in.gridsNear(d.grid) {
			for _, ri := range b.byGrid[g] {
				if !d.radial() || !in.resources[ri].radial() {
					fn(ri)
				}
			}
		}
	}
}
