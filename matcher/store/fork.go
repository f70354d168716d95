package store

import (
	"errors"

	memdb "github.com/allymatch/allymatch/internal/third_party/memdb"
	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
)

// ForkTx is a mutation of a what-if fork (Snapshot.Fork): the same Tx, with
// the same puts (copies, checks, Rev stamped with the index the mutation
// would have if it reached the store), writing into the fork's index only.
// Nothing goes to disk and no lock is taken. Finish ends it.
type ForkTx struct {
	*Tx
	done bool
}

// ForkTx opens a mutation of fork, a copy-on-write index made by
// sn.Fork(); its puts stamp Rev with sn.Seq+1, the index the same puts get
// when a scenario is applied to a store still at sn.
func (sn Snapshot) ForkTx(fork *memdb.MemDB) *ForkTx {
	txn := fork.Txn(true)
	tx := &Tx{Reader: index.NewReader(txn), txn: txn, seq: sn.Seq + 1, changed: map[key]bool{}}
	tx.vocab = tx.Meta().Vocab
	return &ForkTx{Tx: tx}
}

var errFinished = errors.New("store: the fork's mutation has finished already")

// Mark returns a mark of the records changed so far, for Check.
func (tx *ForkTx) Mark() int { return len(tx.order) }

// Check runs the store's checks (those Update runs when the mutation
// ends: references, slots, categories) on the records changed since mark:
// a fork takes no change the store would refuse.
func (tx *ForkTx) Check(mark int) error {
	changes := tx.order[mark:]
	objs, err := current(tx.txn, changes, tx.changed)
	if err != nil {
		return err
	}
	return check(tx.Reader, tx.vocab, changes, tx.changed, objs)
}

// Finish commits the mutation into the fork, logged as one write of the
// fork (so that a session of the live state solves the fork
// incrementally), and returns the records it changed; abort drops it.
// The fork's Seq stays the snapshot's: a fork is a state of the live index
// at that index, changed.
func (tx *ForkTx) Finish(abort bool) ([]matcher.Change, error) {
	if tx.done {
		return nil, errFinished
	}
	tx.done = true
	if abort {
		tx.txn.Abort()
		return nil, nil
	}
	changes := tx.Changes()
	if len(tx.order) > 0 {
		keys := make([]index.Key, 0, len(tx.order))
		for _, k := range tx.order {
			keys = append(keys, index.Key{Table: k.table, ID: k.id})
		}
		state, err := index.RecordChanges(tx.txn, keys)
		if err != nil {
			tx.txn.Abort()
			return nil, err
		}
		meta := tx.Meta()
		meta.State = state
		if err := tx.txn.Insert(index.TableMeta, &meta); err != nil {
			tx.txn.Abort()
			return nil, err
		}
	}
	tx.txn.Commit()
	return changes, nil
}
