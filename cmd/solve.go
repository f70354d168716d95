package cmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/allymatch/allymatch/matcher/flow"
)

func init() {
	register(command{
		name:    "solve",
		summary: "solve a DIMACS min-cost-flow file (benchmark protocol)",
		run:     runSolve,
	})
}

// runSolve reads a DIMACS .min file and solves it R times, printing the
// protocol of shared/peers/solver/compare.sh:
//
//	c solver allymatch
//	c nodes N arcs M
//	c path transport|general   (c components K for the transport path)
//	c pivots P
//	c parse_s S
//	c solve_runs_s S1 S2 …
//	c solve_s MEDIAN            (parse excluded; structure detection included)
//	s COST                      (or s INFEASIBLE / s UNBOUNDED)
func runSolve(ctx context.Context, std Stdio, args []string) error {
	fs := newFlagSet("solve", "[--repeat R] [--pivot auto|block|candidate] [--general] FILE.min", std)
	repeat := fs.Int("repeat", 1, "solve `R` times and report the median time")
	pivot := fs.String("pivot", "auto", "pricing rule: auto, block or candidate")
	general := fs.Bool("general", false, "use the general network path even for transportation instances")
	workers := fs.Int("workers", 0, "components solved at once on the transportation path (0: GOMAXPROCS)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageErrorf("want one FILE.min, got %d arguments", fs.NArg())
	}
	if *repeat < 1 {
		return usageErrorf("--repeat %d: want at least 1", *repeat)
	}
	opt := flow.Options{Workers: *workers}
	switch *pivot {
	case "auto":
		opt.Pivot = flow.Auto
	case "block":
		opt.Pivot = flow.BlockSearch
	case "candidate":
		opt.Pivot = flow.CandidateList
	default:
		return usageErrorf("--pivot %q: want auto, block or candidate", *pivot)
	}
	path := fs.Arg(0)
	t0 := time.Now()
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	g, err := flow.ReadDIMACS(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	parse := time.Since(t0)

	var runs []time.Duration
	var out solveOutcome
	for range *repeat {
		t := time.Now()
		out = solveNetwork(ctx, g, opt, *general)
		runs = append(runs, time.Since(t))
		if out.err != nil && !isStatus(out.err) {
			return out.err
		}
	}
	w := std.Out
	fmt.Fprintln(w, "c solver allymatch")
	fmt.Fprintf(w, "c nodes %d arcs %d\n", g.N, len(g.From))
	fmt.Fprintf(w, "c path %s\n", out.path)
	if out.path == "transport" {
		fmt.Fprintf(w, "c components %d\n", out.components)
	}
	fmt.Fprintf(w, "c pivots %d\n", out.pivots)
	fmt.Fprintf(w, "c parse_s %.6f\n", parse.Seconds())
	strs := make([]string, len(runs))
	for i, r := range runs {
		strs[i] = fmt.Sprintf("%.6f", r.Seconds())
	}
	fmt.Fprintf(w, "c solve_runs_s %s\n", strings.Join(strs, " "))
	slices.Sort(runs)
	fmt.Fprintf(w, "c solve_s %.6f\n", runs[len(runs)/2].Seconds())
	switch {
	case errors.Is(out.err, flow.ErrInfeasible):
		fmt.Fprintln(w, "s INFEASIBLE")
	case errors.Is(out.err, flow.ErrUnbounded):
		fmt.Fprintln(w, "s UNBOUNDED")
	default:
		if !out.optimal {
			return fmt.Errorf("%s: stopped before optimality: %v", path, ctx.Err())
		}
		fmt.Fprintf(w, "s %d\n", out.cost)
	}
	return nil
}

func isStatus(err error) bool {
	return errors.Is(err, flow.ErrInfeasible) || errors.Is(err, flow.ErrUnbounded)
}

type solveOutcome struct {
	path       string
	cost       int64
	optimal    bool
	pivots     int
	components int
	err        error
}

// solveNetwork solves g through the component-parallel transportation path
// when g has that structure (and general is false), else with the general
// network simplex.
func solveNetwork(ctx context.Context, g *flow.Network, opt flow.Options, general bool) solveOutcome {
	if !general {
		if b, ok := flow.FindBipartite(g); ok {
			res, err := flow.SolveTransport(ctx, b.Transport, opt)
			if err != nil {
				return solveOutcome{path: "transport", err: err}
			}
			return solveOutcome{path: "transport", cost: b.Offset - res.Score, optimal: res.Optimal,
				pivots: res.Pivots, components: res.Components}
		}
	}
	res, err := flow.Solve(ctx, g, opt)
	if err != nil {
		return solveOutcome{path: "general", err: err}
	}
	return solveOutcome{path: "general", cost: res.Cost, optimal: res.Optimal, pivots: res.Pivots}
}
