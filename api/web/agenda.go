package web

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/service"
)

// The printable agenda of a joint meeting (A4, printed or saved as PDF
// from the browser): the proposals to decide, each claim once, grouped by
// its demand unit and naming the resource unit, with the answers given so
// far and the deadline; then the unmet demands with their reasons and the
// boxes of the meeting's decision (□ 提交上级联席会 □ 下次再议); then the
// signatures, kept on the page of the last section. For a large meeting
// the coordinator chooses what to print: only the unanswered proposals,
// one category, only the units with something to decide.

// agendaMax bounds the proposals one printed agenda holds; a choice that
// holds more prints the first of them and says how many are left out.
const agendaMax = 300

// agendaGroup is the proposals of one demand unit.
type agendaGroup struct {
	Unit  string
	Name  string
	Lines []claimView
}

// agendaData is the agenda as printed.
type agendaData struct {
	meetingHead
	Deadline time.Time
	Groups   []agendaGroup
	Claims   int // the proposals printed
	Total    int // the proposals the choice holds
	Unmet    []unmetView
	Signers  []string
	// The choice of what to print.
	Ans, Cat string
	Decide   bool
	Cats     []choice
	Answers  []choice
}

// Answered names the sides of a claim that have accepted it, or says
// that neither has.
func (d *agendaData) Answered(cv claimView) string {
	l := d.N.lang
	if len(cv.C.AcceptedBy) == 0 {
		return l.T("agenda.noanswer")
	}
	return acceptedBy(l, cv.C) + l.T("agenda.accepted")
}

func (s *site) agenda(c echo.Context) error {
	al, n, err := s.meetingOf(c)
	if err != nil {
		return err
	}
	a, l := actorOf(c), n.lang
	d := &agendaData{meetingHead: headOf(al, n), Deadline: service.MeetingDeadline(n.v.Reader(), al.ID),
		Ans: c.QueryParam("ans"), Cat: c.QueryParam("cat"), Decide: c.QueryParam("decide") == "1"}
	d.Cats = categoryFilter(n, "cat", d.Cat).Options
	d.Answers = options(l.T("agenda.all"), d.Ans, service.AnswerNone, l.T("list.ans.none"), service.AnswerOne, l.T("list.ans.one"), service.AnswerOverdue, l.T("list.ans.overdue"))
	pg, err := s.Service().MeetingClaims(a, al.ID, service.ClaimQuery{Statuses: []matcher.ClaimStatus{matcher.ClaimProposed}, Answer: d.Ans, Category: d.Cat,
		Sort: service.ClaimSortUnit, Page: service.Page{Limit: service.AllRows}})
	if err != nil {
		return err
	}
	d.Total = pg.Total
	signers := map[string]bool{}
	var order []string
	sign := func(unit string) {
		if !signers[unit] {
			signers[unit] = true
			order = append(order, unit)
		}
	}
	for _, cl := range pg.Claims[:min(len(pg.Claims), agendaMax)] {
		d.Claims++
		if k := len(d.Groups); k == 0 || d.Groups[k-1].Unit != cl.DemandUnit {
			d.Groups = append(d.Groups, agendaGroup{Unit: cl.DemandUnit, Name: n.Unit(cl.DemandUnit)})
		}
		g := &d.Groups[len(d.Groups)-1]
		g.Lines = append(g.Lines, s.claimView(n, cl))
		// A unit signs when something waits for its decision ("only the
		// units with something to decide": for its answer).
		for _, side := range []matcher.Side{matcher.DemandSide, matcher.ResourceSide} {
			if !d.Decide || !cl.Accepted(side) {
				sign(cl.UnitOf(side))
			}
		}
	}
	un, err := s.Service().MeetingUnmet(c.Request().Context(), a, al.ID, service.UnmetQuery{Category: d.Cat, Page: service.Page{Limit: service.AllRows}})
	if err != nil {
		return err
	}
	rows := un.Rows[:min(len(un.Rows), agendaMax)]
	if d.Unmet, err = s.unmetViews(a, al, n, rows); err != nil {
		return err
	}
	for _, u := range rows {
		sign(u.Unit)
	}
	for _, u := range order {
		d.Signers = append(d.Signers, n.Unit(u))
	}
	return s.render(c, http.StatusOK, "agenda", d)
}
