package api

import (
	"crypto/subtle"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/allymatch/allymatch/api/web"
	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/service"
	"github.com/allymatch/allymatch/matcher/store"
)

const actorKey = "allymatch.actor"

var (
	errNoToken    = &echo.HTTPError{Code: http.StatusUnauthorized, Message: "send a bearer token: Authorization: Bearer TOKEN"}
	errBadToken   = &echo.HTTPError{Code: http.StatusUnauthorized, Message: "the bearer token is not valid"}
	errNotReady   = &echo.HTTPError{Code: http.StatusServiceUnavailable, Message: "loading the data"}
	errAdminsOnly = matcher.Errorf(matcher.EFORBIDDEN, "this needs an admin token")
)

// bearer returns the token of an "Authorization: Bearer TOKEN" header.
func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get(echo.HeaderAuthorization)
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	tok = strings.TrimSpace(tok)
	return tok, tok != ""
}

// authenticate resolves the caller's bearer token into a matcher.Actor: the
// admin token (compared by hash in constant time) or a stored token (looked
// up by its SHA-256) that is live: not expired, not revoked, and standing
// for the unit or alliance it was made for. Anything else is a 401.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if s.svc.Load() == nil {
			return errNotReady
		}
		tok, ok := bearer(c.Request())
		if !ok {
			return errNoToken
		}
		l, ok, err := s.Login(tok)
		if err != nil {
			return err
		}
		if !ok {
			return errBadToken
		}
		c.Set(actorKey, l.Actor)
		return next(c)
	}
}

// Login resolves a bearer token as authenticate does: the admin token (a
// login of role admin and kind "") or a stored, live token. ok is false
// for an empty, unknown, expired or revoked token, one whose subject is
// gone, and while the store is loading.
func (s *Server) Login(tok string) (l store.Login, ok bool, err error) {
	svc := s.svc.Load()
	if svc == nil || tok == "" {
		return store.Login{}, false, nil
	}
	h := store.HashToken(tok)
	if admin := s.admin.Load(); admin != nil && subtle.ConstantTimeCompare(h[:], admin[:]) == 1 {
		return store.Login{Actor: matcher.Admin}, true, nil
	}
	l, err = svc.Authenticate(tok)
	if matcher.ErrorCode(err) == matcher.ENOLOGIN {
		return store.Login{}, false, nil
	}
	return l, err == nil, err
}

// actorOf returns the caller resolved by authenticate.
func actorOf(c echo.Context) matcher.Actor {
	a, _ := c.Get(actorKey).(matcher.Actor)
	return a
}

// service returns the service (authenticate has checked it is there).
func (s *Server) service() *service.Service { return s.svc.Load() }

// tokenResponse answers POST /v1/tokens: the secret, shown once, and the
// login it opens.
type tokenResponse struct {
	Token     string        `json:"token"`
	ID        string        `json:"id"`
	Actor     matcher.Actor `json:"actor"`
	ExpiresAt time.Time     `json:"expires_at"`
}

// createToken handles POST /v1/tokens: an admin for anyone, a coordinator
// for the units and coordinators of its scope.
func (s *Server) createToken(c echo.Context) error {
	var req service.TokenRequest
	if err := s.decode(c, maxBody, &req); err != nil {
		return err
	}
	tok, l, err := s.service().NewToken(actorOf(c), req)
	if err != nil {
		return err
	}
	s.log.Info("token created", "id", l.ID, "actor", l.Actor.String(), "by", actorOf(c).String())
	return c.JSON(http.StatusCreated, tokenResponse{Token: tok, ID: l.ID, Actor: l.Actor, ExpiresAt: l.Expires})
}

// loginView is a login as GET /v1/tokens lists it (never its secret).
type loginView struct {
	ID        string          `json:"id"`
	Kind      store.LoginKind `json:"kind"`
	Role      matcher.Role    `json:"role"`
	Subject   string          `json:"subject"`
	Actor     matcher.Actor   `json:"actor"`
	CreatedBy string          `json:"created_by,omitempty"`
	Created   time.Time       `json:"created"`
	LastUsed  *time.Time      `json:"last_used,omitempty"`
	ExpiresAt *time.Time      `json:"expires_at,omitempty"`
}

// listTokens handles GET /v1/tokens: the live logins the caller may see
// (tokens, desk sessions, unredeemed login codes).
func (s *Server) listTokens(c echo.Context) error {
	ls, err := s.service().Logins(actorOf(c))
	if err != nil {
		return err
	}
	out := list[loginView]{Items: make([]loginView, 0, len(ls))}
	for _, l := range ls {
		v := loginView{ID: l.ID, Kind: l.Kind, Role: l.Actor.Role, Subject: l.Actor.ID, Actor: l.Actor, CreatedBy: l.CreatedBy, Created: l.Created}
		if !l.LastUsed.IsZero() {
			v.LastUsed = &l.LastUsed
		}
		if !l.Expires.IsZero() {
			v.ExpiresAt = &l.Expires
		}
		out.Items = append(out.Items, v)
	}
	return c.JSON(http.StatusOK, out)
}

// revokeToken handles DELETE /v1/tokens/{id}: a token (its desk sessions
// end with it), a session or a login code; its next use is refused.
func (s *Server) revokeToken(c echo.Context) error {
	if err := s.service().RevokeLogin(actorOf(c), c.Param("id")); err != nil {
		return err
	}
	s.log.Info("login revoked", "id", c.Param("id"), "by", actorOf(c).String())
	return c.NoContent(http.StatusNoContent)
}

// codeResponse answers POST /v1/login-codes: the code, shown once, and the
// desk link that redeems it.
type codeResponse struct {
	Code      string        `json:"code"`
	ID        string        `json:"id"`
	URL       string        `json:"url"`
	Actor     matcher.Actor `json:"actor"`
	ExpiresAt time.Time     `json:"expires_at"`
}

// createLoginCode handles POST /v1/login-codes {"unit":ID} or
// {"alliance":ID}: a one-time code, valid 72 hours, with the scope rules
// of tokens.
func (s *Server) createLoginCode(c echo.Context) error {
	var req service.LoginCodeRequest
	if err := s.decode(c, maxBody, &req); err != nil {
		return err
	}
	code, l, err := s.service().NewLoginCode(actorOf(c), req)
	if err != nil {
		return err
	}
	s.log.Info("login code created", "id", l.ID, "actor", l.Actor.String(), "by", actorOf(c).String())
	return c.JSON(http.StatusCreated, codeResponse{Code: service.FormatCode(code), ID: l.ID, URL: s.LoginURL(c.Request(), code), Actor: l.Actor, ExpiresAt: l.Expires})
}

// LoginURL returns the desk link that redeems code, on the host the
// request came to (https when it came over TLS).
func (s *Server) LoginURL(r *http.Request, code string) string {
	scheme := "http"
	if s.secure(r) {
		scheme = "https"
	}
	return scheme + "://" + r.Host + web.Prefix + "/login?code=" + url.QueryEscape(service.FormatCode(code))
}
