package web_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/allymatch/allymatch/api"
	"github.com/allymatch/allymatch/api/web"
	"github.com/allymatch/allymatch/fixtures"
	"github.com/allymatch/allymatch/matcher/bundle"
	"github.com/allymatch/allymatch/matcher/store"
)

const testAdmin = "test-admin-token"

// newServer serves the Banan sample on a loopback listener.
func newServer(tb testing.TB) (*httptest.Server, *store.Store) {
	tb.Helper()
	st, _, err := store.Open(context.Background(), store.Options{Dir: tb.TempDir()})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	if _, err := st.Import(context.Background(), fixtures.MustBanan(tb), "system"); err != nil {
		tb.Fatal(err)
	}
	s := api.New(nil)
	s.SetStore(st)
	s.SetAdminToken(testAdmin)
	ts := httptest.NewServer(s.Handler())
	tb.Cleanup(ts.Close)
	return ts, st
}

// makeToken makes a token through the API.
func makeToken(tb testing.TB, base, body string) string {
	tb.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/v1/tokens", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+testAdmin)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ Token string }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.Token == "" {
		tb.Fatalf("token %s: %d %v", body, resp.StatusCode, err)
	}
	return out.Token
}

// loginCode makes a one-time login code through the API (as the admin).
func loginCode(tb testing.TB, base, body string) string {
	tb.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/v1/login-codes", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+testAdmin)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ Code string }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.Code == "" {
		tb.Fatalf("login code %s: %d %v", body, resp.StatusCode, err)
	}
	return out.Code
}

// browser is a cookie-keeping client.
type browser struct {
	tb   testing.TB
	base string
	c    *http.Client
	last string
}

func newBrowser(tb testing.TB, base string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{tb: tb, base: base, c: &http.Client{Jar: jar}}
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

func (b *browser) get(path string) (int, string) {
	b.tb.Helper()
	resp, err := b.c.Get(b.base + path)
	if err != nil {
		b.tb.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	b.last = string(body)
	return resp.StatusCode, b.last
}

func (b *browser) csrf() string {
	m := csrfRe.FindStringSubmatch(b.last)
	if m == nil {
		b.tb.Fatalf("no csrf token in the last page: %.300s", b.last)
	}
	return m[1]
}

func (b *browser) post(path string, form url.Values) (int, string) {
	b.tb.Helper()
	resp, err := b.c.PostForm(b.base+path, form)
	if err != nil {
		b.tb.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	b.last = string(body)
	return resp.StatusCode, b.last
}

func (b *browser) login(token string) {
	b.tb.Helper()
	b.get("/ui/login")
	if code, body := b.post("/ui/login", url.Values{"csrf": {b.csrf()}, "token": {token}}); code != 200 || strings.Contains(body, `id="login"`) {
		b.tb.Fatalf("login: %d %.300s", code, body)
	}
}

var claimRe = regexp.MustCompile(`id="claim-([^"]+)"`)

func TestMeetingFlow(t *testing.T) {
	ts, _ := newServer(t)
	coord := newBrowser(t, ts.URL)
	coord.login(makeToken(t, ts.URL, `{"role":"coordinator","alliance":"lh"}`))
	code, body := coord.get("/ui/meetings/lh")
	if code != 200 || !strings.Contains(body, "龙华社区") {
		t.Fatalf("dashboard: %d %.500s", code, body)
	}
	_, body = coord.post("/ui/meetings/lh/propose", url.Values{"csrf": {coord.csrf()}, "mode": {"welfare"}})
	m := claimRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no proposal on the dashboard: %.2000s", body)
	}
	claim := m[1]
	if !strings.Contains(body, "公里") && !strings.Contains(body, "网格") {
		t.Errorf("no score in words on the dashboard")
	}
	// The two units answer.
	var units [2]string
	re := regexp.MustCompile(`(?s)id="claim-` + regexp.QuoteMeta(claim) + `".*?</tr>`)
	row := re.FindString(body)
	_ = row
	c, err := claimOf(ts.URL, claim)
	if err != nil {
		t.Fatal(err)
	}
	units = [2]string{c.ResourceUnit, c.DemandUnit}
	for _, u := range units {
		ub := newBrowser(t, ts.URL)
		ub.login(makeToken(t, ts.URL, `{"role":"unit","unit":"`+u+`"}`))
		code, page := ub.get("/ui/units/" + u)
		if code != 200 || !strings.Contains(page, "claim-"+claim) {
			t.Fatalf("unit %s page: %d, claim %s not waiting", u, code, claim)
		}
		code, page = ub.post("/ui/claims/"+claim+"/answer", url.Values{"csrf": {ub.csrf()}, "answer": {"accept"}, "back": {"/ui/units/" + u}})
		if code != 200 {
			t.Fatalf("accept as %s: %d %.300s", u, code, page)
		}
	}
	_, body = coord.get("/ui/meetings/lh")
	if !strings.Contains(body, `id="confirmed-`+claim+`"`) {
		t.Errorf("claim %s not shown confirmed", claim)
	}
	for _, p := range []string{"/ui/meetings/lh/report", "/ui/meetings/lh/map", "/ui/meetings/lh/agenda", "/ui/meetings/lh/import", "/ui/?lang=en"} {
		if code, body := coord.get(p); code != 200 || strings.Contains(body, "err.") {
			t.Errorf("GET %s = %d %.300s", p, code, body)
		}
	}
	for _, f := range []string{"proposals", "claims", "unmet", "report"} {
		resp, err := coord.c.Get(ts.URL + "/ui/meetings/lh/export/" + f + ".csv")
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !bytes.HasPrefix(data, []byte("\ufeff")) {
			t.Errorf("export %s.csv: %d, BOM %v", f, resp.StatusCode, bytes.HasPrefix(data, []byte("\ufeff")))
		}
		resp, _ = coord.c.Get(ts.URL + "/ui/meetings/lh/export/" + f + ".xlsx")
		data, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !bytes.HasPrefix(data, []byte("PK")) {
			t.Errorf("export %s.xlsx: %d", f, resp.StatusCode)
		}
	}
}

type claimRec struct {
	ResourceUnit string `json:"resource_unit"`
	DemandUnit   string `json:"demand_unit"`
	Status       string `json:"status"`
}

func claimOf(base, id string) (claimRec, error) {
	req, _ := http.NewRequest(http.MethodGet, base+"/v1/claims/"+id, nil)
	req.Header.Set("Authorization", "Bearer "+testAdmin)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return claimRec{}, err
	}
	defer resp.Body.Close()
	var c claimRec
	return c, json.NewDecoder(resp.Body).Decode(&c)
}

func TestSecurity(t *testing.T) {
	ts, _ := newServer(t)
	b := newBrowser(t, ts.URL)
	resp, err := b.c.Get(ts.URL + "/ui/login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
		t.Errorf("CSP = %q", csp)
	}
	// No session: to the login page.
	if _, body := b.get("/ui/meetings/lh"); !strings.Contains(body, `id="login"`) {
		t.Errorf("no session: not the login page")
	}
	// Login without the form's CSRF token is refused.
	if code, _ := b.post("/ui/login", url.Values{"token": {testAdmin}}); code != http.StatusForbidden {
		t.Errorf("login without csrf = %d, want 403", code)
	}
	b.login(makeToken(t, ts.URL, `{"role":"coordinator","alliance":"lh"}`))
	for _, c := range b.c.Jar.Cookies(mustURL(ts.URL + "/ui/")) {
		if c.Name == "am_session" && c.Value == "" {
			t.Error("empty session cookie")
		}
	}
	if code, _ := b.post("/ui/meetings/lh/propose", url.Values{"csrf": {"0000"}}); code != http.StatusForbidden {
		t.Errorf("POST with a wrong csrf = %d, want 403", code)
	}
	// Another alliance's meeting is not found.
	if code, _ := b.get("/ui/meetings/tw"); code != http.StatusNotFound {
		t.Errorf("other meeting = %d, want 404", code)
	}
	// The session cookie is not a bearer token for the API.
	req, _ := http.NewRequest(http.MethodGet, ts.URL+"/v1/claims", nil)
	for _, c := range b.c.Jar.Cookies(mustURL(ts.URL + "/ui/")) {
		req.AddCookie(c)
	}
	if resp, _ := http.DefaultClient.Do(req); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("API with the cookie = %d, want 401", resp.StatusCode)
	}
}

func mustURL(s string) *url.URL { u, _ := url.Parse(s); return u }

func upload(t *testing.T, b *browser, path, name string, data []byte) (int, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	w.WriteField("csrf", b.csrf())
	fw, _ := w.CreateFormFile("file", name)
	fw.Write(data)
	w.Close()
	resp, err := b.c.Post(b.base+path, w.FormDataContentType(), &buf)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	b.last = string(body)
	return resp.StatusCode, b.last
}

func TestImport(t *testing.T) {
	ts, st := newServer(t)
	b := newBrowser(t, ts.URL)
	b.login(makeToken(t, ts.URL, `{"role":"coordinator","alliance":"lh"}`))
	b.get("/ui/meetings/lh/import")
	var x bytes.Buffer
	bundle.WriteXLSX(&x, []bundle.Sheet{{Name: "需求清单", Header: []string{"编号", "单位", "类别", "名称", "数量"}, Rows: [][]any{
		{"LH-X1", "lh-school", "护学", "周末护送", 4},
		{"LH-X2", "lh-school", "护学", "周末护送", "很多"},
		{"LH-X3", "tw-shop", "护学", "别人的单位", 1},
	}}})
	seq := st.Seq()
	code, body := upload(t, b, "/ui/meetings/lh/import", "lists.xlsx", x.Bytes())
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, "lists.xlsx[需求清单]:3:5") {
		t.Fatalf("bad quantity: %d %.1500s", code, body)
	}
	// Fixed quantity, but a unit of another alliance.
	x.Reset()
	bundle.WriteXLSX(&x, []bundle.Sheet{{Name: "需求清单", Header: []string{"编号", "单位", "类别", "名称", "数量"}, Rows: [][]any{
		{"LH-X1", "lh-school", "护学", "周末护送", 4},
		{"LH-X2", "lh-school", "护学", "周末护送", 2},
		{"LH-X3", "tw-shop", "护学", "别人的单位", 1},
	}}})
	code, body = upload(t, b, "/ui/meetings/lh/import", "lists.xlsx", x.Bytes())
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, "tw-shop") {
		t.Fatalf("out of scope: %d %.1500s", code, body)
	}
	// A good CSV (GBK-free UTF-8 with BOM), with a likely duplicate.
	csvData := "\ufeff编号,单位,类别,名称,数量\nLH-X1,lh-school,护学,周末护送,4\nLH-X2,lh-school,护学,周末护送,2\n"
	code, body = upload(t, b, "/ui/meetings/lh/import", "longhua-需求清单.csv", []byte(csvData))
	if code != 200 || !strings.Contains(body, `id="dups"`) || !strings.Contains(body, `name="pending"`) {
		t.Fatalf("good csv: %d %.1500s", code, body)
	}
	if st.Seq() != seq {
		t.Fatalf("the preview stored something")
	}
	pending := regexp.MustCompile(`name="pending" value="([0-9a-f]+)"`).FindStringSubmatch(body)[1]
	code, body = b.post("/ui/meetings/lh/import/commit", url.Values{"csrf": {b.csrf()}, "pending": {pending}})
	if code != 200 || !strings.Contains(body, `id="imported"`) {
		t.Fatalf("commit: %d %.1500s", code, body)
	}
	if _, err := st.Snapshot().Item("LH-X2"); err != nil {
		t.Errorf("LH-X2 not stored: %v", err)
	}
	// The template downloads.
	resp, _ := b.c.Get(ts.URL + "/ui/template.xlsx")
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if _, err := bundle.DecodeXLSX("t.xlsx", data, bundle.DefaultXLSXLimits); err != nil {
		t.Errorf("template: %v", err)
	}
}

// TestMessages checks that every message key the templates and the code
// use exists in both languages, and that both have the same keys.
func TestMessages(t *testing.T) {
	zh, en := web.Messages()
	for k := range zh {
		if _, ok := en[k]; !ok {
			t.Errorf("key %q has no English text", k)
		}
	}
	for k := range en {
		if _, ok := zh[k]; !ok {
			t.Errorf("key %q has no Chinese text", k)
		}
	}
}

var scenarioRe = regexp.MustCompile(`action="/ui/scenarios/([^/"]+)/apply"`)

// TestWhatIf: the what-if form makes a scenario and shows its diff; a bad
// edit is shown at the form; apply commits it; a stale apply shows what
// changed; why-not explains an unmet demand with its verified fixes.
func TestWhatIf(t *testing.T) {
	ts, st := newServer(t)
	b := newBrowser(t, ts.URL)
	b.login(makeToken(t, ts.URL, `{"role":"coordinator","alliance":"lh"}`))
	code, body := b.get("/ui/meetings/lh")
	if code != 200 || !strings.Contains(body, `id="whatif-form"`) || !strings.Contains(body, `href="/ui/items/`) {
		t.Fatalf("dashboard without the what-if form or why-not links: %d", code)
	}
	seq := st.Seq()

	// A bad quantity: the form again, naming the field; nothing stored.
	code, body = b.post("/ui/meetings/lh/whatif", url.Values{"csrf": {b.csrf()}, "qty_item": {"LH-R12"}, "qty": {"0"}})
	if code != http.StatusBadRequest || !strings.Contains(body, `id="whatif-error"`) || !strings.Contains(body, "数量") {
		t.Fatalf("bad quantity: %d %.2000s", code, body)
	}
	// Without the CSRF token: refused.
	if code, _ := b.post("/ui/meetings/lh/whatif", url.Values{"qty_item": {"LH-R12"}, "qty": {"76"}}); code != http.StatusForbidden {
		t.Errorf("what-if without csrf = %d, want 403", code)
	}

	// 70 more on LH-R05 and a 4 km radius for LH-D06: LH-D03 fully met.
	b.get("/ui/meetings/lh")
	code, body = b.post("/ui/meetings/lh/whatif", url.Values{"csrf": {b.csrf()}, "qty_item": {"LH-R05"}, "qty": {"220"}, "radius_item": {"LH-D06"}, "radius": {"4"}, "mode": {"welfare"}})
	if code != 200 || !strings.Contains(body, `id="change-LH-D03"`) || !strings.Contains(body, "130 → 200") || !strings.Contains(body, `id="apply"`) {
		t.Fatalf("diff page: %d %.3000s", code, body)
	}
	m := scenarioRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no apply form")
	}
	first := m[1]
	if st.Seq() != seq {
		t.Fatal("a what-if wrote to the store")
	}
	// A second scenario from the same state.
	b.get("/ui/meetings/lh")
	_, body = b.post("/ui/meetings/lh/whatif", url.Values{"csrf": {b.csrf()}, "remove_unit": {"lh-school"}, "w_text": {"40"}})
	m = scenarioRe.FindStringSubmatch(body)
	if m == nil || !strings.Contains(body, "移除成员单位") {
		t.Fatalf("second scenario: %.2000s", body)
	}
	second := m[1]
	// The API sees the pages' scenarios: one manager.
	req, _ := http.NewRequest(http.MethodGet, ts.URL+"/v1/scenarios/"+first+"/diff", nil)
	req.Header.Set("Authorization", "Bearer "+testAdmin)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Errorf("the API does not see the page's scenario %s: %v %v", first, resp.StatusCode, err)
	}

	// Apply the first.
	b.get("/ui/scenarios/" + first)
	code, body = b.post("/ui/scenarios/"+first+"/apply", url.Values{"csrf": {b.csrf()}})
	if code != 200 || !strings.Contains(body, `id="flash"`) {
		t.Fatalf("apply: %d %.1500s", code, body)
	}
	if it, _ := st.Snapshot().Item("LH-R05"); it.Quantity != 220 {
		t.Errorf("LH-R05 quantity %d after apply, want 220", it.Quantity)
	}
	// The second is stale now: 409 with what changed, nothing stored.
	seq = st.Seq()
	b.get("/ui/scenarios/" + second)
	code, body = b.post("/ui/scenarios/"+second+"/apply", url.Values{"csrf": {b.csrf()}})
	if code != http.StatusConflict || !strings.Contains(body, `id="conflict"`) || !strings.Contains(body, "应用推演") {
		t.Fatalf("stale apply: %d %.2000s", code, body)
	}
	if st.Seq() != seq {
		t.Error("a stale apply wrote to the store")
	}

	// Why not: an unmet demand of the dashboard, in words.
	code, body = b.get("/ui/items/LH-D10/whynot")
	if code != 200 || !strings.Contains(body, `class="candidate"`) || !strings.Contains(body, "未满足") {
		t.Fatalf("why-not LH-D10: %d %.2000s", code, body)
	}
	if strings.Contains(body, "NQC-R03") || strings.Contains(body, "wn.") || strings.Contains(body, "fix.") {
		t.Errorf("why-not LH-D10 shows another alliance's resource or a missing text: %.3000s", body)
	}
	// LH-D03 on a fresh server: the smallest verified fix is 70 more on LH-R05.
	ts2, _ := newServer(t)
	b2 := newBrowser(t, ts2.URL)
	b2.login(makeToken(t, ts2.URL, `{"role":"coordinator","alliance":"lh"}`))
	code, body = b2.get("/ui/items/LH-D03/whynot?lang=en")
	if code != 200 || !strings.Contains(body, `class="fix"`) || !strings.Contains(body, "add 70 to LH-R05") {
		t.Fatalf("why-not LH-D03: %d %.3000s", code, body)
	}
	// Not a demand, or not the caller's: not found.
	if code, _ := b2.get("/ui/items/LH-R12/whynot"); code != http.StatusNotFound {
		t.Errorf("why-not of a resource = %d", code)
	}
	if code, _ := b2.get("/ui/items/TW-D01/whynot"); code != http.StatusNotFound {
		t.Errorf("why-not of another alliance's demand = %d", code)
	}
}

// The desk's session is the server's: the cookie is not the token, logging
// out ends it on the server (the old cookie no longer works), and revoking
// the token it was opened with ends it too.
func TestSessionsEndOnTheServer(t *testing.T) {
	ts, _ := newServer(t)
	tok := makeToken(t, ts.URL, `{"role":"coordinator","alliance":"lh"}`)
	session := func(b *browser) *http.Cookie {
		for _, c := range b.c.Jar.Cookies(mustURL(ts.URL + "/ui/")) {
			if c.Name == "am_session" {
				return c
			}
		}
		t.Fatal("no session cookie")
		return nil
	}
	b := newBrowser(t, ts.URL)
	b.login(tok)
	ck := session(b)
	if ck.Value == tok || strings.Contains(ck.Value, tok) {
		t.Fatal("the session cookie holds the bearer token")
	}
	// Replaying the cookie from another client works while logged in...
	replay := func() int {
		req, _ := http.NewRequest(http.MethodGet, ts.URL+"/ui/meetings/lh", nil)
		req.AddCookie(&http.Cookie{Name: "am_session", Value: ck.Value})
		resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := replay(); code != http.StatusOK {
		t.Fatalf("the session's cookie = %d, want 200", code)
	}
	// ... and not after logging out.
	b.get("/ui/meetings/lh")
	if code, _ := b.post("/ui/logout", url.Values{"csrf": {b.csrf()}}); code != http.StatusOK {
		t.Fatalf("logout = %d", code)
	}
	if code := replay(); code != http.StatusSeeOther {
		t.Errorf("the cookie after logout = %d, want 303 to the login page", code)
	}

	// Revoking the token ends the sessions opened with it.
	b2 := newBrowser(t, ts.URL)
	b2.login(tok)
	ck = session(b2)
	if code := replay(); code != http.StatusOK {
		t.Fatalf("second session = %d", code)
	}
	req, _ := http.NewRequest(http.MethodGet, ts.URL+"/v1/tokens", nil)
	req.Header.Set("Authorization", "Bearer "+testAdmin)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var lst struct {
		Items []struct{ ID, Kind, Subject string }
	}
	json.NewDecoder(resp.Body).Decode(&lst)
	resp.Body.Close()
	for _, l := range lst.Items {
		if l.Subject == "lh" && l.Kind == "token" {
			req, _ := http.NewRequest(http.MethodDelete, ts.URL+"/v1/tokens/"+l.ID, nil)
			req.Header.Set("Authorization", "Bearer "+testAdmin)
			if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusNoContent {
				t.Fatalf("revoke %s: %v %v", l.ID, resp, err)
			}
		}
	}
	if code := replay(); code != http.StatusSeeOther {
		t.Errorf("a session of a revoked token = %d, want 303 to the login page", code)
	}
}

// Cookies are Secure over TLS, and behind a trusted proxy that says the
// request came over https; a proxy not trusted is not believed.
func TestSecureCookieBehindProxy(t *testing.T) {
	st, _, err := store.Open(context.Background(), store.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s := api.New(nil)
	s.SetStore(st)
	proxies, err := api.ParseProxies("10.0.0.0/8, 192.0.2.7")
	if err != nil {
		t.Fatal(err)
	}
	s.SetTrustedProxies(proxies)
	for _, c := range []struct {
		remote, proto string
		secure        bool
	}{
		{"10.1.2.3:5000", "https", true},
		{"192.0.2.7:5000", "HTTPS", true},
		{"10.1.2.3:5000", "http", false},
		{"203.0.113.9:5000", "https", false}, // not a trusted proxy
		{"10.1.2.3:5000", "", false},
	} {
		req := httptest.NewRequest(http.MethodGet, "/ui/login", nil)
		req.RemoteAddr = c.remote
		if c.proto != "" {
			req.Header.Set("X-Forwarded-Proto", c.proto)
		}
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		cookies := rec.Result().Cookies()
		if len(cookies) == 0 {
			t.Fatalf("%s %s: no cookie", c.remote, c.proto)
		}
		if cookies[0].Secure != c.secure {
			t.Errorf("from %s with X-Forwarded-Proto %q: Secure = %v, want %v", c.remote, c.proto, cookies[0].Secure, c.secure)
		}
	}
	if _, err := api.ParseProxies("10.0.0.0/33"); err == nil {
		t.Error("a bad network was accepted")
	}
}

var codeRe = regexp.MustCompile(`id="code">([A-Z2-9]{4}-[A-Z2-9]{4})<`)

// A coordinator hands out login codes from the desk: one at a time (shown
// once with its QR code) or as printable slips for the units without a
// login; a unit redeems its code once on the login page (a link fills it
// in but does not use it up); wrong codes are answered alike and limited
// per address; a coordinator revokes a unit's login.
func TestLoginCodes(t *testing.T) {
	ts, st := newServer(t)
	coord := newBrowser(t, ts.URL)
	coord.login(makeToken(t, ts.URL, `{"role":"coordinator","alliance":"lh"}`))
	if code, body := coord.get("/ui/meetings/lh/logins"); code != 200 || !strings.Contains(body, `id="logins-lh-school"`) {
		t.Fatalf("logins page: %d %.300s", code, body)
	}
	if code, _ := coord.get("/ui/meetings/tw/logins"); code != 404 {
		t.Errorf("another community's logins page = %d, want 404", code)
	}
	code, body := coord.post("/ui/meetings/lh/logins/code", url.Values{"csrf": {coord.csrf()}, "unit": {"lh-school"}})
	m := codeRe.FindStringSubmatch(body)
	if code != 200 || m == nil || !strings.Contains(body, `src="data:image/png;base64,`) {
		t.Fatalf("make a code: %d, no code or QR in %.500s", code, body)
	}
	loginCode := m[1]
	if code, _ := coord.post("/ui/meetings/lh/logins/code", url.Values{"csrf": {coord.csrf()}, "unit": {"tw-company"}}); code != 404 {
		t.Errorf("a code for another community's unit = %d, want 404", code)
	}

	// The link fills the code in; it does not redeem it.
	unit := newBrowser(t, ts.URL)
	if _, body := unit.get("/ui/login?code=" + loginCode); !strings.Contains(body, `value="`+loginCode+`"`) {
		t.Fatalf("the login link does not fill the code in: %.400s", body)
	}
	// Typed in lower case with a space: still the code.
	typed := strings.ToLower(strings.Replace(loginCode, "-", " ", 1))
	if code, body := unit.post("/ui/login", url.Values{"csrf": {unit.csrf()}, "code": {typed}}); code != 200 || strings.Contains(body, `id="login"`) {
		t.Fatalf("redeeming %q: %d %.300s", typed, code, body)
	}
	if code, _ := unit.get("/ui/units/lh-school"); code != 200 {
		t.Errorf("the unit's page after logging in with its code = %d", code)
	}
	// Used, unknown and malformed codes get the same answer.
	for _, c := range []string{loginCode, "ZZZZ-ZZZZ", "not a code"} {
		b := newBrowser(t, ts.URL)
		b.get("/ui/login")
		if _, body := b.post("/ui/login", url.Values{"csrf": {b.csrf()}, "code": {c}}); !strings.Contains(body, "登录码无效、已用过或已过期") {
			t.Errorf("code %q: %.300s, want the one answer for a bad code", c, body)
		}
	}
	// Ten attempts a minute per address (the test client's): the rest 429.
	b := newBrowser(t, ts.URL)
	b.get("/ui/login")
	limited := false
	for range 12 {
		if code, _ := b.post("/ui/login", url.Values{"csrf": {b.csrf()}, "code": {"ZZZZ-ZZZZ"}}); code == http.StatusTooManyRequests {
			limited = true
			break
		}
		b.get("/ui/login")
	}
	if !limited {
		t.Error("no 429 after a dozen wrong codes in a minute")
	}

	// Slips: every unit without a login gets one; lh-school has one now.
	code, body = coord.post("/ui/meetings/lh/slips", url.Values{"csrf": {coord.csrf()}})
	sn := st.Snapshot()
	lh, _ := sn.Alliance("lh")
	if want := len(lh.AllUnits()) - 1; code != 200 || strings.Count(body, `class="slip"`) != want || strings.Contains(body, "龙洲湾中学") {
		t.Errorf("slips: %d, %d slips; want %d, none for 龙洲湾中学 (logged in already)", code, strings.Count(body, `class="slip"`), want)
	}
	coord.get("/ui/meetings/lh/logins")
	if _, body := coord.post("/ui/meetings/lh/slips", url.Values{"csrf": {coord.csrf()}}); !strings.Contains(body, `id="no-slips"`) {
		t.Errorf("slips again: every unit has an unused code now, want none: %.300s", body)
	}

	// The coordinator revokes the school's session: its next page is the
	// login page.
	_, body = coord.get("/ui/meetings/lh/logins")
	row := body[strings.Index(body, `id="logins-lh-school"`):]
	row = row[:strings.Index(row, "</tr>")]
	act := regexp.MustCompile(`action="(/ui/logins/s-[0-9a-f]+/revoke)"`).FindStringSubmatch(row)
	if act == nil {
		t.Fatalf("no session of lh-school to revoke in %.500s", row)
	}
	if code, _ := coord.post(act[1], url.Values{"csrf": {coord.csrf()}, "back": {"/ui/meetings/lh/logins"}}); code != 200 {
		t.Fatalf("revoke: %d", code)
	}
	if _, body := unit.get("/ui/units/lh-school"); !strings.Contains(body, `id="login"`) {
		t.Error("the revoked session still opens pages")
	}
}

// The planner's Red Cross case on the desk: what if the Red Cross (巴南区红
// 十字会) joins the waterway joint meeting, and what if instead its relief
// stock drops to 100 — both over the whole district, compared side by
// side, and shared with the district's coordinator, who may read and not
// apply.
func TestWhatIfRedCrossOverTheDistrict(t *testing.T) {
	ts, st := newServer(t)
	b := newBrowser(t, ts.URL)
	b.login(testAdmin)
	if code, body := b.get("/ui/meetings/bn-water"); code != 200 || !strings.Contains(body, `id="whatif-op"`) || !strings.Contains(body, `value="join_alliance"`) || !strings.Contains(body, `value="set_project"`) {
		t.Fatalf("the what-if form does not offer every kind of edit: %d", code)
	}
	seq := st.Seq()
	code, body := b.post("/ui/meetings/bn-water/whatif", url.Values{"csrf": {b.csrf()}, "op": {"set_unit"}, "op_unit": {"红十字会"},
		"op_alliances": {"bn-water"}, "below": {"all"}, "name": {"红十字会加入水上联席会"}})
	if code != 200 || !strings.Contains(body, `id="meeting-bn-water"`) || !strings.Contains(body, "巴南区水上党建联席会") || !strings.Contains(body, "红十字会加入水上联席会") {
		t.Fatalf("the Red Cross joining: %d %s", code, formErrorOf(body))
	}
	join := scenarioRe.FindStringSubmatch(body)[1]
	b.get("/ui/meetings/bn-water")
	code, body = b.post("/ui/meetings/bn-water/whatif", url.Values{"csrf": {b.csrf()}, "op": {"set_quantity"}, "op_item": {"BN-R10"},
		"op_quantity": {"100"}, "below": {"all"}, "name": {"救灾物资降至100件"}})
	if code != 200 || !strings.Contains(body, `id="meetings"`) {
		t.Fatalf("the relief stock at 100: %d %s", code, formErrorOf(body))
	}
	less := scenarioRe.FindStringSubmatch(body)[1]
	if !strings.Contains(body, "/ui/scenarios/"+less+"/compare/"+join) {
		t.Fatalf("no link to compare with %s: %.3000s", join, body)
	}
	code, body = b.get("/ui/scenarios/" + join + "/compare/" + less)
	if code != 200 || !strings.Contains(body, `id="compare-meeting-bn-water"`) || !strings.Contains(body, `id="compare-met"`) {
		t.Fatalf("compare: %d %.3000s", code, body)
	}
	if code, body := b.get("/ui/scenarios/" + join + "/export.xlsx"); code != 200 || !strings.HasPrefix(body, "PK") || len(body) < 1000 {
		t.Errorf("the diff's .xlsx: %d, %d bytes", code, len(body))
	} else if sheets := xlsxSheets(t, []byte(body)); !slices.Contains(sheets, "需求变化") {
		t.Errorf("the diff's .xlsx has sheets %v", sheets)
	}
	b.get("/ui/scenarios/" + join)
	if code, body := b.post("/ui/scenarios/"+join+"/share", url.Values{"csrf": {b.csrf()}, "shared": {"1"}}); code != 200 || !strings.Contains(body, `id="shared"`) {
		t.Fatalf("share: %d %.2000s", code, body)
	}
	if st.Seq() != seq {
		t.Fatal("what-ifs wrote to the store")
	}

	district := newBrowser(t, ts.URL)
	district.login(makeToken(t, ts.URL, `{"role":"coordinator","alliance":"bn-district"}`))
	if code, body := district.get("/ui/scenarios/" + join); code != 200 || !strings.Contains(body, `id="meeting-bn-water"`) || strings.Contains(body, `id="share"`) {
		t.Fatalf("the district's coordinator reads the shared scenario: %d %.2000s", code, body)
	}
	if code, _ := district.get("/ui/scenarios/" + less); code != http.StatusNotFound {
		t.Errorf("the district's coordinator reads the unshared one: %d", code)
	}
	if code, _ := district.post("/ui/scenarios/"+join+"/apply", url.Values{"csrf": {district.csrf()}}); code == 200 || st.Seq() != seq {
		t.Errorf("the district's coordinator applied a scenario shared to read: %d", code)
	}
	tw := newBrowser(t, ts.URL)
	tw.login(makeToken(t, ts.URL, `{"role":"coordinator","alliance":"tw"}`))
	if code, _ := tw.get("/ui/scenarios/" + join); code != http.StatusNotFound {
		t.Errorf("tw's coordinator reads the shared scenario: %d", code)
	}
}

// A whole-district scenario changing two communities of 龙洲湾街道 (lh and
// lzwc), shared: lh's coordinator reads its page, brief and .xlsx with lh's
// demand and nothing of lzwc's, and the line saying the rest is hidden.
func TestSharedScenarioOnTheDeskWithinScope(t *testing.T) {
	ts, _ := newServer(t)
	api := func(path, body string, want int) []byte {
		req, _ := http.NewRequest(http.MethodPost, ts.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+testAdmin)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != want {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, out)
		}
		return out
	}
	var sc struct{ ID string }
	json.Unmarshal(api("/v1/scenarios", `{"scope":["bn-district","bn-water"],"name":"两个社区","edits":[{"op":"set_quantity","item":"LH-D02","quantity":5},{"op":"set_quantity","item":"LZWC-D02","quantity":3}]}`, 201), &sc)
	api("/v1/scenarios/"+sc.ID+"/share", `{"shared":true}`, 200)
	admin := newBrowser(t, ts.URL)
	admin.login(testAdmin)
	if _, body := admin.get("/ui/scenarios/" + sc.ID); !strings.Contains(body, "门前三包与创卫整治") || strings.Contains(body, `id="partial"`) {
		t.Fatalf("the admin's page: %.2000s", body)
	}
	lh := newBrowser(t, ts.URL)
	lh.login(makeToken(t, ts.URL, `{"role":"coordinator","alliance":"lh"}`))
	for _, page := range []string{"", "/brief"} {
		code, body := lh.get("/ui/scenarios/" + sc.ID + page)
		if code != 200 || !strings.Contains(body, `id="partial"`) || !strings.Contains(body, "本推演中超出您管辖范围") ||
			!strings.Contains(body, "楼层排查与核酸筛查志愿者") || strings.Contains(body, "门前三包与创卫整治") || strings.Contains(body, "龙庭街沿街商户联防队") {
			t.Errorf("lh's coordinator reads %s: %d %.3000s", page, code, body)
		}
	}
	code, body := lh.get("/ui/scenarios/" + sc.ID + "/export.xlsx")
	if code != 200 || !strings.HasPrefix(body, "PK") {
		t.Fatalf("the .xlsx: %d", code)
	}
	text := xlsxText(t, []byte(body))
	if !strings.Contains(text, "楼层排查与核酸筛查志愿者") || strings.Contains(text, "门前三包与创卫整治") || !strings.Contains(text, "本推演中超出您管辖范围") {
		t.Errorf("lh's .xlsx: %.2000s", text)
	}
}

// xlsxText returns the shared strings of an .xlsx, and its inline ones.
func xlsxText(t *testing.T, data []byte) string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, f := range zr.File {
		if strings.HasPrefix(f.Name, "xl/") && strings.HasSuffix(f.Name, ".xml") {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(rc)
			rc.Close()
			b.Write(raw)
		}
	}
	return b.String()
}

// formErrorOf is the what-if form's error on a page (or the page's start).
func formErrorOf(body string) string {
	if i := strings.Index(body, `id="whatif-error"`); i >= 0 {
		return body[i:min(len(body), i+400)]
	}
	return body[:min(len(body), 1500)]
}

// xlsxSheets returns the names of the sheets of an .xlsx.
func xlsxSheets(t *testing.T, data []byte) []string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	f, err := zr.Open("xl/workbook.xml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	raw, _ := io.ReadAll(f)
	var out []string
	for _, m := range regexp.MustCompile(`<sheet [^>]*name="([^"]+)"`).FindAllSubmatch(raw, -1) {
		out = append(out, string(m[1]))
	}
	return out
}
