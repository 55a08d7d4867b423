package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/access"
	"github.com/kasuhara/kasuhara/internal/credential"
	"github.com/kasuhara/kasuhara/internal/sqldb"
)

var _ kasuhara.ProvisioningService = (*Store)(nil)

// CreateSCIMToken implements kasuhara.ProvisioningService.
func (s *Store) CreateSCIMToken(ctx context.Context, actor kasuhara.Actor, orgID, label string) (*kasuhara.SCIMToken, string, error) {
	const op = "store.CreateSCIMToken"
	label = trim(label)
	if label == "" {
		label = "SCIM"
	} else if len(label) > 100 {
		return nil, "", wrap(op, kasuhara.InvalidField("label", kasuhara.FieldTooLong))
	}
	if err := s.authorize(ctx, actor, access.ManageUsers, orgID); err != nil {
		return nil, "", wrap(op, err)
	}
	secret := credential.NewToken()
	t := &kasuhara.SCIMToken{ID: newID(), OrgID: orgID, Label: label, CreatedAt: s.now()}
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
		if _, err := tx.ExecContext(ctx, "INSERT INTO scim_tokens (id, org_id, label, token_hash, created_at) VALUES ($1, $2, $3, $4, $5)",
			t.ID, orgID, label, credential.Digest(secret), t.CreatedAt); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, change{actor: actor, orgID: orgID, action: "scim.token_create", objectType: "org", objectID: orgID,
			detail: map[string]string{"token_id": t.ID}})
	})
	if err != nil {
		return nil, "", wrap(op, err)
	}
	return t, secret, nil
}

// SCIMTokens implements kasuhara.ProvisioningService.
func (s *Store) SCIMTokens(ctx context.Context, actor kasuhara.Actor, orgID string) ([]kasuhara.SCIMToken, error) {
	if err := s.authorize(ctx, actor, access.ManageUsers, orgID); err != nil {
		return nil, wrap("store.SCIMTokens", err)
	}
	return list(ctx, s.db.Read, "scim tokens", func(sc scanner) (t kasuhara.SCIMToken, err error) {
		var revoked sql.NullTime
		err = sc.Scan(&t.ID, &t.OrgID, &t.Label, &t.CreatedAt, &revoked)
		t.CreatedAt, t.RevokedAt = t.CreatedAt.UTC(), nullTime(revoked)
		return t, err
	}, "SELECT id, org_id, label, created_at, revoked_at FROM scim_tokens WHERE org_id = $1 ORDER BY created_at DESC, id DESC", orgID)
}

// RevokeSCIMToken implements kasuhara.ProvisioningService.
func (s *Store) RevokeSCIMToken(ctx context.Context, actor kasuhara.Actor, orgID, id string) error {
	const op = "store.RevokeSCIMToken"
	if err := s.authorize(ctx, actor, access.ManageUsers, orgID); err != nil {
		return wrap(op, err)
	}
	return wrap(op, s.tx(ctx, func(tx *sqldb.Tx) error {
		n, err := tx.ExecCount(ctx, "UPDATE scim_tokens SET revoked_at = $1 WHERE id = $2 AND org_id = $3 AND revoked_at IS NULL", s.now(), id, orgID)
		if err != nil {
			return err
		}
		if n == 0 {
			return kasuhara.Errorf(kasuhara.ENOTFOUND, "token not found")
		}
		return s.appendAudit(ctx, tx, change{actor: actor, orgID: orgID, action: "scim.token_revoke", objectType: "org", objectID: orgID,
			detail: map[string]string{"token_id": id}})
	}))
}

// SCIMTokenOrg implements kasuhara.ProvisioningService.
func (s *Store) SCIMTokenOrg(ctx context.Context, secret string) (string, error) {
	var org string
	err := s.db.Read.QueryRowContext(ctx, "SELECT org_id FROM scim_tokens WHERE token_hash = $1 AND revoked_at IS NULL", credential.Digest(secret)).Scan(&org)
	if errors.Is(err, sql.ErrNoRows) || secret == "" {
		return "", &kasuhara.Error{Code: kasuhara.EUNAUTH, Op: "store.SCIMTokenOrg", Message: "invalid or revoked SCIM token"}
	}
	return org, wrap("store.SCIMTokenOrg", err)
}

const scimUserColumns = `u.id, x.external_id, x.user_name, u.email, u.name, x.given_name, x.family_name, u.disabled, x.created_at, u.updated_at`

func scanSCIMUser(sc scanner) (u kasuhara.SCIMUser, err error) {
	var disabled bool
	err = sc.Scan(&u.ID, &u.ExternalID, &u.UserName, &u.Email, &u.DisplayName, &u.GivenName, &u.FamilyName, &disabled, &u.Created, &u.Modified)
	u.Active = !disabled
	u.Created, u.Modified = u.Created.UTC(), u.Modified.UTC()
	return u, err
}

// scimWhere turns a filter into SQL after "WHERE x.org_id = $1".
func scimWhere(f kasuhara.SCIMFilter, attrs map[string]string) (string, []any, error) {
	if f.Attr == "" {
		return "", nil, nil
	}
	col, ok := attrs[strings.ToLower(f.Attr)]
	if !ok {
		return "", nil, kasuhara.InvalidField("filter", kasuhara.FieldMalformed)
	}
	v := f.Value
	if col == "x.user_name" {
		v = strings.ToLower(strings.TrimSpace(v))
	}
	return " AND " + col + " = $2", []any{v}, nil
}

func scimPage(startIndex, count int) (int, int) {
	if startIndex < 1 {
		startIndex = 1
	}
	if count < 0 || count > kasuhara.MaxSCIMPage {
		count = kasuhara.MaxSCIMPage
	}
	return startIndex - 1, count
}

// SCIMUsers implements kasuhara.ProvisioningService.
func (s *Store) SCIMUsers(ctx context.Context, orgID string, f kasuhara.SCIMFilter, startIndex, count int) ([]kasuhara.SCIMUser, int, error) {
	const op = "store.SCIMUsers"
	where, args, err := scimWhere(f, map[string]string{"username": "x.user_name", "externalid": "x.external_id", "id": "u.id"})
	if err != nil {
		return nil, 0, wrap(op, err)
	}
	args = append([]any{orgID}, args...)
	var total int
	from := " FROM scim_users x JOIN users u ON u.id = x.user_id WHERE x.org_id = $1" + where
	if err := s.db.Read.QueryRowContext(ctx, "SELECT COUNT(*)"+from, args...).Scan(&total); err != nil {
		return nil, 0, wrap(op, err)
	}
	off, n := scimPage(startIndex, count)
	us, err := list(ctx, s.db.Read, "scim users", scanSCIMUser, "SELECT "+scimUserColumns+from+" ORDER BY x.created_at, u.id"+
		limitOffset(len(args)), append(args, n, off)...)
	return us, total, wrap(op, err)
}

// limitOffset is the LIMIT and OFFSET of a query with nargs arguments
// before them.
func limitOffset(nargs int) string { return fmt.Sprintf(" LIMIT $%d OFFSET $%d", nargs+1, nargs+2) }

// SCIMUser implements kasuhara.ProvisioningService.
func (s *Store) SCIMUser(ctx context.Context, orgID, id string) (*kasuhara.SCIMUser, error) {
	u, err := s.scimUser(ctx, s.db.Read, orgID, id)
	return u, wrap("store.SCIMUser", err)
}

func (s *Store) scimUser(ctx context.Context, q queryer, orgID, id string) (*kasuhara.SCIMUser, error) {
	u, err := scanSCIMUser(q.QueryRowContext(ctx, "SELECT "+scimUserColumns+
		" FROM scim_users x JOIN users u ON u.id = x.user_id WHERE x.org_id = $1 AND x.user_id = $2", orgID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, kasuhara.Errorf(kasuhara.ENOTFOUND, "user not found")
	} else if err != nil {
		return nil, err
	}
	u.Groups, err = list(ctx, q, "scim user groups", func(sc scanner) (m kasuhara.SCIMMember, err error) {
		err = sc.Scan(&m.ID, &m.Display)
		return m, err
	}, `SELECT g.id, g.display_name FROM scim_group_members m JOIN scim_groups g ON g.id = m.group_id
		WHERE g.org_id = $1 AND m.user_id = $2 ORDER BY g.display_name`, orgID, id)
	return &u, err
}

func validateSCIMUser(u *kasuhara.SCIMUser) error {
	u.UserName, u.DisplayName, u.ExternalID = strings.ToLower(trim(u.UserName)), trim(u.DisplayName), trim(u.ExternalID)
	u.Email = kasuhara.NormalizeEmail(u.Email)
	if u.Email == "" && strings.Contains(u.UserName, "@") {
		u.Email = u.UserName
	}
	u.GivenName, u.FamilyName = trim(u.GivenName), trim(u.FamilyName)
	if u.DisplayName == "" {
		u.DisplayName = strings.TrimSpace(u.FamilyName + " " + u.GivenName)
	}
	if u.DisplayName == "" {
		u.DisplayName, _, _ = strings.Cut(u.UserName, "@")
	}
	f := kasuhara.FieldErrors{}
	if u.UserName == "" {
		f.Add("userName", kasuhara.FieldRequired)
	} else if len(u.UserName) > 254 {
		f.Add("userName", kasuhara.FieldTooLong)
	}
	if err := (kasuhara.NewUser{Email: u.Email, Name: "x", Password: "long-enough-password", OrgID: "x", Role: kasuhara.RoleEmployee}).Validate(); err != nil {
		f.Add("emails", kasuhara.FieldEmail)
	}
	for k, v := range map[string]string{"displayName": u.DisplayName, "externalId": u.ExternalID, "name.givenName": u.GivenName, "name.familyName": u.FamilyName} {
		if len(v) > 200 {
			f.Add(k, kasuhara.FieldTooLong)
		}
	}
	return f.Err()
}

// SCIMCreateUser implements kasuhara.ProvisioningService.
func (s *Store) SCIMCreateUser(ctx context.Context, orgID string, u kasuhara.SCIMUser) (*kasuhara.SCIMUser, error) {
	const op = "store.SCIMCreateUser"
	if err := validateSCIMUser(&u); err != nil {
		return nil, wrap(op, err)
	}
	depth, err := s.orgDepths(ctx, orgID)
	if err != nil {
		return nil, wrap(op, err)
	}
	hash, err := credential.HashPassword(credential.GeneratePassword(), s.Params)
	if err != nil {
		return nil, wrap(op, err)
	}
	taken := func() error {
		return &kasuhara.Error{Code: kasuhara.ECONFLICT, Message: "a user with this userName exists", Fields: kasuhara.FieldErrors{"userName": {Code: kasuhara.FieldTaken}}}
	}
	return txValue(ctx, s, op, func(tx *sqldb.Tx) (*kasuhara.SCIMUser, error) {
		now := s.now()
		var id string
		err := tx.QueryRowContext(ctx, "SELECT id FROM users WHERE email = $1", u.Email).Scan(&id)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			// A new account: only of the organisation's domains. A member
			// of the group already is linked whatever their address.
			if err := s.checkSCIMDomain(ctx, orgID, u); err != nil {
				return nil, err
			}
			id = newID()
			if _, err := tx.ExecContext(ctx, `INSERT INTO users (id, email, name, password_hash, language, disabled, must_change_password, created_at, updated_at)
				VALUES ($1, $2, $3, $4, '', $5, FALSE, $6, $6)`, id, u.Email, u.DisplayName, hash, !u.Active, now); err != nil {
				if sqldb.IsUniqueViolation(err) {
					return nil, taken()
				}
				return nil, err
			}
			if err := s.appendAudit(ctx, tx, change{actor: kasuhara.DirectoryActor, orgID: orgID, action: "user.create", objectType: "user", objectID: id,
				detail: map[string]string{"source": "scim"}}); err != nil {
				return nil, err
			}
		case err != nil:
			return nil, err
		default:
			// Someone with this address: linked when they are a member of
			// the organisation's group and not provisioned yet.
			var one int
			err := tx.QueryRowContext(ctx, "SELECT 1 FROM scim_users WHERE org_id = $1 AND user_id = $2", orgID, id).Scan(&one)
			if err == nil {
				return nil, taken()
			} else if !errors.Is(err, sql.ErrNoRows) {
				return nil, err
			}
			orgs, err := selectIDs(ctx, tx, "SELECT org_id FROM memberships WHERE user_id = $1", id)
			if err != nil {
				return nil, err
			}
			if !slices.ContainsFunc(orgs, func(o string) bool { _, ok := depth[o]; return ok }) {
				return nil, taken()
			}
			if err := s.setActive(ctx, tx, orgID, id, u.Active, u.DisplayName); err != nil {
				return nil, err
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO scim_users (org_id, user_id, user_name, external_id, given_name, family_name, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $7)`, orgID, id, u.UserName, u.ExternalID, u.GivenName, u.FamilyName, now); err != nil {
			if sqldb.IsUniqueViolation(err) {
				return nil, taken()
			}
			return nil, err
		}
		if err := s.appendAudit(ctx, tx, change{actor: kasuhara.DirectoryActor, orgID: orgID, action: "scim.user_link", objectType: "user", objectID: id}); err != nil {
			return nil, err
		}
		return s.scimUser(ctx, tx, orgID, id)
	})
}

// checkSCIMDomain refuses an address outside the e-mail domains of the
// organisation's company sign-in, when it has one: a SCIM token, which an
// admin makes alone, would otherwise reserve anybody's address.
func (s *Store) checkSCIMDomain(ctx context.Context, orgID string, u kasuhara.SCIMUser) error {
	st, _, err := s.effectiveSSO(ctx, s.db.Read, orgID)
	if kasuhara.ErrorCode(err) == kasuhara.ENOTFOUND || err == nil && len(st.Domains) == 0 {
		return nil
	} else if err != nil {
		return err
	}
	if _, domain, _ := strings.Cut(u.Email, "@"); slices.Contains(st.Domains, domain) {
		return nil
	}
	field := "emails"
	if u.Email == u.UserName {
		field = "userName"
	}
	return &kasuhara.Error{Code: kasuhara.EINVALID, Message: "the address is not of the organisation's e-mail domains (" + strings.Join(st.Domains, ", ") + ")",
		Fields: kasuhara.FieldErrors{field: {Code: kasuhara.FieldForeignDomain}}}
}

// sharedUser reports whether userID is also a member of an organisation
// outside orgID's group: the account is then not the directory's alone.
func (s *Store) sharedUser(ctx context.Context, tx *sqldb.Tx, orgID, userID string) (bool, map[string]int, error) {
	depth, err := s.orgDepths(ctx, orgID)
	if err != nil {
		return false, nil, err
	}
	orgs, err := selectIDs(ctx, tx, "SELECT org_id FROM memberships WHERE user_id = $1", userID)
	if err != nil {
		return false, nil, err
	}
	return slices.ContainsFunc(orgs, func(o string) bool { _, ok := depth[o]; return !ok }), depth, nil
}

// setActive updates a provisioned user's name and whether they may sign
// in; deactivating ends their sessions and revokes their API tokens, so
// that a reactivation does not bring an old session back. A person who is
// also a member of an organisation outside the group keeps their account,
// name and access there: deactivating them removes their memberships in
// the group only, and reactivating them places them by their groups again.
func (s *Store) setActive(ctx context.Context, tx *sqldb.Tx, orgID, userID string, active bool, name string) error {
	shared, depth, err := s.sharedUser(ctx, tx, orgID, userID)
	if err != nil {
		return err
	}
	if shared {
		return s.setActiveInGroup(ctx, tx, orgID, userID, active, depth)
	}
	var disabled bool
	var old string
	if err := tx.QueryRowContext(ctx, "SELECT disabled, name FROM users WHERE id = $1", userID).Scan(&disabled, &old); err != nil {
		return err
	}
	if disabled != !active || old != name {
		if _, err := tx.ExecContext(ctx, "UPDATE users SET disabled = $1, name = $2, updated_at = $3 WHERE id = $4", !active, name, s.now(), userID); err != nil {
			return err
		}
	}
	if disabled == !active {
		return nil
	}
	action := "user.enable"
	var revoked, ended int64
	if !active {
		action = "user.disable"
		if revoked, err = tx.ExecCount(ctx, "UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL", s.now(), userID); err != nil {
			return err
		}
		if ended, err = tx.ExecCount(ctx, "DELETE FROM sessions WHERE user_id = $1", userID); err != nil {
			return err
		}
	}
	return s.appendAudit(ctx, tx, change{actor: kasuhara.DirectoryActor, orgID: orgID, action: action, objectType: "user", objectID: userID,
		detail: map[string]any{"source": "scim", "tokens_revoked": revoked, "sessions_ended": ended}})
}

// setActiveInGroup deactivates or reactivates a shared person in orgID's
// group only (see setActive).
func (s *Store) setActiveInGroup(ctx context.Context, tx *sqldb.Tx, orgID, userID string, active bool, depth map[string]int) error {
	orgs, err := selectIDs(ctx, tx, "SELECT org_id FROM memberships WHERE user_id = $1", userID)
	if err != nil {
		return err
	}
	inGroup := slices.ContainsFunc(orgs, func(o string) bool { _, ok := depth[o]; return ok })
	if active == inGroup {
		return nil
	}
	action := "user.enable"
	if active {
		if err := s.placeBySCIMGroups(ctx, tx, orgID, []string{userID}); err != nil {
			return err
		}
		if placed, err := selectIDs(ctx, tx, "SELECT org_id FROM memberships WHERE user_id = $1", userID); err != nil {
			return err
		} else if !slices.ContainsFunc(placed, func(o string) bool { _, ok := depth[o]; return ok }) {
			return nil // none of their groups maps: nothing to enable
		}
	} else {
		action = "user.disable"
		if err := s.removeFromTree(ctx, tx, orgID, userID, depth); err != nil {
			return err
		}
	}
	return s.appendAudit(ctx, tx, change{actor: kasuhara.DirectoryActor, orgID: orgID, action: action, objectType: "user", objectID: userID,
		detail: map[string]any{"source": "scim", "scope": "group"}})
}

// SCIMReplaceUser implements kasuhara.ProvisioningService.
func (s *Store) SCIMReplaceUser(ctx context.Context, orgID, id string, u kasuhara.SCIMUser) (*kasuhara.SCIMUser, error) {
	const op = "store.SCIMReplaceUser"
	if err := validateSCIMUser(&u); err != nil {
		return nil, wrap(op, err)
	}
	return txValue(ctx, s, op, func(tx *sqldb.Tx) (*kasuhara.SCIMUser, error) {
		old, err := s.scimUser(ctx, tx, orgID, id)
		if err != nil {
			return nil, err
		}
		if old.Email != u.Email {
			if err := s.checkSCIMDomain(ctx, orgID, u); err != nil {
				return nil, err
			}
			if shared, _, err := s.sharedUser(ctx, tx, orgID, id); err != nil {
				return nil, err
			} else if shared {
				return nil, kasuhara.Errorf(kasuhara.ECONFLICT, "the person is also a member of an organisation outside this directory's company group: "+
					"their e-mail address is changed there, or by the operator, not by this directory")
			}
			if _, err := tx.ExecContext(ctx, "UPDATE users SET email = $1, updated_at = $2 WHERE id = $3", u.Email, s.now(), id); err != nil {
				if sqldb.IsUniqueViolation(err) {
					return nil, &kasuhara.Error{Code: kasuhara.ECONFLICT, Message: "a user with this userName exists", Fields: kasuhara.FieldErrors{"userName": {Code: kasuhara.FieldTaken}}}
				}
				return nil, err
			}
		}
		if err := s.setActive(ctx, tx, orgID, id, u.Active, u.DisplayName); err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE scim_users SET user_name = $1, external_id = $2, given_name = $3, family_name = $4, updated_at = $5 WHERE org_id = $6 AND user_id = $7",
			u.UserName, u.ExternalID, u.GivenName, u.FamilyName, s.now(), orgID, id); err != nil {
			if sqldb.IsUniqueViolation(err) {
				return nil, &kasuhara.Error{Code: kasuhara.ECONFLICT, Message: "a user with this userName exists", Fields: kasuhara.FieldErrors{"userName": {Code: kasuhara.FieldTaken}}}
			}
			return nil, err
		}
		if err := s.appendAudit(ctx, tx, change{actor: kasuhara.DirectoryActor, orgID: orgID, action: "scim.user_update", objectType: "user", objectID: id,
			detail: map[string]bool{"user_name_changed": old.UserName != u.UserName, "email_changed": old.Email != u.Email, "active": u.Active}}); err != nil {
			return nil, err
		}
		return s.scimUser(ctx, tx, orgID, id)
	})
}

// SCIMDeleteUser implements kasuhara.ProvisioningService.
func (s *Store) SCIMDeleteUser(ctx context.Context, orgID, id string) error {
	const op = "store.SCIMDeleteUser"
	depth, err := s.orgDepths(ctx, orgID)
	if err != nil {
		return wrap(op, err)
	}
	return wrap(op, s.tx(ctx, func(tx *sqldb.Tx) error {
		u, err := s.scimUser(ctx, tx, orgID, id)
		if err != nil {
			return err
		}
		if err := s.setActive(ctx, tx, orgID, id, false, u.DisplayName); err != nil {
			return err
		}
		if err := s.removeFromTree(ctx, tx, orgID, id, depth); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM scim_group_members WHERE user_id = $1 AND group_id IN (SELECT id FROM scim_groups WHERE org_id = $2)`, id, orgID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM scim_users WHERE org_id = $1 AND user_id = $2", orgID, id); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, change{actor: kasuhara.DirectoryActor, orgID: orgID, action: "scim.user_delete", objectType: "user", objectID: id})
	}))
}

func (s *Store) scimGroup(ctx context.Context, q queryer, orgID, id string) (*kasuhara.SCIMGroup, error) {
	var g kasuhara.SCIMGroup
	err := q.QueryRowContext(ctx, "SELECT id, external_id, display_name, created_at, updated_at FROM scim_groups WHERE org_id = $1 AND id = $2", orgID, id).
		Scan(&g.ID, &g.ExternalID, &g.DisplayName, &g.Created, &g.Modified)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, kasuhara.Errorf(kasuhara.ENOTFOUND, "group not found")
	} else if err != nil {
		return nil, err
	}
	g.Created, g.Modified = g.Created.UTC(), g.Modified.UTC()
	g.Members, err = list(ctx, q, "scim members", func(sc scanner) (m kasuhara.SCIMMember, err error) {
		err = sc.Scan(&m.ID, &m.Display)
		return m, err
	}, `SELECT u.id, u.name FROM scim_group_members m JOIN users u ON u.id = m.user_id WHERE m.group_id = $1 ORDER BY u.name, u.id`, id)
	return &g, err
}

// SCIMGroups implements kasuhara.ProvisioningService.
func (s *Store) SCIMGroups(ctx context.Context, orgID string, f kasuhara.SCIMFilter, startIndex, count int) ([]kasuhara.SCIMGroup, int, error) {
	const op = "store.SCIMGroups"
	where, args, err := scimWhere(f, map[string]string{"displayname": "g.display_name", "externalid": "g.external_id", "id": "g.id"})
	if err != nil {
		return nil, 0, wrap(op, err)
	}
	args = append([]any{orgID}, args...)
	from := " FROM scim_groups g WHERE g.org_id = $1" + where
	var total int
	if err := s.db.Read.QueryRowContext(ctx, "SELECT COUNT(*)"+from, args...).Scan(&total); err != nil {
		return nil, 0, wrap(op, err)
	}
	off, n := scimPage(startIndex, count)
	ids, err := selectIDs(ctx, s.db.Read, "SELECT g.id"+from+" ORDER BY g.created_at, g.id"+limitOffset(len(args)), append(args, n, off)...)
	if err != nil {
		return nil, 0, wrap(op, err)
	}
	out := make([]kasuhara.SCIMGroup, 0, len(ids))
	for _, id := range ids {
		g, err := s.scimGroup(ctx, s.db.Read, orgID, id)
		if err != nil {
			return nil, 0, wrap(op, err)
		}
		out = append(out, *g)
	}
	return out, total, nil
}

// SCIMGroup implements kasuhara.ProvisioningService.
func (s *Store) SCIMGroup(ctx context.Context, orgID, id string) (*kasuhara.SCIMGroup, error) {
	g, err := s.scimGroup(ctx, s.db.Read, orgID, id)
	return g, wrap("store.SCIMGroup", err)
}

func validateSCIMGroup(g *kasuhara.SCIMGroup) error {
	g.DisplayName, g.ExternalID = trim(g.DisplayName), trim(g.ExternalID)
	f := kasuhara.FieldErrors{}
	if g.DisplayName == "" {
		f.Add("displayName", kasuhara.FieldRequired)
	} else if len(g.DisplayName) > 256 {
		f.Add("displayName", kasuhara.FieldTooLong)
	}
	if len(g.ExternalID) > 200 {
		f.Add("externalId", kasuhara.FieldTooLong)
	}
	return f.Err()
}

func groupTaken() error {
	return &kasuhara.Error{Code: kasuhara.ECONFLICT, Message: "a group with this displayName exists", Fields: kasuhara.FieldErrors{"displayName": {Code: kasuhara.FieldTaken}}}
}

// SCIMCreateGroup implements kasuhara.ProvisioningService.
func (s *Store) SCIMCreateGroup(ctx context.Context, orgID string, g kasuhara.SCIMGroup) (*kasuhara.SCIMGroup, error) {
	const op = "store.SCIMCreateGroup"
	if err := validateSCIMGroup(&g); err != nil {
		return nil, wrap(op, err)
	}
	members := make([]string, len(g.Members))
	for i, m := range g.Members {
		members[i] = m.ID
	}
	return txValue(ctx, s, op, func(tx *sqldb.Tx) (*kasuhara.SCIMGroup, error) {
		id, now := newID(), s.now()
		if _, err := tx.ExecContext(ctx, "INSERT INTO scim_groups (id, org_id, display_name, external_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)",
			id, orgID, g.DisplayName, g.ExternalID, now); err != nil {
			if sqldb.IsUniqueViolation(err) {
				return nil, groupTaken()
			}
			return nil, err
		}
		if err := s.appendAudit(ctx, tx, change{actor: kasuhara.DirectoryActor, orgID: orgID, action: "scim.group_create", objectType: "org", objectID: orgID,
			detail: map[string]string{"group_id": id}}); err != nil {
			return nil, err
		}
		if err := s.changeMembers(ctx, tx, orgID, id, members, nil); err != nil {
			return nil, err
		}
		return s.scimGroup(ctx, tx, orgID, id)
	})
}

// SCIMReplaceGroup implements kasuhara.ProvisioningService.
func (s *Store) SCIMReplaceGroup(ctx context.Context, orgID, id string, g kasuhara.SCIMGroup, members []string) (*kasuhara.SCIMGroup, error) {
	const op = "store.SCIMReplaceGroup"
	if err := validateSCIMGroup(&g); err != nil {
		return nil, wrap(op, err)
	}
	return txValue(ctx, s, op, func(tx *sqldb.Tx) (*kasuhara.SCIMGroup, error) {
		old, err := s.scimGroup(ctx, tx, orgID, id)
		if err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE scim_groups SET display_name = $1, external_id = $2, updated_at = $3 WHERE id = $4",
			g.DisplayName, g.ExternalID, s.now(), id); err != nil {
			if sqldb.IsUniqueViolation(err) {
				return nil, groupTaken()
			}
			return nil, err
		}
		if err := s.appendAudit(ctx, tx, change{actor: kasuhara.DirectoryActor, orgID: orgID, action: "scim.group_update", objectType: "org", objectID: orgID,
			detail: map[string]any{"group_id": id, "renamed": old.DisplayName != g.DisplayName}}); err != nil {
			return nil, err
		}
		var add, remove []string
		if members != nil {
			for _, m := range old.Members {
				if !slices.Contains(members, m.ID) {
					remove = append(remove, m.ID)
				}
			}
			add = members
		}
		if old.DisplayName != g.DisplayName {
			// The name is what maps: every member is placed again.
			for _, m := range old.Members {
				if !slices.Contains(remove, m.ID) {
					add = append(add, m.ID)
				}
			}
		}
		if err := s.changeMembers(ctx, tx, orgID, id, add, remove); err != nil {
			return nil, err
		}
		return s.scimGroup(ctx, tx, orgID, id)
	})
}

// SCIMChangeMembers implements kasuhara.ProvisioningService.
func (s *Store) SCIMChangeMembers(ctx context.Context, orgID, id string, add, remove []string) error {
	return wrap("store.SCIMChangeMembers", s.tx(ctx, func(tx *sqldb.Tx) error {
		if _, err := s.scimGroup(ctx, tx, orgID, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE scim_groups SET updated_at = $1 WHERE id = $2", s.now(), id); err != nil {
			return err
		}
		return s.changeMembers(ctx, tx, orgID, id, add, remove)
	}))
}

// changeMembers adds and removes members of a group, audits it, and places
// each person concerned by their groups again.
func (s *Store) changeMembers(ctx context.Context, tx *sqldb.Tx, orgID, groupID string, add, remove []string) error {
	if len(add) == 0 && len(remove) == 0 {
		return nil
	}
	var touched []string
	for _, id := range add {
		var one int
		if err := tx.QueryRowContext(ctx, "SELECT 1 FROM scim_users WHERE org_id = $1 AND user_id = $2", orgID, id).Scan(&one); errors.Is(err, sql.ErrNoRows) {
			return kasuhara.InvalidField("members", kasuhara.FieldNotMember)
		} else if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO scim_group_members (group_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", groupID, id); err != nil {
			return err
		}
		touched = append(touched, id)
	}
	for _, id := range remove {
		n, err := tx.ExecCount(ctx, "DELETE FROM scim_group_members WHERE group_id = $1 AND user_id = $2", groupID, id)
		if err != nil {
			return err
		}
		if n > 0 {
			touched = append(touched, id)
		}
	}
	if err := s.appendAudit(ctx, tx, change{actor: kasuhara.DirectoryActor, orgID: orgID, action: "scim.group_members", objectType: "org", objectID: orgID,
		detail: map[string]any{"group_id": groupID, "added": len(add), "removed": len(remove)}}); err != nil {
		return err
	}
	slices.Sort(touched)
	return s.placeBySCIMGroups(ctx, tx, orgID, slices.Compact(touched))
}

// placeBySCIMGroups gives each person the membership their SCIM groups map
// to, or takes their memberships of the group away when none maps.
func (s *Store) placeBySCIMGroups(ctx context.Context, tx *sqldb.Tx, orgID string, users []string) error {
	if len(users) == 0 {
		return nil
	}
	depth, err := s.orgDepths(ctx, orgID)
	if err != nil {
		return err
	}
	mappings, err := s.groupRoles(ctx, tx, orgID)
	if err != nil {
		return err
	}
	usable := unprivileged(mappings)
	for _, id := range users {
		groups, err := s.scimGroupNames(ctx, tx, orgID, id)
		if err != nil {
			return err
		}
		// SCIM neither gives nor takes desk or legal: its token is an
		// admin's, and an admin must not be able to give themselves the
		// cases. Those roles come from a company sign-in through the
		// provider the operator mapped them for, or from the operator; a
		// leaver is still deactivated (active: false).
		p, ok := kasuhara.Place(usable, groups, depth)
		switch privileged, perr := privilegedUser(ctx, tx, id); {
		case perr != nil:
			err = perr
		case privileged:
		case ok:
			err = s.place(ctx, tx, orgID, id, p, depth)
		default:
			err = s.removeFromTree(ctx, tx, orgID, id, depth)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) scimGroupNames(ctx context.Context, q queryer, orgID, userID string) ([]string, error) {
	return list(ctx, q, "scim group names", func(sc scanner) (n string, err error) {
		err = sc.Scan(&n)
		return n, err
	}, `SELECT g.display_name FROM scim_group_members m JOIN scim_groups g ON g.id = m.group_id WHERE g.org_id = $1 AND m.user_id = $2 ORDER BY g.display_name`, orgID, userID)
}

// SCIMDeleteGroup implements kasuhara.ProvisioningService.
func (s *Store) SCIMDeleteGroup(ctx context.Context, orgID, id string) error {
	return wrap("store.SCIMDeleteGroup", s.tx(ctx, func(tx *sqldb.Tx) error {
		g, err := s.scimGroup(ctx, tx, orgID, id)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM scim_group_members WHERE group_id = $1", id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM scim_groups WHERE id = $1", id); err != nil {
			return err
		}
		if err := s.appendAudit(ctx, tx, change{actor: kasuhara.DirectoryActor, orgID: orgID, action: "scim.group_delete", objectType: "org", objectID: orgID,
			detail: map[string]string{"group_id": id}}); err != nil {
			return err
		}
		ids := make([]string, len(g.Members))
		for i, m := range g.Members {
			ids[i] = m.ID
		}
		return s.placeBySCIMGroups(ctx, tx, orgID, ids)
	}))
}
