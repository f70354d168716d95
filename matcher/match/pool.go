package match

import "sync"

// Sessions keeps a bounded set of sessions by meeting and settings, least
// recently used first out, so that callers solving the same meetings again
// (a service proposing, a planner diffing scenarios) do it incrementally. It
// is safe for concurrent use.
type Sessions struct {
	max int

	mu   sync.Mutex
	tick uint64
	m    map[sessionKey]*pooled
}

type sessionKey struct {
	meeting string
	set     Settings
}

type pooled struct {
	s    *Session
	used uint64
}

// DefaultSessions is the bound of NewSessions(0).
const DefaultSessions = 32

// NewSessions returns a pool of at most max sessions (DefaultSessions when
// max ≤ 0). A session holds its meeting's last instance and candidate rows
// (about 24 bytes per candidate edge: 4.5 MiB for the district's busiest
// community meeting, 0.2 MiB for a median one) and its component cache (at
// most SessionCacheEdges edges, about 10 MiB).
func NewSessions(max int) *Sessions {
	if max <= 0 {
		max = DefaultSessions
	}
	return &Sessions{max: max, m: map[sessionKey]*pooled{}}
}

// Get returns the session of meeting under set, made if missing (evicting
// the least recently used one past the bound).
func (p *Sessions) Get(meeting string, set Settings) *Session {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tick++
	k := sessionKey{meeting, set}
	if e := p.m[k]; e != nil {
		e.used = p.tick
		return e.s
	}
	if len(p.m) >= p.max {
		var oldest sessionKey
		var at uint64
		for key, e := range p.m {
			if at == 0 || e.used < at {
				oldest, at = key, e.used
			}
		}
		delete(p.m, oldest)
	}
	s := NewSession(meeting, set)
	p.m[k] = &pooled{s: s, used: p.tick}
	return s
}

// Len is the number of sessions kept.
func (p *Sessions) Len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.m)
}

// session returns p's session of meeting under set, or a new one when p is
// nil.
func (p *Sessions) session(meeting string, set Settings) *Session {
	if p == nil {
		return NewSession(meeting, set)
	}
	return p.Get(meeting, set)
}
