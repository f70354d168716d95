package api

import (
	"io"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/match"
	"github.com/allymatch/allymatch/matcher/service"
)

// parsePropose decodes and checks a proposals request; an empty body asks
// for the defaults (and no answer deadline).
func parsePropose(r io.Reader) (proposeRequest, error) {
	req := proposeRequest{Settings: match.DefaultSettings()}
	if err := decodeJSON(r, &req, true); err != nil {
		return req, err
	}
	if req.Mode == "" {
		req.Mode = match.Welfare
	}
	var err error
	req.answerBy, err = parseAnswerBy(req.AnswerBy)
	return req, err
}

// propose handles POST /v1/meetings/{alliance}/proposals. The solve runs
// under the request's context: a client that goes away stops it.
func (s *Server) propose(c echo.Context) error {
	req, err := parseBody(c, maxBody, parsePropose)
	if err != nil {
		return err
	}
	out, err := s.service().ProposeBy(c.Request().Context(), actorOf(c), c.Param("alliance"), req.Settings, req.answerBy)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// report handles GET /v1/meetings/{alliance}/report.
func (s *Server) report(c echo.Context) error {
	out, err := s.service().MeetingReport(actorOf(c), c.Param("alliance"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// answerRequest is the optional body of the claim answers: the side a
// coordinator or admin records the answer for, and a reason.
type answerRequest struct {
	Side   matcher.Side `json:"side,omitempty"`
	Reason string       `json:"reason,omitempty"`
}

// answer returns the handler of POST /v1/claims/{id}/{ans}.
func (s *Server) answer(ans service.Answer) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := c.Param("id")
		if !matcher.ValidID(id) {
			return matcher.Errorf(matcher.ENOTFOUND, "claim %q not found", id)
		}
		req, err := parseBody(c, maxBody, optionalBodyOf[answerRequest])
		if err != nil {
			return err
		}
		out, err := s.service().AnswerClaim(c.Request().Context(), actorOf(c), id, ans, req.Side, req.Reason)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, out)
	}
}

// createClaim handles POST /v1/claims: a claim by hand.
func (s *Server) createClaim(c echo.Context) error {
	h, err := parseBody(c, maxBody, bodyOf[service.HandClaim])
	if err != nil {
		return err
	}
	out, err := s.service().ClaimByHand(c.Request().Context(), actorOf(c), h)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, out)
}

// getClaim handles GET /v1/claims/{id}.
func (s *Server) getClaim(c echo.Context) error {
	return answerRead(c, s.service().Claim)
}

// listClaims handles GET /v1/claims?meeting=&unit=&status=&limit=&cursor=.
func (s *Server) listClaims(c echo.Context) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	meeting, unit, status := c.QueryParam("meeting"), c.QueryParam("unit"), matcher.ClaimStatus(c.QueryParam("status"))
	if meeting != "" && !matcher.ValidID(meeting) {
		return matcher.FieldError("meeting", "must be an alliance id, got %q", meeting)
	}
	if unit != "" && !matcher.ValidID(unit) {
		return matcher.FieldError("unit", "must be a unit id, got %q", unit)
	}
	if status != "" && !status.Valid() {
		return matcher.FieldError("status", "must be proposed, confirmed, fulfilled, rejected, withdrawn or expired, got %q", status)
	}
	actor := actorOf(c)
	if actor.Role == matcher.RoleUnit && unit == "" {
		unit = actor.ID // a unit's claims are found through its own items
	}
	f := service.ClaimFilter{Meeting: meeting, Unit: unit, Status: status}
	out := paginate(p, s.service().Claims(actor, f), func(cl *matcher.Claim) string { return cl.ID }, nil)
	return c.JSON(http.StatusOK, out)
}

// listEvents handles GET /v1/events?since=&limit=: the audit log after
// seq since, oldest first, as far as the caller may see it. next is the
// since of the following page.
func (s *Server) listEvents(c echo.Context) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	if p.Cursor != "" {
		return matcher.FieldError("cursor", "events page with since=, not cursor=")
	}
	var since uint64
	if v := c.QueryParam("since"); v != "" {
		if since, err = strconv.ParseUint(v, 10, 64); err != nil {
			return matcher.FieldError("since", "must be an event seq (a whole number), got %q", v)
		}
	}
	evs, err := s.service().Events(actorOf(c), since, p.Limit)
	if err != nil {
		return err
	}
	out := list[matcher.Event]{Items: evs}
	if out.Items == nil {
		out.Items = []matcher.Event{}
	}
	if len(evs) == p.Limit {
		out.Next = strconv.FormatUint(evs[len(evs)-1].Seq, 10)
	}
	return c.JSON(http.StatusOK, out)
}

// parseBody reads the request body through http.MaxBytesReader and parse.
func parseBody[T any](c echo.Context, limit int64, parse func(io.Reader) (T, error)) (T, error) {
	var zero T
	req := c.Request()
	if err := checkContentType(req); err != nil {
		return zero, err
	}
	body := http.MaxBytesReader(c.Response(), req.Body, limit)
	defer body.Close()
	return parse(body)
}
