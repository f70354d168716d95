package store

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
)

// The checks of the points ledger that span records: every reference names
// a live record of the right kind; a redemption, its transfer and its
// offer agree; no transfer is reversed by more than its amount; and at
// start (full) the ledger is replayed: every account's posted debits and
// credits are the sums of its transfers, the balances over all accounts
// sum to zero, no holding account is below zero at any transfer when they
// are replayed in the order posted, every offer's redeemed count is the
// sum of its redemptions not given back. A holding account below zero at
// the end fails its own Validate.

func (c *checker) account(a *matcher.Account) {
	c.unitExists(index.TableAccounts, a.ID, "unit", a.Unit)
}

func (c *checker) accountOf(table, id, field, account string, kinds ...matcher.AccountKind) *matcher.Account {
	a, err := c.r.Account(account)
	if err != nil {
		c.add(table, id, field, "unknown account %q", account)
		return nil
	}
	if len(kinds) > 0 && !slices.Contains(kinds, a.Kind) {
		c.add(table, id, field, "account %q is a %s account, not %v", account, a.Kind, kinds)
	}
	return a
}

func (c *checker) transfer(t *matcher.Transfer) {
	c.accountOf(index.TableTransfers, t.ID, "from", t.From)
	c.accountOf(index.TableTransfers, t.ID, "to", t.To)
	if t.Claim != "" {
		if _, err := c.r.Claim(t.Claim); err != nil {
			c.add(index.TableTransfers, t.ID, "claim", "unknown claim %q", t.Claim)
		}
	}
	if t.Rule != "" {
		if _, err := c.r.Rule(t.Rule); err != nil {
			c.add(index.TableTransfers, t.ID, "rule", "unknown earning rule %q", t.Rule)
		}
	}
	if t.Redemption != "" {
		if _, err := c.r.Redemption(t.Redemption); err != nil {
			c.add(index.TableTransfers, t.ID, "redemption", "unknown redemption %q", t.Redemption)
		}
	}
	if t.Reverses != "" {
		c.reversal(t)
	}
}

// reversal checks a reversing transfer against the one it corrects: the
// other way round, within what is left of it, a redemption's whole.
func (c *checker) reversal(t *matcher.Transfer) {
	orig, err := c.r.Transfer(t.Reverses)
	switch {
	case err != nil:
		c.add(index.TableTransfers, t.ID, "reverses", "unknown transfer %q", t.Reverses)
		return
	case orig.Kind == matcher.TransferReverse:
		c.add(index.TableTransfers, t.ID, "reverses", "transfer %q is a reversal itself", orig.ID)
	case orig.From != t.To || orig.To != t.From:
		c.add(index.TableTransfers, t.ID, "reverses", "a reversal of %q moves points from %q to %q", orig.ID, orig.To, orig.From)
	case orig.Redemption != t.Redemption:
		c.add(index.TableTransfers, t.ID, "redemption", "a reversal of %q names its redemption %q", orig.ID, orig.Redemption)
	}
	if back := c.r.Reversed(orig.ID); back > orig.Amount {
		c.add(index.TableTransfers, orig.ID, "amount", "reversals give back %d points of its %d", back, orig.Amount)
	} else if orig.Kind == matcher.TransferRedeem && back != 0 && back != orig.Amount {
		c.add(index.TableTransfers, orig.ID, "amount", "a redemption's transfer is reversed whole or not at all (%d of %d)", back, orig.Amount)
	}
}

func (c *checker) offer(o *matcher.Offer) {
	c.unitExists(index.TableOffers, o.ID, "unit", o.Unit)
	if a := c.accountOf(index.TableOffers, o.ID, "account", o.Account, matcher.AccountUnit, matcher.AccountTeam); a != nil && a.Unit != o.Unit {
		c.add(index.TableOffers, o.ID, "account", "account %q belongs to unit %q, not to the offer's unit %q", a.ID, a.Unit, o.Unit)
	}
}

func (c *checker) redemption(r *matcher.Redemption) {
	o, err := c.r.Offer(r.Offer)
	if err != nil {
		c.add(index.TableRedemptions, r.ID, "offer", "unknown offer %q", r.Offer)
		return
	}
	if o.Unit != r.Unit {
		c.add(index.TableRedemptions, r.ID, "unit", "offer %q belongs to unit %q, not %q", o.ID, o.Unit, r.Unit)
	}
	c.accountOf(index.TableRedemptions, r.ID, "card", r.Card, matcher.AccountCard)
	t, err := c.r.Transfer(r.ID)
	switch {
	case err != nil:
		c.add(index.TableRedemptions, r.ID, "id", "no transfer %q pays for it", r.ID)
	case t.Kind != matcher.TransferRedeem || t.Redemption != r.ID || t.From != r.Card || t.To != o.Account || t.Amount != r.Points:
		c.add(index.TableRedemptions, r.ID, "points", "its transfer %q does not move its %d points from card %q to %q", t.ID, r.Points, r.Card, o.Account)
	}
}

func (c *checker) rule(r *matcher.EarnRule) {
	if _, err := c.r.Alliance(r.Alliance); err != nil {
		c.add(index.TableRules, r.ID, "alliance", "unknown alliance %q", r.Alliance)
	}
	if !c.vocab.Has(r.Category) {
		c.add(index.TableRules, r.ID, "category", "unknown category %q", r.Category)
	}
	c.accountOf(index.TableRules, r.ID, "issuer", r.Issuer, matcher.AccountIssuer)
}

func (c *checker) earners(e *matcher.Earners) {
	if _, err := c.r.Claim(e.ID); err != nil {
		c.add(index.TableEarners, e.ID, "id", "unknown claim %q", e.ID)
	}
	for i, x := range e.Earners {
		c.accountOf(index.TableEarners, e.ID, fmt.Sprintf("earners[%d].account", i), x.Account, matcher.AccountTeam, matcher.AccountCard)
	}
}

// ledgerDeleted counts what still points at a deleted record from the
// ledger's tables.
func (c *checker) ledgerDeleted(k key, refs func(what string, n int)) {
	switch k.table {
	case index.TableUnits:
		refs("accounts", count(c.r.AccountsOf(k.id)))
		refs("offers", count(c.r.OffersOf(k.id)))
	case index.TableAlliances:
		refs("earning rules", count(c.r.RulesOf(k.id)))
	case index.TableClaims:
		refs("transfers", count(c.r.TransfersOfClaim(k.id)))
		if c.r.EarnersOf(k.id) != nil {
			refs("earners", 1)
		}
	case index.TableAccounts:
		refs("transfers", count(c.r.Posted(k.id)))
		refs("offers", count(c.r.OffersPaying(k.id)))
		refs("earning rules", count(c.r.RulesIssuing(k.id)))
	case index.TableOffers:
		refs("redemptions", count(c.r.RedemptionsOf(k.id)))
	case index.TableRules:
		for t := range c.r.Transfers() {
			if t.Rule == k.id {
				refs("transfers", 1)
				break
			}
		}
	}
}

// replay recomputes the ledger from its transfers and redemptions and
// compares it with the stored accounts and offers (the load at start).
func (c *checker) replay() {
	debits, credits := map[string]int64{}, map[string]int64{}
	var posted []*matcher.Transfer
	for t := range c.r.Transfers() {
		debits[t.From] += t.Amount
		credits[t.To] += t.Amount
		posted = append(posted, t)
	}
	// In the order posted (the write's index, then the place in it), no
	// holding account is ever below zero: not only at the end.
	slices.SortFunc(posted, func(x, y *matcher.Transfer) int {
		if x.Seq != y.Seq {
			return cmp.Compare(x.Seq, y.Seq)
		}
		return cmp.Compare(x.N, y.N)
	})
	balance := map[string]int64{}
	below := map[string]bool{} // reported once per account
	for _, t := range posted {
		balance[t.From] -= t.Amount
		balance[t.To] += t.Amount
		if b := balance[t.From]; b < 0 && !below[t.From] {
			if a, err := c.r.Account(t.From); err == nil && a.Kind != matcher.AccountIssuer {
				below[t.From] = true
				c.add(index.TableTransfers, t.ID, "amount", "account %q goes below zero (%d) at this transfer (write %d, place %d), replayed in the order posted", t.From, b, t.Seq, t.N)
			}
		}
	}
	var sum int64
	for a := range c.r.Accounts() {
		if a.Debits != debits[a.ID] || a.Credits != credits[a.ID] {
			c.p.List = append(c.p.List, matcher.Errorf(matcher.ECONFLICT,
				"account %q records debits %d and credits %d, its transfers sum to %d and %d", a.ID, a.Debits, a.Credits, debits[a.ID], credits[a.ID]))
		}
		sum += a.Balance()
	}
	if sum != 0 {
		c.p.List = append(c.p.List, matcher.Errorf(matcher.ECONFLICT, "the balances of all accounts sum to %d, not 0", sum))
	}
	for o := range c.r.Offers() {
		var n int64
		for r := range c.r.RedemptionsOf(o.ID) {
			if c.r.Reversed(r.ID) == 0 {
				n += r.Quantity
			}
		}
		if n != o.Redeemed {
			c.p.List = append(c.p.List, matcher.Errorf(matcher.ECONFLICT,
				"offer %q records %d pieces redeemed, its redemptions not given back hold %d", o.ID, o.Redeemed, n))
		}
	}
}
