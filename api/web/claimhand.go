package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/match"
	"github.com/allymatch/allymatch/matcher/service"
	"github.com/allymatch/allymatch/matcher/store"
)

// Claims both ways by hand (双向认领): a unit browses the open items of
// others it may claim (service.CanSeeItem), claims a demand with one of
// its resources or asks for a resource for one of its demands
// (service.ClaimByHand: its own side accepts at once), and the other side
// answers on its page as for a proposal. A claim's page shows both sides
// and lets a coordinator record a named side's answer given at the
// meeting (service.AnswerClaim).

// browseRow is an item of another unit that may be claimed.
type browseRow struct {
	itemRow
	Claim string // the claim form's URL
}

type browsePage struct {
	Unit *matcher.Unit
	For  *matcher.Item // the unit's own item the search is for
	Rows []browseRow
	Bar  listBar
}

// browse lists the open items the unit may claim (service.ClaimableItems):
// searched by text, filtered by list, category, unit, priority and level,
// ?for= one of its own items (then only those that can meet it or that it
// can meet), sorted and paged.
func (s *site) browse(c echo.Context) error {
	u, sn, err := s.listUnit(c, c.Param("id"))
	if err != nil {
		return err
	}
	l := langFrom(c)
	n := s.namesAt(c, sn)
	p := &browsePage{Unit: u}
	ls := newList(c, "", "", rowPageSize)
	if id := ls.Get("for"); id != "" {
		if own, err := sn.Item(id); err == nil && own.Unit == u.ID {
			p.For = own
		}
	}
	q := service.ItemQuery{Text: ls.Get("q"), Kind: matcher.ItemKind(ls.Get("kind")), Category: ls.Get("cat"), Unit: ls.Get("unit"),
		Priority: ls.Int("prio"), Level: matcher.Level(ls.Get("level")), For: p.For, Sort: ls.Get("sort"), Page: ls.Query()}
	if q.Kind != matcher.Demand && q.Kind != matcher.Resource {
		q.Kind = ""
	}
	pg, err := s.Service().ClaimableItems(actorOf(c), u.ID, q)
	if err != nil {
		return err
	}
	ls.Total = pg.Total
	filters := itemFilters(n, ls, false)
	if p.For != nil {
		filters = filters[1:] // the list is the other one of its own item's
	}
	filters = append(filters, unitFilter(l, q.Unit))
	p.Bar = ls.listBar(l, "search", l.T("browse.q.hint"), filters, sorts(l, "sort.item.", service.ItemSorts))
	for _, r := range pg.Items {
		v := url.Values{"item": {r.Item.ID}}
		if p.For != nil {
			v.Set("mine", p.For.ID)
		}
		p.Rows = append(p.Rows, browseRow{itemRow: n.rowOf(r), Claim: Prefix + "/units/" + u.ID + "/claim?" + v.Encode()})
	}
	return s.render(c, http.StatusOK, "browse", p)
}

// claimFormPage is the form of a claim by hand on another unit's item.
type claimFormPage struct {
	Unit       *matcher.Unit
	Target     itemRow
	TargetUnit string
	Mine       []choice
	Meetings   []choice
	F          *form
}

// claimTarget returns the other unit's item the form claims, or
// errNotFound when unit may not claim it.
func claimTarget(sn store.Snapshot, a matcher.Actor, unit, id string) (*matcher.Item, error) {
	it, err := sn.Item(id)
	if err != nil || it.Unit == unit || !matcher.CanSeeItem(sn.Reader, a, it) || !matcher.CanSeeItem(sn.Reader, matcher.UnitActor(unit), it) {
		return nil, errNotFound
	}
	return it, nil
}

// fillClaimForm offers the unit's own open items that can pair with the
// target (Vocabulary.Compatible, with quantity left), and the meetings of
// its alliances and above; a meeting whose scope holds both units is
// chosen when the form names none.
func (s *site) fillClaimForm(c echo.Context, sn store.Snapshot, p *claimFormPage, target *matcher.Item, pickMeeting bool) {
	l := langFrom(c)
	n := s.namesAt(c, sn)
	a := actorOf(c)
	p.Target, p.TargetUnit = n.itemRow(target), n.Unit(target.Unit)
	for it := range sn.ItemsOf(p.Unit.ID) {
		if it.Status != matcher.ItemOpen || !sn.Vocab.Pair(target, it) {
			continue
		}
		row := n.itemRow(it)
		if row.Open <= 0 {
			continue
		}
		p.Mine = append(p.Mine, choice{Value: it.ID, Label: l.T("hc.option", it.Title, it.ID, row.Open, it.Measure), Selected: it.ID == p.F.V("mine")})
	}
	if len(p.Mine) == 1 && p.F.V("mine") == "" {
		p.Mine[0].Selected = true
		p.F.set("mine", p.Mine[0].Value)
	}
	var chain []*matcher.Alliance
	seen := map[string]bool{}
	for al := range sn.AlliancesOf(p.Unit.ID) {
		for cur, hops := al, 0; cur != nil && hops <= len(matcher.Levels) && !seen[cur.ID]; hops++ {
			seen[cur.ID] = true
			chain = append(chain, cur)
			if cur.Parent == "" {
				break
			}
			cur, _ = sn.Alliance(cur.Parent)
		}
	}
	slices.SortStableFunc(chain, func(x, y *matcher.Alliance) int { return x.Level.Rank() - y.Level.Rank() })
	if pickMeeting && p.F.V("meeting") == "" {
		for _, al := range chain {
			if a.Role == matcher.RoleCoordinator && !n.v.CanRunMeeting(al.ID) {
				continue
			}
			if scope, err := match.ResolveScope(sn.Reader, al.ID); err == nil && scope.HasUnit(p.Unit.ID) && scope.HasUnit(target.Unit) {
				p.F.set("meeting", al.ID)
				break
			}
		}
	}
	p.Meetings = []choice{{Value: "", Label: l.T("hc.meeting.none"), Selected: p.F.V("meeting") == ""}}
	for _, al := range chain {
		p.Meetings = append(p.Meetings, choice{Value: al.ID, Label: al.Name + " (" + l.T("level."+string(al.Level)) + ")", Selected: al.ID == p.F.V("meeting")})
	}
}

// claimForm shows the form of a claim by hand (?item=, and ?mine= the
// unit's own item to claim it with).
func (s *site) claimForm(c echo.Context) error {
	u, sn, err := s.listUnit(c, c.Param("id"))
	if err != nil {
		return err
	}
	target, err := claimTarget(sn, actorOf(c), u.ID, c.QueryParam("item"))
	if err != nil {
		return err
	}
	f := newForm()
	f.set("item", target.ID)
	f.set("mine", c.QueryParam("mine"))
	p := &claimFormPage{Unit: u, F: f}
	s.fillClaimForm(c, sn, p, target, true)
	if p.F.V("quantity") == "" {
		q := p.Target.Open
		for _, m := range p.Mine {
			if m.Selected {
				if own, err := sn.Item(m.Value); err == nil {
					q = min(q, s.namesAt(c, sn).itemRow(own).Open)
				}
			}
		}
		p.F.set("quantity", strconv.FormatInt(max(q, 1), 10))
	}
	return s.render(c, http.StatusOK, "claimhand", p)
}

// createHandClaim stores the claim (service.ClaimByHand), the unit's own
// side accepting it; a coordinator claims for the unit's side.
func (s *site) createHandClaim(c echo.Context) error {
	u, sn, err := s.listUnit(c, c.Param("id"))
	if err != nil {
		return err
	}
	a := actorOf(c)
	target, err := claimTarget(sn, a, u.ID, c.FormValue("item"))
	if err != nil {
		return err
	}
	l := langFrom(c)
	f := newForm()
	for _, k := range []string{"item", "mine", "quantity", "meeting"} {
		f.set(k, strings.TrimSpace(c.FormValue(k)))
	}
	p := &claimFormPage{Unit: u, F: f}
	own, err := sn.Item(f.V("mine"))
	if err != nil || own.Unit != u.ID {
		// Typed into a search field (more own items than a select
		// offers): the one open item of the unit whose title has it.
		own = nil
		if q := strings.ToLower(f.V("mine")); q != "" {
			for it := range sn.ItemsOf(u.ID) {
				if it.Status == matcher.ItemOpen && sn.Vocab.Pair(target, it) && strings.Contains(strings.ToLower(it.Title), q) {
					if own != nil {
						own = nil
						break
					}
					own = it
				}
			}
		}
		if own == nil {
			f.fail("mine", l.T("hc.err.mine"))
		}
	}
	q, err := strconv.ParseInt(f.V("quantity"), 10, 64)
	if err != nil {
		f.fail("quantity", l.T("lists.err.int"))
	}
	if !f.Bad() {
		h := service.HandClaim{Resource: own.ID, Demand: target.ID, Quantity: q, Meeting: f.V("meeting")}
		side := matcher.ResourceSide
		if own.Kind == matcher.Demand {
			h.Resource, h.Demand, side = target.ID, own.ID, matcher.DemandSide
		}
		if a.Role != matcher.RoleUnit {
			h.Side = string(side)
		}
		out, err := s.Service().ClaimByHand(c.Request().Context(), a, h)
		if err == nil {
			return c.Redirect(http.StatusSeeOther, withMsg(Prefix+"/claims/"+out.ID, "claimed"))
		}
		fieldOf := func(field string) string {
			switch field {
			case "quantity", "meeting":
				return field
			case string(side):
				return "mine"
			case "resource", "demand":
				return "item"
			}
			return ""
		}
		if !f.failErr(l, err, fieldOf) {
			return err
		}
		s.fillClaimForm(c, sn, p, target, false)
		return s.render(c, formStatus(err), "claimhand", p)
	}
	s.fillClaimForm(c, sn, p, target, false)
	return s.render(c, http.StatusBadRequest, "claimhand", p)
}

// claimPageData is one claim with the answers the caller may give.
type claimPageData struct {
	CV       claimView
	Origin   string
	Status   string
	Meeting  string
	Accepted []string
	Answers  []claimAnswer
	Back     string
	// Fulfil: the caller may record the delivery (a confirmed claim, for
	// its demand side); Withdraw: the sides it may withdraw the claim for.
	Fulfil   bool
	Withdraw []claimAnswer
}

// claimAnswer is one side the caller may answer for: a unit its own, a
// coordinator (or admin) each side whose unit it may write for, as given
// at the meeting.
type claimAnswer struct {
	Side  string
	Label string
}

// claimPage shows a claim: both sides, its quantity and state, and the
// answer forms of the sides the caller answers for.
func (s *site) claimPage(c echo.Context) error {
	a := actorOf(c)
	v := s.Service().View(a)
	cl, err := v.Claim(c.Param("id"))
	if err != nil {
		return errNotFound
	}
	l := langFrom(c)
	n := namesOf(c, v)
	d := claimPageData{CV: s.claimView(n, cl), Origin: l.T("origin." + string(cl.Origin)), Status: l.T("status." + string(cl.Status)),
		Back: Prefix + "/claims/" + cl.ID}
	if cl.Meeting != "" {
		d.Meeting = n.Alliance(cl.Meeting)
	}
	for _, side := range []matcher.Side{matcher.ResourceSide, matcher.DemandSide} {
		mine := a.Role == matcher.RoleUnit && a.ID == cl.UnitOf(side) || a.Role != matcher.RoleUnit && v.CanWriteUnit(cl.UnitOf(side))
		if mine && cl.Status.Open() {
			d.Withdraw = append(d.Withdraw, claimAnswer{Side: string(side), Label: l.T("cl.withdraw.for", sideName(l, side), n.Unit(cl.UnitOf(side)))})
		}
		if mine && side == matcher.DemandSide && cl.Status == matcher.ClaimConfirmed {
			d.Fulfil = true
		}
		if cl.Accepted(side) {
			d.Accepted = append(d.Accepted, sideName(l, side))
			continue
		}
		if cl.Status != matcher.ClaimProposed {
			continue
		}
		unit := cl.UnitOf(side)
		switch {
		case a.Role == matcher.RoleUnit && a.ID == unit:
			d.Answers = append(d.Answers, claimAnswer{Side: string(side), Label: l.T("cl.yours", sideName(l, side))})
		case a.Role != matcher.RoleUnit && v.CanWriteUnit(unit):
			d.Answers = append(d.Answers, claimAnswer{Side: string(side), Label: l.T("cl.record", sideName(l, side), n.Unit(unit))})
		}
	}
	return s.render(c, http.StatusOK, "claim", d)
}
