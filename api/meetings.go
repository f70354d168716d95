package api

import (
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/service"
)

// The meeting's loose ends: fulfilments with the quantity delivered. The
// handlers decode and call the service, which owns the rules
// (matcher/service: FulfilClaim).

// fulfilRequest is the optional body of POST /v1/claims/{id}/fulfil.
type fulfilRequest struct {
	Quantity *int64       `json:"quantity,omitempty"` // delivered; absent: all of it
	Side     matcher.Side `json:"side,omitempty"`     // coordinators and admins: the demand side (the default)
}

// parseFulfil decodes a fulfilment; no body fulfils all of the claim. A
// quantity outside 1 to the claim's is the domain's to refuse
// (matcher.Claim.Fulfil), as the document refuses one below 1.
func parseFulfil(r io.Reader) (service.Fulfilment, error) {
	var req fulfilRequest
	if err := decodeJSON(r, &req, true); err != nil {
		return service.Fulfilment{}, err
	}
	if req.Side != "" && req.Side != matcher.ResourceSide && req.Side != matcher.DemandSide {
		return service.Fulfilment{}, matcher.FieldError("side", "must be resource or demand, got %q", req.Side)
	}
	f := service.Fulfilment{Side: req.Side}
	if req.Quantity != nil {
		f.Quantity = *req.Quantity
	}
	return f, nil
}

// fulfil handles POST /v1/claims/{id}/fulfil.
func (s *Server) fulfil(c echo.Context) error {
	id := c.Param("id")
	if !matcher.ValidID(id) {
		return matcher.Errorf(matcher.ENOTFOUND, "claim %q not found", id)
	}
	f, err := parseBody(c, maxBody, parseFulfil)
	if err != nil {
		return err
	}
	out, err := s.service().FulfilClaim(c.Request().Context(), actorOf(c), id, f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}
