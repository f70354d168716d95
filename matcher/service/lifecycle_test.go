package service

import (
	"testing"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/match"
)

// claimOn returns the claim of p on demand.
func claimOn(tb testing.TB, p proposed, demand string) matcher.Claim {
	tb.Helper()
	for _, c := range p.Claims {
		if c.Demand == demand {
			return c
		}
	}
	tb.Fatalf("no proposal on %s", demand)
	return matcher.Claim{}
}

// confirm has both sides of c accept it, each as its own unit.
func confirm(tb testing.TB, s *Service, c matcher.Claim) matcher.Claim {
	tb.Helper()
	for _, u := range []string{c.ResourceUnit, c.DemandUnit} {
		var err error
		if c, err = s.AnswerClaim(ctx, matcher.UnitActor(u), c.ID, Accept, "", ""); err != nil {
			tb.Fatalf("%s accepts %s: %v", u, c.ID, err)
		}
	}
	if c.Status != matcher.ClaimConfirmed {
		tb.Fatalf("claim %s is %s after both accepted", c.ID, c.Status)
	}
	return c
}

// refuse runs do, which must fail with code naming field, and change
// nothing in the store.
func refuse(t *testing.T, s *Service, name, code, field string, do func() error) {
	t.Helper()
	before := s.Store.Seq()
	err := do()
	var got string
	if e := matcher.FieldErrors(err); len(e) > 0 {
		got = e[0].Field
	}
	if matcher.ErrorCode(err) != code || got != field {
		t.Errorf("%s: %v (code %q, field %q), want code %q naming %q", name, err, matcher.ErrorCode(err), got, code, field)
	}
	if s.Store.Seq() != before {
		t.Errorf("%s: the refused call changed the store (seq %d → %d)", name, before, s.Store.Seq())
	}
}

// A partial delivery: the school reports 1 of the 2 escorts delivered.
// The claim shows 1 fulfilled (2 agreed), the rest is open again on both
// items, the next run proposes the pair for it, with the track record of
// the fulfilled claim in its score.
func TestFulfilPart(t *testing.T) {
	s := newService(t)
	first := mustPropose(t, s, matcher.Coordinator("lh"), "lh")
	c := confirm(t, s, claimOn(t, first, "LH-D01"))
	historyBefore := historyOf(first, c)
	if c.Quantity != 2 {
		t.Fatalf("the sample's LH-D01 claim is for %d, the test wants 2", c.Quantity)
	}
	school, committee := matcher.UnitActor(c.DemandUnit), matcher.UnitActor(c.ResourceUnit)
	cases := []struct {
		name         string
		actor        matcher.Actor
		f            Fulfilment
		expectCode   string
		expectField  string
		expectDetail string
	}{
		{"more than agreed", school, Fulfilment{Quantity: new(int64(3))}, matcher.EINVALID, "quantity", "the delivered quantity must be between 1 and the claim's 2, got 3"},
		{"a negative quantity", school, Fulfilment{Quantity: new(int64(-1))}, matcher.EINVALID, "quantity", "the delivered quantity must be between 1 and the claim's 2, got -1"},
		{"the resource side", committee, Fulfilment{Quantity: new(int64(1))}, matcher.EFORBIDDEN, "", "only the demand side reports claim " + c.ID + " fulfilled"},
		{"a coordinator for the resource side", matcher.Coordinator("lh"), Fulfilment{Quantity: new(int64(1)), Side: matcher.ResourceSide}, matcher.EFORBIDDEN, "", "only the demand side reports claim " + c.ID + " fulfilled"},
		{"a foreign unit", matcher.UnitActor("tw-company"), Fulfilment{Quantity: new(int64(1))}, matcher.ENOTFOUND, "", `claim "` + c.ID + `" not found`},
		{"a foreign coordinator", matcher.Coordinator("tw"), Fulfilment{Quantity: new(int64(1))}, matcher.ENOTFOUND, "", `claim "` + c.ID + `" not found`},
		{"an unknown claim", school, Fulfilment{Quantity: new(int64(1))}, matcher.ENOTFOUND, "", `claim "lh.999.1" not found`},
	}
	for _, tc := range cases {
		id := c.ID
		if tc.name == "an unknown claim" {
			id = "lh.999.1"
		}
		refuse(t, s, tc.name, tc.expectCode, tc.expectField, func() error {
			_, err := s.FulfilClaim(ctx, tc.actor, id, tc.f)
			if e := matcher.FieldErrors(err); len(e) > 0 && e[0].Message != tc.expectDetail {
				t.Errorf("%s: %q, want %q", tc.name, e[0].Message, tc.expectDetail)
			}
			return err
		})
	}

	sn := s.Store.Snapshot()
	dem, _ := sn.Item(c.Demand)
	res, _ := sn.Item(c.Resource)
	heldD, heldR := sn.Held(dem), sn.Held(res)
	// The coordinator records the school's report at the meeting (no side
	// named: the demand side).
	got, err := s.FulfilClaim(ctx, matcher.Coordinator("lh"), c.ID, Fulfilment{Quantity: new(int64(1))})
	if err != nil {
		t.Fatalf("FulfilClaim = %v", err)
	}
	if got.Status != matcher.ClaimFulfilled || got.Quantity != 1 || got.Agreed != 2 {
		t.Errorf("fulfilled claim: status %s quantity %d agreed %d, want fulfilled 1 of 2", got.Status, got.Quantity, got.Agreed)
	}
	sn = s.Store.Snapshot()
	if stored, _ := sn.Claim(c.ID); stored.Quantity != 1 || stored.Agreed != 2 {
		t.Errorf("stored claim: quantity %d agreed %d, want 1 of 2", stored.Quantity, stored.Agreed)
	}
	if d, r := sn.Held(dem), sn.Held(res); d != heldD-1 || r != heldR-1 {
		t.Errorf("held: demand %d → %d, resource %d → %d; want one less of each", heldD, d, heldR, r)
	}
	evs, _ := s.Store.Events(0, 1000, nil)
	if last := evs[len(evs)-1]; last.Actor != "coordinator:lh" || last.Action != "claim.fulfil" || len(last.Changes) != 1 || last.Changes[0].ID != c.ID {
		t.Errorf("last event = %+v, want the coordinator's claim.fulfil of %s", last, c.ID)
	}
	refuse(t, s, "twice", matcher.ECONFLICT, "", func() error {
		_, err := s.FulfilClaim(ctx, school, c.ID, Fulfilment{})
		return err
	})

	// The next run places the rest, and the pair's score counts the
	// fulfilled claim (a partial fulfilment is a fulfilment).
	p := mustPropose(t, s, matcher.Coordinator("lh"), "lh")
	again := claimOn(t, p, c.Demand)
	if history := historyOf(p, again); again.Resource != c.Resource || again.Quantity != 1 || history != historyBefore+200 {
		t.Errorf("next run: %s→%s ×%d with history %d, want %s→%s ×1 with history %d",
			again.Resource, again.Demand, again.Quantity, history, c.Resource, c.Demand, historyBefore+200)
	}
	checkNoOverclaim(t, s.Store.Snapshot().Reader)
}

// historyOf returns the track-record term of p's proposal of c's pair.
func historyOf(p proposed, c matcher.Claim) int {
	for _, pr := range p.Result.Proposals {
		if pr.Demand == c.Demand && pr.Resource == c.Resource {
			for _, term := range pr.Breakdown {
				if term.Name == match.TermHistory {
					return term.Value
				}
			}
		}
	}
	return 0
}

// Fulfilling without a quantity delivers all of it; AnswerClaim's fulfil
// is that.
func TestFulfilAll(t *testing.T) {
	s := newService(t)
	c := confirm(t, s, claimOn(t, mustPropose(t, s, matcher.Admin, "lh"), "LH-D01"))
	got, err := s.AnswerClaim(ctx, matcher.UnitActor(c.DemandUnit), c.ID, Fulfil, "", "")
	if err != nil || got.Status != matcher.ClaimFulfilled || got.Quantity != 2 || got.Agreed != 2 {
		t.Errorf("AnswerClaim(fulfil) = %+v, %v; want fulfilled 2 of 2", got, err)
	}
}

// A confirmed claim is withdrawn only with a reason; a proposed one
// without.
func TestWithdrawConfirmed(t *testing.T) {
	s := newService(t)
	p := mustPropose(t, s, matcher.Admin, "lh")
	c := confirm(t, s, claimOn(t, p, "LH-D01"))
	committee := matcher.UnitActor(c.ResourceUnit)
	refuse(t, s, "no reason", matcher.EINVALID, "reason", func() error {
		_, err := s.AnswerClaim(ctx, committee, c.ID, Withdraw, "", "")
		return err
	})
	refuse(t, s, "a blank reason", matcher.EINVALID, "reason", func() error {
		_, err := s.AnswerClaim(ctx, committee, c.ID, Withdraw, "", "  ")
		return err
	})
	got, err := s.AnswerClaim(ctx, matcher.Coordinator("lh"), c.ID, Withdraw, matcher.ResourceSide, "志愿者临时抽调防汛")
	if err != nil || got.Status != matcher.ClaimWithdrawn || got.WithdrawnBy != matcher.ResourceSide || got.Reason != "志愿者临时抽调防汛" {
		t.Errorf("withdraw = %+v, %v; want withdrawn by the resource side with the reason", got, err)
	}
	other := claimOn(t, p, "LH-D05")
	if got, err := s.AnswerClaim(ctx, matcher.UnitActor(other.DemandUnit), other.ID, Withdraw, "", ""); err != nil || got.WithdrawnBy != matcher.DemandSide {
		t.Errorf("withdraw a proposed claim without a reason = %+v, %v; want withdrawn by the demand side", got, err)
	}
}
