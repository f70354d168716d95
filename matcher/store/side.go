package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/allymatch/allymatch/matcher"
)

// Side tables hold what the notifications need beside the records: the
// webhook subscriptions, the transactional outbox, the messages made of
// it with their delivery state, and the reminders sent. They are not in
// the index (nothing a solve reads), are optional buckets (made on first
// write, so a file made before them opens as it is) and are sealed as
// records are (Seal); Open checks every value's checksum.
//
//   - webhooks: written only through Update (Tx.PutSide, Tx.DeleteSide),
//     so that each change of a subscription has its audit event; kept in
//     memory too (SideAll), since every mutation's outbox hook reads them.
//   - outbox: written in the same bbolt transaction as the mutation whose
//     notes they are (see Outbox), keyed by an ordered id.
//   - deliveries, delivery-state, reminders: the dispatcher's own state
//     (SideUpdate): a message written once, its delivery state written at
//     each attempt's outcome (small, beside it), the reminders sent.
const (
	SideWebhooks      = "webhooks"
	SideOutbox        = "outbox"
	SideDeliveries    = "deliveries"
	SideDeliveryState = "delivery-state"
	SideReminders     = "reminders"
)

// sideBuckets are the side tables; cached are those kept in memory.
func sideBuckets() []string {
	return []string{SideWebhooks, SideOutbox, SideDeliveries, SideDeliveryState, SideReminders}
}

func cachedSide(bucket string) bool { return bucket == SideWebhooks }

func isSide(bucket string) bool { return slices.Contains(sideBuckets(), bucket) }

// Outbox is the store's transactional outbox hook (SetOutbox): the notes a
// mutation sends are written in the mutation's own bbolt transaction, so
// that a crash can neither lose them nor leave notes of a change that did
// not commit.
type Outbox interface {
	// Notes returns the notes of the mutation whose audit event is ev, read
	// on tx (the state as the mutation left it): each is encoded as JSON,
	// sealed and appended to the outbox under the next ordered key. It runs
	// inside the write (under the store's write lock): it must be quick and
	// must not call the store.
	Notes(tx *Tx, ev *matcher.Event) []any
	// Committed is called once the mutation is durable and visible, still
	// under the write lock, with the notes Notes returned and their outbox
	// keys (none: nil and nil). It must not block.
	Committed(ev *matcher.Event, notes []any, keys []uint64)
}

// SetOutbox installs the outbox hook (nil: none) for the mutations that
// start after it returns.
func (s *Store) SetOutbox(o Outbox) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.outbox = o
}

// OutboxKey encodes an ordered key of the outbox and deliveries tables.
func OutboxKey(n uint64) []byte { return binary.BigEndian.AppendUint64(nil, n) }

// ParseOutboxKey decodes an OutboxKey (0 for a key that is not one).
func ParseOutboxKey(k []byte) uint64 {
	if len(k) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(k)
}

// sideWrite is a put (data set) or a delete of a side record in a Tx.
type sideWrite struct {
	bucket, id string
	data       []byte // nil: delete
}

// PutSide adds or replaces the record id of a side table written through
// Update (SideWebhooks): v is encoded as JSON and sealed. The audit event
// lists it as a change of table bucket.
func (tx *Tx) PutSide(bucket, id string, v any) error {
	if !cachedSide(bucket) {
		return fmt.Errorf("store: %s is not written through Update", bucket)
	}
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	tx.putSide(sideWrite{bucket: bucket, id: id, data: data})
	return nil
}

// DeleteSide deletes the record id of a side table (ENOTFOUND if absent).
func (tx *Tx) DeleteSide(bucket, id string) error {
	if _, ok := tx.Side(bucket, id); !ok {
		return matcher.Errorf(matcher.ENOTFOUND, "%s %q not found", bucket, id)
	}
	tx.putSide(sideWrite{bucket: bucket, id: id})
	return nil
}

func (tx *Tx) putSide(w sideWrite) {
	for i := range tx.side {
		if tx.side[i].bucket == w.bucket && tx.side[i].id == w.id {
			tx.side[i] = w
			return
		}
	}
	tx.side = append(tx.side, w)
}

// Side returns the record id of a cached side table as this mutation has
// left it (its own puts and deletes first).
func (tx *Tx) Side(bucket, id string) ([]byte, bool) {
	for _, w := range tx.side {
		if w.bucket == bucket && w.id == id {
			return w.data, w.data != nil
		}
	}
	data, ok := tx.store.cache[bucket][id]
	return data, ok
}

// SideChanged reports whether this mutation puts or deletes a record of
// the side table bucket.
func (tx *Tx) SideChanged(bucket string) bool {
	return slices.ContainsFunc(tx.side, func(w sideWrite) bool { return w.bucket == bucket })
}

// SideAll returns the records of a cached side table (SideWebhooks) by
// id, as of the last acknowledged mutation. The map is the caller's.
func (s *Store) SideAll(bucket string) map[string][]byte {
	s.cacheMu.RLock()
	defer s.cacheMu.RUnlock()
	return maps.Clone(s.cache[bucket])
}

// Side is a bbolt transaction on the side tables that the dispatcher
// owns (outbox, deliveries, reminders): values are sealed on writes and
// checked on reads.
type Side struct {
	tx   kvTx
	path string
}

// SideView runs fn in a read-only transaction on the side tables.
func (s *Store) SideView(fn func(sd *Side) error) error {
	return guard(s.path, func() error {
		return s.kv.view(context.Background(), func(tx kvTx) error { return fn(&Side{tx: tx, path: s.path}) })
	})
}

// SideUpdate runs fn in one synced write transaction on the side tables
// (all or nothing). It takes bbolt's writer lock, which every mutation
// needs too: callers batch their writes.
func (s *Store) SideUpdate(fn func(sd *Side) error) error {
	err := guard(s.path, func() error {
		return s.kv.update(context.Background(), func(tx kvTx) error { return fn(&Side{tx: tx, path: s.path}) })
	})
	if err != nil {
		return fmt.Errorf("store: writing the notifications' tables: %w", err)
	}
	return nil
}

// SideUpdateSerial is SideUpdate under the store's write lock: while fn
// runs, no mutation is between writing its outbox notes and handing them
// to the outbox hook (Outbox.Committed), so that a note fn appends to the
// outbox has a key above those of every note handed over already, and
// none below it is still on its way.
func (s *Store) SideUpdateSerial(fn func(sd *Side) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.SideUpdate(fn)
}

func (sd *Side) bucket(name string, create bool) (kvBucket, error) {
	if !isSide(name) || cachedSide(name) && create {
		return nil, fmt.Errorf("store: %s is not a side table the dispatcher writes", name)
	}
	if create {
		return sd.tx.createBucket(name)
	}
	return sd.tx.bucket(name)
}

// Get returns the value of key in bucket (nil, false when absent).
func (sd *Side) Get(bucket string, key []byte) ([]byte, bool, error) {
	b, err := sd.bucket(bucket, false)
	if err != nil || b == nil {
		return nil, false, err
	}
	v, err := b.get(key)
	if err != nil || v == nil {
		return nil, false, err
	}
	data, err := Unseal(key, v)
	if err != nil {
		return nil, false, damaged(sd.path, "%s/%x: %v", bucket, key, err)
	}
	return bytes.Clone(data), true, nil
}

// Put stores data under key in bucket, sealed.
func (sd *Side) Put(bucket string, key, data []byte) error {
	b, err := sd.bucket(bucket, true)
	if err != nil {
		return err
	}
	return b.put(key, Seal(key, data))
}

// PutJSON stores v, encoded as JSON, under key in bucket.
func (sd *Side) PutJSON(bucket string, key []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return sd.Put(bucket, key, data)
}

// Delete removes key from bucket (nothing when absent).
func (sd *Side) Delete(bucket string, key []byte) error {
	b, err := sd.bucket(bucket, false)
	if err != nil || b == nil {
		return err
	}
	return b.delete(key)
}

// NextKey returns the next ordered key of bucket (1, 2, ...), as
// OutboxKey encodes it.
func (sd *Side) NextKey(bucket string) (uint64, error) {
	b, err := sd.bucket(bucket, true)
	if err != nil {
		return 0, err
	}
	return b.nextSequence()
}

// Scan calls fn for the values of bucket from key from on (nil: all), in
// key order, until fn returns false. data is valid during fn only.
func (sd *Side) Scan(bucket string, from []byte, fn func(key, data []byte) (bool, error)) error {
	b, err := sd.bucket(bucket, false)
	if err != nil || b == nil {
		return err
	}
	return b.scan(from, func(k, v []byte) (bool, error) {
		data, err := Unseal(k, v)
		if err != nil {
			return false, damaged(sd.path, "%s/%x: %v", bucket, k, err)
		}
		return fn(k, data)
	})
}

// writeSide writes a mutation's side writes and outbox notes in its bbolt
// transaction; keys are the notes' outbox keys.
func writeSide(tx kvTx, writes []sideWrite, notes [][]byte) (keys []uint64, err error) {
	for _, w := range writes {
		b, err := tx.createBucket(w.bucket)
		if err != nil {
			return nil, err
		}
		if w.data == nil {
			if err := b.delete([]byte(w.id)); err != nil {
				return nil, err
			}
			continue
		}
		if err := b.put([]byte(w.id), Seal([]byte(w.id), w.data)); err != nil {
			return nil, err
		}
	}
	if len(notes) == 0 {
		return nil, nil
	}
	b, err := tx.createBucket(SideOutbox)
	if err != nil {
		return nil, err
	}
	for _, data := range notes {
		n, err := b.nextSequence()
		if err != nil {
			return nil, err
		}
		k := OutboxKey(n)
		if err := b.put(k, Seal(k, data)); err != nil {
			return nil, err
		}
		keys = append(keys, n)
	}
	return keys, nil
}

// applySide updates the memory of the cached side tables after a commit.
func (s *Store) applySide(writes []sideWrite) {
	if len(writes) == 0 {
		return
	}
	s.cacheMu.Lock()
	defer s.cacheMu.Unlock()
	next := maps.Clone(s.cache)
	if next == nil {
		next = map[string]map[string][]byte{}
	}
	for _, w := range writes {
		m := maps.Clone(next[w.bucket])
		if m == nil {
			m = map[string][]byte{}
		}
		if w.data == nil {
			delete(m, w.id)
		} else {
			m[w.id] = w.data
		}
		next[w.bucket] = m
	}
	s.cache = next
}

// loadSide checks every value of the side tables a file has (a checksum
// that does not match refuses the file, as for records) and returns the
// cached ones' values.
func loadSide(tx kvTx, path string) (map[string]map[string][]byte, int, error) {
	cache := map[string]map[string][]byte{}
	n := 0
	for _, name := range sideBuckets() {
		b, err := tx.bucket(name)
		if err != nil {
			return nil, 0, err
		}
		if b == nil {
			continue
		}
		err = forEach(b, func(k, v []byte) error {
			data, err := Unseal(k, v)
			if err != nil {
				return damaged(path, "%s/%s: %v", name, sideKeyName(name, k), err)
			}
			if !json.Valid(data) {
				return damaged(path, "%s/%s: not a JSON value", name, sideKeyName(name, k))
			}
			if cachedSide(name) {
				if cache[name] == nil {
					cache[name] = map[string][]byte{}
				}
				cache[name][string(k)] = bytes.Clone(data)
			}
			n++
			return nil
		})
		if err != nil {
			return nil, 0, err
		}
	}
	return cache, n, nil
}

func sideKeyName(bucket string, k []byte) string {
	if bucket == SideOutbox || bucket == SideDeliveries || bucket == SideDeliveryState {
		if n := ParseOutboxKey(k); n != 0 {
			return fmt.Sprint(n)
		}
	}
	return fmt.Sprintf("%q", k)
}

// Changed returns a channel that is closed when the next mutation is
// acknowledged: take it before reading, then wait on it for what comes
// after (the live stream does).
func (s *Store) Changed() <-chan struct{} {
	return *s.changed.Load()
}

func (s *Store) signalChanged() {
	next := make(chan struct{})
	close(*s.changed.Swap(&next))
}
