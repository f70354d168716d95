package api

import (
	"io"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
	"github.com/allymatch/allymatch/matcher/notify"
)

// The webhook routes (issue 12): subscriptions of a meeting's group or of
// a unit, their deliveries, a test message and dead letters sent again.
// Scopes are notify's (a subscription outside the caller's scope is
// answered as an absent one); the secret is shown only in the answer that
// made it (a generated whsec_ secret), never afterwards, and robot keys in
// URLs are masked.

// SetNotifier makes the webhook routes work with n (nil: they answer
// 503).
func (s *Server) SetNotifier(n *notify.Notifier) { s.notifier.Store(n) }

// Notifier returns the notifier (nil: none).
func (s *Server) Notifier() *notify.Notifier { return s.notifier.Load() }

var errNoNotifier = &echo.HTTPError{Code: http.StatusServiceUnavailable, Message: "notifications are not running"}

func (s *Server) notify() (*notify.Notifier, error) {
	n := s.notifier.Load()
	if n == nil {
		return nil, errNoNotifier
	}
	return n, nil
}

// deskBase is the desk's address as the request saw it: the links of a
// subscription's messages (unless serve --public-url says otherwise).
func (s *Server) deskBase(r *http.Request) string {
	scheme := "http"
	if s.secure(r) {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func parseSubscribe(r io.Reader) (notify.SubscribeRequest, error) {
	var req notify.SubscribeRequest
	err := decodeJSON(r, &req, false)
	return req, err
}

// createWebhook handles POST /v1/webhooks.
func (s *Server) createWebhook(c echo.Context) error {
	n, err := s.notify()
	if err != nil {
		return err
	}
	req, err := parseBody(c, maxBody, parseSubscribe)
	if err != nil {
		return err
	}
	out, err := n.Subscribe(c.Request().Context(), actorOf(c), req, s.deskBase(c.Request()))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, out)
}

// listWebhooks handles GET /v1/webhooks?alliance=&unit=.
func (s *Server) listWebhooks(c echo.Context) error {
	n, err := s.notify()
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list[notify.View]{Items: n.Subscriptions(actorOf(c), c.QueryParam("alliance"), c.QueryParam("unit"))})
}

// getWebhook handles GET /v1/webhooks/{id}.
func (s *Server) getWebhook(c echo.Context) error {
	n, err := s.notify()
	if err != nil {
		return err
	}
	v, err := n.Subscription(actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

// deleteWebhook handles DELETE /v1/webhooks/{id}.
func (s *Server) deleteWebhook(c echo.Context) error {
	n, err := s.notify()
	if err != nil {
		return err
	}
	if err := n.Unsubscribe(c.Request().Context(), actorOf(c), c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// testWebhook handles POST /v1/webhooks/{id}/test: a test message, sent
// at once.
func (s *Server) testWebhook(c echo.Context) error {
	n, err := s.notify()
	if err != nil {
		return err
	}
	d, err := n.SendTest(actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, d)
}

// listDeliveries handles GET /v1/webhooks/{id}/deliveries?limit=: the
// subscription's messages, newest first.
func (s *Server) listDeliveries(c echo.Context) error {
	n, err := s.notify()
	if err != nil {
		return err
	}
	limit := defaultLimit
	if v := c.QueryParam("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > maxLimit {
			return matcher.FieldError("limit", "must be an integer from 1 to %d, got %q", maxLimit, v)
		}
	}
	ds, err := n.Deliveries(actorOf(c), c.Param("id"), limit)
	if err != nil {
		return err
	}
	if ds == nil {
		ds = []notify.Delivery{}
	}
	return c.JSON(http.StatusOK, list[notify.Delivery]{Items: ds})
}

// retryDelivery handles POST /v1/webhooks/{id}/deliveries/{msg}/retry: a
// dead letter is sent again, with its id.
func (s *Server) retryDelivery(c echo.Context) error {
	n, err := s.notify()
	if err != nil {
		return err
	}
	d, err := n.Retry(actorOf(c), c.Param("id"), c.Param("msg"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, d)
}

// retryDeliveries handles POST /v1/webhooks/{id}/retry: every dead
// letter is sent again, each with its id.
func (s *Server) retryDeliveries(c echo.Context) error {
	n, err := s.notify()
	if err != nil {
		return err
	}
	count, err := n.RetryAll(actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, map[string]int{"retried": count})
}

// Streams: each holds a connection and a goroutine, so that their number
// is bounded per caller and in all.
const (
	maxStreamsPerActor = 8
	maxStreams         = 1024
)

// streamSlot takes a stream slot for actor (false: none left); the
// returned func gives it back.
func (s *Server) streamSlot(actor string) (func(), bool) {
	s.streamMu.Lock()
	defer s.streamMu.Unlock()
	if s.streams == nil {
		s.streams = map[string]int{}
	}
	total := 0
	for _, n := range s.streams {
		total += n
	}
	if s.streams[actor] >= maxStreamsPerActor || total >= maxStreams {
		return nil, false
	}
	s.streams[actor]++
	return func() {
		s.streamMu.Lock()
		defer s.streamMu.Unlock()
		if s.streams[actor]--; s.streams[actor] <= 0 {
			delete(s.streams, actor)
		}
	}, true
}

// StopStreams ends the live streams (serve calls it when it shuts down:
// http.Server.Shutdown does not end a request in flight).
func (s *Server) StopStreams() { s.closeOnce.Do(func() { close(s.closing) }) }

// streamEvents handles GET /v1/events/stream: the audit events the caller
// may see (as GET /v1/events), as Server-Sent Events from Last-Event-ID
// (or ?since=, or now) on. The stream ends when the token stops being
// valid.
func (s *Server) streamEvents(c echo.Context) error {
	st := s.service().Store
	since, err := notify.SinceOf(c.Request(), st)
	if err != nil {
		return err
	}
	actor := actorOf(c)
	release, ok := s.streamSlot(actor.String())
	if !ok {
		return &echo.HTTPError{Code: http.StatusTooManyRequests, Message: "too many live streams open: close one first"}
	}
	defer release()
	tok, _ := bearer(c.Request())
	return notify.Stream(c.Request().Context(), st, c.Response(), notify.StreamOptions{
		Since: since,
		Keep:  func(r index.Reader, ev *matcher.Event) bool { return matcher.CanSeeEvent(r, actor, ev) },
		Alive: func() bool { _, ok, err := s.Login(tok); return ok && err == nil },
		Done:  s.closing,
	})
}
