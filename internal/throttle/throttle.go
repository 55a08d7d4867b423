// Package throttle limits how often something may fail: sign-in attempts per
// account and per client. It keeps a sliding window of failure times per key
// in memory; a restart forgets it, and each server process counts alone.
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
