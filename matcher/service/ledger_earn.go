package service

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
	"github.com/allymatch/allymatch/matcher/store"
)

// Earning: an alliance's coordinator sets earning rules (points per unit
// of measure of a demand category, paid by an issuing account); the
// resource side of a claim names the team and card accounts that did the
// work (Earners); when the demand side records the fulfilment, the points
// for the quantity delivered move from the issuer to the earners, split by
// their shares, in the fulfilment's own store write (FulfilClaim). A
// coordinator also awards points by hand: a transfer from the issuing
// account with a reason (PostTransfer).

// RuleRequest makes an earning rule.
type RuleRequest struct {
	ID       string `json:"id"`
	Alliance string `json:"alliance"`
	Category string `json:"category"`
	Measure  string `json:"measure,omitempty"`
	Points   int64  `json:"points"`
	Issuer   string `json:"issuer"`
}

// CreateRule sets an earning rule for the claims of alliance's meeting and
// the meetings below it: Points per unit of Measure (of every measure when
// empty) of a fulfilled claim on a demand of Category, paid from Issuer
// (an issuing account of a unit of the alliance's scope). One active rule
// per alliance, category and measure. Coordinators of the alliance (or
// above it) and admins. One audit event, "ledger.rule".
//
// Errors: EINVALID naming the field; ENOTFOUND naming alliance or issuer
// out of the caller's scope; ECONFLICT naming id (taken), issuer (not an
// issuing account, or of a unit outside the alliance) or category (a rule
// for it exists).
func (s *Service) CreateRule(ctx context.Context, actor matcher.Actor, req RuleRequest) (matcher.EarnRule, error) {
	r := matcher.EarnRule{ID: req.ID, Alliance: req.Alliance, Category: req.Category, Measure: req.Measure, Points: req.Points, Issuer: req.Issuer,
		Active: true, Created: s.now()}
	if id, ok := s.Store.Vocabulary().Lookup(r.Category); ok {
		r.Category = id
	}
	if err := r.Validate(); err != nil {
		return r, err
	}
	var out matcher.EarnRule
	_, err := s.Store.Update(ctx, actor.String(), "ledger.rule", []string{r.Alliance}, func(tx *store.Tx) error {
		ref := newRefs(tx.Reader, actor)
		ref.meeting("alliance", r.Alliance)
		if err := ref.err(); err != nil {
			return err
		}
		if !tx.Vocabulary().Has(r.Category) {
			return matcher.FieldError("category", "unknown category %q", req.Category)
		}
		if err := checkIssuer(tx.Reader, actor, &r); err != nil {
			return err
		}
		if _, err := tx.Rule(r.ID); err == nil {
			return exists("earning rule", r.ID)
		}
		if err := oneRule(tx.Reader, &r); err != nil {
			return err
		}
		out = r
		return tx.PutRule(r)
	})
	return out, err
}

// checkIssuer checks a rule's issuing account.
func checkIssuer(r index.Reader, actor matcher.Actor, rule *matcher.EarnRule) error {
	acc, err := r.Account(rule.Issuer)
	if err != nil || !matcher.CanSeeAccount(r, actor, acc) {
		return noAccount("issuer", rule.Issuer)
	}
	if acc.Kind != matcher.AccountIssuer {
		return &matcher.Error{Code: matcher.ECONFLICT, Field: "issuer", Message: fmt.Sprintf("account %s is a %s account; a rule pays from an issuing account", acc.ID, acc.Kind)}
	}
	if !matcher.CanSeeUnit(r, matcher.Coordinator(rule.Alliance), acc.Unit) {
		return &matcher.Error{Code: matcher.ECONFLICT, Field: "issuer", Message: fmt.Sprintf("account %s belongs to unit %s, which is not in alliance %s or below it", acc.ID, acc.Unit, rule.Alliance)}
	}
	return nil
}

// oneRule refuses a second active rule of an alliance for one category and
// measure.
func oneRule(r index.Reader, rule *matcher.EarnRule) error {
	if !rule.Active {
		return nil
	}
	for o := range r.RulesOf(rule.Alliance) {
		if o.ID != rule.ID && o.Active && o.Category == rule.Category && o.Measure == rule.Measure {
			return &matcher.Error{Code: matcher.ECONFLICT, Field: "category",
				Message: fmt.Sprintf("rule %s already pays for %s (%s) in %s; change it or make it inactive first", o.ID, o.Category, measureOr(o.Measure), o.Alliance)}
		}
	}
	return nil
}

func measureOr(m string) string {
	if m == "" {
		return "any measure"
	}
	return m
}

// RulePatch changes an earning rule: only the fields given.
type RulePatch struct {
	Points *int64  `json:"points,omitempty"`
	Active *bool   `json:"active,omitempty"`
	Issuer *string `json:"issuer,omitempty"`
}

// PatchRule changes the points, the issuer or whether a rule is active.
// Transfers earned before keep what they earned. The rule's coordinators
// and admins; one audit event, "ledger.rule".
func (s *Service) PatchRule(ctx context.Context, actor matcher.Actor, id string, p RulePatch) (matcher.EarnRule, error) {
	var out matcher.EarnRule
	var alliances []string
	if r, err := s.Store.Snapshot().Rule(id); err == nil {
		alliances = []string{r.Alliance}
	}
	_, err := s.Store.Update(ctx, actor.String(), "ledger.rule", alliances, func(tx *store.Tx) error {
		cur, err := tx.Rule(id)
		if err != nil || !matcher.CanRunMeeting(tx.Reader, actor, cur.Alliance) {
			return matcher.Errorf(matcher.ENOTFOUND, "earning rule %q not found", id)
		}
		r := *cur
		set(&r.Points, p.Points)
		set(&r.Active, p.Active)
		set(&r.Issuer, p.Issuer)
		if err := r.Validate(); err != nil {
			return err
		}
		if err := checkIssuer(tx.Reader, actor, &r); err != nil {
			return err
		}
		if err := oneRule(tx.Reader, &r); err != nil {
			return err
		}
		out = r
		return tx.PutRule(r)
	})
	return out, unchanged(err)
}

// Rules lists the earning rules actor may see: those of the alliances it
// may run (or, for a unit, of its alliances and above), of one alliance
// when alliance is set.
func (s *Service) Rules(actor matcher.Actor, alliance string) []matcher.EarnRule {
	sn := s.Store.Snapshot()
	src := sn.Rules()
	if alliance != "" {
		src = sn.RulesOf(alliance)
	}
	out := []matcher.EarnRule{}
	for r := range src {
		if matcher.CanRunMeeting(sn.Reader, actor, r.Alliance) || actor.Role == matcher.RoleUnit && matcher.CanSeeAlliance(sn.Reader, actor, r.Alliance) {
			out = append(out, *r)
		}
	}
	return out
}

// SetEarners names the accounts that earn the points of claim id when it
// is fulfilled: team and card accounts of the resource unit's community,
// each with a share (1 when 0). No earners clears the list. The resource
// side names them (its unit, or a coordinator or admin for it), while the
// claim is proposed or confirmed. One audit event, "ledger.earners".
//
// Errors: ENOTFOUND for a claim the caller may not see, or naming
// earners[i].account for an account out of reach; EFORBIDDEN for the
// demand side; ECONFLICT for a claim no longer open, or naming
// earners[i].account (not a team or card, of another community);
// EINVALID naming the field.
func (s *Service) SetEarners(ctx context.Context, actor matcher.Actor, id string, earners []matcher.Earner) (matcher.Earners, error) {
	e := matcher.Earners{ID: id, Earners: slices.Clone(earners), By: actor.String(), Time: s.now()}
	for i := range e.Earners {
		if e.Earners[i].Share == 0 {
			e.Earners[i].Share = 1
		}
	}
	if len(e.Earners) > 0 {
		if err := e.Validate(); err != nil {
			return e, err
		}
	}
	var alliances []string
	sn := s.Store.Snapshot()
	if c, err := sn.Claim(id); err == nil {
		alliances = alliancesOfUnits(sn.Reader, c.ResourceUnit)
	}
	out := e
	_, err := s.Store.Update(ctx, actor.String(), "ledger.earners", alliances, func(tx *store.Tx) error {
		c, err := tx.Claim(id)
		if err != nil || !matcher.CanSeeClaim(tx.Reader, actor, c) {
			return notFound("claim", id)
		}
		if _, err := sideOf(tx.Reader, actor, c, matcher.ResourceSide); err != nil {
			if matcher.ErrorCode(err) == matcher.EFORBIDDEN {
				return matcher.Errorf(matcher.EFORBIDDEN, "the resource side of claim %s names who earns its points (%s)", id, c.ResourceUnit)
			}
			return err
		}
		if !c.Status.Open() {
			return matcher.Errorf(matcher.ECONFLICT, "claim %s is %s: its earners can no longer change (correct what it earned with a reversing transfer)", id, c.Status)
		}
		ref := newRefs(tx.Reader, actor)
		for i, x := range e.Earners {
			f := fmt.Sprintf("earners[%d].account", i)
			acc, err := tx.Account(x.Account)
			switch {
			case err != nil || !matcher.CanReachAccount(tx.Reader, actor, acc):
				ref.p.List = append(ref.p.List, noAccount(f, x.Account).(*matcher.Error))
			case acc.Kind != matcher.AccountTeam && acc.Kind != matcher.AccountCard:
				ref.p.List = append(ref.p.List, &matcher.Error{Code: matcher.ECONFLICT, Field: f, Message: fmt.Sprintf("account %s is a %s account; a team or a card earns", acc.ID, acc.Kind)})
			case !sameCommunity(tx.Reader, acc.Unit, c.ResourceUnit):
				ref.p.List = append(ref.p.List, &matcher.Error{Code: matcher.ECONFLICT, Field: f, Message: fmt.Sprintf("account %s is of another community: unit %s shares no alliance with %s", acc.ID, acc.Unit, c.ResourceUnit)})
			}
		}
		if err := ref.err(); err != nil {
			return err
		}
		if len(e.Earners) == 0 {
			if tx.EarnersOf(id) == nil {
				return store.ErrNoChange
			}
			return tx.Delete(index.TableEarners, id)
		}
		return tx.PutEarners(e)
	})
	if len(e.Earners) == 0 {
		out.Earners = []matcher.Earner{}
	}
	return out, unchanged(err)
}

// EarnersOf returns the earners named for claim id (none: an empty list)
// and the rule its fulfilment would pay under (nil: none), for a claim
// actor may see.
func (s *Service) EarnersOf(actor matcher.Actor, id string) (matcher.Earners, *matcher.EarnRule, error) {
	sn := s.Store.Snapshot()
	c, err := sn.Claim(id)
	if err != nil || !matcher.CanSeeClaim(sn.Reader, actor, c) {
		return matcher.Earners{}, nil, notFound("claim", id)
	}
	out := matcher.Earners{ID: id, Earners: []matcher.Earner{}}
	if e := sn.EarnersOf(id); e != nil {
		out = *e
	}
	var rule *matcher.EarnRule
	if dem, err := sn.Item(c.Demand); err == nil {
		rule = ruleFor(sn.Reader, c, dem)
	}
	return out, rule, nil
}

// ruleFor returns the earning rule a fulfilment of claim c on demand dem
// pays under: the active rule for dem's category and measure of the
// lowest alliance above the claim's meeting (or above the resource unit's
// alliances, for a claim by hand without a meeting) that has one; a rule
// for dem's own measure before one for any measure; nil when none.
func ruleFor(r index.Reader, c *matcher.Claim, dem *matcher.Item) *matcher.EarnRule {
	starts := []string{c.Meeting}
	if c.Meeting == "" {
		starts = alliancesOfUnits(r, c.ResourceUnit)
	}
	var best *matcher.EarnRule
	bestDepth := len(matcher.Levels) + 1
	for _, start := range starts {
		id := start
		for depth := 0; id != "" && depth <= len(matcher.Levels) && depth <= bestDepth; depth++ {
			for rule := range r.RulesOf(id) {
				if !rule.Applies(dem.Category, dem.Measure) {
					continue
				}
				better := best == nil || depth < bestDepth ||
					depth == bestDepth && (rule.Measure != "" && best.Measure == "" ||
						(rule.Measure == "") == (best.Measure == "") && rule.ID < best.ID)
				if better {
					best, bestDepth = rule, depth
				}
			}
			a, err := r.Alliance(id)
			if err != nil {
				break
			}
			id = a.Parent
		}
	}
	return best
}

// earn writes the points a fulfilled claim earns (see FulfilClaim): under
// the rule for its demand, rule.Points × the quantity delivered, from the
// rule's issuer to the claim's earners by their shares. Nothing when no
// earners were named or no rule applies.
func earn(tx *store.Tx, c matcher.Claim, actor matcher.Actor, now time.Time) error {
	e := tx.EarnersOf(c.ID)
	if e == nil || c.Status != matcher.ClaimFulfilled {
		return nil
	}
	dem, err := tx.Item(c.Demand)
	if err != nil {
		return err
	}
	rule := ruleFor(tx.Reader, &c, dem)
	if rule == nil {
		return nil
	}
	total := rule.Points * c.Quantity
	if total > matcher.MaxAmount {
		return &matcher.Error{Code: matcher.ECONFLICT, Field: "quantity", Message: fmt.Sprintf("the delivery would earn %d points, more than one transfer carries (%d)", total, int64(matcher.MaxAmount))}
	}
	shares := make([]int64, len(e.Earners))
	for i, x := range e.Earners {
		shares[i] = x.Share
	}
	cat := rule.Category
	if cg, ok := tx.Vocabulary().Get(rule.Category); ok {
		cat = cg.NameZH
	}
	reason := fmt.Sprintf("%s %d%s × %d 分（认领 %s）", cat, c.Quantity, dem.Measure, rule.Points, c.ID)
	for i, part := range matcher.Split(total, shares) {
		if part == 0 {
			continue
		}
		t := matcher.Transfer{ID: matcher.EarnID(c.ID, i+1), From: rule.Issuer, To: e.Earners[i].Account, Amount: part, Reason: reason,
			Kind: matcher.TransferEarn, Claim: c.ID, Rule: rule.ID, Category: rule.Category, By: actor.String(), Time: now}
		if _, err := tx.PostTransfer(t); err != nil {
			return err
		}
	}
	return nil
}
