package service

import (
	"slices"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
)

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
	if c.r.UnitRaw(id) == nil || !matcher.CanWriteUnit(c.r, c.a, id) {
		c.miss(field, "unit", id)
	}
}

// meeting: an alliance whose meeting the caller may run.
func (c *refs) meeting(field, id string) *matcher.Alliance {
	a, err := c.r.Alliance(id)
	if err != nil || !matcher.CanRunMeeting(c.r, c.a, id) {
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
	if p, err := c.r.Project(project); err != nil || p.Unit != unit || !matcher.CanReadUnit(c.r, c.a, p.Unit) {
		c.p.List = append(c.p.List, matcher.NewError(matcher.ENOTFOUND, field, "unit %q has no project %q", unit, project))
	}
}

func (c *refs) err() error { return c.p.Err() }
