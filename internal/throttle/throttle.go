// Package throttle limits how often something may fail: sign-in attempts per
// account and per client. Limiter keeps a sliding window of failure times per
// key in memory; a restart forgets it, and each server process counts alone.
// Counter is what the web server asks: InProcess gives Limiters, and the
// store gives the same windows kept in the database, which several servers
// share (shared.go).
package throttle

import (
	"sync"
	"time"
)

// Limiter allows at most Max failures per key within Window.
type Limiter struct {
	Max    int
	Window time.Duration
	Now    func() time.Time

	mu       sync.Mutex
	failures map[string][]time.Time
	sweepAt  time.Time
}

// New returns a limiter with the real clock.
func New(max int, window time.Duration) *Limiter {
	return &Limiter{Max: max, Window: window, Now: time.Now, failures: map[string][]time.Time{}}
}

// Blocked reports whether key has used up its failures, and if so for how
// long it stays blocked.
func (l *Limiter) Blocked(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.Now()
	fs := l.recent(key, now)
	if len(fs) < l.Max {
		return false, 0
	}
	return true, fs[len(fs)-l.Max].Add(l.Window).Sub(now)
}

// Fail records a failure for key.
func (l *Limiter) Fail(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.Now()
	l.failures[key] = append(l.recent(key, now), now)
	if now.After(l.sweepAt) {
		l.sweep(now)
	}
}

// Reset forgets key's failures (after a successful sign-in).
func (l *Limiter) Reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.failures, key)
}

// recent drops failures older than the window. l.mu is held.
func (l *Limiter) recent(key string, now time.Time) []time.Time {
	fs := l.failures[key]
	i := 0
	for i < len(fs) && now.Sub(fs[i]) >= l.Window {
		i++
	}
	if i == len(fs) {
		delete(l.failures, key)
		return nil
	}
	fs = fs[i:]
	l.failures[key] = fs
	return fs
}

// sweep removes keys whose failures have all expired, so that the map does
// not grow without bound under a spray of distinct keys. l.mu is held.
func (l *Limiter) sweep(now time.Time) {
	for k := range l.failures {
		l.recent(k, now)
	}
	l.sweepAt = now.Add(l.Window)
}

// Len is the number of keys with recent failures.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.failures)
}

// Delay returns how long key must still wait before its next attempt: no
// wait for its first free failures within the window, then one second after
// its last failure, doubling with each further failure up to most. It slows
// a key down instead of blocking it for the whole window.
func (l *Limiter) Delay(key string, free int, most time.Duration) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.Now()
	fs := l.recent(key, now)
	if len(fs) == 0 {
		return 0
	}
	return DelayOf(len(fs), fs[len(fs)-1], now, free, most)
}

// Known remembers keys for a while: the pairs of account and address that
// have signed in, whose owner the slow-down of an account spares.
type Known struct {
	TTL time.Duration
	Now func() time.Time

	mu      sync.Mutex
	seen    map[string]time.Time
	sweepAt time.Time
}

// NewKnown returns a Known with the real clock.
func NewKnown(ttl time.Duration) *Known {
	return &Known{TTL: ttl, Now: time.Now, seen: map[string]time.Time{}}
}

// Add remembers key from now on.
func (k *Known) Add(key string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	now := k.Now()
	k.seen[key] = now
	if now.After(k.sweepAt) {
		for s, at := range k.seen {
			if now.Sub(at) >= k.TTL {
				delete(k.seen, s)
			}
		}
		k.sweepAt = now.Add(k.TTL)
	}
}

// Has reports whether key was added within the TTL.
func (k *Known) Has(key string) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	at, ok := k.seen[key]
	return ok && k.Now().Sub(at) < k.TTL
}
