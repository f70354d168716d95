package scenario

import (
	"cmp"
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
	"github.com/allymatch/allymatch/matcher/match"
	"github.com/allymatch/allymatch/matcher/store"
)

// checkWords checks a request's name and note.
func checkWords(req Request) error {
	if err := nameText.Check("name", req.Name); err != nil {
		return err
	}
	return noteText.Check("note", req.Note)
}

// roots returns what a request plans: the scope's alliances, or the one
// meeting, with the field that names each.
func (req Request) roots() ([]string, []string) {
	if len(req.Scope) == 0 {
		return []string{req.Meeting}, []string{"meeting"}
	}
	fields := make([]string, len(req.Scope))
	for i := range req.Scope {
		fields[i] = fmt.Sprintf("scope[%d]", i)
	}
	return req.Scope, fields
}

// roots returns the alliances the scenario names: its scope, or its meeting.
func (s *Scenario) roots() []string {
	if len(s.Scope) > 0 {
		return s.Scope
	}
	return []string{s.Meeting}
}

// meetingsOf checks what req plans at r and returns every meeting it
// solves, sorted: the one meeting, or each alliance of the scope with every
// alliance below it (each once).
func meetingsOf(r index.Reader, req Request) ([]string, error) {
	switch {
	case req.Meeting != "" && len(req.Scope) > 0:
		return nil, matcher.FieldError("scope", "a scenario plans one meeting or a scope, not both (meeting is %q)", req.Meeting)
	case req.Meeting == "" && len(req.Scope) == 0:
		return nil, matcher.FieldError("meeting", `is required (or "scope", a list of alliances)`)
	case len(req.Scope) > MaxScopeRoot:
		return nil, matcher.FieldError("scope", "names %d alliances; at most %d", len(req.Scope), MaxScopeRoot)
	}
	ids, fields := req.roots()
	seen := map[string]bool{}
	var out []string
	var walk func(id string)
	walk = func(id string) {
		if seen[id] {
			return
		}
		seen[id] = true
		out = append(out, id)
		for c := range r.Children(id) {
			walk(c.ID)
		}
	}
	for i, id := range ids {
		if _, err := r.Alliance(id); err != nil {
			return nil, matcher.NewError(matcher.ENOTFOUND, fields[i], "no meeting (alliance) %q", id)
		}
		if slices.Contains(ids[:i], id) {
			return nil, matcher.FieldError(fields[i], "names %q twice", id)
		}
		walk(id)
	}
	slices.Sort(out)
	return out, nil
}

// checkScope refuses a request whose meetings actor may not plan: an
// alliance the caller cannot see is answered as an absent one (404), one
// it sees but may not run (a unit's, a coordinator's parent) is a 403.
func checkScope(r index.Reader, actor matcher.Actor, req Request) error {
	ids, fields := req.roots()
	for i, id := range ids {
		if id == "" {
			continue // meetingsOf says what is missing
		}
		if matcher.CanRunMeeting(r, actor, id) {
			continue
		}
		if _, err := r.Alliance(id); err == nil && matcher.CanSeeAlliance(r, actor, id) {
			return matcher.NewError(matcher.EFORBIDDEN, fields[i], "%s may not plan the meeting of %q", actor, id)
		}
		return matcher.NewError(matcher.ENOTFOUND, fields[i], "no meeting (alliance) %q", id)
	}
	return nil
}

// MeetingChange is what one meeting of a scope gains or loses.
type MeetingChange struct {
	Meeting string `json:"meeting"`
	Demands int    `json:"demands"` // demands whose plan changes there
	Live    Side   `json:"live"`
	After   Side   `json:"scenario"`
	Met     int64  `json:"met"`     // scenario less live
	Welfare int64  `json:"welfare"` // scenario less live
}

// Move is a resource whose proposals move between meetings: it serves
// demands of other meetings in the scenario than live.
type Move struct {
	Resource string   `json:"resource"`
	Unit     string   `json:"unit"`
	Before   []string `json:"before"` // meetings it serves live
	After    []string `json:"after"`  // and in the scenario
}

// Outside is an edit that touches units of meetings outside the scope:
// their plans change too, unseen by the diff.
type Outside struct {
	Edit     int      `json:"edit"`
	Unit     string   `json:"unit"`
	Meetings []string `json:"meetings"`
}

// plan is a state to solve every meeting on, with its settings.
type plan struct {
	r     index.Reader
	vocab *matcher.Vocabulary
	set   match.Settings
}

// solveAll solves meetings on each of plans, in parallel: out[i][j] is
// meeting i on plans[j]. Plans after the first are forks of the first
// (the live state): with pool, every meeting's live session (under the
// first plan's settings) solves them incrementally; with nil, from
// scratch.
func solveAll(ctx context.Context, meetings []string, plans []plan, pool *match.Sessions) ([][]*match.Result, error) {
	n := int64(len(meetings))
	out := make([][]*match.Result, n)
	errs := make([]error, n)
	var next atomic.Int64
	work := func() {
		for {
			i := next.Add(1) - 1
			if i >= n {
				return
			}
			if errs[i] = ctx.Err(); errs[i] != nil {
				continue
			}
			out[i] = make([]*match.Result, len(plans))
			var sess *match.Session
			if pool != nil {
				sess = pool.Get(meetings[i], plans[0].set)
			}
			for j, p := range plans {
				switch {
				case sess == nil:
					out[i][j], errs[i] = match.Run(ctx, p.r, p.vocab, meetings[i], p.set)
				case j == 0:
					out[i][j], errs[i] = sess.Run(ctx, p.r, p.vocab)
				default:
					out[i][j], errs[i] = sess.Fork(p.set).Run(ctx, p.r, p.vocab)
				}
				if errs[i] != nil {
					break
				}
			}
		}
	}
	var wg sync.WaitGroup
	for range min(int64(runtime.GOMAXPROCS(0)), n) - 1 {
		wg.Go(work)
	}
	work()
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// perMeeting solves the live plan and the scenario's plan of every
// meeting of s (see solveAll), as sg sees them (nil: whole), and reports
// whether sg hid anything.
func (s *Scenario) perMeeting(ctx context.Context, sn store.Snapshot, pool *match.Sessions, sg *sight) ([][2]*match.Result, bool, error) {
	fork := s.Reader()
	res, err := solveAll(ctx, s.Meetings, []plan{{sn.Reader, sn.Vocab, s.Base}, {fork, s.vocab, s.Settings}}, pool)
	if err != nil {
		return nil, false, err
	}
	hid := sg.plans(res, []index.Reader{fork})
	out := make([][2]*match.Result, len(res))
	for i, r := range res {
		out[i] = [2]*match.Result{r[0], r[1]}
	}
	return out, hid, nil
}

// diffScope diffs a scope scenario: every meeting's plan, live and
// scenario (from pool's sessions, or from scratch when pool is nil), as
// sg sees them (nil: whole).
func (s *Scenario) diffScope(ctx context.Context, sn store.Snapshot, pool *match.Sessions, sg *sight) (*Diff, error) {
	plans, hid, err := s.perMeeting(ctx, sn, pool, sg)
	if err != nil {
		return nil, err
	}
	d := mergeScope(s.Meetings, plans)
	d.Scenario, d.Scope = s.ID, s.Scope
	var out bool
	d.Outside, out = sg.outside(s, s.outside(sn.Reader))
	d.Partial = hid || out
	if sg != nil {
		d.Scope = sg.alliances(s.Scope)
	}
	return d, nil
}

// mergeScope makes one diff of the plans (live, scenario) of meetings.
func mergeScope(meetings []string, plans [][2]*match.Result) *Diff {
	d := &Diff{Demands: []DemandChange{}, Units: []UnitChange{}, Meetings: []MeetingChange{}, Moves: []Move{}, Plans: make([]MeetingPlan, len(plans))}
	var lives, afters []*match.Result
	units := map[string]*UnitChange{}
	changed := make([]bool, len(plans))
	for i, p := range plans {
		live, after := p[0], p[1]
		lives, afters = append(lives, live), append(afters, after)
		d.Plans[i] = MeetingPlan{Meeting: meetings[i], Live: live, After: after}
		d.LiveSeq, d.ForkSeq, d.Stale = live.Seq, after.Seq, live.Seq != after.Seq
		if samePlan(live, after) {
			continue // a meeting no edit touches: its session's last plan
		}
		one := Compare(live, after)
		t := one.Totals
		if changed[i] = len(one.Demands) > 0 || t.Met != 0 || t.Welfare != 0; !changed[i] {
			continue
		}
		d.Meetings = append(d.Meetings, MeetingChange{Meeting: meetings[i], Demands: len(one.Demands),
			Live: t.Live, After: t.Scenario, Met: t.Met, Welfare: t.Welfare})
		for _, c := range one.Demands {
			c.Meeting = meetings[i]
			d.Demands = append(d.Demands, c)
		}
		for _, uc := range one.Units {
			cur := units[uc.Unit]
			if cur == nil {
				cur = &UnitChange{Unit: uc.Unit, Gained: []Claim{}, Lost: []Claim{}}
				units[uc.Unit] = cur
			}
			for _, c := range uc.Gained {
				c.Meeting = meetings[i]
				cur.Gained = append(cur.Gained, c)
			}
			for _, c := range uc.Lost {
				c.Meeting = meetings[i]
				cur.Lost = append(cur.Lost, c)
			}
		}
	}
	slices.SortFunc(d.Demands, func(a, b DemandChange) int {
		if c := cmp.Compare(a.Demand, b.Demand); c != 0 {
			return c
		}
		return cmp.Compare(a.Meeting, b.Meeting)
	})
	for _, uc := range units {
		d.Units = append(d.Units, *uc)
	}
	slices.SortFunc(d.Units, func(a, b UnitChange) int { return cmp.Compare(a.Unit, b.Unit) })
	d.Totals = totalsOf(sides(lives), sides(afters))

	// Moves: resources whose set of meetings served changes. Only a
	// resource proposed in a meeting whose plan changed can move; the
	// meetings it serves are looked up in every plan.
	type served struct {
		unit          string
		before, after []string
	}
	res := map[string]*served{}
	for i := range plans {
		if !changed[i] {
			continue
		}
		for _, rs := range [][]*match.Result{lives, afters} {
			for _, p := range rs[i].Proposals {
				if res[p.Resource] == nil {
					res[p.Resource] = &served{unit: p.ResourceUnit}
				}
			}
		}
	}
	note := func(i int, rs []*match.Result, after bool) {
		for _, p := range rs[i].Proposals {
			s := res[p.Resource]
			if s == nil {
				continue
			}
			list := &s.before
			if after {
				list = &s.after
			}
			if !slices.Contains(*list, meetings[i]) {
				*list = append(*list, meetings[i])
			}
		}
	}
	for i := range plans {
		note(i, lives, false)
		note(i, afters, true)
	}
	for id, s := range res {
		slices.Sort(s.before)
		slices.Sort(s.after)
		if !slices.Equal(s.before, s.after) {
			d.Moves = append(d.Moves, Move{Resource: id, Unit: s.unit, Before: orEmpty(s.before), After: orEmpty(s.after)})
		}
	}
	slices.SortFunc(d.Moves, func(a, b Move) int { return cmp.Compare(a.Resource, b.Resource) })
	return d
}

// samePlan reports whether after is live's plan handed on untouched (a
// session returns its last plan again when no change reaches its
// meeting): the same proposals, not a copy.
func samePlan(live, after *match.Result) bool {
	if len(live.Proposals) != len(after.Proposals) || live.Totals.Met != after.Totals.Met || live.Totals.Welfare != after.Totals.Welfare {
		return false
	}
	return len(live.Proposals) == 0 || &live.Proposals[0] == &after.Proposals[0]
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// sides sums plans of several meetings: a unit involved in two counts
// once.
func sides(rs []*match.Result) Side {
	out := Side{MetByPriority: map[int][2]int64{}}
	units := map[string]bool{}
	for _, res := range rs {
		out.Met += res.Totals.Met
		out.Need += res.Totals.Need
		out.Welfare += res.Totals.Welfare
		out.Proposals += len(res.Proposals)
		for _, p := range res.Proposals {
			units[p.ResourceUnit], units[p.DemandUnit] = true, true
		}
		for pr, v := range res.Totals.MetByPriority {
			c := out.MetByPriority[pr]
			out.MetByPriority[pr] = [2]int64{c[0] + v[0], c[1] + v[1]}
		}
	}
	out.UnitsInvolved = len(units)
	return out
}

// outside lists the edits that touch units of meetings outside the
// scope: the units' alliances (at r, and in the fork, where an edit may
// have made them join) that are not among the scenario's meetings.
func (s *Scenario) outside(r index.Reader) []Outside {
	out := []Outside{}
	fork := s.Reader()
	for i := range s.Edits {
		e := &s.Edits[i]
		for _, u := range e.units(r) {
			var far []string
			for _, rd := range []index.Reader{r, fork} {
				for a := range rd.AlliancesOf(u) {
					if !slices.Contains(s.Meetings, a.ID) && !slices.Contains(far, a.ID) {
						far = append(far, a.ID)
					}
				}
			}
			if len(far) > 0 {
				slices.Sort(far)
				out = append(out, Outside{Edit: i, Unit: u, Meetings: far})
			}
		}
	}
	return out
}
