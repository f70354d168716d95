package api

import (
	"net/http"
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
