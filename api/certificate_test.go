package api

import (
	"context"
	"net/http"
	"testing"

	"github.com/allymatch/allymatch/matcher/match"
)

// TestProposalsCertified: a welfare or coverage proposals answer carries a
// certified certificate, and its plan is the one the store now holds: its
// seq is the store's, and match.Verify, rebuilding the network from the
// store, accepts it (so allymatch verify accepts the answer as it is).
// A stable answer carries blocking_pairs 0 instead.
func TestProposalsCertified(t *testing.T) {
	ts := newTestServer(t)
	coord := ts.coordToken("lh")
	for _, mode := range []match.Mode{match.Welfare, match.Coverage} {
		rec := ts.do(http.MethodPost, "/v1/meetings/lh/proposals", coord, `{"mode":"`+string(mode)+`"}`)
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", mode, rec.Code, rec.Body)
		}
		var out struct{ Result *match.Result }
		decodeBody(t, rec, &out)
		res := out.Result
		if res.Certificate == nil || !res.Certificate.Certified {
			t.Fatalf("%s: certificate %+v", mode, res.Certificate)
		}
		sn := ts.st.Snapshot()
		if res.Seq != sn.Seq {
			t.Fatalf("%s: the answer's plan is at store index %d, the store at %d after storing it", mode, res.Seq, sn.Seq)
		}
		if err := match.Verify(context.Background(), sn.Reader, sn.Vocab, res); err != nil {
			t.Errorf("%s: the stored plan does not verify: %v", mode, err)
		}
	}
	rec := ts.do(http.MethodPost, "/v1/meetings/lh/proposals", coord, `{"mode":"stable"}`)
	var out struct{ Result *match.Result }
	decodeBody(t, rec, &out)
	if out.Result.Certificate != nil || out.Result.BlockingPairs == nil || *out.Result.BlockingPairs != 0 {
		t.Errorf("stable: certificate %v, blocking_pairs %v", out.Result.Certificate, out.Result.BlockingPairs)
	}
}
