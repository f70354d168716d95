package scenario

import (
	"slices"

	"github.com/allymatch/allymatch/matcher/match"
)

// Kinds of change to a demand between the live plan and a scenario's.
const (
	NewlyMet        = "newly_met"        // nothing proposed live, something in the scenario
	NewlyUnmet      = "newly_unmet"      // something proposed live, nothing in the scenario
	Moved           = "moved"            // served by other resources (see UnitMoved)
	QuantityChanged = "quantity_changed" // same resources, other quantities
	ScoreChanged    = "score_changed"    // same resources and quantities, other scores
)

// Assignment is one proposal as the diff shows it.
type Assignment struct {
	Resource string `json:"resource"`
	Unit     string `json:"unit"`
	Quantity int64  `json:"quantity"`
	Score    int    `json:"score"`
}

// DemandChange is one demand whose proposals differ.
type DemandChange struct {
	Demand    string       `json:"demand"`
	Meeting   string       `json:"meeting,omitempty"` // in a scope's diff: the meeting whose plan it is`
	Unit      string       `json:"unit"`
	Change    string       `json:"change"`
	UnitMoved bool         `json:"unit_moved,omitempty"` // moved to another resource unit, not only another item
	MetBefore int64        `json:"met_before"`
	MetAfter  int64        `json:"met_after"`
	Before    []Assignment `json:"before"`
	After     []Assignment `json:"after"`
}

// Claim is a proposed pair in a unit's gains or losses.
type Claim struct {
	Resource string `json:"resource"`
	Demand   string `json:"demand"`
	Quantity int64  `json:"quantity"`          // the quantity gained or lost
	Meeting  string `json:"meeting,omitempty"` // in a scope's diff: the meeting whose plan it is
}

// UnitChange is what one unit gains and loses, on either side.
type UnitChange struct {
	Unit   string  `json:"unit"`
	Gained []Claim `json:"gained"`
	Lost   []Claim `json:"lost"`
}

// Side sums one plan.
type Side struct {
	Met           int64            `json:"met"`
	Need          int64            `json:"need"`
	Welfare       int64            `json:"welfare"`
	Proposals     int              `json:"proposals"`
	UnitsInvolved int              `json:"units_involved"`
	MetByPriority map[int][2]int64 `json:"met_by_priority"` // priority -> [met, need]
}

// Totals compare the two plans.
type Totals struct {
	Live     Side  `json:"live"`
	Scenario Side  `json:"scenario"`
	Met      int64 `json:"met"`     // scenario less live
	Welfare  int64 `json:"welfare"` // scenario less live
	Units    int   `json:"units"`   // scenario less live
}

// Priorities lists the priorities either plan has demands of, highest
// first.
func (t Totals) Priorities() []int {
	var out []int
	for _, m := range []map[int][2]int64{t.Scenario.MetByPriority, t.Live.MetByPriority} {
		for p := range m {
			if !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	slices.Sort(out)
	slices.Reverse(out)
	return out
}

// Diff compares a scenario's plan with the live one for one meeting, or for
// every meeting of a scope (Scope, Meetings, Moves and Outside then; a
// demand or a claim names its meeting).
type Diff struct {
	Scenario string         `json:"scenario,omitempty"`
	Meeting  string         `json:"meeting,omitempty"`
	Scope    []string       `json:"scope,omitempty"`
	LiveSeq  uint64         `json:"live_seq"`
	ForkSeq  uint64         `json:"fork_seq"`
	Stale    bool           `json:"stale"` // the live state moved on since the fork
	Demands  []DemandChange `json:"demands"`
	Units    []UnitChange   `json:"units"`
	Totals   Totals         `json:"totals"`
	// Meetings whose plans change, Moves of resources between meetings,
	// and the edits that touch units of meetings Outside the scope.
	Meetings []MeetingChange `json:"meetings,omitzero"`
	Moves    []Move          `json:"moves,omitzero"`
	Outside  []Outside       `json:"outside,omitzero"`
	// Partial: read by someone other than the scenario's owner, parts
	// outside the reader's scope are hidden and the totals are those of
	// what is shown (see sight).
	Partial bool          `json:"partial,omitempty"`
	Live    *match.Result `json:"-"`
	After   *match.Result `json:"-"`
	// Plans are a scope diff's plans, meeting by meeting (a one-meeting
	// diff has Live and After): what is counted per measure is counted
	// from them, since quantities of unlike measures never add up.
	Plans []MeetingPlan `json:"-"`
}

// MeetingPlan is one meeting's live plan and the scenario's.
type MeetingPlan struct {
	Meeting     string
	Live, After *match.Result
}

// PerMeeting returns the diff's plans meeting by meeting: a scope's, or
// the one meeting's (none when the diff has no plans, as one read back).
func (d *Diff) PerMeeting() []MeetingPlan {
	if len(d.Plans) > 0 {
		return d.Plans
	}
	if d.Live == nil || d.After == nil {
		return nil
	}
	return []MeetingPlan{{Meeting: d.Meeting, Live: d.Live, After: d.After}}
}

// totalsOf returns the totals of the live and the scenario's sides.
func totalsOf(live, after Side) Totals {
	return Totals{Live: live, Scenario: after, Met: after.Met - live.Met, Welfare: after.Welfare - live.Welfare,
		Units: after.UnitsInvolved - live.UnitsInvolved}
}

// keysOf returns the keys of a and b, each once, in no order.
func keysOf[K comparable, A, B any](a map[K]A, b map[K]B) []K {
	out := make([]K, 0, len(a)+len(b))
	for k := range a {
		out = append(out, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			out = append(out, k)
		}
	}
	return out
}

func side(res *match.Result) Side {
	units := map[string]bool{}
	for _, p := range res.Proposals {
		units[p.ResourceUnit], units[p.DemandUnit] = true, true
	}
	return Side{Met: res.Totals.Met, Need: res.Totals.Need, Welfare: res.Totals.Welfare, Proposals: len(res.Proposals),
		UnitsInvolved: len(units), MetByPriority: res.Totals.MetByPriority}
}

// Compare returns the diff of after against live.
func Compare(live, after *match.Result) *Diff {
	d := &Diff{Meeting: after.Meeting, LiveSeq: live.Seq, ForkSeq: after.Seq, Stale: live.Seq != after.Seq,
		Demands: []DemandChange{}, Units: []UnitChange{}, Live: live, After: after}
	d.Totals = totalsOf(side(live), side(after))

	type plan struct {
		unit string
		as   []Assignment
	}
	group := func(res *match.Result) map[string]*plan {
		m := map[string]*plan{}
		for _, p := range res.Proposals {
			g := m[p.Demand]
			if g == nil {
				g = &plan{unit: p.DemandUnit}
				m[p.Demand] = g
			}
			g.as = append(g.as, Assignment{Resource: p.Resource, Unit: p.ResourceUnit, Quantity: p.Quantity, Score: p.Score})
		}
		return m
	}
	before, now := group(live), group(after)
	sorted := keysOf(before, now)
	slices.Sort(sorted)
	sum := func(as []Assignment) (n int64) {
		for _, a := range as {
			n += a.Quantity
		}
		return n
	}
	keys := func(as []Assignment, unit bool) []string {
		var k []string
		for _, a := range as {
			if unit {
				k = append(k, a.Unit)
			} else {
				k = append(k, a.Resource)
			}
		}
		slices.Sort(k)
		return slices.Compact(k)
	}
	for _, id := range sorted {
		b, a := before[id], now[id]
		c := DemandChange{Demand: id, Before: []Assignment{}, After: []Assignment{}}
		if b != nil {
			c.Unit, c.Before, c.MetBefore = b.unit, b.as, sum(b.as)
		}
		if a != nil {
			c.Unit, c.After, c.MetAfter = a.unit, a.as, sum(a.as)
		}
		switch {
		case b == nil:
			c.Change = NewlyMet
		case a == nil:
			c.Change = NewlyUnmet
		case !slices.Equal(keys(b.as, false), keys(a.as, false)):
			c.Change, c.UnitMoved = Moved, !slices.Equal(keys(b.as, true), keys(a.as, true))
		case !slices.EqualFunc(b.as, a.as, func(x, y Assignment) bool { return x.Quantity == y.Quantity }):
			c.Change = QuantityChanged
		case !slices.Equal(b.as, a.as):
			c.Change = ScoreChanged
		default:
			continue
		}
		d.Demands = append(d.Demands, c)
	}

	// Per unit: pairs gained and lost, on either side.
	type pair struct{ r, d string }
	qty := func(res *match.Result) (map[pair]int64, map[pair][2]string) {
		q, u := map[pair]int64{}, map[pair][2]string{}
		for _, p := range res.Proposals {
			k := pair{p.Resource, p.Demand}
			q[k] += p.Quantity
			u[k] = [2]string{p.ResourceUnit, p.DemandUnit}
		}
		return q, u
	}
	qb, ub := qty(live)
	qa, ua := qty(after)
	units := map[string]*UnitChange{}
	touch := func(unit string, c Claim, gained bool) {
		uc := units[unit]
		if uc == nil {
			uc = &UnitChange{Unit: unit, Gained: []Claim{}, Lost: []Claim{}}
			units[unit] = uc
		}
		if gained {
			uc.Gained = append(uc.Gained, c)
		} else {
			uc.Lost = append(uc.Lost, c)
		}
	}
	pairs := keysOf(qb, qa)
	slices.SortFunc(pairs, func(x, y pair) int {
		if x.d != y.d {
			if x.d < y.d {
				return -1
			}
			return 1
		}
		if x.r < y.r {
			return -1
		} else if x.r > y.r {
			return 1
		}
		return 0
	})
	for _, k := range pairs {
		delta := qa[k] - qb[k]
		if delta == 0 {
			continue
		}
		u := ua[k]
		if delta < 0 {
			u = ub[k]
		}
		c := Claim{Resource: k.r, Demand: k.d, Quantity: max(delta, -delta)}
		touch(u[0], c, delta > 0)
		if u[1] != u[0] {
			touch(u[1], c, delta > 0)
		}
	}
	for _, uc := range units {
		d.Units = append(d.Units, *uc)
	}
	slices.SortFunc(d.Units, func(x, y UnitChange) int {
		if x.Unit < y.Unit {
			return -1
		}
		return 1
	})
	return d
}
