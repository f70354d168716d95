package store

import (
	"context"

	"github.com/allymatch/allymatch/matcher/index"
)

// dryRun runs fn as Update would, with the store's checks of the records
// it changes, on a copy-on-write fork of the live index, and discards it:
// it returns the error Update would give on the state of now (ErrNoChange
// when fn changes nothing), writes nothing and takes no lock.
func (s *Store) dryRun(ctx context.Context, fn func(tx *Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	txn := s.db.Snapshot().Txn(true)
	defer txn.Abort()
	tx := &Tx{Reader: index.NewReader(txn), txn: txn, seq: s.seq.Load() + 1, changed: map[key]bool{}}
	tx.vocab = tx.Meta().Vocab
	if err := fn(tx); err != nil {
		return err
	}
	if len(tx.order) == 0 && len(tx.cats) == 0 {
		return ErrNoChange
	}
	return check(tx.Reader, tx.vocab, tx.order, tx.changed, false)
}
