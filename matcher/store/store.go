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
	"runtime"
	"sync"
	"sync/atomic"

	memdb "github.com/allymatch/allymatch/internal/third_party/memdb"
	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
)

// FileName is the name of the database file inside the data folder.
const FileName = "allymatch.db"

// schemaVersion is the layout of the file. Version 2 seals (Seal) every
// record, event and category; version 1, which did not, is migrated at
// open; version 3 adds the points ledger's tables (migrate_ledger.go),
// which a version-2 file gains at open; a file of a higher version is
// refused (KindNewer).
const schemaVersion = "3"

var (
	bucketMeta       = []byte("meta")
	bucketEvents     = []byte("events")
	bucketCategories = []byte("categories")
	keySeq           = []byte("seq")
	keyVersion       = []byte("version")
)

// Store is the durable, indexed state. It is safe for concurrent use.
type Store struct {
	opts Options
	path string // the file, or the database's URL without its password
	kv   engine
	db   *memdb.MemDB
	mu   sync.Mutex // serialises mutations
	seq  atomic.Uint64
	log  *slog.Logger
	// states are the index states of the last writes, oldest first: the
	// change log keeps their ChangeSets only (index.MaxChangeWalk).
	states []uint64
	// stopFollow ends the following of another process's writes
	// (PostgreSQL), and followed is closed once it has ended.
	stopFollow context.CancelFunc
	followed   chan struct{}
	followErr  atomic.Pointer[error]
	// leases end the leaderships this process holds (Leader), at Close.
	leases  map[*int]func()
	leaseMu sync.Mutex
	// outbox is the notifications' hook (SetOutbox); nil: none.
	outbox Outbox
	// cache holds the cached side tables (side.go) by table and id,
	// replaced (never changed) under mu and cacheMu.
	cache   map[string]map[string][]byte
	cacheMu sync.RWMutex
	// changed is closed and replaced at every acknowledged mutation
	// (Changed).
	changed atomic.Pointer[chan struct{}]
}

// Path returns the database file's path, or the PostgreSQL database's
// URL (without its password).
func (s *Store) Path() string { return s.path }

// Close closes the file or the connections. The store must not be used
// afterwards.
func (s *Store) Close() error {
	s.endLeases()
	if s.stopFollow != nil {
		s.stopFollow()
		<-s.followed
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.kv.close()
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
//
// The mutation runs inside the engine's write transaction, which holds
// the store's write lock (on PostgreSQL, across every process on the
// database). When another process wrote since this one last read, its
// changes are applied to the index first (catch-up), so that fn always
// runs on the latest state: two processes never overwrite each other's
// writes unseen.
func (s *Store) Update(ctx context.Context, actor, action string, alliances []string, fn func(tx *Tx) error) (matcher.Event, error) {
	if err := ctx.Err(); err != nil {
		return matcher.Event{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var (
		txn      *memdb.Txn
		tx       *Tx
		ev       matcher.Event
		state    uint64
		notes    []any
		noteKeys []uint64
	)
	defer func() {
		if txn != nil {
			txn.Abort() // a no-op once committed
		}
	}()
	err := s.kv.update(ctx, func(ktx kvTx) error {
		meta, err := mustBucket(ktx, bucketMeta)
		if err != nil {
			return err
		}
		stored, err := storedSeq(meta)
		if err != nil {
			return err
		}
		if stored != s.seq.Load() {
			// Another process on the same database wrote since this one
			// read the store.
			if err := s.catchUp(ktx, stored); err != nil {
				return err
			}
		}
		txn = s.db.Txn(true)
		tx = &Tx{Reader: index.NewReader(txn), txn: txn, seq: s.seq.Load() + 1, changed: map[key]bool{}, store: s}
		tx.vocab = tx.Meta().Vocab
		if err := fn(tx); err != nil {
			return mutationError{err}
		}
		if len(tx.order) == 0 && len(tx.cats) == 0 && len(tx.side) == 0 {
			return mutationError{ErrNoChange}
		}
		objs, err := current(txn, tx.order, tx.changed)
		if err != nil {
			return err
		}
		if err := check(tx.Reader, tx.vocab, tx.order, tx.changed, objs); err != nil {
			return mutationError{err}
		}
		keys := make([]index.Key, 0, len(tx.cats)+len(tx.order))
		for _, c := range tx.cats {
			keys = append(keys, index.Key{Table: "categories", ID: c.ID})
		}
		for _, k := range tx.order {
			keys = append(keys, index.Key{Table: k.table, ID: k.id})
		}
		if state, err = s.recordIndexChanges(txn, tx.seq, tx.vocab, keys); err != nil {
			return err
		}
		ev = matcher.Event{Seq: tx.seq, Time: s.opts.Now().UTC(), Actor: actor, Action: action, Alliances: alliances, Count: len(tx.order) + len(tx.cats) + len(tx.side), Side: tx.sideOf}
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
		for _, w := range tx.side {
			if len(ev.Changes) < matcher.MaxEventChanges {
				ev.Changes = append(ev.Changes, matcher.Change{Table: w.bucket, ID: w.id, Delete: w.data == nil})
			}
		}
		// The outbox's notes are made from the state the mutation leaves
		// and written in its own transaction.
		var encoded [][]byte
		if s.outbox != nil {
			notes = s.outbox.Notes(tx, &ev)
			for _, n := range notes {
				data, err := json.Marshal(n)
				if err != nil {
					return fmt.Errorf("encoding a note: %w", err)
				}
				encoded = append(encoded, data)
			}
		}
		if noteKeys, err = writeSide(ktx, tx.side, encoded); err != nil {
			return err
		}
		cats, err := mustBucket(ktx, bucketCategories)
		if err != nil {
			return err
		}
		for _, c := range tx.cats {
			if err := putJSON(cats, c.ID, c); err != nil {
				return err
			}
		}
		values, err := encodeRecords(tx.order, objs)
		if err != nil {
			return err
		}
		for table := range tx.whole {
			b, err := mustBucket(ktx, []byte(table))
			if err != nil {
				return err
			}
			b.fillPages()
		}
		for i, k := range tx.order {
			b, err := mustBucket(ktx, []byte(k.table))
			if err != nil {
				return err
			}
			if values[i] == nil {
				if err := b.delete([]byte(k.id)); err != nil {
					return err
				}
				continue
			}
			if err := b.put([]byte(k.id), values[i]); err != nil {
				return err
			}
		}
		var seqKey [8]byte
		binary.BigEndian.PutUint64(seqKey[:], ev.Seq)
		data, err := json.Marshal(ev)
		if err != nil {
			return err
		}
		events, err := mustBucket(ktx, bucketEvents)
		if err != nil {
			return err
		}
		if err := events.put(seqKey[:], Seal(seqKey[:], data)); err != nil {
			return err
		}
		return meta.put(keySeq, seqKey[:])
	})
	if me, ok := errors.AsType[mutationError](err); ok {
		return matcher.Event{}, me.err
	}
	if err != nil {
		return matcher.Event{}, fmt.Errorf("store: writing %s: %w", action, err)
	}
	if s.opts.afterSync != nil {
		s.opts.afterSync(ev.Seq)
	}
	txn.Commit()
	s.applySide(tx.side)
	s.advanced(ev.Seq, state)
	if s.outbox != nil {
		s.outbox.Committed(&ev, notes, noteKeys)
	}
	s.signalChanged()
	s.log.Debug("store update", "seq", ev.Seq, "actor", actor, "action", action, "records", ev.Count)
	return ev, nil
}

// mutationError carries an error of the mutation itself (fn, the checks,
// ErrNoChange) through the engine's transaction, which it rolls back.
type mutationError struct{ err error }

func (e mutationError) Error() string { return e.err.Error() }

// recordIndexChanges records in txn the change set of keys and the meta
// record of seq, and returns the new index state.
func (s *Store) recordIndexChanges(txn *memdb.Txn, seq uint64, vocab *matcher.Vocabulary, keys []index.Key) (uint64, error) {
	state, err := index.RecordChanges(txn, keys)
	if err != nil {
		return 0, err
	}
	if len(s.states) >= index.MaxChangeWalk {
		if err := index.ForgetChanges(txn, s.states[0]); err != nil {
			return 0, err
		}
	}
	if err := txn.Insert(index.TableMeta, &index.Meta{ID: index.MetaID, Seq: seq, Vocab: vocab, State: state}); err != nil {
		return 0, err
	}
	return state, nil
}

// advanced records that the index committed seq at state (s.mu held).
func (s *Store) advanced(seq, state uint64) {
	s.seq.Store(seq)
	if len(s.states) >= index.MaxChangeWalk {
		s.states = s.states[1:]
	}
	s.states = append(s.states, state)
}

// WaitSeq waits until the store has reached seq (a write of another
// process on the same database that this one follows), or ctx ends.
func (s *Store) WaitSeq(ctx context.Context, seq uint64) error {
	for {
		ch := s.Changed()
		if s.Seq() >= seq {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// encodeChunk is the number of records an encoding worker takes at a time.
const encodeChunk = 1024

// valueBlock is the size of the blocks encodeRecords copies values into.
const valueBlock = 256 << 10

// encodeRecords returns the stored value of each record of order, encoded
// and sealed as putJSON stores it, from objs (current's); nil for a record
// deleted. A large mutation (an import) is encoded by GOMAXPROCS workers:
// the records are immutable once in the index.
//
// Each worker encodes into one buffer (an Encoder writes what Marshal
// returns, and a newline) and copies the sealed value into blocks of
// valueBlock bytes, one allocation for many values instead of two each.
func encodeRecords(order []key, objs []any) ([][]byte, error) {
	values := make([][]byte, len(order))
	encode := func(lo, hi int) error {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		var block []byte
		for i := lo; i < hi; i++ {
			if objs[i] == nil {
				continue
			}
			buf.Reset()
			if err := enc.Encode(objs[i]); err != nil {
				return fmt.Errorf("encoding %s/%s: %w", order[i].table, order[i].id, err)
			}
			data := buf.Bytes()[:buf.Len()-1] // the Encoder's newline
			n := len(data) + ChecksumSize
			if cap(block)-len(block) < n {
				// A small mutation takes a small block.
				block = make([]byte, 0, max(n, min(valueBlock, n*(hi-i))))
			}
			start := len(block)
			block = append(block, data...)
			block = binary.BigEndian.AppendUint32(block, checksum([]byte(order[i].id), data))
			values[i] = block[start:len(block):len(block)]
		}
		return nil
	}
	if len(order) < 2*encodeChunk {
		return values, encode(0, len(order))
	}
	var (
		next atomic.Int64
		wg   sync.WaitGroup
		errs = make([]error, (len(order)+encodeChunk-1)/encodeChunk)
	)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for {
				c := int(next.Add(1) - 1)
				if c >= len(errs) {
					return
				}
				errs[c] = encode(c*encodeChunk, min((c+1)*encodeChunk, len(order)))
			}
		})
	}
	wg.Wait()
	return values, errors.Join(errs...)
}

// putJSON stores v under id in b, encoded and sealed.
func putJSON(b kvBucket, id string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.put([]byte(id), sealOwned([]byte(id), data))
}

// storedSeq reads the sequence from the meta bucket (0 when a store that
// was never written has none).
func storedSeq(meta kvBucket) (uint64, error) {
	raw, err := meta.get(keySeq)
	switch {
	case err != nil:
		return 0, err
	case raw == nil:
		return 0, nil
	case len(raw) != 8:
		return 0, fmt.Errorf("meta/seq has %d bytes, not 8", len(raw))
	}
	return binary.BigEndian.Uint64(raw), nil
}

// event reads the audit event stored at key k as v.
func (s *Store) event(k, v []byte) (matcher.Event, error) {
	var ev matcher.Event
	data, err := Unseal(k, v)
	if err == nil {
		err = json.Unmarshal(data, &ev)
	}
	if err != nil {
		return ev, damaged(s.path, "events/%s: %v", keyName(string(bucketEvents), k), err)
	}
	return ev, nil
}

// Events returns up to limit audit events after seq, oldest first, that
// pass keep (nil keeps all).
func (s *Store) Events(since uint64, limit int, keep func(*matcher.Event) bool) (out []matcher.Event, err error) {
	err = guard(s.path, func() error {
		return s.kv.view(context.Background(), func(ktx kvTx) error {
			b, err := mustBucket(ktx, bucketEvents)
			if err != nil {
				return err
			}
			var from [8]byte
			binary.BigEndian.PutUint64(from[:], since+1)
			return b.scan(from[:], func(k, v []byte) (bool, error) {
				if len(out) >= limit {
					return false, nil
				}
				ev, err := s.event(k, v)
				if err != nil {
					return false, err
				}
				if keep == nil || keep(&ev) {
					out = append(out, ev)
				}
				return true, nil
			})
		})
	})
	return out, err
}
