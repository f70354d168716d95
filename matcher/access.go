package matcher

import (
	"iter"
	"slices"
)

// The access rules: who may see and change what. They read the alliance
// tree and the units through a Directory (index.Reader is one), so that
// every package that checks a caller (service, scenario, notify, the API)
// asks the same functions, beside the types they are about. An id the
// caller may not see is answered as an absent one by the callers.

// Directory is what the access rules read of the state.
type Directory interface {
	Alliance(id string) (*Alliance, error)
	AlliancesOf(unit string) iter.Seq[*Alliance]
	UnitRaw(id string) *Unit
}

// Within reports whether alliance is ancestor or lies below it.
func Within[D Directory](r D, ancestor, alliance string) bool {
	for id, hops := alliance, 0; id != "" && hops <= len(Levels); hops++ {
		if id == ancestor {
			return true
		}
		a, err := r.Alliance(id)
		if err != nil {
			return false
		}
		id = a.Parent
	}
	return false
}

// CanRunMeeting reports whether a may run or read the meeting of alliance.
func CanRunMeeting[D Directory](r D, a Actor, alliance string) bool {
	switch a.Role {
	case RoleAdmin, RoleSystem:
		return true
	case RoleCoordinator:
		return Within(r, a.ID, alliance)
	}
	return false
}

// CanSeeUnit reports whether a may read unit's data: its own unit, a unit
// in a coordinator's scope, anything for admin.
func CanSeeUnit[D Directory](r D, a Actor, unit string) bool {
	switch a.Role {
	case RoleAdmin, RoleSystem:
		return true
	case RoleUnit:
		return a.ID == unit
	case RoleCoordinator:
		for al := range r.AlliancesOf(unit) {
			if Within(r, a.ID, al.ID) {
				return true
			}
		}
	}
	return false
}

// CanWriteUnit reports whether a may change unit's own data (its record,
// items and projects): the unit itself, a coordinator over it, an admin.
func CanWriteUnit[D Directory](r D, a Actor, unit string) bool {
	return CanSeeUnit(r, a, unit)
}

// CanReadUnit reports whether a may read unit's record, items and
// projects: as CanSeeUnit, and a unit may also read the units it shares an
// alliance with.
func CanReadUnit[D Directory](r D, a Actor, unit string) bool {
	if CanSeeUnit(r, a, unit) {
		return true
	}
	if a.Role != RoleUnit || r.UnitRaw(unit) == nil {
		return false
	}
	for al := range r.AlliancesOf(a.ID) {
		if al.Lead == unit || slices.Contains(al.Members, unit) {
			return true
		}
	}
	return false
}

// CanSeeItem reports whether a may see (and claim) item it: a coordinator
// or admin as for its unit; a unit sees its own items, the items of the
// units it shares an alliance with, and items escalated to a meeting above
// one of its alliances, within that meeting's scope.
func CanSeeItem[D Directory](r D, a Actor, it *Item) bool {
	if a.Role != RoleUnit {
		return CanSeeUnit(r, a, it.Unit)
	}
	if a.ID == it.Unit {
		return true
	}
	for al := range r.AlliancesOf(a.ID) {
		for cur, hops := al, 0; cur != nil && hops <= len(Levels); hops++ {
			if cur.Level.Rank() > it.Level.Rank() {
				break
			}
			if cur.Level == it.Level && CanSeeUnit(r, Coordinator(cur.ID), it.Unit) {
				return true
			}
			if cur.Parent == "" {
				break
			}
			cur, _ = r.Alliance(cur.Parent)
		}
	}
	return false
}

// CanSeeClaim reports whether a may see claim c: a unit the claims on its
// own items; a coordinator the claims its meetings made and every claim
// on an item of a unit in its scope (wherever it was made); an admin all.
func CanSeeClaim[D Directory](r D, a Actor, c *Claim) bool {
	switch a.Role {
	case RoleAdmin, RoleSystem:
		return true
	case RoleUnit:
		return a.ID == c.ResourceUnit || a.ID == c.DemandUnit
	case RoleCoordinator:
		return c.Meeting != "" && Within(r, a.ID, c.Meeting) ||
			CanSeeUnit(r, a, c.ResourceUnit) || CanSeeUnit(r, a, c.DemandUnit)
	}
	return false
}

// CanSeeAlliance reports whether a may see alliance id: a coordinator its
// own alliance, those below it and those above it (its parents name the
// meetings it reports to); a unit the alliances it belongs to and their
// parents; an admin all.
func CanSeeAlliance[D Directory](r D, a Actor, id string) bool {
	switch a.Role {
	case RoleAdmin, RoleSystem:
		return true
	case RoleCoordinator:
		return Within(r, a.ID, id) || Within(r, id, a.ID)
	case RoleUnit:
		for al := range r.AlliancesOf(a.ID) {
			if Within(r, id, al.ID) {
				return true
			}
		}
	}
	return false
}

// CanSeeEvent reports whether a may see audit event ev: its own events;
// for a coordinator, the events of meetings in its scope and of the units
// in it; for a unit, the events of the alliances it belongs to; an admin
// all. Events that name no alliance (imports, admin work) are the admin's.
func CanSeeEvent[D Directory](r D, a Actor, ev *Event) bool {
	if a.Privileged() || ev.Actor == a.String() {
		return true
	}
	switch a.Role {
	case RoleCoordinator:
		for _, al := range ev.Alliances {
			if Within(r, a.ID, al) {
				return true
			}
		}
		if who, ok := ParseActor(ev.Actor); ok {
			switch who.Role {
			case RoleUnit:
				return CanSeeUnit(r, a, who.ID)
			case RoleCoordinator:
				return Within(r, a.ID, who.ID)
			}
		}
	case RoleUnit:
		for al := range r.AlliancesOf(a.ID) {
			if slices.Contains(ev.Alliances, al.ID) {
				return true
			}
		}
	}
	return false
}

// CanSeeAccount reports whether a may read acc's balance and statement,
// and move points out of it by hand.
func CanSeeAccount[D Directory](r D, a Actor, acc *Account) bool {
	switch a.Role {
	case RoleAdmin, RoleSystem:
		return true
	case RoleUnit:
		return a.ID == acc.Unit
	case RoleCoordinator:
		return CanSeeUnit(r, a, acc.Unit)
	}
	return false
}

// CanReachAccount reports whether a may name acc as the other side of a
// transfer, the card of a redemption or an earner: an account a sees, or
// one of a unit that a unit shares an alliance with.
func CanReachAccount[D Directory](r D, a Actor, acc *Account) bool {
	return CanSeeAccount(r, a, acc) || CanReadUnit(r, a, acc.Unit)
}
