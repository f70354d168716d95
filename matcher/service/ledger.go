package service

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
	"github.com/allymatch/allymatch/matcher/store"
)

// The points bank (道德积分银行): accounts and transfers. The operations
// that move points (PostTransfer, Reverse, Redeem) go through the ledger's
// batcher (ledger_batch.go); earning is written with the fulfilment that
// earns (ledger_earn.go); offers, redemptions and the monthly figures are
// in ledger_redeem.go.
//
// Scopes, as everywhere: an admin sees every account; a coordinator the
// accounts of the units in its scope; a unit its own accounts (a shop its
// account, a committee its issuing account and the cards it issued).
// Naming an account as the other side of a transfer, the card of a
// redemption or an earner reaches a little further: a unit may name the
// accounts of the units it shares an alliance with. A card moves points
// only with the accounts of its own community (the units of its unit's
// alliances). An account out of reach is answered exactly as an absent
// one (ENOTFOUND naming the field).

// sameCommunity reports whether units u and v are one unit or members of
// one alliance.
func sameCommunity(r index.Reader, u, v string) bool {
	if u == v {
		return true
	}
	for al := range r.AlliancesOf(u) {
		if al.Lead == v || slices.Contains(al.Members, v) {
			return true
		}
	}
	return false
}

// cardsApart returns the conflict of a transfer between accounts x and y
// when one is a card and the other's unit is not of its community (nil
// otherwise); fields are the request's fields of x and y.
func cardsApart(r index.Reader, x, y *matcher.Account, fx, fy string) error {
	for _, c := range []struct {
		card, other *matcher.Account
		field       string
	}{{x, y, fx}, {y, x, fy}} {
		if c.card.Kind == matcher.AccountCard && !sameCommunity(r, c.card.Unit, c.other.Unit) {
			return &matcher.Error{Code: matcher.ECONFLICT, Field: c.field,
				Message: fmt.Sprintf("card %s is of another community (issued by %s): account %s of unit %s is in none of its alliances", c.card.ID, c.card.Unit, c.other.ID, c.other.Unit)}
		}
	}
	return nil
}

func noAccount(field, id string) error {
	return &matcher.Error{Code: matcher.ENOTFOUND, Field: field, Message: fmt.Sprintf("no account %q", id)}
}

// AccountView is an account as the API shows it: with its balance and
// flags.
type AccountView struct {
	matcher.Account
	Balance int64    `json:"balance"`
	Flags   []string `json:"flags"`
}

// ViewOf returns the view of a.
func ViewOf(a *matcher.Account) AccountView {
	return AccountView{Account: *a, Balance: a.Balance(), Flags: a.Flags()}
}

// CreateAccount opens an account: an issuing account (coordinators and
// admins only), a unit's own account, a volunteer team's or a resident
// card (whose unit is a community or village unit, and whose id is the
// card's code). A unit opens accounts for itself, a coordinator for the
// units of its scope. One audit event, "ledger.account".
//
// Errors: EINVALID naming the field; ENOTFOUND naming unit for a unit out
// of the caller's scope; EFORBIDDEN for an issuing account asked by a
// unit; ECONFLICT naming id (taken) or unit (a card or issuer of a unit
// that is no community).
func (s *Service) CreateAccount(ctx context.Context, actor matcher.Actor, a matcher.Account) (AccountView, error) {
	a.Debits, a.Credits, a.Rev = 0, 0, 0
	a.Created = s.now()
	if err := a.Validate(); err != nil {
		return AccountView{}, err
	}
	var out AccountView
	sn := s.Store.Snapshot()
	_, err := s.Store.Update(ctx, actor.String(), "ledger.account", alliancesOfUnits(sn.Reader, a.Unit), func(tx *store.Tx) error {
		ref := newRefs(tx.Reader, actor)
		ref.writableUnit("unit", a.Unit)
		if err := ref.err(); err != nil {
			return err
		}
		if a.Kind == matcher.AccountIssuer && actor.Role == matcher.RoleUnit {
			return &matcher.Error{Code: matcher.EFORBIDDEN, Field: "kind", Message: "an issuing account is opened by the alliance's coordinator"}
		}
		u := tx.UnitRaw(a.Unit)
		if (a.Kind == matcher.AccountCard || a.Kind == matcher.AccountIssuer) && u.Kind != matcher.KindCommunity && u.Kind != matcher.KindVillage {
			return &matcher.Error{Code: matcher.ECONFLICT, Field: "unit",
				Message: fmt.Sprintf("a %s account is held by a community or village unit; %s is a %s", a.Kind, a.Unit, u.Kind)}
		}
		if _, err := tx.Account(a.ID); err == nil {
			return exists("account", a.ID)
		}
		if err := tx.PutAccount(a); err != nil {
			return err
		}
		got, err := tx.Account(a.ID)
		if err == nil {
			out = ViewOf(got)
		}
		return err
	})
	return out, err
}

// Account returns the account id as actor may see it (ENOTFOUND
// otherwise).
func (s *Service) Account(actor matcher.Actor, id string) (AccountView, error) {
	sn := s.Store.Snapshot()
	a, err := sn.Account(id)
	if err != nil || !matcher.CanSeeAccount(sn.Reader, actor, a) {
		return AccountView{}, matcher.Errorf(matcher.ENOTFOUND, "account %q not found", id)
	}
	return ViewOf(a), nil
}

// Accounts lists the accounts actor may see, of one unit when unit is
// set, of one kind when kind is, in id order.
func (s *Service) Accounts(actor matcher.Actor, unit string, kind matcher.AccountKind) []AccountView {
	sn := s.Store.Snapshot()
	src := sn.Accounts()
	if unit != "" {
		src = sn.AccountsOf(unit)
	}
	out := []AccountView{}
	for a := range src {
		if (kind == "" || a.Kind == kind) && matcher.CanSeeAccount(sn.Reader, actor, a) {
			out = append(out, ViewOf(a))
		}
	}
	return out
}

// Line is one line of a statement: a transfer seen from the account, with
// the balance after it.
type Line struct {
	matcher.Transfer
	Delta   int64 `json:"delta"`   // + credited, − debited
	Balance int64 `json:"balance"` // the account's balance after it
}

// Statement returns account id with its transfers in the order they were
// posted, each with the balance after it (ENOTFOUND for an account actor
// may not see).
func (s *Service) Statement(actor matcher.Actor, id string) (AccountView, []Line, error) {
	sn := s.Store.Snapshot()
	a, err := sn.Account(id)
	if err != nil || !matcher.CanSeeAccount(sn.Reader, actor, a) {
		return AccountView{}, nil, matcher.Errorf(matcher.ENOTFOUND, "account %q not found", id)
	}
	lines := []Line{}
	var bal int64
	for t := range sn.Posted(id) {
		d := t.Amount
		if t.From == id {
			d = -d
		}
		bal += d
		lines = append(lines, Line{Transfer: *t, Delta: d, Balance: bal})
	}
	return ViewOf(a), lines, nil
}

// TransferRequest asks for a transfer by hand: Amount points from From to
// To, for Reason; Claim optionally names the claim it comes from. ID is
// the client's idempotency key.
type TransferRequest struct {
	ID     string `json:"id"`
	From   string `json:"from"`
	To     string `json:"to"`
	Amount int64  `json:"amount"`
	Reason string `json:"reason"`
	Claim  string `json:"claim,omitempty"`
}

// Check checks the request's own fields.
func (r TransferRequest) Check() error {
	var p matcher.Problems
	checkClientID(&p, "id", r.ID)
	for _, f := range []struct{ name, id string }{{"from", r.From}, {"to", r.To}} {
		if !matcher.ValidID(f.id) {
			p.Add(f.name, "must be an account id, got %q", f.id)
		}
	}
	if r.From != "" && r.From == r.To {
		p.Add("to", "a transfer moves points between two accounts; from and to are both %q", r.To)
	}
	if r.Amount < 1 || r.Amount > matcher.MaxAmount {
		p.Add("amount", "must be a whole number of points from 1 to %d, got %d", int64(matcher.MaxAmount), r.Amount)
	}
	p.AddErr("", matcher.ReasonLine.Check("reason", r.Reason))
	if r.Claim != "" && !matcher.ValidID(r.Claim) {
		p.Add("claim", "must be a claim id, got %q", r.Claim)
	}
	return p.Err()
}

// checkClientID checks an id a client chooses for a transfer or a
// redemption.
func checkClientID(p *matcher.Problems, field, id string) {
	switch {
	case id == "":
		p.Add(field, "is required: the id you choose makes a retry safe (the same id and body is the same transfer)")
	case !matcher.ValidID(id):
		p.Add(field, "%q is not a valid id (1-128 of A-Z a-z 0-9 . _ : -)", id)
	case strings.HasPrefix(id, matcher.EarnPrefix):
		p.Add(field, "ids starting with %q are the ledger's own", matcher.EarnPrefix)
	}
}

// PostTransfer moves req.Amount points by hand from req.From to req.To
// (an award when From is an issuing account). created is false when a
// transfer with req.ID and the same request exists: it is returned as it
// was stored, and nothing is written. The caller must see From and may
// name To (CanReachAccount). The write is grouped with other callers'
// (ledger_batch.go) and durable when PostTransfer returns.
//
// Errors: EINVALID naming the field; ENOTFOUND naming from, to or claim;
// ECONFLICT naming id (the id holds another transfer: the field it
// differs in is said), amount (beyond From's balance) or the card's field
// (a card of another community).
func (s *Service) PostTransfer(ctx context.Context, actor matcher.Actor, req TransferRequest) (matcher.Transfer, bool, error) {
	if err := req.Check(); err != nil {
		return matcher.Transfer{}, false, err
	}
	if err := ctx.Err(); err != nil {
		return matcher.Transfer{}, false, err
	}
	sn := s.Store.Snapshot()
	op := &ledgerOp{actor: actor, action: "ledger.transfer", alliances: accountAlliances(sn.Reader, req.From, req.To),
		apply: func(tx *store.Tx) (any, bool, error) { return s.postTransfer(tx, actor, req) }}
	r := s.submit(op)
	t, _ := r.v.(matcher.Transfer)
	return t, r.created, r.err
}

// accountAlliances returns the sorted alliances of the units of accounts
// ids (the audit event's).
func accountAlliances(r index.Reader, ids ...string) []string {
	var units []string
	for _, id := range ids {
		if a, err := r.Account(id); err == nil {
			units = append(units, a.Unit)
		}
	}
	return alliancesOfUnits(r, units...)
}

func (s *Service) postTransfer(tx *store.Tx, actor matcher.Actor, req TransferRequest) (any, bool, error) {
	from, err := tx.Account(req.From)
	if err != nil || !matcher.CanSeeAccount(tx.Reader, actor, from) {
		return nil, false, noAccount("from", req.From)
	}
	to, err := tx.Account(req.To)
	if err != nil || !matcher.CanReachAccount(tx.Reader, actor, to) {
		return nil, false, noAccount("to", req.To)
	}
	if req.Claim != "" {
		if c, err := tx.Claim(req.Claim); err != nil || !matcher.CanSeeClaim(tx.Reader, actor, c) {
			return nil, false, &matcher.Error{Code: matcher.ENOTFOUND, Field: "claim", Message: fmt.Sprintf("no claim %q", req.Claim)}
		}
	}
	kind := matcher.TransferManual
	if from.Kind == matcher.AccountIssuer {
		kind = matcher.TransferAward
	}
	want := matcher.Transfer{ID: req.ID, From: req.From, To: req.To, Amount: req.Amount, Reason: req.Reason, Claim: req.Claim, Kind: kind,
		By: actor.String(), Time: s.now()}
	if old, err := tx.Transfer(req.ID); err == nil {
		return repeated(old, &want)
	}
	if _, err := tx.Redemption(req.ID); err == nil {
		return nil, false, idTaken("redemption", req.ID)
	}
	if err := cardsApart(tx.Reader, from, to, "from", "to"); err != nil {
		return nil, false, err
	}
	if from.Kind.Holds() && from.Balance() < req.Amount {
		return nil, false, beyondBalance(from, req.Amount)
	}
	t, err := tx.PostTransfer(want)
	if err != nil {
		return nil, false, err
	}
	return t, true, nil
}

// repeated answers a request whose id names a stored transfer: the same
// request is the transfer as stored; another is a conflict naming id and
// the field it differs in.
func repeated(old, want *matcher.Transfer) (any, bool, error) {
	if old.SameRequest(want) {
		return *old, false, nil
	}
	return nil, false, &matcher.Error{Code: matcher.ECONFLICT, Field: "id",
		Message: fmt.Sprintf("transfer %q exists with another %s; a transfer is never changed: choose a new id", old.ID, old.Differs(want))}
}

func idTaken(what, id string) error {
	return &matcher.Error{Code: matcher.ECONFLICT, Field: "id", Message: fmt.Sprintf("id %q is taken by a %s; choose a new id", id, what)}
}

func beyondBalance(a *matcher.Account, amount int64) error {
	return &matcher.Error{Code: matcher.ECONFLICT, Field: "amount",
		Message: fmt.Sprintf("account %s holds %d points, %d asked: a %s account's debits must not exceed its credits", a.ID, a.Balance(), amount, a.Kind)}
}

// ReverseRequest asks to correct a transfer: ID is the new, reversing
// transfer's id; Amount the points to give back (0: all that is left).
type ReverseRequest struct {
	ID     string `json:"id"`
	Amount int64  `json:"amount,omitempty"`
	Reason string `json:"reason"`
}

// Check checks the request's own fields.
func (r ReverseRequest) Check() error {
	var p matcher.Problems
	checkClientID(&p, "id", r.ID)
	if r.Amount < 0 || r.Amount > matcher.MaxAmount {
		p.Add("amount", "must be a whole number of points from 1 to %d (or none: all that is left), got %d", int64(matcher.MaxAmount), r.Amount)
	}
	p.AddErr("", matcher.ReasonLine.Check("reason", r.Reason))
	return p.Err()
}

// Reverse corrects transfer id with a new transfer the other way round,
// of req.Amount points (all that no earlier reversal gave back, when 0). A
// redemption's transfer is reversed whole, and its stock comes back. The
// caller must see the account the reversal debits (the one the transfer
// credited); the account must still hold the points. A reversal is not reversed (post a new transfer). The same
// request again (req.ID) returns the reversal as stored (created false).
//
// Errors: ENOTFOUND for a transfer the caller may not see; EFORBIDDEN;
// EINVALID naming the field; ECONFLICT naming id (taken, or a reversal
// itself) or amount (more than is left, a part of a redemption, beyond
// the balance).
func (s *Service) Reverse(ctx context.Context, actor matcher.Actor, id string, req ReverseRequest) (matcher.Transfer, bool, error) {
	if err := req.Check(); err != nil {
		return matcher.Transfer{}, false, err
	}
	if err := ctx.Err(); err != nil {
		return matcher.Transfer{}, false, err
	}
	sn := s.Store.Snapshot()
	var alliances []string
	if t, err := sn.Transfer(id); err == nil {
		alliances = accountAlliances(sn.Reader, t.From, t.To)
	}
	op := &ledgerOp{actor: actor, action: "ledger.reverse", alliances: alliances,
		apply: func(tx *store.Tx) (any, bool, error) { return s.reverse(tx, actor, id, req) }}
	r := s.submit(op)
	t, _ := r.v.(matcher.Transfer)
	return t, r.created, r.err
}

func (s *Service) reverse(tx *store.Tx, actor matcher.Actor, id string, req ReverseRequest) (any, bool, error) {
	orig, err := tx.Transfer(id)
	if err != nil {
		return nil, false, matcher.Errorf(matcher.ENOTFOUND, "transfer %q not found", id)
	}
	from, _ := tx.Account(orig.To) // debited by the reversal
	to, _ := tx.Account(orig.From)
	if from == nil || to == nil || !matcher.CanSeeAccount(tx.Reader, actor, from) && !matcher.CanSeeAccount(tx.Reader, actor, to) {
		return nil, false, matcher.Errorf(matcher.ENOTFOUND, "transfer %q not found", id)
	}
	left := orig.Amount - tx.Reversed(orig.ID)
	want := matcher.Transfer{ID: req.ID, From: orig.To, To: orig.From, Amount: req.Amount, Reason: req.Reason, Kind: matcher.TransferReverse,
		Claim: orig.Claim, Redemption: orig.Redemption, Reverses: orig.ID, By: actor.String(), Time: s.now()}
	if old, err := tx.Transfer(req.ID); err == nil {
		if req.Amount == 0 && old.Reverses == orig.ID {
			want.Amount = old.Amount // "all that was left" when it was asked
		}
		return repeated(old, &want)
	}
	if _, err := tx.Redemption(req.ID); err == nil {
		return nil, false, idTaken("redemption", req.ID)
	}
	if orig.Kind == matcher.TransferReverse {
		return nil, false, matcher.Errorf(matcher.ECONFLICT, "transfer %s is a reversal: correct it with a new transfer, not by reversing it", orig.ID)
	}
	if !matcher.CanSeeAccount(tx.Reader, actor, from) {
		return nil, false, &matcher.Error{Code: matcher.EFORBIDDEN, Field: "id",
			Message: fmt.Sprintf("a reversal of %s debits account %s, which %s may not: its unit or their coordinator corrects it", orig.ID, from.ID, actor)}
	}
	if want.Amount == 0 {
		want.Amount = left
	}
	switch {
	case left == 0:
		return nil, false, &matcher.Error{Code: matcher.ECONFLICT, Field: "amount", Message: fmt.Sprintf("transfer %s was reversed whole already", orig.ID)}
	case want.Amount > left:
		return nil, false, &matcher.Error{Code: matcher.ECONFLICT, Field: "amount", Message: fmt.Sprintf("transfer %s has %d of its %d points left to give back, %d asked", orig.ID, left, orig.Amount, want.Amount)}
	case orig.Kind == matcher.TransferRedeem && want.Amount != orig.Amount:
		return nil, false, &matcher.Error{Code: matcher.ECONFLICT, Field: "amount", Message: fmt.Sprintf("a redemption is given back whole: %d points, not %d", orig.Amount, want.Amount)}
	case from.Kind.Holds() && from.Balance() < want.Amount:
		return nil, false, beyondBalance(from, want.Amount)
	}
	if orig.Kind == matcher.TransferRedeem {
		red, err := tx.Redemption(orig.Redemption)
		if err != nil {
			return nil, false, err
		}
		offer, err := tx.Offer(red.Offer)
		if err != nil {
			return nil, false, err
		}
		if offer.Stock+red.Quantity > matcher.MaxStock {
			return nil, false, &matcher.Error{Code: matcher.ECONFLICT, Field: "amount", Message: fmt.Sprintf("offer %s cannot take its %d pieces back: its stock would pass %d", offer.ID, red.Quantity, matcher.MaxStock)}
		}
	}
	t, err := tx.PostTransfer(want)
	if err != nil {
		return nil, false, err
	}
	if orig.Kind == matcher.TransferRedeem {
		if err := tx.ReturnRedemption(orig.Redemption); err != nil {
			return nil, false, err
		}
	}
	return t, true, nil
}
