package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/allymatch/allymatch/matcher/notify"
)

// startServe runs serve on a free port of loopback with cfg's data and
// flags, until the test ends; it returns the base URL.
func startServe(t *testing.T, cfg ServeConfig) (string, *Server) {
	t.Helper()
	var logs lockedBuffer
	s := NewServer(cfg, slog.New(slog.NewJSONHandler(&logs, nil)))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run = %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Error("no shutdown within 15s")
		}
		s.Close()
		if strings.Contains(logs.String(), "secret-") || strings.Contains(logs.String(), "key=robot-key") {
			t.Errorf("the logs show a secret or a robot's key:\n%s", logs.String())
		}
	})
	select {
	case <-s.Loaded():
	case err := <-done:
		t.Fatalf("serve: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("not loaded within 30s")
	}
	return "http://" + s.Addr(), s
}

func call(t *testing.T, method, url, token, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestServeNotifies: serve with --allow-private-webhooks delivers a
// proposal run's digests to a receiver on loopback, with links on
// --public-url; without the flag, a loopback URL is refused.
func TestServeNotifies(t *testing.T) {
	var mu sync.Mutex
	var got []string
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct{ Markdown struct{ Content string } }
		json.NewDecoder(r.Body).Decode(&body)
		mu.Lock()
		got = append(got, body.Markdown.Content)
		mu.Unlock()
		io.WriteString(w, `{"errcode":0}`)
	}))
	defer rc.Close()

	cfg := DefaultServeConfig()
	cfg.Addr, cfg.Data, cfg.AdminToken = "127.0.0.1:0", t.TempDir(), "test-admin"
	s := NewServer(cfg, slog.New(slog.DiscardHandler))
	if err := s.ParseFlags(Stdio{Out: io.Discard, Err: io.Discard}, []string{"--allow-private-webhooks", "--public-url", "https://desk.example.org/"}); err != nil {
		t.Fatal(err)
	}
	cfg = s.Config
	cfg.Notify.Window, cfg.Notify.Tick = 0, 2*time.Millisecond
	base, _ := startServe(t, cfg)
	if code, body := call(t, http.MethodPost, base+"/v1/webhooks", "test-admin", `{"kind":"wecom","url":"`+rc.URL+`/send?key=robot-key","alliance":"lh"}`); code != 201 {
		t.Fatalf("subscribe: %d %s", code, body)
	}
	if code, body := call(t, http.MethodPost, base+"/v1/meetings/lh/proposals", "test-admin", `{}`); code != 200 {
		t.Fatalf("propose: %d %s", code, body)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) == 0 || !strings.Contains(got[0], "https://desk.example.org/ui/units/") {
		t.Fatalf("the receiver got %q", got)
	}

	plain := DefaultServeConfig()
	plain.Addr, plain.Data, plain.AdminToken = "127.0.0.1:0", t.TempDir(), "test-admin"
	base, _ = startServe(t, plain)
	code, body := call(t, http.MethodPost, base+"/v1/webhooks", "test-admin", `{"kind":"generic","url":"http://127.0.0.1/hook","alliance":"lh"}`)
	if code != 400 || !strings.Contains(body, `"field":"url"`) || !strings.Contains(body, "--allow-private-webhooks") {
		t.Errorf("a loopback URL without the flag: %d %s", code, body)
	}
}

func TestServePublicURLFlag(t *testing.T) {
	for _, bad := range []string{"ftp://x.example", "desk.example.org", "https://x.example/?a=1", "https://u:p@x.example"} {
		s := NewServer(DefaultServeConfig(), slog.New(slog.DiscardHandler))
		var errs bytes.Buffer
		if err := s.ParseFlags(Stdio{Out: io.Discard, Err: &errs}, []string{"--public-url", bad}); err == nil || !strings.Contains(err.Error(), "--public-url") {
			t.Errorf("--public-url %s: %v", bad, err)
		}
	}
	if DefaultServeConfig().Notify.RobotRate != notify.DefaultConfig().RobotRate {
		t.Error("serve's notify defaults are not notify's")
	}
}
