// Package web is allymatch's browser interface, served by the API's Echo
// server under /ui: log in with a token, a meeting's dashboard (proposals
// with their scores in words, answers for each side, confirmed claims,
// unmet demands with reasons), a unit's page, the report with charts, a map,
// a printable agenda, spreadsheet import (with a preview) and exports, the
// what-if form with its diff and apply button, and why-not for unmet demands.
//
// Pages are html/template with embedded assets and work with forms alone;
// two small scripts help: static/live.js updates a meeting's page as its
// events arrive, static/whatif.js shows only the what-if form's inputs
// of the kind of edit chosen. Logging in with a token (resolved by the API's own lookup,
// Deps.Login) opens a server-side session: the cookie holds the session's
// random secret (HttpOnly, SameSite=Strict, Secure over TLS or behind a
// trusted proxy that says so), stored only as a hash and ended on the
// server by logging out; every POST carries a CSRF token derived from the
// session; every answer has a Content-Security-Policy. Text is in i18n.go,
// zh-CN by default.
package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/notify"
	"github.com/allymatch/allymatch/matcher/service"
	"github.com/allymatch/allymatch/matcher/store"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Prefix is where the pages are served.
const Prefix = "/ui"

const (
	sessionCookie = "am_session"
	preCookie     = "am_pre" // login form's double-submit value
	langCookie    = "am_lang"
)

// CSP is the Content-Security-Policy of every page: only this origin, no
// inline script or style, no framing.
const CSP = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// Deps is what the pages need from the API server.
type Deps struct {
	// Service returns the service, nil while the store is loading.
	Service func() *service.Service
	// Login resolves a bearer token as the API does; ok is false for a
	// token that opens no live login.
	Login func(token string) (l store.Login, ok bool, err error)
	// Secure reports whether a request reached the server over TLS (itself
	// or through a trusted proxy): its cookies are then Secure (nil: TLS
	// only).
	Secure func(*http.Request) bool
	// Client returns the address login attempts of a request count
	// against (nil: the peer's).
	Client func(*http.Request) string
	// LoginURL returns the desk link that redeems a login code, as seen
	// from the request (nil: a path on this host).
	LoginURL func(r *http.Request, code string) string
	Log      *slog.Logger
	// Notifier returns the webhooks' notifier (nil, or nil returned: the
	// webhooks pages say notifications are off); DeskBase the desk's
	// address as a request saw it (for the links of messages); Done is
	// closed when the server shuts down (live streams end); StreamSlot
	// takes one of an actor's live streams (nil: unbounded).
	Notifier   func() *notify.Notifier
	DeskBase   func(*http.Request) string
	Done       <-chan struct{}
	StreamSlot func(actor string) (release func(), ok bool)
}

// site holds the pages' state.
type site struct {
	Deps
	secret  []byte // CSRF key, new at every start
	logins  *limiter
	pages   map[string]*template.Template
	pending *pendingImports
	sheets  *pendingImports // sheets of edits between preview and creation (whatif_sheet.go)
}

// New returns the pages' handler, serving the paths under /ui. It is an
// Echo instance of its own, so that the pages keep their own error pages
// (HTML, not problem+json) and stay out of the API's route table and
// OpenAPI document; the API server hands it the requests under /ui.
func New(d Deps) http.Handler {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	s := &site{Deps: d, secret: make([]byte, 32), logins: newLimiter(loginsPerMinute, time.Minute), pending: newPending(), sheets: newPending()}
	if _, err := rand.Read(s.secret); err != nil {
		panic(err)
	}
	s.pages = parseTemplates()
	static, _ := fs.Sub(staticFS, "static")
	g := e.Group(Prefix, s.headers, s.errors)
	g.GET("/static/*", staticFiles(static))
	g.GET("/login", s.loginForm)
	g.POST("/login", s.login)
	a := g.Group("", s.session)
	a.GET("", s.home)
	a.GET("/", s.home)
	a.POST("/logout", s.logout)
	a.GET("/meetings/:id", s.meeting)
	a.POST("/meetings/:id/propose", s.propose)
	a.GET("/meetings/:id/plan.json", s.plan)
	a.GET("/meetings/:id/proof", s.proof)
	a.GET("/meetings/:id/report", s.report)
	a.GET("/rollup/:id", s.rollupPage) // the district roll-up (rollup.go)
	a.GET("/rollup/:id/export.xlsx", s.rollupExport)
	// The meeting's lists (meetinglists.go), each searched and paged.
	a.GET("/meetings/:id/claims", s.meetingClaims)
	a.GET("/meetings/:id/unmet", s.meetingUnmet)
	a.GET("/meetings/:id/waiting", s.meetingWaiting)
	a.GET("/meetings/:id/units", s.meetingUnits)
	a.GET("/meetings/:id/items", s.meetingItems)
	a.GET("/meetings/:id/events", s.meetingEvents)
	// Onboarding: the alliance's lead and members, a new alliance below
	// (alliances.go).
	a.GET("/meetings/:id/members", s.members)
	a.POST("/meetings/:id/members", s.changeMembers)
	a.GET("/meetings/:id/alliances/new", s.newAlliance)
	a.POST("/meetings/:id/alliances/new", s.newAlliance)
	a.GET("/meetings/:id/map", s.mapPage)
	a.GET("/meetings/:id/agenda", s.agenda)
	a.GET("/meetings/:id/export/:file", s.export)
	a.GET("/meetings/:id/import", s.importForm)
	a.POST("/meetings/:id/import", s.importPreview)
	a.POST("/meetings/:id/import/commit", s.importCommit)
	a.GET("/template.xlsx", s.template)
	a.GET("/units/:id", s.unit)
	a.POST("/claims/:id/answer", s.answer)
	a.POST("/meetings/:id/whatif", s.whatIf)
	// A sheet of edits as a scenario (whatif_sheet.go).
	a.GET("/meetings/:id/whatif/sheet", s.sheetForm)
	a.POST("/meetings/:id/whatif/sheet", s.sheetPreview)
	a.POST("/meetings/:id/whatif/sheet/create", s.sheetCreate)
	a.GET("/whatif/template.xlsx", s.sheetTemplate)
	a.GET("/whatif/template.csv", s.sheetTemplate)
	a.GET("/scenarios/:sid", s.scenarioPage)
	a.POST("/scenarios/:sid/apply", s.applyScenario)
	a.POST("/scenarios/:sid/share", s.shareScenario)
	a.GET("/scenarios/:sid/export.xlsx", s.exportScenario)
	a.GET("/scenarios/:sid/brief", s.scenarioBrief)
	a.GET("/scenarios/:sid/compare/:other", s.comparePage)
	a.GET("/scenarios/:sid/compare.xlsx", s.exportCompare) // ?with=OTHER
	a.GET("/items/:id/whynot", s.whyNotPage)
	a.GET("/meetings/:id/logins", s.loginsPage)
	a.POST("/meetings/:id/logins/code", s.newLoginCode)
	a.POST("/meetings/:id/slips", s.slips)
	a.POST("/logins/:lid/revoke", s.revokeLogin)
	// A unit's own lists (lists.go, projects.go) and claims by hand (claimhand.go).
	a.GET("/units/:id/items/new", s.newItem)
	a.POST("/units/:id/items", s.createItem)
	a.GET("/items/:id", s.itemPageGet)
	a.POST("/items/:id", s.saveItem)
	a.POST("/items/:id/status", s.setItemStatus)
	a.POST("/items/:id/delete", s.deleteItem)
	a.GET("/units/:id/projects/new", s.newProject)
	a.POST("/units/:id/projects", s.createProject)
	a.GET("/projects/:id", s.projectPageGet)
	a.POST("/projects/:id", s.saveProject)
	a.POST("/projects/:id/delete", s.deleteProject)
	a.GET("/units/:id/browse", s.browse)
	a.GET("/units/:id/claim", s.claimForm)
	a.POST("/units/:id/claim", s.createHandClaim)
	a.GET("/claims/:id", s.claimPage)
	// The meeting's steps (meetingflow.go).
	a.POST("/meetings/:id/deadline", s.setDeadline)
	a.POST("/meetings/:id/escalate", s.escalate)
	a.POST("/claims/:id/fulfil", s.fulfil)
	a.POST("/claims/:id/withdraw", s.withdraw)
	a.POST("/items/:id/return", s.returnItem)
	// The points bank (ledger.go).
	s.ledgerRoutes(a)
	s.registerNotify(a) // webhooks and the live stream (notify.go)
	e.HTTPErrorHandler = func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		if err := s.headers(s.errors(func(echo.Context) error { return err }))(c); err != nil {
			c.NoContent(http.StatusInternalServerError)
		}
	}
	return e
}

// staticFiles serves the embedded assets; a missing one is the desk's 404
// page, not the file server's plain text.
func staticFiles(files fs.FS) echo.HandlerFunc {
	fsrv := http.StripPrefix(Prefix+"/static/", http.FileServer(http.FS(files)))
	return func(c echo.Context) error {
		name := c.Param("*")
		if st, err := fs.Stat(files, name); err != nil || st.IsDir() {
			return errNotFound
		}
		fsrv.ServeHTTP(c.Response(), c.Request())
		return nil
	}
}

// Handles reports whether path is served by the pages.
func Handles(path string) bool { return path == Prefix || strings.HasPrefix(path, Prefix+"/") }

// headers sets the security headers and the language of every answer.
func (s *site) headers(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", CSP)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		lang := ""
		if q := c.QueryParam("lang"); q != "" {
			lang = langOf(q).Code
			c.SetCookie(&http.Cookie{Name: langCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600, SameSite: http.SameSiteLaxMode, HttpOnly: true})
		} else if ck, err := c.Cookie(langCookie); err == nil {
			lang = ck.Value
		}
		c.Set("lang", langOf(lang))
		return next(c)
	}
}

// pageError is an error shown as a page.
type pageError struct {
	Status int
	Key    string // message key
	Detail string
}

func (e *pageError) Error() string { return e.Key + ": " + e.Detail }

var errNotFound = &pageError{Status: http.StatusNotFound, Key: "err.notfound"}

var statusOf = map[string]int{
	matcher.EINVALID:   http.StatusBadRequest,
	matcher.ENOTFOUND:  http.StatusNotFound,
	matcher.ECONFLICT:  http.StatusConflict,
	matcher.EFORBIDDEN: http.StatusForbidden,
}

// errors renders an error as a page in the caller's language; internal
// errors are logged, not shown.
func (s *site) errors(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		err := next(c)
		if err == nil || c.Response().Committed {
			return err
		}
		var pe *pageError
		var he *echo.HTTPError
		switch {
		case errors.As(err, &pe):
		case errors.As(err, &he):
			pe = &pageError{Status: he.Code, Key: "err.http"}
			if he.Code == http.StatusNotFound {
				pe.Key = "err.notfound"
			}
		default:
			code := matcher.ErrorCode(err)
			if st, ok := statusOf[code]; ok {
				pe = &pageError{Status: st, Key: "err." + code, Detail: pageDetail(langFrom(c), err)}
			} else {
				s.Log.Error("page failed", "path", c.Path(), "err", err)
				pe = &pageError{Status: http.StatusInternalServerError, Key: "err.internal"}
			}
		}
		return s.render(c, pe.Status, "error", pe)
	}
}

// session resolves the session cookie; without a valid one the browser is
// sent to the login page. POSTs must carry the session's CSRF token.
func (s *site) session(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if s.Service() == nil {
			return &pageError{Status: http.StatusServiceUnavailable, Key: "err.loading"}
		}
		ck, err := c.Cookie(sessionCookie)
		if err != nil || ck.Value == "" {
			return c.Redirect(http.StatusSeeOther, Prefix+"/login")
		}
		l, err := s.Service().Session(ck.Value)
		if matcher.ErrorCode(err) == matcher.ENOLOGIN {
			clearCookie(c, sessionCookie)
			return c.Redirect(http.StatusSeeOther, Prefix+"/login?msg=expired")
		}
		if err != nil {
			return err
		}
		c.Set("actor", l.Actor)
		c.Set("seq", s.Service().Store.Seq()) // before the page reads: its live stream starts here
		c.Set("csrf", s.csrf("session:"+ck.Value))
		if c.Request().Method == http.MethodPost && !s.checkCSRF(c, "session:"+ck.Value) {
			return &pageError{Status: http.StatusForbidden, Key: "err.csrf"}
		}
		return next(c)
	}
}

func (s *site) csrf(v string) string {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte(v))
	return hex.EncodeToString(m.Sum(nil))[:40]
}

func (s *site) checkCSRF(c echo.Context, v string) bool {
	got := c.Request().Header.Get("X-CSRF-Token")
	if got == "" {
		got = c.FormValue("csrf")
	}
	return subtle.ConstantTimeCompare([]byte(got), []byte(s.csrf(v))) == 1
}

func clearCookie(c echo.Context, name string) {
	c.SetCookie(&http.Cookie{Name: name, Value: "", Path: Prefix, MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode})
}

func (s *site) newCookie(c echo.Context, name, value string) *http.Cookie {
	secure := c.Request().TLS != nil
	if s.Secure != nil {
		secure = s.Secure(c.Request())
	}
	return &http.Cookie{Name: name, Value: value, Path: Prefix, HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: secure}
}

// actorName is what the header calls a: its unit's or alliance's name,
// the role alone for an admin.
func (s *site) actorName(a matcher.Actor) string {
	svc := s.Service()
	if svc == nil {
		return a.ID
	}
	return svc.ActorName(a)
}

func actorOf(c echo.Context) matcher.Actor { a, _ := c.Get("actor").(matcher.Actor); return a }
func langFrom(c echo.Context) *Lang {
	if l, ok := c.Get("lang").(*Lang); ok {
		return l
	}
	return langOf("")
}

// view is what every page template gets.
type view struct {
	L      *Lang
	Actor  matcher.Actor
	CSRF   string
	Path   string // the page's path, for the language links
	Msg    string // a message key to show (after a redirect)
	MsgBad bool   // Msg tells of a refusal: shown in the error style
	Status int    // the answer's HTTP status
	Seq    uint64 // the store's index when the request came (the live stream's since)
	Data   any
	signed bool
	who    string // the actor's unit or alliance name
}

func (v view) Signed() bool { return v.signed }

func (s *site) render(c echo.Context, status int, page string, data any) error {
	t, ok := s.pages[page]
	if !ok {
		return errors.New("no page " + page)
	}
	v := view{L: langFrom(c), Data: data, Path: c.Request().URL.Path, Status: status}
	if a, ok := c.Get("actor").(matcher.Actor); ok {
		v.Actor, v.signed = a, true
		v.who = s.actorName(a)
	}
	v.CSRF, _ = c.Get("csrf").(string)
	v.Seq, _ = c.Get("seq").(uint64)
	if m := c.QueryParam("msg"); m != "" && v.L.Has("msg."+m) {
		v.Msg, v.MsgBad = "msg."+m, badMsgs[m]
	}
	var b strings.Builder
	if err := t.ExecuteTemplate(&b, "layout", v); err != nil {
		return err
	}
	return c.HTMLBlob(status, []byte(b.String()))
}

// badMsgs are the msg= keys that tell of a refusal, not a success: they
// show in the error style, never in the green box.
var badMsgs = map[string]bool{"badcode": true, "badtoken": true, "expired": true}

// WhoName is the signed-in actor's name for the header: its unit's or
// alliance's name, not its id.
func (v view) WhoName() string { return v.who }

// back returns a safe local redirect target from the form, or def.
func back(c echo.Context, def string) string {
	b := c.FormValue("back")
	if u, err := url.Parse(b); err == nil && b != "" && u.Host == "" && u.Scheme == "" && strings.HasPrefix(u.Path, Prefix+"/") && !strings.HasPrefix(b, "//") {
		return b
	}
	return def
}

// withMsg adds msg=key to a local URL.
func withMsg(u, key string) string {
	p, err := url.Parse(u)
	if err != nil {
		return u
	}
	q := p.Query()
	q.Set("msg", key)
	p.RawQuery = q.Encode()
	return p.String()
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}
