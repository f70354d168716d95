package web_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/bundle"
)

// A Longhua meeting in the desk, from the deadline to a partial delivery,
// a withdrawal and an escalation brought back: each step through its form.
func TestMeetingStepsInTheDesk(t *testing.T) {
	ts, st := newServer(t)
	coord := newBrowser(t, ts.URL)
	coord.login(makeToken(t, ts.URL, `{"role":"coordinator","alliance":"st-lzw"}`))
	coord.get("/ui/meetings/lh")
	due := time.Now().In(bundle.CST).Add(48 * time.Hour).Format("2006-01-02T15:04")
	if code, body := coord.post("/ui/meetings/lh/propose", url.Values{"csrf": {coord.csrf()}, "mode": {"welfare"}, "answer_by": {due}}); code != 200 || !strings.Contains(body, `id="waiting"`) {
		t.Fatalf("propose with a deadline: %d %.300s", code, body)
	}
	if !strings.Contains(coord.last, `value="`+due+`"`) {
		t.Errorf("the meeting page does not show the deadline %s", due)
	}
	// Who has not answered: every unit with proposals waiting.
	coord.get("/ui/meetings/lh/waiting")
	sn := st.Snapshot()
	var partial, other *matcher.Claim
	for cl := range sn.ClaimsOfMeeting("lh") {
		if cl.Status != matcher.ClaimProposed {
			continue
		}
		if !strings.Contains(coord.last, `id="waiting-`+cl.ResourceUnit+`"`) || !strings.Contains(coord.last, `id="waiting-`+cl.DemandUnit+`"`) {
			t.Errorf("claim %s waits for %s and %s; the waiting table misses one", cl.ID, cl.ResourceUnit, cl.DemandUnit)
		}
		switch {
		case partial == nil && cl.Quantity >= 2:
			partial = cl
		case other == nil:
			other = cl
		}
	}
	if partial == nil || other == nil {
		t.Fatal("the sample's lh proposals have no claim of quantity 2 or more, or only one claim")
	}
	unit := func(id string) *browser {
		b := newBrowser(t, ts.URL)
		b.get("/ui/login")
		if code, body := b.post("/ui/login", url.Values{"csrf": {b.csrf()}, "code": {loginCode(t, ts.URL, `{"unit":"`+id+`"}`)}}); code != 200 || strings.Contains(body, `id="login"`) {
			t.Fatalf("%s logs in with a code: %d", id, code)
		}
		return b
	}
	res, dem := unit(partial.ResourceUnit), unit(partial.DemandUnit)
	// The unit's page lists what waits for it first, with its deadline.
	if _, body := dem.get("/ui/units/" + partial.DemandUnit); !strings.Contains(body, `id="claim-`+partial.ID+`"`) || !strings.Contains(body, "请于此前答复") {
		t.Errorf("the demand unit's page does not list claim %s with its deadline", partial.ID)
	}
	for _, b := range []*browser{res, dem} {
		b.get("/ui/claims/" + partial.ID)
		if code, _ := b.post("/ui/claims/"+partial.ID+"/answer", url.Values{"csrf": {b.csrf()}, "answer": {"accept"}}); code != 200 {
			t.Fatalf("accept: %d", code)
		}
	}
	// The demand side records a partial delivery; the rest goes back.
	_, body := dem.get("/ui/claims/" + partial.ID)
	if !strings.Contains(body, `id="fulfil"`) {
		t.Fatalf("a confirmed claim's page has no delivery form for the demand side: %.400s", body)
	}
	if _, body := res.get("/ui/claims/" + partial.ID); strings.Contains(body, `id="fulfil"`) {
		t.Error("the resource side is offered the delivery form")
	}
	if code, _ := dem.post("/ui/claims/"+partial.ID+"/fulfil", url.Values{"csrf": {dem.csrf()}, "quantity": {"1"}}); code != 200 {
		t.Fatalf("fulfil 1: %d", code)
	}
	got, _ := st.Snapshot().Claim(partial.ID)
	if got.Status != matcher.ClaimFulfilled || got.Quantity != 1 || got.Agreed != partial.Quantity {
		t.Errorf("after a partial delivery: %s, quantity %d, agreed %d; want fulfilled 1 of %d", got.Status, got.Quantity, got.Agreed, partial.Quantity)
	}
	if !strings.Contains(dem.last, `id="claim-agreed"`) {
		t.Error("the claim's page does not show what was agreed and delivered")
	}
	// A delivery above the claim's quantity is refused, nothing changes.
	seq := st.Seq()
	if code, _ := dem.post("/ui/claims/"+partial.ID+"/fulfil", url.Values{"csrf": {dem.csrf()}, "quantity": {"99"}}); code < 400 || st.Seq() != seq {
		t.Errorf("fulfil a fulfilled claim again = %d (seq %d → %d)", code, seq, st.Seq())
	}
	// The other claim is withdrawn by its resource side, with a reason.
	w := unit(other.ResourceUnit)
	w.get("/ui/claims/" + other.ID)
	if code, _ := w.post("/ui/claims/"+other.ID+"/withdraw", url.Values{"csrf": {w.csrf()}, "reason": {"本月人手不足"}}); code != 200 {
		t.Fatalf("withdraw: %d", code)
	}
	if got, _ := st.Snapshot().Claim(other.ID); got.Status != matcher.ClaimWithdrawn || got.Reason != "本月人手不足" {
		t.Errorf("withdrawn claim: %s %q", got.Status, got.Reason)
	}

	// Escalation: tick an unmet demand, send it up; bring it back.
	_, body = coord.get("/ui/meetings/lh/unmet")
	m := regexp.MustCompile(`name="item" value="([^"]+)" id="up-`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no unmet demand to tick on the meeting page")
	}
	item := m[1]
	if code, _ := coord.post("/ui/meetings/lh/escalate", url.Values{"csrf": {coord.csrf()}, "item": {item}, "back": {"/ui/meetings/lh/unmet"}}); code != 200 {
		t.Fatalf("escalate %s: %d %s", item, code, coord.last[strings.Index(coord.last, "<main>"):])
	}
	it, _ := st.Snapshot().Item(item)
	if it.Level != matcher.Street {
		t.Fatalf("%s is at %s after the escalation, want street", item, it.Level)
	}
	if _, body := coord.get("/ui/items/" + item); !strings.Contains(body, `id="return"`) {
		t.Fatalf("the escalated demand's page has no return button")
	}
	if code, _ := coord.post("/ui/items/"+item+"/return", url.Values{"csrf": {coord.csrf()}, "back": {"/ui/items/" + item}}); code != 200 {
		t.Fatalf("return: %d", code)
	}
	if it, _ := st.Snapshot().Item(item); it.Level != matcher.Community {
		t.Errorf("%s is at %s after the return, want community", item, it.Level)
	}
	// Nothing ticked: a clear refusal, nothing changes.
	seq = st.Seq()
	coord.get("/ui/meetings/lh/unmet")
	if code, _ := coord.post("/ui/meetings/lh/escalate", url.Values{"csrf": {coord.csrf()}}); code != 400 || st.Seq() != seq {
		t.Errorf("escalate nothing = %d, want 400 and nothing changed", code)
	}
}
