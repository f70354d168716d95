package notify

import (
	"net/http"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/allymatch/allymatch/fixtures"
	"github.com/allymatch/allymatch/internal/pgtest"
	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/match"
	"github.com/allymatch/allymatch/matcher/service"
	"github.com/allymatch/allymatch/matcher/store"
)

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.CloseShared()
	os.Exit(code)
}

// counting counts the requests a notifier sends.
type counting struct{ n atomic.Int64 }

func (c *counting) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return http.DefaultTransport.RoundTrip(r)
}

// leads reports whether n is its store's dispatcher.
func leads(n *Notifier) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.resign != nil
}

// TestOneDispatcherAmongReplicas: two replicas on one PostgreSQL
// database: only the leader sends, the other replica's notes and
// subscriptions included; when the leader's process stops, the other
// takes over and delivers what is left, with the same ids.
func TestOneDispatcherAmongReplicas(t *testing.T) {
	url := pgtest.NewDB(t)
	st1, _, err := store.Open(ctx, store.Options{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	defer st1.Close()
	if _, err := st1.Import(ctx, fixtures.MustBanan(t), "system"); err != nil {
		t.Fatal(err)
	}
	st2, _, err := store.Open(ctx, store.Options{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	cfg := testConfig()
	cfg.MaxAttempts, cfg.Backoff, cfg.MaxBackoff = 1000, 20*time.Millisecond, 50*time.Millisecond
	var sent1, sent2 counting
	cfg1, cfg2 := cfg, cfg
	cfg1.Client, cfg2.Client = &http.Client{Transport: &sent1}, &http.Client{Transport: &sent2}
	n1, err := New(st1, cfg1)
	if err != nil {
		t.Fatal(err)
	}
	n1.Start()
	defer n1.Close()
	waitFor(t, "replica 1 to lead", func() bool { return leads(n1) })
	n2, err := New(st2, cfg2)
	if err != nil {
		t.Fatal(err)
	}
	n2.Start()
	defer n2.Close()

	var open atomic.Bool
	rc := newReceiver(t)
	rc.answer = func(int, *http.Request) (int, string) {
		if !open.Load() {
			return 500, "down"
		}
		return 200, `{"errcode":0,"errmsg":"ok"}`
	}
	// Everything is written through replica 2; replica 1 dispatches.
	if _, err := n2.Subscribe(ctx, matcher.UnitActor("lh-school"), SubscribeRequest{Kind: Generic, URL: rc.URL + "/school"}, "https://desk.example"); err != nil {
		t.Fatal(err)
	}
	if _, err := n2.Subscribe(ctx, matcher.Coordinator("lh"), SubscribeRequest{Kind: WeCom, URL: rc.URL + "/wecom"}, "https://desk.example"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "replica 1 to see the subscriptions", func() bool { return len(st1.SideAll(store.SideWebhooks)) == 2 })
	if _, err := service.New(st2).ProposeBy(ctx, matcher.Admin, "lh", match.DefaultSettings(), time.Now().Add(72*time.Hour).Truncate(time.Minute)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "replica 1 to try both targets", func() bool { return len(rc.at("/school")) > 0 && len(rc.at("/wecom")) > 0 })
	if leads(n2) || sent2.n.Load() != 0 {
		t.Fatalf("replica 2 sent %d requests (leads: %v) while replica 1 led", sent2.n.Load(), leads(n2))
	}

	// The leader's process stops with every message undelivered; the
	// receivers come back.
	if err := n1.Close(); err != nil {
		t.Fatal(err)
	}
	if err := st1.Close(); err != nil {
		t.Fatal(err)
	}
	before := sent1.n.Load()
	open.Store(true)
	waitFor(t, "replica 2 to deliver everything", func() bool {
		msgs := storedMessages(t, st2)
		for _, m := range msgs {
			if m.Status != Delivered {
				return false
			}
		}
		return len(msgs) > 0
	})
	if !leads(n2) || sent1.n.Load() != before {
		t.Fatalf("replica 2 leads: %v; replica 1 sent %d requests after it stopped", leads(n2), sent1.n.Load()-before)
	}
	// Every message arrived (answered 200) with its id; no id is new.
	ok := map[string]bool{}
	ids := map[string]bool{}
	for _, r := range rc.at("") {
		ids[r.Header.Get("webhook-id")] = true
	}
	msgs := storedMessages(t, st2)
	for _, m := range msgs {
		ok[m.ID] = true
		if !ids[m.ID] {
			t.Errorf("message %s (%s) was never sent", m.ID, m.Sub)
		}
	}
	for _, r := range rc.at("/school") {
		if id := r.Header.Get("webhook-id"); !ok[id] {
			t.Errorf("a request with id %q that no message has", id)
		}
	}
	if len(msgs) < 2 {
		t.Errorf("%d messages, want one per target at least", len(msgs))
	}
}

// storedMessages reads the messages as the store holds them.
func storedMessages(t *testing.T, st *store.Store) []*Message {
	t.Helper()
	var out []*Message
	if err := st.SideView(func(sd *store.Side) error {
		var err error
		out, err = loadMessages(sd, nil)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// waitFor polls cond for up to 20 seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
