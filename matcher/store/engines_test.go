package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	bolt "go.etcd.io/bbolt"

	"github.com/allymatch/allymatch/internal/pgtest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.CloseShared()
	os.Exit(code)
}

// The store's contract is tested on both engines: fresh returns the
// options of a new, empty place for a store (a folder; a database on the
// tests' PostgreSQL, skipped where PostgreSQL is not installed, failed in
// CI).
var engineCases = []struct {
	name  string
	fresh func(tb testing.TB) Options
}{
	{"bbolt", func(tb testing.TB) Options { return Options{Dir: tb.TempDir()} }},
	{"postgres", func(tb testing.TB) Options { return Options{URL: pgtest.NewDB(tb)} }},
}

func forEachEngine(t *testing.T, fn func(t *testing.T, fresh func(testing.TB) Options)) {
	for _, e := range engineCases {
		t.Run(e.name, func(t *testing.T) { fn(t, e.fresh) })
	}
}

// openAt opens the store at opts, failing tb on an error; it is closed at
// the end of the test.
func openAt(tb testing.TB, opts Options) *Store {
	tb.Helper()
	s, _, err := Open(ctx, opts)
	if err != nil {
		tb.Fatalf("Open(%s) = %v, want nil", where(opts), err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

func where(opts Options) string {
	if opts.URL != "" {
		return Redact(opts.URL)
	}
	return filepath.Join(opts.Dir, FileName)
}

// rawUpdate applies edit to the (closed) store at opts through its engine
// alone, as a program other than allymatch would.
func rawUpdate(tb testing.TB, opts Options, edit func(kvTx) error) {
	tb.Helper()
	if opts.URL == "" {
		db, err := bolt.Open(filepath.Join(opts.Dir, FileName), 0o600, nil)
		if err != nil {
			tb.Fatal(err)
		}
		defer db.Close()
		if err := (boltEngine{db}).update(ctx, edit); err != nil {
			tb.Fatal(err)
		}
		return
	}
	pool, err := pgxpool.New(ctx, opts.URL)
	if err != nil {
		tb.Fatal(err)
	}
	defer pool.Close()
	if err := (pgEngine{pool}).update(ctx, edit); err != nil {
		tb.Fatal(err)
	}
}

// rawState returns everything the place of opts holds (the folder's
// entries and the file's bytes; the schema's tables and their rows), to
// check that a refused Open wrote nothing.
func rawState(tb testing.TB, opts Options) string {
	tb.Helper()
	if opts.URL == "" {
		var b strings.Builder
		b.WriteString(entries(tb, opts.Dir))
		if data, err := os.ReadFile(filepath.Join(opts.Dir, FileName)); err == nil {
			fmt.Fprintf(&b, "\n%d bytes: %x", len(data), data)
		}
		return b.String()
	}
	c, err := pgx.Connect(ctx, opts.URL)
	if err != nil {
		tb.Fatal(err)
	}
	defer c.Close(ctx)
	var b strings.Builder
	rows, err := c.Query(ctx, `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'v') ORDER BY 1`)
	if err != nil {
		tb.Fatal(err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		tb.Fatal(err)
	}
	for _, t := range tables {
		var dump string
		// Every row of the table as text, in a fixed order.
		if err := c.QueryRow(context.Background(), fmt.Sprintf(`SELECT coalesce(string_agg(t::text, E'\n' ORDER BY t::text), '') FROM %s t`, pgx.Identifier{t}.Sanitize())).Scan(&dump); err != nil {
			tb.Fatalf("reading %s: %v", t, err)
		}
		fmt.Fprintf(&b, "== %s\n%s\n", t, dump)
	}
	return b.String()
}
