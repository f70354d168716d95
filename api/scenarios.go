package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/allymatch/allymatch/api/web"
	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/match"
	"github.com/allymatch/allymatch/matcher/scenario"
	"github.com/allymatch/allymatch/matcher/service"
)

// scenarios serves the what-if routes (issue 5) over one scenario.Manager
// per Server: routes() makes it, and hands it to the web pages too (through
// the request context of the paths under /ui), so that a scenario made in
// the browser is the API's and the other way round.
type scenarios struct {
	s *Server
	m *scenario.Manager
}

// register adds the routes to the /v1 group and the manager to the
// requests of the web pages.
func (h *scenarios) register(v1 *echo.Group) {
	v1.POST("/scenarios", h.create)
	v1.POST("/scenarios/sheet", h.createSheet)
	v1.GET("/scenarios", h.list)
	v1.GET("/scenarios/:id/compare", h.compare)
	v1.POST("/scenarios/:id/share", h.share)
	v1.GET("/scenarios/:id", h.get)
	v1.DELETE("/scenarios/:id", h.delete)
	v1.GET("/scenarios/:id/diff", h.diff)
	v1.POST("/scenarios/:id/apply", h.apply)
	v1.GET("/items/:id/why-not", h.whyNot)
	v1.GET("/items/:id/alternatives", h.alternatives)
	h.s.e.Pre(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if web.Handles(c.Request().URL.Path) {
				r := c.Request()
				c.SetRequest(r.WithContext(web.WithScenarios(r.Context(), h.m)))
			}
			return next(c)
		}
	})
}

// parseScenarioRequest decodes a POST /v1/scenarios body strictly, each
// edit on its own so that an error names it (edits[2].colour), and the unit,
// item and project objects (add_unit, set_unit, add_item, set_item,
// add_project) strictly too. The edits are checked against the state when
// the scenario is forked.
func parseScenarioRequest(r io.Reader) (scenario.Request, error) {
	var raw struct {
		scenario.Request
		Edits []json.RawMessage `json:"edits"`
	}
	if err := decodeJSON(r, &raw, false); err != nil {
		return raw.Request, err
	}
	req := raw.Request
	if req.Meeting == "" && len(req.Scope) == 0 {
		return req, matcher.FieldError("meeting", `is required (or "scope", a list of alliances)`)
	}
	if req.Meeting != "" && !matcher.ValidID(req.Meeting) {
		return req, matcher.FieldError("meeting", "must be an alliance id, got %q", req.Meeting)
	}
	for i, id := range req.Scope {
		if !matcher.ValidID(id) {
			return req, matcher.FieldError(fmt.Sprintf("scope[%d]", i), "must be an alliance id, got %q", id)
		}
	}
	if raw.Edits != nil {
		req.Edits = make([]scenario.Edit, len(raw.Edits))
	}
	for i, js := range raw.Edits {
		at := func(err error, sub string) error {
			var me *matcher.Error
			if !errors.As(err, &me) {
				return err
			}
			field := fmt.Sprintf("edits[%d]%s", i, sub)
			if me.Field != "" && me.Field != "body" {
				field += "." + me.Field
			}
			return &matcher.Error{Code: me.Code, Field: field, Message: me.Message, Format: me.Format, Args: me.Args}
		}
		if err := decodeJSON(bytes.NewReader(js), &req.Edits[i], false); err != nil {
			return req, at(err, "")
		}
		var objs struct{ Unit, Item, Project json.RawMessage }
		if err := json.Unmarshal(js, &objs); err != nil {
			return req, at(err, "")
		}
		if t := bytes.TrimSpace(objs.Unit); len(t) > 0 && t[0] == '{' {
			if err := decodeJSON(bytes.NewReader(t), new(matcher.Unit), false); err != nil {
				return req, at(err, ".unit")
			}
		}
		if t := bytes.TrimSpace(objs.Item); len(t) > 0 && t[0] == '{' {
			if err := decodeJSON(bytes.NewReader(t), new(matcher.Item), false); err != nil {
				return req, at(err, ".item")
			}
		}
		if t := bytes.TrimSpace(objs.Project); len(t) > 0 && t[0] == '{' {
			if err := decodeJSON(bytes.NewReader(t), new(matcher.Project), false); err != nil {
				return req, at(err, ".project")
			}
		}
	}
	return req, nil
}

// scenarioView is a scenario as the API answers it.
type scenarioView struct {
	*scenario.Scenario
	// Stale: the live state moved on since the fork (apply would be a 409).
	Stale   bool             `json:"stale"`
	Summary *scenarioSummary `json:"summary,omitempty"`
}

// scenarioSummary sums up a scenario's diff against the live plan.
type scenarioSummary struct {
	Demands         int             `json:"demands"` // demands whose plan changes
	NewlyMet        int             `json:"newly_met"`
	NewlyUnmet      int             `json:"newly_unmet"`
	Moved           int             `json:"moved"`
	QuantityChanged int             `json:"quantity_changed"`
	ScoreChanged    int             `json:"score_changed"`
	Units           int             `json:"units"` // units that gain or lose claims
	Totals          scenario.Totals `json:"totals"`
}

func summarize(d *scenario.Diff) *scenarioSummary {
	s := &scenarioSummary{Demands: len(d.Demands), Units: len(d.Units), Totals: d.Totals}
	for _, c := range d.Demands {
		switch c.Change {
		case scenario.NewlyMet:
			s.NewlyMet++
		case scenario.NewlyUnmet:
			s.NewlyUnmet++
		case scenario.Moved:
			s.Moved++
		case scenario.QuantityChanged:
			s.QuantityChanged++
		case scenario.ScoreChanged:
			s.ScoreChanged++
		}
	}
	return s
}

// of returns the caller's view of the store now and, through it, the
// manager's scenarios.
func (h *scenarios) of(c echo.Context) (*service.View, service.Scenarios) {
	v := h.s.service().View(actorOf(c))
	return v, v.Scenarios(h.m)
}

// view answers a scenario, with the summary of its diff.
func (h *scenarios) view(c echo.Context, x service.Scenarios, sc *scenario.Scenario) (scenarioView, error) {
	v := scenarioView{Scenario: sc, Stale: x.Stale(sc)}
	d, err := x.Diff(c.Request().Context(), sc.ID)
	if err != nil {
		return v, err
	}
	v.Summary = summarize(d)
	return v, nil
}

// create handles POST /v1/scenarios: fork, edit, solve and answer the
// scenario with the summary of its diff. A meeting the caller cannot see
// is a 404, one it sees but may not plan (a unit's) a 403; a bad edit is a
// 400 naming edits[i].field; past the manager's bound a 409.
func (h *scenarios) create(c echo.Context) error {
	req, err := parseBody(c, maxBody, parseScenarioRequest)
	if err != nil {
		return err
	}
	_, x := h.of(c)
	sc, err := x.Create(c.Request().Context(), req)
	if err != nil {
		return err
	}
	return h.answerCreated(c, x, sc)
}

// answerCreated answers the creation of sc (made through x, whose view
// was taken before) with its view.
func (h *scenarios) answerCreated(c echo.Context, x service.Scenarios, sc *scenario.Scenario) error {
	v, err := h.view(c, x, sc)
	if err != nil {
		// The scenario exists but its solve failed (cancelled, say): keep
		// no half-made scenario.
		x.Delete(sc.ID)
		return err
	}
	return c.JSON(http.StatusCreated, v)
}

// scenarioOrder orders scenario ids as the manager lists them ("sc-9"
// before "sc-10").
func scenarioOrder(a, b string) int {
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	return strings.Compare(a, b)
}

// list handles GET /v1/scenarios?limit=&cursor=: the scenarios the caller
// may see (its own, and those of the meetings it may run).
func (h *scenarios) list(c echo.Context) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	v, x := h.of(c)
	seq := v.Seq()
	out := list[scenarioView]{Items: []scenarioView{}}
	all, err := x.List()
	if err != nil {
		return err
	}
	for _, sc := range all {
		if p.Cursor != "" && scenarioOrder(sc.ID, p.Cursor) <= 0 {
			continue
		}
		if len(out.Items) == p.Limit {
			out.Next = out.Items[len(out.Items)-1].ID
			break
		}
		out.Items = append(out.Items, scenarioView{Scenario: sc, Stale: sc.Seq != seq})
	}
	return c.JSON(http.StatusOK, out)
}

// scenarioParam returns the scenario of the path's id as the caller may
// see it through x.
func scenarioParam(c echo.Context, x service.Scenarios) (*scenario.Scenario, error) {
	id := c.Param("id")
	if !matcher.ValidID(id) {
		return nil, notFound("scenario", id)
	}
	return x.Get(id)
}

// shareRequest is the body of POST /v1/scenarios/{id}/share.
type shareRequest struct {
	Shared *bool `json:"shared"`
}

func parseShareRequest(r io.Reader) (shareRequest, error) {
	var req shareRequest
	if err := decodeJSON(r, &req, false); err != nil {
		return req, err
	}
	if req.Shared == nil {
		return req, matcher.FieldError("shared", "is required (true or false)")
	}
	return req, nil
}

// share handles POST /v1/scenarios/{id}/share {"shared":true}: the
// scenario is read (only read) by the coordinators of the alliances it
// touches; false takes that back. Only who may change it shares it (its
// owner, the coordinators of its scope): those it is shared with get a 403.
func (h *scenarios) share(c echo.Context) error {
	_, x := h.of(c)
	sc, err := scenarioParam(c, x)
	if err != nil {
		return err
	}
	req, err := parseBody(c, maxBody, parseShareRequest)
	if err != nil {
		return err
	}
	sc, err = x.Share(sc.ID, *req.Shared)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, scenarioView{Scenario: sc, Stale: x.Stale(sc)})
}

// compare handles GET /v1/scenarios/{id}/compare?with=ID: two scenarios
// of the same scope side by side (a 400 for scenarios of other meetings;
// one the caller may not read is a 404).
func (h *scenarios) compare(c echo.Context) error {
	ids := [2]string{c.Param("id"), c.QueryParam("with")}
	if !matcher.ValidID(ids[0]) {
		return notFound("scenario", ids[0])
	}
	if ids[1] == "" {
		return matcher.FieldError("with", "is required (a scenario id)")
	}
	if !matcher.ValidID(ids[1]) {
		return matcher.NewError(matcher.ENOTFOUND, "with", "scenario %q not found", ids[1])
	}
	_, x := h.of(c)
	out, err := x.Compare(c.Request().Context(), ids[0], ids[1])
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// notSheet answers a 405 for /v1/scenarios/sheet, which the router hands
// to the routes of /v1/scenarios/{id} for the methods POST does not take:
// "sheet" is a route, no scenario's id.
func notSheet(c echo.Context) error {
	if c.Param("id") == "sheet" {
		return echo.ErrMethodNotAllowed
	}
	return nil
}

// get handles GET /v1/scenarios/{id}, with the summary of its diff.
func (h *scenarios) get(c echo.Context) error {
	if err := notSheet(c); err != nil {
		return err
	}
	_, x := h.of(c)
	sc, d, err := scenarioDiff(c, x)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, scenarioView{Scenario: sc, Stale: x.Stale(sc), Summary: summarize(d)})
}

// scenarioDiff returns the scenario of the path's id as the caller may
// see it through x, and its diff with the live plan (one read of the
// scenario).
func scenarioDiff(c echo.Context, x service.Scenarios) (*scenario.Scenario, *scenario.Diff, error) {
	id := c.Param("id")
	if !matcher.ValidID(id) {
		return nil, nil, notFound("scenario", id)
	}
	return x.GetDiff(c.Request().Context(), id)
}

// delete handles DELETE /v1/scenarios/{id}.
func (h *scenarios) delete(c echo.Context) error {
	if err := notSheet(c); err != nil {
		return err
	}
	_, x := h.of(c)
	sc, err := scenarioParam(c, x)
	if err != nil {
		return err
	}
	if err := x.Delete(sc.ID); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// diff handles GET /v1/scenarios/{id}/diff: the scenario's plan against
// today's live plan of its meeting.
func (h *scenarios) diff(c echo.Context) error {
	_, x := h.of(c)
	_, d, err := scenarioDiff(c, x)
	if err != nil {
		return err
	}
	if d.Demands == nil {
		d.Demands = []scenario.DemandChange{}
	}
	if d.Units == nil {
		d.Units = []scenario.UnitChange{}
	}
	return c.JSON(http.StatusOK, d)
}

// appliedResponse answers POST /v1/scenarios/{id}/apply.
type appliedResponse struct {
	Scenario scenarioView  `json:"scenario"`
	Event    matcher.Event `json:"event"`
}

// conflictProblem is the 409 of a stale apply: what changed since the fork,
// as far as the caller may see it.
type conflictProblem struct {
	Problem
	ForkSeq uint64          `json:"fork_seq"`
	LiveSeq uint64          `json:"live_seq"`
	Events  []matcher.Event `json:"events"`
	Hidden  int             `json:"hidden,omitempty"` // events since the fork the caller may not see
}

// apply handles POST /v1/scenarios/{id}/apply: the scenario's edits go to
// the live store as one change, only if nothing changed since the fork;
// else 409 with the events since.
func (h *scenarios) apply(c echo.Context) error {
	_, x := h.of(c)
	sc, err := scenarioParam(c, x)
	if err != nil {
		return err
	}
	ev, err := x.Apply(c.Request().Context(), sc.ID)
	var ce *scenario.ConflictError
	if errors.As(err, &ce) {
		v, _ := h.of(c)
		return writeConflict(c, v, ce)
	}
	if err != nil {
		return err
	}
	_, x = h.of(c)
	sc, err = scenarioParam(c, x)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, appliedResponse{Scenario: scenarioView{Scenario: sc, Stale: x.Stale(sc)}, Event: ev})
}

// writeConflict answers the 409 of ce with the events since the fork that
// v's actor may see (v: taken after the conflict).
func writeConflict(c echo.Context, v *service.View, ce *scenario.ConflictError) error {
	p := conflictProblem{ForkSeq: ce.Fork, LiveSeq: ce.Live, Events: []matcher.Event{}}
	for i := range ce.Events {
		if v.CanSeeEvent(&ce.Events[i]) {
			p.Events = append(p.Events, ce.Events[i])
		} else {
			p.Hidden++
		}
	}
	p.Problem = Problem{
		Type:   "about:blank",
		Title:  http.StatusText(http.StatusConflict),
		Status: http.StatusConflict,
		Code:   matcher.ECONFLICT,
		Detail: fmt.Sprintf("the live state changed since the scenario's fork (index %d, now %d): fork a new scenario", ce.Fork, ce.Live),
	}
	c.Response().Header().Set(echo.HeaderContentType, "application/problem+json")
	return c.JSON(http.StatusConflict, p)
}

// demandParam returns the demand of the path's id if the caller may see
// it (else 404; a resource is a 400) and the view it was read in.
func (h *scenarios) demandParam(c echo.Context) (*matcher.Item, *service.View, error) {
	v := h.s.service().View(actorOf(c))
	id := c.Param("id")
	it, err := v.Item(id)
	if err != nil {
		return nil, v, notFound("item", id)
	}
	if it.Kind != matcher.Demand {
		return nil, v, matcher.FieldError("id", "item %q is a resource; only a demand can be explained", id)
	}
	return it, v, nil
}

// settingsQuery reads ?mode= (default welfare).
func settingsQuery(c echo.Context) (match.Settings, error) {
	set := match.DefaultSettings()
	if m := c.QueryParam("mode"); m != "" {
		set.Mode = match.Mode(m)
		if set.Validate() != nil {
			return set, matcher.FieldError("mode", "must be welfare, coverage or stable, got %q", m)
		}
	}
	return set, nil
}

// whyNot handles GET /v1/items/{id}/why-not?mode=: where a demand stands,
// its nearest resources with every rule that blocks each, and the verified
// single changes that would get it (more) met. Resources and fixes the
// caller may not see are left out (hidden counts them).
func (h *scenarios) whyNot(c echo.Context) error {
	it, v, err := h.demandParam(c)
	if err != nil {
		return err
	}
	set, err := settingsQuery(c)
	if err != nil {
		return err
	}
	w, hidden, err := v.WhyNot(c.Request().Context(), it, set)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, whyNotResponse{WhyNotResult: w, Hidden: hidden})
}

// whyNotResponse is match.WhyNotResult as the caller may see it.
type whyNotResponse struct {
	*match.WhyNotResult
	Hidden int `json:"hidden,omitempty"` // candidates and fixes left out: the caller may not see their items
}

// alternatives handles GET /v1/items/{id}/alternatives?k=3&meeting=&mode=:
// the k best other plans for a demand with what each costs the meeting's
// plan. meeting defaults to the demand's own; another must be one the
// caller may see.
func (h *scenarios) alternatives(c echo.Context) error {
	it, v, err := h.demandParam(c)
	if err != nil {
		return err
	}
	k := 3
	if v := c.QueryParam("k"); v != "" {
		k, err = strconv.Atoi(v)
		if err != nil || k < 1 || k > match.MaxAlternatives {
			return matcher.FieldError("k", "must be an integer from 1 to %d, got %q", match.MaxAlternatives, v)
		}
	}
	meeting := c.QueryParam("meeting")
	if meeting != "" {
		if _, err := v.Alliance(meeting); err != nil {
			return notFound("meeting", meeting)
		}
	}
	set, err := settingsQuery(c)
	if err != nil {
		return err
	}
	out, err := v.Alternatives(c.Request().Context(), meeting, it, k, set)
	if err != nil {
		return err
	}
	if out.Alternatives == nil {
		out.Alternatives = []match.Alternative{}
	}
	if out.Optimum == nil {
		out.Optimum = []match.Proposal{}
	}
	return c.JSON(http.StatusOK, out)
}
