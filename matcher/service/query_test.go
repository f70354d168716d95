package service

import (
	"slices"
	"strings"
	"testing"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/match"
	"golang.org/x/text/width"
)

// A meeting's claims are searched, filtered, sorted and paged on the
// server; the pages together hold every claim once; another meeting's
// coordinator finds no such meeting.
func TestMeetingClaims(t *testing.T) {
	s := newService(t)
	lh := matcher.Coordinator("lh")
	p := mustPropose(t, s, lh, "lh")
	all, err := s.MeetingClaims(lh, "lh", ClaimQuery{Page: Page{Limit: MaxPageSize}})
	if err != nil {
		t.Fatal(err)
	}
	if all.Total < len(p.Claims) || all.ByStatus[matcher.ClaimProposed] != len(p.Claims) {
		t.Fatalf("total %d, proposed %d; want at least the %d proposals", all.Total, all.ByStatus[matcher.ClaimProposed], len(p.Claims))
	}
	// Pages of 4 hold every claim once, in the same order.
	var paged []string
	for off := 0; off < all.Total; off += 4 {
		pg, err := s.MeetingClaims(lh, "lh", ClaimQuery{Page: Page{Offset: off, Limit: 4}})
		if err != nil || pg.Total != all.Total || len(pg.Claims) > 4 {
			t.Fatalf("page at %d: %d claims of %d, %v", off, len(pg.Claims), pg.Total, err)
		}
		for _, c := range pg.Claims {
			paged = append(paged, c.ID)
		}
	}
	var ids []string
	for _, c := range all.Claims {
		ids = append(ids, c.ID)
	}
	if !slices.Equal(paged, ids) {
		t.Errorf("pages %v, want %v", paged, ids)
	}
	// By demand unit name (the default): grouped by unit.
	seen := map[string]bool{}
	for i, c := range all.Claims {
		if i > 0 && all.Claims[i-1].DemandUnit != c.DemandUnit && seen[c.DemandUnit] {
			t.Errorf("claims of %s are not together", c.DemandUnit)
		}
		seen[c.DemandUnit] = true
	}
	// Filters.
	one := all.Claims[0]
	dem, _ := s.Store.Snapshot().Item(one.Demand)
	for _, c := range []struct {
		name string
		q    ClaimQuery
		keep func(*matcher.Claim) bool
	}{
		{"status", ClaimQuery{Statuses: []matcher.ClaimStatus{matcher.ClaimConfirmed}}, func(c *matcher.Claim) bool { return c.Status == matcher.ClaimConfirmed }},
		{"unit id", ClaimQuery{Unit: one.DemandUnit}, func(c *matcher.Claim) bool { return c.DemandUnit == one.DemandUnit || c.ResourceUnit == one.DemandUnit }},
		{"unanswered", ClaimQuery{Answer: AnswerNone}, func(c *matcher.Claim) bool { return c.Status == matcher.ClaimProposed && len(c.AcceptedBy) == 0 }},
		{"category", ClaimQuery{Category: dem.Category}, func(c *matcher.Claim) bool {
			d, _ := s.Store.Snapshot().Item(c.Demand)
			return d.Category == dem.Category
		}},
		{"text: the demand's title", ClaimQuery{Text: dem.Title}, nil},
	} {
		got, err := s.MeetingClaims(lh, "lh", ClaimQuery{Statuses: c.q.Statuses, Unit: c.q.Unit, Answer: c.q.Answer, Category: c.q.Category, Text: c.q.Text, Page: Page{Limit: MaxPageSize}})
		if err != nil {
			t.Fatal(err)
		}
		if c.keep == nil {
			if !slices.ContainsFunc(got.Claims, func(x *matcher.Claim) bool { return x.ID == one.ID }) {
				t.Errorf("%s: %d claims, without %s", c.name, got.Total, one.ID)
			}
			continue
		}
		want := 0
		for _, x := range all.Claims {
			if c.keep(x) {
				want++
			}
		}
		if got.Total != want {
			t.Errorf("%s: %d claims, want %d", c.name, got.Total, want)
		}
		for _, x := range got.Claims {
			if !c.keep(x) {
				t.Errorf("%s: %s does not pass", c.name, x.ID)
			}
		}
	}
	// A unit's name in part, folded full-width: its claims.
	name := s.Store.Snapshot().UnitRaw(one.DemandUnit).Name
	part := []rune(name)
	got, _ := s.MeetingClaims(lh, "lh", ClaimQuery{Unit: string(part[len(part)-3:]), Page: Page{Limit: MaxPageSize}})
	if !slices.ContainsFunc(got.Claims, func(x *matcher.Claim) bool { return x.ID == one.ID }) {
		t.Errorf("unit %q: %d claims, without %s", string(part[len(part)-3:]), got.Total, one.ID)
	}
	if got, _ := s.MeetingClaims(lh, "lh", ClaimQuery{Text: "ＬＨ", Page: Page{Limit: MaxPageSize}}); got.Total == 0 {
		t.Error("a full-width ＬＨ finds nothing")
	}
	// By score: highest first.
	byScore, _ := s.MeetingClaims(lh, "lh", ClaimQuery{Sort: ClaimSortScore, Page: Page{Limit: MaxPageSize}})
	if !slices.IsSortedFunc(byScore.Claims, func(a, b *matcher.Claim) int { return b.Score - a.Score }) {
		t.Error("by score: not highest first")
	}
	// Another alliance's coordinator: no such meeting.
	if _, err := s.MeetingClaims(matcher.Coordinator("tw"), "lh", ClaimQuery{}); matcher.ErrorCode(err) != matcher.ENOTFOUND {
		t.Errorf("tw's coordinator on lh: %v, want not found", err)
	}
}

// A meeting's units and items come with their numbers, searched and
// filtered; the items a unit may claim are the ones it could claim by
// hand.
func TestMeetingUnitsAndItems(t *testing.T) {
	s := newService(t)
	lh := matcher.Coordinator("lh")
	mustPropose(t, s, lh, "lh")
	units, err := s.MeetingUnits(lh, "lh", UnitQuery{Page: Page{Limit: MaxPageSize}})
	if err != nil {
		t.Fatal(err)
	}
	sn := s.Store.Snapshot()
	scope, _ := match.ResolveScope(sn.Reader, "lh")
	if units.Total != len(scope.Units()) {
		t.Errorf("%d units, want the scope's %d", units.Total, len(scope.Units()))
	}
	waiting, _ := s.MeetingUnits(lh, "lh", UnitQuery{Waiting: true, Sort: UnitSortWaiting, Page: Page{Limit: MaxPageSize}})
	if waiting.Total == 0 || waiting.Total > units.Total || waiting.Units[0].Waiting < waiting.Units[len(waiting.Units)-1].Waiting {
		t.Errorf("units waiting: %d of %d, not most waiting first", waiting.Total, units.Total)
	}
	school, _ := s.MeetingUnits(lh, "lh", UnitQuery{Text: "中学"})
	if school.Total != 1 || school.Units[0].Unit.ID != "lh-school" {
		t.Errorf("中学: %+v", school.Units)
	}

	items, err := s.MeetingItems(lh, "lh", ItemQuery{Kind: matcher.Demand, Unit: "lh-school", Page: Page{Limit: MaxPageSize}})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for it := range sn.ItemsOf("lh-school") {
		if it.Kind == matcher.Demand {
			n++
		}
	}
	if items.Total != n {
		t.Errorf("lh-school's demands: %d, want %d", items.Total, n)
	}
	for _, r := range items.Items {
		if r.Item.Unit != "lh-school" || r.Item.Kind != matcher.Demand || r.Held != sn.Held(r.Item) {
			t.Errorf("row %+v", r)
		}
	}
	if _, err := s.MeetingItems(matcher.UnitActor("lh-school"), "lh", ItemQuery{}); matcher.ErrorCode(err) != matcher.ENOTFOUND {
		t.Errorf("a unit lists a meeting's items: %v", err)
	}

	school1 := matcher.UnitActor("lh-school")
	open, err := s.ClaimableItems(school1, "lh-school", ItemQuery{Kind: matcher.Resource, Page: Page{Limit: MaxPageSize}})
	if err != nil || open.Total == 0 {
		t.Fatalf("claimable resources: %v %v", open, err)
	}
	for _, r := range open.Items {
		if r.Item.Unit == "lh-school" || r.Item.Status != matcher.ItemOpen || r.Open() <= 0 || !matcher.CanSeeItem(sn.Reader, school1, r.Item) {
			t.Errorf("claimable %s (%s, %s, open %d)", r.Item.ID, r.Item.Unit, r.Item.Status, r.Open())
		}
	}
	if _, err := s.ClaimableItems(school1, "lh-bank", ItemQuery{}); matcher.ErrorCode(err) != matcher.ENOTFOUND {
		t.Errorf("another unit's claimable items: %v", err)
	}
}

// The unmet demands are those of a new solve, with their shortfall; the
// largest share open comes first; measures are tallied apart.
func TestMeetingUnmetAndSummary(t *testing.T) {
	s := newService(t)
	lh := matcher.Coordinator("lh")
	sn := s.Store.Snapshot()
	res, err := match.Run(ctx, sn.Reader, sn.Vocab, "lh", match.DefaultSettings())
	if err != nil {
		t.Fatal(err)
	}
	u, err := s.MeetingUnmet(ctx, lh, "lh", UnmetQuery{Page: Page{Limit: MaxPageSize}})
	if err != nil {
		t.Fatal(err)
	}
	if u.Total != len(res.Unmet) || u.Seq != sn.Seq {
		t.Fatalf("%d unmet at %d, want the solve's %d at %d", u.Total, u.Seq, len(res.Unmet), sn.Seq)
	}
	for i, r := range u.Rows {
		if r.Open != r.Need-r.Met {
			t.Errorf("%s: open %d, want %d − %d", r.Demand, r.Open, r.Need, r.Met)
		}
		if i > 0 {
			prev := u.Rows[i-1]
			if float64(prev.Open)/float64(prev.Need) < float64(r.Open)/float64(r.Need) {
				t.Errorf("%s before %s: a smaller share open first", prev.Demand, r.Demand)
			}
		}
	}
	measures := map[string]bool{}
	for _, m := range u.ByMeasure {
		if measures[m.Measure] {
			t.Errorf("measure %q tallied twice", m.Measure)
		}
		measures[m.Measure] = true
	}
	sum, err := s.MeetingSummary(ctx, lh, "lh", 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Unmet.Rows) != min(5, u.Total) || sum.Units == 0 || sum.Demands == 0 {
		t.Errorf("summary: %d unmet rows, %d units, %d demands", len(sum.Unmet.Rows), sum.Units, sum.Demands)
	}
	if !strings.HasPrefix(sum.Meeting, "lh") {
		t.Errorf("summary of %s", sum.Meeting)
	}
}

// A meeting's events, newest first, only those of the meeting.
func TestMeetingEvents(t *testing.T) {
	s := newService(t)
	lh := matcher.Coordinator("lh")
	p := mustPropose(t, s, lh, "lh")
	mustPropose(t, s, matcher.Coordinator("tw"), "tw")
	if _, err := s.AnswerClaim(ctx, matcher.UnitActor(p.Claims[0].DemandUnit), p.Claims[0].ID, Accept, "", ""); err != nil {
		t.Fatal(err)
	}
	pg, err := s.MeetingEvents(lh, "lh", EventQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(pg.Events) < 2 || pg.Events[0].Action != "claim.accept" {
		t.Fatalf("events: %+v", pg.Events)
	}
	for i, ev := range pg.Events {
		if i > 0 && ev.Seq >= pg.Events[i-1].Seq {
			t.Errorf("not newest first: %d after %d", ev.Seq, pg.Events[i-1].Seq)
		}
		if ev.Actor == "coordinator:tw" {
			t.Errorf("tw's event %d on lh's page", ev.Seq)
		}
	}
	claims, _ := s.MeetingEvents(lh, "lh", EventQuery{Action: "claim"})
	if len(claims.Events) != 1 {
		t.Errorf("claim events: %d, want the accept", len(claims.Events))
	}
}

// The report counts demands and adds quantities per measure only: each
// row's measures are distinct, and a measure's total is the sum of that
// measure's demands alone.
func TestReportByMeasure(t *testing.T) {
	s := newService(t)
	rep, err := s.MeetingReport(matcher.Coordinator("lh"), "lh")
	if err != nil {
		t.Fatal(err)
	}
	sn := s.Store.Snapshot()
	scope, _ := match.ResolveScope(sn.Reader, "lh")
	demands, need := 0, map[string]int64{}
	for _, u := range scope.Units() {
		for it := range sn.ItemsOf(u) {
			if it.Kind == matcher.Demand && it.Level == matcher.Community && it.Status != matcher.ItemPaused {
				demands++
				need[it.Measure] += it.Quantity
			}
		}
	}
	if rep.Total.Demands != demands || rep.Total.Met+rep.Total.Partly > demands {
		t.Errorf("total: %d demands (%d met, %d in part), want %d", rep.Total.Demands, rep.Total.Met, rep.Total.Partly, demands)
	}
	if len(rep.Total.Measures) != len(need) || len(need) < 2 {
		t.Fatalf("measures %+v, want %v", rep.Total.Measures, need)
	}
	for _, m := range rep.Total.Measures {
		if m.Need != need[m.Measure] || m.Met > m.Need {
			t.Errorf("%s: need %d met %d, want need %d", m.Measure, m.Need, m.Met, need[m.Measure])
		}
	}
	for k, tl := range rep.ByCategory {
		seen := map[string]bool{}
		for _, m := range tl.Measures {
			if seen[m.Measure] {
				t.Errorf("category %s: %s twice", k, m.Measure)
			}
			seen[m.Measure] = true
		}
	}
}

// fold skips the width transform for a text with nothing to fold, and
// answers what the transform would.
func TestFold(t *testing.T) {
	for _, s := range []string{"ＬＨ-Ｄ０１", "龙华社区（第一）网格", "ｶﾀｶﾅ", "Hello World", "　全角空格", "￥100", "⦅x⦆", "ＡＢＣ龙", "lh-school", ""} {
		if got, want := fold(s), strings.ToLower(width.Fold.String(s)); got != want {
			t.Errorf("fold(%q) = %q, want %q", s, got, want)
		}
	}
	if n := testing.AllocsPerRun(10, func() { fold("龙华社区第一网格 lh-school") }); n != 0 {
		t.Errorf("fold of a text with nothing to fold: %v allocations, want 0", n)
	}
}

// Meetings lists what the caller may run, narrowed by level and text;
// ActorName names the caller's unit or alliance.
func TestMeetingsAndActorName(t *testing.T) {
	s := newService(t)
	ids := func(a matcher.Actor, q MeetingQuery) (out []string) {
		for _, al := range s.Meetings(a, q) {
			out = append(out, al.ID)
		}
		return out
	}
	for _, tc := range []struct {
		a    matcher.Actor
		q    MeetingQuery
		want []string
	}{
		{matcher.Coordinator("st-lzw"), MeetingQuery{}, []string{"lh", "lzwc", "st-lzw"}},
		{matcher.Coordinator("st-lzw"), MeetingQuery{Level: matcher.Community}, []string{"lh", "lzwc"}},
		{matcher.Coordinator("st-lzw"), MeetingQuery{Text: "龙华"}, []string{"lh"}},
		{matcher.Coordinator("st-lzw"), MeetingQuery{Text: "LZWC"}, []string{"lzwc"}},
		{matcher.Coordinator("lh"), MeetingQuery{}, []string{"lh"}},
		{matcher.UnitActor("lh-school"), MeetingQuery{}, nil},
		{matcher.Admin, MeetingQuery{Level: matcher.District}, []string{"bn-district", "bn-water"}},
	} {
		if got := ids(tc.a, tc.q); !slices.Equal(got, tc.want) {
			t.Errorf("%s %+v: %v, want %v", tc.a, tc.q, got, tc.want)
		}
	}
	for a, want := range map[matcher.Actor]string{
		matcher.Coordinator("lh"):      "龙华社区“1+X”党建联盟",
		matcher.Coordinator("gone"):    "gone",
		matcher.UnitActor("gone"):      "gone",
		matcher.UnitActor("lh-school"): "龙洲湾中学",
		matcher.Admin:                  "",
	} {
		if got := s.ActorName(a); got != want {
			t.Errorf("ActorName(%s) = %q, want %q", a, got, want)
		}
	}
}
