package match

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/store"
)

// singleEdits lists the single-edit what-ifs of every fix family for the
// unmet demand d of meeting in, as a what-if planner would try them by
// hand: more of each compatible resource (as much as d lacks), a radius
// (d's or the resource's) widened to the distance between them, a
// resource's window stretched over d's, d one level up, and the same on
// the binding slot of d's project when d waits for another slot.
func singleEdits(t *testing.T, sn store.Snapshot, in *instance, d *matcher.Item, short int64, blockedBy string) []singleEdit {
	var out []singleEdit
	targets := []*matcher.Item{d}
	if blockedBy != "" && blockedBy != d.ID {
		if s, err := sn.Item(blockedBy); err == nil {
			targets = append(targets, s)
		}
	}
	for _, target := range targets {
		dp := newParty(target, sn.UnitRaw(target.Unit), 0)
		lack := short
		if target != d {
			lack = target.Quantity
		}
		for ri := range in.resources {
			r := &in.resources[ri]
			if !in.vocab.Compatible(r.item.Category, target.Category) {
				continue
			}
			more := *r.item
			more.Quantity += lack + max(0, -r.remaining)
			out = append(out, singleEdit{"add_quantity " + r.item.ID, &more, in.scope.Meeting})
			if dp.hasLoc && r.hasLoc {
				km := math.Ceil(DistanceKM(dp.loc, r.loc)*10+1e-9) / 10
				if target.RadiusKM < km {
					w := *target
					w.RadiusKM = km
					out = append(out, singleEdit{fmt.Sprintf("widen %s to %v", target.ID, km), &w, in.scope.Meeting})
				}
				if r.item.RadiusKM < km {
					w := *r.item
					w.RadiusKM = km
					out = append(out, singleEdit{fmt.Sprintf("widen %s to %v", r.item.ID, km), &w, in.scope.Meeting})
				}
			}
			if ch, _, _ := extendWindow(r.item, target.Windows); ch != nil {
				out = append(out, singleEdit{"window " + r.item.ID, ch, in.scope.Meeting})
			}
		}
	}
	if up, ok := d.Level.Up(); ok && d.Project == "" {
		if m, err := meetingAt(sn.Reader, d.Unit, up); err == nil {
			e := *d
			e.Level = up
			out = append(out, singleEdit{"escalate " + d.ID, &e, m})
		}
	}
	return out
}

type singleEdit struct {
	what    string
	item    *matcher.Item
	meeting string
}

// TestWhyNotFindsWhatAWhatIfFinds: for every unmet demand of the Banan
// sample and of a generated 1,000-unit district (the first ones of each
// meeting there), whenever a single edit of a fix family gets the demand
// more, why-not lists a verified fix.
func TestWhyNotFindsWhatAWhatIfFinds(t *testing.T) {
	checked, helped := 0, 0
	var brute, why time.Duration
	for si, sn := range []store.Snapshot{bananStore(t).Snapshot(), genStore(t, 1000, 3).Snapshot()} {
		for a := range sn.Alliances() {
			sess := NewSession(a.ID, DefaultSettings())
			base, err := sess.Run(ctx, sn.Reader, sn.Vocab)
			if err != nil {
				t.Fatal(err)
			}
			in := sess.prev.in
			for k, u := range base.Unmet {
				if si == 1 && k >= 4 {
					break
				}
				d, _ := sn.Item(u.Demand)
				checked++
				var found *singleEdit
				t0 := time.Now()
				for _, e := range singleEdits(t, sn, in, d, u.Need-u.Met, u.BlockedBy) {
					over := map[string]*matcher.Item{e.item.ID: e.item}
					var res *Result
					var err error
					if e.meeting == a.ID { // incrementally, on the meeting's session
						res, err = sess.runOverlay(ctx, over, nil)
					} else {
						res, err = runOverlay(ctx, sn.Reader, sn.Vocab, e.meeting, DefaultSettings(), over, nil)
					}
					if err != nil {
						t.Fatal(err)
					}
					if metOf(res, d.ID) > u.Met {
						found = &e
						break
					}
				}
				brute += time.Since(t0)
				if found == nil {
					continue
				}
				helped++
				t0 = time.Now()
				w := whyNot(t, sn, d.ID)
				why += time.Since(t0)
				if len(w.Fixes) == 0 {
					t.Errorf("%s (%s, %s): no fix, but %q gets it more", d.ID, a.ID, u.Reason, found.what)
				}
			}
		}
	}
	if helped == 0 || checked == 0 {
		t.Fatalf("%d unmet demands, %d with a helping edit: not a test", checked, helped)
	}
	t.Logf("%d unmet demands, %d helped by a single edit (what-ifs %v, why-not %v)", checked, helped, brute.Round(time.Millisecond), why.Round(time.Millisecond))
}
