package api

import (
	"io"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/match"
	"github.com/allymatch/allymatch/matcher/service"
)

// The meeting's loose ends: fulfilments with the quantity delivered,
// answer deadlines and who has not answered, escalation the meeting
// decides, and bringing a demand back. The handlers decode and call the
// service, which owns the rules (matcher/service: FulfilClaim,
// SetDeadline, MeetingWaiting, UnitWaitingFor, Escalate, EscalateItems,
// ReturnItem).

// proposeRequest is the body of POST /v1/meetings/{alliance}/proposals:
// the settings, and the answer deadline of the proposals (RFC 3339).
type proposeRequest struct {
	match.Settings
	AnswerBy string    `json:"answer_by,omitempty"`
	answerBy time.Time // AnswerBy parsed; zero: none given
}

// parseAnswerBy reads an answer deadline, an RFC 3339 time ("" is none;
// whether it is ahead is the service's to say).
func parseAnswerBy(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, matcher.FieldError("answer_by", "must be an RFC 3339 time such as 2026-12-05T18:00:00+08:00, got %q", s)
	}
	return t, nil
}

// fulfil handles POST /v1/claims/{id}/fulfil.
func (s *Server) fulfil(c echo.Context) error {
	id := c.Param("id")
	if !matcher.ValidID(id) {
		return matcher.Errorf(matcher.ENOTFOUND, "claim %q not found", id)
	}
	f, err := parseBody(c, maxBody, optionalBodyOf[service.Fulfilment])
	if err != nil {
		return err
	}
	out, err := s.service().FulfilClaim(c.Request().Context(), actorOf(c), id, f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// deadlineRequest is the body of PUT /v1/meetings/{alliance}/deadline.
type deadlineRequest struct {
	AnswerBy string    `json:"answer_by"`
	answerBy time.Time // AnswerBy parsed
}

func parseDeadline(r io.Reader) (deadlineRequest, error) {
	var req deadlineRequest
	if err := decodeJSON(r, &req, false); err != nil {
		return req, err
	}
	var err error
	req.answerBy, err = parseAnswerBy(req.AnswerBy)
	return req, err
}

// setDeadline handles PUT /v1/meetings/{alliance}/deadline.
func (s *Server) setDeadline(c echo.Context) error {
	req, err := parseBody(c, maxBody, parseDeadline)
	if err != nil {
		return err
	}
	out, err := s.service().SetDeadline(c.Request().Context(), actorOf(c), c.Param("alliance"), req.answerBy)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// meetingWaiting handles GET /v1/meetings/{alliance}/waiting.
func (s *Server) meetingWaiting(c echo.Context) error {
	out, err := s.service().MeetingWaiting(actorOf(c), c.Param("alliance"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// meetingPlan handles GET /v1/meetings/{alliance}/plan: the meeting's
// plan on the store as it is now (default settings), with its
// certificate, what allymatch verify checks.
func (s *Server) meetingPlan(c echo.Context) error {
	res, _, err := s.service().MeetingPlan(c.Request().Context(), actorOf(c), c.Param("alliance"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, res)
}

// unitWaiting handles GET /v1/units/{id}/waiting.
func (s *Server) unitWaiting(c echo.Context) error {
	out, err := s.service().UnitWaitingFor(actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// escalateRequest is the optional body of POST
// /v1/meetings/{alliance}/escalate: the demands to move. No body, or no
// items, leaves it to the implicit run.
type escalateRequest struct {
	Items *[]string `json:"items,omitempty"`
}

// escalate handles POST /v1/meetings/{alliance}/escalate.
func (s *Server) escalate(c echo.Context) error {
	req, err := parseBody(c, maxBody, optionalBodyOf[escalateRequest])
	if err != nil {
		return err
	}
	ctx, actor, alliance := c.Request().Context(), actorOf(c), c.Param("alliance")
	var out *service.Escalated
	if req.Items == nil {
		out, err = s.service().Escalate(ctx, actor, alliance)
	} else {
		out, err = s.service().EscalateItems(ctx, actor, alliance, *req.Items)
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// returnItem handles POST /v1/items/{id}/return.
func (s *Server) returnItem(c echo.Context) error {
	id := c.Param("id")
	if !matcher.ValidID(id) {
		return matcher.Errorf(matcher.ENOTFOUND, "item %q not found", id)
	}
	out, err := s.service().ReturnItem(c.Request().Context(), actorOf(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}
