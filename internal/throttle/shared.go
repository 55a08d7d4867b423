package throttle

import (
	"context"
	"time"
)

// Counter counts failures per key in a sliding window, as Limiter does;
// the web server asks it through this interface so that the count may live
// in the process (InProcess) or in the database that several servers share
// (the store's throttle, issue 24). A Counter's errors are the database's:
// an in-process one never fails.
type Counter interface {
	// Blocked reports whether key has used up its failures, and if so for
	// how long it stays blocked.
	Blocked(ctx context.Context, key string) (bool, time.Duration, error)
	// Fail records a failure for key.
	Fail(ctx context.Context, key string) error
	// Reset forgets key's failures.
	Reset(ctx context.Context, key string) error
	// Delay is how long key must still wait before its next attempt (see
	// Limiter.Delay).
	Delay(ctx context.Context, key string, free int, most time.Duration) (time.Duration, error)
}

// Remembered keeps keys for a while, as Known does.
type Remembered interface {
	// Add remembers key from now on.
	Add(ctx context.Context, key string) error
	// Has reports whether key was added within the time to live.
	Has(ctx context.Context, key string) (bool, error)
}

// Factory makes the named counters and sets of a server. name tells one
// limiter from another where they share a table.
type Factory interface {
	Counter(name string, max int, window time.Duration) Counter
	Known(name string, ttl time.Duration) Remembered
}

// InProcess is the Factory of limiters in the process's memory: one server
// counts alone, and a restart forgets. Now is their clock (nil: time.Now).
type InProcess struct {
	Now func() time.Time
}

// Counter implements Factory.
func (f InProcess) Counter(_ string, max int, window time.Duration) Counter {
	l := New(max, window)
	if f.Now != nil {
		l.Now = f.Now
	}
	return local{l}
}

// Known implements Factory.
func (f InProcess) Known(_ string, ttl time.Duration) Remembered {
	k := NewKnown(ttl)
	if f.Now != nil {
		k.Now = f.Now
	}
	return localKnown{k}
}

// local is a Limiter as a Counter.
type local struct{ l *Limiter }

func (c local) Blocked(_ context.Context, key string) (bool, time.Duration, error) {
	b, d := c.l.Blocked(key)
	return b, d, nil
}

func (c local) Fail(_ context.Context, key string) error { c.l.Fail(key); return nil }

func (c local) Reset(_ context.Context, key string) error { c.l.Reset(key); return nil }

func (c local) Delay(_ context.Context, key string, free int, most time.Duration) (time.Duration, error) {
	return c.l.Delay(key, free, most), nil
}

// localKnown is a Known as Remembered.
type localKnown struct{ k *Known }

func (r localKnown) Add(_ context.Context, key string) error { r.k.Add(key); return nil }

func (r localKnown) Has(_ context.Context, key string) (bool, error) { return r.k.Has(key), nil }

// DelayOf is Limiter.Delay's rule on a key's failures in the window, oldest
// first: no wait for the first free ones, then one second after the last,
// doubling with each further failure up to most. n is how many failures
// are in the window, last the newest.
func DelayOf(n int, last, now time.Time, free int, most time.Duration) time.Duration {
	if n < free {
		return 0
	}
	d := most
	if k := n - free; k < 30 {
		d = min(time.Second<<k, most)
	}
	return max(0, last.Add(d).Sub(now))
}
