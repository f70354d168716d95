package service

import (
	"slices"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
)

// CanSeeClaim reports whether a may see claim c: a unit the claims on its
// own items; a coordinator the claims its meetings made and every claim
// on an item of a unit in its scope (wherever it was made); an admin all.
func CanSeeClaim(r index.Reader, a matcher.Actor, c *matcher.Claim) bool {
	switch a.Role {
	case matcher.RoleAdmin, matcher.RoleSystem:
		return true
	case matcher.RoleUnit:
		return a.ID == c.ResourceUnit || a.ID == c.DemandUnit
	case matcher.RoleCoordinator:
		return c.Meeting != "" && Within(r, a.ID, c.Meeting) ||
			CanSeeUnit(r, a, c.ResourceUnit) || CanSeeUnit(r, a, c.DemandUnit)
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

// refs checks the ids a request names against the caller's scope. Every
// id must name a record the caller may use; an id that names nothing and
// one that names a record outside the scope get the same answer
// (ENOTFOUND with the field and "no unit %q"), so that the answer tells a
// stranger nothing. Problems are collected so that a request with several
// bad ids hears of all of them.
type refs struct {
	r index.Reader
	a matcher.Actor
	p matcher.Problems
}

func newRefs(r index.Reader, a matcher.Actor) *refs { return &refs{r: r, a: a} }

func (c *refs) miss(field string, what matcher.Noun, id string) {
	c.p.List = append(c.p.List, matcher.NewError(matcher.ENOTFOUND, field, "no %s %q", what, id))
}

// writableUnit: a unit whose lists and membership the caller may change.
func (c *refs) writableUnit(field, id string) {
	if c.r.UnitRaw(id) == nil || !CanWriteUnit(c.r, c.a, id) {
		c.miss(field, "unit", id)
	}
}

// meeting: an alliance whose meeting the caller may run.
func (c *refs) meeting(field, id string) *matcher.Alliance {
	a, err := c.r.Alliance(id)
	if err != nil || !CanRunMeeting(c.r, c.a, id) {
		c.miss(field, "alliance", id)
		return nil
	}
	return a
}

// slot: the project of a slot of unit's: a project of that same unit.
func (c *refs) slot(field, project, unit string) {
	if project == "" {
		return
	}
	if p, err := c.r.Project(project); err != nil || p.Unit != unit || !CanReadUnit(c.r, c.a, p.Unit) {
		c.p.List = append(c.p.List, matcher.NewError(matcher.ENOTFOUND, field, "unit %q has no project %q", unit, project))
	}
}

func (c *refs) err() error { return c.p.Err() }
