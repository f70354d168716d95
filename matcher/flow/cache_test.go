package flow

import (
	"context"
	"math/rand/v2"
	"reflect"
	"slices"
	"sync"
	"testing"
)

// sameTransportResult fails tb unless a cached result equals the full one
// in everything but Pivots.
func sameTransportResult(tb testing.TB, step int, got, want *TransportResult) {
	tb.Helper()
	g, w := *got, *want
	g.Pivots, w.Pivots = 0, 0
	if !reflect.DeepEqual(g, w) {
		tb.Fatalf("step %d: cached result differs from SolveTransport:\n got %+v\nwant %+v", step, g, w)
	}
}

// editTransport applies one random edit: a capacity, need, weight or
// score, an edge added or removed, or a resource or demand inserted or
// removed (which renumbers the later ones).
func editTransport(r *rand.Rand, t *Transport, maxQty, maxScore int64) {
	switch r.IntN(8) {
	case 0:
		t.Cap[r.IntN(len(t.Cap))] = r.Int64N(maxQty + 1)
	case 1:
		t.Need[r.IntN(len(t.Need))] = r.Int64N(maxQty + 1)
	case 2:
		if len(t.Score) > 0 {
			t.Score[r.IntN(len(t.Score))] = r.Int64N(maxScore+1) - maxScore/5
		}
	case 3:
		if t.Weight != nil {
			t.Weight[r.IntN(len(t.Weight))] = r.Int64N(4)
		}
	case 4: // add an edge at a random position
		e := r.IntN(len(t.R) + 1)
		t.R = slices.Insert(t.R, e, int32(r.IntN(len(t.Cap))))
		t.D = slices.Insert(t.D, e, int32(r.IntN(len(t.Need))))
		t.Score = slices.Insert(t.Score, e, r.Int64N(maxScore+1))
	case 5:
		if len(t.R) > 0 {
			e := r.IntN(len(t.R))
			t.R = slices.Delete(t.R, e, e+1)
			t.D = slices.Delete(t.D, e, e+1)
			t.Score = slices.Delete(t.Score, e, e+1)
		}
	case 6: // insert a resource: later ones move up by one
		i := int32(r.IntN(len(t.Cap) + 1))
		t.Cap = slices.Insert(t.Cap, int(i), r.Int64N(maxQty+1))
		for e := range t.R {
			if t.R[e] >= i {
				t.R[e]++
			}
		}
	case 7: // remove a demand and its edges
		if len(t.Need) < 2 {
			return
		}
		d := int32(r.IntN(len(t.Need)))
		t.Need = slices.Delete(t.Need, int(d), int(d)+1)
		if t.Weight != nil {
			t.Weight = slices.Delete(t.Weight, int(d), int(d)+1)
		}
		for e := len(t.R) - 1; e >= 0; e-- {
			switch {
			case t.D[e] == d:
				t.R = slices.Delete(t.R, e, e+1)
				t.D = slices.Delete(t.D, e, e+1)
				t.Score = slices.Delete(t.Score, e, e+1)
			case t.D[e] > d:
				t.D[e]--
			}
		}
	}
}

func TestCacheRandomEdits(t *testing.T) {
	ctx := context.Background()
	checked := 0
	for seed := range uint64(12) {
		r := rand.New(rand.NewPCG(seed, 7))
		obj := Objective(seed % 2)
		tr := randomTransport(r, 80, 90, 150, 12, 1000, obj == Coverage)
		opt := Options{Objective: obj, Workers: 1 + int(seed%3)}
		c := NewCache(0)
		for step := range 150 {
			got, err := c.SolveTransport(ctx, tr, opt)
			if err != nil {
				t.Fatal(err)
			}
			want, err := SolveTransport(ctx, tr, opt)
			if err != nil {
				t.Fatal(err)
			}
			sameTransportResult(t, step, got, want)
			checked++
			for range 1 + r.IntN(2) {
				editTransport(r, tr, 12, 1000)
			}
		}
		if s := c.Stats(); s.Hits == 0 || s.Misses == 0 {
			t.Errorf("seed %d: stats %+v: expected both hits and misses", seed, s)
		}
	}
	t.Logf("%d edited problems checked", checked)
}

func TestCacheReusesUntouched(t *testing.T) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(3, 3))
	tr := randomTransport(r, 200, 200, 300, 10, 1000, false)
	c := NewCache(0)
	first, err := c.SolveTransport(ctx, tr, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// the same problem again: nothing is solved
	again, err := c.SolveTransport(ctx, tr, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if again.Pivots != 0 {
		t.Errorf("unchanged problem: %d pivots, want 0", again.Pivots)
	}
	sameTransportResult(t, 0, again, first)
	// one capacity changed: at most one component is solved
	s0 := c.Stats()
	tr.Cap[tr.R[0]]++
	if _, err := c.SolveTransport(ctx, tr, Options{}); err != nil {
		t.Fatal(err)
	}
	if s := c.Stats(); s.Misses-s0.Misses > 1 {
		t.Errorf("one capacity changed: %d components solved", s.Misses-s0.Misses)
	}
}

func TestCacheEvicts(t *testing.T) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(5, 5))
	c := NewCache(60)
	for step := range 40 {
		tr := randomTransport(r, 30, 30, 40, 10, 1000, false)
		got, err := c.SolveTransport(ctx, tr, Options{})
		if err != nil {
			t.Fatal(err)
		}
		want, _ := SolveTransport(ctx, tr, Options{})
		sameTransportResult(t, step, got, want)
		if s := c.Stats(); s.Edges > 60 {
			t.Fatalf("step %d: %d edges stored past the limit of 60", step, s.Edges)
		}
	}
	if s := c.Stats(); s.Evictions == 0 {
		t.Errorf("no eviction: %+v", s)
	}
}

func TestCacheConcurrent(t *testing.T) {
	ctx := context.Background()
	c := NewCache(500)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(g%2), 9)) // two pairs of goroutines share problems
			tr := randomTransport(r, 60, 60, 100, 10, 1000, false)
			for step := range 40 {
				got, err := c.SolveTransport(ctx, tr, Options{Workers: 2})
				if err != nil {
					t.Error(err)
					return
				}
				want, _ := SolveTransport(ctx, tr, Options{})
				g, w := *got, *want
				g.Pivots, w.Pivots = 0, 0
				if !reflect.DeepEqual(g, w) {
					t.Errorf("step %d: concurrent cached result differs", step)
					return
				}
				editTransport(r, tr, 10, 1000)
			}
		})
	}
	wg.Wait()
}

func TestCacheDeadline(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := rand.New(rand.NewPCG(1, 1))
	tr := randomTransport(r, 50, 50, 120, 10, 1000, false)
	c := NewCache(0)
	got, err := c.SolveTransport(ctx, tr, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Optimal {
		t.Fatal("cancelled solve reported optimal")
	}
	if s := c.Stats(); s.Entries != 0 {
		t.Errorf("cancelled solve stored %d components", s.Entries)
	}
	got, err = c.SolveTransport(context.Background(), tr, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := SolveTransport(context.Background(), tr, Options{})
	sameTransportResult(t, 0, got, want)
}
