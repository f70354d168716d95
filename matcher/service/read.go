package service

import (
	"cmp"
	"iter"
	"slices"
	"strings"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/match"
	"github.com/allymatch/allymatch/matcher/store"
)

// The records as a caller may read them: each read takes one snapshot and
// applies the access rules (matcher/access.go), so that the API asks the
// service rather than the store. A record the caller may not see is not
// found (ENOTFOUND), as an absent one. Lists are in id order.

// Alliance returns alliance id.
func (s *Service) Alliance(actor matcher.Actor, id string) (*matcher.Alliance, error) {
	return s.View(actor).Alliance(id)
}

// Alliances yields the alliances actor may see.
func (s *Service) Alliances(actor matcher.Actor) (iter.Seq[*matcher.Alliance], error) {
	r := s.Store.Snapshot().Reader
	return func(yield func(*matcher.Alliance) bool) {
		for a := range r.Alliances() {
			if matcher.CanSeeAlliance(r, actor, a.ID) && !yield(a) {
				return
			}
		}
	}, nil
}

// Unit returns unit id.
func (s *Service) Unit(actor matcher.Actor, id string) (*matcher.Unit, error) {
	return s.View(actor).Unit(id)
}

// Units yields the units actor may read: all for an admin, the units of
// its scope for a coordinator, its own and its alliances' for a unit.
func (s *Service) Units(actor matcher.Actor) (iter.Seq[*matcher.Unit], error) {
	r := s.Store.Snapshot().Reader
	var ids []string
	switch actor.Role {
	case matcher.RoleCoordinator:
		scope, err := match.ResolveScope(r, actor.ID)
		if err != nil {
			return nil, err
		}
		ids = scope.Units()
	case matcher.RoleUnit:
		ids = []string{actor.ID}
		for al := range r.AlliancesOf(actor.ID) {
			ids = append(ids, al.AllUnits()...)
		}
		slices.Sort(ids)
		ids = slices.Compact(ids)
	default:
		return r.Units(), nil
	}
	return func(yield func(*matcher.Unit) bool) {
		for _, id := range ids {
			if u, err := r.Unit(id); err == nil && !yield(u) {
				return
			}
		}
	}, nil
}

// Item returns item id.
func (s *Service) Item(actor matcher.Actor, id string) (*matcher.Item, error) {
	return s.View(actor).Item(id)
}

// ItemsOf yields the items of unit that actor may see.
func (s *Service) ItemsOf(actor matcher.Actor, unit string) (iter.Seq[*matcher.Item], error) {
	r := s.Store.Snapshot().Reader
	if !matcher.CanReadUnit(r, actor, unit) {
		return nil, notFound("unit", unit)
	}
	return func(yield func(*matcher.Item) bool) {
		for it := range r.ItemsOf(unit) {
			if matcher.CanSeeItem(r, actor, it) && !yield(it) {
				return
			}
		}
	}, nil
}

// Project returns project id.
func (s *Service) Project(actor matcher.Actor, id string) (*matcher.Project, error) {
	r := s.Store.Snapshot().Reader
	pr, err := r.Project(id)
	if err != nil || !matcher.CanReadUnit(r, actor, pr.Unit) {
		return nil, notFound("project", id)
	}
	return pr, nil
}

// ProjectsOf yields the projects of unit.
func (s *Service) ProjectsOf(actor matcher.Actor, unit string) (iter.Seq[*matcher.Project], error) {
	r := s.Store.Snapshot().Reader
	if !matcher.CanReadUnit(r, actor, unit) {
		return nil, notFound("unit", unit)
	}
	prs := slices.Collect(r.ProjectsOf(unit))
	slices.SortFunc(prs, func(a, b *matcher.Project) int { return cmp.Compare(a.ID, b.ID) })
	return slices.Values(prs), nil
}

// Claim returns claim id.
func (s *Service) Claim(actor matcher.Actor, id string) (*matcher.Claim, error) {
	return s.View(actor).Claim(id)
}

// ClaimFilter narrows a claim list: a meeting, a unit (either side), a
// status; "" is any.
type ClaimFilter struct {
	Meeting string
	Unit    string
	Status  matcher.ClaimStatus
}

// Claims yields the claims actor may see that pass f, read through the
// narrowest index f allows.
func (s *Service) Claims(actor matcher.Actor, f ClaimFilter) iter.Seq[*matcher.Claim] {
	r := s.Store.Snapshot().Reader
	var src iter.Seq[*matcher.Claim]
	switch {
	case f.Meeting != "" && f.Status != "":
		// A meeting's plan (status proposed) without walking its history.
		src = r.ClaimsOfMeetingWith(f.Meeting, f.Status)
	case f.Meeting != "":
		src = r.ClaimsOfMeeting(f.Meeting)
	case f.Unit != "":
		// Both sides, merged into id order.
		all := slices.Collect(r.ClaimsOfUnit(matcher.ResourceSide, f.Unit))
		all = slices.AppendSeq(all, r.ClaimsOfUnit(matcher.DemandSide, f.Unit))
		slices.SortFunc(all, func(a, b *matcher.Claim) int { return cmp.Compare(a.ID, b.ID) })
		src = slices.Values(all)
	case f.Status != "":
		src = r.ClaimsByStatus(f.Status)
	default:
		src = r.Claims()
	}
	return func(yield func(*matcher.Claim) bool) {
		for c := range src {
			if (f.Meeting == "" || c.Meeting == f.Meeting) &&
				(f.Unit == "" || c.ResourceUnit == f.Unit || c.DemandUnit == f.Unit) &&
				(f.Status == "" || c.Status == f.Status) &&
				matcher.CanSeeClaim(r, actor, c) && !yield(c) {
				return
			}
		}
	}
}

// Events returns up to limit audit events after seq since that actor may
// see, oldest first.
func (s *Service) Events(actor matcher.Actor, since uint64, limit int) ([]matcher.Event, error) {
	r := s.Store.Snapshot().Reader
	return s.Store.Events(since, limit, func(ev *matcher.Event) bool { return matcher.CanSeeEvent(r, actor, ev) })
}

// Transfer returns transfer id when actor may see one of its accounts.
func (s *Service) Transfer(actor matcher.Actor, id string) (*matcher.Transfer, error) {
	r := s.Store.Snapshot().Reader
	if t, err := r.Transfer(id); err == nil {
		from, e1 := r.Account(t.From)
		to, e2 := r.Account(t.To)
		if e1 == nil && e2 == nil && (matcher.CanSeeAccount(r, actor, from) || matcher.CanSeeAccount(r, actor, to)) {
			return t, nil
		}
	}
	return nil, notFound("transfer", id)
}

// Meeting returns alliance id, whose meeting actor may run or read, and
// the snapshot it was read in (ENOTFOUND for one it may not run).
func (s *Service) Meeting(actor matcher.Actor, id string) (*matcher.Alliance, store.Snapshot, error) {
	v := s.View(actor)
	al, err := v.Meeting(id)
	return al, v.sn, err
}

// meeting is Meeting for the service's own reads.
func (s *Service) meeting(actor matcher.Actor, alliance string) (store.Snapshot, error) {
	_, sn, err := s.Meeting(actor, alliance)
	return sn, err
}

// meetingScope is meeting with the meeting's scope.
func (s *Service) meetingScope(actor matcher.Actor, alliance string) (store.Snapshot, *match.Scope, error) {
	sn, err := s.meeting(actor, alliance)
	if err != nil {
		return sn, nil, err
	}
	scope, err := match.ResolveScope(sn.Reader, alliance)
	return sn, scope, err
}

// WritableUnit returns unit id, whose record, items and projects actor
// may change, and the snapshot it was read in (ENOTFOUND otherwise).
func (s *Service) WritableUnit(actor matcher.Actor, id string) (*matcher.Unit, store.Snapshot, error) {
	sn := s.Store.Snapshot()
	u, err := sn.Unit(id)
	if err != nil || !matcher.CanWriteUnit(sn.Reader, actor, id) {
		return nil, sn, notFound("unit", id)
	}
	return u, sn, nil
}

// WritableItem returns item id of a unit whose lists actor may change,
// its unit, and the snapshot they were read in (ENOTFOUND otherwise).
func (s *Service) WritableItem(actor matcher.Actor, id string) (*matcher.Item, *matcher.Unit, store.Snapshot, error) {
	sn := s.Store.Snapshot()
	it, err := sn.Item(id)
	if err != nil || !matcher.CanSeeItem(sn.Reader, actor, it) || !matcher.CanWriteUnit(sn.Reader, actor, it.Unit) {
		return nil, nil, sn, notFound("item", id)
	}
	u, err := sn.Unit(it.Unit)
	if err != nil {
		return nil, nil, sn, notFound("item", id)
	}
	return it, u, sn, nil
}

// WritableProject returns project id of a unit whose lists actor may
// change, its unit, and the snapshot they were read in (ENOTFOUND
// otherwise).
func (s *Service) WritableProject(actor matcher.Actor, id string) (*matcher.Project, *matcher.Unit, store.Snapshot, error) {
	sn := s.Store.Snapshot()
	pr, err := sn.Project(id)
	if err != nil || !matcher.CanWriteUnit(sn.Reader, actor, pr.Unit) {
		return nil, nil, sn, notFound("project", id)
	}
	u, err := sn.Unit(pr.Unit)
	if err != nil {
		return nil, nil, sn, notFound("project", id)
	}
	return pr, u, sn, nil
}

// MeetingQuery narrows the meetings listed: a level, and text found
// (case-folded) in the alliance's name or id; "" is any.
type MeetingQuery struct {
	Level matcher.Level
	Text  string
}

// Meetings returns the alliances whose meeting actor may run that pass q,
// in id order.
func (s *Service) Meetings(actor matcher.Actor, q MeetingQuery) []*matcher.Alliance {
	r := s.Store.Snapshot().Reader
	text := strings.ToLower(q.Text)
	var out []*matcher.Alliance
	for al := range r.Alliances() {
		if !matcher.CanRunMeeting(r, actor, al.ID) || q.Level != "" && al.Level != q.Level {
			continue
		}
		if text != "" && !strings.Contains(strings.ToLower(al.Name), text) && !strings.Contains(strings.ToLower(al.ID), text) {
			continue
		}
		out = append(out, al)
	}
	return out
}

// ActorName is what actor is called: its unit's or its alliance's name,
// "" for an admin or the system, and its id when the record is gone.
func (s *Service) ActorName(actor matcher.Actor) string {
	switch actor.Role {
	case matcher.RoleUnit:
		return s.View(actor).UnitName(actor.ID)
	case matcher.RoleCoordinator:
		return s.View(actor).AllianceName(actor.ID)
	case matcher.RoleAdmin, matcher.RoleSystem:
		return ""
	}
	return actor.ID
}
