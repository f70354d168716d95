package api

import (
	"context"
	"net/http"
	"testing"

	"github.com/allymatch/allymatch/matcher/match"
)

// TestProposalsCertified: a welfare or coverage proposals answer sums up a
// certified certificate, and the meeting's plan (GET
// /v1/meetings/{alliance}/plan) carries the whole certificate at the
// store's seq, which match.Verify, rebuilding the network from the store,
// accepts (so allymatch verify accepts the plan as it is). A stable answer
// carries blocking_pairs 0 instead. A unit of the meeting cannot read the
// plan: 404, as for a meeting it does not run.
func TestProposalsCertified(t *testing.T) {
	ts := newTestServer(t)
	coord := ts.coordToken("lh")
	for _, mode := range []match.Mode{match.Welfare, match.Coverage} {
		rec := ts.do(http.MethodPost, "/v1/meetings/lh/proposals", coord, `{"mode":"`+string(mode)+`"}`)
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", mode, rec.Code, rec.Body)
		}
		var out struct {
			Certificate *match.CertificateSummary
		}
		decodeBody(t, rec, &out)
		if c := out.Certificate; c == nil || !c.Certified || c.Statement == "" || c.Resources == 0 || c.Demands == 0 {
			t.Fatalf("%s: certificate summary %+v", mode, out.Certificate)
		}
	}
	rec := ts.do(http.MethodGet, "/v1/meetings/lh/plan", coord, "")
	if rec.Code != http.StatusOK {
		t.Fatalf("plan: %d %s", rec.Code, rec.Body)
	}
	var res match.Result
	decodeBody(t, rec, &res)
	if res.Certificate == nil || !res.Certificate.Certified || len(res.Certificate.Resources) == 0 || len(res.Proposals) == 0 {
		t.Fatalf("plan: certificate %+v, %d proposals", res.Certificate, len(res.Proposals))
	}
	sn := ts.st.Snapshot()
	if res.Seq != sn.Seq {
		t.Fatalf("the plan is at store index %d, the store at %d", res.Seq, sn.Seq)
	}
	if err := match.Verify(context.Background(), sn.Reader, sn.Vocab, &res); err != nil {
		t.Errorf("the plan does not verify: %v", err)
	}
	res.Proposals[0].Quantity++
	if err := match.Verify(context.Background(), sn.Reader, sn.Vocab, &res); err == nil {
		t.Errorf("a plan with one quantity moved verifies")
	}
	rec = ts.do(http.MethodPost, "/v1/meetings/lh/proposals", coord, `{"mode":"stable"}`)
	var out struct {
		Certificate   *match.CertificateSummary
		BlockingPairs *int `json:"blocking_pairs"`
	}
	decodeBody(t, rec, &out)
	if out.Certificate != nil || out.BlockingPairs == nil || *out.BlockingPairs != 0 {
		t.Errorf("stable: certificate %v, blocking_pairs %v", out.Certificate, out.BlockingPairs)
	}
	for _, who := range []string{ts.unitToken("lh-school"), ts.coordToken("tw")} {
		if rec := ts.do(http.MethodGet, "/v1/meetings/lh/plan", who, ""); rec.Code != http.StatusNotFound {
			t.Errorf("plan read by a unit or another coordinator: %d, want 404", rec.Code)
		}
	}
}
