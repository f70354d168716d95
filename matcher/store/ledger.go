package store

import (
	"fmt"
	"reflect"
	"slices"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
)

// The points ledger's writes. Transfers and redemptions are only ever
// inserted: PostTransfer is the one way to write a transfer, and it moves
// the posted debits and credits of both accounts in the same write, so
// that an account's totals are the sums of its transfers by construction
// (the check at start replays them). PutAccount keeps the stored totals
// whatever the caller passes.

// Writes returns how many records and categories this mutation has put or
// deleted so far (a batch of ledger operations uses it to tell an
// operation that failed before writing from one that failed half-way).
func (tx *Tx) Writes() int { return len(tx.order) + len(tx.cats) }

// PutAccount adds an account or changes its name. Its kind and unit never
// change (ECONFLICT naming accounts[id].kind or .unit), and its posted debits and credits
// are the store's: those of a is ignored.
func (tx *Tx) PutAccount(a matcher.Account) error {
	a.Rev = tx.seq
	cur, err := tx.Account(a.ID)
	if err == nil {
		switch {
		case cur.Kind != a.Kind:
			return &matcher.Error{Code: matcher.ECONFLICT, Field: recordOf(index.TableAccounts, a.ID) + ".kind", Message: fmt.Sprintf("account %q is a %s account; an account's kind does not change", a.ID, cur.Kind)}
		case cur.Unit != a.Unit:
			return &matcher.Error{Code: matcher.ECONFLICT, Field: recordOf(index.TableAccounts, a.ID) + ".unit", Message: fmt.Sprintf("account %q belongs to unit %q; an account does not move between units", a.ID, cur.Unit)}
		}
		a.Debits, a.Credits, a.Created = cur.Debits, cur.Credits, cur.Created
	} else {
		a.Debits, a.Credits = 0, 0
	}
	if err := a.Validate(); err != nil {
		return invalid(index.TableAccounts, a.ID, err)
	}
	return tx.insert(index.TableAccounts, a.ID, &a)
}

// PostTransfer writes the new transfer t and posts it to its two accounts:
// From is debited and To credited by t.Amount. The transfer's id must be
// new (ECONFLICT naming id: a transfer is never replaced), both accounts
// must exist (ENOTFOUND naming from or to), and a holding account may not
// be debited past its balance (ECONFLICT naming amount). The transfer is
// stamped with the write's Seq and its place N among the write's
// transfers; the stored transfer is returned. Nothing is written when it
// fails.
func (tx *Tx) PostTransfer(t matcher.Transfer) (matcher.Transfer, error) {
	t.Seq, t.N = tx.seq, tx.posted+1
	if err := t.Validate(); err != nil {
		return t, err
	}
	if _, err := tx.Transfer(t.ID); err == nil {
		return t, &matcher.Error{Code: matcher.ECONFLICT, Field: "id", Message: fmt.Sprintf("transfer %q exists; a transfer is never changed", t.ID)}
	}
	from, err := tx.Account(t.From)
	if err != nil {
		return t, &matcher.Error{Code: matcher.ENOTFOUND, Field: "from", Message: fmt.Sprintf("no account %q", t.From)}
	}
	to, err := tx.Account(t.To)
	if err != nil {
		return t, &matcher.Error{Code: matcher.ENOTFOUND, Field: "to", Message: fmt.Sprintf("no account %q", t.To)}
	}
	if from.Kind.Holds() && from.Balance() < t.Amount {
		return t, &matcher.Error{Code: matcher.ECONFLICT, Field: "amount",
			Message: fmt.Sprintf("account %s holds %d points, %d asked: its debits must not exceed its credits", from.ID, from.Balance(), t.Amount)}
	}
	if from.Debits+t.Amount > matcher.MaxPosted || to.Credits+t.Amount > matcher.MaxPosted {
		return t, &matcher.Error{Code: matcher.ECONFLICT, Field: "amount", Message: "the accounts' posted totals would pass the ledger's limit"}
	}
	f, c := *from, *to
	f.Debits += t.Amount
	c.Credits += t.Amount
	f.Rev, c.Rev = tx.seq, tx.seq
	if err := tx.txn.Insert(index.TableTransfers, &t); err != nil {
		return t, err
	}
	tx.mark(index.TableTransfers, t.ID, true)
	tx.posted++
	if err := tx.insert(index.TableAccounts, f.ID, &f); err != nil {
		return t, err
	}
	if err := tx.insert(index.TableAccounts, c.ID, &c); err != nil {
		return t, err
	}
	return t, nil
}

// PutOffer adds or replaces a redemption offer: its stock is the caller's
// (a restock), the count redeemed the store's (PutRedemption and
// ReturnRedemption move it with the stock).
func (tx *Tx) PutOffer(o matcher.Offer) error {
	o.Rev, o.Redeemed = tx.seq, 0
	if cur, err := tx.Offer(o.ID); err == nil {
		o.Redeemed = cur.Redeemed
	}
	if err := o.Validate(); err != nil {
		return invalid(index.TableOffers, o.ID, err)
	}
	return tx.insert(index.TableOffers, o.ID, &o)
}

// PutRedemption writes a new redemption and takes its pieces from its
// offer's stock (ECONFLICT naming id for one that exists: a redemption is
// never changed; naming quantity beyond the stock). Its transfer (of the
// same id) is posted by the caller in the same mutation; the check at the
// end of the mutation holds them together.
func (tx *Tx) PutRedemption(r matcher.Redemption) error {
	r.Seq = tx.seq
	if err := r.Validate(); err != nil {
		return invalid(index.TableRedemptions, r.ID, err)
	}
	if _, err := tx.Redemption(r.ID); err == nil {
		return &matcher.Error{Code: matcher.ECONFLICT, Field: "id", Message: fmt.Sprintf("redemption %q exists; a redemption is never changed", r.ID)}
	}
	cur, err := tx.Offer(r.Offer)
	if err != nil {
		return &matcher.Error{Code: matcher.ENOTFOUND, Field: "offer", Message: fmt.Sprintf("no offer %q", r.Offer)}
	}
	if cur.Stock < r.Quantity {
		return &matcher.Error{Code: matcher.ECONFLICT, Field: "quantity", Message: fmt.Sprintf("offer %s has %d left, %d asked", cur.ID, cur.Stock, r.Quantity)}
	}
	o := *cur
	o.Stock -= r.Quantity
	o.Redeemed += r.Quantity
	o.Rev = tx.seq
	if err := tx.txn.Insert(index.TableRedemptions, &r); err != nil {
		return err
	}
	tx.mark(index.TableRedemptions, r.ID, true)
	return tx.insert(index.TableOffers, o.ID, &o)
}

// ReturnRedemption gives the pieces of redemption id back to its offer's
// stock, when the reversal of its transfer is posted in the same mutation.
func (tx *Tx) ReturnRedemption(id string) error {
	r, err := tx.Redemption(id)
	if err != nil {
		return err
	}
	cur, err := tx.Offer(r.Offer)
	if err != nil {
		return err
	}
	o := *cur
	o.Stock += r.Quantity
	o.Redeemed -= r.Quantity
	o.Rev = tx.seq
	if err := o.Validate(); err != nil {
		return invalid(index.TableOffers, o.ID, err)
	}
	return tx.insert(index.TableOffers, o.ID, &o)
}

// PutRule adds or replaces an earning rule.
func (tx *Tx) PutRule(r matcher.EarnRule) error {
	r.Rev = tx.seq
	if err := r.Validate(); err != nil {
		return invalid(index.TableRules, r.ID, err)
	}
	return tx.insert(index.TableRules, r.ID, &r)
}

// PutEarners names (or names again) the earners of a claim.
func (tx *Tx) PutEarners(e matcher.Earners) error {
	e.Earners = slices.Clone(e.Earners)
	e.Rev = tx.seq
	if err := e.Validate(); err != nil {
		return invalid(index.TableEarners, e.ID, err)
	}
	return tx.insert(index.TableEarners, e.ID, &e)
}

// immutable reports whether records of table are never changed or
// deleted once written.
func immutable(table string) bool {
	return table == index.TableTransfers || table == index.TableRedemptions
}

// sameEarners is sameRecord for a claim's earners, whose time and author
// are those of the last change that named others.
func sameEarners(cur, obj *matcher.Earners) bool {
	c, o := *cur, *obj
	c.Rev, o.Rev, c.Time, c.By = 0, 0, o.Time, o.By
	return reflect.DeepEqual(c, o)
}

// decodeLedgerRecord is decodeRecord for the ledger's tables.
func decodeLedgerRecord(table, id string, data []byte) (obj any, gotID string, rev uint64, invalid error, err error) {
	switch table {
	case index.TableAccounts:
		var v matcher.Account
		if err := decodeStrict(data, &v); err != nil {
			return nil, "", 0, nil, err
		}
		return &v, v.ID, v.Rev, v.Validate(), nil
	case index.TableRules:
		var v matcher.EarnRule
		if err := decodeStrict(data, &v); err != nil {
			return nil, "", 0, nil, err
		}
		return &v, v.ID, v.Rev, v.Validate(), nil
	case index.TableOffers:
		var v matcher.Offer
		if err := decodeStrict(data, &v); err != nil {
			return nil, "", 0, nil, err
		}
		return &v, v.ID, v.Rev, v.Validate(), nil
	case index.TableEarners:
		var v matcher.Earners
		if err := decodeStrict(data, &v); err != nil {
			return nil, "", 0, nil, err
		}
		return &v, v.ID, v.Rev, v.Validate(), nil
	case index.TableRedemptions:
		var v matcher.Redemption
		if err := decodeStrict(data, &v); err != nil {
			return nil, "", 0, nil, err
		}
		return &v, v.ID, v.Seq, v.Validate(), nil
	case index.TableTransfers:
		var v matcher.Transfer
		if err := decodeStrict(data, &v); err != nil {
			return nil, "", 0, nil, err
		}
		return &v, v.ID, v.Seq, v.Validate(), nil
	}
	return nil, "", 0, nil, fmt.Errorf("unknown table %q", table)
}
