package service

import (
	"context"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
	"github.com/allymatch/allymatch/matcher/match"
	"github.com/allymatch/allymatch/matcher/store"
)

// View is what one actor may read of the store at one snapshot, so that
// a page or an answer that reads several records reads them all in the
// same state, and through the access rules (matcher/access.go): a record
// the actor may not see is not found (ENOTFOUND), as an absent one.
//
// Unit and alliance names are public inside the district (they stand on
// the joint meeting's board, and a claim names its counterpart already),
// so UnitName and AllianceName apply no scope.
//
// Reader and Vocab hand the snapshot to what works on a whole state
// (matcher/scenario, why-not, the desk's forms and lists); what they
// show of it is filtered with the view's Can* checks.
type View struct {
	s     *Service
	actor matcher.Actor
	sn    store.Snapshot
}

// View returns actor's view of the store as it is now.
func (s *Service) View(actor matcher.Actor) *View {
	return &View{s: s, actor: actor, sn: s.Store.Snapshot()}
}

// ViewAt returns actor's view of sn, a snapshot a read of s handed out
// (Meeting, WritableUnit, WritableItem, WritableProject, MeetingPlan), so
// that what a page reads next agrees with the read that found its record.
func (s *Service) ViewAt(actor matcher.Actor, sn store.Snapshot) *View {
	return &View{s: s, actor: actor, sn: sn}
}

// Actor is whose view v is.
func (v *View) Actor() matcher.Actor { return v.actor }

// Seq is the store's sequence number at v's snapshot.
func (v *View) Seq() uint64 { return v.sn.Seq }

// Reader is v's snapshot, for code that works on a whole state.
func (v *View) Reader() index.Reader { return v.sn.Reader }

// Vocab is the category vocabulary at v's snapshot.
func (v *View) Vocab() *matcher.Vocabulary { return v.sn.Vocab }

// CanRunMeeting reports whether v's actor may run or read the meeting of
// alliance.
func (v *View) CanRunMeeting(alliance string) bool {
	return matcher.CanRunMeeting(v.sn.Reader, v.actor, alliance)
}

// CanSeeUnit reports whether v's actor may read unit's data and plan for
// it (matcher.CanSeeUnit).
func (v *View) CanSeeUnit(unit string) bool { return matcher.CanSeeUnit(v.sn.Reader, v.actor, unit) }

// CanWriteUnit reports whether v's actor may change unit's data.
func (v *View) CanWriteUnit(unit string) bool {
	return matcher.CanWriteUnit(v.sn.Reader, v.actor, unit)
}

// CanSeeItem reports whether v's actor may see it.
func (v *View) CanSeeItem(it *matcher.Item) bool { return matcher.CanSeeItem(v.sn.Reader, v.actor, it) }

// CanSeeClaim reports whether v's actor may see claim c.
func (v *View) CanSeeClaim(c *matcher.Claim) bool {
	return matcher.CanSeeClaim(v.sn.Reader, v.actor, c)
}

// CanSeeAlliance reports whether v's actor may see alliance id.
func (v *View) CanSeeAlliance(id string) bool {
	return matcher.CanSeeAlliance(v.sn.Reader, v.actor, id)
}

// CanSeeEvent reports whether v's actor may see audit event ev.
func (v *View) CanSeeEvent(ev *matcher.Event) bool {
	return matcher.CanSeeEvent(v.sn.Reader, v.actor, ev)
}

// CanSeeAccount reports whether v's actor may read acc's balance and
// statement.
func (v *View) CanSeeAccount(acc *matcher.Account) bool {
	return matcher.CanSeeAccount(v.sn.Reader, v.actor, acc)
}

// Item returns item id if v's actor may see it.
func (v *View) Item(id string) (*matcher.Item, error) {
	it, err := v.sn.Item(id)
	if err != nil || !v.CanSeeItem(it) {
		return nil, notFound("item", id)
	}
	return it, nil
}

// Claim returns claim id if v's actor may see it.
func (v *View) Claim(id string) (*matcher.Claim, error) {
	c, err := v.sn.Claim(id)
	if err != nil || !v.CanSeeClaim(c) {
		return nil, notFound("claim", id)
	}
	return c, nil
}

// Alliance returns alliance id if v's actor may see it.
func (v *View) Alliance(id string) (*matcher.Alliance, error) {
	a, err := v.sn.Alliance(id)
	if err != nil || !v.CanSeeAlliance(id) {
		return nil, notFound("alliance", id)
	}
	return a, nil
}

// Unit returns unit id if v's actor may read it (matcher.CanReadUnit).
func (v *View) Unit(id string) (*matcher.Unit, error) {
	u, err := v.sn.Unit(id)
	if err != nil || !matcher.CanReadUnit(v.sn.Reader, v.actor, id) {
		return nil, notFound("unit", id)
	}
	return u, nil
}

// Meeting returns alliance id if v's actor may run or read its meeting.
func (v *View) Meeting(id string) (*matcher.Alliance, error) {
	a, err := v.sn.Alliance(id)
	if err != nil || !v.CanRunMeeting(id) {
		return nil, notFound("meeting", id)
	}
	return a, nil
}

// UnitName is unit id's name for display, or id itself when no unit has
// it (names are public: no scope applies).
func (v *View) UnitName(id string) string {
	if u := v.sn.UnitRaw(id); u != nil {
		return u.Name
	}
	return id
}

// AllianceName is alliance id's name for display, or id itself when no
// alliance has it (names are public: no scope applies).
func (v *View) AllianceName(id string) string {
	if a, err := v.sn.Alliance(id); err == nil {
		return a.Name
	}
	return id
}

// WhyNot explains demand (one v's actor sees, from Item) under set at v's
// snapshot, starting from the plan the last proposal left: where it
// stands, its nearest resources with every rule that blocks each, and the
// verified single changes that would get it (more) met. Candidates and
// fixes whose items the actor may not see are left out; hidden counts
// them.
func (v *View) WhyNot(ctx context.Context, demand *matcher.Item, set match.Settings) (res *match.WhyNotResult, hidden int, err error) {
	w, err := v.s.Sessions.WhyNot(ctx, v.sn.Reader, v.sn.Vocab, demand.ID, set)
	if err != nil {
		return nil, 0, err
	}
	visible := func(id string) bool {
		if id == "" {
			return true
		}
		_, err := v.Item(id)
		return err == nil
	}
	out := *w
	out.Candidates, out.Fixes = []match.WhyNotCandidate{}, []match.Fix{}
	for _, cd := range w.Candidates {
		if visible(cd.Resource) {
			out.Candidates = append(out.Candidates, cd)
		} else {
			hidden++
		}
	}
	for _, f := range w.Fixes {
		if visible(f.Item) && visible(f.Resource) {
			out.Fixes = append(out.Fixes, f)
		} else {
			hidden++
		}
	}
	return &out, hidden, nil
}

// Alternatives are the k best other plans for demand (one v's actor
// sees) in meeting ("" for the demand's own; another one the actor sees,
// from Alliance) under set at v's snapshot, with what each costs the
// meeting's plan.
func (v *View) Alternatives(ctx context.Context, meeting string, demand *matcher.Item, k int, set match.Settings) (*match.AlternativesResult, error) {
	return v.s.Sessions.Alternatives(ctx, v.sn.Reader, v.sn.Vocab, meeting, demand.ID, k, set)
}
