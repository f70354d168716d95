package service

import (
	"context"
	"fmt"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/bundle"
	"github.com/allymatch/allymatch/matcher/index"
	"github.com/allymatch/allymatch/matcher/store"
)

// CheckImport lists what an import into the meeting of alliance meeting
// may not touch, as located problems (a *bundle.Error), or returns nil. An
// admin may import anything the store accepts. A coordinator who runs the
// meeting imports only units, items and projects: new units join the
// meeting's alliance or one below it; existing units, and the units of
// items and projects, are units it may change (or new units of the same
// file); a project slot names a project of its own unit. Vocabularies,
// grids, alliances, claims and the points bank's lists are the admin's.
// An id outside the caller's scope is answered as an unknown one.
func CheckImport(r index.Reader, a matcher.Actor, meeting string, b *bundle.Bundle) error {
	if a.Privileged() {
		return nil
	}
	var ps []bundle.Problem
	add := func(table string, i int, id, field, format string, args ...any) {
		loc, _ := b.Source(table, i)
		ps = append(ps, bundle.Problem{Loc: loc, Record: fmt.Sprintf("%s[%d] (id %s)", table, i, id), Field: field, Msg: fmt.Sprintf(format, args...)})
	}
	if _, err := r.Alliance(meeting); err != nil || !CanRunMeeting(r, a, meeting) {
		return &bundle.Error{Problems: []bundle.Problem{{Field: "meeting", Msg: fmt.Sprintf("no meeting %q", meeting)}}}
	}
	for what, n := range map[string]int{"categories": len(b.Categories), "grids": len(b.Grids), "alliances": len(b.Alliances), "claims": len(b.Claims),
		// The points bank moves through its own routes.
		"accounts": len(b.Accounts), "rules": len(b.Rules), "offers": len(b.Offers), "earners": len(b.Earners), "transfers": len(b.Transfers)} {
		if n > 0 {
			ps = append(ps, bundle.Problem{Field: what, Msg: fmt.Sprintf("only an admin imports %s (%d in the file)", what, n)})
		}
	}
	newUnits := map[string]bool{}
	for i, u := range b.Units {
		newUnits[u.ID] = true
		if r.UnitRaw(u.ID) != nil {
			if !CanWriteUnit(r, a, u.ID) {
				add(index.TableUnits, i, u.ID, "id", "unit %q exists already in another alliance; use another id", u.ID)
			}
		} else if len(u.Alliances) == 0 {
			add(index.TableUnits, i, u.ID, "alliances", "name the alliance the new unit joins (%s or one below it)", meeting)
		}
		for _, al := range u.Alliances {
			if !Within(r, meeting, al) {
				add(index.TableUnits, i, u.ID, "alliances", "no alliance %q in %s or below it", al, meeting)
			}
		}
	}
	unitOK := func(unit string) bool {
		return newUnits[unit] || r.UnitRaw(unit) != nil && CanWriteUnit(r, a, unit)
	}
	projects := map[string]string{} // the file's projects: id → unit
	for i, p := range b.Projects {
		projects[p.ID] = p.Unit
		if !unitOK(p.Unit) {
			add(index.TableProjects, i, p.ID, "unit", "no unit %q in this meeting: add it to the 成员单位 (units) sheet or use a unit of the meeting", p.Unit)
		}
		if old, err := r.Project(p.ID); err == nil && !CanWriteUnit(r, a, old.Unit) {
			add(index.TableProjects, i, p.ID, "id", "id %q is taken by a project of another alliance; use another id", p.ID)
		}
	}
	for i, it := range b.Items {
		if !unitOK(it.Unit) {
			add(index.TableItems, i, it.ID, "unit", "no unit %q in this meeting: add it to the 成员单位 (units) sheet or use a unit of the meeting", it.Unit)
		}
		// An id of another alliance's item is taken, and says no more
		// (the store refuses any move between units, naming both).
		if old, err := r.Item(it.ID); err == nil && !CanWriteUnit(r, a, old.Unit) {
			add(index.TableItems, i, it.ID, "id", "id %q is taken by an item of another alliance; use another id", it.ID)
		}
		if it.Project != "" {
			owner, inFile := projects[it.Project]
			if !inFile {
				if p, err := r.Project(it.Project); err == nil && CanReadUnit(r, a, p.Unit) {
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
// after CheckImport (run on the state the import writes over, in the same
// mutation).
func (s *Service) ImportTo(ctx context.Context, actor matcher.Actor, meeting string, b *bundle.Bundle) (matcher.Event, error) {
	return s.Store.ImportChecked(ctx, b, actor.String(), []string{meeting}, func(tx *store.Tx) error {
		return CheckImport(tx.Reader, actor, meeting, b)
	})
}
