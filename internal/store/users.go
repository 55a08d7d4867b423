package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/access"
	"github.com/kasuhara/kasuhara/internal/credential"
	"github.com/kasuhara/kasuhara/internal/sqldb"
)

const userColumns = "id, email, name, language, disabled, must_change_password, created_at, updated_at, password_hash"

func scanUser(sc scanner, extra ...any) (*kasuhara.User, error) {
	u, _, err := scanUserHash(sc, extra...)
	return u, err
}

// scanUserHash scans a user and returns its password hash too.
func scanUserHash(sc scanner, extra ...any) (*kasuhara.User, string, error) {
	var u kasuhara.User
	var hash string
	dest := append([]any{&u.ID, &u.Email, &u.Name, &u.Language, &u.Disabled, &u.MustChangePassword, &u.CreatedAt, &u.UpdatedAt, &hash}, extra...)
	if err := sc.Scan(dest...); err != nil {
		return nil, "", err
	}
	u.CredentialStamp = credentialStamp(hash)
	u.CreatedAt, u.UpdatedAt = u.CreatedAt.UTC(), u.UpdatedAt.UTC()
	return &u, hash, nil
}

// checkDepartment verifies that a department belongs to the organisation.
func checkDepartment(ctx context.Context, tx *sqldb.Tx, orgID, depID string) error {
	if depID == "" {
		return nil
	}
	var one int
	err := tx.QueryRowContext(ctx, "SELECT 1 FROM departments WHERE id = $1 AND org_id = $2", depID, orgID).Scan(&one)
	if err == sql.ErrNoRows {
		return kasuhara.InvalidField("department", kasuhara.FieldNotDepartment)
	}
	return err
}

// CreateUser implements kasuhara.UserService.
func (s *Store) CreateUser(ctx context.Context, actor kasuhara.Actor, n kasuhara.NewUser) (*kasuhara.User, error) {
	if err := s.authorize(ctx, actor, access.ManageUsers, n.OrgID); err != nil {
		return nil, wrap("store.CreateUser", err)
	}
	if n.Role.Privileged() && !operator(actor) {
		return nil, wrap("store.CreateUser", needsSecondPerson("creating a desk or legal user"))
	}
	return txValue(ctx, s, "store.CreateUser", func(tx *sqldb.Tx) (*kasuhara.User, error) { return s.createUser(ctx, tx, actor, n) })
}

func (s *Store) createUser(ctx context.Context, tx *sqldb.Tx, actor kasuhara.Actor, n kasuhara.NewUser) (*kasuhara.User, error) {
	n.Email, n.Name = kasuhara.NormalizeEmail(n.Email), trim(n.Name)
	if err := n.Validate(); err != nil {
		return nil, err
	}
	hash, err := credential.HashPassword(n.Password, s.Params)
	if err != nil {
		return nil, err
	}
	return s.insertUser(ctx, tx, actor, n, hash)
}

// insertUser adds a checked user with its password's hash and membership,
// and the audit entry.
func (s *Store) insertUser(ctx context.Context, tx *sqldb.Tx, actor kasuhara.Actor, n kasuhara.NewUser, hash string) (*kasuhara.User, error) {
	now := s.now()
	u := &kasuhara.User{ID: newID(), Email: n.Email, Name: n.Name, Language: n.Language,
		MustChangePassword: n.MustChangePassword, CreatedAt: now, UpdatedAt: now}
	var one int
	if err := tx.QueryRowContext(ctx, "SELECT 1 FROM orgs WHERE id = $1", n.OrgID).Scan(&one); err == sql.ErrNoRows {
		return nil, kasuhara.InvalidField("org", kasuhara.FieldNoSuchOrg)
	} else if err != nil {
		return nil, err
	}
	if err := checkDepartment(ctx, tx, n.OrgID, n.DepartmentID); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO users (id, email, name, password_hash, language, disabled, must_change_password, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		u.ID, u.Email, u.Name, hash, u.Language, false, u.MustChangePassword, now, now); err != nil {
		if sqldb.IsUniqueViolation(err) {
			return nil, &kasuhara.Error{Code: kasuhara.ECONFLICT, Message: "a user with this e-mail address exists", Fields: kasuhara.FieldErrors{"email": {Code: kasuhara.FieldTaken}}}
		}
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO memberships (user_id, org_id, role, department_id, created_at) VALUES ($1, $2, $3, $4, $5)",
		u.ID, n.OrgID, string(n.Role), nullString(n.DepartmentID), now); err != nil {
		return nil, err
	}
	return u, s.appendAudit(ctx, tx, change{actor: actor, orgID: n.OrgID, action: "user.create", objectType: "user", objectID: u.ID,
		detail: map[string]string{"role": string(n.Role), "department_id": n.DepartmentID}})
}

// UserByID implements kasuhara.UserService.
func (s *Store) UserByID(ctx context.Context, id string) (*kasuhara.User, error) {
	u, err := scanUser(s.db.Read.QueryRowContext(ctx, "SELECT "+userColumns+" FROM users WHERE id = $1", id))
	if err != nil {
		return nil, notFound(err, "store.UserByID", "user")
	}
	return u, nil
}

// UserByEmail implements kasuhara.UserService.
func (s *Store) UserByEmail(ctx context.Context, email string) (*kasuhara.User, error) {
	u, err := scanUser(s.db.Read.QueryRowContext(ctx, "SELECT "+userColumns+" FROM users WHERE email = $1", kasuhara.NormalizeEmail(email)))
	if err != nil {
		return nil, notFound(err, "store.UserByEmail", "user")
	}
	return u, nil
}

// dummy returns a hash to check against when the e-mail address is unknown,
// so that an unknown address costs as much time as a wrong password.
func (s *Store) dummy() string {
	dummyOnce.Do(func() {
		h, err := credential.HashPassword("kasuhara-dummy-password", s.Params)
		if err != nil {
			panic(err)
		}
		dummyHash = h
	})
	return dummyHash
}

var (
	dummyOnce sync.Once
	dummyHash string
)

// Authenticate implements kasuhara.UserService.
func (s *Store) Authenticate(ctx context.Context, email, password string) (*kasuhara.User, error) {
	const op = "store.Authenticate"
	u, hash, err := scanUserHash(s.db.Read.QueryRowContext(ctx, "SELECT "+userColumns+" FROM users WHERE email = $1",
		kasuhara.NormalizeEmail(email)))
	if err != nil && err != sql.ErrNoRows {
		return nil, wrap(op, err)
	}
	ok := false
	if u == nil {
		_, _ = credential.CheckPassword(s.dummy(), password)
	} else if ok, err = credential.CheckPassword(hash, password); err != nil {
		return nil, wrap(op, err)
	}
	success := ok && !u.Disabled
	c := change{actor: kasuhara.Actor{Label: "anonymous"}, action: "auth.login_failed"}
	if u != nil {
		c.objectType, c.objectID = "user", u.ID
		c.orgID = s.primaryOrg(ctx, u.ID)
		if success {
			c.actor = kasuhara.Actor{UserID: u.ID}
			c.action = "auth.login"
		} else if u.Disabled {
			c.detail = map[string]string{"reason": "disabled"}
		}
	}
	if err := s.tx(ctx, func(tx *sqldb.Tx) error { return s.appendAudit(ctx, tx, c) }); err != nil {
		return nil, wrap(op, err)
	}
	if !success {
		return nil, &kasuhara.Error{Code: kasuhara.EUNAUTH, Op: op, Message: "wrong e-mail address or password"}
	}
	return u, nil
}

// primaryOrg returns the organisation of the user's oldest membership.
func (s *Store) primaryOrg(ctx context.Context, userID string) string {
	ms, err := s.Memberships(ctx, userID)
	if err != nil || len(ms) == 0 {
		return ""
	}
	return ms[0].OrgID
}

// SetPassword implements kasuhara.UserService.
func (s *Store) SetPassword(ctx context.Context, actor kasuhara.Actor, userID, password string) error {
	if err := kasuhara.ValidatePassword("password", password); err != nil {
		return err
	}
	return s.setPassword(ctx, actor, userID, password, false, "user.password_change")
}

func (s *Store) setPassword(ctx context.Context, actor kasuhara.Actor, userID, password string, mustChange bool, action string) error {
	hash, err := credential.HashPassword(password, s.Params)
	if err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sqldb.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE users SET password_hash = $1, must_change_password = $2, updated_at = $3 WHERE id = $4",
			hash, mustChange, s.now(), userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return kasuhara.Errorf(kasuhara.ENOTFOUND, "user not found")
		}
		// Whoever knew the old password may hold a session or a token: the
		// sessions end with the hash (User.CredentialStamp), the tokens here.
		res, err = tx.ExecContext(ctx, "UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL", s.now(), userID)
		if err != nil {
			return err
		}
		revoked, _ := res.RowsAffected()
		return s.appendAudit(ctx, tx, change{actor: actor, orgID: s.primaryOrgTx(ctx, tx, userID), action: action, objectType: "user", objectID: userID,
			detail: map[string]int64{"tokens_revoked": revoked}})
	})
}

// credentialStamp is a short digest of a password hash: it changes with the
// password and tells nothing of it.
func credentialStamp(hash string) string {
	sum := sha256.Sum256([]byte(hash))
	return hex.EncodeToString(sum[:8])
}

func (s *Store) primaryOrgTx(ctx context.Context, tx *sqldb.Tx, userID string) string {
	var org string
	_ = tx.QueryRowContext(ctx, "SELECT org_id FROM memberships WHERE user_id = $1 ORDER BY created_at, org_id LIMIT 1", userID).Scan(&org)
	return org
}

// ResetPassword implements kasuhara.UserService.
func (s *Store) ResetPassword(ctx context.Context, actor kasuhara.Actor, userID string) (string, error) {
	if err := s.mayResetPassword(ctx, actor, userID); err != nil {
		return "", wrap("store.ResetPassword", err)
	}
	pw := credential.GeneratePassword()
	if err := s.setPassword(ctx, actor, userID, pw, true, "user.password_reset"); err != nil {
		return "", wrap("store.ResetPassword", err)
	}
	return pw, nil
}

// mayResetPassword checks that the actor may give userID a password it
// learns: an admin in reach, and only for a user who holds neither desk
// nor legal (their reset is a grant request: the new password reaches
// only them).
func (s *Store) mayResetPassword(ctx context.Context, actor kasuhara.Actor, userID string) error {
	if err := s.authorizeUser(ctx, s.db.Read, actor, userID); err != nil {
		return err
	}
	if operator(actor) {
		return nil
	}
	if priv, err := privilegedUser(ctx, s.db.Read, userID); err != nil {
		return err
	} else if priv {
		return needsSecondPerson("resetting the password of a desk or legal user")
	}
	return nil
}

// SetLanguage implements kasuhara.UserService.
func (s *Store) SetLanguage(ctx context.Context, actor kasuhara.Actor, userID, lang string) error {
	if lang != "" && !slices.Contains(kasuhara.Languages, lang) {
		return kasuhara.Invalid(kasuhara.FieldErrors{"language": kasuhara.OneOf(kasuhara.Languages...)})
	}
	return wrap("store.SetLanguage", s.updateUser(ctx, actor, userID, "user.language", map[string]string{"language": lang},
		"UPDATE users SET language = $1, updated_at = $2 WHERE id = $3", lang))
}

// SetDisabled implements kasuhara.UserService.
func (s *Store) SetDisabled(ctx context.Context, actor kasuhara.Actor, userID string, disabled bool) error {
	if err := s.authorizeUser(ctx, s.db.Read, actor, userID); err != nil {
		return wrap("store.SetDisabled", err)
	}
	action := "user.enable"
	if disabled {
		action = "user.disable"
	}
	err := s.updateUser(ctx, actor, userID, action, nil, "UPDATE users SET disabled = $1, updated_at = $2 WHERE id = $3", disabled)
	if err == nil && disabled {
		// Sessions end now, not at their next request: an enabling later
		// must not bring them back.
		err = s.tx(ctx, func(tx *sqldb.Tx) error {
			if _, err := tx.ExecContext(ctx, "UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL", s.now(), userID); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE user_id = $1", userID)
			return err
		})
	}
	return wrap("store.SetDisabled", err)
}

// updateUser runs an UPDATE of one user whose first argument is the new
// value, then $2 the time and $3 the id, and audits it.
func (s *Store) updateUser(ctx context.Context, actor kasuhara.Actor, userID, action string, detail any, q string, v any) error {
	return s.tx(ctx, func(tx *sqldb.Tx) error {
		res, err := tx.ExecContext(ctx, q, v, s.now(), userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return kasuhara.Errorf(kasuhara.ENOTFOUND, "user not found")
		}
		return s.appendAudit(ctx, tx, change{actor: actor, orgID: s.primaryOrgTx(ctx, tx, userID), action: action, objectType: "user", objectID: userID, detail: detail})
	})
}

// Memberships implements kasuhara.UserService.
func (s *Store) Memberships(ctx context.Context, userID string) ([]kasuhara.Membership, error) {
	return list(ctx, s.db.Read, "memberships", func(sc scanner) (m kasuhara.Membership, err error) {
		err = sc.Scan(&m.UserID, &m.OrgID, &m.Role, &m.DepartmentID, &m.CreatedAt)
		m.CreatedAt = m.CreatedAt.UTC()
		return m, err
	}, unprobed(s.db.Engine, `SELECT user_id, org_id, role, COALESCE(department_id, ''), created_at
		FROM memberships WHERE user_id = $1 ORDER BY created_at, org_id`), userID)
}

// SetMembership implements kasuhara.UserService.
func (s *Store) SetMembership(ctx context.Context, actor kasuhara.Actor, m kasuhara.Membership) error {
	if !m.Role.Valid() {
		return kasuhara.Invalid(kasuhara.FieldErrors{"role": kasuhara.OneOf(kasuhara.Roles...)})
	}
	if err := s.authorize(ctx, actor, access.ManageUsers, m.OrgID); err != nil {
		return wrap("store.SetMembership", err)
	}
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
		var oldRole string
		err := tx.QueryRowContext(ctx, "SELECT role FROM memberships WHERE user_id = $1 AND org_id = $2", m.UserID, m.OrgID).Scan(&oldRole)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if m.Role.Privileged() && oldRole != string(m.Role) && !operator(actor) {
			return needsSecondPerson("granting the desk or legal role")
		}
		old, oldDep, changed, err := s.changeMembership(ctx, tx, m)
		if err != nil || !changed {
			return err
		}
		return s.appendAudit(ctx, tx, change{actor: actor, orgID: m.OrgID, action: "membership.set", objectType: "user", objectID: m.UserID,
			detail: map[string]string{"role": string(m.Role), "old_role": old, "department_id": m.DepartmentID, "old_department_id": oldDep}})
	})
	return wrap("store.SetMembership", err)
}

// setMembership creates or changes a membership for an approved grant and
// returns the old role; its audit entry is the grant's.
func (s *Store) setMembership(ctx context.Context, tx *sqldb.Tx, m kasuhara.Membership) (string, error) {
	old, _, _, err := s.changeMembership(ctx, tx, m)
	return old, err
}

// changeMembership creates or changes a membership and returns the old
// role and department, and whether anything changed.
func (s *Store) changeMembership(ctx context.Context, tx *sqldb.Tx, m kasuhara.Membership) (string, string, bool, error) {
	var one int
	if err := tx.QueryRowContext(ctx, "SELECT 1 FROM users WHERE id = $1", m.UserID).Scan(&one); err != nil {
		return "", "", false, notFound(err, "store.SetMembership", "user")
	}
	if err := checkDepartment(ctx, tx, m.OrgID, m.DepartmentID); err != nil {
		return "", "", false, err
	}
	var oldRole, oldDep string
	err := tx.QueryRowContext(ctx, "SELECT role, COALESCE(department_id, '') FROM memberships WHERE user_id = $1 AND org_id = $2",
		m.UserID, m.OrgID).Scan(&oldRole, &oldDep)
	switch {
	case err == sql.ErrNoRows:
		_, err = tx.ExecContext(ctx, "INSERT INTO memberships (user_id, org_id, role, department_id, created_at) VALUES ($1, $2, $3, $4, $5)",
			m.UserID, m.OrgID, string(m.Role), nullString(m.DepartmentID), s.now())
	case err == nil:
		if oldRole == string(m.Role) && oldDep == m.DepartmentID {
			return oldRole, oldDep, false, nil
		}
		_, err = tx.ExecContext(ctx, "UPDATE memberships SET role = $1, department_id = $2 WHERE user_id = $3 AND org_id = $4",
			string(m.Role), nullString(m.DepartmentID), m.UserID, m.OrgID)
	}
	return oldRole, oldDep, err == nil, err
}

// Members implements kasuhara.UserService.
func (s *Store) Members(ctx context.Context, orgID string) ([]kasuhara.Member, error) {
	return list(ctx, s.db.Read, "members", func(sc scanner) (m kasuhara.Member, err error) {
		u, err := scanUser(sc, &m.Membership.UserID, &m.OrgID, &m.Role, &m.DepartmentID, &m.Membership.CreatedAt, &m.OrgSlug, &m.DepartmentName)
		if err != nil {
			return m, err
		}
		m.User = *u
		m.Membership.CreatedAt = m.Membership.CreatedAt.UTC()
		return m, nil
	}, `SELECT u.id, u.email, u.name, u.language, u.disabled, u.must_change_password, u.created_at, u.updated_at, u.password_hash,
			m.user_id, m.org_id, m.role, COALESCE(m.department_id, ''), m.created_at, o.slug, COALESCE(d.name, '')
		FROM memberships m
		JOIN users u ON u.id = m.user_id
		JOIN orgs o ON o.id = m.org_id
		LEFT JOIN departments d ON d.id = m.department_id
		WHERE m.org_id = $1
		ORDER BY u.name, u.email`, orgID)
}

// CountUsers implements kasuhara.UserService.
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	if err := s.db.Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM users").Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count users: %w", err)
	}
	return n, nil
}
