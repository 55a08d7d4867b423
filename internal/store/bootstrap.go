package store

import (
	"context"
	"database/sql"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/credential"
	"github.com/kasuhara/kasuhara/internal/sqldb"
)

// bootstrapLockKey serialises first-run bootstraps of servers that start at
// the same time against one PostgreSQL database.
const bootstrapLockKey = 0x6b61737562747370

// FirstRun is what Bootstrap created on an empty database.
type FirstRun struct {
	Org      *kasuhara.Org
	Admin    *kasuhara.User
	Password string // the one-time password, to be shown once
}

// Bootstrap creates the first organisation and an admin with a generated
// one-time password when the database has no users, and returns nil when it
// has some. It is one transaction, so two servers starting together cannot
// both create an admin.
func (s *Store) Bootstrap(ctx context.Context, org kasuhara.NewOrg, adminEmail, adminName string) (*FirstRun, error) {
	var fr *FirstRun
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
		if s.db.Engine == sqldb.Postgres {
			if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", int64(bootstrapLockKey)); err != nil {
				return err
			}
		}
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM users").Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		// An operator may have created organisations before the first
		// start; the admin then joins the oldest top-level one.
		o, err := scanOrg(tx.QueryRowContext(ctx, "SELECT "+orgColumns+" FROM orgs WHERE parent_id IS NULL ORDER BY created_at, id LIMIT 1"))
		if err == sql.ErrNoRows {
			o, err = s.createOrg(ctx, tx, kasuhara.SystemActor, org)
		}
		if err != nil {
			return err
		}
		pw := credential.GeneratePassword()
		u, err := s.createUser(ctx, tx, kasuhara.SystemActor, kasuhara.NewUser{
			Email: adminEmail, Name: adminName, Password: pw, MustChangePassword: true, OrgID: o.ID, Role: kasuhara.RoleAdmin,
		})
		if err != nil {
			return err
		}
		fr = &FirstRun{Org: o, Admin: u, Password: pw}
		return nil
	})
	if err != nil {
		return nil, wrap("store.Bootstrap", err)
	}
	return fr, nil
}
