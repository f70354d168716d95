// Command guard checks benchmark output against a committed baseline of the
// figures that repeat on a noisy machine: allocations and bytes per op
// (within a tolerance: 10% for allocations, a doubling for bytes, which
// swing at one iteration), and the solver's and pipeline's counts (pivots,
// edges, components, ...; exactly). Times are never compared: CI shares
// its cores.
//
//	go test -run='^$' -bench=. -benchtime=1x -benchmem ./... | tee bench.txt
//	go run ./bench/guard -baseline bench/baseline/ci.txt bench.txt
//	go run ./bench/guard -baseline bench/baseline/ci.txt -update bench.txt
//	go test -run='^$' -bench=Import -benchtime=1x -benchmem ./bench | go run ./bench/guard -partial
//
// It prints a table of the guarded figures that moved (baseline, now,
// change, verdict) and exits 1 when one regressed past its tolerance, a
// count changed, a guarded benchmark is gone, or (without -partial) the
// output has a guarded figure the baseline lacks: a new benchmark is
// guarded from its first CI run on. -update rewrites the baseline from the
// output (a whole run's: it drops what the output lacks).
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
)

// tolerances: the units guarded and how far they may move up (a
// fraction; 0: exactly). A figure not listed is not guarded.
var tolerances = map[string]float64{
	"allocs/op": 0.10,
	// At one iteration bytes per op swing by up to half (the GC empties
	// the pools of reused scratch memory at its own moments; measured over
	// three runs of the whole suite): only a doubling is a regression.
	"B/op": 1.0,
	// counts that depend only on the inputs and the algorithms
	"pivots/op":    0,
	"edges":        0,
	"components":   0,
	"rounds":       0,
	"claims":       0,
	"held":         0,
	"records":      0,
	"untouched/op": 0,
	"meetings":     0,
	"resources":    0,
	"demands":      0,
	"proposals":    0,
	// records a proposal run writes (BenchmarkPropose): a delta, nothing
	// when nothing changed
	"records/op": 0,
}

// slack is the absolute room on top of the tolerance for small figures (a
// few allocations of a goroutine or a pool refill are not a regression).
var slack = map[string]float64{"allocs/op": 64, "B/op": 1 << 20}

// unguarded are the benchmarks whose figures follow timing, not the
// inputs (open-loop rates, a follower woken by NOTIFY, statements
// prepared on a pool's connections): parse leaves them out, so they are
// neither checked nor recorded.
var unguarded = regexp.MustCompile(`^Benchmark(DurableWritesWithSubscriptions|Follow|Write/postgres)(/|$)`)

type key struct{ bench, unit string }

var line = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+(.*)$`)

// parse reads benchmark lines: name, iterations, then value-unit pairs.
func parse(r io.Reader) (map[key]float64, error) {
	out := map[key]float64{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		m := line.FindStringSubmatch(sc.Text())
		if m == nil || unguarded.MatchString(m[1]) {
			continue
		}
		f := strings.Fields(m[2])
		for i := 0; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				break
			}
			if _, ok := tolerances[f[i+1]]; ok {
				out[key{m[1], f[i+1]}] = v
			}
		}
	}
	return out, sc.Err()
}

func readBaseline(path string) (map[key]float64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[key]float64{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		t := strings.TrimSpace(sc.Text())
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		f := strings.Fields(t)
		if len(f) != 3 {
			return nil, fmt.Errorf("%s:%d: want BENCHMARK UNIT VALUE, got %q", path, n, t)
		}
		v, err := strconv.ParseFloat(f[2], 64)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, n, err)
		}
		out[key{f[0], f[1]}] = v
	}
	return out, sc.Err()
}

// sortedKeys returns the keys of figs by benchmark, then unit.
func sortedKeys(figs map[key]float64) []key {
	keys := make([]key, 0, len(figs))
	for k := range figs {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b key) int {
		if c := strings.Compare(a.bench, b.bench); c != 0 {
			return c
		}
		return strings.Compare(a.unit, b.unit)
	})
	return keys
}

func writeBaseline(path string, figs map[key]float64) error {
	keys := sortedKeys(figs)
	var b strings.Builder
	b.WriteString("# The figures bench/guard checks (go run ./bench/guard -h): written by -update\n")
	b.WriteString("# from go test -run='^$' -bench=. -benchtime=1x -benchmem ./... on the CI's\n")
	b.WriteString("# machine kind. allocs/op may rise 10%, B/op 100% (and a little more for small\n")
	b.WriteString("# figures); counts must stay exactly as they are.\n")
	for _, k := range keys {
		fmt.Fprintf(&b, "%s %s %s\n", k.bench, k.unit, strconv.FormatFloat(figs[k], 'f', -1, 64))
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// verdict compares one figure.
func verdict(unit string, base, now float64) (string, bool) {
	tol := tolerances[unit]
	if tol == 0 {
		if now == base {
			return "=", true
		}
		return "changed", false
	}
	if now <= base*(1+tol)+slack[unit] {
		if now < base*(1-tol)-slack[unit] {
			return "better: -update", true
		}
		return "ok", true
	}
	return fmt.Sprintf("regressed (> %+.0f%%)", tol*100), false
}

func main() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }

// run is the command on args, reading benchmark output from stdin unless
// a file is named; it returns the exit status: 0 passed, 1 a figure
// failed, 2 a usage or file error.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("guard", flag.ContinueOnError)
	flags.SetOutput(stderr)
	baseline := flags.String("baseline", "bench/baseline/ci.txt", "the baseline file")
	update := flags.Bool("update", false, "rewrite the baseline from the output instead of checking")
	partial := flags.Bool("partial", false, "check only the benchmarks the output holds (a developer's subset run); figures not in the baseline are then reported, not failed")
	if err := flags.Parse(args); err != nil {
		return 2
	}
	fail := func(err error) int {
		fmt.Fprintln(stderr, "guard:", err)
		return 2
	}
	in := stdin
	if flags.NArg() == 1 {
		f, err := os.Open(flags.Arg(0))
		if err != nil {
			return fail(err)
		}
		defer f.Close()
		in = f
	}
	now, err := parse(in)
	if err != nil {
		return fail(err)
	}
	if *update {
		if err := writeBaseline(*baseline, now); err != nil {
			return fail(err)
		}
		fmt.Fprintf(stdout, "guard: %d figures written to %s\n", len(now), *baseline)
		return 0
	}
	base, err := readBaseline(*baseline)
	if err != nil {
		return fail(err)
	}
	if len(now) == 0 {
		return fail(fmt.Errorf("the output holds no benchmark figures"))
	}
	if *partial {
		ran := map[string]bool{}
		for k := range now {
			ran[k.bench] = true
		}
		for k := range base {
			if !ran[k.bench] {
				delete(base, k)
			}
		}
	}
	bad, extra := compare(stdout, base, now, !*partial)
	fmt.Fprintf(stdout, "guard: %d figures checked against %s, %d failed, %d new\n", len(base), *baseline, bad, extra)
	if bad > 0 {
		fmt.Fprintln(stdout, "guard: a count that changed on purpose, a cost that rose for a reason, or a new benchmark is recorded with -update (say why in the commit)")
		return 1
	}
	return 0
}

// compare writes a benchstat-style table (benchmark, unit, baseline, now,
// change, verdict) of the figures that moved past noise or failed, and
// returns how many failed and how many figures of now the baseline does
// not have. With strict set (a whole run, as CI's) such a new figure is a
// failure too: nothing CI runs goes unguarded because -update was
// forgotten.
func compare(w io.Writer, base, now map[key]float64, strict bool) (bad, extra int) {
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "benchmark\tunit\tbaseline\tnow\tchange\tverdict")
	for _, k := range sortedKeys(base) {
		b := base[k]
		n, ok := now[k]
		if !ok {
			fmt.Fprintf(tw, "%s\t%s\t%g\t-\tgone\t\n", k.bench, k.unit, b)
			bad++
			continue
		}
		v, good := verdict(k.unit, b, n)
		if !good {
			bad++
		}
		change := "~"
		if b != 0 {
			change = fmt.Sprintf("%+.1f%%", (n-b)/math.Abs(b)*100)
		}
		if good && v == "=" || v == "ok" {
			continue // print only what moved past noise, and the failures
		}
		fmt.Fprintf(tw, "%s\t%s\t%g\t%g\t%s\t%s\n", k.bench, k.unit, b, n, change, v)
	}
	for _, k := range sortedKeys(now) {
		if _, ok := base[k]; ok {
			continue
		}
		extra++
		v := "new: not guarded until -update"
		if strict {
			v = "new: -update"
			bad++
		}
		fmt.Fprintf(tw, "%s\t%s\t-\t%g\t~\t%s\n", k.bench, k.unit, now[k], v)
	}
	tw.Flush()
	return bad, extra
}
