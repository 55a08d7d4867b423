package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/kasuhara/kasuhara/internal/credential"
	"github.com/kasuhara/kasuhara/internal/sqldb"
)

// Sessions is the server-side session store for alexedwards/scs. It keeps
// only the SHA-256 of each session id, so a copy of the database does not
// hand out live sessions.
type Sessions struct{ s *Store }

// Sessions returns the session store.
func (s *Store) Sessions() *Sessions { return &Sessions{s: s} }

// FindCtx returns the data of an unexpired session.
func (ss *Sessions) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	var data []byte
	err := ss.s.db.Read.QueryRowContext(ctx, "SELECT data FROM sessions WHERE token_hash = $1 AND expiry > $2",
		credential.Digest(token), ss.s.now()).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("store: find session: %w", err)
	}
	return data, true, nil
}

// The session keys the web server writes and the store reads to list a
// person's sessions (and end them): the user's id, the sign-in's time
// (Unix seconds) and the device in words.
const (
	SessionUserKey     = "user_id"
	SessionSignedInKey = "signed_in"
	SessionDeviceKey   = "device"
)

// CommitCtx stores or replaces a session, with its owner, sign-in time and
// device read from its data, and now as its last sight.
func (ss *Sessions) CommitCtx(ctx context.Context, token string, data []byte, expiry time.Time) error {
	var userID, device string
	var signedIn any
	if _, values, err := (scs.GobCodec{}).Decode(data); err == nil {
		userID, _ = values[SessionUserKey].(string)
		device, _ = values[SessionDeviceKey].(string)
		if v, ok := values[SessionSignedInKey].(int64); ok {
			signedIn = time.Unix(v, 0).UTC()
		}
	}
	err := ss.s.tx(ctx, func(tx *sqldb.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO sessions (token_hash, data, expiry, user_id, signed_in_at, last_seen, device) VALUES ($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT (token_hash) DO UPDATE SET data = excluded.data, expiry = excluded.expiry, user_id = excluded.user_id,
				signed_in_at = excluded.signed_in_at, last_seen = excluded.last_seen, device = excluded.device`,
			credential.Digest(token), data, expiry.UTC(), userID, signedIn, ss.s.now(), device)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: commit session: %w", err)
	}
	return nil
}

// DeleteCtx removes a session.
func (ss *Sessions) DeleteCtx(ctx context.Context, token string) error {
	err := ss.s.tx(ctx, func(tx *sqldb.Tx) error {
		_, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE token_hash = $1", credential.Digest(token))
		return err
	})
	if err != nil {
		return fmt.Errorf("store: delete session: %w", err)
	}
	return nil
}

// Find, Commit and Delete satisfy scs.Store; scs calls the Ctx variants.
func (ss *Sessions) Find(token string) ([]byte, bool, error) {
	return ss.FindCtx(context.Background(), token)
}

// Commit stores or replaces a session.
func (ss *Sessions) Commit(token string, data []byte, expiry time.Time) error {
	return ss.CommitCtx(context.Background(), token, data, expiry)
}

// Delete removes a session.
func (ss *Sessions) Delete(token string) error { return ss.DeleteCtx(context.Background(), token) }

// DeleteExpired removes expired sessions and returns how many.
func (ss *Sessions) DeleteExpired(ctx context.Context) (int64, error) {
	var n int64
	err := ss.s.tx(ctx, func(tx *sqldb.Tx) error {
		var err error
		n, err = tx.ExecCount(ctx, "DELETE FROM sessions WHERE expiry <= $1", ss.s.now())
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: delete expired sessions: %w", err)
	}
	return n, nil
}
