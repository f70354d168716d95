package service

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/store"
)

var lhP01 = []string{"LH-P01-S1", "LH-P01-S2", "LH-P01-S3", "LH-P01-S4"}

// levelsOf returns the levels of items, as "ID=level".
func levelsOf(tb testing.TB, s *Service, ids ...string) []string {
	tb.Helper()
	sn := s.Store.Snapshot()
	var out []string
	for _, id := range ids {
		it, err := sn.Item(id)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, id+"="+string(it.Level))
	}
	return out
}

func at(level matcher.Level, ids ...string) []string {
	var out []string
	for _, id := range ids {
		out = append(out, id+"="+string(level))
	}
	return out
}

// lastEvent returns the store's last audit event.
func lastEvent(tb testing.TB, s *Service) matcher.Event {
	tb.Helper()
	evs, err := s.Store.Events(s.Store.Seq()-1, 1, nil)
	if err != nil || len(evs) != 1 {
		tb.Fatalf("last event: %v, %v", evs, err)
	}
	return evs[0]
}

// put writes records as the system, outside the service (the test's
// own edits).
func put(tb testing.TB, s *Service, fn func(tx *store.Tx) error) {
	tb.Helper()
	if _, err := s.Store.Update(ctx, "system", "test.edit", nil, fn); err != nil {
		tb.Fatal(err)
	}
}

// TestEscalateImplicit: with no body, a meeting moves the unmet demands
// its last proposal run saw, each project whole; what was added or changed
// since is held back and said so.
func TestEscalateImplicit(t *testing.T) {
	t.Run("no run stored: nothing moves", func(t *testing.T) {
		s := newService(t)
		seq := s.Store.Seq()
		esc, err := s.Escalate(ctx, matcher.Coordinator("lh"), "lh")
		if err != nil || len(esc.Items) != 0 || esc.Run != 0 || len(esc.Held) == 0 || s.Store.Seq() != seq {
			t.Fatalf("Escalate = %+v, %v (seq %d → %d); want nothing moved, every unmet demand held, nothing written", esc, err, seq, s.Store.Seq())
		}
		if h := esc.Held[0]; h.Item != "LH-D01" || h.Reason != HeldUnseen || h.Detail != "the meeting of lh has stored no proposal run: propose first, or name LH-D01" {
			t.Errorf("first held = %+v", h)
		}
	})
	t.Run("what the run saw moves, a demand added since stays", func(t *testing.T) {
		s := newService(t)
		mustPropose(t, s, matcher.Coordinator("lh"), "lh")
		run := s.Store.Seq()
		if _, err := s.CreateItem(ctx, matcher.UnitActor("lh-school"), "lh-school", matcher.Item{ID: "LH-D20", Kind: matcher.Demand,
			Category: "tutoring", Title: "初三周末数学辅导", Quantity: 4}); err != nil {
			t.Fatal(err)
		}
		esc, err := s.Escalate(ctx, matcher.Coordinator("lh"), "lh")
		if err != nil {
			t.Fatal(err)
		}
		want := &Escalated{From: matcher.Community, To: matcher.Street, Items: append([]string{"LH-D07", "LH-D10"}, lhP01...),
			Projects: []string{"LH-P01"}, Run: run,
			Held: []Held{{Item: "LH-D20", Reason: HeldUnseen,
				Detail: fmt.Sprintf("LH-D20 was added or changed (store index %d) after the meeting's last proposal run (%d): propose again, or name it", run+1, run)},
				{Item: "LH-P02-S3", Reason: HeldProject,
					Detail: fmt.Sprintf("slot LH-P02-S1 of project LH-P02 has claim lh.%d.9 waiting for an answer, and a project moves whole: answer it, or let the next proposal run replace it, first", run)}}}
		if !reflect.DeepEqual(esc, want) {
			t.Errorf("Escalate =\n%+v\nwant\n%+v", esc, want)
		}
		if got := levelsOf(t, s, append(want.Items, "LH-D20", "LH-D04")...); !slices.Equal(got, append(at(matcher.Street, want.Items...), "LH-D20=community", "LH-D04=community")) {
			t.Errorf("levels after: %v", got)
		}
		if ev := lastEvent(t, s); ev.Action != "meeting.escalate" || ev.Actor != "coordinator:lh" || ev.Count != 6 || !slices.Equal(ev.Alliances, []string{"lh"}) {
			t.Errorf("event = %+v, want coordinator:lh's meeting.escalate of 6 items", ev)
		}
	})
	t.Run("a project with a slot changed since stays whole", func(t *testing.T) {
		s := newService(t)
		mustPropose(t, s, matcher.Coordinator("lh"), "lh")
		run := s.Store.Seq()
		put(t, s, func(tx *store.Tx) error {
			it, _ := tx.Item("LH-P01-S3")
			c := *it
			c.Title = "四点半课堂课后点心（牛奶面包）"
			return tx.PutItem(c)
		})
		esc, err := s.Escalate(ctx, matcher.Coordinator("lh"), "lh")
		if err != nil {
			t.Fatal(err)
		}
		detail := fmt.Sprintf("LH-P01-S3 was added or changed (store index %d) after the meeting's last proposal run (%d): propose again, or name it (project LH-P01 moves whole)", run+1, run)
		var want []Held
		for _, id := range lhP01 {
			want = append(want, Held{Item: id, Reason: HeldUnseen, Detail: detail})
		}
		if !slices.Equal(esc.Items, []string{"LH-D07", "LH-D10"}) || !reflect.DeepEqual(esc.Held[:len(want)], want) {
			t.Errorf("Escalate = items %v held %+v; want LH-D07 and LH-D10 moved, LH-P01 held whole (%s)", esc.Items, esc.Held, detail)
		}
		if got := levelsOf(t, s, lhP01...); !slices.Equal(got, at(matcher.Community, lhP01...)) {
			t.Errorf("LH-P01 after: %v", got)
		}
	})
}

// TestEscalateItems: the meeting names what goes up; a slot names its
// whole project; anything wrong refuses it all, naming items[i].
func TestEscalateItems(t *testing.T) {
	s := newService(t)
	lh := matcher.Coordinator("lh")
	p := mustPropose(t, s, lh, "lh")
	confirm(t, s, claimOn(t, p, "LH-D05")) // met in full
	waiting := claimOn(t, p, "LH-D01")
	slotWaiting := claimOn(t, p, "LH-P02-S1")
	cases := []struct {
		name                    string
		actor                   matcher.Actor
		meeting                 string
		items                   []string
		expectCode, expectField string
		expectDetail            string
	}{
		{"none named", lh, "lh", []string{}, matcher.EINVALID, "items", "name at least one demand, or send no body to move every unmet demand the meeting has seen"},
		{"named twice", lh, "lh", []string{"LH-D10", "LH-D10"}, matcher.EINVALID, "items[1]", `"LH-D10" is named twice (also items[0])`},
		{"absent", lh, "lh", []string{"LH-D10", "LH-D404"}, matcher.ENOTFOUND, "items[1]", `no demand "LH-D404" in the meeting of lh`},
		{"foreign", lh, "lh", []string{"TW-D01"}, matcher.ENOTFOUND, "items[0]", `no demand "TW-D01" in the meeting of lh`},
		{"another community's, named by the street", matcher.Coordinator("st-lzw"), "lh", []string{"LZWC-D01"}, matcher.ENOTFOUND, "items[0]", `no demand "LZWC-D01" in the meeting of lh`},
		{"a resource", lh, "lh", []string{"LH-R12"}, matcher.EINVALID, "items[0]", "LH-R12 is a resource; only demands go up"},
		{"a claim waits", lh, "lh", []string{"LH-D01"}, matcher.ECONFLICT, "items[0]",
			fmt.Sprintf("claim %s on LH-D01 waits for an answer: answer it, or let the next proposal run replace it, first", waiting.ID)},
		{"met in full", lh, "lh", []string{"LH-D05"}, matcher.ECONFLICT, "items[0]", "LH-D05 is met in full (2 of 2)"},
		{"a project slot alone", lh, "lh", []string{"LH-P02-S3"}, matcher.ECONFLICT, "items[0]",
			fmt.Sprintf("slot LH-P02-S1 of project LH-P02 has claim %s waiting for an answer, and a project moves whole: answer it, or let the next proposal run replace it, first", slotWaiting.ID)},
		{"the kind before the state", lh, "lh", []string{"LH-D01", "LH-R12"}, matcher.EINVALID, "items[1]", "LH-R12 is a resource; only demands go up"},
		{"a unit", matcher.UnitActor("lh-committee"), "lh", []string{"LH-D10"}, matcher.ENOTFOUND, "", `meeting "lh" not found`},
		{"a foreign coordinator", matcher.Coordinator("tw"), "lh", []string{"LH-D10"}, matcher.ENOTFOUND, "", `meeting "lh" not found`},
		{"the district", matcher.Admin, "bn-district", []string{"LH-D10"}, matcher.ECONFLICT, "", "bn-district is a district meeting: there is no level above it"},
	}
	for _, tc := range cases {
		refuse(t, s, tc.name, tc.expectCode, tc.expectField, func() error {
			_, err := s.EscalateItems(ctx, tc.actor, tc.meeting, tc.items)
			if e := matcher.FieldErrors(err); len(e) != 1 || e[0].Message != tc.expectDetail {
				t.Errorf("%s: %v, want the one problem %q", tc.name, err, tc.expectDetail)
			}
			return err
		})
	}

	esc, err := s.EscalateItems(ctx, lh, "lh", []string{"LH-P01-S2", "LH-D10"})
	want := &Escalated{From: matcher.Community, To: matcher.Street, Items: append([]string{"LH-D10"}, lhP01...), Projects: []string{"LH-P01"}}
	if err != nil || !reflect.DeepEqual(esc, want) {
		t.Fatalf("EscalateItems = %+v, %v; want %+v", esc, err, want)
	}
	if got := levelsOf(t, s, want.Items...); !slices.Equal(got, at(matcher.Street, want.Items...)) {
		t.Errorf("levels: %v", got)
	}
	refuse(t, s, "again", matcher.ECONFLICT, "items[0]", func() error {
		_, err := s.EscalateItems(ctx, lh, "lh", []string{"LH-D10"})
		return err
	})
	// The street meeting moves it on to the district.
	esc, err = s.EscalateItems(ctx, matcher.Coordinator("st-lzw"), "st-lzw", []string{"LH-D10"})
	if err != nil || esc.From != matcher.Street || esc.To != matcher.District || !slices.Equal(esc.Items, []string{"LH-D10"}) {
		t.Errorf("the street escalates LH-D10 = %+v, %v; want it at the district", esc, err)
	}
	checkNoOverclaim(t, s.Store.Snapshot().Reader)
}

// TestEscalationNeverSplitsAProject: whatever is escalated, named or not,
// every project's slots sit at one level.
func TestEscalationNeverSplitsAProject(t *testing.T) {
	s := newService(t)
	mustPropose(t, s, matcher.Admin, "lh")
	s.EscalateItems(ctx, matcher.Admin, "lh", []string{"LH-P02-S2"}) // refused: a slot waits
	s.Escalate(ctx, matcher.Admin, "lh")
	mustPropose(t, s, matcher.Admin, "st-lzw")
	s.Escalate(ctx, matcher.Admin, "st-lzw")
	sn := s.Store.Snapshot()
	for p := range sn.Projects() {
		levels := map[matcher.Level][]string{}
		for sl := range sn.Slots(p.ID) {
			levels[sl.Level] = append(levels[sl.Level], sl.ID)
		}
		if len(levels) > 1 {
			t.Errorf("project %s is split: %v", p.ID, levels)
		}
	}
}

// upperProposal stores a proposal of meeting on demand (with any
// compatible resource), as that meeting's solver would.
func upperProposal(tb testing.TB, s *Service, meeting, demand string) matcher.Claim {
	tb.Helper()
	sn := s.Store.Snapshot()
	dem, _ := sn.Item(demand)
	for res := range sn.Items() {
		if res.Kind != matcher.Resource || res.Unit == dem.Unit || !sn.Vocab.Compatible(res.Category, dem.Category) {
			continue
		}
		now := s.now()
		c := matcher.Claim{ID: meeting + ".test.1", Resource: res.ID, Demand: dem.ID, ResourceUnit: res.Unit, DemandUnit: dem.Unit,
			Quantity: 1, Origin: matcher.OriginSolver, Status: matcher.ClaimProposed, Meeting: meeting, Run: 1, Created: now, Updated: now}
		put(tb, s, func(tx *store.Tx) error { return tx.PutClaim(c) })
		return c
	}
	tb.Fatalf("no resource for %s", demand)
	return matcher.Claim{}
}

// TestReturnItem: a demand (or a whole project) comes back down until the
// meeting above has a claim on it.
func TestReturnItem(t *testing.T) {
	s := newService(t)
	lh := matcher.Coordinator("lh")
	p := mustPropose(t, s, lh, "lh")
	confirm(t, s, claimOn(t, p, "LH-D02")) // 6 of 20 held at the community
	if _, err := s.EscalateItems(ctx, lh, "lh", []string{"LH-P01-S1", "LH-D10", "LH-D02"}); err != nil {
		t.Fatal(err)
	}
	upper := upperProposal(t, s, "st-lzw", "LH-D10")
	cases := []struct {
		name                    string
		actor                   matcher.Actor
		id                      string
		expectCode, expectField string
		expectDetail            string
	}{
		{"the unit itself", matcher.UnitActor("lh-committee"), "LH-P01-S1", matcher.EFORBIDDEN, "", "the meeting brings a demand back: a coordinator of the meeting it returns to"},
		{"a unit, for a community demand", matcher.UnitActor("lh-school"), "LH-D01", matcher.EFORBIDDEN, "", "the meeting brings a demand back: a coordinator of the meeting it returns to"},
		{"a foreign coordinator", matcher.Coordinator("tw"), "LH-P01-S1", matcher.ENOTFOUND, "", `item "LH-P01-S1" not found`},
		{"absent", lh, "LH-D404", matcher.ENOTFOUND, "", `item "LH-D404" not found`},
		{"a resource", lh, "LH-R12", matcher.EINVALID, "id", "LH-R12 is a resource; only demands go up and come back"},
		{"at the community level", lh, "LH-D01", matcher.ECONFLICT, "id", "LH-D01 sits at community level: there is no meeting below"},
		{"the street has a claim on it", lh, "LH-D10", matcher.ECONFLICT, "id",
			fmt.Sprintf("the street meeting st-lzw has claim %s (proposed) on LH-D10: it stays at street level", upper.ID)},
	}
	for _, tc := range cases {
		refuse(t, s, tc.name, tc.expectCode, tc.expectField, func() error {
			_, err := s.ReturnItem(ctx, tc.actor, tc.id)
			if e := matcher.FieldErrors(err); len(e) != 1 || e[0].Message != tc.expectDetail {
				t.Errorf("%s: %v, want %q", tc.name, err, tc.expectDetail)
			}
			return err
		})
	}

	// A slot brings its whole project back.
	ret, err := s.ReturnItem(ctx, lh, "LH-P01-S4")
	want := &Returned{From: matcher.Street, To: matcher.Community, Items: lhP01, Project: "LH-P01"}
	if err != nil || !reflect.DeepEqual(ret, want) {
		t.Fatalf("ReturnItem(LH-P01-S4) = %+v, %v; want %+v", ret, err, want)
	}
	if got := levelsOf(t, s, lhP01...); !slices.Equal(got, at(matcher.Community, lhP01...)) {
		t.Errorf("LH-P01 after: %v", got)
	}
	if ev := lastEvent(t, s); ev.Action != "item.return" || ev.Actor != "coordinator:lh" || ev.Count != 4 || !slices.Equal(ev.Alliances, []string{"lh", "st-lzw"}) {
		t.Errorf("event = %+v, want coordinator:lh's item.return of 4 items, for lh and st-lzw", ev)
	}
	// The community's own confirmed claim does not hold it up there.
	if ret, err := s.ReturnItem(ctx, matcher.Coordinator("st-lzw"), "LH-D02"); err != nil || !slices.Equal(ret.Items, []string{"LH-D02"}) {
		t.Errorf("ReturnItem(LH-D02) = %+v, %v; want it back", ret, err)
	}
	// From the district, it goes back to the street: the street's
	// coordinator brings it, not the community's.
	s2 := newService(t)
	mustPropose(t, s2, matcher.Admin, "lh")
	s2.EscalateItems(ctx, matcher.Admin, "lh", []string{"LH-D10"})
	s2.EscalateItems(ctx, matcher.Admin, "st-lzw", []string{"LH-D10"})
	refuse(t, s2, "the community's coordinator, from the district", matcher.EFORBIDDEN, "", func() error {
		_, err := s2.ReturnItem(ctx, matcher.Coordinator("lh"), "LH-D10")
		return err
	})
	if ret, err := s2.ReturnItem(ctx, matcher.Coordinator("st-lzw"), "LH-D10"); err != nil || ret.To != matcher.Street {
		t.Errorf("the street's coordinator returns LH-D10 = %+v, %v; want it at the street", ret, err)
	}
	if !strings.Contains(lastEvent(t, s2).Action, "item.return") {
		t.Errorf("last event %+v", lastEvent(t, s2))
	}
}

// Escalable answers as EscalateItems does, item by item: what it says may
// go up goes up, and what it refuses EscalateItems refuses with the same
// message.
func TestEscalableAgreesWithEscalateItems(t *testing.T) {
	s := newService(t)
	lh := matcher.Coordinator("lh")
	p := mustPropose(t, s, lh, "lh")
	var ids []string
	for _, u := range p.Result.Unmet {
		ids = append(ids, u.Demand)
	}
	ids = append(ids, "TW-D01", "nope")
	up, err := s.Escalable(lh, "lh", ids)
	if err != nil {
		t.Fatal(err)
	}
	yes := 0
	for _, id := range ids {
		s2 := newService(t)
		mustPropose(t, s2, lh, "lh")
		_, err := s2.EscalateItems(ctx, lh, "lh", []string{id})
		if (up[id] == nil) != (err == nil) {
			t.Errorf("%s: Escalable says %v, EscalateItems %v", id, up[id], err)
		}
		if err != nil && up[id] != nil && matcher.ErrorCode(err) != matcher.ErrorCode(up[id]) {
			t.Errorf("%s: codes differ: %v vs %v", id, up[id], err)
		}
		if up[id] == nil {
			yes++
		}
	}
	if yes == 0 || yes == len(ids) {
		t.Errorf("%d of %d may go up: the sample should have both kinds", yes, len(ids))
	}
	if _, err := s.Escalable(matcher.Coordinator("tw"), "lh", ids); matcher.ErrorCode(err) != matcher.ENOTFOUND {
		t.Errorf("another community asks: %v, want not found", err)
	}
}
