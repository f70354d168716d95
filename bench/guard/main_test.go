package main

import (
	"strings"
	"testing"
)

func TestParseAndVerdict(t *testing.T) {
	out := `goos: linux
BenchmarkSolveTransport/medium_4400_units-2   1  19974165 ns/op  514.0 components  267966 edges  52283 pivots/op  10609008 B/op  2318 allocs/op
BenchmarkScenario/edits=1-2  1  2063891765 ns/op  17424 B/scenario
BenchmarkFollow-2  1  8822678 ns/op  129472 B/op  1179 allocs/op
BenchmarkWrite/postgres-2  1  7744592 ns/op  132040 B/op  984 allocs/op
--- BENCH: BenchmarkX
PASS`
	figs, err := parse(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	want := map[key]float64{
		{"BenchmarkSolveTransport/medium_4400_units", "components"}: 514,
		{"BenchmarkSolveTransport/medium_4400_units", "edges"}:      267966,
		{"BenchmarkSolveTransport/medium_4400_units", "pivots/op"}:  52283,
		{"BenchmarkSolveTransport/medium_4400_units", "B/op"}:       10609008,
		{"BenchmarkSolveTransport/medium_4400_units", "allocs/op"}:  2318,
	}
	if len(figs) != len(want) {
		t.Errorf("parsed %v, want %v (times, B/scenario and the timing-bound benchmarks not guarded)", figs, want)
	}
	for k, v := range want {
		if figs[k] != v {
			t.Errorf("%v = %v, want %v", k, figs[k], v)
		}
	}
	for _, c := range []struct {
		unit      string
		base, now float64
		ok        bool
	}{
		{"pivots/op", 52283, 52283, true},
		{"pivots/op", 52283, 52282, false}, // a count moves neither way
		{"allocs/op", 2318, 2318 * 1.09, true},
		{"allocs/op", 2318, 2318*1.10 + 65, false},
		{"allocs/op", 7, 60, true}, // a few allocations are slack
		{"B/op", 10609008, 9000000, true},
		{"B/op", 10609008, 16000000, true}, // bytes swing at one iteration
		{"B/op", 10609008, 23000000, false},
	} {
		if _, ok := verdict(c.unit, c.base, c.now); ok != c.ok {
			t.Errorf("verdict(%s, %v → %v) = %v, want %v", c.unit, c.base, c.now, ok, c.ok)
		}
	}
}
