// Package jobs is a durable job queue on the jobs table, the same SQL on
// SQLite and PostgreSQL.
//
// A job is enqueued inside the caller's transaction (Enqueue), so an event
// and the work it causes — a notification — commit or roll back together
// (the outbox pattern). A Queue polls for due jobs, claims each atomically,
// runs its Handler with a timeout, and marks it done or schedules a retry
// with exponential backoff and jitter until its attempts run out.
//
// Delivery is at least once: a job whose worker died (its lock expired) runs
// again, and so may a job whose handler outlives its lock. Handlers make
// their effect idempotent; the dedupe key makes sure that one event enqueues
// one job.
package jobs

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/kasuhara/kasuhara/internal/sqldb"
)

// States of a job.
const (
	StatePending = "pending" // waiting for run_at
	StateRunning = "running" // claimed by a worker until locked_until
	StateDone    = "done"
	StateFailed  = "failed" // attempts exhausted or a permanent error
)

// DefaultMaxAttempts is used when Job.MaxAttempts is 0. With DefaultBackoff
// the attempts spread over roughly three hours.
const DefaultMaxAttempts = 10

// Job is work to enqueue.
type Job struct {
	// Kind names the Handler that runs the job, such as "mail".
	Kind string
	// Payload is marshalled to JSON (a json.RawMessage is stored as is).
	Payload any
	// DedupeKey, when not empty, makes the job unique: enqueueing another
	// job with the same key is a no-op, for as long as the first job is
	// kept (see Options.Retention). Use one key per event and recipient,
	// such as "mail:EVENT_ID:USER_ID".
	DedupeKey string
	// RunAt is when the job is due; the zero time means now.
	RunAt time.Time
	// MaxAttempts is how often the job runs before it fails for good;
	// 0 means DefaultMaxAttempts.
	MaxAttempts int
}

// Enqueue adds j inside tx, the caller's transaction: the job exists only if
// tx commits. A job whose DedupeKey is already in the table is not added
// again, and that is not an error.
func Enqueue(ctx context.Context, tx *sqldb.Tx, j Job) error {
	return EnqueueAll(ctx, tx, j)
}

// EnqueueAll adds every job of js as Enqueue does, in multi-row inserts
// (sqldb's InsertRowsThen: one statement for up to 800 jobs).
func EnqueueAll(ctx context.Context, tx *sqldb.Tx, js ...Job) error {
	if len(js) == 0 {
		return nil
	}
	now := dbTime(time.Now())
	rows := make([][]any, 0, len(js))
	for _, j := range js {
		if strings.TrimSpace(j.Kind) == "" {
			return errors.New("jobs: enqueue: kind is empty")
		}
		if j.MaxAttempts < 0 {
			return fmt.Errorf("jobs: enqueue %s: max attempts %d is negative", j.Kind, j.MaxAttempts)
		}
		if j.MaxAttempts == 0 {
			j.MaxAttempts = DefaultMaxAttempts
		}
		payload, err := json.Marshal(j.Payload)
		if err != nil {
			return fmt.Errorf("jobs: enqueue %s: payload: %w", j.Kind, err)
		}
		id, err := uuid.NewV7()
		if err != nil {
			return fmt.Errorf("jobs: enqueue %s: id: %w", j.Kind, err)
		}
		runAt := now
		if !j.RunAt.IsZero() {
			runAt = dbTime(j.RunAt)
		}
		var dedupe sql.NullString
		if j.DedupeKey != "" {
			dedupe = sql.NullString{String: j.DedupeKey, Valid: true}
		}
		rows = append(rows, []any{id.String(), j.Kind, string(payload), dedupe, "pending", 0, j.MaxAttempts, runAt, "", now})
	}
	err := tx.QueueRowsThen(ctx, "jobs",
		[]string{"id", "kind", "payload", "dedupe_key", "state", "attempts", "max_attempts", "run_at", "last_error", "created_at"},
		rows, " ON CONFLICT (dedupe_key) DO NOTHING")
	if err != nil {
		return fmt.Errorf("jobs: enqueue %s: %w", js[0].Kind, err)
	}
	return nil
}

// Permanent marks err as one that retrying cannot fix (a payload that does
// not parse, say): the job fails at once. The queue also honours any error
// in the chain with a method Permanent() bool that returns true, so that
// handler packages need not import this one.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err}
}

type permanentError struct{ err error }

func (e permanentError) Error() string   { return e.err.Error() }
func (e permanentError) Unwrap() error   { return e.err }
func (e permanentError) Permanent() bool { return true }

// IsPermanent reports whether err says that retrying cannot help: it, or an
// error it wraps, has a method Permanent() bool that returns true.
func IsPermanent(err error) bool {
	var p interface{ Permanent() bool }
	return errors.As(err, &p) && p.Permanent()
}

// MaxRetryAfter caps the wait a handler may ask for with RetryAfter.
const MaxRetryAfter = 6 * time.Hour

// RetryAfter marks err as one to retry no sooner than d from now (a
// receiver's 429 or 503 with Retry-After): the queue waits the longer of d
// (at most MaxRetryAfter) and its own backoff. Handler packages may
// instead return an error with a method RetryAfter() time.Duration.
func RetryAfter(err error, d time.Duration) error {
	if err == nil {
		return nil
	}
	return retryAfterError{err, d}
}

type retryAfterError struct {
	err error
	d   time.Duration
}

func (e retryAfterError) Error() string             { return e.err.Error() }
func (e retryAfterError) Unwrap() error             { return e.err }
func (e retryAfterError) RetryAfter() time.Duration { return e.d }

// RetryAfterOf is the wait err asks for (RetryAfter), capped at
// MaxRetryAfter, or 0.
func RetryAfterOf(err error) time.Duration {
	var r interface{ RetryAfter() time.Duration }
	if !errors.As(err, &r) {
		return 0
	}
	return min(max(r.RetryAfter(), 0), MaxRetryAfter)
}

// Backoff is the delay before the retry that follows failed attempt n
// (1-based): base·2^(n−1), capped at limit, of which the upper half is
// random ("equal jitter", r in [0, 1)), so that jobs that failed together do
// not retry together, and a delay is never below half its step nor above
// limit.
func Backoff(n int, base, limit time.Duration, r float64) time.Duration {
	d := base
	for i := 1; i < n && d < limit; i++ {
		d *= 2
	}
	d = min(d, limit)
	half := d / 2
	return half + time.Duration(r*float64(d-half))
}

// Default backoff parameters: 15–30 s after the first failure, doubling up
// to an hour.
const (
	DefaultBackoffBase  = 30 * time.Second
	DefaultBackoffLimit = time.Hour
)

// DefaultBackoff is Backoff with the default parameters and a random jitter.
func DefaultBackoff(n int) time.Duration {
	return Backoff(n, DefaultBackoffBase, DefaultBackoffLimit, rand.Float64())
}

// maxErrorLen bounds last_error.
const maxErrorLen = 500

// emailLike matches e-mail addresses, which SMTP replies in particular tend
// to quote.
var emailLike = regexp.MustCompile(`[^\s<>()\[\],;:"'@]+@[^\s<>()\[\],;:"'@]+`)

// safeError is the text stored in last_error and logged: handlers must
// return errors without personal data, and as a second line of defence any
// e-mail address is masked and the text is cut short.
func safeError(err error) string {
	s := emailLike.ReplaceAllString(err.Error(), "<address>")
	if len(s) > maxErrorLen {
		cut := maxErrorLen
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

// dbTime is t as stored: UTC at microsecond precision (PostgreSQL's), so
// that a time read back equals the time written, and SQLite's text times
// compare in order.
func dbTime(t time.Time) time.Time {
	return t.UTC().Truncate(time.Microsecond)
}
