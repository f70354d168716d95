package service

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/allymatch/allymatch/fixtures"
	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/match"
	"github.com/allymatch/allymatch/matcher/store"
)

// rollupService is the Banan sample on a store whose clock (events) and
// service clock (claims, overdue) are both *now.
func rollupService(tb testing.TB) (*Service, *time.Time) {
	tb.Helper()
	now := time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC) // a Tuesday, 10:00 in Chongqing
	st, _, err := store.Open(ctx, store.Options{Dir: tb.TempDir(), Now: func() time.Time { return now }})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	if _, err := st.Import(ctx, fixtures.MustBanan(tb), "test"); err != nil {
		tb.Fatal(err)
	}
	s := New(st)
	s.Now = func() time.Time { return now }
	return s, &now
}

// rollupHistory runs two weeks of meetings on s: proposals with a
// deadline, answers from both sides (some claims confirmed, one
// fulfilled, one rejected), and a second week with one more meeting.
func rollupHistory(t *testing.T, s *Service, now *time.Time) {
	t.Helper()
	admin := matcher.Admin
	propose := func(m string, due time.Duration) []matcher.Claim {
		p, err := s.ProposeBy(ctx, admin, m, match.DefaultSettings(), now.Add(due))
		if err != nil {
			t.Fatal(err)
		}
		return planOf(t, s, p).Claims
	}
	accept := func(c matcher.Claim, sides ...matcher.Side) {
		for _, side := range sides {
			if _, err := s.AnswerClaim(ctx, matcher.UnitActor(c.UnitOf(side)), c.ID, Accept, "", ""); err != nil {
				t.Fatal(err)
			}
		}
	}
	both := []matcher.Side{matcher.ResourceSide, matcher.DemandSide}
	lh := propose("lh", 48*time.Hour)
	if len(lh) < 4 {
		t.Fatalf("lh proposes %d claims, want at least 4", len(lh))
	}
	accept(lh[0], both...)
	accept(lh[1], both...)
	accept(lh[2], matcher.ResourceSide) // waits for the demand side
	if _, err := s.AnswerClaim(ctx, matcher.UnitActor(lh[3].DemandUnit), lh[3].ID, Reject, "", "时间不合适"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.FulfilClaim(ctx, matcher.UnitActor(lh[0].DemandUnit), lh[0].ID, Fulfilment{}); err != nil {
		t.Fatal(err)
	}
	// The village company closes its loan enquiry, which nobody met: it is
	// short of nothing now.
	closed := matcher.ItemClosed
	if _, err := s.PatchItem(ctx, admin, "TW-D03", ItemPatch{Status: &closed}); err != nil {
		t.Fatal(err)
	}
	propose("st-lzw", 24*time.Hour)
	propose("bn-district", 24*time.Hour)
	*now = now.Add(7 * 24 * time.Hour) // the next week: lh's and the street's deadlines passed
	tw := propose("tw", 72*time.Hour)
	if len(tw) > 0 {
		accept(tw[0], both...)
	}
}

// TestRollupEqualsDirectCount: the district's roll-up after two weeks of
// meetings says what the report, who-has-not-answered and the claims
// themselves say, meeting by meeting and summed; and the whole of it is
// the golden file.
func TestRollupEqualsDirectCount(t *testing.T) {
	s, now := rollupService(t)
	rollupHistory(t, s, now)
	r, err := s.Rollup(matcher.Coordinator("bn-district"), "bn-district")
	if err != nil {
		t.Fatal(err)
	}
	sn := s.Store.Snapshot()
	if len(r.Meetings) != 12 || r.Meetings[0].Alliance != "bn-district" || len(r.Children) != 5 {
		t.Fatalf("roll-up of %d meetings (first %s), %d children; want 12, bn-district, the 5 streets", len(r.Meetings), r.Meetings[0].Alliance, len(r.Children))
	}
	seen := map[string]bool{}
	var direct RollupCount
	for _, m := range r.Meetings {
		rep, err := s.MeetingReport(matcher.Admin, m.Alliance)
		if err != nil {
			t.Fatal(err)
		}
		if m.Demands.Demands != rep.Total.Demands || m.Demands.Met != rep.Total.Met || m.Demands.Partly != rep.Total.Partly {
			t.Errorf("%s: roll-up %d demands, %d met, %d in part; the report %d, %d, %d", m.Alliance,
				m.Demands.Demands, m.Demands.Met, m.Demands.Partly, rep.Total.Demands, rep.Total.Met, rep.Total.Partly)
		}
		w, err := s.MeetingWaiting(matcher.Admin, m.Alliance)
		if err != nil {
			t.Fatal(err)
		}
		if m.Answers.Waiting != w.Claims || m.Answers.Overdue != w.Overdue {
			t.Errorf("%s: roll-up %d waiting, %d overdue; who has not answered: %d, %d", m.Alliance, m.Answers.Waiting, m.Answers.Overdue, w.Claims, w.Overdue)
		}
		answered := 0
		for c := range sn.ClaimsOfMeeting(m.Alliance) {
			if c.Status != matcher.ClaimProposed && c.Status != matcher.ClaimExpired {
				answered++
			}
		}
		if m.Answers.Answered != answered {
			t.Errorf("%s: %d answered, the claims say %d", m.Alliance, m.Answers.Answered, answered)
		}
		// The demands, each once, with what holds and proposes them.
		a, _ := sn.Alliance(m.Alliance)
		sc, err := match.ResolveScope(sn.Reader, m.Alliance)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range sc.Units() {
			for it := range sn.ItemsOf(u) {
				if it.Kind != matcher.Demand || it.Level != a.Level || it.Status == matcher.ItemPaused || seen[it.ID] {
					continue
				}
				seen[it.ID] = true
				var held, prop int64
				for c := range sn.ClaimsOnDemand(it.ID) {
					switch c.Status {
					case matcher.ClaimConfirmed, matcher.ClaimFulfilled:
						held += c.Quantity
					case matcher.ClaimProposed:
						prop += c.Quantity
					}
				}
				held = min(held, it.Quantity)
				prop = min(prop, it.Quantity-held)
				direct.add(&rollupRow{id: it.ID, measure: it.Measure, need: it.Quantity, held: held, proposed: prop, closed: it.Status == matcher.ItemClosed})
			}
		}
	}
	direct.sortMeasures()
	if got, want := js(t, r.Demands), js(t, direct); got != want {
		t.Errorf("district demands\n%s\nwant\n%s", got, want)
	}
	// The funnel against the claims: every claim the meetings proposed
	// since the load, those confirmed since, and the one fulfilled.
	var proposed, confirmed, fulfilled int
	for c := range sn.Claims() {
		if c.Run == 0 || !strings.HasPrefix(c.ID, c.Meeting+".") {
			continue // the sample's own claims
		}
		proposed++
		switch c.Status {
		case matcher.ClaimConfirmed:
			confirmed++
		case matcher.ClaimFulfilled:
			confirmed++
			fulfilled++
		}
	}
	var wp, wc, wf int
	for _, w := range r.Weeks {
		wp, wc, wf = wp+w.Proposed, wc+w.Confirmed, wf+w.Fulfilled
	}
	if len(r.Weeks) != 2 || wp != proposed || wc != confirmed || wf != fulfilled || fulfilled != 1 {
		t.Errorf("funnel %+v: %d proposed, %d confirmed, %d fulfilled; the claims say %d, %d, %d (over 2 weeks)", r.Weeks, wp, wc, wf, proposed, confirmed, fulfilled)
	}
	golden(t, "rollup-bn-district.golden", r)
}

func js(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestRollupIncremental: a view after one answer counts afresh only the
// meetings the answer touches, reads only the events since, and says
// what a service counting everything afresh says.
func TestRollupIncremental(t *testing.T) {
	s, now := rollupService(t)
	rollupHistory(t, s, now)
	district := matcher.Coordinator("bn-district")
	if _, err := s.Rollup(district, "bn-district"); err != nil {
		t.Fatal(err)
	}
	before := s.RollupStats()
	if before.MeetingsBuilt != 12 {
		t.Fatalf("first view built %d meetings, want 12", before.MeetingsBuilt)
	}
	// A second view with nothing changed builds nothing.
	if _, err := s.Rollup(district, "bn-district"); err != nil {
		t.Fatal(err)
	}
	if st := s.RollupStats(); st != before {
		t.Errorf("a view of the same state did work: %+v, then %+v", before, st)
	}
	// tw's demand side accepts a waiting claim: tw, its street and the
	// district (whose scope holds tw's units) are counted again.
	var waiting *matcher.Claim
	for c := range s.Store.Snapshot().ClaimsOfMeetingWith("tw", matcher.ClaimProposed) {
		waiting = c
		break
	}
	if waiting == nil {
		t.Fatal("no waiting claim in tw")
	}
	if _, err := s.AnswerClaim(ctx, matcher.UnitActor(waiting.DemandUnit), waiting.ID, Accept, "", ""); err != nil {
		t.Fatal(err)
	}
	got, err := s.Rollup(district, "bn-district")
	if err != nil {
		t.Fatal(err)
	}
	after := s.RollupStats()
	if n := after.MeetingsBuilt - before.MeetingsBuilt; n < 1 || n > 2 {
		t.Errorf("one community answer rebuilt %d meetings, want tw (and at most its street)", n)
	}
	if after.EventsRead != before.EventsRead+1 || after.Resets != 0 {
		t.Errorf("the view read %d events (%d resets), want the one since", after.EventsRead-before.EventsRead, after.Resets)
	}
	fresh := New(s.Store)
	fresh.Now = s.Now
	want, err := fresh.Rollup(district, "bn-district")
	if err != nil {
		t.Fatal(err)
	}
	if js(t, got) != js(t, want) {
		t.Errorf("incremental roll-up differs from a fresh one:\n%s\nwant\n%s", js(t, got), js(t, want))
	}
	// Every other kind of change recounts only the meetings it touches,
	// and the view says what a fresh service says.
	tx := func(name string, fn func(tx *store.Tx) error) {
		t.Helper()
		if _, err := s.Store.Update(ctx, "test", name, nil, fn); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	alliance := func(id string, change func(a *matcher.Alliance)) func(tx *store.Tx) error {
		return func(tx *store.Tx) error {
			a, err := tx.Alliance(id)
			if err != nil {
				return err
			}
			n := *a
			n.Members = slices.Clone(a.Members)
			change(&n)
			return tx.PutAlliance(n)
		}
	}
	for _, c := range []struct {
		name  string
		fn    func(tx *store.Tx) error
		built []string // the meetings counted again, sorted
	}{
		{"an alliance renamed", alliance("tw", func(a *matcher.Alliance) { a.Name = "塘湾村联盟" }),
			[]string{"bn-district", "st-shk", "tw"}},
		// A unit of tw joins lzwc: its demands are now shared by two
		// communities (and lzwc's street counts them).
		{"a member joins", alliance("lzwc", func(a *matcher.Alliance) { a.Members = append(a.Members, "tw-clinic") }),
			[]string{"bn-district", "lzwc", "st-lzw", "st-shk", "tw"}},
		{"a member leaves", alliance("lzwc", func(a *matcher.Alliance) {
			a.Members = slices.DeleteFunc(a.Members, func(u string) bool { return u == "tw-clinic" })
		}), []string{"bn-district", "lzwc", "st-lzw", "st-shk", "tw"}},
		{"an alliance moves to another street", alliance("tw", func(a *matcher.Alliance) { a.Parent = "st-lzw" }),
			[]string{"bn-district", "st-lzw", "st-shk", "tw"}},
		{"a red grid renamed", func(tx *store.Tx) error {
			g, err := tx.Grid("lzwc-g2")
			if err != nil {
				return err
			}
			n := *g
			n.Name = "龙洲湾社区二号红色网格"
			return tx.PutGrid(n)
		}, []string{"bn-district", "lzwc", "st-lzw"}},
		{"a category added to the vocabulary", func(tx *store.Tx) error {
			return tx.PutCategory(matcher.Category{ID: "tea", NameZH: "茶叙", NameEN: "tea talk"})
		}, nil},
	} {
		before := s.RollupStats()
		s.rollup.mu.Lock()
		kept := maps.Clone(s.rollup.meetings)
		s.rollup.mu.Unlock()
		tx(c.name, c.fn)
		got, err := s.Rollup(district, "bn-district")
		if err != nil {
			t.Fatal(err)
		}
		st := s.RollupStats()
		s.rollup.mu.Lock()
		var built []string
		for id, m := range s.rollup.meetings {
			if kept[id] != m {
				built = append(built, id)
			}
		}
		s.rollup.mu.Unlock()
		slices.Sort(built)
		if st.Resets != before.Resets || st.MeetingsBuilt-before.MeetingsBuilt != len(c.built) || !slices.Equal(built, c.built) {
			t.Errorf("%s: counted %v again (%d, %d resets), want %v", c.name, built, st.MeetingsBuilt-before.MeetingsBuilt, st.Resets-before.Resets, c.built)
		}
		fresh := New(s.Store)
		fresh.Now = s.Now
		want, err := fresh.Rollup(district, "bn-district")
		if err != nil {
			t.Fatal(err)
		}
		if js(t, got) != js(t, want) {
			t.Errorf("%s: the incremental roll-up differs from a fresh one:\n%s\nwant\n%s", c.name, js(t, got), js(t, want))
		}
	}
}

// TestRollupScope: a coordinator sees the roll-up of its alliance and
// those below it, not above it nor beside it; a unit none.
func TestRollupScope(t *testing.T) {
	s, _ := rollupService(t)
	for _, tc := range []struct {
		actor    matcher.Actor
		alliance string
		ok       bool
	}{
		{matcher.Admin, "bn-water", true},
		{matcher.Coordinator("bn-district"), "lh", true},
		{matcher.Coordinator("st-lzw"), "st-lzw", true},
		{matcher.Coordinator("st-lzw"), "bn-district", false},
		{matcher.Coordinator("st-lzw"), "tw", false},
		{matcher.Coordinator("lh"), "st-lzw", false},
		{matcher.UnitActor("lh-school"), "lh", false},
		{matcher.Admin, "zz-absent", false},
	} {
		r, err := s.Rollup(tc.actor, tc.alliance)
		if tc.ok != (err == nil) || !tc.ok && matcher.ErrorCode(err) != matcher.ENOTFOUND {
			t.Errorf("%s on %s: %v, want ok %v (else not found)", tc.actor, tc.alliance, err, tc.ok)
		}
		if err == nil && tc.actor.Role == matcher.RoleCoordinator && tc.actor.ID == tc.alliance && r.Parent != "" {
			t.Errorf("%s: the parent %s is named, above the caller's scope", tc.alliance, r.Parent)
		}
	}
}

// TestRollupConcurrent: views while the units answer see consistent
// figures (under -race), and the last view says what a fresh service
// says.
func TestRollupConcurrent(t *testing.T) {
	s, now := rollupService(t)
	rollupHistory(t, s, now)
	var waiting []*matcher.Claim
	for c := range s.Store.Snapshot().ClaimsOfMeetingWith("lh", matcher.ClaimProposed) {
		waiting = append(waiting, c)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for _, c := range waiting {
			for _, side := range c.WaitsFor() {
				if _, err := s.AnswerClaim(ctx, matcher.UnitActor(c.UnitOf(side)), c.ID, Accept, "", ""); err != nil {
					t.Error(err)
					return
				}
			}
		}
	}()
	var views sync.WaitGroup
	for _, a := range []string{"bn-district", "st-lzw", "lh", "bn-district", "lzwc", "st-lzw"} {
		views.Go(func() {
			r, err := s.Rollup(matcher.Admin, a)
			if err != nil {
				t.Error(err)
				return
			}
			if r.Demands.Met+r.Demands.Partly > r.Demands.Demands {
				t.Errorf("%s: %d met and %d in part of %d demands", a, r.Demands.Met, r.Demands.Partly, r.Demands.Demands)
			}
		})
	}
	views.Wait()
	<-done
	got, err := s.Rollup(matcher.Admin, "bn-district")
	if err != nil {
		t.Fatal(err)
	}
	fresh := New(s.Store)
	fresh.Now = s.Now
	want, err := fresh.Rollup(matcher.Admin, "bn-district")
	if err != nil {
		t.Fatal(err)
	}
	if js(t, got) != js(t, want) {
		t.Errorf("after concurrent answers the roll-up differs from a fresh one")
	}
	if got.Meetings[0].Answers.Waiting+got.Answers.Answered == 0 {
		t.Error("no answers counted")
	}
}

// TestRollupViewsAtOnce: views of a service that has kept nothing, all at
// once on one state, count each meeting once (the others wait for its
// count) and answer what views one after another answer.
func TestRollupViewsAtOnce(t *testing.T) {
	s, now := rollupService(t)
	rollupHistory(t, s, now)
	seq := New(s.Store)
	seq.Now = s.Now
	alliances := []string{"bn-district", "lh", "st-lzw", "bn-district", "lzwc", "lh", "st-lzw", "bn-district"}
	want := map[string]string{}
	for _, a := range alliances {
		r, err := seq.Rollup(matcher.Admin, a)
		if err != nil {
			t.Fatal(err)
		}
		want[a] = js(t, r)
	}
	got := make([]string, len(alliances))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, a := range alliances {
		wg.Go(func() {
			<-start
			r, err := s.Rollup(matcher.Admin, a)
			if err != nil {
				t.Error(err)
				return
			}
			got[i] = js(t, r)
		})
	}
	close(start)
	wg.Wait()
	for i, a := range alliances {
		if got[i] != want[a] {
			t.Errorf("%s viewed at once with others differs from a view alone", a)
		}
	}
	if st := s.RollupStats(); st.MeetingsBuilt != 12 || st.Resets != 0 {
		t.Errorf("views at once counted %d meetings (%d resets), want each of the 12 once", st.MeetingsBuilt, st.Resets)
	}
}

// TestRollupCountsEachDemandOnce: a unit in two communities of a street
// brings its demands to both meetings; the street's roll-up counts them
// once, and says what a direct count over its demands says.
func TestRollupCountsEachDemandOnce(t *testing.T) {
	s, _ := rollupService(t)
	if _, err := s.Store.Update(ctx, "test", "alliance.update", nil, func(tx *store.Tx) error {
		a, err := tx.Alliance("lzwc")
		if err != nil {
			return err
		}
		n := *a
		n.Members = append(slices.Clone(n.Members), "lh-school")
		return tx.PutAlliance(n)
	}); err != nil {
		t.Fatal(err)
	}
	r, err := s.Rollup(matcher.Admin, "st-lzw")
	if err != nil {
		t.Fatal(err)
	}
	sn := s.Store.Snapshot()
	school := 0
	ids := map[string]bool{}
	for _, m := range []string{"st-lzw", "lh", "lzwc"} {
		a, _ := sn.Alliance(m)
		sc, err := match.ResolveScope(sn.Reader, m)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range sc.Units() {
			for it := range sn.ItemsOf(u) {
				if it.Kind == matcher.Demand && it.Level == a.Level && it.Status != matcher.ItemPaused {
					ids[it.ID] = true
					if u == "lh-school" && m == "lzwc" {
						school++
					}
				}
			}
		}
	}
	byID := map[string]RollupMeeting{}
	for _, m := range r.Meetings {
		byID[m.Alliance] = m
	}
	if school == 0 {
		t.Fatal("lh-school has no community demand")
	}
	if sum := byID["st-lzw"].Demands.Demands + byID["lh"].Demands.Demands + byID["lzwc"].Demands.Demands; sum != len(ids)+school || r.Demands.Demands != len(ids) {
		t.Errorf("the meetings count %d demands, the roll-up %d; want %d distinct (the school's %d in two meetings)", sum, r.Demands.Demands, len(ids), school)
	}
	var cat int
	for _, k := range r.ByCategory {
		cat += k.Demands
	}
	if cat != len(ids) {
		t.Errorf("by category %d demands, want %d", cat, len(ids))
	}
}

// TestRollupBatchEqualsEach: the meetings of a level counted in one walk
// of the level's items, and every meeting counted at once in parallel
// (countAll), are the meetings counted one by one.
func TestRollupBatchEqualsEach(t *testing.T) {
	s, now := rollupService(t)
	rollupHistory(t, s, now)
	sn := s.Store.Snapshot()
	for _, l := range matcher.Levels {
		var as []*matcher.Alliance
		for a := range sn.AlliancesAt(l) {
			as = append(as, a)
		}
		walk, each := true, false
		batch, err := countLevelBy(sn, l, as, &walk)
		if err != nil {
			t.Fatal(err)
		}
		parallel, err := countAll(sn, as)
		if err != nil {
			t.Fatal(err)
		}
		for i, a := range as {
			ones, err := countLevelBy(sn, l, as[i:i+1], &each)
			if err != nil {
				t.Fatal(err)
			}
			for k, got := range []*meetingAgg{batch[i], parallel[a.ID]} {
				want := ones[0]
				if got == nil {
					t.Fatalf("%s: not counted (%d)", a.ID, k)
				}
				got.own.total.sortMeasures()
				want.own.total.sortMeasures()
				if js(t, got.demands) != js(t, want.demands) || js(t, got.own.total) != js(t, want.own.total) ||
					len(got.shared) != len(want.shared) || js(t, sortedKeys(got.own.cat)) != js(t, sortedKeys(want.own.cat)) || js(t, sortedKeys(got.own.grid)) != js(t, sortedKeys(want.own.grid)) ||
					js(t, sortedKeys(got.own.fam)) != js(t, sortedKeys(want.own.fam)) ||
					len(got.projects) != len(want.projects) || got.answers != want.answers {
					t.Errorf("%s: counted with its level %+v, alone %+v", a.ID, got, want)
				}
				for j := range got.projects {
					if got.projects[j] != want.projects[j] {
						t.Errorf("%s: project %+v, alone %+v", a.ID, got.projects[j], want.projects[j])
					}
				}
			}
		}
	}
}

// TestKeepRollupWarm: the roll-up is counted before the first view, and
// counted again after a change that dropped every meeting (an alliance
// renamed), so that neither first view counts a meeting.
func TestKeepRollupWarm(t *testing.T) {
	s, now := rollupService(t)
	rollupHistory(t, s, now)
	c, cancel := context.WithCancel(ctx)
	warmed := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		s.KeepRollupWarm(c, func() { close(warmed) }, func(err error) { t.Error(err) })
	}()
	defer func() { cancel(); <-stopped }()
	<-warmed
	view := func(when string) {
		t.Helper()
		before := s.RollupStats()
		got, err := s.Rollup(matcher.Admin, "bn-district")
		if err != nil {
			t.Fatal(err)
		}
		after := s.RollupStats()
		if n := after.MeetingsBuilt - before.MeetingsBuilt; n != 0 || after.EventsRead != before.EventsRead {
			t.Errorf("%s: the first view counted %d meetings and read %d events, want none", when, n, after.EventsRead-before.EventsRead)
		}
		fresh := New(s.Store)
		fresh.Now = s.Now
		want, err := fresh.Rollup(matcher.Admin, "bn-district")
		if err != nil {
			t.Fatal(err)
		}
		if js(t, got) != js(t, want) {
			t.Errorf("%s: the warmed roll-up differs from a fresh one", when)
		}
	}
	all := 0 // every meeting: bn-district's 12 and bn-water
	for _, l := range matcher.Levels {
		for range s.Store.Snapshot().AlliancesAt(l) {
			all++
		}
	}
	if st := s.RollupStats(); st.MeetingsBuilt != all || all != 13 {
		t.Fatalf("warmed %d meetings, want the %d (13)", st.MeetingsBuilt, all)
	}
	view("at start")
	built := s.RollupStats().MeetingsBuilt
	if _, err := s.Store.Update(ctx, "test", "alliance.update", nil, func(tx *store.Tx) error {
		a, err := tx.Alliance("tw")
		if err != nil {
			return err
		}
		n := *a
		n.Name = "塘湾村联盟"
		return tx.PutAlliance(n)
	}); err != nil {
		t.Fatal(err)
	}
	// Warmed again rollupSettle after the change: wait for its counts of
	// the meetings it touches, tw, its street and the district (a bounded
	// wait, not a timing assertion).
	for deadline := time.Now().Add(30 * time.Second); s.RollupStats().MeetingsBuilt < built+3; {
		if time.Now().After(deadline) {
			t.Fatalf("not warmed again after an alliance change: %+v", s.RollupStats())
		}
		time.Sleep(20 * time.Millisecond)
	}
	view("after an alliance change")
}

// splitIDs splits the ids between two into ranges about as wide, in
// order, never at or before the first: numbered ids split evenly.
func TestSplitIDs(t *testing.T) {
	var ids []string
	for i := range 10000 {
		ids = append(ids, fmt.Sprintf("I%06d", i*7))
	}
	for _, k := range []int{2, 3, 4} {
		splits := splitIDs(ids[0], ids[len(ids)-1], k)
		if len(splits) != k-1 {
			t.Fatalf("k=%d: %q", k, splits)
		}
		bounds := append(append([]string{""}, splits...), "\xff")
		for i := range k {
			n := 0
			for _, id := range ids {
				if id >= bounds[i] && id < bounds[i+1] {
					n++
				}
			}
			if want := len(ids) / k; n < want*9/10 || n > want*11/10 {
				t.Errorf("k=%d: range %d holds %d ids, want about %d (%q)", k, i, n, want, splits)
			}
		}
	}
	for _, c := range [][2]string{{"LH-D01", "LH-D01"}, {"", ""}, {"b", "a"}} {
		if got := splitIDs(c[0], c[1], 2); got != nil {
			t.Errorf("splitIDs(%q, %q) = %q, want none", c[0], c[1], got)
		}
	}
	if got := splitIDs("A", "C", 2); !slices.Equal(got, []string{"B"}) {
		t.Errorf("splitIDs(A, C) = %q", got)
	}
}
