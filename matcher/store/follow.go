package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
)

// Several processes may serve one PostgreSQL database (replicas behind a
// load balancer). Each writes under the store's write lock (the row of the
// sequence) and logs the records and categories it changed in
// allymatch_changes, in the same transaction. Each follows the others:
// woken by a notification at every commit, or every followPoll at the
// latest, it applies the changes after its own sequence to its index, in
// order. A write catches up first, inside its transaction (Update).

// followPoll is how often a replica looks for changes without a
// notification (a lost notification, a reconnect).
const followPoll = time.Second

// changeLog is what an engine with a change log offers (PostgreSQL).
type changeLog interface {
	// changes calls fn on every change after seq from up to seq to, in
	// order.
	changes(from, to uint64, fn func(seq uint64, bucket string, k, v []byte) error) error
}

// catchUp applies to the index every change another process committed
// after s.seq up to seq to, read in tx (s.mu held).
func (s *Store) catchUp(tx kvTx, to uint64) error {
	from := s.seq.Load()
	cl, ok := tx.(changeLog)
	if !ok || to < from {
		return matcher.Errorf(matcher.ECONFLICT, "the store was changed by another process (it is at seq %d, this one at %d); nothing was written", to, from)
	}
	txn := s.db.Txn(true)
	defer txn.Abort()
	vocab := index.NewReader(txn).Meta().Vocab
	var keys []index.Key
	var side []sideWrite // of the cached side tables
	cur := from
	err := cl.changes(from, to, func(seq uint64, bucket string, k, v []byte) error {
		if seq != cur && seq != cur+1 {
			return fmt.Errorf("store: the change log lacks seq %d (next is %d): this process fell too far behind; restart it to load the store anew", cur+1, seq)
		}
		cur = seq
		id := string(k)
		if cachedSide(bucket) {
			w := sideWrite{bucket: bucket, id: id}
			if v != nil {
				data, err := Unseal(k, v)
				if err != nil {
					return damaged(s.path, "allymatch_changes %d: %s/%s: %v", seq, bucket, id, err)
				}
				w.data = bytes.Clone(data)
			}
			side = append(side, w)
			return nil
		}
		if bucket == string(bucketCategories) {
			if v == nil {
				return nil // categories are never deleted
			}
			data, err := Unseal(k, v)
			if err != nil {
				return damaged(s.path, "allymatch_changes %d: categories/%s: %v", seq, id, err)
			}
			var c matcher.Category
			if err := decodeStrict(data, &c); err != nil {
				return damaged(s.path, "allymatch_changes %d: categories/%s: %v", seq, id, err)
			}
			nv, err := matcher.NewVocabulary(append(vocab.All(), c))
			if err != nil {
				return damaged(s.path, "allymatch_changes %d: categories/%s: %v", seq, id, err)
			}
			vocab = nv
			keys = append(keys, index.Key{Table: "categories", ID: id})
			return nil
		}
		keys = append(keys, index.Key{Table: bucket, ID: id})
		if v == nil {
			raw, err := txn.First(bucket, index.IndexID, id)
			if err != nil || raw == nil {
				return err
			}
			return txn.Delete(bucket, raw)
		}
		data, err := Unseal(k, v)
		if err != nil {
			return damaged(s.path, "allymatch_changes %d: %s/%s: %v", seq, bucket, id, err)
		}
		obj, _, err := decodeRecord(bucket, id, data)
		if err != nil {
			return damaged(s.path, "allymatch_changes %d: %s/%s: %v", seq, bucket, id, err)
		}
		return txn.Insert(bucket, obj)
	})
	if err != nil {
		return err
	}
	if cur != to {
		return fmt.Errorf("store: the change log ends at seq %d, the store is at %d: this process fell too far behind; restart it to load the store anew", cur, to)
	}
	state, err := s.recordIndexChanges(txn, to, vocab, keys)
	if err != nil {
		return err
	}
	txn.Commit()
	s.applySide(side)
	s.advanced(to, state)
	s.signalChanged()
	s.log.Debug("store caught up", "from", from, "to", to, "records", len(keys))
	return nil
}

// pull applies what other processes committed since this one's sequence.
func (s *Store) pull(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.kv.view(ctx, func(tx kvTx) error {
		meta, err := mustBucket(tx, bucketMeta)
		if err != nil {
			return err
		}
		stored, err := storedSeq(meta)
		if err != nil || stored == s.seq.Load() {
			return err
		}
		return s.catchUp(tx, stored)
	})
}

// startFollowing follows the other processes' writes on the database of
// pool until Close.
func (s *Store) startFollowing(pool *pgxpool.Pool) {
	ctx, cancel := context.WithCancel(context.Background())
	s.stopFollow, s.followed = cancel, make(chan struct{})
	go func() {
		defer close(s.followed)
		for ctx.Err() == nil {
			err := s.listen(ctx, pool)
			if ctx.Err() != nil {
				return
			}
			s.followErr.Store(&err)
			s.log.Warn("store: following the other replicas' writes failed; retrying", "path", s.path, "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(followPoll / 2):
			}
		}
	}()
}

// listen waits for notifications on one connection and pulls at each, and
// every followPoll.
func (s *Store) listen(ctx context.Context, pool *pgxpool.Pool) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "LISTEN allymatch_changes"); err != nil {
		return err
	}
	defer conn.Exec(context.WithoutCancel(ctx), "UNLISTEN allymatch_changes")
	for {
		if err := s.pull(ctx); err != nil {
			return err
		}
		s.followErr.Store(nil)
		wctx, cancel := context.WithTimeout(ctx, followPoll)
		_, err := conn.Conn().WaitForNotification(wctx)
		cancel()
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case err != nil && !errors.Is(err, context.DeadlineExceeded) && wctx.Err() == nil:
			return err
		}
	}
}

// FollowError returns the last error of following the other replicas'
// writes (nil when following works, or the engine has no replicas).
func (s *Store) FollowError() error {
	if p := s.followErr.Load(); p != nil {
		return *p
	}
	return nil
}
