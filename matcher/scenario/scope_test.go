package scenario

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/allymatch/allymatch/matcher"
)

const (
	redCrossJoinsWater = `[{"op":"set_unit","unit":"bn-redcross","alliances":["bn-water"]}]`
	// The relief stock alone: nothing proposes it live (no district
	// demand needs it), so nothing changes.
	reliefStockTo100 = `[{"op":"set_quantity","item":"BN-R10","quantity":100}]`
	// Both: the waterway meeting gets 100 of its 235 pieces, not 200.
	joinsWithLess = `[{"op":"set_unit","unit":"bn-redcross","alliances":["bn-water"]},{"op":"set_quantity","item":"BN-R10","quantity":100}]`
)

// A scope scenario's diff is the union of the meetings' own diffs, each
// solved in full; solved incrementally from the live plans' sessions, it
// is the same byte for byte. The Red Cross joining the waterway meeting
// shows in the district meeting too.
func TestScopeDiffIsUnionOfMeetings(t *testing.T) {
	st := bananStore(t)
	m := NewManager()
	for _, js := range []string{redCrossJoinsWater, reliefStockTo100, joinsWithLess} {
		sc, err := m.Create(ctx, st, matcher.Admin, Request{Scope: []string{"bn-district", "bn-water"}, Name: "红十字会", Edits: edits(t, js)})
		if err != nil {
			t.Fatal(err)
		}
		if n := 0; len(sc.Meetings) < 10 || !slices.IsSorted(sc.Meetings) || !slices.Contains(sc.Meetings, "lh") || !slices.Contains(sc.Meetings, "st-lzw") {
			t.Fatalf("meetings %v (%d)", sc.Meetings, n)
		}
		full, err := sc.Diff(ctx, st.Snapshot())
		if err != nil {
			t.Fatal(err)
		}
		want := mustJSON(full)
		for i := range 2 { // cold sessions, then warm
			got, err := m.Diff(ctx, st, matcher.Admin, sc.ID)
			if err != nil {
				t.Fatal(err)
			}
			if g := mustJSON(got); g != want {
				t.Errorf("%s, run %d: the incremental scope diff differs from the full one:\n got %.600s\nwant %.600s", js, i, g, want)
			}
		}
		// The union of one-meeting scenarios, each diffed in full.
		var union []string
		var met, welfare int64
		for _, id := range sc.Meetings {
			one, err := Fork(st.Snapshot(), Request{Meeting: id, Edits: edits(t, js)})
			if err != nil {
				t.Fatal(err)
			}
			d, err := one.Diff(ctx, st.Snapshot())
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range d.Demands {
				c.Meeting = id
				union = append(union, mustJSON(c))
			}
			met += d.Totals.Met
			welfare += d.Totals.Welfare
		}
		var scope []string
		for _, c := range full.Demands {
			scope = append(scope, mustJSON(c))
		}
		slices.Sort(union)
		slices.Sort(scope)
		if !slices.Equal(union, scope) || len(scope) == 0 != (js == reliefStockTo100) {
			t.Errorf("%s: the scope's demands (%d) are not the union of the meetings' (%d)", js, len(scope), len(union))
		}
		if full.Totals.Met != met || full.Totals.Welfare != welfare {
			t.Errorf("%s: totals met %d welfare %d, the meetings' sum %d %d", js, full.Totals.Met, full.Totals.Welfare, met, welfare)
		}
		var water *MeetingChange
		for i := range full.Meetings {
			if full.Meetings[i].Meeting == "bn-water" {
				water = &full.Meetings[i]
			}
		}
		wantMet := map[string]int64{redCrossJoinsWater: 200, joinsWithLess: 100}[js]
		if (water == nil) != (wantMet == 0) || water != nil && (water.Met != wantMet || water.Demands == 0) || len(full.Meetings) != min(1, int(wantMet)) {
			t.Errorf("%s: meetings changed %+v, want bn-water meeting %d more", js, full.Meetings, wantMet)
		}
		if wantMet > 0 && !slices.ContainsFunc(full.Moves, func(mv Move) bool {
			return mv.Unit == "bn-redcross" && slices.Contains(mv.After, "bn-water") && !slices.Contains(mv.Before, "bn-water")
		}) {
			t.Errorf("no move of the Red Cross's resources into bn-water: %+v", full.Moves)
		}
		if len(full.Outside) != 0 {
			t.Errorf("%s: edits outside the whole sample's scope: %+v", js, full.Outside)
		}
	}

	// Scoped to the waterway meeting alone, the Red Cross's edit touches
	// the district meeting, outside: flagged.
	sc, err := m.Create(ctx, st, matcher.Admin, Request{Scope: []string{"bn-water"}, Edits: edits(t, redCrossJoinsWater)})
	if err != nil {
		t.Fatal(err)
	}
	d, err := m.Diff(ctx, st, matcher.Admin, sc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Outside) != 1 || d.Outside[0].Unit != "bn-redcross" || !slices.Equal(d.Outside[0].Meetings, []string{"bn-district"}) {
		t.Errorf("outside = %+v, want the Red Cross's edit flagged for bn-district", d.Outside)
	}
	if b, _ := json.Marshal(d); !strings.Contains(string(b), `"scope":["bn-water"]`) {
		t.Errorf("the diff does not name its scope: %.300s", b)
	}
}

// Who may plan a scope: admins anywhere, a coordinator for its alliance
// and below; a scope outside sight is answered as an absent one.
func TestScopeChecks(t *testing.T) {
	st := bananStore(t)
	m := NewManager()
	lzw := matcher.Coordinator("st-lzw")
	sc, err := m.Create(ctx, st, lzw, Request{Scope: []string{"st-lzw"}, Edits: edits(t, `[{"op":"set_quantity","item":"LH-R12","quantity":70}]`)})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sc.Meetings, []string{"lh", "lzwc", "st-lzw"}) {
		t.Errorf("st-lzw's meetings: %v", sc.Meetings)
	}
	if _, err := m.Get(st.Snapshot().Reader, matcher.Coordinator("lh"), sc.ID); matcher.ErrorCode(err) != matcher.ENOTFOUND {
		t.Errorf("lh's coordinator reads a street scenario: %v", err)
	}
	if _, err := m.Get(st.Snapshot().Reader, matcher.Coordinator("bn-district"), sc.ID); err != nil {
		t.Errorf("the district's coordinator: %v", err)
	}
	long := strings.Repeat("长", MaxNameLen+1)
	for _, c := range []struct {
		actor matcher.Actor
		req   Request
		code  string
		field string
	}{
		{lzw, Request{Scope: []string{"bn-district"}}, matcher.EFORBIDDEN, "scope[0]"},
		{lzw, Request{Scope: []string{"st-lzw", "tw"}}, matcher.ENOTFOUND, "scope[1]"},
		{lzw, Request{Scope: []string{"st-lzw", "nope"}}, matcher.ENOTFOUND, "scope[1]"},
		{matcher.Admin, Request{Scope: []string{"lh", "lh"}}, matcher.EINVALID, "scope[1]"},
		{matcher.Admin, Request{Scope: []string{"lh"}, Meeting: "lh"}, matcher.EINVALID, "scope"},
		{matcher.Admin, Request{}, matcher.EINVALID, "meeting"},
		{matcher.Admin, Request{Scope: []string{"lh"}, Name: long}, matcher.EINVALID, "name"},
		{matcher.Admin, Request{Scope: []string{"lh"}, Name: "a\nb"}, matcher.EINVALID, "name"},
		{lzw, Request{Scope: []string{"st-lzw"}, Edits: edits(t, `[{"op":"set_quantity","item":"TW-R01","quantity":70}]`)}, matcher.ENOTFOUND, "edits[0].item"},
	} {
		_, err := m.Create(ctx, st, c.actor, c.req)
		var me *matcher.Error
		if matcher.ErrorCode(err) != c.code || !errors.As(err, &me) || me.Field != c.field {
			t.Errorf("%+v by %s: %v, want %s naming %s", c.req, c.actor, err, c.code, c.field)
		}
	}
}
