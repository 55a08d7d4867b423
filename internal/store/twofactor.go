package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"strings"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/access"
	"github.com/kasuhara/kasuhara/internal/credential"
	"github.com/kasuhara/kasuhara/internal/jobs"
	"github.com/kasuhara/kasuhara/internal/notify"
	"github.com/kasuhara/kasuhara/internal/sqldb"
	"github.com/kasuhara/kasuhara/internal/totp"
)

var _ kasuhara.TwoFactorService = (*Store)(nil)

// TwoFactor implements kasuhara.TwoFactorService.
func (s *Store) TwoFactor(ctx context.Context, userID string) (*kasuhara.TwoFactor, error) {
	tf := &kasuhara.TwoFactor{}
	var confirmed sql.NullTime
	err := s.db.Read.QueryRowContext(ctx, "SELECT confirmed_at FROM user_totp WHERE user_id = $1", userID).Scan(&confirmed)
	if errors.Is(err, sql.ErrNoRows) {
		return tf, nil
	}
	if err != nil {
		return nil, wrap("store.TwoFactor", err)
	}
	tf.Enabled, tf.Pending = confirmed.Valid, !confirmed.Valid
	if confirmed.Valid {
		tf.EnabledAt = confirmed.Time.UTC()
	}
	if err := s.db.Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM totp_recovery_codes WHERE user_id = $1 AND used_at IS NULL",
		userID).Scan(&tf.RecoveryLeft); err != nil {
		return nil, wrap("store.TwoFactor", err)
	}
	return tf, nil
}

func (s *Store) sealer() (*credential.Sealer, error) {
	if s.Secrets == nil {
		return nil, errors.New("no key to seal secrets with (Store.Secrets)")
	}
	return s.Secrets, nil
}

// totpAD ties a sealed TOTP key to its user's row: a key copied to another
// user's row does not open.
func totpAD(userID string) string { return "user_totp:" + userID }

// ownAccount checks that the actor is a person (not the operator).
func ownAccount(a kasuhara.Actor) error {
	if a.UserID == "" {
		return kasuhara.Errorf(kasuhara.EFORBIDDEN, "a second factor belongs to a person")
	}
	return nil
}

// BeginTOTP implements kasuhara.TwoFactorService.
func (s *Store) BeginTOTP(ctx context.Context, actor kasuhara.Actor) error {
	const op = "store.BeginTOTP"
	if err := ownAccount(actor); err != nil {
		return wrap(op, err)
	}
	sl, err := s.sealer()
	if err != nil {
		return wrap(op, err)
	}
	sealed := sl.Seal(string(totp.NewSecret()), totpAD(actor.UserID))
	return wrap(op, s.tx(ctx, func(tx *sqldb.Tx) error {
		var confirmed sql.NullTime
		err := tx.QueryRowContext(ctx, "SELECT confirmed_at FROM user_totp WHERE user_id = $1", actor.UserID).Scan(&confirmed)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if confirmed.Valid {
			return kasuhara.Errorf(kasuhara.ECONFLICT, "two-step verification is on already")
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO user_totp (user_id, secret, created_at) VALUES ($1, $2, $3)
			ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, created_at = excluded.created_at, last_step = 0`,
			actor.UserID, sealed, s.now())
		return err
	}))
}

// PendingTOTP implements kasuhara.TwoFactorService.
func (s *Store) PendingTOTP(ctx context.Context, actor kasuhara.Actor) ([]byte, error) {
	const op = "store.PendingTOTP"
	var sealed string
	err := s.db.Read.QueryRowContext(ctx, "SELECT secret FROM user_totp WHERE user_id = $1 AND confirmed_at IS NULL", actor.UserID).Scan(&sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, kasuhara.Errorf(kasuhara.ENOTFOUND, "no two-step verification being set up")
	}
	if err != nil {
		return nil, wrap(op, err)
	}
	sl, err := s.sealer()
	if err != nil {
		return nil, wrap(op, err)
	}
	secret, err := sl.Open(sealed, totpAD(actor.UserID))
	if err != nil {
		return nil, wrap(op, err)
	}
	return []byte(secret), nil
}

// recoveryAlphabet is lower case without 0/o and 1/l/i: a recovery code is
// read off paper.
const recoveryAlphabet = "abcdefghjkmnpqrstuvwxyz23456789"

// newRecoveryCode is 16 characters of recoveryAlphabet (about 78 bits) in
// groups of four.
func newRecoveryCode() string {
	b := make([]byte, 16)
	rand.Read(b)
	var out strings.Builder
	for i, c := range b {
		if i > 0 && i%4 == 0 {
			out.WriteByte('-')
		}
		out.WriteByte(recoveryAlphabet[int(c)%len(recoveryAlphabet)])
	}
	return out.String()
}

// recoveryDigest is the stored form of a recovery code as typed: case,
// spaces and hyphens do not matter.
func recoveryDigest(code string) string {
	code = strings.ToLower(strings.NewReplacer("-", "", " ", "", "　", "").Replace(strings.TrimSpace(code)))
	return credential.Digest("recovery:" + code)
}

// ConfirmTOTP implements kasuhara.TwoFactorService.
func (s *Store) ConfirmTOTP(ctx context.Context, actor kasuhara.Actor, code string) ([]string, error) {
	const op = "store.ConfirmTOTP"
	secret, err := s.PendingTOTP(ctx, actor)
	if err != nil {
		return nil, wrap(op, err)
	}
	step, ok := totp.Match(secret, code, s.now(), 0)
	if !ok {
		return nil, kasuhara.InvalidField("code", kasuhara.FieldWrongCode)
	}
	codes := make([]string, kasuhara.RecoveryCodes)
	for i := range codes {
		codes[i] = newRecoveryCode()
	}
	err = s.tx(ctx, func(tx *sqldb.Tx) error {
		n, err := tx.ExecCount(ctx, "UPDATE user_totp SET confirmed_at = $1, last_step = $2 WHERE user_id = $3 AND confirmed_at IS NULL",
			s.now(), step, actor.UserID)
		if err != nil {
			return err
		}
		if n == 0 {
			return kasuhara.Errorf(kasuhara.ECONFLICT, "two-step verification is on already")
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM totp_recovery_codes WHERE user_id = $1", actor.UserID); err != nil {
			return err
		}
		for _, c := range codes {
			if _, err := tx.ExecContext(ctx, "INSERT INTO totp_recovery_codes (user_id, code_hash) VALUES ($1, $2)", actor.UserID, recoveryDigest(c)); err != nil {
				return err
			}
		}
		return s.appendAudit(ctx, tx, change{actor: actor, orgID: actor.OrgID, action: "user.totp_enable", objectType: "user", objectID: actor.UserID})
	})
	if err != nil {
		return nil, wrap(op, err)
	}
	return codes, nil
}

// VerifySecondFactor implements kasuhara.TwoFactorService.
func (s *Store) VerifySecondFactor(ctx context.Context, userID, code string) error {
	const op = "store.VerifySecondFactor"
	wrong := kasuhara.Errorf(kasuhara.EUNAUTH, "wrong or used code")
	var sealed string
	var last int64
	err := s.db.Read.QueryRowContext(ctx, "SELECT secret, last_step FROM user_totp WHERE user_id = $1 AND confirmed_at IS NOT NULL",
		userID).Scan(&sealed, &last)
	if errors.Is(err, sql.ErrNoRows) {
		return wrong
	}
	if err != nil {
		return wrap(op, err)
	}
	if !totp.IsCode(code) {
		return wrap(op, s.useRecoveryCode(ctx, userID, code, wrong))
	}
	sl, err := s.sealer()
	if err != nil {
		return wrap(op, err)
	}
	secret, err := sl.Open(sealed, totpAD(userID))
	if err != nil {
		return wrap(op, err)
	}
	step, ok := totp.Match([]byte(secret), code, s.now(), last)
	if !ok {
		return wrong
	}
	// The step is taken only if no other request took it or a later one
	// meanwhile: two sign-ins with one code, however close, get one yes.
	var n int64
	err = s.tx(ctx, func(tx *sqldb.Tx) error {
		var err error
		n, err = tx.ExecCount(ctx, "UPDATE user_totp SET last_step = $1 WHERE user_id = $2 AND last_step < $1", step, userID)
		return err
	})
	if err != nil {
		return wrap(op, err)
	}
	if n == 0 {
		return wrong
	}
	return nil
}

// useRecoveryCode marks one of userID's unused recovery codes used, and
// audits it; wrong when there is none such.
func (s *Store) useRecoveryCode(ctx context.Context, userID, code string, wrong error) error {
	if strings.TrimSpace(code) == "" {
		return wrong
	}
	return s.tx(ctx, func(tx *sqldb.Tx) error {
		n, err := tx.ExecCount(ctx, "UPDATE totp_recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL",
			s.now(), userID, recoveryDigest(code))
		if err != nil {
			return err
		}
		if n == 0 {
			return wrong
		}
		var left int
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM totp_recovery_codes WHERE user_id = $1 AND used_at IS NULL", userID).Scan(&left); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, change{actor: kasuhara.Actor{UserID: userID}, orgID: s.primaryOrgTx(ctx, tx, userID),
			action: "user.recovery_code_used", objectType: "user", objectID: userID, detail: map[string]int{"left": left}})
	})
}

// ResetTwoFactor implements kasuhara.TwoFactorService.
func (s *Store) ResetTwoFactor(ctx context.Context, actor kasuhara.Actor, userID string) error {
	const op = "store.ResetTwoFactor"
	if err := s.authorizeUser(ctx, s.db.Read, actor, userID); err != nil {
		return wrap(op, err)
	}
	// As for a password: an admin alone does not reset the second factor
	// of a desk or legal member (issue 16, separation of duties); the
	// operator does (kasuhara user reset-two-factor).
	if !operator(actor) {
		if priv, err := privilegedUser(ctx, s.db.Read, userID); err != nil {
			return wrap(op, err)
		} else if priv {
			return wrap(op, kasuhara.Errorf(kasuhara.EFORBIDDEN,
				"resetting the second factor of a desk or legal member is the operator's: kasuhara user reset-two-factor --email ADDRESS"))
		}
	}
	return wrap(op, s.tx(ctx, func(tx *sqldb.Tx) error {
		if err := s.resetTwoFactor(ctx, tx, actor, userID); err != nil {
			return err
		}
		if !operator(actor) {
			return nil
		}
		// The operator acts alone: every legal member of the
		// organisations where the person is desk or legal is told.
		return s.tellLegalOfOperatorReset(ctx, tx, userID)
	}))
}

// resetTwoFactor removes userID's second factor and recovery codes, ends
// their sessions, audits it as the actor's and mails the person, in tx;
// ECONFLICT when they have none.
func (s *Store) resetTwoFactor(ctx context.Context, tx *sqldb.Tx, actor kasuhara.Actor, userID string) error {
	n, err := tx.ExecCount(ctx, "DELETE FROM user_totp WHERE user_id = $1", userID)
	if err != nil {
		return err
	}
	if n == 0 {
		return kasuhara.Errorf(kasuhara.ECONFLICT, "the user has no two-step verification to reset")
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM totp_recovery_codes WHERE user_id = $1", userID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE user_id = $1", userID); err != nil {
		return err
	}
	if err := s.appendAudit(ctx, tx, change{actor: actor, orgID: s.primaryOrgTx(ctx, tx, userID), action: "user.totp_reset", objectType: "user", objectID: userID}); err != nil {
		return err
	}
	return s.mailAccount(ctx, tx, userID, notify.AccountTwoFactorReset)
}

// tellLegalOfOperatorReset writes an in-app notification of the operator's
// reset of userID's second factor to every legal member (but userID) of
// each organisation where userID is desk or legal; nothing for others.
func (s *Store) tellLegalOfOperatorReset(ctx context.Context, tx *sqldb.Tx, userID string) error {
	orgs, err := selectIDs(ctx, tx, "SELECT org_id FROM memberships WHERE user_id = $1 AND role IN ('desk', 'legal') ORDER BY org_id", userID)
	if err != nil {
		return err
	}
	for _, org := range orgs {
		legal, err := selectIDs(ctx, tx, `SELECT m.user_id FROM memberships m JOIN users u ON u.id = m.user_id
			WHERE m.org_id = $1 AND m.role = 'legal' AND NOT u.disabled AND m.user_id <> $2 ORDER BY m.user_id`, org, userID)
		if err != nil {
			return err
		}
		for _, uid := range legal {
			if _, err := tx.ExecContext(ctx, `INSERT INTO notifications (id, user_id, org_id, type, case_id, case_ref, detail, urgent, created_at)
				VALUES ($1, $2, $3, $4, $5, '', $6, FALSE, $7)`, newID(), uid, org, notify.OperatorTwoFactorReset, userID, kasuhara.GrantTwoFactor, s.now()); err != nil {
				return err
			}
		}
	}
	return nil
}

// mailAccount enqueues the account mail what to userID.
func (s *Store) mailAccount(ctx context.Context, tx *sqldb.Tx, userID, what string) error {
	var email, lang string
	if err := tx.QueryRowContext(ctx, "SELECT email, language FROM users WHERE id = $1", userID).Scan(&email, &lang); err != nil {
		return err
	}
	id := newID()
	return jobs.Enqueue(ctx, tx, jobs.Job{Kind: notify.KindAccountMail, DedupeKey: "account:" + id,
		Payload: notify.AccountMailJob{ID: id, To: []string{email}, Lang: lang, What: what}})
}

// SignInSettings implements kasuhara.TwoFactorService.
func (s *Store) SignInSettings(ctx context.Context, orgID string) (*kasuhara.SignInSettings, error) {
	st := kasuhara.DefaultSignInSettings()
	var roles string
	err := s.db.Read.QueryRowContext(ctx, "SELECT two_factor_roles, session_idle_minutes, session_lifetime_hours FROM org_settings WHERE org_id = $1",
		orgID).Scan(&roles, &st.SessionIdleMinutes, &st.SessionLifetimeHours)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, wrap("store.SignInSettings", err)
	}
	if err == nil {
		st.TwoFactorRoles = kasuhara.ParseRoles(roles)
	}
	return &st, nil
}

// SaveSignInSettings implements kasuhara.TwoFactorService.
func (s *Store) SaveSignInSettings(ctx context.Context, actor kasuhara.Actor, orgID string, st kasuhara.SignInSettings) error {
	const op = "store.SaveSignInSettings"
	if err := s.authorize(ctx, actor, access.ManageSettings, orgID); err != nil {
		return wrap(op, err)
	}
	if err := st.Validate(); err != nil {
		return err
	}
	roles := kasuhara.FormatRoles(st.TwoFactorRoles)
	// The row's version moves on (org_settings_version): the settings a
	// report keeps are read again.
	defer s.forgetSettings(orgID)
	return wrap(op, s.tx(ctx, func(tx *sqldb.Tx) error {
		// The other settings keep their values, or their columns' defaults.
		if _, err := tx.ExecContext(ctx, `INSERT INTO org_settings (org_id, updated_at, two_factor_roles, session_idle_minutes, session_lifetime_hours)
			VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (org_id) DO UPDATE SET two_factor_roles = excluded.two_factor_roles, session_idle_minutes = excluded.session_idle_minutes,
				session_lifetime_hours = excluded.session_lifetime_hours, updated_at = excluded.updated_at`,
			orgID, s.now(), roles, st.SessionIdleMinutes, st.SessionLifetimeHours); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, change{actor: actor, orgID: orgID, action: "settings.sign_in", objectType: "org", objectID: orgID,
			detail: map[string]any{"two_factor_roles": roles, "idle_minutes": st.SessionIdleMinutes, "lifetime_hours": st.SessionLifetimeHours}})
	}))
}

// sessionRef is what the page shows of a session to tell it apart: a
// digest of its stored digest, never the id.
func sessionRef(tokenHash string) string { return credential.Digest("session:" + tokenHash)[:16] }

// OwnSessions implements kasuhara.TwoFactorService.
func (s *Store) OwnSessions(ctx context.Context, actor kasuhara.Actor, current string) ([]kasuhara.Session, error) {
	if err := ownAccount(actor); err != nil {
		return nil, wrap("store.OwnSessions", err)
	}
	rows, err := s.db.Read.QueryContext(ctx, `SELECT token_hash, device, signed_in_at, last_seen FROM sessions
		WHERE user_id = $1 AND expiry > $2 ORDER BY last_seen DESC, token_hash`, actor.UserID, s.now())
	if err != nil {
		return nil, wrap("store.OwnSessions", err)
	}
	defer rows.Close()
	var out []kasuhara.Session
	for rows.Next() {
		var hash string
		var in, seen sql.NullTime
		var ses kasuhara.Session
		if err := rows.Scan(&hash, &ses.Device, &in, &seen); err != nil {
			return nil, wrap("store.OwnSessions", err)
		}
		ses.Ref, ses.Current, ses.SignedInAt, ses.LastSeen = sessionRef(hash), hash == current, in.Time.UTC(), seen.Time.UTC()
		out = append(out, ses)
	}
	return out, wrap("store.OwnSessions", rows.Err())
}

// EndOtherSessions implements kasuhara.TwoFactorService.
func (s *Store) EndOtherSessions(ctx context.Context, actor kasuhara.Actor, current string) (int, error) {
	if err := ownAccount(actor); err != nil {
		return 0, wrap("store.EndOtherSessions", err)
	}
	return txValue(ctx, s, "store.EndOtherSessions", func(tx *sqldb.Tx) (int, error) {
		n, err := tx.ExecCount(ctx, "DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2", actor.UserID, current)
		if err != nil {
			return 0, err
		}
		return int(n), s.appendAudit(ctx, tx, change{actor: actor, orgID: actor.OrgID, action: "session.end_others", objectType: "user",
			objectID: actor.UserID, detail: map[string]int64{"ended": n}})
	})
}

// EndSessions implements kasuhara.TwoFactorService.
func (s *Store) EndSessions(ctx context.Context, actor kasuhara.Actor, userID string) (int, error) {
	if err := s.authorizeUser(ctx, s.db.Read, actor, userID); err != nil {
		return 0, wrap("store.EndSessions", err)
	}
	return txValue(ctx, s, "store.EndSessions", func(tx *sqldb.Tx) (int, error) {
		n, err := tx.ExecCount(ctx, "DELETE FROM sessions WHERE user_id = $1", userID)
		if err != nil {
			return 0, err
		}
		if err := s.appendAudit(ctx, tx, change{actor: actor, orgID: s.primaryOrgTx(ctx, tx, userID), action: "session.end_all", objectType: "user",
			objectID: userID, detail: map[string]int64{"ended": n}}); err != nil {
			return 0, err
		}
		if actor.UserID == userID {
			return int(n), nil
		}
		return int(n), s.mailAccount(ctx, tx, userID, notify.AccountSessionsEnded)
	})
}
