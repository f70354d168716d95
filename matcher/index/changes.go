package index

import (
	"fmt"
	"strconv"
	"sync/atomic"

	memdb "github.com/allymatch/allymatch/internal/third_party/memdb"
)

// TableChanges holds the change log: one ChangeSet per write, so that a
// reader holding an earlier state can learn which records changed since
// (the incremental matcher redoes only what they touch).
const TableChanges = "changes"

// Key names one record: its table and id.
type Key struct {
	Table string `json:"table"`
	ID    string `json:"id"`
}

// ChangeSet is one write of the index: the state it made, the state it was
// made on, and the records it put or deleted. Overflow marks a write too
// large to list (a bulk import): a reader of an earlier state must start
// afresh.
type ChangeSet struct {
	State    uint64
	Parent   uint64
	Keys     []Key
	Overflow bool
}

// MaxChangeKeys bounds the keys a ChangeSet lists; a larger write is
// recorded as an overflow.
const MaxChangeKeys = 4096

// MaxChangeWalk bounds how many writes ChangesSince walks back.
const MaxChangeWalk = 1024

var lastState atomic.Uint64

// NewState returns a state id never returned before in this process. Every
// write of any index (the store's, or a what-if fork's) makes a new state,
// so a state id names one content exactly: two readers at the same state
// see the same records, whichever fork they read.
func NewState() uint64 { return lastState.Add(1) }

type changeStateIndexer struct{}

func (changeStateIndexer) FromObject(obj any) (bool, []byte, error) {
	c, ok := obj.(*ChangeSet)
	if !ok {
		return false, nil, fmt.Errorf("index: got %T, want *ChangeSet", obj)
	}
	return true, stateKey(c.State), nil
}

func (changeStateIndexer) FromArgs(args ...any) ([]byte, error) {
	if len(args) != 1 {
		return nil, fmt.Errorf("index: want one argument, got %d", len(args))
	}
	s, ok := args[0].(uint64)
	if !ok {
		return nil, fmt.Errorf("index: got %T, want uint64", args[0])
	}
	return stateKey(s), nil
}

func stateKey(s uint64) []byte { return append(strconv.AppendUint(nil, s, 36), 0) }

func changesTable() *memdb.TableSchema {
	return table(TableChanges, &memdb.IndexSchema{Name: IndexID, Unique: true, Indexer: changeStateIndexer{}})
}

// RecordChanges logs a write on txn: it makes a new state, stores the
// ChangeSet of keys (an overflow past MaxChangeKeys) made on the state txn
// is at, and returns the new state; the caller puts it in the Meta row it
// writes in the same transaction (Meta.State). Keys may repeat.
func RecordChanges(txn *memdb.Txn, keys []Key) (uint64, error) {
	m := NewReader(txn).Meta()
	cs := &ChangeSet{State: NewState(), Parent: m.State}
	if len(keys) > MaxChangeKeys {
		cs.Overflow = true
	} else {
		cs.Keys = keys
	}
	if err := txn.Insert(TableChanges, cs); err != nil {
		return 0, err
	}
	return cs.State, nil
}

// ForgetChanges drops the ChangeSet of state (the store keeps a bounded
// log; readers further behind start afresh).
func ForgetChanges(txn *memdb.Txn, state uint64) error {
	_, err := txn.DeleteAll(TableChanges, IndexID, state)
	return err
}

// ChangesSince returns the keys of every record written between state and
// the state r reads (none when they are the same), and false when that
// cannot be told: state is not an ancestor within MaxChangeWalk writes, a
// ChangeSet was forgotten, or a write was too large to list.
func (r Reader) ChangesSince(state uint64) ([]Key, bool) {
	cur := r.Meta().State
	if state == 0 || cur == 0 {
		return nil, false
	}
	var keys []Key
	for steps := 0; cur != state; steps++ {
		if steps >= MaxChangeWalk {
			return nil, false
		}
		cs, err := first[ChangeSet](r, TableChanges, IndexID, cur)
		if err != nil || cs == nil || cs.Overflow {
			return nil, false
		}
		keys = append(keys, cs.Keys...)
		cur = cs.Parent
	}
	return keys, true
}
