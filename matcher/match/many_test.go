package match

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"testing"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/store"
)

// plainJSON is res as JSON, without the durations of its Stats.
func plainJSON(t *testing.T, res *Result) []byte {
	t.Helper()
	c := *res
	c.Stats.Candidates, c.Stats.Solve = 0, 0
	b, err := json.Marshal(&c)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestRunManyAsRun checks that RunMany gives, byte for byte, what Run gives
// meeting by meeting, on Banan and on 1k generated units, in every mode.
func TestRunManyAsRun(t *testing.T) {
	gst := genStore(t, 1000, 1)
	for name, sn := range map[string]store.Snapshot{"banan": bananStore(t).Snapshot(), "1k": gst.Snapshot()} {
		var ids []string
		for a := range sn.Alliances() {
			ids = append(ids, a.ID)
		}
		slices.Sort(ids)
		for _, mode := range []Mode{Welfare, Coverage, Stable} {
			set := DefaultSettings()
			set.Mode = mode
			got, err := RunMany(ctx, sn.Reader, sn.Vocab, ids, set)
			if err != nil {
				t.Fatalf("%s %s: %v", name, mode, err)
			}
			if len(got) != len(ids) {
				t.Fatalf("%s %s: %d results for %d meetings", name, mode, len(got), len(ids))
			}
			for i, id := range ids {
				want, err := Run(ctx, sn.Reader, sn.Vocab, id, set)
				if err != nil {
					t.Fatal(err)
				}
				if g, w := plainJSON(t, got[i]), plainJSON(t, want); !bytes.Equal(g, w) {
					t.Fatalf("%s %s %s: RunMany and Run differ:\n%s\n%s", name, mode, id, g, w)
				}
			}
		}
	}
}

// TestRunManyErrors checks that the error is that of the first failing
// meeting in input order, and that a cancelled context stops the run.
func TestRunManyErrors(t *testing.T) {
	sn := bananStore(t).Snapshot()
	var ids []string
	for a := range sn.Alliances() {
		ids = append(ids, a.ID)
	}
	slices.Sort(ids)
	meetings := slices.Concat(ids[:3], []string{"nowhere-1"}, ids[3:], []string{"nowhere-2"}, ids)
	for range 20 {
		res, err := RunMany(ctx, sn.Reader, sn.Vocab, meetings, DefaultSettings())
		if res != nil || matcher.ErrorCode(err) != matcher.ENOTFOUND || !bytes.Contains([]byte(err.Error()), []byte("nowhere-1")) {
			t.Fatalf("RunMany with unknown meetings = %v, %v; want the error of nowhere-1", res, err)
		}
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if res, err := RunMany(cctx, sn.Reader, sn.Vocab, ids, DefaultSettings()); res != nil || !errors.Is(err, context.Canceled) {
		t.Errorf("RunMany on a cancelled context = %v, %v; want context.Canceled", res, err)
	}
	if res, err := RunMany(ctx, sn.Reader, sn.Vocab, nil, DefaultSettings()); res != nil || err != nil {
		t.Errorf("RunMany of no meetings = %v, %v; want nil, nil", res, err)
	}
	if _, err := RunMany(ctx, sn.Reader, sn.Vocab, ids, Settings{Mode: "fastest", Weights: DefaultWeights}); err == nil {
		t.Error("RunMany with an unknown mode: no error")
	}
}
