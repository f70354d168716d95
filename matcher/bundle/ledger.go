package bundle

import "github.com/allymatch/allymatch/matcher"

// Ledger holds the points bank's lists of a bundle (道德积分银行): accounts,
// earning rules, redemption offers, the earners named for claims, and
// transfers by hand (opening balances carried over from paper passbooks,
// awards). A bundle without them reads as before; a bundle may hold only
// them. On import, an account's debits and credits, and an offer's count
// redeemed, are the store's (kept, or 0 for a new record): the transfers
// move them. Transfers are posted in the order listed, each checked like
// one sent to the API (a holding account never below zero); one stored
// already with the same body is skipped, with another body it is a
// conflict. Redemptions are made at a shop, never imported.
type Ledger struct {
	Accounts  []matcher.Account  `json:"accounts,omitempty"`
	Rules     []matcher.EarnRule `json:"rules,omitempty"`
	Offers    []matcher.Offer    `json:"offers,omitempty"`
	Earners   []matcher.Earners  `json:"earners,omitempty"`
	Transfers []matcher.Transfer `json:"transfers,omitempty"`
}

// prepareLedger is Prepare for the ledger's lists: defaults (an offer is
// open, an earner's share 1, what a transfer was made by "system", a
// transfer from the bundle an award or a transfer by hand), category
// names mapped to ids, every record's own fields validated and ids used
// twice found.
func prepareLedger(b *Bundle, vocab *matcher.Vocabulary, c lister) {
	l := &b.Ledger
	checkList(c, "accounts", l.Accounts, func(a *matcher.Account) string {
		a.Rev, a.Debits, a.Credits = 0, 0, 0
		return a.ID
	}, nil)
	checkList(c, "rules", l.Rules, func(x *matcher.EarnRule) string {
		x.Rev = 0
		if id, ok := vocab.Lookup(x.Category); ok {
			x.Category = id
		}
		return x.ID
	}, func(x *matcher.EarnRule, at func() (Loc, string)) {
		if x.Category != "" && !vocab.Has(x.Category) {
			lc, r := at()
			c.ps.add(lc, r, "category", "unknown category %q", x.Category)
		}
	})
	checkList(c, "offers", l.Offers, func(o *matcher.Offer) string {
		o.Rev, o.Redeemed = 0, 0
		if o.Status == "" {
			o.Status = matcher.OfferOpen
		}
		return o.ID
	}, nil)
	checkList(c, "earners", l.Earners, func(e *matcher.Earners) string {
		e.Rev = 0
		if e.By == "" {
			e.By = matcher.System.String()
		}
		for j := range e.Earners {
			if e.Earners[j].Share == 0 {
				e.Earners[j].Share = 1
			}
		}
		return e.ID
	}, nil)
	// Transfers: one of a kind a bundle cannot carry is not validated
	// further.
	d := c.dup("transfers")
	for i := range l.Transfers {
		t := &l.Transfers[i]
		t.Seq, t.N = 0, 0
		if t.By == "" {
			t.By = matcher.System.String()
		}
		if t.Kind == "" {
			t.Kind = matcher.TransferManual
		}
		d(i, t.ID)
		lc, r := c.rec("transfers", i, t.ID)
		if t.Kind != matcher.TransferManual && t.Kind != matcher.TransferAward {
			c.ps.add(lc, r, "kind", "a bundle carries transfers by hand (transfer or award); %s transfers are made by the ledger", t.Kind)
			continue
		}
		c.ps.addErr(lc, r, t.Validate())
	}
}
