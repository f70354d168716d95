package matcher

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestSplit(t *testing.T) {
	for _, c := range []struct {
		total  int64
		shares []int64
		want   []int64
	}{
		{10, []int64{1}, []int64{10}},
		{10, []int64{1, 1}, []int64{5, 5}},
		{10, []int64{1, 1, 1}, []int64{4, 3, 3}},
		{20, []int64{2, 1, 1}, []int64{10, 5, 5}},
		{7, []int64{1, 2, 4}, []int64{1, 2, 4}},
		{5, []int64{3, 3}, []int64{3, 2}},
		{1, []int64{1, 1, 1}, []int64{1, 0, 0}},
		{MaxAmount, []int64{1000, 1}, []int64{999000999001, 999000999}},
	} {
		got := Split(c.total, c.shares)
		if !slices.Equal(got, c.want) {
			t.Errorf("Split(%d, %v) = %v, want %v", c.total, c.shares, got, c.want)
		}
		var sum int64
		for _, g := range got {
			sum += g
		}
		if sum != c.total {
			t.Errorf("Split(%d, %v) sums to %d", c.total, c.shares, sum)
		}
	}
}

func TestLedgerValidate(t *testing.T) {
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	tr := Transfer{ID: "t1", From: "a", To: "b", Amount: 5, Reason: "辅导作业", Kind: TransferManual, By: "unit:lh-committee", Time: now}
	if err := tr.Validate(); err != nil {
		t.Fatalf("a valid transfer: %v", err)
	}
	for _, c := range []struct {
		name  string
		edit  func(*Transfer)
		field string
	}{
		{"zero amount", func(t *Transfer) { t.Amount = 0 }, "amount"},
		{"negative amount", func(t *Transfer) { t.Amount = -3 }, "amount"},
		{"too many points", func(t *Transfer) { t.Amount = MaxAmount + 1 }, "amount"},
		{"to itself", func(t *Transfer) { t.To = "a" }, "to"},
		{"no reason", func(t *Transfer) { t.Reason = " " }, "reason"},
		{"a line break in the reason", func(t *Transfer) { t.Reason = "a\nb" }, "reason"},
		{"an earning without its claim", func(t *Transfer) { t.Kind = TransferEarn; t.Rule = "r" }, "claim"},
		{"a reversal without its transfer", func(t *Transfer) { t.Kind = TransferReverse }, "reverses"},
		{"no actor", func(t *Transfer) { t.By = "" }, "by"},
	} {
		x := tr
		c.edit(&x)
		err := x.Validate()
		if err == nil || !strings.Contains(err.Error(), c.field+": ") {
			t.Errorf("%s: %v, want a problem naming %s", c.name, err, c.field)
		}
	}
	card := Account{ID: "LH-0001", Kind: AccountCard, Unit: "lh-committee", Name: "张三"}
	if err := card.Validate(); err == nil || !strings.Contains(err.Error(), "pseudonymous") {
		t.Errorf("a card with a name: %v, want it refused", err)
	}
	card.Name, card.Debits, card.Credits = "", 11, 10
	if err := card.Validate(); err == nil || !strings.Contains(err.Error(), "debits") {
		t.Errorf("a card below zero: %v, want it refused", err)
	}
	issuer := Account{ID: "LH-ISSUE", Kind: AccountIssuer, Unit: "lh-committee", Debits: 11}
	if err := issuer.Validate(); err != nil || issuer.Balance() != -11 || len(issuer.Flags()) != 0 {
		t.Errorf("an issuer below zero: %v, balance %d, flags %v; want it valid without flags", err, issuer.Balance(), issuer.Flags())
	}
	if id := EarnID(strings.Repeat("c", 128), 3); !ValidID(id) {
		t.Errorf("EarnID of a long claim id = %q, not a valid id", id)
	}
}
