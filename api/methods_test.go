package api

import (
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

// TestWrongMethod: every path of the OpenAPI document answers each method
// it does not have with a 405 problem and an Allow header listing the ones
// it has, after authentication as every /v1 route; nothing is stored.
func TestWrongMethod(t *testing.T) {
	ts := newTestServer(t)
	seq := ts.st.Seq()
	d, err := loadAPIDoc()
	if err != nil {
		t.Fatal(err)
	}
	param := regexp.MustCompile(`\{[a-z_]+\}`)
	paths := d.doc.Paths.Map()
	keys := make([]string, 0, len(paths))
	for p := range paths {
		keys = append(keys, p)
	}
	sort.Strings(keys)
	n := 0
	for _, route := range keys {
		var have []string
		for _, m := range methods {
			if paths[route].GetOperation(m) != nil {
				have = append(have, m)
			}
		}
		path := param.ReplaceAllString(route, "lh")
		for _, m := range methods {
			if slices.Contains(have, m) {
				continue
			}
			n++
			givenMethod, givenPath := m, path
			expectAllow := strings.Join(have, ", ")
			expectBody := `{"type":"about:blank","title":"Method Not Allowed","status":405,"detail":"` + path + ` takes ` + expectAllow + `, not ` + m + `"}`
			t.Run(givenMethod+" "+route, func(t *testing.T) {
				rec := ts.do(givenMethod, givenPath, testAdmin, "")
				if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != expectAllow || strings.TrimSpace(rec.Body.String()) != expectBody {
					t.Errorf("got  %d Allow %q %s\nwant 405 Allow %q %s", rec.Code, rec.Header().Get("Allow"), rec.Body, expectAllow, expectBody)
				}
				if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
					t.Errorf("Content-Type %q", ct)
				}
			})
		}
	}
	if n < 100 {
		t.Errorf("only %d wrong methods tried", n)
	}

	others := []struct {
		name        string
		givenMethod string
		givenPath   string
		givenToken  string
		expectCode  int
		expectAllow string
	}{
		{"a stranger gets 401 first", http.MethodPut, "/v1/claims", "", http.StatusUnauthorized, ""},
		{"OPTIONS lists the methods", http.MethodOptions, "/v1/claims", testAdmin, http.StatusNoContent, "GET, POST"},
		{"HEAD is not GET", http.MethodHead, "/v1/units/lh-school", testAdmin, http.StatusMethodNotAllowed, "GET, PATCH, DELETE"},
		{"an unknown path is still 404", http.MethodPut, "/v1/nothing", testAdmin, http.StatusNotFound, ""},
		{"an unknown path below a known one", http.MethodGet, "/v1/claims/x/y/z", testAdmin, http.StatusNotFound, ""},
	}
	for _, tc := range others {
		t.Run(tc.name, func(t *testing.T) {
			rec := ts.do(tc.givenMethod, tc.givenPath, tc.givenToken, "")
			if rec.Code != tc.expectCode || rec.Header().Get("Allow") != tc.expectAllow {
				t.Errorf("got %d Allow %q %s, want %d Allow %q", rec.Code, rec.Header().Get("Allow"), rec.Body, tc.expectCode, tc.expectAllow)
			}
		})
	}
	if ts.st.Seq() != seq {
		t.Errorf("wrong methods changed the store: seq %d → %d", seq, ts.st.Seq())
	}
}
