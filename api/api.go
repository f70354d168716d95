// Package api is allymatch's HTTP API, served with Echo v4. Only this
// package imports Echo, so that a later move to Echo v5 stays mechanical.
//
// Errors are application/problem+json (RFC 9457) with a message that names
// the field at fault; matcher error codes map to statuses in one place
// (statusOf), and internal errors are logged, never shown.
package api

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/labstack/echo/v4"

	"github.com/allymatch/allymatch/api/web"
	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/bundle"
	"github.com/allymatch/allymatch/matcher/i18n"
	"github.com/allymatch/allymatch/matcher/notify"
	"github.com/allymatch/allymatch/matcher/service"
	"github.com/allymatch/allymatch/matcher/store"
)

// Server serves the API over a store. Until SetStore is called (the store
// is still loading) every route but /healthz answers 503.
type Server struct {
	e     *echo.Echo
	store atomic.Pointer[store.Store]
	svc   atomic.Pointer[service.Service]
	log   *slog.Logger
	admin atomic.Pointer[[sha256.Size]byte] // hash of the admin token; nil: none
	// proxies are the trusted proxies (SetTrustedProxies); nil: none.
	proxies atomic.Pointer[[]netip.Prefix]
	m       *metrics

	routedOnce sync.Once
	routed     map[string]bool // "METHOD /echo/path" of every route (see allowed)

	notifier atomic.Pointer[notify.Notifier] // the webhooks (SetNotifier); nil: none
	// closing is closed when the server shuts down: live streams end.
	closing   chan struct{}
	closeOnce sync.Once
	streamMu  sync.Mutex
	streams   map[string]int // live streams per actor
}

// New returns a server with its routes. log receives request errors.
func New(log *slog.Logger) *Server {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{e: echo.New(), log: log, closing: make(chan struct{})}
	s.e.HideBanner = true
	s.e.HidePort = true
	s.e.HTTPErrorHandler = s.handleError
	s.m = newMetrics(s)
	s.e.Use(s.m.middleware)
	s.e.Use(s.seqMiddleware)
	s.e.GET("/metrics", echo.WrapHandler(s.m.handler()))
	s.e.GET("/healthz", s.healthz)
	s.e.GET("/readyz", s.readyz)
	s.e.GET("/", s.root)
	s.routes()
	s.registerPages()
	return s
}

// SetStore makes the server ready, serving st.
func (s *Server) SetStore(st *store.Store) {
	s.svc.Store(service.New(st))
	s.store.Store(st)
}

// KeepRollupWarm keeps the district roll-up of the store SetStore served
// counted (service.Service.KeepRollupWarm: warmed is called once it first
// is) until ctx is done, logging its errors; it returns at once before
// SetStore.
func (s *Server) KeepRollupWarm(ctx context.Context, warmed func()) {
	svc := s.svc.Load()
	if svc == nil {
		return
	}
	svc.KeepRollupWarm(ctx, warmed, func(err error) { s.log.Warn("warming the district roll-up", "err", err) })
}

// SetAdminToken sets the admin token; only its hash is kept. An empty
// token disables admin access.
func (s *Server) SetAdminToken(tok string) {
	if tok == "" {
		s.admin.Store(nil)
		return
	}
	h := sha256.Sum256([]byte(tok))
	s.admin.Store(&h)
}

// Handler returns the HTTP handler.
func (s *Server) Handler() http.Handler { return s.e }

// rootIndex is what GET / answers an API client: where to go next.
type rootIndex struct {
	Name    string            `json:"name"`
	Links   map[string]string `json:"links"`
	Version string            `json:"version"`
}

// root sends a browser to the desk (/ui/) and answers an API client (one
// that does not put text/html first, curl's */* included) with a small
// JSON index linking the OpenAPI document.
func (s *Server) root(c echo.Context) error {
	if prefersHTML(c.Request().Header.Get(echo.HeaderAccept)) {
		return c.Redirect(http.StatusSeeOther, web.Prefix+"/")
	}
	return c.JSON(http.StatusOK, rootIndex{Name: "allymatch", Version: "1", Links: map[string]string{
		"openapi": "/openapi.json", "desk": web.Prefix + "/", "health": "/healthz", "ready": "/readyz", "api": "/v1",
	}})
}

// prefersHTML reports whether an Accept header asks for HTML before JSON
// (a browser's does; an API client's and curl's */* do not).
func prefersHTML(accept string) bool {
	html, json := -1.0, -1.0
	for part := range strings.SplitSeq(accept, ",") {
		typ, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		for p := range strings.SplitSeq(params, ";") {
			if k, v, ok := strings.Cut(strings.TrimSpace(p), "="); ok && k == "q" {
				fmt.Sscanf(v, "%g", &q)
			}
		}
		switch strings.ToLower(strings.TrimSpace(typ)) {
		case "text/html", "application/xhtml+xml":
			html = max(html, q)
		case "application/json", "application/problem+json":
			json = max(json, q)
		}
	}
	return html > 0 && html > json
}

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
	if err := st.FollowError(); err != nil {
		// A replica that cannot follow the database's changes would
		// serve a past state: the load balancer sends no reads here.
		return &echo.HTTPError{Code: http.StatusServiceUnavailable, Message: "not following the database: " + err.Error()}
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
	// Problems lists the problems when there are several (a bundle, a
	// record with several bad fields): at most maxListed of them, and
	// ProblemsTotal counts them all.
	Problems      []FieldProblem `json:"problems,omitempty"`
	ProblemsTotal int            `json:"problems_total,omitempty"`
}

// maxListed bounds the problems an answer lists, whatever the error holds.
const maxListed = matcher.MaxProblems

// setProblems answers total problems, of which list are the first: the one
// as field and detail, several as a list (cut at maxListed) with a detail
// that counts them, quotes the first and says how many are not listed.
func (p *Problem) setProblems(lang string, list []FieldProblem, total int, first string) {
	if len(list) == 0 {
		return
	}
	if total <= 1 {
		p.Field, p.Detail = list[0].Field, list[0].Detail
		return
	}
	list = list[:min(len(list), maxListed)]
	p.Problems, p.ProblemsTotal = list, total
	p.Detail = i18n.Sprintf(lang, "%s problems; the first: %s", matcher.FormatCount(total), first)
	if rest := total - len(list); rest > 0 {
		more := matcher.AndMore(rest)
		if lang != i18n.EN {
			more = i18n.Sprintf(lang, "… and %s more", matcher.FormatCount(rest))
		}
		p.Detail += i18n.Sprintf(lang, "; the first %s are listed, %s", matcher.FormatCount(len(list)), more)
	}
}

// FieldProblem is one of several problems of a request.
type FieldProblem struct {
	Field  string `json:"field,omitempty"`
	Detail string `json:"detail"`
	Code   string `json:"code,omitempty"`
}

// statusOf maps matcher error codes to HTTP statuses.
var statusOf = map[string]int{
	matcher.EINVALID:   http.StatusBadRequest,
	matcher.ENOTFOUND:  http.StatusNotFound,
	matcher.ECONFLICT:  http.StatusConflict,
	matcher.EFORBIDDEN: http.StatusForbidden,
	matcher.ENOLOGIN:   http.StatusUnauthorized,
	matcher.EINTERNAL:  http.StatusInternalServerError,
}

// handleError writes err as problem+json. Echo's own errors (404, 405, bind
// errors) keep their status; matcher errors map through statusOf, wrapped or
// not; anything else is an internal error, logged and not shown. A 400
// names the field at fault ("body" when it is the body as a whole) or
// lists the problems: at most maxListed of them, with problems_total
// counting them all. The details are in the language Accept-Language
// prefers among English and Chinese (English when it names neither);
// codes and fields never change.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	lang := i18n.Accept(c.Request().Header.Get("Accept-Language"))
	c.Response().Header().Add(echo.HeaderVary, "Accept-Language")
	if lang == i18n.ZH {
		c.Response().Header().Set("Content-Language", "zh-CN")
	}
	p := Problem{Type: "about:blank"}
	var he *echo.HTTPError
	var me *matcher.Error
	var pe *matcher.ProblemsError
	var mbe *http.MaxBytesError
	var be *bundle.Error
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		// The client went away or the server's deadline passed: the solve
		// stopped with the request.
		p.Status = http.StatusServiceUnavailable
		p.Detail = i18n.Sprintf(lang, "the request was cancelled or took too long")
	case errors.As(err, &mbe):
		p.Status = http.StatusRequestEntityTooLarge
		p.Detail = i18n.Sprintf(lang, "the body is larger than %d bytes", mbe.Limit)
		p.Field = "body"
	case errors.As(err, &he):
		p.Status = he.Code
		if msg, ok := he.Message.(string); ok {
			p.Detail = i18n.Sprintf(lang, "%s", msg)
		}
		if he.Code == http.StatusNotFound || he.Code == http.StatusMethodNotAllowed {
			req := c.Request()
			if allow := s.allowed(req); len(allow) > 0 {
				list := strings.Join(allow, ", ")
				c.Response().Header().Set(echo.HeaderAllow, list)
				if req.Method == http.MethodOptions {
					c.NoContent(http.StatusNoContent)
					return
				}
				p.Status = http.StatusMethodNotAllowed
				p.Detail = i18n.Sprintf(lang, "%s takes %s, not %s", req.URL.Path, list, req.Method)
			}
		}
	case errors.As(err, &be):
		// Before *matcher.Error, which a bundle.Error answers to as well:
		// its problems name their records and fields.
		p.Code = be.Code()
		p.Status = statusOf[p.Code]
		n := min(len(be.Problems), maxListed)
		list := make([]FieldProblem, 0, n)
		for _, q := range be.Problems[:n] {
			field := q.Field
			if rec, _, _ := strings.Cut(q.Record, " "); rec != "" {
				field = strings.TrimSuffix(rec+"."+q.Field, ".")
			}
			if field == "" {
				field = "body"
			}
			code := q.Code
			if code == "" {
				code = matcher.EINVALID
			}
			detail := q.String()
			if lang != i18n.EN {
				loc := q
				loc.Msg = i18n.Problem(lang, q)
				detail = loc.String()
			}
			list = append(list, FieldProblem{Field: field, Detail: detail, Code: code})
		}
		if n > 0 {
			p.setProblems(lang, list, len(be.Problems)+be.More, list[0].Detail)
		}
	case errors.As(err, &pe) && len(pe.List) > 0 && pe.List[0].Code != matcher.EINTERNAL:
		p.Code = pe.List[0].Code
		p.Status = statusOf[p.Code]
		n := min(len(pe.List), maxListed)
		list := make([]FieldProblem, 0, n)
		for _, e := range pe.List[:n] {
			field := e.Field
			if field == "" {
				field = "body"
			}
			list = append(list, FieldProblem{Field: field, Detail: i18n.Error(lang, e), Code: e.Code})
		}
		first := pe.List[0].Error()
		if lang != i18n.EN {
			first = i18n.Error(lang, pe.List[0])
			if f := pe.List[0].Field; f != "" {
				first = f + ": " + first
			}
		}
		p.setProblems(lang, list, len(pe.List)+pe.More, first)
	case errors.As(err, &me):
		p.Code = me.Code
		p.Status = statusOf[me.Code]
		if me.Code != matcher.EINTERNAL {
			p.Detail, p.Field = i18n.Error(lang, me), me.Field
		}
	default:
		p.Status = http.StatusInternalServerError
	}
	if p.Status == 0 {
		p.Status = http.StatusInternalServerError
	}
	if p.Status == http.StatusBadRequest && p.Field == "" && len(p.Problems) == 0 {
		p.Field = "body" // a 400 always names what is at fault
	}
	if p.Status >= 500 && p.Status != http.StatusServiceUnavailable {
		s.log.Error("request failed", "method", c.Request().Method, "path", c.Path(), "err", err)
		p.Code = matcher.EINTERNAL
		p.Detail = i18n.Sprintf(lang, "internal error")
	}
	if p.Status == http.StatusUnauthorized {
		c.Response().Header().Set("WWW-Authenticate", `Bearer realm="allymatch"`)
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

// methods are the methods a route may have, in the order Allow lists them.
var methods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// allowed returns the methods routed for req's path other than req's own,
// none when no route has its path. Echo's router cannot say so itself for
// /v1: the group's middleware comes with a catch-all route (/v1/*) that
// answers 404 for every method that a path lacks, so each method is looked
// up in turn and counts only when it reaches a real route.
func (s *Server) allowed(req *http.Request) []string {
	s.routedOnce.Do(func() {
		s.routed = map[string]bool{}
		for _, r := range s.e.Routes() {
			if r.Method != echo.RouteNotFound {
				s.routed[r.Method+" "+r.Path] = true
			}
		}
	})
	path := echo.GetPath(req)
	var out, static []string
	for _, m := range methods {
		if m == req.Method {
			continue
		}
		c := s.e.NewContext(req, nil)
		s.e.Router().Find(m, path, c)
		if s.routed[m+" "+c.Path()] {
			out = append(out, m)
			if c.Path() == path {
				static = append(static, m)
			}
		}
	}
	if static != nil {
		// A route of this very path shadows the routes with a
		// parameter that also match it (/v1/scenarios/sheet is no
		// scenario's id).
		return static
	}
	return out
}
