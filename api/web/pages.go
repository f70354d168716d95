package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/allymatch/allymatch/matcher"
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
	sn   store.Snapshot
	lang *Lang
}

func (n names) Unit(id string) string {
	if u := n.sn.UnitRaw(id); u != nil {
		return u.Name
	}
	return id
}

func (n names) Item(id string) *matcher.Item {
	it, err := n.sn.Item(id)
	if err != nil {
		return &matcher.Item{ID: id, Title: id}
	}
	return it
}

func (n names) Grid(id string) string {
	if g, err := n.sn.Grid(id); err == nil {
		return g.Name
	}
	if id == "" {
		return n.lang.T("grid.none")
	}
	return id
}

func (n names) Category(id string) string {
	if cat, ok := n.sn.Vocab.Get(id); ok {
		if n.lang.Code == "en" {
			return cat.NameEN
		}
		return cat.NameZH
	}
	return id
}

func (n names) Alliance(id string) string {
	if a, err := n.sn.Alliance(id); err == nil {
		return a.Name
	}
	return id
}

type homeData struct {
	Meetings []*matcher.Alliance
	Units    []*matcher.Unit
}

// home lists the meetings the caller may run; a unit goes to its page.
func (s *site) home(c echo.Context) error {
	a := actorOf(c)
	if a.Role == matcher.RoleUnit {
		return c.Redirect(http.StatusSeeOther, Prefix+"/units/"+a.ID)
	}
	sn := s.Service().Store.Snapshot()
	var d homeData
	for al := range sn.Alliances() {
		if service.CanRunMeeting(sn.Reader, a, al.ID) {
			d.Meetings = append(d.Meetings, al)
		}
	}
	sort.SliceStable(d.Meetings, func(i, j int) bool {
		return d.Meetings[i].Level.Rank() > d.Meetings[j].Level.Rank()
	})
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
	Side         matcher.Side // for a unit's page: the unit's side
	Overdue      bool         // waiting for an answer past its deadline
}

func (cv claimView) Accepted(side string) bool { return cv.C.Accepted(matcher.Side(side)) }

func (s *site) claimView(n names, cl *matcher.Claim) claimView {
	res, dem := n.Item(cl.Resource), n.Item(cl.Demand)
	var dist *float64
	if p, q := s.locate(n.sn, res), s.locate(n.sn, dem); p != nil && q != nil {
		d := match.DistanceKM(*p, *q)
		dist = &d
	}
	return claimView{C: cl, Resource: res, Demand: dem, ResourceUnit: n.Unit(cl.ResourceUnit), DemandUnit: n.Unit(cl.DemandUnit),
		Category: n.Category(dem.Category), Words: explainScore(n.lang, cl.Breakdown, dist)}
}

// locate returns an item's location: its own or its unit's.
func (s *site) locate(sn store.Snapshot, it *matcher.Item) *matcher.GeoPoint {
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
	Demand *matcher.Item
	Unit   string
	Cat    string
	Why    string
	// Up: the meeting may send it up now (Service.Escalable); else NotUp
	// says why not.
	Up    bool
	NotUp string
}

type meetingData struct {
	Meeting   *matcher.Alliance
	Parent    string
	Proposed  []claimView
	Confirmed []claimView
	Closed    []claimView
	Unmet     []unmetView
	Result    *match.Result
	Units     []string
	N         names
	WhatIf    *whatIfForm // the what-if form (the dashboard only)
	Proof     *proofView  // the plan's certificate, checked again (the dashboard only)
	// Deadline is the answer deadline of the meeting's waiting claims
	// (zero: none); Waiting who has not answered, per unit.
	Deadline time.Time
	Waiting  *service.MeetingWaiting
}

// DeadlineValue is the deadline as the form's datetime-local value.
func (d *meetingData) DeadlineValue() string { return dueValue(d.Deadline) }

// meetingState gathers a meeting's claims and its unmet demands.
func (s *site) meetingState(ctx context.Context, c echo.Context, id string) (*meetingData, error) {
	a := actorOf(c)
	sn := s.Service().Store.Snapshot()
	al, err := sn.Alliance(id)
	if err != nil || !service.CanRunMeeting(sn.Reader, a, id) {
		return nil, errNotFound
	}
	n := names{sn: sn, lang: langFrom(c)}
	d := &meetingData{Meeting: al, N: n}
	if al.Parent != "" {
		d.Parent = n.Alliance(al.Parent)
	}
	for cl := range sn.ClaimsOfMeeting(id) {
		cv := s.claimView(n, cl)
		switch {
		case cl.Status == matcher.ClaimProposed:
			d.Proposed = append(d.Proposed, cv)
		case cl.Status.Holds():
			d.Confirmed = append(d.Confirmed, cv)
		case cl.Status == matcher.ClaimRejected || cl.Status == matcher.ClaimWithdrawn:
			d.Closed = append(d.Closed, cv)
		}
	}
	d.Deadline = service.MeetingDeadline(sn.Reader, id)
	if d.Waiting, err = s.Service().MeetingWaiting(a, id); err != nil {
		return nil, err
	}
	sortClaims(d.Proposed)
	sortClaims(d.Confirmed)
	res, err := s.result(ctx, sn, id)
	if err != nil {
		return nil, err
	}
	d.Result = res
	ids := make([]string, len(res.Unmet))
	for i, u := range res.Unmet {
		ids[i] = u.Demand
		d.Unmet = append(d.Unmet, unmetView{U: u, Demand: n.Item(u.Demand), Unit: n.Unit(u.Unit), Cat: n.Category(u.Category), Why: explainUnmet(n, u)})
	}
	if al.Parent != "" {
		up, err := s.Service().Escalable(a, id, ids)
		if err != nil {
			return nil, err
		}
		for i := range d.Unmet {
			if err := up[d.Unmet[i].U.Demand]; err != nil {
				d.Unmet[i].NotUp, _ = domainMessage(n.lang, matcher.ErrorMessage(err))
			} else {
				d.Unmet[i].Up = true
			}
		}
	}
	return d, nil
}

func sortClaims(cs []claimView) {
	sort.SliceStable(cs, func(i, j int) bool {
		if cs[i].DemandUnit != cs[j].DemandUnit {
			return cs[i].C.DemandUnit < cs[j].C.DemandUnit
		}
		return cs[i].C.ID < cs[j].C.ID
	})
}

// result is what a new solve of the meeting would give on sn (read only):
// its unmet demands are the ones the meeting cannot meet now. Results are
// kept per meeting for the state they were computed on.
func (s *site) result(ctx context.Context, sn store.Snapshot, id string) (*match.Result, error) {
	s.mu.Lock()
	r := s.results[id]
	s.mu.Unlock()
	if r != nil && r.Seq == sn.Seq {
		return r, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	r, err := match.Run(ctx, sn.Reader, sn.Vocab, id, match.DefaultSettings())
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if len(s.results) > 256 {
		clear(s.results)
	}
	s.results[id] = r
	s.mu.Unlock()
	return r, nil
}

func (s *site) meeting(c echo.Context) error {
	d, err := s.meetingState(c.Request().Context(), c, c.Param("id"))
	if err != nil {
		return err
	}
	d.WhatIf = whatIfOf(d.N.sn, d.N, d.Meeting.ID)
	d.Proof = proofOf(c.Request().Context(), d.N, d.Result)
	return s.render(c, http.StatusOK, "meeting", d)
}

// proofView is what the dashboard shows of a plan's certificate: what it
// proves, how many prices and pairs it weighs, and the result of checking
// it again here with match.Verify (the network rebuilt from the lists,
// without the solver).
type proofView struct {
	Certified                 bool   // the certificate says so
	Violation                 string // else, why not
	Projects                  bool   // optimal given the launched set of projects
	Checked                   bool   // match.Verify accepted it
	CheckErr                  string // else, the first violated condition
	Resources, Demands, Edges int
	Seq                       uint64
	Prices                    []priceView // nonzero prices, resources first
}

// priceView is one nonzero dual price of a certificate.
type priceView struct {
	ID, Title, Unit, Side string
	Dual                  int64
}

func proofOf(ctx context.Context, n names, res *match.Result) *proofView {
	cert := res.Certificate
	if cert == nil {
		return nil
	}
	p := &proofView{Certified: cert.Certified, Violation: cert.Violation, Projects: cert.Statement == match.StatementOptimalProjects,
		Resources: len(cert.Resources), Demands: len(cert.Demands), Edges: res.Stats.Edges, Seq: res.Seq}
	if err := match.Verify(ctx, n.sn.Reader, n.sn.Vocab, res); err != nil {
		p.CheckErr = err.Error()
	} else {
		p.Checked = true
	}
	add := func(list []match.DualItem, side string) {
		for _, x := range list {
			if x.Dual == 0 {
				continue
			}
			it := n.Item(x.ID)
			p.Prices = append(p.Prices, priceView{ID: x.ID, Title: it.Title, Unit: n.Unit(it.Unit), Side: side, Dual: x.Dual})
		}
	}
	add(cert.Resources, "resource")
	add(cert.Demands, "demand")
	return p
}

// plan serves the dashboard's plan with its certificate as JSON, the
// form match --json prints and allymatch verify reads.
func (s *site) plan(c echo.Context) error {
	d, err := s.meetingState(c.Request().Context(), c, c.Param("id"))
	if err != nil {
		return err
	}
	body, err := json.MarshalIndent(d.Result, "", "  ")
	if err != nil {
		return err
	}
	name := fmt.Sprintf("plan-%s-%d.json", d.Meeting.ID, d.Result.Seq)
	c.Response().Header().Set("Content-Disposition", "attachment; filename=\""+asciiName(name)+"\"")
	return c.Blob(http.StatusOK, "application/json; charset=utf-8", append(body, '\n'))
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
	if set.Mode == match.Welfare {
		s.mu.Lock()
		s.results[id] = p.Result
		s.mu.Unlock()
	}
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
	Demands   []*matcher.Item
	Resources []*matcher.Item
	Projects  []*matcher.Project
	Waiting   []claimView // waiting for this unit's answer, the one to answer first first (service.UnitWaitingFor)
	Others    []claimView // proposed, accepted by this unit, waiting for the other side
	Confirmed []claimView
	N         names
}

// unit shows a unit's lists and the claims waiting for its answer.
func (s *site) unit(c echo.Context) error {
	a := actorOf(c)
	id := c.Param("id")
	sn := s.Service().Store.Snapshot()
	u, err := sn.Unit(id)
	if err != nil || !service.CanSeeUnit(sn.Reader, a, id) {
		return errNotFound
	}
	n := names{sn: sn, lang: langFrom(c)}
	d := unitData{Unit: u, N: n}
	for al := range sn.AlliancesOf(id) {
		d.Alliances = append(d.Alliances, al.Name)
	}
	for it := range sn.ItemsOf(id) {
		if it.Kind == matcher.Demand {
			d.Demands = append(d.Demands, it)
		} else {
			d.Resources = append(d.Resources, it)
		}
	}
	for p := range sn.ProjectsOf(id) {
		d.Projects = append(d.Projects, p)
	}
	q, err := s.Service().UnitWaitingFor(a, id)
	if err != nil {
		return err
	}
	for _, w := range q.Items {
		cv := s.claimView(n, &w.Claim)
		cv.Side, cv.Overdue = w.Side, w.Overdue
		d.Waiting = append(d.Waiting, cv)
	}
	for _, side := range []matcher.Side{matcher.ResourceSide, matcher.DemandSide} {
		for cl := range sn.ClaimsOfUnit(side, id) {
			if !service.CanSeeClaim(sn.Reader, a, cl) {
				continue
			}
			cv := s.claimView(n, cl)
			cv.Side = side
			switch {
			case cl.Status == matcher.ClaimProposed && cl.Accepted(side):
				d.Others = append(d.Others, cv)
			case cl.Status.Holds():
				d.Confirmed = append(d.Confirmed, cv)
			}
		}
	}
	for _, l := range [][]claimView{d.Others, d.Confirmed} {
		slices.SortFunc(l, func(x, y claimView) int { return strings.Compare(x.C.ID, y.C.ID) })
	}
	return s.render(c, http.StatusOK, "unit", d)
}

// sideName is a side's name in lang.
func sideName(l *Lang, side matcher.Side) string { return l.T("side." + string(side)) }

var _ = fmt.Sprintf
