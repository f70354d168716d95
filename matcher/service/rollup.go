package service

import (
	"cmp"
	"context"
	"errors"
	"maps"
	"math/big"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
	"github.com/allymatch/allymatch/matcher/match"
	"github.com/allymatch/allymatch/matcher/store"
)

// The district roll-up: for an alliance and every alliance below it (a
// district, its streets, their communities), the demands met and still
// open by measure family, category and red grid, the projects launched
// and blocked (by which slot), the answers of each meeting, and the
// week-by-week funnel of proposals into confirmed and fulfilled claims
// (rollup_funnel.go).
//
// It reads the live plan, never solves: a demand's proposed quantity is
// what the meeting's stored proposals (its last run, and claims by hand
// waiting for an answer) hold of it. Each meeting's figures are kept
// between views and recomputed only when a change since touches that
// meeting (a record of one of its units, a claim on their items or of
// the meeting), so that a view after one answer recounts one meeting.

// RollupQuantity is the quantity of one measure: demanded, held by
// confirmed and fulfilled claims, proposed by the live plan, and still
// open (neither held nor proposed). Quantities of unlike measures are never
// added together.
type RollupQuantity struct {
	Measure  string `json:"measure"`
	Need     int64  `json:"need"`
	Met      int64  `json:"met"`
	Proposed int64  `json:"proposed"`
	Open     int64  `json:"open"`
}

// RollupCount counts demands (paused ones aside, as in the meeting's
// report): in full and in part met by confirmed and fulfilled claims, and
// those with some of their need still open (neither held nor proposed; a
// demand its unit closed is short of nothing), with their quantities per
// measure.
type RollupCount struct {
	Demands  int              `json:"demands"`
	Met      int              `json:"met"`    // met in full
	Partly   int              `json:"partly"` // met in part
	Open     int              `json:"open"`   // with a shortfall the live plan does not cover
	Measures []RollupQuantity `json:"measures"`
}

func (t *RollupCount) add(r *rollupRow) {
	t.Demands++
	switch {
	case r.held >= r.need:
		t.Met++
	case r.held > 0:
		t.Partly++
	}
	open := r.open()
	if open > 0 {
		t.Open++
	}
	t.addMeasure(RollupQuantity{Measure: r.measure, Need: r.need, Met: r.held, Proposed: r.proposed, Open: open})
}

// addMeasure adds q's quantities to t's line of q's measure (a new line,
// last, for a measure t has not counted).
func (t *RollupCount) addMeasure(q RollupQuantity) {
	i := slices.IndexFunc(t.Measures, func(m RollupQuantity) bool { return m.Measure == q.Measure })
	if i < 0 {
		t.Measures = append(t.Measures, RollupQuantity{Measure: q.Measure})
		i = len(t.Measures) - 1
	}
	m := &t.Measures[i]
	m.Need += q.Need
	m.Met += q.Met
	m.Proposed += q.Proposed
	m.Open += q.Open
}

// plus adds o's counts to t.
func (t *RollupCount) plus(o *RollupCount) {
	t.Demands += o.Demands
	t.Met += o.Met
	t.Partly += o.Partly
	t.Open += o.Open
	for _, m := range o.Measures {
		t.addMeasure(m)
	}
}

func (t *RollupCount) sortMeasures() {
	slices.SortFunc(t.Measures, func(a, b RollupQuantity) int {
		return cmp.Or(cmp.Compare(b.Need, a.Need), cmp.Compare(a.Measure, b.Measure))
	})
}

// RollupKey is a RollupCount of one category, measure family or red grid.
type RollupKey struct {
	Key string `json:"key"`
	RollupCount
}

// RollupProject is a project of the roll-up's meetings that is not
// launched: planned and blocked by its first required slot (by id) that
// confirmed claims and the live plan leave short, or ready (Slot "") when
// they cover every required slot.
type RollupProject struct {
	Project string `json:"project"`
	Name    string `json:"name"`
	Unit    string `json:"unit"`
	Meeting string `json:"meeting"`
	Slot    string `json:"slot,omitempty"` // the blocking slot
	Open    int64  `json:"open,omitempty"` // its shortfall
	Measure string `json:"measure,omitempty"`
}

// RollupProjects counts the projects with a slot in the roll-up's
// meetings by status: launched (running or done), planned and ready
// (every required slot covered by confirmed claims and the live plan),
// planned and blocked, dropped.
type RollupProjects struct {
	Launched int             `json:"launched"`
	Ready    int             `json:"ready"`
	Blocked  int             `json:"blocked"`
	Dropped  int             `json:"dropped"`
	List     []RollupProject `json:"blocked_list"` // the blocked ones, by meeting then id
}

// RollupAnswers are a meeting's claims and their answers: claims it made
// (expired proposals aside), the answered ones (confirmed, fulfilled,
// rejected or withdrawn), those waiting for an answer, and of those the
// ones past their answer deadline at the roll-up's time.
type RollupAnswers struct {
	Claims   int `json:"claims"`
	Answered int `json:"answered"`
	Waiting  int `json:"waiting"`
	Overdue  int `json:"overdue"`
	Rate     int `json:"rate"` // answered per hundred claims (0 without claims)
}

func (a *RollupAnswers) plus(b RollupAnswers) {
	a.Claims += b.Claims
	a.Answered += b.Answered
	a.Waiting += b.Waiting
	a.Overdue += b.Overdue
}

func (a *RollupAnswers) rate() {
	a.Rate = 0
	if a.Claims > 0 {
		a.Rate = a.Answered * 100 / a.Claims
	}
}

// RollupMeeting is one meeting's own figures: its demands (at its level,
// of its scope), its projects and its answers.
type RollupMeeting struct {
	Alliance string         `json:"alliance"`
	Name     string         `json:"name"`
	Level    matcher.Level  `json:"level"`
	Parent   string         `json:"parent,omitempty"`
	Depth    int            `json:"depth"` // 0 for the roll-up's own alliance
	Demands  RollupCount    `json:"demands"`
	Projects RollupProjects `json:"projects"`
	Answers  RollupAnswers  `json:"answers"`
}

// RollupChild is an alliance directly below the roll-up's, with the
// totals of its own roll-up (it and everything below it): the drill-down.
type RollupChild struct {
	Alliance string         `json:"alliance"`
	Name     string         `json:"name"`
	Level    matcher.Level  `json:"level"`
	Meetings int            `json:"meetings"`
	Demands  RollupCount    `json:"demands"`
	Projects RollupProjects `json:"projects"`
	Answers  RollupAnswers  `json:"answers"`
}

// RollupWeek is one week (Monday to Sunday, China Standard Time) of the
// funnel: proposals made (by the meetings' runs and by hand), claims
// confirmed (the second side accepted) and claims fulfilled, as the audit
// log recorded them.
type RollupWeek struct {
	Week      string `json:"week"` // its Monday, 2006-01-02
	Proposed  int    `json:"proposed"`
	Confirmed int    `json:"confirmed"`
	Fulfilled int    `json:"fulfilled"`
}

// Rollup is the roll-up of an alliance: its own and every alliance below
// it, each demand counted once (a unit in two alliances of one level
// brings its demand to both meetings).
type Rollup struct {
	Alliance string        `json:"alliance"`
	Name     string        `json:"name"`
	Level    matcher.Level `json:"level"`
	Parent   string        `json:"parent,omitempty"` // "" at the top, or above the caller's scope
	Seq      uint64        `json:"seq"`              // the store index counted
	At       time.Time     `json:"at"`               // the time overdue answers are counted at
	Demands  RollupCount   `json:"demands"`
	// ByFamily, ByCategory and ByGrid are sorted by key; a demand whose
	// measure has no family is under "other", a unit without a red grid
	// under "".
	ByFamily   []RollupKey     `json:"by_family"`
	ByCategory []RollupKey     `json:"by_category"`
	ByGrid     []RollupKey     `json:"by_grid"`
	Projects   RollupProjects  `json:"projects"`
	Answers    RollupAnswers   `json:"answers"`
	Children   []RollupChild   `json:"children"`
	Meetings   []RollupMeeting `json:"meetings"` // the alliance first, then below it depth first by id
	Weeks      []RollupWeek    `json:"weeks"`    // oldest first; weeks without any event left out
}

// batchMeetings is the number of meetings of one level to count from
// nothing at which one walk of the level's items (countMeetings) is
// cheaper than a walk of each meeting's units.
const batchMeetings = 4

// FamilyOther is the ByFamily key of measures without a family.
const FamilyOther = "other"

// rollupRow is one demand of a meeting.
type rollupRow struct {
	id, unit, grid, category, measure string
	need, held, proposed              int64
	closed                            bool // closed by its unit: done or withdrawn, short of nothing
	shared                            bool // another meeting of the level holds it too
	optional                          bool // an optional slot of a project
}

// open is what neither confirmed claims nor the live plan cover, of a
// demand still on its list.
func (r *rollupRow) open() int64 {
	if r.closed {
		return 0
	}
	return max(0, r.need-r.held-r.proposed)
}

// rollupProject is a project of a meeting with its state.
type rollupProject struct {
	RollupProject
	status matcher.ProjectStatus
}

// rollupSums count demands in all and, unless they are only a total, by
// measure family, category and red grid.
type rollupSums struct {
	total          RollupCount
	fam, cat, grid map[string]*RollupCount // nil for a total alone
}

func newSums(keys bool) *rollupSums {
	if !keys {
		return &rollupSums{}
	}
	return &rollupSums{fam: map[string]*RollupCount{}, cat: map[string]*RollupCount{}, grid: map[string]*RollupCount{}}
}

func familyOf(measure string) string {
	if f := matcher.MeasureFamily(measure); f != "" {
		return f
	}
	return FamilyOther
}

func (s *rollupSums) addRow(r *rollupRow) {
	s.total.add(r)
	if s.fam == nil {
		return
	}
	for _, x := range [...]struct {
		m map[string]*RollupCount
		k string
	}{{s.fam, familyOf(r.measure)}, {s.cat, r.category}, {s.grid, r.grid}} {
		t := x.m[x.k]
		if t == nil {
			t = &RollupCount{}
			x.m[x.k] = t
		}
		t.add(r)
	}
}

// plus adds o's counts to s (o is left as it is).
func (s *rollupSums) plus(o *rollupSums) {
	s.total.plus(&o.total)
	if s.fam == nil || o.fam == nil {
		return
	}
	for _, x := range [...][2]map[string]*RollupCount{{s.fam, o.fam}, {s.cat, o.cat}, {s.grid, o.grid}} {
		for k, t := range x[1] {
			mine := x[0][k]
			if mine == nil {
				mine = &RollupCount{}
				x[0][k] = mine
			}
			mine.plus(t)
		}
	}
}

// meetingAgg is what the roll-up keeps of one meeting between views.
type meetingAgg struct {
	// own counts the demands no other meeting of the level holds (their
	// units are in this meeting's alliances alone at its level): they add
	// up across meetings as they are. shared are the others, counted once
	// per roll-up at view time.
	own      *rollupSums
	shared   []rollupRow
	demands  RollupCount // every demand of the meeting
	projects []rollupProject
	answers  RollupAnswers // Overdue left 0: counted at view time from due
	due      []time.Time   // the answer deadlines of the waiting claims, sorted
}

// overdue counts the deadlines passed at now (matcher.Claim.Overdue).
func (m *meetingAgg) overdue(now time.Time) int {
	return sort.Search(len(m.due), func(i int) bool { return now.Before(m.due[i]) })
}

// rollupCache keeps the meetings' figures at one index state; a view
// first drops the meetings the changes since touch (catchUp). mu guards
// the fields and is held only to read and change them, never while a
// meeting is counted: a view whose meetings are kept never waits for
// another's count, and a meeting missing at a state is counted by one
// view at a time (its flight), the others at that state waiting for it.
type rollupCache struct {
	mu       sync.Mutex
	state    uint64       // the index state the kept figures are valid at
	r        index.Reader // the state itself (for the old versions of changed records)
	meetings map[string]*meetingAgg
	flights  map[string]*rollupFlight // the meetings being counted at state
	// fmu guards funnel, held while it reads the log and while a view
	// sums its weeks.
	fmu    sync.Mutex
	funnel funnel
	// Counters, for tests and benchmarks: meetings counted afresh, views
	// that dropped every meeting, views that waited for another's count.
	built, resets, waited int
}

// rollupFlight is the count of one meeting at one state in progress:
// done is closed once m or err is set.
type rollupFlight struct {
	state uint64
	done  chan struct{}
	m     *meetingAgg
	err   error
}

// snapshot returns the store's state, the cache brought up to it: taken
// under the lock, so the cache's state only ever moves forward.
func (c *rollupCache) snapshot(st *store.Store) store.Snapshot {
	c.mu.Lock()
	defer c.mu.Unlock()
	sn := st.Snapshot()
	c.catchUp(sn)
	return sn
}

// meetingsOf returns the figures of the meetings of as on sn: those kept,
// those another view is counting at sn's state (waited for), and the rest
// counted here (all of a level in parallel, see countAll) and kept when the
// cache is still at sn's state.
//
// When the cache has moved past sn's state (another view brought it up to
// a newer one), it fails with errRollupMoved unless alone, and then counts
// every meeting of as itself, keeping nothing.
func (c *rollupCache) meetingsOf(sn store.Snapshot, as []*matcher.Alliance, alone bool) (map[string]*meetingAgg, error) {
	state := sn.Meta().State
	aggs := make(map[string]*meetingAgg, len(as))
	waits := map[string]*rollupFlight{}
	var mine []*matcher.Alliance
	own := map[string]*rollupFlight{}
	c.mu.Lock()
	current := c.meetings != nil && c.state == state
	if !current && !alone {
		c.mu.Unlock()
		return nil, errRollupMoved
	}
	for _, a := range as {
		if _, dup := aggs[a.ID]; dup || own[a.ID] != nil || waits[a.ID] != nil {
			continue
		}
		if !current { // the cache moved on since sn: count alone, keep nothing
			mine = append(mine, a)
			continue
		}
		if m := c.meetings[a.ID]; m != nil {
			aggs[a.ID] = m
		} else if f := c.flights[a.ID]; f != nil {
			waits[a.ID] = f
		} else {
			f := &rollupFlight{state: state, done: make(chan struct{})}
			c.flights[a.ID], own[a.ID] = f, f
			mine = append(mine, a)
		}
	}
	if len(waits) > 0 {
		c.waited++
	}
	c.mu.Unlock()

	if len(mine) > 0 {
		counted, err := countAll(sn, mine)
		c.mu.Lock()
		for _, a := range mine {
			f := own[a.ID]
			if f == nil {
				continue
			}
			if err != nil {
				f.err = err
			} else {
				f.m = counted[a.ID]
				if c.state == f.state && c.flights[a.ID] == f {
					c.meetings[a.ID] = f.m
				}
			}
			if c.flights[a.ID] == f {
				delete(c.flights, a.ID)
			}
			close(f.done)
		}
		c.built += len(counted)
		c.mu.Unlock()
		if err != nil {
			return nil, err
		}
		maps.Copy(aggs, counted)
	}
	for _, id := range slices.Sorted(maps.Keys(waits)) {
		f := waits[id]
		<-f.done
		if f.err != nil {
			return nil, f.err
		}
		aggs[id] = f.m
	}
	return aggs, nil
}

// weeks brings the funnel up to the store's log and returns its weeks,
// to read before unlock is called.
func (c *rollupCache) weeks(st *store.Store) (funnelWeeks, func(), error) {
	c.fmu.Lock()
	w, err := c.funnel.catchUp(st)
	if err != nil {
		c.fmu.Unlock()
		return funnelWeeks{}, nil, err
	}
	return w, c.fmu.Unlock, nil
}

// RollupStats counts the roll-up's work since the service started.
type RollupStats struct {
	MeetingsBuilt int // meeting figures counted afresh
	Resets        int // views that dropped every meeting's figures
	EventsRead    int // audit events the funnel read
	Waited        int // views that waited for a meeting another view was counting
}

// RollupStats returns the work the roll-up has done.
func (s *Service) RollupStats() RollupStats {
	c := &s.rollup
	c.mu.Lock()
	st := RollupStats{MeetingsBuilt: c.built, Resets: c.resets, Waited: c.waited}
	c.mu.Unlock()
	c.fmu.Lock()
	st.EventsRead = c.funnel.read
	c.fmu.Unlock()
	return st
}

// CanSeeRollup reports whether a may see the roll-up of alliance: the
// admin, and a coordinator for its own alliance and those below it.
func CanSeeRollup(r index.Reader, a matcher.Actor, alliance string) bool {
	return CanRunMeeting(r, a, alliance)
}

// Rollup returns the roll-up of alliance (see Rollup). A read: no audit
// event.
//
// Errors: ENOTFOUND for an alliance the caller may not see.
func (s *Service) Rollup(actor matcher.Actor, alliance string) (*Rollup, error) {
	for try := 1; ; try++ {
		r, err := s.rollupOnce(actor, alliance, try == rollupTries)
		if err != errRollupMoved {
			return r, err
		}
	}
}

// rollupTries is how many times a view starts again on the store's newer
// state when the cache moved on to it during the view (a write came in
// between) before it counts its missing meetings alone, keeping nothing.
const rollupTries = 3

// errRollupMoved says the cache moved past the view's state.
var errRollupMoved = errors.New("roll-up: the cache moved on")

// rollupOnce is one try of Rollup; alone: on a cache that moved on, count
// without it rather than fail with errRollupMoved.
func (s *Service) rollupOnce(actor matcher.Actor, alliance string, alone bool) (*Rollup, error) {
	sn := s.rollup.snapshot(s.Store)
	top, err := sn.Alliance(alliance)
	if err != nil || !CanSeeRollup(sn.Reader, actor, alliance) {
		return nil, notFound("alliance", alliance)
	}
	now := s.now()
	// The alliances of the roll-up, depth first by id.
	type node struct {
		a     *matcher.Alliance
		depth int
	}
	var tree []node
	var walk func(a *matcher.Alliance, depth int)
	walk = func(a *matcher.Alliance, depth int) {
		tree = append(tree, node{a, depth})
		if depth > len(matcher.Levels) { // a cycle the store refuses anyway
			return
		}
		var kids []*matcher.Alliance
		for k := range sn.Children(a.ID) {
			kids = append(kids, k)
		}
		slices.SortFunc(kids, func(x, y *matcher.Alliance) int { return cmp.Compare(x.ID, y.ID) })
		for _, k := range kids {
			walk(k, depth+1)
		}
	}
	walk(top, 0)

	as := make([]*matcher.Alliance, len(tree))
	for i, n := range tree {
		as[i] = n.a
	}
	aggs, err := s.rollup.meetingsOf(sn, as, alone)
	if err != nil {
		return nil, err
	}
	weeks, unlock, err := s.rollup.weeks(s.Store)
	if err != nil {
		return nil, err
	}
	byWeek := weeks.of(func(alliances []string) bool {
		for _, a := range alliances {
			if Within(sn.Reader, top.ID, a) {
				return true
			}
		}
		return false
	})
	unlock()

	out := &Rollup{Alliance: top.ID, Name: top.Name, Level: top.Level, Seq: sn.Seq, At: now,
		Children: []RollupChild{}, Meetings: []RollupMeeting{}}
	if top.Parent != "" && CanSeeRollup(sn.Reader, actor, top.Parent) {
		out.Parent = top.Parent
	}
	for _, n := range tree {
		m := aggs[n.a.ID]
		rm := RollupMeeting{Alliance: n.a.ID, Name: n.a.Name, Level: n.a.Level, Parent: n.a.Parent, Depth: n.depth, Demands: m.demands}
		rm.Projects = projectsOf([]*meetingAgg{m}, []string{n.a.ID})
		rm.Answers = m.answers
		rm.Answers.Overdue = m.overdue(now)
		rm.Answers.rate()
		out.Meetings = append(out.Meetings, rm)
	}
	// The whole roll-up (by key too), and each child's (its totals).
	sum := func(ids []string, keys bool) (*rollupSums, RollupProjects, RollupAnswers) {
		sums := newSums(keys)
		var ans RollupAnswers
		seen := map[string]bool{}
		ms := make([]*meetingAgg, 0, len(ids))
		for _, id := range ids {
			m := aggs[id]
			ms = append(ms, m)
			ans.plus(m.answers)
			ans.Overdue += m.overdue(now)
			sums.plus(m.own)
			for i := range m.shared {
				if r := &m.shared[i]; !seen[r.id] {
					seen[r.id] = true
					sums.addRow(r)
				}
			}
		}
		sums.total.sortMeasures()
		ans.rate()
		return sums, projectsOf(ms, ids), ans
	}
	all := make([]string, len(tree))
	for i, n := range tree {
		all[i] = n.a.ID
	}
	sums, projects, answers := sum(all, true)
	out.Demands, out.Projects, out.Answers = sums.total, projects, answers
	out.ByFamily, out.ByCategory, out.ByGrid = sortedKeys(sums.fam), sortedKeys(sums.cat), sortedKeys(sums.grid)
	for i, n := range tree {
		if n.depth != 1 {
			continue
		}
		ids := []string{n.a.ID}
		for _, m := range tree[i+1:] {
			if m.depth <= 1 {
				break
			}
			ids = append(ids, m.a.ID)
		}
		ch := RollupChild{Alliance: n.a.ID, Name: n.a.Name, Level: n.a.Level, Meetings: len(ids)}
		chs, projects, answers := sum(ids, false)
		ch.Demands, ch.Projects, ch.Answers = chs.total, projects, answers
		out.Children = append(out.Children, ch)
	}
	out.Weeks = byWeek
	return out, nil
}

func sortedKeys(m map[string]*RollupCount) []RollupKey {
	out := make([]RollupKey, 0, len(m))
	for k, t := range m {
		t.sortMeasures()
		out = append(out, RollupKey{Key: k, RollupCount: *t})
	}
	slices.SortFunc(out, func(a, b RollupKey) int { return cmp.Compare(a.Key, b.Key) })
	return out
}

// projectsOf counts the projects of meetings ms (of alliances ids), each
// once.
func projectsOf(ms []*meetingAgg, ids []string) RollupProjects {
	out := RollupProjects{List: []RollupProject{}}
	seen := map[string]bool{}
	for i, m := range ms {
		for _, p := range m.projects {
			if seen[p.Project] {
				continue
			}
			seen[p.Project] = true
			switch {
			case p.status == matcher.ProjectRunning || p.status == matcher.ProjectDone:
				out.Launched++
			case p.status == matcher.ProjectDropped:
				out.Dropped++
			case p.Slot != "":
				out.Blocked++
				q := p.RollupProject
				q.Meeting = ids[i]
				out.List = append(out.List, q)
			default:
				out.Ready++
			}
		}
	}
	return out
}

// catchUp drops the figures of the meetings the changes between the
// cache's state and sn's touch, or all of them when it cannot tell (the
// change log does not reach back, a table it does not know changed).
//
// A meeting's figures read its scope (the units of its alliance and of
// every alliance below it), their demands at its level with the claims on
// them, their projects, the claims the meeting made, and whether another
// meeting of its level holds each unit too (own and shared). So a change
// touches the meetings holding a unit it changes, at both states (before
// the change and after): an item, or a claim on a demand, the meetings of
// the demand's level holding its unit; a unit or a project, every meeting
// holding the unit; a claim, the meeting that made it; an alliance, the
// alliance and those above it (its scope, its name) and every meeting
// holding a unit of it or of an alliance below it (a member joining or
// leaving, a move under another parent changes who holds them); a red
// grid, the meetings holding its units (the figures key grids by id, so
// this is more than they need). The vocabulary is read by no figure (a
// demand's measure and category are its own fields): its changes drop
// nothing.
func (c *rollupCache) catchUp(sn store.Snapshot) {
	state := sn.Meta().State
	if c.meetings != nil && c.state == state {
		return
	}
	keys, ok := []index.Key(nil), false
	if c.meetings != nil {
		keys, ok = sn.ChangesSince(c.state)
	}
	defer func() {
		c.state, c.r = state, sn.Reader
		c.flights = map[string]*rollupFlight{} // counts at the old state keep nothing
	}()
	reset := func() {
		if c.meetings != nil {
			c.resets++
		}
		c.meetings = map[string]*meetingAgg{}
	}
	if !ok {
		reset()
		return
	}
	t := &touches{states: [2]index.Reader{c.r, sn.Reader}, drop: map[string]bool{}, seen: map[unitAt]bool{}}
	claim := func(r index.Reader, id string) {
		if cl, err := r.Claim(id); err == nil {
			if it, err := r.Item(cl.Demand); err == nil {
				t.unit(it.Unit, it.Level)
			} else {
				t.unit(cl.DemandUnit, "")
			}
			if cl.Meeting != "" {
				t.drop[cl.Meeting] = true
			}
		}
	}
	for _, k := range keys {
		switch k.Table {
		case index.TableItems:
			for _, r := range t.states {
				if it, err := r.Item(k.ID); err == nil {
					t.unit(it.Unit, it.Level)
				}
			}
		case index.TableClaims:
			for _, r := range t.states {
				claim(r, k.ID)
			}
		case index.TableProjects:
			for _, r := range t.states {
				if p, err := r.Project(k.ID); err == nil {
					t.unit(p.Unit, "")
				}
			}
		case index.TableUnits:
			t.unit(k.ID, "")
		case index.TableAlliances:
			t.alliance(k.ID)
		case index.TableGrids:
			for _, r := range t.states {
				for u := range r.UnitsInGrid(k.ID) {
					t.unit(u.ID, "")
				}
			}
		case "categories", index.TableAccounts, index.TableRules, index.TableOffers, index.TableEarners, index.TableRedemptions, index.TableTransfers:
			// the vocabulary (the store's key for a category) and the
			// points bank: no figure of the roll-up reads them
		default: // whatever else: start afresh
			reset()
			return
		}
	}
	for id := range c.meetings {
		if t.drop[id] {
			delete(c.meetings, id)
		}
	}
}

// touches gathers the meetings a batch of changes touches (catchUp), at
// the states before and after them.
type touches struct {
	states [2]index.Reader
	drop   map[string]bool // the meetings touched
	seen   map[unitAt]bool
}

// unitAt is a unit whose demands of level (every level: "") changed.
type unitAt struct {
	unit  string
	level matcher.Level
}

// unit drops the meetings of level (any level: "") whose scope holds
// unit, at either state: those of its alliances and of the alliances
// above them.
func (t *touches) unit(unit string, level matcher.Level) {
	if t.seen[unitAt{unit, level}] || t.seen[unitAt{unit, ""}] {
		return
	}
	t.seen[unitAt{unit, level}] = true
	for _, r := range t.states {
		for al := range r.AlliancesOf(unit) {
			t.up(r, al, level)
		}
	}
}

// up drops a and the alliances above it at r, of level only unless level
// is "".
func (t *touches) up(r index.Reader, a *matcher.Alliance, level matcher.Level) {
	for hops := 0; a != nil && hops <= len(matcher.Levels); hops++ {
		if level == "" || a.Level == level {
			t.drop[a.ID] = true
		}
		if a.Parent == "" {
			return
		}
		a, _ = r.Alliance(a.Parent)
	}
}

// alliance drops, at either state, alliance id and those above it, and
// every meeting holding a unit of it or of an alliance below it.
func (t *touches) alliance(id string) {
	for _, r := range t.states {
		a, err := r.Alliance(id)
		if err != nil {
			continue
		}
		t.up(r, a, "")
		queue, seen := []*matcher.Alliance{a}, map[string]bool{a.ID: true}
		for len(queue) > 0 {
			cur := queue[0]
			queue = queue[1:]
			for _, u := range cur.AllUnits() {
				t.unit(u, "")
			}
			for k := range r.Children(cur.ID) {
				if !seen[k.ID] {
					seen[k.ID] = true
					queue = append(queue, k)
				}
			}
		}
	}
}

// meetingBuild counts one meeting's demands as they come (add) and
// makes its figures (finish).
type meetingBuild struct {
	a     *matcher.Alliance
	m     *meetingAgg
	slots map[string][]rollupRow // project → its slots' rows
}

func newBuild(a *matcher.Alliance) *meetingBuild {
	return &meetingBuild{a: a, m: &meetingAgg{own: newSums(true)}, slots: map[string][]rollupRow{}}
}

// counted reports whether it is one of the demands a meeting counts: at
// the meeting's level, paused ones aside (as in the report).
func counted(it *matcher.Item, level matcher.Level) bool {
	return it.Kind == matcher.Demand && it.Level == level && it.Status != matcher.ItemPaused
}

// add counts demand it of a unit of the meeting's scope (in red grid
// grid; alone: in this meeting's alliances alone at its level), the
// quantities of its claims from cs (nil: read here).
func (b *meetingBuild) add(sn store.Snapshot, it *matcher.Item, grid string, alone bool, cs *claimSums) {
	r := rollupRow{id: it.ID, unit: it.Unit, grid: grid, category: it.Category, measure: it.Measure, need: it.Quantity,
		closed: it.Status == matcher.ItemClosed, shared: !alone, optional: it.Optional}
	switch {
	case cs != nil:
		r.held, r.proposed = cs.of(it.ID)
	case sn.HasClaims(it):
		for cl := range sn.ClaimsOnDemand(it.ID) {
			switch cl.Status {
			case matcher.ClaimConfirmed, matcher.ClaimFulfilled:
				r.held += cl.Quantity
			case matcher.ClaimProposed:
				r.proposed += cl.Quantity
			}
		}
	}
	r.held = min(r.held, r.need)
	r.proposed = min(r.proposed, r.need-r.held)
	if it.Project != "" {
		b.slots[it.Project] = append(b.slots[it.Project], r)
	}
	m := b.m
	m.demands.add(&r)
	if r.shared {
		m.shared = append(m.shared, r)
	} else {
		m.own.addRow(&r)
	}
}

// claimSums are the quantities the claims on each demand hold (confirmed
// and fulfilled) and propose, from one walk of the claims of those
// statuses, made on first use: a walk of a level's items reads them from
// here rather than seeking each demand's claims.
type claimSums struct {
	once sync.Once
	sn   store.Snapshot
	by   map[string][2]int64
}

func (c *claimSums) of(demand string) (held, proposed int64) {
	c.once.Do(func() {
		c.by = map[string][2]int64{}
		for i, st := range [...]matcher.ClaimStatus{matcher.ClaimConfirmed, matcher.ClaimFulfilled, matcher.ClaimProposed} {
			for cl := range c.sn.ClaimsByStatus(st) {
				v := c.by[cl.Demand]
				v[i/2] += cl.Quantity
				c.by[cl.Demand] = v
			}
		}
	})
	v := c.by[demand]
	return v[0], v[1]
}

// unitFacts are what the rows of a unit's demands need of the unit: its
// red grid, whether one meeting of the level alone holds it, and the
// meetings counted that hold it (indices of the builds).
type unitFacts struct {
	grid  string
	alone bool
	mark  bool    // a pass's mark: the unit's first hit (the red grids' split)
	first string  // the first meeting of the level found holding it
	b     int32   // the first build holding it (-1: none)
	more  []int32 // and the others
}

// each calls fn with every build holding the unit.
func (f *unitFacts) each(fn func(i int32)) {
	if f.b < 0 {
		return
	}
	fn(f.b)
	for _, i := range f.more {
		fn(i)
	}
}

// bigScope is the number of units in the scopes of a level's meetings
// above which one walk of the level's items is cheaper than a walk of
// each unit's items (the district's meeting holds every unit).
const bigScope = 2000

// countAll counts the meetings of as (any levels) on sn: the levels at
// once, and within a level the meetings split among up to GOMAXPROCS
// goroutines (countLevelWith), all reading the same immutable state (as
// match.RunMany does). The error is the first level's that fails.
func countAll(sn store.Snapshot, as []*matcher.Alliance) (map[string]*meetingAgg, error) {
	byLevel := map[matcher.Level][]*matcher.Alliance{}
	for _, a := range as {
		byLevel[a.Level] = append(byLevel[a.Level], a)
	}
	type group struct {
		level matcher.Level
		as    []*matcher.Alliance
		ms    []*meetingAgg
		err   error
	}
	var groups []*group
	for _, l := range matcher.Levels {
		if las := byLevel[l]; len(las) > 0 {
			groups = append(groups, &group{level: l, as: las})
		}
	}
	cs := &claimSums{sn: sn} // shared by the levels that walk their items
	var wg sync.WaitGroup
	for _, g := range groups[1:] {
		wg.Go(func() { g.ms, g.err = countLevelWith(sn, g.level, g.as, nil, cs) })
	}
	g := groups[0]
	g.ms, g.err = countLevelWith(sn, g.level, g.as, nil, cs)
	wg.Wait()
	out := make(map[string]*meetingAgg, len(as))
	for _, g := range groups {
		if g.err != nil {
			return nil, g.err
		}
		for i, a := range g.as {
			out[a.ID] = g.ms[i]
		}
	}
	return out, nil
}

// countLevelBy counts the figures of the meetings as (all of one level)
// on sn: the demands of each one's scope at its level (paused ones aside,
// as in the report), the projects with a slot among them, and the claims
// the meeting made. A few meetings of small scopes walk their units'
// items; else one walk of the items at the level gives each demand to the
// meetings whose scope holds its unit, reading every item once, not once
// per meeting whose scope holds it. byLevel forces the choice (nil: as
// the sizes say).
func countLevelBy(sn store.Snapshot, level matcher.Level, as []*matcher.Alliance, byLevel *bool) ([]*meetingAgg, error) {
	return countLevelWith(sn, level, as, byLevel, &claimSums{sn: sn})
}

// countLevelWith is countLevelBy, a walk of the level reading the claims'
// quantities from cs.
func countLevelWith(sn store.Snapshot, level matcher.Level, as []*matcher.Alliance, byLevel *bool, cs *claimSums) ([]*meetingAgg, error) {
	builds := make([]*meetingBuild, len(as))
	units := 0
	for i, a := range as {
		builds[i] = newBuild(a)
		units += scopeSize(sn.Reader, a)
	}
	walkLevel := len(as) >= batchMeetings || units > bigScope
	if byLevel != nil {
		walkLevel = *byLevel
	}
	// hits are the demands counted, each with its unit's facts (and so
	// the meetings holding it).
	type hit struct {
		it *matcher.Item
		f  *unitFacts
	}
	var hits []hit
	if !walkLevel {
		for i, a := range as {
			scope, err := match.ResolveScope(sn.Reader, a.ID)
			if err != nil {
				return nil, err
			}
			for _, uid := range scope.Units() {
				f := &unitFacts{alone: meetingsAt(sn.Reader, uid, level) <= 1, b: int32(i)}
				if u := sn.UnitRaw(uid); u != nil {
					f.grid = u.Grid
				}
				for it := range sn.ItemsOf(uid) {
					if counted(it, level) {
						hits = append(hits, hit{it, f})
					}
				}
			}
		}
		cs = nil // a few units' claims: seek them
	} else {
		// The level's items in parts (by id), walked at once; the hits
		// are the parts' in order, as one walk would find them.
		facts := holdersAt(sn.Reader, level, as)
		first, last := sn.LevelIDs(level)
		bounds := append(append([]string{""}, splitIDs(first, last, runtime.GOMAXPROCS(0))...), "")
		parts := make([][]hit, len(bounds)-1)
		walk := func(p int) {
			for it := range sn.ItemsAtLevelBetween(level, bounds[p], bounds[p+1]) {
				if f := facts[it.Unit]; f != nil && f.b >= 0 && counted(it, level) {
					parts[p] = append(parts[p], hit{it, f})
				}
			}
		}
		var wg sync.WaitGroup
		for p := 1; p < len(parts); p++ {
			wg.Go(func() { walk(p) })
		}
		walk(0)
		wg.Wait()
		n := 0
		for _, part := range parts {
			n += len(part)
		}
		hits = make([]hit, 0, n)
		for _, part := range parts {
			hits = append(hits, part...)
		}
		// The red grids of the units found: the units (each once, marked
		// in one pass over the hits, taken in a second) split among the
		// workers in ranges.
		n = 0
		for _, h := range hits {
			if f := h.f; !f.mark {
				f.mark = true
				n++
			}
		}
		units := make([]hit, 0, n)
		for _, h := range hits {
			if f := h.f; f.mark {
				f.mark = false
				units = append(units, h)
			}
		}
		workers := runtime.GOMAXPROCS(0)
		grids := func(w int) {
			for _, h := range units[w*len(units)/workers : (w+1)*len(units)/workers] {
				if u := sn.UnitRaw(h.it.Unit); u != nil {
					h.f.grid = u.Grid
				}
			}
		}
		for w := 1; w < workers; w++ {
			wg.Go(func() { grids(w) })
		}
		grids(0)
		wg.Wait()
	}
	// Each meeting's figures are its own: the meetings are split among
	// the workers, each reading every hit.
	out := make([]*meetingAgg, len(builds))
	workers := max(1, min(runtime.GOMAXPROCS(0), len(builds)/batchMeetings))
	work := func(w int) {
		for _, h := range hits {
			h.f.each(func(i int32) {
				if int(i)%workers == w {
					builds[i].add(sn, h.it, h.f.grid, h.f.alone, cs)
				}
			})
		}
		for i := w; i < len(builds); i += workers {
			out[i] = builds[i].finish(sn)
		}
	}
	var wg sync.WaitGroup
	for w := 1; w < workers; w++ {
		wg.Go(func() { work(w) })
	}
	work(0)
	wg.Wait()
	return out, nil
}

// splitIDs returns k-1 ids between first and last, in order, that split
// the ids between them into k ranges about as wide: first and last read
// as numbers whose digits are their characters (base ten where both have
// a decimal digit, so that numbered ids split evenly; else a byte), and
// the points spaced evenly between. Ids that are not spread evenly split
// unevenly, which costs only the balance of the work.
func splitIDs(first, last string, k int) []string {
	if k < 2 || first >= last {
		return nil
	}
	n := max(len(first), len(last))
	digit := func(c byte) bool { return '0' <= c && c <= '9' }
	at := func(s string, i int) byte {
		if i < len(s) {
			return s[i]
		}
		return 0
	}
	base := make([]int64, n)
	for i := range n {
		base[i] = 256
		if digit(at(first, i)) && digit(at(last, i)) {
			base[i] = 10
		}
	}
	num := func(s string) *big.Int {
		v := new(big.Int)
		for i := range n {
			c := int64(at(s, i))
			if base[i] == 10 {
				c -= '0'
			}
			v.Mul(v, big.NewInt(base[i]))
			v.Add(v, big.NewInt(c))
		}
		return v
	}
	a, b := num(first), num(last)
	width := new(big.Int).Sub(b, a)
	var out []string
	for j := 1; j < k; j++ {
		p := new(big.Int).Mul(width, big.NewInt(int64(j)))
		p.Div(p, big.NewInt(int64(k)))
		p.Add(p, a)
		raw := make([]byte, n)
		for i := n - 1; i >= 0; i-- {
			var d big.Int
			p.DivMod(p, big.NewInt(base[i]), &d)
			raw[i] = byte(d.Int64())
			if base[i] == 10 {
				raw[i] += '0'
			}
		}
		id := strings.TrimRight(string(raw), "\x00")
		if id > first && id < last && (len(out) == 0 || id > out[len(out)-1]) {
			out = append(out, id)
		}
	}
	return out
}

// scopeSize is the size of a's scope, at most: the units of it and of
// every alliance below it, counted once per alliance.
func scopeSize(r index.Reader, a *matcher.Alliance) int {
	n := 0
	queue, seen := []*matcher.Alliance{a}, map[string]bool{a.ID: true}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		n += len(cur.Members) + 1
		for k := range r.Children(cur.ID) {
			if !seen[k.ID] {
				seen[k.ID] = true
				queue = append(queue, k)
			}
		}
	}
	return n
}

// holdersAt returns, for every unit whose items of level a meeting
// holds, its facts: whether more than one meeting of level holds it
// (those of its alliances at level, and of the alliance of level above
// each of its others), and which of as do, from one pass over the
// alliances. The red grid is left to read.
func holdersAt(r index.Reader, level matcher.Level, as []*matcher.Alliance) map[string]*unitFacts {
	at := make(map[string]int32, len(as))
	for i, a := range as {
		at[a.ID] = int32(i)
	}
	// Each alliance with the meeting of level holding its units.
	type holder struct {
		al  *matcher.Alliance
		cur string
	}
	var hs []holder
	n := 0
	for _, l := range matcher.Levels {
		for al := range r.AlliancesAt(l) {
			if cur := holderAt(r, al, level); cur != nil {
				hs = append(hs, holder{al, cur.ID})
				n += len(al.Members) + 1
			}
		}
	}
	all := make([]unitFacts, 0, n) // one allocation for the facts of every unit
	facts := make(map[string]*unitFacts, n)
	for _, h := range hs {
		i, counting := at[h.cur]
		add := func(u string) {
			f := facts[u]
			if f == nil {
				all = append(all, unitFacts{alone: true, first: h.cur, b: -1})
				f = &all[len(all)-1]
				facts[u] = f
			} else if f.first != h.cur {
				f.alone = false
			}
			switch {
			case !counting || f.b == i || slices.Contains(f.more, i):
			case f.b < 0:
				f.b = i
			default:
				f.more = append(f.more, i)
			}
		}
		if h.al.Lead != "" {
			add(h.al.Lead)
		}
		for _, u := range h.al.Members {
			add(u)
		}
	}
	return facts
}

// finish makes the meeting's figures from its demands.
func (b *meetingBuild) finish(sn store.Snapshot) *meetingAgg {
	m, a := b.m, b.a
	m.demands.sortMeasures()
	for _, pid := range slices.Sorted(maps.Keys(b.slots)) {
		p, err := sn.Project(pid)
		if err != nil {
			continue // a slot of a project deleted since: the store checks refuse it
		}
		rp := rollupProject{RollupProject: RollupProject{Project: p.ID, Name: p.Name, Unit: p.Unit}, status: p.Status}
		slotRows := b.slots[pid]
		slices.SortFunc(slotRows, func(x, y rollupRow) int { return cmp.Compare(x.id, y.id) })
		for i := range slotRows {
			if r := &slotRows[i]; !r.optional && r.open() > 0 {
				rp.Slot, rp.Open, rp.Measure = r.id, r.open(), r.measure
				break
			}
		}
		m.projects = append(m.projects, rp)
	}
	for cl := range sn.ClaimsOfMeeting(a.ID) {
		if cl.Status == matcher.ClaimExpired {
			continue
		}
		m.answers.Claims++
		if cl.Status == matcher.ClaimProposed {
			m.answers.Waiting++
			if !cl.AnswerBy.IsZero() {
				m.due = append(m.due, cl.AnswerBy)
			}
		} else {
			m.answers.Answered++
		}
	}
	slices.SortFunc(m.due, func(x, y time.Time) int { return x.Compare(y) })
	return m
}

// rollupSettle is how long KeepRollupWarm lets writes settle after a
// change before it counts again.
const rollupSettle = time.Second

// WarmRollup counts, on the store's current state, what a view has not
// kept of every meeting's figures, and reads the audit log into the
// funnel: after it, a view of any roll-up on that state counts nothing.
// Views meanwhile are not held up: a meeting it is counting they wait
// for, the others they count or read as usual.
func (s *Service) WarmRollup() error {
	sn := s.rollup.snapshot(s.Store)
	var as []*matcher.Alliance
	for _, l := range matcher.Levels {
		for a := range sn.AlliancesAt(l) {
			as = append(as, a)
		}
	}
	if _, err := s.rollup.meetingsOf(sn, as, false); err != nil && err != errRollupMoved {
		return err // moved on: the next warm-up, after the change, counts
	}
	_, unlock, err := s.rollup.weeks(s.Store)
	if err != nil {
		return err
	}
	unlock()
	return nil
}

// KeepRollupWarm warms the roll-up (WarmRollup) at once, calls warmed
// (if not nil) once that is done, then warms it again rollupSettle after
// each change of the store (counting only the meetings the changes
// touched: see catchUp), until ctx is done. Errors go to fail (if not nil).
func (s *Service) KeepRollupWarm(ctx context.Context, warmed func(), fail func(error)) {
	for {
		ch := s.Store.Changed()
		if err := s.WarmRollup(); err != nil && fail != nil {
			fail(err)
		}
		if warmed != nil {
			warmed()
			warmed = nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return
		}
		select {
		case <-time.After(rollupSettle):
		case <-ctx.Done():
			return
		}
	}
}

// holderAt returns the alliance of level whose meeting holds al's units'
// items of that level: al itself, or the one of level above it; nil when
// there is none.
func holderAt(r index.Reader, al *matcher.Alliance, level matcher.Level) *matcher.Alliance {
	cur := al
	for hops := 0; cur != nil && cur.Level.Rank() < level.Rank() && hops <= len(matcher.Levels); hops++ {
		if cur.Parent == "" {
			return nil
		}
		cur, _ = r.Alliance(cur.Parent)
	}
	if cur != nil && cur.Level == level {
		return cur
	}
	return nil
}

// meetingsAt counts the alliances of level whose meetings hold unit's
// items of that level: each alliance of the unit's, or the one of level
// above it.
func meetingsAt(r index.Reader, unit string, level matcher.Level) int {
	var found []string
	for al := range r.AlliancesOf(unit) {
		if cur := holderAt(r, al, level); cur != nil && !slices.Contains(found, cur.ID) {
			found = append(found, cur.ID)
		}
	}
	return len(found)
}
