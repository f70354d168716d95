package api

import (
	"github.com/labstack/echo/v4"

	"github.com/allymatch/allymatch/api/web"
)

// registerPages serves the web pages (package web) under /ui through the
// same Echo instance: a Pre hook hands those paths to the pages' handler
// before routing, so that the pages keep their HTML error pages and stay out
// of the API's route table (which the OpenAPI document mirrors). The login
// form takes a bearer token, resolved by Login exactly as the API resolves
// an Authorization header, and opens a server-side session for it.
func (s *Server) registerPages() {
	ui := web.New(web.Deps{Service: s.svc.Load, Login: s.Login, Secure: s.secure, Client: s.ClientKey, LoginURL: s.LoginURL, Log: s.log,
		Notifier: s.notifier.Load, DeskBase: s.deskBase, Done: s.closing, StreamSlot: s.streamSlot})
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
