package match

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/allymatch/allymatch/matcher/flow"
	"github.com/allymatch/allymatch/matcher/stable"
)

// solveStable runs deferred acceptance. Each side ranks the other by its
// own side's score: a demand ranks resources by the score without its own
// priority (which says nothing about the resource), a resource ranks
// demands by the full score, priority included (it would rather serve the
// urgent need). It returns the flow, whether it is stable (false: ctx cut
// it short), the problem solved and its number of components.
func solveStable(ctx context.Context, c *candidates, w Weights, capR, need []int64) ([]int64, bool, *stable.Problem, int, error) {
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
	flow, ok, comps, err := solveStableParts(ctx, p, runtime.GOMAXPROCS(0))
	if err != nil {
		return nil, false, nil, 0, fmt.Errorf("match: %w", err)
	}
	return flow, ok, p, comps, nil
}

// stableSerialEdges is the problem size below which solveStableParts
// solves the problem whole, on the calling goroutine.
var stableSerialEdges = 5000

// solveStableParts is stable.Solve split into the connected components of
// the edges that can carry quantity (both ends above 0; the others carry
// none in any stable plan), solved by up to workers goroutines, largest
// first. The flow is stable.Solve's to the edge: each part keeps its
// edges in their order (preferences tie-break by edge index), and the
// demand-optimal stable allocation of strict preferences is unique, so it
// is the union of those of the parts.
func solveStableParts(ctx context.Context, p *stable.Problem, workers int) ([]int64, bool, int, error) {
	nr := len(p.Cap)
	useful := func(e int) bool { return p.Cap[p.R[e]] > 0 && p.Need[p.D[e]] > 0 }
	forest := flow.JoinEdges(make([]int32, nr+len(p.Need)), nr, p.R, p.D, useful)
	// the parts, numbered by first edge, with their edges in order
	id := make([]int32, len(forest))
	for i := range id {
		id[i] = -1
	}
	var parts [][]int32
	for e := range p.R {
		if !useful(e) {
			continue
		}
		r := forest.Find(p.R[e])
		if id[r] < 0 {
			id[r] = int32(len(parts))
			parts = append(parts, nil)
		}
		parts[id[r]] = append(parts[id[r]], int32(e))
	}
	negative := slices.ContainsFunc(p.Cap, func(c int64) bool { return c < 0 }) || slices.ContainsFunc(p.Need, func(n int64) bool { return n < 0 })
	if len(parts) <= 1 || len(p.R) < stableSerialEdges || negative { // whole (stable.Solve reports the negative quantity)
		out, err := stable.Solve(ctx, p)
		if err != nil {
			return nil, false, 0, err
		}
		return out.Flow, out.Stable, len(parts), nil
	}
	order := make([]int, len(parts))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return len(parts[b]) - len(parts[a]) })
	flow := make([]int64, len(p.R))
	errs := make([]error, len(parts))
	var unstable atomic.Bool
	var next atomic.Int64
	work := func() {
		// local numbers of the part's resources and demands, reset after
		local := make([]int32, len(forest))
		for i := range local {
			local[i] = -1
		}
		for {
			k := int(next.Add(1) - 1)
			if k >= len(order) {
				return
			}
			edges := parts[order[k]]
			sub := &stable.Problem{R: make([]int32, len(edges)), D: make([]int32, len(edges)),
				DemandPref: make([]int64, len(edges)), ResourcePref: make([]int64, len(edges))}
			var nodes []int32
			for i, e := range edges {
				r, d := p.R[e], int32(nr)+p.D[e]
				if local[r] < 0 {
					local[r] = int32(len(sub.Cap))
					sub.Cap = append(sub.Cap, p.Cap[p.R[e]])
					nodes = append(nodes, r)
				}
				if local[d] < 0 {
					local[d] = int32(len(sub.Need))
					sub.Need = append(sub.Need, p.Need[p.D[e]])
					nodes = append(nodes, d)
				}
				sub.R[i], sub.D[i] = local[r], local[d]
				sub.DemandPref[i], sub.ResourcePref[i] = p.DemandPref[e], p.ResourcePref[e]
			}
			for _, v := range nodes {
				local[v] = -1
			}
			out, err := stable.Solve(ctx, sub)
			if err != nil {
				errs[order[k]] = err
				continue
			}
			if !out.Stable {
				unstable.Store(true)
			}
			for i, e := range edges {
				flow[e] = out.Flow[i]
			}
		}
	}
	var wg sync.WaitGroup
	for range max(1, min(workers, len(parts))) - 1 {
		wg.Go(work)
	}
	work()
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, false, 0, err
		}
	}
	return flow, !unstable.Load(), len(parts), nil
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
