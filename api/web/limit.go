package web

import (
	"sync"
	"time"
)

// limiter bounds login attempts per client address: a bucket of burst
// attempts per key that refills at one attempt per every. A key with a
// full bucket is forgotten, so memory holds only the keys that tried
// lately (and at most maxKeys of them: past that, new keys share one
// bucket, so that a flood of addresses slows itself, not the others).
type limiter struct {
	burst   float64
	every   time.Duration
	maxKeys int
	now     func() time.Time

	mu   sync.Mutex
	keys map[string]*bucket
}

type bucket struct {
	left float64
	at   time.Time
}

func newLimiter(burst int, per time.Duration) *limiter {
	return &limiter{burst: float64(burst), every: per / time.Duration(burst), maxKeys: 100_000, now: time.Now, keys: map[string]*bucket{}}
}

// allow takes one attempt from key's bucket; false when none is left.
func (l *limiter) allow(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if len(l.keys) >= l.maxKeys {
		l.prune(now)
		if len(l.keys) >= l.maxKeys && l.keys[key] == nil {
			key = "(overflow)"
		}
	}
	b := l.keys[key]
	if b == nil {
		b = &bucket{left: l.burst, at: now}
		l.keys[key] = b
	}
	b.left = min(l.burst, b.left+float64(now.Sub(b.at))/float64(l.every))
	b.at = now
	if b.left < 1 {
		return false
	}
	b.left--
	return true
}

// prune forgets the keys whose buckets have refilled.
func (l *limiter) prune(now time.Time) {
	for k, b := range l.keys {
		if b.left+float64(now.Sub(b.at))/float64(l.every) >= l.burst {
			delete(l.keys, k)
		}
	}
}
