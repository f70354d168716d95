// Package scenario holds what-if scenarios: a private copy-on-write fork of
// the live index (a go-memdb snapshot; nothing is deep-copied) plus a list
// of edits, solved with the matcher and compared with the live plan. A
// Manager keeps scenarios by id, bounded in number and edits, scoped by
// actor like the service, and applies a scenario's edits to the live store
// only if the store has not moved since the fork.
package scenario

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	memdb "github.com/allymatch/allymatch/internal/third_party/memdb"
	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
	"github.com/allymatch/allymatch/matcher/match"
	"github.com/allymatch/allymatch/matcher/store"
)

// Bounds of a Manager (defaults of NewManager). The bound that refuses a
// caller is its own: one coordinator filling its quota blocks nobody else.
// MaxScenarios only bounds the server's memory; owners' quotas keep it far
// out of reach (a district's 56 alliances × 16 < 4096).
const (
	DefaultMaxPerOwner  = 16
	DefaultMaxScenarios = 4096
	DefaultMaxEdits     = 1000
)

// Request creates a scenario: what it plans (one meeting, or a scope: each
// alliance of Scope with every alliance below it), its edits, and the
// settings of both solves (live and scenario) before any set_mode or
// set_weights edit. Mode "" is welfare; nil weights are the defaults.
type Request struct {
	Meeting string         `json:"meeting,omitempty"`
	Scope   []string       `json:"scope,omitempty"`
	Name    string         `json:"name,omitempty"`
	Note    string         `json:"note,omitempty"`
	Edits   []Edit         `json:"edits"`
	Mode    match.Mode     `json:"mode,omitempty"`
	Weights *match.Weights `json:"weights,omitempty"`
}

// Bounds of a scenario's words and scope.
const (
	MaxNameLen   = 80   // characters of a name
	MaxNoteLen   = 2000 // characters of a note
	MaxScopeRoot = 64   // alliances a scope names
)

var (
	nameText = matcher.Text{Max: MaxNameLen}
	noteText = matcher.Text{Max: MaxNoteLen, Multiline: true}
)

// Scenario is a fork plus edits.
type Scenario struct {
	ID      string `json:"id"`
	Name    string `json:"name,omitempty"`
	Note    string `json:"note,omitempty"`
	Meeting string `json:"meeting,omitempty"` // a one-meeting scenario's
	// Scope is the alliances a scope scenario names; Meetings every
	// meeting it solves (the scope's alliances and every one below them,
	// sorted), or the one meeting.
	Scope    []string       `json:"scope,omitempty"`
	Meetings []string       `json:"meetings"`
	Owner    matcher.Actor  `json:"owner"`
	Created  time.Time      `json:"created"`
	Seq      uint64         `json:"seq"`      // the live store index forked
	Base     match.Settings `json:"base"`     // the settings of the live plan compared with
	Settings match.Settings `json:"settings"` // with the edits' set_mode and set_weights
	Edits    []Edit         `json:"edits"`
	Applied  uint64         `json:"applied,omitempty"` // the store index its edits were applied at
	// Shared: the coordinators of the alliances it touches read it (and
	// nothing more). Touched are those alliances: every alliance of a unit
	// its edits change, and those its edits join or leave (see touched).
	Shared  bool     `json:"shared,omitempty"`
	Touched []string `json:"touched"`
	// Broken says why a stored scenario's edits no longer apply to the
	// live state it was loaded on (its diff is then a 409).
	Broken string `json:"broken,omitempty"`
	// Partial: read by someone other than its owner, parts outside the
	// reader's scope are left out (see sight). Never stored.
	Partial bool `json:"partial,omitempty"`

	db    *memdb.MemDB
	vocab *matcher.Vocabulary
}

// Reader returns a read view of the scenario's state.
func (s *Scenario) Reader() index.Reader { return index.NewReader(s.db.Txn(false)) }

// settings are the settings req solves with before any edit: the
// defaults, with its mode and weights.
func (req Request) settings() match.Settings {
	set := match.DefaultSettings()
	if req.Mode != "" {
		set.Mode = req.Mode
	}
	if req.Weights != nil {
		set.Weights = *req.Weights
	}
	return set
}

// Fork makes a scenario of req on the snapshot sn: the edits are validated
// and applied in order on a private fork of sn; the first bad edit is
// refused with its index and field (edits[2].quantity: ...).
func Fork(sn store.Snapshot, req Request) (*Scenario, error) {
	set := req.settings()
	if err := set.Validate(); err != nil {
		return nil, err
	}
	if err := checkWords(req); err != nil {
		return nil, err
	}
	meetings, err := meetingsOf(sn.Reader, req)
	if err != nil {
		return nil, err
	}
	sc := &Scenario{Name: req.Name, Note: req.Note, Meeting: req.Meeting, Scope: slices.Clone(req.Scope), Meetings: meetings,
		Seq: sn.Seq, Base: set, Settings: set, Edits: slices.Clone(req.Edits), vocab: sn.Vocab}
	sc.db = sn.Fork()
	tx := sn.ForkTx(sc.db)
	for i := range sc.Edits {
		if err := applyChecked(tx, i, &sc.Edits[i], &sc.Settings); err != nil {
			tx.Finish(true)
			return nil, err
		}
	}
	if _, err := tx.Finish(false); err != nil {
		return nil, err
	}
	sc.Touched = sc.touched(sn.Reader)
	return sc, nil
}

// applyChecked applies edit e (the i-th) through the fork's mutation tx
// and runs the store's checks on what it changed: what the store would
// refuse when the scenario is applied, the fork refuses now.
func applyChecked(tx *store.ForkTx, i int, e *Edit, set *match.Settings) error {
	mark := tx.Mark()
	if err := applyEdit(tx.Tx, i, e, set); err != nil {
		return err
	}
	return wrapEdit(i, tx.Check(mark))
}

// wrapEdit names edit i in err, a problem of the store's checks.
func wrapEdit(i int, err error) error {
	if err == nil {
		return nil
	}
	c := Ctx{I: i}
	return c.Wrap("", err)
}

// Solve runs the scenario's meeting on its fork.
func (s *Scenario) Solve(ctx context.Context) (*match.Result, error) {
	return match.Run(ctx, s.Reader(), s.vocab, s.Meeting, s.Settings)
}

// solve runs the scenario's meeting on its fork: with a fork of live, a
// session of the live plan, only what the edits touch is redone; with nil,
// from scratch.
func (s *Scenario) solve(ctx context.Context, live *match.Session) (*match.Result, error) {
	if live == nil {
		return s.Solve(ctx)
	}
	return live.Fork(s.Settings).Run(ctx, s.Reader(), s.vocab)
}

// Diff solves the scenario and the live plan (the meeting, or every
// meeting of the scope, on sn with the base settings) from scratch and
// compares them.
func (s *Scenario) Diff(ctx context.Context, sn store.Snapshot) (*Diff, error) {
	if len(s.Scope) > 0 {
		return s.diffScope(ctx, sn, nil, nil)
	}
	live, err := match.Run(ctx, sn.Reader, sn.Vocab, s.Meeting, s.Base)
	if err != nil {
		return nil, err
	}
	return s.diffWith(ctx, live, nil, nil)
}

// diffWith compares the live plan with the scenario's, solved
// incrementally from sess (the live plan's session) when it is not nil,
// both plans as sg sees them (nil: whole).
func (s *Scenario) diffWith(ctx context.Context, live *match.Result, sess *match.Session, sg *sight) (*Diff, error) {
	after, err := s.solve(ctx, sess)
	if err != nil {
		return nil, err
	}
	rows := [][]*match.Result{{live, after}}
	hid := sg.plans(rows, []index.Reader{s.Reader()})
	d := Compare(rows[0][0], rows[0][1])
	d.Scenario, d.Partial = s.ID, hid
	return d, nil
}

// ConflictError says the live state moved on since a scenario's fork: its
// code is ECONFLICT, and Events are the changes since (up to a limit).
type ConflictError struct {
	Fork   uint64          `json:"fork_seq"`
	Live   uint64          `json:"live_seq"`
	Events []matcher.Event `json:"events"`
}

func (e *ConflictError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "the live state changed since the scenario's fork (index %d, now %d):", e.Fork, e.Live)
	for _, ev := range e.Events {
		var ch []string
		for _, c := range ev.Changes {
			ch = append(ch, c.Table+"/"+c.ID)
		}
		fmt.Fprintf(&b, " [%d %s by %s: %s]", ev.Seq, ev.Action, ev.Actor, strings.Join(ch, ", "))
	}
	return b.String()
}

// As lets matcher.ErrorCode see ECONFLICT.
func (e *ConflictError) As(target any) bool {
	if t, ok := target.(**matcher.Error); ok {
		*t = &matcher.Error{Code: matcher.ECONFLICT, Message: e.Error()}
		return true
	}
	return false
}

const conflictEvents = 20

// Apply commits s's state edits (settings edits are not state) to st as
// one mutation by actor, only if st is still at the fork's index;
// otherwise a *ConflictError listing the events since.
func (s *Scenario) Apply(ctx context.Context, st *store.Store, actor matcher.Actor) (matcher.Event, error) {
	conflict := func(now uint64) error {
		evs, err := st.Events(s.Seq, conflictEvents, nil)
		if err != nil {
			return err
		}
		return &ConflictError{Fork: s.Seq, Live: now, Events: evs}
	}
	if now := st.Seq(); now != s.Seq {
		return matcher.Event{}, conflict(now)
	}
	var raced bool
	ev, err := st.Update(ctx, actor.String(), "scenario.apply", s.roots(), func(tx *store.Tx) error {
		if tx.Seq() != s.Seq+1 {
			raced = true
			return matcher.Errorf(matcher.ECONFLICT, "changed")
		}
		set := s.Base
		for i := range s.Edits {
			if err := applyEdit(tx, i, &s.Edits[i], &set); err != nil {
				return err
			}
		}
		return nil
	})
	if raced {
		return matcher.Event{}, conflict(st.Seq())
	}
	return ev, err
}

// Manager keeps scenarios by id. It is safe for concurrent use.
type Manager struct {
	// MaxPerOwner bounds the scenarios one owner (an actor: an admin, or
	// the coordinator of one alliance, however many tokens it has) keeps.
	MaxPerOwner int
	// MaxScenarios bounds them all (the server's memory).
	MaxScenarios int
	MaxEdits     int
	Now          func() time.Time

	mu   sync.Mutex
	st   *store.Store // where the scenarios are kept (use)
	byID map[string]*Scenario
	raw  map[string][]byte // the stored bytes each of byID was loaded from or saved as (saved.go)
	gen  uint64            // counts m's writes to the store, and use's loads
	live *match.Sessions   // sessions of the live plans diffed, by meeting and settings
}

// liveCacheSize bounds the live plans (sessions) a Manager keeps for
// diffs: every meeting of a district (the generated one has 299), so that
// a district-scope scenario after the first is solved incrementally.
const liveCacheSize = 512

// pool returns the manager's sessions of live plans.
func (m *Manager) pool() *match.Sessions {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.live == nil {
		m.live = match.NewSessions(liveCacheSize)
	}
	return m.live
}

// livePlan returns the live plan of meeting under set at sn and its
// session. The session is kept (up to liveCacheSize, least recently used
// first out): the plan is solved again only where the store changed since
// its last run, and scenarios are solved as forks of it.
func (m *Manager) livePlan(ctx context.Context, sn store.Snapshot, meeting string, set match.Settings) (*match.Result, *match.Session, error) {
	sess := m.pool().Get(meeting, set)
	res, err := sess.Run(ctx, sn.Reader, sn.Vocab)
	if err != nil {
		return nil, nil, err
	}
	return res, sess, nil
}

// NewManager returns a manager with the default bounds.
func NewManager() *Manager {
	return &Manager{MaxPerOwner: DefaultMaxPerOwner, MaxScenarios: DefaultMaxScenarios, MaxEdits: DefaultMaxEdits, Now: time.Now, byID: map[string]*Scenario{}, raw: map[string][]byte{}}
}

// Create forks the live state of st, applies req's edits and keeps the
// scenario. The actor must be able to run the meeting (admins, its
// coordinators and those above) and see every unit the edits touch.
func (m *Manager) Create(ctx context.Context, st *store.Store, actor matcher.Actor, req Request) (*Scenario, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	sn := st.Snapshot()
	if err := checkScope(sn.Reader, actor, req); err != nil {
		return nil, err
	}
	if err := m.checkLen(req); err != nil {
		return nil, err
	}
	for i := range req.Edits {
		if err := editScope(sn.Reader, actor, i, &req.Edits[i]); err != nil {
			return nil, err
		}
	}
	if err := m.room(st, actor); err != nil {
		return nil, err
	}
	sc, err := Fork(sn, req)
	if err != nil {
		return nil, err
	}
	return m.keep(st, actor, sc)
}

// room refuses actor a new scenario when its quota (or the server's) is
// full: ECONFLICT, before any edit is applied. The quotas count what
// every replica made (sync).
func (m *Manager) room(st *store.Store, actor matcher.Actor) error {
	if err := m.use(st); err != nil {
		return err
	}
	if err := m.sync(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.full(actor)
}

// keep gives sc, made by actor, an id and keeps it, if the quota still
// has room for it.
func (m *Manager) keep(st *store.Store, actor matcher.Actor, sc *Scenario) (*Scenario, error) {
	sc.Owner, sc.Created = actor, m.Now().UTC()
	if err := m.use(st); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.full(actor); err != nil {
		return nil, err
	}
	id, err := st.NewScenarioID()
	if err != nil {
		return nil, err
	}
	sc.ID = id
	if err := m.saveLocked(sc); err != nil {
		return nil, err
	}
	m.byID[sc.ID] = sc
	return sc, nil
}

// checkLen refuses more edits than m keeps.
func (m *Manager) checkLen(req Request) error {
	if len(req.Edits) > m.MaxEdits {
		return matcher.FieldError("edits", "has %d edits; at most %d", len(req.Edits), m.MaxEdits)
	}
	return nil
}

// editScope refuses edit i (e) of a scenario actor plans at r: an id
// outside the caller's sight is answered as an absent one, a unit it sees
// but may not plan for is a 403, and so is a change of the members of an
// alliance whose meeting it may not run.
func editScope(r index.Reader, actor matcher.Actor, i int, e *Edit) error {
	for _, f := range e.refs() {
		if !visible(r, actor, f) {
			return missing(fmt.Sprintf("edits[%d].%s", i, f.field), singular(f.table), f.id)
		}
	}
	for _, u := range e.units(r) {
		if u != "" && r.UnitRaw(u) != nil && !matcher.CanSeeUnit(r, actor, u) {
			return matcher.NewError(matcher.EFORBIDDEN, fmt.Sprintf("edits[%d]", i), "%s may not plan for unit %q", actor, u)
		}
	}
	return membershipScope(r, actor, i, e)
}

// Check checks req for actor at st as Create does, and lists every problem
// rather than the first, keeping nothing: a scope actor may not plan is
// refused alone (err, as Create refuses it); then the settings, the name
// and note, the scope's alliances, the number of edits, and each edit:
// against actor's scope (editScope), then applied with the store's checks
// on a fork after the edits before it that applied. An edit that does not
// apply is left out of the fork, so that each later one is checked as if
// it were not there. The problems name edits[i] and the field (the first
// matcher.MaxProblems, and the count of the rest).
func (m *Manager) Check(ctx context.Context, st *store.Store, actor matcher.Actor, req Request) (matcher.Problems, error) {
	p, _, err := m.check(ctx, st.Snapshot(), actor, req)
	return p, err
}

// check is Check at the snapshot sn; when there is no problem, it also
// returns the scenario its fork made (no id, no owner yet): what Fork
// makes of req, the edits applied once.
func (m *Manager) check(ctx context.Context, sn store.Snapshot, actor matcher.Actor, req Request) (matcher.Problems, *Scenario, error) {
	var p matcher.Problems
	if err := ctx.Err(); err != nil {
		return p, nil, err
	}
	if err := checkScope(sn.Reader, actor, req); err != nil {
		return p, nil, err
	}
	set := req.settings()
	p.AddErr("", set.Validate())
	p.AddErr("", checkWords(req))
	meetings, err := meetingsOf(sn.Reader, req)
	if err != nil {
		p.AddErr("", err)
	}
	if err := m.checkLen(req); err != nil {
		p.AddErr("", err)
		return p, nil, nil
	}
	db := sn.Fork()
	edits := slices.Clone(req.Edits)
	base := set
	for i := range edits {
		if err := ctx.Err(); err != nil {
			return p, nil, err
		}
		if err := editScope(sn.Reader, actor, i, &edits[i]); err != nil {
			p.AddErr("", err)
			continue
		}
		tx := sn.ForkTx(db)
		if err := applyChecked(tx, i, &edits[i], &set); err != nil {
			tx.Finish(true)
			p.AddErr("", err)
			continue
		}
		if _, err := tx.Finish(false); err != nil {
			return p, nil, err
		}
	}
	if len(p.List) > 0 || p.More > 0 {
		return p, nil, nil
	}
	sc := &Scenario{Name: req.Name, Note: req.Note, Meeting: req.Meeting, Scope: slices.Clone(req.Scope), Meetings: meetings,
		Seq: sn.Seq, Base: base, Settings: set, Edits: edits, vocab: sn.Vocab, db: db}
	sc.Touched = sc.touched(sn.Reader)
	return p, sc, nil
}

// visible reports whether actor may plan with the record f names; a
// record that does not exist is the edit's own business (applyEdit says
// "no unit", or the edit creates it).
func visible(r index.Reader, actor matcher.Actor, f ref) bool {
	switch f.table {
	case index.TableUnits:
		return r.UnitRaw(f.id) == nil || matcher.CanSeeUnit(r, actor, f.id)
	case index.TableItems:
		it, err := r.Item(f.id)
		return err != nil || matcher.CanSeeItem(r, actor, it)
	case index.TableProjects:
		p, err := r.Project(f.id)
		return err != nil || matcher.CanSeeUnit(r, actor, p.Unit)
	case index.TableAlliances:
		_, err := r.Alliance(f.id)
		return err != nil || matcher.CanSeeAlliance(r, actor, f.id)
	}
	return true
}

func singular(table string) matcher.Noun {
	return matcher.Noun(strings.TrimSuffix(strings.TrimSuffix(table, "s"), "ie"))
}

// membershipScope refuses edit i (e) when it changes the members of an
// alliance whose meeting actor may not run: a coordinator plans and applies
// membership only within its own alliances.
func membershipScope(r index.Reader, actor matcher.Actor, i int, e *Edit) error {
	for _, a := range e.memberships() {
		if _, err := r.Alliance(a); err != nil {
			continue // the edit itself names the unknown alliance
		}
		if !matcher.CanRunMeeting(r, actor, a) {
			return matcher.NewError(matcher.EFORBIDDEN, fmt.Sprintf("edits[%d]", i), "%s may not change the members of alliance %q", actor, a)
		}
	}
	return nil
}

// full returns the error for a scenario owner may not add (its quota or
// the server's bound reached), nil if it may. m.mu is held.
func (m *Manager) full(owner matcher.Actor) error {
	n := 0
	for _, sc := range m.byID {
		if sc.Owner == owner {
			n++
		}
	}
	if n >= m.MaxPerOwner {
		return matcher.Errorf(matcher.ECONFLICT, "too many scenarios: %s keeps at most %d; delete one first", owner, m.MaxPerOwner)
	}
	if len(m.byID) >= m.MaxScenarios {
		return matcher.Errorf(matcher.ECONFLICT, "too many scenarios on this server (at most %d are kept); try again later", m.MaxScenarios)
	}
	return nil
}

// Get returns a copy of the scenario id if actor may see it (else
// ENOTFOUND), as actor sees it (see sight: someone other than its owner
// reads it within its own scope). Copies are taken under the manager's
// lock, so a caller may read one while another applies the scenario.
func (m *Manager) Get(r index.Reader, actor matcher.Actor, id string) (*Scenario, error) {
	sc, err := m.get(r, actor, id, false)
	if err != nil {
		return nil, err
	}
	return sightFor(r, actor, sc.Owner).record(sc), nil
}

// get is Get; write asks for the right to change the scenario (a shared
// scenario is read-only to those it is shared with).
func (m *Manager) get(r index.Reader, actor matcher.Actor, id string, write bool) (*Scenario, error) {
	if err := m.refresh(id); err != nil {
		return nil, err
	}
	m.mu.Lock()
	var sc *Scenario
	if cur := m.byID[id]; cur != nil {
		c := *cur
		sc = &c
	}
	m.mu.Unlock()
	switch a := access(r, actor, sc); {
	case a == noAccess:
		return nil, matcher.Errorf(matcher.ENOTFOUND, "scenario %q not found", id)
	case write && a == readAccess:
		return nil, matcher.Errorf(matcher.EFORBIDDEN, "scenario %q is shared with %s to read; only its owner and the coordinators of its scope change it", id, actor)
	}
	return sc, nil
}

// List returns copies of the scenarios actor may see, by id, as actor
// sees them (see sight), after reading the stored ones again (sync).
func (m *Manager) List(r index.Reader, actor matcher.Actor) ([]*Scenario, error) {
	if err := m.sync(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	all := make([]*Scenario, 0, len(m.byID))
	for _, sc := range m.byID {
		c := *sc
		all = append(all, &c)
	}
	m.mu.Unlock()
	out := all[:0]
	for _, sc := range all {
		if access(r, actor, sc) != noAccess {
			out = append(out, sightFor(r, actor, sc.Owner).record(sc))
		}
	}
	slices.SortFunc(out, func(a, b *Scenario) int {
		if len(a.ID) != len(b.ID) {
			return len(a.ID) - len(b.ID)
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// Delete drops the scenario id, from the store too.
func (m *Manager) Delete(r index.Reader, actor matcher.Actor, id string) error {
	if _, err := m.get(r, actor, id, true); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.st != nil {
		if err := m.st.DeleteScenario(id); err != nil {
			return err
		}
		m.gen++
	}
	delete(m.byID, id)
	delete(m.raw, id)
	return nil
}

// Len is the number of scenarios kept.
func (m *Manager) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.byID)
}

// Diff compares scenario id with the live plan of st, as actor sees it
// (see sight).
func (m *Manager) Diff(ctx context.Context, st *store.Store, actor matcher.Actor, id string) (*Diff, error) {
	_, d, err := m.GetDiff(ctx, st, actor, id)
	return d, err
}

// GetDiff is Get and Diff of scenario id at once (one read of it): the
// scenario as actor sees it, and its diff with the live plan.
func (m *Manager) GetDiff(ctx context.Context, st *store.Store, actor matcher.Actor, id string) (*Scenario, *Diff, error) {
	if err := m.use(st); err != nil {
		return nil, nil, err
	}
	sn := st.Snapshot()
	sc, err := m.get(sn.Reader, actor, id, false)
	if err != nil {
		return nil, nil, err
	}
	sg := sightFor(sn.Reader, actor, sc.Owner)
	seen := sg.record(sc)
	if sc.db == nil {
		return seen, nil, matcher.Errorf(matcher.ECONFLICT, "scenario %q no longer applies to the live state (%s): make it anew", id, sc.Broken)
	}
	if len(sc.Scope) > 0 {
		d, err := sc.diffScope(ctx, sn, m.pool(), sg)
		return seen, d, err
	}
	live, sess, err := m.livePlan(ctx, sn, sc.Meeting, sc.Base)
	if err != nil {
		return seen, nil, err
	}
	d, err := sc.diffWith(ctx, live, sess, sg)
	return seen, d, err
}

// Apply commits scenario id's edits to st if the live state is still the
// fork's (else a *ConflictError, code ECONFLICT, with the events since).
// The actor must be able to write every unit the edits touch.
func (m *Manager) Apply(ctx context.Context, st *store.Store, actor matcher.Actor, id string) (matcher.Event, error) {
	if err := m.use(st); err != nil {
		return matcher.Event{}, err
	}
	sn := st.Snapshot()
	sc, err := m.get(sn.Reader, actor, id, true)
	if err != nil {
		return matcher.Event{}, err
	}
	for i := range sc.Edits {
		e := &sc.Edits[i]
		if e.changesMembership(sn.Reader) {
			if !actor.Privileged() && actor.Role != matcher.RoleCoordinator {
				return matcher.Event{}, matcher.NewError(matcher.EFORBIDDEN, fmt.Sprintf("edits[%d]", i), "only coordinators and admins change membership")
			}
		}
		if err := membershipScope(sn.Reader, actor, i, e); err != nil {
			return matcher.Event{}, err
		}
		for _, u := range e.units(sn.Reader) {
			if sn.UnitRaw(u) != nil && !matcher.CanWriteUnit(sn.Reader, actor, u) {
				return matcher.Event{}, matcher.NewError(matcher.EFORBIDDEN, fmt.Sprintf("edits[%d]", i), "%s may not change unit %q", actor, u)
			}
		}
	}
	ev, err := sc.Apply(ctx, st, actor)
	if err == nil {
		m.mu.Lock()
		if cur := m.byID[id]; cur != nil {
			cur.Applied = ev.Seq
			err = m.saveLocked(cur)
		}
		m.mu.Unlock()
	}
	return ev, err
}
