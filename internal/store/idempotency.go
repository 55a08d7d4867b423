package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/sqldb"
)

// idempotencyWait is how long a repeat waits for the first request with its
// key to finish (two taps a few milliseconds apart), and how often it looks.
var (
	idempotencyWait = 15 * time.Second
	idempotencyPoll = 50 * time.Millisecond
)

func keyHash(key string) string {
	h := sha256.Sum256([]byte(key))
	return hex.EncodeToString(h[:])
}

// BeginIdempotent implements kasuhara.IdempotencyService.
func (s *Store) BeginIdempotent(ctx context.Context, scope, key, digest string) (string, bool, error) {
	const op = "store.BeginIdempotent"
	kh := keyHash(key)
	now := s.now()
	// Keys older than a day are forgotten, this one included.
	var n int64
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM idempotency_keys WHERE created_at < $1", now.Add(-kasuhara.IdempotencyTTL)); err != nil {
			return err
		}
		var err error
		n, err = tx.ExecCount(ctx, `INSERT INTO idempotency_keys (scope, key_hash, request_hash, result, created_at)
			VALUES ($1, $2, $3, '', $4) ON CONFLICT (scope, key_hash) DO NOTHING`, scope, kh, digest, now)
		return err
	})
	if err != nil {
		return "", false, wrap(op, err)
	}
	if n == 1 {
		return "", false, nil
	}
	deadline := time.Now().Add(idempotencyWait)
	for {
		var have, result string
		err := s.db.Read.QueryRowContext(ctx, "SELECT request_hash, result FROM idempotency_keys WHERE scope = $1 AND key_hash = $2", scope, kh).Scan(&have, &result)
		if err == sql.ErrNoRows {
			// The first request failed and let its key go: this one may try.
			return s.BeginIdempotent(ctx, scope, key, digest)
		}
		if err != nil {
			return "", false, wrap(op, err)
		}
		if have != digest {
			return "", false, &kasuhara.Error{Code: kasuhara.EINVALID, Op: op, Message: "the idempotency key was used for a different request",
				Fields: kasuhara.FieldErrors{"idempotency_key": {Code: kasuhara.FieldKeyReused}}}
		}
		if result != "" {
			return result, true, nil
		}
		if time.Now().After(deadline) {
			return "", false, &kasuhara.Error{Code: kasuhara.ECONFLICT, Op: op, Message: "a request with this idempotency key is still in progress"}
		}
		select {
		case <-ctx.Done():
			return "", false, wrap(op, ctx.Err())
		case <-time.After(idempotencyPoll):
		}
	}
}

// FinishIdempotent implements kasuhara.IdempotencyService.
func (s *Store) FinishIdempotent(ctx context.Context, scope, key, result string) error {
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE idempotency_keys SET result = $1 WHERE scope = $2 AND key_hash = $3", result, scope, keyHash(key))
		return err
	})
	if err != nil {
		return wrap("store.FinishIdempotent", err)
	}
	return nil
}

// IdempotentFinished implements kasuhara.IdempotencyService.
func (s *Store) IdempotentFinished(ctx context.Context, scope, key string) (bool, error) {
	var n int
	err := s.db.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM idempotency_keys WHERE scope = $1 AND key_hash = $2 AND result <> ''
		AND created_at >= $3`, scope, keyHash(key), s.now().Add(-kasuhara.IdempotencyTTL)).Scan(&n)
	if err != nil {
		return false, wrap("store.IdempotentFinished", err)
	}
	return n > 0, nil
}

// AbandonIdempotent implements kasuhara.IdempotencyService.
func (s *Store) AbandonIdempotent(ctx context.Context, scope, key string) error {
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
		_, err := tx.ExecContext(ctx, "DELETE FROM idempotency_keys WHERE scope = $1 AND key_hash = $2 AND result = ''", scope, keyHash(key))
		return err
	})
	if err != nil {
		return wrap("store.AbandonIdempotent", err)
	}
	return nil
}

// TakeIdempotentResult implements kasuhara.IdempotencyService: a compare
// and swap, so that of two takes only one gets the result.
func (s *Store) TakeIdempotentResult(ctx context.Context, scope, key, replacement string) (string, bool, error) {
	const op = "store.TakeIdempotentResult"
	if replacement == "" {
		return "", false, &kasuhara.Error{Code: kasuhara.EINVALID, Op: op, Message: "an empty replacement would unfinish the key"}
	}
	kh := keyHash(key)
	var result string
	var n int64
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
		err := tx.QueryRowContext(ctx, "SELECT result FROM idempotency_keys WHERE scope = $1 AND key_hash = $2 AND created_at >= $3",
			scope, kh, s.now().Add(-kasuhara.IdempotencyTTL)).Scan(&result)
		if err == sql.ErrNoRows || err == nil && (result == "" || result == replacement) {
			return nil
		}
		if err != nil {
			return err
		}
		n, err = tx.ExecCount(ctx, "UPDATE idempotency_keys SET result = $1 WHERE scope = $2 AND key_hash = $3 AND result = $4", replacement, scope, kh, result)
		return err
	})
	if err != nil {
		return "", false, wrap(op, err)
	}
	if n != 1 {
		return "", false, nil
	}
	return result, true, nil
}
