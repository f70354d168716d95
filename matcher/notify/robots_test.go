package notify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/allymatch/allymatch/matcher"
)

// robot imitates a group robot on loopback, as the robots' documentation
// and their users' reports show them (format.go cites them): the key in
// its address, the signature of its 加签 / 签名校验 setting (checked here
// with its own code, not with the package's), its 自定义关键词, its size
// limit and rate, and its answers: HTTP 200 and an error code in JSON.
type robot struct {
	kind Target
	srv  *httptest.Server

	mu      sync.Mutex
	token   string // 企业微信 key=, 钉钉 access_token=, 飞书 …/hook/<token>
	secret  string // the signing secret ("": the robot checks none)
	keyword string // a 自定义关键词 every message must hold ("": none)
	rate    int    // messages a minute it takes (0: its documented rate)
	legacy  bool   // 飞书: the older answer {"StatusCode":0,"StatusMessage":"success"}
	sent    []time.Time
	took    []robotMessage // messages it showed in the group
	answers []int          // the error code of every answer, in order
}

// robotMessage is a message a robot took: its text and the webhook-id it
// came with.
type robotMessage struct {
	id, title, text string
}

func newRobot(tb testing.TB, kind Target, token, secret string) *robot {
	rb := &robot{kind: kind, token: token, secret: secret}
	rb.srv = httptest.NewServer(http.HandlerFunc(rb.serve))
	tb.Cleanup(rb.srv.Close)
	return rb
}

// url is the webhook address the group shows for the robot.
func (rb *robot) url() string {
	switch rb.kind {
	case WeCom:
		return rb.srv.URL + "/cgi-bin/webhook/send?key=" + rb.token
	case DingTalk:
		return rb.srv.URL + "/robot/send?access_token=" + rb.token
	}
	return rb.srv.URL + "/open-apis/bot/v2/hook/" + rb.token
}

// set changes the robot's settings (as its group's owner would).
func (rb *robot) set(fn func(*robot)) {
	rb.mu.Lock()
	defer rb.mu.Unlock()
	fn(rb)
}

func (rb *robot) messages() []robotMessage {
	rb.mu.Lock()
	defer rb.mu.Unlock()
	return append([]robotMessage(nil), rb.took...)
}

func (rb *robot) codes() []int {
	rb.mu.Lock()
	defer rb.mu.Unlock()
	return append([]int(nil), rb.answers...)
}

func (rb *robot) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rb.mu.Lock()
	defer rb.mu.Unlock()
	code, msg := rb.check(r, body)
	rb.answers = append(rb.answers, code)
	w.Header().Set("Content-Type", "application/json")
	switch {
	case rb.kind != Feishu:
		json.NewEncoder(w).Encode(map[string]any{"errcode": code, "errmsg": msg})
	case code == 0 && rb.legacy:
		io.WriteString(w, `{"Extra":null,"StatusCode":0,"StatusMessage":"success"}`)
	default:
		json.NewEncoder(w).Encode(map[string]any{"code": code, "msg": msg, "data": map[string]any{}})
	}
}

// check answers one request as the robot does: its error code and
// message (0 and "ok": shown in the group).
func (rb *robot) check(r *http.Request, body []byte) (int, string) {
	now := time.Now()
	var title, text string
	switch rb.kind {
	case WeCom:
		if r.URL.Path != "/cgi-bin/webhook/send" || r.URL.Query().Get("key") != rb.token {
			return 93000, "invalid webhook url, hint: [1733389200000000000], from ip: 127.0.0.1, more info at https://open.work.weixin.qq.com/devtool/query?e=93000"
		}
		var m struct {
			MsgType  string `json:"msgtype"`
			Markdown struct {
				Content string `json:"content"`
			} `json:"markdown"`
		}
		if json.Unmarshal(body, &m) != nil || m.MsgType != "markdown" || m.Markdown.Content == "" {
			return 40008, "invalid message type"
		}
		if len(m.Markdown.Content) > 4096 {
			return 40058, "markdown.content exceed max length 4096. invalid Request Parameter"
		}
		text = m.Markdown.Content
		if rb.overRate(now, 20) {
			return 45009, "api freq out of limit"
		}
	case DingTalk:
		q := r.URL.Query()
		if r.URL.Path != "/robot/send" || q.Get("access_token") != rb.token {
			return 300001, "token is not exist"
		}
		if rb.secret != "" {
			ts, err := strconv.ParseInt(q.Get("timestamp"), 10, 64)
			m := hmac.New(sha256.New, []byte(rb.secret))
			fmt.Fprintf(m, "%d\n%s", ts, rb.secret)
			want := base64.StdEncoding.EncodeToString(m.Sum(nil))
			// q.Get has undone the URL encoding of sign.
			if err != nil || now.Sub(time.UnixMilli(ts)).Abs() > time.Hour || !hmac.Equal([]byte(q.Get("sign")), []byte(want)) {
				return 310000, "sign not match, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]"
			}
		}
		var m struct {
			MsgType  string `json:"msgtype"`
			Markdown struct {
				Title string `json:"title"`
				Text  string `json:"text"`
			} `json:"markdown"`
		}
		if json.Unmarshal(body, &m) != nil || m.MsgType != "markdown" || m.Markdown.Title == "" || m.Markdown.Text == "" {
			return 40035, "缺少参数 json"
		}
		title, text = m.Markdown.Title, m.Markdown.Text
		if rb.keyword != "" && !strings.Contains(title+text, rb.keyword) {
			return 310000, "keywords not in content, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]"
		}
		if rb.overRate(now, 20) {
			return 130101, "send too fast, exceed 20 times per minute"
		}
	case Feishu:
		if r.URL.Path != "/open-apis/bot/v2/hook/"+rb.token {
			return 19001, "param invalid: incoming webhook access token invalid"
		}
		if len(body) > 20<<10 {
			return 9499, "request body too large"
		}
		var m struct {
			Timestamp string `json:"timestamp"`
			Sign      string `json:"sign"`
			MsgType   string `json:"msg_type"`
			Content   struct {
				Post map[string]struct {
					Title   string              `json:"title"`
					Content [][]json.RawMessage `json:"content"`
				} `json:"post"`
			} `json:"content"`
		}
		if json.Unmarshal(body, &m) != nil || m.MsgType != "post" {
			return 19002, "params error, msg_type need"
		}
		if rb.secret != "" {
			ts, err := strconv.ParseInt(m.Timestamp, 10, 64)
			mac := hmac.New(sha256.New, []byte(m.Timestamp+"\n"+rb.secret))
			want := base64.StdEncoding.EncodeToString(mac.Sum(nil))
			if err != nil || now.Sub(time.Unix(ts, 0)).Abs() > time.Hour || !hmac.Equal([]byte(m.Sign), []byte(want)) {
				return 19021, "sign match fail or timestamp is not within one hour from current time"
			}
		}
		post, ok := m.Content.Post["zh_cn"]
		if !ok || len(post.Content) == 0 {
			return 19002, "params error, content need"
		}
		title = post.Title
		var parts []string
		for _, para := range post.Content {
			for _, raw := range para {
				var el struct{ Tag, Text, Href string }
				if json.Unmarshal(raw, &el) != nil || (el.Tag != "text" && el.Tag != "a") {
					return 19002, "params error, unknown tag"
				}
				parts = append(parts, el.Text+el.Href)
			}
		}
		text = strings.Join(parts, "\n")
		if rb.keyword != "" && !strings.Contains(title+text, rb.keyword) {
			return 19024, "Key Words Not Found"
		}
		if rb.overRate(now, 100) {
			return 11232, "frequency limited psm[lark.oapi.app_platform_runtime]appID[1]"
		}
	}
	rb.took = append(rb.took, robotMessage{id: r.Header.Get("webhook-id"), title: title, text: text})
	return 0, "ok"
}

// overRate counts a message and reports whether it is past the robot's
// rate a minute (the documented one unless rate is set).
func (rb *robot) overRate(now time.Time, documented int) bool {
	limit := documented
	if rb.rate > 0 {
		limit = rb.rate
	}
	var recent []time.Time
	for _, t := range rb.sent {
		if now.Sub(t) < time.Minute {
			recent = append(recent, t)
		}
	}
	if len(recent) >= limit {
		rb.sent = recent
		return true
	}
	rb.sent = append(recent, now)
	return false
}

// TestRobotsTakeTheDigests: a proposal run reaches the imitated robots of
// the three kinds, each with its signature (and, for 钉钉 and 飞书, a
// 自定义关键词 robot too, whose keyword every message holds), as one
// message per unit waiting, none refused; the older
// 飞书 answer counts as success too.
func TestRobotsTakeTheDigests(t *testing.T) {
	w := newWorld(t, testConfig())
	lh := matcher.Coordinator("lh")
	robots := []*robot{
		newRobot(t, WeCom, "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa", ""),
		newRobot(t, DingTalk, "d3a8f0e1c2b4a5968778695a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c", "SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd"),
		newRobot(t, Feishu, "2f1c5e0a-1b2c-4d3e-8f90-a1b2c3d4e5f6", "wFh2k9Qx7LmZp3RtYv8N1c"),
		newRobot(t, DingTalk, "keyword-robot-token-0123456789abcdef", ""),
		newRobot(t, Feishu, "keyword-robot-token-fedcba9876543210", ""),
	}
	robots[3].keyword, robots[4].keyword = "联盟清单匹配", "联盟清单匹配"
	robots[4].legacy = true
	subs := make([]Created, len(robots))
	for i, rb := range robots {
		subs[i] = w.subscribe(lh, SubscribeRequest{Kind: rb.kind, URL: rb.url(), Secret: rb.secret})
	}
	p := w.propose("lh")
	w.mustSettle()
	units := unitsWaiting(p.Claims)
	for i, rb := range robots {
		got := rb.messages()
		if want := len(units); len(got) != want {
			t.Errorf("%s robot %d showed %d messages, want %d (one per unit waiting); answers %v", rb.kind, i, len(got), want, rb.codes())
		}
		for _, c := range rb.codes() {
			if c != 0 {
				t.Errorf("%s robot %d answered %v", rb.kind, i, rb.codes())
				break
			}
		}
		ds, err := w.n.Deliveries(lh, subs[i].ID, 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range ds {
			if d.Status != Delivered || d.Attempts != 1 {
				t.Errorf("%s robot %d: message %s is %s after %d attempts (%s)", rb.kind, i, d.ID, d.Status, d.Attempts, d.LastError)
			}
		}
		for _, m := range got {
			if !strings.Contains(m.text, "【龙华社区联席会】") || !strings.Contains(m.text, "/ui/") {
				t.Errorf("%s robot %d showed %q", rb.kind, i, m.text)
			}
		}
	}
}

// TestRobotRefusals: a robot whose settings refuse the message (a wrong
// key or token, a secret that does not match, a keyword the messages do
// not hold) answers an error code that trying again cannot change: the
// message is a dead letter after one attempt, the desk says what to fix,
// and once the robot is right it is sent again by hand with its id.
func TestRobotRefusals(t *testing.T) {
	cases := []struct {
		name   string
		kind   Target
		secret string // the subscription's
		broken func(*robot)
		code   int
		fix    string // in the desk's error
	}{
		{"企业微信 key removed", WeCom, "", func(rb *robot) { rb.token = "another-key-0000000000000000000000" }, 93000, "connect it again"},
		{"钉钉 token wrong", DingTalk, "", func(rb *robot) { rb.token = "another-token-00000000000000000000" }, 300001, "connect it again"},
		{"钉钉 加签 secret changed", DingTalk, "SECaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", func(rb *robot) { rb.secret = "SECbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb" }, 310000, "加签"},
		{"钉钉 another keyword", DingTalk, "", func(rb *robot) { rb.keyword = "值班通知" }, 310000, "自定义关键词"},
		{"飞书 hook wrong", Feishu, "", func(rb *robot) { rb.token = "another-hook" }, 19001, "connect it again"},
		{"飞书 签名校验 secret changed", Feishu, "aaaaaaaaaaaaaaaaaaaaaa", func(rb *robot) { rb.secret = "bbbbbbbbbbbbbbbbbbbbbb" }, 19021, "签名校验"},
		{"飞书 another keyword", Feishu, "", func(rb *robot) { rb.keyword = "值班通知" }, 19024, "自定义关键词"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t, testConfig()) // MaxAttempts 5
			lh := matcher.Coordinator("lh")
			rb := newRobot(t, tc.kind, "the-right-token-0123456789abcdef", tc.secret)
			c := w.subscribe(lh, SubscribeRequest{Kind: tc.kind, URL: rb.url(), Secret: tc.secret})
			token, secret, keyword := rb.token, rb.secret, rb.keyword
			rb.set(tc.broken)
			if _, err := w.n.SendTest(lh, c.ID); err != nil {
				t.Fatal(err)
			}
			w.mustSettle()
			ds, _ := w.n.Deliveries(lh, c.ID, 10)
			if codes := rb.codes(); len(codes) != 1 || codes[0] != tc.code {
				t.Errorf("the robot answered %v, want [%d] (one attempt)", codes, tc.code)
			}
			if len(ds) != 1 || ds[0].Status != Dead || ds[0].Attempts != 1 || !strings.Contains(ds[0].LastError, strconv.Itoa(tc.code)) || !strings.Contains(ds[0].LastError, tc.fix) {
				t.Fatalf("deliveries %+v", ds)
			}
			if strings.Contains(ds[0].LastError, "the-right-token") {
				t.Errorf("the desk's error shows the robot's key: %s", ds[0].LastError)
			}
			// The group's owner puts the robot right; the letter goes again.
			rb.set(func(rb *robot) { rb.token, rb.secret, rb.keyword = token, secret, keyword })
			if _, err := w.n.Retry(lh, c.ID, ds[0].ID); err != nil {
				t.Fatal(err)
			}
			w.mustSettle()
			ds, _ = w.n.Deliveries(lh, c.ID, 10)
			got := rb.messages()
			if len(ds) != 1 || ds[0].Status != Delivered || len(got) != 1 || got[0].id != ds[0].ID || !strings.Contains(got[0].text, "测试消息") {
				t.Errorf("after the fix: deliveries %+v, the robot showed %+v", ds, got)
			}
		})
	}
}

// TestRobotsTooFast: a robot past its rate answers its own code (钉钉
// 130101, 飞书 11232; 企业微信's 45009 is TestRateLimit's): the target
// pauses (钉钉 for its 10 minutes at least), the message waits with its
// attempt counted, and is no dead letter.
func TestRobotsTooFast(t *testing.T) {
	for _, kind := range []Target{DingTalk, Feishu} {
		t.Run(string(kind), func(t *testing.T) {
			cfg := testConfig()
			cfg.RatePause = 30 * time.Second
			w := newWorld(t, cfg)
			lh := matcher.Coordinator("lh")
			rb := newRobot(t, kind, "token-0123456789abcdef0123456789", "")
			rb.rate = 1
			c := w.subscribe(lh, SubscribeRequest{Kind: kind, URL: rb.url()})
			for range 3 {
				if _, err := w.n.SendTest(lh, c.ID); err != nil {
					t.Fatal(err)
				}
			}
			deadline := time.Now().Add(5 * time.Second)
			for len(rb.codes()) < 2 && time.Now().Before(deadline) {
				time.Sleep(2 * time.Millisecond)
			}
			time.Sleep(50 * time.Millisecond) // nothing more may go
			want := map[Target]int{DingTalk: 130101, Feishu: 11232}[kind]
			if codes := rb.codes(); len(codes) != 2 || codes[0] != 0 || codes[1] != want {
				t.Fatalf("the robot answered %v, want [0 %d] and then nothing (paused)", codes, want)
			}
			pause := map[Target]time.Duration{DingTalk: 9 * time.Minute, Feishu: 25 * time.Second}[kind]
			ds, _ := w.n.Deliveries(lh, c.ID, 10) // newest first
			if len(ds) != 3 || ds[2].Status != Delivered || ds[1].Status != Pending || ds[1].Attempts != 1 ||
				ds[1].NextAt.Before(time.Now().Add(pause)) || !strings.Contains(ds[1].LastError, strconv.Itoa(want)) || ds[0].Status != Pending || ds[0].Attempts != 0 {
				t.Errorf("deliveries %+v", ds)
			}
		})
	}
}

// TestFoldChunks: a fold's messages are written in one transaction, never
// split (a restart that found some of them would take the fold's notes as
// told and lose the others); folds share a transaction while they fit.
func TestFoldChunks(t *testing.T) {
	folds := func(sizes ...int) []*Message {
		var out []*Message
		for i, n := range sizes {
			for range n {
				out = append(out, &Message{Sub: "wh-" + strconv.Itoa(i%2), From: uint64(i), UpTo: uint64(i + 1)})
			}
		}
		return out
	}
	for _, tc := range []struct {
		sizes []int
		want  []int // the transactions' sizes
	}{
		{[]int{21}, []int{21}},
		{[]int{3, 3, 3}, []int{6, 3}},
		{[]int{8, 1}, []int{8, 1}},
		{[]int{1, 21, 2}, []int{1, 21, 2}},
		{[]int{1, 1, 1, 1, 1, 1, 1, 1, 1}, []int{8, 1}},
	} {
		made := folds(tc.sizes...)
		var got []int
		for len(made) > 0 {
			n := foldChunk(made)
			got = append(got, n)
			made = made[n:]
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("folds of %v are written %v, want %v", tc.sizes, got, tc.want)
		}
	}
	// Test messages are each their own.
	tests := []*Message{{Sub: "wh-0", Test: true}, {Sub: "wh-0", Test: true}}
	if n := foldChunk(tests); n != 2 {
		t.Errorf("two test messages: a chunk of %d", n)
	}
}

// TestRetryAll: the dead letters of a robot that refused them (its key
// was wrong) go again at once when it is right, in order, with their ids;
// nobody else may send them.
func TestRetryAll(t *testing.T) {
	w := newWorld(t, testConfig())
	lh := matcher.Coordinator("lh")
	rb := newRobot(t, WeCom, "right-key-0123456789abcdef", "")
	c := w.subscribe(lh, SubscribeRequest{Kind: WeCom, URL: rb.url()})
	rb.set(func(rb *robot) { rb.token = "the-key-changed-in-the-group" })
	for range 3 {
		if _, err := w.n.SendTest(lh, c.ID); err != nil {
			t.Fatal(err)
		}
	}
	w.mustSettle()
	ds, _ := w.n.Deliveries(lh, c.ID, 10)
	if v, _ := w.n.Subscription(lh, c.ID); v.Dead != 3 || len(ds) != 3 {
		t.Fatalf("%d dead letters, deliveries %+v", v.Dead, ds)
	}
	if _, err := w.n.RetryAll(matcher.Coordinator("tw"), c.ID); matcher.ErrorCode(err) != matcher.ENOTFOUND {
		t.Errorf("a foreign coordinator's retry: %v", err)
	}
	rb.set(func(rb *robot) { rb.token = "right-key-0123456789abcdef" })
	if n, err := w.n.RetryAll(lh, c.ID); n != 3 || err != nil {
		t.Fatalf("RetryAll = %d, %v", n, err)
	}
	w.mustSettle()
	got := rb.messages()
	if len(got) != 3 {
		t.Fatalf("the robot showed %d messages, want 3", len(got))
	}
	for i, m := range got {
		if want := ds[2-i].ID; m.id != want { // deliveries are newest first
			t.Errorf("message %d came with id %s, want %s (in order, with its id)", i, m.id, want)
		}
	}
	if n, err := w.n.RetryAll(lh, c.ID); n != 0 || err != nil {
		t.Errorf("RetryAll with no dead letter = %d, %v", n, err)
	}
}

// TestClassify: how an answer is read, for the robots and for a generic
// receiver.
func TestClassify(t *testing.T) {
	now := time.Now()
	answer := func(status int, body string, header ...string) *http.Response {
		h := http.Header{}
		for i := 0; i+1 < len(header); i += 2 {
			h.Set(header[i], header[i+1])
		}
		return &http.Response{StatusCode: status, Status: fmt.Sprintf("%d %s", status, http.StatusText(status)), Header: h, Body: io.NopCloser(strings.NewReader(body))}
	}
	for _, tc := range []struct {
		name   string
		kind   Target
		resp   *http.Response
		ok     bool
		dead   bool
		pause  time.Duration
		errHas string
	}{
		{"wecom ok", WeCom, answer(200, `{"errcode":0,"errmsg":"ok"}`), true, false, 0, ""},
		{"feishu ok", Feishu, answer(200, `{"code":0,"data":{},"msg":"success"}`), true, false, 0, ""},
		{"feishu ok, older answer", Feishu, answer(200, `{"Extra":null,"StatusCode":0,"StatusMessage":"success"}`), true, false, 0, ""},
		{"feishu older error", Feishu, answer(200, `{"StatusCode":19021,"StatusMessage":"sign match fail"}`), false, true, 0, "sign match fail"},
		{"feishu refusal with a 400", Feishu, answer(400, `{"code":19021,"data":{},"msg":"sign match fail or timestamp is not within one hour from current time"}`), false, true, 0, "19021"},
		{"dingtalk too fast", DingTalk, answer(200, `{"errcode":130101,"errmsg":"send too fast"}`), false, false, 10 * time.Minute, "130101"},
		{"wecom other code retried", WeCom, answer(200, `{"errcode":-1,"errmsg":"system busy"}`), false, false, 0, "-1"},
		{"robot 502 page", WeCom, answer(502, `<html>bad gateway</html>`), false, false, 0, "502"},
		{"robot 200 not JSON", DingTalk, answer(200, `<html>portal</html>`), false, false, 0, "not JSON"},
		{"robot 429", Feishu, answer(429, ``, "Retry-After", "30"), false, false, 30 * time.Second, "429"},
		{"generic 204", Generic, answer(204, ``), true, false, 0, ""},
		{"generic 500 with a code", Generic, answer(500, `{"code":19021}`), false, false, 0, "500"},
		{"generic 503 Retry-After", Generic, answer(503, ``, "Retry-After", "120"), false, false, 2 * time.Minute, "503"},
		{"generic 410", Generic, answer(410, ``), false, true, 0, "410"},
		{"generic 301", Generic, answer(301, ``, "Location", "https://elsewhere.example/"), false, false, 0, "301"},
	} {
		o := classify(tc.kind, tc.resp, nil, now, time.Minute)
		if o.ok != tc.ok || o.gone != tc.dead || o.pause != tc.pause || !strings.Contains(o.err, tc.errHas) {
			t.Errorf("%s: %+v, want ok %v, dead %v, pause %v, error with %q", tc.name, o, tc.ok, tc.dead, tc.pause, tc.errHas)
		}
	}
}

// TestTestsWaitingBounded: a robot that is down keeps test messages
// waiting; past MaxTestsWaiting another is refused (409), not queued.
func TestTestsWaitingBounded(t *testing.T) {
	cfg := testConfig()
	cfg.Backoff, cfg.MaxBackoff, cfg.MaxAttempts = time.Hour, time.Hour, 3
	w := newWorld(t, cfg)
	lh := matcher.Coordinator("lh")
	rc := newReceiver(t)
	rc.answer = func(int, *http.Request) (int, string) { return 503, "down" }
	c := w.subscribe(lh, SubscribeRequest{Kind: WeCom, URL: rc.URL + "/w"})
	for i := range MaxTestsWaiting {
		if _, err := w.n.SendTest(lh, c.ID); err != nil {
			t.Fatalf("test message %d: %v", i+1, err)
		}
	}
	if _, err := w.n.SendTest(lh, c.ID); matcher.ErrorCode(err) != matcher.ECONFLICT {
		t.Errorf("test message %d: %v, want a conflict", MaxTestsWaiting+1, err)
	}
}
