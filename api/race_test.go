package api

import (
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/match"
)

// TestConcurrentAnswers: many goroutines accept, reject and re-propose the
// same claims at once through HTTP. Each claim ends with one outcome that
// its successful answers explain, no item is over-claimed, and the audit
// log matches the state. Run with -race.
func TestConcurrentAnswers(t *testing.T) {
	ts := newTestServer(t)
	coord := ts.coordToken("lh")
	p := ts.propose(coord, "lh", "")
	tokens := map[string]string{}
	for _, c := range p.Claims {
		for _, u := range []string{c.ResourceUnit, c.DemandUnit} {
			if tokens[u] == "" {
				tokens[u] = ts.unitToken(u)
			}
		}
	}
	type outcome struct {
		mu                  sync.Mutex
		accepts, rejections map[string]int // by unit
	}
	outcomes := map[string]*outcome{}
	for _, c := range p.Claims {
		outcomes[c.ID] = &outcome{accepts: map[string]int{}, rejections: map[string]int{}}
	}
	var wg sync.WaitGroup
	const rounds = 4
	for _, c := range p.Claims {
		for r := range rounds {
			for _, act := range []struct{ unit, ans string }{
				{c.ResourceUnit, "accept"}, {c.DemandUnit, "accept"}, {c.DemandUnit, "reject"},
			} {
				wg.Go(func() {
					if act.ans == "reject" && r%2 == 0 {
						return // fewer rejections than accepts
					}
					rec := ts.do(http.MethodPost, "/v1/claims/"+c.ID+"/"+act.ans, tokens[act.unit], "")
					switch rec.Code {
					case 200:
						o := outcomes[c.ID]
						o.mu.Lock()
						if act.ans == "accept" {
							o.accepts[act.unit]++
						} else {
							o.rejections[act.unit]++
						}
						o.mu.Unlock()
					case 409:
					default:
						t.Errorf("%s %s by %s = %d %s", act.ans, c.ID, act.unit, rec.Code, rec.Body)
					}
				})
			}
		}
	}
	for range 6 {
		wg.Go(func() {
			rec := ts.do(http.MethodPost, "/v1/meetings/lh/proposals", coord, `{"mode":"coverage"}`)
			if rec.Code != 200 {
				t.Errorf("re-propose = %d %s", rec.Code, rec.Body)
			}
		})
	}
	wg.Wait()

	sn := ts.st.Snapshot()
	for _, c := range p.Claims {
		got, err := sn.Claim(c.ID)
		if err != nil {
			t.Fatal(err)
		}
		o := outcomes[c.ID]
		accR, accD, rej := o.accepts[c.ResourceUnit], o.accepts[c.DemandUnit], o.rejections[c.DemandUnit]
		if accR > 1 || accD > 1 || rej > 1 {
			t.Errorf("claim %s: %d, %d accepts and %d rejections succeeded; at most one each", c.ID, accR, accD, rej)
		}
		switch got.Status {
		case matcher.ClaimConfirmed:
			if accR != 1 || accD != 1 || rej != 0 {
				t.Errorf("claim %s confirmed after accepts %d/%d and %d rejections", c.ID, accR, accD, rej)
			}
		case matcher.ClaimRejected:
			if rej != 1 {
				t.Errorf("claim %s rejected but %d rejections succeeded", c.ID, rej)
			}
		case matcher.ClaimProposed:
			if rej != 0 || accR+accD != len(got.AcceptedBy) || len(got.AcceptedBy) == 2 {
				t.Errorf("claim %s proposed with accepted_by %v after accepts %d/%d, rejections %d", c.ID, got.AcceptedBy, accR, accD, rej)
			}
		case matcher.ClaimExpired:
			if accR+accD+rej != 0 {
				t.Errorf("claim %s expired though answered (%d/%d/%d)", c.ID, accR, accD, rej)
			}
		default:
			t.Errorf("claim %s ended %s", c.ID, got.Status)
		}
	}
	for it := range sn.Items() {
		if held := match.Reserved(sn.Reader, it, ""); held > it.Quantity {
			t.Errorf("item %s: claims hold %d of %d", it.ID, held, it.Quantity)
		}
	}
	// The audit log matches the state: every claim's revision is an event
	// that lists it, and events are gap-free up to the store's seq.
	evs, err := ts.st.Events(0, 1<<20, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) == 0 || evs[len(evs)-1].Seq != sn.Seq {
		t.Fatalf("last event seq != store seq %d", sn.Seq)
	}
	changed := map[string]bool{}
	for i, ev := range evs {
		if ev.Seq != uint64(i+1) {
			t.Fatalf("event %d has seq %d: the log has a gap", i+1, ev.Seq)
		}
		for _, ch := range ev.Changes {
			changed[fmt.Sprint(ev.Seq, ch.Table, ch.ID)] = true
		}
	}
	for c := range sn.Claims() {
		if !changed[fmt.Sprint(c.Rev, "claims", c.ID)] {
			t.Errorf("claim %s at rev %d: no event at that seq lists it", c.ID, c.Rev)
		}
	}
}
