package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/allymatch/allymatch/matcher/match"
)

func init() {
	register(command{name: "verify", summary: "check the optimality certificate of a plan against the store it was made on", run: runVerify})
}

func runVerify(ctx context.Context, std Stdio, args []string) error {
	fs := newFlagSet("verify", "--data DIR PLAN.json\n\nRe-reads the store in DIR, rebuilds each plan's network (candidates,\nscores, edge values) independently of the solver, and checks its\ncertificate: the proposals are candidate pairs within what is left, and\nthe dual prices have reduced costs of the right sign and complementary\nslackness. PLAN.json is what match --json prints (one plan or a list),\nGET /v1/meetings/{alliance}/plan answers or the desk's plan.json\n(方案最优的证明). The store keeps\nonly its current state: a plan made at another store index is refused\n(propose again and verify the new plan). Prints \"certified optimal\" per\nplan, or the first violated condition and exits 1.", std)
	data := new(string)
	storeFlags(fs, data, "", "data folder or PostgreSQL URL of the store the plans were made on (required)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *data == "" {
		return usageErrorf("--data is required")
	}
	if fs.NArg() != 1 {
		return usageErrorf("want one PLAN.json, got %d arguments", fs.NArg())
	}
	raw, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return err
	}
	plans, err := readPlans(raw)
	if err != nil {
		return fmt.Errorf("%s: %w", fs.Arg(0), err)
	}
	opts := storeAt(*data)
	opts.NoCreate = true
	st, _, err := openStore(ctx, opts)
	if err != nil {
		return err
	}
	defer st.Close()
	sn := st.Snapshot()
	failed := 0
	for i, p := range plans {
		name := p.Meeting
		if name == "" {
			name = fmt.Sprintf("plan %d", i+1)
		}
		var err error
		switch {
		case p.Meeting == "":
			err = errors.New("not a plan: no meeting")
		case p.Seq != sn.Seq:
			err = fmt.Errorf("the plan was made at store index %d, the store in %s is at %d: it keeps only its current state, so the plan's inputs cannot be read again (propose again and verify the new plan)", p.Seq, *data, sn.Seq)
		case p.Certificate != nil && !p.Certificate.Certified:
			err = fmt.Errorf("the plan says it is not certified: %s", p.Certificate.Violation)
		default:
			if _, e := sn.Alliance(p.Meeting); e != nil {
				err = fmt.Errorf("meeting %s is not in the store in %s (a plan from another store?)", p.Meeting, *data)
			} else {
				err = match.Verify(ctx, sn.Reader, sn.Vocab, p)
			}
		}
		if err != nil {
			failed++
			fmt.Fprintf(std.Out, "%s: NOT certified: %v\n", name, err)
			continue
		}
		what := "certified optimal"
		if p.Certificate.Statement == match.StatementOptimalProjects {
			what += " (given the launched set of projects)"
		}
		fmt.Fprintf(std.Out, "%s: %s\n", name, what)
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d plans not certified", failed, len(plans))
	}
	return nil
}

// readPlans reads a plan (match --json of one meeting, GET
// /v1/meetings/{alliance}/plan) or a list of plans (match --json of all).
// A proposals answer of the API carries the certificate's summary, not
// the plan: it is refused with where the plan is read.
func readPlans(raw []byte) ([]*match.Result, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil, errors.New("empty: not a plan")
	}
	if raw[0] == '[' {
		var list []*match.Result
		if err := json.Unmarshal(raw, &list); err != nil {
			return nil, fmt.Errorf("not a list of plans: %w", err)
		}
		if len(list) == 0 {
			return nil, errors.New("an empty list: no plan")
		}
		return list, nil
	}
	var answer struct {
		Meeting string          `json:"meeting"`
		Changes json.RawMessage `json:"changes"`
	}
	if err := json.Unmarshal(raw, &answer); err != nil {
		return nil, fmt.Errorf("not a plan: %w", err)
	}
	if answer.Changes != nil {
		return nil, fmt.Errorf("a proposals answer, not a plan: it sums up the certificate; the plan with its prices is GET /v1/meetings/%s/plan (or plan.json on the desk's proof page)", answer.Meeting)
	}
	var p match.Result
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, fmt.Errorf("not a plan: %w", err)
	}
	return []*match.Result{&p}, nil
}
