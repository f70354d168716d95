package flow

import (
	"context"
	"errors"
	"testing"
)

// networkFromBytes decodes a small network: byte 0 the node count (1..6),
// then 6 bytes per arc (from, to, lower, cap, cost, flags) and finally one
// supply byte per node, the last node taking the balance. It reports false
// when data is too short.
func networkFromBytes(data []byte) (*Network, bool) {
	if len(data) < 1 {
		return nil, false
	}
	n := 1 + int(data[0])%6
	data = data[1:]
	g := &Network{N: n, Supply: make([]int64, n)}
	for len(data) >= 6+n && len(g.From) < 10 {
		b := data[:6]
		data = data[6:]
		lo := int64(b[2] % 3)
		c := lo + int64(b[3]%4)
		if b[5]&1 == 1 {
			c = Inf
		}
		g.From = append(g.From, int32(int(b[0])%n))
		g.To = append(g.To, int32(int(b[1])%n))
		g.Lower = append(g.Lower, lo)
		g.Cap = append(g.Cap, c)
		g.Cost = append(g.Cost, int64(int8(b[4]))%20)
	}
	var sum int64
	for v := range n - 1 {
		if v < len(data) {
			g.Supply[v] = int64(int8(data[v])) % 5
		}
		sum += g.Supply[v]
	}
	g.Supply[n-1] = -sum
	return g, true
}

func FuzzSolve(f *testing.F) {
	f.Add([]byte{3, 0, 1, 0, 3, 5, 0, 1, 2, 0, 2, 250, 0, 2})
	f.Add([]byte{1, 0, 1, 0, 2, 255, 1, 1, 0, 1, 0, 0, 1})
	f.Add([]byte{4, 0, 1, 1, 2, 3, 0, 1, 2, 0, 3, 7, 0, 2, 3, 0, 3, 1, 1, 3, 0, 0, 0, 0, 2, 1, 2, 255})
	f.Fuzz(func(t *testing.T, data []byte) {
		g, ok := networkFromBytes(data)
		if !ok {
			return
		}
		res, err := Solve(context.Background(), g, Options{})
		// The brute force needs finite capacities: if a feasible flow
		// exists, one exists with no more than bound units on any arc.
		finite := g.clone()
		var bound int64
		for v := range g.N {
			bound += max(g.Supply[v], -g.Supply[v])
		}
		for a := range g.Cap {
			bound += g.lower(a)
			if g.Cap[a] != Inf {
				bound += g.Cap[a]
			}
		}
		space := 1.0
		for a := range finite.Cap {
			if finite.Cap[a] == Inf {
				finite.Cap[a] = finite.lower(a) + bound
			}
			space *= float64(finite.Cap[a] - finite.lower(a) + 1)
		}
		brute := space <= 2e5
		switch {
		case errors.Is(err, ErrUnbounded):
			return
		case errors.Is(err, ErrInfeasible):
			if brute {
				if _, feasible := bruteNetwork(finite); feasible {
					t.Fatalf("ErrInfeasible, but brute force finds a flow\n%+v", g)
				}
			}
			return
		case err != nil:
			t.Fatalf("unexpected error %v\n%+v", err, g)
		}
		checkCertificate(t, g, res)
		if brute {
			want, ok := bruteNetwork(finite)
			if !ok || want < res.Cost {
				t.Fatalf("cost %d, brute force %d (ok=%v)\n%+v", res.Cost, want, ok, g)
			}
		}
	})
}

func (g *Network) clone() *Network {
	c := *g
	c.Cap = append([]int64(nil), g.Cap...)
	return &c
}

// transportFromBytes decodes a small transport problem: resources and
// demands (1..4 each), their quantities, then 3 bytes per edge.
func transportFromBytes(data []byte) (*Transport, bool) {
	if len(data) < 2 {
		return nil, false
	}
	nr, nd := 1+int(data[0])%4, 1+int(data[1])%4
	data = data[2:]
	if len(data) < nr+nd {
		return nil, false
	}
	t := &Transport{Cap: make([]int64, nr), Need: make([]int64, nd), Weight: make([]int64, nd)}
	for i := range nr {
		t.Cap[i] = int64(data[i] % 4)
	}
	for i := range nd {
		t.Need[i] = int64(data[nr+i] % 4)
		t.Weight[i] = int64(data[nr+i] / 64)
	}
	data = data[nr+nd:]
	for len(data) >= 3 && len(t.R) < 6 {
		t.R = append(t.R, int32(int(data[0])%nr))
		t.D = append(t.D, int32(int(data[1])%nd))
		t.Score = append(t.Score, int64(int8(data[2])))
		data = data[3:]
	}
	return t, true
}

func FuzzSolveTransport(f *testing.F) {
	f.Add([]byte{1, 1, 3, 2, 1, 0, 0, 50, 1, 1, 40, 0, 1, 30})
	f.Add([]byte{3, 2, 3, 3, 3, 3, 200, 130, 70, 0, 0, 9, 1, 1, 9, 2, 2, 9, 3, 0, 9, 0, 2, 255})
	f.Fuzz(func(t *testing.T, data []byte) {
		tr, ok := transportFromBytes(data)
		if !ok {
			return
		}
		for _, obj := range []Objective{Welfare, Coverage} {
			res, err := SolveTransport(context.Background(), tr, Options{Objective: obj})
			if err != nil {
				t.Fatalf("%v\n%+v", err, tr)
			}
			checkTransport(t, tr, obj, res)
			cov, score := bruteTransport(tr, obj)
			if res.Score != score || (obj == Coverage && res.Covered != cov) {
				t.Fatalf("objective %d: covered %d score %d, brute force %d, %d\n%+v", obj, res.Covered, res.Score, cov, score, tr)
			}
		}
	})
}
