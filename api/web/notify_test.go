package web_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/allymatch/allymatch/api"
	"github.com/allymatch/allymatch/fixtures"
	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/notify"
	"github.com/allymatch/allymatch/matcher/store"
)

// notifyServer serves the Banan sample with a started notifier that may
// post to loopback receivers.
func notifyServer(tb testing.TB) (*httptest.Server, *store.Store, *notify.Notifier) {
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
	n, err := notify.New(st, notify.Config{AllowPrivate: true, Tick: 2 * time.Millisecond, Timeout: 2 * time.Second,
		Backoff: time.Millisecond, MaxAttempts: 1, RemindEvery: time.Hour})
	if err != nil {
		tb.Fatal(err)
	}
	n.Start()
	tb.Cleanup(func() { n.Close() })
	s.SetNotifier(n)
	ts := httptest.NewServer(s.Handler())
	tb.Cleanup(func() {
		s.StopStreams()
		ts.Close()
	})
	return ts, st, n
}

// robot is a loopback 企业微信 group robot: it keeps the markdown it gets.
type robot struct {
	*httptest.Server
	mu   sync.Mutex
	msgs []string
	fail bool
}

func newRobot(tb testing.TB) *robot {
	r := &robot{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		var body struct{ Markdown struct{ Content string } }
		json.NewDecoder(req.Body).Decode(&body)
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.fail {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		r.msgs = append(r.msgs, body.Markdown.Content)
		io.WriteString(w, `{"errcode":0,"errmsg":"ok"}`)
	}))
	tb.Cleanup(r.Close)
	return r
}

func (r *robot) got() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.msgs)
}

// waitFor polls cond for up to 10s.
func waitFor(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return
		}
	}
	tb.Fatalf("%s: not within 10s", what)
}

var deliveredRe = regexp.MustCompile(`class="st-delivered"`)

// TestDeskGroupRobot is issue 12's "done when": a coordinator adds the
// meeting's group robot in the desk, sends a test message, proposes, and
// each unit's digest arrives at the loopback robot; the page shows the
// deliveries; a robot that fails makes a dead letter that the page sends
// again.
func TestDeskGroupRobot(t *testing.T) {
	ts, st, _ := notifyServer(t)
	rb := newRobot(t)
	coord := newBrowser(t, ts.URL)
	coord.login(makeToken(t, ts.URL, `{"role":"coordinator","alliance":"lh"}`))
	if code, body := coord.get("/ui/meetings/lh"); code != 200 || !strings.Contains(body, `href="/ui/meetings/lh/webhooks"`) || !strings.Contains(body, `src="/ui/static/live.js"`) {
		t.Fatalf("the meeting page: %d, no link to the webhooks or no live script", code)
	}
	coord.get("/ui/meetings/lh/webhooks")
	form := url.Values{"csrf": {coord.csrf()}, "kind": {"wecom"}, "url": {rb.URL + "/cgi-bin/webhook/send?key=test-key-0123456789"}}
	for _, k := range notify.Kinds {
		form.Add("events", string(k))
	}
	code, body := coord.post("/ui/meetings/lh/webhooks", form)
	if code != 200 || !strings.Contains(body, "已接入") || !strings.Contains(body, "key=****") || strings.Contains(body, "test-key-0123456789") {
		t.Fatalf("after adding: %d %.400s", code, body)
	}
	m := regexp.MustCompile(`/ui/webhooks/(wh-[0-9a-f]+)/test`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no test button")
	}
	hook := m[1]
	coord.post("/ui/webhooks/"+hook+"/test", url.Values{"csrf": {coord.csrf()}, "back": {"/ui/meetings/lh/webhooks"}})
	waitFor(t, "the test message", func() bool { return len(rb.got()) == 1 })
	if !strings.Contains(rb.got()[0], "测试消息") {
		t.Errorf("the test message reads %q", rb.got()[0])
	}

	coord.get("/ui/meetings/lh")
	due := time.Now().Add(72 * time.Hour).In(time.FixedZone("CST", 8*3600)).Format("2006-01-02T15:04")
	if code, _ := coord.post("/ui/meetings/lh/propose", url.Values{"csrf": {coord.csrf()}, "mode": {"welfare"}, "answer_by": {due}}); code != 200 {
		t.Fatalf("propose: %d", code)
	}
	sn := st.Snapshot()
	var units []string
	for c := range sn.ClaimsOfMeetingWith("lh", matcher.ClaimProposed) {
		for _, s := range c.WaitsFor() {
			units = append(units, c.UnitOf(s))
		}
	}
	slices.Sort(units)
	units = slices.Compact(units)
	waitFor(t, "a digest per unit", func() bool { return len(rb.got()) == 1+len(units) })
	digests := rb.got()[1:]
	for _, u := range units {
		name := sn.UnitRaw(u).Name
		if !slices.ContainsFunc(digests, func(d string) bool { return strings.Contains(d, "/ui/units/"+u+")") && strings.Contains(d, name) }) {
			t.Errorf("no digest for %s (%s)", name, u)
		}
	}
	for _, d := range digests {
		if !strings.HasPrefix(d, "【龙华社区联席会】") || !strings.Contains(d, "前答复") {
			t.Errorf("a digest reads %q", d)
		}
	}
	time.Sleep(20 * time.Millisecond)
	if got := len(rb.got()); got != 1+len(units) {
		t.Errorf("%d messages, want %d: one per unit", got, 1+len(units))
	}
	_, body = coord.get("/ui/meetings/lh/webhooks")
	if n := len(deliveredRe.FindAllString(body, -1)); n != min(10, 1+len(units)) {
		t.Errorf("the page shows %d delivered messages, want %d", n, min(10, 1+len(units)))
	}

	// A robot that fails: a dead letter, sent again from the page.
	rb.mu.Lock()
	rb.fail = true
	rb.mu.Unlock()
	coord.post("/ui/webhooks/"+hook+"/test", url.Values{"csrf": {coord.csrf()}, "back": {"/ui/meetings/lh/webhooks"}})
	var msg string
	waitFor(t, "a dead letter", func() bool {
		_, body := coord.get("/ui/meetings/lh/webhooks")
		m := regexp.MustCompile(`name="msg" value="([^"]+)"`).FindStringSubmatch(body)
		if m != nil {
			msg = m[1]
		}
		return m != nil && strings.Contains(body, "发送失败")
	})
	rb.mu.Lock()
	rb.fail = false
	rb.mu.Unlock()
	code, body = coord.post("/ui/webhooks/"+hook+"/retry", url.Values{"csrf": {coord.csrf()}, "back": {"/ui/meetings/lh/webhooks"}, "msg": {msg}})
	if code != 200 || !strings.Contains(body, "已重新排队发送") {
		t.Errorf("retry: %d %.300s", code, body)
	}
	waitFor(t, "the dead letter sent again", func() bool { return len(rb.got()) == 2+len(units) })

	// Two dead letters (the robot failed meanwhile) go again at one press.
	rb.mu.Lock()
	rb.fail = true
	rb.mu.Unlock()
	for range 2 {
		coord.post("/ui/webhooks/"+hook+"/test", url.Values{"csrf": {coord.csrf()}, "back": {"/ui/meetings/lh/webhooks"}})
	}
	waitFor(t, "two dead letters", func() bool {
		_, body := coord.get("/ui/meetings/lh/webhooks")
		return strings.Contains(body, `id="retry-all-`+hook+`"`) && strings.Contains(body, "全部重新发送（2 条）")
	})
	rb.mu.Lock()
	rb.fail = false
	rb.mu.Unlock()
	code, body = coord.post("/ui/webhooks/"+hook+"/retry-all", url.Values{"csrf": {coord.csrf()}, "back": {"/ui/meetings/lh/webhooks"}})
	if code != 200 || !strings.Contains(body, "已重新排队发送") {
		t.Errorf("retry all: %d %.300s", code, body)
	}
	waitFor(t, "both dead letters sent again", func() bool { return len(rb.got()) == 4+len(units) })

	// Others may not see the page; a bad URL is refused naming the field.
	unit := newBrowser(t, ts.URL)
	unit.login(makeToken(t, ts.URL, `{"role":"unit","unit":"lh-bank"}`))
	if code, _ := unit.get("/ui/meetings/lh/webhooks"); code != 404 {
		t.Errorf("a unit sees the meeting's webhooks: %d", code)
	}
	if code, _ := unit.post("/ui/webhooks/"+hook+"/delete", url.Values{"csrf": {unit.csrf()}}); code != 404 {
		t.Errorf("a unit deletes the meeting's webhook: %d", code)
	}
	coord.get("/ui/meetings/lh/webhooks")
	code, body = coord.post("/ui/meetings/lh/webhooks", url.Values{"csrf": {coord.csrf()}, "kind": {"wecom"}, "url": {"ftp://x.example/"}, "events": {"proposed"}})
	if code != 400 || !strings.Contains(body, `id="webhook-error"`) || !strings.Contains(body, "Webhook 地址") {
		t.Errorf("a bad URL: %d %.300s", code, body)
	}
	code, body = coord.post("/ui/webhooks/"+hook+"/delete", url.Values{"csrf": {coord.csrf()}, "back": {"/ui/meetings/lh/webhooks"}})
	if code != 200 || !strings.Contains(body, "还没有接入群机器人") {
		t.Errorf("delete: %d", code)
	}
}

// TestDeskUnitWebhooksAndStream: a unit connects its own robot; the
// meeting page's stream sends the meeting's events (with the session
// cookie), and live.js is served as a script.
func TestDeskUnitWebhooksAndStream(t *testing.T) {
	ts, st, _ := notifyServer(t)
	school := newBrowser(t, ts.URL)
	school.login(makeToken(t, ts.URL, `{"role":"unit","unit":"lh-school"}`))
	if _, body := school.get("/ui/units/lh-school"); !strings.Contains(body, `href="/ui/units/lh-school/webhooks"`) {
		t.Fatal("the unit page has no link to its webhooks")
	}
	school.get("/ui/units/lh-school/webhooks")
	code, body := school.post("/ui/units/lh-school/webhooks", url.Values{"csrf": {school.csrf()}, "kind": {"generic"}, "url": {"https://hooks.example/school"}, "events": {"proposed", "reminder"}})
	if code != 200 || !regexp.MustCompile(`id="secret">whsec_[A-Za-z0-9+/=&#;]+<`).MatchString(body) {
		t.Fatalf("a generic webhook's secret is not shown once: %d %.300s", code, body)
	}
	if _, body := school.get("/ui/units/lh-school/webhooks"); strings.Contains(body, "whsec_") {
		t.Error("the secret is shown again")
	}
	if code, _ := school.get("/ui/units/lh-bank/webhooks"); code != 404 {
		t.Errorf("the school sees the bank's webhooks: %d", code)
	}

	resp, err := http.Get(ts.URL + "/ui/static/live.js")
	if err != nil {
		t.Fatal(err)
	}
	js, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/javascript") || !strings.Contains(string(js), "EventSource") {
		t.Errorf("live.js: %s %q", resp.Header.Get("Content-Type"), js[:min(len(js), 60)])
	}

	coord := newBrowser(t, ts.URL)
	coord.login(makeToken(t, ts.URL, `{"role":"coordinator","alliance":"lh"}`))
	req, _ := http.NewRequest(http.MethodGet, ts.URL+"/ui/meetings/lh/stream", nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	resp, err = coord.c.Do(req.WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") || resp.Header.Get("Content-Security-Policy") == "" {
		t.Fatalf("stream: %d %v", resp.StatusCode, resp.Header)
	}
	ids := make(chan string, 10)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if id, ok := strings.CutPrefix(sc.Text(), "id: "); ok {
				ids <- id
			}
		}
	}()
	coord.get("/ui/meetings/lh")
	coord.post("/ui/meetings/lh/propose", url.Values{"csrf": {coord.csrf()}, "mode": {"welfare"}})
	select {
	case id := <-ids:
		if id != itoaSeq(st.Seq()) {
			t.Errorf("the stream sent %s, want the proposal's %d", id, st.Seq())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the meeting's stream sent nothing for the proposal")
	}
	if code, _ := school.get("/ui/meetings/lh/stream"); code != 404 {
		t.Errorf("a unit opens the meeting's stream: %d", code)
	}
}

func itoaSeq(n uint64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
