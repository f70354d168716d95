package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	bolt "go.etcd.io/bbolt"

	memdb "github.com/allymatch/allymatch/internal/third_party/memdb"
	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
)

// Options configure Open.
type Options struct {
	// URL, when set, names a PostgreSQL database (postgres://…, see
	// IsURL) that holds the store instead of a file: an empty database
	// (or schema) is a new install; one holding other tables but no store
	// is refused (KindNotStore). Dir is then unused, and LockTimeout too:
	// several processes may open one database (their writes serialise on
	// the sequence, see Store.Update).
	URL string
	// Dir is the data folder. A missing folder, or one that holds no
	// allymatch.db and nothing else (hidden files and lost+found aside), is
	// a new install: the folder and the store are created.
	Dir string
	// OnCreate, when set, runs on a new install before the store takes its
	// name: the file is made under a hidden temporary name in Dir and
	// linked as allymatch.db only once OnCreate has returned nil. If it
	// fails, or the process dies meanwhile, no allymatch.db is left behind
	// and the next start is a new install again. (serve seeds the Banan
	// sample here, load imports its bundle.)
	OnCreate func(ctx context.Context, s *Store) error
	// NoCreate refuses a missing store (KindMissing) instead of creating
	// one, for commands that only read.
	NoCreate bool
	// LockTimeout bounds the wait for the file lock held by another
	// process (default 1s).
	LockTimeout time.Duration
	// Logger receives start-up and write logs (default: discard).
	Logger *slog.Logger
	// Now returns the time of events (default time.Now).
	Now func() time.Time
	// afterSync is called after a mutation is durable and before it is
	// committed to the index and acknowledged (tests).
	afterSync func(seq uint64)
	// openFile opens the store's files (default os.OpenFile; tests inject
	// errors of the file system).
	openFile func(name string, flag int, perm os.FileMode) (*os.File, error)
}

// Stats describe what Open loaded.
type Stats struct {
	Records  int
	Seq      uint64
	Duration time.Duration
	// Created reports a new install: the store did not exist and was
	// created (and OnCreate, if set, ran on it).
	Created bool
	// Migrated is the layout version the file had when Open rewrote it to
	// the current one ("" when it had the current one).
	Migrated string
	// Side counts the values of the side tables (subscriptions, outbox,
	// deliveries, reminders: side.go).
	Side int
}

// loadMemoryLimit is the soft heap limit while the index is built at start
// (the district's index is about 0.6 GiB live).
const loadMemoryLimit = 2 << 30

// initialMmapSize is the memory map bbolt reserves for a file opened for
// writing (address space, not memory: only the pages read are resident).
// When a write transaction outgrows the map, bbolt maps the file again and
// first copies every key and value of the transaction's changed nodes out
// of the old map: an import of the district (200 MiB written in one
// transaction) remapped a dozen times, about a tenth of its time.
const initialMmapSize = 1 << 30

// requiredBuckets are the buckets every store has from its creation on;
// a file without one of them is refused. Others (tokens, sessions, ...)
// are created by their code on first write and may be missing, and
// buckets Open does not know are left alone. A new table in index.Tables
// is required too: files made before it lack it, so adding one needs a new
// schemaVersion and a migration step that creates it.
func requiredBuckets() []string {
	return append([]string{string(bucketMeta), string(bucketEvents), string(bucketCategories)}, index.Tables...)
}

// dataBuckets are the buckets of records, events and categories: the
// values Seal seals since layout version 2.
func dataBuckets() []string {
	return append([]string{string(bucketEvents), string(bucketCategories)}, index.Tables...)
}

// errRaced is returned by one attempt of Open when another process created
// or changed the file meanwhile; Open starts over.
var errRaced = errors.New("store: the file changed while it was being opened")

// Open opens the store in opts.Dir and rebuilds the index from it, or
// creates it on a new install (see Options.Dir). It never guesses: a file
// of any other shape than a complete store (0 bytes, a damaged page or
// record, a missing table, version or sequence) is refused with an
// *OpenError naming what is wrong, and nothing is written to it. The whole
// file is checked on a read-only open first (page structure, bbolt's
// consistency check, the tables, every value's checksum, every record's
// validity, the invariants across records) and opened for writing only
// then. A file of layout version 1 (no checksums) is migrated to the
// current version in one transaction. Open fails fast when another process
// holds the file.
func Open(ctx context.Context, opts Options) (*Store, Stats, error) {
	start := time.Now()
	if opts.Dir == "" {
		opts.Dir = "."
	}
	if opts.LockTimeout <= 0 {
		opts.LockTimeout = time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.openFile == nil {
		opts.openFile = os.OpenFile
	}
	o := &opener{opts: opts, path: filepath.Join(opts.Dir, FileName), log: opts.Logger}
	if opts.URL != "" {
		o.path = Redact(opts.URL)
		s, st, err := o.openPostgres(ctx)
		if err != nil {
			return nil, Stats{}, err
		}
		st.Duration = time.Since(start)
		s.log.Info("store opened", "path", o.path, "records", st.Records, "seq", st.Seq, "created", st.Created, "duration", st.Duration)
		return s, st, nil
	}
	for attempt := 1; ; attempt++ {
		s, st, err := o.open(ctx)
		if errors.Is(err, errRaced) {
			if attempt < 3 {
				o.log.Info("store: the file changed while opening it; starting over", "path", o.path)
				continue
			}
			err = &OpenError{Path: o.path, Kind: KindInUse, Msg: "another process created or wrote it while this one was opening it", Err: err, quiet: true}
		}
		if err != nil {
			return nil, Stats{}, err
		}
		st.Duration = time.Since(start)
		s.log.Info("store opened", "path", o.path, "records", st.Records, "seq", st.Seq, "side", st.Side, "created", st.Created, "duration", st.Duration)
		return s, st, nil
	}
}

// opener is one Open in progress.
type opener struct {
	opts Options
	path string
	log  *slog.Logger
}

func (o *opener) open(ctx context.Context) (*Store, Stats, error) {
	info, err := os.Stat(o.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if _, lerr := os.Lstat(o.path); lerr == nil {
			return nil, Stats{}, damaged(o.path, "a symbolic link to a file that does not exist")
		}
		if o.opts.NoCreate {
			return nil, Stats{}, &OpenError{Path: o.path, Kind: KindMissing, Msg: "the file does not exist"}
		}
		if err := o.newInstall(); err != nil {
			return nil, Stats{}, err
		}
		return o.create(ctx)
	case err != nil:
		return nil, Stats{}, osError(o.path, "cannot look it up", err)
	case !info.Mode().IsRegular():
		return nil, Stats{}, damaged(o.path, "not a regular file (%s)", info.Mode().Type())
	case info.Size() == 0:
		return nil, Stats{}, damaged(o.path, "0 bytes; an empty file is not a store (a new store is made only where no %s exists)", FileName)
	}
	return o.openExisting(ctx)
}

// newInstall checks that the folder is missing or empty: a folder that
// holds files of its own but no store is not taken for a new install
// (the store may have been moved, or --data may name the wrong folder).
// Hidden files and lost+found (the root of a new file system) do not
// count; nor do the hidden temporary files of a new install that died.
func (o *opener) newInstall() error {
	entries, err := os.ReadDir(o.opts.Dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return osError(o.opts.Dir, "cannot list the data folder", err)
	}
	var others []string
	for _, e := range entries {
		if n := e.Name(); !strings.HasPrefix(n, ".") && n != "lost+found" {
			others = append(others, n)
		}
	}
	if len(others) == 0 {
		return nil
	}
	shown := others[:min(len(others), 3)]
	more := ""
	if len(others) > len(shown) {
		more = fmt.Sprintf(" and %d more", len(others)-len(shown))
	}
	return &OpenError{Path: o.opts.Dir, Kind: KindNotStore,
		Msg: fmt.Sprintf("it holds %s%s but no %s; a new store is made only in a missing or empty folder", strings.Join(shown, ", "), more, FileName)}
}

// create makes a new store: under a hidden temporary name, with every
// required bucket, the layout version and sequence 0; runs OnCreate; then
// links it as allymatch.db, failing over to opening the existing file when
// another process linked one first. The store stays open on the file's
// descriptor, so no other process can open the new file before this one
// has it locked.
func (o *opener) create(ctx context.Context) (*Store, Stats, error) {
	dir := o.opts.Dir
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, Stats{}, osError(dir, "cannot create the data folder", err)
	}
	tmp := filepath.Join(dir, fmt.Sprintf(".%s.new-%d-%08x", FileName, os.Getpid(), rand.Uint32()))
	f, err := o.opts.openFile(tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, Stats{}, osError(dir, "cannot create a file in the data folder ("+filepath.Base(tmp)+")", err)
	}
	f.Close()
	bdb, err := bolt.Open(tmp, 0o600, &bolt.Options{Timeout: o.opts.LockTimeout, FreelistType: bolt.FreelistMapType, OpenFile: o.opts.openFile, InitialMmapSize: initialMmapSize})
	if err != nil {
		os.Remove(tmp)
		return nil, Stats{}, osError(tmp, "cannot create the store", err)
	}
	fail := func(err error) (*Store, Stats, error) {
		bdb.Close()
		os.Remove(tmp)
		return nil, Stats{}, err
	}
	err = boltEngine{bdb}.update(ctx, initialise)
	if err != nil {
		return fail(osError(tmp, "cannot create the store", err))
	}
	var l loaded
	if err := bdb.View(func(btx *bolt.Tx) error { return o.load(ctx, btx, &l) }); err != nil {
		return fail(err)
	}
	s := o.store(boltEngine{bdb}, l)
	if o.opts.OnCreate != nil {
		if err := o.opts.OnCreate(ctx, s); err != nil {
			return fail(fmt.Errorf("store: preparing the new store %s (nothing was kept): %w", o.path, err))
		}
	}
	if err := os.Link(tmp, o.path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			fail(nil)
			return nil, Stats{}, errRaced
		}
		return fail(osError(o.path, "cannot give the new store its name", err))
	}
	os.Remove(tmp)
	if d, err := os.Open(dir); err == nil {
		d.Sync() // the new name is durable
		d.Close()
	}
	records := 0
	sn := s.Snapshot()
	for _, t := range index.Tables {
		records += sn.Count(t)
	}
	o.log.Info("store created", "path", o.path, "records", records, "seq", s.Seq())
	return s, Stats{Records: records, Seq: s.Seq(), Created: true}, nil
}

// openExisting verifies the file on a read-only open, then opens it for
// writing, and migrates it if its layout is older.
func (o *opener) openExisting(ctx context.Context) (*Store, Stats, error) {
	// Opening for writing writes nothing: it fails early, before the long
	// read, when the file may not be written.
	f, err := o.opts.openFile(o.path, os.O_RDWR, 0)
	if err != nil {
		return nil, Stats{}, osError(o.path, "cannot open it for reading and writing", err)
	}
	f.Close()
	var file *os.File
	ro, err := bolt.Open(o.path, 0o600, &bolt.Options{ReadOnly: true, Timeout: o.opts.LockTimeout, FreelistType: bolt.FreelistMapType,
		OpenFile: func(name string, flag int, perm os.FileMode) (*os.File, error) {
			f, err := o.opts.openFile(name, flag, perm)
			file = f
			return f, err
		}})
	if err != nil {
		return nil, Stats{}, o.boltError(err)
	}
	var l loaded
	err = guard(o.path, func() error {
		info, err := file.Stat()
		if err != nil {
			return osError(o.path, "cannot read it", err)
		}
		if _, err := checkPages(file, info.Size()); err != nil {
			return damaged(o.path, "%v", err)
		}
		return ro.View(func(btx *bolt.Tx) error { return o.load(ctx, btx, &l) })
	})
	ro.Close()
	if err != nil {
		return nil, Stats{}, err
	}
	rw, err := bolt.Open(o.path, 0o600, &bolt.Options{Timeout: o.opts.LockTimeout, FreelistType: bolt.FreelistMapType, OpenFile: o.opts.openFile, InitialMmapSize: initialMmapSize})
	if err != nil {
		return nil, Stats{}, o.boltError(err)
	}
	var txid uint64
	rw.View(func(btx *bolt.Tx) error { txid = uint64(btx.ID()); return nil })
	if txid != l.txid {
		rw.Close()
		return nil, Stats{}, errRaced
	}
	st := Stats{Records: l.records, Seq: l.seq, Side: l.sides}
	if l.version != schemaVersion {
		if err := o.migrate(ctx, boltEngine{rw}, l.version); err != nil {
			rw.Close()
			return nil, Stats{}, err
		}
		st.Migrated = l.version
	}
	return o.store(boltEngine{rw}, l), st, nil
}

// boltError classifies an error of bolt.Open on an existing file.
func (o *opener) boltError(err error) error {
	var pe *fs.PathError
	var errno syscall.Errno
	if errors.As(err, &pe) || errors.As(err, &errno) {
		return osError(o.path, "cannot open it", err)
	}
	if oe := osError(o.path, "", err); oe.Kind == KindInUse {
		oe.Msg = fmt.Sprintf("another process holds its lock (waited %s)", o.opts.LockTimeout)
		return oe
	}
	// Say which page is damaged where checkPages can.
	if f, ferr := os.Open(o.path); ferr == nil {
		defer f.Close()
		if info, serr := f.Stat(); serr == nil {
			if _, perr := checkPages(f, info.Size()); perr != nil {
				return damaged(o.path, "%v", perr)
			}
		}
	}
	return &OpenError{Path: o.path, Kind: KindDamaged, Msg: "bbolt cannot open it", Err: err}
}

func (o *opener) store(e engine, l loaded) *Store {
	s := &Store{opts: o.opts, path: o.path, kv: e, db: l.db, log: o.log, cache: l.side}
	s.seq.Store(l.seq)
	ch := make(chan struct{})
	s.changed.Store(&ch)
	return s
}

// guard runs fn, turning a panic in it into a KindDamaged error naming the
// file: bbolt panics on some damaged pages, and with SetPanicOnFault a
// fault reading a damaged file's memory map is a panic too. No stack trace
// reaches the user and the process goes on. The goroutines fn starts guard
// themselves.
func guard(path string, fn func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = damaged(path, "the storage library failed reading it: %v", r)
		}
	}()
	return fn()
}

// loaded is what load read from a file.
type loaded struct {
	db      *memdb.MemDB
	side    map[string]map[string][]byte // the cached side tables
	sides   int                          // values of side tables
	records int
	seq     uint64
	txid    uint64
	version string
}

// load rebuilds the index from the file in btx: its shape (tables,
// version, sequence), then every value checked and strictly decoded, every
// record validated, then the checks across records on everything. bbolt's
// consistency check runs beside the decoding.
func (o *opener) load(ctx context.Context, btx *bolt.Tx, l *loaded) error {
	l.txid = uint64(btx.ID())
	checked := make(chan error, 1)
	go func() { checked <- consistency(btx.DB(), o.path) }()
	err := o.loadKV(ctx, boltTx{btx}, l)
	if cerr := <-checked; cerr != nil {
		return cerr // corruption explains any decode error too
	}
	return err
}

// loadKV rebuilds the index from the store in tx (either engine): its
// shape, then every value checked and decoded, then the invariants.
func (o *opener) loadKV(ctx context.Context, tx kvTx, l *loaded) error {
	version, seq, err := shape(tx, o.path)
	if err != nil {
		return err
	}
	l.version, l.seq = version, seq
	if err := o.decodeAll(ctx, tx, l, version != "1"); err != nil {
		return err
	}
	l.side, l.sides, err = loadSide(tx, o.path)
	return err
}

// initialise makes the buckets of a new store, its layout version and
// sequence 0.
func initialise(tx kvTx) error {
	for _, name := range requiredBuckets() {
		if _, err := tx.createBucket(name); err != nil {
			return err
		}
	}
	meta, err := mustBucket(tx, bucketMeta)
	if err != nil {
		return err
	}
	if err := meta.put(keyVersion, []byte(schemaVersion)); err != nil {
		return err
	}
	return meta.put(keySeq, make([]byte, 8))
}

// shape checks that the file has every required table, a layout version
// this allymatch reads, and a sequence no lower than its last event.
func shape(tx kvTx, path string) (version string, seq uint64, err error) {
	buckets := map[string]kvBucket{}
	var missing []string
	for _, name := range requiredBuckets() {
		b, err := tx.bucket(name)
		if err != nil {
			return "", 0, err
		}
		if b == nil && !slices.Contains(index.LedgerTables, name) {
			missing = append(missing, name)
		}
		buckets[name] = b
	}
	if len(missing) > 0 {
		noun := "table " + missing[0] + " is"
		if len(missing) > 1 {
			noun = "tables " + strings.Join(missing, ", ") + " are"
		}
		return "", 0, damaged(path, "the %s missing", noun)
	}
	meta := buckets[string(bucketMeta)]
	v, err := meta.get(keyVersion)
	if err != nil {
		return "", 0, err
	}
	switch {
	case v == nil:
		return "", 0, damaged(path, "meta/version (the layout version) is missing")
	case string(v) == "1" || string(v) == "2" || string(v) == schemaVersion:
		if err := ledgerShape(tx, path, string(v)); err != nil {
			return "", 0, err
		}
	default:
		if n, err := strconv.Atoi(string(v)); err == nil && n > 0 {
			return "", 0, &OpenError{Path: path, Kind: KindNewer, Msg: fmt.Sprintf("layout version %s; this allymatch reads versions up to %s", v, schemaVersion)}
		}
		return "", 0, damaged(path, "meta/version holds %q, not a layout version", v)
	}
	version = string(v)
	var last uint64
	if k, err := buckets[string(bucketEvents)].last(); err != nil {
		return "", 0, err
	} else if k != nil {
		if len(k) != 8 {
			return "", 0, damaged(path, "events: a key of %d bytes", len(k))
		}
		last = binary.BigEndian.Uint64(k)
	}
	raw, err := meta.get(keySeq)
	if err != nil {
		return "", 0, err
	}
	switch {
	case raw == nil:
		var held []string
		for _, name := range dataBuckets() {
			if k, err := first(buckets[name]); err != nil {
				return "", 0, err
			} else if k != nil {
				held = append(held, name)
			}
		}
		if len(held) > 0 {
			return "", 0, damaged(path, "meta/seq (the sequence) is missing, yet the file holds %s", strings.Join(held, ", "))
		}
	case len(raw) != 8:
		return "", 0, damaged(path, "meta/seq has %d bytes, not 8", len(raw))
	default:
		seq = binary.BigEndian.Uint64(raw)
	}
	if seq < last {
		return "", 0, damaged(path, "meta/seq is %d, lower than the last event %d", seq, last)
	}
	return version, seq, nil
}

// decodeAll decodes the categories, the records and the events into the
// index (l.db).
func (o *opener) decodeAll(ctx context.Context, btx kvTx, l *loaded, sealed bool) error {
	path := o.path
	db, err := index.New()
	if err != nil {
		return err
	}
	// Building the index makes much short-lived garbage (copy-on-write
	// radix nodes): during the load the GC runs only when the heap nears
	// loadMemoryLimit, then the usual pacing comes back.
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(loadMemoryLimit))
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	txn := db.Txn(true)
	defer txn.Abort()
	t0 := time.Now()
	var cats []matcher.Category
	if err := decodeInto(btx, string(bucketCategories), path, sealed, func(k, data []byte) (any, uint64, error) {
		var c matcher.Category
		if err := decodeStrict(data, &c); err != nil {
			return nil, 0, err
		}
		if c.ID != string(k) {
			return nil, 0, fmt.Errorf("stored under id %q but holds id %q", k, c.ID)
		}
		return c, 0, nil
	}, func(r record) error {
		cats = append(cats, r.obj.(matcher.Category))
		return nil
	}); err != nil {
		return err
	}
	vocab, err := matcher.NewVocabulary(matcher.DefaultCategories, cats)
	if err != nil {
		return damaged(path, "categories: %v", err)
	}
	var recs []any
	for _, table := range index.Tables {
		if err := ctx.Err(); err != nil {
			return err
		}
		if b, err := btx.bucket(table); err != nil {
			return err
		} else if b == nil {
			continue // a ledger table of a file before layout version 3 (ledgerShape)
		}
		var ids []string
		from := len(recs)
		if err := decodeInto(btx, table, path, sealed, func(k, data []byte) (any, uint64, error) {
			return decodeRecord(table, string(k), data)
		}, func(r record) error {
			if r.rev > l.seq {
				return damaged(path, "%s/%s: revision %d is above the sequence %d", table, r.id, r.rev, l.seq)
			}
			ids = append(ids, r.id)
			recs = append(recs, r.obj)
			return nil
		}); err != nil {
			return err
		}
		// The table is indexed in bulk: each index's tree built once from
		// its sorted keys, the indexes side by side (internal/third_party/memdb).
		if err := txn.InsertBulk(table, recs[from:], runtime.GOMAXPROCS(0)); err != nil {
			if be, ok := errors.AsType[*memdb.BulkError](err); ok {
				return damaged(path, "%s/%s: %v", table, ids[be.Obj], be.Err)
			}
			return damaged(path, "%s: %v", table, err)
		}
	}
	if err := decodeInto(btx, string(bucketEvents), path, sealed, decodeEvent, func(record) error { return nil }); err != nil {
		return err
	}
	if err := txn.Insert(index.TableMeta, &index.Meta{ID: index.MetaID, Seq: l.seq, Vocab: vocab, State: index.NewState()}); err != nil {
		return err
	}
	// The index is committed before the checks across records, which read
	// it from several goroutines; it is thrown away if they fail.
	txn.Commit()
	t3 := time.Now()
	if err := checkLoaded(db, vocab, recs); err != nil {
		return &OpenError{Path: path, Kind: KindDamaged, Msg: "it breaks an invariant; refusing a partial load", Err: err}
	}
	o.log.Debug("store load", "decode_insert_ms", t3.Sub(t0).Milliseconds(), "invariants_ms", time.Since(t3).Milliseconds())
	l.db, l.records = db, len(recs)
	return nil
}

// consistency runs bbolt's consistency check on the whole file. It runs
// after checkPages, which makes sure that bbolt's walk stays inside the
// file (the check runs on a goroutine of bbolt's own, where a fault could
// not be recovered).
func consistency(bdb *bolt.DB, path string) error {
	return guard(path, func() error {
		return bdb.View(func(btx *bolt.Tx) error {
			var bad []error
			for e := range btx.Check() {
				if len(bad) < 10 {
					bad = append(bad, e)
				}
			}
			if len(bad) > 0 {
				return &OpenError{Path: path, Kind: KindDamaged, Msg: "bbolt's consistency check failed", Err: errors.Join(bad...)}
			}
			return nil
		})
	})
}

// migrate rewrites a file of an older layout version to the current one
// in one transaction (all or nothing). load has decoded and checked every
// value of it before.
func (o *opener) migrate(ctx context.Context, e engine, from string) error {
	if from != "1" && from != "2" {
		return damaged(o.path, "no migration from layout version %q", from)
	}
	counts := map[string]int{}
	err := e.update(ctx, func(tx kvTx) error {
		if err := migrateLedger(tx); err != nil { // version 2 to 3
			return err
		}
		if from != "1" {
			meta, err := mustBucket(tx, bucketMeta)
			if err != nil {
				return err
			}
			return meta.put(keyVersion, []byte(schemaVersion))
		}
		for _, name := range append(dataBuckets(), loginBuckets()...) {
			b, err := tx.bucket(name)
			if err != nil {
				return err
			}
			if b == nil {
				continue // a login bucket made on first use
			}
			type kv struct{ k, v []byte }
			var all []kv
			if err := forEach(b, func(k, v []byte) error {
				all = append(all, kv{bytes.Clone(k), Seal(k, v)})
				return nil
			}); err != nil {
				return err
			}
			for _, e := range all {
				if err := b.put(e.k, e.v); err != nil {
					return err
				}
			}
			counts[name] = len(all)
		}
		meta, err := mustBucket(tx, bucketMeta)
		if err != nil {
			return err
		}
		return meta.put(keyVersion, []byte(schemaVersion))
	})
	if err != nil {
		return osError(o.path, "migrating it from layout version "+from, err)
	}
	args := []any{"path", o.path, "from", from, "to", schemaVersion}
	names := slices.Sorted(func(yield func(string) bool) {
		for n := range counts {
			if !yield(n) {
				return
			}
		}
	})
	for _, n := range names {
		args = append(args, n, counts[n])
	}
	what := "the points ledger's tables were added"
	if from == "1" {
		what = "every record, event and category now carries a checksum, and " + what
	}
	o.log.Info("store migrated: "+what, args...)
	return nil
}

type record struct {
	id  string
	obj any
	rev uint64
}

// decodeChunk is the number of values a decoding worker takes at a time.
const decodeChunk = 2048

// decodeInto checks (Unseal, when sealed) and decodes every value of one
// bucket and passes them to insert in key order. Workers decode chunks
// ahead while insert runs on the calling goroutine, so decoding and
// indexing overlap. An error names the file, the table and the key.
func decodeInto(btx kvTx, table, path string, sealed bool, decode func(k, data []byte) (any, uint64, error), insert func(record) error) error {
	type raw struct{ k, v []byte }
	var raws []raw
	b, err := mustBucket(btx, []byte(table))
	if err != nil {
		return err
	}
	if err := forEach(b, func(k, v []byte) error {
		raws = append(raws, raw{k, v})
		return nil
	}); err != nil {
		return err
	}
	n := (len(raws) + decodeChunk - 1) / decodeChunk
	type chunk struct {
		recs []record
		err  error
		done chan struct{}
	}
	chunks := make([]chunk, n)
	for i := range chunks {
		chunks[i].done = make(chan struct{})
	}
	one := func(c *chunk, r raw) error {
		data := r.v
		if sealed {
			var err error
			if data, err = Unseal(r.k, r.v); err != nil {
				return err
			}
		}
		obj, rev, err := decode(r.k, data)
		if err != nil {
			return err
		}
		c.recs = append(c.recs, record{id: string(r.k), obj: obj, rev: rev})
		return nil
	}
	work := func(i int) {
		c := &chunks[i]
		defer close(c.done)
		lo, hi := i*decodeChunk, min((i+1)*decodeChunk, len(raws))
		c.recs = make([]record, 0, hi-lo)
		c.err = guard(path, func() error {
			for _, r := range raws[lo:hi] {
				if err := one(c, r); err != nil {
					return damaged(path, "%s/%s: %v", table, keyName(table, r.k), err)
				}
			}
			return nil
		})
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	stop := make(chan struct{})
	defer func() {
		// Workers read bbolt's memory map: wait for them before the
		// transaction ends.
		close(stop)
		wg.Wait()
	}()
	for range min(runtime.GOMAXPROCS(0), n) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				select {
				case <-stop:
					return
				default:
				}
				work(i)
			}
		})
	}
	for i := range chunks {
		<-chunks[i].done
		if chunks[i].err != nil {
			return chunks[i].err
		}
		for _, r := range chunks[i].recs {
			if err := insert(r); err != nil {
				return err
			}
		}
		chunks[i].recs = nil
	}
	return nil
}

// keyName shows a key in messages: an event's as its sequence number.
func keyName(table string, k []byte) string {
	if table == string(bucketEvents) && len(k) == 8 {
		return strconv.FormatUint(binary.BigEndian.Uint64(k), 10)
	}
	return string(k)
}

func decodeEvent(k, data []byte) (any, uint64, error) {
	if len(k) != 8 {
		return nil, 0, fmt.Errorf("a key of %d bytes", len(k))
	}
	var ev matcher.Event
	if err := decodeStrict(data, &ev); err != nil {
		return nil, 0, err
	}
	if seq := binary.BigEndian.Uint64(k); ev.Seq != seq {
		return nil, 0, fmt.Errorf("stored as event %d but holds event %d", seq, ev.Seq)
	}
	return nil, 0, nil
}

func decodeRecord(table, id string, data []byte) (any, uint64, error) {
	var (
		obj     any
		gotID   string
		rev     uint64
		invalid error
	)
	switch table {
	case index.TableGrids:
		var v matcher.Grid
		if err := decodeStrict(data, &v); err != nil {
			return nil, 0, err
		}
		obj, gotID, rev, invalid = &v, v.ID, v.Rev, v.Validate()
	case index.TableAlliances:
		var v matcher.Alliance
		if err := decodeStrict(data, &v); err != nil {
			return nil, 0, err
		}
		obj, gotID, rev, invalid = &v, v.ID, v.Rev, v.Validate()
	case index.TableUnits:
		var v matcher.Unit
		if err := decodeStrict(data, &v); err != nil {
			return nil, 0, err
		}
		obj, gotID, rev, invalid = &v, v.ID, v.Rev, v.Validate()
		if len(v.Alliances) > 0 {
			invalid = errors.Join(invalid, errors.New("alliances: stored on the alliances, not on the unit"))
		}
	case index.TableProjects:
		var v matcher.Project
		if err := decodeStrict(data, &v); err != nil {
			return nil, 0, err
		}
		obj, gotID, rev, invalid = &v, v.ID, v.Rev, v.Validate()
	case index.TableItems:
		var v matcher.Item
		if err := decodeStrict(data, &v); err != nil {
			return nil, 0, err
		}
		obj, gotID, rev, invalid = &v, v.ID, v.Rev, v.Validate()
	case index.TableClaims:
		var v matcher.Claim
		if err := decodeStrict(data, &v); err != nil {
			return nil, 0, err
		}
		obj, gotID, rev, invalid = &v, v.ID, v.Rev, v.Validate()
	default:
		var err error
		if obj, gotID, rev, invalid, err = decodeLedgerRecord(table, id, data); err != nil {
			return nil, 0, err
		}
	}
	if invalid != nil {
		return nil, 0, invalid
	}
	if gotID != id {
		return nil, 0, fmt.Errorf("stored under id %q but holds id %q", id, gotID)
	}
	return obj, rev, nil
}

// strictJSON are the options of decodeStrict: a member the type does not
// have is an error (as is a duplicate member, invalid UTF-8 or trailing
// data, which json/v2 refuses by default).
var strictJSON = jsonv2.RejectUnknownMembers(true)

// decodeStrict decodes one stored value into v, refusing anything that
// json.Marshal of v would not have written: unknown or duplicate members,
// members whose case differs, invalid UTF-8, trailing data. It decodes with
// json/v2 (github.com/go-json-experiment/json), about 2.5 times faster than
// encoding/json's Decoder on the store's records: at start it decodes every
// record.
func decodeStrict(data []byte, v any) error {
	return jsonv2.Unmarshal(data, v, strictJSON)
}
