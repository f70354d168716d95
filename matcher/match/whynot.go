package match

import (
	"cmp"
	"context"
	"maps"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
)

// Rules beyond the candidate rules that "why not" reports for resources a
// meeting does not consider at all.
const (
	RuleScope  = "scope"  // the resource's unit is outside the scope of the demand's meeting
	RuleLevel  = "level"  // the resource sits at another meeting level
	RuleStatus = "status" // the resource is not open (paused or closed)
)

// Kinds of single change a fix makes.
const (
	FixWidenRadius   = "widen_radius"  // raise an item's radius_km (the demand's, or the resource's when its own is the smaller)
	FixAddQuantity   = "add_quantity"  // raise a resource's quantity
	FixExtendWindow  = "extend_window" // stretch a resource's time window over the demand's
	FixEscalate      = "escalate"      // move the demand one level up, to the meeting above
	whyNotCompatible = 10              // compatible resources listed
	whyNotOthers     = 5               // resources of other categories listed
	whyNotTries      = 4               // fixes of one kind (for the demand, or for its project's binding slot) verified
	whyNotMaxVerify  = 20              // re-solves at most
	whyNotPool       = 40              // resources of the meeting itself a fix may aim at, nearest first
	radiusStep       = 0.1             // radii are proposed in steps of 100 m
	sizeEscalate     = 1.0             // the size of an escalation (see Fix.Size)
	farAway          = math.MaxFloat64 / 4
)

// WhyNotCandidate is one resource near a demand, with every rule that keeps
// it from the demand in the demand's meeting.
type WhyNotCandidate struct {
	Resource   string        `json:"resource"`
	Unit       string        `json:"unit"`
	Category   string        `json:"category"`
	Compatible bool          `json:"compatible"` // its category can meet the demand's
	InScope    bool          `json:"in_scope"`   // its unit is in the scope of the demand's meeting
	Level      matcher.Level `json:"level"`
	Status     string        `json:"status"`
	DistanceKM *float64      `json:"distance_km,omitempty"` // nil: no coordinates on one side
	Remaining  int64         `json:"remaining"`             // quantity left after claims held elsewhere
	Rules      []string      `json:"rules"`                 // every rule that blocks the pair, in RuleNames order then scope, level, status; empty: eligible
	Planned    int64         `json:"planned"`               // what the current plan gives this demand from it
	Elsewhere  int64         `json:"elsewhere"`             // what the current plan gives other demands from it
}

// Fix is one single change that gets the demand (more) met, verified by
// re-running the matcher with the change applied to a private copy of the
// state.
type Fix struct {
	Kind     string        `json:"kind"`               // FixWidenRadius, FixAddQuantity, FixExtendWindow, FixEscalate
	Item     string        `json:"item"`               // the item changed
	Resource string        `json:"resource,omitempty"` // the resource the change aims at
	Field    string        `json:"field"`              // radius_km, quantity, windows[i], level
	From     string        `json:"from"`               // the field's value now
	To       string        `json:"to"`                 // the field's value with the change
	By       float64       `json:"by"`                 // the size of the change in its own measure
	Measure  string        `json:"measure"`            // km, quantity, days, levels
	Via      string        `json:"via,omitempty"`      // the binding slot of the demand's project the change unblocks (empty: the demand itself)
	Size     float64       `json:"size"`               // relative size by which fixes are ordered (see WhyNot)
	Meeting  string        `json:"meeting"`            // the meeting re-run to verify it
	Met      int64         `json:"met"`                // the demand's proposed quantity with the change
	Gain     int64         `json:"gain"`               // Met less what the current plan gives it
	Changed  *matcher.Item `json:"-"`                  // the item with the change, for callers that apply the fix
}

// WhyNotResult explains where a demand stands and what would change it.
type WhyNotResult struct {
	Demand     string            `json:"demand"`
	Unit       string            `json:"unit"`
	Category   string            `json:"category"`
	Meeting    string            `json:"meeting"` // the meeting at the demand's level that holds its unit
	Level      matcher.Level     `json:"level"`
	Status     string            `json:"status"`           // met, partly_met, unmet, held (met by claims already), not_open
	Reason     string            `json:"reason,omitempty"` // the match's reason when unmet
	Need       int64             `json:"need"`             // left after claims, before the solve
	Met        int64             `json:"met"`              // proposed by the current plan
	Seq        uint64            `json:"seq"`
	Candidates []WhyNotCandidate `json:"candidates"`
	Fixes      []Fix             `json:"fixes"` // verified, smallest first; the first is the smallest single change
}

// MeetingOf returns the meeting (alliance id) at the level of item that
// holds its unit: the lowest-id one when several do.
func MeetingOf(r index.Reader, it *matcher.Item) (string, error) {
	return meetingAt(r, it.Unit, it.Level)
}

func meetingAt(r index.Reader, unit string, level matcher.Level) (string, error) {
	var found []string
	for a := range r.AlliancesOf(unit) {
		cur := a
		for range 8 {
			if cur.Level == level {
				found = append(found, cur.ID)
				break
			}
			if cur.Parent == "" {
				break
			}
			p, err := r.Alliance(cur.Parent)
			if err != nil {
				break
			}
			cur = p
		}
	}
	if len(found) == 0 {
		return "", matcher.Errorf(matcher.ECONFLICT, "unit %q is in no %s meeting", unit, level)
	}
	slices.Sort(found)
	return found[0], nil
}

// overlayInstance builds the instance of meeting with the items of over in
// place of the stored ones (what-if changes that touch no store).
func overlayInstance(r index.Reader, vocab *matcher.Vocabulary, meeting string, over map[string]*matcher.Item, rejected [][2]string) (*instance, error) {
	scope, err := ResolveScope(r, meeting)
	if err != nil {
		return nil, err
	}
	return buildInstance(r, vocab, scope).overlay(over, rejected), nil
}

// overlay returns the instance in would be with the items of over in place
// of the stored ones and the pairs rejected rejected; in is not changed.
func (in *instance) overlay(over map[string]*matcher.Item, rejected [][2]string) *instance {
	g := newGatherer(in.r, in.scope)
	for _, it := range over {
		if u := in.r.UnitRaw(it.Unit); u != nil && in.scope.HasUnit(it.Unit) {
			g.add(it, u)
		}
	}
	out := in.derive(in.r, in.vocab, func(id string) bool { return over[id] != nil }, g)
	if len(rejected) > 0 {
		out.rejected = maps.Clone(in.rejected)
		for _, p := range rejected {
			out.rejected[p] = true
		}
	}
	return out
}

// runOverlay runs meeting with the overlay and returns the plan.
func runOverlay(ctx context.Context, r index.Reader, vocab *matcher.Vocabulary, meeting string, set Settings, over map[string]*matcher.Item, rejected [][2]string) (*Result, error) {
	if err := set.Validate(); err != nil {
		return nil, err
	}
	start := time.Now()
	in, err := overlayInstance(r, vocab, meeting, over, rejected)
	if err != nil {
		return nil, err
	}
	return runInstance(ctx, in, set, start)
}

// metOf sums what res proposes for demand.
func metOf(res *Result, demand string) int64 {
	var n int64
	for _, p := range res.Proposals {
		if p.Demand == demand {
			n += p.Quantity
		}
	}
	return n
}

// WhyNot explains a demand (met or not): its nearest resources (compatible
// categories first, then others, each group by distance; in the scope of its
// meeting and beyond it), each with every rule that blocks it, and the
// single changes that would get it (more) met — widen a radius, add
// quantity to a resource, extend a resource's window, escalate one level —
// each verified by re-running the meeting's match with the change on a
// private overlay of r (the store is not touched), and ordered by size.
//
// Size makes changes of different kinds comparable: the relative increase
// (radius added / current radius, quantity added / current quantity, days
// added / 30) and 1 for an escalation; ties go to the smaller kind in the
// order radius, quantity, window, escalation.
func WhyNot(ctx context.Context, r index.Reader, vocab *matcher.Vocabulary, itemID string, set Settings) (*WhyNotResult, error) {
	return (*Sessions)(nil).WhyNot(ctx, r, vocab, itemID, set)
}

// WhyNot is [WhyNot] with the base plan from p's session of the meeting
// (a fresh session when p is nil): right after a proposal the base plan
// costs nothing, and each fix is verified incrementally on it.
func (p *Sessions) WhyNot(ctx context.Context, r index.Reader, vocab *matcher.Vocabulary, itemID string, set Settings) (*WhyNotResult, error) {
	w, err := p.whyNot(ctx, r, vocab, itemID, set)
	if err != nil {
		return nil, err
	}
	out := w.out
	compat := w.listCandidates()
	if w.it.Status != matcher.ItemOpen || w.d.remaining <= 0 || out.Met >= out.Need {
		return out, nil
	}
	w.fixesOf(w.it, &w.d, compat, out.Need-out.Met, "")
	w.bindingSlot()
	w.escalate()
	if err := w.verify(ctx); err != nil {
		return nil, err
	}
	return out, nil
}

// whyNotRun is one why-not: the demand, the base plan and the fork of its
// meeting's session that verifies fixes, and the fixes to try. Its steps,
// in order: whyNot (the base plan and the demand's status), listCandidates,
// fixesOf (the demand's own fixes), bindingSlot (those of its project's
// binding slot), escalate, verify.
type whyNotRun struct {
	r       index.Reader
	vocab   *matcher.Vocabulary
	set     Settings
	it      *matcher.Item
	meeting string
	base    *Result
	sess    *Session // a fork at the base plan's state
	last    lastRun  // what sess's last run built
	in      *instance
	scope   *Scope
	d       party // the demand, weighed in the instance
	out     *WhyNotResult

	planned map[string]map[string]int64 // demand → resource → what the plan gives
	used    map[string]int64            // resource → what the plan gives in all

	tries   []whyTry
	seen    map[string]bool
	perKind map[string]int
}

// whyNot starts the why-not of itemID: the base plan through p's session
// of its meeting, the demand's status and what the plan does with each
// resource.
func (p *Sessions) whyNot(ctx context.Context, r index.Reader, vocab *matcher.Vocabulary, itemID string, set Settings) (*whyNotRun, error) {
	if err := set.Validate(); err != nil {
		return nil, err
	}
	it, err := r.Item(itemID)
	if err != nil {
		return nil, err
	}
	if it.Kind != matcher.Demand {
		return nil, matcher.FieldError("item", "%s is a resource; why-not explains demands", itemID)
	}
	meeting, err := MeetingOf(r, it)
	if err != nil {
		return nil, err
	}
	// The base plan through a session: each fix is verified by an
	// incremental re-solve of the change on it.
	base, sess, err := p.session(meeting, set).runFork(ctx, r, vocab)
	if err != nil {
		return nil, err
	}
	last := sess.lastRun()
	in := last.in
	w := &whyNotRun{r: r, vocab: vocab, set: set, it: it, meeting: meeting, base: base, sess: sess, last: last,
		in: in, scope: in.scope, seen: map[string]bool{}, perKind: map[string]int{}}
	w.out = &WhyNotResult{Demand: it.ID, Unit: it.Unit, Category: it.Category, Meeting: meeting, Level: it.Level,
		Seq: base.Seq, Candidates: []WhyNotCandidate{}, Fixes: []Fix{}}
	out := w.out
	u := r.UnitRaw(it.Unit)
	if u == nil {
		return nil, matcher.Errorf(matcher.ENOTFOUND, "unit %q not found", it.Unit)
	}
	w.d = newParty(it, u, Reserved(r, it, meeting))
	in.weighText()
	in.weigh(&w.d)
	out.Need = max(0, w.d.remaining)
	out.Met = metOf(base, it.ID)
	for _, um := range base.Unmet {
		if um.Demand == it.ID {
			out.Reason = um.Reason
		}
	}
	switch {
	case it.Status != matcher.ItemOpen:
		out.Status = "not_open"
	case w.d.remaining <= 0:
		out.Status = "held"
	case out.Met >= out.Need:
		out.Status = "met"
	case out.Met > 0:
		out.Status = "partly_met"
	default:
		out.Status = "unmet"
	}
	// What the plan does with each resource: per demand, and in all.
	w.planned, w.used = map[string]map[string]int64{}, map[string]int64{}
	for _, p := range base.Proposals {
		if w.planned[p.Demand] == nil {
			w.planned[p.Demand] = map[string]int64{}
		}
		w.planned[p.Demand][p.Resource] += p.Quantity
		w.used[p.Resource] += p.Quantity
	}
	return w, nil
}

// listCandidates lists the resources nearest the demand in the result,
// and returns the compatible ones.
func (w *whyNotRun) listCandidates() []whyCand {
	compat, others := w.list(w.it, &w.d)
	for _, c := range compat {
		w.out.Candidates = append(w.out.Candidates, c.WhyNotCandidate)
	}
	for _, c := range others {
		w.out.Candidates = append(w.out.Candidates, c.WhyNotCandidate)
	}
	return compat
}

// list ranks every resource by the key look gives it (the distance, else 0
// in a neighbouring grid, else far away) from its location and grid alone,
// and looks closely (its party, what is left, every rule) at the nearest:
// compatible ones and, in scope, others.
func (w *whyNotRun) list(target *matcher.Item, tp *party) (compat, others []whyCand) {
	r, scope, vocab := w.r, w.scope, w.vocab
	check := w.in.checker(tp)
	rank := func(res *matcher.Item) (ranked, bool) { return w.rank(tp, res) }
	var rc, ro []ranked
	metBy := vocab.MetBy(target.Category)
	for _, cat := range metBy {
		for res := range r.ItemsByCategory(matcher.Resource, cat) {
			if x, ok := rank(res); ok {
				rc = append(rc, x)
			}
		}
	}
	for _, uid := range scope.Units() {
		for res := range r.ItemsOf(uid) {
			if res.Kind == matcher.Resource && !slices.Contains(metBy, res.Category) {
				if x, ok := rank(res); ok {
					ro = append(ro, x)
				}
			}
		}
	}
	for _, x := range nearest(rc, whyNotCompatible) {
		if c, ok := w.look(&check, target, tp, x.res, true); ok {
			compat = append(compat, c)
		}
	}
	for _, x := range nearest(ro, whyNotOthers) {
		if c, ok := w.look(&check, target, tp, x.res, false); ok {
			others = append(others, c)
		}
	}
	order := func(a, b whyCand) int {
		if a.key != b.key {
			if a.key < b.key {
				return -1
			}
			return 1
		}
		return cmp.Compare(a.Resource, b.Resource)
	}
	slices.SortFunc(compat, order)
	slices.SortFunc(others, order)
	return compat[:min(len(compat), whyNotCompatible)], others[:min(len(others), whyNotOthers)]
}

// look looks closely at resource res for target (tp its party, check
// its checker): its party, what is left and every rule that blocks it;
// false when res is no resource of a known unit.
func (w *whyNotRun) look(check *pairCheck, target *matcher.Item, tp *party, res *matcher.Item, compatible bool) (whyCand, bool) {
	r, in, meeting, scope := w.r, w.in, w.meeting, w.scope
	planned, used := w.planned, w.used
	if res.Kind != matcher.Resource {
		return whyCand{}, false
	}
	ru := r.UnitRaw(res.Unit)
	if ru == nil {
		return whyCand{}, false
	}
	p := newParty(res, ru, Reserved(r, res, meeting))
	in.weigh(&p)
	broken := check.with(&p, -1).brokenRules(nil)
	km := check.distance()
	if len(broken) == 0 && compatible && scope.HasUnit(res.Unit) && res.Level == target.Level && res.Status == matcher.ItemOpen {
		// passes every rule of its own: not a candidate only when
		// far less alike than the demand's best (Relevance.Ratio)
		if row := w.last.row(target.ID); row != nil && !w.last.rowHas(row, res.ID) {
			broken = append(broken, RuleRelevance)
		}
	}
	if !compatible && !slices.Contains(broken, RuleCategory) {
		broken = append([]string{RuleCategory}, broken...)
	}
	if !scope.HasUnit(res.Unit) {
		broken = append(broken, RuleScope)
	}
	if res.Level != target.Level {
		broken = append(broken, RuleLevel)
	}
	if res.Status != matcher.ItemOpen {
		broken = append(broken, RuleStatus)
	}
	c := whyCand{WhyNotCandidate: WhyNotCandidate{Resource: res.ID, Unit: res.Unit, Category: res.Category, Compatible: compatible,
		InScope: scope.HasUnit(res.Unit), Level: res.Level, Status: string(res.Status), Remaining: p.remaining,
		Rules: broken, Planned: planned[target.ID][res.ID], Elsewhere: used[res.ID] - planned[target.ID][res.ID]}, party: p, key: km}
	if c.Rules == nil {
		c.Rules = []string{}
	}
	if km >= 0 {
		v := math.Round(km*100) / 100
		c.DistanceKM = &v
	} else if _, near := in.gridNeighbours(tp.grid, p.grid); near {
		c.key = 0
	} else {
		c.key = farAway
	}
	return c, true
}

// ranked is a resource with the key the listing orders it by.
type ranked struct {
	res *matcher.Item
	key float64
}

// rank gives res its key for tp from its location and grid alone: the
// distance, else 0 in a neighbouring grid, else far away; false when res
// is no resource of a known unit.
func (w *whyNotRun) rank(tp *party, res *matcher.Item) (ranked, bool) {
	r, in := w.r, w.in
	if res.Kind != matcher.Resource {
		return ranked{}, false
	}
	ru := r.UnitRaw(res.Unit)
	if ru == nil {
		return ranked{}, false
	}
	loc, has := res.Location, res.Location != nil
	if !has && ru.Location != nil {
		loc, has = ru.Location, true
	}
	key := farAway
	if tp.hasLoc && has {
		key = DistanceKM(tp.loc, *loc)
	} else if _, near := in.gridNeighbours(tp.grid, ru.Grid); near {
		key = 0
	}
	return ranked{res, key}, true
}

// nearest sorts rs by key then id and keeps the first n.
func nearest(rs []ranked, n int) []ranked {
	slices.SortFunc(rs, func(a, b ranked) int {
		if a.key != b.key {
			if a.key < b.key {
				return -1
			}
			return 1
		}
		return cmp.Compare(a.res.ID, b.res.ID)
	})
	return rs[:min(len(rs), n)]
}

// add keeps a fix to verify, once per change and at most whyNotTries of a
// kind (for the demand, or for its binding slot).
func (w *whyNotRun) add(t whyTry) {
	seen, perKind, meeting := w.seen, w.perKind, w.meeting
	k := t.fix.Kind + "|" + t.fix.Item + "|" + t.fix.To
	if seen[k] || perKind[t.fix.Kind+"|"+t.fix.Via] >= whyNotTries {
		return
	}
	seen[k] = true
	perKind[t.fix.Kind+"|"+t.fix.Via]++
	if t.fix.Meeting == "" {
		t.fix.Meeting = meeting
	}
	w.tries = append(w.tries, t)
}

// fixesOf gathers the fixes of one demand of the meeting: target itself,
// or the binding slot of its project (via), which it waits for; short is
// what it lacks.
func (w *whyNotRun) fixesOf(target *matcher.Item, tp *party, compat []whyCand, short int64, via string) {
	in, vocab, used, add := w.in, w.vocab, w.used, w.add
	pool := slices.Clone(compat)
	has := func(id string) bool {
		return slices.ContainsFunc(pool, func(c whyCand) bool { return c.Resource == id })
	}
	// every candidate of the target's row (eligible pairs): more of one
	// may be what it lacks
	if row := w.last.row(target.ID); row != nil {
		for _, e := range row.edges {
			rp := in.resources[e.ri]
			if !has(rp.item.ID) {
				pool = append(pool, whyCand{WhyNotCandidate: WhyNotCandidate{Resource: rp.item.ID, Rules: []string{}},
					party: rp, key: float64(e.km)})
			}
		}
	}
	// and the nearest resources of the meeting itself (the listing
	// above is of the nearest anywhere, often of other meetings)
	var mine []whyCand
	check := in.checker(tp)
	for ri := range in.resources {
		rp := &in.resources[ri]
		if !vocab.Compatible(rp.item.Category, target.Category) || has(rp.item.ID) {
			continue
		}
		broken := check.with(rp, int32(ri)).brokenRules(nil)
		km := check.distance()
		key := km
		if km < 0 {
			if _, near := in.gridNeighbours(tp.grid, rp.grid); near {
				key = 0
			} else {
				key = farAway
			}
		}
		mine = append(mine, whyCand{WhyNotCandidate: WhyNotCandidate{Resource: rp.item.ID, Rules: append([]string{}, broken...)}, party: *rp, key: key})
	}
	slices.SortFunc(mine, func(a, b whyCand) int {
		if a.key != b.key {
			if a.key < b.key {
				return -1
			}
			return 1
		}
		return cmp.Compare(a.Resource, b.Resource)
	})
	pool = append(pool, mine[:min(len(mine), whyNotPool)]...)
	for _, c := range pool {
		rp := c.party
		switch {
		case only(c.Rules, RuleDistance, RuleGrid) && c.key >= 0 && c.key < farAway && tp.hasLoc && rp.hasLoc:
			need := math.Ceil(c.key/radiusStep+1e-9) * radiusStep
			need = math.Round(need*10) / 10
			switch {
			case target.RadiusKM < need && (rp.item.RadiusKM >= need):
				ch := *target
				ch.RadiusKM = need
				add(whyTry{fix: Fix{Kind: FixWidenRadius, Item: target.ID, Resource: c.Resource, Via: via, Field: "radius_km",
					From: ftoa(target.RadiusKM), To: ftoa(need), By: round1(need - target.RadiusKM), Measure: "km",
					Size: (need - target.RadiusKM) / math.Max(target.RadiusKM, 1)}, over: &ch, rank: 0})
			case rp.item.RadiusKM < need && target.RadiusKM >= need:
				ch := *rp.item
				ch.RadiusKM = need
				add(whyTry{fix: Fix{Kind: FixWidenRadius, Item: ch.ID, Resource: c.Resource, Via: via, Field: "radius_km",
					From: ftoa(rp.item.RadiusKM), To: ftoa(need), By: round1(need - rp.item.RadiusKM), Measure: "km",
					Size: (need - rp.item.RadiusKM) / math.Max(rp.item.RadiusKM, 1)}, over: &ch, rank: 0})
			}
		case only(c.Rules, RuleQuantity) || len(c.Rules) == 0:
			// more of an eligible resource: what it lacks beyond what
			// the resource has to spare in the plan (used up by this
			// demand or by others; verified below either way)
			spare := rp.remaining - used[rp.item.ID]
			n := short - max(0, spare)
			if rp.remaining < 0 {
				n = short - rp.remaining
			}
			if n <= 0 {
				continue
			}
			ch := *rp.item
			ch.Quantity += n
			add(whyTry{fix: Fix{Kind: FixAddQuantity, Item: ch.ID, Resource: c.Resource, Via: via, Field: "quantity",
				From: itoa(rp.item.Quantity), To: itoa(ch.Quantity), By: float64(n), Measure: "quantity",
				Size: float64(n) / float64(max(rp.item.Quantity, 1))}, over: &ch, rank: 1})
		case only(c.Rules, RuleWindow):
			if ch, wi, days := extendWindow(rp.item, target.Windows); ch != nil {
				add(whyTry{fix: Fix{Kind: FixExtendWindow, Item: ch.ID, Resource: c.Resource, Via: via, Field: "windows[" + itoa(int64(wi)) + "]",
					From: windowText(rp.item.Windows[wi]), To: windowText(ch.Windows[wi]), By: days, Measure: "days",
					Size: days / 30}, over: ch, rank: 2})
			}
		}
	}
}

// bindingSlot gathers the fixes of the slot the demand's project waits
// for when the demand is a slot blocked by it: what unblocks that one gets
// the demand met too.
func (w *whyNotRun) bindingSlot() {
	r, in, meeting, it := w.r, w.in, w.meeting, w.it
	var binding string
	for _, um := range w.base.Unmet {
		if um.Demand == it.ID && um.Reason == ReasonProjectBlocked {
			binding = um.BlockedBy
		}
	}
	if binding == "" || binding == it.ID {
		return
	}
	if s, err := r.Item(binding); err == nil && s.Status == matcher.ItemOpen {
		if su := r.UnitRaw(s.Unit); su != nil {
			sp := newParty(s, su, Reserved(r, s, meeting))
			in.weigh(&sp)
			sc, _ := w.list(s, &sp)
			w.fixesOf(s, &sp, sc, max(0, sp.remaining), binding)
		}
	}
}

// escalate adds the escalation of the demand to the meeting one level up.
func (w *whyNotRun) escalate() {
	it := w.it
	if up, ok := it.Level.Up(); ok {
		if m, err := meetingAt(w.r, it.Unit, up); err == nil {
			ch := *it
			ch.Level = up
			w.add(whyTry{fix: Fix{Kind: FixEscalate, Item: it.ID, Field: "level", From: string(it.Level), To: string(up),
				By: 1, Measure: "levels", Size: sizeEscalate, Meeting: m}, over: &ch, rank: 3})
		}
	}
}

// verify re-solves with each fix to try, smallest first (at most
// whyNotMaxVerify), and keeps those that get the demand more.
func (w *whyNotRun) verify(ctx context.Context) error {
	out, it := w.out, w.it
	slices.SortStableFunc(w.tries, func(a, b whyTry) int {
		if a.fix.Size != b.fix.Size {
			if a.fix.Size < b.fix.Size {
				return -1
			}
			return 1
		}
		return a.rank - b.rank
	})
	for i, t := range w.tries {
		if i >= whyNotMaxVerify {
			break
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		over := map[string]*matcher.Item{t.over.ID: t.over}
		var res *Result
		var err error
		if t.fix.Meeting == w.meeting {
			res, err = w.sess.runOverlay(ctx, over, nil)
		} else { // escalation: the meeting above
			res, err = runOverlay(ctx, w.r, w.vocab, t.fix.Meeting, w.set, over, nil)
		}
		if err != nil {
			return err
		}
		met := metOf(res, it.ID)
		if met <= out.Met { // up a level the demand starts afresh: it must gain there too
			continue
		}
		t.fix.Gain = met - out.Met
		t.fix.Met = met
		t.fix.Changed = t.over
		out.Fixes = append(out.Fixes, t.fix)
	}
	return nil
}

// whyCand is a resource near a demand, with its party and its sort key.
type whyCand struct {
	WhyNotCandidate
	party party
	key   float64
}

// whyTry is a fix to verify: the changed item and the fix's kind order.
type whyTry struct {
	fix  Fix
	over *matcher.Item
	rank int
}

// only reports whether rules is not empty and holds only allowed ones.
func only(rules []string, allowed ...string) bool {
	for _, x := range rules {
		if !slices.Contains(allowed, x) {
			return false
		}
	}
	return len(rules) > 0
}

// extendWindow stretches the window of res nearest to a demand window so
// that it covers that demand window; it returns the changed copy, the
// window's index and the days added (nil when res has no windows).
func extendWindow(res *matcher.Item, dem []matcher.Window) (*matcher.Item, int, float64) {
	if len(res.Windows) == 0 || len(dem) == 0 {
		return nil, 0, 0
	}
	best, bi := math.MaxFloat64, 0
	var bw matcher.Window
	for i, rw := range res.Windows {
		for _, dw := range dem {
			nw := rw
			if dw.From.Before(nw.From) {
				nw.From = dw.From
			}
			if !nw.To.IsZero() && (dw.To.IsZero() || dw.To.After(nw.To)) {
				nw.To = dw.To
			}
			added := rw.From.Sub(nw.From)
			if nw.To.IsZero() && !rw.To.IsZero() {
				added = math.MaxInt64 / 2
			} else if !rw.To.IsZero() {
				added += nw.To.Sub(rw.To)
			}
			days := added.Hours() / 24
			if days < best {
				best, bi, bw = days, i, nw
			}
		}
	}
	ch := *res
	ch.Windows = slices.Clone(res.Windows)
	ch.Windows[bi] = bw
	return &ch, bi, math.Round(best*10) / 10
}

func windowText(w matcher.Window) string {
	to := "open"
	if !w.To.IsZero() {
		to = w.To.Format(time.RFC3339)
	}
	return w.From.Format(time.RFC3339) + "/" + to
}

func ftoa(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func round1(f float64) float64 { return math.Round(f*10) / 10 }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
