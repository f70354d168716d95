package cmd

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/allymatch/allymatch/matcher/store"
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
	if !bytes.Contains(logs.Bytes(), []byte("generated one for this run")) || !bytes.Contains(logs.Bytes(), []byte(`"msg":"demo tokens"`)) {
		t.Errorf("logs do not say how to get demo tokens:\n%s", logs.String())
	}
	if !bytes.Contains(logs.Bytes(), []byte("seeded the new store")) {
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

// TestServeKill9KeepsAcknowledgedWrites builds the binary, serves on a
// loopback port, makes writes over HTTP while a kill -9 lands, restarts on
// the same folder and checks that every acknowledged write is there.
func TestServeKill9KeepsAcknowledgedWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "allymatch")
	build := exec.Command("go", "build", "-o", bin, "github.com/allymatch/allymatch")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	data := filepath.Join(tmp, "data")
	const admin = "e2e-admin-token"
	start := func() (*exec.Cmd, string, *lockedBuffer) {
		t.Helper()
		cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--data", data, "--admin-token", admin)
		stderr, err := cmd.StderrPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		logs := &lockedBuffer{}
		addr := make(chan string, 1)
		go func() {
			sc := bufio.NewScanner(stderr)
			for sc.Scan() {
				logs.Write(append(sc.Bytes(), '\n'))
				var line struct{ Msg, Addr string }
				if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "ready" {
					addr <- line.Addr
				}
			}
		}()
		select {
		case a := <-addr:
			return cmd, "http://" + a, logs
		case <-time.After(60 * time.Second):
			t.Fatalf("the server was not ready within 60s")
		}
		return nil, "", nil
	}
	client := &http.Client{Timeout: 10 * time.Second}
	call := func(base, method, path, token, body string) (int, []byte, error) {
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return 0, nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp.StatusCode, b, err
	}

	srv, base, _ := start()
	code, body, err := call(base, "POST", "/v1/tokens", admin, `{"role":"unit","unit":"lh-school"}`)
	if err != nil || code != 201 {
		t.Fatalf("POST /v1/tokens = %d %s %v", code, body, err)
	}
	var tok struct{ Token string }
	json.Unmarshal(body, &tok)
	code, body, err = call(base, "POST", "/v1/meetings/lh/proposals", admin, `{}`)
	if err != nil || code != 200 {
		t.Fatalf("propose = %d %s %v", code, body, err)
	}

	// Writers add items until the kill; the acknowledged ones are kept.
	var mu sync.Mutex
	var acked []string
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				id := fmt.Sprintf("E2E-%d-%d", w, i)
				code, _, err := call(base, "POST", "/v1/units/lh-school/items", tok.Token,
					`{"id":"`+id+`","kind":"demand","category":"tutoring","title":"作业辅导","quantity":1}`)
				if err != nil {
					return // the server is gone
				}
				if code == 201 {
					mu.Lock()
					acked = append(acked, id)
					mu.Unlock()
				}
			}
		})
	}
	time.Sleep(700 * time.Millisecond)
	if err := srv.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	srv.Wait()
	close(stop)
	wg.Wait()
	if len(acked) == 0 {
		t.Fatal("no write was acknowledged before the kill")
	}

	_, base, logs := start()
	for _, id := range acked {
		code, body, err := call(base, "GET", "/v1/items/"+id, tok.Token, "")
		if err != nil || code != 200 {
			t.Errorf("acknowledged item %s after kill -9 and restart: %d %s %v", id, code, body, err)
		}
	}
	code, body, _ = call(base, "GET", "/v1/claims?meeting=lh", admin, "")
	if code != 200 || !bytes.Contains(body, []byte(`"status":"proposed"`)) {
		t.Errorf("proposals after restart: %d %s", code, body)
	}
	if strings.Contains(logs.String(), "seeded") {
		t.Errorf("the restart seeded again:\n%s", logs)
	}
	t.Logf("%d acknowledged writes survived kill -9", len(acked))
}

// lockedBuffer is a bytes.Buffer safe for one writer and other readers.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// A refused store stops every command that opens one, with the message and
// the advice, and nothing is seeded or written.
func TestCommandsRefuseStoresThatAreNotWhole(t *testing.T) {
	bundleDir := writeFiles(t, map[string]string{"bundle.json": goodBundle})
	edits := filepath.Join(t.TempDir(), "edits.json")
	if err := os.WriteFile(edits, []byte(`[{"op":"set_quantity","item":"LH-R12","quantity":76}]`), 0o600); err != nil {
		t.Fatal(err)
	}
	commands := map[string]func(data string) []string{
		"serve": func(d string) []string {
			return []string{"serve", "--addr", "127.0.0.1:0", "--data", d, "--admin-token", "x"}
		},
		"load":   func(d string) []string { return []string{"load", "--data", d, bundleDir} },
		"match":  func(d string) []string { return []string{"match", "--data", d, "--meeting", "lh"} },
		"whatif": func(d string) []string { return []string{"whatif", "--data", d, "--meeting", "lh", "--edits", edits} },
	}
	folders := []struct {
		name  string
		files map[string]string // nil: no folder
		want  []string          // in stderr
		only  []string          // the commands the case is for (nil: all)
	}{
		{"0-byte allymatch.db", map[string]string{store.FileName: ""}, []string{"damaged: 0 bytes", "Restore", "from a backup", "only on purpose"}, nil},
		{"other files, no allymatch.db", map[string]string{"notes.txt": "x"}, []string{"not a store folder", "notes.txt", "put it back"}, []string{"serve", "load"}},
		{"missing folder", nil, []string{"no store", "Name the folder of an existing store"}, []string{"match", "whatif"}},
	}
	for _, f := range folders {
		for name, args := range commands {
			if f.only != nil && !slices.Contains(f.only, name) {
				continue
			}
			t.Run(f.name+"/"+name, func(t *testing.T) {
				data := filepath.Join(t.TempDir(), "data")
				if f.files != nil {
					if err := os.Mkdir(data, 0o750); err != nil {
						t.Fatal(err)
					}
					for n, body := range f.files {
						if err := os.WriteFile(filepath.Join(data, n), []byte(body), 0o600); err != nil {
							t.Fatal(err)
						}
					}
				}
				code, _, stderr := runCmd(t, args(data)...)
				if code != 1 {
					t.Errorf("exit %d, want 1; stderr:\n%s", code, stderr)
				}
				for _, w := range f.want {
					if !strings.Contains(stderr, w) {
						t.Errorf("stderr does not say %q:\n%s", w, stderr)
					}
				}
				if strings.Contains(stderr, "seeded") || strings.Contains(stderr, "goroutine ") {
					t.Errorf("stderr shows a seed or a stack trace:\n%s", stderr)
				}
				var names []string
				if es, err := os.ReadDir(data); err == nil {
					for _, e := range es {
						names = append(names, e.Name())
					}
				}
				var want []string
				for n := range f.files {
					want = append(want, n)
				}
				if fmt.Sprint(names) != fmt.Sprint(want) {
					t.Errorf("the folder holds %v after the refusal, want %v", names, want)
				}
				for n, body := range f.files {
					if got, err := os.ReadFile(filepath.Join(data, n)); err != nil || string(got) != body {
						t.Errorf("%s changed: %q, %v", n, got, err)
					}
				}
			})
		}
	}
}

func TestOpenAdvice(t *testing.T) {
	path := filepath.Join("data", store.FileName)
	cases := []struct {
		kind store.ErrorKind
		want []string
	}{
		{store.KindPermission, []string{"permission to read and write " + path, "owner"}},
		{store.KindReadOnly, []string{path + " is on a file system mounted read-only", "remount"}},
		{store.KindInUse, []string{"stop it first"}},
		{store.KindDamaged, []string{"Restore " + path + " from a backup", "serve seeds", "only on purpose"}},
		{store.KindNewer, []string{"newer allymatch", "run that version"}},
		{store.KindNotStore, []string{"put it back as data/allymatch.db/allymatch.db"}},
		{store.KindMissing, []string{"existing store"}},
		{store.KindIO, []string{"Check the disk"}},
	}
	for _, tc := range cases {
		t.Run(tc.kind.String(), func(t *testing.T) {
			err := fmt.Errorf("opening: %w", &store.OpenError{Path: path, Kind: tc.kind})
			got := openAdvice(err)
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("openAdvice(%s) = %q, want it to say %q", tc.kind, got, w)
				}
			}
		})
	}
	if got := openAdvice(errors.New("boom")); got != "" {
		t.Errorf("openAdvice(not an OpenError) = %q, want none", got)
	}
}

// A new install logs a one-time login link for the sample's coordinator,
// and the link logs into the desk without curl; a restart logs none.
func TestServeLogsAFirstLoginLink(t *testing.T) {
	dir := t.TempDir()
	logs := &lockedBuffer{}
	cfg := DefaultServeConfig()
	cfg.Addr, cfg.Data = "127.0.0.1:0", dir
	start := func() (*Server, context.CancelFunc, chan error) {
		s := NewServer(cfg, slog.New(slog.NewJSONHandler(logs, nil)))
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- s.Run(ctx) }()
		select {
		case <-s.Loaded():
		case err := <-done:
			t.Fatalf("serve: %v", err)
		}
		return s, cancel, done
	}
	s, cancel, done := start()
	linkRe := regexp.MustCompile(`"link":"(http://[^"]+/ui/login\?code=([A-Z0-9-]+))"`)
	var m []string
	for deadline := time.Now().Add(10 * time.Second); m == nil && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		m = linkRe.FindStringSubmatch(logs.String()) // logged just after the store is served
	}
	if m == nil {
		t.Fatalf("no login link in the logs of a new install:\n%s", logs.String())
	}
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	resp, err := client.Get(m[1])
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	csrf := regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`).FindSubmatch(page)
	if csrf == nil || !bytes.Contains(page, []byte(`value="`+m[2]+`"`)) {
		t.Fatalf("the link's page does not hold the code and a form: %.400s", page)
	}
	resp, err = client.PostForm("http://"+s.Addr()+"/ui/login", url.Values{"csrf": {string(csrf[1])}, "code": {m[2]}})
	if err != nil {
		t.Fatal(err)
	}
	page, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || bytes.Contains(page, []byte(`id="login"`)) || !bytes.Contains(page, []byte("lh")) {
		t.Errorf("logging in with the link's code: %d %.400s", resp.StatusCode, page)
	}
	cancel()
	<-done
	s.Close()
	before := strings.Count(logs.String(), `"link":"`)
	s, cancel, done = start()
	for deadline := time.Now().Add(10 * time.Second); strings.Count(logs.String(), "demo tokens") < 2 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	s.Close()
	if n := strings.Count(logs.String(), `"link":"`); n != before {
		t.Errorf("a restart logged another login link")
	}
}

// TestServeWarmsTheRollup: once ready, serve counts the district roll-up
// in the background (the log says so), and stops doing so at shutdown.
func TestServeWarmsTheRollup(t *testing.T) {
	logs := &lockedBuffer{}
	cfg := DefaultServeConfig()
	cfg.Addr, cfg.Data = "127.0.0.1:0", t.TempDir()
	s := NewServer(cfg, slog.New(slog.NewJSONHandler(logs, nil)))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	select {
	case <-s.Loaded():
	case err := <-done:
		t.Fatalf("serve: %v", err)
	}
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(logs.String(), `"msg":"district roll-up counted"`); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the roll-up was not counted after the start; logs:\n%s", logs.String())
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run after cancel = %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close = %v", err)
	}
	if strings.Contains(logs.String(), "warming the district roll-up") {
		t.Errorf("warming failed:\n%s", logs.String())
	}
}
