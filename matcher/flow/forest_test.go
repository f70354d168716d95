package flow

import (
	"math/rand/v2"
	"testing"
)

// TestJoinEdges: the components are those of the accepted edges, each
// rooted at its lowest node whatever the order of the edges.
func TestJoinEdges(t *testing.T) {
	// resources 0..3, demands 0..2 (nodes 4..6)
	R := []int32{3, 1, 0, 2, 3}
	D := []int32{2, 0, 0, 1, 1}
	skip := 4 // the edge 3–1 is not useful: 3 stays with demand 2 only
	useful := func(e int) bool { return e != skip }
	want := []int32{0, 0, 2, 3, 0, 2, 3} // {0,1,d0}, {2,d1}, {3,d2}
	f := JoinEdges(make([]int32, 7), 4, R, D, useful)
	for v, w := range want {
		if got := f.Find(int32(v)); got != w {
			t.Fatalf("node %d: root %d, want %d", v, got, w)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 50 {
		order := rng.Perm(len(R))
		r, d := make([]int32, len(R)), make([]int32, len(R))
		for i, e := range order {
			r[i], d[i] = R[e], D[e]
		}
		f := JoinEdges(make([]int32, 7), 4, r, d, func(i int) bool { return order[i] != skip })
		for v, w := range want {
			if got := f.Find(int32(v)); got != w {
				t.Fatalf("order %v, node %d: root %d, want %d", order, v, got, w)
			}
		}
	}
}
