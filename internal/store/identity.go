package store

import (
	"context"
	"database/sql"
	"strings"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/credential"
)

// Who is asking, in one statement (issue 21). Every request read the token
// (or the session's user), then the user's memberships, then the
// organisation: three statements, 15 % of the server's time on the desk's
// list. The identity is now one join, read on every request and never
// kept: a revoked token, a disabled user or a removed membership is
// refused on the very next request.

// identityColumns are the user's columns, then those of the oldest
// membership and its organisation (NULL when there is none).
var identityColumns = prefixed("u", userColumns) + `, m.org_id, m.role, COALESCE(m.department_id, ''), m.created_at,
	o.slug, o.name, COALESCE(o.parent_id, ''), o.created_at`

// identityJoin joins the memberships and their organisation to users u;
// identityOrder, with LIMIT 1, keeps the oldest membership, as Memberships
// lists them.
const (
	identityJoin  = ` LEFT JOIN memberships m ON m.user_id = u.id LEFT JOIN orgs o ON o.id = m.org_id`
	identityOrder = ` ORDER BY m.created_at, m.org_id LIMIT 1`
)

// scanIdentity scans a row of identityColumns followed by extra.
func scanIdentity(sc scanner, extra ...any) (*kasuhara.Identity, error) {
	var orgID, role, slug, name sql.NullString
	var dep, parent string
	var joined, orgCreated dbTime
	u, err := scanUser(sc, append([]any{&orgID, &role, &dep, &joined, &slug, &name, &parent, &orgCreated}, extra...)...)
	if err != nil {
		return nil, err
	}
	id := &kasuhara.Identity{User: u}
	if orgID.Valid && slug.Valid {
		id.Membership = kasuhara.Membership{UserID: u.ID, OrgID: orgID.String, Role: kasuhara.Role(role.String), DepartmentID: dep,
			CreatedAt: joined.T}
		id.Org = &kasuhara.Org{ID: orgID.String, Slug: slug.String, Name: name.String, ParentID: parent, CreatedAt: orgCreated.T}
	}
	return id, nil
}

// TokenIdentity implements kasuhara.TokenService.
func (s *Store) TokenIdentity(ctx context.Context, secret string) (*kasuhara.Identity, error) {
	const op = "store.TokenIdentity"
	unauth := &kasuhara.Error{Code: kasuhara.EUNAUTH, Op: op, Message: "invalid or revoked API token"}
	if !strings.HasPrefix(secret, credential.TokenPrefix) { // refused without a query
		return nil, unauth
	}
	var tokenID string
	var lastUsed sql.NullTime
	id, err := scanIdentity(s.db.Read.QueryRowContext(ctx, unprobed(s.db.Engine, `SELECT `+identityColumns+`, t.id, t.last_used_at
		FROM api_tokens t JOIN users u ON u.id = t.user_id`+identityJoin+`
		WHERE t.token_hash = $1 AND t.revoked_at IS NULL`+identityOrder), credential.Digest(secret)), &tokenID, &lastUsed)
	if err == sql.ErrNoRows {
		return nil, unauth
	}
	if err != nil {
		return nil, wrap(op, err)
	}
	if id.User.Disabled {
		return nil, unauth
	}
	s.touchToken(ctx, tokenID, lastUsed)
	return id, nil
}

// UserIdentity implements kasuhara.UserService.
func (s *Store) UserIdentity(ctx context.Context, userID string) (*kasuhara.Identity, error) {
	id, err := scanIdentity(s.db.Read.QueryRowContext(ctx, unprobed(s.db.Engine, `SELECT `+identityColumns+`
		FROM users u`+identityJoin+` WHERE u.id = $1`+identityOrder), userID))
	if err != nil {
		return nil, notFound(err, "store.UserIdentity", "user")
	}
	return id, nil
}
