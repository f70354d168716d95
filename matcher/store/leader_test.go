package store

import (
	"context"
	"testing"
	"time"

	"github.com/allymatch/allymatch/internal/pgtest"
)

// One process at a time leads a work on one database; when the leader's
// session ends (its store closes, or the server ends the session) another
// takes over, and the former leader learns it lost.
func TestLeaderOnPostgres(t *testing.T) {
	srv := pgtest.Require(t)
	url := pgtest.NewDB(t)
	s1, _, err := Open(ctx, Options{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	defer s1.Close()
	s2, _, err := Open(ctx, Options{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if !s1.Shared() || !s2.Shared() {
		t.Fatal("a PostgreSQL store is not Shared")
	}
	held1, _, err := s1.Leader(ctx, "work")
	if err != nil {
		t.Fatal(err)
	}
	// Another work is led on its own.
	_, release, err := s2.Leader(ctx, "other")
	if err != nil {
		t.Fatal(err)
	}
	release()
	short, cancel := context.WithTimeout(ctx, 3*time.Second)
	if _, _, err := s2.Leader(short, "work"); err == nil {
		t.Fatal("two stores lead one work")
	}
	cancel()

	// The server ends the leader's session: s1 learns it, s2 takes over.
	if err := srv.Exec(url, `SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND pid <> pg_backend_pid()`); err != nil {
		t.Fatal(err)
	}
	select {
	case <-held1:
	case <-time.After(10 * time.Second):
		t.Fatal("the leader did not learn that its session ended")
	}
	wait, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	held2, _, err := s2.Leader(wait, "work")
	if err != nil {
		t.Fatalf("the other store did not take over: %v", err)
	}
	// The new leader's store closes: its leadership ends, s1 takes over.
	if err := s2.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-held2:
	default:
		t.Fatal("Close left the leadership held")
	}
	if _, release, err = s1.Leader(wait, "work"); err != nil {
		t.Fatalf("the first store did not take over again: %v", err)
	}
	release()
}

// A file store's process is the only one: it leads at once.
func TestLeaderOnFile(t *testing.T) {
	s, _, err := Open(ctx, Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Shared() {
		t.Fatal("a file store is Shared")
	}
	held, release, err := s.Leader(ctx, "work")
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-held:
		t.Fatal("held closed before release")
	default:
	}
	release()
	<-held
}
