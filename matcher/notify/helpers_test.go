package notify

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/allymatch/allymatch/fixtures"
	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/match"
	"github.com/allymatch/allymatch/matcher/service"
	"github.com/allymatch/allymatch/matcher/store"
)

var ctx = context.Background()

// testConfig is fast: no batching window beyond a tick of a few
// milliseconds, backoffs of milliseconds, loopback receivers allowed.
func testConfig() Config {
	return Config{AllowPrivate: true, Window: 0, Tick: 2 * time.Millisecond, Timeout: 2 * time.Second,
		Backoff: time.Millisecond, MaxBackoff: 4 * time.Millisecond, MaxAttempts: 5, RemindEvery: time.Hour, Keep: 100}
}

// world is a store seeded with the Banan sample, its service and a
// started notifier.
type world struct {
	tb  testing.TB
	dir string
	st  *store.Store
	svc *service.Service
	n   *Notifier
}

func newWorld(tb testing.TB, cfg Config) *world {
	tb.Helper()
	dir := tb.TempDir()
	st, _, err := store.Open(ctx, store.Options{Dir: dir})
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := st.Import(ctx, fixtures.MustBanan(tb), "system"); err != nil {
		tb.Fatal(err)
	}
	w := &world{tb: tb, dir: dir, st: st, svc: service.New(st)}
	w.start(cfg)
	tb.Cleanup(func() {
		w.n.Close()
		w.st.Close()
	})
	return w
}

func (w *world) start(cfg Config) {
	w.tb.Helper()
	n, err := New(w.st, cfg)
	if err != nil {
		w.tb.Fatal(err)
	}
	n.Start()
	w.n = n
}

// subscribe makes a subscription as actor and fails the test on error.
func (w *world) subscribe(actor matcher.Actor, req SubscribeRequest) Created {
	w.tb.Helper()
	c, err := w.n.Subscribe(ctx, actor, req, "https://desk.example")
	if err != nil {
		w.tb.Fatalf("Subscribe(%s, %+v) = %v", actor, req, err)
	}
	return c
}

// proposed is a proposal run's answer with the claims it wrote as
// proposals (new and changed, in the order written), as stored.
type proposed struct {
	*service.Proposals
	Claims []matcher.Claim
}

// propose runs the meeting's proposals with a deadline three days ahead.
func (w *world) propose(meeting string) proposed {
	w.tb.Helper()
	p, err := w.svc.ProposeBy(ctx, matcher.Admin, meeting, match.DefaultSettings(), time.Now().Add(72*time.Hour).Truncate(time.Minute))
	if err != nil {
		w.tb.Fatal(err)
	}
	if p.Totals.Proposals == 0 {
		w.tb.Fatalf("no proposals for %s", meeting)
	}
	return proposed{Proposals: p, Claims: w.written(p)}
}

// written returns the claims the run p wrote as proposals (new and
// changed, in the order written), as stored.
func (w *world) written(p *service.Proposals) []matcher.Claim {
	w.tb.Helper()
	var out []matcher.Claim
	sn := w.st.Snapshot()
	for _, id := range append(slices.Clone(p.Changes.New), p.Changes.Changed...) {
		c, err := sn.Claim(id)
		if err != nil {
			w.tb.Fatal(err)
		}
		out = append(out, *c)
	}
	return out
}

// settled waits until no message of any target waits, and returns
// whether it came within d.
func (w *world) settled(d time.Duration) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		w.n.inMu.Lock()
		inbox := len(w.n.inbox)
		w.n.inMu.Unlock()
		w.n.mu.Lock()
		busy := inbox > 0
		for _, t := range w.n.targets {
			if len(t.pending) > 0 || len(t.queue) > 0 || t.busy {
				busy = true
			}
		}
		w.n.mu.Unlock()
		if !busy {
			return true
		}
		time.Sleep(2 * time.Millisecond)
	}
	return false
}

func (w *world) mustSettle() {
	w.tb.Helper()
	if !w.settled(10 * time.Second) {
		w.tb.Fatal("the messages did not settle within 10s")
	}
}

// received is one request a receiver got.
type received struct {
	Path   string
	Query  url.Values
	Header http.Header
	Body   []byte
}

// receiver is a loopback HTTP server that records what it gets; answer
// decides each answer (nil: 200 with the robots' {"errcode":0}).
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	got    []received
	answer func(n int, r *http.Request) (int, string)
}

func newReceiver(tb testing.TB) *receiver {
	rc := &receiver{}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.got = append(rc.got, received{Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone(), Body: body})
		n := len(rc.got)
		answer := rc.answer
		rc.mu.Unlock()
		status, text := 200, `{"errcode":0,"errmsg":"ok"}`
		if answer != nil {
			status, text = answer(n, r)
		}
		w.WriteHeader(status)
		io.WriteString(w, text)
	}))
	tb.Cleanup(rc.Close)
	return rc
}

// at returns what the receiver got on path (all paths when "").
func (rc *receiver) at(path string) []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var out []received
	for _, r := range rc.got {
		if path == "" || r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

// text returns the Chinese text of a robot's or a generic request.
func text(tb testing.TB, kind Target, r received) string {
	tb.Helper()
	var v struct {
		Markdown struct{ Content, Text string }
		Content  struct {
			Post map[string]struct {
				Content [][]map[string]string
			}
		}
		Data struct{ Text string }
	}
	if err := json.Unmarshal(r.Body, &v); err != nil {
		tb.Fatalf("%s body %s: %v", kind, r.Body, err)
	}
	switch kind {
	case WeCom:
		return v.Markdown.Content
	case DingTalk:
		return v.Markdown.Text
	case Feishu:
		var parts []string
		for _, para := range v.Content.Post["zh_cn"].Content {
			for _, el := range para {
				parts = append(parts, el["text"]+el["href"])
			}
		}
		return strings.Join(parts, "\n")
	}
	return v.Data.Text
}

// unitsWaiting returns the units the claims wait for, sorted.
func unitsWaiting(claims []matcher.Claim) []string {
	var out []string
	for _, c := range claims {
		for _, s := range c.WaitsFor() {
			out = append(out, c.UnitOf(s))
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
