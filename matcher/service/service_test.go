package service

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
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

// proposed is a run's answer with the meeting's plan read after it.
type proposed struct {
	*Proposals
	// Claims are the meeting's plan as stored after the run: the claim of
	// each proposal of its result, in the result's order.
	Claims []matcher.Claim
}

// planOf reads the meeting's plan after the run p from the store: for
// each proposal of its result, the unanswered proposal of that pair.
func planOf(tb testing.TB, s *Service, p *Proposals) proposed {
	tb.Helper()
	sn := s.Store.Snapshot()
	out := proposed{Proposals: p, Claims: []matcher.Claim{}}
	for _, pr := range p.Result.Proposals {
		var found *matcher.Claim
		for c := range sn.ClaimsOnPair(pr.Resource, pr.Demand) {
			if c.Meeting == p.Meeting && c.Status == matcher.ClaimProposed && len(c.AcceptedBy) == 0 {
				found = c
			}
		}
		if found == nil || found.Quantity != pr.Quantity || found.Score != pr.Score {
			tb.Fatalf("proposal %s→%s ×%d (score %d) of %s: stored as %+v", pr.Resource, pr.Demand, pr.Quantity, pr.Score, p.Meeting, found)
		}
		out.Claims = append(out.Claims, *found)
	}
	return out
}

func mustPropose(tb testing.TB, s *Service, actor matcher.Actor, meeting string) proposed {
	tb.Helper()
	p, err := s.Propose(ctx, actor, meeting, match.DefaultSettings())
	if err != nil {
		tb.Fatalf("Propose(%s, %s) = %v", actor, meeting, err)
	}
	return planOf(tb, s, p)
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
	// A new solve keeps the confirmed claim, writes only what changed in
	// the unanswered proposals, and books nothing twice.
	p2 := mustPropose(t, s, matcher.Coordinator("st-lzw"), "lh") // the street coordinator may run it too
	if n := p2.Kept + len(p2.Changes.Changed) + len(p2.Changes.New); n != len(p2.Result.Proposals) || p2.Kept+len(p2.Changes.Changed)+len(p2.Changes.Dropped) != len(p.Claims)-1 {
		t.Errorf("second run: kept %d, changes %+v, for %d proposals after %d unanswered", p2.Kept, p2.Changes, len(p2.Result.Proposals), len(p.Claims)-1)
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
		gotP, err1 := withS.Propose(ctx, matcher.Admin, m, match.DefaultSettings())
		wantP, err2 := fresh.Propose(ctx, matcher.Admin, m, match.DefaultSettings())
		if (err1 == nil) != (err2 == nil) {
			t.Fatalf("step %d %s: errors differ: %v / %v", step, m, err1, err2)
		}
		if err1 != nil {
			continue
		}
		got, want := planOf(t, withS, gotP), planOf(t, fresh, wantP)
		if !reflect.DeepEqual(got.Changes, want.Changes) || got.Run != want.Run || got.Kept != want.Kept {
			t.Fatalf("step %d %s: the runs wrote differently: with sessions %+v run %d kept %d, fresh %+v run %d kept %d",
				step, m, got.Changes, got.Run, got.Kept, want.Changes, want.Run, want.Kept)
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
			f := Fulfilment{Quantity: new(1 + r.Int64N(c.Quantity))}
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

// TestProposeDelta: a proposal run writes only what changed in the
// meeting's plan. Proposing again with nothing changed writes nothing; an
// edit rewrites the proposals it touches and keeps the others (same id,
// same revision); the plan stored is the one a cold run stores (a service
// without sessions then writes nothing); a run that rewrote nothing but
// saw a changed demand marks one proposal seen (Escalate goes by it).
func TestProposeDelta(t *testing.T) {
	s := newService(t)
	lh := matcher.Coordinator("lh")
	p1 := mustPropose(t, s, lh, "lh")
	if p1.Run != s.Store.Seq() || len(p1.Changes.New) != len(p1.Claims) || p1.Kept != 0 || len(p1.Changes.Changed)+len(p1.Changes.Dropped) != 0 {
		t.Fatalf("first run: run %d (seq %d), kept %d, changes %+v; want %d new", p1.Run, s.Store.Seq(), p1.Kept, p1.Changes, len(p1.Claims))
	}
	if p1.Totals.Proposals != len(p1.Claims) || p1.Meeting != "lh" || p1.Mode != match.Welfare || !p1.Optimal {
		t.Errorf("first run: %+v", p1.Proposals)
	}

	seq := s.Store.Seq()
	p2 := mustPropose(t, s, lh, "lh")
	if s.Store.Seq() != seq || p2.Run != 0 || p2.Kept != len(p1.Claims) || len(p2.Changes.New)+len(p2.Changes.Changed)+len(p2.Changes.Dropped) != 0 {
		t.Fatalf("nothing changed: seq %d → %d, run %d, kept %d, changes %+v; want nothing written", seq, s.Store.Seq(), p2.Run, p2.Kept, p2.Changes)
	}
	if !reflect.DeepEqual(p2.Claims, p1.Claims) {
		t.Errorf("nothing changed, but the plan did")
	}
	if b, _ := json.Marshal(p2.Proposals); strings.Contains(string(b), `"proposals":[`) || strings.Contains(string(b), `"breakdown"`) {
		t.Errorf("the response carries the plan: %.300s", b)
	}

	// The demand of the first proposal paused: its proposal drops, the
	// others stay as they are unless the edit moved them.
	dropped := p1.Claims[0]
	put(t, s, func(tx *store.Tx) error {
		it, _ := tx.Item(dropped.Demand)
		c := *it
		c.Status = matcher.ItemPaused
		return tx.PutItem(c)
	})
	seq = s.Store.Seq()
	p3 := mustPropose(t, s, lh, "lh")
	if !slices.Contains(p3.Changes.Dropped, dropped.ID) {
		t.Errorf("changes %+v: want %s dropped", p3.Changes, dropped.ID)
	}
	if c, _ := s.Store.Snapshot().Claim(dropped.ID); c.Status != matcher.ClaimExpired {
		t.Errorf("dropped claim is %s, want expired", c.Status)
	}
	before := map[string]matcher.Claim{}
	for _, c := range p1.Claims {
		before[c.ID] = c
	}
	for _, c := range p3.Claims {
		old, had := before[c.ID]
		switch {
		case slices.Contains(p3.Changes.New, c.ID):
			if had || c.Run != p3.Run {
				t.Errorf("new claim %s: had before %v, run %d, want a new claim of run %d", c.ID, had, c.Run, p3.Run)
			}
		case slices.Contains(p3.Changes.Changed, c.ID):
			if !had || c.Rev != p3.Run || c.Created != old.Created {
				t.Errorf("changed claim %s: had before %v, rev %d created %s; want rewritten in place by run %d", c.ID, had, c.Rev, c.Created, p3.Run)
			}
		case !had || !reflect.DeepEqual(c, old):
			t.Errorf("claim %s neither new nor changed, but not as it was: %+v, was %+v", c.ID, c, old)
		}
	}
	if ev := lastEvent(t, s); ev.Seq != seq+1 || ev.Action != "meeting.propose" ||
		ev.Count != len(p3.Changes.New)+len(p3.Changes.Changed)+len(p3.Changes.Dropped) {
		t.Errorf("event %+v: want one meeting.propose writing the %+v", ev, p3.Changes)
	}
	cold := New(s.Store)
	cold.Sessions, cold.Now = nil, s.Now
	if p, err := cold.Propose(ctx, lh, "lh", match.DefaultSettings()); err != nil || p.Run != 0 || s.Store.Seq() != seq+1 {
		t.Errorf("a cold run after the delta: %+v, %v; want the plan as stored, nothing written", p, err)
	}

	// An unmet demand's priority changed: the plan stays, but the run
	// records that it saw the demand (one record), so that Escalate
	// moves it. (Not its title: the text score weighs bigrams by their
	// rarity in the scope, so any title moves other pairs' scores.)
	put(t, s, func(tx *store.Tx) error {
		it, _ := tx.Item("LH-D10")
		c := *it
		c.Priority = c.Priority%5 + 1
		return tx.PutItem(c)
	})
	seq = s.Store.Seq()
	p4 := mustPropose(t, s, lh, "lh")
	if len(p4.Changes.New)+len(p4.Changes.Changed)+len(p4.Changes.Dropped) != 0 {
		t.Fatalf("the priority of an unmet demand changed the plan: %+v", p4.Changes)
	}
	if ev := lastEvent(t, s); p4.Run != seq+1 || ev.Count != 1 || s.Store.Snapshot().LastRun("lh") != p4.Run {
		t.Errorf("run %d, event %+v, last run %d; want one record written, the run recorded", p4.Run, ev, s.Store.Snapshot().LastRun("lh"))
	} else if c, _ := s.Store.Snapshot().Claim(ev.Changes[0].ID); c.Seen != p4.Run || c.Run == p4.Run || c.Status != matcher.ClaimProposed {
		t.Errorf("the claim marked: %+v; want seen by run %d, its own run kept (no new proposal)", c, p4.Run)
	}
	if p := mustPropose(t, s, lh, "lh"); p.Run != 0 || s.Store.Seq() != seq+1 {
		t.Errorf("again: run %d seq %d, want nothing written", p.Run, s.Store.Seq())
	}
	esc, err := s.Escalate(ctx, lh, "lh")
	if err != nil || !slices.Contains(esc.Items, "LH-D10") {
		t.Errorf("Escalate = %+v, %v; want LH-D10 moved", esc, err)
	}
}
