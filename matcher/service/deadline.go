package service

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
	"github.com/allymatch/allymatch/matcher/store"
)

// A meeting's answer deadline is stored on each of its claims that waits
// for an answer (matcher.Claim.AnswerBy), so that reminders find the
// claims due or overdue through the index (index.Reader.ClaimsDueBy)
// without knowing meetings. The meeting's deadline is the latest of its
// waiting claims' deadlines.

// MeetingDeadline returns the deadline of the meeting of alliance: the
// latest answer deadline of its claims waiting for an answer (zero: none
// has one).
func MeetingDeadline(r index.Reader, alliance string) time.Time {
	var due time.Time
	for c := range r.ClaimsOfMeetingWith(alliance, matcher.ClaimProposed) {
		if c.AnswerBy.After(due) {
			due = c.AnswerBy
		}
	}
	return due
}

// putAnswerBy gives each of claims the deadline due.
func putAnswerBy(tx *store.Tx, claims []*matcher.Claim, due, now time.Time) error {
	for _, c := range claims {
		n, err := c.SetAnswerBy(due, now)
		if err != nil {
			return err
		}
		if err := tx.PutClaim(n); err != nil {
			return err
		}
	}
	return nil
}

// Deadline is what SetDeadline set.
type Deadline struct {
	Meeting  string    `json:"meeting"`
	AnswerBy time.Time `json:"answer_by"`
	Claims   int       `json:"claims"` // the meeting's claims waiting for an answer, all now due by AnswerBy
}

// SetDeadline sets or moves the answer deadline of the meeting of
// alliance: every claim of the meeting that waits for an answer (status
// proposed) is due by answerBy, which must be after now and at most
// matcher.MaxAnswerAhead ahead. Setting the deadline a meeting has is no
// change (and no audit event); otherwise one event, "meeting.deadline".
// Proposals made later keep it (Propose).
//
// Errors: ENOTFOUND for a meeting the caller may not run; EINVALID naming
// answer_by; ECONFLICT when no claim of the meeting waits for an answer.
func (s *Service) SetDeadline(ctx context.Context, actor matcher.Actor, alliance string, answerBy time.Time) (*Deadline, error) {
	out := &Deadline{Meeting: alliance, AnswerBy: answerBy}
	_, err := s.Store.Update(ctx, actor.String(), "meeting.deadline", []string{alliance}, func(tx *store.Tx) error {
		if _, err := tx.Alliance(alliance); err != nil || !matcher.CanRunMeeting(tx.Reader, actor, alliance) {
			return notFound("meeting", alliance)
		}
		now := s.now()
		if err := matcher.CheckAnswerBy(answerBy, now); err != nil {
			return err
		}
		var waiting []*matcher.Claim // collected before any write (see Propose)
		for c := range tx.ClaimsOfMeetingWith(alliance, matcher.ClaimProposed) {
			waiting = append(waiting, c)
		}
		if len(waiting) == 0 {
			return matcher.Errorf(matcher.ECONFLICT, "no claim of the meeting of %s waits for an answer: propose first", alliance)
		}
		out.Claims = len(waiting)
		return putAnswerBy(tx, waiting, answerBy, now)
	})
	if err == store.ErrNoChange {
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// MeetingWaiting is who has not answered a meeting's claims.
type MeetingWaiting struct {
	Meeting string    `json:"meeting"`
	At      time.Time `json:"at"` // the time overdue is told at
	// AnswerBy is the meeting's deadline (MeetingDeadline; zero: none).
	AnswerBy time.Time     `json:"answer_by,omitzero"`
	Claims   int           `json:"claims"`  // claims waiting for at least one answer
	Overdue  int           `json:"overdue"` // of those, the ones past their deadline
	Units    []UnitWaiting `json:"units"`   // most overdue first, then the longest waiting
}

// UnitWaiting is one unit's share of a meeting's unanswered claims.
type UnitWaiting struct {
	Unit    string    `json:"unit"`
	Name    string    `json:"name"`
	Waiting int       `json:"waiting"` // claims waiting for this unit's answer
	Since   time.Time `json:"since"`   // when the oldest of them was made
	Overdue int       `json:"overdue"` // of them, past their deadline
	Due     time.Time `json:"due,omitzero"`
}

// MeetingWaiting returns, for the meeting of alliance, each unit that has
// claims of the meeting waiting for its answer: how many, since when (the
// oldest claim's creation), how many are overdue at now, and the earliest
// deadline (Due). Units with the most overdue claims come first, then
// those waited for longest, then by id. A read: no audit event.
//
// Errors: ENOTFOUND for a meeting the caller may not run.
func (s *Service) MeetingWaiting(actor matcher.Actor, alliance string) (*MeetingWaiting, error) {
	sn, err := s.meeting(actor, alliance)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := &MeetingWaiting{Meeting: alliance, At: now, Units: []UnitWaiting{}}
	byUnit := map[string]*UnitWaiting{}
	for c := range sn.ClaimsOfMeetingWith(alliance, matcher.ClaimProposed) {
		out.Claims++
		overdue := c.Overdue(now)
		if overdue {
			out.Overdue++
		}
		if c.AnswerBy.After(out.AnswerBy) {
			out.AnswerBy = c.AnswerBy
		}
		for _, side := range c.WaitsFor() {
			id := c.UnitOf(side)
			u := byUnit[id]
			if u == nil {
				u = &UnitWaiting{Unit: id, Since: c.Created}
				if rec := sn.UnitRaw(id); rec != nil {
					u.Name = rec.Name
				}
				byUnit[id] = u
			}
			u.Waiting++
			if c.Created.Before(u.Since) {
				u.Since = c.Created
			}
			if overdue {
				u.Overdue++
			}
			if !c.AnswerBy.IsZero() && (u.Due.IsZero() || c.AnswerBy.Before(u.Due)) {
				u.Due = c.AnswerBy
			}
		}
	}
	for _, u := range byUnit {
		out.Units = append(out.Units, *u)
	}
	slices.SortFunc(out.Units, func(a, b UnitWaiting) int {
		return cmp.Or(cmp.Compare(b.Overdue, a.Overdue), a.Since.Compare(b.Since), cmp.Compare(a.Unit, b.Unit))
	})
	return out, nil
}

// UnitQueue is what waits for one unit's answer.
type UnitQueue struct {
	Unit    string         `json:"unit"`
	At      time.Time      `json:"at"`      // the time overdue is told at
	Overdue int            `json:"overdue"` // claims past their deadline
	Items   []WaitingClaim `json:"items"`   // to answer first, first
}

// WaitingClaim is a claim that waits for a unit's answer.
type WaitingClaim struct {
	Claim   matcher.Claim `json:"claim"`
	Side    matcher.Side  `json:"side"` // the side the unit answers for
	Overdue bool          `json:"overdue"`
}

// UnitWaitingFor returns the claims that wait for unit's answer (proposed
// claims whose side of unit has not accepted them, made by any meeting or
// by hand), the one to answer first first: by deadline (overdue ones are
// the earliest; claims without a deadline last), then the oldest, then by
// id. The unit itself, a coordinator whose scope holds it, and the admin
// may ask. A read: no audit event.
//
// Errors: ENOTFOUND for a unit the caller may not see.
func (s *Service) UnitWaitingFor(actor matcher.Actor, unit string) (*UnitQueue, error) {
	sn := s.Store.Snapshot()
	if sn.UnitRaw(unit) == nil || !matcher.CanSeeUnit(sn.Reader, actor, unit) {
		return nil, notFound("unit", unit)
	}
	now := s.now()
	out := &UnitQueue{Unit: unit, At: now, Items: []WaitingClaim{}}
	for c := range sn.ClaimsWaitingFor(unit) {
		side := matcher.ResourceSide
		if c.DemandUnit == unit {
			side = matcher.DemandSide
		}
		w := WaitingClaim{Claim: *c, Side: side, Overdue: c.Overdue(now)}
		if w.Overdue {
			out.Overdue++
		}
		out.Items = append(out.Items, w)
	}
	slices.SortFunc(out.Items, func(a, b WaitingClaim) int {
		return cmp.Or(compareDue(a.Claim.AnswerBy, b.Claim.AnswerBy), a.Claim.Created.Compare(b.Claim.Created), cmp.Compare(a.Claim.ID, b.Claim.ID))
	})
	return out, nil
}

// compareDue orders deadlines, earliest first and none last.
func compareDue(a, b time.Time) int {
	switch {
	case a.IsZero() && b.IsZero():
		return 0
	case a.IsZero():
		return 1
	case b.IsZero():
		return -1
	}
	return a.Compare(b)
}
