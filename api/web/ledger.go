package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/service"
)

// The points bank in the desk (道德积分银行): the caller's accounts and
// offers (/ledger), an account's balance and statement with the
// committee's award form and corrections (/ledger/accounts/:id), a shop's
// redemption screen for its phone (/ledger/shop/:unit), the coordinator's
// earning rules (/ledger/rules/:alliance), the month report
// (/ledger/report/:alliance) and who earns a claim's points
// (/ledger/claims/:id/earners). Every POST answers 303 with msg= when it
// worked; a refused one shows its page again with the problem, in the
// caller's language, and the status of the problem.

// ledgerRoutes registers the pages on the signed-in group.
func (s *site) ledgerRoutes(a *echo.Group) {
	a.GET("/ledger", fresh(s.ledgerHomePage))
	a.POST("/ledger/accounts", s.ledgerOpen)
	a.GET("/ledger/card", s.ledgerFind)
	a.GET("/ledger/accounts/:id", fresh(s.ledgerAccountPage))
	a.POST("/ledger/accounts/:id/award", s.ledgerAward)
	a.POST("/ledger/transfers/:id/reverse", s.ledgerReverse)
	a.GET("/ledger/shop/:unit", fresh(s.ledgerShopPage))
	a.POST("/ledger/shop/:unit/redeem", s.ledgerRedeem)
	a.POST("/ledger/shop/:unit/offers", s.ledgerNewOffer)
	a.POST("/ledger/offers/:id", s.ledgerSaveOffer)
	a.GET("/ledger/shop/:unit/settlement.xlsx", s.ledgerSettlement)
	a.GET("/ledger/rules/:alliance", fresh(s.ledgerRulesPage))
	a.POST("/ledger/rules/:alliance", s.ledgerNewRule)
	a.POST("/ledger/rules/:alliance/:id", s.ledgerSaveRule)
	a.GET("/ledger/report/:alliance", s.ledgerReport)
	a.GET("/ledger/claims/:id/earners", fresh(s.ledgerEarnersPage))
	a.POST("/ledger/claims/:id/earners", s.ledgerSetEarners)
}

// ledgerRule recognises one of the ledger's messages for the desk's
// Chinese.
type ledgerRule struct {
	re  *regexp.Regexp
	key string
}

var ledgerRules = func() []ledgerRule {
	r := func(pattern, key string) ledgerRule { return ledgerRule{regexp.MustCompile(`^` + pattern + `$`), key} }
	return []ledgerRule{
		r(`card (\S+) holds (-?\d+) points; (\d+) × (\d+) = (\d+) are needed`, "lg.err.card.balance"),
		r(`account (\S+) holds (-?\d+) points, (\d+) asked: .*`, "lg.err.balance"),
		r(`offer (\S+) has (\d+) left, (\d+) asked`, "lg.err.stock"),
		r(`offer (\S+) is closed`, "lg.err.closed"),
		r(`no card "(.*)"`, "lg.err.nocard"),
		r(`no account "(.*)"`, "lg.err.noaccount"),
		r(`no offer "(.*)"`, "lg.err.nooffer"),
		r(`card (\S+) is of another community .*`, "lg.err.community"),
		r(`account (\S+) is of another community: .*`, "lg.err.community"),
		r(`(?:transfer|redemption) "(.*)" exists with another .*`, "lg.err.idtaken"),
		r(`id "(.*)" is taken by a .*`, "lg.err.idtaken"),
		r(`transfer (\S+) was reversed whole already`, "lg.err.reversed"),
		r(`transfer (\S+) has (\d+) of its (\d+) points left to give back, (\d+) asked`, "lg.err.left"),
		r(`a redemption is given back whole: (\d+) points, not (\d+)`, "lg.err.whole"),
		r(`transfer (\S+) is a reversal: .*`, "lg.err.reversal"),
		r(`a reversal of (\S+) debits account (\S+), which .*`, "lg.err.reversescope"),
		r(`must be a whole number of points from 1 to (\d+).*`, "lg.err.amount"),
		r(`must be from 1 to (\d+)(?: points per unit)?, got "?(.*?)"?`, "lg.err.range"),
		r(`account "(.*)" exists already`, "lg.err.exists"),
		r(`(?:offer|earning rule) "(.*)" exists already`, "lg.err.exists"),
		r(`a \S+ account is held by a community or village unit; .*`, "lg.err.cardunit"),
		r(`rule (\S+) already pays for .*`, "lg.err.onerule"),
		r(`claim (\S+) is (\S+): its earners can no longer change .*`, "lg.err.earnersclosed"),
		r(`account (\S+) is a \S+ account; a team or a card earns`, "lg.err.earnerkind"),
		r(`the resource side of claim (\S+) names who earns .*`, "lg.err.earnerside"),
	}
}()

// ledgerProblem is a refused request's problems as the desk shows them.
func ledgerProblem(l *Lang, err error) string {
	list := matcher.FieldErrors(err)
	if list == nil {
		return ""
	}
	parts := make([]string, 0, len(list))
	for _, e := range list {
		text := ""
		for _, r := range ledgerRules {
			if m := r.re.FindStringSubmatch(e.Message); m != nil && l.Code != "en" {
				args := make([]any, len(m)-1)
				for i, s := range m[1:] {
					args[i] = s
				}
				text = l.T(r.key, args...)
				if r.key == "lg.err.range" && e.Field != "" {
					text = fieldLabel(l, e.Field) + text
				}
				break
			}
		}
		if text == "" {
			text, _ = domainMessage(l, e)
			if e.Field != "" {
				text = fieldLabel(l, e.Field) + text
			}
		}
		parts = append(parts, text)
	}
	return strings.Join(parts, l.T("fe.sep"))
}

// fresh serves page as a GET shows it: no problem, status 200 (a refused
// POST shows it again with its problem, through refused).
func fresh(page func(c echo.Context, problem string, status int) error) echo.HandlerFunc {
	return func(c echo.Context) error { return page(c, "", http.StatusOK) }
}

// refused shows page again with the problem of err (status by its code),
// or returns err for the error page when it is not about the input.
func (s *site) refused(c echo.Context, err error, page func(problem string, status int) error) error {
	code := matcher.ErrorCode(err)
	st, ok := statusOf[code]
	if !ok || code == matcher.ENOTFOUND && fieldOf(err) == "" {
		return err // a page that is not there, or a fault of ours
	}
	p := ledgerProblem(langFrom(c), err)
	if p == "" {
		return err
	}
	return page(p, st)
}

func fieldOf(err error) string {
	var e *matcher.Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

// intForm reads a whole number from the form (0 when empty).
func intForm(c echo.Context, field string) (int64, error) {
	v := strings.TrimSpace(c.FormValue(field))
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, matcher.FieldError(field, "must be a whole number of points from 1 to %d, got %q", int64(matcher.MaxAmount), v)
	}
	return n, nil
}

// optIntForm is intForm for a patch: nil when the form does not send the
// field (the patch leaves it as it is).
func optIntForm(c echo.Context, field string) (*int64, error) {
	if c.FormValue(field) == "" {
		return nil, nil
	}
	n, err := intForm(c, field)
	return &n, err
}

// newID is a fresh id for a form's transfer or redemption: the form
// carries it, so that sending it twice (a reload, a double tap) is the
// same request, answered as the first.
func newID(prefix string) string {
	return prefix + "-" + time.Now().In(service.CST).Format("060102") + "-" + randomHex(5)
}

// ledgerLine is a statement line as the page shows it.
type ledgerLine struct {
	service.Line
	Other    string // the account on the other side
	Reversed int64  // points given back by reversals
	CanBack  bool   // the caller may reverse it
}

type ledgerHomeData struct {
	Accounts  []service.AccountView
	Offers    []matcher.Offer
	Shops     []string // units whose redemption screen the caller may use
	Units     []*matcher.Unit
	Alliances []*matcher.Alliance
	Kinds     []matcher.AccountKind
	Problem   string
	N         names
}

// ledgerHomePage lists the caller's accounts and offers, the shops whose
// screen it may open, the alliances whose rules and report it may see,
// and a form to open an account (a card by its code).
func (s *site) ledgerHomePage(c echo.Context, problem string, status int) error {
	a := actorOf(c)
	svc := s.Service()
	vw := svc.View(a)
	d := ledgerHomeData{Accounts: svc.Accounts(a, "", ""), Problem: problem, N: namesOf(c, vw)}
	if len(d.Accounts) > 200 && a.Role != matcher.RoleUnit {
		d.Accounts = slices.DeleteFunc(d.Accounts, func(v service.AccountView) bool { return v.Kind == matcher.AccountCard })
	}
	// The issuing, unit and team accounts first, then the cards (each in
	// id order).
	slices.SortStableFunc(d.Accounts, func(x, y service.AccountView) int {
		return slices.Index(matcher.AccountKinds, x.Kind) - slices.Index(matcher.AccountKinds, y.Kind)
	})
	shops := map[string]bool{}
	for _, o := range svc.Offers(a, "", false) {
		if vw.CanWriteUnit(o.Unit) {
			d.Offers = append(d.Offers, o)
			shops[o.Unit] = true
		}
	}
	for _, v := range d.Accounts {
		if v.Kind == matcher.AccountUnit {
			shops[v.Unit] = true
		}
	}
	d.Shops = slices.Sorted(func(yield func(string) bool) {
		for u := range shops {
			if !yield(u) {
				return
			}
		}
	})
	switch a.Role {
	case matcher.RoleUnit:
		// A unit opens its own accounts; cards only under a community
		// or village (the service refuses others, the form offers none).
		if u := vw.Reader().UnitRaw(a.ID); u != nil {
			d.Units = []*matcher.Unit{u}
			d.Kinds = []matcher.AccountKind{matcher.AccountUnit, matcher.AccountTeam}
			if u.Kind == matcher.KindCommunity || u.Kind == matcher.KindVillage {
				d.Kinds = append(d.Kinds, matcher.AccountCard)
			}
		}
	default:
		for al := range vw.Reader().Alliances() {
			if vw.CanRunMeeting(al.ID) {
				d.Alliances = append(d.Alliances, al)
			}
		}
		for u := range vw.Reader().Units() {
			if vw.CanWriteUnit(u.ID) && len(d.Units) < 500 {
				d.Units = append(d.Units, u)
			}
		}
		d.Kinds = matcher.AccountKinds
	}
	return s.render(c, status, "ledger", d)
}

// ledgerFind opens the page of the account whose code was typed.
func (s *site) ledgerFind(c echo.Context) error {
	code := strings.TrimSpace(c.QueryParam("code"))
	if !matcher.ValidID(code) {
		return errNotFound
	}
	return c.Redirect(http.StatusSeeOther, Prefix+"/ledger/accounts/"+url.PathEscape(code))
}

// ledgerOpen opens an account (a card: its code is the id).
func (s *site) ledgerOpen(c echo.Context) error {
	acc := matcher.Account{ID: strings.TrimSpace(c.FormValue("id")), Kind: matcher.AccountKind(c.FormValue("kind")), Unit: c.FormValue("unit"), Name: strings.TrimSpace(c.FormValue("name"))}
	if _, err := s.Service().CreateAccount(c.Request().Context(), actorOf(c), acc); err != nil {
		return s.refused(c, err, func(p string, st int) error { return s.ledgerHomePage(c, p, st) })
	}
	return c.Redirect(http.StatusSeeOther, withMsg(Prefix+"/ledger/accounts/"+url.PathEscape(acc.ID), "lg.opened"))
}

type ledgerAccountData struct {
	A        service.AccountView
	Unit     string
	Lines    []ledgerLine // newest first, one page
	Page     int
	Pages    int
	Award    bool // the caller may award from this account
	AwardID  string
	BackID   string
	Problem  string
	Redeemed []service.RedemptionView
}

const ledgerPageSize = 50

// ledgerAccountPage shows an account's balance and statement, newest first,
// for a caller who sees it (a committee its cards, a shop its account).
func (s *site) ledgerAccountPage(c echo.Context, problem string, status int) error {
	a := actorOf(c)
	svc := s.Service()
	view, lines, err := svc.Statement(a, c.Param("id"))
	if err != nil {
		return err
	}
	vw := svc.View(a)
	sn := vw.Reader()
	d := ledgerAccountData{A: view, Unit: vw.UnitName(view.Unit), Problem: problem, Award: view.Kind == matcher.AccountIssuer,
		AwardID: newID("AW"), BackID: newID("RV")}
	slices.Reverse(lines)
	d.Pages = max(1, (len(lines)+ledgerPageSize-1)/ledgerPageSize)
	d.Page, _ = strconv.Atoi(c.QueryParam("page"))
	d.Page = min(max(d.Page, 1), d.Pages)
	lo := (d.Page - 1) * ledgerPageSize
	for _, l := range lines[min(lo, len(lines)):min(lo+ledgerPageSize, len(lines))] {
		l.Time = l.Time.In(service.CST)
		ll := ledgerLine{Line: l, Other: l.From, Reversed: sn.Reversed(l.ID)}
		if l.From == view.ID {
			ll.Other = l.To
		}
		if to, err := sn.Account(l.To); err == nil && l.Kind != matcher.TransferReverse && ll.Reversed < l.Amount {
			ll.CanBack = vw.CanSeeAccount(to)
		}
		d.Lines = append(d.Lines, ll)
	}
	if view.Kind == matcher.AccountCard {
		for r := range sn.RedemptionsBy(view.ID) {
			d.Redeemed = append(d.Redeemed, service.RedemptionView{Redemption: *r})
		}
	}
	return s.render(c, status, "ledger_account", d)
}

// ledgerAward moves points from an issuing account to an account the
// caller may reach (a manual award with a reason).
func (s *site) ledgerAward(c echo.Context) error {
	amount, err := intForm(c, "amount")
	id := c.Param("id")
	if err == nil {
		req := service.TransferRequest{ID: c.FormValue("tid"), From: id, To: strings.TrimSpace(c.FormValue("to")), Amount: amount, Reason: strings.TrimSpace(c.FormValue("reason"))}
		_, _, err = s.Service().PostTransfer(c.Request().Context(), actorOf(c), req)
	}
	if err != nil {
		return s.refused(c, err, func(p string, st int) error { return s.ledgerAccountPage(c, p, st) })
	}
	return c.Redirect(http.StatusSeeOther, withMsg(Prefix+"/ledger/accounts/"+url.PathEscape(id), "lg.awarded"))
}

// ledgerReverse corrects a transfer (all that is left of it, or the points
// given) and goes back to where the form was.
func (s *site) ledgerReverse(c echo.Context) error {
	amount, err := intForm(c, "amount")
	back := back(c, Prefix+"/ledger")
	if err == nil {
		req := service.ReverseRequest{ID: c.FormValue("tid"), Amount: amount, Reason: strings.TrimSpace(c.FormValue("reason"))}
		_, _, err = s.Service().Reverse(c.Request().Context(), actorOf(c), c.Param("id"), req)
	}
	if err != nil {
		if p := ledgerProblem(langFrom(c), err); p != "" && matcher.ErrorCode(err) != matcher.ENOTFOUND {
			return &pageError{Status: statusOf[matcher.ErrorCode(err)], Key: "lg.err.title", Detail: p}
		}
		return err
	}
	return c.Redirect(http.StatusSeeOther, withMsg(back, "lg.reversed"))
}

type ledgerShopData struct {
	Unit     *matcher.Unit
	Offers   []matcher.Offer // open ones first
	RID      string          // the next redemption's id
	Last     *service.RedemptionView
	Today    []service.RedemptionView
	Month    string
	Problem  string
	Card     string // as typed, after a refusal
	Offer    string
	Quantity string
	NewID    string
}

// ledgerShopPage is a shop's redemption screen, made for its phone: the offers
// as large choices, the card's code, the quantity; the last redemption and
// today's below, each with a button to give it back.
func (s *site) ledgerShopPage(c echo.Context, problem string, status int) error {
	a := actorOf(c)
	svc := s.Service()
	unit := c.Param("unit")
	u, sn, err := svc.WritableUnit(a, unit)
	if err != nil {
		return errNotFound
	}
	now := svc.Now().In(service.CST)
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, service.CST)
	d := ledgerShopData{Unit: u, RID: newID("RD"), Month: now.Format("2006-01"), Problem: problem, NewID: newID("O"),
		Card: c.FormValue("card"), Offer: c.FormValue("offer"), Quantity: c.FormValue("quantity")}
	if d.Quantity == "" {
		d.Quantity = "1"
	}
	d.Offers = svc.Offers(a, unit, false)
	slices.SortStableFunc(d.Offers, func(x, y matcher.Offer) int {
		if (x.Status == matcher.OfferOpen) != (y.Status == matcher.OfferOpen) {
			if x.Status == matcher.OfferOpen {
				return -1
			}
			return 1
		}
		return 0
	})
	if d.Offer == "" {
		for _, o := range d.Offers {
			if o.Status == matcher.OfferOpen && o.Stock > 0 {
				d.Offer = o.ID
				break
			}
		}
	}
	today, err := svc.Redemptions(a, unit, day, time.Time{})
	if err != nil {
		return err
	}
	for i := range today {
		today[i].Time = today[i].Time.In(service.CST)
	}
	d.Today = today
	if id := c.QueryParam("r"); id != "" {
		if r, err := sn.Redemption(id); err == nil && r.Unit == unit {
			v := service.RedemptionView{Redemption: *r, Reversed: sn.Reversed(r.ID) > 0}
			if o, err := sn.Offer(r.Offer); err == nil {
				v.Title = o.Title
			}
			d.Last = &v
		}
	}
	return s.render(c, status, "ledger_shop", d)
}

// ledgerRedeem redeems at the shop's screen. The form's id makes a second
// tap the same redemption.
func (s *site) ledgerRedeem(c echo.Context) error {
	unit := c.Param("unit")
	q, err := intForm(c, "quantity")
	if err != nil || q < 1 {
		err = matcher.FieldError("quantity", "must be from 1 to %d, got %q", matcher.MaxStock, c.FormValue("quantity"))
	}
	var r service.RedemptionView
	if err == nil {
		req := service.RedeemRequest{ID: c.FormValue("rid"), Offer: c.FormValue("offer"), Card: strings.TrimSpace(c.FormValue("card")), Quantity: q}
		r, _, err = s.Service().Redeem(c.Request().Context(), actorOf(c), req)
	}
	if err != nil {
		return s.refused(c, err, func(p string, st int) error { return s.ledgerShopPage(c, p, st) })
	}
	// The screen shows what was redeemed (Last): no message besides.
	return c.Redirect(http.StatusSeeOther, Prefix+"/ledger/shop/"+url.PathEscape(unit)+"?r="+url.QueryEscape(r.ID))
}

// ledgerNewOffer lists a new offer of the shop.
func (s *site) ledgerNewOffer(c echo.Context) error {
	price, err1 := intForm(c, "price")
	stock, err2 := intForm(c, "stock")
	o := matcher.Offer{ID: strings.TrimSpace(c.FormValue("id")), Unit: c.Param("unit"), Title: strings.TrimSpace(c.FormValue("title")),
		Measure: strings.TrimSpace(c.FormValue("measure")), Price: price, Stock: stock}
	err := errors.Join(err1, err2)
	if err == nil {
		_, err = s.Service().CreateOffer(c.Request().Context(), actorOf(c), o)
	}
	if err != nil {
		return s.refused(c, err, func(p string, st int) error { return s.ledgerShopPage(c, p, st) })
	}
	return c.Redirect(http.StatusSeeOther, withMsg(Prefix+"/ledger/shop/"+url.PathEscape(o.Unit), "lg.offered"))
}

// ledgerSaveOffer restocks an offer, changes its price or opens or closes
// it.
func (s *site) ledgerSaveOffer(c echo.Context) error {
	var p service.OfferPatch
	var err error
	p.Stock, err = optIntForm(c, "stock")
	if err == nil {
		p.Price, err = optIntForm(c, "price")
	}
	if v := matcher.OfferStatus(c.FormValue("status")); v != "" {
		p.Status = &v
	}
	o, oerr := s.Service().Offer(actorOf(c), c.Param("id"))
	if oerr != nil {
		return errNotFound
	}
	if err == nil {
		_, err = s.Service().PatchOffer(c.Request().Context(), actorOf(c), o.ID, p)
	}
	if err != nil {
		if matcher.ErrorCode(err) == matcher.ENOTFOUND {
			return err
		}
		c.SetParamNames("unit")
		c.SetParamValues(o.Unit)
		return s.refused(c, err, func(p string, st int) error { return s.ledgerShopPage(c, p, st) })
	}
	return c.Redirect(http.StatusSeeOther, withMsg(Prefix+"/ledger/shop/"+url.PathEscape(o.Unit), "lg.saved"))
}

// ledgerSettlement sends a shop's month settlement as .xlsx.
func (s *site) ledgerSettlement(c echo.Context) error {
	m, err := service.ParseMonth(c.QueryParam("month"))
	if err != nil {
		return err
	}
	st, err := s.Service().MonthSettlement(actorOf(c), c.Param("unit"), m)
	if err != nil {
		return err
	}
	data, err := s.Service().SettlementXLSX(st)
	if err != nil {
		return err
	}
	return sendFile(c, "积分兑换结算-"+st.Unit+"-"+st.Month+".xlsx", data)
}

type ledgerRulesData struct {
	Alliance *matcher.Alliance
	Rules    []matcher.EarnRule
	Cats     []matcher.Category
	Issuers  []service.AccountView
	Problem  string
	NewID    string
	N        names
}

// ledgerRulesPage lists an alliance's earning rules with a form for a new one.
func (s *site) ledgerRulesPage(c echo.Context, problem string, status int) error {
	a := actorOf(c)
	svc := s.Service()
	al, sn, err := svc.Meeting(a, c.Param("alliance"))
	if err != nil {
		return errNotFound
	}
	d := ledgerRulesData{Alliance: al, Rules: svc.Rules(a, al.ID), Cats: sn.Vocab.All(), Problem: problem, N: s.namesAt(c, sn),
		NewID: strings.ToUpper(al.ID) + "-RULE-" + randomHex(3)}
	slices.SortFunc(d.Cats, func(x, y matcher.Category) int { return strings.Compare(x.ID, y.ID) })
	for _, v := range svc.Accounts(a, "", matcher.AccountIssuer) {
		if matcher.CanSeeUnit(sn.Reader, matcher.Coordinator(al.ID), v.Unit) {
			d.Issuers = append(d.Issuers, v)
		}
	}
	return s.render(c, status, "ledger_rules", d)
}

func (s *site) ledgerNewRule(c echo.Context) error {
	points, err := intForm(c, "points")
	al := c.Param("alliance")
	if err == nil {
		req := service.RuleRequest{ID: strings.TrimSpace(c.FormValue("id")), Alliance: al, Category: c.FormValue("category"),
			Measure: strings.TrimSpace(c.FormValue("measure")), Points: points, Issuer: c.FormValue("issuer")}
		_, err = s.Service().CreateRule(c.Request().Context(), actorOf(c), req)
	}
	if err != nil {
		return s.refused(c, err, func(p string, st int) error { return s.ledgerRulesPage(c, p, st) })
	}
	return c.Redirect(http.StatusSeeOther, withMsg(Prefix+"/ledger/rules/"+url.PathEscape(al), "lg.ruled"))
}

func (s *site) ledgerSaveRule(c echo.Context) error {
	var p service.RulePatch
	var err error
	p.Points, err = optIntForm(c, "points")
	switch c.FormValue("active") {
	case "true":
		t := true
		p.Active = &t
	case "false":
		f := false
		p.Active = &f
	}
	if err == nil {
		_, err = s.Service().PatchRule(c.Request().Context(), actorOf(c), c.Param("id"), p)
	}
	if err != nil {
		return s.refused(c, err, func(p string, st int) error { return s.ledgerRulesPage(c, p, st) })
	}
	return c.Redirect(http.StatusSeeOther, withMsg(Prefix+"/ledger/rules/"+url.PathEscape(c.Param("alliance")), "lg.saved"))
}

// ledgerRow is one row of a report table.
type ledgerRow struct {
	Key, Label string
	Points     int64
}

type ledgerReportData struct {
	Alliance *matcher.Alliance
	R        *service.LedgerReport
	Earned   []ledgerRow
	Redeemed []ledgerRow
	Month    string
	Prev     string
	Next     string
}

// ledgerReport is the month of an alliance's points bank: points earned by
// category, redeemed by shop (each with its settlement), outstanding.
func (s *site) ledgerReport(c echo.Context) error {
	a := actorOf(c)
	svc := s.Service()
	month := c.QueryParam("month")
	if month == "" {
		month = svc.Now().In(service.CST).Format("2006-01")
	}
	m, err := service.ParseMonth(month)
	if err != nil {
		return err
	}
	rep, err := svc.MonthReport(a, c.Param("alliance"), m)
	if err != nil {
		return err
	}
	v := svc.View(a)
	al, _ := v.Reader().Alliance(rep.Alliance)
	n := namesOf(c, v)
	d := ledgerReportData{Alliance: al, R: rep, Month: rep.Month, Prev: m.AddDate(0, -1, 0).Format("2006-01"), Next: m.AddDate(0, 1, 0).Format("2006-01")}
	for k, v := range rep.EarnedByCategory {
		label := langFrom(c).T("lg.award")
		if k != "award" {
			label = n.Category(k)
		}
		d.Earned = append(d.Earned, ledgerRow{k, label, v})
	}
	for k, v := range rep.RedeemedByShop {
		d.Redeemed = append(d.Redeemed, ledgerRow{k, n.Unit(k), v})
	}
	byPoints := func(x, y ledgerRow) int {
		if x.Points != y.Points {
			return int(y.Points - x.Points)
		}
		return strings.Compare(x.Key, y.Key)
	}
	slices.SortFunc(d.Earned, byPoints)
	slices.SortFunc(d.Redeemed, byPoints)
	return s.render(c, http.StatusOK, "ledger_report", d)
}

type ledgerEarnersData struct {
	C       *matcher.Claim
	CV      claimView
	Earners []matcher.Earner
	Rows    []matcher.Earner // the form's rows: the earners and empty ones
	Rule    *matcher.EarnRule
	Open    bool
	Earned  []*matcher.Transfer
	Problem string
	N       names
}

// ledgerEarnersPage shows who earns a claim's points and the rule that pays,
// and lets the resource side name them.
func (s *site) ledgerEarnersPage(c echo.Context, problem string, status int) error {
	a := actorOf(c)
	svc := s.Service()
	e, rule, err := svc.EarnersOf(a, c.Param("id"))
	if err != nil {
		return err
	}
	v := svc.View(a)
	cl, err := v.Claim(e.ID)
	if err != nil {
		return errNotFound
	}
	n := namesOf(c, v)
	d := ledgerEarnersData{C: cl, Earners: e.Earners, Rule: rule, Open: cl.Status.Open(), Problem: problem, N: n}
	d.CV = claimView{C: cl, Resource: n.Item(cl.Resource), Demand: n.Item(cl.Demand), ResourceUnit: n.Unit(cl.ResourceUnit), DemandUnit: n.Unit(cl.DemandUnit)}
	d.Rows = append(slices.Clone(e.Earners), make([]matcher.Earner, max(1, 4-len(e.Earners)))...)
	for t := range v.Reader().TransfersOfClaim(cl.ID) {
		if t.Kind == matcher.TransferEarn {
			d.Earned = append(d.Earned, t)
		}
	}
	return s.render(c, status, "ledger_earners", d)
}

func (s *site) ledgerSetEarners(c echo.Context) error {
	form, _ := c.FormParams()
	var es []matcher.Earner
	var err error
	shares := form["share"]
	for i, acc := range form["account"] {
		acc = strings.TrimSpace(acc)
		if acc == "" {
			continue
		}
		var sh int64 = 1
		if i < len(shares) && strings.TrimSpace(shares[i]) != "" {
			if sh, err = strconv.ParseInt(strings.TrimSpace(shares[i]), 10, 64); err != nil {
				err = matcher.FieldError(fmt.Sprintf("earners[%d].share", len(es)), "must be from 1 to 1000, got %q", shares[i])
				break
			}
		}
		es = append(es, matcher.Earner{Account: acc, Share: sh})
	}
	if err == nil {
		_, err = s.Service().SetEarners(c.Request().Context(), actorOf(c), c.Param("id"), es)
	}
	if err != nil {
		return s.refused(c, err, func(p string, st int) error { return s.ledgerEarnersPage(c, p, st) })
	}
	return c.Redirect(http.StatusSeeOther, withMsg(Prefix+"/ledger/claims/"+url.PathEscape(c.Param("id"))+"/earners", "lg.earners"))
}

// AccountLabel names an account for a page: a team's or unit's name, a
// card's code.
func (n names) AccountLabel(id string) string {
	a, err := n.v.Reader().Account(id)
	if err != nil {
		return id
	}
	if a.Name != "" {
		return a.Name + "（" + a.ID + "）"
	}
	return a.ID
}
