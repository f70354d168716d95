package api

import (
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

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
// up by its SHA-256). No token or an unknown one is a 401.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		svc := s.svc.Load()
		if svc == nil {
			return errNotReady
		}
		tok, ok := bearer(c.Request())
		if !ok {
			return errNoToken
		}
		h := store.HashToken(tok)
		if admin := s.admin.Load(); admin != nil && subtle.ConstantTimeCompare(h[:], admin[:]) == 1 {
			c.Set(actorKey, matcher.Admin)
			return next(c)
		}
		rec, found, err := svc.Store.LookupToken(h)
		if err != nil {
			return err
		}
		if !found {
			return errBadToken
		}
		c.Set(actorKey, rec.Actor)
		return next(c)
	}
}

// actorOf returns the caller resolved by authenticate.
func actorOf(c echo.Context) matcher.Actor {
	a, _ := c.Get(actorKey).(matcher.Actor)
	return a
}

// service returns the service (authenticate has checked it is there).
func (s *Server) service() *service.Service { return s.svc.Load() }

// tokenResponse answers POST /v1/tokens.
type tokenResponse struct {
	Token string        `json:"token"`
	Actor matcher.Actor `json:"actor"`
}

// createToken handles POST /v1/tokens (admin only).
func (s *Server) createToken(c echo.Context) error {
	if !actorOf(c).Privileged() {
		return errAdminsOnly
	}
	var req service.TokenRequest
	if err := s.decode(c, maxBody, &req); err != nil {
		return err
	}
	tok, who, err := s.service().NewToken(actorOf(c), req)
	if err != nil {
		return err
	}
	s.log.Info("token created", "actor", who.String())
	return c.JSON(http.StatusCreated, tokenResponse{Token: tok, Actor: who})
}
