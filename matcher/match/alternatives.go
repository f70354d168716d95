package match

import (
	"context"
	"slices"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
)

// MaxAlternatives bounds k in Alternatives.
const MaxAlternatives = 20

// Alternative is one other plan for a demand: the proposals it would get and
// what the whole meeting's plan would lose in welfare for it.
type Alternative struct {
	Rank      int        `json:"rank"`      // 1 is the best alternative
	Proposals []Proposal `json:"proposals"` // the demand's proposals in this plan
	Met       int64      `json:"met"`
	Welfare   int64      `json:"welfare"`   // Σ score × quantity of the whole plan
	Cost      int64      `json:"cost"`      // the optimum's welfare less this plan's: ≥ 0 in welfare mode
	Forbidden []string   `json:"forbidden"` // resources kept from the demand to get this plan
}

// AlternativesResult is the optimum for a demand and the k best other plans.
type AlternativesResult struct {
	Meeting      string        `json:"meeting"`
	Demand       string        `json:"demand"`
	Mode         Mode          `json:"mode"`
	Seq          uint64        `json:"seq"`
	Optimum      []Proposal    `json:"optimum"` // the demand's proposals in the optimal plan
	Met          int64         `json:"met"`
	Welfare      int64         `json:"welfare"`
	Alternatives []Alternative `json:"alternatives"`
	Exhausted    bool          `json:"exhausted"` // fewer than k: no other resource can serve the demand
}

// Alternatives returns up to k alternative plans for demandID at meeting
// (its own meeting when meeting is ""), best first. Alternative i keeps from
// the demand every resource the optimum and alternatives 1..i-1 gave it
// (as if that pair were rejected) and re-solves the whole meeting, so each
// alternative names new resources and, in welfare mode, costs are ≥ 0 and
// non-decreasing (each solve has more pairs forbidden). The cost is the
// welfare the meeting's whole plan loses, not only the demand's.
func Alternatives(ctx context.Context, r index.Reader, vocab *matcher.Vocabulary, meeting, demandID string, k int, set Settings) (*AlternativesResult, error) {
	return (*Sessions)(nil).Alternatives(ctx, r, vocab, meeting, demandID, k, set)
}

// Alternatives is [Alternatives] with the base plan from p's session of
// the meeting (a fresh session when p is nil).
func (p *Sessions) Alternatives(ctx context.Context, r index.Reader, vocab *matcher.Vocabulary, meeting, demandID string, k int, set Settings) (*AlternativesResult, error) {
	if k < 1 || k > MaxAlternatives {
		return nil, matcher.FieldError("k", "must be between 1 and %d, got %d", MaxAlternatives, k)
	}
	it, err := r.Item(demandID)
	if err != nil {
		return nil, err
	}
	if it.Kind != matcher.Demand {
		return nil, matcher.FieldError("demand", "%s is a resource, not a demand", demandID)
	}
	if meeting == "" {
		if meeting, err = MeetingOf(r, it); err != nil {
			return nil, err
		}
	}
	// Each alternative is an incremental re-solve of the base plan's session.
	base, sess, err := p.session(meeting, set).runFork(ctx, r, vocab)
	if err != nil {
		return nil, err
	}
	out := &AlternativesResult{Meeting: base.Meeting, Demand: demandID, Mode: set.Mode, Seq: base.Seq,
		Welfare: base.Totals.Welfare, Optimum: proposalsOf(base, demandID), Alternatives: []Alternative{}}
	for _, p := range out.Optimum {
		out.Met += p.Quantity
	}
	if len(out.Optimum) == 0 {
		return nil, matcher.Errorf(matcher.ECONFLICT, "demand %s gets no proposal at meeting %s; see its why-not", demandID, base.Meeting)
	}
	var forbidden []string
	last := out.Optimum
	for len(out.Alternatives) < k {
		for _, p := range last {
			if !slices.Contains(forbidden, p.Resource) {
				forbidden = append(forbidden, p.Resource)
			}
		}
		pairs := make([][2]string, len(forbidden))
		for i, res := range forbidden {
			pairs[i] = [2]string{res, demandID}
		}
		res, err := sess.runOverlay(ctx, nil, pairs)
		if err != nil {
			return nil, err
		}
		last = proposalsOf(res, demandID)
		if len(last) == 0 {
			out.Exhausted = true
			break
		}
		a := Alternative{Rank: len(out.Alternatives) + 1, Proposals: last, Welfare: res.Totals.Welfare,
			Cost: out.Welfare - res.Totals.Welfare, Forbidden: slices.Clone(forbidden)}
		for _, p := range last {
			a.Met += p.Quantity
		}
		out.Alternatives = append(out.Alternatives, a)
	}
	return out, nil
}

func proposalsOf(res *Result, demand string) []Proposal {
	out := []Proposal{}
	for _, p := range res.Proposals {
		if p.Demand == demand {
			out = append(out, p)
		}
	}
	return out
}
