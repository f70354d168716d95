package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
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
		var logs bytes.Buffer
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
		if seeded := strings.Contains(logs.String(), "seeded the new store"); seeded != (i == 0) {
			t.Errorf("start %d: seeded = %v", i, seeded)
		}
		cancel()
		<-done
		s.Close()
	}
}
