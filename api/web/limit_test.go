package web

import (
	"testing"
	"time"
)

func TestLimiter(t *testing.T) {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	l := newLimiter(10, time.Minute)
	l.now = func() time.Time { return now }
	for i := range 10 {
		if !l.allow("203.0.113.7") {
			t.Fatalf("attempt %d refused, want 10 a minute", i+1)
		}
	}
	if l.allow("203.0.113.7") {
		t.Error("the 11th attempt in a minute was allowed")
	}
	if !l.allow("203.0.113.8") {
		t.Error("another address was refused")
	}
	now = now.Add(6 * time.Second)
	if !l.allow("203.0.113.7") || l.allow("203.0.113.7") {
		t.Error("after 6 s one more attempt, not two")
	}
	now = now.Add(time.Hour)
	l.maxKeys = 2
	l.allow("a")
	if len(l.keys) > 2 {
		t.Errorf("%d keys kept, want at most 2 (refilled ones pruned)", len(l.keys))
	}
}
