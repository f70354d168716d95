package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"testing"
	"time"
)

func TestServeSeedsAndShutsDown(t *testing.T) {
	dir := t.TempDir()
	var logs bytes.Buffer
	cfg := DefaultServeConfig()
	cfg.Addr, cfg.Data = "127.0.0.1:0", dir
	s := NewServer(cfg, slog.New(slog.NewJSONHandler(&logs, nil)))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	base := "http://" + s.Addr()
	if base == "http://" {
		t.Fatalf("server did not listen: %v", <-done)
	}
	resp, err := http.Get(base + "/healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /healthz = %v, %v; want 200", resp, err)
	}
	resp.Body.Close()
	var ready struct {
		Status string `json:"status"`
		Seq    uint64 `json:"seq"`
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(base + "/readyz")
		if err == nil && resp.StatusCode == http.StatusOK {
			json.NewDecoder(resp.Body).Decode(&ready)
			resp.Body.Close()
			break
		}
		if resp != nil {
			resp.Body.Close()
		}
		if time.Now().After(deadline) {
			t.Fatalf("not ready after 30s; logs:\n%s", logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if ready.Status != "ready" || ready.Seq != 1 {
		t.Errorf("readyz = %+v, want ready at seq 1 (the Banan seed)", ready)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run after cancel = %v, want nil", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("no graceful shutdown within 15s")
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close = %v", err)
	}
	if !bytes.Contains(logs.Bytes(), []byte("seeded an empty store")) {
		t.Errorf("logs do not say the store was seeded:\n%s", logs.String())
	}

	// A second start on the same folder does not seed again.
	logs.Reset()
	s2 := NewServer(cfg, slog.New(slog.NewJSONHandler(&logs, nil)))
	ctx2, cancel2 := context.WithCancel(context.Background())
	go func() { done <- s2.Run(ctx2) }()
	select {
	case <-s2.Loaded():
	case err := <-done:
		t.Fatalf("second start failed: %v", err)
	}
	cancel2()
	<-done
	s2.Close()
	if bytes.Contains(logs.Bytes(), []byte("seeded")) {
		t.Errorf("second start seeded again:\n%s", logs.String())
	}
}

func TestMainHelpListsCommands(t *testing.T) {
	var out bytes.Buffer
	if code := Main(context.Background(), []string{"--help"}, Stdio{Out: &out, Err: &out}); code != 0 {
		t.Errorf("--help exit = %d, want 0", code)
	}
	for _, c := range []string{"serve", "load"} {
		if !bytes.Contains(out.Bytes(), []byte(c)) {
			t.Errorf("--help does not list %q:\n%s", c, out.String())
		}
	}
	out.Reset()
	if code := Main(context.Background(), []string{"frobnicate"}, Stdio{Out: &out, Err: &out}); code != 2 {
		t.Errorf("unknown command exit = %d, want 2", code)
	}
}
