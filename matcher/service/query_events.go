package service

import (
	"strings"

	"github.com/allymatch/allymatch/matcher"
)

// EventQuery asks for a page of a meeting's audit log, newest first.
type EventQuery struct {
	Text   string // in the actor, the action and the ids of the records changed
	Action string // the action or its group ("claim" for claim.accept, claim.reject, ...)
	Before uint64 // the seq to page before (0: from the newest)
	Limit  int    // 0: DefaultPageSize
}

// EventPage is one page of an audit log, newest first.
type EventPage struct {
	Events []matcher.Event `json:"events"`
	Next   uint64          `json:"next,omitempty"` // Before of the next page; 0: none
}

// eventScan bounds the events one page reads: a filter that keeps few
// events gives a short page with a Next, not a read of the whole log.
const eventScan = 5000

// MeetingEvents returns a page of the audit events of the meeting of
// alliance (those naming its alliance or one below it, and those of its
// units and coordinators) that the caller may see, newest first. A read:
// no audit event.
//
// Errors: ENOTFOUND for a meeting the caller may not run.
func (s *Service) MeetingEvents(actor matcher.Actor, alliance string, q EventQuery) (*EventPage, error) {
	sn, err := s.meeting(actor, alliance)
	if err != nil {
		return nil, err
	}
	_, limit := Page{Limit: q.Limit}.bounds()
	text := newTextQuery(q.Text)
	meeting := matcher.Coordinator(alliance)
	keep := func(ev *matcher.Event) bool {
		if q.Action != "" && ev.Action != q.Action && !strings.HasPrefix(ev.Action, q.Action+".") {
			return false
		}
		if !matcher.CanSeeEvent(sn.Reader, actor, ev) || !matcher.CanSeeEvent(sn.Reader, meeting, ev) {
			return false
		}
		if len(text) > 0 {
			texts := []string{ev.Actor, ev.Action}
			if who, ok := matcher.ParseActor(ev.Actor); ok && who.Role == matcher.RoleUnit {
				texts = append(texts, unitName(sn.Reader, who.ID))
			}
			for _, c := range ev.Changes {
				texts = append(texts, c.ID)
			}
			if !text.match(texts...) {
				return false
			}
		}
		return true
	}
	evs, next, err := s.Store.EventsBefore(q.Before, limit, eventScan, keep)
	if err != nil {
		return nil, err
	}
	return &EventPage{Events: evs, Next: next}, nil
}
