package match

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/allymatch/allymatch/fixtures"
	"github.com/allymatch/allymatch/fixtures/gen"
	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
	"github.com/allymatch/allymatch/matcher/stable"
	"github.com/allymatch/allymatch/matcher/store"
)

var ctx = context.Background()

func bananStore(tb testing.TB) *store.Store {
	tb.Helper()
	st, _, err := store.Open(ctx, store.Options{Dir: tb.TempDir()})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	if _, err := st.Import(ctx, fixtures.MustBanan(tb), "test"); err != nil {
		tb.Fatal(err)
	}
	return st
}

// genStore is a store (closed when tb ends) of generated data.
func genStore(tb testing.TB, units int, seed int64) *store.Store {
	tb.Helper()
	b, err := gen.Generate(gen.Config{Units: units, Seed: seed})
	if err != nil {
		tb.Fatal(err)
	}
	st, _, err := store.Open(ctx, store.Options{Dir: tb.TempDir()})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	if _, err := st.Import(ctx, b, "test"); err != nil {
		tb.Fatal(err)
	}
	return st
}

func mustRun(tb testing.TB, sn store.Snapshot, meeting string, mode Mode) *Result {
	tb.Helper()
	res, err := Run(ctx, sn.Reader, sn.Vocab, meeting, Settings{Mode: mode, Weights: DefaultWeights, Relevance: DefaultRelevance})
	if err != nil {
		tb.Fatalf("Run(%s, %s) = %v", meeting, mode, err)
	}
	return res
}

// checkFeasible asserts what every plan must hold: proposals pass the hard
// rules and never book more than is left on either side.
func checkFeasible(t *testing.T, r index.Reader, res *Result) {
	t.Helper()
	used := map[string]int64{}
	for _, p := range res.Proposals {
		rs, err1 := r.Item(p.Resource)
		dm, err2 := r.Item(p.Demand)
		if err1 != nil || err2 != nil {
			t.Fatalf("proposal %+v names unknown items", p)
		}
		if rs.Unit == dm.Unit {
			t.Errorf("proposal %s→%s pairs a unit with itself", p.Resource, p.Demand)
		}
		if rs.Kind != matcher.Resource || dm.Kind != matcher.Demand {
			t.Errorf("proposal %s→%s has the kinds wrong", p.Resource, p.Demand)
		}
		if rs.Level != res.Level || dm.Level != res.Level {
			t.Errorf("proposal %s→%s has items off the meeting's level %s", p.Resource, p.Demand, res.Level)
		}
		if p.DistanceKM != nil && rs.RadiusKM > 0 && dm.RadiusKM > 0 && *p.DistanceKM > min(rs.RadiusKM, dm.RadiusKM)+0.01 {
			t.Errorf("proposal %s→%s at %.2f km exceeds radius %.1f/%.1f", p.Resource, p.Demand, *p.DistanceKM, rs.RadiusKM, dm.RadiusKM)
		}
		if !windowsOverlap(rs.Windows, dm.Windows) {
			t.Errorf("proposal %s→%s: windows do not overlap", p.Resource, p.Demand)
		}
		for c := range r.ClaimsOnPair(p.Resource, p.Demand) {
			if c.Status == matcher.ClaimRejected {
				t.Errorf("proposal %s→%s repeats rejected claim %s", p.Resource, p.Demand, c.ID)
			}
		}
		sum := 0
		for _, term := range p.Breakdown {
			sum += term.Points
		}
		if sum != p.Score || p.Score < 0 || p.Score > matcher.MaxScore {
			t.Errorf("proposal %s→%s: breakdown points sum to %d, score %d", p.Resource, p.Demand, sum, p.Score)
		}
		used[p.Resource] += p.Quantity
		used[p.Demand] += p.Quantity
	}
	for id, q := range used {
		it, _ := r.Item(id)
		if left := it.Quantity - Reserved(r, it, res.Meeting); q > left {
			t.Errorf("item %s: proposals book %d, only %d left after claims", id, q, left)
		}
	}
}

func TestBananEveryMeetingEveryMode(t *testing.T) {
	sn := bananStore(t).Snapshot()
	for a := range sn.Alliances() {
		var welfare [3]int64
		var covered [3]int64
		for i, mode := range []Mode{Welfare, Coverage, Stable} {
			res := mustRun(t, sn, a.ID, mode)
			checkFeasible(t, sn.Reader, res)
			if !res.Optimal {
				t.Errorf("%s %s: not optimal without a deadline", a.ID, mode)
			}
			welfare[i] = res.Totals.Welfare
			for prio, mn := range res.Totals.MetByPriority {
				covered[i] += int64(prio) * mn[0]
			}
		}
		// Without projects blocking differently, welfare is the best welfare
		// and coverage the best priority-weighted coverage.
		res := mustRun(t, sn, a.ID, Welfare)
		if len(res.Blocked) == 0 && (welfare[0] < welfare[1] || welfare[0] < welfare[2]) {
			t.Errorf("%s: welfare %d is below coverage %d or stable %d", a.ID, welfare[0], welfare[1], welfare[2])
		}
		if len(mustRun(t, sn, a.ID, Coverage).Blocked) == 0 && (covered[1] < covered[0] || covered[1] < covered[2]) {
			t.Errorf("%s: coverage's weighted met %d is below welfare %d or stable %d", a.ID, covered[1], covered[0], covered[2])
		}
	}
}

func TestDeterministic(t *testing.T) {
	sn := bananStore(t).Snapshot()
	for _, mode := range []Mode{Welfare, Coverage, Stable} {
		var first []byte
		for i := range 5 {
			res := mustRun(t, sn, "lh", mode)
			res.Stats = Stats{} // timings differ
			got, _ := json.Marshal(res)
			if i == 0 {
				first = got
			} else if !bytes.Equal(got, first) {
				t.Fatalf("%s: run %d differs from run 0", mode, i)
			}
		}
	}
}

func TestBananUnmetReasons(t *testing.T) {
	sn := bananStore(t).Snapshot()
	cases := []struct {
		meeting, demand, reason, rule string
	}{
		{"tw", "TW-D04", ReasonNoResource, ""}, // the only transport resource sits at the district level
		{"nqc", "NQC-D01", ReasonNoResource, ""},
		{"ljtm", "LJTM-P01-S1", ReasonNoResource, ""},
	}
	for _, tc := range cases {
		res := mustRun(t, sn, tc.meeting, Welfare)
		var u *Unmet
		for i := range res.Unmet {
			if res.Unmet[i].Demand == tc.demand {
				u = &res.Unmet[i]
			}
		}
		if u == nil {
			t.Errorf("%s: demand %s not listed as unmet", tc.meeting, tc.demand)
			continue
		}
		t.Logf("%s: %+v", tc.demand, *u)
		if u.Reason != tc.reason && !(tc.demand == "LJTM-P01-S1" && u.Reason == ReasonProjectBlocked) {
			t.Errorf("%s: reason %q, want %q", tc.demand, u.Reason, tc.reason)
		}
		if tc.rule != "" && u.Rules[tc.rule] == 0 {
			t.Errorf("%s: rules %v do not include %q", tc.demand, u.Rules, tc.rule)
		}
	}
	res := mustRun(t, sn, "ljtm", Welfare)
	if !slices.ContainsFunc(res.Blocked, func(b Blocked) bool { return b.Project == "LJTM-P01" && b.Slot == "LJTM-P01-S1" }) {
		t.Errorf("blocked = %+v, want LJTM-P01 blocked by slot LJTM-P01-S1", res.Blocked)
	}
}

func TestBlockedProjectTakesNothing(t *testing.T) {
	sn := bananStore(t).Snapshot()
	for a := range sn.Alliances() {
		for _, mode := range []Mode{Welfare, Coverage, Stable} {
			res := mustRun(t, sn, a.ID, mode)
			blocked := map[string]bool{}
			for _, b := range res.Blocked {
				blocked[b.Project] = true
			}
			for _, p := range res.Proposals {
				it, _ := sn.Item(p.Demand)
				if blocked[it.Project] {
					t.Errorf("%s %s: blocked project %s takes %d of %s", a.ID, mode, it.Project, p.Quantity, p.Resource)
				}
			}
			// A project that is not blocked has every required slot filled.
			for pr := range sn.Projects() {
				if blocked[pr.ID] {
					continue
				}
				got := map[string]int64{}
				for _, p := range res.Proposals {
					got[p.Demand] += p.Quantity
				}
				anyProposed := false
				for s := range sn.Slots(pr.ID) {
					anyProposed = anyProposed || got[s.ID] > 0
				}
				if !anyProposed {
					continue
				}
				for s := range sn.Slots(pr.ID) {
					if !s.Optional && s.Level == res.Level && got[s.ID]+sn.Held(s) < s.Quantity {
						t.Errorf("%s %s: project %s takes resources but its required slot %s is short", a.ID, mode, pr.ID, s.ID)
					}
				}
			}
		}
	}
}

func TestConfirmedClaimsArePinnedAndRejectedPairsSkipped(t *testing.T) {
	st := bananStore(t)
	before := mustRun(t, st.Snapshot(), "lh", Welfare)
	if len(before.Proposals) == 0 {
		t.Fatal("no proposals for lh")
	}
	p := before.Proposals[0]
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	// Confirm the first proposal and reject the second: the next run must
	// not book the confirmed quantity again, nor propose the rejected pair.
	_, err := st.Update(ctx, "test", "answer", nil, func(tx *Tx) error {
		c := matcher.Claim{ID: "T-1", Resource: p.Resource, Demand: p.Demand, ResourceUnit: p.ResourceUnit, DemandUnit: p.DemandUnit,
			Quantity: p.Quantity, Score: p.Score, Origin: matcher.OriginSolver, Status: matcher.ClaimConfirmed,
			AcceptedBy: []matcher.Side{matcher.DemandSide, matcher.ResourceSide}, Meeting: "lh", Created: now, Updated: now}
		if err := tx.PutClaim(c); err != nil {
			return err
		}
		if len(before.Proposals) > 1 {
			q := before.Proposals[1]
			c2 := matcher.Claim{ID: "T-2", Resource: q.Resource, Demand: q.Demand, ResourceUnit: q.ResourceUnit, DemandUnit: q.DemandUnit,
				Quantity: q.Quantity, Score: q.Score, Origin: matcher.OriginSolver, Status: matcher.ClaimRejected,
				RejectedBy: matcher.DemandSide, Meeting: "lh", Created: now, Updated: now}
			return tx.PutClaim(c2)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sn := st.Snapshot()
	after := mustRun(t, sn, "lh", Welfare)
	checkFeasible(t, sn.Reader, after)
	if len(before.Proposals) > 1 {
		q := before.Proposals[1]
		for _, a := range after.Proposals {
			if a.Resource == q.Resource && a.Demand == q.Demand {
				t.Errorf("rejected pair %s→%s proposed again", q.Resource, q.Demand)
			}
		}
	}
}

type Tx = store.Tx

// TestEveryRuleNamed changes one thing at a time on the builders' demand
// and resource and checks that the demand goes unmet with every rule that
// blocks it named.
func TestEveryRuleNamed(t *testing.T) {
	far := time.Date(2030, 1, 1, 0, 0, 0, 0, fixtures.CST)
	cases := []struct {
		name   string
		change func(d, r *matcher.Item)
		want   []string
	}{
		{"matched", func(d, r *matcher.Item) {}, nil},
		{"window", func(d, r *matcher.Item) { r.Windows = []matcher.Window{{From: far, To: far.AddDate(0, 1, 0)}} }, []string{RuleWindow}},
		{"distance", func(d, r *matcher.Item) { r.Location = &matcher.GeoPoint{Lat: 29.38, Lon: 106.53} }, []string{RuleDistance}},
		{"distance and window", func(d, r *matcher.Item) {
			r.Location = &matcher.GeoPoint{Lat: 29.38, Lon: 106.53}
			r.Windows = []matcher.Window{{From: far}}
		}, []string{RuleDistance, RuleWindow}},
		{"same unit", func(d, r *matcher.Item) { r.Unit = d.Unit }, []string{RuleSameUnit}},
		{"grid", func(d, r *matcher.Item) {
			d.Location, r.Location, r.RadiusKM = nil, nil, 0
		}, nil}, // no coordinates: the units' grids are neighbours, so it matches
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := fixtures.Small()
			b.Claims = nil
			d, r := &b.Items[0], &b.Items[1]
			tc.change(d, r)
			st, _, err := store.Open(ctx, store.Options{Dir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if _, err := st.Import(ctx, b, "test"); err != nil {
				t.Fatal(err)
			}
			sn := st.Snapshot()
			res := mustRun(t, sn, "lh", Welfare)
			checkFeasible(t, sn.Reader, res)
			var u *Unmet
			for i := range res.Unmet {
				if res.Unmet[i].Demand == d.ID {
					u = &res.Unmet[i]
				}
			}
			if tc.want == nil {
				if u != nil || len(res.Proposals) != 1 || res.Proposals[0].Quantity != d.Quantity {
					t.Fatalf("want %s met in full by %s; proposals %+v unmet %+v", d.ID, r.ID, res.Proposals, res.Unmet)
				}
				return
			}
			if u == nil || u.Reason != ReasonNoCandidate {
				t.Fatalf("unmet = %+v, want %s unmet with reason %s", u, d.ID, ReasonNoCandidate)
			}
			var got []string
			for rule := range u.Rules {
				got = append(got, rule)
			}
			slices.Sort(got)
			want := slices.Sorted(slices.Values(tc.want))
			if !slices.Equal(got, want) {
				t.Errorf("rules = %v, want %v", got, want)
			}
		})
	}
}

// TestStableHasNoBlockingPair runs the whole pipeline in stable mode, the
// project step included, on Banan and a generated district, and checks the
// plan against the final network rebuilt here (blocked projects' slots
// need nothing, launched ones keep theirs): no candidate pair blocks it,
// and the result says so. A plan with one proposal cut short is blocked,
// and the pairs are listed with what is left on both sides.
func TestStableHasNoBlockingPair(t *testing.T) {
	withProjects, cut := 0, 0
	for _, sn := range []store.Snapshot{bananStore(t).Snapshot(), genStore(t, 1000, 7).Snapshot()} {
		for a := range sn.Alliances() {
			res := mustRun(t, sn, a.ID, Stable)
			if res.BlockingPairs == nil || *res.BlockingPairs != 0 || len(res.Blocking) != 0 {
				t.Fatalf("%s: blocking pairs %v %+v, want 0", a.ID, res.BlockingPairs, res.Blocking)
			}
			scope, _ := ResolveScope(sn.Reader, a.ID)
			in := buildInstance(sn.Reader, sn.Vocab, scope)
			in.minText = DefaultRelevance
			c := in.generate()
			blocked := map[string]bool{}
			for _, b := range res.Blocked {
				blocked[b.Project] = true
			}
			capR := make([]int64, len(in.resources))
			for i := range in.resources {
				capR[i] = max(0, in.resources[i].remaining)
			}
			need := make([]int64, len(in.demands))
			for i := range in.demands {
				need[i] = in.demands[i].remaining
				if p := in.demands[i].item.Project; p != "" {
					withProjects++
					if blocked[p] {
						need[i] = 0
					}
				}
			}
			dw := DefaultWeights
			dw.Priority = 0
			p := &stable.Problem{Cap: capR, Need: need, R: c.R, D: c.D, DemandPref: make([]int64, len(c.R)), ResourcePref: make([]int64, len(c.R))}
			edge := map[Pair]int{}
			for e := range c.R {
				p.DemandPref[e] = int64(scoreOf(c.Terms[e], dw.list()))
				p.ResourcePref[e] = int64(scoreOf(c.Terms[e], DefaultWeights.list()))
				edge[Pair{in.resID(int(c.R[e])), in.demID(int(c.D[e]))}] = e
			}
			flowOut := make([]int64, len(c.R))
			for _, pr := range res.Proposals {
				e, ok := edge[Pair{pr.Resource, pr.Demand}]
				if !ok {
					t.Fatalf("%s: proposal %s → %s is not a candidate", a.ID, pr.Resource, pr.Demand)
				}
				flowOut[e] = pr.Quantity
			}
			if bp := stable.BlockingPairs(p, flowOut); len(bp) > 0 {
				t.Errorf("%s: %d blocking pairs", a.ID, len(bp))
			}
			if len(res.Proposals) > 0 {
				pr := res.Proposals[0]
				e := edge[Pair{pr.Resource, pr.Demand}]
				flowOut[e]--
				bp := in.blockingPairs(p, c, flowOut)
				if !slices.ContainsFunc(bp, func(b BlockingPair) bool {
					return b.Resource == pr.Resource && b.Demand == pr.Demand && b.Quantity == pr.Quantity-1 && b.ResourceSpare >= 1 && b.DemandUnmet >= 1
				}) {
					t.Errorf("%s: one unit of %s → %s taken back: blocking pairs %+v", a.ID, pr.Resource, pr.Demand, bp)
				}
				cut++
			}
		}
	}
	if withProjects == 0 || cut == 0 {
		t.Fatal("no project slot or no proposal: not a test")
	}
}

func TestSettingsValidate(t *testing.T) {
	cases := []struct {
		give Settings
		want string
	}{
		{DefaultSettings(), ""},
		{Settings{Mode: "fastest", Weights: DefaultWeights}, "mode"},
		{Settings{Mode: Welfare, Weights: Weights{Text: 101}}, "weights.text"},
		{Settings{Mode: Welfare, Weights: DefaultWeights, Relevance: Relevance{Link: 1001}}, "relevance.link"},
		{Settings{Mode: Welfare}, "weights"},
	}
	for _, tc := range cases {
		err := tc.give.Validate()
		if tc.want == "" {
			if err != nil {
				t.Errorf("%+v: %v, want nil", tc.give, err)
			}
			continue
		}
		if err == nil || !bytes.Contains([]byte(err.Error()), []byte(tc.want)) {
			t.Errorf("%+v: error %v, want one naming %s", tc.give, err, tc.want)
		}
	}
	sn := bananStore(t).Snapshot()
	if _, err := Run(ctx, sn.Reader, sn.Vocab, "nowhere", DefaultSettings()); matcher.ErrorCode(err) != matcher.ENOTFOUND {
		t.Errorf("Run(unknown meeting) = %v, want not found", err)
	}
}

func TestGramsChinese(t *testing.T) {
	a := grams("晚间护送学生回家", "护学")
	b := grams("爱心护学队", "护学", "志愿者")
	c := grams("防汛物资", "沙袋")
	if dice(a, b) <= dice(a, c) {
		t.Errorf("dice(escort, escort team) = %d is not above dice(escort, flood goods) = %d", dice(a, b), dice(a, c))
	}
	if got := dice(a, a); got != 1000 {
		t.Errorf("dice(a, a) = %d, want 1000", got)
	}
	if got := dice(a, nil); got != 0 {
		t.Errorf("dice(a, nil) = %d, want 0", got)
	}
}

func TestDistanceKM(t *testing.T) {
	// Longhua community to Tangwan village, about 30 km apart.
	got := DistanceKM(matcher.GeoPoint{Lat: 29.35, Lon: 106.53}, matcher.GeoPoint{Lat: 29.24, Lon: 106.76})
	if got < 24 || got > 26 {
		t.Errorf("DistanceKM = %.2f, want about 25", got)
	}
	if d := DistanceKM(matcher.GeoPoint{Lat: 29, Lon: 106}, matcher.GeoPoint{Lat: 29, Lon: 106}); d != 0 {
		t.Errorf("DistanceKM(p, p) = %v, want 0", d)
	}
}

func TestTimeShareLongWindows(t *testing.T) {
	day := 24 * time.Hour
	from := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	dem := []matcher.Window{{From: from, To: from.Add(365 * day)}}
	cases := []struct {
		res  []matcher.Window
		want int
	}{
		{[]matcher.Window{{From: from, To: from.Add(365 * day)}}, 1000},
		{[]matcher.Window{{From: from, To: from.Add(73 * day)}}, 200},
		{[]matcher.Window{{From: from.Add(-400 * day), To: from.Add(-300 * day)}}, 0},
		{nil, 1000},
	}
	for _, tc := range cases {
		if got := timeShare(dem, tc.res); got != tc.want {
			t.Errorf("timeShare(1 year, %v) = %d, want %d", tc.res, got, tc.want)
		}
	}
}

// TestGeneratedMeetingsFeasible runs every meeting of generated data (long
// time windows, grid-only units, projects) and checks every plan.
func TestGeneratedMeetingsFeasible(t *testing.T) {
	sn := genStore(t, 1000, 3).Snapshot()
	proposals := 0
	for a := range sn.Alliances() {
		res := mustRun(t, sn, a.ID, Welfare)
		checkFeasible(t, sn.Reader, res)
		proposals += len(res.Proposals)
	}
	if proposals == 0 {
		t.Fatal("no proposals on generated data")
	}
}

// TestTermsTable: every score term has its own weight field, and Weight
// finds each by name.
func TestTermsTable(t *testing.T) {
	var w Weights
	for i, name := range Terms {
		p, ok := w.Weight(name)
		if !ok {
			t.Fatalf("no weight for term %s", name)
		}
		*p = i + 1
	}
	for i, v := range w.list() {
		if v != i+1 {
			t.Fatalf("weights by index = %v: term %s does not set its own field", w.list(), Terms[i])
		}
	}
	if _, ok := w.Weight("nope"); ok {
		t.Fatal("Weight found a term that is none")
	}
	b := breakdown(termValues{1000, 1000, 1000, 1000, 1000, 1000, 1000}, w.list())
	for i, st := range b {
		if st.Name != Terms[i] || st.Weight != i+1 {
			t.Fatalf("breakdown[%d] = %+v, want term %s weight %d", i, st, Terms[i], i+1)
		}
	}
}

// TestStablePartsAsWhole: deferred acceptance split into components gives
// the flow of one solve of the whole problem, edge by edge, on every
// meeting of a generated district.
func TestStablePartsAsWhole(t *testing.T) {
	sn := genStore(t, 1000, 5).Snapshot()
	parts := 0
	for a := range sn.Alliances() {
		scope, err := ResolveScope(sn.Reader, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		in := buildInstance(sn.Reader, sn.Vocab, scope)
		in.minText = DefaultRelevance
		c := in.generate()
		capR, need := make([]int64, len(in.resources)), make([]int64, len(in.demands))
		for i := range in.resources {
			capR[i] = max(0, in.resources[i].remaining)
		}
		for i := range in.demands {
			need[i] = in.demands[i].remaining
		}
		old := stableSerialEdges
		stableSerialEdges = 0
		split, ok, p, n, err := solveStable(ctx, c, DefaultWeights, capR, need)
		stableSerialEdges = old
		if err != nil || !ok {
			t.Fatalf("%s: %v %v", a.ID, ok, err)
		}
		whole, err := stable.Solve(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(split, whole.Flow) {
			t.Fatalf("%s: %d components: the split flow differs from the whole solve's", a.ID, n)
		}
		parts += n
	}
	if parts < 20 {
		t.Fatalf("only %d components in all: the split was hardly tried", parts)
	}
}
