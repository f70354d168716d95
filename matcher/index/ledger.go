package index

import (
	"encoding/binary"
	"fmt"
	"iter"

	memdb "github.com/allymatch/allymatch/internal/third_party/memdb"
	"github.com/allymatch/allymatch/matcher"
)

// The tables of the points ledger (matcher/ledger.go), in load order: a
// table's references point only at tables before it (and at the tables of
// the lists, which load first).
const (
	TableAccounts    = "accounts"
	TableRules       = "rules"
	TableOffers      = "offers"
	TableEarners     = "earners"
	TableRedemptions = "redemptions"
	TableTransfers   = "transfers"
)

// LedgerTables lists the ledger's tables in load order. They are part of
// Tables; files of layout versions before 3 lack them.
var LedgerTables = []string{TableAccounts, TableRules, TableOffers, TableEarners, TableRedemptions, TableTransfers}

// Index names of the ledger's tables.
const (
	IndexAccount    = "account"    // transfers: each of its two accounts, in the order posted
	IndexClaim      = "claim"      // transfers: the claim they come from
	IndexRedemption = "redemption" // transfers: the redemption they pay or give back
	IndexReverses   = "reverses"   // transfers: the transfer they correct
	IndexOffer      = "offer"      // redemptions
	IndexCard       = "card"       // redemptions
	IndexIssuer     = "issuer"     // rules
)

// postedIndexer indexes a transfer under each of its two accounts, by the
// account, then the order it was posted in (Seq, N): walking one account's
// entries is its statement, oldest first.
type postedIndexer struct{}

func postedKey(account string, seq uint64, n int) []byte {
	k := make([]byte, 0, len(account)+1+12)
	k = append(k, account...)
	k = append(k, 0)
	k = binary.BigEndian.AppendUint64(k, seq)
	return binary.BigEndian.AppendUint32(k, uint32(n))
}

func (postedIndexer) FromObject(obj any) (bool, [][]byte, error) {
	t, ok := obj.(*matcher.Transfer)
	if !ok {
		return false, nil, fmt.Errorf("index: posted indexer got %T", obj)
	}
	return true, [][]byte{postedKey(t.From, t.Seq, t.N), postedKey(t.To, t.Seq, t.N)}, nil
}

func (postedIndexer) FromArgs(args ...any) ([]byte, error) {
	if len(args) != 1 {
		return nil, fmt.Errorf("index: the posted index takes one account id, got %d args", len(args))
	}
	s, ok := args[0].(string)
	if !ok {
		return nil, fmt.Errorf("index: the posted index takes a string, got %T", args[0])
	}
	return append([]byte(s), 0), nil
}

// ledgerTables adds the ledger's tables to the schema's.
func ledgerTables(tables map[string]*memdb.TableSchema) {
	type (
		A = matcher.Account
		T = matcher.Transfer
		O = matcher.Offer
		R = matcher.Redemption
		E = matcher.Earners
		X = matcher.EarnRule
	)
	// Every transfer writes its two accounts again: they keep few indexes.
	tables[TableAccounts] = table(TableAccounts, idIndex(func(a *A) string { return a.ID }),
		field(IndexUnit, false, func(a *A) string { return a.Unit }))
	tables[TableRules] = table(TableRules, idIndex(func(r *X) string { return r.ID }),
		field(IndexAlliance, false, func(r *X) string { return r.Alliance }),
		field(IndexIssuer, false, func(r *X) string { return r.Issuer }))
	tables[TableOffers] = table(TableOffers, idIndex(func(o *O) string { return o.ID }),
		field(IndexUnit, false, func(o *O) string { return o.Unit }),
		field(IndexAccount, false, func(o *O) string { return o.Account }))
	tables[TableEarners] = table(TableEarners, idIndex(func(e *E) string { return e.ID }))
	tables[TableRedemptions] = table(TableRedemptions, idIndex(func(r *R) string { return r.ID }),
		field(IndexOffer, false, func(r *R) string { return r.Offer }),
		field(IndexUnit, false, func(r *R) string { return r.Unit }),
		field(IndexCard, false, func(r *R) string { return r.Card }))
	tables[TableTransfers] = table(TableTransfers, idIndex(func(t *T) string { return t.ID }),
		&memdb.IndexSchema{Name: IndexAccount, Indexer: postedIndexer{}},
		field(IndexClaim, true, func(t *T) string { return t.Claim }),
		field(IndexRedemption, true, func(t *T) string { return t.Redemption }),
		field(IndexReverses, true, func(t *T) string { return t.Reverses }))
}

// Account returns the account with id, or an ENOTFOUND error.
func (r Reader) Account(id string) (*matcher.Account, error) {
	return one[matcher.Account](r, TableAccounts, "account", id)
}

// Accounts walks every account in id order.
func (r Reader) Accounts() iter.Seq[*matcher.Account] {
	return get[matcher.Account](r, TableAccounts, IndexID)
}

// AccountsOf walks the accounts of one unit.
func (r Reader) AccountsOf(unit string) iter.Seq[*matcher.Account] {
	return get[matcher.Account](r, TableAccounts, IndexUnit, unit)
}

// Transfer returns the transfer with id, or an ENOTFOUND error.
func (r Reader) Transfer(id string) (*matcher.Transfer, error) {
	return one[matcher.Transfer](r, TableTransfers, "transfer", id)
}

// Transfers walks every transfer in id order.
func (r Reader) Transfers() iter.Seq[*matcher.Transfer] {
	return get[matcher.Transfer](r, TableTransfers, IndexID)
}

// Posted walks the transfers of one account, debits and credits, in the
// order they were posted: its statement.
func (r Reader) Posted(account string) iter.Seq[*matcher.Transfer] {
	return get[matcher.Transfer](r, TableTransfers, IndexAccount, account)
}

// TransfersOfClaim walks the transfers that name claim.
func (r Reader) TransfersOfClaim(claim string) iter.Seq[*matcher.Transfer] {
	return get[matcher.Transfer](r, TableTransfers, IndexClaim, claim)
}

// TransfersOfRedemption walks a redemption's transfer and its reversal.
func (r Reader) TransfersOfRedemption(redemption string) iter.Seq[*matcher.Transfer] {
	return get[matcher.Transfer](r, TableTransfers, IndexRedemption, redemption)
}

// Reversals walks the transfers that correct transfer id.
func (r Reader) Reversals(id string) iter.Seq[*matcher.Transfer] {
	return get[matcher.Transfer](r, TableTransfers, IndexReverses, id)
}

// Reversed returns the points of transfer id that reversals gave back.
func (r Reader) Reversed(id string) int64 {
	var n int64
	for t := range r.Reversals(id) {
		n += t.Amount
	}
	return n
}

// Offer returns the offer with id, or an ENOTFOUND error.
func (r Reader) Offer(id string) (*matcher.Offer, error) {
	return one[matcher.Offer](r, TableOffers, "offer", id)
}

// Offers walks every offer in id order.
func (r Reader) Offers() iter.Seq[*matcher.Offer] { return get[matcher.Offer](r, TableOffers, IndexID) }

// OffersOf walks the offers of one unit.
func (r Reader) OffersOf(unit string) iter.Seq[*matcher.Offer] {
	return get[matcher.Offer](r, TableOffers, IndexUnit, unit)
}

// OffersPaying walks the offers whose points go to account.
func (r Reader) OffersPaying(account string) iter.Seq[*matcher.Offer] {
	return get[matcher.Offer](r, TableOffers, IndexAccount, account)
}

// Redemption returns the redemption with id, or an ENOTFOUND error.
func (r Reader) Redemption(id string) (*matcher.Redemption, error) {
	return one[matcher.Redemption](r, TableRedemptions, "redemption", id)
}

// Redemptions walks every redemption in id order.
func (r Reader) Redemptions() iter.Seq[*matcher.Redemption] {
	return get[matcher.Redemption](r, TableRedemptions, IndexID)
}

// RedemptionsOf walks the redemptions of one offer.
func (r Reader) RedemptionsOf(offer string) iter.Seq[*matcher.Redemption] {
	return get[matcher.Redemption](r, TableRedemptions, IndexOffer, offer)
}

// RedemptionsAt walks the redemptions at one unit's offers.
func (r Reader) RedemptionsAt(unit string) iter.Seq[*matcher.Redemption] {
	return get[matcher.Redemption](r, TableRedemptions, IndexUnit, unit)
}

// RedemptionsBy walks the redemptions one card paid for.
func (r Reader) RedemptionsBy(card string) iter.Seq[*matcher.Redemption] {
	return get[matcher.Redemption](r, TableRedemptions, IndexCard, card)
}

// Rule returns the earning rule with id, or an ENOTFOUND error.
func (r Reader) Rule(id string) (*matcher.EarnRule, error) {
	return one[matcher.EarnRule](r, TableRules, "earning rule", id)
}

// Rules walks every earning rule in id order.
func (r Reader) Rules() iter.Seq[*matcher.EarnRule] {
	return get[matcher.EarnRule](r, TableRules, IndexID)
}

// RulesOf walks the earning rules one alliance's coordinator set.
func (r Reader) RulesOf(alliance string) iter.Seq[*matcher.EarnRule] {
	return get[matcher.EarnRule](r, TableRules, IndexAlliance, alliance)
}

// RulesIssuing walks the earning rules that debit account.
func (r Reader) RulesIssuing(account string) iter.Seq[*matcher.EarnRule] {
	return get[matcher.EarnRule](r, TableRules, IndexIssuer, account)
}

// EarnersOf returns the earners named for claim, or nil.
func (r Reader) EarnersOf(claim string) *matcher.Earners {
	e, _ := first[matcher.Earners](r, TableEarners, IndexID, claim)
	return e
}
