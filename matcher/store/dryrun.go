package store

import (
	"context"

	"github.com/allymatch/allymatch/matcher/index"
)

// dryRun runs fn as Update would, then the store's checks of the records
// it changed, on a copy-on-write fork of the live index, and discards
// it: nothing is written and no lock is taken. The checks run even when
// fn fails (a preview lists every problem); their error goes to checked,
// whose answer dryRun returns, or fn's when fn failed.
func (s *Store) dryRun(ctx context.Context, fn func(tx *Tx) error, checked func(error) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	txn := s.db.Snapshot().Txn(true)
	defer txn.Abort()
	tx := &Tx{Reader: index.NewReader(txn), txn: txn, seq: s.seq.Load() + 1, changed: map[key]bool{}}
	tx.vocab = tx.Meta().Vocab
	err := fn(tx)
	if len(tx.order) == 0 && len(tx.cats) == 0 {
		return err
	}
	objs, cerr := current(txn, tx.order, tx.changed)
	if cerr == nil {
		cerr = check(tx.Reader, tx.vocab, tx.order, tx.changed, objs)
	}
	if cerr = checked(cerr); err == nil {
		err = cerr
	}
	return err
}
