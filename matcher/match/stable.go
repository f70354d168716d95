package match

import (
	"context"
	"fmt"

	"github.com/allymatch/allymatch/matcher/stable"
)

// solveStable runs deferred acceptance. Each side ranks the other by its
// own side's score: a demand ranks resources by the score without its own
// priority (which says nothing about the resource), a resource ranks
// demands by the full score, priority included (it would rather serve the
// urgent need).
func solveStable(ctx context.Context, in *instance, c *candidates, w Weights, capR, need []int64) ([]int64, bool, solveStats, error) {
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
		return nil, false, solveStats{}, fmt.Errorf("match: %w", err)
	}
	return out.Flow, out.Stable, solveStats{}, nil
}
