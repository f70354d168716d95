package notify

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/match"
)

// clock is a test clock: the real time plus an offset.
type clock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

func (c *clock) set(d time.Duration) {
	c.mu.Lock()
	c.off = d
	c.mu.Unlock()
}

// remindNow makes the dispatcher look at the deadlines at its next step
// and waits until it has, and its messages are sent.
func (w *world) remindNow() {
	w.tb.Helper()
	w.n.mu.Lock()
	w.n.remind = time.Time{}
	w.n.mu.Unlock()
	w.n.poke()
	deadline := time.Now().Add(5 * time.Second)
	for {
		w.n.mu.Lock()
		ran := !w.n.remind.IsZero()
		w.n.mu.Unlock()
		if ran {
			break
		}
		if time.Now().After(deadline) {
			w.tb.Fatal("the reminders did not run")
		}
		time.Sleep(time.Millisecond)
	}
	w.mustSettle()
}

// TestReminders: claims unanswered as their deadline nears send one
// reminder per unit (not per claim), once, also across a restart; when
// the deadline has passed, one more.
func TestReminders(t *testing.T) {
	clk := &clock{}
	cfg := testConfig()
	cfg.Now, cfg.RemindBefore, cfg.RemindEvery = clk.Now, time.Hour, time.Hour
	w := newWorld(t, cfg)
	rc := newReceiver(t)
	w.subscribe(matcher.Coordinator("lh"), SubscribeRequest{Kind: WeCom, URL: rc.URL + "/group", Events: []Kind{Reminder, Overdue}})
	w.subscribe(matcher.UnitActor("lh-school"), SubscribeRequest{Kind: Feishu, URL: rc.URL + "/school", Events: []Kind{Reminder, Overdue}})
	due := time.Now().Add(3 * time.Hour).Truncate(time.Minute)
	p, err := w.svc.ProposeBy(ctx, matcher.Admin, "lh", match.DefaultSettings(), due)
	if err != nil {
		t.Fatal(err)
	}
	units := unitsWaiting(w.written(p))
	w.remindNow()
	if got := rc.at(""); len(got) != 0 {
		t.Fatalf("%d messages three hours before the deadline (reminders an hour before)", len(got))
	}

	clk.set(2*time.Hour + 30*time.Minute)
	w.remindNow()
	group := rc.at("/group")
	if len(group) != 1 {
		t.Fatalf("the group got %d reminder messages, want one", len(group))
	}
	msg := text(t, WeCom, group[0])
	if n := strings.Count(msg, "提醒"); n != len(units) {
		t.Errorf("the group's reminder names %d units, want the %d waiting: %s", n, len(units), msg)
	}
	school := rc.at("/school")
	if len(school) != 1 || !strings.Contains(text(t, Feishu, school[0]), "龙洲湾中学 还有") || !strings.Contains(text(t, Feishu, school[0]), "答复截止") {
		t.Fatalf("the school got %d reminders: %v", len(school), school)
	}

	w.remindNow()
	w.n.Close()
	w.start(cfg)
	w.remindNow()
	if got := rc.at(""); len(got) != 2 {
		t.Errorf("%d messages after two more runs and a restart, want the 2 reminders", len(got))
	}

	clk.set(3*time.Hour + time.Minute)
	w.remindNow()
	if got := rc.at("/group"); len(got) != 2 || !strings.Contains(text(t, WeCom, got[1]), "已逾期") {
		t.Errorf("after the deadline the group got %d messages", len(got))
	}
	if got := rc.at("/school"); len(got) != 2 || !strings.Contains(text(t, Feishu, got[1]), "已过答复截止时间") {
		t.Errorf("after the deadline the school got %d messages", len(got))
	}
	w.remindNow()
	if got := rc.at(""); len(got) != 4 {
		t.Errorf("%d messages, want 4: an overdue reminder is sent once", len(got))
	}
}

// TestBatchWindow: the events of one window for one target are one
// message; the next window's another.
func TestBatchWindow(t *testing.T) {
	cfg := testConfig()
	cfg.Window = 300 * time.Millisecond
	w := newWorld(t, cfg)
	rc := newReceiver(t)
	w.subscribe(matcher.Coordinator("lh"), SubscribeRequest{Kind: Generic, URL: rc.URL + "/g", Events: []Kind{Answered, Confirmed}})
	p := w.propose("lh")
	start := time.Now()
	n := 0
	for _, c := range p.Claims[:min(3, len(p.Claims))] {
		if _, err := w.svc.AnswerClaim(ctx, matcher.UnitActor(c.ResourceUnit), c.ID, "reject", "", "时间冲突"); err != nil {
			t.Fatal(err)
		}
		n++
	}
	if time.Since(start) > cfg.Window {
		t.Skip("the answers took longer than the window")
	}
	w.mustSettle()
	got := rc.at("/g")
	if len(got) != 1 {
		t.Fatalf("%d messages for %d answers within one window, want 1", len(got), n)
	}
	if msg := text(t, Generic, got[0]); !strings.Contains(msg, "拒绝了") || !strings.Contains(msg, "理由：时间冲突") || !strings.Contains(msg, "条新动态") {
		t.Errorf("the digest reads %q", msg)
	}
}

// TestRateLimit: a robot's target gets at most its rate per minute, and a
// 429 (or a robot's rate-limit code) pauses it; the messages wait, none
// is lost.
func TestRateLimit(t *testing.T) {
	cfg := testConfig()
	cfg.RobotRate = 2
	w := newWorld(t, cfg)
	rc := newReceiver(t)
	c := w.subscribe(matcher.Coordinator("lh"), SubscribeRequest{Kind: WeCom, URL: rc.URL + "/w"})
	for range 3 {
		if _, err := w.n.SendTest(matcher.Coordinator("lh"), c.ID); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(100 * time.Millisecond)
	if got := rc.at(""); len(got) != 2 {
		t.Errorf("%d messages sent at once, want the rate's 2", len(got))
	}
	v, _ := w.n.Subscription(matcher.Coordinator("lh"), c.ID)
	if v.Pending != 1 {
		t.Errorf("%d waiting, want 1", v.Pending)
	}

	// A robot that says "too fast" (企业微信 45009) pauses its target.
	cfg = testConfig()
	cfg.RatePause = time.Hour
	w = newWorld(t, cfg)
	rc = newReceiver(t)
	rc.answer = func(int, *http.Request) (int, string) {
		return 200, `{"errcode":45009,"errmsg":"api freq out of limit"}`
	}
	c = w.subscribe(matcher.Coordinator("lh"), SubscribeRequest{Kind: WeCom, URL: rc.URL + "/w"})
	w.n.SendTest(matcher.Coordinator("lh"), c.ID)
	w.n.SendTest(matcher.Coordinator("lh"), c.ID)
	time.Sleep(100 * time.Millisecond)
	ds, _ := w.n.Deliveries(matcher.Coordinator("lh"), c.ID, 10)
	if got := rc.at(""); len(got) != 1 || len(ds) != 2 || ds[1].Attempts != 1 || ds[1].NextAt.Before(time.Now().Add(50*time.Minute)) || !strings.Contains(ds[1].LastError, "45009") {
		t.Errorf("after 45009: %d requests, deliveries %+v", len(got), ds)
	}
}

// TestSendsDoNotWaitForTicks: the tick paces the dispatcher's writes,
// not its sends: with 2 attempts at a time and a tick of half a second,
// 12 targets' messages all go within a tick or two.
func TestSendsDoNotWaitForTicks(t *testing.T) {
	cfg := testConfig()
	cfg.Tick, cfg.MaxInFlight = 500*time.Millisecond, 2
	w := newWorld(t, cfg)
	rc := newReceiver(t)
	for i := range 12 {
		c := w.subscribe(matcher.Coordinator("lh"), SubscribeRequest{Kind: Generic, URL: rc.URL + "/" + strconv.Itoa(i)})
		if _, err := w.n.SendTest(matcher.Coordinator("lh"), c.ID); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	w.mustSettle()
	if got, took := len(rc.at("")), time.Since(start); got != 12 || took > 1500*time.Millisecond {
		t.Errorf("%d messages in %s, want 12 within 1.5s", got, took)
	}
}
