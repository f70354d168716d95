package store

import (
	"context"
	"encoding/binary"

	"github.com/allymatch/allymatch/matcher"
)

// EventsBefore returns up to limit audit events before seq (every event
// for 0), newest first, that pass keep (nil keeps all), reading at most
// scan events: a page of a filtered log that is newest first costs a
// bounded read however rare its events are. next is the seq to continue
// from (0 when the log is read to its start).
func (s *Store) EventsBefore(before uint64, limit, scan int, keep func(*matcher.Event) bool) (out []matcher.Event, next uint64, err error) {
	err = guard(s.path, func() error {
		return s.kv.view(context.Background(), func(ktx kvTx) error {
			b, err := mustBucket(ktx, bucketEvents)
			if err != nil {
				return err
			}
			var from []byte
			if before != 0 {
				from = binary.BigEndian.AppendUint64(nil, before)
			}
			read, done := 0, true
			err = b.scanBack(from, func(k, v []byte) (bool, error) {
				if len(out) >= limit || read >= scan {
					done = false
					return false, nil
				}
				read++
				ev, err := s.event(k, v)
				if err != nil {
					return false, err
				}
				next = ev.Seq
				if keep == nil || keep(&ev) {
					out = append(out, ev)
				}
				return true, nil
			})
			if done {
				next = 0
			}
			return err
		})
	})
	return out, next, err
}
