package api

import (
	"crypto/subtle"

	"github.com/labstack/echo/v4"

	"github.com/allymatch/allymatch/api/web"
	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/store"
)

// registerPages serves the web pages (package web) under /ui through the
// same Echo instance: a Pre hook hands those paths to the pages' handler
// before routing, so that the pages keep their HTML error pages and stay out
// of the API's route table (which the OpenAPI document mirrors). Their
// session cookie holds a bearer token, resolved by ResolveToken exactly as
// the API resolves an Authorization header.
func (s *Server) registerPages() {
	ui := web.New(web.Deps{Service: s.svc.Load, Resolve: s.ResolveToken, Log: s.log})
	s.e.Pre(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if !web.Handles(c.Request().URL.Path) {
				return next(c)
			}
			ui.ServeHTTP(c.Response(), c.Request())
			return nil
		}
	})
}

// ResolveToken resolves a bearer token as authenticate does: the admin
// token (compared by hash in constant time) or a stored token (looked up by
// its SHA-256). ok is false for an empty or unknown token, and while the
// store is loading.
func (s *Server) ResolveToken(tok string) (actor matcher.Actor, ok bool, err error) {
	svc := s.svc.Load()
	if svc == nil || tok == "" {
		return matcher.Actor{}, false, nil
	}
	h := store.HashToken(tok)
	if admin := s.admin.Load(); admin != nil && subtle.ConstantTimeCompare(h[:], admin[:]) == 1 {
		return matcher.Admin, true, nil
	}
	rec, found, err := svc.Store.LookupToken(h)
	if err != nil || !found {
		return matcher.Actor{}, false, err
	}
	return rec.Actor, true, nil
}
