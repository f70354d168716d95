package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/allymatch/allymatch/matcher/match"
)

// TestProof: the dashboard states the plan's certificate in words; the
// proof page checks it again; the plan with its certificate downloads as JSON that
// match.Verify accepts on the store, and that fails once a quantity is
// moved by hand; units and other meetings' coordinators get neither.
func TestProof(t *testing.T) {
	ts, st := newServer(t)
	coord := newBrowser(t, ts.URL)
	coord.login(makeToken(t, ts.URL, `{"role":"coordinator","alliance":"lh"}`))
	code, body := coord.get("/ui/meetings/lh")
	if code != 200 || !strings.Contains(body, `id="proof-status"`) || !strings.Contains(body, "已证明：按当前清单，没有哪个方案的总得分比这个方案更高。") || !strings.Contains(body, `href="/ui/meetings/lh/proof"`) {
		t.Fatalf("dashboard without the proof: %d %.500s", code, body)
	}
	code, body = coord.get("/ui/meetings/lh/proof")
	if code != 200 || !strings.Contains(body, "逐条核对了这些价格：全部成立") || !strings.Contains(body, `id="proof-prices"`) || !strings.Contains(body, "证明的方法") {
		t.Errorf("the proof page's own check is not shown as passed: %d %.500s", code, body)
	}
	if _, en := coord.get("/ui/meetings/lh/proof?lang=en"); !strings.Contains(en, "Proved: on the current lists") || !strings.Contains(en, "checked every price: all hold") {
		t.Errorf("no English proof")
	}
	code, raw := coord.get("/ui/meetings/lh/plan.json")
	if code != 200 {
		t.Fatalf("plan.json: %d %.300s", code, raw)
	}
	var plan match.Result
	if err := json.Unmarshal([]byte(raw), &plan); err != nil {
		t.Fatal(err)
	}
	if plan.Certificate == nil || !plan.Certificate.Certified || len(plan.Proposals) == 0 {
		t.Fatalf("plan without a certified certificate: %+v", plan.Certificate)
	}
	sn := st.Snapshot()
	if plan.Seq != sn.Seq {
		t.Fatalf("plan at seq %d, store at %d", plan.Seq, sn.Seq)
	}
	if err := match.Verify(context.Background(), sn.Reader, sn.Vocab, &plan); err != nil {
		t.Fatalf("the downloaded plan does not verify: %v", err)
	}
	plan.Proposals[0].Quantity--
	if err := match.Verify(context.Background(), sn.Reader, sn.Vocab, &plan); err == nil {
		t.Errorf("a plan with one quantity moved verifies")
	}
	unit := newBrowser(t, ts.URL)
	unit.login(makeToken(t, ts.URL, `{"role":"unit","unit":"lh-bank"}`))
	other := newBrowser(t, ts.URL)
	other.login(makeToken(t, ts.URL, `{"role":"coordinator","alliance":"lzwc"}`))
	for who, b := range map[string]*browser{"unit": unit, "another meeting's coordinator": other} {
		for _, path := range []string{"/ui/meetings/lh/plan.json", "/ui/meetings/lh/proof"} {
			if code, body := b.get(path); code != http.StatusNotFound || strings.Contains(body, `"certificate"`) || strings.Contains(body, `id="proof-check"`) {
				t.Errorf("%s: %s = %d", who, path, code)
			}
		}
	}
}
