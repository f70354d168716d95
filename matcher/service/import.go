package service

import (
	"context"
	"fmt"
	"slices"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/bundle"
	"github.com/allymatch/allymatch/matcher/index"
	"github.com/allymatch/allymatch/matcher/store"
)

// CheckImport lists what an import into the meeting of alliance meeting
// may not touch, as located problems (a *bundle.Error), or returns nil. An
// admin may import anything the store accepts. A coordinator who runs the
// meeting imports units, items, projects and new alliances: a new
// alliance sits below the meeting's alliance (or below another new
// alliance of the file), led by and made of units it may change or new
// units of the file; new units join the meeting's alliance, one below it
// or a new alliance of the file; existing units, and the units of items
// and projects, are units it may change (or new units of the same file);
// a project slot names a project of its own unit. Vocabularies, grids,
// claims, changes to existing alliances (a coordinator changes an
// alliance's lead and members with PatchAlliance) and the points bank's
// lists are the admin's. An id outside the caller's scope is answered as
// an unknown one.
func CheckImport(r index.Reader, a matcher.Actor, meeting string, b *bundle.Bundle) error {
	if a.Privileged() {
		return nil
	}
	var ps []bundle.Problem
	add := func(table string, i int, id, field, format string, args ...any) {
		loc, _ := b.Source(table, i)
		ps = append(ps, bundle.Problemf(loc, fmt.Sprintf("%s[%d] (id %s)", table, i, id), field, format, args...))
	}
	if _, err := r.Alliance(meeting); err != nil || !matcher.CanRunMeeting(r, a, meeting) {
		return &bundle.Error{Problems: []bundle.Problem{bundle.Problemf(bundle.Loc{}, "", "meeting", "no meeting %q", meeting)}}
	}
	for what, n := range map[string]int{"categories": len(b.Categories), "grids": len(b.Grids), "claims": len(b.Claims),
		// The points bank moves through its own routes.
		"accounts": len(b.Accounts), "rules": len(b.Rules), "offers": len(b.Offers), "earners": len(b.Earners), "transfers": len(b.Transfers)} {
		if n > 0 {
			ps = append(ps, bundle.Problemf(bundle.Loc{}, "", what, "only an admin imports %s (%d in the file)", matcher.Noun(what), n))
		}
	}
	newAlliances := map[string]bool{}
	for _, al := range b.Alliances {
		if _, err := r.Alliance(al.ID); err != nil {
			newAlliances[al.ID] = true
		}
	}
	inMeeting := func(al string) bool { return newAlliances[al] || matcher.Within(r, meeting, al) }
	newUnits := map[string]bool{}
	for _, u := range b.Units {
		newUnits[u.ID] = r.UnitRaw(u.ID) == nil
	}
	unitOK := func(unit string) bool {
		return newUnits[unit] || r.UnitRaw(unit) != nil && matcher.CanWriteUnit(r, a, unit)
	}
	for i, al := range b.Alliances {
		if !newAlliances[al.ID] {
			if matcher.CanRunMeeting(r, a, al.ID) {
				add(index.TableAlliances, i, al.ID, "id", "alliance %q exists already; change its lead and members on its page", al.ID)
			} else {
				add(index.TableAlliances, i, al.ID, "id", "id %q is taken by another alliance; use another id", al.ID)
			}
			continue
		}
		switch {
		case al.Parent == "":
			add(index.TableAlliances, i, al.ID, "parent", "name the meeting above the new alliance (%s or one below it)", meeting)
		case al.Parent == al.ID || !inMeeting(al.Parent):
			add(index.TableAlliances, i, al.ID, "parent", "no alliance %q in %s or below it", al.Parent, meeting)
		}
		if al.Lead == "" {
			add(index.TableAlliances, i, al.ID, "lead", "name the lead unit of the new alliance: a unit of this meeting or of the file")
		} else if !unitOK(al.Lead) {
			add(index.TableAlliances, i, al.ID, "lead", "no unit %q in this meeting: add it to the 成员单位 (units) sheet or use a unit of the meeting", al.Lead)
		}
		for j, m := range al.Members {
			if !unitOK(m) {
				add(index.TableAlliances, i, al.ID, fmt.Sprintf("members[%d]", j), "no unit %q in this meeting: add it to the 成员单位 (units) sheet or use a unit of the meeting", m)
			}
		}
	}
	for i, u := range b.Units {
		if r.UnitRaw(u.ID) != nil {
			if !matcher.CanWriteUnit(r, a, u.ID) {
				add(index.TableUnits, i, u.ID, "id", "unit %q exists already in another alliance; use another id", u.ID)
			}
		} else if len(u.Alliances) == 0 && !slices.ContainsFunc(b.Alliances, func(al matcher.Alliance) bool {
			return newAlliances[al.ID] && (al.Lead == u.ID || slices.Contains(al.Members, u.ID))
		}) {
			add(index.TableUnits, i, u.ID, "alliances", "name the alliance the new unit joins (%s or one below it)", meeting)
		}
		for _, al := range u.Alliances {
			if !inMeeting(al) {
				add(index.TableUnits, i, u.ID, "alliances", "no alliance %q in %s or below it", al, meeting)
			}
		}
	}
	projects := map[string]string{} // the file's projects: id → unit
	for i, p := range b.Projects {
		projects[p.ID] = p.Unit
		if !unitOK(p.Unit) {
			add(index.TableProjects, i, p.ID, "unit", "no unit %q in this meeting: add it to the 成员单位 (units) sheet or use a unit of the meeting", p.Unit)
		}
		if old, err := r.Project(p.ID); err == nil && !matcher.CanWriteUnit(r, a, old.Unit) {
			add(index.TableProjects, i, p.ID, "id", "id %q is taken by a project of another alliance; use another id", p.ID)
		}
	}
	for i, it := range b.Items {
		if !unitOK(it.Unit) {
			add(index.TableItems, i, it.ID, "unit", "no unit %q in this meeting: add it to the 成员单位 (units) sheet or use a unit of the meeting", it.Unit)
		}
		// An id of another alliance's item is taken, and says no more
		// (the store refuses any move between units, naming both).
		if old, err := r.Item(it.ID); err == nil && !matcher.CanWriteUnit(r, a, old.Unit) {
			add(index.TableItems, i, it.ID, "id", "id %q is taken by an item of another alliance; use another id", it.ID)
		}
		if it.Project != "" {
			owner, inFile := projects[it.Project]
			if !inFile {
				if p, err := r.Project(it.Project); err == nil && matcher.CanReadUnit(r, a, p.Unit) {
					owner = p.Unit
				}
			}
			if owner != it.Unit {
				add(index.TableItems, i, it.ID, "project", "unit %q has no project %q", it.Unit, it.Project)
			}
		}
	}
	if len(ps) > 0 {
		return &bundle.Error{Problems: ps}
	}
	return nil
}

// ImportTo stores b for the meeting of alliance meeting, all or nothing,
// its unit names resolved (ResolveUnitNames), after CheckImport (run on
// the state the import writes over, in the same mutation).
func (s *Service) ImportTo(ctx context.Context, actor matcher.Actor, meeting string, b *bundle.Bundle) (matcher.Event, error) {
	check := func(tx *store.Tx) error { return CheckImport(tx.Reader, actor, meeting, b) }
	if names := ResolveUnitNames(s.Store.Snapshot().Reader, actor, meeting, b); len(names) > 0 {
		// Refused: the other problems too, from a run that stores nothing.
		return matcher.Event{}, withProblems(names, s.Store.ImportDry(ctx, b, check))
	}
	return s.Store.ImportChecked(ctx, b, actor.String(), []string{meeting}, check)
}
