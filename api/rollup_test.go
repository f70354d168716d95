package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/allymatch/allymatch/matcher/service"
)

// TestRollupScope: GET /v1/rollup/{alliance} answers the admin and the
// coordinators of the alliance and those above it; anyone else is
// refused, and an alliance outside the caller's scope is answered as an
// absent one is (the same status, code and field).
func TestRollupScope(t *testing.T) {
	ts := newTestServer(t)
	ts.propose(testAdmin, "lh", "")
	for _, tc := range []struct {
		who, token, path string
		want             int
	}{
		{"admin", testAdmin, "/v1/rollup/bn-district", 200},
		{"district coordinator", ts.coordToken("bn-district"), "/v1/rollup/st-lzw", 200},
		{"street coordinator", ts.coordToken("st-lzw"), "/v1/rollup/st-lzw", 200},
		{"community coordinator", ts.coordToken("lh"), "/v1/rollup/lh", 200},
		{"community coordinator above", ts.coordToken("lh"), "/v1/rollup/st-lzw", 404},
		{"foreign coordinator", ts.coordToken("tw"), "/v1/rollup/lh", 404},
		{"unit", ts.unitToken("lh-school"), "/v1/rollup/lh", 404},
		{"no token", "", "/v1/rollup/lh", 401},
		{"revoked token", ts.revokedToken(), "/v1/rollup/lh", 401},
	} {
		seq := ts.st.Seq()
		rec := ts.do(http.MethodGet, tc.path, tc.token, "")
		if rec.Code != tc.want {
			t.Errorf("%s: GET %s = %d %s, want %d", tc.who, tc.path, rec.Code, rec.Body, tc.want)
		}
		if ts.st.Seq() != seq {
			t.Errorf("%s: a read changed the store", tc.who)
		}
	}
	var foreign, absent Problem
	decodeBody(t, ts.do(http.MethodGet, "/v1/rollup/tw", ts.coordToken("lh"), ""), &foreign)
	decodeBody(t, ts.do(http.MethodGet, "/v1/rollup/zz-absent-9", ts.coordToken("lh"), ""), &absent)
	foreign.Detail = strings.ReplaceAll(foreign.Detail, "tw", "ID")
	absent.Detail = strings.ReplaceAll(absent.Detail, "zz-absent-9", "ID")
	if foreign.Status != absent.Status || foreign.Code != absent.Code || foreign.Field != absent.Field || foreign.Detail != absent.Detail {
		t.Errorf("a foreign alliance answers %+v, an absent one %+v", foreign, absent)
	}
	var r service.Rollup
	decodeBody(t, ts.do(http.MethodGet, "/v1/rollup/st-lzw", ts.coordToken("st-lzw"), ""), &r)
	if r.Alliance != "st-lzw" || r.Parent != "" || len(r.Children) != 2 || len(r.Meetings) != 3 || r.Answers.Claims == 0 {
		t.Errorf("st-lzw's roll-up: %s above %q, %d children, %d meetings, %d claims; want 2 communities, 3 meetings, lh's claims, no parent",
			r.Alliance, r.Parent, len(r.Children), len(r.Meetings), r.Answers.Claims)
	}
}
