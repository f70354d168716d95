package web

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
	"github.com/allymatch/allymatch/matcher/match"
	"github.com/allymatch/allymatch/matcher/service"
	"github.com/allymatch/allymatch/matcher/store"
)

// loginsPerMinute bounds the login attempts (codes and tokens) of one
// client address: a wrong code is answered like an unknown one, and ten a
// minute make guessing a live code hopeless (see LoginCodes in the README).
const loginsPerMinute = 10

// loginData is what the login page shows: the code of a scanned slip.
type loginData struct {
	Code string
}

// loginForm shows the login form (a login code, or a token); its CSRF
// token is bound to a random pre-session cookie (double submit). A login
// link (?code=…, a slip's QR code) fills the code in: the code is redeemed
// when the form is sent, not by the link itself, so that a chat program
// that fetches the link for a preview does not use it up.
func (s *site) loginForm(c echo.Context) error {
	pre := randomHex(16)
	c.SetCookie(s.newCookie(c, preCookie, pre))
	c.Set("csrf", s.csrf("pre:"+pre))
	var d loginData
	if code, ok := service.NormaliseCode(c.QueryParam("code")); ok {
		d.Code = service.FormatCode(code)
	}
	return s.render(c, http.StatusOK, "login", d)
}

// clientKey is the address a request's login attempts count against.
func (s *site) clientKey(r *http.Request) string {
	if s.Client != nil {
		return s.Client(r)
	}
	return r.RemoteAddr
}

// login opens a session for a valid login code (redeemed once) or token:
// the cookie holds the session's own secret, never the code or token.
// Attempts are limited per client address.
func (s *site) login(c echo.Context) error {
	ck, err := c.Cookie(preCookie)
	if err != nil || !s.checkCSRF(c, "pre:"+ck.Value) {
		return &pageError{Status: http.StatusForbidden, Key: "err.csrf"}
	}
	if s.Service() == nil {
		return &pageError{Status: http.StatusServiceUnavailable, Key: "err.loading"}
	}
	if !s.logins.allow(s.clientKey(c.Request())) {
		s.Log.Warn("login attempts limited", "client", s.clientKey(c.Request()))
		c.Set("csrf", c.FormValue("csrf"))
		return s.render(c, http.StatusTooManyRequests, "login", loginData{Code: c.FormValue("code")})
	}
	var l store.Login
	ok, bad := false, "badtoken"
	if code := strings.TrimSpace(c.FormValue("code")); code != "" {
		bad = "badcode"
		l, err = s.Service().RedeemCode(code)
		ok = err == nil
		if matcher.ErrorCode(err) == matcher.ENOLOGIN {
			err = nil
		}
	} else {
		l, ok, err = s.Login(strings.TrimSpace(c.FormValue("token")))
	}
	if err != nil {
		return err
	}
	if !ok {
		return c.Redirect(http.StatusSeeOther, Prefix+"/login?msg="+bad)
	}
	secret, err := s.Service().OpenSession(l)
	if err != nil {
		return err
	}
	clearCookie(c, preCookie)
	ses := s.newCookie(c, sessionCookie, secret)
	ses.MaxAge = int(service.SessionIdle / time.Second)
	c.SetCookie(ses)
	return c.Redirect(http.StatusSeeOther, Prefix+"/")
}

// logout ends the session on the server, then forgets the cookie.
func (s *site) logout(c echo.Context) error {
	if ck, err := c.Cookie(sessionCookie); err == nil {
		if err := s.Service().CloseSession(ck.Value); err != nil {
			return err
		}
	}
	clearCookie(c, sessionCookie)
	return c.Redirect(http.StatusSeeOther, Prefix+"/login?msg=loggedout")
}

// names resolves the names of units, items, grids and categories for
// pages, in the caller's language.
type names struct {
	v    *service.View
	lang *Lang
}

// namesAt are the names of the caller's view of sn, a snapshot a service
// read handed out (Meeting, WritableUnit…), so that a page's names agree
// with the read that found its record.
func (s *site) namesAt(c echo.Context, sn store.Snapshot) names {
	return names{v: s.Service().ViewAt(actorOf(c), sn), lang: langFrom(c)}
}

// namesOf are the names of v in the caller's language.
func namesOf(c echo.Context, v *service.View) names { return names{v: v, lang: langFrom(c)} }

// Unit is unit id's name (public: service.View.UnitName).
func (n names) Unit(id string) string { return n.v.UnitName(id) }

func (n names) Item(id string) *matcher.Item {
	it, err := n.v.Reader().Item(id)
	if err != nil {
		return &matcher.Item{ID: id, Title: id}
	}
	return it
}

func (n names) Grid(id string) string {
	if g, err := n.v.Reader().Grid(id); err == nil {
		return g.Name
	}
	if id == "" {
		return n.lang.T("grid.none")
	}
	return id
}

func (n names) Category(id string) string {
	if cat, ok := n.v.Vocab().Get(id); ok {
		if n.lang.Code == "en" {
			return cat.NameEN
		}
		return cat.NameZH
	}
	return id
}

// Kind is a unit kind's name in the caller's language (the kind itself
// when the desk has no name for it: kinds grow with the data).
func (n names) Kind(kind string) string {
	if k := "unitkind." + kind; n.lang.Has(k) {
		return n.lang.T(k)
	}
	return kind
}

// Alliance is alliance id's name (public: service.View.AllianceName).
func (n names) Alliance(id string) string { return n.v.AllianceName(id) }

type homeData struct {
	Meetings []*matcher.Alliance
	Bar      listBar
	Search   bool // more meetings than one screen, or a search made
	// Overviews are the district roll-ups at a glance (rollup.go).
	Overviews []homeOverview
}

// home lists the meetings the caller may run, searched by name and
// filtered by level, the highest level first, 50 a page; a unit goes to
// its page.
func (s *site) home(c echo.Context) error {
	a := actorOf(c)
	if a.Role == matcher.RoleUnit {
		return c.Redirect(http.StatusSeeOther, Prefix+"/units/"+a.ID)
	}
	l := langFrom(c)
	ls := newList(c, "", "", rowPageSize)
	q, level := strings.ToLower(ls.Get("q")), matcher.Level(ls.Get("level"))
	all := s.Service().Meetings(a, service.MeetingQuery{Level: level, Text: q})
	sort.SliceStable(all, func(i, j int) bool { return all[i].Level.Rank() > all[j].Level.Rank() })
	ls.Total = len(all)
	off := min(len(all), (ls.Page-1)*rowPageSize)
	d := homeData{Meetings: all[off:min(len(all), off+rowPageSize)], Search: len(all) > 10 || q != "" || level != ""}
	lv := string(level)
	d.Bar = ls.listBar(l, "meetings-search", l.T("home.q.hint"), []filter{{Name: "level", Label: l.T("lists.level"), Value: lv,
		Options: options(l.T("list.any"), lv, "community", l.T("level.community"), "street", l.T("level.street"), "district", l.T("level.district"))}}, nil)
	var err error
	if d.Overviews, err = s.overviews(a); err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "home", d)
}

// claimView is a claim as pages show it.
type claimView struct {
	C            *matcher.Claim
	Resource     *matcher.Item
	Demand       *matcher.Item
	ResourceUnit string
	DemandUnit   string
	Category     string
	Words        string
	Band         string       // the score in a word (score.band.*)
	Side         matcher.Side // for a unit's page: the unit's side
	Overdue      bool         // waiting for an answer past its deadline
}

func (cv claimView) Accepted(side string) bool { return cv.C.Accepted(matcher.Side(side)) }

func (s *site) claimView(n names, cl *matcher.Claim) claimView {
	res, dem := n.Item(cl.Resource), n.Item(cl.Demand)
	var dist *float64
	if p, q := locate(n.v.Reader(), res), locate(n.v.Reader(), dem); p != nil && q != nil {
		d := match.DistanceKM(*p, *q)
		dist = &d
	}
	return claimView{C: cl, Resource: res, Demand: dem, ResourceUnit: n.Unit(cl.ResourceUnit), DemandUnit: n.Unit(cl.DemandUnit),
		Category: n.Category(dem.Category), Words: explainScore(n.lang, cl.Breakdown, dist), Band: scoreBand(n.lang, cl.Score)}
}

// scoreBand says a score (0..1000) in a word: how well the pair fits.
func scoreBand(l *Lang, score int) string {
	switch {
	case score >= 800:
		return l.T("score.band.4")
	case score >= 650:
		return l.T("score.band.3")
	case score >= 500:
		return l.T("score.band.2")
	}
	return l.T("score.band.1")
}

// locate returns an item's location: its own or its unit's.
func locate(sn index.Reader, it *matcher.Item) *matcher.GeoPoint {
	if it.Location != nil {
		return it.Location
	}
	if u := sn.UnitRaw(it.Unit); u != nil {
		return u.Location
	}
	return nil
}

// unmetView is an unmet demand as pages show it.
type unmetView struct {
	U      match.Unmet
	Open   int64 // the shortfall: what is still open (Need − Met)
	Demand *matcher.Item
	Unit   string
	Cat    string
	Why    string
	// Up: the meeting may send it up now (Service.Escalable); else NotUp
	// says why not.
	Up    bool
	NotUp string
}

// propose runs the meeting's proposals (service.Propose) and shows the
// dashboard.
func (s *site) propose(c echo.Context) error {
	id := c.Param("id")
	set := match.DefaultSettings()
	if m := c.FormValue("mode"); m != "" {
		set.Mode = match.Mode(m)
	}
	if err := set.Validate(); err != nil {
		return err
	}
	due, _, err := formTime(c, "answer_by")
	if err != nil {
		return err
	}
	p, err := s.Service().ProposeBy(c.Request().Context(), actorOf(c), id, set, due)
	if err != nil {
		return err
	}
	_ = p
	return c.Redirect(http.StatusSeeOther, withMsg(Prefix+"/meetings/"+id, "proposed"))
}

// answer records an answer to a claim: a unit for its own side, a
// coordinator for the side the form names.
func (s *site) answer(c echo.Context) error {
	a := actorOf(c)
	ans := service.Answer(c.FormValue("answer"))
	if ans != service.Accept && ans != service.Reject {
		return &pageError{Status: http.StatusBadRequest, Key: "err.invalid", Detail: "answer"}
	}
	var side matcher.Side
	if a.Role != matcher.RoleUnit {
		side = matcher.Side(c.FormValue("side"))
	}
	reason := strings.TrimSpace(c.FormValue("reason"))
	if _, err := s.Service().AnswerClaim(c.Request().Context(), a, c.Param("id"), ans, side, reason); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, withMsg(back(c, Prefix+"/"), string(ans)+"ed"))
}

type unitData struct {
	Unit      *matcher.Unit
	Alliances []string
	// Each list of the page, paged (25 a page, each with its own page
	// parameter): what waits for the unit's answer first (the one to
	// answer first first, service.UnitWaitingFor), what it accepted and
	// waits for the other side, its confirmed claims, its demands (not
	// project slots), resources and projects.
	Waiting, Others, Confirmed    []claimView
	Demands, Resources            []itemRow
	Projects                      []projectRow
	WaitingP, OthersP, ConfirmedP paged
	DemandsP, ResourcesP, ProjP   paged
	N                             names
}

// paged is one list's total and pager.
type paged struct {
	Total int
	Pager pager
}

// pageSlice returns the page of all that the request asks for with the
// list's parameter prefix, and the list's total and pager.
func pageSlice[T any](c echo.Context, prefix, anchor string, size int, all []T) ([]T, paged) {
	ls := newList(c, prefix, anchor, size)
	ls.Total = len(all)
	off := min(len(all), (min(ls.Page, ls.Pages())-1)*size)
	return all[off:min(len(all), off+size)], paged{Total: len(all), Pager: ls.Pager()}
}

// unitPageSize is the rows of each list of a unit's page.
const unitPageSize = 25

// unit shows a unit's lists and the claims waiting for its answer.
func (s *site) unit(c echo.Context) error {
	a := actorOf(c)
	id := c.Param("id")
	// The unit page is the unit's own desk: the caller may change its
	// lists (CanWriteUnit, which is CanSeeUnit).
	u, sn, err := s.Service().WritableUnit(a, id)
	if err != nil {
		return errNotFound
	}
	n := s.namesAt(c, sn)
	d := unitData{Unit: u, N: n}
	for al := range sn.AlliancesOf(id) {
		d.Alliances = append(d.Alliances, al.Name)
	}
	var demands, resources []*matcher.Item
	for it := range sn.ItemsOf(id) {
		switch {
		case it.Kind == matcher.Resource:
			resources = append(resources, it)
		case it.Project == "":
			demands = append(demands, it) // the slots are listed under their projects
		}
	}
	var projects []*matcher.Project
	for p := range sn.ProjectsOf(id) {
		projects = append(projects, p)
	}
	slices.SortFunc(projects, func(x, y *matcher.Project) int { return strings.Compare(x.ID, y.ID) })
	q, err := s.Service().UnitWaitingFor(a, id)
	if err != nil {
		return err
	}
	type sided struct {
		cl   *matcher.Claim
		side matcher.Side
	}
	var others, confirmed []sided
	for _, side := range []matcher.Side{matcher.ResourceSide, matcher.DemandSide} {
		for cl := range sn.ClaimsOfUnit(side, id) {
			if !n.v.CanSeeClaim(cl) {
				continue
			}
			switch {
			case cl.Status == matcher.ClaimProposed && cl.Accepted(side):
				others = append(others, sided{cl, side})
			case cl.Status.Holds():
				confirmed = append(confirmed, sided{cl, side})
			}
		}
	}
	for _, l := range [][]sided{others, confirmed} {
		slices.SortFunc(l, func(x, y sided) int { return strings.Compare(x.cl.ID, y.cl.ID) })
	}
	views := func(ps []sided) []claimView {
		out := make([]claimView, len(ps))
		for i, p := range ps {
			out[i] = s.claimView(n, p.cl)
			out[i].Side = p.side
		}
		return out
	}
	waiting, wp := pageSlice(c, "w-", "waiting", unitPageSize, q.Items)
	for _, w := range waiting {
		cv := s.claimView(n, &w.Claim)
		cv.Side, cv.Overdue = w.Side, w.Overdue
		d.Waiting = append(d.Waiting, cv)
	}
	d.WaitingP = wp
	op, oP := pageSlice(c, "o-", "others", unitPageSize, others)
	d.Others, d.OthersP = views(op), oP
	cp, cP := pageSlice(c, "c-", "confirmed", unitPageSize, confirmed)
	d.Confirmed, d.ConfirmedP = views(cp), cP
	dp, dP := pageSlice(c, "d-", "demands", unitPageSize, demands)
	for _, it := range dp {
		d.Demands = append(d.Demands, n.itemRow(it))
	}
	d.DemandsP = dP
	rp, rP := pageSlice(c, "r-", "resources", unitPageSize, resources)
	for _, it := range rp {
		d.Resources = append(d.Resources, n.itemRow(it))
	}
	d.ResourcesP = rP
	pp, pP := pageSlice(c, "p-", "projects", unitPageSize, projects)
	for _, p := range pp {
		d.Projects = append(d.Projects, n.projectRow(p))
	}
	d.ProjP = pP
	return s.render(c, http.StatusOK, "unit", d)
}

// sideName is a side's name in lang.
func sideName(l *Lang, side matcher.Side) string { return l.T("side." + string(side)) }

var _ = fmt.Sprintf
