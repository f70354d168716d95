package flow

import (
	"context"
	"math/rand/v2"
	"testing"
)

// TestFindBipartite builds generator-layout networks, checks that they are
// recognised, that the transport optimum maps back to a network flow of the
// same cost, and that small changes to the layout are rejected.
func TestFindBipartite(t *testing.T) {
	r := rand.New(rand.NewPCG(19, 20))
	for i := range 100 {
		tr := randomTransport(r, 1+r.IntN(20), 1+r.IntN(20), r.IntN(80), 20, 1000, false)
		nr, nd := len(tr.Cap), len(tr.Need)
		var F int64
		for _, c := range tr.Cap {
			F += c
		}
		// nodes: 0 = s, 1 = t, 2.. resources, then demands
		g := &Network{N: nr + nd + 2, Supply: make([]int64, nr+nd+2)}
		g.Supply[0], g.Supply[1] = F, -F
		add := func(u, v int, c, k int64) {
			g.From = append(g.From, int32(u))
			g.To = append(g.To, int32(v))
			g.Cap = append(g.Cap, c)
			g.Cost = append(g.Cost, k)
		}
		for i, c := range tr.Cap {
			add(0, 2+i, c, 0)
		}
		for e := range tr.R {
			add(2+int(tr.R[e]), 2+nr+int(tr.D[e]), min(tr.Cap[tr.R[e]], tr.Need[tr.D[e]]), -tr.Score[e])
		}
		for j, c := range tr.Need {
			add(2+nr+j, 1, c, 0)
		}
		add(0, 1, F, 0)
		b, ok := FindBipartite(g)
		if !ok {
			t.Fatalf("case %d: layout not recognised", i)
		}
		res, err := SolveTransport(context.Background(), b.Transport, Options{})
		if err != nil {
			t.Fatal(err)
		}
		want, err := Solve(context.Background(), g, Options{})
		if err != nil {
			t.Fatal(err)
		}
		checkCertificate(t, g, want)
		if got := b.Offset - res.Score; got != want.Cost {
			t.Fatalf("case %d: transport cost %d, network simplex %d", i, got, want.Cost)
		}
		f := b.Flow(g, res.Flow)
		var cost int64
		for a := range f {
			cost += f[a] * g.Cost[a]
		}
		if cost != want.Cost {
			t.Fatalf("case %d: mapped flow costs %d, want %d", i, cost, want.Cost)
		}
		// a second bypass, or a lower bound, breaks the layout
		g2 := *g
		g2.Lower = make([]int64, len(g.From))
		g2.Lower[0] = 1
		if _, ok := FindBipartite(&g2); ok && g.Cap[0] >= 1 {
			t.Fatalf("case %d: lower bound accepted", i)
		}
	}
}
