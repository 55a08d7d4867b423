package store_test

import (
	"strings"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/credential"
	"github.com/kasuhara/kasuhara/internal/notify"
	"github.com/kasuhara/kasuhara/internal/sqldb"
	"github.com/kasuhara/kasuhara/internal/store"
	"github.com/kasuhara/kasuhara/internal/testdb"
	"github.com/kasuhara/kasuhara/internal/totp"
)

// twoFactorFixture is setup with a sealer, a fixed clock that a test moves,
// and an employee whose second factor the admin may reset.
type twoFactorFixture struct {
	fixture
	now   *time.Time
	user  *kasuhara.User
	actor kasuhara.Actor
}

func setupTwoFactor(t *testing.T, db *sqldb.DB) twoFactorFixture {
	t.Helper()
	f := setup(t, db)
	now := time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC)
	f.s.Now = func() time.Time { return now }
	u, err := f.s.CreateUser(ctx, kasuhara.CLIActor, kasuhara.NewUser{Email: "clerk@example.jp", Name: "店員 一郎",
		Password: "clerk-password-1", OrgID: f.org.ID, Role: kasuhara.RoleEmployee})
	if err != nil {
		t.Fatal(err)
	}
	return twoFactorFixture{fixture: f, now: &now, user: u, actor: kasuhara.Actor{UserID: u.ID, OrgID: f.org.ID, Role: kasuhara.RoleEmployee}}
}

// enrol sets up TOTP for the actor and returns its key and recovery codes.
func enrol(t *testing.T, f twoFactorFixture, a kasuhara.Actor) ([]byte, []string) {
	t.Helper()
	if err := f.s.BeginTOTP(ctx, a); err != nil {
		t.Fatal(err)
	}
	secret, err := f.s.PendingTOTP(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	codes, err := f.s.ConfirmTOTP(ctx, a, totp.Code(secret, *f.now))
	if err != nil {
		t.Fatal(err)
	}
	return secret, codes
}

func auditCount(t *testing.T, db *sqldb.DB, action string) int {
	t.Helper()
	var n int
	if err := db.Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM audit_entries WHERE action = $1", action).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestTOTPEnrolment(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		f := setupTwoFactor(t, db)
		if tf, err := f.s.TwoFactor(ctx, f.user.ID); err != nil || tf.Enabled || tf.Pending {
			t.Fatalf("before: %+v %v", tf, err)
		}
		wantCode(t, f.s.BeginTOTP(ctx, kasuhara.CLIActor), kasuhara.EFORBIDDEN)
		if err := f.s.BeginTOTP(ctx, f.actor); err != nil {
			t.Fatal(err)
		}
		secret, err := f.s.PendingTOTP(ctx, f.actor)
		if err != nil || len(secret) != totp.SecretSize {
			t.Fatalf("PendingTOTP = %x, %v", secret, err)
		}
		// The key is stored sealed, never in clear.
		var stored string
		if err := db.Read.QueryRowContext(ctx, "SELECT secret FROM user_totp WHERE user_id = $1", f.user.ID).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(stored, string(secret)) || strings.Contains(stored, totp.Encode(secret)) || !strings.HasPrefix(stored, "v1:") {
			t.Fatal("the TOTP key is stored in clear")
		}
		// Not on before a right code; a wrong code names the field.
		if tf, _ := f.s.TwoFactor(ctx, f.user.ID); tf.Enabled || !tf.Pending {
			t.Fatalf("pending: %+v", tf)
		}
		wantCode(t, f.s.VerifySecondFactor(ctx, f.user.ID, totp.Code(secret, *f.now)), kasuhara.EUNAUTH)
		_, err = f.s.ConfirmTOTP(ctx, f.actor, "000000")
		if totp.Code(secret, *f.now) != "000000" {
			wantField(t, err, "code")
		}
		codes, err := f.s.ConfirmTOTP(ctx, f.actor, totp.Code(secret, *f.now))
		if err != nil {
			t.Fatal(err)
		}
		if len(codes) != kasuhara.RecoveryCodes {
			t.Fatalf("got %d recovery codes, want %d", len(codes), kasuhara.RecoveryCodes)
		}
		seen := map[string]bool{}
		for _, c := range codes {
			if seen[c] || len(c) != 19 {
				t.Fatalf("recovery code %q repeated or malformed", c)
			}
			seen[c] = true
			var n int
			db.Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM totp_recovery_codes WHERE code_hash LIKE $1", "%"+c+"%").Scan(&n)
			if n != 0 {
				t.Fatal("a recovery code is stored in clear")
			}
		}
		tf, err := f.s.TwoFactor(ctx, f.user.ID)
		if err != nil || !tf.Enabled || tf.Pending || tf.RecoveryLeft != 10 || !tf.EnabledAt.Equal(*f.now) {
			t.Fatalf("after: %+v %v", tf, err)
		}
		if n := auditCount(t, db, "user.totp_enable"); n != 1 {
			t.Fatalf("%d user.totp_enable entries, want 1", n)
		}
		// On, it is not replaced behind the person's back.
		wantCode(t, f.s.BeginTOTP(ctx, f.actor), kasuhara.ECONFLICT)
		wantCode(t, func() error { _, err := f.s.PendingTOTP(ctx, f.actor); return err }(), kasuhara.ENOTFOUND)
	})
}

func TestVerifySecondFactor(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		f := setupTwoFactor(t, db)
		secret, codes := enrol(t, f, f.actor)
		// The code that confirmed the set-up is taken: it cannot sign in.
		wantCode(t, f.s.VerifySecondFactor(ctx, f.user.ID, totp.Code(secret, *f.now)), kasuhara.EUNAUTH)
		*f.now = f.now.Add(totp.Step)
		code := totp.Code(secret, *f.now)
		if err := f.s.VerifySecondFactor(ctx, f.user.ID, code); err != nil {
			t.Fatalf("the current code: %v", err)
		}
		// The same code again, within its window: refused (replay).
		wantCode(t, f.s.VerifySecondFactor(ctx, f.user.ID, code), kasuhara.EUNAUTH)
		// A wrong code, another's code, nothing.
		wrong := "123456"
		if wrong == totp.Code(secret, f.now.Add(totp.Step)) {
			wrong = "654321"
		}
		wantCode(t, f.s.VerifySecondFactor(ctx, f.user.ID, wrong), kasuhara.EUNAUTH)
		wantCode(t, f.s.VerifySecondFactor(ctx, f.user.ID, ""), kasuhara.EUNAUTH)
		wantCode(t, f.s.VerifySecondFactor(ctx, f.admin.ID, code), kasuhara.EUNAUTH)
		// A recovery code works once, however typed; its use is audited.
		typed := strings.ToUpper(strings.ReplaceAll(codes[3], "-", " "))
		if err := f.s.VerifySecondFactor(ctx, f.user.ID, typed); err != nil {
			t.Fatalf("recovery code: %v", err)
		}
		wantCode(t, f.s.VerifySecondFactor(ctx, f.user.ID, codes[3]), kasuhara.EUNAUTH)
		if tf, _ := f.s.TwoFactor(ctx, f.user.ID); tf.RecoveryLeft != 9 {
			t.Fatalf("%d recovery codes left, want 9", tf.RecoveryLeft)
		}
		if n := auditCount(t, db, "user.recovery_code_used"); n != 1 {
			t.Fatalf("%d user.recovery_code_used entries, want 1", n)
		}
		// Another person's recovery code is not this one's.
		other, err := f.s.CreateUser(ctx, kasuhara.CLIActor, kasuhara.NewUser{Email: "other@example.jp", Name: "他 二郎",
			Password: "other-password-1", OrgID: f.org.ID, Role: kasuhara.RoleEmployee})
		if err != nil {
			t.Fatal(err)
		}
		wantCode(t, f.s.VerifySecondFactor(ctx, other.ID, codes[4]), kasuhara.EUNAUTH)
	})
}

func TestResetTwoFactor(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		f := setupTwoFactor(t, db)
		enrol(t, f, f.actor)
		session(t, f.s, "tok-clerk", f.user.ID, "Safari on iPhone")
		// Nobody but an administrator in reach resets it.
		wantCode(t, f.s.ResetTwoFactor(ctx, f.actor, f.user.ID), kasuhara.EFORBIDDEN)
		_, _, otherAdmin := orgWithAdmin(t, f.s, kasuhara.NewOrg{Slug: "other", Name: "Other"},
			kasuhara.NewUser{Email: "admin@other.example", Name: "他社 管理", Password: "admin-password-2"})
		wantCode(t, f.s.ResetTwoFactor(ctx, otherAdmin, f.user.ID), kasuhara.ENOTFOUND)
		if tf, _ := f.s.TwoFactor(ctx, f.user.ID); !tf.Enabled {
			t.Fatal("a refused reset removed the second factor")
		}
		if err := f.s.ResetTwoFactor(ctx, f.fixture.actor, f.user.ID); err != nil {
			t.Fatal(err)
		}
		if tf, _ := f.s.TwoFactor(ctx, f.user.ID); tf.Enabled || tf.Pending || tf.RecoveryLeft != 0 {
			t.Fatalf("after reset: %+v", tf)
		}
		if _, ok, _ := f.s.Sessions().FindCtx(ctx, "tok-clerk"); ok {
			t.Fatal("the user's session survived the reset of their second factor")
		}
		if n := auditCount(t, db, "user.totp_reset"); n != 1 {
			t.Fatalf("%d user.totp_reset entries, want 1", n)
		}
		mails := jobRows(t, db, notify.KindAccountMail)
		if len(mails) != 1 || !strings.Contains(mails[0], "clerk@example.jp") || !strings.Contains(mails[0], notify.AccountTwoFactorReset) {
			t.Fatalf("account mails: %v", mails)
		}
		wantCode(t, f.s.ResetTwoFactor(ctx, f.fixture.actor, f.user.ID), kasuhara.ECONFLICT)
		// The person sets it up again.
		enrol(t, f, f.actor)
	})
}

func TestSignInSettings(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		f := setupTwoFactor(t, db)
		st, err := f.s.SignInSettings(ctx, f.org.ID)
		if err != nil {
			t.Fatal(err)
		}
		// The default: desk, legal and admin need a second factor.
		for _, r := range kasuhara.Roles {
			want := r == kasuhara.RoleDesk || r == kasuhara.RoleLegal || r == kasuhara.RoleAdmin
			if st.Requires(r) != want {
				t.Errorf("default Requires(%s) = %v, want %v", r, st.Requires(r), want)
			}
		}
		if st.SessionIdleMinutes != 30 || st.SessionLifetimeHours != 12 {
			t.Fatalf("default lifetimes %+v", st)
		}
		// Saving other settings keeps the default.
		if err := f.s.SaveSettings(ctx, f.fixture.actor, kasuhara.DefaultSettings(f.org.ID)); err != nil {
			t.Fatal(err)
		}
		if st, _ := f.s.SignInSettings(ctx, f.org.ID); !st.Requires(kasuhara.RoleDesk) {
			t.Fatal("saving the other settings dropped the second-factor rule")
		}
		bad := kasuhara.SignInSettings{TwoFactorRoles: []kasuhara.Role{"boss"}, SessionIdleMinutes: 1, SessionLifetimeHours: 1000}
		err = f.s.SaveSignInSettings(ctx, f.fixture.actor, f.org.ID, bad)
		for _, field := range []string{"two_factor_roles", "session_idle_minutes", "session_lifetime_hours"} {
			wantField(t, err, field)
		}
		wantCode(t, f.s.SaveSignInSettings(ctx, f.actor, f.org.ID, kasuhara.DefaultSignInSettings()), kasuhara.EFORBIDDEN)
		good := kasuhara.SignInSettings{TwoFactorRoles: []kasuhara.Role{kasuhara.RoleLegal, kasuhara.RoleEmployee}, SessionIdleMinutes: 15, SessionLifetimeHours: 8}
		if err := f.s.SaveSignInSettings(ctx, f.fixture.actor, f.org.ID, good); err != nil {
			t.Fatal(err)
		}
		st, _ = f.s.SignInSettings(ctx, f.org.ID)
		if !st.Requires(kasuhara.RoleEmployee) || st.Requires(kasuhara.RoleDesk) || st.SessionIdleMinutes != 15 || st.SessionLifetimeHours != 8 {
			t.Fatalf("saved %+v", st)
		}
		// None at all is a choice too.
		good.TwoFactorRoles = nil
		if err := f.s.SaveSignInSettings(ctx, f.fixture.actor, f.org.ID, good); err != nil {
			t.Fatal(err)
		}
		if st, _ := f.s.SignInSettings(ctx, f.org.ID); len(st.TwoFactorRoles) != 0 {
			t.Fatalf("saved none, read %v", st.TwoFactorRoles)
		}
		if n := auditCount(t, db, "settings.sign_in"); n != 2 {
			t.Fatalf("%d settings.sign_in entries, want 2", n)
		}
	})
}

// session stores a session of userID as the web server does.
func session(t *testing.T, s *store.Store, token, userID, device string) {
	t.Helper()
	data, err := (scs.GobCodec{}).Encode(time.Now().Add(time.Hour), map[string]any{
		store.SessionUserKey: userID, store.SessionSignedInKey: s.Now().Unix(), store.SessionDeviceKey: device})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Sessions().CommitCtx(ctx, token, data, s.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
}

func TestOwnSessions(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		f := setupTwoFactor(t, db)
		session(t, f.s, "tok-a", f.user.ID, "Chrome on Windows")
		*f.now = f.now.Add(time.Minute)
		session(t, f.s, "tok-b", f.user.ID, "Safari on iPhone")
		session(t, f.s, "tok-admin", f.admin.ID, "Edge on Windows")
		list, err := f.s.OwnSessions(ctx, f.actor, credential.Digest("tok-b"))
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 || list[0].Device != "Safari on iPhone" || !list[0].Current || list[1].Current || list[1].Device != "Chrome on Windows" {
			t.Fatalf("sessions %+v", list)
		}
		if !list[1].SignedInAt.Equal(f.now.Add(-time.Minute)) || !list[0].LastSeen.Equal(*f.now) {
			t.Fatalf("times %+v", list)
		}
		for _, ses := range list {
			if strings.Contains(ses.Ref, credential.Digest("tok-a")) || ses.Ref == "" {
				t.Fatalf("the ref %q gives the stored digest away", ses.Ref)
			}
		}
		// Sign out of the others: the current one and another person's stay.
		n, err := f.s.EndOtherSessions(ctx, f.actor, credential.Digest("tok-b"))
		if err != nil || n != 1 {
			t.Fatalf("EndOtherSessions = %d, %v", n, err)
		}
		for tok, want := range map[string]bool{"tok-a": false, "tok-b": true, "tok-admin": true} {
			if _, ok, _ := f.s.Sessions().FindCtx(ctx, tok); ok != want {
				t.Errorf("session %s alive = %v, want %v", tok, ok, want)
			}
		}
		// The admin ends all of the user's; the user may not end the admin's.
		wantCode(t, func() error { _, err := f.s.EndSessions(ctx, f.actor, f.admin.ID); return err }(), kasuhara.EFORBIDDEN)
		if n, err := f.s.EndSessions(ctx, f.fixture.actor, f.user.ID); err != nil || n != 1 {
			t.Fatalf("EndSessions = %d, %v", n, err)
		}
		if _, ok, _ := f.s.Sessions().FindCtx(ctx, "tok-b"); ok {
			t.Fatal("the user's session survived")
		}
		if _, ok, _ := f.s.Sessions().FindCtx(ctx, "tok-admin"); !ok {
			t.Fatal("the admin's own session ended")
		}
		if auditCount(t, db, "session.end_others") != 1 || auditCount(t, db, "session.end_all") != 1 {
			t.Fatal("ending sessions is not audited")
		}
		if mails := jobRows(t, db, notify.KindAccountMail); len(mails) != 1 || !strings.Contains(mails[0], notify.AccountSessionsEnded) {
			t.Fatalf("account mails: %v", mails)
		}
	})
}

// TestResetTwoFactorOfDeskNeedsTheOperator: an admin alone does not reset
// the second factor of a desk or legal member (with a password reset, which
// already needs a second person, it would hand the admin the account); the
// operator does. Both engines.
func TestResetTwoFactorOfDeskNeedsTheOperator(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		f := setupTwoFactor(t, db)
		if err := f.s.SetMembership(ctx, kasuhara.CLIActor, kasuhara.Membership{UserID: f.user.ID, OrgID: f.fixture.org.ID, Role: kasuhara.RoleDesk}); err != nil {
			t.Fatal(err)
		}
		enrol(t, f, kasuhara.Actor{UserID: f.user.ID, OrgID: f.fixture.org.ID, Role: kasuhara.RoleDesk})
		wantCode(t, f.s.ResetTwoFactor(ctx, f.fixture.actor, f.user.ID), kasuhara.EFORBIDDEN)
		if tf, _ := f.s.TwoFactor(ctx, f.user.ID); !tf.Enabled {
			t.Fatal("the admin's refused reset removed a desk member's second factor")
		}
		if n := auditCount(t, db, "user.totp_reset"); n != 0 {
			t.Fatalf("%d user.totp_reset entries after a refusal", n)
		}
		if err := f.s.ResetTwoFactor(ctx, kasuhara.CLIActor, f.user.ID); err != nil {
			t.Fatalf("the operator's reset: %v", err)
		}
		if tf, _ := f.s.TwoFactor(ctx, f.user.ID); tf.Enabled {
			t.Fatal("the operator's reset left the second factor on")
		}
	})
}

// TestTwoFactorResetOfDeskByGrant (issue 16, separation of duties): an
// admin asks for the reset of a desk member's second factor, every legal
// member is told, and a legal member (not the admin) approves it; only then
// is it reset. When the operator resets one from the command line, every
// legal member is told too. Both engines.
func TestTwoFactorResetOfDeskByGrant(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		f := setupTwoFactor(t, db)
		if err := f.s.SetMembership(ctx, kasuhara.CLIActor, kasuhara.Membership{UserID: f.user.ID, OrgID: f.org.ID, Role: kasuhara.RoleDesk}); err != nil {
			t.Fatal(err)
		}
		desk := kasuhara.Actor{UserID: f.user.ID, OrgID: f.org.ID, Role: kasuhara.RoleDesk}
		enrol(t, f, desk)
		var legal []kasuhara.Actor
		for _, email := range []string{"legal1@example.jp", "legal2@example.jp"} {
			u, err := f.s.CreateUser(ctx, kasuhara.CLIActor, kasuhara.NewUser{Email: email, Name: email, Password: "long-enough-pw", OrgID: f.org.ID, Role: kasuhara.RoleLegal})
			if err != nil {
				t.Fatal(err)
			}
			legal = append(legal, kasuhara.Actor{UserID: u.ID, OrgID: f.org.ID, Role: kasuhara.RoleLegal})
		}
		notices := func(userID, typ string) int {
			t.Helper()
			var n int
			if err := db.Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND type = $2", userID, typ).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		enabled := func() bool {
			t.Helper()
			tf, err := f.s.TwoFactor(ctx, f.user.ID)
			if err != nil {
				t.Fatal(err)
			}
			return tf.Enabled
		}
		g, err := f.s.RequestGrant(ctx, f.fixture.actor, kasuhara.NewGrant{OrgID: f.org.ID, UserID: f.user.ID, Kind: kasuhara.GrantTwoFactor})
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range legal {
			if n := notices(l.UserID, notify.GrantRequested); n != 1 {
				t.Fatalf("a legal member has %d notices of the request, want 1", n)
			}
		}
		if !enabled() {
			t.Fatal("the request alone reset the second factor")
		}
		_, err = f.s.DecideGrant(ctx, f.fixture.actor, g.ID, true, "")
		wantCode(t, err, kasuhara.EFORBIDDEN)
		_, err = f.s.DecideGrant(ctx, desk, g.ID, true, "")
		if kasuhara.ErrorCode(err) == "" {
			t.Fatal("the person concerned approved their own reset")
		}
		if !enabled() || auditCount(t, db, "user.totp_reset") != 0 {
			t.Fatal("a refused decision reset the second factor")
		}
		got, err := f.s.DecideGrant(ctx, legal[0], g.ID, true, "")
		if err != nil || got.Status != kasuhara.GrantApproved || got.Kind != kasuhara.GrantTwoFactor {
			t.Fatalf("approve = %+v, %v", got, err)
		}
		if enabled() || auditCount(t, db, "user.totp_reset") != 1 {
			t.Fatal("the approved reset left the second factor on")
		}
		if n := notices(f.fixture.actor.UserID, notify.GrantApproved); n != 1 {
			t.Fatalf("the requester has %d notices of the approval, want 1", n)
		}
		// The operator's reset from the command line: every legal member
		// is told; the person reset is not told as a legal member would be.
		enrol(t, f, desk)
		if err := f.s.ResetTwoFactor(ctx, kasuhara.CLIActor, f.user.ID); err != nil {
			t.Fatal(err)
		}
		for _, l := range legal {
			if n := notices(l.UserID, notify.OperatorTwoFactorReset); n != 1 {
				t.Fatalf("a legal member has %d notices of the operator's reset, want 1", n)
			}
		}
		if n := notices(f.user.ID, notify.OperatorTwoFactorReset); n != 0 {
			t.Fatalf("the desk member has %d notices meant for legal", n)
		}
		// An employee's reset by the operator tells nobody in legal.
		emp, err := f.s.CreateUser(ctx, kasuhara.CLIActor, kasuhara.NewUser{Email: "emp@example.jp", Name: "emp", Password: "long-enough-pw", OrgID: f.org.ID, Role: kasuhara.RoleEmployee})
		if err != nil {
			t.Fatal(err)
		}
		enrol(t, f, kasuhara.Actor{UserID: emp.ID, OrgID: f.org.ID, Role: kasuhara.RoleEmployee})
		if err := f.s.ResetTwoFactor(ctx, kasuhara.CLIActor, emp.ID); err != nil {
			t.Fatal(err)
		}
		if n := notices(legal[0].UserID, notify.OperatorTwoFactorReset); n != 1 {
			t.Fatalf("an employee's reset told legal (%d notices)", n)
		}
	})
}
