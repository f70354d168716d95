package web

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/allymatch/allymatch/matcher/match"
)

// proofView is what the desk shows of a plan's certificate: what it
// proves and how many prices and pairs it weighs; on the proof page also
// the result of checking it again with match.Verify (the network rebuilt
// from the lists, without the solver) and the nonzero prices.
type proofView struct {
	Certified bool   // the certificate says so
	Violation string // else, why not
	Projects  bool   // optimal given the launched set of projects
	Checked   bool   // match.Verify accepted it (the proof page)
	CheckErr  string // else, the first violated condition
	Resources int
	Demands   int
	Edges     int
	Seq       uint64
	Prices    []priceView // nonzero prices, resources first (the proof page)
}

// priceView is one nonzero dual price of a certificate.
type priceView struct {
	ID, Title, Unit, Side string
	Dual                  int64
}

// proofOf states res's certificate (nil: none).
func proofOf(res *match.Result) *proofView {
	cert := res.Certificate
	if cert == nil {
		return nil
	}
	return &proofView{Certified: cert.Certified, Violation: cert.Violation, Projects: cert.Statement == match.StatementOptimalProjects,
		Resources: len(cert.Resources), Demands: len(cert.Demands), Edges: res.Stats.Edges, Seq: res.Seq}
}

// proofData is the proof page of a meeting's plan.
type proofData struct {
	meetingHead
	Proof *proofView
}

// proof shows the certificate of the meeting's plan, checked again here
// with match.Verify on the lists the plan was made on, with its nonzero
// prices and the plan to download.
func (s *site) proof(c echo.Context) error {
	al, n, err := s.meetingOf(c)
	if err != nil {
		return err
	}
	res, sn, err := s.Service().MeetingPlan(c.Request().Context(), actorOf(c), al.ID)
	if err != nil {
		return err
	}
	n.v = s.Service().ViewAt(actorOf(c), sn)
	p := proofOf(res)
	if p == nil {
		return errNotFound
	}
	if err := match.Verify(c.Request().Context(), sn.Reader, sn.Vocab, res); err != nil {
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
	add(res.Certificate.Resources, "resource")
	add(res.Certificate.Demands, "demand")
	return s.render(c, http.StatusOK, "proof", &proofData{meetingHead: headOf(al, n), Proof: p})
}

// plan serves the meeting's plan with its certificate as JSON, the form
// match --json prints and allymatch verify reads.
func (s *site) plan(c echo.Context) error {
	al, _, err := s.meetingOf(c)
	if err != nil {
		return err
	}
	res, _, err := s.Service().MeetingPlan(c.Request().Context(), actorOf(c), al.ID)
	if err != nil {
		return err
	}
	body, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	name := fmt.Sprintf("plan-%s-%d.json", al.ID, res.Seq)
	c.Response().Header().Set("Content-Disposition", "attachment; filename=\""+asciiName(name)+"\"")
	return c.Blob(http.StatusOK, "application/json; charset=utf-8", append(body, '\n'))
}
