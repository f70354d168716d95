package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/allymatch/allymatch/internal/pgtest"
	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
)

// Two processes on one database never lose an update: a write runs on
// the state with every write the other process committed (it catches up
// inside its transaction), every write gets a seq of its own, a reopen
// sees every acknowledged write, and each process follows the other's
// writes within moments.
func TestPostgresTwoProcessesNeverLoseAnUpdate(t *testing.T) {
	opts := Options{URL: pgtest.NewDB(t)}
	a := openAt(t, opts)
	seed(t, a)
	b := openAt(t, opts)
	if _, err := a.Update(ctx, "test", "claim", nil, func(tx *Tx) error {
		return tx.PutClaim(testClaim("c1", 1, matcher.ClaimProposed))
	}); err != nil {
		t.Fatal(err)
	}
	var seen *matcher.Claim
	ev, err := b.Update(ctx, "test", "claim", nil, func(tx *Tx) error {
		seen, _ = tx.Claim("c1")
		return tx.PutClaim(testClaim("c2", 1, matcher.ClaimProposed))
	})
	if err != nil || seen == nil || ev.Seq != 3 {
		t.Fatalf("the second process's write = %+v, %v, saw c1 %v; want seq 3 on a state with c1", ev, err, seen)
	}
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := a.WaitSeq(wctx, 3); err != nil {
		t.Fatalf("the first process did not follow the second's write: %v (at seq %d)", err, a.Seq())
	}
	if _, err := a.Snapshot().Claim("c2"); err != nil {
		t.Errorf("the first process follows seq 3 but not its claim c2")
	}

	// Both write at once: every write is acknowledged, with a seq of its
	// own, and stored.
	var mu sync.Mutex
	acked := map[string]uint64{}
	var wg sync.WaitGroup
	for p, s := range []*Store{a, b} {
		for w := range 3 {
			wg.Go(func() {
				for i := range 15 {
					id := fmt.Sprintf("p%d-w%d-%d", p, w, i)
					ev, err := s.Update(ctx, "test", "unit", nil, func(tx *Tx) error { return tx.PutUnit(testUnit(id, "单位"+id)) })
					if err != nil {
						t.Errorf("write %s = %v", id, err)
						continue
					}
					mu.Lock()
					acked[id] = ev.Seq
					mu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	for _, s := range []*Store{a, b} {
		if err := s.WaitSeq(wctx, 3+90); err != nil {
			t.Errorf("a process is at seq %d, want 93", s.Seq())
		}
		if n := s.Snapshot().Count(index.TableUnits); n != 93 {
			t.Errorf("a process serves %d units, want 93", n)
		}
	}
	a.Close()
	b.Close()
	c := openAt(t, opts)
	sn := c.Snapshot()
	seqs := map[uint64]string{}
	for id, seq := range acked {
		if _, err := sn.Unit(id); err != nil {
			t.Errorf("acknowledged unit %s lost", id)
		}
		if other, dup := seqs[seq]; dup {
			t.Errorf("units %s and %s were both acknowledged as seq %d", id, other, seq)
		}
		seqs[seq] = id
	}
	evs, err := c.Events(0, 1<<20, nil)
	if err != nil || uint64(len(evs)) != sn.Seq || sn.Seq != 93 || len(acked) != 90 {
		t.Errorf("%d events (%v), seq %d, %d acknowledged; want 93, 93, 90", len(evs), err, sn.Seq, len(acked))
	}
}

// A refused start names what is wrong and writes nothing.
func TestPostgresRefusals(t *testing.T) {
	srv := pgtest.Require(t)
	t.Run("unreachable", func(t *testing.T) {
		u := fmt.Sprintf("postgres://allymatch:s3cret@/allymatch?host=%s&port=1&connect_timeout=2", t.TempDir())
		start := time.Now()
		_, _, err := Open(ctx, Options{URL: u})
		oe := wantOpenError(t, err, KindUnreachable, "", "cannot connect")
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("the error shows the password: %v", err)
		}
		if !strings.Contains(oe.Path, "allymatch:xxxxx@") {
			t.Errorf("the error names %q, want the URL without its password", oe.Path)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("took %s", d)
		}
	})
	t.Run("no such database", func(t *testing.T) {
		_, _, err := Open(ctx, Options{URL: srv.URL("nope")})
		wantOpenError(t, err, KindUnreachable, srv.URL("nope"), "cannot connect", `database "nope" does not exist`)
	})
	t.Run("bad URL", func(t *testing.T) {
		_, _, err := Open(ctx, Options{URL: "postgres://a:b@host:notaport/db"})
		wantOpenError(t, err, KindUnreachable, "", "not a valid PostgreSQL URL")
	})
	t.Run("another application's tables", func(t *testing.T) {
		opts := Options{URL: pgtest.NewDB(t)}
		for _, sql := range []string{"CREATE TABLE orders (id int)", "CREATE TABLE customers (id int)", "CREATE VIEW big_orders AS SELECT * FROM orders", "CREATE TABLE items (id int)"} {
			if err := srv.Exec(opts.URL, sql); err != nil {
				t.Fatal(err)
			}
		}
		before := rawState(t, opts)
		_, _, err := Open(ctx, opts)
		wantOpenError(t, err, KindNotStore, where(opts), "tables of another application (big_orders, customers, items and 1 more)", "no allymatch store")
		if after := rawState(t, opts); after != before {
			t.Errorf("the refused database changed:\n%s\nwant\n%s", after, before)
		}
	})
	t.Run("newer schema", func(t *testing.T) {
		opts := Options{URL: pgtest.NewDB(t)}
		seededStore(t, opts)
		if err := srv.Exec(opts.URL, "INSERT INTO "+pgSchemaTable+" (version_id, is_applied) VALUES (99, true)"); err != nil {
			t.Fatal(err)
		}
		before := rawState(t, opts)
		_, _, err := Open(ctx, opts)
		wantOpenError(t, err, KindNewer, where(opts), fmt.Sprintf("schema version 99; this allymatch knows versions up to %d", pgSchemaVersion()))
		if after := rawState(t, opts); after != before {
			t.Errorf("the refused database changed:\n%s\nwant\n%s", after, before)
		}
	})
	t.Run("our tables without the schema version", func(t *testing.T) {
		opts := Options{URL: pgtest.NewDB(t)}
		seededStore(t, opts)
		if err := srv.Exec(opts.URL, "DROP TABLE "+pgSchemaTable); err != nil {
			t.Fatal(err)
		}
		_, _, err := Open(ctx, opts)
		wantOpenError(t, err, KindDamaged, where(opts), "not allymatch_schema")
	})
	t.Run("no store and NoCreate", func(t *testing.T) {
		opts := Options{URL: pgtest.NewDB(t), NoCreate: true}
		before := rawState(t, opts)
		_, _, err := Open(ctx, opts)
		wantOpenError(t, err, KindMissing, where(opts), "holds no store")
		if after := rawState(t, opts); after != before {
			t.Errorf("the database changed:\n%s", after)
		}
	})
}

// A new install whose OnCreate fails leaves the database as it was; one
// that died before OnCreate ended is installed again at the next start.
func TestPostgresNewInstall(t *testing.T) {
	opts := Options{URL: pgtest.NewDB(t)}
	empty := rawState(t, opts)
	failing := opts
	failing.OnCreate = func(ctx context.Context, s *Store) error {
		seed(t, s)
		return errors.New("the seed failed")
	}
	if _, _, err := Open(ctx, failing); err == nil || !strings.Contains(err.Error(), "the seed failed") || !strings.Contains(err.Error(), "nothing was kept") {
		t.Fatalf("Open with a failing OnCreate = %v", err)
	}
	if after := rawState(t, opts); after != empty {
		t.Errorf("after a failed install the database holds:\n%s", after)
	}

	seededStore(t, opts)
	rawUpdate(t, opts, putMeta(keyInstalling, []byte("1"))) // as if OnCreate had not returned
	s, st, err := Open(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !st.Created || s.Seq() != 0 {
		t.Errorf("Open after an unfinished install: %+v, seq %d; want a new install at seq 0", st, s.Seq())
	}
}

// A database of an older schema version is migrated at open, its data
// kept.
func TestPostgresSchemaMigrates(t *testing.T) {
	srv := pgtest.Require(t)
	opts := Options{URL: pgtest.NewDB(t)}
	seededStore(t, opts)
	// Back to schema version 1, as an allymatch before the change log
	// left it.
	if err := srv.Exec(opts.URL, "DROP TABLE allymatch_changes; DELETE FROM "+pgSchemaTable+" WHERE version_id = 2"); err != nil {
		t.Fatal(err)
	}
	s, st, err := Open(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if st.Migrated != "schema 1" || st.Seq != 2 || s.Snapshot().Count(index.TableItems) != 2 {
		t.Errorf("Open = %+v, want migrated from schema 1 with seq 2 and 2 items", st)
	}
	if _, err := s.Update(ctx, "test", "unit", nil, func(tx *Tx) error { return tx.PutUnit(testUnit("u9", "单位")) }); err != nil {
		t.Errorf("a write after the migration = %v", err)
	}
}

// PostgreSQL restarts during a stream of writes: the writes that fail
// while it is down are not acknowledged, every acknowledged one is kept,
// and both processes reconnect and catch up.
func TestPostgresRestartDuringWrites(t *testing.T) {
	pgtest.Require(t)
	srv, err := pgtest.Start(pgtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	u, err := srv.CreateDB()
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{URL: u}
	a := openAt(t, opts)
	seed(t, a)
	b := openAt(t, opts)
	var mu sync.Mutex
	var acked []string
	failed := 0
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for p, s := range []*Store{a, b} {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				id := fmt.Sprintf("p%d-%d", p, i)
				_, err := s.Update(ctx, "test", "unit", nil, func(tx *Tx) error { return tx.PutUnit(testUnit(id, "单位"+id)) })
				mu.Lock()
				if err == nil {
					acked = append(acked, id)
				} else {
					failed++
				}
				mu.Unlock()
				if err != nil {
					time.Sleep(20 * time.Millisecond)
				}
			}
		})
	}
	time.Sleep(300 * time.Millisecond)
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond) // writes go on after the restart
	close(stop)
	wg.Wait()
	mu.Lock()
	n := len(acked)
	mu.Unlock()
	t.Logf("%d writes acknowledged, %d refused while PostgreSQL restarted", n, failed)
	if n == 0 {
		t.Fatal("no write was acknowledged")
	}
	// Both processes reach the database's sequence and serve every
	// acknowledged write.
	final := openAt(t, opts)
	wctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	for i, s := range []*Store{a, b, final} {
		if err := s.WaitSeq(wctx, final.Seq()); err != nil {
			t.Fatalf("process %d at seq %d, the database at %d: %v", i, s.Seq(), final.Seq(), err)
		}
		sn := s.Snapshot()
		for _, id := range acked {
			if _, err := sn.Unit(id); err != nil {
				t.Errorf("process %d: acknowledged unit %s missing", i, id)
			}
		}
	}
	evs, err := final.Events(0, 1<<20, nil)
	if err != nil || uint64(len(evs)) != final.Seq() || final.Snapshot().Count(index.TableUnits) != 3+len(evs)-1 {
		t.Errorf("%d events (%v), seq %d, %d units", len(evs), err, final.Seq(), final.Snapshot().Count(index.TableUnits))
	}
	if a.FollowError() != nil || b.FollowError() != nil {
		t.Errorf("still not following after the restart: %v, %v", a.FollowError(), b.FollowError())
	}
}
