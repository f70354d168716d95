package store

import (
	"context"
	"errors"

	bolt "go.etcd.io/bbolt"
)

// The store keeps its state in named buckets of keys and values (bytes),
// on one of two engines: a bbolt file (the embedded default) or a
// PostgreSQL database (postgres.go). Everything above this seam (the
// records, the audit events, the logins, the layout version and the
// sequence in the meta bucket, the checks at open) is the same code on
// both. A table added to the store (a new bucket) needs nothing from the
// engines: buckets are made and found by name.
//
// The contract both engines keep:
//   - update runs fn in one write transaction, all or nothing, durable when
//     update returns nil; write transactions run one at a time, also across
//     processes sharing a PostgreSQL database (they serialise on the meta
//     bucket's sequence);
//   - view runs fn on a consistent read-only snapshot;
//   - keys iterate in byte order;
//   - the slices a transaction returns are valid until it ends.
type engine interface {
	view(ctx context.Context, fn func(kvTx) error) error
	update(ctx context.Context, fn func(kvTx) error) error
	close() error
}

// kvTx is one transaction of an engine.
type kvTx interface {
	// bucket returns the bucket name, or nil when it does not exist.
	bucket(name string) (kvBucket, error)
	// createBucket returns the bucket name, made if missing (write
	// transactions only).
	createBucket(name string) (kvBucket, error)
	// deleteBucket deletes the bucket name and everything in it (write
	// transactions only; tests and migrations).
	deleteBucket(name string) error
	// buckets returns the names of every bucket, sorted.
	buckets() ([]string, error)
}

// kvBucket is a bucket in a transaction.
type kvBucket interface {
	// get returns the value of k, or nil when there is none.
	get(k []byte) ([]byte, error)
	put(k, v []byte) error
	delete(k []byte) error
	// scan calls fn on every key from from on (nil: the first), in order,
	// until fn returns false or an error.
	scan(from []byte, fn func(k, v []byte) (bool, error)) error
	// scanBack calls fn on every key before before (nil: from the last
	// key on), newest first, until fn returns false or an error.
	scanBack(before []byte, fn func(k, v []byte) (bool, error)) error
	// last returns the last key, nil when the bucket is empty.
	last() ([]byte, error)
	// nextSequence increments the bucket's own counter and returns it
	// (ordered keys: the outbox); sequence reads it and setSequence sets
	// it (Copy).
	nextSequence() (uint64, error)
	sequence() (uint64, error)
	setSequence(n uint64) error
	// fillPages asks that the pages this transaction writes be filled,
	// not left half empty for later inserts: for a bucket that was empty
	// and is written whole (an import into a new store). A hint; an
	// engine without pages ignores it.
	fillPages()
}

// forEach calls fn on every key and value of b, in key order.
func forEach(b kvBucket, fn func(k, v []byte) error) error {
	return b.scan(nil, func(k, v []byte) (bool, error) { return true, fn(k, v) })
}

// first returns the first key of b, nil when it is empty.
func first(b kvBucket) ([]byte, error) {
	var out []byte
	err := b.scan(nil, func(k, _ []byte) (bool, error) { out = k; return false, nil })
	return out, err
}

// mustBucket is bucket for a bucket that every store has (requiredBuckets,
// checked at open).
func mustBucket(tx kvTx, name []byte) (kvBucket, error) {
	b, err := tx.bucket(string(name))
	if err == nil && b == nil {
		err = errors.New("store: the bucket " + string(name) + " is missing")
	}
	return b, err
}

// boltEngine is the bbolt file.
type boltEngine struct{ db *bolt.DB }

func (e boltEngine) view(_ context.Context, fn func(kvTx) error) error {
	return e.db.View(func(btx *bolt.Tx) error { return fn(boltTx{btx}) })
}

func (e boltEngine) update(_ context.Context, fn func(kvTx) error) error {
	return e.db.Update(func(btx *bolt.Tx) error { return fn(boltTx{btx}) })
}

func (e boltEngine) close() error { return e.db.Close() }

type boltTx struct{ tx *bolt.Tx }

func (t boltTx) bucket(name string) (kvBucket, error) {
	b := t.tx.Bucket([]byte(name))
	if b == nil {
		return nil, nil
	}
	return boltBucket{b}, nil
}

func (t boltTx) createBucket(name string) (kvBucket, error) {
	b, err := t.tx.CreateBucketIfNotExists([]byte(name))
	if err != nil {
		return nil, err
	}
	return boltBucket{b}, nil
}

func (t boltTx) deleteBucket(name string) error { return t.tx.DeleteBucket([]byte(name)) }

func (t boltTx) buckets() ([]string, error) {
	var out []string
	err := t.tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
		out = append(out, string(name))
		return nil
	})
	return out, err
}

type boltBucket struct{ b *bolt.Bucket }

func (b boltBucket) get(k []byte) ([]byte, error) { return b.b.Get(k), nil }
func (b boltBucket) put(k, v []byte) error        { return b.b.Put(k, v) }
func (b boltBucket) delete(k []byte) error        { return b.b.Delete(k) }

func (b boltBucket) scan(from []byte, fn func(k, v []byte) (bool, error)) error {
	c := b.b.Cursor()
	k, v := c.First()
	if from != nil {
		k, v = c.Seek(from)
	}
	for ; k != nil; k, v = c.Next() {
		if ok, err := fn(k, v); err != nil || !ok {
			return err
		}
	}
	return nil
}

func (b boltBucket) scanBack(before []byte, fn func(k, v []byte) (bool, error)) error {
	c := b.b.Cursor()
	var k, v []byte
	if before == nil {
		k, v = c.Last()
	} else if k, _ = c.Seek(before); k == nil {
		k, v = c.Last()
	} else {
		k, v = c.Prev()
	}
	for ; k != nil; k, v = c.Prev() {
		if ok, err := fn(k, v); err != nil || !ok {
			return err
		}
	}
	return nil
}

func (b boltBucket) nextSequence() (uint64, error) { return b.b.NextSequence() }
func (b boltBucket) sequence() (uint64, error)     { return b.b.Sequence(), nil }
func (b boltBucket) setSequence(n uint64) error    { return b.b.SetSequence(n) }

// fillPages: bbolt splits a node at commit into pages filled to the
// bucket's FillPercent (half by default, room for inserts in key order
// to come); at 1 a bucket written whole takes half the pages, so half
// the bytes to write at the import and to read at every start.
func (b boltBucket) fillPages() { b.b.FillPercent = 1 }

func (b boltBucket) last() ([]byte, error) {
	k, _ := b.b.Cursor().Last()
	return k, nil
}
