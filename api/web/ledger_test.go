package web_test

import (
	"context"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/allymatch/allymatch/fixtures"
	"github.com/allymatch/allymatch/matcher/store"
)

// newLedgerServer is newServer with the Banan sample's points bank.
func newLedgerServer(tb testing.TB) (*httptest.Server, *store.Store) {
	tb.Helper()
	ts, st := newServer(tb)
	b, err := fixtures.BananPoints()
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := st.Import(context.Background(), b, "system"); err != nil {
		tb.Fatal(err)
	}
	return ts, st
}

var ridRe = regexp.MustCompile(`name="rid" value="([^"]+)"`)
var tidRe = regexp.MustCompile(`name="tid" value="([^"]+)"`)

func balance(tb testing.TB, st *store.Store, id string) int64 {
	tb.Helper()
	a, err := st.Snapshot().Account(id)
	if err != nil {
		tb.Fatal(err)
	}
	return a.Balance()
}

// TestLedgerDesk: the committee opens a card and awards points on it; the
// bun shop redeems on its screen (a second tap of the same form is the
// same redemption; too few points, or a card of another community, are
// shown on the screen and change nothing), gives one back and downloads
// its month; the coordinator adds an earning rule and reads the month's
// report; the committee names who earns a claim's points.
func TestLedgerDesk(t *testing.T) {
	ts, st := newLedgerServer(t)
	committee := newBrowser(t, ts.URL)
	committee.login(makeToken(t, ts.URL, `{"role":"unit","unit":"lh-committee"}`))
	code, body := committee.get("/ui/ledger")
	if code != 200 || !strings.Contains(body, `id="account-LH-ISSUE"`) || !strings.Contains(body, `id="account-LH-C0001"`) || strings.Contains(body, "TW-C0001") {
		t.Fatalf("the committee's points bank: %d %.2000s", code, body)
	}
	if strings.Index(body, `id="account-LH-ISSUE"`) > strings.Index(body, `id="account-LH-C0001"`) {
		t.Errorf("the committee's issuing account comes after its cards")
	}
	code, body = committee.post("/ui/ledger/accounts", url.Values{"csrf": {committee.csrf()}, "kind": {"card"}, "unit": {"lh-committee"}, "id": {"LH-C0100"}})
	if code != 200 || !strings.Contains(body, "已开户") {
		t.Fatalf("open a card: %d %.1000s", code, body)
	}
	committee.get("/ui/ledger/accounts/LH-ISSUE")
	award := url.Values{"csrf": {committee.csrf()}, "tid": {tidRe.FindStringSubmatch(committee.last)[1]}, "to": {"LH-C0100"}, "amount": {"25"}, "reason": {"辅导留守儿童作业"}}
	for range 2 { // a second send of the same form is the same award
		if code, body := committee.post("/ui/ledger/accounts/LH-ISSUE/award", award); code != 200 || !strings.Contains(body, "积分已发放") {
			t.Fatalf("award: %d %.1000s", code, body)
		}
	}
	if b := balance(t, st, "LH-C0100"); b != 25 {
		t.Fatalf("the card holds %d after an award of 25 sent twice", b)
	}
	code, body = committee.get("/ui/ledger/accounts/LH-C0100")
	if code != 200 || !strings.Contains(body, "余额 25 分") || !strings.Contains(body, "辅导留守儿童作业") {
		t.Errorf("the card's statement: %d %.1500s", code, body)
	}

	if _, body := committee.get("/ui/ledger"); !strings.Contains(body, `<option value="card" selected>`) {
		t.Errorf("the committee's form to open an account does not offer a card first: %.3000s", body)
	}

	shop := newBrowser(t, ts.URL)
	shop.login(makeToken(t, ts.URL, `{"role":"unit","unit":"lh-bakery"}`))
	if _, body := shop.get("/ui/ledger"); !strings.Contains(body, `id="open-account"`) || strings.Contains(body, `<option value="card"`) {
		t.Errorf("the bun shop's form to open an account offers a card, which only a community holds: %.3000s", body)
	}
	code, body = shop.get("/ui/ledger/shop/lh-bakery")
	if code != 200 || !strings.Contains(body, `id="offer-LH-O-BUN"`) || !strings.Contains(body, `id="card"`) {
		t.Fatalf("the shop's screen: %d %.1500s", code, body)
	}
	redeem := url.Values{"csrf": {shop.csrf()}, "rid": {ridRe.FindStringSubmatch(body)[1]}, "offer": {"LH-O-BUN"}, "card": {"LH-C0100"}, "quantity": {"3"}}
	for range 2 {
		code, body = shop.post("/ui/ledger/shop/lh-bakery/redeem", redeem)
		if code != 200 || !strings.Contains(body, "兑换成功：鲜肉包子 × 3，扣 6 分") {
			t.Fatalf("redeem: %d %.1500s", code, body)
		}
	}
	if b := balance(t, st, "LH-C0100"); b != 19 {
		t.Fatalf("the card holds %d after 3 buns for 6 points, redeemed twice with one form", b)
	}
	seq := st.Seq()
	for _, c := range []struct {
		name, card, qty string
		status          int
		words           string
	}{
		{"too few points", "LH-C0100", "10", http.StatusConflict, "积分卡 LH-C0100 余额 19 分"},
		{"a card of another community", "TW-C0001", "1", http.StatusNotFound, "没有积分卡 TW-C0001"},
		{"no pieces", "LH-C0100", "0", http.StatusBadRequest, "数量：须为 1 到 1000000 之间的整数（填的是 0）"},
	} {
		f := url.Values{"csrf": {shop.csrf()}, "rid": {"RD-x-" + c.qty}, "offer": {"LH-O-BUN"}, "card": {c.card}, "quantity": {c.qty}}
		code, body := shop.post("/ui/ledger/shop/lh-bakery/redeem", f)
		if code != c.status || !strings.Contains(body, `id="problem"`) || !strings.Contains(body, c.words) || !strings.Contains(body, `value="`+c.card+`"`) {
			t.Errorf("%s: %d, want %d with %q on the screen and the card kept: %.2000s", c.name, code, c.status, c.words, body)
		}
	}
	if st.Seq() != seq {
		t.Errorf("refused redemptions moved the store from %d to %d", seq, st.Seq())
	}
	if code, _ := shop.post("/ui/ledger/shop/lh-bakery/redeem", url.Values{"rid": {"RD-nocsrf"}, "offer": {"LH-O-BUN"}, "card": {"LH-C0100"}}); code != http.StatusForbidden {
		t.Errorf("a redemption without csrf = %d, want 403", code)
	}
	shop.get("/ui/ledger/shop/lh-bakery")
	var red string
	for r := range st.Snapshot().RedemptionsAt("lh-bakery") {
		red = r.ID
	}
	code, body = shop.post("/ui/ledger/transfers/"+red+"/reverse", url.Values{"csrf": {shop.csrf()}, "tid": {"RV-" + red}, "reason": {"商铺退回"}, "back": {"/ui/ledger/shop/lh-bakery"}})
	if code != 200 || !strings.Contains(body, "已冲正") || !strings.Contains(body, "已退回") {
		t.Errorf("give back: %d %.1500s", code, body)
	}
	if b := balance(t, st, "LH-C0100"); b != 25 {
		t.Errorf("the card holds %d after the redemption was given back, want 25", b)
	}
	resp, err := shop.c.Get(ts.URL + "/ui/ledger/shop/lh-bakery/settlement.xlsx?month=" + time.Now().In(time.FixedZone("CST", 8*3600)).Format("2006-01"))
	if err != nil || resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "spreadsheetml") {
		t.Errorf("settlement download: %v %v", err, resp)
	}
	if resp != nil {
		resp.Body.Close()
	}
	if code, _ := shop.get("/ui/ledger/shop/lh-bank"); code != http.StatusNotFound {
		t.Errorf("the bank's screen opened by the bakery = %d, want 404", code)
	}
	if code, body := shop.get("/ui/ledger/shop/lh-bakery?lang=en"); code != 200 || !strings.Contains(body, "Redeem") {
		t.Errorf("the shop's screen in English: %d", code)
	}

	coord := newBrowser(t, ts.URL)
	coord.login(makeToken(t, ts.URL, `{"role":"coordinator","alliance":"lh"}`))
	code, body = coord.get("/ui/ledger/rules/lh")
	if code != 200 || !strings.Contains(body, `id="rule-LH-RULE-ESCORT"`) {
		t.Fatalf("rules: %d %.1000s", code, body)
	}
	code, body = coord.post("/ui/ledger/rules/lh", url.Values{"csrf": {coord.csrf()}, "id": {"LH-RULE-ELDERLY"}, "category": {"elderly"}, "measure": {"人次"}, "points": {"3"}, "issuer": {"LH-ISSUE"}})
	if code != 200 || !strings.Contains(body, `id="rule-LH-RULE-ELDERLY"`) {
		t.Errorf("a new rule: %d %.1000s", code, body)
	}
	code, body = coord.post("/ui/ledger/rules/lh", url.Values{"csrf": {coord.csrf()}, "id": {"LH-RULE-E2"}, "category": {"elderly"}, "measure": {"人次"}, "points": {"4"}, "issuer": {"LH-ISSUE"}})
	if code != http.StatusConflict || !strings.Contains(body, "已按此类别") {
		t.Errorf("a second rule for one category: %d %.1000s", code, body)
	}
	code, body = coord.get("/ui/ledger/report/lh")
	if code != 200 || !strings.Contains(body, `id="earned-award"`) || !strings.Contains(body, `id="outstanding"`) {
		t.Errorf("report: %d %.1500s", code, body)
	}
	code, body = committee.get("/ui/ledger/claims/C-0001/earners")
	if code != 200 || !strings.Contains(body, "适用规则") || !strings.Contains(body, `value="LH-TEAM-ESCORT"`) {
		t.Fatalf("earners: %d %.1500s", code, body)
	}
	code, body = committee.post("/ui/ledger/claims/C-0001/earners", url.Values{"csrf": {committee.csrf()}, "account": {"LH-TEAM-ESCORT", "LH-C0100", ""}, "share": {"2", "1", ""}})
	if code != 200 || !strings.Contains(body, `value="LH-C0100"`) {
		t.Errorf("name earners: %d %.1500s", code, body)
	}
	code, body = committee.post("/ui/ledger/claims/C-0001/earners", url.Values{"csrf": {committee.csrf()}, "account": {"LH-BAKERY"}})
	if code != http.StatusConflict || !strings.Contains(body, "不是志愿队或积分卡") {
		t.Errorf("a shop as earner: %d %.1500s", code, body)
	}
}

// TestPhoneLedger drives the bun shop's redemption screen in headless
// chromium at a phone's width (390×844): it redeems two buns by card code
// and gives them back, and no page of the points bank scrolls sideways.
func TestPhoneLedger(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test in -short mode")
	}
	exe := chromium(t)
	ts, st := newLedgerServer(t)
	d := newDriver(t, exe, "ledger-phone-390x844", 390, 844, 90*time.Second, ts.URL)
	shot, run, fits := d.shot, d.run, d.fits
	run("phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulatePortrait))
	run("log in",
		chromedp.Navigate(ts.URL+"/ui/login"),
		chromedp.WaitVisible(chromedp.CSS("#code")),
		chromedp.SendKeys(chromedp.CSS("#code"), loginCode(t, ts.URL, `{"unit":"lh-bakery"}`)),
		chromedp.Submit(chromedp.CSS("#login")),
		chromedp.WaitVisible(chromedp.CSS("#ledger-link")),
	)
	run("the shop's screen",
		chromedp.Navigate(ts.URL+"/ui/ledger/shop/lh-bakery"),
		chromedp.WaitVisible(chromedp.CSS("#redeem")),
		shot("1-shop"),
	)
	fits("the shop's screen")
	run("redeem two buns",
		chromedp.Click(chromedp.CSS("#offer-LH-O-BUN")),
		chromedp.SendKeys(chromedp.CSS("#card"), "LH-C0001"),
		chromedp.SetValue(chromedp.CSS("#quantity"), "2"),
		chromedp.Click(chromedp.CSS("#redeem-go")),
		chromedp.WaitVisible(chromedp.CSS("#last")),
		shot("2-redeemed"),
	)
	fits("the screen after a redemption")
	if b := balance(t, st, "LH-C0001"); b != 26 {
		t.Errorf("the card holds %d after two buns, want 26", b)
	}
	run("too many",
		chromedp.SendKeys(chromedp.CSS("#card"), "LH-C0002"),
		chromedp.SetValue(chromedp.CSS("#quantity"), "7"),
		chromedp.Click(chromedp.CSS("#redeem-go")),
		chromedp.WaitVisible(chromedp.CSS("#problem")),
		shot("3-too-few-points"),
	)
	fits("the screen with a problem")
	run("the offers",
		chromedp.Navigate(ts.URL+"/ui/ledger/shop/lh-bakery"),
		chromedp.WaitVisible(chromedp.CSS("#offers")),
		chromedp.Click(chromedp.CSS("#offers summary")),
		shot("4-offers"),
	)
	fits("the offers")
	for _, p := range []struct{ path, sel string }{
		{"/ui/ledger", "#accounts"},
		{"/ui/ledger/accounts/LH-BAKERY", "#statement"},
	} {
		run(p.path, chromedp.Navigate(ts.URL+p.path), chromedp.WaitVisible(chromedp.CSS(p.sel)), shot("5"+strings.ReplaceAll(p.path, "/", "-")))
		fits(p.path)
	}
	// The committee's pages: its cards and the form to open one, a card's
	// statement, and its issuer with the award form.
	run("committee", chromedp.Navigate(ts.URL+"/ui/login"), chromedp.WaitVisible(chromedp.CSS("#code")),
		chromedp.SendKeys(chromedp.CSS("#code"), loginCode(t, ts.URL, `{"unit":"lh-committee"}`)),
		chromedp.Submit(chromedp.CSS("#login")), chromedp.WaitVisible(chromedp.CSS("#ledger-link")))
	for _, p := range []struct{ path, sel string }{
		{"/ui/ledger", "#open-account"},
		{"/ui/ledger/accounts/LH-C0001", "#statement"},
		{"/ui/ledger/accounts/LH-ISSUE", "#award"},
	} {
		run(p.path, chromedp.Navigate(ts.URL+p.path), chromedp.WaitVisible(chromedp.CSS(p.sel)), shot("6-committee"+strings.ReplaceAll(p.path, "/", "-")))
		fits(p.path + " (committee)")
	}
	// The coordinator's pages.
	run("coordinator", chromedp.Navigate(ts.URL+"/ui/login"), chromedp.WaitVisible(chromedp.CSS("#code")),
		chromedp.SendKeys(chromedp.CSS("#code"), loginCode(t, ts.URL, `{"alliance":"lh"}`)),
		chromedp.Submit(chromedp.CSS("#login")), chromedp.WaitVisible(chromedp.CSS("#ledger-link")))
	for _, p := range []struct{ path, sel string }{
		{"/ui/ledger/accounts/LH-C0001", "#statement"},
		{"/ui/ledger/rules/lh", "#new-rule"},
		{"/ui/ledger/report/lh", "#totals"},
		{"/ui/ledger/claims/C-0001/earners", "#earners"},
	} {
		run(p.path, chromedp.Navigate(ts.URL+p.path), chromedp.WaitVisible(chromedp.CSS(p.sel)), shot("7"+strings.ReplaceAll(p.path, "/", "-")))
		fits(p.path)
	}
}

// The points bank's pages read in English under ?lang=en: every run of
// Chinese on them is data (names, titles, reasons, measures), never the
// pages' own words; and in neither language does a message key show raw.
// The committee's, the bun shop's and the coordinator's pages, after a
// redemption, so that the statements and the report have lines.
func TestLedgerPagesInEnglish(t *testing.T) {
	ts, st := newLedgerServer(t)
	shop := unitBrowser(t, ts.URL, "lh-bakery")
	_, body := shop.get("/ui/ledger/shop/lh-bakery")
	if code, body := shop.post("/ui/ledger/shop/lh-bakery/redeem", url.Values{"csrf": {shop.csrf()}, "rid": {ridRe.FindStringSubmatch(body)[1]}, "offer": {"LH-O-BUN"}, "card": {"LH-C0001"}, "quantity": {"2"}}); code != 200 {
		t.Fatalf("redeem: %d %.1000s", code, body)
	}
	sn := st.Snapshot()
	var data strings.Builder
	data.WriteString("中文\n") // the switch to Chinese
	for u := range sn.Units() {
		data.WriteString(u.Name + "\n")
	}
	for a := range sn.Alliances() {
		data.WriteString(a.Name + "\n")
	}
	for it := range sn.Items() {
		data.WriteString(it.Title + "\n" + it.Measure + "\n")
	}
	for c := range sn.Claims() {
		data.WriteString(c.Reason + "\n")
	}
	for a := range sn.Accounts() {
		data.WriteString(a.Name + "\n")
	}
	for o := range sn.Offers() {
		data.WriteString(o.Title + "\n" + o.Measure + "\n")
	}
	for r := range sn.Rules() {
		data.WriteString(r.Measure + "\n")
	}
	for tr := range sn.Transfers() {
		data.WriteString(tr.Reason + "\n")
	}
	blob := data.String()
	rawKey := regexp.MustCompile(`\b(?:lg|msg|level|kind|status)\.[a-z][a-z._]*`)
	tag := regexp.MustCompile(`(?s)<[^>]*>`)
	coord := newBrowser(t, ts.URL)
	coord.login(makeToken(t, ts.URL, `{"role":"coordinator","alliance":"lh"}`))
	for _, c := range []struct {
		b     *browser
		pages []string
	}{
		{unitBrowser(t, ts.URL, "lh-committee"), []string{"/ui/ledger", "/ui/ledger/accounts/LH-C0001", "/ui/ledger/accounts/LH-ISSUE", "/ui/ledger/claims/C-0001/earners"}},
		{shop, []string{"/ui/ledger", "/ui/ledger/shop/lh-bakery", "/ui/ledger/accounts/LH-BAKERY"}},
		{coord, []string{"/ui/ledger", "/ui/ledger/rules/lh", "/ui/ledger/report/lh", "/ui/ledger/accounts/LH-C0001"}},
	} {
		for _, lang := range []string{"en", "zh"} {
			for _, p := range c.pages {
				code, body := c.b.get(p + "?lang=" + lang)
				if code != 200 {
					t.Errorf("%s in %s = %d", p, lang, code)
					continue
				}
				if k := rawKey.FindString(html.UnescapeString(tag.ReplaceAllString(body, " "))); k != "" {
					t.Errorf("%s in %s shows the key %s", p, lang, k)
				}
				if lang != "en" {
					continue
				}
				for _, run := range han.FindAllString(html.UnescapeString(body), -1) {
					if !strings.Contains(blob, run) {
						t.Errorf("%s in English shows %q, which is no data", p, run)
					}
				}
			}
		}
	}
}
