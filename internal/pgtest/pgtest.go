// Package pgtest runs a throwaway PostgreSQL server for tests and
// benchmarks: initdb in a temporary folder, the server listening on a unix
// socket in that folder only (no TCP), stopped and removed at the end.
//
// The binaries are found under /usr/lib/postgresql/*/bin (Debian's
// packages; the highest version wins), on PATH, or in $ALLYMATCH_PG_BIN.
// PostgreSQL refuses to run as root: as root, initdb and the server run as
// the unprivileged user $ALLYMATCH_PG_USER (default "postgres", which
// Debian's package creates, else "nobody"), owning the temporary folder.
//
// Where PostgreSQL is not installed, Require skips the test with a message
// saying so, unless $CI is set, where it fails: CI installs PostgreSQL
// (.ci/run) and must run these tests.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// ErrAbsent says that no PostgreSQL binaries were found.
var ErrAbsent = errors.New("PostgreSQL is not installed (no initdb and postgres under /usr/lib/postgresql/*/bin, on PATH or in $ALLYMATCH_PG_BIN)")

// Server is a running PostgreSQL of a test.
type Server struct {
	Dir  string // the temporary folder: data/, the socket, log
	Port int    // names the socket (.s.PGSQL.Port); nothing listens on TCP
	bin  string
	cred *syscall.Credential // nil: run as the current user
	opts Options
	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
	dbs  int
}

// Options configure Start.
type Options struct {
	// Durable keeps fsync on (benchmarks of write latency); tests run
	// with fsync off: they kill processes, not the machine.
	Durable bool
}

// Bin returns the folder of the PostgreSQL binaries, or ErrAbsent.
func Bin() (string, error) {
	if d := os.Getenv("ALLYMATCH_PG_BIN"); d != "" {
		if _, err := os.Stat(filepath.Join(d, "postgres")); err != nil {
			return "", fmt.Errorf("%w: $ALLYMATCH_PG_BIN is %s, which has no postgres", ErrAbsent, d)
		}
		return d, nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(dirs, func(a, b string) int {
		va, _ := strconv.Atoi(filepath.Base(filepath.Dir(a)))
		vb, _ := strconv.Atoi(filepath.Base(filepath.Dir(b)))
		return vb - va
	})
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "postgres")); err == nil {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		if _, err := exec.LookPath("postgres"); err == nil {
			return filepath.Dir(p), nil
		}
	}
	return "", ErrAbsent
}

// Start runs a new server. It returns ErrAbsent when PostgreSQL is not
// installed.
func Start(opts Options) (*Server, error) {
	bin, err := Bin()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "allymatch-pg-")
	if err != nil {
		return nil, err
	}
	s := &Server{Dir: dir, Port: 20000 + rand.IntN(40000), bin: bin, opts: opts}
	if os.Geteuid() == 0 {
		if s.cred, err = unprivileged(); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		if err := os.Chown(dir, int(s.cred.Uid), int(s.cred.Gid)); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	out, err := s.command("initdb", "-D", s.data(), "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--no-locale", "--no-sync", "--no-instructions").CombinedOutput()
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("pgtest: initdb: %v\n%s", err, out)
	}
	if err := s.start(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return s, nil
}

// unprivileged returns the user PostgreSQL runs as under root.
func unprivileged() (*syscall.Credential, error) {
	names := []string{"postgres", "nobody"}
	if n := os.Getenv("ALLYMATCH_PG_USER"); n != "" {
		names = []string{n}
	}
	for _, n := range names {
		u, err := user.Lookup(n)
		if err != nil {
			continue
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if uid == 0 {
			continue
		}
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
	}
	return nil, fmt.Errorf("pgtest: running as root, and none of the users %s exists to run PostgreSQL as (initdb refuses root); create one or set ALLYMATCH_PG_USER", strings.Join(names, ", "))
}

func (s *Server) data() string { return filepath.Join(s.Dir, "data") }

func (s *Server) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(s.bin, name), args...)
	cmd.Dir = s.Dir
	cmd.Env = append(os.Environ(), "LC_ALL=C", "TZ=UTC")
	// The server dies with the test process, even on SIGKILL: no
	// PostgreSQL is left running on the machine.
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred, Pdeathsig: syscall.SIGQUIT}
	return cmd
}

// start runs the server on the existing data folder and waits until it
// accepts connections.
func (s *Server) start() error {
	args := []string{"-D", s.data(), "-k", s.Dir, "-p", strconv.Itoa(s.Port),
		"-c", "listen_addresses=", "-c", "max_connections=200", "-c", "shared_buffers=32MB"}
	if !s.opts.Durable {
		args = append(args, "-c", "fsync=off", "-c", "full_page_writes=off")
	}
	logf, err := os.OpenFile(filepath.Join(s.Dir, "log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	cmd := s.command("postgres", args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("pgtest: starting postgres: %w", err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); logf.Close(); close(done) }()
	s.mu.Lock()
	s.cmd, s.done = cmd, done
	s.mu.Unlock()
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		c, err := pgx.Connect(ctx, s.URL("postgres"))
		cancel()
		if err == nil {
			c.Close(context.Background())
			return nil
		}
		select {
		case <-done:
			log, _ := os.ReadFile(filepath.Join(s.Dir, "log"))
			return fmt.Errorf("pgtest: postgres exited at start:\n%s", log)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.kill()
			return fmt.Errorf("pgtest: postgres not ready within 60s: %v", err)
		}
	}
}

// URL returns the connection URL of database db.
func (s *Server) URL(db string) string {
	return fmt.Sprintf("postgres://postgres@/%s?host=%s&port=%d", db, url.QueryEscape(s.Dir), s.Port)
}

// CreateDB makes a new empty database and returns its URL.
func (s *Server) CreateDB() (string, error) {
	s.mu.Lock()
	s.dbs++
	name := fmt.Sprintf("t%d", s.dbs)
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, s.URL("postgres"))
	if err != nil {
		return "", err
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", err
	}
	return s.URL(name), nil
}

// Exec runs sql on database db (the name in a URL of CreateDB).
func (s *Server) Exec(dbURL, sql string, args ...any) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	_, err = c.Exec(ctx, sql, args...)
	return err
}

// Stop shuts the server down (fast: open sessions are ended) and waits.
func (s *Server) Stop() {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		<-done
	}
}

// Restart stops the server and starts it again on the same data.
func (s *Server) Restart() error {
	s.Stop()
	return s.start()
}

func (s *Server) kill() {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.mu.Unlock()
	if cmd != nil {
		cmd.Process.Kill()
		<-done
	}
}

// Close stops the server and removes its folder.
func (s *Server) Close() {
	s.Stop()
	os.RemoveAll(s.Dir)
}

var (
	shared     *Server
	sharedErr  error
	sharedOnce sync.Once
)

// Shared returns the server shared by the tests of one test binary,
// starting it on first use; CloseShared (from TestMain) stops it.
func Shared() (*Server, error) {
	sharedOnce.Do(func() { shared, sharedErr = Start(Options{}) })
	return shared, sharedErr
}

// CloseShared stops the shared server, if one was started.
func CloseShared() {
	if shared != nil {
		shared.Close()
	}
}

// Require returns the shared server, skipping tb when PostgreSQL is not
// installed (failing it when $CI is set) and failing it when the server
// does not start.
func Require(tb testing.TB) *Server {
	tb.Helper()
	s, err := Shared()
	if errors.Is(err, ErrAbsent) {
		if os.Getenv("CI") != "" {
			tb.Fatalf("%v; CI must run the PostgreSQL tests: .ci/run installs it (apt-get install -y postgresql)", err)
		}
		tb.Skipf("skipped: %v; install postgresql (apt-get install -y postgresql) to run it", err)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// NewDB returns the URL of a new empty database on the shared server (see
// Require).
func NewDB(tb testing.TB) string {
	tb.Helper()
	u, err := Require(tb).CreateDB()
	if err != nil {
		tb.Fatal(err)
	}
	return u
}
