package api

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// rollup answers GET /v1/rollup/{alliance}: the district roll-up of the
// alliance and every alliance below it (matcher/service/rollup.go), for
// the admin and the coordinators of the alliance or one above it.
func (s *Server) rollup(c echo.Context) error {
	out, err := s.service().Rollup(actorOf(c), c.Param("alliance"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}
