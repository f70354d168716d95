package store

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"github.com/allymatch/allymatch/matcher/index"
)

// The PostgreSQL engine keeps the buckets as rows of allymatch_kv (bucket,
// key, value) and their names in allymatch_buckets, in the database's
// current schema (the URL may name another with search_path). The SQL
// schema of these tables is versioned by goose in allymatch_schema: its
// migrations (pgschema/*.sql) run at open, and a database whose schema is
// newer than this allymatch knows is refused. The layout inside the
// buckets (meta/version) is the same as the file's and checked the same
// way.

//go:embed pgschema/*.sql
var pgSchemaFiles embed.FS

// pgSchemaTable is goose's table of applied schema versions.
const pgSchemaTable = "allymatch_schema"

// pgTables are the relations the engine makes; any other relation in the
// schema belongs to someone else.
var pgTables = []string{"allymatch_buckets", "allymatch_changes", "allymatch_json", "allymatch_kv", pgSchemaTable}

// keyInstalling marks a new install whose OnCreate has not finished: a
// store that holds it is not taken for a store (the next start installs
// again), as the file's hidden temporary name does for bbolt.
var keyInstalling = []byte("installing")

// pgPage is how many rows a scan reads at a time.
const pgPage = 4096

// pgWriteTimeout bounds one write transaction: a write goes on when its
// request is cancelled (its outcome must be known), but not forever.
const pgWriteTimeout = 30 * time.Second

// IsURL reports whether a --data value names a PostgreSQL database
// (postgres:// or postgresql://) rather than a folder.
func IsURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// Redact returns the PostgreSQL URL u without its password, for messages
// and logs.
func Redact(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "the PostgreSQL URL"
	}
	return p.Redacted()
}

type pgEngine struct{ pool *pgxpool.Pool }

func (e pgEngine) view(ctx context.Context, fn func(kvTx) error) error {
	tx, err := e.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	t := &pgTx{ctx: ctx, tx: tx}
	if err := fn(t); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

func (e pgEngine) update(ctx context.Context, fn func(kvTx) error) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), pgWriteTimeout)
	defer cancel()
	tx, err := e.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	// Write transactions serialise on the row of the sequence, across
	// every process on this database: the next one reads what this one
	// committed. The sequence and the buckets' names are read in the same
	// round trip.
	t := &pgTx{ctx: ctx, tx: tx, write: true, names: map[string]bool{}}
	first := &pgx.Batch{}
	first.Queue(`SELECT value FROM allymatch_kv WHERE bucket = 'meta' AND key = 'seq' FOR UPDATE`).QueryRow(func(row pgx.Row) error {
		err := row.Scan(&t.seqValue)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		t.seqRead = err == nil
		return err
	})
	first.Queue(`SELECT name FROM allymatch_buckets`).Query(func(rows pgx.Rows) error {
		names, err := pgx.CollectRows(rows, pgx.RowTo[string])
		for _, n := range names {
			t.names[n] = true
		}
		return err
	})
	if err := tx.SendBatch(ctx, first).Close(); err != nil {
		return err
	}
	if err := fn(t); err != nil {
		return err
	}
	if err := t.logChanges(); err != nil {
		return err
	}
	if err := t.flush(); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

func (e pgEngine) close() error {
	e.pool.Close()
	return nil
}

// pgTx is one transaction. Writes are queued and sent in one round trip
// before the next read and at commit.
type pgTx struct {
	ctx   context.Context
	tx    pgx.Tx
	write bool
	names map[string]bool // the buckets; nil until read
	batch *pgx.Batch
	// seq is the sequence this transaction writes (meta/seq), and log the
	// changes of records and categories it makes, for allymatch_changes.
	seq uint64
	log [][]any
	// seqValue is meta/seq as the write transaction read it under its
	// lock (seqRead), kept up to date by its own writes.
	seqValue []byte
	seqRead  bool
}

// pgChangesKept is how many sequences of changes allymatch_changes keeps.
const pgChangesKept = 100_000

// followed reports whether the changes of bucket go to the change log:
// the records and categories that the index holds, and the side tables
// kept in memory (the webhook subscriptions).
func followed(bucket string) bool {
	return bucket == string(bucketCategories) || slices.Contains(index.Tables, bucket) || cachedSide(bucket)
}

// logChanges writes the transaction's changes to allymatch_changes and
// notifies the other processes (at commit), when it wrote a sequence.
func (t *pgTx) logChanges() error {
	if t.seq == 0 || len(t.log) == 0 {
		return nil
	}
	for _, row := range t.log {
		row[0] = int64(t.seq)
	}
	if len(t.log) > 64 {
		if err := t.flush(); err != nil {
			return err
		}
		if _, err := t.tx.CopyFrom(t.ctx, pgx.Identifier{"allymatch_changes"}, []string{"seq", "bucket", "key", "value"}, pgx.CopyFromRows(t.log)); err != nil {
			return err
		}
	} else {
		for _, row := range t.log {
			t.queue(`INSERT INTO allymatch_changes (seq, bucket, key, value) VALUES ($1, $2, $3, $4)`, row...)
		}
	}
	if t.seq%1000 == 0 && t.seq > pgChangesKept {
		t.queue(`DELETE FROM allymatch_changes WHERE seq <= $1`, int64(t.seq-pgChangesKept))
	}
	t.queue(`SELECT pg_notify('allymatch_changes', $1)`, fmt.Sprint(t.seq))
	return nil
}

func (t *pgTx) changes(from, to uint64, fn func(seq uint64, bucket string, k, v []byte) error) error {
	if err := t.flush(); err != nil {
		return err
	}
	rows, err := t.tx.Query(t.ctx, `SELECT seq, bucket, key, value FROM allymatch_changes WHERE seq > $1 AND seq <= $2 ORDER BY seq, id`, int64(from), int64(to))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			seq    int64
			bucket string
			k, v   []byte
		)
		if err := rows.Scan(&seq, &bucket, &k, &v); err != nil {
			return err
		}
		if err := fn(uint64(seq), bucket, k, v); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (t *pgTx) queue(sql string, args ...any) {
	if t.batch == nil {
		t.batch = &pgx.Batch{}
	}
	t.batch.Queue(sql, args...)
}

func (t *pgTx) flush() error {
	if t.batch == nil || t.batch.Len() == 0 {
		return nil
	}
	b := t.batch
	t.batch = nil
	return t.tx.SendBatch(t.ctx, b).Close()
}

func (t *pgTx) loadBuckets() error {
	if t.names != nil {
		return nil
	}
	if err := t.flush(); err != nil {
		return err
	}
	rows, err := t.tx.Query(t.ctx, `SELECT name FROM allymatch_buckets`)
	if err != nil {
		return err
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	t.names = map[string]bool{}
	for _, n := range names {
		t.names[n] = true
	}
	return nil
}

func (t *pgTx) bucket(name string) (kvBucket, error) {
	if err := t.loadBuckets(); err != nil {
		return nil, err
	}
	if !t.names[name] {
		return nil, nil
	}
	return pgBucket{t, name}, nil
}

func (t *pgTx) createBucket(name string) (kvBucket, error) {
	if !t.write {
		return nil, errors.New("store: creating a bucket in a read-only transaction")
	}
	if err := t.loadBuckets(); err != nil {
		return nil, err
	}
	if !t.names[name] {
		t.queue(`INSERT INTO allymatch_buckets (name) VALUES ($1) ON CONFLICT DO NOTHING`, name)
		t.names[name] = true
	}
	return pgBucket{t, name}, nil
}

func (t *pgTx) deleteBucket(name string) error {
	if err := t.loadBuckets(); err != nil {
		return err
	}
	if !t.names[name] {
		return fmt.Errorf("store: no bucket %s", name)
	}
	t.queue(`DELETE FROM allymatch_buckets WHERE name = $1`, name) // cascades to its rows
	delete(t.names, name)
	return nil
}

func (t *pgTx) buckets() ([]string, error) {
	if err := t.loadBuckets(); err != nil {
		return nil, err
	}
	return slices.Sorted(maps.Keys(t.names)), nil
}

// copyRows adds rows (key, value) to the empty bucket name with COPY, the
// fastest way in (Copy).
func (t *pgTx) copyRows(name string, rows [][]any) error {
	if err := t.flush(); err != nil {
		return err
	}
	_, err := t.tx.CopyFrom(t.ctx, pgx.Identifier{"allymatch_kv"}, []string{"bucket", "key", "value"}, pgx.CopyFromRows(rows))
	return err
}

type pgBucket struct {
	t    *pgTx
	name string
}

func (b pgBucket) get(k []byte) ([]byte, error) {
	if b.t.seqRead && b.name == string(bucketMeta) && string(k) == string(keySeq) {
		return b.t.seqValue, nil
	}
	if err := b.t.flush(); err != nil {
		return nil, err
	}
	var v []byte
	err := b.t.tx.QueryRow(b.t.ctx, `SELECT value FROM allymatch_kv WHERE bucket = $1 AND key = $2`, b.name, k).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	return v, err
}

func (b pgBucket) put(k, v []byte) error {
	if !b.t.write {
		return errors.New("store: a write in a read-only transaction")
	}
	b.t.queue(`INSERT INTO allymatch_kv (bucket, key, value) VALUES ($1, $2, $3)
		ON CONFLICT (bucket, key) DO UPDATE SET value = EXCLUDED.value`, b.name, k, v)
	switch {
	case followed(b.name):
		b.t.log = append(b.t.log, []any{nil, b.name, k, v})
	case b.name == string(bucketMeta) && string(k) == string(keySeq):
		b.t.seq = seqOf(v)
		b.t.seqValue = bytes.Clone(v)
	}
	return nil
}

func (b pgBucket) delete(k []byte) error {
	if !b.t.write {
		return errors.New("store: a write in a read-only transaction")
	}
	b.t.queue(`DELETE FROM allymatch_kv WHERE bucket = $1 AND key = $2`, b.name, k)
	if b.name == string(bucketMeta) && string(k) == string(keySeq) {
		b.t.seqValue = nil
	}
	if followed(b.name) {
		b.t.log = append(b.t.log, []any{nil, b.name, k, nil})
	}
	return nil
}

func (b pgBucket) scan(from []byte, fn func(k, v []byte) (bool, error)) error {
	if from == nil {
		from = []byte{}
	}
	q := `SELECT key, value FROM allymatch_kv WHERE bucket = $1 AND key >= $2 ORDER BY key LIMIT $3`
	for {
		page, err := b.page(fn, q, from)
		if err != nil || len(page) < pgPage {
			return err
		}
		from, q = page[len(page)-1], `SELECT key, value FROM allymatch_kv WHERE bucket = $1 AND key > $2 ORDER BY key LIMIT $3`
	}
}

func (b pgBucket) scanBack(before []byte, fn func(k, v []byte) (bool, error)) error {
	if before == nil { // from the last key on: the least key after it
		last, err := b.last()
		if err != nil || last == nil {
			return err
		}
		before = append(bytes.Clone(last), 0)
	}
	for {
		page, err := b.page(fn, `SELECT key, value FROM allymatch_kv WHERE bucket = $1 AND key < $2 ORDER BY key DESC LIMIT $3`, before)
		if err != nil || len(page) < pgPage {
			return err
		}
		before = page[len(page)-1]
	}
}

// page reads up to pgPage keys of b by q (its arguments: the bucket, a
// bound, the page size) and calls fn on them in order; it returns the keys
// read, or nil when fn stopped.
func (b pgBucket) page(fn func(k, v []byte) (bool, error), q string, bound []byte) ([][]byte, error) {
	if err := b.t.flush(); err != nil {
		return nil, err
	}
	rows, err := b.t.tx.Query(b.t.ctx, q, b.name, bound, pgPage)
	if err != nil {
		return nil, err
	}
	type kv struct{ k, v []byte }
	var page []kv
	for rows.Next() {
		var e kv
		if err := rows.Scan(&e.k, &e.v); err != nil {
			rows.Close()
			return nil, err
		}
		page = append(page, e)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	keys := make([][]byte, len(page))
	for i, e := range page {
		if ok, err := fn(e.k, e.v); err != nil || !ok {
			return nil, err
		}
		keys[i] = e.k
	}
	return keys, nil
}

func (b pgBucket) nextSequence() (uint64, error) {
	if !b.t.write {
		return 0, errors.New("store: a write in a read-only transaction")
	}
	if err := b.t.flush(); err != nil {
		return 0, err
	}
	var n int64
	err := b.t.tx.QueryRow(b.t.ctx, `UPDATE allymatch_buckets SET sequence = sequence + 1 WHERE name = $1 RETURNING sequence`, b.name).Scan(&n)
	return uint64(n), err
}

func (b pgBucket) sequence() (uint64, error) {
	if err := b.t.flush(); err != nil {
		return 0, err
	}
	var n int64
	err := b.t.tx.QueryRow(b.t.ctx, `SELECT sequence FROM allymatch_buckets WHERE name = $1`, b.name).Scan(&n)
	return uint64(n), err
}

func (b pgBucket) setSequence(n uint64) error {
	b.t.queue(`UPDATE allymatch_buckets SET sequence = $2 WHERE name = $1`, b.name, int64(n))
	return nil
}

func (b pgBucket) fillPages() {}

func (b pgBucket) last() ([]byte, error) {
	if err := b.t.flush(); err != nil {
		return nil, err
	}
	var k []byte
	err := b.t.tx.QueryRow(b.t.ctx, `SELECT key FROM allymatch_kv WHERE bucket = $1 ORDER BY key DESC LIMIT 1`, b.name).Scan(&k)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	return k, err
}

// pgSchema returns goose's provider of the engine's schema migrations.
func pgSchema(pool *pgxpool.Pool) (*goose.Provider, func(), error) {
	sub, err := fs.Sub(pgSchemaFiles, "pgschema")
	if err != nil {
		return nil, nil, err
	}
	db := stdlib.OpenDBFromPool(pool)
	p, err := goose.NewProvider(goose.DialectPostgres, db, sub, goose.WithTableName(pgSchemaTable), goose.WithDisableGlobalRegistry(true))
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return p, func() { db.Close() }, nil
}

// pgSchemaVersion is the newest schema version this allymatch knows.
func pgSchemaVersion() int64 {
	sub, _ := fs.Sub(pgSchemaFiles, "pgschema")
	entries, _ := fs.ReadDir(sub, ".")
	var v int64
	for _, e := range entries {
		var n int64
		if _, err := fmt.Sscanf(e.Name(), "%d_", &n); err == nil && n > v {
			v = n
		}
	}
	return v
}

// openPostgres is Open on a PostgreSQL database (opts.URL): it connects,
// holds the database's open lock (an advisory lock: two processes starting
// at once install or migrate one after the other), checks what the schema
// holds, installs or migrates, and loads the index.
func (o *opener) openPostgres(ctx context.Context) (*Store, Stats, error) {
	unreachable := func(msg string, err error) error {
		return &OpenError{Path: o.path, Kind: KindUnreachable, Msg: msg, Err: err}
	}
	cfg, err := pgxpool.ParseConfig(o.opts.URL)
	if err != nil {
		return nil, Stats{}, &OpenError{Path: o.path, Kind: KindUnreachable, Msg: "not a valid PostgreSQL URL", Err: errors.New(strings.ReplaceAll(err.Error(), o.opts.URL, o.path))}
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = 10 * time.Second
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, Stats{}, unreachable("cannot connect", err)
	}
	s, st, err := o.openLocked(ctx, pool)
	if err != nil {
		pool.Close()
		return nil, Stats{}, err
	}
	return s, st, nil
}

// openLocked is openPostgres once connected: it takes the open lock and
// does the rest. On an error the caller closes the pool.
func (o *opener) openLocked(ctx context.Context, pool *pgxpool.Pool) (*Store, Stats, error) {
	unreachable := func(msg string, err error) error {
		return &OpenError{Path: o.path, Kind: KindUnreachable, Msg: msg, Err: err}
	}
	fail := func(err error) (*Store, Stats, error) { return nil, Stats{}, err }
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fail(unreachable("cannot connect", err))
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(hashtext('allymatch open ' || current_schema()))`); err != nil {
		return fail(unreachable("cannot take the open lock", err))
	}
	defer conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(hashtext('allymatch open ' || current_schema()))`)

	rows, err := conn.Query(ctx, `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'v', 'm', 'p', 'f') ORDER BY c.relname`)
	if err != nil {
		return fail(unreachable("cannot list the tables", err))
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fail(unreachable("cannot list the tables", err))
	}
	var ours, others []string
	for _, n := range names {
		if slices.Contains(pgTables, n) {
			ours = append(ours, n)
		} else {
			others = append(others, n)
		}
	}
	e := pgEngine{pool}
	switch {
	case len(ours) == 0 && len(others) > 0:
		shown := others[:min(len(others), 3)]
		more := ""
		if len(others) > len(shown) {
			more = fmt.Sprintf(" and %d more", len(others)-len(shown))
		}
		return fail(&OpenError{Path: o.path, Kind: KindNotStore,
			Msg: fmt.Sprintf("the database holds tables of another application (%s%s) and no allymatch store; a new store is made only in an empty database or schema", strings.Join(shown, ", "), more)})
	case len(ours) == 0:
		if o.opts.NoCreate {
			return fail(&OpenError{Path: o.path, Kind: KindMissing, Msg: "the database holds no store"})
		}
		return o.createPostgres(ctx, e)
	case !slices.Contains(ours, pgSchemaTable):
		return fail(damaged(o.path, "it holds %s but not %s (the schema version)", strings.Join(ours, ", "), pgSchemaTable))
	}
	p, closeSchema, err := pgSchema(pool)
	if err != nil {
		return fail(err)
	}
	defer closeSchema()
	current, target, err := p.GetVersions(ctx)
	if err != nil {
		return fail(damaged(o.path, "cannot read the schema version in %s: %v", pgSchemaTable, err))
	}
	if current > target {
		return fail(&OpenError{Path: o.path, Kind: KindNewer, Msg: fmt.Sprintf("schema version %d; this allymatch knows versions up to %d", current, target)})
	}
	var migrated string
	if current < target {
		if _, err := p.Up(ctx); err != nil {
			return fail(unreachable(fmt.Sprintf("migrating the schema from version %d to %d (nothing of the failed step was kept)", current, target), err))
		}
		o.log.Info("store: schema migrated", "path", o.path, "from", current, "to", target)
		migrated = fmt.Sprint("schema ", current)
	}
	var installing bool
	err = e.view(ctx, func(tx kvTx) error {
		meta, err := tx.bucket(string(bucketMeta))
		if err != nil || meta == nil {
			return err
		}
		v, err := meta.get(keyInstalling)
		installing = v != nil
		return err
	})
	if err != nil {
		return fail(unreachable("cannot read the store", err))
	}
	if installing {
		if o.opts.NoCreate {
			return fail(&OpenError{Path: o.path, Kind: KindMissing, Msg: "a new install of the store did not finish"})
		}
		o.log.Info("store: a new install did not finish; installing again", "path", o.path)
		if err := dropPostgres(ctx, pool); err != nil {
			return fail(unreachable("removing the unfinished install", err))
		}
		return o.createPostgres(ctx, e)
	}
	var l loaded
	err = guard(o.path, func() error {
		return e.view(ctx, func(tx kvTx) error { return o.loadKV(ctx, tx, &l) })
	})
	if err != nil {
		if _, ok := errors.AsType[*OpenError](err); !ok && ctx.Err() == nil {
			err = unreachable("cannot read the store", err)
		}
		return fail(err)
	}
	st := Stats{Records: l.records, Seq: l.seq, Migrated: migrated, Side: l.sides}
	if l.version != schemaVersion {
		if err := o.migrate(ctx, e, l.version); err != nil {
			return fail(err)
		}
		st.Migrated = l.version
	}
	s := o.store(e, l)
	s.startFollowing(pool)
	return s, st, nil
}

// createPostgres installs a new store in an empty schema: the tables, the
// buckets, then OnCreate; until OnCreate returns, meta/installing marks it
// unfinished. A failed OnCreate drops everything again.
func (o *opener) createPostgres(ctx context.Context, e pgEngine) (*Store, Stats, error) {
	fail := func(err error) (*Store, Stats, error) {
		if derr := dropPostgres(context.WithoutCancel(ctx), e.pool); derr != nil {
			o.log.Warn("store: could not remove the failed install", "path", o.path, "err", derr)
		}
		return nil, Stats{}, err
	}
	p, closeSchema, err := pgSchema(e.pool)
	if err != nil {
		return fail(err)
	}
	defer closeSchema()
	if _, err := p.Up(ctx); err != nil {
		return fail(&OpenError{Path: o.path, Kind: KindUnreachable, Msg: "cannot create the tables", Err: err})
	}
	err = e.update(ctx, func(tx kvTx) error {
		if err := initialise(tx); err != nil {
			return err
		}
		meta, err := mustBucket(tx, bucketMeta)
		if err != nil {
			return err
		}
		return meta.put(keyInstalling, []byte("1"))
	})
	if err != nil {
		return fail(&OpenError{Path: o.path, Kind: KindUnreachable, Msg: "cannot create the store", Err: err})
	}
	var l loaded
	if err := e.view(ctx, func(tx kvTx) error { return o.loadKV(ctx, tx, &l) }); err != nil {
		return fail(err)
	}
	s := o.store(e, l)
	if o.opts.OnCreate != nil {
		if err := o.opts.OnCreate(ctx, s); err != nil {
			return fail(fmt.Errorf("store: preparing the new store %s (nothing was kept): %w", o.path, err))
		}
	}
	err = e.update(ctx, func(tx kvTx) error {
		meta, err := mustBucket(tx, bucketMeta)
		if err != nil {
			return err
		}
		return meta.delete(keyInstalling)
	})
	if err != nil {
		return fail(&OpenError{Path: o.path, Kind: KindUnreachable, Msg: "cannot finish the new store", Err: err})
	}
	records := 0
	sn := s.Snapshot()
	for _, t := range index.Tables {
		records += sn.Count(t)
	}
	o.log.Info("store created", "path", o.path, "records", records, "seq", s.Seq())
	s.startFollowing(e.pool)
	return s, Stats{Records: records, Seq: s.Seq(), Created: true}, nil
}

// dropPostgres removes the engine's tables, in one transaction.
func dropPostgres(ctx context.Context, pool *pgxpool.Pool) error {
	_, err := pool.Exec(ctx, `DROP VIEW IF EXISTS allymatch_json; DROP TABLE IF EXISTS allymatch_changes, allymatch_kv, allymatch_buckets, `+pgSchemaTable)
	return err
}
