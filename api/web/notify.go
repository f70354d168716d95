package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
	"github.com/allymatch/allymatch/matcher/notify"
)

// Notifications in the desk (issue 12): a meeting's (or a unit's) webhooks
// page, to connect a group robot, send a test message, see the deliveries
// and send dead letters again; and the meeting page's live stream, which
// static/live.js follows to update the page while the meeting runs (the
// page works without it).

// registerNotify adds the notification pages to the signed-in group.
func (s *site) registerNotify(a *echo.Group) {
	a.GET("/meetings/:id/webhooks", s.webhooksPage)
	a.POST("/meetings/:id/webhooks", s.addWebhook)
	a.GET("/units/:id/webhooks", s.webhooksPage)
	a.POST("/units/:id/webhooks", s.addWebhook)
	a.POST("/webhooks/:wid/test", s.webhookAction("wh.tested", sendTest))
	a.POST("/webhooks/:wid/delete", s.webhookAction("wh.deleted", unsubscribe))
	a.POST("/webhooks/:wid/retry", s.webhookAction("wh.retried", retryOne))
	a.POST("/webhooks/:wid/retry-all", s.webhookAction("wh.retried", retryAll))
	a.GET("/meetings/:id/stream", s.meetingStream)
}

// webhookRow is a subscription with its latest deliveries.
type webhookRow struct {
	notify.View
	Deliveries []notify.Delivery
}

type webhooksData struct {
	Meeting *matcher.Alliance // a meeting's page, or
	Unit    *matcher.Unit     // a unit's
	Path    string
	Rows    []webhookRow
	Targets []notify.Target
	Kinds   []notify.Kind
	// Form: the values sent back after an error; Error and Field say what.
	Form   url.Values
	Error  string
	Field  string
	Secret string // a generic subscription's secret, made now: shown once
}

// Checked reports whether the form had kind k ticked (all, at first).
func (d *webhooksData) Checked(k notify.Kind) bool {
	if d.Form == nil {
		return true
	}
	return slices.Contains(d.Form["events"], string(k))
}

// V is a form value sent back.
func (d *webhooksData) V(name string) string { return d.Form.Get(name) }

// notifier returns the notifier, or a page saying notifications are off.
func (s *site) notifier() (*notify.Notifier, error) {
	if s.Notifier == nil || s.Notifier() == nil {
		return nil, &pageError{Status: http.StatusServiceUnavailable, Key: "wh.off"}
	}
	return s.Notifier(), nil
}

// webhooksSubject returns the notifier and the meeting or unit of the
// path, if the caller may manage its webhooks (a page saying
// notifications are off when they are).
func (s *site) webhooksSubject(c echo.Context) (*notify.Notifier, *webhooksData, error) {
	n, err := s.notifier()
	if err != nil {
		return nil, nil, err
	}
	a := actorOf(c)
	d := &webhooksData{Targets: notify.Targets, Kinds: notify.Kinds}
	id := c.Param("id")
	if c.Path() == Prefix+"/units/:id/webhooks" {
		u, _, err := s.Service().WritableUnit(a, id)
		if err != nil {
			return nil, nil, errNotFound
		}
		d.Unit, d.Path = u, Prefix+"/units/"+id+"/webhooks"
		return n, d, nil
	}
	al, _, err := s.Service().Meeting(a, id)
	if err != nil {
		return nil, nil, errNotFound
	}
	d.Meeting, d.Path = al, Prefix+"/meetings/"+id+"/webhooks"
	return n, d, nil
}

// showWebhooks renders the webhooks page d with status: the subject's
// subscriptions, each with its last deliveries.
func (s *site) showWebhooks(c echo.Context, status int, n *notify.Notifier, d *webhooksData) error {
	a := actorOf(c)
	alliance, unit := "", ""
	if d.Meeting != nil {
		alliance = d.Meeting.ID
	} else {
		unit = d.Unit.ID
	}
	for _, v := range n.Subscriptions(a, alliance, unit) {
		ds, err := n.Deliveries(a, v.ID, 10)
		if err != nil {
			return err
		}
		d.Rows = append(d.Rows, webhookRow{View: v, Deliveries: ds})
	}
	return s.render(c, status, "webhooks", d)
}

func (s *site) webhooksPage(c echo.Context) error {
	n, d, err := s.webhooksSubject(c)
	if err != nil {
		return err
	}
	return s.showWebhooks(c, http.StatusOK, n, d)
}

// addWebhook subscribes the page's meeting or unit; a generic
// subscription's secret, made now, is shown on the page once.
func (s *site) addWebhook(c echo.Context) error {
	n, d, err := s.webhooksSubject(c)
	if err != nil {
		return err
	}
	form, err := c.FormParams()
	if err != nil {
		return err
	}
	req := notify.SubscribeRequest{Kind: notify.Target(form.Get("kind")), URL: form.Get("url"), Secret: form.Get("secret")}
	for _, k := range form["events"] {
		req.Events = append(req.Events, notify.Kind(k))
	}
	if len(req.Events) == len(notify.Kinds) {
		req.Events = nil // all: kinds added later come too
	}
	if len(form["events"]) == 0 {
		d.Form, d.Field, d.Error = form, "events", langFrom(c).T("wh.err.noevents")
		return s.showWebhooks(c, http.StatusBadRequest, n, d)
	}
	if d.Meeting != nil {
		req.Alliance = d.Meeting.ID
	} else {
		req.Unit = d.Unit.ID
	}
	base := ""
	if s.DeskBase != nil {
		base = s.DeskBase(c.Request())
	}
	created, err := n.Subscribe(c.Request().Context(), actorOf(c), req, base)
	if err != nil {
		var me *matcher.Error
		var pe *matcher.ProblemsError
		field := ""
		switch {
		case errors.As(err, &pe) && len(pe.List) > 0:
			field = pe.List[0].Field
		case errors.As(err, &me):
			field = me.Field
		}
		if field == "" || matcher.ErrorCode(err) == matcher.EINTERNAL {
			return err
		}
		d.Form, d.Field = form, strings.SplitN(field, "[", 2)[0] // events[1]: the events' label
		d.Error = pageDetail(langFrom(c), err)
		return s.showWebhooks(c, statusOf[matcher.ErrorCode(err)], n, d)
	}
	if created.Secret == "" {
		return c.Redirect(http.StatusSeeOther, withMsg(d.Path, "wh.added"))
	}
	d.Secret = created.Secret
	return s.showWebhooks(c, http.StatusOK, n, d)
}

// webhookBack is the page a webhook's button goes back to.
func webhookBack(c echo.Context) string { return back(c, Prefix+"/") }

// webhookAction is the handler of a webhook's button: do with the
// notifier and the path's subscription, then back with msg.
func (s *site) webhookAction(msg string, do func(n *notify.Notifier, c echo.Context, a matcher.Actor, id string) error) echo.HandlerFunc {
	return func(c echo.Context) error {
		n, err := s.notifier()
		if err != nil {
			return err
		}
		if err := do(n, c, actorOf(c), c.Param("wid")); err != nil {
			return err
		}
		return c.Redirect(http.StatusSeeOther, withMsg(webhookBack(c), msg))
	}
}

// The buttons: a test message, unsubscribing, sending one dead letter
// again, and every dead letter of a subscription again (the robot was put
// right).
func sendTest(n *notify.Notifier, _ echo.Context, a matcher.Actor, id string) error {
	_, err := n.SendTest(a, id)
	return err
}

func unsubscribe(n *notify.Notifier, c echo.Context, a matcher.Actor, id string) error {
	return n.Unsubscribe(c.Request().Context(), a, id)
}

func retryOne(n *notify.Notifier, c echo.Context, a matcher.Actor, id string) error {
	_, err := n.Retry(a, id, c.FormValue("msg"))
	return err
}

func retryAll(n *notify.Notifier, _ echo.Context, a matcher.Actor, id string) error {
	_, err := n.RetryAll(a, id)
	return err
}

// meetingStream is the meeting page's live stream: the events the caller
// may see of the meeting and the alliances below it, while its session
// holds.
func (s *site) meetingStream(c echo.Context) error {
	svc := s.Service()
	a, id := actorOf(c), c.Param("id")
	if _, _, err := svc.Meeting(a, id); err != nil {
		return errNotFound
	}
	since, err := notify.SinceOf(c.Request(), svc.Store)
	if err != nil {
		return err
	}
	if s.StreamSlot != nil {
		release, ok := s.StreamSlot(a.String())
		if !ok {
			return &pageError{Status: http.StatusTooManyRequests, Key: "err.http"}
		}
		defer release()
	}
	ck, _ := c.Cookie(sessionCookie)
	return notify.Stream(c.Request().Context(), svc.Store, c.Response(), notify.StreamOptions{
		Since: since,
		Keep: func(r index.Reader, ev *matcher.Event) bool {
			if !matcher.CanSeeEvent(r, a, ev) {
				return false
			}
			return slices.ContainsFunc(ev.Alliances, func(al string) bool { return matcher.Within(r, id, al) })
		},
		Alive: func() bool {
			_, err := svc.Session(ck.Value)
			return err == nil
		},
		Done: s.Done,
	})
}
