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

// Sealer seals the small secrets the store keeps with the server's key
// (blob.Store, whose age key lives in DATA/keys, apart from the database).
type Sealer interface {
	Seal(plain []byte) (string, error)
	Unseal(sealed string) ([]byte, error)
}

var _ kasuhara.DirectoryService = (*Store)(nil)

const ssoColumns = "org_id, issuer, client_id, client_secret_sealed, domains, groups_claim, required, updated_at"

func scanSSO(sc scanner) (*kasuhara.SSOSettings, string, error) {
	var st kasuhara.SSOSettings
	var sealed, domains string
	if err := sc.Scan(&st.OrgID, &st.Issuer, &st.ClientID, &sealed, &domains, &st.GroupsClaim, &st.Required, &st.UpdatedAt); err != nil {
		return nil, "", err
	}
	st.Domains = kasuhara.ParseDomains(domains)
	st.HasSecret = sealed != ""
	st.UpdatedAt = st.UpdatedAt.UTC()
	return &st, sealed, nil
}

// SSO implements kasuhara.DirectoryService.
func (s *Store) SSO(ctx context.Context, actor kasuhara.Actor, orgID string) (*kasuhara.SSOSettings, error) {
	if err := s.authorize(ctx, actor, access.ManageUsers, orgID); err != nil {
		return nil, wrap("store.SSO", err)
	}
	st, _, err := scanSSO(s.db.Read.QueryRowContext(ctx, "SELECT "+ssoColumns+" FROM sso_settings WHERE org_id = $1", orgID))
	if errors.Is(err, sql.ErrNoRows) {
		return &kasuhara.SSOSettings{OrgID: orgID, GroupsClaim: "groups"}, nil
	}
	return st, wrap("store.SSO", err)
}

// SaveSSO implements kasuhara.DirectoryService.
func (s *Store) SaveSSO(ctx context.Context, actor kasuhara.Actor, st kasuhara.SSOSettings) error {
	const op = "store.SaveSSO"
	if err := s.authorize(ctx, actor, access.ManageUsers, st.OrgID); err != nil {
		return wrap(op, err)
	}
	st.Issuer, st.ClientID, st.ClientSecret = strings.TrimRight(trim(st.Issuer), "/"), trim(st.ClientID), trim(st.ClientSecret)
	st.GroupsClaim = trim(st.GroupsClaim)
	if err := st.Validate(); err != nil {
		return wrap(op, err)
	}
	sealed := ""
	if st.ClientSecret != "" {
		if s.DirectorySecrets == nil {
			return wrap(op, kasuhara.Errorf(kasuhara.EINTERNAL, "no key to seal the client secret"))
		}
		var err error
		if sealed, err = s.DirectorySecrets.Seal([]byte(st.ClientSecret)); err != nil {
			return wrap(op, err)
		}
	}
	return wrap(op, s.tx(ctx, func(tx *sqldb.Tx) error {
		var old, oldIssuer, oldClient string
		err := tx.QueryRowContext(ctx, "SELECT client_secret_sealed, issuer, client_id FROM sso_settings WHERE org_id = $1", st.OrgID).
			Scan(&old, &oldIssuer, &oldClient)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		// Groups give desk or legal only by the operator's word, and only
		// for the provider they were given with: an admin who points the
		// organisation at another provider (one they run) could otherwise
		// sign in as anyone in those groups and give themselves the cases.
		// A new provider set by anyone but the operator takes them away.
		removed := int64(0)
		if !operator(actor) && (st.Issuer != oldIssuer || st.ClientID != oldClient) {
			res, err := tx.ExecContext(ctx, "DELETE FROM sso_group_roles WHERE org_id = $1 AND role IN ('desk', 'legal')", st.OrgID)
			if err != nil {
				return err
			}
			if removed, err = res.RowsAffected(); err != nil {
				return err
			}
		}
		if err := s.checkDomainsFree(ctx, tx, st); err != nil {
			return err
		}
		secretChanged := sealed != ""
		if sealed == "" {
			sealed = old
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO sso_settings (`+ssoColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			ON CONFLICT (org_id) DO UPDATE SET issuer = excluded.issuer, client_id = excluded.client_id,
				client_secret_sealed = excluded.client_secret_sealed, domains = excluded.domains,
				groups_claim = excluded.groups_claim, required = excluded.required, updated_at = excluded.updated_at`,
			st.OrgID, st.Issuer, st.ClientID, sealed, strings.Join(st.Domains, ","), st.GroupsClaim, st.Required, s.now()); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, change{actor: actor, orgID: st.OrgID, action: "sso.settings", objectType: "org", objectID: st.OrgID,
			detail: map[string]any{"issuer": st.Issuer, "domains": len(st.Domains), "required": st.Required, "secret_changed": secretChanged,
				"privileged_groups_removed": removed}})
	}))
}

// checkDomainsFree refuses an e-mail domain that an organisation outside
// st's company group already signs in with: its provider would otherwise
// sign in as that organisation's people (issue 23). The organisations of
// one group (a parent and its subsidiaries) share their domains.
func (s *Store) checkDomainsFree(ctx context.Context, tx *sqldb.Tx, st kasuhara.SSOSettings) error {
	if len(st.Domains) == 0 {
		return nil
	}
	type row struct{ org, domains string }
	others, err := list(ctx, tx, "sso domains", func(sc scanner) (r row, err error) {
		err = sc.Scan(&r.org, &r.domains)
		return r, err
	}, "SELECT org_id, domains FROM sso_settings WHERE org_id <> $1 AND domains <> '' ORDER BY org_id", st.OrgID)
	if err != nil {
		return err
	}
	root := ""
	for _, o := range others {
		i := slices.IndexFunc(kasuhara.ParseDomains(o.domains), func(d string) bool { return slices.Contains(st.Domains, d) })
		if i < 0 {
			continue
		}
		if root == "" {
			if root, err = groupRoot(ctx, tx, st.OrgID); err != nil {
				return err
			}
		}
		theirs, err := groupRoot(ctx, tx, o.org)
		if err != nil {
			return err
		}
		if theirs != root {
			return &kasuhara.Error{Code: kasuhara.EINVALID,
				Message: fmt.Sprintf("the e-mail domain %s signs in to an organisation outside this company group", kasuhara.ParseDomains(o.domains)[i]),
				Fields:  kasuhara.FieldErrors{"domains": {Code: kasuhara.FieldTaken}}}
		}
	}
	return nil
}

// groupRoot returns the topmost parent of orgID (orgID itself when it has
// none): the organisations under it are one company group.
func groupRoot(ctx context.Context, q queryer, orgID string) (string, error) {
	for range 16 {
		var parent sql.NullString
		if err := q.QueryRowContext(ctx, "SELECT parent_id FROM orgs WHERE id = $1", orgID).Scan(&parent); err != nil {
			return "", err
		}
		if !parent.Valid {
			break
		}
		orgID = parent.String
	}
	return orgID, nil
}

// GroupRoles implements kasuhara.DirectoryService.
func (s *Store) GroupRoles(ctx context.Context, actor kasuhara.Actor, orgID string) ([]kasuhara.GroupRole, error) {
	if err := s.authorize(ctx, actor, access.ManageUsers, orgID); err != nil {
		return nil, wrap("store.GroupRoles", err)
	}
	return s.groupRoles(ctx, s.db.Read, orgID)
}

func (s *Store) groupRoles(ctx context.Context, q queryer, orgID string) ([]kasuhara.GroupRole, error) {
	return list(ctx, q, "group roles", func(sc scanner) (g kasuhara.GroupRole, err error) {
		err = sc.Scan(&g.ID, &g.OrgID, &g.Group, &g.TargetOrgID, &g.TargetOrgName, &g.Role, &g.DepartmentID, &g.DepartmentName, &g.CreatedAt)
		g.CreatedAt = g.CreatedAt.UTC()
		return g, err
	}, `SELECT g.id, g.org_id, g.group_name, g.target_org_id, o.name, g.role, COALESCE(g.department_id, ''), COALESCE(d.name, ''), g.created_at
		FROM sso_group_roles g JOIN orgs o ON o.id = g.target_org_id LEFT JOIN departments d ON d.id = g.department_id
		WHERE g.org_id = $1 ORDER BY g.group_name, o.name, g.id`, orgID)
}

// AddGroupRole implements kasuhara.DirectoryService.
func (s *Store) AddGroupRole(ctx context.Context, actor kasuhara.Actor, g kasuhara.GroupRole) (*kasuhara.GroupRole, error) {
	const op = "store.AddGroupRole"
	g.Group = trim(g.Group)
	if g.TargetOrgID == "" {
		g.TargetOrgID = g.OrgID
	}
	if err := g.Validate(); err != nil {
		return nil, wrap(op, err)
	}
	if err := s.authorize(ctx, actor, access.ManageUsers, g.OrgID); err != nil {
		return nil, wrap(op, err)
	}
	if g.Role.Privileged() && !operator(actor) {
		return nil, wrap(op, needsSecondPerson("mapping a group to the desk or legal role"))
	}
	tree, err := s.OrgTree(ctx, g.OrgID)
	if err != nil {
		return nil, wrap(op, err)
	}
	if !access.InScope(tree, g.TargetOrgID) {
		return nil, wrap(op, kasuhara.InvalidField("target_org", kasuhara.FieldNoSuchOrg))
	}
	return txValue(ctx, s, op, func(tx *sqldb.Tx) (*kasuhara.GroupRole, error) {
		if err := checkDepartment(ctx, tx, g.TargetOrgID, g.DepartmentID); err != nil {
			return nil, err
		}
		g.ID, g.CreatedAt = newID(), s.now()
		if _, err := tx.ExecContext(ctx, `INSERT INTO sso_group_roles (id, org_id, group_name, target_org_id, role, department_id, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, g.ID, g.OrgID, g.Group, g.TargetOrgID, string(g.Role), nullString(g.DepartmentID), g.CreatedAt); err != nil {
			if sqldb.IsUniqueViolation(err) {
				return nil, &kasuhara.Error{Code: kasuhara.ECONFLICT, Message: "the group already maps into this organisation",
					Fields: kasuhara.FieldErrors{"group": {Code: kasuhara.FieldTaken}}}
			}
			return nil, err
		}
		return &g, s.appendAudit(ctx, tx, change{actor: actor, orgID: g.OrgID, action: "sso.group_add", objectType: "org", objectID: g.OrgID,
			detail: map[string]string{"mapping_id": g.ID, "role": string(g.Role), "target_org_id": g.TargetOrgID, "department_id": g.DepartmentID}})
	})
}

// RemoveGroupRole implements kasuhara.DirectoryService.
func (s *Store) RemoveGroupRole(ctx context.Context, actor kasuhara.Actor, orgID, id string) error {
	const op = "store.RemoveGroupRole"
	if err := s.authorize(ctx, actor, access.ManageUsers, orgID); err != nil {
		return wrap(op, err)
	}
	return wrap(op, s.tx(ctx, func(tx *sqldb.Tx) error {
		n, err := tx.ExecCount(ctx, "DELETE FROM sso_group_roles WHERE id = $1 AND org_id = $2", id, orgID)
		if err != nil {
			return err
		}
		if n == 0 {
			return kasuhara.Errorf(kasuhara.ENOTFOUND, "mapping not found")
		}
		return s.appendAudit(ctx, tx, change{actor: actor, orgID: orgID, action: "sso.group_remove", objectType: "org", objectID: orgID,
			detail: map[string]string{"mapping_id": id}})
	}))
}

// SetEmergencyAdmin implements kasuhara.DirectoryService.
func (s *Store) SetEmergencyAdmin(ctx context.Context, actor kasuhara.Actor, orgID, userID string, on bool) error {
	const op = "store.SetEmergencyAdmin"
	if err := s.authorize(ctx, actor, access.ManageUsers, orgID); err != nil {
		return wrap(op, err)
	}
	return wrap(op, s.tx(ctx, func(tx *sqldb.Tx) error {
		var role string
		err := tx.QueryRowContext(ctx, "SELECT role FROM memberships WHERE user_id = $1 AND org_id = $2", userID, orgID).Scan(&role)
		if errors.Is(err, sql.ErrNoRows) {
			return kasuhara.Errorf(kasuhara.ENOTFOUND, "user not found")
		} else if err != nil {
			return err
		}
		if on && role != string(kasuhara.RoleAdmin) {
			return kasuhara.InvalidField("user", kasuhara.FieldNotMember)
		}
		if _, err := tx.ExecContext(ctx, "UPDATE users SET emergency_admin = $1, updated_at = $2 WHERE id = $3", on, s.now(), userID); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, change{actor: actor, orgID: orgID, action: "sso.emergency_admin", objectType: "user", objectID: userID,
			detail: map[string]bool{"on": on}})
	}))
}

// EmergencyAdmins implements kasuhara.DirectoryService.
func (s *Store) EmergencyAdmins(ctx context.Context, actor kasuhara.Actor, orgID string) ([]string, error) {
	if err := s.authorize(ctx, actor, access.ManageUsers, orgID); err != nil {
		return nil, wrap("store.EmergencyAdmins", err)
	}
	ids, err := selectIDs(ctx, s.db.Read, `SELECT u.id FROM users u JOIN memberships m ON m.user_id = u.id
		WHERE m.org_id = $1 AND m.role = 'admin' AND u.emergency_admin ORDER BY u.id`, orgID)
	return ids, wrap("store.EmergencyAdmins", err)
}

// effectiveSSO returns the settings that apply to orgID: its own, else
// those of the nearest parent that has some (a group shares one provider).
func (s *Store) effectiveSSO(ctx context.Context, q queryer, orgID string) (*kasuhara.SSOSettings, string, error) {
	for range 16 {
		st, sealed, err := scanSSO(q.QueryRowContext(ctx, "SELECT "+ssoColumns+" FROM sso_settings WHERE org_id = $1", orgID))
		if err == nil && st.Enabled() {
			return st, sealed, nil
		}
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, "", err
		}
		var parent sql.NullString
		if err := q.QueryRowContext(ctx, "SELECT parent_id FROM orgs WHERE id = $1", orgID).Scan(&parent); err != nil || !parent.Valid {
			break
		}
		orgID = parent.String
	}
	return nil, "", kasuhara.Errorf(kasuhara.ENOTFOUND, "no company sign-in for this organisation")
}

func (s *Store) openSecret(st *kasuhara.SSOSettings, sealed string) error {
	if sealed == "" {
		return nil
	}
	if s.DirectorySecrets == nil {
		return errors.New("no key to open the client secret")
	}
	plain, err := s.DirectorySecrets.Unseal(sealed)
	if err != nil {
		return err
	}
	st.ClientSecret = string(plain)
	return nil
}

// ResealSecrets seals every stored client secret again with the current
// key (kasuhara key rotate, before the old key is destroyed) and returns
// how many it sealed.
func (s *Store) ResealSecrets(ctx context.Context) (int, error) {
	const op = "store.ResealSecrets"
	if s.DirectorySecrets == nil {
		return 0, wrap(op, errors.New("no key"))
	}
	type row struct{ org, sealed string }
	rows, err := list(ctx, s.db.Read, "sealed secrets", func(sc scanner) (r row, err error) {
		err = sc.Scan(&r.org, &r.sealed)
		return r, err
	}, "SELECT org_id, client_secret_sealed FROM sso_settings WHERE client_secret_sealed <> '' ORDER BY org_id")
	if err != nil {
		return 0, wrap(op, err)
	}
	for _, r := range rows {
		plain, err := s.DirectorySecrets.Unseal(r.sealed)
		if err != nil {
			return 0, wrap(op, err)
		}
		again, err := s.DirectorySecrets.Seal(plain)
		if err != nil {
			return 0, wrap(op, err)
		}
		if err := s.tx(ctx, func(tx *sqldb.Tx) error {
			_, err := tx.ExecContext(ctx, "UPDATE sso_settings SET client_secret_sealed = $1 WHERE org_id = $2 AND client_secret_sealed = $3", again, r.org, r.sealed)
			return err
		}); err != nil {
			return 0, wrap(op, err)
		}
	}
	return len(rows), nil
}

// SSOForOrg implements kasuhara.DirectoryService.
func (s *Store) SSOForOrg(ctx context.Context, orgID string) (*kasuhara.SSOSettings, error) {
	st, sealed, err := s.effectiveSSO(ctx, s.db.Read, orgID)
	if err != nil {
		return nil, wrap("store.SSOForOrg", err)
	}
	return st, wrap("store.SSOForOrg", s.openSecret(st, sealed))
}

// SSOForEmail implements kasuhara.DirectoryService.
func (s *Store) SSOForEmail(ctx context.Context, email string) (*kasuhara.SSOSettings, error) {
	const op = "store.SSOForEmail"
	_, domain, ok := strings.Cut(kasuhara.NormalizeEmail(email), "@")
	if !ok || domain == "" {
		return nil, wrap(op, kasuhara.InvalidField("email", kasuhara.FieldEmail))
	}
	all, err := list(ctx, s.db.Read, "sso settings", func(sc scanner) (row struct {
		st     *kasuhara.SSOSettings
		sealed string
	}, err error) {
		row.st, row.sealed, err = scanSSO(sc)
		return row, err
	}, "SELECT "+ssoColumns+" FROM sso_settings WHERE issuer <> '' ORDER BY org_id")
	if err != nil {
		return nil, wrap(op, err)
	}
	for _, row := range all {
		if slices.Contains(row.st.Domains, domain) {
			return row.st, wrap(op, s.openSecret(row.st, row.sealed))
		}
	}
	return nil, &kasuhara.Error{Code: kasuhara.ENOTFOUND, Op: op, Message: "no company sign-in for this e-mail domain"}
}

// SignInOptions implements kasuhara.DirectoryService.
func (s *Store) SignInOptions(ctx context.Context) (bool, bool, error) {
	var all, required int
	err := s.db.Read.QueryRowContext(ctx, `SELECT COUNT(*), COUNT(CASE WHEN required THEN 1 END) FROM sso_settings
		WHERE issuer <> '' AND client_id <> ''`).Scan(&all, &required)
	if err != nil {
		return false, false, wrap("store.SignInOptions", err)
	}
	return all > 0, all > 0 && required == all, nil
}

// PasswordAllowed implements kasuhara.DirectoryService.
func (s *Store) PasswordAllowed(ctx context.Context, userID string) (bool, error) {
	var emergency bool
	if err := s.db.Read.QueryRowContext(ctx, "SELECT emergency_admin FROM users WHERE id = $1", userID).Scan(&emergency); err != nil {
		return false, notFound(err, "store.PasswordAllowed", "user")
	}
	if emergency {
		return true, nil
	}
	ms, err := s.Memberships(ctx, userID)
	if err != nil {
		return false, err
	}
	for _, m := range ms {
		st, _, err := s.effectiveSSO(ctx, s.db.Read, m.OrgID)
		if kasuhara.ErrorCode(err) == kasuhara.ENOTFOUND {
			continue
		} else if err != nil {
			return false, wrap("store.PasswordAllowed", err)
		}
		if st.Required {
			return false, nil
		}
	}
	return true, nil
}

// orgDepths returns the depth of each organisation of orgID's tree (0 for
// orgID itself).
func (s *Store) orgDepths(ctx context.Context, orgID string) (map[string]int, error) {
	tree, err := s.OrgTree(ctx, orgID)
	if err != nil {
		return nil, err
	}
	depth := map[string]int{orgID: 0}
	for _, o := range tree[1:] {
		depth[o.ID] = depth[o.ParentID] + 1
	}
	return depth, nil
}

// SSOSignIn implements kasuhara.DirectoryService.
func (s *Store) SSOSignIn(ctx context.Context, orgID string, p kasuhara.DirectoryPerson) (*kasuhara.User, error) {
	const op = "store.SSOSignIn"
	p.Email, p.Name, p.Subject = kasuhara.NormalizeEmail(p.Email), trim(p.Name), trim(p.Subject)
	st, _, err := s.effectiveSSO(ctx, s.db.Read, orgID)
	if err != nil {
		return nil, wrap(op, err)
	}
	orgID = st.OrgID
	if _, domain, _ := strings.Cut(p.Email, "@"); p.Subject == "" || !slices.Contains(st.Domains, domain) {
		return nil, &kasuhara.Error{Code: kasuhara.EFORBIDDEN, Op: op, Message: "the e-mail address is not of the organisation's domains"}
	}
	if p.Name == "" {
		p.Name, _, _ = strings.Cut(p.Email, "@")
	}
	depth, err := s.orgDepths(ctx, orgID)
	if err != nil {
		return nil, wrap(op, err)
	}
	mappings, err := s.groupRoles(ctx, s.db.Read, orgID)
	if err != nil {
		return nil, wrap(op, err)
	}
	// A new person's password is one nobody knows: they sign in through
	// the provider.
	hash, err := credential.HashPassword(credential.GeneratePassword(), s.Params)
	if err != nil {
		return nil, wrap(op, err)
	}
	var refusal linkRefusal
	u, err := txValue(ctx, s, op, func(tx *sqldb.Tx) (*kasuhara.User, error) {
		refusal = linkRefusal{}
		u, err := s.ssoUser(ctx, tx, orgID, p, depth, &refusal)
		if err != nil {
			return nil, err
		}
		usable, groups, keep := mappings, p.Groups, false
		if groups == nil && u != nil {
			// The ID token carries no groups (Google Workspace): the groups
			// SCIM provisioned decide, by the mappings SCIM may use. Its
			// token is an admin's alone, so they neither give nor take desk
			// or legal (issue 16), as in placeBySCIMGroups.
			if groups, err = s.scimGroupNames(ctx, tx, orgID, u.ID); err != nil {
				return nil, err
			}
			usable = unprivileged(mappings)
			if keep, err = privilegedUser(ctx, tx, u.ID); err != nil {
				return nil, err
			}
		}
		place, placed := kasuhara.Place(usable, groups, depth)
		if !placed && !keep {
			return nil, &kasuhara.Error{Code: kasuhara.EFORBIDDEN, Message: "no directory group maps to a role", Err: kasuhara.ErrNoPlacement}
		}
		switch {
		case u == nil:
			u, err = s.insertUser(ctx, tx, kasuhara.DirectoryActor, kasuhara.NewUser{Email: p.Email, Name: p.Name, OrgID: place.OrgID,
				Role: place.Role, DepartmentID: place.DepartmentID}, hash)
			if err != nil {
				return nil, err
			}
		case u.Disabled:
			return nil, &kasuhara.Error{Code: kasuhara.EFORBIDDEN, Message: "the user is disabled"}
		case keep:
			place.OrgID = s.primaryOrgTx(ctx, tx, u.ID)
		default:
			if err := s.place(ctx, tx, orgID, u.ID, place, depth); err != nil {
				return nil, err
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO external_identities (org_id, kind, external_id, user_id, created_at) VALUES ($1, 'oidc', $2, $3, $4)
			ON CONFLICT (org_id, kind, external_id) DO NOTHING`, orgID, p.Subject, u.ID, s.now()); err != nil {
			return nil, err
		}
		return u, s.appendAudit(ctx, tx, change{actor: kasuhara.Actor{UserID: u.ID}, orgID: place.OrgID, action: "auth.login", objectType: "user", objectID: u.ID,
			detail: map[string]string{"method": "oidc"}})
	})
	if err != nil {
		var err2 error
		switch {
		case refusal.reason != "":
			// The refusal is the account owner's to see: it stays though
			// the sign-in fails.
			err2 = s.tx(ctx, func(tx *sqldb.Tx) error {
				return s.appendAudit(ctx, tx, change{actor: kasuhara.DirectoryActor, orgID: s.primaryOrgTx(ctx, tx, refusal.userID),
					action: "auth.sso_link_refused", objectType: "user", objectID: refusal.userID,
					detail: map[string]string{"reason": refusal.reason, "directory_org_id": orgID}})
			})
		case errors.Is(err, kasuhara.ErrNoPlacement):
			// The removal of the memberships must stay though the sign-in
			// fails: commit it alone.
			err2 = s.tx(ctx, func(tx *sqldb.Tx) error {
				var again linkRefusal
				u, err := s.ssoUser(ctx, tx, orgID, p, depth, &again)
				if err != nil || u == nil {
					return ignoreRefusal(err)
				}
				return s.removeFromTree(ctx, tx, orgID, u.ID, depth)
			})
		}
		if err2 != nil {
			return nil, wrap(op, err2)
		}
		return nil, err
	}
	// Read back: the session keeps the stamp of the stored password.
	return s.UserByID(ctx, u.ID)
}

// unprivileged returns the mappings to roles other than desk and legal.
func unprivileged(mappings []kasuhara.GroupRole) []kasuhara.GroupRole {
	var out []kasuhara.GroupRole
	for _, m := range mappings {
		if !m.Role.Privileged() {
			out = append(out, m)
		}
	}
	return out
}

// linkRefusal records why a company sign-in was not linked to the
// existing account of the same e-mail address.
type linkRefusal struct{ userID, reason string }

func ignoreRefusal(err error) error {
	if errors.Is(err, kasuhara.ErrSSOLinkRefused) {
		return nil
	}
	return err
}

// ssoUser finds the person a company sign-in names: by the subject already
// linked to them, else (the first time) by e-mail address, nil when there
// is none. An existing account is linked by its address only when the
// provider may speak for it: every membership of the account is in the
// provider's organisation group (one outside could be another company's
// administrator, issue 23), and the account has no second factor (its
// owner proves themselves with more than a mailbox the provider vouches
// for). Otherwise it is EFORBIDDEN and refusal says why.
func (s *Store) ssoUser(ctx context.Context, tx *sqldb.Tx, orgID string, p kasuhara.DirectoryPerson, depth map[string]int, refusal *linkRefusal) (*kasuhara.User, error) {
	u, linked, err := s.directoryUser(ctx, tx, orgID, "oidc", p.Subject, p.Email)
	if err != nil || u == nil || linked {
		return u, err
	}
	orgs, err := selectIDs(ctx, tx, "SELECT org_id FROM memberships WHERE user_id = $1", u.ID)
	if err != nil {
		return nil, err
	}
	reason := ""
	if slices.ContainsFunc(orgs, func(o string) bool { _, ok := depth[o]; return !ok }) {
		reason = "outside_group"
	} else {
		var one int
		err := tx.QueryRowContext(ctx, "SELECT 1 FROM user_totp WHERE user_id = $1 AND confirmed_at IS NOT NULL", u.ID).Scan(&one)
		if err == nil {
			reason = "two_factor"
		} else if !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
	}
	if reason == "" {
		return u, nil
	}
	*refusal = linkRefusal{userID: u.ID, reason: reason}
	return nil, &kasuhara.Error{Code: kasuhara.EFORBIDDEN, Message: "an account of this e-mail address exists and is not linked to the company account", Err: kasuhara.ErrSSOLinkRefused}
}

// directoryUser finds the person a directory names: by their external id
// (linked true), else (the first time) by e-mail address; nil when there
// is none.
func (s *Store) directoryUser(ctx context.Context, tx *sqldb.Tx, orgID, kind, externalID, email string) (*kasuhara.User, bool, error) {
	u, err := scanUser(tx.QueryRowContext(ctx, "SELECT "+prefixed("u", userColumns)+` FROM external_identities x JOIN users u ON u.id = x.user_id
		WHERE x.org_id = $1 AND x.kind = $2 AND x.external_id = $3`, orgID, kind, externalID))
	if err == nil {
		return u, true, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, false, err
	}
	if email == "" {
		return nil, false, nil
	}
	u, err = scanUser(tx.QueryRowContext(ctx, "SELECT "+userColumns+" FROM users WHERE email = $1", email))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	return u, false, err
}

// place moves a person's membership in orgID's group to the placement:
// the target organisation's membership is set, the others of the group
// removed. The directory's word is final here: the mapping to desk or
// legal was made by the operator.
func (s *Store) place(ctx context.Context, tx *sqldb.Tx, orgID, userID string, p kasuhara.Placement, depth map[string]int) error {
	old, oldDep, changed, err := s.changeMembership(ctx, tx, kasuhara.Membership{UserID: userID, OrgID: p.OrgID, Role: p.Role, DepartmentID: p.DepartmentID})
	if err != nil {
		return err
	}
	if changed {
		if err := s.appendAudit(ctx, tx, change{actor: kasuhara.DirectoryActor, orgID: p.OrgID, action: "membership.set", objectType: "user", objectID: userID,
			detail: map[string]string{"role": string(p.Role), "old_role": old, "department_id": p.DepartmentID, "old_department_id": oldDep}}); err != nil {
			return err
		}
	}
	others := make(map[string]int, len(depth))
	for id, d := range depth {
		if id != p.OrgID {
			others[id] = d
		}
	}
	return s.removeFromTree(ctx, tx, orgID, userID, others)
}

// removeFromTree removes a person's memberships of the organisations in
// orgs (an organisation's group), each audited.
func (s *Store) removeFromTree(ctx context.Context, tx *sqldb.Tx, orgID, userID string, orgs map[string]int) error {
	ms, err := list(ctx, tx, "memberships", func(sc scanner) (m kasuhara.Membership, err error) {
		err = sc.Scan(&m.OrgID, &m.Role)
		return m, err
	}, "SELECT org_id, role FROM memberships WHERE user_id = $1 ORDER BY org_id", userID)
	if err != nil {
		return err
	}
	for _, m := range ms {
		if _, ok := orgs[m.OrgID]; !ok {
			continue
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM memberships WHERE user_id = $1 AND org_id = $2", userID, m.OrgID); err != nil {
			return err
		}
		if err := s.appendAudit(ctx, tx, change{actor: kasuhara.DirectoryActor, orgID: m.OrgID, action: "membership.remove", objectType: "user", objectID: userID,
			detail: map[string]string{"old_role": string(m.Role), "directory_org_id": orgID}}); err != nil {
			return err
		}
	}
	return nil
}
