package stable_test

import (
	"context"
	"fmt"

	"github.com/allymatch/allymatch/matcher/stable"
)

// Two resources (a school hall with 2 slots, a bank's volunteer team with
// 3) and two demands (a reading club needing 2, an elderly-care visit
// needing 2). Both demands like the hall best; the hall prefers the
// elderly-care visit, the volunteers prefer the reading club.
func ExampleSolve() {
	p := &stable.Problem{
		Cap:          []int64{2, 3},       // hall, volunteers
		Need:         []int64{2, 2},       // reading club, elderly care
		R:            []int32{0, 0, 1, 1}, // hall–club, hall–care, vol–club, vol–care
		D:            []int32{0, 1, 0, 1},
		DemandPref:   []int64{900, 800, 600, 700},
		ResourcePref: []int64{500, 700, 800, 300},
	}
	res, err := stable.Solve(context.Background(), p)
	if err != nil {
		panic(err)
	}
	fmt.Println("flow:", res.Flow, "stable:", res.Stable)
	fmt.Println("blocking edges:", len(stable.BlockingPairs(p, res.Flow)))
	// a plan that gives the hall to the club instead is blocked by
	// hall–care: the hall and the visit both prefer each other
	fmt.Println("blocking edges of [2 0 0 2]:", stable.BlockingPairs(p, []int64{2, 0, 0, 2}))
	// Output:
	// flow: [0 2 2 0] stable: true
	// blocking edges: 0
	// blocking edges of [2 0 0 2]: [1]
}
