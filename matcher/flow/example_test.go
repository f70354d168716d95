package flow_test

import (
	"context"
	"fmt"

	"github.com/allymatch/allymatch/matcher/flow"
)

// Two resources (a school hall with 2 slots, a bank's volunteers with 3)
// and two demands (a reading club needing 2, an elderly-care visit needing
// 2); the scores favour the hall for the club.
func ExampleSolveTransport() {
	t := &flow.Transport{
		Cap:   []int64{2, 3},
		Need:  []int64{2, 2},
		R:     []int32{0, 0, 1, 1},
		D:     []int32{0, 1, 0, 1},
		Score: []int64{900, 400, 600, 700},
	}
	res, err := flow.SolveTransport(context.Background(), t, flow.Options{})
	if err != nil {
		panic(err)
	}
	fmt.Println("flow:", res.Flow, "score:", res.Score, "optimal:", res.Optimal)
	fmt.Println("resource duals:", res.ResourceDual, "demand duals:", res.DemandDual)
	// Output:
	// flow: [2 0 0 2] score: 3200 optimal: true
	// resource duals: [0 0] demand duals: [900 700]
}

func ExampleSolve() {
	// ship 4 units from node 0 to node 2, directly (cost 5 each, at most
	// 3 units) or through node 1 (cost 2 + 2)
	g := &flow.Network{
		N:      3,
		Supply: []int64{4, 0, -4},
		From:   []int32{0, 0, 1},
		To:     []int32{2, 1, 2},
		Cap:    []int64{3, 2, flow.Inf},
		Cost:   []int64{5, 2, 2},
	}
	res, err := flow.Solve(context.Background(), g, flow.Options{})
	if err != nil {
		panic(err)
	}
	fmt.Println("flow:", res.Flow, "cost:", res.Cost)
	// Output:
	// flow: [2 2 2] cost: 18
}
