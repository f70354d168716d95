package service

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
	"github.com/allymatch/allymatch/matcher/store"
)

// Redemption: a member shop, bank or restaurant lists offers (a thing, a
// price in points, a stock); a resident redeems at the shop's phone by card
// code: the points move from the card to the shop's account and the stock
// goes down, both or neither, in one store write (grouped with other
// callers' by the batcher). The shop sees its redemptions and exports a
// month's settlement for the sponsoring unit.

// CreateOffer lists a redemption offer of o.Unit: its unit (a shop for
// itself), or a coordinator or admin for a unit of its scope. The points go
// to o.Account, an account of the unit (its unit account when empty). One
// audit event, "ledger.offer".
//
// Errors: EINVALID naming the field; ENOTFOUND naming unit or account;
// ECONFLICT naming id (taken) or account (not the unit's holding account).
func (s *Service) CreateOffer(ctx context.Context, actor matcher.Actor, o matcher.Offer) (matcher.Offer, error) {
	o.Redeemed, o.Rev, o.Created = 0, 0, s.now()
	if o.Status == "" {
		o.Status = matcher.OfferOpen
	}
	if o.Account == "" {
		o.Account = "-" // checked below, once the unit's account is known
	}
	if err := o.Validate(); err != nil && !onlyField(err, "account") {
		return o, err
	}
	sn := s.Store.Snapshot()
	var out matcher.Offer
	_, err := s.Store.Update(ctx, actor.String(), "ledger.offer", alliancesOfUnits(sn.Reader, o.Unit), func(tx *store.Tx) error {
		ref := newRefs(tx.Reader, actor)
		ref.writableUnit("unit", o.Unit)
		if err := ref.err(); err != nil {
			return err
		}
		if o.Account == "-" {
			o.Account = ""
			for a := range tx.AccountsOf(o.Unit) {
				if a.Kind == matcher.AccountUnit {
					o.Account = a.ID
					break
				}
			}
			if o.Account == "" {
				return &matcher.Error{Code: matcher.ECONFLICT, Field: "account", Message: fmt.Sprintf("unit %s has no account of kind unit for the points; open one first", o.Unit)}
			}
		}
		if err := offerAccount(tx.Reader, actor, &o); err != nil {
			return err
		}
		if _, err := tx.Offer(o.ID); err == nil {
			return exists("offer", o.ID)
		}
		out = o
		return tx.PutOffer(o)
	})
	return out, err
}

func onlyField(err error, field string) bool {
	list := matcher.FieldErrors(err)
	for _, e := range list {
		if e.Field != field {
			return false
		}
	}
	return len(list) > 0
}

func offerAccount(r index.Reader, actor matcher.Actor, o *matcher.Offer) error {
	acc, err := r.Account(o.Account)
	if err != nil || !matcher.CanSeeAccount(r, actor, acc) {
		return noAccount("account", o.Account)
	}
	if acc.Unit != o.Unit || acc.Kind != matcher.AccountUnit {
		return &matcher.Error{Code: matcher.ECONFLICT, Field: "account", Message: fmt.Sprintf("account %s is not unit %s's own account (kind unit)", acc.ID, o.Unit)}
	}
	return nil
}

// OfferPatch changes an offer: only the fields given. Stock sets the
// pieces left (a restock).
type OfferPatch struct {
	Title       *string              `json:"title,omitempty"`
	Description *string              `json:"description,omitempty"`
	Measure     *string              `json:"measure,omitempty"`
	Price       *int64               `json:"price,omitempty"`
	Stock       *int64               `json:"stock,omitempty"`
	Status      *matcher.OfferStatus `json:"status,omitempty"`
}

// PatchOffer changes an offer of a unit the caller may write. Redemptions
// made keep their price. One audit event, "ledger.offer".
func (s *Service) PatchOffer(ctx context.Context, actor matcher.Actor, id string, p OfferPatch) (matcher.Offer, error) {
	var out matcher.Offer
	sn := s.Store.Snapshot()
	var alliances []string
	if o, err := sn.Offer(id); err == nil {
		alliances = alliancesOfUnits(sn.Reader, o.Unit)
	}
	_, err := s.Store.Update(ctx, actor.String(), "ledger.offer", alliances, func(tx *store.Tx) error {
		cur, err := tx.Offer(id)
		if err != nil || !matcher.CanReadUnit(tx.Reader, actor, cur.Unit) {
			return matcher.Errorf(matcher.ENOTFOUND, "offer %q not found", id)
		}
		if !matcher.CanWriteUnit(tx.Reader, actor, cur.Unit) {
			return matcher.Errorf(matcher.EFORBIDDEN, "%s may not change the offers of unit %s", actor, cur.Unit)
		}
		o := *cur
		set(&o.Title, p.Title)
		set(&o.Description, p.Description)
		set(&o.Measure, p.Measure)
		set(&o.Price, p.Price)
		set(&o.Stock, p.Stock)
		set(&o.Status, p.Status)
		if err := o.Validate(); err != nil {
			return err
		}
		out = o
		return tx.PutOffer(o)
	})
	return out, unchanged(err)
}

// Offers lists the offers actor may see (those of the units it may read),
// of one unit when unit is set, open ones only when open is set, in id
// order.
func (s *Service) Offers(actor matcher.Actor, unit string, open bool) []matcher.Offer {
	sn := s.Store.Snapshot()
	src := sn.Offers()
	if unit != "" {
		src = sn.OffersOf(unit)
	}
	out := []matcher.Offer{}
	for o := range src {
		if (!open || o.Status == matcher.OfferOpen) && matcher.CanReadUnit(sn.Reader, actor, o.Unit) {
			out = append(out, *o)
		}
	}
	return out
}

// Offer returns one offer actor may see.
func (s *Service) Offer(actor matcher.Actor, id string) (matcher.Offer, error) {
	sn := s.Store.Snapshot()
	o, err := sn.Offer(id)
	if err != nil || !matcher.CanReadUnit(sn.Reader, actor, o.Unit) {
		return matcher.Offer{}, matcher.Errorf(matcher.ENOTFOUND, "offer %q not found", id)
	}
	return *o, nil
}

// RedeemRequest redeems Quantity pieces (1 when 0) of an offer with a
// card. ID is the client's idempotency key; the transfer that pays has the
// same id.
type RedeemRequest struct {
	ID       string `json:"id"`
	Offer    string `json:"offer"`
	Card     string `json:"card"`
	Quantity int64  `json:"quantity,omitempty"`
}

// Check checks the request's own fields.
func (r RedeemRequest) Check() error {
	var p matcher.Problems
	checkClientID(&p, "id", r.ID)
	if !matcher.ValidID(r.Offer) {
		p.Add("offer", "must be an offer id, got %q", r.Offer)
	}
	if !matcher.ValidID(r.Card) {
		p.Add("card", "must be a card code, got %q", r.Card)
	}
	if r.Quantity < 0 || r.Quantity > matcher.MaxStock {
		p.Add("quantity", "must be from 1 to %d, got %d", matcher.MaxStock, r.Quantity)
	}
	return p.Err()
}

// RedemptionView is a redemption as the API shows it: with the transfer
// that paid for it and whether a reversal gave it back.
type RedemptionView struct {
	matcher.Redemption
	Transfer string `json:"transfer"`
	Reversed bool   `json:"reversed"`
	Title    string `json:"title,omitempty"` // the offer's
}

func viewRedemption(r index.Reader, red *matcher.Redemption) RedemptionView {
	v := RedemptionView{Redemption: *red, Transfer: red.ID, Reversed: r.Reversed(red.ID) > 0}
	if o, err := r.Offer(red.Offer); err == nil {
		v.Title = o.Title
	}
	return v
}

// Redeem pays req.Quantity pieces of an offer with a card: the points
// (price × quantity) move from the card to the offer's account and the
// stock goes down, in one store write, or nothing happens. The offer's
// unit redeems (its phone), or a coordinator or admin for it; the card
// must be of the offer unit's community. The same request again (req.ID)
// returns the redemption as stored (created false).
//
// Errors: EINVALID naming the field; ENOTFOUND naming offer (not the
// caller's to sell) or card (none the offer's unit may reach); ECONFLICT
// naming id (taken by another redemption or a transfer), offer (closed),
// quantity (beyond the stock) or card (beyond its balance, of another
// community).
func (s *Service) Redeem(ctx context.Context, actor matcher.Actor, req RedeemRequest) (RedemptionView, bool, error) {
	if req.Quantity == 0 {
		req.Quantity = 1
	}
	if err := req.Check(); err != nil {
		return RedemptionView{}, false, err
	}
	if err := ctx.Err(); err != nil {
		return RedemptionView{}, false, err
	}
	sn := s.Store.Snapshot()
	var alliances []string
	if o, err := sn.Offer(req.Offer); err == nil {
		alliances = alliancesOfUnits(sn.Reader, o.Unit)
	}
	op := &ledgerOp{actor: actor, action: "ledger.redeem", alliances: alliances,
		apply: func(tx *store.Tx) (any, bool, error) { return s.redeem(tx, actor, req) }}
	r := s.submit(op)
	v, _ := r.v.(RedemptionView)
	return v, r.created, r.err
}

func (s *Service) redeem(tx *store.Tx, actor matcher.Actor, req RedeemRequest) (any, bool, error) {
	o, err := tx.Offer(req.Offer)
	if err != nil || !matcher.CanWriteUnit(tx.Reader, actor, o.Unit) {
		return nil, false, &matcher.Error{Code: matcher.ENOTFOUND, Field: "offer", Message: fmt.Sprintf("no offer %q", req.Offer)}
	}
	card, err := tx.Account(req.Card)
	if err != nil || card.Kind != matcher.AccountCard || !matcher.CanReachAccount(tx.Reader, actor, card) {
		return nil, false, &matcher.Error{Code: matcher.ENOTFOUND, Field: "card", Message: fmt.Sprintf("no card %q", req.Card)}
	}
	if old, err := tx.Redemption(req.ID); err == nil {
		if old.Offer == req.Offer && old.Card == req.Card && old.Quantity == req.Quantity {
			return viewRedemption(tx.Reader, old), false, nil
		}
		field := "quantity"
		switch {
		case old.Offer != req.Offer:
			field = "offer"
		case old.Card != req.Card:
			field = "card"
		}
		return nil, false, &matcher.Error{Code: matcher.ECONFLICT, Field: "id",
			Message: fmt.Sprintf("redemption %q exists with another %s; a redemption is never changed: choose a new id", req.ID, field)}
	}
	if _, err := tx.Transfer(req.ID); err == nil {
		return nil, false, idTaken("transfer", req.ID)
	}
	if !sameCommunity(tx.Reader, card.Unit, o.Unit) {
		return nil, false, &matcher.Error{Code: matcher.ECONFLICT, Field: "card",
			Message: fmt.Sprintf("card %s is of another community (issued by %s): %s is in none of its alliances", card.ID, card.Unit, o.Unit)}
	}
	if o.Status != matcher.OfferOpen {
		return nil, false, &matcher.Error{Code: matcher.ECONFLICT, Field: "offer", Message: fmt.Sprintf("offer %s is closed", o.ID)}
	}
	if req.Quantity > o.Stock {
		return nil, false, &matcher.Error{Code: matcher.ECONFLICT, Field: "quantity", Message: fmt.Sprintf("offer %s has %d left, %d asked", o.ID, o.Stock, req.Quantity)}
	}
	points := o.Price * req.Quantity
	if card.Balance() < points {
		return nil, false, &matcher.Error{Code: matcher.ECONFLICT, Field: "card",
			Message: fmt.Sprintf("card %s holds %d points; %d × %d = %d are needed", card.ID, card.Balance(), req.Quantity, o.Price, points)}
	}
	now := s.now()
	red := matcher.Redemption{ID: req.ID, Offer: o.ID, Unit: o.Unit, Card: card.ID, Quantity: req.Quantity, Points: points, By: actor.String(), Time: now}
	t := matcher.Transfer{ID: req.ID, From: card.ID, To: o.Account, Amount: points, Reason: fmt.Sprintf("兑换 %s × %d", o.Title, req.Quantity),
		Kind: matcher.TransferRedeem, Redemption: req.ID, By: actor.String(), Time: now}
	if _, err := tx.PostTransfer(t); err != nil {
		return nil, false, err
	}
	if err := tx.PutRedemption(red); err != nil {
		return nil, false, err
	}
	got, err := tx.Redemption(req.ID)
	if err != nil {
		return nil, false, err
	}
	return viewRedemption(tx.Reader, got), true, nil
}

// CST is China Standard Time: months of reports and settlements begin at
// its midnight.
var CST = time.FixedZone("CST", 8*3600)

// ParseMonth reads "2026-12" as the month's first instant in China
// Standard Time (EINVALID naming month).
func ParseMonth(s string) (time.Time, error) {
	t, err := time.ParseInLocation("2006-01", s, CST)
	if err != nil || t.Year() < matcher.MinYear || t.Year() > matcher.MaxYear {
		return time.Time{}, matcher.FieldError("month", "must be a month such as 2026-12, got %q", s)
	}
	return t, nil
}

// Redemptions lists the redemptions at unit's offers from from (inclusive)
// to to (exclusive; zero times: no bound), newest first, for a caller who
// may see the unit (the shop itself, its coordinators).
func (s *Service) Redemptions(actor matcher.Actor, unit string, from, to time.Time) ([]RedemptionView, error) {
	sn := s.Store.Snapshot()
	if sn.UnitRaw(unit) == nil || !matcher.CanSeeUnit(sn.Reader, actor, unit) {
		return nil, notFound("unit", unit)
	}
	out := []RedemptionView{}
	for r := range sn.RedemptionsAt(unit) {
		if (from.IsZero() || !r.Time.Before(from)) && (to.IsZero() || r.Time.Before(to)) {
			out = append(out, viewRedemption(sn.Reader, r))
		}
	}
	slices.SortFunc(out, func(a, b RedemptionView) int {
		if c := b.Time.Compare(a.Time); c != 0 {
			return c
		}
		return cmp.Compare(b.ID, a.ID)
	})
	return out, nil
}

// Settlement is a shop's month: its redemptions and what each sponsoring
// unit (the community whose cards paid) owes for them.
type Settlement struct {
	Unit        string           `json:"unit"`
	Month       string           `json:"month"`
	Redemptions []RedemptionView `json:"redemptions"` // oldest first; reversed ones included and marked
	BySponsor   map[string]int64 `json:"by_sponsor"`  // points by the issuing unit of the cards
	ByOffer     map[string]int64 `json:"by_offer"`    // pieces by offer
	Points      int64            `json:"points"`      // not reversed
	Pieces      int64            `json:"pieces"`
}

// MonthSettlement returns unit's settlement for the month that begins at
// month (ParseMonth).
func (s *Service) MonthSettlement(actor matcher.Actor, unit string, month time.Time) (*Settlement, error) {
	list, err := s.Redemptions(actor, unit, month, month.AddDate(0, 1, 0))
	if err != nil {
		return nil, err
	}
	sn := s.Store.Snapshot()
	slices.Reverse(list)
	st := &Settlement{Unit: unit, Month: month.Format("2006-01"), Redemptions: list, BySponsor: map[string]int64{}, ByOffer: map[string]int64{}}
	for _, r := range list {
		if r.Reversed {
			continue
		}
		sponsor := ""
		if c, err := sn.Account(r.Card); err == nil {
			sponsor = c.Unit
		}
		st.BySponsor[sponsor] += r.Points
		st.ByOffer[r.Offer] += r.Quantity
		st.Points += r.Points
		st.Pieces += r.Quantity
	}
	return st, nil
}

// LedgerReport is an alliance's month of the points bank.
type LedgerReport struct {
	Alliance string `json:"alliance"`
	Month    string `json:"month"`
	// EarnedByCategory: points earned by fulfilled claims, by category
	// ("award" for awards by hand), net of their reversals.
	EarnedByCategory map[string]int64 `json:"earned_by_category"`
	Earned           int64            `json:"earned"`
	// RedeemedByShop: points redeemed at each unit's offers, net of the
	// redemptions given back.
	RedeemedByShop map[string]int64 `json:"redeemed_by_shop"`
	Redeemed       int64            `json:"redeemed"`
	Redemptions    int              `json:"redemptions"`
	// Outstanding is what the holding accounts of the scope held at the
	// month's end (or now, for the current month): points earned and not
	// yet redeemed.
	Outstanding int64 `json:"outstanding"`
	// Issued is what the scope's issuing accounts had issued in all by the
	// month's end (minus their balance).
	Issued int64 `json:"issued"`
	Cards  int   `json:"cards"` // cards of the scope
}

// MonthReport reports the month that begins at month (ParseMonth) of the
// points bank of alliance's scope (its units and those of the alliances
// below it), for a coordinator who may run its meeting.
func (s *Service) MonthReport(actor matcher.Actor, alliance string, month time.Time) (*LedgerReport, error) {
	sn, scope, err := s.meetingScope(actor, alliance)
	if err != nil {
		return nil, err
	}
	end := month.AddDate(0, 1, 0)
	in := func(t time.Time) bool { return !t.Before(month) && t.Before(end) }
	rep := &LedgerReport{Alliance: alliance, Month: month.Format("2006-01"), EarnedByCategory: map[string]int64{}, RedeemedByShop: map[string]int64{}}
	seen := map[string]bool{}
	for _, u := range scope.Units() {
		for a := range sn.AccountsOf(u) {
			if a.Kind == matcher.AccountCard {
				rep.Cards++
			}
			var bal int64
			for t := range sn.Posted(a.ID) {
				if !t.Time.Before(end) {
					continue
				}
				if t.To == a.ID {
					bal += t.Amount
				} else {
					bal -= t.Amount
				}
				if seen[t.ID] || !in(t.Time) {
					continue
				}
				seen[t.ID] = true
				s.tally(sn.Reader, rep, t)
			}
			if a.Kind.Holds() {
				rep.Outstanding += bal
			} else {
				rep.Issued -= bal
			}
		}
	}
	return rep, nil
}

// tally counts transfer t of the month into rep.
func (s *Service) tally(r index.Reader, rep *LedgerReport, t *matcher.Transfer) {
	kind, sign := t.Kind, int64(1)
	if t.Kind == matcher.TransferReverse {
		orig, err := r.Transfer(t.Reverses)
		if err != nil {
			return
		}
		kind, sign, t = orig.Kind, -1, &matcher.Transfer{ID: t.ID, Amount: t.Amount, Category: orig.Category, Redemption: orig.Redemption, To: orig.To}
	}
	switch kind {
	case matcher.TransferEarn:
		rep.EarnedByCategory[t.Category] += sign * t.Amount
		rep.Earned += sign * t.Amount
	case matcher.TransferAward:
		rep.EarnedByCategory["award"] += sign * t.Amount
		rep.Earned += sign * t.Amount
	case matcher.TransferRedeem:
		shop := ""
		if red, err := r.Redemption(t.Redemption); err == nil {
			shop = red.Unit
		}
		rep.RedeemedByShop[shop] += sign * t.Amount
		rep.Redeemed += sign * t.Amount
		rep.Redemptions += int(sign)
	}
}
