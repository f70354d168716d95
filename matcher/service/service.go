// Package service holds the operations of the joint meetings and their
// member units: proposing claims for a meeting, answering claims from
// either side, claiming by hand, fulfilling (in part too: lifecycle.go),
// answer deadlines and who has not answered (deadline.go), escalating
// what the meeting decides and bringing it back (escalate.go), and
// reporting. Each operation checks who asks (matcher.Actor), runs as one
// store mutation, and returns matcher errors with codes the API maps.
package service

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
	"github.com/allymatch/allymatch/matcher/match"
	"github.com/allymatch/allymatch/matcher/store"
)

// Service runs the operations on a store.
type Service struct {
	Store *store.Store
	// Now returns the time of claims (default time.Now).
	Now func() time.Time
	// Sessions keep the meetings proposed for, so that proposing again
	// redoes only what changed since (nil: every proposal solves afresh).
	Sessions *match.Sessions
	// ledger groups the points ledger's transfers into store writes
	// (ledger_batch.go).
	ledger batcher
	// rollup keeps the district roll-up's figures between views
	// (rollup.go).
	rollup rollupCache
}

// New returns a service over st.
func New(st *store.Store) *Service {
	return &Service{Store: st, Now: time.Now, Sessions: match.NewSessions(0)}
}

// solve matches the meeting of alliance on sn, with its session when the
// service keeps sessions.
func (s *Service) solve(ctx context.Context, sn store.Snapshot, alliance string, set match.Settings) (*match.Result, error) {
	if s.Sessions == nil {
		return match.Run(ctx, sn.Reader, sn.Vocab, alliance, set)
	}
	return s.Sessions.Get(alliance, set).Run(ctx, sn.Reader, sn.Vocab)
}

func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Millisecond) }

// forbidden and notFound hide from a caller whether something it may not
// see exists: both say "not found".
func notFound(what matcher.Noun, id string) error {
	return matcher.Errorf(matcher.ENOTFOUND, "%s %q not found", what, id)
}

// Proposals is what a proposal run returns: the run's totals and what it
// changed in the meeting's plan (its unanswered proposals). The plan
// itself is read from the store, page by page (GET
// /v1/claims?meeting=&status=proposed).
type Proposals struct {
	Meeting string        `json:"meeting"`
	Level   matcher.Level `json:"level"`
	Mode    match.Mode    `json:"mode"`
	Seq     uint64        `json:"seq"`     // the store index of the state matched
	Optimal bool          `json:"optimal"` // false: the deadline cut the solve
	// Run is the store index of the run's write, 0 when it wrote nothing
	// (its plan is the one stored).
	Run    uint64       `json:"run,omitempty"`
	Totals match.Totals `json:"totals"`
	Stats  match.Stats  `json:"stats"`
	// Certificate sums up the proof that a welfare or coverage plan is
	// optimal; the whole certificate (every price) comes with the plan,
	// MeetingPlan. BlockingPairs counts what blocks a stable plan (0:
	// stable).
	Certificate   *match.CertificateSummary `json:"certificate,omitempty"`
	BlockingPairs *int                      `json:"blocking_pairs,omitempty"`
	// Kept counts the unanswered proposals the run proposed again as they
	// are stored: same pair, quantity, score, runner-up and deadline, left
	// unwritten (same id, same answers).
	Kept    int     `json:"kept"`
	Changes Changes `json:"changes"`
	// AnswerBy is the deadline the meeting's proposals wait for answers
	// by (zero: none); see ProposeBy.
	AnswerBy time.Time `json:"answer_by,omitzero"`
	// Result is the whole match result, for callers in process.
	Result *match.Result `json:"-"`
}

// Changes are the claim ids a proposal run wrote, each list in the order
// it wrote them.
type Changes struct {
	New []string `json:"new"` // proposals of a pair no unanswered proposal had
	// Changed are unanswered proposals of the same pair that the run
	// rewrote in place (same id): a new quantity, score, breakdown,
	// runner-up or answer deadline.
	Changed []string `json:"changed"`
	Dropped []string `json:"dropped"` // unanswered proposals the run no longer makes, expired
}

// maxProposeTries bounds the optimistic retries of Propose when the store
// changes between the solve and the write.
const maxProposeTries = 4

// Propose runs the matcher for the meeting held by alliance and stores the
// result as the meeting's plan, its unanswered proposals, writing only
// what changed (see writePlan): a run that proposes what is stored writes
// nothing. The solve runs on a snapshot, outside the write lock; if the
// store changed meanwhile, it runs again (up to a few times, then under a
// consistent read of the write transaction). Each proposal it writes
// records the run (Claim.Run, the store index of this mutation), so that
// the meeting knows later which demands its matcher has seen (Escalate).
// The proposals wait for answers by the meeting's deadline, if it has one
// ahead (see ProposeBy).
//
// Errors: ENOTFOUND for a meeting the caller may not run; EINVALID for
// bad settings.
func (s *Service) Propose(ctx context.Context, actor matcher.Actor, alliance string, set match.Settings) (*Proposals, error) {
	return s.ProposeBy(ctx, actor, alliance, set, time.Time{})
}

// ProposeBy is Propose with an answer deadline: answerBy (after now and at
// most matcher.MaxAnswerAhead ahead, else EINVALID naming answer_by) is
// set on the meeting's proposals and on its claims still waiting for an
// answer (those one side has accepted, the hand claims at the meeting),
// in the same mutation. A zero answerBy keeps the meeting's deadline
// (MeetingDeadline) for the proposals when it is still ahead, and sets
// none otherwise.
func (s *Service) ProposeBy(ctx context.Context, actor matcher.Actor, alliance string, set match.Settings, answerBy time.Time) (*Proposals, error) {
	if err := set.Validate(); err != nil {
		return nil, err
	}
	sn, err := s.meeting(actor, alliance)
	if err != nil {
		return nil, err
	}
	if !answerBy.IsZero() {
		if err := matcher.CheckAnswerBy(answerBy, s.now()); err != nil {
			return nil, err
		}
	}
	for try := 1; ; try++ {
		res, err := s.solve(ctx, sn, alliance, set)
		if err != nil {
			return nil, err
		}
		var out *Proposals
		stale := false
		ev, err := s.Store.Update(ctx, actor.String(), "meeting.propose", []string{alliance}, func(tx *store.Tx) error {
			if tx.Meta().Seq != sn.Seq {
				if try < maxProposeTries {
					stale = true
					return errStale
				}
				// Solve again on the write transaction itself.
				res, err = match.Run(ctx, tx.Reader, tx.Vocabulary(), alliance, set)
				if err != nil {
					return err
				}
			}
			out = newProposals(res)
			return s.writePlan(tx, out, answerBy)
		})
		if stale {
			sn = s.Store.Snapshot()
			continue
		}
		if err != nil && err != store.ErrNoChange {
			return nil, err
		}
		if err == nil {
			out.Run = ev.Seq
			// The plan is the store's at the index its proposals were
			// stored at: a meeting's own unanswered proposals take nothing
			// from its network, so a new solve there sees the same one,
			// and allymatch verify can rebuild it from the store as it is
			// then. (A copy: a session may hold the result.)
			r := *out.Result
			r.Seq = ev.Seq
			out.Result = &r
		}
		return out, nil
	}
}

func newProposals(res *match.Result) *Proposals {
	return &Proposals{Meeting: res.Meeting, Level: res.Level, Mode: res.Mode, Seq: res.Seq, Optimal: res.Optimal,
		Totals: res.Totals, Stats: res.Stats, Result: res,
		Certificate: res.Certificate.Summary(), BlockingPairs: res.BlockingPairs,
		Changes: Changes{New: []string{}, Changed: []string{}, Dropped: []string{}}}
}

// pair is a claim's resource and demand.
type pair struct{ resource, demand string }

// writePlan stores out.Result as the meeting's plan in tx, as a delta
// against the unanswered proposals stored (status proposed, accepted by
// neither side, made by the matcher): a proposal of a pair one of them has keeps that claim,
// untouched when it says the same (quantity, score, breakdown, runner-up,
// deadline) and rewritten in place otherwise (Changes.Changed); a
// proposal of a new pair is a new claim (Changes.New); an unanswered
// proposal of a pair the run no longer proposes expires
// (Changes.Dropped). What the meeting's plan holds afterwards is what a
// run from nothing would have stored, but for ids and times.
func (s *Service) writePlan(tx *store.Tx, out *Proposals, answerBy time.Time) error {
	alliance := out.Meeting
	now := s.now()
	out.AnswerBy = answerBy
	if due := MeetingDeadline(tx.Reader, alliance); answerBy.IsZero() && due.After(now) {
		out.AnswerBy = due
	}
	// Collect first: a write transaction's iterators must not see writes
	// made while they run.
	open := map[pair]*matcher.Claim{}
	var accepted, dropped []*matcher.Claim
	for c := range tx.ClaimsOfMeetingWith(alliance, matcher.ClaimProposed) {
		k := pair{c.Resource, c.Demand}
		switch {
		case len(c.AcceptedBy) != 0:
			accepted = append(accepted, c)
		case c.Origin != matcher.OriginSolver || open[k] != nil:
			dropped = append(dropped, c) // not the matcher's (a bundle's), or a second one of the pair
		default:
			open[k] = c
		}
	}
	if !answerBy.IsZero() {
		if err := putAnswerBy(tx, accepted, answerBy, now); err != nil {
			return err
		}
	}
	var keep []*matcher.Claim // kept claims, in the order of the proposals
	for i, p := range out.Result.Proposals {
		c := matcher.Claim{
			ID: fmt.Sprintf("%s.%d.%d", alliance, tx.Seq(), i+1), Resource: p.Resource, Demand: p.Demand,
			ResourceUnit: p.ResourceUnit, DemandUnit: p.DemandUnit, Quantity: p.Quantity, Score: p.Score,
			Breakdown: p.Breakdown, Origin: matcher.OriginSolver, Status: matcher.ClaimProposed,
			Meeting: alliance, Run: tx.Seq(), AnswerBy: out.AnswerBy, Created: now, Updated: now,
		}
		if p.RunnerUp != nil {
			c.RunnerUp = p.RunnerUp.Resource
		}
		k := pair{p.Resource, p.Demand}
		if old := open[k]; old != nil {
			delete(open, k)
			if sameProposal(old, &c) {
				out.Kept++
				keep = append(keep, old)
				continue
			}
			c.ID, c.Created = old.ID, old.Created
			out.Changes.Changed = append(out.Changes.Changed, c.ID)
		} else {
			out.Changes.New = append(out.Changes.New, c.ID)
		}
		if err := tx.PutClaim(c); err != nil {
			if matcher.ErrorCode(err) == matcher.EINVALID {
				// The matcher made a claim the store refuses: our fault,
				// not the caller's (an internal error, logged).
				return fmt.Errorf("service: the solver's proposal %s is invalid: %s", c.ID, err.Error())
			}
			return err
		}
	}
	for _, c := range open {
		dropped = append(dropped, c)
	}
	slices.SortFunc(dropped, func(a, b *matcher.Claim) int { return cmp.Compare(a.ID, b.ID) })
	for _, c := range dropped {
		e, err := c.Expire(now)
		if err != nil {
			return err
		}
		if err := tx.PutClaim(e); err != nil {
			return err
		}
		out.Changes.Dropped = append(out.Changes.Dropped, c.ID)
	}
	if len(out.Changes.New)+len(out.Changes.Changed) == 0 && len(keep) > 0 {
		return markSeen(tx, alliance, keep[0])
	}
	return nil
}

// sameProposal reports whether the stored unanswered proposal old says
// what the new proposal c says (a claim of the same pair).
func sameProposal(old, c *matcher.Claim) bool {
	return old.Quantity == c.Quantity && old.Score == c.Score && old.RunnerUp == c.RunnerUp &&
		slices.Equal(old.Breakdown, c.Breakdown) && old.AnswerBy.Equal(c.AnswerBy) &&
		old.ResourceUnit == c.ResourceUnit && old.DemandUnit == c.DemandUnit
}

// markSeen records that a run which wrote no proposal has seen the
// meeting's demands as they are now: when a demand of its scope at its
// level was added or changed after the meeting's last run
// (index.Reader.LastRun, which Escalate goes by), the kept proposal c is
// marked seen by this run (Claim.Seen; one record, and its Run stays: it
// is no new proposal). Otherwise nothing is written.
func markSeen(tx *store.Tx, alliance string, c *matcher.Claim) error {
	last := tx.LastRun(alliance)
	a, err := tx.Alliance(alliance)
	if err != nil {
		return err
	}
	scope, err := match.ResolveScope(tx.Reader, alliance)
	if err != nil {
		return err
	}
	for _, u := range scope.Units() {
		for it := range tx.ItemsOf(u) {
			if it.Kind == matcher.Demand && it.Level == a.Level && it.Rev > last {
				n := *c
				n.Seen = tx.Seq()
				return tx.PutClaim(n)
			}
		}
	}
	return nil
}

var (
	errStale   = matcher.Errorf(matcher.ECONFLICT, "the store changed during the solve")
	errNothing = matcher.Errorf(matcher.EINVALID, "nothing to store")
)

// sideOf returns the side actor answers for on claim c: a unit answers for
// its own side; an admin or the meeting's coordinator records the answer of
// the side they name.
func sideOf(r index.Reader, actor matcher.Actor, c *matcher.Claim, named matcher.Side) (matcher.Side, error) {
	switch actor.Role {
	case matcher.RoleUnit:
		var side matcher.Side
		switch actor.ID {
		case c.ResourceUnit:
			side = matcher.ResourceSide
		case c.DemandUnit:
			side = matcher.DemandSide
		default:
			return "", notFound("claim", c.ID)
		}
		if named != "" && named != side {
			return "", matcher.Errorf(matcher.EFORBIDDEN, "unit %s is the %s side of claim %s, not the %s side", actor.ID, side, c.ID, named)
		}
		return side, nil
	case matcher.RoleCoordinator, matcher.RoleAdmin, matcher.RoleSystem:
		if !matcher.CanSeeClaim(r, actor, c) {
			return "", notFound("claim", c.ID)
		}
		if !named.Valid() {
			return "", matcher.FieldError("side", "say which side's answer this records: resource or demand")
		}
		// A coordinator records the answers of the units in its own
		// scope only; the other side answers for itself (or through its
		// own coordinator).
		if unit := c.UnitOf(named); !matcher.CanWriteUnit(r, actor, unit) {
			return "", matcher.NewError(matcher.EFORBIDDEN, "side",
				"unit %s of the %s side is not in your scope: it answers for itself, or its own coordinator records its answer", unit, named)
		}
		return named, nil
	}
	return "", matcher.Errorf(matcher.EFORBIDDEN, "%s may not answer claims", actor)
}

// meetingHolds checks the meeting a hand claim names: one the caller may
// see (a coordinator: one it runs; a unit: one of its alliances or a
// meeting above them), whose scope holds the units of both items. An
// unknown meeting and one out of the caller's sight answer alike.
func meetingHolds(r index.Reader, actor matcher.Actor, meeting string, items ...*matcher.Item) error {
	if _, err := r.Alliance(meeting); err != nil || !matcher.CanSeeAlliance(r, actor, meeting) ||
		actor.Role == matcher.RoleCoordinator && !matcher.CanRunMeeting(r, actor, meeting) {
		return matcher.NewError(matcher.ENOTFOUND, "meeting", "no meeting %q", meeting)
	}
	scope, err := match.ResolveScope(r, meeting)
	if err != nil {
		return err
	}
	for _, it := range items {
		if !scope.HasUnit(it.Unit) {
			return matcher.FieldError("meeting", "the meeting of %s does not hold item %s: its unit %s is not in that meeting's alliances", meeting, it.ID, it.Unit)
		}
	}
	return nil
}

// Answer is an answer to a claim.
type Answer string

// Answers.
const (
	Accept   Answer = "accept"
	Reject   Answer = "reject"
	Withdraw Answer = "withdraw"
	Fulfil   Answer = "fulfil"
)

// AnswerClaim records one side's answer to a claim: accept (confirmed once
// both sides have), reject (the pair is not proposed again), withdraw (a
// confirmed claim only with a reason), or fulfil (the demand side reports
// all of it done; FulfilClaim reports a part). named is the side for
// coordinators and admins; a unit's side is its own.
//
// Errors: ENOTFOUND for a claim the caller may not see; EFORBIDDEN for a
// side the caller may not answer for; ECONFLICT for an answer the claim's
// status does not take; EINVALID naming side, reason or answer.
func (s *Service) AnswerClaim(ctx context.Context, actor matcher.Actor, id string, ans Answer, named matcher.Side, reason string) (matcher.Claim, error) {
	if err := named.CheckNamed("side"); err != nil {
		return matcher.Claim{}, err
	}
	if err := matcher.ReasonText.Check("reason", reason); err != nil {
		return matcher.Claim{}, err
	}
	var next func(c *matcher.Claim, side matcher.Side, now time.Time) (matcher.Claim, error)
	switch ans {
	case Accept:
		next = func(c *matcher.Claim, side matcher.Side, now time.Time) (matcher.Claim, error) {
			return c.Accept(side, now)
		}
	case Reject:
		next = func(c *matcher.Claim, side matcher.Side, now time.Time) (matcher.Claim, error) {
			return c.Reject(side, reason, now)
		}
	case Withdraw:
		next = func(c *matcher.Claim, side matcher.Side, now time.Time) (matcher.Claim, error) {
			return c.Withdraw(side, reason, now)
		}
	case Fulfil:
		return s.FulfilClaim(ctx, actor, id, Fulfilment{Side: named})
	default:
		return matcher.Claim{}, matcher.FieldError("answer", "must be accept, reject, withdraw or fulfil, got %q", ans)
	}
	return s.changeClaim(ctx, actor, id, ans, named, next, nil)
}

// changeClaim runs one answer to claim id as one store mutation (audit
// action "claim."+ans): the side actor answers for (sideOf), then next
// makes the claim's new version from the stored one, and after (when not
// nil) writes what follows from it in the same mutation (the points a
// fulfilment earns).
func (s *Service) changeClaim(ctx context.Context, actor matcher.Actor, id string, ans Answer, named matcher.Side,
	next func(c *matcher.Claim, side matcher.Side, now time.Time) (matcher.Claim, error),
	after func(tx *store.Tx, c matcher.Claim, now time.Time) error) (matcher.Claim, error) {
	var out matcher.Claim
	var alliances []string
	if c, err := s.Store.Snapshot().Claim(id); err == nil && c.Meeting != "" {
		alliances = []string{c.Meeting}
	}
	_, err := s.Store.Update(ctx, actor.String(), "claim."+string(ans), alliances, func(tx *store.Tx) error {
		c, err := tx.Claim(id)
		if err != nil {
			return err
		}
		side, err := sideOf(tx.Reader, actor, c, named)
		if err != nil {
			return err
		}
		tx.SetSide(side)
		now := s.now()
		n, err := next(c, side, now)
		if err != nil {
			return err
		}
		if err := tx.PutClaim(n); err != nil {
			return err
		}
		if after != nil {
			if err := after(tx, n, now); err != nil {
				return err
			}
		}
		out = n
		return nil
	})
	return out, err
}

// HandClaim is a claim made by hand (认领) by one side.
type HandClaim struct {
	Resource string `json:"resource"`
	Demand   string `json:"demand"`
	Quantity int64  `json:"quantity"`
	Meeting  string `json:"meeting,omitempty"`
	Side     string `json:"side,omitempty"` // for coordinators and admins: whose claim this is
}

// Check checks a hand claim's fields, before the state is read: every
// problem is listed (EINVALID).
func (h HandClaim) Check() error {
	var p matcher.Problems
	if !matcher.ValidID(h.Resource) {
		p.Add("resource", "must be an item id, got %q", h.Resource)
	}
	if !matcher.ValidID(h.Demand) {
		p.Add("demand", "must be an item id, got %q", h.Demand)
	}
	if h.Quantity < 1 || h.Quantity > matcher.MaxQuantity {
		p.Add("quantity", "must be between 1 and %d, got %d", matcher.MaxQuantity, h.Quantity)
	}
	if h.Meeting != "" && !matcher.ValidID(h.Meeting) {
		p.Add("meeting", "must be an alliance id, got %q", h.Meeting)
	}
	if h.Side != "" && !matcher.Side(h.Side).Valid() {
		p.Add("side", "must be resource or demand, got %q", h.Side)
	}
	return p.Err()
}

// ClaimByHand stores a claim made by one side, accepted by that side and
// waiting for the other. The pair must be compatible, of two units, not
// rejected before, and the quantity must be left on both items.
func (s *Service) ClaimByHand(ctx context.Context, actor matcher.Actor, h HandClaim) (matcher.Claim, error) {
	var out matcher.Claim
	if err := h.Check(); err != nil {
		return out, err
	}
	// The event names the meeting, or else the alliances of both units, so
	// that their coordinators and members see it in the audit log.
	alliances := []string{h.Meeting}
	if h.Meeting == "" {
		alliances = nil
		sn := s.Store.Snapshot()
		res, err1 := sn.Item(h.Resource)
		dem, err2 := sn.Item(h.Demand)
		if err1 == nil && err2 == nil {
			alliances = alliancesOfUnits(sn.Reader, res.Unit, dem.Unit)
		}
	}
	_, err := s.Store.Update(ctx, actor.String(), "claim.create", alliances, func(tx *store.Tx) error {
		var p matcher.Problems
		// An item the caller may not see is not found (ENOTFOUND), so that
		// a stranger learns nothing from the answer.
		res, err := tx.Item(h.Resource)
		if err != nil || !matcher.CanSeeItem(tx.Reader, actor, res) {
			return matcher.NewError(matcher.ENOTFOUND, "resource", "no resource item %q", h.Resource)
		}
		dem, err2 := tx.Item(h.Demand)
		if err2 != nil || !matcher.CanSeeItem(tx.Reader, actor, dem) {
			return matcher.NewError(matcher.ENOTFOUND, "demand", "no demand item %q", h.Demand)
		}
		if res.Kind != matcher.Resource {
			p.Add("resource", "item %q is a %s, not a resource", h.Resource, res.Kind)
		}
		if dem.Kind != matcher.Demand {
			p.Add("demand", "item %q is a %s, not a demand", h.Demand, dem.Kind)
		}
		if err := p.Err(); err != nil {
			return err
		}
		draft := matcher.Claim{ResourceUnit: res.Unit, DemandUnit: dem.Unit, ID: "draft", Meeting: h.Meeting}
		side, err := sideOf(tx.Reader, actor, &draft, matcher.Side(h.Side))
		if err != nil {
			return err
		}
		switch {
		case res.Unit == dem.Unit:
			p.Add("demand", "a unit cannot claim its own item")
		case !tx.Vocabulary().Compatible(res.Category, dem.Category):
			p.Add("demand", "a %s resource cannot meet a %s demand", res.Category, dem.Category)
		case res.Status != matcher.ItemOpen || dem.Status != matcher.ItemOpen:
			p.Add("resource", "both items must be open")
		}
		for c := range tx.ClaimsOnPair(res.ID, dem.ID) {
			if c.Status == matcher.ClaimRejected {
				p.Add("demand", "this pair was rejected before (claim %s)", c.ID)
				break
			}
		}
		for _, it := range []*matcher.Item{res, dem} {
			if left := it.Quantity - match.Reserved(tx.Reader, it, ""); h.Quantity > left {
				p.Add("quantity", "item %s has %d left, asked for %d", it.ID, max(0, left), h.Quantity)
			}
		}
		if err := p.Err(); err != nil {
			return err
		}
		if h.Meeting != "" {
			if err := meetingHolds(tx.Reader, actor, h.Meeting, res, dem); err != nil {
				return err
			}
		}
		now := s.now()
		tx.SetSide(side)
		origin := matcher.OriginResource
		if side == matcher.DemandSide {
			origin = matcher.OriginDemand
		}
		out = matcher.Claim{ID: fmt.Sprintf("H.%d", tx.Seq()), Resource: res.ID, Demand: dem.ID,
			ResourceUnit: res.Unit, DemandUnit: dem.Unit, Quantity: h.Quantity, Origin: origin,
			Status: matcher.ClaimProposed, AcceptedBy: []matcher.Side{side}, Meeting: h.Meeting, Created: now, Updated: now}
		return tx.PutClaim(out)
	})
	return out, err
}

// Tally counts the demands of a report's row (in full, in part, not at
// all met by confirmed and fulfilled claims) and adds up their quantities
// per measure: quantities of unlike measures (人次, 个, 份, 小时, 元) are
// never added together.
type Tally struct {
	Demands  int               `json:"demands"`
	Met      int               `json:"met"`    // demands met in full
	Partly   int               `json:"partly"` // demands met in part
	Measures []MeasureQuantity `json:"measures"`
}

// MeasureQuantity is the quantity demanded and met in one measure.
type MeasureQuantity struct {
	Measure string `json:"measure"`
	Need    int64  `json:"need"`
	Met     int64  `json:"met"` // confirmed and fulfilled claims
}

// add counts one demand of need, met by held.
func (t *Tally) add(measure string, need, held int64) {
	t.Demands++
	switch {
	case held >= need:
		t.Met++
	case held > 0:
		t.Partly++
	}
	i := slices.IndexFunc(t.Measures, func(m MeasureQuantity) bool { return m.Measure == measure })
	if i < 0 {
		t.Measures = append(t.Measures, MeasureQuantity{Measure: measure})
		i = len(t.Measures) - 1
	}
	t.Measures[i].Need += need
	t.Measures[i].Met += min(held, need)
}

// sortMeasures orders a tally's measures, the most demanded first (then
// by name).
func (t *Tally) sortMeasures() {
	slices.SortFunc(t.Measures, func(a, b MeasureQuantity) int {
		return cmp.Or(cmp.Compare(b.Need, a.Need), cmp.Compare(a.Measure, b.Measure))
	})
}

// Report is a meeting's state: its demands met and unmet by category, red
// grid and unit (counted, and their quantities per measure), and its
// claims by status.
type Report struct {
	Meeting    string                      `json:"meeting"`
	Level      matcher.Level               `json:"level"`
	ByCategory map[string]Tally            `json:"by_category"`
	ByGrid     map[string]Tally            `json:"by_grid"`
	ByUnit     map[string]Tally            `json:"by_unit"`
	Claims     map[matcher.ClaimStatus]int `json:"claims"`
	Total      Tally                       `json:"total"`
}

// MeetingReport reports on the meeting of alliance: the demands of its
// scope at its level (paused ones aside) and the claims it made.
func (s *Service) MeetingReport(actor matcher.Actor, alliance string) (*Report, error) {
	sn := s.Store.Snapshot()
	a, err := sn.Alliance(alliance)
	if err != nil || !matcher.CanRunMeeting(sn.Reader, actor, alliance) {
		return nil, notFound("meeting", alliance)
	}
	scope, err := match.ResolveScope(sn.Reader, alliance)
	if err != nil {
		return nil, err
	}
	rep := &Report{Meeting: alliance, Level: a.Level, ByCategory: map[string]Tally{}, ByGrid: map[string]Tally{},
		ByUnit: map[string]Tally{}, Claims: map[matcher.ClaimStatus]int{}}
	add := func(m map[string]Tally, k string, it *matcher.Item, held int64) {
		t := m[k]
		t.add(it.Measure, it.Quantity, held)
		m[k] = t
	}
	for _, uid := range scope.Units() {
		u := sn.UnitRaw(uid)
		for it := range sn.ItemsOf(uid) {
			if it.Kind != matcher.Demand || it.Level != a.Level || it.Status == matcher.ItemPaused {
				continue
			}
			held := sn.Held(it)
			add(rep.ByCategory, it.Category, it, held)
			add(rep.ByGrid, u.Grid, it, held)
			add(rep.ByUnit, uid, it, held)
			rep.Total.add(it.Measure, it.Quantity, held)
		}
	}
	for _, m := range []map[string]Tally{rep.ByCategory, rep.ByGrid, rep.ByUnit} {
		for k, t := range m {
			t.sortMeasures()
			m[k] = t
		}
	}
	rep.Total.sortMeasures()
	for c := range sn.ClaimsOfMeeting(alliance) {
		rep.Claims[c.Status]++
	}
	return rep, nil
}
