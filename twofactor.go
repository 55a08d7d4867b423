package kasuhara

import (
	"context"
	"slices"
	"strings"
	"time"
)

// TwoFactor is the state of a person's second factor (TOTP, issue 23).
type TwoFactor struct {
	// Enabled: an authenticator app was set up and confirmed with a code;
	// sign-in then asks for a code after the password.
	Enabled   bool
	EnabledAt time.Time
	// Pending: a key was made (BeginTOTP) and waits for its first code.
	Pending bool
	// RecoveryLeft is how many of the ten recovery codes are unused.
	RecoveryLeft int
}

// RecoveryCodes is how many recovery codes a person gets.
const RecoveryCodes = 10

// DefaultTwoFactorRoles must sign in with a second factor unless the
// organisation chooses otherwise: the roles that read cases or manage
// people.
var DefaultTwoFactorRoles = []Role{RoleDesk, RoleLegal, RoleAdmin}

// Session lifetimes an organisation may choose: idle (minutes without a
// request) and absolute (hours from sign-in).
const (
	DefaultSessionIdleMinutes   = 30
	MinSessionIdleMinutes       = 5
	MaxSessionIdleMinutes       = 480
	DefaultSessionLifetimeHours = 12
	MinSessionLifetimeHours     = 1
	MaxSessionLifetimeHours     = 168
)

// SignInSettings are the organisation's rules for sign-in and sessions.
type SignInSettings struct {
	// TwoFactorRoles must use a second factor; a member of one without it
	// is sent to set it up after the password and can do nothing else.
	TwoFactorRoles []Role
	// SessionIdleMinutes ends a session after that long without a request;
	// SessionLifetimeHours ends it that long after sign-in, whatever.
	SessionIdleMinutes   int
	SessionLifetimeHours int
}

// DefaultSignInSettings are the rules of an organisation that saved none.
func DefaultSignInSettings() SignInSettings {
	return SignInSettings{TwoFactorRoles: slices.Clone(DefaultTwoFactorRoles),
		SessionIdleMinutes: DefaultSessionIdleMinutes, SessionLifetimeHours: DefaultSessionLifetimeHours}
}

// Requires reports whether role must sign in with a second factor.
func (s SignInSettings) Requires(role Role) bool { return slices.Contains(s.TwoFactorRoles, role) }

// Validate checks the bounds of the lifetimes and the roles.
func (s SignInSettings) Validate() error {
	f := FieldErrors{}
	for _, r := range s.TwoFactorRoles {
		if !r.Valid() {
			f.AddError("two_factor_roles", OneOf(Roles...))
			break
		}
	}
	if s.SessionIdleMinutes < MinSessionIdleMinutes || s.SessionIdleMinutes > MaxSessionIdleMinutes {
		f.AddError("session_idle_minutes", Between(FieldRangeMinutes, MinSessionIdleMinutes, MaxSessionIdleMinutes))
	}
	if s.SessionLifetimeHours < MinSessionLifetimeHours || s.SessionLifetimeHours > MaxSessionLifetimeHours {
		f.AddError("session_lifetime_hours", Between(FieldRangeHours, MinSessionLifetimeHours, MaxSessionLifetimeHours))
	}
	return f.Err()
}

// FormatRoles writes roles as stored: comma-separated, in the order of
// Roles.
func FormatRoles(roles []Role) string {
	var out []string
	for _, r := range Roles {
		if slices.Contains(roles, r) {
			out = append(out, string(r))
		}
	}
	return strings.Join(out, ",")
}

// ParseRoles reads FormatRoles's text; unknown names are dropped.
func ParseRoles(s string) []Role {
	var out []Role
	for _, p := range strings.Split(s, ",") {
		if r := Role(strings.TrimSpace(p)); r.Valid() && !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}

// Session is one of a person's signed-in browsers, as the list of their
// own sessions shows it: no address is kept.
type Session struct {
	// Ref tells sessions apart on the page; it is a digest of the session
	// id's digest, never the id itself.
	Ref        string
	Device     string // from the User-Agent, in words: "Chrome on Windows"
	SignedInAt time.Time
	LastSeen   time.Time
	Current    bool
}

// TwoFactorService keeps people's second factors and sessions.
//
// Enrolment and use concern the actor's own account only. Every change is
// audited; no code, key or recovery code is ever written to the audit
// trail or a log.
type TwoFactorService interface {
	// TwoFactor is userID's second factor.
	TwoFactor(ctx context.Context, userID string) (*TwoFactor, error)
	// BeginTOTP makes a new key for the actor's own account, replacing one
	// that was not confirmed; ECONFLICT when a confirmed one exists (it is
	// reset first).
	BeginTOTP(ctx context.Context, actor Actor) error
	// PendingTOTP is the actor's unconfirmed key, for the QR code of the
	// set-up page; ENOTFOUND when there is none.
	PendingTOTP(ctx context.Context, actor Actor) ([]byte, error)
	// ConfirmTOTP turns the pending key on when code is its current code,
	// and returns the ten recovery codes, shown only now (EINVALID on
	// field "code" otherwise).
	ConfirmTOTP(ctx context.Context, actor Actor, code string) ([]string, error)
	// VerifySecondFactor checks a code of userID's authenticator app or
	// one of its recovery codes: EUNAUTH when it is wrong, was used
	// already (a code is taken once, a recovery code too), or the user has
	// no second factor. The use of a recovery code is audited.
	VerifySecondFactor(ctx context.Context, userID, code string) error
	// ResetTwoFactor removes userID's second factor so that they set it up
	// again at their next sign-in, ends their sessions, and mails them; an
	// administrator in reach, or the operator. Audited.
	ResetTwoFactor(ctx context.Context, actor Actor, userID string) error

	// SignInSettings are orgID's rules (the defaults when none are saved).
	SignInSettings(ctx context.Context, orgID string) (*SignInSettings, error)
	// SaveSignInSettings validates and stores them; the organisation's
	// administrator (or its parent's). Audited.
	SaveSignInSettings(ctx context.Context, actor Actor, orgID string, s SignInSettings) error

	// OwnSessions lists the actor's own unexpired sessions, the last seen
	// first; current is the digest of the asking session's id.
	OwnSessions(ctx context.Context, actor Actor, current string) ([]Session, error)
	// EndOtherSessions ends every session of the actor but current.
	// Audited.
	EndOtherSessions(ctx context.Context, actor Actor, current string) (int, error)
	// EndSessions ends every session of userID; an administrator in reach,
	// or the operator. Audited.
	EndSessions(ctx context.Context, actor Actor, userID string) (int, error)
}
