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

// Two processes on one database never lose an update: a write by one
// that the other has not read makes the other's next write a conflict,
// with nothing written, and a reopen sees every acknowledged write.
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
	_, err := b.Update(ctx, "test", "claim", nil, func(tx *Tx) error {
		return tx.PutClaim(testClaim("c1", 3, matcher.ClaimConfirmed))
	})
	if matcher.ErrorCode(err) != matcher.ECONFLICT || !strings.Contains(err.Error(), "another process") {
		t.Fatalf("the stale process's write = %v, want a conflict naming another process", err)
	}
	if b.Seq() != 1 {
		t.Errorf("the refused process is at seq %d, want 1", b.Seq())
	}

	// Both write at once: every write is acknowledged or refused, and
	// every acknowledged one is stored, with one seq each.
	var mu sync.Mutex
	acked := map[string]uint64{}
	var wg sync.WaitGroup
	for p, s := range []*Store{a, b} {
		for w := range 3 {
			wg.Go(func() {
				for i := range 15 {
					id := fmt.Sprintf("p%d-w%d-%d", p, w, i)
					ev, err := s.Update(ctx, "test", "unit", nil, func(tx *Tx) error { return tx.PutUnit(testUnit(id, "单位"+id)) })
					switch {
					case err == nil:
						mu.Lock()
						acked[id] = ev.Seq
						mu.Unlock()
					case matcher.ErrorCode(err) != matcher.ECONFLICT:
						t.Errorf("write %s = %v, want nil or a conflict", id, err)
					}
				}
			})
		}
	}
	wg.Wait()
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
	if err != nil || uint64(len(evs)) != sn.Seq || sn.Count(index.TableUnits) != 3+len(acked) {
		t.Errorf("%d events (%v), seq %d, %d units; want seq = events and 3 + %d units", len(evs), err, sn.Seq, sn.Count(index.TableUnits), len(acked))
	}
	if len(acked) == 0 {
		t.Error("no write was acknowledged")
	}
	t.Logf("%d writes acknowledged of 90, the others refused as conflicts", len(acked))
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
