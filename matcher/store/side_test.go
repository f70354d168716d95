package store

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/allymatch/allymatch/matcher"
)

// testOutbox writes one note per mutation, {"seq":N,"action":A}, and
// records what Committed was told.
type testOutbox struct {
	committed []uint64 // outbox keys
	events    []uint64 // their events' seqs
}

type testNote struct {
	Seq    uint64 `json:"seq"`
	Action string `json:"action"`
}

func (o *testOutbox) Notes(tx *Tx, ev *matcher.Event) []any {
	if ev.Action == "quiet" {
		return nil
	}
	return []any{testNote{Seq: ev.Seq, Action: ev.Action}}
}

func (o *testOutbox) Committed(ev *matcher.Event, notes []any, keys []uint64) {
	if len(notes) != len(keys) {
		panic("notes and keys differ")
	}
	o.committed = append(o.committed, keys...)
	for range keys {
		o.events = append(o.events, ev.Seq)
	}
}

// outboxNotes reads the outbox table.
func outboxNotes(tb testing.TB, s *Store) map[uint64]testNote {
	tb.Helper()
	out := map[uint64]testNote{}
	err := s.SideView(func(sd *Side) error {
		return sd.Scan(SideOutbox, nil, func(k, data []byte) (bool, error) {
			var n testNote
			if err := json.Unmarshal(data, &n); err != nil {
				return false, err
			}
			out[ParseOutboxKey(k)] = n
			return true, nil
		})
	})
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// TestOutboxIsWrittenWithItsChange: a mutation's notes are in the outbox
// with it; a failed mutation leaves none; Committed hears of each note
// once, with its key; the notes survive a restart.
func TestOutboxIsWrittenWithItsChange(t *testing.T) {
	dir := t.TempDir()
	s := mustOpen(t, dir)
	o := &testOutbox{}
	s.SetOutbox(o)
	seed(t, s)
	if _, err := s.Update(ctx, "test", "fails", nil, func(tx *Tx) error {
		if err := tx.PutItem(testItem("d2", "lh-school", matcher.Demand, 1)); err != nil {
			return err
		}
		return errors.New("no")
	}); err == nil {
		t.Fatal("the failing mutation succeeded")
	}
	if _, err := s.Update(ctx, "test", "bad", nil, func(tx *Tx) error {
		return tx.PutItem(testItem("d3", "nobody", matcher.Demand, 1)) // an unknown unit: the check refuses it
	}); err == nil {
		t.Fatal("the invalid mutation succeeded")
	}
	if _, err := s.Update(ctx, "test", "quiet", nil, func(tx *Tx) error {
		return tx.PutItem(testItem("d4", "lh-school", matcher.Demand, 1))
	}); err != nil {
		t.Fatal(err)
	}
	ev, err := s.Update(ctx, "test", "loud", nil, func(tx *Tx) error {
		return tx.PutItem(testItem("d5", "lh-school", matcher.Demand, 1))
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[uint64]testNote{1: {Seq: 1, Action: "seed"}, 2: {Seq: ev.Seq, Action: "loud"}}
	if got := outboxNotes(t, s); !jsonEqual(t, got, want) {
		t.Errorf("outbox = %v, want %v", got, want)
	}
	if !slices.Equal(o.committed, []uint64{1, 2}) || !slices.Equal(o.events, []uint64{1, ev.Seq}) {
		t.Errorf("committed keys %v of events %v, want [1 2] of [1 %d]", o.committed, o.events, ev.Seq)
	}
	s.Close()
	s = mustOpen(t, dir)
	if got := outboxNotes(t, s); !jsonEqual(t, got, want) {
		t.Errorf("after a restart: outbox = %v, want %v", got, want)
	}
	// The next key goes on from the last, across the restart.
	s.SetOutbox(o)
	if _, err := s.Update(ctx, "test", "again", nil, func(tx *Tx) error {
		return tx.PutItem(testItem("d6", "lh-school", matcher.Demand, 1))
	}); err != nil {
		t.Fatal(err)
	}
	if got := o.committed[len(o.committed)-1]; got != 3 {
		t.Errorf("the next note's key = %d, want 3", got)
	}
}

// TestSideRecordsThroughUpdate: a subscription (a record of a cached side
// table) is written with an audit event naming it, read back within its
// mutation and after it, deleted the same way, and kept across restarts.
func TestSideRecordsThroughUpdate(t *testing.T) {
	dir := t.TempDir()
	s := mustOpen(t, dir)
	changed := s.Changed()
	ev, err := s.Update(ctx, "coordinator:lh", "webhook.create", []string{"lh"}, func(tx *Tx) error {
		if err := tx.PutSide(SideWebhooks, "wh-1", map[string]string{"kind": "wecom"}); err != nil {
			return err
		}
		if data, ok := tx.Side(SideWebhooks, "wh-1"); !ok || string(data) != `{"kind":"wecom"}` {
			t.Errorf("within the mutation: %s %v", data, ok)
		}
		if !tx.SideChanged(SideWebhooks) {
			t.Error("SideChanged = false")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-changed:
	default:
		t.Error("Changed() was not closed by the mutation")
	}
	if want := []matcher.Change{{Table: SideWebhooks, ID: "wh-1"}}; !slices.Equal(ev.Changes, want) || ev.Count != 1 {
		t.Errorf("event changes %v (count %d), want %v", ev.Changes, ev.Count, want)
	}
	if got := s.SideAll(SideWebhooks); string(got["wh-1"]) != `{"kind":"wecom"}` {
		t.Errorf("SideAll = %q", got)
	}
	if err := (&Tx{store: s}).PutSide(SideOutbox, "x", 1); err == nil {
		t.Error("PutSide wrote the outbox outside the hook")
	}
	s.Close()
	s = mustOpen(t, dir)
	if got := s.SideAll(SideWebhooks); len(got) != 1 {
		t.Fatalf("after a restart: %q", got)
	}
	if _, err := s.Update(ctx, "test", "webhook.delete", nil, func(tx *Tx) error { return tx.DeleteSide(SideWebhooks, "nope") }); matcher.ErrorCode(err) != matcher.ENOTFOUND {
		t.Errorf("deleting an absent subscription: %v, want not found", err)
	}
	ev, err = s.Update(ctx, "test", "webhook.delete", nil, func(tx *Tx) error { return tx.DeleteSide(SideWebhooks, "wh-1") })
	if err != nil || len(ev.Changes) != 1 || !ev.Changes[0].Delete {
		t.Fatalf("delete: %+v, %v", ev, err)
	}
	if got := s.SideAll(SideWebhooks); len(got) != 0 {
		t.Errorf("after the delete: %q", got)
	}
}

// TestDamagedSideValueRefused: a side value whose checksum does not match
// refuses the start, as a record's does, and the file is left as it was.
func TestDamagedSideValueRefused(t *testing.T) {
	for _, bucket := range []string{SideWebhooks, SideOutbox} {
		t.Run(bucket, func(t *testing.T) {
			dir := t.TempDir()
			s := mustOpen(t, dir)
			s.SetOutbox(&testOutbox{})
			seed(t, s)
			if _, err := s.Update(ctx, "test", "webhook.create", nil, func(tx *Tx) error {
				return tx.PutSide(SideWebhooks, "wh-1", map[string]string{"kind": "generic"})
			}); err != nil {
				t.Fatal(err)
			}
			s.Close()
			path := filepath.Join(dir, FileName)
			db, err := bolt.Open(path, 0o600, nil)
			if err != nil {
				t.Fatal(err)
			}
			err = db.Update(func(btx *bolt.Tx) error {
				b := btx.Bucket([]byte(bucket))
				k, v := b.Cursor().First()
				bad := slices.Clone(v)
				bad[0] ^= 0x20
				return b.Put(slices.Clone(k), bad)
			})
			db.Close()
			if err != nil {
				t.Fatal(err)
			}
			before, _ := os.ReadFile(path)
			_, _, err = Open(ctx, Options{Dir: dir})
			wantOpenError(t, err, KindDamaged, path, bucket, "checksum")
			wantUnchanged(t, dir, before)
		})
	}
}
