package kasuhara

import (
	"context"
	"time"
)

// IdempotencyTTL is how long a request's idempotency key is kept: a repeat
// within it answers the first result; after it the key is forgotten.
const IdempotencyTTL = 24 * time.Hour

// IdempotencyService keeps the idempotency keys of requests that create
// something, so that a form submitted twice (two taps, Back and submit, a
// reload) or an API request retried files once.
//
// A key is claimed within a scope ("user:" and the user's id, or "anon:"
// and the organisation's slug for the anonymous form) with the digest of
// the request's content. Only a digest of the key is stored.
type IdempotencyService interface {
	// BeginIdempotent claims key in scope for a request whose content has
	// digest. A new key returns ("", false, nil): the caller does the work
	// and then calls FinishIdempotent with its result, or
	// AbandonIdempotent when the work failed. A key already finished
	// returns its result and true. A key claimed by a request still in
	// progress is waited for a few seconds, then ECONFLICT. A key used with
	// another digest is EINVALID naming the field "idempotency_key"
	// (FieldKeyReused).
	BeginIdempotent(ctx context.Context, scope, key, digest string) (result string, done bool, err error)
	// FinishIdempotent records the result of the work of a claimed key.
	FinishIdempotent(ctx context.Context, scope, key, result string) error
	// IdempotentFinished reports whether key in scope has a result kept
	// (finished, not forgotten), without claiming it: an upload asks it
	// before it stores its files, to leave a repeat's files unstored.
	IdempotentFinished(ctx context.Context, scope, key string) (bool, error)
	// AbandonIdempotent forgets a claimed key whose work failed, so that
	// the request can be tried again with it.
	AbandonIdempotent(ctx context.Context, scope, key string) error
	// TakeIdempotentResult returns the result of a finished key in scope
	// and replaces it with replacement (not empty), once: of two takes at
	// the same time only one gets the result. ok is false for a key that
	// is unknown, unfinished, forgotten, or whose result is already
	// replacement. A repeat of the request then answers replacement.
	TakeIdempotentResult(ctx context.Context, scope, key, replacement string) (result string, ok bool, err error)
}
