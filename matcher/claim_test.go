package matcher

import (
	"testing"
	"time"
)

var (
	t0    = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	later = t0.Add(time.Hour)
)

// testClaim is a valid claim between the school's escort demand and the
// committee's volunteers, as the Longhua meeting proposes it.
func testClaim(status ClaimStatus, accepted ...Side) Claim {
	return Claim{ID: "lh.7.1", Resource: "LH-R12", Demand: "LH-D01", ResourceUnit: "lh-committee", DemandUnit: "lh-school",
		Quantity: 20, Score: 732, Origin: OriginSolver, Status: status, AcceptedBy: accepted, Meeting: "lh", Run: 7,
		Created: t0, Updated: t0}
}

func confirmed() Claim { return testClaim(ClaimConfirmed, DemandSide, ResourceSide) }

// errString is err's code, field and message, "" for nil.
func errString(err error) string {
	if err == nil {
		return ""
	}
	e := FieldErrors(err)
	if len(e) == 1 {
		return e[0].Code + " " + e[0].Field + ": " + e[0].Message
	}
	return ErrorCode(err) + " " + err.Error()
}

func TestClaimFulfil(t *testing.T) {
	cases := []struct {
		name          string
		givenClaim    Claim
		whenSide      Side
		whenDelivered int64
		expectErr     string
		expectQty     int64
		expectAgreed  int64
	}{
		{"all of it", confirmed(), DemandSide, 20, "", 20, 20},
		{"part of it", confirmed(), DemandSide, 15, "", 15, 20},
		{"one", confirmed(), DemandSide, 1, "", 1, 20},
		{"more than agreed", confirmed(), DemandSide, 21, "invalid quantity: the delivered quantity must be between 1 and the claim's 20, got 21", 0, 0},
		{"nothing", confirmed(), DemandSide, 0, "invalid quantity: the delivered quantity must be between 1 and the claim's 20, got 0", 0, 0},
		{"by the resource side", confirmed(), ResourceSide, 20, "forbidden : only the demand side reports claim lh.7.1 fulfilled", 0, 0},
		{"not confirmed", testClaim(ClaimProposed, ResourceSide), DemandSide, 20, "conflict : claim lh.7.1 is proposed; only a confirmed claim can be fulfilled", 0, 0},
		{"twice", func() Claim { c, _ := confirmed().Fulfil(DemandSide, 15, t0); return c }(), DemandSide, 15,
			"conflict : claim lh.7.1 is fulfilled; only a confirmed claim can be fulfilled", 0, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.givenClaim.Fulfil(tc.whenSide, tc.whenDelivered, later)
			if errString(err) != tc.expectErr {
				t.Fatalf("Fulfil = %q, want %q", errString(err), tc.expectErr)
			}
			if err != nil {
				return
			}
			if got.Status != ClaimFulfilled || got.Quantity != tc.expectQty || got.Agreed != tc.expectAgreed || !got.Updated.Equal(later) {
				t.Errorf("Fulfil = status %s quantity %d agreed %d updated %s, want fulfilled %d %d %s",
					got.Status, got.Quantity, got.Agreed, got.Updated, tc.expectQty, tc.expectAgreed, later)
			}
			if err := got.Validate(); err != nil {
				t.Errorf("the fulfilled claim is invalid: %v", err)
			}
		})
	}
}

func TestClaimWithdraw(t *testing.T) {
	cases := []struct {
		name       string
		givenClaim Claim
		whenReason string
		expectErr  string
	}{
		{"proposed, no reason", testClaim(ClaimProposed), "", ""},
		{"proposed, a reason", testClaim(ClaimProposed, ResourceSide), "资源已用完", ""},
		{"confirmed, a reason", confirmed(), "活动取消", ""},
		{"confirmed, no reason", confirmed(), "", "invalid reason: claim lh.7.1 is confirmed: both sides agreed to it, so say why it is withdrawn"},
		{"confirmed, blank reason", confirmed(), " \n", "invalid reason: claim lh.7.1 is confirmed: both sides agreed to it, so say why it is withdrawn"},
		{"fulfilled", func() Claim { c, _ := confirmed().Fulfil(DemandSide, 20, t0); return c }(), "晚了",
			"conflict : claim lh.7.1 is fulfilled; only a proposed or confirmed claim can be withdrawn"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.givenClaim.Withdraw(ResourceSide, tc.whenReason, later)
			if errString(err) != tc.expectErr {
				t.Fatalf("Withdraw = %q, want %q", errString(err), tc.expectErr)
			}
			if err != nil {
				return
			}
			if got.Status != ClaimWithdrawn || got.WithdrawnBy != ResourceSide || got.Reason != tc.whenReason {
				t.Errorf("Withdraw = %s by %q (%q), want withdrawn by resource (%q)", got.Status, got.WithdrawnBy, got.Reason, tc.whenReason)
			}
			if err := got.Validate(); err != nil {
				t.Errorf("the withdrawn claim is invalid: %v", err)
			}
		})
	}
}

func TestAnswerBy(t *testing.T) {
	checks := []struct {
		name      string
		whenDue   time.Time
		expectErr string
	}{
		{"tomorrow", t0.Add(24 * time.Hour), ""},
		{"a year ahead", t0.Add(MaxAnswerAhead), ""},
		{"now", t0, "invalid answer_by: must be in the future, got 2026-12-01T10:00:00Z (now 2026-12-01T10:00:00Z)"},
		{"yesterday", t0.Add(-24 * time.Hour), "invalid answer_by: must be in the future, got 2026-11-30T10:00:00Z (now 2026-12-01T10:00:00Z)"},
		{"too far", t0.Add(MaxAnswerAhead + time.Second), "invalid answer_by: must be at most 366 days ahead, got 2027-12-02T10:00:01Z"},
		{"none", time.Time{}, "invalid answer_by: is required"},
	}
	for _, tc := range checks {
		if got := errString(CheckAnswerBy(tc.whenDue, t0)); got != tc.expectErr {
			t.Errorf("%s: CheckAnswerBy = %q, want %q", tc.name, got, tc.expectErr)
		}
	}

	due := t0.Add(48 * time.Hour)
	c, err := testClaim(ClaimProposed, ResourceSide).SetAnswerBy(due, later)
	if err != nil || !c.AnswerBy.Equal(due) || !c.Updated.Equal(later) {
		t.Fatalf("SetAnswerBy = %v %s %s, want the deadline, updated", err, c.AnswerBy, c.Updated)
	}
	if again, _ := c.SetAnswerBy(due, later.Add(time.Hour)); !again.Updated.Equal(later) {
		t.Errorf("setting the same deadline again updated the claim (%s)", again.Updated)
	}
	if _, err := confirmed().SetAnswerBy(due, later); errString(err) != "conflict : claim lh.7.1 is confirmed; only a proposed claim waits for answers" {
		t.Errorf("SetAnswerBy on a confirmed claim = %q", errString(err))
	}
	for _, tc := range []struct {
		at     time.Time
		expect bool
	}{{due.Add(-time.Millisecond), false}, {due, true}, {due.Add(time.Hour), true}} {
		if got := c.Overdue(tc.at); got != tc.expect {
			t.Errorf("Overdue(%s) = %v, want %v", tc.at, got, tc.expect)
		}
	}
	if confirmed := confirmed(); confirmed.Overdue(due.Add(time.Hour)) {
		t.Error("a confirmed claim is overdue")
	}
}

func TestWaitsFor(t *testing.T) {
	cases := []struct {
		given  Claim
		expect []Side
	}{
		{testClaim(ClaimProposed), []Side{ResourceSide, DemandSide}},
		{testClaim(ClaimProposed, ResourceSide), []Side{DemandSide}},
		{testClaim(ClaimProposed, DemandSide), []Side{ResourceSide}},
		{confirmed(), nil},
		{testClaim(ClaimRejected), nil},
	}
	for _, tc := range cases {
		got := tc.given.WaitsFor()
		if len(got) != len(tc.expect) || len(got) > 0 && (got[0] != tc.expect[0] || got[len(got)-1] != tc.expect[len(tc.expect)-1]) {
			t.Errorf("%s accepted by %v: WaitsFor = %v, want %v", tc.given.Status, tc.given.AcceptedBy, got, tc.expect)
		}
	}
}

func TestClaimLifecycleFields(t *testing.T) {
	cases := []struct {
		name      string
		change    func(c *Claim)
		expectErr string
	}{
		{"a hand claim with a run", func(c *Claim) { c.Origin = OriginResource }, "invalid run: only a claim the matcher proposed has a run"},
		{"agreed on a confirmed claim", func(c *Claim) {
			c.Status, c.AcceptedBy, c.Agreed = ClaimConfirmed, []Side{DemandSide, ResourceSide}, 20
		},
			"invalid agreed: only a fulfilled claim records its agreed quantity"},
		{"agreed below the delivery", func(c *Claim) {
			c.Status, c.AcceptedBy, c.Agreed = ClaimFulfilled, []Side{DemandSide, ResourceSide}, 19
		}, "invalid agreed: must be between the delivered quantity 20 and 1000000000, got 19"},
		{"withdrawn by nobody known", func(c *Claim) { c.Status, c.WithdrawnBy = ClaimWithdrawn, "both" },
			`invalid withdrawn_by: must be resource or demand, got "both"`},
		{"withdrawn_by on a proposed claim", func(c *Claim) { c.WithdrawnBy = DemandSide },
			"invalid withdrawn_by: only a withdrawn claim names the side that withdrew it"},
		{"due before made", func(c *Claim) { c.AnswerBy = t0 }, "invalid answer_by: must be after the claim was made (2026-12-01T10:00:00Z)"},
		{"all well", func(c *Claim) { c.AnswerBy = later }, ""},
	}
	for _, tc := range cases {
		c := testClaim(ClaimProposed)
		tc.change(&c)
		if got := errString(c.Validate()); got != tc.expectErr {
			t.Errorf("%s: Validate = %q, want %q", tc.name, got, tc.expectErr)
		}
	}
}
