// Package api is allymatch's HTTP API, served with Echo v4. Only this
// package imports Echo, so that a later move to Echo v5 stays mechanical.
//
// Errors are application/problem+json (RFC 9457) with a message that names
// the field at fault; matcher error codes map to statuses in one place
// (statusOf), and internal errors are logged, never shown.
package api

import (
	"errors"
	"log/slog"
	"net/http"
	"sync/atomic"

	"github.com/labstack/echo/v4"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/store"
)

// Server serves the API over a store. Until SetStore is called (the store
// is still loading) every route but /healthz answers 503.
type Server struct {
	e     *echo.Echo
	store atomic.Pointer[store.Store]
	log   *slog.Logger
}

// New returns a server with its routes. log receives request errors.
func New(log *slog.Logger) *Server {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{e: echo.New(), log: log}
	s.e.HideBanner = true
	s.e.HidePort = true
	s.e.HTTPErrorHandler = s.handleError
	s.e.GET("/healthz", s.healthz)
	s.e.GET("/readyz", s.readyz)
	return s
}

// SetStore makes the server ready, serving st.
func (s *Server) SetStore(st *store.Store) { s.store.Store(st) }

// Handler returns the HTTP handler.
func (s *Server) Handler() http.Handler { return s.e }

type statusBody struct {
	Status string `json:"status"`
	Seq    uint64 `json:"seq,omitempty"`
}

func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, statusBody{Status: "ok"})
}

func (s *Server) readyz(c echo.Context) error {
	st := s.store.Load()
	if st == nil {
		return &echo.HTTPError{Code: http.StatusServiceUnavailable, Message: "loading the data"}
	}
	return c.JSON(http.StatusOK, statusBody{Status: "ready", Seq: st.Seq()})
}

// Problem is an RFC 9457 problem document.
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
	Code   string `json:"code,omitempty"`
	Field  string `json:"field,omitempty"`
}

// statusOf maps matcher error codes to HTTP statuses.
var statusOf = map[string]int{
	matcher.EINVALID:   http.StatusBadRequest,
	matcher.ENOTFOUND:  http.StatusNotFound,
	matcher.ECONFLICT:  http.StatusConflict,
	matcher.EFORBIDDEN: http.StatusForbidden,
	matcher.EINTERNAL:  http.StatusInternalServerError,
}

// handleError writes err as problem+json. Echo's own errors (404, 405, bind
// errors) keep their status; matcher errors map through statusOf, wrapped or
// not; anything else is an internal error, logged and not shown.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	p := Problem{Type: "about:blank"}
	var he *echo.HTTPError
	var me *matcher.Error
	switch {
	case errors.As(err, &he):
		p.Status = he.Code
		if msg, ok := he.Message.(string); ok {
			p.Detail = msg
		}
	case errors.As(err, &me):
		p.Code = me.Code
		p.Status = statusOf[me.Code]
		if p.Status == 0 {
			p.Status = http.StatusInternalServerError
		}
		if me.Code != matcher.EINTERNAL {
			p.Detail, p.Field = me.Message, me.Field
		}
	default:
		p.Status = http.StatusInternalServerError
	}
	if p.Status >= 500 && p.Status != http.StatusServiceUnavailable {
		s.log.Error("request failed", "method", c.Request().Method, "path", c.Path(), "err", err)
		p.Code = matcher.EINTERNAL
		p.Detail = "internal error"
	}
	p.Title = http.StatusText(p.Status)
	c.Response().Header().Set(echo.HeaderContentType, "application/problem+json")
	if c.Request().Method == http.MethodHead {
		c.NoContent(p.Status)
		return
	}
	if err := c.JSON(p.Status, p); err != nil {
		s.log.Warn("writing an error response", "err", err)
	}
}
