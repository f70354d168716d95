package match

import (
	"context"
	"fmt"
	"slices"

	"github.com/allymatch/allymatch/matcher/stable"
)

// solveStable runs deferred acceptance. Each side ranks the other by its
// own side's score: a demand ranks resources by the score without its own
// priority (which says nothing about the resource), a resource ranks
// demands by the full score, priority included (it would rather serve the
// urgent need).
func solveStable(ctx context.Context, in *instance, c *candidates, w Weights, capR, need []int64) ([]int64, bool, *stable.Problem, error) {
	demandW := w
	demandW.Priority = 0
	if demandW == (Weights{}) {
		demandW = Weights{Proximity: 1}
	}
	dw, rw := demandW.list(), w.list()
	p := &stable.Problem{Cap: capR, Need: need, R: c.R, D: c.D,
		DemandPref: make([]int64, len(c.R)), ResourcePref: make([]int64, len(c.R))}
	for e := range c.R {
		p.DemandPref[e] = int64(scoreOf(c.Terms[e], dw))
		p.ResourcePref[e] = int64(scoreOf(c.Terms[e], rw))
	}
	out, err := stable.Solve(ctx, p)
	if err != nil {
		return nil, false, nil, fmt.Errorf("match: %w", err)
	}
	return out.Flow, out.Stable, p, nil
}

// BlockingPair is a candidate pair that blocks a stable plan: the demand
// would rather have more of this resource (it has need left, or takes some
// of a resource it ranks lower) and the resource would rather serve it (it
// has quantity left, or serves a demand it ranks lower).
type BlockingPair struct {
	Resource      string `json:"resource"`
	Demand        string `json:"demand"`
	Quantity      int64  `json:"quantity"`       // what the plan sends over the pair
	ResourceSpare int64  `json:"resource_spare"` // the resource's capacity left after the plan
	DemandUnmet   int64  `json:"demand_unmet"`   // the demand's need left after the plan
}

// blockingPairs lists the pairs of c that block flow on p (stable.BlockingPairs).
func (in *instance) blockingPairs(p *stable.Problem, c *candidates, flow []int64) []BlockingPair {
	bp := stable.BlockingPairs(p, flow)
	if len(bp) == 0 {
		return nil
	}
	spare, unmet := slices.Clone(p.Cap), slices.Clone(p.Need)
	for e, f := range flow {
		spare[p.R[e]] -= f
		unmet[p.D[e]] -= f
	}
	out := make([]BlockingPair, len(bp))
	for i, e := range bp {
		out[i] = BlockingPair{Resource: in.resID(int(c.R[e])), Demand: in.demID(int(c.D[e])), Quantity: flow[e],
			ResourceSpare: spare[c.R[e]], DemandUnmet: unmet[c.D[e]]}
	}
	return out
}
