package api

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/service"
)

// The points bank's routes (道德积分银行), under /v1/ledger: accounts and
// their statements, transfers by hand and their reversals, earning rules,
// the earners of a claim, redemption offers, redemptions, a shop's month
// settlement (.xlsx) and an alliance's month report. Writes that move
// points answer 201 when they wrote and 200 when the same id and body
// came again (nothing written): the client's id is the idempotency key.

// Service returns the service the server runs (nil while the store is
// loading): for benchmarks and tools in-process.
func (s *Server) Service() *service.Service { return s.svc.Load() }

// ledgerRoutes registers the routes on the authenticated /v1 group.
func (s *Server) ledgerRoutes(v1 *echo.Group) {
	g := v1.Group("/ledger")
	g.GET("/accounts", s.listAccounts)
	g.POST("/accounts", s.createAccount)
	g.GET("/accounts/:id", s.getAccount)
	g.GET("/accounts/:id/transfers", s.statement)
	g.POST("/transfers", s.postTransfer)
	g.GET("/transfers/:id", s.getTransfer)
	g.POST("/transfers/:id/reverse", s.reverseTransfer)
	g.GET("/rules", s.listRules)
	g.POST("/rules", s.createRule)
	g.PATCH("/rules/:id", s.patchRule)
	g.GET("/claims/:id/earners", s.getEarners)
	g.PUT("/claims/:id/earners", s.setEarners)
	g.GET("/offers", s.listOffers)
	g.POST("/offers", s.createOffer)
	g.GET("/offers/:id", s.getOffer)
	g.PATCH("/offers/:id", s.patchOffer)
	g.GET("/redemptions", s.listRedemptions)
	g.POST("/redemptions", s.redeem)
	g.GET("/units/:id/settlement", s.settlement)
	g.GET("/report", s.ledgerReport)
}

// accountRequest opens an account; its totals are the ledger's.
type accountRequest struct {
	ID   string              `json:"id"`
	Kind matcher.AccountKind `json:"kind"`
	Unit string              `json:"unit"`
	Name string              `json:"name,omitempty"`
}

func parseAccount(r io.Reader) (matcher.Account, error) {
	var req accountRequest
	if err := decodeJSON(r, &req, false); err != nil {
		return matcher.Account{}, err
	}
	return matcher.Account{ID: req.ID, Kind: req.Kind, Unit: req.Unit, Name: req.Name}, nil
}

// offerRequest lists an offer; its count redeemed is the ledger's.
type offerRequest struct {
	ID          string              `json:"id"`
	Unit        string              `json:"unit"`
	Account     string              `json:"account,omitempty"`
	Title       string              `json:"title"`
	Description string              `json:"description,omitempty"`
	Measure     string              `json:"measure,omitempty"`
	Price       int64               `json:"price"`
	Stock       int64               `json:"stock"`
	Status      matcher.OfferStatus `json:"status,omitempty"`
}

func parseOffer(r io.Reader) (matcher.Offer, error) {
	var req offerRequest
	if err := decodeJSON(r, &req, false); err != nil {
		return matcher.Offer{}, err
	}
	o := matcher.Offer{ID: req.ID, Unit: req.Unit, Account: req.Account, Title: req.Title, Description: req.Description, Measure: req.Measure,
		Price: req.Price, Stock: req.Stock, Status: req.Status}
	if o.Status == "" {
		o.Status = matcher.OfferOpen
	}
	return o, nil
}

// earnersRequest names a claim's earners (none: clears them).
type earnersRequest struct {
	Earners []matcher.Earner `json:"earners"`
}

func parseEarners(r io.Reader) (earnersRequest, error) {
	req, err := bodyOf[earnersRequest](r)
	if req.Earners == nil {
		req.Earners = []matcher.Earner{}
	}
	return req, err
}

func (s *Server) createAccount(c echo.Context) error {
	return answerBody(c, parseAccount, http.StatusCreated, func(ctx context.Context, actor matcher.Actor, a matcher.Account) (any, error) {
		return s.service().CreateAccount(ctx, actor, a)
	})
}

func (s *Server) getAccount(c echo.Context) error {
	out, err := s.service().Account(actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// listAccounts handles GET /v1/ledger/accounts?unit=&kind=&limit=&cursor=.
func (s *Server) listAccounts(c echo.Context) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	unit, kind := c.QueryParam("unit"), matcher.AccountKind(c.QueryParam("kind"))
	if unit != "" && !matcher.ValidID(unit) {
		return matcher.FieldError("unit", "must be a unit id, got %q", unit)
	}
	if kind != "" && !kind.Valid() {
		return matcher.FieldError("kind", "must be issuer, unit, team or card, got %q", kind)
	}
	all := s.service().Accounts(actorOf(c), unit, kind)
	return c.JSON(http.StatusOK, paginate(p, func(yield func(service.AccountView) bool) {
		for _, a := range all {
			if !yield(a) {
				return
			}
		}
	}, func(a service.AccountView) string { return a.ID }, nil))
}

// statementPage is an account's statement, oldest first.
type statementPage struct {
	Account service.AccountView `json:"account"`
	Items   []service.Line      `json:"items"`
	Next    string              `json:"next,omitempty"`
}

// statement handles GET /v1/ledger/accounts/{id}/transfers: the account
// and its transfers in the order posted, each with the balance after it.
// The cursor counts the lines already read (transfers are only ever
// appended).
func (s *Server) statement(c echo.Context) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	from := 0
	if p.Cursor != "" {
		if from, err = strconv.Atoi(p.Cursor); err != nil || from < 0 {
			return matcher.FieldError("cursor", "is not a cursor this API returned")
		}
	}
	acc, lines, err := s.service().Statement(actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	out := statementPage{Account: acc, Items: []service.Line{}}
	if from < len(lines) {
		end := min(len(lines), from+p.Limit)
		out.Items = lines[from:end]
		if end < len(lines) {
			out.Next = strconv.Itoa(end)
		}
	}
	return c.JSON(http.StatusOK, out)
}

// moved answers a write that moves points: 201 when it wrote, 200 when the
// same request came again.
func moved(c echo.Context, v any, created bool, err error) error {
	if err != nil {
		return err
	}
	if created {
		return c.JSON(http.StatusCreated, v)
	}
	return c.JSON(http.StatusOK, v)
}

func (s *Server) postTransfer(c echo.Context) error {
	req, err := parseBody(c, maxBody, bodyOf[service.TransferRequest])
	if err != nil {
		return err
	}
	t, created, err := s.service().PostTransfer(c.Request().Context(), actorOf(c), req)
	return moved(c, t, created, err)
}

func (s *Server) getTransfer(c echo.Context) error {
	return answerRead(c, s.service().Transfer)
}

func (s *Server) reverseTransfer(c echo.Context) error {
	req, err := parseBody(c, maxBody, bodyOf[service.ReverseRequest])
	if err != nil {
		return err
	}
	t, created, err := s.service().Reverse(c.Request().Context(), actorOf(c), c.Param("id"), req)
	return moved(c, t, created, err)
}

func (s *Server) listRules(c echo.Context) error {
	al := c.QueryParam("alliance")
	if al != "" && !matcher.ValidID(al) {
		return matcher.FieldError("alliance", "must be an alliance id, got %q", al)
	}
	return c.JSON(http.StatusOK, list[matcher.EarnRule]{Items: s.service().Rules(actorOf(c), al)})
}

func (s *Server) createRule(c echo.Context) error {
	return answerCreate(c, s.service().CreateRule)
}

func (s *Server) patchRule(c echo.Context) error {
	return answerAt(c, http.StatusOK, s.service().PatchRule)
}

// earnersAnswer is a claim's earners and the rule its fulfilment pays
// under (none: no points).
type earnersAnswer struct {
	Claim   string            `json:"claim"`
	Earners []matcher.Earner  `json:"earners"`
	Rule    *matcher.EarnRule `json:"rule,omitempty"`
}

func (s *Server) getEarners(c echo.Context) error {
	e, rule, err := s.service().EarnersOf(actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, earnersAnswer{Claim: c.Param("id"), Earners: e.Earners, Rule: rule})
}

func (s *Server) setEarners(c echo.Context) error {
	req, err := parseBody(c, maxBody, parseEarners)
	if err != nil {
		return err
	}
	actor := actorOf(c)
	if _, err := s.service().SetEarners(c.Request().Context(), actor, c.Param("id"), req.Earners); err != nil {
		return err
	}
	return s.getEarners(c)
}

func (s *Server) listOffers(c echo.Context) error {
	unit := c.QueryParam("unit")
	if unit != "" && !matcher.ValidID(unit) {
		return matcher.FieldError("unit", "must be a unit id, got %q", unit)
	}
	open := false
	switch c.QueryParam("open") {
	case "", "false":
	case "true":
		open = true
	default:
		return matcher.FieldError("open", "must be true or false, got %q", c.QueryParam("open"))
	}
	return c.JSON(http.StatusOK, list[matcher.Offer]{Items: s.service().Offers(actorOf(c), unit, open)})
}

func (s *Server) createOffer(c echo.Context) error {
	return answerBody(c, parseOffer, http.StatusCreated, func(ctx context.Context, actor matcher.Actor, o matcher.Offer) (any, error) {
		return s.service().CreateOffer(ctx, actor, o)
	})
}

func (s *Server) getOffer(c echo.Context) error {
	o, err := s.service().Offer(actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, o)
}

func (s *Server) patchOffer(c echo.Context) error {
	return answerAt(c, http.StatusOK, s.service().PatchOffer)
}

func (s *Server) redeem(c echo.Context) error {
	req, err := parseBody(c, maxBody, bodyOf[service.RedeemRequest])
	if err != nil {
		return err
	}
	r, created, err := s.service().Redeem(c.Request().Context(), actorOf(c), req)
	return moved(c, r, created, err)
}

// monthOf reads ?month= (the current month in China Standard Time when
// absent).
func (s *Server) monthOf(c echo.Context) (time.Time, error) {
	m := c.QueryParam("month")
	if m == "" {
		now := s.service().Now().In(service.CST)
		return time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, service.CST), nil
	}
	return service.ParseMonth(m)
}

// listRedemptions handles GET /v1/ledger/redemptions?unit=&month=: a
// unit's redemptions, newest first (a unit's own when unit is absent).
func (s *Server) listRedemptions(c echo.Context) error {
	actor := actorOf(c)
	unit := c.QueryParam("unit")
	if unit == "" && actor.Role == matcher.RoleUnit {
		unit = actor.ID
	}
	if !matcher.ValidID(unit) {
		return matcher.FieldError("unit", "name the unit whose redemptions to list, got %q", unit)
	}
	var from, to time.Time
	if c.QueryParam("month") != "" {
		m, err := s.monthOf(c)
		if err != nil {
			return err
		}
		from, to = m, m.AddDate(0, 1, 0)
	}
	out, err := s.service().Redemptions(actor, unit, from, to)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list[service.RedemptionView]{Items: out})
}

// settlement handles GET /v1/ledger/units/{id}/settlement?month=&format=:
// a shop's month, as JSON or (format=xlsx) as a workbook for the
// sponsoring unit.
func (s *Server) settlement(c echo.Context) error {
	m, err := s.monthOf(c)
	if err != nil {
		return err
	}
	format := c.QueryParam("format")
	if format != "" && format != "json" && format != "xlsx" {
		return matcher.FieldError("format", "must be json or xlsx, got %q", format)
	}
	st, err := s.service().MonthSettlement(actorOf(c), c.Param("id"), m)
	if err != nil {
		return err
	}
	if format != "xlsx" {
		return c.JSON(http.StatusOK, st)
	}
	data, err := s.service().SettlementXLSX(st)
	if err != nil {
		return err
	}
	name := "积分兑换结算-" + st.Unit + "-" + st.Month + ".xlsx"
	c.Response().Header().Set("Content-Disposition", "attachment; filename=\"settlement-"+st.Unit+"-"+st.Month+".xlsx\"; filename*=UTF-8''"+url.PathEscape(name))
	return c.Blob(http.StatusOK, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", data)
}

// ledgerReport handles GET /v1/ledger/report?alliance=&month=.
func (s *Server) ledgerReport(c echo.Context) error {
	actor := actorOf(c)
	al := c.QueryParam("alliance")
	if al == "" && actor.Role == matcher.RoleCoordinator {
		al = actor.ID
	}
	if !matcher.ValidID(al) {
		return matcher.FieldError("alliance", "name the alliance to report on, got %q", al)
	}
	m, err := s.monthOf(c)
	if err != nil {
		return err
	}
	out, err := s.service().MonthReport(actor, al, m)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}
