package store

import (
	"encoding/binary"
	"encoding/json"

	bolt "go.etcd.io/bbolt"

	"github.com/allymatch/allymatch/matcher"
)

// EventsBefore returns up to limit audit events before seq (every event
// for 0), newest first, that pass keep (nil keeps all), reading at most
// scan events: a page of a filtered log that is newest first costs a
// bounded read however rare its events are. next is the seq to continue
// from (0 when the log is read to its start).
func (s *Store) EventsBefore(before uint64, limit, scan int, keep func(*matcher.Event) bool) (out []matcher.Event, next uint64, err error) {
	err = guard(s.path, func() error {
		return s.bolt.View(func(btx *bolt.Tx) error {
			c := btx.Bucket(bucketEvents).Cursor()
			var k, v []byte
			if before == 0 {
				k, v = c.Last()
			} else {
				var at [8]byte
				binary.BigEndian.PutUint64(at[:], before)
				if k, _ = c.Seek(at[:]); k == nil {
					k, v = c.Last()
				} else {
					k, v = c.Prev()
				}
			}
			for read := 0; k != nil && len(out) < limit && read < scan; k, v = c.Prev() {
				read++
				data, err := Unseal(k, v)
				if err != nil {
					return damaged(s.path, "events/%s: %v", keyName(string(bucketEvents), k), err)
				}
				var ev matcher.Event
				if err := json.Unmarshal(data, &ev); err != nil {
					return damaged(s.path, "events/%s: %v", keyName(string(bucketEvents), k), err)
				}
				next = ev.Seq
				if keep == nil || keep(&ev) {
					out = append(out, ev)
				}
			}
			if k == nil {
				next = 0
			}
			return nil
		})
	})
	return out, next, err
}
