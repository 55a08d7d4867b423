package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/access"
	"github.com/kasuhara/kasuhara/internal/credential"
	"github.com/kasuhara/kasuhara/internal/jobs"
	"github.com/kasuhara/kasuhara/internal/notify"
	"github.com/kasuhara/kasuhara/internal/sqldb"
)

var _ kasuhara.GrantService = (*Store)(nil)

// MaxGrantComment limits the decider's comment on a grant request.
const MaxGrantComment = 1000

// needsSecondPerson is the refusal of a person who grants desk or legal,
// or resets the password of its holder, alone.
func needsSecondPerson(what string) error {
	return kasuhara.Errorf(kasuhara.EFORBIDDEN, "%s needs a second person: request it (grant request) and a legal member approves", what)
}

// privilegedUser reports whether userID holds desk or legal in any
// organisation.
func privilegedUser(ctx context.Context, q queryer, userID string) (bool, error) {
	ids, err := selectIDs(ctx, q, "SELECT org_id FROM memberships WHERE user_id = $1 AND role IN ('desk', 'legal')", userID)
	return len(ids) > 0, err
}

// authorizeUser checks that the actor may manage userID: the operator may;
// an admin may manage a member of an organisation in their reach; anyone
// else is refused, and a user out of reach is not found.
func (s *Store) authorizeUser(ctx context.Context, q queryer, a kasuhara.Actor, userID string) error {
	if operator(a) {
		return nil
	}
	if err := access.Check(a, access.ManageUsers); err != nil {
		return err
	}
	orgs, err := selectIDs(ctx, q, "SELECT org_id FROM memberships WHERE user_id = $1", userID)
	if err != nil {
		return err
	}
	tree, err := s.OrgTree(ctx, a.OrgID)
	if err != nil {
		return err
	}
	for _, o := range orgs {
		if access.InScope(tree, o) {
			return nil
		}
	}
	return kasuhara.Errorf(kasuhara.ENOTFOUND, "user not found")
}

// RequestGrant implements kasuhara.GrantService.
func (s *Store) RequestGrant(ctx context.Context, actor kasuhara.Actor, g kasuhara.NewGrant) (*kasuhara.GrantRequest, error) {
	const op = "store.RequestGrant"
	if err := s.authorize(ctx, actor, access.ManageUsers, g.OrgID); err != nil {
		return nil, wrap(op, err)
	}
	if operator(actor) {
		return nil, kasuhara.Errorf(kasuhara.EINVALID, "the operator grants directly (kasuhara user create)")
	}
	f := kasuhara.FieldErrors{}
	switch g.Kind {
	case kasuhara.GrantRole:
		if !g.Role.Privileged() {
			f.AddError("role", kasuhara.OneOf(kasuhara.RoleDesk, kasuhara.RoleLegal))
		}
	case kasuhara.GrantReset, kasuhara.GrantTwoFactor:
		if g.UserID == "" {
			f.Add("user", kasuhara.FieldRequired)
		}
		g.Role, g.DepartmentID = "", ""
	default:
		f.AddError("kind", kasuhara.OneOf(kasuhara.GrantRole, kasuhara.GrantReset, kasuhara.GrantTwoFactor))
	}
	if g.UserID != "" && g.UserID == actor.UserID {
		f.Add("user", kasuhara.FieldSelf)
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	req := &kasuhara.GrantRequest{ID: newID(), OrgID: g.OrgID, UserID: g.UserID, Kind: g.Kind, Role: g.Role, DepartmentID: g.DepartmentID,
		RequestedBy: actor.UserID, RequestedAt: s.now(), Status: kasuhara.GrantPending}
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
		if err := checkDepartment(ctx, tx, g.OrgID, g.DepartmentID); err != nil {
			return err
		}
		if g.UserID == "" {
			// A new person: an employee without a password until the
			// grant is approved and they set one through the mailed link.
			u, err := s.createUser(ctx, tx, actor, kasuhara.NewUser{Email: g.Email, Name: g.Name, Language: g.Language,
				Password: credential.GeneratePassword() + credential.GeneratePassword(), MustChangePassword: true,
				OrgID: g.OrgID, Role: kasuhara.RoleEmployee, DepartmentID: g.DepartmentID})
			if err != nil {
				return err
			}
			req.UserID = u.ID
		} else {
			var one int
			err := tx.QueryRowContext(ctx, "SELECT 1 FROM memberships WHERE user_id = $1 AND org_id = $2", g.UserID, g.OrgID).Scan(&one)
			if errors.Is(err, sql.ErrNoRows) {
				return kasuhara.InvalidField("user", kasuhara.FieldNotMember)
			} else if err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO grant_requests (id, org_id, user_id, kind, role, department_id, requested_by, requested_at, status)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending')`,
			req.ID, req.OrgID, req.UserID, req.Kind, string(req.Role), nullString(req.DepartmentID), req.RequestedBy, req.RequestedAt); err != nil {
			if sqldb.IsUniqueViolation(err) {
				return &kasuhara.Error{Code: kasuhara.ECONFLICT, Message: "a request for this person is pending",
					Fields: kasuhara.FieldErrors{"user": {Code: kasuhara.FieldPending}}}
			}
			return err
		}
		if err := s.appendAudit(ctx, tx, change{actor: actor, orgID: g.OrgID, action: "grant.request", objectType: "user", objectID: req.UserID,
			detail: map[string]string{"request_id": req.ID, "kind": req.Kind, "role": string(req.Role)}}); err != nil {
			return err
		}
		return s.tellDeciders(ctx, tx, req)
	})
	if err != nil {
		return nil, wrap(op, err)
	}
	return req, nil
}

// ancestors returns orgID and its parents, nearest first.
func ancestors(ctx context.Context, q queryer, orgID string) ([]string, error) {
	out := []string{orgID}
	for len(out) < 16 {
		var parent sql.NullString
		if err := q.QueryRowContext(ctx, "SELECT parent_id FROM orgs WHERE id = $1", out[len(out)-1]).Scan(&parent); err != nil {
			return nil, err
		}
		if !parent.Valid || parent.String == "" {
			break
		}
		out = append(out, parent.String)
	}
	return out, nil
}

// deciders returns who decides the organisation's grants: its legal
// members, or while it has none the admins of it and of its parents; and
// whether they are legal.
func deciders(ctx context.Context, q queryer, orgID string) ([]string, bool, error) {
	legal, err := selectIDs(ctx, q, `SELECT m.user_id FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE m.org_id = $1 AND m.role = 'legal' AND NOT u.disabled ORDER BY m.user_id`, orgID)
	if err != nil || len(legal) > 0 {
		return legal, true, err
	}
	orgs, err := ancestors(ctx, q, orgID)
	if err != nil {
		return nil, false, err
	}
	var admins []string
	for _, o := range orgs {
		ids, err := selectIDs(ctx, q, `SELECT m.user_id FROM memberships m JOIN users u ON u.id = m.user_id
			WHERE m.org_id = $1 AND m.role = 'admin' AND NOT u.disabled ORDER BY m.user_id`, o)
		if err != nil {
			return nil, false, err
		}
		admins = append(admins, ids...)
	}
	return admins, false, nil
}

// tellDeciders enqueues a mail to each person who may decide req: not its
// requester, the person concerned, or anyone the requester made lately.
func (s *Store) tellDeciders(ctx context.Context, tx *sqldb.Tx, req *kasuhara.GrantRequest) error {
	ids, _, err := deciders(ctx, tx, req.OrgID)
	if err != nil {
		return err
	}
	var slug string
	if err := tx.QueryRowContext(ctx, "SELECT slug FROM orgs WHERE id = $1", req.OrgID).Scan(&slug); err != nil {
		return err
	}
	for _, uid := range ids {
		if uid == req.RequestedBy || uid == req.UserID {
			continue
		}
		if made, err := s.makers(ctx, tx, uid); err != nil {
			return err
		} else if slices.Contains(made, req.RequestedBy) {
			continue // may not decide it
		}
		var email, lang string
		if err := tx.QueryRowContext(ctx, "SELECT email, language FROM users WHERE id = $1", uid).Scan(&email, &lang); err != nil {
			return err
		}
		if err := jobs.Enqueue(ctx, tx, jobs.Job{Kind: notify.KindGrantMail, DedupeKey: "grant:" + req.ID + ":" + uid,
			Payload: notify.GrantMailJob{ID: req.ID, To: []string{email}, Lang: lang, Kind: req.Kind, Org: slug}}); err != nil {
			return err
		}
		if err := s.notifyGrant(ctx, tx, req, notify.GrantRequested, uid); err != nil {
			return err
		}
	}
	return nil
}

// notifyGrant writes the in-app notification of an event on grant request
// req for userID, in tx: the request is its object, its role (or "reset")
// the detail; no name. (Its mail is the grant mail.)
func (s *Store) notifyGrant(ctx context.Context, tx *sqldb.Tx, req *kasuhara.GrantRequest, typ, userID string) error {
	detail := string(req.Role)
	if req.Kind != kasuhara.GrantRole {
		detail = req.Kind
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO notifications (id, user_id, org_id, type, case_id, case_ref, detail, urgent, created_at)
		VALUES ($1, $2, $3, $4, $5, '', $6, FALSE, $7)`, newID(), userID, req.OrgID, typ, req.ID, detail, s.now())
	return err
}

// maySeeGrants checks that the actor may see the grant requests of orgID
// (access.SeesGrants); an organisation out of reach is not found.
func (s *Store) maySeeGrants(ctx context.Context, a kasuhara.Actor, orgID string) error {
	if operator(a) {
		return nil
	}
	if err := access.Check(a, access.DecideGrants); err != nil {
		return err
	}
	tree, err := s.OrgTree(ctx, a.OrgID)
	if err != nil {
		return err
	}
	if !access.SeesGrants(a, tree, orgID) {
		return kasuhara.Errorf(kasuhara.ENOTFOUND, "organisation not found")
	}
	return nil
}

// mayDecide checks that the actor may decide the grants of orgID: one of
// its deciders (a legal member, or while it has none an admin in reach),
// acting in that role.
func (s *Store) mayDecide(ctx context.Context, q queryer, a kasuhara.Actor, orgID string) error {
	if err := s.maySeeGrants(ctx, a, orgID); err != nil {
		return err
	}
	ids, legal, err := deciders(ctx, q, orgID)
	if err != nil {
		return err
	}
	if slices.Contains(ids, a.UserID) && legal == (a.Role == kasuhara.RoleLegal) {
		return nil
	}
	if legal {
		return kasuhara.Errorf(kasuhara.EFORBIDDEN, "a legal member of the organisation decides")
	}
	return kasuhara.Errorf(kasuhara.EFORBIDDEN, "another admin decides while the organisation has no legal member")
}

const grantColumns = `g.id, g.org_id, o.slug, g.user_id, u.name, u.email, g.kind, g.role, COALESCE(g.department_id, ''), g.requested_by, r.name,
	g.requested_at, g.status, COALESCE(g.decided_by, ''), COALESCE(d.name, ''), g.decided_at, g.comment`

const grantFrom = ` FROM grant_requests g JOIN orgs o ON o.id = g.org_id JOIN users u ON u.id = g.user_id
	JOIN users r ON r.id = g.requested_by LEFT JOIN users d ON d.id = g.decided_by`

func scanGrant(sc interface{ Scan(...any) error }) (kasuhara.GrantRequest, error) {
	var g kasuhara.GrantRequest
	var decided sql.NullTime
	err := sc.Scan(&g.ID, &g.OrgID, &g.OrgSlug, &g.UserID, &g.UserName, &g.UserEmail, &g.Kind, &g.Role, &g.DepartmentID, &g.RequestedBy, &g.Requester,
		&g.RequestedAt, &g.Status, &g.DecidedBy, &g.Decider, &decided, &g.Comment)
	g.RequestedAt, g.DecidedAt = g.RequestedAt.UTC(), nullTime(decided)
	return g, err
}

// GrantRequests implements kasuhara.GrantService.
func (s *Store) GrantRequests(ctx context.Context, actor kasuhara.Actor, orgID string) ([]kasuhara.GrantRequest, error) {
	const op = "store.GrantRequests"
	if err := s.maySeeGrants(ctx, actor, orgID); err != nil {
		return nil, wrap(op, err)
	}
	rows, err := s.db.Read.QueryContext(ctx, "SELECT "+grantColumns+grantFrom+` WHERE g.org_id = $1
		ORDER BY CASE g.status WHEN 'pending' THEN 0 ELSE 1 END, g.requested_at DESC LIMIT 100`, orgID)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	defer rows.Close()
	var out []kasuhara.GrantRequest
	for rows.Next() {
		g, err := scanGrant(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// DecideGrant implements kasuhara.GrantService.
func (s *Store) DecideGrant(ctx context.Context, actor kasuhara.Actor, id string, approve bool, comment string) (*kasuhara.GrantRequest, error) {
	const op = "store.DecideGrant"
	comment = trim(comment)
	switch {
	case kasuhara.HasNUL(comment):
		return nil, kasuhara.InvalidField("comment", kasuhara.FieldNUL)
	case utf8.RuneCountInString(comment) > MaxGrantComment:
		return nil, kasuhara.InvalidField("comment", kasuhara.FieldTooLong)
	}
	var g kasuhara.GrantRequest
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
		var err error
		g, err = scanGrant(tx.QueryRowContext(ctx, "SELECT "+grantColumns+grantFrom+" WHERE g.id = $1", id))
		if errors.Is(err, sql.ErrNoRows) {
			return kasuhara.Errorf(kasuhara.ENOTFOUND, "grant request not found")
		} else if err != nil {
			return err
		}
		if err := s.decisionRefused(ctx, tx, actor, &g); err != nil {
			return err
		}
		g.Status, g.DecidedBy, g.DecidedAt, g.Comment = kasuhara.GrantRejected, actor.UserID, s.now(), comment
		action := "grant.reject"
		// The comment is the request's; the audit tells only that there is one.
		detail := map[string]any{"request_id": g.ID, "kind": g.Kind, "role": string(g.Role), "requested_by": g.RequestedBy, "comment": g.Comment != ""}
		if approve {
			g.Status, action = kasuhara.GrantApproved, "grant.approve"
			if g.Kind == kasuhara.GrantRole {
				old, err := s.setMembership(ctx, tx, kasuhara.Membership{UserID: g.UserID, OrgID: g.OrgID, Role: g.Role, DepartmentID: g.DepartmentID})
				if err != nil {
					return err
				}
				detail["old_role"] = old
			}
			if g.Kind == kasuhara.GrantTwoFactor {
				// The second factor only: the password stays the
				// person's own, which nobody else learnt.
				if err := s.resetTwoFactor(ctx, tx, actor, g.UserID); err != nil {
					return err
				}
			} else if err := s.replaceCredentials(ctx, tx, g.UserID); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, "UPDATE grant_requests SET status = $1, decided_by = $2, decided_at = $3, comment = $4 WHERE id = $5",
			g.Status, g.DecidedBy, g.DecidedAt, g.Comment, g.ID); err != nil {
			return err
		}
		if err := s.appendAudit(ctx, tx, change{actor: actor, orgID: g.OrgID, action: action, objectType: "user", objectID: g.UserID, detail: detail}); err != nil {
			return err
		}
		// The requester learns the decision; the deciders' notices of
		// the request are done with.
		typ := notify.GrantRejected
		if approve {
			typ = notify.GrantApproved
		}
		if err := s.notifyGrant(ctx, tx, &g, typ, g.RequestedBy); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, "UPDATE notifications SET read_at = $1 WHERE case_id = $2 AND type = $3 AND read_at IS NULL",
			g.DecidedAt, g.ID, notify.GrantRequested)
		return err
	})
	if err != nil {
		return nil, wrap(op, err)
	}
	return &g, nil
}

// decisionRefused says why the actor may not decide the request g: it is
// out of reach (not found), decided already, the actor is not one of its
// deciders, is its requester or the person concerned, or their account was
// made, granted or reset lately by the requester. nil when they may.
func (s *Store) decisionRefused(ctx context.Context, q queryer, actor kasuhara.Actor, g *kasuhara.GrantRequest) error {
	if err := s.mayDecide(ctx, q, actor, g.OrgID); err != nil {
		if kasuhara.ErrorCode(err) == kasuhara.ENOTFOUND {
			return kasuhara.Errorf(kasuhara.ENOTFOUND, "grant request not found")
		}
		return err
	}
	switch {
	case g.Status != kasuhara.GrantPending:
		return kasuhara.Errorf(kasuhara.ECONFLICT, "the request was decided already")
	case actor.UserID == g.RequestedBy:
		return kasuhara.Errorf(kasuhara.EFORBIDDEN, "the requester cannot decide their own request")
	case actor.UserID == g.UserID:
		return kasuhara.Errorf(kasuhara.EFORBIDDEN, "the person concerned cannot decide a request about themselves")
	}
	makers, err := s.makers(ctx, q, actor.UserID)
	if err != nil {
		return err
	}
	if slices.Contains(makers, g.RequestedBy) {
		return kasuhara.Errorf(kasuhara.EFORBIDDEN, "the decider's account was made, granted or reset lately by the requester")
	}
	return nil
}

// PendingGrants implements kasuhara.GrantService.
func (s *Store) PendingGrants(ctx context.Context, actor kasuhara.Actor) ([]kasuhara.GrantRequest, error) {
	const op = "store.PendingGrants"
	if err := access.Check(actor, access.DecideGrants); err != nil {
		return nil, wrap(op, err)
	}
	tree, err := s.OrgTree(ctx, actor.OrgID)
	if err != nil {
		return nil, wrap(op, err)
	}
	var out []kasuhara.GrantRequest
	for _, o := range tree {
		if !access.SeesGrants(actor, tree, o.ID) {
			continue
		}
		rows, err := s.db.Read.QueryContext(ctx, "SELECT "+grantColumns+grantFrom+` WHERE g.org_id = $1 AND g.status = 'pending'
			ORDER BY g.requested_at, g.id`, o.ID)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		for rows.Next() {
			g, err := scanGrant(rows)
			if err != nil {
				rows.Close()
				return nil, fmt.Errorf("%s: %w", op, err)
			}
			out = append(out, g)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
	}
	for i := range out {
		err := s.decisionRefused(ctx, s.db.Read, actor, &out[i])
		switch kasuhara.ErrorCode(err) {
		case "":
			out[i].MayDecide = true
		case kasuhara.EFORBIDDEN, kasuhara.ENOTFOUND, kasuhara.ECONFLICT:
		default:
			return nil, wrap(op, err)
		}
	}
	slices.SortStableFunc(out, func(a, b kasuhara.GrantRequest) int { return a.RequestedAt.Compare(b.RequestedAt) })
	return out, nil
}

// replaceCredentials gives userID a password nobody knows, ends their
// sessions (the stamp changes with it) and tokens, and enqueues the mail of
// a new link to set their own.
func (s *Store) replaceCredentials(ctx context.Context, tx *sqldb.Tx, userID string) error {
	hash, err := credential.HashPassword(credential.GeneratePassword()+credential.GeneratePassword(), s.Params)
	if err != nil {
		return err
	}
	now := s.now()
	if _, err := tx.ExecContext(ctx, "UPDATE users SET password_hash = $1, must_change_password = $2, updated_at = $3 WHERE id = $4",
		hash, false, now, userID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL", now, userID); err != nil {
		return err
	}
	_, err = s.newPasswordLink(ctx, tx, userID, true)
	return err
}

// newPasswordLink records a link for userID, forgetting the unused earlier
// ones; mail enqueues its mail (the token is made when it is sent).
func (s *Store) newPasswordLink(ctx context.Context, tx *sqldb.Tx, userID string, mail bool) (string, error) {
	now := s.now()
	if _, err := tx.ExecContext(ctx, "UPDATE password_links SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL", now, userID); err != nil {
		return "", err
	}
	id := newID()
	if _, err := tx.ExecContext(ctx, "INSERT INTO password_links (id, user_id, created_at) VALUES ($1, $2, $3)", id, userID, now); err != nil {
		return "", err
	}
	if !mail {
		return id, nil
	}
	return id, jobs.Enqueue(ctx, tx, jobs.Job{Kind: notify.KindPasswordLinkMail, DedupeKey: "password_link:" + id, Payload: notify.PasswordLinkJob{Link: id}})
}

// PasswordLinkFor makes a link for the user with the e-mail address and
// returns its token: the operator's way (kasuhara user link) when no mail
// server is configured. Only the operator may.
func (s *Store) PasswordLinkFor(ctx context.Context, actor kasuhara.Actor, email string) (string, error) {
	if !operator(actor) {
		return "", kasuhara.Errorf(kasuhara.EFORBIDDEN, "links are mailed to the person; only the operator makes one by hand")
	}
	u, err := s.UserByEmail(ctx, email)
	if err != nil {
		return "", err
	}
	var id string
	err = s.tx(ctx, func(tx *sqldb.Tx) error {
		var err error
		if id, err = s.newPasswordLink(ctx, tx, u.ID, false); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, change{actor: actor, orgID: s.primaryOrgTx(ctx, tx, u.ID), action: "user.password_link", objectType: "user", objectID: u.ID})
	})
	if err != nil {
		return "", wrap("store.PasswordLinkFor", err)
	}
	l, err := s.MintPasswordLink(ctx, id)
	return l.Token, err
}

// MintPasswordLink makes the token of a link that is still unused, keeps
// its digest and expiry, and returns it with the address to send it to
// (notify.PasswordLinkMailHandler's mint). A link used or replaced
// meanwhile is notify.ErrLinkGone.
func (s *Store) MintPasswordLink(ctx context.Context, linkID string) (notify.PasswordLink, error) {
	var l notify.PasswordLink
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT u.email, u.language FROM password_links p JOIN users u ON u.id = p.user_id
			WHERE p.id = $1 AND p.used_at IS NULL AND NOT u.disabled`, linkID).Scan(&l.To, &l.Lang)
		if errors.Is(err, sql.ErrNoRows) {
			return notify.ErrLinkGone
		} else if err != nil {
			return err
		}
		l.Token = strings.TrimPrefix(credential.NewToken(), credential.TokenPrefix)
		_, err = tx.ExecContext(ctx, "UPDATE password_links SET token_hash = $1, expires_at = $2 WHERE id = $3",
			credential.Digest(l.Token), s.now().Add(kasuhara.PasswordLinkLifetime), linkID)
		return err
	})
	if err != nil {
		if errors.Is(err, notify.ErrLinkGone) {
			return l, err
		}
		return l, wrap("store.MintPasswordLink", err)
	}
	return l, nil
}

// linkUser finds the user of an unused, unexpired link's token.
func (s *Store) linkUser(ctx context.Context, q queryer, token string) (string, string, error) {
	var linkID, userID string
	err := q.QueryRowContext(ctx, `SELECT p.id, p.user_id FROM password_links p JOIN users u ON u.id = p.user_id
		WHERE p.token_hash = $1 AND p.used_at IS NULL AND p.expires_at > $2 AND NOT u.disabled`,
		credential.Digest(token), s.now()).Scan(&linkID, &userID)
	if errors.Is(err, sql.ErrNoRows) || token == "" {
		return "", "", kasuhara.Errorf(kasuhara.ENOTFOUND, "the link is unknown, used or expired")
	}
	return linkID, userID, err
}

// PasswordLinkUser implements kasuhara.GrantService.
func (s *Store) PasswordLinkUser(ctx context.Context, token string) (*kasuhara.User, error) {
	_, userID, err := s.linkUser(ctx, s.db.Read, token)
	if err != nil {
		return nil, wrap("store.PasswordLinkUser", err)
	}
	return s.UserByID(ctx, userID)
}

// SetPasswordByLink implements kasuhara.GrantService.
func (s *Store) SetPasswordByLink(ctx context.Context, token, password string) (*kasuhara.User, error) {
	const op = "store.SetPasswordByLink"
	if err := kasuhara.ValidatePassword("password", password); err != nil {
		return nil, err
	}
	hash, err := credential.HashPassword(password, s.Params)
	if err != nil {
		return nil, wrap(op, err)
	}
	var userID string
	err = s.tx(ctx, func(tx *sqldb.Tx) error {
		var linkID string
		var err error
		if linkID, userID, err = s.linkUser(ctx, tx, token); err != nil {
			return err
		}
		now := s.now()
		if _, err := tx.ExecContext(ctx, "UPDATE password_links SET used_at = $1 WHERE id = $2", now, linkID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE users SET password_hash = $1, must_change_password = $2, updated_at = $3 WHERE id = $4",
			hash, false, now, userID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL", now, userID); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, change{actor: kasuhara.Actor{UserID: userID}, orgID: s.primaryOrgTx(ctx, tx, userID),
			action: "user.password_set", objectType: "user", objectID: userID})
	})
	if err != nil {
		return nil, wrap(op, err)
	}
	return s.UserByID(ctx, userID)
}
