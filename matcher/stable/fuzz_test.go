package stable

import (
	"context"
	"slices"
	"testing"
)

// problemFromBytes decodes a small problem: byte 0 the resource count
// (1..4), byte 1 the demand count (1..4), one capacity byte per resource and
// one need byte per demand (0..3 each), then 4 bytes per edge (resource,
// demand, demand preference, resource preference; preferences 0..3, so
// ties are common), at most 12 edges. It reports false when data is too
// short.
func problemFromBytes(data []byte) (*Problem, bool) {
	if len(data) < 2 {
		return nil, false
	}
	nr, nd := 1+int(data[0])%4, 1+int(data[1])%4
	data = data[2:]
	if len(data) < nr+nd {
		return nil, false
	}
	p := &Problem{Cap: make([]int64, nr), Need: make([]int64, nd)}
	for r := range nr {
		p.Cap[r] = int64(data[r] % 4)
	}
	for d := range nd {
		p.Need[d] = int64(data[nr+d] % 4)
	}
	data = data[nr+nd:]
	for len(data) >= 4 && len(p.R) < 12 {
		b := data[:4]
		data = data[4:]
		p.R = append(p.R, int32(int(b[0])%nr))
		p.D = append(p.D, int32(int(b[1])%nd))
		p.DemandPref = append(p.DemandPref, int64(b[2]%4))
		p.ResourcePref = append(p.ResourcePref, int64(b[3]%4))
	}
	return p, true
}

func FuzzSolve(f *testing.F) {
	f.Add([]byte{1, 1, 2, 3, 3, 3, 0, 0, 1, 1, 1, 0, 2, 2, 0, 1, 1, 0, 1, 1, 0, 2})
	f.Add([]byte{3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 2, 2, 0, 0, 3, 3, 0, 0})
	f.Add([]byte{2, 0, 0, 3, 2, 3, 0, 0, 1, 1, 1, 0, 1, 1, 2, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		p, ok := problemFromBytes(data)
		if !ok {
			return
		}
		res, err := Solve(context.Background(), p)
		if err != nil {
			t.Fatalf("Solve: %v\n%s", err, dump(p))
		}
		checkStable(t, p, res)
		checkRounds(t, p, res)
		if want := naiveDA(p); !slices.Equal(res.Flow, want) {
			t.Fatalf("flow %v, textbook deferred acceptance %v\n%s", res.Flow, want, dump(p))
		}
	})
}
