package web

import (
	"testing"

	"github.com/allymatch/allymatch/matcher"
)

// One actor's uploads drop only its own oldest preview; others' stay, and
// the memory bound refuses a new upload rather than dropping another's.
func TestPendingImportsPerActor(t *testing.T) {
	p := newPending()
	put := func(actor string, n int) (string, error) {
		return p.put(&pendingImport{owner: actor + "-session", actor: actor, files: []upload{{data: make([]byte, n)}}})
	}
	b1, err := put("coordinator:tw", 10)
	if err != nil {
		t.Fatal(err)
	}
	var mine []string
	for range 5 {
		id, err := put("coordinator:lh", 10)
		if err != nil {
			t.Fatal(err)
		}
		mine = append(mine, id)
	}
	if pi := p.take(b1, "coordinator:tw-session"); pi == nil {
		t.Error("lh's uploads dropped tw's preview")
	}
	kept := 0
	for i, id := range mine {
		if p.m[id] != nil {
			kept++
			if i < len(mine)-maxPendingPerActor {
				t.Errorf("upload %d of lh kept; only its newest %d are", i, maxPendingPerActor)
			}
		}
	}
	if kept != maxPendingPerActor {
		t.Errorf("lh keeps %d previews, want %d", kept, maxPendingPerActor)
	}
	// Fill the memory bound with other actors' previews.
	big := maxPendingBytes / 4
	for i := range 3 {
		if _, err := put("coordinator:a"+string(rune('0'+i)), big); err != nil {
			t.Fatalf("actor %d: %v", i, err)
		}
	}
	if _, err := put("coordinator:z", big); matcher.ErrorCode(err) != matcher.ECONFLICT {
		t.Errorf("past the memory bound: %v, want a conflict", err)
	}
	if len(p.m) != 3+maxPendingPerActor {
		t.Errorf("%d previews kept, want %d (nobody's dropped for the refused one)", len(p.m), 3+maxPendingPerActor)
	}
}
