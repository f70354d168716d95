package match

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
	"github.com/allymatch/allymatch/matcher/store"
)

// resultJSON is the JSON of res without its Stats (they count work).
func resultJSON(tb testing.TB, res *Result) []byte {
	tb.Helper()
	c := *res
	c.Stats = Stats{}
	b, err := json.Marshal(&c)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// scopeItems lists the ids of the items of the meeting's units, sorted.
func scopeItems(tb testing.TB, sn store.Snapshot, meeting string) []string {
	tb.Helper()
	scope, err := ResolveScope(sn.Reader, meeting)
	if err != nil {
		tb.Fatal(err)
	}
	var ids []string
	for _, u := range scope.Units() {
		for it := range sn.ItemsOf(u) {
			ids = append(ids, it.ID)
		}
	}
	slices.Sort(ids)
	return ids
}

// randomEdit changes one thing through st.Update: an item's quantity,
// radius, windows, location or status, a new item, or a claim on a
// proposal of last (confirmed, rejected, fulfilled). It reports what it
// did, or "" when the store refused the edit.
func randomEdit(tb testing.TB, r *rand.Rand, st *store.Store, items []string, last *Result, step int) string {
	tb.Helper()
	sn := st.Snapshot()
	it, err := sn.Item(items[r.IntN(len(items))])
	if err != nil {
		return ""
	}
	e := *it
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC).Add(time.Duration(step) * time.Minute)
	var what string
	var claim *matcher.Claim
	var unit *matcher.Unit
	var project *matcher.Project
	switch op := r.IntN(14); op {
	case 12, 13: // the text changes: the rarity of grams over the scope moves
		o, err := sn.Item(items[r.IntN(len(items))])
		if err != nil {
			return ""
		}
		switch r.IntN(3) {
		case 0:
			e.Title = o.Title
		case 1:
			e.Description = o.Title + "，" + o.Description
			if len([]rune(e.Description)) > matcher.MaxTextLen {
				e.Description = o.Title
			}
		default:
			e.Tags = append(slices.Clone(o.Tags), "护送")[:min(len(o.Tags)+1, matcher.MaxTags)]
			e.Measure = o.Measure
		}
		what = fmt.Sprintf("text %s like %s", e.ID, o.ID)
	case 10: // the item's unit moves
		u, err := sn.Unit(e.Unit)
		if err != nil || u.Location == nil {
			return ""
		}
		c := *u
		l := *c.Location
		l.Lat += (r.Float64() - 0.5) * 0.02
		c.Location = &l
		unit = &c
		what = "unit location " + c.ID
	case 11: // the item's project is dropped, or planned again
		if e.Project == "" {
			return ""
		}
		p, err := sn.Project(e.Project)
		if err != nil {
			return ""
		}
		c := *p
		if c.Status == matcher.ProjectDropped {
			c.Status = matcher.ProjectPlanned
		} else {
			c.Status = matcher.ProjectDropped
		}
		project = &c
		what = fmt.Sprintf("project %s=%s", c.ID, c.Status)
	case 0, 1:
		e.Quantity = 1 + r.Int64N(20)
		what = fmt.Sprintf("quantity %s=%d", e.ID, e.Quantity)
	case 2:
		e.RadiusKM = float64(r.IntN(8))
		what = fmt.Sprintf("radius %s=%v", e.ID, e.RadiusKM)
	case 3:
		e.Windows = nil
		if r.IntN(2) == 0 {
			from := time.Date(2026, time.Month(1+r.IntN(12)), 1+r.IntN(28), 9, 0, 0, 0, time.UTC)
			e.Windows = []matcher.Window{{From: from, To: from.Add(time.Duration(1+r.IntN(60*24)) * time.Hour)}}
		}
		what = fmt.Sprintf("windows %s", e.ID)
	case 4:
		if e.Location != nil {
			l := *e.Location
			l.Lat += (r.Float64() - 0.5) * 0.02
			l.Lon += (r.Float64() - 0.5) * 0.02
			e.Location = &l
		}
		what = fmt.Sprintf("location %s", e.ID)
	case 5:
		if e.Status == matcher.ItemOpen {
			e.Status = matcher.ItemClosed
		} else {
			e.Status = matcher.ItemOpen
		}
		what = fmt.Sprintf("status %s=%s", e.ID, e.Status)
	case 6:
		e.ID = fmt.Sprintf("%s-n%d", e.ID, step)
		e.Rev = 0
		e.Status = matcher.ItemOpen
		e.Quantity = 1 + r.Int64N(10)
		if e.Project != "" && r.IntN(2) == 0 {
			e.Project, e.Optional = "", false
		}
		what = "add " + e.ID
	default: // a claim on one of the last proposals
		if len(last.Proposals) == 0 {
			return ""
		}
		p := last.Proposals[r.IntN(len(last.Proposals))]
		c := matcher.Claim{ID: fmt.Sprintf("S-%d", step), Resource: p.Resource, Demand: p.Demand,
			ResourceUnit: p.ResourceUnit, DemandUnit: p.DemandUnit, Quantity: p.Quantity, Score: p.Score,
			Origin: matcher.OriginSolver, Meeting: last.Meeting, Created: now, Updated: now}
		switch op {
		case 7:
			c.Status, c.AcceptedBy = matcher.ClaimConfirmed, []matcher.Side{matcher.DemandSide, matcher.ResourceSide}
		case 8:
			c.Status, c.RejectedBy = matcher.ClaimRejected, matcher.DemandSide
		default:
			c.Status, c.AcceptedBy = matcher.ClaimFulfilled, []matcher.Side{matcher.DemandSide, matcher.ResourceSide}
		}
		claim = &c
		what = fmt.Sprintf("claim %s %s→%s", c.Status, c.Resource, c.Demand)
	}
	_, err = st.Update(ctx, "test", "edit", nil, func(tx *store.Tx) error {
		switch {
		case claim != nil:
			return tx.PutClaim(*claim)
		case unit != nil:
			return tx.PutUnit(*unit)
		case project != nil:
			return tx.PutProject(*project)
		}
		return tx.PutItem(e)
	})
	if err != nil {
		return ""
	}
	return what
}

// sameInstance compares what a session's (patched) instance holds with a
// freshly gathered one: the parties with their records and what is left,
// the buckets, the rejected pairs, the history, and the alliances of every
// unit with a party.
func sameInstance(got, want *instance) error {
	for _, side := range []struct {
		name string
		g, w []party
	}{{"demands", got.demands, want.demands}, {"resources", got.resources, want.resources}, {"held", got.held, want.held}} {
		if len(side.g) != len(side.w) {
			return fmt.Errorf("%d %s, want %d", len(side.g), side.name, len(side.w))
		}
		for i := range side.g {
			g, w := &side.g[i], &side.w[i]
			if g.item != w.item || g.unit != w.unit || g.remaining != w.remaining || !slices.Equal(g.grams, w.grams) || !slices.Equal(g.fw, w.fw) || g.loc != w.loc || g.grid != w.grid {
				return fmt.Errorf("%s[%d]: %s rem %d, want %s rem %d", side.name, i, g.item.ID, g.remaining, w.item.ID, w.remaining)
			}
			if !slices.Equal(got.direct[g.unit.ID], want.direct[w.unit.ID]) || !slices.Equal(got.parents[g.unit.ID], want.parents[w.unit.ID]) {
				return fmt.Errorf("%s[%d]: unit %s alliances differ", side.name, i, g.unit.ID)
			}
		}
	}
	if !reflect.DeepEqual(got.buckets, want.buckets) {
		return fmt.Errorf("buckets differ")
	}
	// The global maps may differ in entries no pair of the instance reads
	// (a session skips changes that do not touch its meeting).
	items := map[string]bool{}
	for _, ps := range [][]party{want.demands, want.resources} {
		for i := range ps {
			items[ps[i].item.ID] = true
		}
	}
	rejected := func(m map[[2]string]bool) map[[2]string]bool {
		return maps.Collect(func(yield func([2]string, bool) bool) {
			for k, v := range m {
				if items[k[0]] && items[k[1]] && !yield(k, v) {
					return
				}
			}
		})
	}
	history := func(m map[unitPair]int) map[unitPair]int {
		return maps.Collect(func(yield func(unitPair, int) bool) {
			for k, v := range m {
				if want.scope.HasUnit(k.a) && want.scope.HasUnit(k.b) && !yield(k, v) {
					return
				}
			}
		})
	}
	if g, w := rejected(got.rejected), rejected(want.rejected); !maps.Equal(g, w) {
		return fmt.Errorf("rejected pairs %v, want %v", g, w)
	}
	if g, w := history(got.history), history(want.history); !maps.Equal(g, w) {
		return fmt.Errorf("history %v, want %v", g, w)
	}
	return nil
}

type sessionCase struct {
	meeting   string
	mode      Mode
	untouched bool // edits elsewhere: most runs must reuse the last result
}

// driveSession applies steps random edits to items of editMeeting and after
// each checks every case's session against a full Run.
func driveSession(t *testing.T, st *store.Store, seed uint64, editMeeting string, cases []sessionCase, steps int) int {
	r := rand.New(rand.NewPCG(seed, 11))
	sessions := make([]*Session, len(cases))
	for i, c := range cases {
		sessions[i] = NewSession(c.meeting, Settings{Mode: c.mode, Weights: DefaultWeights, Relevance: DefaultRelevance})
	}
	checked := 0
	var rows dirtyCounts
	var last *Result
	items := scopeItems(t, st.Snapshot(), editMeeting)
	for step := 0; step <= steps; step++ {
		what := "start"
		if step > 0 {
			if what = randomEdit(t, r, st, items, last, step); what == "" {
				continue
			}
			if id, ok := bytes.CutPrefix([]byte(what), []byte("add ")); ok {
				items = append(items, string(id))
			}
		}
		sn := st.Snapshot()
		for i, c := range cases {
			prev := sessions[i].prev
			if prev != nil && prev.in != nil {
				if keys, known := sn.ChangesSince(prev.state); known {
					compareAffected(t, prev, sn, keys, fmt.Sprintf("step %d (%s): session %s/%s", step, what, c.meeting, c.mode))
				}
			}
			got, err := sessions[i].Run(ctx, sn.Reader, sn.Vocab)
			if err != nil {
				t.Fatalf("step %d (%s): session %s/%s: %v", step, what, c.meeting, c.mode, err)
			}
			compareDirty(t, prev, sessions[i].prev, &rows, fmt.Sprintf("step %d (%s): session %s/%s", step, what, c.meeting, c.mode))
			want, err := Run(ctx, sn.Reader, sn.Vocab, c.meeting, Settings{Mode: c.mode, Weights: DefaultWeights, Relevance: DefaultRelevance})
			if err != nil {
				t.Fatal(err)
			}
			if err := sameInstance(sessions[i].prev.in, buildInstance(sn.Reader, sn.Vocab, sessions[i].prev.in.scope)); err != nil {
				t.Fatalf("step %d (%s): session %s/%s: instance differs from a fresh gather: %v", step, what, c.meeting, c.mode, err)
			}
			if g, w := resultJSON(t, got), resultJSON(t, want); !bytes.Equal(g, w) {
				t.Fatalf("step %d (%s): session %s/%s differs from Run:\n got %.600s\nwant %.600s", step, what, c.meeting, c.mode, g, w)
			}
			checked++
			if c.meeting == editMeeting {
				last = want
			}
		}
	}
	t.Logf("rows of the last runs rebuilt by both the recorded reads and the old lists %d, by neither %d, by the reads only %d, by the lists only %d",
		rows.both, rows.neither, rows.readsOnly, rows.listsOnly)
	for i, c := range cases {
		s := sessions[i].Stats()
		t.Logf("%s/%s: %d runs, %d untouched, %d patched, %d full rebuilds, rows reused %d built %d, cache hits %d misses %d",
			c.meeting, c.mode, s.Runs, s.Untouched, s.Patched, s.FullRebuilds, s.RowsReused, s.RowsBuilt, s.Cache.Hits, s.Cache.Misses)
		if c.untouched && s.Untouched < s.Runs/2 {
			t.Errorf("%s/%s: %d of %d runs untouched; edits elsewhere should leave it untouched", c.meeting, c.mode, s.Untouched, s.Runs)
		}
		if s.Runs > 3 && s.RowsReused == 0 && !c.untouched {
			t.Errorf("%s/%s: no row reused", c.meeting, c.mode)
		}
	}
	return checked
}

func TestSessionBananRandomEdits(t *testing.T) {
	st := bananStore(t)
	steps := 300
	if testing.Short() {
		steps = 60
	}
	n := driveSession(t, st, 1, "lh", []sessionCase{
		{"lh", Welfare, false}, {"lh", Coverage, false}, {"lh", Stable, false}, {"bn-district", Welfare, false},
	}, steps)
	t.Logf("%d session runs checked against Run", n)
}

func TestSessionGeneratedRandomEdits(t *testing.T) {
	for _, units := range []int{1000, 2000} {
		t.Run(fmt.Sprint(units), func(t *testing.T) {
			st := genStore(t, units, int64(units))
			sn := st.Snapshot()
			// the busiest community meeting, the street above it, and
			// another community meeting (untouched by the edits)
			var busiest, street, other string
			most := -1
			for a := range sn.AlliancesAt(matcher.Community) {
				if n := len(scopeItems(t, sn, a.ID)); n > most {
					busiest, street, most = a.ID, a.Parent, n
				}
			}
			for a := range sn.AlliancesAt(matcher.Community) {
				if a.ID != busiest && len(scopeItems(t, sn, a.ID)) > most/2 {
					other = a.ID
					break
				}
			}
			steps := 120
			if testing.Short() {
				steps = 25
			}
			cases := []sessionCase{{busiest, Welfare, false}, {busiest, Coverage, false}}
			if street != "" {
				cases = append(cases, sessionCase{street, Welfare, false})
			}
			if other != "" {
				cases = append(cases, sessionCase{other, Welfare, true})
			}
			n := driveSession(t, st, uint64(units), busiest, cases, steps)
			t.Logf("%d units, meeting %s: %d session runs checked against Run", units, busiest, n)
		})
	}
}

// A session's overlay runs (why-not fixes, alternative plans) give exactly
// what a fresh run of the same overlay gives, and leave the session as it
// was.
func TestSessionOverlayEqualsFresh(t *testing.T) {
	sn := genStore(t, 1000, 7).Snapshot()
	meeting, most := "", -1
	for a := range sn.AlliancesAt(matcher.Community) {
		if n := len(scopeItems(t, sn, a.ID)); n > most {
			meeting, most = a.ID, n
		}
	}
	items := scopeItems(t, sn, meeting)
	sess := NewSession(meeting, DefaultSettings())
	base, err := sess.Run(ctx, sn.Reader, sn.Vocab)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(7, 7))
	for step := range 40 {
		over := map[string]*matcher.Item{}
		var rejected [][2]string
		for range 1 + r.IntN(2) {
			it, err := sn.Item(items[r.IntN(len(items))])
			if err != nil {
				t.Fatal(err)
			}
			c := *it
			switch r.IntN(3) {
			case 0:
				c.RadiusKM = float64(r.IntN(9))
			case 1:
				c.Quantity += int64(1 + r.IntN(20))
			default:
				c.Priority = 1 + r.IntN(matcher.MaxPriority)
			}
			over[c.ID] = &c
		}
		if len(base.Proposals) > 0 && r.IntN(2) == 0 {
			p := base.Proposals[r.IntN(len(base.Proposals))]
			rejected = append(rejected, [2]string{p.Resource, p.Demand})
		}
		got, err := sess.runOverlay(ctx, over, rejected)
		if err != nil {
			t.Fatal(err)
		}
		want, err := runOverlay(ctx, sn.Reader, sn.Vocab, meeting, DefaultSettings(), over, rejected)
		if err != nil {
			t.Fatal(err)
		}
		if g, w := resultJSON(t, got), resultJSON(t, want); !bytes.Equal(g, w) {
			t.Fatalf("step %d: overlay through the session differs from a fresh run:\n got %.500s\nwant %.500s", step, g, w)
		}
	}
	again, err := sess.Run(ctx, sn.Reader, sn.Vocab)
	if err != nil {
		t.Fatal(err)
	}
	if g, w := resultJSON(t, again), resultJSON(t, base); !bytes.Equal(g, w) {
		t.Fatal("the overlays changed the session's plan")
	}
	if s := sess.Stats(); s.RowsReused == 0 {
		t.Errorf("no row reused by the overlays: %+v", s)
	}
}

// Why-not and alternatives through a pool of sessions (warm, shared by
// concurrent callers) give what they give from scratch.
func TestPooledWhyNotAndAlternatives(t *testing.T) {
	st := bananStore(t)
	sn := st.Snapshot()
	pool := NewSessions(2)
	res, err := pool.Get("lh", DefaultSettings()).Run(ctx, sn.Reader, sn.Vocab)
	if err != nil {
		t.Fatal(err)
	}
	var demands []string
	for _, u := range res.Unmet {
		demands = append(demands, u.Demand)
	}
	for _, p := range res.Proposals {
		demands = append(demands, p.Demand)
	}
	var wg sync.WaitGroup
	for _, id := range demands {
		wg.Go(func() {
			got, err1 := pool.WhyNot(ctx, sn.Reader, sn.Vocab, id, DefaultSettings())
			want, err2 := WhyNot(ctx, sn.Reader, sn.Vocab, id, DefaultSettings())
			g, _ := json.Marshal(got)
			w, _ := json.Marshal(want)
			if (err1 == nil) != (err2 == nil) || string(g) != string(w) {
				t.Errorf("why-not %s: pooled %v %.300s; fresh %v %.300s", id, err1, g, err2, w)
			}
			ga, err1 := pool.Alternatives(ctx, sn.Reader, sn.Vocab, "", id, 2, DefaultSettings())
			wa, err2 := Alternatives(ctx, sn.Reader, sn.Vocab, "", id, 2, DefaultSettings())
			g, _ = json.Marshal(ga)
			w, _ = json.Marshal(wa)
			if (err1 == nil) != (err2 == nil) || string(g) != string(w) {
				t.Errorf("alternatives %s: pooled %v %.300s; fresh %v %.300s", id, err1, g, err2, w)
			}
		})
	}
	wg.Wait()
	if len(demands) < 5 {
		t.Fatalf("only %d demands to explain", len(demands))
	}
}

// compareAffected checks that the items a patch gathers again (read from
// the owners of the recorded reads) hold every party, of the last
// instance or of a fresh one, that the old lists (affectedByLists) reach.
func compareAffected(t *testing.T, prev *sessionState, sn store.Snapshot, keys []index.Key, what string) {
	t.Helper()
	lists := affectedByLists(prev.in, prev.r, sn.Reader, keys)
	reads, _ := affectedItems(prev.reads, prev.r, sn.Reader, keys)
	if (lists == nil) != (reads == nil) {
		t.Fatalf("%s: the lists gather afresh %v, the reads %v", what, lists == nil, reads == nil)
	}
	if lists == nil {
		return
	}
	parties := map[string]bool{}
	for _, in := range []*instance{prev.in, buildInstance(sn.Reader, sn.Vocab, prev.in.scope)} {
		for _, ps := range [][]party{in.demands, in.resources, in.held} {
			for i := range ps {
				parties[ps[i].item.ID] = true
			}
		}
	}
	for id := range lists {
		if parties[id] && !reads[id] {
			t.Fatalf("%s: the lists reach party %s, the reads do not (keys %v)", what, id, keys)
		}
	}
}

// affectedByLists is what patchInstance gathered again before it followed
// the recorded reads: the changed items, the items of changed units, the
// slots of changed projects, the items of changed claims (nil: gather
// afresh).
func affectedByLists(prev *instance, prevR, r index.Reader, keys []index.Key) map[string]bool {
	scope := prev.scope
	affected := map[string]bool{}
	for _, k := range keys {
		switch k.Table {
		case index.TableItems:
			affected[k.ID] = true
		case index.TableUnits:
			for _, ps := range [][]party{prev.demands, prev.resources} {
				for i := range ps {
					if ps[i].unit.ID == k.ID {
						affected[ps[i].item.ID] = true
					}
				}
			}
			if scope.HasUnit(k.ID) {
				for it := range r.ItemsOf(k.ID) {
					affected[it.ID] = true
				}
			}
		case index.TableProjects:
			for _, rd := range []index.Reader{prevR, r} {
				for it := range rd.Slots(k.ID) {
					affected[it.ID] = true
				}
			}
		case index.TableClaims:
			for _, rd := range []index.Reader{prevR, r} {
				if c, err := rd.Claim(k.ID); err == nil {
					affected[c.Resource], affected[c.Demand] = true, true
				}
			}
		default:
			return nil
		}
	}
	return affected
}

// dirtyCounts count the rows of the last run that the recorded reads and
// the old lists rebuild (see compareDirty).
type dirtyCounts struct{ both, neither, readsOnly, listsOnly int }

// compareDirty checks, for a session's run that went from the state prev
// to cur with rows to compare (not untouched, not rebuilding every row),
// that the rows the recorded reads rebuild (dirtyRows and keptRow) hold
// every row the old lists (dirtyByLists) rebuild, and that a row the reads
// keep holds no resource that changed or left (the remap in candidates
// never has to drop it). It counts the rows of prev in c.
func compareDirty(t *testing.T, prev, cur *sessionState, c *dirtyCounts, what string) {
	t.Helper()
	if prev == nil || cur == nil || cur.in == nil || cur.in == prev.in || prev.rebuildsAll(cur.in, cur) {
		return
	}
	in := cur.in
	dirty, oldToNew := prev.dirtyRows(in, cur)
	lists := dirtyByLists(prev, in, cur)
	for di := range in.demands {
		d := &in.demands[di]
		old := prev.rows[d.item.ID]
		if old == nil {
			continue
		}
		byReads := prev.keptRow(d, false, dirty) == nil
		byLists := lists[d.item.ID] || old.unit != d.unit || !sameFields(old.item, d.item, old.reads)
		switch {
		case byReads && byLists:
			c.both++
		case byReads:
			c.readsOnly++
		case byLists:
			c.listsOnly++
			t.Fatalf("%s: the old lists rebuild the row of %s, the recorded reads keep it", what, d.item.ID)
		default:
			c.neither++
		}
		if !byReads {
			for _, e := range old.edges {
				if oldToNew[e.ri] < 0 {
					t.Fatalf("%s: the row of %s is kept with resource %s, which changed", what, d.item.ID, prev.in.resources[e.ri].item.ID)
				}
			}
		}
	}
}

// dirtyByLists is which rows Session.candidates rebuilt before it followed
// the rows' recorded reads (rowReads), for the state prev of the last run
// and in, the instance of this one, with next its state: the demands
// holding a gram whose rarity changed; those a resource new, changed or
// gone (a resource holding such a gram counting as changed) passes the
// rules with, quantity aside, in its old or new version; those of a
// rejected pair added or removed; those of the units between which the
// fulfilled history changed.
func dirtyByLists(prev *sessionState, in *instance, next *sessionState) map[string]bool {
	dirty := map[string]bool{}
	reweighed := changedRarity(prev.df, in.df)
	touched := func(p *party) bool {
		for _, g := range p.grams {
			if reweighed[g] {
				return true
			}
		}
		return false
	}
	retexted := make([]bool, len(next.resources))
	for ni := range next.resources {
		retexted[ni] = touched(&in.resources[ni])
	}
	var changed []*party
	for ni, k := range next.resources {
		oi, ok := prev.resIndex[k.item.ID]
		if !ok || !prev.resources[oi].same(k, prev.fields) || retexted[ni] {
			changed = append(changed, &in.resources[ni])
		}
	}
	for oi := range prev.in.resources {
		old := &prev.in.resources[oi]
		if ni, ok := next.resIndex[old.item.ID]; !ok || !next.resources[ni].same(prev.resources[oi], prev.fields) || retexted[ni] {
			changed = append(changed, old)
		}
	}
	for di := range in.demands {
		if touched(&in.demands[di]) {
			dirty[in.demands[di].item.ID] = true
		}
	}
	passes := func(h *hardRule) bool { return !h.fit && h.name != RuleQuantity }
	if len(changed) > 64 && len(changed) > len(in.resources)/4 {
		for di := range in.demands {
			dirty[in.demands[di].item.ID] = true
		}
	} else {
		for di := range in.demands {
			d := &in.demands[di]
			if dirty[d.item.ID] {
				continue
			}
			metBy := in.vocab.MetBy(d.item.Category)
			p := in.checker(d)
			for _, r := range changed {
				if slices.Contains(metBy, r.item.Category) && p.with(r, -1).first(passes) == "" {
					dirty[d.item.ID] = true
					break
				}
			}
		}
	}
	for k := range in.rejected {
		if !prev.rejected[k] {
			dirty[k[1]] = true
		}
	}
	for k := range prev.rejected {
		if !in.rejected[k] {
			dirty[k[1]] = true
		}
	}
	units := map[string]bool{}
	for k, n := range in.history {
		if prev.history[k] != n {
			units[k.a], units[k.b] = true, true
		}
	}
	for k, n := range prev.history {
		if in.history[k] != n {
			units[k.a], units[k.b] = true, true
		}
	}
	for i := range in.demands {
		if units[in.demands[i].unit.ID] {
			dirty[in.demands[i].item.ID] = true
		}
	}
	return dirty
}

// changedRarity returns the grams held in both a and b (counts of items
// holding them) with another rarity (a gram in one only is held by parties
// new to that instance, or changed, whose rows are rebuilt anyway), or nil
// when there are none.
func changedRarity(a, b map[uint64]int32) map[uint64]bool {
	var out map[uint64]bool
	for g, n := range b {
		if m, ok := a[g]; ok && m != n && rarityOf(m) != rarityOf(n) {
			if out == nil {
				out = map[uint64]bool{}
			}
			out[g] = true
		}
	}
	return out
}
