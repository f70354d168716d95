package service

import (
	"context"
	"errors"
	"slices"
	"sync"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/store"
)

// The ledger's writes (transfers, reversals, redemptions) are grouped into
// store writes: a synced write costs about the same for one transfer as
// for a hundred, so callers that arrive while a write is running wait for
// the next one and share it (group commit). A writer goroutine runs while
// there is work: it takes what is queued, runs one store.Update in which
// each operation is validated against the state as the batch leaves it so
// far and applied, or answered its own error without writing, and once the
// write is durable answers every caller its own result; then it takes the
// next batch, and it ends when the queue is empty (the next caller starts
// another). An operation that fails after it wrote part of its records (it
// should not: each checks before it writes) spoils the batch, which is
// then written again one operation at a time, so that every caller still
// gets its own answer.
//
// One audit event covers a batch: its actor is the callers' when they are
// one, else "system"; its alliances those of every operation; its changes
// the records written. Every transfer and redemption names its own actor
// (By) and time.

// maxBatch bounds the operations of one store write.
const maxBatch = 512

// ledgerOp is one operation waiting for a write.
type ledgerOp struct {
	actor     matcher.Actor
	action    string   // the audit action of a batch of this operation alone
	alliances []string // the alliances its audit event names
	// apply validates and writes the operation on tx: its result, and
	// whether it wrote (false: the same request again, answered as it was
	// stored). On an error it must have written nothing.
	apply func(tx *store.Tx) (any, bool, error)
	done  chan opResult // buffered: the writer answers without waiting
}

type opResult struct {
	v       any
	created bool
	err     error
}

// batcher queues the ledger's operations; its zero value is ready.
type batcher struct {
	mu    sync.Mutex
	queue []*ledgerOp
	busy  bool // a writer goroutine runs
	// writes counts the store writes and ops the operations written (for
	// the benchmark's operations per write).
	writes, ops int64
}

// BatchStats returns how many store writes the ledger's batcher made and
// how many operations they carried.
func (s *Service) BatchStats() (writes, ops int64) {
	b := &s.ledger
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.writes, b.ops
}

// submit queues op and returns its result once the write that carries it
// is durable (or refused).
func (s *Service) submit(op *ledgerOp) opResult {
	op.done = make(chan opResult, 1)
	b := &s.ledger
	b.mu.Lock()
	b.queue = append(b.queue, op)
	if !b.busy {
		b.busy = true
		go s.writer()
	}
	b.mu.Unlock()
	return <-op.done
}

// writer writes the queued operations batch by batch until none is left.
func (s *Service) writer() {
	b := &s.ledger
	for {
		b.mu.Lock()
		n := min(len(b.queue), maxBatch)
		if n == 0 {
			b.busy = false
			b.mu.Unlock()
			return
		}
		batch := slices.Clone(b.queue[:n])
		b.queue = slices.Delete(b.queue, 0, n)
		b.mu.Unlock()
		s.write(batch)
	}
}

// errSpoiled aborts a batch in which an operation failed half-way.
var errSpoiled = errors.New("service: a ledger operation failed after it wrote")

// write runs batch as one store write and answers each operation.
func (s *Service) write(batch []*ledgerOp) {
	results := make([]opResult, len(batch))
	actor, action, alliances := batch[0].actor.String(), batch[0].action, []string(nil)
	for _, op := range batch {
		if op.actor.String() != actor {
			actor = matcher.System.String()
		}
		if op.action != action {
			action = "ledger.batch"
		}
		alliances = append(alliances, op.alliances...)
	}
	slices.Sort(alliances)
	alliances = slices.Compact(alliances)
	_, err := s.Store.Update(context.Background(), actor, action, alliances, func(tx *store.Tx) error {
		for i, op := range batch {
			before := tx.Writes()
			v, created, err := op.apply(tx)
			if err != nil && tx.Writes() != before {
				if len(batch) == 1 {
					return err
				}
				return errSpoiled
			}
			results[i] = opResult{v, created, err}
		}
		return nil
	})
	if err != nil && !errors.Is(err, store.ErrNoChange) {
		if len(batch) > 1 && (errors.Is(err, errSpoiled) || matcher.ErrorCode(err) != matcher.EINTERNAL) {
			// A spoiled batch, or one the store's check refused: each
			// operation on its own, so that only the faulty one fails.
			for _, op := range batch {
				s.write([]*ledgerOp{op})
			}
			return
		}
		for i := range results {
			results[i] = opResult{err: err}
		}
	}
	s.ledger.mu.Lock()
	if err == nil {
		s.ledger.writes++
		s.ledger.ops += int64(len(batch))
	}
	s.ledger.mu.Unlock()
	for i, op := range batch {
		op.done <- results[i]
	}
}
