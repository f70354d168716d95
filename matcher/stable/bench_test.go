package stable

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkSolve solves seeded random instances with quantities up to 10⁹:
// "independent" preferences are scores 0..1000 drawn per edge on each side;
// "correlated" ones add a common quality per resource (for demands) and
// per demand (for resources), so that many agents chase the same partners.
func BenchmarkSolve(b *testing.B) {
	for _, size := range []struct{ n, m int }{{2000, 20000}, {50000, 500000}} {
		for _, correlated := range []bool{false, true} {
			rng := rand.New(rand.NewPCG(uint64(size.m), 1))
			p := randomProblem(rng, size.n, size.n, size.m, 1, 1_000_000_000, 1001, false)
			name := "independent"
			if correlated {
				name = "correlated"
				n := int64(size.n)
				for e := range p.R {
					p.DemandPref[e] = int64(p.R[e])*1000/n + p.DemandPref[e]/10
					p.ResourcePref[e] = int64(p.D[e])*1000/n + p.ResourcePref[e]/10
				}
			}
			b.Run(fmt.Sprintf("m=%d/%s", size.m, name), func(b *testing.B) {
				var res *Result
				for b.Loop() {
					res, _ = Solve(context.Background(), p)
				}
				if !res.Stable {
					b.Fatal("not stable")
				}
				b.ReportMetric(float64(size.m), "edges")
				b.ReportMetric(float64(res.Rounds), "rounds")
			})
		}
	}
}
