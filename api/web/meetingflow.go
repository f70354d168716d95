package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/bundle"
	"github.com/allymatch/allymatch/matcher/service"
)

// The meeting's own steps in the desk, each through its service function:
// the answer deadline, the escalation the meeting ticks, a claim fulfilled
// (all or part of it) or withdrawn, a demand brought back from above.

// formTime reads a <input type="datetime-local"> field (China Standard
// Time); ok is false when it is empty, err when it is not a time.
func formTime(c echo.Context, name string) (t time.Time, ok bool, err error) {
	v := strings.TrimSpace(c.FormValue(name))
	if v == "" {
		return time.Time{}, false, nil
	}
	t, parsed := parseWindowTime(v)
	if !parsed {
		return time.Time{}, false, matcher.FieldError(name, "%q is not a date and time", v)
	}
	return t, true, nil
}

// setDeadline sets or moves the answer deadline of the meeting's waiting
// claims.
func (s *site) setDeadline(c echo.Context) error {
	id := c.Param("id")
	due, ok, err := formTime(c, "answer_by")
	if err != nil {
		return err
	}
	if !ok {
		return matcher.FieldError("answer_by", "is required")
	}
	if _, err := s.Service().SetDeadline(c.Request().Context(), actorOf(c), id, due); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, withMsg(Prefix+"/meetings/"+id+"#waiting", "deadline"))
}

// escalate moves the unmet demands the meeting ticked (a project's slot
// takes its whole project) up to the meeting above.
func (s *site) escalate(c echo.Context) error {
	id := c.Param("id")
	form, err := c.FormParams()
	if err != nil {
		return err
	}
	items := form["item"]
	if len(items) == 0 {
		return matcher.FieldError("items", "tick the unmet demands that go up to the meeting above")
	}
	out, err := s.Service().EscalateItems(c.Request().Context(), actorOf(c), id, items)
	if err != nil {
		return err
	}
	msg := "escalated"
	if len(out.Projects) > 0 {
		msg = "escalated.projects"
	}
	return c.Redirect(http.StatusSeeOther, withMsg(back(c, Prefix+"/meetings/"+id), msg))
}

// fulfil records a confirmed claim as delivered: all of it, or the
// quantity given (the rest goes back to both items).
func (s *site) fulfil(c echo.Context) error {
	f := service.Fulfilment{Side: matcher.DemandSide}
	if v := strings.TrimSpace(c.FormValue("quantity")); v != "" {
		q, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return matcher.FieldError("quantity", "must be a whole number, got %q", v)
		}
		f.Quantity = &q
	}
	if _, err := s.Service().FulfilClaim(c.Request().Context(), actorOf(c), c.Param("id"), f); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, withMsg(back(c, Prefix+"/claims/"+c.Param("id")), "fulfilled"))
}

// withdraw withdraws a claim for the caller's side (a coordinator names
// it), with the reason given.
func (s *site) withdraw(c echo.Context) error {
	var side matcher.Side
	if actorOf(c).Role != matcher.RoleUnit {
		side = matcher.Side(c.FormValue("side"))
	}
	reason := strings.TrimSpace(c.FormValue("reason"))
	if _, err := s.Service().AnswerClaim(c.Request().Context(), actorOf(c), c.Param("id"), service.Withdraw, side, reason); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, withMsg(back(c, Prefix+"/claims/"+c.Param("id")), "withdrawn"))
}

// returnItem brings an escalated demand (or its whole project) back to the
// meeting below, until the upper meeting has a claim on it.
func (s *site) returnItem(c echo.Context) error {
	if _, err := s.Service().ReturnItem(c.Request().Context(), actorOf(c), c.Param("id")); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, withMsg(back(c, Prefix+"/items/"+c.Param("id")), "returned"))
}

// dueValue is a deadline as a datetime-local field's value (CST).
func dueValue(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(bundle.CST).Format(windowLayout)
}
