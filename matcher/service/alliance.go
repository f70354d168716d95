package service

import (
	"context"
	"slices"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/store"
)

// AlliancePatch changes an alliance: only the fields given change.
// Members replaces the member list; Add and Remove change it by units
// (applied after Members). The lead is always a member: a new lead leaves
// the members, an old lead stays one unless Remove names it.
type AlliancePatch struct {
	Name    *string  `json:"name,omitempty"`
	Lead    *string  `json:"lead,omitempty"`
	Members []string `json:"members,omitempty"`
	Add     []string `json:"add,omitempty"`
	Remove  []string `json:"remove,omitempty"`
}

// Apply returns a with the patch applied (its rules beyond the fields
// are the Validate of an alliance and PatchAlliance's scope).
func (p AlliancePatch) Apply(a matcher.Alliance) matcher.Alliance {
	out := a
	out.Members = slices.Clone(a.Members)
	set(&out.Name, p.Name)
	if p.Members != nil {
		out.Members = slices.Clone(p.Members)
	}
	for _, m := range p.Add {
		if m != out.Lead && !slices.Contains(out.Members, m) {
			out.Members = append(out.Members, m)
		}
	}
	if p.Lead != nil && *p.Lead != out.Lead {
		if out.Lead != "" && !slices.Contains(out.Members, out.Lead) {
			out.Members = append(out.Members, out.Lead) // the old lead stays a member
		}
		out.Lead = *p.Lead
	}
	out.Members = slices.DeleteFunc(out.Members, func(m string) bool { return m == out.Lead || slices.Contains(p.Remove, m) })
	return out
}

// PatchAlliance changes an alliance's name, lead and members. A
// coordinator changes the alliances whose meetings it runs (its own and
// those below it); an admin any. The lead and every member it names must
// be units it may change (every id is checked against the caller's scope:
// one outside is answered as an absent one); a unit that leads the
// alliance cannot be removed while it leads it. One store mutation,
// audited as alliance.update.
//
// Errors: ENOTFOUND for an alliance the caller may not run, or a unit it
// names outside its scope; EFORBIDDEN for a unit's token; EINVALID for
// bad fields; ECONFLICT for removing the lead.
func (s *Service) PatchAlliance(ctx context.Context, actor matcher.Actor, id string, p AlliancePatch) (matcher.Alliance, error) {
	var out matcher.Alliance
	_, err := s.Store.Update(ctx, actor.String(), "alliance.update", []string{id}, func(tx *store.Tx) error {
		cur, err := tx.Alliance(id)
		if err != nil || !matcher.CanSeeAlliance(tx.Reader, actor, id) {
			return notFound("alliance", id)
		}
		if !matcher.CanRunMeeting(tx.Reader, actor, id) {
			return matcher.Errorf(matcher.EFORBIDDEN, "%s may not change the lead and members of alliance %s", actor, id)
		}
		if p.Lead != nil && slices.Contains(p.Remove, *p.Lead) || p.Lead == nil && slices.Contains(p.Remove, cur.Lead) {
			return matcher.NewError(matcher.ECONFLICT, "remove", "unit %s leads alliance %s; name another lead first", cur.Lead, id)
		}
		ref := newRefs(tx.Reader, actor)
		if p.Lead != nil && *p.Lead != cur.Lead {
			ref.writableUnit("lead", *p.Lead)
		}
		for i, m := range p.Members {
			if !slices.Contains(cur.Members, m) && m != cur.Lead {
				ref.writableUnit(fieldIndex("members", i), m)
			}
		}
		for i, m := range p.Add {
			if !slices.Contains(cur.Members, m) && m != cur.Lead {
				ref.writableUnit(fieldIndex("add", i), m)
			}
		}
		for i, m := range p.Remove {
			if !slices.Contains(cur.Members, m) {
				ref.miss(fieldIndex("remove", i), "unit", m)
			}
		}
		if err := ref.err(); err != nil {
			return err
		}
		next := p.Apply(*cur)
		if err := next.Validate(); err != nil {
			return err
		}
		if err := tx.PutAlliance(next); err != nil {
			return err
		}
		got, err := tx.Alliance(id)
		out = *got
		return err
	})
	return out, unchanged(err)
}
