package scenario

import (
	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
	"github.com/allymatch/allymatch/matcher/match"
)

// A scenario read by someone other than its owner (a coordinator it is
// shared with, a coordinator above its owner) is read within the reader's
// own scope: every read of the Manager (Get, List, Diff, Compare; the
// API's routes and the desk's pages all go through them) passes its
// answer through one sight, the access rules of matcher/access.go applied
// to a scenario:
//
//   - a plan of a meeting the reader may run is shown whole (it reads
//     that meeting's plan anyway);
//   - in any other meeting, a demand is shown when the reader may see its
//     unit, and a proposal when it may see its demand or its resource's
//     unit (as it sees claims: CanSeeClaim); the rest of that plan is
//     hidden, and the plan's totals are recomputed for what is shown (a
//     demand seen only through a proposal counts the quantity shown as
//     its need);
//   - an edit is shown when every unit it changes is one the reader may
//     see (settings edits always); the scope, meetings and touched
//     alliances when the reader may see the alliance;
//
// and Partial says that something was hidden. An admin, or the owner,
// sees everything.
type sight struct {
	a    matcher.Actor
	live index.Reader
}

// sightFor returns the sight of actor on scenarios owned by owners at the
// live state r: nil when actor owns them all or sees everything.
func sightFor(r index.Reader, actor matcher.Actor, owners ...matcher.Actor) *sight {
	if actor.Privileged() {
		return nil
	}
	for _, o := range owners {
		if o != actor {
			return &sight{a: actor, live: r}
		}
	}
	return nil
}

// unit reports whether the reader may see unit, at the live state or at
// r (a fork, where an edit may have placed or made it).
func (s *sight) unit(r index.Reader, unit string) bool {
	return matcher.CanSeeUnit(s.live, s.a, unit) || matcher.CanSeeUnit(r, s.a, unit)
}

// fork returns the reader of sc's fork (the live one for a broken
// scenario, which has none).
func (s *sight) fork(sc *Scenario) index.Reader {
	if sc.db == nil {
		return s.live
	}
	return sc.Reader()
}

// record returns sc as the reader sees it: a copy with the edits,
// scope, meetings and touched alliances it may not see left out (Partial
// set when any was). sc itself is not changed.
func (s *sight) record(sc *Scenario) *Scenario {
	if s == nil || sc == nil {
		return sc
	}
	c := *sc
	fork := s.fork(sc)
	idx := s.edits(sc, fork)
	c.Edits = []Edit{}
	for i, j := range idx {
		if j >= 0 {
			c.Edits = append(c.Edits, sc.Edits[i])
		}
	}
	c.Meetings, c.Touched = orEmpty(s.alliances(sc.Meetings)), orEmpty(s.alliances(sc.Touched))
	if len(sc.Scope) > 0 {
		c.Scope = s.alliances(sc.Scope)
	}
	c.Partial = len(c.Edits) < len(sc.Edits) || len(c.Meetings) < len(sc.Meetings) ||
		len(c.Touched) < len(sc.Touched) || len(c.Scope) < len(sc.Scope)
	return &c
}

// alliances are the alliances of ids the reader may see (all of them
// for a nil sight), in order.
func (s *sight) alliances(ids []string) []string {
	if s == nil {
		return ids
	}
	var out []string
	for _, id := range ids {
		if matcher.CanSeeAlliance(s.live, s.a, id) {
			out = append(out, id)
		}
	}
	return out
}

// edits maps each edit of sc to its index among the edits the reader
// sees (-1: hidden).
func (s *sight) edits(sc *Scenario, fork index.Reader) []int {
	out := make([]int, len(sc.Edits))
	n := 0
	for i := range sc.Edits {
		e := &sc.Edits[i]
		units := append(e.units(s.live), e.units(fork)...)
		ok := true
		for _, u := range units {
			ok = ok && s.unit(fork, u)
		}
		out[i] = -1
		if ok {
			out[i] = n
			n++
		}
	}
	return out
}

// plan returns res, a plan solved on r, as the reader sees it, and
// whether anything was hidden. A plan of a meeting the reader may run is
// res itself.
func (s *sight) plan(r index.Reader, res *match.Result) (*match.Result, bool) {
	if s == nil || matcher.CanRunMeeting(s.live, s.a, res.Meeting) {
		return res, false
	}
	out := &match.Result{Meeting: res.Meeting, Level: res.Level, Mode: res.Mode, Seq: res.Seq, Optimal: res.Optimal,
		Proposals: []match.Proposal{}, Unmet: []match.Unmet{}}
	demand := map[string]bool{} // shown demands: seen or through a proposal
	seen := func(unit string) bool { return s.unit(r, unit) }
	met := map[string]int64{}
	for _, p := range res.Proposals {
		if !seen(p.DemandUnit) && !seen(p.ResourceUnit) {
			continue
		}
		out.Proposals = append(out.Proposals, p)
		out.Totals.Quantity += p.Quantity
		out.Totals.Welfare += p.Quantity * int64(p.Score)
		met[p.Demand] += p.Quantity
		demand[p.Demand] = true
	}
	need := map[string]int64{}
	for d, q := range met {
		need[d] = q
	}
	for _, u := range res.Unmet {
		if !seen(u.Unit) {
			continue
		}
		out.Unmet = append(out.Unmet, u)
		need[u.Demand] = u.Need
		demand[u.Demand] = true
	}
	for _, b := range res.Blocked {
		if p, err := r.Project(b.Project); err == nil && seen(p.Unit) {
			out.Blocked = append(out.Blocked, b)
		}
	}
	out.Totals.Proposals = len(out.Proposals)
	out.Totals.UnmetDemands = len(out.Unmet)
	out.Totals.BlockedProject = len(out.Blocked)
	out.Totals.MetByPriority = map[int][2]int64{}
	for d := range demand { // sums: the order does not matter
		pr := 0
		if it, err := r.Item(d); err == nil {
			pr = it.Priority
		}
		out.Totals.Met += met[d]
		out.Totals.Need += need[d]
		mp := out.Totals.MetByPriority[pr]
		out.Totals.MetByPriority[pr] = [2]int64{mp[0] + met[d], mp[1] + need[d]}
	}
	hid := len(out.Proposals) < len(res.Proposals) || len(out.Unmet) < len(res.Unmet) || len(out.Blocked) < len(res.Blocked)
	return out, hid
}

// plans restricts each meeting's plans (live on the live state, the others
// on the fork readers forks[j-1]) to what the reader sees; a plan handed
// on untouched from the live one (samePlan) stays the live one's, so that
// the merge still skips it. It reports whether anything was hidden.
func (s *sight) plans(res [][]*match.Result, forks []index.Reader) bool {
	if s == nil {
		return false
	}
	hid := false
	for _, row := range res {
		live := row[0]
		for j := range row {
			if j > 0 && samePlan(live, row[j]) {
				row[j] = row[0]
				continue
			}
			r := s.live
			if j > 0 {
				r = forks[j-1]
			}
			var h bool
			row[j], h = s.plan(r, row[j])
			hid = hid || h
		}
	}
	return hid
}

// outside keeps the flagged edits whose unit the reader sees, numbered
// as the reader's edits are.
func (s *sight) outside(sc *Scenario, list []Outside) ([]Outside, bool) {
	if s == nil {
		return list, false
	}
	fork := s.fork(sc)
	idx := s.edits(sc, fork)
	out := []Outside{}
	for _, o := range list {
		if o.Edit < len(idx) && idx[o.Edit] >= 0 && s.unit(fork, o.Unit) {
			o.Edit = idx[o.Edit]
			out = append(out, o)
		}
	}
	return out, len(out) < len(list)
}
