// Package store is allymatch's system of record: a bbolt file holding every
// record and the audit log, and the go-memdb index derived from it.
//
// Every mutation goes through Update: it validates, applies the change to a
// memdb write transaction, checks references and invariants, writes the
// changed records and one audit event in a single bbolt transaction (synced
// to disk before it returns), and only then commits the index and returns.
// A crash therefore loses no acknowledged write, and a failed mutation
// leaves nothing behind. At start the index is rebuilt from the file; a
// corrupt or inconsistent file stops the start with a message that says
// what is wrong, never a partial load.
package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	memdb "github.com/hashicorp/go-memdb"
	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
)

// FileName is the name of the database file inside the data folder.
const FileName = "allymatch.db"

// schemaVersion is the layout of the file; a file of another version is
// refused.
const schemaVersion = "1"

var (
	bucketMeta       = []byte("meta")
	bucketEvents     = []byte("events")
	bucketCategories = []byte("categories")
	keySeq           = []byte("seq")
	keyVersion       = []byte("version")
)

// loadMemoryLimit is the soft heap limit while the index is built at start
// (the district's index is about 0.6 GiB live).
const loadMemoryLimit = 2 << 30

// Options configure Open.
type Options struct {
	// Dir is the data folder; it is created if missing.
	Dir string
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
}

// Store is the durable, indexed state. It is safe for concurrent use.
type Store struct {
	opts Options
	path string
	bolt *bolt.DB
	db   *memdb.MemDB
	mu   sync.Mutex // serialises mutations
	seq  atomic.Uint64
	log  *slog.Logger
	// states are the index states of the last writes, oldest first: the
	// change log keeps their ChangeSets only (index.MaxChangeWalk).
	states []uint64
}

// Stats describe what Open loaded.
type Stats struct {
	Records  int
	Seq      uint64
	Duration time.Duration
}

// Open opens (or creates) the store in opts.Dir and rebuilds the index from
// it. It fails fast when another process holds the file, and fails with a
// clear message when the file is corrupt or breaks an invariant.
func Open(ctx context.Context, opts Options) (*Store, Stats, error) {
	start := time.Now()
	if opts.LockTimeout <= 0 {
		opts.LockTimeout = time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if err := os.MkdirAll(opts.Dir, 0o750); err != nil {
		return nil, Stats{}, fmt.Errorf("store: data folder: %w", err)
	}
	path := filepath.Join(opts.Dir, FileName)
	bdb, err := openBolt(path, opts.LockTimeout)
	if err != nil {
		if errors.Is(err, bolterrors.ErrTimeout) {
			return nil, Stats{}, fmt.Errorf("store: %s is in use by another process (waited %s for its lock)", path, opts.LockTimeout)
		}
		return nil, Stats{}, fmt.Errorf("store: cannot open %s: %w (the file may be corrupt; restore it from a backup or move it away to start empty)", path, err)
	}
	s := &Store{opts: opts, path: path, bolt: bdb, log: opts.Logger}
	n, err := s.load(ctx)
	if err != nil {
		bdb.Close()
		return nil, Stats{}, err
	}
	st := Stats{Records: n, Seq: s.seq.Load(), Duration: time.Since(start)}
	s.log.Info("store opened", "path", path, "records", n, "seq", st.Seq, "duration", st.Duration)
	return s, st, nil
}

// openBolt opens the file, turning bbolt's panics on a corrupt file into an
// error.
func openBolt(path string, timeout time.Duration) (db *bolt.DB, err error) {
	defer func() {
		if r := recover(); r != nil {
			db, err = nil, fmt.Errorf("corrupt page: %v", r)
		}
	}()
	return bolt.Open(path, 0o600, &bolt.Options{Timeout: timeout, FreelistType: bolt.FreelistMapType})
}

// Path returns the database file's path.
func (s *Store) Path() string { return s.path }

// Close closes the file. The store must not be used afterwards.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bolt.Close()
}

// Seq returns the index of the last acknowledged mutation.
func (s *Store) Seq() uint64 { return s.seq.Load() }

// Vocabulary returns the categories in force.
func (s *Store) Vocabulary() *matcher.Vocabulary { return s.Snapshot().Vocab }

// Snapshot returns a read view of the current state. It never changes, and
// later mutations do not affect it. It takes no lock: reads never wait for
// a write.
func (s *Store) Snapshot() Snapshot {
	db := s.db.Snapshot()
	r := index.NewReader(db.Txn(false))
	m := r.Meta()
	return Snapshot{Reader: r, Seq: m.Seq, Vocab: m.Vocab, db: db}
}

// Snapshot is a consistent, read-only view of the store at one index.
type Snapshot struct {
	index.Reader
	Seq   uint64
	Vocab *matcher.Vocabulary
	db    *memdb.MemDB
}

// Fork returns a private copy-on-write index starting at the snapshot's
// state, for what-if scenarios: writes to it never reach the store.
func (sn Snapshot) Fork() *memdb.MemDB { return sn.db.Snapshot() }

// Update runs fn as one mutation by actor, recorded in the audit log under
// action with the alliances it concerns. If fn or the checks fail, nothing
// is changed and the error is returned; otherwise the mutation is durable
// when Update returns its event.
func (s *Store) Update(ctx context.Context, actor, action string, alliances []string, fn func(tx *Tx) error) (matcher.Event, error) {
	if err := ctx.Err(); err != nil {
		return matcher.Event{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	txn := s.db.Txn(true)
	defer txn.Abort()
	tx := &Tx{Reader: index.NewReader(txn), txn: txn, seq: s.seq.Load() + 1, changed: map[key]bool{}}
	tx.vocab = tx.Meta().Vocab
	if err := fn(tx); err != nil {
		return matcher.Event{}, err
	}
	if len(tx.order) == 0 && len(tx.cats) == 0 {
		return matcher.Event{}, ErrNoChange
	}
	if err := check(tx.Reader, tx.vocab, tx.order, tx.changed, false); err != nil {
		return matcher.Event{}, err
	}
	keys := make([]index.Key, 0, len(tx.cats)+len(tx.order))
	for _, c := range tx.cats {
		keys = append(keys, index.Key{Table: "categories", ID: c.ID})
	}
	for _, k := range tx.order {
		keys = append(keys, index.Key{Table: k.table, ID: k.id})
	}
	state, err := index.RecordChanges(txn, keys)
	if err != nil {
		return matcher.Event{}, err
	}
	if len(s.states) >= index.MaxChangeWalk {
		if err := index.ForgetChanges(txn, s.states[0]); err != nil {
			return matcher.Event{}, err
		}
	}
	if err := txn.Insert(index.TableMeta, &index.Meta{ID: index.MetaID, Seq: tx.seq, Vocab: tx.vocab, State: state}); err != nil {
		return matcher.Event{}, err
	}
	ev := matcher.Event{Seq: tx.seq, Time: s.opts.Now().UTC(), Actor: actor, Action: action, Alliances: alliances, Count: len(tx.order) + len(tx.cats)}
	for _, c := range tx.cats {
		if len(ev.Changes) < matcher.MaxEventChanges {
			ev.Changes = append(ev.Changes, matcher.Change{Table: "categories", ID: c.ID})
		}
	}
	for _, k := range tx.order {
		if len(ev.Changes) < matcher.MaxEventChanges {
			ev.Changes = append(ev.Changes, matcher.Change{Table: k.table, ID: k.id, Delete: !tx.changed[k]})
		}
	}
	err = s.bolt.Update(func(btx *bolt.Tx) error {
		for _, c := range tx.cats {
			if err := putJSON(btx.Bucket(bucketCategories), c.ID, c); err != nil {
				return err
			}
		}
		for _, k := range tx.order {
			b := btx.Bucket([]byte(k.table))
			if !tx.changed[k] {
				if err := b.Delete([]byte(k.id)); err != nil {
					return err
				}
				continue
			}
			raw, err := txn.First(k.table, index.IndexID, k.id)
			if err != nil {
				return err
			}
			if err := putJSON(b, k.id, raw); err != nil {
				return err
			}
		}
		var seqKey [8]byte
		binary.BigEndian.PutUint64(seqKey[:], ev.Seq)
		data, err := json.Marshal(ev)
		if err != nil {
			return err
		}
		if err := btx.Bucket(bucketEvents).Put(seqKey[:], data); err != nil {
			return err
		}
		return btx.Bucket(bucketMeta).Put(keySeq, seqKey[:])
	})
	if err != nil {
		return matcher.Event{}, fmt.Errorf("store: writing %s: %w", action, err)
	}
	if s.opts.afterSync != nil {
		s.opts.afterSync(ev.Seq)
	}
	txn.Commit()
	s.seq.Store(ev.Seq)
	if len(s.states) >= index.MaxChangeWalk {
		s.states = s.states[1:]
	}
	s.states = append(s.states, state)
	s.log.Debug("store update", "seq", ev.Seq, "actor", actor, "action", action, "records", ev.Count)
	return ev, nil
}

func putJSON(b *bolt.Bucket, id string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put([]byte(id), data)
}

// Events returns up to limit audit events after seq, oldest first, that
// pass keep (nil keeps all).
func (s *Store) Events(since uint64, limit int, keep func(*matcher.Event) bool) ([]matcher.Event, error) {
	var out []matcher.Event
	err := s.bolt.View(func(btx *bolt.Tx) error {
		c := btx.Bucket(bucketEvents).Cursor()
		var from [8]byte
		binary.BigEndian.PutUint64(from[:], since+1)
		for k, v := c.Seek(from[:]); k != nil && len(out) < limit; k, v = c.Next() {
			var ev matcher.Event
			if err := json.Unmarshal(v, &ev); err != nil {
				return fmt.Errorf("store: event %x: %w", k, err)
			}
			if keep == nil || keep(&ev) {
				out = append(out, ev)
			}
		}
		return nil
	})
	return out, err
}

// load rebuilds the index from the file: consistency check, strict decode,
// per-record validation, then the cross-record checks on everything.
func (s *Store) load(ctx context.Context) (n int, err error) {
	defer func() {
		// bbolt panics on some page corruption that Check did not reach.
		if r := recover(); r != nil {
			err = fmt.Errorf("store: %s is corrupt: %v", s.path, r)
		}
	}()
	if err := s.bolt.Update(func(btx *bolt.Tx) error {
		meta, err := btx.CreateBucketIfNotExists(bucketMeta)
		if err != nil {
			return err
		}
		if v := meta.Get(keyVersion); v == nil {
			if err := meta.Put(keyVersion, []byte(schemaVersion)); err != nil {
				return err
			}
		} else if string(v) != schemaVersion {
			return fmt.Errorf("store: %s has layout version %q; this allymatch reads version %q", s.path, v, schemaVersion)
		}
		for _, name := range append([]string{string(bucketEvents), string(bucketCategories)}, index.Tables...) {
			if _, err := btx.CreateBucketIfNotExists([]byte(name)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return 0, fmt.Errorf("store: %s: %w", s.path, err)
	}
	db, err := index.New()
	if err != nil {
		return 0, err
	}
	// Building the index makes much short-lived garbage (copy-on-write
	// radix nodes): during the load the GC runs only when the heap nears
	// loadMemoryLimit, then the usual pacing comes back.
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(loadMemoryLimit))
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	txn := db.Txn(true)
	defer txn.Abort()
	var put []key
	vocab := matcher.MustDefaultVocabulary()
	t0 := time.Now()
	// The consistency check walks every page; it runs beside the decoding
	// (its own read transaction) and the load fails if it finds anything.
	checked := make(chan error, 1)
	go func() { checked <- s.consistency() }()
	err = s.bolt.View(func(btx *bolt.Tx) error {
		if seq := btx.Bucket(bucketMeta).Get(keySeq); seq != nil {
			if len(seq) != 8 {
				return fmt.Errorf("store: %s is corrupt: meta/seq has %d bytes", s.path, len(seq))
			}
			s.seq.Store(binary.BigEndian.Uint64(seq))
		}
		var cats []matcher.Category
		if err := eachRecord(btx, string(bucketCategories), s.path, func(id string, data []byte) error {
			var c matcher.Category
			if err := decodeStrict(data, &c); err != nil {
				return err
			}
			if c.ID != id {
				return fmt.Errorf("stored under id %q but holds id %q", id, c.ID)
			}
			cats = append(cats, c)
			return nil
		}); err != nil {
			return err
		}
		if vocab, err = matcher.NewVocabulary(matcher.DefaultCategories, cats); err != nil {
			return fmt.Errorf("store: %s: categories: %w", s.path, err)
		}
		for _, table := range index.Tables {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := decodeInto(btx, table, s.path, func(r record) error {
				if err := txn.Insert(table, r.obj); err != nil {
					return fmt.Errorf("store: %s: %s/%s: %w", s.path, table, r.id, err)
				}
				put = append(put, key{table, r.id})
				return nil
			}); err != nil {
				return err
			}
		}
		return nil
	})
	if cerr := <-checked; cerr != nil {
		return 0, cerr // corruption explains any decode error too
	}
	if err != nil {
		return 0, err
	}
	t3 := time.Now()
	if err := check(index.NewReader(txn), vocab, put, nil, true); err != nil {
		return 0, fmt.Errorf("store: %s breaks an invariant; refusing a partial load: %w", s.path, err)
	}
	if err := txn.Insert(index.TableMeta, &index.Meta{ID: index.MetaID, Seq: s.seq.Load(), Vocab: vocab, State: index.NewState()}); err != nil {
		return 0, err
	}
	txn.Commit()
	s.log.Debug("store load", "decode_insert_ms", t3.Sub(t0).Milliseconds(), "invariants_ms", time.Since(t3).Milliseconds())
	s.db = db
	return len(put), nil
}

type record struct {
	id  string
	obj any
}

// consistency runs bbolt's consistency check on the whole file.
func (s *Store) consistency() (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("store: %s is corrupt (consistency check): %v", s.path, r)
		}
	}()
	return s.bolt.View(func(btx *bolt.Tx) error {
		var bad []error
		for e := range btx.Check() {
			if len(bad) < 10 {
				bad = append(bad, e)
			}
		}
		if len(bad) > 0 {
			return fmt.Errorf("store: %s is corrupt (consistency check): %w", s.path, errors.Join(bad...))
		}
		return nil
	})
}

// decodeChunk is the number of records a decoding worker takes at a time.
const decodeChunk = 2048

// decodeInto decodes and validates every record of one bucket and passes
// them to insert in key order. Workers decode chunks ahead while insert
// runs on the calling goroutine, so decoding and indexing overlap.
func decodeInto(btx *bolt.Tx, table, path string, insert func(record) error) error {
	type raw struct{ k, v []byte }
	var raws []raw
	if err := btx.Bucket([]byte(table)).ForEach(func(k, v []byte) error {
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
		wg.Add(1)
		go func() {
			defer wg.Done()
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
				c := &chunks[i]
				lo, hi := i*decodeChunk, min((i+1)*decodeChunk, len(raws))
				c.recs = make([]record, 0, hi-lo)
				for _, r := range raws[lo:hi] {
					obj, err := decodeRecord(table, string(r.k), r.v)
					if err != nil {
						c.err = fmt.Errorf("store: %s is corrupt: %s/%s: %w", path, table, r.k, err)
						break
					}
					c.recs = append(c.recs, record{id: string(r.k), obj: obj})
				}
				close(c.done)
			}
		}()
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

func decodeRecord(table, id string, data []byte) (any, error) {
	var (
		obj     any
		gotID   string
		invalid error
	)
	switch table {
	case index.TableGrids:
		var v matcher.Grid
		if err := decodeStrict(data, &v); err != nil {
			return nil, err
		}
		obj, gotID, invalid = &v, v.ID, v.Validate()
	case index.TableAlliances:
		var v matcher.Alliance
		if err := decodeStrict(data, &v); err != nil {
			return nil, err
		}
		obj, gotID, invalid = &v, v.ID, v.Validate()
	case index.TableUnits:
		var v matcher.Unit
		if err := decodeStrict(data, &v); err != nil {
			return nil, err
		}
		obj, gotID, invalid = &v, v.ID, v.Validate()
		if len(v.Alliances) > 0 {
			invalid = errors.Join(invalid, errors.New("alliances: stored on the alliances, not on the unit"))
		}
	case index.TableProjects:
		var v matcher.Project
		if err := decodeStrict(data, &v); err != nil {
			return nil, err
		}
		obj, gotID, invalid = &v, v.ID, v.Validate()
	case index.TableItems:
		var v matcher.Item
		if err := decodeStrict(data, &v); err != nil {
			return nil, err
		}
		obj, gotID, invalid = &v, v.ID, v.Validate()
	case index.TableClaims:
		var v matcher.Claim
		if err := decodeStrict(data, &v); err != nil {
			return nil, err
		}
		obj, gotID, invalid = &v, v.ID, v.Validate()
	default:
		return nil, fmt.Errorf("unknown table %q", table)
	}
	if invalid != nil {
		return nil, invalid
	}
	if gotID != id {
		return nil, fmt.Errorf("stored under id %q but holds id %q", id, gotID)
	}
	return obj, nil
}

func eachRecord(btx *bolt.Tx, bucket, path string, fn func(id string, data []byte) error) error {
	return btx.Bucket([]byte(bucket)).ForEach(func(k, v []byte) error {
		if err := fn(string(k), v); err != nil {
			return fmt.Errorf("store: %s is corrupt: %s/%s: %w", path, bucket, k, err)
		}
		return nil
	})
}

func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data after the record")
	}
	return nil
}
