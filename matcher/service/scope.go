package service

import (
	"slices"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
)

// CanSeeClaim reports whether a may see claim c: a unit the claims on its
// own items; a coordinator the claims its meetings made, and hand claims
// without a meeting on an item of a unit in its scope; an admin all.
func CanSeeClaim(r index.Reader, a matcher.Actor, c *matcher.Claim) bool {
	switch a.Role {
	case matcher.RoleAdmin, matcher.RoleSystem:
		return true
	case matcher.RoleUnit:
		return a.ID == c.ResourceUnit || a.ID == c.DemandUnit
	case matcher.RoleCoordinator:
		if c.Meeting != "" {
			return Within(r, a.ID, c.Meeting)
		}
		return CanSeeUnit(r, a, c.ResourceUnit) || CanSeeUnit(r, a, c.DemandUnit)
	}
	return false
}

// CanSeeAlliance reports whether a may see alliance id: a coordinator its
// own alliance, those below it and those above it (its parents name the
// meetings it reports to); a unit the alliances it belongs to and their
// parents; an admin all.
func CanSeeAlliance(r index.Reader, a matcher.Actor, id string) bool {
	switch a.Role {
	case matcher.RoleAdmin, matcher.RoleSystem:
		return true
	case matcher.RoleCoordinator:
		return Within(r, a.ID, id) || Within(r, id, a.ID)
	case matcher.RoleUnit:
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
func CanSeeEvent(r index.Reader, a matcher.Actor, ev *matcher.Event) bool {
	if a.Privileged() || ev.Actor == a.String() {
		return true
	}
	switch a.Role {
	case matcher.RoleCoordinator:
		for _, al := range ev.Alliances {
			if Within(r, a.ID, al) {
				return true
			}
		}
		if who, ok := matcher.ParseActor(ev.Actor); ok {
			switch who.Role {
			case matcher.RoleUnit:
				return CanSeeUnit(r, a, who.ID)
			case matcher.RoleCoordinator:
				return Within(r, a.ID, who.ID)
			}
		}
	case matcher.RoleUnit:
		for al := range r.AlliancesOf(a.ID) {
			if slices.Contains(ev.Alliances, al.ID) {
				return true
			}
		}
	}
	return false
}

// alliancesOfUnits returns the sorted alliances that units belong to.
func alliancesOfUnits(r index.Reader, units ...string) []string {
	var out []string
	for _, u := range units {
		for al := range r.AlliancesOf(u) {
			out = append(out, al.ID)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
