package service

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
	"github.com/allymatch/allymatch/matcher/match"
	"github.com/allymatch/allymatch/matcher/store"
)

// Escalation moves a meeting's unmet demands one level up, to the street
// or district meeting above, which then matches them across all the
// alliances below it; ReturnItem brings one back. The rules:
//
//   - An unmet demand of a meeting is an open demand of a unit in its
//     scope, sitting at its level, with quantity left after the claims
//     that hold it, and no claim on it waiting for an answer (unmet).
//   - A project moves whole or not at all: its slots at the meeting's
//     level (whatever their status, met ones with their claims too) move
//     together, when none has a claim waiting for an answer, the project
//     is not done or dropped, and at least one open slot is unmet
//     (projectSlots). Naming any of its slots names the project. A slot
//     met in full moves along: the project's claims keep holding it, and
//     the meeting above counts it as filled.
//   - The meeting names what goes up (EscalateItems), or leaves it to the
//     implicit run (Escalate), which moves only what the meeting's
//     matcher has seen: a demand unchanged since the meeting's last
//     proposal run (Item.Rev at most index.Reader.LastRun), a project
//     only if all of its slots that would move are. The others are held
//     back and listed with why (Held).

// Held reasons: why an implicit escalation left an unmet demand where it
// is.
const (
	// HeldUnseen: the demand was added or changed after the meeting's last
	// proposal run, or the meeting has none stored: propose again, or name
	// it.
	HeldUnseen = "not_in_last_run"
	// HeldProject: its project cannot move whole (a slot with a claim
	// waiting for an answer, a project done or dropped); Detail says
	// which. A project with a slot not seen is held as HeldUnseen.
	HeldProject = "project_not_whole"
)

// Escalated lists the demands an escalation moved up.
type Escalated struct {
	From     matcher.Level `json:"from"`
	To       matcher.Level `json:"to"`
	Items    []string      `json:"items"`              // the demands moved, sorted
	Projects []string      `json:"projects,omitempty"` // the projects whose slots moved, whole, sorted
	// Run is the meeting's last proposal run (a store index) that the
	// implicit escalation went by; 0 when it has none (or the items were
	// named).
	Run  uint64 `json:"run,omitempty"`
	Held []Held `json:"held,omitempty"` // unmet demands the implicit run held back, by id
}

// Held is an unmet demand an implicit escalation held back.
type Held struct {
	Item   string `json:"item"`
	Reason string `json:"reason"` // HeldUnseen or HeldProject
	Detail string `json:"detail"`
}

// escalation is one escalation of a meeting in its store mutation.
type escalation struct {
	r     index.Reader  // the state it reads (the mutation's, or a snapshot's)
	tx    *store.Tx     // nil: a read-only look (Escalable)
	level matcher.Level // the meeting's
	scope *match.Scope
	out   *Escalated
	move  map[string]*matcher.Item // the items to move, by id
	// projects are the projects decided so far: nil when one may move.
	projects map[string]error
}

// begin checks that actor may run the meeting of alliance and that it has
// a level above.
func (s *Service) beginEscalation(r index.Reader, actor matcher.Actor, alliance string) (*escalation, error) {
	a, err := r.Alliance(alliance)
	if err != nil || !matcher.CanRunMeeting(r, actor, alliance) {
		return nil, notFound("meeting", alliance)
	}
	up, ok := a.Level.Up()
	if !ok {
		return nil, matcher.Errorf(matcher.ECONFLICT, "%s is a district meeting: there is no level above it", alliance)
	}
	scope, err := match.ResolveScope(r, alliance)
	if err != nil {
		return nil, err
	}
	return &escalation{r: r, level: a.Level, scope: scope, move: map[string]*matcher.Item{}, projects: map[string]error{},
		out: &Escalated{From: a.Level, To: up, Items: []string{}}}, nil
}

// waitingOn returns a claim on it that waits for an answer, or nil.
func waitingOn(r index.Reader, it *matcher.Item) *matcher.Claim {
	for c := range r.ClaimsOnItemWith(it, matcher.ClaimProposed) {
		return c
	}
	return nil
}

// unmet returns nil when demand it is an unmet demand of the meeting
// (see Escalation), else why not (ECONFLICT; EINVALID for a resource).
// it is in the meeting's scope.
func (e *escalation) unmet(it *matcher.Item) error {
	switch {
	case it.Kind != matcher.Demand:
		return matcher.Errorf(matcher.EINVALID, "%s is a resource; only demands go up", it.ID)
	case it.Level != e.level:
		return matcher.Errorf(matcher.ECONFLICT, "%s sits at %s level; this meeting moves %s demands up", it.ID, it.Level, e.level)
	case it.Status != matcher.ItemOpen:
		return matcher.Errorf(matcher.ECONFLICT, "%s is %s; only an open demand goes up", it.ID, it.Status)
	}
	if c := waitingOn(e.r, it); c != nil {
		return matcher.Errorf(matcher.ECONFLICT, "claim %s on %s waits for an answer: answer it, or let the next proposal run replace it, first", c.ID, it.ID)
	}
	if held := e.r.Held(it); held >= it.Quantity {
		return matcher.Errorf(matcher.ECONFLICT, "%s is met in full (%d of %d)", it.ID, held, it.Quantity)
	}
	return nil
}

// projectSlots returns the slots of project that move with it (those at
// the meeting's level), or why the project cannot move whole (ECONFLICT).
func (e *escalation) projectSlots(project string) ([]*matcher.Item, error) {
	p, err := e.r.Project(project)
	if err != nil {
		return nil, err
	}
	if p.Status == matcher.ProjectDone || p.Status == matcher.ProjectDropped {
		return nil, matcher.Errorf(matcher.ECONFLICT, "project %s is %s: its slots are not matched", project, p.Status)
	}
	var slots []*matcher.Item
	unmet := false
	for sl := range e.r.Slots(project) {
		if sl.Level != e.level {
			continue
		}
		if c := waitingOn(e.r, sl); c != nil {
			return nil, matcher.Errorf(matcher.ECONFLICT, "slot %s of project %s has claim %s waiting for an answer, and a project moves whole: answer it, or let the next proposal run replace it, first", sl.ID, project, c.ID)
		}
		slots = append(slots, sl)
		unmet = unmet || e.unmet(sl) == nil
	}
	if !unmet {
		return nil, matcher.Errorf(matcher.ECONFLICT, "project %s has no unmet open slot at %s level", project, e.level)
	}
	return slots, nil
}

// decide returns the items that move when demand it is named (it, or its
// project's slots), or why it cannot move (ECONFLICT; EINVALID for a
// resource). it is in the meeting's scope.
func (e *escalation) decide(it *matcher.Item) ([]*matcher.Item, error) {
	if it.Project == "" || it.Level != e.level {
		if err := e.unmet(it); err != nil {
			return nil, err
		}
		return []*matcher.Item{it}, nil
	}
	// A slot names its project: the project's state decides, once.
	if err, seen := e.projects[it.Project]; seen && err != nil {
		return nil, err
	}
	slots, err := e.projectSlots(it.Project)
	e.projects[it.Project] = err
	return slots, err
}

// plan adds items to the move.
func (e *escalation) plan(items ...*matcher.Item) {
	for _, it := range items {
		e.move[it.ID] = it
	}
}

// apply moves the planned items up and fills out.Items and out.Projects;
// errNothing when nothing moves.
func (e *escalation) apply() error {
	if len(e.move) == 0 {
		return errNothing
	}
	ids := make([]string, 0, len(e.move))
	for id := range e.move {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		c := *e.move[id]
		c.Level = e.out.To
		if err := e.tx.PutItem(c); err != nil {
			return err
		}
		if c.Project != "" && !slices.Contains(e.out.Projects, c.Project) {
			e.out.Projects = append(e.out.Projects, c.Project)
		}
	}
	e.out.Items = ids
	slices.Sort(e.out.Projects)
	return nil
}

// Escalate moves the unmet demands that the meeting of alliance has seen
// one level up (see Escalation): every unmet demand of its scope unchanged
// since the meeting's last proposal run, and every project whose slots
// all are; the unmet demands it holds back are listed in Held. A meeting
// that never stored a proposal run moves nothing: propose first, or name
// the demands (EscalateItems). One audit event, "meeting.escalate", when
// anything moves.
//
// Errors: ENOTFOUND for a meeting the caller may not run; ECONFLICT for a
// district meeting.
func (s *Service) Escalate(ctx context.Context, actor matcher.Actor, alliance string) (*Escalated, error) {
	return s.escalate(ctx, actor, alliance, func(e *escalation) error {
		tx, out := e.tx, e.out
		run := tx.LastRun(alliance)
		out.Run = run
		unseen := func(it *matcher.Item) string {
			if run == 0 {
				return fmt.Sprintf("the meeting of %s has stored no proposal run: propose first, or name %s", alliance, it.ID)
			}
			return fmt.Sprintf("%s was added or changed (store index %d) after the meeting's last proposal run (%d): propose again, or name it", it.ID, it.Rev, run)
		}
		hold := func(it *matcher.Item, reason, detail string) {
			out.Held = append(out.Held, Held{Item: it.ID, Reason: reason, Detail: detail})
		}
		slotsOf := map[string][]*matcher.Item{} // project → its unmet slots
		for _, u := range e.scope.Units() {
			for it := range tx.ItemsOf(u) {
				if it.Kind != matcher.Demand || it.Level != e.level || e.unmet(it) != nil {
					continue
				}
				switch {
				case it.Project != "":
					slotsOf[it.Project] = append(slotsOf[it.Project], it)
				case it.Rev > run:
					hold(it, HeldUnseen, unseen(it))
				default:
					e.plan(it)
				}
			}
		}
		projects := make([]string, 0, len(slotsOf))
		for p := range slotsOf {
			projects = append(projects, p)
		}
		slices.Sort(projects)
		for _, p := range projects {
			reason, detail := HeldProject, ""
			slots, err := e.projectSlots(p)
			if err != nil {
				detail = matcher.ErrorMessage(err)
			}
			for _, sl := range slots {
				if sl.Rev > run {
					reason, detail = HeldUnseen, fmt.Sprintf("%s (project %s moves whole)", unseen(sl), p)
					break
				}
			}
			if detail == "" {
				e.plan(slots...)
				continue
			}
			for _, it := range slotsOf[p] {
				hold(it, reason, detail)
			}
		}
		slices.SortFunc(out.Held, func(a, b Held) int { return cmp.Compare(a.Item, b.Item) })
		return e.apply()
	})
}

// escalate runs fn on an escalation of the meeting of alliance in one store
// mutation (audit event "meeting.escalate"); an escalation that moves
// nothing writes nothing and answers its (empty) result.
func (s *Service) escalate(ctx context.Context, actor matcher.Actor, alliance string, fn func(e *escalation) error) (*Escalated, error) {
	var out *Escalated
	_, err := s.Store.Update(ctx, actor.String(), "meeting.escalate", []string{alliance}, func(tx *store.Tx) error {
		e, err := s.beginEscalation(tx.Reader, actor, alliance)
		if err != nil {
			return err
		}
		e.tx, out = tx, e.out
		return fn(e)
	})
	if err != nil && err != errNothing {
		return nil, err
	}
	return out, nil
}

// EscalateItems moves exactly the named demands of the meeting of
// alliance one level up, each of a project with its whole project (see
// Escalation), whether or not the meeting's matcher has seen them. All
// or nothing: every named item must be an unmet demand of the meeting,
// each problem is an error naming items[i], and nothing moves unless all
// can. One audit event, "meeting.escalate".
//
// Errors: ENOTFOUND for a meeting the caller may not run, and naming
// items[i] for an item absent, outside the caller's scope or outside the
// meeting's (answered alike); EINVALID naming items (none named, or too
// many) or items[i] (named twice, a resource); ECONFLICT naming items[i]
// for a demand at another level, paused or closed, met in full, with a
// claim waiting for an answer, or of a project that cannot move whole;
// ECONFLICT for a district meeting. When several items are at fault, the
// problems of the first of these kinds found are all listed.
func (s *Service) EscalateItems(ctx context.Context, actor matcher.Actor, alliance string, items []string) (*Escalated, error) {
	return s.escalate(ctx, actor, alliance, func(e *escalation) error {
		tx := e.tx
		switch {
		case len(items) == 0:
			return matcher.FieldError("items", "name at least one demand, or send no body to move every unmet demand the meeting has seen")
		case len(items) > matcher.MaxListLen:
			return matcher.FieldError("items", "names more than %d demands", matcher.MaxListLen)
		}
		// Problems by kind, in the order they are answered: the shape of
		// the list, then ids the caller may not use (so that a stranger
		// learns nothing else), then the items themselves, then their
		// state.
		var shape, absent, kind, state matcher.Problems
		first := map[string]int{}
		found := make([]*matcher.Item, len(items))
		for i, id := range items {
			field := fieldIndex("items", i)
			if j, dup := first[id]; dup {
				shape.Add(field, "%q is named twice (also items[%d])", id, j)
				continue
			}
			first[id] = i
			it, err := tx.Item(id)
			if err != nil || !e.scope.HasUnit(it.Unit) || !matcher.CanSeeItem(tx.Reader, actor, it) {
				absent.List = append(absent.List, matcher.NewError(matcher.ENOTFOUND, field, "no demand %q in the meeting of %s", id, alliance))
				continue
			}
			found[i] = it
		}
		if err := firstErr(shape.Err(), absent.Err()); err != nil {
			return err
		}
		for i, it := range found {
			field := fieldIndex("items", i)
			move, err := e.decide(it)
			if err == nil {
				e.plan(move...)
				continue
			}
			p := &state
			if matcher.ErrorCode(err) == matcher.EINVALID {
				p = &kind
			}
			p.List = append(p.List, matcher.WithField(err, field))
		}
		if err := firstErr(kind.Err(), state.Err()); err != nil {
			return err
		}
		return e.apply()
	})
}

// Escalable tells, for each demand id of the meeting of alliance, whether
// the meeting may send it up now (nil; a slot goes with its whole
// project), or why not, as EscalateItems would answer: for the desk's
// ticks. An id not in the meeting's scope (or not the caller's to see)
// answers ENOTFOUND.
//
// Errors: ENOTFOUND for a meeting the caller may not run; ECONFLICT for a
// district meeting.
func (s *Service) Escalable(actor matcher.Actor, alliance string, ids []string) (map[string]error, error) {
	r := s.Store.Snapshot().Reader
	e, err := s.beginEscalation(r, actor, alliance)
	if err != nil {
		return nil, err
	}
	out := make(map[string]error, len(ids))
	for _, id := range ids {
		it, err := r.Item(id)
		if err != nil || !e.scope.HasUnit(it.Unit) || !matcher.CanSeeItem(r, actor, it) {
			out[id] = matcher.Errorf(matcher.ENOTFOUND, "no demand %q in the meeting of %s", id, alliance)
			continue
		}
		_, out[id] = e.decide(it)
	}
	return out, nil
}

// firstErr returns the first error that is not nil.
func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// Returned lists the demands ReturnItem brought back.
type Returned struct {
	From    matcher.Level `json:"from"`
	To      matcher.Level `json:"to"`
	Items   []string      `json:"items"`             // the demands moved down, sorted
	Project string        `json:"project,omitempty"` // the project returned whole
}

// ReturnItem brings demand id, escalated to the meeting above, back one
// level down, to the meeting below it that holds its unit; a project slot
// brings its whole project back (its slots at the demand's level). It may
// until a meeting at the demand's level (the upper meeting) has a live
// claim on it, or on a slot of its project: proposed, confirmed or
// fulfilled (claims by hand without a meeting do not count, nor claims
// made below before it went up, which keep holding). The caller must be
// able to run a meeting it returns to. One audit event, "item.return",
// naming the meetings below and above.
//
// Errors: ENOTFOUND for an item the caller may not see; EFORBIDDEN for a
// unit, and for a coordinator who may run no meeting it could return to
// (one below it); EINVALID naming id for a resource; ECONFLICT
// naming id for a demand at the community level, one whose unit no
// meeting below holds, or one the upper meeting has a claim on.
func (s *Service) ReturnItem(ctx context.Context, actor matcher.Actor, id string) (*Returned, error) {
	var out *Returned
	sn := s.Store.Snapshot()
	var alliances []string
	if it, err := sn.Item(id); err == nil {
		alliances = meetingsHolding(sn.Reader, it.Unit, it.Level)
		if down, ok := levelBelow(it.Level); ok {
			alliances = append(alliances, meetingsHolding(sn.Reader, it.Unit, down)...)
		}
		slices.Sort(alliances)
		alliances = slices.Compact(alliances)
	}
	_, err := s.Store.Update(ctx, actor.String(), "item.return", alliances, func(tx *store.Tx) error {
		it, err := tx.Item(id)
		if err != nil || !matcher.CanSeeItem(tx.Reader, actor, it) {
			return notFound("item", id)
		}
		if actor.Role == matcher.RoleUnit {
			return matcher.Errorf(matcher.EFORBIDDEN, "the meeting brings a demand back: a coordinator of the meeting it returns to")
		}
		if it.Kind != matcher.Demand {
			return matcher.FieldError("id", "%s is a resource; only demands go up and come back", id)
		}
		down, ok := levelBelow(it.Level)
		if !ok {
			return matcher.NewError(matcher.ECONFLICT, "id", "%s sits at %s level: there is no meeting below", id, it.Level)
		}
		below := meetingsHolding(tx.Reader, it.Unit, down)
		if len(below) == 0 {
			return matcher.NewError(matcher.ECONFLICT, "id", "no %s meeting holds unit %s of %s", down, it.Unit, id)
		}
		if !slices.ContainsFunc(below, func(m string) bool { return matcher.CanRunMeeting(tx.Reader, actor, m) }) {
			return matcher.Errorf(matcher.EFORBIDDEN, "a coordinator of the %s meeting it returns to (%s) brings %s back", down, below[0], id)
		}
		group := []*matcher.Item{it}
		if it.Project != "" {
			group = nil
			for sl := range tx.Slots(it.Project) {
				if sl.Level == it.Level {
					group = append(group, sl)
				}
			}
		}
		for _, g := range group {
			if c := upperClaim(tx.Reader, g); c != nil {
				return matcher.NewError(matcher.ECONFLICT, "id",
					"the %s meeting %s has claim %s (%s) on %s: it stays at %s level", it.Level, c.Meeting, c.ID, c.Status, g.ID, it.Level)
			}
		}
		out = &Returned{From: it.Level, To: down, Project: it.Project, Items: []string{}}
		for _, g := range group {
			c := *g
			c.Level = down
			if err := tx.PutItem(c); err != nil {
				return err
			}
			out.Items = append(out.Items, g.ID)
		}
		slices.Sort(out.Items)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// levelBelow returns the level one down, false at the community level.
func levelBelow(l matcher.Level) (matcher.Level, bool) {
	if r := l.Rank(); r > 0 {
		return matcher.Levels[r-1], true
	}
	return "", false
}

// meetingsHolding returns the sorted alliances at level whose meetings
// hold unit: the alliances of unit and those above them, at that level.
func meetingsHolding(r index.Reader, unit string, level matcher.Level) []string {
	var out []string
	for al := range r.AlliancesOf(unit) {
		for cur, hops := al, 0; cur != nil && hops <= len(matcher.Levels); hops++ {
			if cur.Level == level {
				out = append(out, cur.ID)
				break
			}
			if cur.Parent == "" || cur.Level.Rank() > level.Rank() {
				break
			}
			cur, _ = r.Alliance(cur.Parent)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// upperClaim returns a live claim on demand it (proposed, confirmed or
// fulfilled) made by a meeting at its level or above, or nil.
func upperClaim(r index.Reader, it *matcher.Item) *matcher.Claim {
	for c := range r.ClaimsOnDemand(it.ID) {
		if c.Meeting == "" || c.Status != matcher.ClaimProposed && !c.Status.Holds() {
			continue
		}
		if m, err := r.Alliance(c.Meeting); err == nil && m.Level.Rank() >= it.Level.Rank() {
			return c
		}
	}
	return nil
}
