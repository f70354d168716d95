package cmd

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/allymatch/allymatch/internal/pgtest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.CloseShared()
	os.Exit(code)
}

// load, match and migrate take a PostgreSQL URL wherever they take a data
// folder, and migrate moves a store there and back.
func TestCommandsOnPostgres(t *testing.T) {
	db := pgtest.NewDB(t)
	good := writeFiles(t, map[string]string{"bundle.json": goodBundle, "demands.csv": goodDemands})
	if code, out, stderr := runCmd(t, "load", "--store", db, good); code != 0 || !strings.Contains(out, "1 items") || !strings.Contains(out, "postgres://postgres@") {
		t.Fatalf("load --store URL = %d\nstdout: %s\nstderr: %s", code, out, stderr)
	}
	if code, out, stderr := runCmd(t, "match", "--data", db, "--json"); code != 0 || !strings.Contains(out, "LH-D01") {
		t.Fatalf("match --data URL = %d\nstdout: %s\nstderr: %s", code, out, stderr)
	}
	dir := filepath.Join(t.TempDir(), "copy")
	code, out, stderr := runCmd(t, "migrate", "--from", db, "--to", dir)
	if code != 0 || !strings.Contains(out, "checked: seq 1") || !strings.Contains(out, "items 1") {
		t.Fatalf("migrate to a folder = %d\nstdout: %s\nstderr: %s", code, out, stderr)
	}
	db2 := pgtest.NewDB(t)
	if code, out, stderr := runCmd(t, "migrate", "--from", dir, "--to", db2); code != 0 || !strings.Contains(out, "checked: seq 1") {
		t.Fatalf("migrate to a database = %d\nstdout: %s\nstderr: %s", code, out, stderr)
	}
	if code, _, stderr := runCmd(t, "migrate", "--from", dir, "--to", db2); code != 1 || !strings.Contains(stderr, "holds a store already") {
		t.Errorf("migrate into a store = %d, want 1 saying it holds a store; stderr: %s", code, stderr)
	}
	if code, _, stderr := runCmd(t, "migrate", "--from", dir); code != 2 || !strings.Contains(stderr, "--to: missing") {
		t.Errorf("migrate without --to = %d; stderr: %s", code, stderr)
	}
}

// A database that is not a store's is refused with what is wrong and
// what to do.
func TestCommandsRefuseDatabases(t *testing.T) {
	srv := pgtest.Require(t)
	db := pgtest.NewDB(t)
	if err := srv.Exec(db, "CREATE TABLE invoices (id int)"); err != nil {
		t.Fatal(err)
	}
	good := writeFiles(t, map[string]string{"bundle.json": goodBundle})
	code, _, stderr := runCmd(t, "load", "--data", db, good)
	if code != 1 || !strings.Contains(stderr, "another application (invoices)") || !strings.Contains(stderr, "search_path") {
		t.Errorf("load into another application's database = %d; stderr: %s", code, stderr)
	}
	code, _, stderr = runCmd(t, "match", "--data", "postgres://allymatch:pw@/allymatch?host="+t.TempDir()+"&port=1")
	if code != 1 || !strings.Contains(stderr, "cannot use the database: cannot connect") || !strings.Contains(stderr, "pg_hba.conf") || strings.Contains(stderr, ":pw@") {
		t.Errorf("match on an unreachable database = %d; stderr: %s", code, stderr)
	}
}

// serve --store URL seeds a new database with the Banan sample and serves
// it; a second server on the same database serves it too.
func TestServeOnPostgres(t *testing.T) {
	db := pgtest.NewDB(t)
	for i := range 2 {
		var logs lockedBuffer
		cfg := DefaultServeConfig()
		cfg.Addr = "127.0.0.1:0"
		s := NewServer(cfg, slog.New(slog.NewJSONHandler(&logs, nil)))
		if err := s.ParseFlags(Stdio{Out: &logs, Err: &logs}, []string{"--store", db, "--addr", "127.0.0.1:0"}); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- s.Run(ctx) }()
		select {
		case <-s.Loaded():
		case err := <-done:
			t.Fatalf("start %d: %v\n%s", i, err, logs.String())
		case <-time.After(60 * time.Second):
			t.Fatalf("start %d: not loaded in 60s\n%s", i, logs.String())
		}
		resp, err := http.Get("http://" + s.Addr() + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		var ready struct {
			Status string `json:"status"`
			Seq    uint64 `json:"seq"`
		}
		json.NewDecoder(resp.Body).Decode(&ready)
		resp.Body.Close()
		if ready.Status != "ready" || ready.Seq != 1 {
			t.Errorf("start %d: readyz = %+v, want ready at seq 1 (the Banan seed)", i, ready)
		}
		cancel()
		<-done
		s.Close()
		if seeded := strings.Contains(logs.String(), "seeded the new store"); seeded != (i == 0) {
			t.Errorf("start %d: seeded = %v", i, seeded)
		}
	}
}

// Two replicas serve the Banan sample on one database behind one address
// (a round-robin proxy): a write through the address is read back through
// it with min_seq, whichever replica answers, and each replica follows the
// other's writes.
func TestTwoReplicasBehindOneAddress(t *testing.T) {
	db := pgtest.NewDB(t)
	const admin = "replica-admin-token"
	var replicas []*Server
	for i := range 2 {
		var logs lockedBuffer
		cfg := DefaultServeConfig()
		cfg.Addr, cfg.Data, cfg.AdminToken = "127.0.0.1:0", db, admin
		s := NewServer(cfg, slog.New(slog.NewJSONHandler(&logs, nil)))
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- s.Run(ctx) }()
		t.Cleanup(func() { cancel(); <-done; s.Close() })
		select {
		case <-s.Loaded():
		case err := <-done:
			t.Fatalf("replica %d: %v\n%s", i, err, logs.String())
		case <-time.After(60 * time.Second):
			t.Fatalf("replica %d not loaded in 60s\n%s", i, logs.String())
		}
		replicas = append(replicas, s)
	}
	var next atomic.Int64
	proxies := make([]*httputil.ReverseProxy, len(replicas))
	for i, r := range replicas {
		proxies[i] = httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: r.Addr()})
	}
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proxies[next.Add(1)%int64(len(proxies))].ServeHTTP(w, r)
	}))
	defer front.Close()
	call := func(method, path, token, body string) (int, string, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, front.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("X-Allymatch-Seq"), b
	}
	code, _, body := call("POST", "/v1/tokens", admin, `{"role":"unit","unit":"lh-school"}`)
	if code != 201 {
		t.Fatalf("POST /v1/tokens = %d %s", code, body)
	}
	var tok struct{ Token string }
	json.Unmarshal(body, &tok)
	var lags []time.Duration
	for i := range 20 {
		id := fmt.Sprintf("REP-%d", i)
		code, seqText, body := call("POST", "/v1/units/lh-school/items", tok.Token, `{"id":"`+id+`","kind":"demand","category":"tutoring","title":"作业辅导","quantity":1}`)
		seq, err := strconv.ParseUint(seqText, 10, 64)
		if code != 201 || err != nil || seq < 2 {
			t.Fatalf("write %s = %d, seq %q; %s", id, code, seqText, body)
		}
		written := time.Now()
		// The replica that did not take the write follows it.
		wctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		for _, r := range replicas {
			if err := r.store.WaitSeq(wctx, seq); err != nil {
				t.Errorf("a replica did not reach seq %d: %v", seq, err)
			}
		}
		cancel()
		lags = append(lags, time.Since(written))
		code, _, body = call("GET", "/v1/items/"+id+"?min_seq="+seqText, tok.Token, "")
		if code != 200 {
			t.Errorf("read %s with min_seq %d = %d %s", id, seq, code, body)
		}
	}
	if code, _, body := call("GET", "/v1/items/REP-0?min_seq=x", tok.Token, ""); code != 400 || !strings.Contains(string(body), "min_seq") {
		t.Errorf("min_seq=x = %d %s, want a 400 naming min_seq", code, body)
	}
	if code, _, body := call("GET", "/v1/items/REP-0?min_seq=999999", tok.Token, ""); code != 503 || !strings.Contains(string(body), "behind min_seq 999999") {
		t.Errorf("min_seq ahead = %d %s, want a 503", code, body)
	}
	// The same item made on both replicas at once: one makes it, the
	// other is told it exists, never a silent overwrite.
	for i := range 5 {
		id := fmt.Sprintf("BOTH-%d", i)
		codes := make(chan int, 2)
		for r, rep := range replicas {
			go func() {
				body := fmt.Sprintf(`{"id":%q,"kind":"demand","category":"tutoring","title":"副本%d","quantity":%d}`, id, r, r+1)
				req, _ := http.NewRequest("POST", "http://"+rep.Addr()+"/v1/units/lh-school/items", strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+tok.Token)
				req.Header.Set("Content-Type", "application/json")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					codes <- 0
					return
				}
				resp.Body.Close()
				codes <- resp.StatusCode
			}()
		}
		got := []int{<-codes, <-codes}
		slices.Sort(got)
		if got[0] != 201 || got[1] != 409 {
			t.Errorf("%s made on both replicas at once: %v, want one 201 and one 409", id, got)
		}
	}
	slices.Sort(lags)
	t.Logf("a write visible on both replicas after: median %s, max %s (20 writes, one at a time)", lags[len(lags)/2], lags[len(lags)-1])
}
