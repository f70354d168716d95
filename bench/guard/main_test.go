package main

import (
	"slices"
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

// TestRunFailsOnARegression feeds the command a baseline and benchmark
// output with one regressed figure of each kind, and a run that holds
// them all unchanged: the first fails (status 1) with a table naming each
// failure, the second passes and prints no row.
func TestRunFailsOnARegression(t *testing.T) {
	dir := t.TempDir()
	baseline := dir + "/ci.txt"
	good := `BenchmarkPipeline/1k/all-2  1  57000000 ns/op  12804 edges  5332 pivots/op  800000 B/op  10000 allocs/op
BenchmarkStoreOpen/banan-2  1  3000000 ns/op  245.0 records  100000 B/op  2000 allocs/op
`
	if code := run([]string{"-baseline", baseline, "-update"}, strings.NewReader(good), new(strings.Builder), new(strings.Builder)); code != 0 {
		t.Fatalf("-update: status %d", code)
	}
	var out, errs strings.Builder
	if code := run([]string{"-baseline", baseline}, strings.NewReader(good), &out, &errs); code != 0 {
		t.Fatalf("the baseline's own figures: status %d, want 0\n%s%s", code, out.String(), errs.String())
	}
	if strings.Contains(out.String(), "BenchmarkPipeline") {
		t.Errorf("a passing run printed a row:\n%s", out.String())
	}

	regressed := `BenchmarkPipeline/1k/all-2  1  1000 ns/op  12805 edges  5332 pivots/op  800000 B/op  11200 allocs/op
BenchmarkStoreOpen/banan-2  1  3000000 ns/op  245.0 records  100000 B/op  2000 allocs/op
BenchmarkNew/one-2  1  3000000 ns/op  7 allocs/op
`
	out.Reset()
	code := run([]string{"-baseline", baseline}, strings.NewReader(regressed), &out, &errs)
	if code != 1 {
		t.Fatalf("a regressed run: status %d, want 1\n%s", code, out.String())
	}
	table := out.String()
	for _, want := range [][]string{
		{"benchmark", "unit", "baseline", "now", "change", "verdict"},
		{"BenchmarkPipeline/1k/all", "allocs/op", "10000", "11200", "+12.0%", "regressed (> +10%)"},
		{"BenchmarkPipeline/1k/all", "edges", "12804", "12805", "+0.0%", "changed"},
		{"BenchmarkNew/one", "allocs/op", "-", "7", "~", "new: -update"},
	} {
		if !hasRow(table, want) {
			t.Errorf("no row %q in:\n%s", want, table)
		}
	}
	if strings.Contains(table, "ns/op") || hasRow(table, []string{"BenchmarkStoreOpen/banan"}) {
		t.Errorf("times or unchanged figures in the table:\n%s", table)
	}
	if !strings.Contains(table, "3 failed") {
		t.Errorf("want 3 failed in the summary:\n%s", table)
	}

	// A developer's subset: the benchmarks it did not run are not gone,
	// and a new one is reported without failing.
	out.Reset()
	subset := "BenchmarkStoreOpen/banan-2  1  3000000 ns/op  245.0 records  100000 B/op  2000 allocs/op\nBenchmarkNew/one-2  1  3000000 ns/op  7 allocs/op\n"
	if code := run([]string{"-baseline", baseline, "-partial"}, strings.NewReader(subset), &out, &errs); code != 0 {
		t.Errorf("-partial subset: status %d, want 0\n%s", code, out.String())
	}
	if !hasRow(out.String(), []string{"BenchmarkNew/one", "allocs/op", "-", "7", "~", "new: not guarded until -update"}) {
		t.Errorf("-partial: the new figure is not reported:\n%s", out.String())
	}
	// The whole run without the subset's benchmarks: gone.
	out.Reset()
	if code := run([]string{"-baseline", baseline}, strings.NewReader(subset), &out, &errs); code != 1 || !hasRow(out.String(), []string{"BenchmarkPipeline/1k/all", "edges", "12804", "-", "gone"}) {
		t.Errorf("a run without a guarded benchmark: status %d, want 1 and a gone row\n%s", code, out.String())
	}
	// No figures at all is an error, not a pass.
	if code := run([]string{"-baseline", baseline}, strings.NewReader("PASS\n"), &out, &errs); code != 2 {
		t.Errorf("empty output: status %d, want 2", code)
	}
}

// hasRow reports whether a line of table has the fields of want (each
// split at spaces) in order, one after the other.
func hasRow(table string, cells []string) bool {
	want := strings.Fields(strings.Join(cells, " "))
	for _, l := range strings.Split(table, "\n") {
		f := strings.Fields(l)
		for i := 0; i+len(want) <= len(f); i++ {
			if slices.Equal(f[i:i+len(want)], want) {
				return true
			}
		}
	}
	return false
}
