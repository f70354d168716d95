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
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	memdb "github.com/hashicorp/go-memdb"
	bolt "go.etcd.io/bbolt"

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
	path string
	bolt *bolt.DB
	db   *memdb.MemDB
	mu   sync.Mutex // serialises mutations
	seq  atomic.Uint64
	log  *slog.Logger
	// states are the index states of the last writes, oldest first: the
	// change log keeps their ChangeSets only (index.MaxChangeWalk).
	states []uint64
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
	tx := &Tx{Reader: index.NewReader(txn), txn: txn, seq: s.seq.Load() + 1, changed: map[key]bool{}, store: s}
	tx.vocab = tx.Meta().Vocab
	if err := fn(tx); err != nil {
		return matcher.Event{}, err
	}
	if len(tx.order) == 0 && len(tx.cats) == 0 && len(tx.side) == 0 {
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
	ev := matcher.Event{Seq: tx.seq, Time: s.opts.Now().UTC(), Actor: actor, Action: action, Alliances: alliances, Count: len(tx.order) + len(tx.cats) + len(tx.side), Side: tx.sideOf}
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
	// The outbox's notes are made from the state the mutation leaves and
	// written in its own bbolt transaction.
	var notes []any
	var encoded [][]byte
	if s.outbox != nil {
		notes = s.outbox.Notes(tx, &ev)
		for _, n := range notes {
			data, err := json.Marshal(n)
			if err != nil {
				return matcher.Event{}, fmt.Errorf("store: encoding a note of %s: %w", action, err)
			}
			encoded = append(encoded, data)
		}
	}
	var noteKeys []uint64
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
		if err := btx.Bucket(bucketEvents).Put(seqKey[:], Seal(seqKey[:], data)); err != nil {
			return err
		}
		if noteKeys, err = writeSide(btx, tx.side, encoded); err != nil {
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
	s.applySide(tx.side)
	s.seq.Store(ev.Seq)
	if len(s.states) >= index.MaxChangeWalk {
		s.states = s.states[1:]
	}
	s.states = append(s.states, state)
	if s.outbox != nil {
		s.outbox.Committed(&ev, notes, noteKeys)
	}
	s.signalChanged()
	s.log.Debug("store update", "seq", ev.Seq, "actor", actor, "action", action, "records", ev.Count)
	return ev, nil
}

// putJSON stores v under id in b, encoded and sealed.
func putJSON(b *bolt.Bucket, id string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put([]byte(id), Seal([]byte(id), data))
}

// Events returns up to limit audit events after seq, oldest first, that
// pass keep (nil keeps all).
func (s *Store) Events(since uint64, limit int, keep func(*matcher.Event) bool) (out []matcher.Event, err error) {
	err = guard(s.path, func() error {
		return s.bolt.View(func(btx *bolt.Tx) error {
			c := btx.Bucket(bucketEvents).Cursor()
			var from [8]byte
			binary.BigEndian.PutUint64(from[:], since+1)
			for k, v := c.Seek(from[:]); k != nil && len(out) < limit; k, v = c.Next() {
				data, err := Unseal(k, v)
				if err != nil {
					return damaged(s.path, "events/%s: %v", keyName(string(bucketEvents), k), err)
				}
				var ev matcher.Event
				if err := json.Unmarshal(data, &ev); err != nil {
					return damaged(s.path, "events/%s: %v", keyName(string(bucketEvents), k), err)
				}
				if keep == nil || keep(&ev) {
					out = append(out, ev)
				}
			}
			return nil
		})
	})
	return out, err
}
