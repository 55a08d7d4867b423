package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/credential"
	"github.com/kasuhara/kasuhara/internal/sqldb"
)

// CreateToken implements kasuhara.TokenService.
func (s *Store) CreateToken(ctx context.Context, actor kasuhara.Actor, userID, label string) (*kasuhara.APIToken, string, error) {
	label = trim(label)
	if len([]rune(label)) > 100 {
		return nil, "", kasuhara.InvalidField("label", kasuhara.FieldTooLong)
	}
	secret := credential.NewToken()
	t := &kasuhara.APIToken{ID: newID(), UserID: userID, Label: label, CreatedAt: s.now()}
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
		var disabled bool
		if err := tx.QueryRowContext(ctx, "SELECT disabled FROM users WHERE id = $1", userID).Scan(&disabled); err != nil {
			return notFound(err, "store.CreateToken", "user")
		}
		if disabled {
			return kasuhara.Errorf(kasuhara.ECONFLICT, "the user is disabled")
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO api_tokens (id, user_id, label, token_hash, created_at) VALUES ($1, $2, $3, $4, $5)",
			t.ID, t.UserID, t.Label, credential.Digest(secret), t.CreatedAt); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, change{actor: actor, orgID: s.primaryOrgTx(ctx, tx, userID), action: "token.create", objectType: "api_token", objectID: t.ID,
			detail: map[string]string{"user_id": userID}})
	})
	if err != nil {
		return nil, "", wrap("store.CreateToken", err)
	}
	return t, secret, nil
}

// tokenTouchInterval limits how often last_used_at is written for one token.
const tokenTouchInterval = time.Minute

// TokenUser implements kasuhara.TokenService.
func (s *Store) TokenUser(ctx context.Context, secret string) (*kasuhara.User, error) {
	id, err := s.TokenIdentity(ctx, secret)
	if err != nil {
		return nil, err
	}
	return id.User, nil
}

// touchToken records that the token was used, at most once a minute.
func (s *Store) touchToken(ctx context.Context, tokenID string, lastUsed sql.NullTime) {
	now := s.now()
	if !lastUsed.Valid || now.Sub(lastUsed.Time) > tokenTouchInterval {
		// When the token was last used is bookkeeping: a writer busy for
		// longer than tokenTouchWait does not fail the request, and the
		// next request a minute later tries again.
		tctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), tokenTouchWait)
		_ = s.db.Bookkeeping(tctx, func(tx *sqldb.Tx) error {
			_, err := tx.ExecContext(tctx, "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2", now, tokenID)
			return err
		})
		cancel()
	}
}

// tokenTouchWait is how long a request waits to record its token's use.
var tokenTouchWait = 2 * time.Second

func prefixed(alias, cols string) string {
	parts := strings.Split(cols, ", ")
	for i, p := range parts {
		parts[i] = alias + "." + p
	}
	return strings.Join(parts, ", ")
}

// Tokens implements kasuhara.TokenService.
func (s *Store) Tokens(ctx context.Context, userID string) ([]kasuhara.APIToken, error) {
	return list(ctx, s.db.Read, "tokens", func(sc scanner) (t kasuhara.APIToken, err error) {
		var used, revoked sql.NullTime
		err = sc.Scan(&t.ID, &t.UserID, &t.Label, &t.CreatedAt, &used, &revoked)
		t.CreatedAt, t.LastUsedAt, t.RevokedAt = t.CreatedAt.UTC(), nullTime(used), nullTime(revoked)
		return t, err
	}, `SELECT id, user_id, label, created_at, last_used_at, revoked_at
		FROM api_tokens WHERE user_id = $1 ORDER BY created_at DESC, id DESC`, userID)
}

// RevokeToken implements kasuhara.TokenService.
func (s *Store) RevokeToken(ctx context.Context, actor kasuhara.Actor, userID, tokenID string) error {
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL",
			s.now(), tokenID, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return kasuhara.Errorf(kasuhara.ENOTFOUND, "token not found")
		}
		return s.appendAudit(ctx, tx, change{actor: actor, orgID: s.primaryOrgTx(ctx, tx, userID), action: "token.revoke", objectType: "api_token", objectID: tokenID,
			detail: map[string]string{"user_id": userID}})
	})
	return wrap("store.RevokeToken", err)
}
