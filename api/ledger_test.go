package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/xuri/excelize/v2"

	"github.com/allymatch/allymatch/fixtures"
	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/service"
	"github.com/allymatch/allymatch/matcher/store"
)

// loadPoints adds the Banan sample's points bank to ts's store.
func loadPoints(ts *testServer) {
	ts.tb.Helper()
	b, err := fixtures.BananPoints()
	if err != nil {
		ts.tb.Fatal(err)
	}
	if _, err := ts.st.Import(context.Background(), b, "system"); err != nil {
		ts.tb.Fatal(err)
	}
}

func newLedgerServer(tb testing.TB) *testServer {
	ts := newTestServer(tb)
	loadPoints(ts)
	return ts
}

// problemOf decodes a problem answer.
func problemOf(tb testing.TB, body []byte) Problem {
	tb.Helper()
	var p Problem
	if err := json.Unmarshal(body, &p); err != nil {
		tb.Fatalf("decoding %s: %v", body, err)
	}
	return p
}

// TestLedgerRoutes walks the routes with their statuses: an
// account with its balance, a transfer (201), the same again (200, the
// same transfer), the same id with another body (409 naming id), beyond
// the balance (409 naming amount), every bad input with its field and
// nothing stored, the statement, a redemption at the shop's phone, the
// settlement workbook and the month report.
func TestLedgerRoutes(t *testing.T) {
	ts := newLedgerServer(t)
	coord, committee, bakery := ts.coordToken("lh"), ts.unitToken("lh-committee"), ts.unitToken("lh-bakery")
	ts.ok(201, "POST", "/v1/ledger/accounts", committee, `{"id":"LH-C0100","kind":"card","unit":"lh-committee"}`)
	var acc struct {
		ID      string
		Kind    string
		Unit    string
		Balance int64
		Flags   []string
	}
	json.Unmarshal(ts.ok(200, "GET", "/v1/ledger/accounts/LH-C0100", committee, ""), &acc)
	if acc.Kind != "card" || acc.Unit != "lh-committee" || acc.Balance != 0 || len(acc.Flags) != 1 || acc.Flags[0] != "debits_must_not_exceed_credits" {
		t.Errorf("GET account = %+v", acc)
	}
	const award = `{"id":"T-1","from":"LH-ISSUE","to":"LH-C0100","amount":25,"reason":"辅导留守儿童作业"}`
	first := ts.ok(201, "POST", "/v1/ledger/transfers", coord, award)
	again := ts.ok(200, "POST", "/v1/ledger/transfers", coord, award)
	if !bytes.Equal(first, again) {
		t.Errorf("the same transfer again answers %s, first %s", again, first)
	}
	seq := ts.st.Seq()
	for _, c := range []struct {
		name, token, body string
		status            int
		field             string
	}{
		{"another body under the id", coord, `{"id":"T-1","from":"LH-ISSUE","to":"LH-C0100","amount":26,"reason":"辅导留守儿童作业"}`, 409, "id"},
		{"beyond the balance", committee, `{"id":"T-2","from":"LH-C0100","to":"LH-C0001","amount":26,"reason":"转赠"}`, 409, "amount"},
		{"zero points", coord, `{"id":"T-2","from":"LH-ISSUE","to":"LH-C0100","amount":0,"reason":"x"}`, 400, "amount"},
		{"negative points", coord, `{"id":"T-2","from":"LH-ISSUE","to":"LH-C0100","amount":-3,"reason":"x"}`, 400, "amount"},
		{"points not whole", coord, `{"id":"T-2","from":"LH-ISSUE","to":"LH-C0100","amount":1.5,"reason":"x"}`, 400, "amount"},
		{"an unknown account", coord, `{"id":"T-2","from":"LH-ISSUE","to":"LH-C9999","amount":1,"reason":"x"}`, 404, "to"},
		{"a card of another community", ts.coordToken("st-lzw"), `{"id":"T-2","from":"LH-ISSUE","to":"LZWC-C0001","amount":1,"reason":"x"}`, 409, "to"},
		{"a card out of reach", coord, `{"id":"T-2","from":"LH-ISSUE","to":"TW-C0001","amount":1,"reason":"x"}`, 404, "to"},
		{"no reason", coord, `{"id":"T-2","from":"LH-ISSUE","to":"LH-C0100","amount":1}`, 400, "reason"},
		{"no id", coord, `{"from":"LH-ISSUE","to":"LH-C0100","amount":1,"reason":"x"}`, 400, "id"},
		{"a redemption beyond the balance", bakery, `{"id":"R-2","offer":"LH-O-BUN","card":"LH-C0100","quantity":13}`, 409, "card"},
		{"a redemption beyond the stock", ts.unitToken("lh-bank"), `{"id":"R-2","offer":"LH-O-OIL","card":"LH-C0003","quantity":31}`, 409, "quantity"},
		{"a redemption with a card of another community", bakery, `{"id":"R-2","offer":"LH-O-BUN","card":"TW-C0001"}`, 404, "card"},
		{"an account with debits", committee, `{"id":"LH-C0101","kind":"card","unit":"lh-committee","debits":5}`, 400, "debits"},
		{"a card with a name", committee, `{"id":"LH-C0101","kind":"card","unit":"lh-committee","name":"王阿姨"}`, 400, "name"},
		{"a card of a shop", ts.unitToken("lh-bakery"), `{"id":"LH-C0101","kind":"card","unit":"lh-bakery"}`, 409, "unit"},
		{"an issuer opened by a unit", committee, `{"id":"LH-I2","kind":"issuer","unit":"lh-committee"}`, 403, "kind"},
	} {
		var body []byte
		var path string
		switch {
		case strings.Contains(c.body, `"offer"`):
			path = "/v1/ledger/redemptions"
		case strings.Contains(c.body, `"kind"`):
			path = "/v1/ledger/accounts"
		default:
			path = "/v1/ledger/transfers"
		}
		rec := ts.do("POST", path, c.token, c.body)
		body = rec.Body.Bytes()
		if p := problemOf(t, body); rec.Code != c.status || p.Field != c.field {
			t.Errorf("%s: %d %s, want %d naming %s", c.name, rec.Code, body, c.status, c.field)
		}
	}
	if ts.st.Seq() != seq {
		t.Fatalf("refused requests moved the store from %d to %d", seq, ts.st.Seq())
	}

	// The shop's phone: 3 buns for 6 points, and the same request again.
	const redeem = `{"id":"R-1","offer":"LH-O-BUN","card":"LH-C0100","quantity":3}`
	ts.ok(201, "POST", "/v1/ledger/redemptions", bakery, redeem)
	ts.ok(200, "POST", "/v1/ledger/redemptions", bakery, redeem)
	var st struct {
		Account struct{ Balance int64 }
		Items   []struct {
			ID      string
			Delta   int64
			Balance int64
		}
	}
	json.Unmarshal(ts.ok(200, "GET", "/v1/ledger/accounts/LH-C0100/transfers", committee, ""), &st)
	if st.Account.Balance != 19 || len(st.Items) != 2 || st.Items[1].Delta != -6 || st.Items[1].Balance != 19 {
		t.Errorf("statement %+v, want 25 then -6 = 19", st)
	}
	ts.refused(404, "GET", "/v1/ledger/accounts/LH-C0100/transfers", bakery, "")
	var page struct {
		Items []struct{ ID string }
		Next  string
	}
	json.Unmarshal(ts.ok(200, "GET", "/v1/ledger/accounts/LH-ISSUE/transfers?limit=2", coord, ""), &page)
	if len(page.Items) != 2 || page.Next != "2" {
		t.Errorf("first page %+v, want 2 lines and next 2", page)
	}
	// The shop gives it back.
	ts.ok(201, "POST", "/v1/ledger/transfers/R-1/reverse", bakery, `{"id":"RV-1","reason":"顾客退回"}`)
	ts.refused(409, "POST", "/v1/ledger/transfers/R-1/reverse", bakery, `{"id":"RV-2","reason":"再退"}`)

	// The settlement workbook and the report of the month.
	month := ts.service().Now().In(service.CST).Format("2006-01")
	rec := ts.do("GET", "/v1/ledger/units/lh-bakery/settlement?format=xlsx&month="+month, bakery, "")
	if rec.Code != 200 || !strings.Contains(rec.Header().Get("Content-Type"), "spreadsheetml") {
		t.Fatalf("settlement.xlsx = %d %s", rec.Code, rec.Header())
	}
	f, err := excelize.OpenReader(bytes.NewReader(rec.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows("兑换明细")
	if len(rows) != 2 || rows[1][1] != "R-1" || rows[1][7] != "已退回" {
		t.Errorf("settlement rows %v, want R-1 marked given back", rows)
	}
	ts.refused(404, "GET", "/v1/ledger/units/lh-bakery/settlement", ts.unitToken("lh-bank"), "")
	var rep struct {
		Earned, Redeemed, Outstanding, Issued int64
		EarnedByCategory                      map[string]int64 `json:"earned_by_category"`
	}
	json.Unmarshal(ts.ok(200, "GET", "/v1/ledger/report?month="+month, coord, ""), &rep)
	if rep.EarnedByCategory["award"] != 25 || rep.Redeemed != 0 || rep.Outstanding != rep.Issued {
		t.Errorf("report %+v: want 25 awarded, nothing redeemed net, outstanding = issued", rep)
	}
}

// TestLedgerEarnOverHTTP: the Banan sample's working points bank. The
// committee issues a card; the school records the delivery of C-0001 (4
// 人/晚 of escort by the floor party members, the 爱心护学队 named to
// earn): the team earns 5 points a 人/晚; the tutors named on a tutoring
// claim earn 10 points an hour; a tutor buys buns at the bun shop, and a
// card with its passbook's points buys a bag of rice at the bank.
func TestLedgerEarnOverHTTP(t *testing.T) {
	ts := newLedgerServer(t)
	school, committee := ts.unitToken("lh-school"), ts.unitToken("lh-committee")
	ts.ok(201, "POST", "/v1/ledger/accounts", committee, `{"id":"LH-C0007","kind":"card","unit":"lh-committee"}`)
	ts.ok(200, "POST", "/v1/claims/C-0001/fulfil", school, "")
	var team struct{ Balance int64 }
	json.Unmarshal(ts.ok(200, "GET", "/v1/ledger/accounts/LH-TEAM-ESCORT", school, ""), &team)
	if team.Balance != 20 {
		t.Errorf("the escort team holds %d after 4 人/晚, want 20", team.Balance)
	}
	// Tutoring: the school's teachers (LH-R04) for the 4:30 class (LH-P01-S2).
	var c matcher.Claim
	json.Unmarshal(ts.ok(201, "POST", "/v1/claims", school, `{"resource":"LH-R04","demand":"LH-P01-S2","quantity":6,"meeting":"lh"}`), &c)
	ts.ok(200, "POST", "/v1/claims/"+c.ID+"/accept", committee, "")
	ts.refused(403, "PUT", "/v1/ledger/claims/"+c.ID+"/earners", committee, `{"earners":[{"account":"LH-C0005"}]}`)
	var e struct {
		Earners []matcher.Earner
		Rule    *matcher.EarnRule
	}
	json.Unmarshal(ts.ok(200, "PUT", "/v1/ledger/claims/"+c.ID+"/earners", school, `{"earners":[{"account":"LH-C0005","share":2},{"account":"LH-C0006"}]}`), &e)
	if len(e.Earners) != 2 || e.Rule == nil || e.Rule.ID != "LH-RULE-TUTOR" {
		t.Fatalf("earners %+v", e)
	}
	ts.ok(200, "POST", "/v1/claims/"+c.ID+"/fulfil", committee, `{"quantity":5}`)
	for id, want := range map[string]int64{"LH-C0005": 33, "LH-C0006": 17} { // 50 points, 2:1, the largest remainder rounds up
		var a struct{ Balance int64 }
		json.Unmarshal(ts.ok(200, "GET", "/v1/ledger/accounts/"+id, committee, ""), &a)
		if a.Balance != want {
			t.Errorf("%s holds %d, want %d", id, a.Balance, want)
		}
	}
	ts.ok(201, "POST", "/v1/ledger/redemptions", ts.unitToken("lh-bakery"), `{"id":"R-BUN","offer":"LH-O-BUN","card":"LH-C0006","quantity":5}`)
	ts.ok(201, "POST", "/v1/ledger/redemptions", ts.unitToken("lh-bank"), `{"id":"R-RICE","offer":"LH-O-RICE","card":"LH-C0003"}`)
	for id, want := range map[string]int64{"LH-C0006": 7, "LH-C0003": 50, "LH-BAKERY": 10, "LH-BANK": 100} {
		var a struct{ Balance int64 }
		json.Unmarshal(ts.ok(200, "GET", "/v1/ledger/accounts/"+id, testAdmin, ""), &a)
		if a.Balance != want {
			t.Errorf("%s holds %d after the redemptions, want %d", id, a.Balance, want)
		}
	}
}

// TestLedgerResponses: the ledger's answers match the document.
func TestLedgerResponses(t *testing.T) {
	ts := newLedgerServer(t)
	d, err := loadAPIDoc()
	if err != nil {
		t.Fatal(err)
	}
	routes := documentRoutes(d)
	coord, committee, bakery := ts.coordToken("lh"), ts.unitToken("lh-committee"), ts.unitToken("lh-bakery")
	cases := []struct{ method, route, path, token, body string }{
		{"POST", "/v1/ledger/accounts", "/v1/ledger/accounts", committee, `{"id":"LH-C0100","kind":"card","unit":"lh-committee"}`},
		{"GET", "/v1/ledger/accounts", "/v1/ledger/accounts?unit=lh-committee&kind=card", committee, ""},
		{"GET", "/v1/ledger/accounts/:id", "/v1/ledger/accounts/LH-ISSUE", coord, ""},
		{"POST", "/v1/ledger/transfers", "/v1/ledger/transfers", coord, `{"id":"T-1","from":"LH-ISSUE","to":"LH-C0100","amount":25,"reason":"奖励"}`},
		{"POST", "/v1/ledger/transfers", "/v1/ledger/transfers", coord, `{"id":"T-1","from":"LH-ISSUE","to":"LH-C0100","amount":25,"reason":"奖励"}`},
		{"GET", "/v1/ledger/transfers/:id", "/v1/ledger/transfers/T-1", committee, ""},
		{"GET", "/v1/ledger/accounts/:id/transfers", "/v1/ledger/accounts/LH-C0100/transfers", committee, ""},
		{"POST", "/v1/ledger/transfers/:id/reverse", "/v1/ledger/transfers/T-1/reverse", coord, `{"id":"RV-1","amount":5,"reason":"多记"}`},
		{"GET", "/v1/ledger/rules", "/v1/ledger/rules?alliance=lh", coord, ""},
		{"POST", "/v1/ledger/rules", "/v1/ledger/rules", coord, `{"id":"LH-RULE-X","alliance":"lh","category":"养老","points":3,"issuer":"LH-ISSUE"}`},
		{"PATCH", "/v1/ledger/rules/:id", "/v1/ledger/rules/LH-RULE-X", coord, `{"active":false}`},
		{"GET", "/v1/ledger/claims/:id/earners", "/v1/ledger/claims/C-0001/earners", committee, ""},
		{"PUT", "/v1/ledger/claims/:id/earners", "/v1/ledger/claims/C-0001/earners", committee, `{"earners":[{"account":"LH-C0006"}]}`},
		{"GET", "/v1/ledger/offers", "/v1/ledger/offers?open=true", bakery, ""},
		{"POST", "/v1/ledger/offers", "/v1/ledger/offers", bakery, `{"id":"LH-O-SOY","unit":"lh-bakery","title":"豆浆","price":1,"stock":40}`},
		{"GET", "/v1/ledger/offers/:id", "/v1/ledger/offers/LH-O-SOY", bakery, ""},
		{"PATCH", "/v1/ledger/offers/:id", "/v1/ledger/offers/LH-O-SOY", bakery, `{"stock":60}`},
		{"POST", "/v1/ledger/redemptions", "/v1/ledger/redemptions", bakery, `{"id":"R-1","offer":"LH-O-SOY","card":"LH-C0100","quantity":2}`},
		{"GET", "/v1/ledger/redemptions", "/v1/ledger/redemptions", bakery, ""},
		{"GET", "/v1/ledger/units/:id/settlement", "/v1/ledger/units/lh-bakery/settlement", bakery, ""},
		{"GET", "/v1/ledger/report", "/v1/ledger/report", coord, ""},
		{"POST", "/v1/ledger/transfers", "/v1/ledger/transfers", coord, `{"id":"T-1","from":"LH-ISSUE","to":"LH-C0100","amount":26,"reason":"奖励"}`},
	}
	for _, tc := range cases {
		rec := ts.do(tc.method, tc.path, tc.token, tc.body)
		if rec.Code >= 400 && !strings.HasSuffix(tc.body, `"amount":26,"reason":"奖励"}`) {
			t.Errorf("%s %s = %d %s", tc.method, tc.path, rec.Code, rec.Body)
		}
		rt := routes[tc.method+" "+tc.route]
		if rt == nil {
			t.Fatalf("%s %s is not in the document", tc.method, tc.route)
		}
		req := httptest.NewRequest(tc.method, tc.path, nil)
		in := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, Route: rt},
			Status:                 rec.Code,
			Header:                 rec.Header(),
			Body:                   io.NopCloser(strings.NewReader(rec.Body.String())),
			Options:                &openapi3filter.Options{IncludeResponseStatus: true},
		}
		if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
			t.Errorf("%s %s = %d: the answer does not match the document: %v\n%.400s", tc.method, tc.path, rec.Code, err, rec.Body)
		}
	}
}

// TestLedgerRace: over HTTP, 64 concurrent redemptions race for the last
// 10 points of a card, and 64 for the last 3 pieces of an offer: exactly
// as many succeed as the balance and the stock allow, the others are 409
// naming card or quantity, a retried id is answered as the first, and
// nothing is oversold. Run with -race.
func TestLedgerRace(t *testing.T) {
	ts := newLedgerServer(t)
	srv := httptest.NewServer(ts.Handler())
	defer srv.Close()
	coord, bakery := ts.coordToken("lh"), ts.unitToken("lh-bakery")
	ts.ok(201, "POST", "/v1/ledger/accounts", coord, `{"id":"LH-RACE","kind":"card","unit":"lh-committee"}`)
	ts.ok(201, "POST", "/v1/ledger/transfers", coord, `{"id":"RACE-10","from":"LH-ISSUE","to":"LH-RACE","amount":10,"reason":"竞争测试"}`)
	ts.ok(201, "POST", "/v1/ledger/offers", bakery, `{"id":"LH-O-LAST3","unit":"lh-bakery","title":"最后三个豆沙包","price":1,"stock":3}`)
	post := func(client *http.Client, body string) (int, Problem) {
		req, _ := http.NewRequest("POST", srv.URL+"/v1/ledger/redemptions", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+bakery)
		resp, err := client.Do(req)
		if err != nil {
			t.Error(err)
			return 0, Problem{}
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		var p Problem
		if resp.StatusCode >= 400 {
			json.Unmarshal(data, &p)
		}
		return resp.StatusCode, p
	}
	race := func(name string, body func(i int) string, wantOK int, field string) {
		t.Helper()
		var mu sync.Mutex
		codes := map[int]int{}
		var wg sync.WaitGroup
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
		for i := range 64 {
			wg.Go(func() {
				code, p := post(client, body(i))
				mu.Lock()
				defer mu.Unlock()
				codes[code]++
				if code == 409 && p.Field != field {
					t.Errorf("%s: a refused redemption names %q (%s), want %s", name, p.Field, p.Detail, field)
				}
			})
		}
		wg.Wait()
		if codes[201] != wantOK || codes[201]+codes[200]+codes[409] != 64 {
			t.Errorf("%s: answers %v, want %d created and the rest 409", name, codes, wantOK)
		}
	}
	// The last 10 points of a card, at 1 point a 馒头; every 8th request is
	// a retry of the one before it (the same id and body): 200 or 201.
	race("the last 10 points", func(i int) string {
		if i%8 == 7 {
			i--
		}
		return fmt.Sprintf(`{"id":"RP-%d","offer":"LH-O-MANTOU","card":"LH-RACE"}`, i)
	}, 10, "card")
	// The last 3 pieces of an offer, by cards with points enough.
	race("the last 3 pieces", func(i int) string {
		return fmt.Sprintf(`{"id":"RS-%d","offer":"LH-O-LAST3","card":"LH-C0003"}`, i)
	}, 3, "quantity")
	sn := ts.st.Snapshot()
	if a, _ := sn.Account("LH-RACE"); a.Balance() != 0 || a.Debits != 10 {
		t.Errorf("the card holds %d after the race (debits %d), want 0 and 10", a.Balance(), a.Debits)
	}
	if o, _ := sn.Offer("LH-O-LAST3"); o.Stock != 0 || o.Redeemed != 3 {
		t.Errorf("the offer has %d left, %d redeemed; want 0 and 3", o.Stock, o.Redeemed)
	}
	if o, _ := sn.Offer("LH-O-MANTOU"); o.Redeemed != 10 {
		t.Errorf("%d 馒头 redeemed, want 10", o.Redeemed)
	}
	var sum int64
	for a := range sn.Accounts() {
		sum += a.Balance()
		if a.Kind.Holds() && a.Balance() < 0 {
			t.Errorf("%s holds %d", a.ID, a.Balance())
		}
	}
	if sum != 0 {
		t.Errorf("balances sum to %d", sum)
	}
	writes, ops := ts.service().BatchStats()
	t.Logf("%d ledger operations in %d store writes", ops, writes)
	// The file replays: a restart checks every account against its transfers.
	dir := ts.st.Path()
	ts.st.Close()
	st, _, err := store.Open(context.Background(), store.Options{Dir: filepath.Dir(dir)})
	if err != nil {
		t.Fatalf("reopen after the race: %v", err)
	}
	st.Close()
}
