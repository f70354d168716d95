package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/bundle"
	"github.com/allymatch/allymatch/matcher/match"
	"github.com/allymatch/allymatch/matcher/service"
)

// A meeting's pages at district density: the dashboard (totals and what
// needs attention first, then the proposals to walk through, paged), and
// one page per list of the meeting (claims, unmet demands, who has not
// answered, units, items, events), each searched, filtered, sorted and
// paged by the service's queries.

// Page sizes of the meeting's lists.
const (
	claimPageSize = 25 // rows with answer forms
	rowPageSize   = 50
	topAttention  = 5 // rows of each "needs attention" list
	topWaiting    = 10
)

// meetingOf returns the meeting of the path if the caller may run it.
func (s *site) meetingOf(c echo.Context) (*matcher.Alliance, names, error) {
	al, sn, err := s.Service().Meeting(actorOf(c), c.Param("id"))
	n := s.namesAt(c, sn)
	if err != nil {
		return nil, n, errNotFound
	}
	return al, n, nil
}

// meetingHead is what every page of a meeting shows at its top.
type meetingHead struct {
	Meeting *matcher.Alliance
	Parent  string
	N       names
}

func headOf(al *matcher.Alliance, n names) meetingHead {
	h := meetingHead{Meeting: al, N: n}
	if al.Parent != "" {
		h.Parent = n.Alliance(al.Parent)
	}
	return h
}

// categoryFilter is the filter by category (the vocabulary's, by name).
func categoryFilter(n names, name, cur string) filter {
	var kv []string
	for _, c := range n.v.Vocab().All() {
		kv = append(kv, c.ID, n.Category(c.ID))
	}
	return filter{Name: name, Label: n.lang.T("col.category"), Value: cur, Options: options(n.lang.T("browse.cat.all"), cur, kv...)}
}

// priorityFilter is the filter by priority.
func priorityFilter(l *Lang, cur string) filter {
	var kv []string
	for p := matcher.MaxPriority; p >= 1; p-- {
		v := strconv.Itoa(p)
		kv = append(kv, v, l.T("prio."+v))
	}
	return filter{Name: "prio", Label: l.T("col.priority"), Value: cur, Options: options(l.T("list.any"), cur, kv...)}
}

// unitFilter is the filter by unit: a search field (an id or a part of a
// name), as a meeting has more units than a select shows.
func unitFilter(l *Lang, cur string) filter {
	return filter{Name: "unit", Label: l.T("col.unit"), Value: cur, Hint: l.T("list.unit.hint")}
}

// claimRows are claims as the lists show them.
func (s *site) claimRows(n names, cs []*matcher.Claim) []claimView {
	out := make([]claimView, len(cs))
	for i, c := range cs {
		out[i] = s.claimView(n, c)
	}
	return out
}

// claimList reads a claim list's query from the request, runs it and
// returns its rows and form; statuses fixes the statuses (nil: the
// list's own status filter).
func (s *site) claimList(c echo.Context, al *matcher.Alliance, n names, prefix, anchor, id string, statuses []matcher.ClaimStatus) ([]claimView, listBar, *service.ClaimPage, error) {
	l := n.lang
	ls := newList(c, prefix, anchor, claimPageSize)
	q := service.ClaimQuery{Text: ls.Get("q"), Category: ls.Get("cat"), Unit: ls.Get("unit"), Answer: ls.Get("ans"), Priority: ls.Int("prio"), Sort: ls.Get("sort"), Page: ls.Query(), Statuses: statuses}
	filters := []filter{categoryFilter(n, "cat", q.Category), unitFilter(l, q.Unit)}
	if statuses == nil {
		st := ls.Get("status")
		if st != "" {
			q.Statuses = []matcher.ClaimStatus{matcher.ClaimStatus(st)}
		}
		var kv []string
		for _, x := range claimStatuses {
			kv = append(kv, string(x), l.T("status."+string(x)))
		}
		filters = append(filters, filter{Name: "status", Label: l.T("col.status"), Value: st, Options: options(l.T("list.any"), st, kv...)})
	}
	filters = append(filters,
		filter{Name: "ans", Label: l.T("list.answers"), Value: q.Answer, Options: options(l.T("list.any"), q.Answer,
			service.AnswerNone, l.T("list.ans.none"), service.AnswerOne, l.T("list.ans.one"), service.AnswerOverdue, l.T("list.ans.overdue"))},
		priorityFilter(l, ls.Get("prio")))
	pg, err := s.Service().MeetingClaims(actorOf(c), al.ID, q)
	if err != nil {
		return nil, listBar{}, nil, err
	}
	ls.Total = pg.Total
	b := ls.listBar(l, id, l.T("list.claims.hint"), filters, sorts(l, "sort.claim.", service.ClaimSorts))
	return s.claimRows(n, pg.Claims), b, pg, nil
}

// claimStatuses are the statuses in the order the lists name them.
var claimStatuses = []matcher.ClaimStatus{matcher.ClaimProposed, matcher.ClaimConfirmed, matcher.ClaimFulfilled, matcher.ClaimRejected, matcher.ClaimWithdrawn, matcher.ClaimExpired}

// dashData is a meeting's dashboard.
type dashData struct {
	meetingHead
	Sum        *service.Summary
	TopWaiting []service.UnitWaiting
	TopUnmet   []unmetView
	Proposals  []claimView
	Bar        listBar
	Recent     []claimView // the latest claims confirmed or fulfilled
	Deadline   time.Time
	WhatIf     *whatIfForm
	Proof      *proofView // the certificate of the plan the unmet demands come from
	Back       string     // this page, for the answer forms
}

// DeadlineValue is the deadline as the form's datetime-local value.
func (d *dashData) DeadlineValue() string { return dueValue(d.Deadline) }

// Count is the number of the meeting's claims of status st.
func (d *dashData) Count(st string) int { return d.Sum.Claims[matcher.ClaimStatus(st)] }

// MoreWaiting is how many units wait beyond those listed.
func (d *dashData) MoreWaiting() int { return len(d.Sum.Waiting.Units) - len(d.TopWaiting) }

// meeting shows a meeting's dashboard: its totals and what needs
// attention first (who has not answered, overdue; the unmet demands with
// the largest shortfall), then the proposals to walk through, paged, the
// latest confirmed claims and the what-if form.
func (s *site) meeting(c echo.Context) error {
	al, n, err := s.meetingOf(c)
	if err != nil {
		return err
	}
	return s.renderDashboard(c, al, n, nil, http.StatusOK)
}

func (s *site) renderDashboard(c echo.Context, al *matcher.Alliance, n names, wf *whatIfForm, status int) error {
	a := actorOf(c)
	sum, err := s.Service().MeetingSummary(c.Request().Context(), a, al.ID, topAttention)
	if err != nil {
		return err
	}
	d := &dashData{meetingHead: headOf(al, n), Sum: sum, Deadline: service.MeetingDeadline(n.v.Reader(), al.ID), Back: c.Request().URL.RequestURI()}
	d.TopWaiting = sum.Waiting.Units[:min(len(sum.Waiting.Units), topWaiting)]
	if d.TopUnmet, err = s.unmetViews(a, al, n, sum.Unmet.Rows); err != nil {
		return err
	}
	if d.Proposals, d.Bar, _, err = s.claimList(c, al, n, "", "proposals", "proposals-search", []matcher.ClaimStatus{matcher.ClaimProposed}); err != nil {
		return err
	}
	recent, err := s.Service().MeetingClaims(a, al.ID, service.ClaimQuery{Statuses: []matcher.ClaimStatus{matcher.ClaimConfirmed, matcher.ClaimFulfilled}, Sort: service.ClaimSortNewest, Page: service.Page{Limit: topWaiting}})
	if err != nil {
		return err
	}
	d.Recent = s.claimRows(n, recent.Claims)
	if wf == nil {
		wf = whatIfOf(n, al.ID)
	}
	d.WhatIf = wf
	// The plan MeetingSummary's unmet demands came from (a session's
	// result: no second solve).
	res, _, err := s.Service().MeetingPlan(c.Request().Context(), a, al.ID)
	if err != nil {
		return err
	}
	d.Proof = proofOf(res)
	return s.render(c, status, "meeting", d)
}

// unmetViews puts unmet demands into words, with whether the meeting may
// send each up now (Service.Escalable) and why not.
func (s *site) unmetViews(a matcher.Actor, al *matcher.Alliance, n names, rows []service.UnmetRow) ([]unmetView, error) {
	out := make([]unmetView, len(rows))
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.Demand
		out[i] = unmetView{U: r.Unmet, Open: r.Open, Demand: r.Item, Unit: n.Unit(r.Unit), Cat: n.Category(r.Category), Why: explainUnmet(n, r.Unmet)}
	}
	if al.Parent == "" || len(ids) == 0 {
		return out, nil
	}
	up, err := s.Service().Escalable(a, al.ID, ids)
	if err != nil {
		return nil, err
	}
	for i := range out {
		if err := up[out[i].U.Demand]; err != nil {
			out[i].NotUp = errText(n.lang, err)
		} else {
			out[i].Up = true
		}
	}
	return out, nil
}

// claimsData is the page of a meeting's claims of every status.
type claimsData struct {
	meetingHead
	Rows     []claimView
	Bar      listBar
	ByStatus map[matcher.ClaimStatus]int
	Back     string
}

// Count is the number of the meeting's claims of status st.
func (d *claimsData) Count(st string) int { return d.ByStatus[matcher.ClaimStatus(st)] }

// meetingClaims lists the meeting's claims of every status.
func (s *site) meetingClaims(c echo.Context) error {
	al, n, err := s.meetingOf(c)
	if err != nil {
		return err
	}
	rows, b, pg, err := s.claimList(c, al, n, "", "", "claims-search", nil)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "mclaims", &claimsData{meetingHead: headOf(al, n), Rows: rows, Bar: b, ByStatus: pg.ByStatus, Back: c.Request().URL.RequestURI()})
}

// unmetData is the page of a meeting's unmet demands.
type unmetData struct {
	meetingHead
	Rows      []unmetView
	Bar       listBar
	ByMeasure []service.MeasureTally
	Back      string
}

// meetingUnmet lists what a new solve leaves unmet, with the reasons and
// the shortfall, and the boxes the meeting ticks to send demands up.
func (s *site) meetingUnmet(c echo.Context) error {
	al, n, err := s.meetingOf(c)
	if err != nil {
		return err
	}
	l := n.lang
	ls := newList(c, "", "", rowPageSize)
	q := service.UnmetQuery{Text: ls.Get("q"), Category: ls.Get("cat"), Unit: ls.Get("unit"), Reason: ls.Get("why"), Priority: ls.Int("prio"), Sort: ls.Get("sort"), Page: ls.Query()}
	pg, err := s.Service().MeetingUnmet(c.Request().Context(), actorOf(c), al.ID, q)
	if err != nil {
		return err
	}
	ls.Total = pg.Total
	var reasons []string
	for _, r := range []string{match.ReasonNoCandidate, match.ReasonNoResource, match.ReasonOutcompeted, match.ReasonProjectBlocked} {
		reasons = append(reasons, r, l.T("wn.reason."+r))
	}
	filters := []filter{categoryFilter(n, "cat", q.Category), unitFilter(l, q.Unit),
		{Name: "why", Label: l.T("col.why"), Value: q.Reason, Options: options(l.T("list.any"), q.Reason, reasons...)},
		priorityFilter(l, ls.Get("prio"))}
	d := &unmetData{meetingHead: headOf(al, n), ByMeasure: pg.ByMeasure, Back: c.Request().URL.RequestURI()}
	d.Bar = ls.listBar(l, "unmet-search", l.T("list.items.hint"), filters, sorts(l, "sort.unmet.", service.UnmetSorts))
	if d.Rows, err = s.unmetViews(actorOf(c), al, n, pg.Rows); err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "unmet", d)
}

// waitingData is the page of who has not answered.
type waitingData struct {
	meetingHead
	W        *service.MeetingWaiting
	Rows     []service.UnitWaiting
	Bar      listBar
	Deadline time.Time
}

// DeadlineValue is the deadline as the form's datetime-local value.
func (d *waitingData) DeadlineValue() string { return dueValue(d.Deadline) }

// meetingWaiting lists, per unit, the claims of the meeting waiting for
// its answer (most overdue first), searched by unit and paged.
func (s *site) meetingWaiting(c echo.Context) error {
	al, n, err := s.meetingOf(c)
	if err != nil {
		return err
	}
	w, err := s.Service().MeetingWaiting(actorOf(c), al.ID)
	if err != nil {
		return err
	}
	l := n.lang
	ls := newList(c, "", "", rowPageSize)
	rows := w.Units
	if q := strings.ToLower(ls.Get("q")); q != "" {
		rows = slices.DeleteFunc(slices.Clone(rows), func(u service.UnitWaiting) bool {
			return !strings.Contains(strings.ToLower(u.Name), q) && !strings.Contains(strings.ToLower(u.Unit), q)
		})
	}
	if ls.Get("overdue") == "1" {
		rows = slices.DeleteFunc(slices.Clone(rows), func(u service.UnitWaiting) bool { return u.Overdue == 0 })
	}
	ls.Total = len(rows)
	off := min(len(rows), (ls.Page-1)*rowPageSize)
	d := &waitingData{meetingHead: headOf(al, n), W: w, Rows: rows[off:min(len(rows), off+rowPageSize)], Deadline: service.MeetingDeadline(n.v.Reader(), al.ID)}
	d.Bar = ls.listBar(l, "waiting-search", l.T("list.unit.hint"), []filter{{Name: "overdue", Label: l.T("list.ans.overdue"), Value: ls.Get("overdue"),
		Options: options(l.T("list.any"), ls.Get("overdue"), "1", l.T("list.overdue.only"))}}, nil)
	return s.render(c, http.StatusOK, "waiting", d)
}

// unitsData is the page of a meeting's units.
type unitsData struct {
	meetingHead
	Rows []service.UnitRow
	Bar  listBar
}

// meetingUnits lists the units of the meeting's scope with their open
// lists and the claims waiting for them.
func (s *site) meetingUnits(c echo.Context) error {
	al, n, err := s.meetingOf(c)
	if err != nil {
		return err
	}
	l := n.lang
	ls := newList(c, "", "", rowPageSize)
	q := service.UnitQuery{Text: ls.Get("q"), Kind: matcher.UnitKind(ls.Get("kind")), Grid: ls.Get("grid"), Alliance: ls.Get("alliance"), Waiting: ls.Get("waiting") == "1", Sort: ls.Get("sort"), Page: ls.Query()}
	pg, err := s.Service().MeetingUnits(actorOf(c), al.ID, q)
	if err != nil {
		return err
	}
	ls.Total = pg.Total
	var kinds []string
	for k := range pg.Kinds {
		kinds = append(kinds, string(k))
	}
	slices.Sort(kinds)
	var kv []string
	for _, k := range kinds {
		kv = append(kv, k, n.Kind(k))
	}
	var als []string
	if sc, err := match.ResolveScope(n.v.Reader(), al.ID); err == nil {
		for _, a := range sc.Alliances {
			als = append(als, a, n.Alliance(a))
		}
	}
	filters := []filter{
		{Name: "kind", Label: l.T("col.kind"), Value: string(q.Kind), Options: options(l.T("list.any"), string(q.Kind), kv...)},
		{Name: "alliance", Label: l.T("col.alliance"), Value: q.Alliance, Options: options(l.T("list.any"), q.Alliance, als...)},
		{Name: "waiting", Label: l.T("meeting.waiting"), Value: ls.Get("waiting"), Options: options(l.T("list.any"), ls.Get("waiting"), "1", l.T("list.waiting.only"))},
	}
	d := &unitsData{meetingHead: headOf(al, n), Rows: pg.Units}
	d.Bar = ls.listBar(l, "units-search", l.T("list.unit.hint"), filters, sorts(l, "sort.unit.", service.UnitSorts))
	return s.render(c, http.StatusOK, "units", d)
}

// itemsData is the page of a meeting's items.
type itemsData struct {
	meetingHead
	Rows []itemRow
	Bar  listBar
}

// meetingItems lists the items of the meeting's units: both lists, every
// level, searched and filtered.
func (s *site) meetingItems(c echo.Context) error {
	al, n, err := s.meetingOf(c)
	if err != nil {
		return err
	}
	l := n.lang
	ls := newList(c, "", "", rowPageSize)
	q := service.ItemQuery{Text: ls.Get("q"), Kind: matcher.ItemKind(ls.Get("kind")), Category: ls.Get("cat"), Status: matcher.ItemStatus(ls.Get("status")),
		Unit: ls.Get("unit"), Priority: ls.Int("prio"), Level: matcher.Level(ls.Get("level")), Open: ls.Get("open") == "1", Sort: ls.Get("sort"), Page: ls.Query()}
	pg, err := s.Service().MeetingItems(actorOf(c), al.ID, q)
	if err != nil {
		return err
	}
	ls.Total = pg.Total
	d := &itemsData{meetingHead: headOf(al, n)}
	for _, r := range pg.Items {
		d.Rows = append(d.Rows, n.rowOf(r))
	}
	d.Bar = ls.listBar(l, "items-search", l.T("list.items.hint"), itemFilters(n, ls, true), sorts(l, "sort.item.", service.ItemSorts))
	return s.render(c, http.StatusOK, "items", d)
}

// itemFilters are the filters of an item list: the list, category, unit
// (a meeting's lists), status, priority, level, open only.
func itemFilters(n names, ls *list, withUnit bool) []filter {
	l := n.lang
	kind, st, lv := ls.Get("kind"), ls.Get("status"), ls.Get("level")
	fs := []filter{
		{Name: "kind", Label: l.T("browse.kind"), Value: kind, Options: options(l.T("browse.kind.all"), kind, "demand", l.T("kind.demand"), "resource", l.T("kind.resource"))},
		categoryFilter(n, "cat", ls.Get("cat")),
	}
	if withUnit {
		fs = append(fs, unitFilter(l, ls.Get("unit")),
			filter{Name: "status", Label: l.T("col.status"), Value: st, Options: options(l.T("list.any"), st, "open", l.T("item.open"), "paused", l.T("item.paused"), "closed", l.T("item.closed"))})
	}
	fs = append(fs, priorityFilter(l, ls.Get("prio")),
		filter{Name: "level", Label: l.T("lists.level"), Value: lv, Options: options(l.T("list.any"), lv, "community", l.T("level.community"), "street", l.T("level.street"), "district", l.T("level.district"))})
	if withUnit {
		fs = append(fs, filter{Name: "open", Label: l.T("list.open"), Value: ls.Get("open"), Options: options(l.T("list.any"), ls.Get("open"), "1", l.T("list.open.only"))})
	}
	return fs
}

// rowOf is a service item row as the lists show it.
func (n names) rowOf(r service.ItemRow) itemRow {
	row := n.itemRow(r.Item)
	row.UnitName = n.Unit(r.Item.Unit)
	return row
}

// eventsData is the page of a meeting's audit log.
type eventsData struct {
	meetingHead
	Rows  []eventView
	Bar   listBar
	Next  string
	First string // the newest page, when this is not it
}

// meetingEvents shows the meeting's audit log, newest first, searched and
// filtered by action.
func (s *site) meetingEvents(c echo.Context) error {
	al, n, err := s.meetingOf(c)
	if err != nil {
		return err
	}
	l := n.lang
	ls := newList(c, "", "", rowPageSize)
	before, _ := strconv.ParseUint(ls.Get("before"), 10, 64)
	pg, err := s.Service().MeetingEvents(actorOf(c), al.ID, service.EventQuery{Text: ls.Get("q"), Action: ls.Get("action"), Before: before, Limit: rowPageSize})
	if err != nil {
		return err
	}
	ls.Total = len(pg.Events)
	var kv []string
	for _, a := range []string{"claim", "meeting", "item", "project", "unit", "alliance", "import", "scenario"} {
		kv = append(kv, a, l.T("action."+a))
	}
	d := &eventsData{meetingHead: headOf(al, n)}
	d.Bar = ls.listBar(l, "events-search", l.T("list.events.hint"), []filter{{Name: "action", Label: l.T("event.action"), Value: ls.Get("action"), Options: options(l.T("list.any"), ls.Get("action"), kv...)}}, nil)
	d.Bar.Count = ""
	for i := range pg.Events {
		d.Rows = append(d.Rows, eventViewOf(n, &pg.Events[i]))
	}
	if pg.Next != 0 {
		d.Next = ls.url("before", strconv.FormatUint(pg.Next, 10), "page", "")
	}
	if before != 0 {
		d.First = ls.url("before", "", "page", "")
	}
	return s.render(c, http.StatusOK, "events", d)
}

// eventViewOf is an audit event in words.
func eventViewOf(n names, ev *matcher.Event) eventView {
	l := n.lang
	var ch []string
	for _, x := range ev.Changes[:min(len(ev.Changes), 5)] {
		ch = append(ch, x.ID)
	}
	if ev.Count > len(ch) {
		ch = append(ch, l.T("event.more", ev.Count-len(ch)))
	}
	actor := ev.Actor
	if who, ok := matcher.ParseActor(ev.Actor); ok {
		actor = l.T("role." + string(who.Role))
		switch who.Role {
		case matcher.RoleUnit:
			actor += " " + n.Unit(who.ID)
		case matcher.RoleCoordinator:
			actor += " " + n.Alliance(who.ID)
		}
	}
	action := ev.Action
	if k := "ev." + ev.Action; l.Has(k) {
		action = l.T(k)
	}
	if ev.Side != "" {
		action += l.T("event.side", sideName(l, ev.Side))
	}
	return eventView{Seq: ev.Seq, Time: ev.Time.In(bundle.CST).Format("2006-01-02 15:04:05"), Actor: actor, Action: action, Changes: strings.Join(ch, l.T("list.sep"))}
}
