package service

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/allymatch/allymatch/fixtures"
	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
	"github.com/allymatch/allymatch/matcher/match"
	"github.com/allymatch/allymatch/matcher/store"
)

// newLedgerService is a service over the Banan sample with its points bank.
func newLedgerService(tb testing.TB) *Service {
	tb.Helper()
	st, _, err := store.Open(ctx, store.Options{Dir: tb.TempDir()})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	if _, err := st.Import(ctx, fixtures.MustBananWithPoints(tb), "test"); err != nil {
		tb.Fatal(err)
	}
	s := New(st)
	s.Now = func() time.Time { return time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC) }
	return s
}

var (
	lhCoord   = matcher.Coordinator("lh")
	committee = matcher.UnitActor("lh-committee")
	bakery    = matcher.UnitActor("lh-bakery")
	bank      = matcher.UnitActor("lh-bank")
	school    = matcher.UnitActor("lh-school")
)

// wantErr checks err's code and field.
func wantErr(tb testing.TB, what string, err error, code, field string) {
	tb.Helper()
	var me *matcher.Error
	if matcher.ErrorCode(err) != code || !errors.As(err, &me) || me.Field != field {
		tb.Errorf("%s: %v, want %s naming %q", what, err, code, field)
	}
}

func balanceOf(tb testing.TB, s *Service, id string) int64 {
	tb.Helper()
	a, err := s.Store.Snapshot().Account(id)
	if err != nil {
		tb.Fatal(err)
	}
	return a.Balance()
}

// TestLedgerFlow: an award, a redemption at the bun shop, a retry, a
// correction, and every bad input of the issue answered with its field
// and nothing stored.
func TestLedgerFlow(t *testing.T) {
	s := newLedgerService(t)
	award := TransferRequest{ID: "aw-1", From: "LH-ISSUE", To: "LH-C0005", Amount: 10, Reason: "四点半课堂辅导作业"}
	tr, created, err := s.PostTransfer(ctx, lhCoord, award)
	if err != nil || !created || tr.Kind != matcher.TransferAward || tr.By != "coordinator:lh" {
		t.Fatalf("award = %+v, %v, %v; want a new award by the coordinator", tr, created, err)
	}
	again, created, err := s.PostTransfer(ctx, lhCoord, award)
	if err != nil || created || again.ID != tr.ID || again.Seq != tr.Seq {
		t.Errorf("the same award again = %+v, %v, %v; want the stored transfer, not a new one", again, created, err)
	}
	seq := s.Store.Seq()
	bad := []struct {
		name        string
		actor       matcher.Actor
		req         TransferRequest
		code, field string
	}{
		{"the same id, another amount", lhCoord, TransferRequest{ID: "aw-1", From: "LH-ISSUE", To: "LH-C0005", Amount: 11, Reason: "四点半课堂辅导作业"}, matcher.ECONFLICT, "id"},
		{"zero points", lhCoord, TransferRequest{ID: "t-0", From: "LH-ISSUE", To: "LH-C0005", Amount: 0, Reason: "x"}, matcher.EINVALID, "amount"},
		{"negative points", lhCoord, TransferRequest{ID: "t-0", From: "LH-ISSUE", To: "LH-C0005", Amount: -5, Reason: "x"}, matcher.EINVALID, "amount"},
		{"an unknown account", lhCoord, TransferRequest{ID: "t-0", From: "LH-ISSUE", To: "LH-C9999", Amount: 1, Reason: "x"}, matcher.ENOTFOUND, "to"},
		{"a card of another community", matcher.Coordinator("st-lzw"), TransferRequest{ID: "t-0", From: "LH-ISSUE", To: "LZWC-C0001", Amount: 1, Reason: "x"}, matcher.ECONFLICT, "to"},
		{"a card out of the caller's reach", lhCoord, TransferRequest{ID: "t-0", From: "LH-ISSUE", To: "TW-C0001", Amount: 1, Reason: "x"}, matcher.ENOTFOUND, "to"},
		{"beyond the balance", committee, TransferRequest{ID: "t-0", From: "LH-C0002", To: "LH-C0001", Amount: 13, Reason: "转赠"}, matcher.ECONFLICT, "amount"},
		{"another unit's account", bank, TransferRequest{ID: "t-0", From: "LH-BAKERY", To: "LH-BANK", Amount: 1, Reason: "x"}, matcher.ENOTFOUND, "from"},
		{"no reason", lhCoord, TransferRequest{ID: "t-0", From: "LH-ISSUE", To: "LH-C0005", Amount: 1}, matcher.EINVALID, "reason"},
		{"the ledger's own id", lhCoord, TransferRequest{ID: "earn:x", From: "LH-ISSUE", To: "LH-C0005", Amount: 1, Reason: "x"}, matcher.EINVALID, "id"},
	}
	for _, c := range bad {
		_, _, err := s.PostTransfer(ctx, c.actor, c.req)
		wantErr(t, c.name, err, c.code, c.field)
	}
	if s.Store.Seq() != seq {
		t.Fatalf("refused transfers moved the store from %d to %d", seq, s.Store.Seq())
	}

	// A redemption at the bun shop: 3 buns for 6 points.
	r, created, err := s.Redeem(ctx, bakery, RedeemRequest{ID: "r-1", Offer: "LH-O-BUN", Card: "LH-C0005", Quantity: 3})
	if err != nil || !created || r.Points != 6 {
		t.Fatalf("redeem = %+v, %v, %v", r, created, err)
	}
	if b := balanceOf(t, s, "LH-C0005"); b != 4 {
		t.Errorf("card after 10 and a redemption of 6 holds %d, want 4", b)
	}
	if o, _ := s.Store.Snapshot().Offer("LH-O-BUN"); o.Stock != 297 || o.Redeemed != 3 {
		t.Errorf("offer after 3: stock %d redeemed %d, want 297 and 3", o.Stock, o.Redeemed)
	}
	seq = s.Store.Seq()
	for _, c := range []struct {
		name        string
		actor       matcher.Actor
		req         RedeemRequest
		code, field string
	}{
		{"beyond the balance", bakery, RedeemRequest{ID: "r-2", Offer: "LH-O-BUN", Card: "LH-C0005", Quantity: 3}, matcher.ECONFLICT, "card"},
		{"beyond the stock", bank, RedeemRequest{ID: "r-2", Offer: "LH-O-OIL", Card: "LH-C0003", Quantity: 31}, matcher.ECONFLICT, "quantity"},
		{"a card of another community", bakery, RedeemRequest{ID: "r-2", Offer: "LH-O-BUN", Card: "TW-C0001"}, matcher.ENOTFOUND, "card"},
		{"a card of another community, seen from the street", matcher.Coordinator("st-lzw"), RedeemRequest{ID: "r-2", Offer: "LH-O-BUN", Card: "LZWC-C0001"}, matcher.ECONFLICT, "card"},
		{"another shop's offer", bank, RedeemRequest{ID: "r-2", Offer: "LH-O-BUN", Card: "LH-C0001"}, matcher.ENOTFOUND, "offer"},
		{"the same id, another card", bakery, RedeemRequest{ID: "r-1", Offer: "LH-O-BUN", Card: "LH-C0001", Quantity: 3}, matcher.ECONFLICT, "id"},
		{"a transfer's id", bakery, RedeemRequest{ID: "aw-1", Offer: "LH-O-BUN", Card: "LH-C0001"}, matcher.ECONFLICT, "id"},
		{"zero pieces", bakery, RedeemRequest{ID: "r-2", Offer: "LH-O-BUN", Card: "LH-C0001", Quantity: -1}, matcher.EINVALID, "quantity"},
	} {
		_, _, err := s.Redeem(ctx, c.actor, c.req)
		wantErr(t, c.name, err, c.code, c.field)
	}
	if s.Store.Seq() != seq {
		t.Fatalf("refused redemptions moved the store from %d to %d", seq, s.Store.Seq())
	}

	// The shop gives the redemption back: points and stock return.
	if _, _, err := s.Reverse(ctx, bakery, "r-1", ReverseRequest{ID: "rv-1", Amount: 2, Reason: "多扣"}); matcher.ErrorCode(err) != matcher.ECONFLICT {
		t.Errorf("a part of a redemption reversed: %v, want a conflict", err)
	}
	if _, _, err := s.Reverse(ctx, committee, "r-1", ReverseRequest{ID: "rv-1", Reason: "退货"}); matcher.ErrorCode(err) != matcher.EFORBIDDEN {
		t.Errorf("the committee debits the shop by reversing: %v, want forbidden", err)
	}
	rv, created, err := s.Reverse(ctx, bakery, "r-1", ReverseRequest{ID: "rv-1", Reason: "退货"})
	if err != nil || !created || rv.Amount != 6 || rv.From != "LH-BAKERY" || rv.To != "LH-C0005" {
		t.Fatalf("reverse = %+v, %v, %v", rv, created, err)
	}
	if _, created, err := s.Reverse(ctx, bakery, "r-1", ReverseRequest{ID: "rv-1", Reason: "退货"}); err != nil || created {
		t.Errorf("the same reversal again = %v, %v; want the stored one", created, err)
	}
	if _, _, err := s.Reverse(ctx, bakery, "r-1", ReverseRequest{ID: "rv-2", Reason: "退货"}); matcher.ErrorCode(err) != matcher.ECONFLICT {
		t.Errorf("a second reversal: %v, want a conflict", err)
	}
	if _, _, err := s.Reverse(ctx, bakery, "rv-1", ReverseRequest{ID: "rv-3", Reason: "再改"}); matcher.ErrorCode(err) != matcher.ECONFLICT {
		t.Errorf("a reversal reversed: %v, want a conflict", err)
	}
	if b := balanceOf(t, s, "LH-C0005"); b != 10 {
		t.Errorf("card after the reversal holds %d, want 10", b)
	}
	if o, _ := s.Store.Snapshot().Offer("LH-O-BUN"); o.Stock != 300 || o.Redeemed != 0 {
		t.Errorf("offer after the reversal: stock %d redeemed %d, want 300 and 0", o.Stock, o.Redeemed)
	}
	// A part of an award corrected by the coordinator.
	if _, _, err := s.Reverse(ctx, lhCoord, "aw-1", ReverseRequest{ID: "rv-4", Amount: 4, Reason: "多记了"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Reverse(ctx, lhCoord, "aw-1", ReverseRequest{ID: "rv-5", Amount: 7, Reason: "多记了"}); matcher.ErrorCode(err) != matcher.ECONFLICT {
		t.Errorf("reversing more than is left: %v, want a conflict", err)
	}
	_, lines, err := s.Statement(committee, "LH-C0005")
	if err != nil || len(lines) != 4 || lines[3].Balance != 6 {
		t.Errorf("statement %+v, %v; want 4 lines ending at 6", lines, err)
	}
	if _, _, err := s.Statement(bakery, "LH-C0005"); matcher.ErrorCode(err) != matcher.ENOTFOUND {
		t.Errorf("a shop reads a card's statement: %v, want not found", err)
	}
}

// TestEarnOnFulfil: the escort team named on C-0001 earns 5 points per
// 人/晚 delivered when the school records the fulfilment, in the same
// store write and audit event.
func TestEarnOnFulfil(t *testing.T) {
	s := newLedgerService(t)
	if _, err := s.SetEarners(ctx, school, "C-0001", []matcher.Earner{{Account: "LH-TEAM-ESCORT"}}); matcher.ErrorCode(err) != matcher.EFORBIDDEN {
		t.Errorf("the demand side names earners: %v, want forbidden", err)
	}
	_, err := s.SetEarners(ctx, committee, "C-0001", []matcher.Earner{{Account: "LH-TEAM-ESCORT", Share: 2}, {Account: "LH-C0006"}, {Account: "TW-C0001"}})
	wantErr(t, "a foreign card as earner", err, matcher.ENOTFOUND, "earners[2].account")
	_, err = s.SetEarners(ctx, committee, "C-0001", []matcher.Earner{{Account: "LH-BAKERY"}})
	wantErr(t, "a shop as earner", err, matcher.ECONFLICT, "earners[0].account")
	if _, err := s.SetEarners(ctx, committee, "C-0001", []matcher.Earner{{Account: "LH-TEAM-ESCORT", Share: 2}, {Account: "LH-C0006"}}); err != nil {
		t.Fatal(err)
	}
	c, err := s.FulfilClaim(ctx, school, "C-0001", Fulfilment{Quantity: new(int64(3))})
	if err != nil || c.Status != matcher.ClaimFulfilled {
		t.Fatalf("fulfil = %+v, %v", c, err)
	}
	// 3 人/晚 × 5 = 15 points, 2:1 → 10 and 5.
	if a, b := balanceOf(t, s, "LH-TEAM-ESCORT"), balanceOf(t, s, "LH-C0006"); a != 10 || b != 5 {
		t.Errorf("earned %d and %d, want 10 and 5", a, b)
	}
	evs, err := s.Store.Events(s.Store.Seq()-1, 1, nil)
	if err != nil || len(evs) != 1 || evs[0].Action != "claim.fulfil" {
		t.Fatalf("last event %+v, %v", evs, err)
	}
	var tables []string
	for _, ch := range evs[0].Changes {
		tables = append(tables, ch.Table)
	}
	if !slices.Contains(tables, index.TableTransfers) || !slices.Contains(tables, index.TableClaims) {
		t.Errorf("the fulfilment's event lists %v, want the claim and the transfers", tables)
	}
	if _, err := s.SetEarners(ctx, committee, "C-0001", []matcher.Earner{{Account: "LH-C0006"}}); matcher.ErrorCode(err) != matcher.ECONFLICT {
		t.Errorf("earners of a fulfilled claim changed: %v, want a conflict", err)
	}
}

// TestLedgerProperty runs random sequences of awards, earnings (hand
// claims fulfilled in part), redemptions, transfers between cards,
// reversals (in part, whole, of redemptions) and retries of each (the same
// id and body, and the same id with another body) against a model of the
// balances. After every step the sum of all balances is zero, no holding
// account is below zero and the accounts equal the model; at the end a
// reopened store (which replays the ledger at start) holds the same.
func TestLedgerProperty(t *testing.T) {
	for seed := range uint64(3) {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) { ledgerProperty(t, seed, 250) })
	}
}

func ledgerProperty(t *testing.T, seed uint64, steps int) {
	s := newLedgerService(t)
	rng := rand.New(rand.NewPCG(seed, 17))
	// A large escort demand of the school and volunteers of the committee
	// to claim by hand and fulfil.
	if _, err := s.CreateItem(ctx, school, "lh-school", matcher.Item{ID: "P-D", Kind: matcher.Demand, Category: "escort", Title: "晚间护送", Quantity: 1_000_000, Measure: "人/晚", RadiusKM: 5}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateItem(ctx, committee, "lh-committee", matcher.Item{ID: "P-R", Kind: matcher.Resource, Category: "volunteer", Title: "楼层志愿者", Quantity: 1_000_000, Measure: "人/晚", RadiusKM: 5}); err != nil {
		t.Fatal(err)
	}
	cards := []string{"LH-C0001", "LH-C0002", "LH-C0003", "LH-C0004", "LH-C0005", "LH-C0006"}
	earners := append([]string{"LH-TEAM-ESCORT"}, cards...)
	model := map[string]int64{}
	for a := range s.Store.Snapshot().Accounts() {
		model[a.ID] = a.Balance()
	}
	type sent struct {
		kind string
		tr   TransferRequest
		red  RedeemRequest
		rev  ReverseRequest
		of   string
	}
	var done []sent     // accepted requests, to retry
	var posted []string // transfer ids that may be reversed
	stock := map[string]int64{}
	for o := range s.Store.Snapshot().Offers() {
		stock[o.ID] = o.Stock
	}
	offers := map[string]matcher.Actor{"LH-O-BUN": bakery, "LH-O-MANTOU": bakery, "LH-O-RICE": bank, "LH-O-OIL": bank}
	offerIDs := []string{"LH-O-BUN", "LH-O-MANTOU", "LH-O-RICE", "LH-O-OIL"}
	counts := map[string]int{}
	n := 0
	id := func(p string) string { n++; return fmt.Sprintf("%s-%d-%d", p, seed, n) }
	pick := func(l []string) string { return l[rng.IntN(len(l))] }
	check := func(step int, what string) {
		t.Helper()
		sn := s.Store.Snapshot()
		var sum int64
		for a := range sn.Accounts() {
			sum += a.Balance()
			if a.Kind.Holds() && a.Balance() < 0 {
				t.Fatalf("step %d (%s): %s holds %d", step, what, a.ID, a.Balance())
			}
			if a.Balance() != model[a.ID] {
				t.Fatalf("step %d (%s): %s holds %d, the model %d", step, what, a.ID, a.Balance(), model[a.ID])
			}
		}
		if sum != 0 {
			t.Fatalf("step %d (%s): balances sum to %d", step, what, sum)
		}
	}
	for step := range steps {
		var what string
		switch r := rng.IntN(10); {
		case r < 2: // an award
			what = "award"
			req := TransferRequest{ID: id("aw"), From: "LH-ISSUE", To: pick(earners), Amount: 1 + rng.Int64N(40), Reason: "志愿服务奖励"}
			if _, _, err := s.PostTransfer(ctx, lhCoord, req); err != nil {
				t.Fatalf("step %d: award %+v: %v", step, req, err)
			}
			model[req.From] -= req.Amount
			model[req.To] += req.Amount
			done = append(done, sent{kind: "transfer", tr: req})
			posted = append(posted, req.ID)
		case r < 4: // an earning: a hand claim, accepted, earners named, fulfilled in part
			what = "earn"
			q := 1 + rng.Int64N(6)
			c, err := s.ClaimByHand(ctx, committee, HandClaim{Resource: "P-R", Demand: "P-D", Quantity: q, Meeting: "lh"})
			if err != nil {
				t.Fatalf("step %d: hand claim: %v", step, err)
			}
			if _, err := s.AnswerClaim(ctx, school, c.ID, Accept, "", ""); err != nil {
				t.Fatal(err)
			}
			var es []matcher.Earner
			var shares []int64
			for _, i := range rng.Perm(len(earners))[:1+rng.IntN(3)] {
				sh := 1 + rng.Int64N(3)
				es = append(es, matcher.Earner{Account: earners[i], Share: sh})
				shares = append(shares, sh)
			}
			if _, err := s.SetEarners(ctx, committee, c.ID, es); err != nil {
				t.Fatal(err)
			}
			delivered := 1 + rng.Int64N(q)
			if _, err := s.FulfilClaim(ctx, school, c.ID, Fulfilment{Quantity: new(delivered)}); err != nil {
				t.Fatalf("step %d: fulfil: %v", step, err)
			}
			for i, part := range matcher.Split(5*delivered, shares) {
				model["LH-ISSUE"] -= part
				model[es[i].Account] += part
				if part > 0 {
					posted = append(posted, matcher.EarnID(c.ID, i+1))
				}
			}
		case r < 7: // a redemption, which may fail on the balance or the stock
			what = "redeem"
			o := pick(offerIDs)
			req := RedeemRequest{ID: id("rd"), Offer: o, Card: pick(cards), Quantity: 1 + rng.Int64N(3)}
			off, _ := s.Store.Snapshot().Offer(o)
			_, _, err := s.Redeem(ctx, offers[o], req)
			switch {
			case req.Quantity > stock[o]:
				wantErr(t, "redeem beyond the stock", err, matcher.ECONFLICT, "quantity")
			case off.Price*req.Quantity > model[req.Card]:
				wantErr(t, "redeem beyond the balance", err, matcher.ECONFLICT, "card")
			case err != nil:
				t.Fatalf("step %d: redeem %+v: %v", step, req, err)
			default:
				model[req.Card] -= off.Price * req.Quantity
				model[off.Account] += off.Price * req.Quantity
				stock[o] -= req.Quantity
				done = append(done, sent{kind: "redeem", red: req})
				posted = append(posted, req.ID)
			}
		case r < 8: // a card gives points to another card, maybe beyond its balance
			what = "transfer"
			req := TransferRequest{ID: id("tr"), From: pick(cards), To: pick(cards), Amount: 1 + rng.Int64N(30), Reason: "转赠"}
			if req.From == req.To {
				continue
			}
			_, _, err := s.PostTransfer(ctx, committee, req)
			if req.Amount > model[req.From] {
				wantErr(t, "a transfer beyond the balance", err, matcher.ECONFLICT, "amount")
				break
			}
			if err != nil {
				t.Fatalf("step %d: transfer %+v: %v", step, req, err)
			}
			model[req.From] -= req.Amount
			model[req.To] += req.Amount
			done = append(done, sent{kind: "transfer", tr: req})
			posted = append(posted, req.ID)
		case r < 9: // a reversal, in part or whole, which may fail
			what = "reverse"
			if len(posted) == 0 {
				continue
			}
			orig, err := s.Store.Snapshot().Transfer(pick(posted))
			if err != nil {
				t.Fatal(err)
			}
			left := orig.Amount - s.Store.Snapshot().Reversed(orig.ID)
			req := ReverseRequest{ID: id("rv"), Reason: "更正"}
			if orig.Kind != matcher.TransferRedeem && rng.IntN(2) == 0 {
				req.Amount = 1 + rng.Int64N(orig.Amount)
			}
			amount := req.Amount
			if amount == 0 {
				amount = left
			}
			actor := lhCoord
			if orig.Kind == matcher.TransferRedeem {
				red, _ := s.Store.Snapshot().Redemption(orig.ID)
				actor = offers[red.Offer]
			}
			_, _, err = s.Reverse(ctx, actor, orig.ID, req)
			switch {
			case left == 0 || amount > left || amount > model[orig.To]:
				if matcher.ErrorCode(err) != matcher.ECONFLICT {
					t.Fatalf("step %d: reverse %s (%d left, %d asked, %d held): %v, want a conflict", step, orig.ID, left, amount, model[orig.To], err)
				}
			case err != nil:
				t.Fatalf("step %d: reverse %s: %v", step, orig.ID, err)
			default:
				model[orig.To] -= amount
				model[orig.From] += amount
				if orig.Kind == matcher.TransferRedeem {
					red, _ := s.Store.Snapshot().Redemption(orig.ID)
					stock[red.Offer] += red.Quantity
				}
				done = append(done, sent{kind: "reverse", rev: req, of: orig.ID})
			}
		default: // a retry of an accepted request: the same, then with another body
			what = "retry"
			if len(done) == 0 {
				continue
			}
			d := done[rng.IntN(len(done))]
			switch d.kind {
			case "transfer":
				actor := lhCoord
				if d.tr.From != "LH-ISSUE" {
					actor = committee
				}
				if _, created, err := s.PostTransfer(ctx, actor, d.tr); err != nil || created {
					t.Fatalf("step %d: retry %+v: created %v, %v", step, d.tr, created, err)
				}
				other := d.tr
				other.Amount++
				_, _, err := s.PostTransfer(ctx, actor, other)
				wantErr(t, "a retry with another amount", err, matcher.ECONFLICT, "id")
			case "redeem":
				if _, created, err := s.Redeem(ctx, offers[d.red.Offer], d.red); err != nil || created {
					t.Fatalf("step %d: retry %+v: created %v, %v", step, d.red, created, err)
				}
				other := d.red
				other.Quantity++
				_, _, err := s.Redeem(ctx, offers[d.red.Offer], other)
				wantErr(t, "a retry with another quantity", err, matcher.ECONFLICT, "id")
			case "reverse":
				orig, _ := s.Store.Snapshot().Transfer(d.of)
				actor := lhCoord
				if orig.Kind == matcher.TransferRedeem {
					red, _ := s.Store.Snapshot().Redemption(orig.ID)
					actor = offers[red.Offer]
				}
				if _, created, err := s.Reverse(ctx, actor, d.of, d.rev); err != nil || created {
					t.Fatalf("step %d: retry reversal %+v: created %v, %v", step, d.rev, created, err)
				}
			}
		}
		counts[what]++
		check(step, what)
	}
	t.Logf("steps: %v", counts)
	var kinds = map[matcher.TransferKind]int{}
	for tr := range s.Store.Snapshot().Transfers() {
		kinds[tr.Kind]++
	}
	t.Logf("transfers: %v", kinds)
	for o, n := range stock {
		if got, _ := s.Store.Snapshot().Offer(o); got.Stock != n {
			t.Errorf("offer %s has %d left, the model %d", o, got.Stock, n)
		}
	}
	// Replaying the ledger from the transfers gives the stored balances:
	// the store's check at start does it and refuses a file that differs.
	st := s.Store
	dir := filepath.Dir(st.Path())
	st.Close()
	st2, _, err := store.Open(ctx, store.Options{Dir: dir})
	if err != nil {
		t.Fatalf("reopen after %d steps: %v", steps, err)
	}
	t.Cleanup(func() { st2.Close() })
	s.Store = st2
	check(steps, "reopened")
	replayed := map[string]int64{}
	for tr := range st2.Snapshot().Transfers() {
		replayed[tr.From] -= tr.Amount
		replayed[tr.To] += tr.Amount
	}
	for a := range st2.Snapshot().Accounts() {
		if replayed[a.ID] != a.Balance() {
			t.Errorf("account %s: replayed %d, stored %d", a.ID, replayed[a.ID], a.Balance())
		}
	}
}

// TestLedgerLeavesProposalsAlone: the points bank is not matched. The
// proposals of every community meeting are byte for byte those of the
// sample without it, before and after ledger writes (awards, a
// redemption, a rule) between two runs of one session.
func TestLedgerLeavesProposalsAlone(t *testing.T) {
	plain, bank := newService(t), newLedgerService(t)
	run := func(s *Service, meeting string) string {
		t.Helper()
		sn := s.Store.Snapshot()
		res, err := s.solve(ctx, sn, meeting, match.DefaultSettings())
		if err != nil {
			t.Fatal(err)
		}
		data, err := json.Marshal(res.Proposals)
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	meetings := []string{"lh", "lzwc", "tw", "st-lzw", "bn-district"}
	want := map[string]string{}
	for _, m := range meetings {
		want[m] = run(plain, m)
		if got := run(bank, m); got != want[m] {
			t.Errorf("%s: the proposals differ with the points bank loaded", m)
		}
	}
	if len(want["lh"]) < 100 {
		t.Fatalf("lh proposes %s: nothing to compare", want["lh"])
	}
	if _, _, err := bank.PostTransfer(ctx, lhCoord, TransferRequest{ID: "aw", From: "LH-ISSUE", To: "LH-C0001", Amount: 5, Reason: "x"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := bank.Redeem(ctx, bakery, RedeemRequest{ID: "rd", Offer: "LH-O-BUN", Card: "LH-C0001"}); err != nil {
		t.Fatal(err)
	}
	if _, err := bank.CreateRule(ctx, lhCoord, RuleRequest{ID: "r", Alliance: "lh", Category: "elderly", Points: 2, Issuer: "LH-ISSUE"}); err != nil {
		t.Fatal(err)
	}
	for _, m := range meetings {
		if got := run(bank, m); got != want[m] {
			t.Errorf("%s: the proposals moved after ledger writes", m)
		}
	}
}
