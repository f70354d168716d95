package service

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
	"github.com/allymatch/allymatch/matcher/store"
)

// The roll-up's funnel: week by week, the proposals the meetings made
// (their runs' new claims, and claims by hand), the claims confirmed (the
// event in which the second side accepted) and fulfilled (the first
// fulfilment), read from the audit log. The counts are kept as the log is
// read, keyed by the last index read: a view reads only the events written
// since the view before.

// cst is China Standard Time, the meetings' clock (weeks start on its
// Mondays).
var cst = time.FixedZone("CST", 8*3600)

// funnelBatch is how many events one read of the log takes.
const funnelBatch = 1000

// funnel is the running count.
type funnel struct {
	last   uint64 // the last event read
	read   int    // events read in all
	claims map[string]*funnelClaim
	counts map[funnelKey]*[3]int // proposed, confirmed, fulfilled
	// groups are the alliance lists counted under, by their key.
	groups map[string][]string
}

// funnelClaim is what the funnel knows of one claim.
type funnelClaim struct {
	group     string // the alliances its events concern
	sides     uint8  // 1: resource side accepted, 2: demand side
	confirmed bool
	fulfilled bool
}

type funnelKey struct {
	week  string
	group string
}

// funnelWeeks is the funnel as read (the funnel's own maps: read it
// under the roll-up's fmu).
type funnelWeeks struct {
	counts map[funnelKey]*[3]int
	groups map[string][]string
}

func sideBit(s matcher.Side) uint8 {
	switch s {
	case matcher.ResourceSide:
		return 1
	case matcher.DemandSide:
		return 2
	}
	return 0
}

// weekOf is the Monday (China Standard Time) of t's week.
func weekOf(t time.Time) string {
	t = t.In(cst)
	d := (int(t.Weekday()) + 6) % 7 // days since Monday
	return t.AddDate(0, 0, -d).Format(time.DateOnly)
}

// catchUp reads the events written since the last read and returns the
// counts.
func (f *funnel) catchUp(st *store.Store) (funnelWeeks, error) {
	if f.claims == nil {
		f.claims, f.counts, f.groups = map[string]*funnelClaim{}, map[funnelKey]*[3]int{}, map[string][]string{}
	}
	var sn *store.Snapshot
	for {
		evs, err := st.Events(f.last, funnelBatch, nil)
		if err != nil {
			return funnelWeeks{}, err
		}
		for i := range evs {
			ev := &evs[i]
			f.event(ev, func() index.Reader {
				if sn == nil {
					s := st.Snapshot()
					sn = &s
				}
				return sn.Reader
			})
			f.last = ev.Seq
			f.read++
		}
		if len(evs) < funnelBatch {
			break
		}
	}
	return funnelWeeks{counts: f.counts, groups: f.groups}, nil
}

func (f *funnel) group(alliances []string) string {
	g := strings.Join(alliances, "\x00")
	if _, ok := f.groups[g]; !ok {
		f.groups[g] = slices.Clone(alliances)
	}
	return g
}

func (f *funnel) count(week, group string, stage int) {
	k := funnelKey{week, group}
	c := f.counts[k]
	if c == nil {
		c = &[3]int{}
		f.counts[k] = c
	}
	c[stage]++
}

// event counts one audit event; snap returns the current state (for a
// proposal run whose event lists only the first of its claims).
func (f *funnel) event(ev *matcher.Event, snap func() index.Reader) {
	week := weekOf(ev.Time)
	claimIDs := func() []string {
		var ids []string
		for _, c := range ev.Changes {
			if c.Table == index.TableClaims && !c.Delete {
				ids = append(ids, c.ID)
			}
		}
		return ids
	}
	switch ev.Action {
	case "meeting.propose":
		if len(ev.Alliances) == 0 {
			return
		}
		// A run's new proposals are named meeting.seq.n (writePlan).
		prefix := ev.Alliances[0] + "." + strconv.FormatUint(ev.Seq, 10) + "."
		var ids []string
		if len(ev.Changes) < ev.Count { // the event lists only the first changes
			for c := range snap().ClaimsOfMeeting(ev.Alliances[0]) {
				if strings.HasPrefix(c.ID, prefix) {
					ids = append(ids, c.ID)
				}
			}
		} else {
			for _, id := range claimIDs() {
				if strings.HasPrefix(id, prefix) {
					ids = append(ids, id)
				}
			}
		}
		g := f.group(ev.Alliances)
		for _, id := range ids {
			if f.claims[id] == nil {
				f.claims[id] = &funnelClaim{group: g}
				f.count(week, g, 0)
			}
		}
	case "claim.create":
		g := f.group(ev.Alliances)
		for _, id := range claimIDs() {
			if f.claims[id] == nil {
				f.claims[id] = &funnelClaim{group: g, sides: sideBit(ev.Side)}
				f.count(week, g, 0)
			}
		}
	case "claim.accept", "claim.fulfil":
		for _, id := range claimIDs() {
			c := f.claims[id]
			if c == nil { // a claim loaded with the data: its past is not in the log
				c = &funnelClaim{group: f.group(ev.Alliances)}
				f.claims[id] = c
			}
			if ev.Action == "claim.accept" {
				c.sides |= sideBit(ev.Side)
				if c.sides == 3 && !c.confirmed {
					c.confirmed = true
					f.count(week, c.group, 1)
				}
			} else if !c.fulfilled {
				c.fulfilled = true
				f.count(week, c.group, 2)
			}
		}
	}
}

// of sums the weeks of the events whose alliances pass keep, oldest
// first.
func (w funnelWeeks) of(keep func(alliances []string) bool) []RollupWeek {
	byWeek := map[string]*RollupWeek{}
	kept := map[string]bool{}
	for k, c := range w.counts {
		in, ok := kept[k.group]
		if !ok {
			in = keep(w.groups[k.group])
			kept[k.group] = in
		}
		if !in {
			continue
		}
		r := byWeek[k.week]
		if r == nil {
			r = &RollupWeek{Week: k.week}
			byWeek[k.week] = r
		}
		r.Proposed += c[0]
		r.Confirmed += c[1]
		r.Fulfilled += c[2]
	}
	out := make([]RollupWeek, 0, len(byWeek))
	for _, r := range byWeek {
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b RollupWeek) int { return cmp.Compare(a.Week, b.Week) })
	return out
}
