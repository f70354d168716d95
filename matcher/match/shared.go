package match

import (
	"slices"
	"sync"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
)

// sharedReads is what the meetings of one RunMany read of their common
// state, taken once for all of them: the items above the community level
// by unit (levelItems) and, when the run covers most communities, every
// unit with its items and alliances and the items that have claims, each
// from one walk of a table instead of a seek per unit or per item in
// every meeting. Each part is built on first use and only read after.
// They are taken only from a reader that neither records nor filters (a
// recorded read is made by the meeting that depends on it), so they answer
// exactly what the seeks would.
type sharedReads struct {
	levels *levelItems
	// units and claimed are nil when the run covers too few communities
	// for a walk of every unit and claim to cost less than its seeks.
	units   func() map[string]*unitReads
	claimed func() claimedItems
}

// unitReads is what a community meeting's gathering reads of one unit.
type unitReads struct {
	unit    *matcher.Unit   // as UnitRaw
	items   []*matcher.Item // ItemsOf, every level
	direct  []string        // the ids of AlliancesOf, sorted (an empty array for none)
	parents []string        // their parents, sorted (nil for none)
	mark    int32           // building: the last alliance counted
	nd, np  int             // building: how many alliances and parents
}

// claimedItems holds the ids of the items some claim names, by side: what
// index.Reader.HasClaims answers.
type claimedItems struct{ demands, resources map[string]struct{} }

func (c claimedItems) has(it *matcher.Item) bool {
	m := c.demands
	if it.Kind == matcher.Resource {
		m = c.resources
	}
	_, ok := m[it.ID]
	return ok
}

// newSharedReads returns the shared reads of a RunMany, on r, of meetings
// at levels (by meeting). The walks of every unit and claim are taken when
// at least half the communities are among them.
func newSharedReads(r index.Reader, levels []matcher.Level) *sharedReads {
	s := &sharedReads{levels: newLevelItems(r)}
	if !r.Plain() {
		return s
	}
	ours, all := 0, 0
	for _, l := range levels {
		if l == matcher.Community {
			ours++
		}
	}
	for range r.AlliancesAt(matcher.Community) {
		all++
	}
	if ours == 0 || 2*ours < all {
		return s
	}
	s.units = sync.OnceValue(func() map[string]*unitReads { return readUnits(r) })
	s.claimed = sync.OnceValue(func() claimedItems { return readClaimed(r) })
	return s
}

// noAlliances is the direct alliances of a unit that has none.
var noAlliances = []string{}

// readUnits reads every unit with its items and alliances, as UnitRaw,
// ItemsOf and AlliancesOf would one unit at a time.
func readUnits(r index.Reader) map[string]*unitReads {
	var us []*matcher.Unit
	for u := range r.Units() {
		us = append(us, u)
	}
	all := make([]unitReads, len(us))
	byID := make(map[string]*unitReads, len(all))
	for i, u := range us {
		all[i] = unitReads{unit: u, mark: -1}
		byID[u.ID] = &all[i]
	}
	// The items, one unit after another, each unit's a part of a block
	// (a unit's part that does not fit moves to the next block), walked
	// while the alliances are read below.
	var wg sync.WaitGroup
	wg.Go(func() {
		const block = 1 << 14
		var buf []*matcher.Item
		var u *unitReads
		start, prev := 0, ""
		for it := range r.ItemsByUnit() {
			if it.Unit != prev || u == nil {
				prev, start = it.Unit, len(buf)
				u = byID[it.Unit]
				if u == nil {
					u = &unitReads{} // no such unit: never asked for
				}
			}
			if len(buf) == cap(buf) {
				nb := make([]*matcher.Item, 0, max(block, 2*(len(buf)-start)))
				buf, start = append(nb, buf[start:]...), 0
			}
			buf = append(buf, it)
			u.items = buf[start:len(buf):len(buf)]
		}
	})
	defer wg.Wait()
	// The alliances: counted, then cut from two arrays. AlliancesOf finds
	// an alliance once however often it names the unit.
	var alliances []*matcher.Alliance
	nd, np := 0, 0
	for a := range r.Alliances() {
		ai := int32(len(alliances))
		alliances = append(alliances, a)
		for k := -1; k < len(a.Members); k++ {
			if u := allianceUnit(byID, a, k); u != nil && u.mark != ai {
				u.mark = ai
				u.nd++
				nd++
				if a.Parent != "" {
					u.np++
					np++
				}
			}
		}
	}
	direct, parents := make([]string, nd), make([]string, np)
	for i := range all {
		u := &all[i]
		u.mark = -1
		if u.nd == 0 {
			u.direct = noAlliances
		} else {
			u.direct, direct = direct[:0:u.nd], direct[u.nd:]
		}
		if u.np > 0 {
			u.parents, parents = parents[:0:u.np], parents[u.np:]
		}
	}
	for ai, a := range alliances {
		for k := -1; k < len(a.Members); k++ {
			if u := allianceUnit(byID, a, k); u != nil && u.mark != int32(ai) {
				u.mark = int32(ai)
				u.direct = append(u.direct, a.ID)
				if a.Parent != "" {
					u.parents = append(u.parents, a.Parent)
				}
			}
		}
	}
	for i := range all {
		slices.Sort(all[i].direct)
		slices.Sort(all[i].parents)
	}
	return byID
}

// allianceUnit is what byID holds of the unit a names at k of AllUnits
// without its copy: the lead at -1 (nil for none), then the members.
func allianceUnit(byID map[string]*unitReads, a *matcher.Alliance, k int) *unitReads {
	if k < 0 {
		if a.Lead == "" {
			return nil
		}
		return byID[a.Lead]
	}
	return byID[a.Members[k]]
}

// readClaimed reads which items claims name.
func readClaimed(r index.Reader) claimedItems {
	c := claimedItems{demands: map[string]struct{}{}, resources: map[string]struct{}{}}
	for cl := range r.Claims() {
		c.demands[cl.Demand] = struct{}{}
		c.resources[cl.Resource] = struct{}{}
	}
	return c
}
