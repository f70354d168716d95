package cmd

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/allymatch/allymatch/fixtures"
	"github.com/allymatch/allymatch/matcher/judged"
	"github.com/allymatch/allymatch/matcher/match"
)

func init() {
	register(command{name: "eval", summary: "relevance of the proposals on the judged sets (precision, bad rate, recall per mode)", run: runEval})
}

func runEval(ctx context.Context, std Stdio, args []string) error {
	fs := newFlagSet("eval", "[--set NAME] [--mode welfare|coverage|stable|all] [--json] [-v]\n\nProposes for every meeting of each judged set (fixtures/judged: the Banan\nsample and the Huaxi community) and prints, per mode, precision (the share\nof proposed quantity on pairs judged good), the bad rate (the share of\nproposals on pairs judged bad) and recall (of the demands with a good pair\nthe meeting could propose, the share that got a good proposal).", std)
	set := fs.String("set", "", "judged set: banan or huaxi (default: all)")
	mode := fs.String("mode", "all", "welfare, coverage, stable or all")
	asJSON := fs.Bool("json", false, "print JSON")
	verbose := fs.Bool("v", false, "list the bad and unjudged proposals and the missed demands")
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	modes := []match.Mode{match.Welfare, match.Coverage, match.Stable}
	if *mode != "all" {
		modes = []match.Mode{match.Mode(*mode)}
		s := match.DefaultSettings()
		s.Mode = modes[0]
		if err := s.Validate(); err != nil {
			return usageErrorf("%v", err)
		}
	}
	type setFigures struct {
		Set     string            `json:"set"`
		Figures []*judged.Figures `json:"figures"`
	}
	var all []setFigures
	found := false
	for _, js := range fixtures.JudgedSets() {
		if *set != "" && js.Name != *set {
			continue
		}
		found = true
		b, err := js.Bundle()
		if err != nil {
			return err
		}
		f, err := js.Labels()
		if err != nil {
			return err
		}
		labels, err := judged.ReadLabels(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", js.Name, err)
		}
		figs, err := judged.Run(ctx, b, labels, modes, match.DefaultSettings())
		if err != nil {
			return fmt.Errorf("%s: %w", js.Name, err)
		}
		all = append(all, setFigures{js.Name, figs})
	}
	if !found {
		return usageErrorf("no judged set %q (banan, huaxi)", *set)
	}
	if *asJSON {
		return printJSON(std.Out, all)
	}
	tw := tabwriter.NewWriter(std.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "set\tmode\tproposals\tgood\tbad\tunjudged\tprecision\tbad rate\trecall")
	for _, sf := range all {
		for _, f := range sf.Figures {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%.1f%%\t%.1f%%\t%.1f%% (%d/%d)\n", sf.Set, f.Mode, f.Proposals, f.Good, f.Bad, f.Unjudged,
				100*f.Precision, 100*f.BadRate, 100*f.Recall, f.Recalled, f.Reachable)
		}
	}
	tw.Flush()
	if *verbose {
		for _, sf := range all {
			for _, f := range sf.Figures {
				fmt.Fprintf(std.Out, "\n%s · %s\n", sf.Set, f.Mode)
				for _, p := range f.BadPairs {
					fmt.Fprintf(std.Out, "  bad       %s → %s ×%d (score %d): %s\n", p.Resource, p.Demand, p.Quantity, p.Score, p.Reason)
				}
				for _, p := range f.UnjudgedList {
					fmt.Fprintf(std.Out, "  unjudged  %s → %s ×%d (score %d)\n", p.Resource, p.Demand, p.Quantity, p.Score)
				}
				if len(f.Missed) > 0 {
					fmt.Fprintf(std.Out, "  missed    %s\n", strings.Join(f.Missed, ", "))
				}
			}
		}
	}
	return nil
}
