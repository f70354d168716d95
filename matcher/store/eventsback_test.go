package store

import (
	"testing"

	"github.com/allymatch/allymatch/matcher"
)

// EventsBefore pages the log newest first, filtered, within its scan, on
// both engines.
func TestEventsBefore(t *testing.T) {
	forEachEngine(t, func(t *testing.T, fresh func(testing.TB) Options) { testEventsBefore(t, openAt(t, fresh(t))) })
}

func testEventsBefore(t *testing.T, s *Store) {
	for i := range 7 {
		g := matcher.Grid{ID: "g" + string(rune('a'+i)), Name: "网格"}
		if _, err := s.Update(ctx, "test", "grid.put", nil, func(tx *Tx) error { return tx.PutGrid(g) }); err != nil {
			t.Fatal(err)
		}
	}
	seqs := func(evs []matcher.Event) []uint64 {
		var out []uint64
		for _, ev := range evs {
			out = append(out, ev.Seq)
		}
		return out
	}
	evs, next, err := s.EventsBefore(0, 3, 100, nil)
	if err != nil || len(evs) != 3 || evs[0].Seq != s.Seq() || next != evs[2].Seq {
		t.Fatalf("first page: %v next %d %v (seq %d)", seqs(evs), next, err, s.Seq())
	}
	all := seqs(evs)
	for next != 0 {
		evs, next, err = s.EventsBefore(next, 3, 100, nil)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, seqs(evs)...)
	}
	for i := 1; i < len(all); i++ {
		if all[i] != all[i-1]-1 {
			t.Fatalf("pages %v: not every event once, newest first", all)
		}
	}
	if all[len(all)-1] != 1 {
		t.Errorf("pages end at %d, want 1", all[len(all)-1])
	}
	odd := func(ev *matcher.Event) bool { return ev.Seq%2 == 1 }
	evs, next, _ = s.EventsBefore(0, 10, 2, odd)
	if len(evs) != 1 || next == 0 {
		t.Errorf("a scan of 2: %v next %d, want one odd event and more to read", seqs(evs), next)
	}
}
