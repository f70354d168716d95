package store

import (
	"fmt"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/bundle"
	"github.com/allymatch/allymatch/matcher/index"
)

// importLedger stores the points bank's lists of b (bundle.Ledger) in an
// import's mutation, after its other records: accounts (their totals are
// the store's), earning rules, offers (their count redeemed is the
// store's), earners, then the transfers in the order listed, each posted
// like one sent to the API (kind award from an issuing account, else
// transfer), or skipped when stored already with the same body.
func importLedger(tx *Tx, b *bundle.Bundle, p *matcher.Problems) {
	l := &b.Ledger
	putAll(p, l.Accounts, tx.PutAccount)
	putAll(p, l.Rules, tx.PutRule)
	putAll(p, l.Offers, tx.PutOffer)
	putAll(p, l.Earners, tx.PutEarners)
	for _, t := range l.Transfers {
		at := recordOf(index.TableTransfers, t.ID)
		if from, err := tx.Account(t.From); err == nil {
			t.Kind = matcher.TransferManual
			if from.Kind == matcher.AccountIssuer {
				t.Kind = matcher.TransferAward
			}
		}
		if old, err := tx.Transfer(t.ID); err == nil {
			if !old.SameRequest(&t) {
				p.AddErr(at, &matcher.Error{Code: matcher.ECONFLICT, Field: "id",
					Message: fmt.Sprintf("transfer %q is stored with another %s; a transfer is never changed", t.ID, old.Differs(&t))})
			}
			continue
		}
		if _, err := tx.PostTransfer(t); err != nil {
			p.AddErr(at, err)
		}
	}
}

func recordOf(table, id string) string { return table + "[" + id + "]" }
