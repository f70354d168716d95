package cmd

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/allymatch/allymatch/fixtures"
	"github.com/allymatch/allymatch/matcher/match"
	"github.com/allymatch/allymatch/matcher/store"
)

func init() {
	register(command{name: "match", summary: "propose claims for joint meetings (the embedded Banan sample by default)", run: runMatch})
}

func runMatch(ctx context.Context, std Stdio, args []string) error {
	fs := newFlagSet("match", "[--meeting ID] [--mode welfare|coverage|stable] [--json] [--data DIR|URL]\n\nRuns candidates, scores and the exact solver for one meeting (or every\nmeeting, lowest level first) and prints the proposals with their score\nbreakdown and runner-up, the unmet demands with reasons, and totals.\nWithout --data it matches the embedded Banan sample, stored nowhere.", std)
	meeting := fs.String("meeting", "", "alliance id of the meeting (default: every meeting)")
	mode := fs.String("mode", string(match.Welfare), "objective: welfare, coverage or stable")
	asJSON := fs.Bool("json", false, "print JSON instead of tables")
	data := matchDataFlag(fs)
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	set := match.DefaultSettings()
	set.Mode = match.Mode(*mode)
	if err := set.Validate(); err != nil {
		return usageErrorf("%v", err)
	}
	st, cleanup, err := openForMatch(ctx, *data)
	if err != nil {
		return err
	}
	defer cleanup()
	sn := st.Snapshot()
	meetings := []string{*meeting}
	if *meeting == "" {
		meetings = sn.MeetingsBottomUp()
	}
	// The meetings of one snapshot are independent: RunMany runs them on
	// every CPU and returns them in this order.
	results, err := match.RunMany(ctx, sn.Reader, sn.Vocab, meetings, set)
	if err != nil {
		return err
	}
	if *asJSON {
		if *meeting != "" {
			return printJSON(std.Out, results[0])
		}
		return printJSON(std.Out, results)
	}
	for _, res := range results {
		printResult(std.Out, sn, res)
	}
	return nil
}

// matchDataFlag defines --data, the store openForMatch opens (the
// embedded Banan sample when it is not given).
func matchDataFlag(fs *flag.FlagSet) *string {
	data := new(string)
	storeFlags(fs, data, "", "data folder or PostgreSQL URL of a store (default: the embedded Banan sample)")
	return data
}

// openForMatch opens the existing store in dir (a folder or a PostgreSQL
// URL; a missing store is refused),
// or a throw-away store holding the embedded Banan sample when dir is "".
func openForMatch(ctx context.Context, dir string) (*store.Store, func(), error) {
	if dir != "" {
		opts := storeAt(dir)
		opts.NoCreate = true
		st, _, err := openStore(ctx, opts)
		if err != nil {
			return nil, nil, err
		}
		return st, func() { st.Close() }, nil
	}
	tmp, err := os.MkdirTemp("", "allymatch-match-")
	if err != nil {
		return nil, nil, err
	}
	cleanup := func() { os.RemoveAll(tmp) }
	st, _, err := store.Open(ctx, store.Options{Dir: tmp})
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	b, err := fixtures.Banan()
	if err == nil {
		_, err = st.Import(ctx, b, "system")
	}
	if err != nil {
		st.Close()
		cleanup()
		return nil, nil, fmt.Errorf("loading the embedded Banan sample: %w", err)
	}
	return st, func() { st.Close(); cleanup() }, nil
}

func printResult(w io.Writer, sn store.Snapshot, res *match.Result) {
	name := res.Meeting
	if a, err := sn.Alliance(res.Meeting); err == nil {
		name = a.Name + " (" + a.ID + ")"
	}
	opt := "optimal"
	if !res.Optimal {
		opt = "NOT proven optimal (deadline)"
	}
	fmt.Fprintf(w, "\n== %s · %s meeting · %s · %s\n", name, res.Level, res.Mode, opt)
	title := func(id string) string {
		if it, err := sn.Item(id); err == nil {
			return it.Title
		}
		return ""
	}
	unitName := func(id string) string {
		if u := sn.UnitRaw(id); u != nil {
			return u.Name
		}
		return id
	}
	if len(res.Proposals) > 0 {
		fmt.Fprintf(w, "\nProposals (%d):\n", len(res.Proposals))
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "demand\tresource\tqty\tscore\tbreakdown\trunner-up")
		for _, p := range res.Proposals {
			var terms []string
			for _, t := range p.Breakdown {
				if t.Points > 0 {
					terms = append(terms, fmt.Sprintf("%s %d", t.Name, t.Points))
				}
			}
			ru := "-"
			if p.RunnerUp != nil {
				ru = fmt.Sprintf("%s (%d)", p.RunnerUp.Resource, p.RunnerUp.Score)
			}
			fmt.Fprintf(tw, "%s %s · %s\t%s %s · %s\t%d\t%d\t%s\t%s\n",
				p.Demand, title(p.Demand), unitName(p.DemandUnit),
				p.Resource, title(p.Resource), unitName(p.ResourceUnit),
				p.Quantity, p.Score, strings.Join(terms, ", "), ru)
		}
		tw.Flush()
	}
	if len(res.Unmet) > 0 {
		fmt.Fprintf(w, "\nUnmet demands (%d):\n", len(res.Unmet))
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "demand\tmet/need\treason")
		for _, u := range res.Unmet {
			why := u.Reason
			switch {
			case u.Reason == match.ReasonProjectBlocked:
				why += fmt.Sprintf(" (project %s, slot %s)", u.Project, u.BlockedBy)
			case len(u.Rules) > 0:
				var rules []string
				for r, n := range u.Rules {
					rules = append(rules, fmt.Sprintf("%s ×%d", r, n))
				}
				sort.Strings(rules)
				why += " (" + strings.Join(rules, ", ") + ")"
			case u.Reason == match.ReasonOutcompeted:
				why += fmt.Sprintf(" (%d candidates)", u.Candidates)
			}
			fmt.Fprintf(tw, "%s %s · %s\t%d/%d\t%s\n", u.Demand, title(u.Demand), unitName(u.Unit), u.Met, u.Need, why)
		}
		tw.Flush()
	}
	for _, b := range res.Blocked {
		fmt.Fprintf(w, "Project %s cannot launch: required slot %s stays unfilled.\n", b.Project, b.Slot)
	}
	t := res.Totals
	fmt.Fprintf(w, "\nTotals: %d proposals, %d of %d demanded met, welfare %d, %d demands unmet, %d projects blocked; %d demands × %d resources, %d candidate pairs\n",
		t.Proposals, t.Met, t.Need, t.Welfare, t.UnmetDemands, t.BlockedProject, res.Stats.Demands, res.Stats.Resources, res.Stats.Edges)
}
