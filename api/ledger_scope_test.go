package api

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// ledgerScopeRoutes are the points bank's write routes in the scope table
// (scopeRoutes): owner and parent coordinator succeed, every other caller
// is refused, an id of tw's (another street's community) is answered
// exactly as an absent one, and nothing changes. Every setup loads the
// sample's points bank first.
func ledgerScopeRoutes() []scopeRoute {
	with := func(path, body string) func(ts *testServer) (string, string) {
		return func(ts *testServer) (string, string) { loadPoints(ts); return path, body }
	}
	const (
		account    = `{"id":"LH-C0100","kind":"card","unit":"lh-committee"}`
		transfer   = `{"id":"T-1","from":"LH-ISSUE","to":"LH-C0005","amount":5,"reason":"辅导作业"}`
		rule       = `{"id":"LH-RULE-X","alliance":"lh","category":"elderly","points":3,"issuer":"LH-ISSUE"}`
		offer      = `{"id":"LH-O-NEW","unit":"lh-bakery","account":"LH-BAKERY","title":"豆浆","price":1,"stock":50}`
		redemption = `{"id":"RD-1","offer":"LH-O-BUN","card":"LH-C0001","quantity":2}`
	)
	return []scopeRoute{
		{name: "POST /v1/ledger/accounts", method: http.MethodPost, setup: with("/v1/ledger/accounts", account),
			owner: unitOwner("lh-committee"), parent: coordOwner("st-lzw"), ok: 201, sameAlliance: unitID("lh-bank"),
			ids: func(path, body string) []idVariant {
				return []idVariant{inBody("unit", body, "lh-committee", "tw-committee")}
			}},
		{name: "POST /v1/ledger/transfers", method: http.MethodPost, setup: with("/v1/ledger/transfers", transfer),
			owner: unitOwner("lh-committee"), parent: coordOwner("st-lzw"), ok: 201, sameAlliance: unitID("lh-bank"),
			ids: func(path, body string) []idVariant {
				return []idVariant{inBody("from", body, "LH-ISSUE", "TW-ISSUE"), inBody("to", body, "LH-C0005", "TW-C0001")}
			}},
		{name: "POST /v1/ledger/transfers/{id}/reverse", method: http.MethodPost,
			setup: func(ts *testServer) (string, string) {
				loadPoints(ts)
				ts.ok(201, http.MethodPost, "/v1/ledger/transfers", testAdmin, `{"id":"T-9","from":"LH-ISSUE","to":"LH-C0005","amount":10,"reason":"奖励"}`)
				return "/v1/ledger/transfers/T-9/reverse", `{"id":"RV-1","amount":4,"reason":"多记了"}`
			},
			owner: unitOwner("lh-committee"), parent: coordOwner("st-lzw"), ok: 201, sameAlliance: unitID("lh-bank"),
			ids: func(path, _ string) []idVariant { return []idVariant{inPath(path, "T-9", "TW-OPEN-0001")} }},
		{name: "POST /v1/ledger/rules", method: http.MethodPost, setup: with("/v1/ledger/rules", rule),
			owner: coordOwner("lh"), parent: coordOwner("st-lzw"), ok: 201, sameAlliance: unitID("lh-bank"),
			ids: func(path, body string) []idVariant {
				return []idVariant{inBody("alliance", body, "lh", "tw"), inBody("issuer", body, "LH-ISSUE", "TW-ISSUE")}
			}},
		{name: "PATCH /v1/ledger/rules/{id}", method: http.MethodPatch, setup: with("/v1/ledger/rules/LH-RULE-ESCORT", `{"points":6}`),
			owner: coordOwner("lh"), parent: coordOwner("st-lzw"), ok: 200, sameAlliance: unitID("lh-bank"),
			ids: func(path, _ string) []idVariant {
				return []idVariant{inPath(path, "LH-RULE-ESCORT", "TW-RULE-ELDERLY")}
			}},
		{name: "PUT /v1/ledger/claims/{id}/earners", method: http.MethodPut, setup: with("/v1/ledger/claims/C-0001/earners", `{"earners":[{"account":"LH-C0006"}]}`),
			owner: unitOwner("lh-committee"), parent: coordOwner("st-lzw"), ok: 200, sameAlliance: unitID("lh-bank"),
			ids: func(path, body string) []idVariant {
				return []idVariant{inPath(path, "C-0001", "C-0002"), inBody("earners[0].account", body, "LH-C0006", "TW-C0001")}
			}},
		{name: "POST /v1/ledger/offers", method: http.MethodPost, setup: with("/v1/ledger/offers", offer),
			owner: unitOwner("lh-bakery"), parent: coordOwner("st-lzw"), ok: 201, sameAlliance: unitID("lh-bank"),
			ids: func(path, body string) []idVariant {
				return []idVariant{inBody("unit", body, "lh-bakery", "tw-shop"), inBody("account", body, "LH-BAKERY", "TW-SHOP")}
			}},
		{name: "PATCH /v1/ledger/offers/{id}", method: http.MethodPatch, setup: with("/v1/ledger/offers/LH-O-BUN", `{"stock":299}`),
			owner: unitOwner("lh-bakery"), parent: coordOwner("st-lzw"), ok: 200, sameAlliance: unitID("lh-bank"),
			ids: func(path, _ string) []idVariant { return []idVariant{inPath(path, "LH-O-BUN", "TW-O-PEAR")} }},
		{name: "POST /v1/ledger/redemptions", method: http.MethodPost, setup: with("/v1/ledger/redemptions", redemption),
			owner: unitOwner("lh-bakery"), parent: coordOwner("st-lzw"), ok: 201, sameAlliance: unitID("lh-bank"),
			ids: func(path, body string) []idVariant {
				return []idVariant{inBody("offer", body, "LH-O-BUN", "TW-O-PEAR"), inBody("card", body, "LH-C0001", "TW-C0001")}
			}},
	}
}

// TestLedgerScopeInTwoSteps: what a caller makes in its own scope does not
// reach out of it.
func TestLedgerScopeInTwoSteps(t *testing.T) {
	t.Run("a team of its own does not make a foreign card an earner", func(t *testing.T) {
		ts := newLedgerServer(t)
		committee := ts.unitToken("lh-committee")
		ts.ok(201, http.MethodPost, "/v1/ledger/accounts", committee, `{"id":"LH-TEAM-FLOOR","kind":"team","unit":"lh-committee","name":"楼层党员中心户"}`)
		ts.ok(200, http.MethodPut, "/v1/ledger/claims/C-0001/earners", committee, `{"earners":[{"account":"LH-TEAM-FLOOR"}]}`)
		ts.refused(404, http.MethodPut, "/v1/ledger/claims/C-0001/earners", committee, `{"earners":[{"account":"LH-TEAM-FLOOR"},{"account":"TW-C0001"}]}`)
		ts.refused(404, http.MethodPut, "/v1/ledger/claims/C-0001/earners", ts.unitToken("tw-committee"), `{"earners":[{"account":"TW-C0001"}]}`)
	})
	t.Run("a shop's offer does not take another shop's account", func(t *testing.T) {
		ts := newLedgerServer(t)
		bakery := ts.unitToken("lh-bakery")
		ts.refused(404, http.MethodPost, "/v1/ledger/offers", bakery, `{"id":"LH-O-X","unit":"lh-bakery","account":"LH-BANK","title":"豆浆","price":1,"stock":5}`)
		ts.refused(409, http.MethodPost, "/v1/ledger/offers", ts.coordToken("lh"), `{"id":"LH-O-X","unit":"lh-bakery","account":"LH-BANK","title":"豆浆","price":1,"stock":5}`)
	})
	t.Run("a street coordinator sees two communities' cards but does not mix them", func(t *testing.T) {
		ts := newLedgerServer(t)
		street := ts.coordToken("st-lzw")
		ts.refused(409, http.MethodPost, "/v1/ledger/transfers", street, `{"id":"T-X","from":"LZWC-C0001","to":"LH-C0001","amount":1,"reason":"x"}`)
		ts.refused(409, http.MethodPost, "/v1/ledger/redemptions", street, `{"id":"R-X","offer":"LH-O-BUN","card":"LZWC-C0001"}`)
		ts.refused(404, http.MethodGet, "/v1/ledger/accounts/TW-C0001", street, "")
	})
	t.Run("a transfer's id made by one caller answers another only as taken", func(t *testing.T) {
		ts := newLedgerServer(t)
		ts.ok(201, http.MethodPost, "/v1/ledger/transfers", ts.coordToken("tw"), `{"id":"T-SHARED","from":"TW-ISSUE","to":"TW-C0001","amount":1,"reason":"x"}`)
		ts.refused(404, http.MethodGet, "/v1/ledger/transfers/T-SHARED", ts.coordToken("lh"), "")
		ts.refused(409, http.MethodPost, "/v1/ledger/transfers", ts.coordToken("lh"), `{"id":"T-SHARED","from":"LH-ISSUE","to":"LH-C0001","amount":1,"reason":"x"}`)
	})
}

// TestLedgerReadScope is the read side of the scope table: for every read
// route of the points bank, who sees the record (200) and who is answered
// exactly as for an absent id (the same status, field and words). A shop
// sees its own account, redemptions and settlement; a committee its
// issuer and the cards it issued; a unit a claim's earners only on a side
// of the claim; a coordinator what lies in its scope and below (the
// street's sees Longhua's, Tangwan's sees none of it). Lists hold only
// what the caller sees.
func TestLedgerReadScope(t *testing.T) {
	ts := newLedgerServer(t)
	ts.ok(201, http.MethodPost, "/v1/ledger/redemptions", ts.unitToken("lh-bakery"), `{"id":"RD-1","offer":"LH-O-BUN","card":"LH-C0001","quantity":1}`)
	tokens := map[string]string{"admin": testAdmin}
	for _, u := range []string{"lh-committee", "lh-bakery", "lh-bank", "lh-school", "tw-committee", "tw-shop"} {
		tokens[u] = ts.unitToken(u)
	}
	for _, al := range []string{"lh", "st-lzw", "tw"} {
		tokens["coordinator "+al] = ts.coordToken(al)
	}
	callers := slices.Sorted(maps.Keys(tokens))
	for _, r := range []struct {
		path, absent string
		see          []string // the callers answered 200; every other is answered as for absent
	}{
		{"/v1/ledger/accounts/LH-C0001", "/v1/ledger/accounts/LH-C9999", []string{"admin", "lh-committee", "coordinator lh", "coordinator st-lzw"}},
		{"/v1/ledger/accounts/LH-C0001/transfers", "/v1/ledger/accounts/LH-C9999/transfers", []string{"admin", "lh-committee", "coordinator lh", "coordinator st-lzw"}},
		{"/v1/ledger/accounts/LH-ISSUE", "/v1/ledger/accounts/LH-I9999", []string{"admin", "lh-committee", "coordinator lh", "coordinator st-lzw"}},
		{"/v1/ledger/accounts/LH-BAKERY", "/v1/ledger/accounts/LH-S9999", []string{"admin", "lh-bakery", "coordinator lh", "coordinator st-lzw"}},
		{"/v1/ledger/accounts/LH-BAKERY/transfers", "/v1/ledger/accounts/LH-S9999/transfers", []string{"admin", "lh-bakery", "coordinator lh", "coordinator st-lzw"}},
		{"/v1/ledger/accounts/LH-TEAM-ESCORT", "/v1/ledger/accounts/LH-T9999", []string{"admin", "lh-school", "coordinator lh", "coordinator st-lzw"}},
		// a transfer: whoever sees one of its two accounts
		{"/v1/ledger/transfers/RD-1", "/v1/ledger/transfers/RD-9", []string{"admin", "lh-committee", "lh-bakery", "coordinator lh", "coordinator st-lzw"}},
		{"/v1/ledger/transfers/TW-OPEN-0001", "/v1/ledger/transfers/TW-OPEN-9999", []string{"admin", "tw-committee", "coordinator tw"}},
		// a shop's redemptions and month
		{"/v1/ledger/redemptions?unit=lh-bakery", "/v1/ledger/redemptions?unit=lh-nope", []string{"admin", "lh-bakery", "coordinator lh", "coordinator st-lzw"}},
		{"/v1/ledger/units/lh-bakery/settlement", "/v1/ledger/units/lh-nope/settlement", []string{"admin", "lh-bakery", "coordinator lh", "coordinator st-lzw"}},
		// offers: the units of the shop's alliances see them, to redeem
		{"/v1/ledger/offers/LH-O-BUN", "/v1/ledger/offers/LH-O-NOPE", []string{"admin", "lh-committee", "lh-bakery", "lh-bank", "lh-school", "coordinator lh", "coordinator st-lzw"}},
		// a claim's earners: its two sides and their coordinators
		{"/v1/ledger/claims/C-0001/earners", "/v1/ledger/claims/C-9999/earners", []string{"admin", "lh-committee", "lh-school", "coordinator lh", "coordinator st-lzw"}},
		// the month's report: the coordinators of the alliance and above
		{"/v1/ledger/report?alliance=lh", "/v1/ledger/report?alliance=lh-nope", []string{"admin", "coordinator lh", "coordinator st-lzw"}},
	} {
		t.Run(r.path, func(t *testing.T) {
			seq := ts.st.Seq()
			for _, who := range callers {
				tok := tokens[who]
				rec := ts.do(http.MethodGet, r.path, tok, "")
				if slices.Contains(r.see, who) {
					if rec.Code != http.StatusOK {
						t.Errorf("%s: GET %s = %d %s, want 200", who, r.path, rec.Code, rec.Body)
					}
					continue
				}
				abs := ts.do(http.MethodGet, r.absent, tok, "")
				if rec.Code != abs.Code || rec.Code/100 != 4 {
					t.Errorf("%s: GET %s = %d %s; the absent %s = %d: want the same 4xx", who, r.path, rec.Code, rec.Body, r.absent, abs.Code)
					continue
				}
				got, want := problemOf(t, rec.Body.Bytes()), problemOf(t, abs.Body.Bytes())
				if got.Field != want.Field || got.Title != want.Title || strings.Count(got.Detail, " ") != strings.Count(want.Detail, " ") {
					t.Errorf("%s: GET %s answers %+v, the absent %s %+v", who, r.path, got, r.absent, want)
				}
			}
			if ts.st.Seq() != seq {
				t.Errorf("reading moved the store from %d to %d", seq, ts.st.Seq())
			}
		})
	}

	// Lists: each caller's accounts are exactly those of its own unit
	// (a unit) or of its scope (a coordinator).
	accountsOf := func(who string, query string) []string {
		var page struct{ Items []struct{ ID, Unit string } }
		json.Unmarshal(ts.ok(200, http.MethodGet, "/v1/ledger/accounts?limit=500"+query, tokens[who], ""), &page)
		var ids []string
		for _, a := range page.Items {
			ids = append(ids, a.ID)
		}
		return ids
	}
	for who, want := range map[string][]string{
		"lh-bakery":      {"LH-BAKERY"},
		"lh-school":      {"LH-TEAM-ESCORT"},
		"lh-committee":   {"LH-C0001", "LH-C0002", "LH-C0003", "LH-C0004", "LH-C0005", "LH-C0006", "LH-ISSUE"},
		"tw-shop":        {"TW-SHOP"},
		"coordinator tw": {"TW-C0001", "TW-ISSUE", "TW-SHOP"},
	} {
		if got := accountsOf(who, ""); !slices.Equal(got, want) {
			t.Errorf("%s lists the accounts %v, want %v", who, got, want)
		}
	}
	if got := accountsOf("lh-bakery", "&unit=lh-committee"); len(got) != 0 {
		t.Errorf("the bun shop lists the committee's accounts: %v", got)
	}
	for _, who := range []string{"coordinator lh", "coordinator st-lzw"} {
		for _, id := range accountsOf(who, "") {
			if strings.HasPrefix(id, "TW-") {
				t.Errorf("%s lists Tangwan's account %s", who, id)
			}
		}
	}
	for _, q := range []string{"/v1/ledger/offers", "/v1/ledger/rules"} {
		body := string(ts.ok(200, http.MethodGet, q, tokens["tw-committee"], ""))
		if strings.Contains(body, `"LH-`) || !strings.Contains(body, `"TW-`) {
			t.Errorf("Tangwan's committee: GET %s = %s, want Tangwan's only", q, body)
		}
	}
}
