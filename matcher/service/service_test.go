package service

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/allymatch/allymatch/fixtures"
	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
	"github.com/allymatch/allymatch/matcher/match"
	"github.com/allymatch/allymatch/matcher/store"
)

var ctx = context.Background()

func newService(tb testing.TB) *Service {
	tb.Helper()
	st, _, err := store.Open(ctx, store.Options{Dir: tb.TempDir()})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	if _, err := st.Import(ctx, fixtures.MustBanan(tb), "test"); err != nil {
		tb.Fatal(err)
	}
	s := New(st)
	s.Now = func() time.Time { return time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC) }
	return s
}

func mustPropose(tb testing.TB, s *Service, actor matcher.Actor, meeting string) *Proposals {
	tb.Helper()
	p, err := s.Propose(ctx, actor, meeting, match.DefaultSettings())
	if err != nil {
		tb.Fatalf("Propose(%s, %s) = %v", actor, meeting, err)
	}
	return p
}

// checkNoOverclaim asserts that open and fulfilled claims never hold more
// of an item than it has.
func checkNoOverclaim(t *testing.T, r index.Reader) {
	t.Helper()
	for it := range r.Items() {
		if got := match.Reserved(r, it, ""); got > it.Quantity {
			t.Errorf("item %s: claims reserve %d of %d", it.ID, got, it.Quantity)
		}
	}
}

func TestProposeAcceptConfirm(t *testing.T) {
	s := newService(t)
	p := mustPropose(t, s, matcher.Coordinator("lh"), "lh")
	if len(p.Claims) == 0 || len(p.Claims) != len(p.Result.Proposals) {
		t.Fatalf("stored %d claims for %d proposals", len(p.Claims), len(p.Result.Proposals))
	}
	c := p.Claims[0]
	if c.Status != matcher.ClaimProposed || c.Meeting != "lh" || c.Origin != matcher.OriginSolver || len(c.Breakdown) == 0 {
		t.Errorf("claim %+v: want proposed by the solver at lh with its breakdown", c)
	}
	got, err := s.AnswerClaim(ctx, matcher.UnitActor(c.ResourceUnit), c.ID, Accept, "", "")
	if err != nil || got.Status != matcher.ClaimProposed || !got.Accepted(matcher.ResourceSide) {
		t.Fatalf("resource side accept = %+v, %v; want still proposed, accepted by resource", got, err)
	}
	if _, err := s.AnswerClaim(ctx, matcher.UnitActor(c.ResourceUnit), c.ID, Accept, "", ""); matcher.ErrorCode(err) != matcher.ECONFLICT {
		t.Errorf("second accept by the same side = %v, want conflict", err)
	}
	got, err = s.AnswerClaim(ctx, matcher.UnitActor(c.DemandUnit), c.ID, Accept, "", "")
	if err != nil || got.Status != matcher.ClaimConfirmed {
		t.Fatalf("demand side accept = %+v, %v; want confirmed", got, err)
	}
	// A new solve replaces the unanswered proposals, keeps the confirmed
	// one, and books nothing twice.
	p2 := mustPropose(t, s, matcher.Coordinator("st-lzw"), "lh") // the street coordinator may run it too
	if p2.Expired != len(p.Claims)-1 {
		t.Errorf("expired %d earlier proposals, want %d", p2.Expired, len(p.Claims)-1)
	}
	sn := s.Store.Snapshot()
	checkNoOverclaim(t, sn.Reader)
	if cl, _ := sn.Claim(c.ID); cl.Status != matcher.ClaimConfirmed {
		t.Errorf("confirmed claim is now %s", cl.Status)
	}
	got, err = s.AnswerClaim(ctx, matcher.UnitActor(c.DemandUnit), c.ID, Fulfil, "", "")
	if err != nil || got.Status != matcher.ClaimFulfilled {
		t.Errorf("fulfil = %+v, %v; want fulfilled", got, err)
	}
	evs, _ := s.Store.Events(0, 100, nil)
	if last := evs[len(evs)-1]; last.Actor != "unit:"+c.DemandUnit || last.Action != "claim.fulfil" {
		t.Errorf("last event = %+v, want the demand unit's fulfil", last)
	}
}

func TestRejectedPairNotProposedAgain(t *testing.T) {
	s := newService(t)
	p := mustPropose(t, s, matcher.Admin, "lh")
	c := p.Claims[0]
	if _, err := s.AnswerClaim(ctx, matcher.UnitActor(c.DemandUnit), c.ID, Reject, "", "需要固定老师"); err != nil {
		t.Fatal(err)
	}
	p2 := mustPropose(t, s, matcher.Admin, "lh")
	for _, c2 := range p2.Claims {
		if c2.Resource == c.Resource && c2.Demand == c.Demand {
			t.Errorf("rejected pair %s→%s proposed again as %s", c.Resource, c.Demand, c2.ID)
		}
	}
	if cl, _ := s.Store.Snapshot().Claim(c.ID); cl.Status != matcher.ClaimRejected || cl.RejectedBy != matcher.DemandSide || cl.Reason != "需要固定老师" {
		t.Errorf("rejected claim = %+v", cl)
	}
}

func TestScopes(t *testing.T) {
	s := newService(t)
	p := mustPropose(t, s, matcher.Admin, "lh")
	c := p.Claims[0]
	before := s.Store.Seq()
	cases := []struct {
		name  string
		actor matcher.Actor
		do    func(a matcher.Actor) error
		want  string
	}{
		{"foreign unit accepts", matcher.UnitActor("tw-company"), func(a matcher.Actor) error {
			_, err := s.AnswerClaim(ctx, a, c.ID, Accept, "", "")
			return err
		}, matcher.ENOTFOUND},
		{"unit names the other side", matcher.UnitActor(c.ResourceUnit), func(a matcher.Actor) error {
			_, err := s.AnswerClaim(ctx, a, c.ID, Accept, matcher.DemandSide, "")
			return err
		}, matcher.EFORBIDDEN},
		{"foreign coordinator answers", matcher.Coordinator("tw"), func(a matcher.Actor) error {
			_, err := s.AnswerClaim(ctx, a, c.ID, Accept, matcher.DemandSide, "")
			return err
		}, matcher.ENOTFOUND},
		{"foreign coordinator proposes", matcher.Coordinator("tw"), func(a matcher.Actor) error {
			_, err := s.Propose(ctx, a, "lh", match.DefaultSettings())
			return err
		}, matcher.ENOTFOUND},
		{"community coordinator runs the street meeting", matcher.Coordinator("lh"), func(a matcher.Actor) error {
			_, err := s.Propose(ctx, a, "st-lzw", match.DefaultSettings())
			return err
		}, matcher.ENOTFOUND},
		{"unit proposes", matcher.UnitActor(c.DemandUnit), func(a matcher.Actor) error {
			_, err := s.Propose(ctx, a, "lh", match.DefaultSettings())
			return err
		}, matcher.ENOTFOUND},
		{"coordinator without a side", matcher.Coordinator("lh"), func(a matcher.Actor) error {
			_, err := s.AnswerClaim(ctx, a, c.ID, Accept, "", "")
			return err
		}, matcher.EINVALID},
		{"resource side fulfils", matcher.UnitActor(c.ResourceUnit), func(a matcher.Actor) error {
			_, err := s.AnswerClaim(ctx, a, c.ID, Fulfil, "", "")
			return err
		}, matcher.EFORBIDDEN},
		{"unknown claim", matcher.Admin, func(a matcher.Actor) error {
			_, err := s.AnswerClaim(ctx, a, "nope", Accept, matcher.DemandSide, "")
			return err
		}, matcher.ENOTFOUND},
		{"foreign unit escalates", matcher.UnitActor(c.DemandUnit), func(a matcher.Actor) error {
			_, err := s.Escalate(ctx, a, "lh")
			return err
		}, matcher.ENOTFOUND},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := matcher.ErrorCode(tc.do(tc.actor)); got != tc.want {
				t.Errorf("error code %q, want %q", got, tc.want)
			}
			if s.Store.Seq() != before {
				t.Errorf("store changed (seq %d → %d)", before, s.Store.Seq())
			}
		})
	}
}

func TestClaimByHand(t *testing.T) {
	s := newService(t)
	sn := s.Store.Snapshot()
	d, _ := sn.Item("LH-D01") // the school's escort demand
	r, _ := sn.Item("LH-R12") // the committee's volunteers
	c, err := s.ClaimByHand(ctx, matcher.UnitActor(r.Unit), HandClaim{Resource: r.ID, Demand: d.ID, Quantity: 1})
	if err != nil {
		t.Fatalf("ClaimByHand = %v", err)
	}
	if c.Origin != matcher.OriginResource || !c.Accepted(matcher.ResourceSide) || c.Status != matcher.ClaimProposed {
		t.Errorf("hand claim = %+v, want proposed by the resource side, accepted by it", c)
	}
	got, err := s.AnswerClaim(ctx, matcher.UnitActor(d.Unit), c.ID, Accept, "", "")
	if err != nil || got.Status != matcher.ClaimConfirmed {
		t.Errorf("demand side accepts the hand claim = %+v, %v; want confirmed", got, err)
	}
	bad := []struct {
		name  string
		actor matcher.Actor
		h     HandClaim
		want  string
	}{
		{"too much", matcher.UnitActor(r.Unit), HandClaim{Resource: r.ID, Demand: d.ID, Quantity: 1000}, "quantity"},
		{"own item", matcher.UnitActor(r.Unit), HandClaim{Resource: r.ID, Demand: "LH-D02", Quantity: 1}, "demand"},
		{"unknown", matcher.UnitActor(r.Unit), HandClaim{Resource: "nope", Demand: d.ID, Quantity: 1}, "resource"},
		{"stranger", matcher.UnitActor("tw-company"), HandClaim{Resource: r.ID, Demand: d.ID, Quantity: 1}, "resource"},
	}
	for _, tc := range bad {
		_, err := s.ClaimByHand(ctx, tc.actor, tc.h)
		if err == nil || !containsField(err, tc.want) {
			t.Errorf("%s: error %v, want one naming %s", tc.name, err, tc.want)
		}
	}
}

func containsField(err error, field string) bool {
	return err != nil && strings.Contains(err.Error(), field)
}

func TestEscalate(t *testing.T) {
	s := newService(t)
	// Unmet demands of lh's last proposal run with no proposal waiting go
	// up to the street.
	mustPropose(t, s, matcher.Coordinator("lh"), "lh")
	esc, err := s.Escalate(ctx, matcher.Coordinator("lh"), "lh")
	if err != nil || esc.To != matcher.Street || len(esc.Items) == 0 {
		t.Fatalf("Escalate(lh) = %+v, %v; want items moved to street", esc, err)
	}
	sn := s.Store.Snapshot()
	for _, id := range esc.Items {
		if it, _ := sn.Item(id); it.Level != matcher.Street {
			t.Errorf("item %s is at %s after escalation", id, it.Level)
		}
	}
	// The street meeting now sees them.
	res, err := match.Run(ctx, sn.Reader, sn.Vocab, "st-lzw", match.DefaultSettings())
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, p := range res.Proposals {
		seen[p.Demand] = true
	}
	for _, u := range res.Unmet {
		seen[u.Demand] = true
	}
	for _, id := range esc.Items {
		if !seen[id] {
			t.Errorf("street meeting does not consider escalated demand %s", id)
		}
	}
	if _, err := s.Escalate(ctx, matcher.Admin, "bn-district"); matcher.ErrorCode(err) != matcher.ECONFLICT {
		t.Errorf("Escalate(district) = %v, want conflict", err)
	}
}

// TestConcurrentAnswers has many goroutines accept, reject and re-propose
// the same claims at once: each claim ends in one state, nothing is
// over-claimed, and the audit log has one event per stored change.
func TestConcurrentAnswers(t *testing.T) {
	s := newService(t)
	p := mustPropose(t, s, matcher.Admin, "lh")
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i, c := range p.Claims {
				switch (g + i) % 4 {
				case 0:
					s.AnswerClaim(ctx, matcher.UnitActor(c.ResourceUnit), c.ID, Accept, "", "")
				case 1:
					s.AnswerClaim(ctx, matcher.UnitActor(c.DemandUnit), c.ID, Accept, "", "")
				case 2:
					s.AnswerClaim(ctx, matcher.UnitActor(c.DemandUnit), c.ID, Reject, "", fmt.Sprint("g", g))
				case 3:
					s.Propose(ctx, matcher.Admin, "lh", match.DefaultSettings())
				}
			}
		}()
	}
	wg.Wait()
	sn := s.Store.Snapshot()
	checkNoOverclaim(t, sn.Reader)
	for _, c := range p.Claims {
		cl, err := sn.Claim(c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := cl.Validate(); err != nil {
			t.Errorf("claim %s invalid after the race: %v", c.ID, err)
		}
	}
	evs, err := s.Store.Events(0, 1<<20, nil)
	if err != nil || uint64(len(evs)) != sn.Seq {
		t.Errorf("%d events for seq %d (%v)", len(evs), sn.Seq, err)
	}
}

// Proposing through the service's sessions gives exactly what a fresh solve
// gives, through a long day of proposals, answers and escalations on every
// Banan meeting (the claims written make each later solve differ).
func TestProposeWithSessionsEqualsFresh(t *testing.T) {
	withS, fresh := newService(t), newService(t)
	fresh.Sessions = nil
	meetings := []string{"lh", "bn-district"}
	for a := range withS.Store.Snapshot().AlliancesAt(matcher.Community) {
		meetings = append(meetings, a.ID)
	}
	r := rand.New(rand.NewPCG(4, 5))
	proposed := 0
	done := map[string]int{} // lifecycle steps that changed something
	for step := range 60 {
		m := meetings[r.IntN(len(meetings))]
		got, err1 := withS.Propose(ctx, matcher.Admin, m, match.DefaultSettings())
		want, err2 := fresh.Propose(ctx, matcher.Admin, m, match.DefaultSettings())
		if (err1 == nil) != (err2 == nil) {
			t.Fatalf("step %d %s: errors differ: %v / %v", step, m, err1, err2)
		}
		if err1 != nil {
			continue
		}
		proposed++
		g, w := *got.Result, *want.Result
		g.Stats, w.Stats = match.Stats{}, match.Stats{}
		gj, _ := json.Marshal(g)
		wj, _ := json.Marshal(w)
		if string(gj) != string(wj) {
			t.Fatalf("step %d %s: with sessions\n%.400s\nfresh\n%.400s", step, m, gj, wj)
		}
		// Answer some of the proposals the same way in both.
		for i, c := range got.Claims {
			var ans Answer
			switch r.IntN(4) {
			case 0:
				ans = Accept
			case 1:
				ans = Reject
			default:
				continue
			}
			for _, s := range []*Service{withS, fresh} {
				for _, side := range []string{c.ResourceUnit, c.DemandUnit} {
					s.AnswerClaim(ctx, matcher.UnitActor(side), want.Claims[i].ID, ans, "", "测试")
				}
			}
		}
		// The lifecycle, the same way in both: a part of a confirmed claim
		// fulfilled, the meeting's deadline moved, a named escalation and
		// a return, an implicit escalation.
		var confirmed []matcher.Claim
		for c := range fresh.Store.Snapshot().ClaimsByStatus(matcher.ClaimConfirmed) {
			confirmed = append(confirmed, *c)
		}
		var unmet []string
		for _, u := range want.Result.Unmet {
			unmet = append(unmet, u.Demand)
		}
		switch k := r.IntN(10); {
		case k < 3 && len(confirmed) > 0:
			c := confirmed[r.IntN(len(confirmed))]
			f := Fulfilment{Quantity: 1 + r.Int64N(c.Quantity)}
			for _, s := range []*Service{withS, fresh} {
				if _, err := s.FulfilClaim(ctx, matcher.Admin, c.ID, f); err == nil && s == fresh {
					done["fulfil"]++
				}
			}
		case k == 3:
			due := withS.now().Add(time.Duration(1+r.IntN(72)) * time.Hour)
			for _, s := range []*Service{withS, fresh} {
				s.SetDeadline(ctx, matcher.Admin, m, due)
			}
		case k == 4 && len(unmet) > 0:
			id, back := unmet[r.IntN(len(unmet))], r.IntN(2) == 0
			for _, s := range []*Service{withS, fresh} {
				if _, err := s.EscalateItems(ctx, matcher.Admin, m, []string{id}); err == nil && s == fresh {
					done["escalate"]++
				}
				if back {
					if _, err := s.ReturnItem(ctx, matcher.Admin, id); err == nil && s == fresh {
						done["return"]++
					}
				}
			}
		case k == 5:
			withS.Escalate(ctx, matcher.Admin, m)
			fresh.Escalate(ctx, matcher.Admin, m)
		}
		if withS.Store.Seq() != fresh.Store.Seq() {
			t.Fatalf("step %d %s: the two stores moved apart (seq %d and %d)", step, m, withS.Store.Seq(), fresh.Store.Seq())
		}
	}
	if withS.Sessions.Len() == 0 || proposed < 30 {
		t.Errorf("%d sessions kept, %d proposals made; want some, and 30 or more", withS.Sessions.Len(), proposed)
	}
	if done["fulfil"] == 0 || done["escalate"] == 0 || done["return"] == 0 {
		t.Errorf("lifecycle steps done: %v; want some of each", done)
	}
}
