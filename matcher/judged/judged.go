// Package judged measures how relevant a meeting's proposals are against
// pairs judged by people: the pairs a careful coordinator would accept
// ("good") and those they would refuse although the category rules allow
// them ("bad", each with its reason). The figures are
//
//   - precision: the share of proposed quantity on good pairs (a pair
//     nobody judged counts as not good, so an unjudged proposal lowers it);
//   - bad rate: the share of proposals on bad pairs;
//   - recall: of the demands with a good resource they could be proposed
//     (both in the meeting's instance, passing the hard rules that do not
//     judge what the items are for: see match.ReachablePairs), the share
//     that got at least one proposal on a good pair.
package judged

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/bundle"
	"github.com/allymatch/allymatch/matcher/match"
	"github.com/allymatch/allymatch/matcher/store"
)

// Label is one judged pair.
type Label struct {
	Resource string
	Demand   string
	Good     bool
	Reason   string
}

// Labels are the judged pairs of one set, by (resource, demand).
type Labels map[match.Pair]Label

// ReadLabels reads a CSV of judged pairs: a header row
// "resource,demand,label,reason", then one row per pair, label "good" or
// "bad"; a bad pair needs its reason. A pair judged twice is an error.
func ReadLabels(r io.Reader) (Labels, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = 4
	rows, err := cr.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("judged: %w", err)
	}
	if len(rows) == 0 || strings.Join(rows[0], ",") != "resource,demand,label,reason" {
		return nil, fmt.Errorf("judged: the first row must be resource,demand,label,reason")
	}
	out := Labels{}
	for i, row := range rows[1:] {
		line := i + 2
		l := Label{Resource: row[0], Demand: row[1], Reason: row[3]}
		switch row[2] {
		case "good":
			l.Good = true
		case "bad":
			if strings.TrimSpace(l.Reason) == "" {
				return nil, fmt.Errorf("judged: line %d: a bad pair needs its reason", line)
			}
		default:
			return nil, fmt.Errorf("judged: line %d: label must be good or bad, got %q", line, row[2])
		}
		if !matcher.ValidID(l.Resource) || !matcher.ValidID(l.Demand) {
			return nil, fmt.Errorf("judged: line %d: %q, %q: not item ids", line, l.Resource, l.Demand)
		}
		k := match.Pair{Resource: l.Resource, Demand: l.Demand}
		if _, dup := out[k]; dup {
			return nil, fmt.Errorf("judged: line %d: %s → %s is judged twice", line, l.Resource, l.Demand)
		}
		out[k] = l
	}
	return out, nil
}

// ReadLabelsFile is ReadLabels on the file at path.
func ReadLabelsFile(path string) (Labels, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadLabels(f)
}

// Proposed is one proposal as the figures see it.
type Proposed struct {
	Meeting  string `json:"meeting"`
	Resource string `json:"resource"`
	Demand   string `json:"demand"`
	Quantity int64  `json:"quantity"`
	Score    int    `json:"score"`
	Reason   string `json:"reason,omitempty"` // a bad pair's reason
}

// Figures are the relevance of one mode's proposals on one judged set.
type Figures struct {
	Mode         match.Mode `json:"mode"`
	Proposals    int        `json:"proposals"`
	Good         int        `json:"good"`     // proposals on good pairs
	Bad          int        `json:"bad"`      // proposals on bad pairs
	Unjudged     int        `json:"unjudged"` // proposals on pairs nobody judged
	Quantity     int64      `json:"quantity"` // proposed quantity
	GoodQuantity int64      `json:"good_quantity"`
	Precision    float64    `json:"precision"` // GoodQuantity / Quantity
	BadRate      float64    `json:"bad_rate"`  // Bad / Proposals
	Reachable    int        `json:"reachable"` // demands with a good pair that could be proposed
	Recalled     int        `json:"recalled"`  // of those, demands with a proposal on a good pair
	Recall       float64    `json:"recall"`    // Recalled / Reachable
	BadPairs     []Proposed `json:"bad_pairs"`
	UnjudgedList []Proposed `json:"unjudged_pairs"`
	Missed       []string   `json:"missed"` // reachable demands without a good proposal
}

// Evaluate computes the figures of results (one per meeting of a run in
// mode) on labels, reachable listing the pairs each meeting could propose.
func Evaluate(mode match.Mode, results []*match.Result, reachable map[string][]match.Pair, labels Labels) *Figures {
	f := &Figures{Mode: mode, BadPairs: []Proposed{}, UnjudgedList: []Proposed{}, Missed: []string{}}
	recalled := map[string]bool{}
	for _, res := range results {
		for _, p := range res.Proposals {
			f.Proposals++
			f.Quantity += p.Quantity
			pr := Proposed{Meeting: res.Meeting, Resource: p.Resource, Demand: p.Demand, Quantity: p.Quantity, Score: p.Score}
			l, ok := labels[match.Pair{Resource: p.Resource, Demand: p.Demand}]
			switch {
			case !ok:
				f.Unjudged++
				f.UnjudgedList = append(f.UnjudgedList, pr)
			case l.Good:
				f.Good++
				f.GoodQuantity += p.Quantity
				recalled[p.Demand] = true
			default:
				f.Bad++
				pr.Reason = l.Reason
				f.BadPairs = append(f.BadPairs, pr)
			}
		}
	}
	want := map[string]bool{}
	for _, pairs := range reachable {
		for _, p := range pairs {
			if l, ok := labels[p]; ok && l.Good {
				want[p.Demand] = true
			}
		}
	}
	for d := range want {
		f.Reachable++
		if recalled[d] {
			f.Recalled++
		} else {
			f.Missed = append(f.Missed, d)
		}
	}
	slices.Sort(f.Missed)
	if f.Quantity > 0 {
		f.Precision = float64(f.GoodQuantity) / float64(f.Quantity)
	}
	if f.Proposals > 0 {
		f.BadRate = float64(f.Bad) / float64(f.Proposals)
	}
	if f.Reachable > 0 {
		f.Recall = float64(f.Recalled) / float64(f.Reachable)
	}
	return f
}

// Run loads b into a throw-away store, proposes for every meeting (lowest
// level first, each meeting on the state before any proposal, as a
// meeting's coordinator would see it) in each of modes (with set's other settings) and
// returns the figures per mode, in the order of modes.
func Run(ctx context.Context, b *bundle.Bundle, labels Labels, modes []match.Mode, set match.Settings) ([]*Figures, error) {
	dir, err := os.MkdirTemp("", "allymatch-judged-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	st, _, err := store.Open(ctx, store.Options{Dir: dir})
	if err != nil {
		return nil, err
	}
	defer st.Close()
	if _, err := st.Import(ctx, b, "system"); err != nil {
		return nil, err
	}
	sn := st.Snapshot()
	meetings := sn.MeetingsBottomUp()
	reach := map[string][]match.Pair{}
	for _, m := range meetings {
		ps, err := match.ReachablePairs(sn.Reader, sn.Vocab, m)
		if err != nil {
			return nil, err
		}
		reach[m] = ps
	}
	var out []*Figures
	for _, mode := range modes {
		s := set
		s.Mode = mode
		results, err := match.RunMany(ctx, sn.Reader, sn.Vocab, meetings, s)
		if err != nil {
			return nil, err
		}
		out = append(out, Evaluate(mode, results, reach, labels))
	}
	return out, nil
}
