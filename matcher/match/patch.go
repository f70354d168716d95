package match

import (
	"maps"
	"slices"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
)

// patchInstance returns the instance of the state r made from prev, the
// instance of an earlier state prevR of the same meeting, read with the
// reads reads (see Session), and keys, the records changed between the
// two: only the items the changes reach are gathered again, the changed
// items and the parties that read a changed record (their unit, project
// or claims: see gatherer.add). It returns nil when the changes reach what
// every party depends on (alliances, grids, categories, or a table it does
// not know); the caller gathers afresh. The result is what
// buildInstance(r, ...) returns.
//
// When r records its reads (see index.Reader.Track), the reads a fresh
// gather would make of the items gathered again are recorded; finding
// which items the changes reach is not (a fresh gather's reads that find
// them, the items of a unit in scope or at the scope's level, are in
// reads).
func patchInstance(prev *instance, reads *index.Reads, prevR, r index.Reader, vocab *matcher.Vocabulary, keys []index.Key) *instance {
	scope := prev.scope
	probe := r.Track(nil)
	affected, claims := affectedItems(reads, prevR, probe, keys)
	if affected == nil {
		return nil
	}

	g := newGatherer(r, scope)
	for id := range affected {
		it, err := probe.Item(id)
		if err != nil || !scope.HasUnit(it.Unit) {
			continue
		}
		if u := r.UnitRaw(it.Unit); u != nil {
			g.add(it, u)
		}
	}
	in := prev.derive(r, vocab, func(id string) bool { return affected[id] }, g)

	// The rejected pairs of the demands gathered again replace theirs (a
	// changed claim's demand is among them).
	redo := len(g.rejected) > 0
	for k := range prev.rejected {
		if redo = redo || affected[k[1]]; redo {
			break
		}
	}
	if redo {
		in.rejected = maps.Clone(prev.rejected)
		maps.DeleteFunc(in.rejected, func(k [2]string, _ bool) bool { return affected[k[1]] })
		maps.Copy(in.rejected, g.rejected)
	}
	if len(claims) > 0 {
		in.history = maps.Clone(prev.history)
		// as gatherInstance: the claims between two units of the scope
		within := func(c *matcher.Claim) bool {
			return c != nil && scope.HasUnit(c.ResourceUnit) && scope.HasUnit(c.DemandUnit)
		}
		for _, id := range claims {
			was, _ := prevR.Claim(id)
			now, _ := probe.Claim(id)
			if within(was) && was.Status == matcher.ClaimFulfilled {
				k := orderedPair(was.ResourceUnit, was.DemandUnit)
				if in.history[k]--; in.history[k] == 0 {
					delete(in.history, k)
				}
			}
			if within(now) && now.Status == matcher.ClaimFulfilled {
				in.history[orderedPair(now.ResourceUnit, now.DemandUnit)]++
			}
		}
	}
	return in
}

// affectedItems returns the ids of the items the changes of keys reach
// (see patchInstance) and the changed claims, each once, or nil when a
// change reaches every party.
func affectedItems(reads *index.Reads, prevR, r index.Reader, keys []index.Key) (map[string]bool, []string) {
	affected := map[string]bool{}
	var claims []string // each changed claim once: keys repeat when a claim changed in several writes
	seenClaim := map[string]bool{}
	for _, k := range keys {
		switch k.Table {
		case index.TableItems:
			affected[k.ID] = true
		case index.TableUnits, index.TableProjects:
		case index.TableClaims:
			if !seenClaim[k.ID] {
				seenClaim[k.ID] = true
				claims = append(claims, k.ID)
			}
		default:
			return nil, nil
		}
	}
	if !reads.Owners(prevR, r, keys, func(id string) { affected[id] = true }) {
		return nil, nil
	}
	return affected, claims
}

// derive returns the instance of the state r that prev would be with the
// parties of the items drop names replaced by those g gathered (on r):
// prev's maps are shared (cloned where the new parties' units add to them),
// its parties copied, sorted and bucketed again. prev is not changed.
func (prev *instance) derive(r index.Reader, vocab *matcher.Vocabulary, drop func(item string) bool, g *gatherer) *instance {
	in := &instance{r: r, vocab: vocab, scope: prev.scope, buckets: map[string]*bucket{},
		rejected: prev.rejected, history: prev.history, direct: prev.direct, parents: prev.parents}
	prev.nbMu.Lock()
	in.neighbour = maps.Clone(prev.neighbour) // grids are unchanged
	prev.nbMu.Unlock()
	keep := func(ps []party, extra []party) []party {
		out := make([]party, 0, len(ps)+len(extra))
		for i := range ps {
			if !drop(ps[i].item.ID) {
				out = append(out, ps[i])
			}
		}
		return append(out, extra...)
	}
	in.demands = keep(prev.demands, g.demands)
	in.resources = keep(prev.resources, g.resources)
	in.held = keep(prev.held, g.held)
	slices.SortFunc(in.demands, partyByID)
	slices.SortFunc(in.resources, partyByID)
	slices.SortFunc(in.held, partyByID)
	cloned := false
	for u := range g.direct {
		if _, ok := in.direct[u]; !ok { // a unit new to the instance
			if !cloned {
				in.direct, in.parents, cloned = maps.Clone(prev.direct), maps.Clone(prev.parents), true
			}
			in.direct[u] = g.direct[u]
			if p, ok := g.parents[u]; ok {
				in.parents[u] = p
			}
		}
	}
	in.indexResources()
	return in
}

func partyByID(a, b party) int {
	switch {
	case a.item.ID < b.item.ID:
		return -1
	case a.item.ID > b.item.ID:
		return 1
	}
	return 0
}

// indexResources fills the buckets of the instance's resources (sorted).
func (in *instance) indexResources() {
	for i := range in.resources {
		p := &in.resources[i]
		b := in.buckets[p.item.Category]
		if b == nil {
			b = &bucket{cells: map[cell][]int32{}, byGrid: map[string][]int32{}}
			in.buckets[p.item.Category] = b
		}
		if p.radial() {
			c := cellOf(p.loc)
			b.cells[c] = append(b.cells[c], int32(i))
		}
		if p.grid != "" {
			b.byGrid[p.grid] = append(b.byGrid[p.grid], int32(i))
		}
	}
}
