package store

import (
	"context"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// Some work must run in one process at a time even when several serve
// one PostgreSQL database: the notifications' dispatcher (one sender per
// target, one rate limit). The process that runs it holds a session-level
// advisory lock named after the work and the schema, on a connection of
// its own; the others try again every leaderRetry. The lock goes with the
// session: when its process dies or loses the database, the server
// releases it and another process takes the work over.

// leaderRetry is how often a process that is not the leader tries again,
// and how often the leader checks that its connection (hence its lock)
// is alive.
const leaderRetry = 2 * time.Second

// Shared reports whether other processes may write to this store's
// database (PostgreSQL): what they write reaches this process through the
// change log for the index and the cached side tables only, so work that
// reads the other side tables (the outbox) reads them again.
func (s *Store) Shared() bool {
	_, ok := s.kv.(pgEngine)
	return ok
}

// Leader blocks until this process is the leader of the work name among
// the processes on the store's database, or ctx ends (its error). held is
// closed when the leadership is lost (the connection that holds it
// failed, or the store closed); release gives it up. On a file store the
// process is the only one: Leader returns at once, and held is closed at
// release only.
func (s *Store) Leader(ctx context.Context, name string) (held <-chan struct{}, release func(), err error) {
	lost := make(chan struct{})
	var once sync.Once
	e, ok := s.kv.(pgEngine)
	if !ok {
		return lost, func() { once.Do(func() { close(lost) }) }, nil
	}
	for {
		conn, err := s.tryLead(ctx, e, name)
		if err != nil {
			if ctx.Err() != nil {
				return nil, nil, ctx.Err()
			}
			s.log.Warn("store: trying to lead failed; retrying", "work", name, "path", s.path, "err", err)
		}
		if conn != nil {
			stop, gone := make(chan struct{}), make(chan struct{})
			key := new(int)
			end := func() {
				once.Do(func() { close(stop) })
				<-gone
			}
			s.leaseMu.Lock()
			if s.leases == nil {
				s.leases = map[*int]func(){}
			}
			s.leases[key] = end
			s.leaseMu.Unlock()
			go s.keepLead(conn, name, stop, func() { close(lost); close(gone) })
			s.log.Info("store: this process leads", "work", name, "path", s.path)
			return lost, func() {
				s.leaseMu.Lock()
				delete(s.leases, key)
				s.leaseMu.Unlock()
				end()
			}, nil
		}
		select {
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		case <-time.After(leaderRetry):
		}
	}
}

// tryLead takes the lock of name on a connection of its own, and returns
// it (nil: another process holds the lock).
func (s *Store) tryLead(ctx context.Context, e pgEngine, name string) (*pgx.Conn, error) {
	c, err := e.pool.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	conn := c.Hijack() // out of the pool: the lock lives as long as this session
	var got bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock(hashtext('allymatch lead ' || current_schema() || ' ' || $1))`, name).Scan(&got); err != nil || !got {
		conn.Close(context.WithoutCancel(ctx))
		return nil, err
	}
	return conn, nil
}

// keepLead checks the leader's connection every leaderRetry until stop
// or a failure, then closes it (which releases the lock) and calls
// ended.
func (s *Store) keepLead(conn *pgx.Conn, name string, stop <-chan struct{}, ended func()) {
	defer ended()
	defer conn.Close(context.Background())
	t := time.NewTicker(leaderRetry)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), leaderRetry)
		err := conn.Ping(ctx)
		cancel()
		if err != nil {
			s.log.Warn("store: the leader's connection failed; leading no more", "work", name, "path", s.path, "err", err)
			return
		}
	}
}

// endLeases ends the leaderships this process holds (at Close).
func (s *Store) endLeases() {
	s.leaseMu.Lock()
	ends := make([]func(), 0, len(s.leases))
	for _, end := range s.leases {
		ends = append(ends, end)
	}
	s.leases = nil
	s.leaseMu.Unlock()
	for _, end := range ends {
		end()
	}
}
