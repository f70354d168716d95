package service

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/bundle"
	"github.com/allymatch/allymatch/matcher/index"
	"github.com/allymatch/allymatch/matcher/match"
	"github.com/allymatch/allymatch/matcher/store"
)

// Spreadsheets name units as people know them: the 单位 column of a list
// may hold a unit's name where it is unambiguous (龙洲湾中学 for
// lh-school). Before an import is checked, each name is replaced by its
// unit's id: a unit of the same file, or of the meeting's scope that the
// caller may change, whose name is exactly that. A name two such units
// share is a problem naming them (write the id); an unknown name is left
// for the import's check, which answers it as an unknown unit.

// ResolveUnitNames replaces, in b, the unit names of items, projects and
// new alliances (lead, members) by their units' ids, and returns the
// names it could not tell apart, located. Ids are left as they are.
func ResolveUnitNames(r index.Reader, a matcher.Actor, meeting string, b *bundle.Bundle) []bundle.Problem {
	byName := map[string][]string{}
	add := func(name, id string) {
		if !slices.Contains(byName[name], id) {
			byName[name] = append(byName[name], id)
		}
	}
	for _, u := range b.Units {
		add(strings.TrimSpace(u.Name), u.ID)
	}
	scope, err := match.ResolveScope(r, meeting)
	if err == nil {
		for _, id := range scope.Units() {
			if u := r.UnitRaw(id); u != nil && matcher.CanWriteUnit(r, a, id) {
				add(strings.TrimSpace(u.Name), id)
			}
		}
	}
	known := func(id string) bool {
		return r.UnitRaw(id) != nil || slices.ContainsFunc(b.Units, func(u matcher.Unit) bool { return u.ID == id })
	}
	var ps []bundle.Problem
	resolve := func(table string, i int, rec, field string, unit *string) {
		v := strings.TrimSpace(*unit)
		if v == "" || known(v) {
			return
		}
		ids := byName[v]
		switch len(ids) {
		case 0:
		case 1:
			*unit = ids[0]
		default:
			loc, _ := b.Source(table, i)
			slices.Sort(ids)
			ps = append(ps, bundle.Problemf(loc, fmt.Sprintf("%s[%d] (id %s)", table, i, rec), field,
				"unit name %q names %d units of this meeting (%s); write the unit's id", v, len(ids), strings.Join(ids, ", ")))
		}
	}
	for i := range b.Items {
		resolve(index.TableItems, i, b.Items[i].ID, "unit", &b.Items[i].Unit)
	}
	for i := range b.Projects {
		resolve(index.TableProjects, i, b.Projects[i].ID, "unit", &b.Projects[i].Unit)
	}
	for i := range b.Alliances {
		al := &b.Alliances[i]
		resolve(index.TableAlliances, i, al.ID, "lead", &al.Lead)
		for j := range al.Members {
			resolve(index.TableAlliances, i, al.ID, fmt.Sprintf("members[%d]", j), &al.Members[j])
		}
	}
	return ps
}

// PreviewImport answers what ImportTo would answer for b on the state of
// now, and stores nothing: the unit names resolved, then the import's
// whole mutation run with CheckImport and every check of the store
// (Store.ImportDry), on a fork of the live index. Every problem is
// listed at once, located by file, row and field.
func (s *Service) PreviewImport(ctx context.Context, actor matcher.Actor, meeting string, b *bundle.Bundle) error {
	sn := s.Store.Snapshot()
	names := ResolveUnitNames(sn.Reader, actor, meeting, b)
	err := s.Store.ImportDry(ctx, b, func(tx *store.Tx) error {
		return CheckImport(tx.Reader, actor, meeting, b)
	})
	return withProblems(names, err)
}

// withProblems adds located problems found before a check to its error.
func withProblems(ps []bundle.Problem, err error) error {
	if len(ps) == 0 {
		return err
	}
	out := &bundle.Error{Problems: ps}
	if err == nil {
		return out
	}
	var be *bundle.Error
	if e, ok := err.(*bundle.Error); ok {
		be = e
	} else if list := matcher.FieldErrors(err); list != nil {
		be = &bundle.Error{}
		for _, e := range list {
			be.Problems = append(be.Problems, bundle.Problem{Field: e.Field, Msg: e.Message, Code: e.Code, Format: e.Format, Args: e.Args})
		}
	} else {
		return err
	}
	out.Problems = bundle.Join(ps, be.Problems)
	out.More = be.More
	return out
}
