package store

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/kasuhara/kasuhara/internal/sqldb"
	"github.com/kasuhara/kasuhara/internal/throttle"
)

// Throttles are the web server's limiters (sign-in, wrong receipts,
// anonymous filing, customer look-ups) kept in the database, so that every
// server on it counts the same failures: wrong receipts spread over two
// servers are slowed down as on one (issue 24). They keep the in-process
// limiter's rule exactly (throttle.Limiter: a sliding window of failure
// times per key), one row per failure in throttle_failures, and the known
// pairs of account and address in throttle_known. A key is stored only as
// an HMAC with secret, which lives outside the database (serve keeps it in
// DATA/keys/throttle.key), so the rows name no address and no e-mail
// address. Writes are bookkeeping (sqldb.DB.Bookkeeping): a count lost in a
// crash of the database server costs nothing but a repetition.
type Throttles struct {
	db     *sqldb.DB
	secret []byte
	now    func() time.Time

	mu       sync.Mutex
	counters []*dbCounter
	knowns   []*dbKnown
}

var _ throttle.Factory = (*Throttles)(nil)

// Throttles returns the shared limiters on the store's database and clock,
// with secret as the key of the keys' HMACs (at least 16 bytes).
func (s *Store) Throttles(secret []byte) (*Throttles, error) {
	if len(secret) < 16 {
		return nil, fmt.Errorf("store: throttles: the key has %d bytes, want at least 16", len(secret))
	}
	return &Throttles{db: s.db, secret: secret, now: s.now}, nil
}

// Counter implements throttle.Factory.
func (t *Throttles) Counter(name string, max int, window time.Duration) throttle.Counter {
	c := &dbCounter{t: t, name: name, max: max, window: window}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.counters = append(t.counters, c)
	return c
}

// Known implements throttle.Factory.
func (t *Throttles) Known(name string, ttl time.Duration) throttle.Remembered {
	k := &dbKnown{t: t, name: name, ttl: ttl}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.knowns = append(t.knowns, k)
	return k
}

// Sweep deletes the rows of every limiter made by t that left its window
// (or time to live), also when no new failure comes to sweep them; serve
// calls it every few minutes. It returns how many rows it deleted.
func (t *Throttles) Sweep(ctx context.Context) (int64, error) {
	t.mu.Lock()
	counters, knowns := slices.Clone(t.counters), slices.Clone(t.knowns)
	t.mu.Unlock()
	now := t.now()
	var n int64
	err := t.db.Bookkeeping(ctx, func(tx *sqldb.Tx) error {
		n = 0
		for _, c := range counters {
			k, err := tx.ExecCount(ctx, "DELETE FROM throttle_failures WHERE limiter = $1 AND at <= $2", c.name, now.Add(-c.window))
			if err != nil {
				return err
			}
			n += k
		}
		for _, k := range knowns {
			m, err := tx.ExecCount(ctx, "DELETE FROM throttle_known WHERE limiter = $1 AND at <= $2", k.name, now.Add(-k.ttl))
			if err != nil {
				return err
			}
			n += m
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: throttles: sweep: %w", err)
	}
	return n, nil
}

// hash is the HMAC of a limiter's key, as stored.
func (t *Throttles) hash(name, key string) string {
	m := hmac.New(sha256.New, t.secret)
	m.Write([]byte(name))
	m.Write([]byte{0})
	m.Write([]byte(key))
	return hex.EncodeToString(m.Sum(nil))
}

// sweeper says when this process next deletes a limiter's rows that left
// its window: once an interval, not on every write.
type sweeper struct {
	mu sync.Mutex
	at time.Time
}

// due reports whether a sweep is due at now and, if so, sets the next one
// an interval later.
func (s *sweeper) due(now time.Time, interval time.Duration) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !now.After(s.at) {
		return false
	}
	s.at = now.Add(interval)
	return true
}

// insertSwept runs insert (the limiter's name, the key's hash and the time
// as $1 to $3) in one bookkeeping write with, when sweep, the deletion of
// the limiter's rows of table at or before oldest.
func (t *Throttles) insertSwept(ctx context.Context, sweep bool, table, insert, name, keyHash string, now, oldest time.Time) error {
	return t.db.Bookkeeping(ctx, func(tx *sqldb.Tx) error {
		if _, err := tx.ExecContext(ctx, insert, name, keyHash, now); err != nil {
			return err
		}
		if !sweep {
			return nil
		}
		_, err := tx.ExecContext(ctx, "DELETE FROM "+table+" WHERE limiter = $1 AND at <= $2", name, oldest)
		return err
	})
}

// dbCounter is one limiter of Throttles.
type dbCounter struct {
	t      *Throttles
	name   string
	max    int
	window time.Duration
	sweep  sweeper
}

// Blocked implements throttle.Counter: blocked while max failures are in
// the window, until the oldest of the last max leaves it.
func (c *dbCounter) Blocked(ctx context.Context, key string) (bool, time.Duration, error) {
	now := c.t.now()
	var at time.Time
	err := c.t.db.Read.QueryRowContext(ctx, `SELECT at FROM throttle_failures
		WHERE limiter = $1 AND key_hash = $2 AND at > $3 ORDER BY at DESC LIMIT 1 OFFSET $4`,
		c.name, c.t.hash(c.name, key), now.Add(-c.window), max(c.max-1, 0)).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return false, 0, nil
	}
	if err != nil {
		return false, 0, fmt.Errorf("store: throttle %s: %w", c.name, err)
	}
	return true, at.Add(c.window).Sub(now), nil
}

// Delay implements throttle.Counter with throttle.DelayOf's rule: the
// failures in the window counted and the last one read in one statement.
func (c *dbCounter) Delay(ctx context.Context, key string, free int, most time.Duration) (time.Duration, error) {
	now := c.t.now()
	var n int
	var last dbTime
	err := c.t.db.Read.QueryRowContext(ctx, `SELECT COUNT(*), MAX(at) FROM throttle_failures
		WHERE limiter = $1 AND key_hash = $2 AND at > $3`, c.name, c.t.hash(c.name, key), now.Add(-c.window)).Scan(&n, &last)
	if err != nil {
		return 0, fmt.Errorf("store: throttle %s: %w", c.name, err)
	}
	if n == 0 {
		return 0, nil
	}
	return throttle.DelayOf(n, last.T, now, free, most), nil
}

// Fail implements throttle.Counter. Now and then (once a window per
// process) it deletes the limiter's rows that left the window.
func (c *dbCounter) Fail(ctx context.Context, key string) error {
	now := c.t.now()
	err := c.t.insertSwept(ctx, c.sweep.due(now, c.window), "throttle_failures",
		"INSERT INTO throttle_failures (limiter, key_hash, at) VALUES ($1, $2, $3)",
		c.name, c.t.hash(c.name, key), now, now.Add(-c.window))
	if err != nil {
		return fmt.Errorf("store: throttle %s: fail: %w", c.name, err)
	}
	return nil
}

// Reset implements throttle.Counter.
func (c *dbCounter) Reset(ctx context.Context, key string) error {
	err := c.t.db.Bookkeeping(ctx, func(tx *sqldb.Tx) error {
		_, err := tx.ExecContext(ctx, "DELETE FROM throttle_failures WHERE limiter = $1 AND key_hash = $2", c.name, c.t.hash(c.name, key))
		return err
	})
	if err != nil {
		return fmt.Errorf("store: throttle %s: reset: %w", c.name, err)
	}
	return nil
}

// dbKnown is one set of remembered keys of Throttles.
type dbKnown struct {
	t     *Throttles
	name  string
	ttl   time.Duration
	sweep sweeper
}

// Add implements throttle.Remembered.
func (k *dbKnown) Add(ctx context.Context, key string) error {
	now := k.t.now()
	err := k.t.insertSwept(ctx, k.sweep.due(now, time.Hour), "throttle_known",
		`INSERT INTO throttle_known (limiter, key_hash, at) VALUES ($1, $2, $3)
			ON CONFLICT (limiter, key_hash) DO UPDATE SET at = excluded.at`,
		k.name, k.t.hash(k.name, key), now, now.Add(-k.ttl))
	if err != nil {
		return fmt.Errorf("store: throttle %s: add: %w", k.name, err)
	}
	return nil
}

// Has implements throttle.Remembered.
func (k *dbKnown) Has(ctx context.Context, key string) (bool, error) {
	now := k.t.now()
	var one int
	err := k.t.db.Read.QueryRowContext(ctx, "SELECT 1 FROM throttle_known WHERE limiter = $1 AND key_hash = $2 AND at > $3",
		k.name, k.t.hash(k.name, key), now.Add(-k.ttl)).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: throttle %s: %w", k.name, err)
	}
	return true, nil
}
