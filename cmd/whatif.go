package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/scenario"
)

func init() {
	register(command{name: "whatif", summary: "what-if: apply edits to a private copy and print the diff against the live plan", run: runWhatIf})
}

func runWhatIf(ctx context.Context, std Stdio, args []string) error {
	fs := newFlagSet("whatif", "--meeting ID --edits FILE [--json] [--data DIR|URL]\n\nForks the state (nothing is written), applies the edits of FILE — a JSON\narray of edits, or an object {\"meeting\":..,\"edits\":[..],\"mode\":..,\"weights\":{..}} —\nsolves the meeting and prints what changes against today's plan: demands\nnewly met, newly unmet, moved, changed; claims each unit gains and loses;\ntotals. Edits: add_unit, set_unit, remove_unit, add_item, set_item,\nremove_item, set_quantity, set_radius, set_window, add_project,\nset_project_status, remove_project, drop_from_alliance, set_weights,\nset_mode, e.g.\n  [{\"op\":\"set_quantity\",\"item\":\"LH-R12\",\"quantity\":76}]\nWithout --data it uses the embedded Banan sample. FILE - reads stdin.", std)
	meeting := fs.String("meeting", "", "alliance id of the meeting (or \"meeting\" in FILE)")
	editsPath := fs.String("edits", "", "JSON file of edits (- for stdin)")
	asJSON := fs.Bool("json", false, "print the diff as JSON")
	data := matchDataFlag(fs)
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	if *editsPath == "" {
		return usageErrorf("--edits FILE is required")
	}
	var raw []byte
	var err error
	if *editsPath == "-" {
		raw, err = io.ReadAll(io.LimitReader(std.In, 64<<20))
	} else {
		raw, err = os.ReadFile(*editsPath)
	}
	if err != nil {
		return err
	}
	var req scenario.Request
	dec := func(v any) error {
		d := json.NewDecoder(bytes.NewReader(raw))
		d.DisallowUnknownFields()
		return d.Decode(v)
	}
	if t := bytes.TrimSpace(raw); len(t) > 0 && t[0] == '[' {
		err = dec(&req.Edits)
	} else {
		err = dec(&req)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", *editsPath, err)
	}
	if *meeting != "" {
		req.Meeting = *meeting
	}
	if req.Meeting == "" {
		return usageErrorf("--meeting ID is required (or \"meeting\" in %s)", *editsPath)
	}
	st, cleanup, err := openForMatch(ctx, *data)
	if err != nil {
		return err
	}
	defer cleanup()
	sn := st.Snapshot()
	sc, err := scenario.Fork(sn, req)
	if err != nil {
		return err
	}
	d, err := sc.Diff(ctx, sn)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(std.Out, d)
	}
	printDiff(std.Out, sn.Reader, req, d)
	return nil
}

type itemReader interface {
	Item(id string) (*matcher.Item, error)
}

func printDiff(w io.Writer, r itemReader, req scenario.Request, d *scenario.Diff) {
	fmt.Fprintf(w, "What if (%d edits) · meeting %s · state %d\n", len(req.Edits), d.Meeting, d.LiveSeq)
	title := func(id string) string {
		if it, err := r.Item(id); err == nil {
			return id + " " + it.Title
		}
		return id
	}
	as := func(list []scenario.Assignment) string {
		return listOr(list, func(a scenario.Assignment) string {
			return fmt.Sprintf("%s×%d (%d)", a.Resource, a.Quantity, a.Score)
		})
	}
	if len(d.Demands) == 0 {
		fmt.Fprintln(w, "\nNo demand changes.")
	} else {
		fmt.Fprintf(w, "\nDemands (%d):\n", len(d.Demands))
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "demand\tchange\tmet\tlive\tscenario")
		for _, c := range d.Demands {
			ch := c.Change
			if c.UnitMoved {
				ch += " (other unit)"
			}
			fmt.Fprintf(tw, "%s\t%s\t%d → %d\t%s\t%s\n", title(c.Demand), ch, c.MetBefore, c.MetAfter, as(c.Before), as(c.After))
		}
		tw.Flush()
	}
	if len(d.Units) > 0 {
		fmt.Fprintf(w, "\nUnits (%d):\n", len(d.Units))
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "unit\tgained\tlost")
		claims := func(cs []scenario.Claim) string {
			return listOr(cs, func(c scenario.Claim) string { return fmt.Sprintf("%s→%s ×%d", c.Resource, c.Demand, c.Quantity) })
		}
		for _, u := range d.Units {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", u.Unit, claims(u.Gained), claims(u.Lost))
		}
		tw.Flush()
	}
	t := d.Totals
	fmt.Fprintf(w, "\nTotals:        live  →  scenario\n")
	fmt.Fprintf(w, "  met        %6d  →  %d (%+d of %d)\n", t.Live.Met, t.Scenario.Met, t.Met, t.Scenario.Need)
	fmt.Fprintf(w, "  welfare    %6d  →  %d (%+d)\n", t.Live.Welfare, t.Scenario.Welfare, t.Welfare)
	fmt.Fprintf(w, "  units      %6d  →  %d (%+d)\n", t.Live.UnitsInvolved, t.Scenario.UnitsInvolved, t.Units)
	for _, p := range t.Priorities() {
		l, s := t.Live.MetByPriority[p], t.Scenario.MetByPriority[p]
		fmt.Fprintf(w, "  priority %d %6d  →  %d of %d\n", p, l[0], s[0], s[1])
	}
}

// listOr says each element of list by say, comma-separated, and an empty
// list as "-" (a table's empty cell).
func listOr[T any](list []T, say func(T) string) string {
	if len(list) == 0 {
		return "-"
	}
	s := make([]string, len(list))
	for i, v := range list {
		s[i] = say(v)
	}
	return strings.Join(s, ", ")
}
