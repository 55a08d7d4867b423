// Package testclock is a clock that tests move by hand, for the code that
// takes its time from a Now function (throttles, the job queue, the web
// server's Deps.Now). It is safe for concurrent use.
package testclock

import (
	"sync"
	"time"
)

// Clock reads the time it was set to and moves only when told.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// New returns a clock that reads t.
func New(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock on by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
