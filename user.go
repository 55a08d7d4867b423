package kasuhara

import (
	"context"
	"net/mail"
	"slices"
	"strings"
	"time"
)

// Role is what a member of an organisation does in Kasuhara.
type Role string

// The six roles of the contract.
const (
	RoleEmployee   Role = "employee"   // reports, sees own reports
	RoleSupervisor Role = "supervisor" // first-handles reports of own department
	RoleDesk       Role = "desk"       // the consultation desk: handles cases
	RoleLegal      Role = "legal"      // measures, police and lawyers, retention
	RoleAnalyst    Role = "analyst"    // statistics only
	RoleAdmin      Role = "admin"      // users, settings, content; never case contents
)

// Roles lists every role in the order screens show them.
var Roles = []Role{RoleEmployee, RoleSupervisor, RoleDesk, RoleLegal, RoleAnalyst, RoleAdmin}

// Valid reports whether r is one of Roles.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// Languages the product speaks. Japanese is the default.
var Languages = []string{"ja", "en"}

// textLang is the language a text written in Japanese, and in English
// where en is not blank, is shown in to a reader of lang: English only
// when it was written.
func textLang(lang, en string) string {
	if lang == "en" && strings.TrimSpace(en) != "" {
		return "en"
	}
	return "ja"
}

// inLang is en when lang (a textLang) is English, ja otherwise.
func inLang(lang, ja, en string) string {
	if lang == "en" {
		return en
	}
	return ja
}

// User is a person who signs in. Email is stored case-folded.
type User struct {
	ID                 string
	Email              string
	Name               string
	Language           string // "ja", "en", or "" for the browser's choice
	Disabled           bool
	MustChangePassword bool // set for generated one-time passwords
	// CredentialStamp changes whenever the password does: a session keeps
	// the one of its sign-in and ends when it no longer matches.
	CredentialStamp string
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// Membership places a user in an organisation with a role and, optionally, a
// department. A user has at most one membership per organisation.
type Membership struct {
	UserID       string
	OrgID        string
	Role         Role
	DepartmentID string // "" when none
	CreatedAt    time.Time
}

// Identity is who is asking: a user, their oldest membership and its
// organisation. Org is nil, and Membership zero, when the user belongs to
// no organisation.
type Identity struct {
	User       *User
	Membership Membership
	Org        *Org
}

// Member is a user together with their membership of one organisation, as
// lists of an organisation's people show them.
type Member struct {
	User
	Membership
	OrgSlug        string
	DepartmentName string
}

// Actor is who is asking: the member of an organisation on whose behalf a
// service method runs. Every service method that acts for someone takes it
// first after the context; access decisions read its role and department,
// and the audit trail records its user (or its Label when there is none).
// A command run by an operator on the server has UserID "" and Label "cli".
type Actor struct {
	UserID       string
	OrgID        string
	Role         Role
	DepartmentID string // "" when none
	Label        string // "cli", "system" or "anonymous" when there is no user; never a name
}

// SystemActor is the actor of changes made by the server itself (first-run
// bootstrap, scheduled jobs).
var SystemActor = Actor{Label: "system"}

// CLIActor is the actor of changes made with the kasuhara command.
var CLIActor = Actor{Label: "cli"}

// NewUser is the input to UserService.CreateUser.
type NewUser struct {
	Email              string
	Name               string
	Password           string // plain text; hashed before it is stored
	MustChangePassword bool
	OrgID              string
	Role               Role
	DepartmentID       string
	Language           string
}

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 12

// NormalizeEmail case-folds and trims an e-mail address.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// Validate checks the fields of n.
func (n NewUser) Validate() error {
	f := FieldErrors{}
	validateEmail(f, n.Email)
	validateName(f, "name", n.Name, 200)
	validatePassword(f, "password", n.Password)
	if n.OrgID == "" {
		f.Add("org", FieldRequired)
	}
	if !n.Role.Valid() {
		f.AddError("role", OneOf(Roles...))
	}
	if n.Language != "" && !slices.Contains(Languages, n.Language) {
		f.AddError("language", OneOf(Languages...))
	}
	return f.Err()
}

func validateEmail(f FieldErrors, v string) {
	a, err := mail.ParseAddress(v)
	if err != nil || a.Address != strings.TrimSpace(v) || len(v) > 254 {
		f.Add("email", FieldEmail)
	}
}

func validatePassword(f FieldErrors, field, v string) {
	if len([]rune(v)) < MinPasswordLength {
		f.AddError(field, TooShort(MinPasswordLength))
	} else if len(v) > 1024 {
		f.Add(field, FieldTooLong)
	}
}

// ValidatePassword checks a new password.
func ValidatePassword(field, v string) error {
	f := FieldErrors{}
	validatePassword(f, field, v)
	return f.Err()
}

// UserService manages users, their memberships and passwords.
//
// Every change writes an audit entry in the same transaction. The service
// checks who may: an admin manages the users of their organisation and its
// subsidiaries (ENOTFOUND outside), and nobody but the operator's command
// line grants desk or legal, or resets their holders' passwords, alone
// (EFORBIDDEN: see GrantService).
type UserService interface {
	GrantService

	// ImportUsers checks every row of a CSV import, and when dryRun is
	// false and no row has a problem, adds them all in one transaction
	// (each with a one-time password and an audit entry), else nothing.
	// Only ImportableRoles may be given. EINVALID when there are no rows or
	// more than MaxUserImportRows; EFORBIDDEN unless the actor administers
	// orgID.
	ImportUsers(ctx context.Context, actor Actor, orgID string, rows []UserImportRow, dryRun bool) (*UserImport, error)
	// CreateUser creates a user with a membership. EINVALID for bad input or
	// an unknown department; ECONFLICT when the e-mail address is taken.
	CreateUser(ctx context.Context, actor Actor, n NewUser) (*User, error)
	// UserByID and UserByEmail return ENOTFOUND when there is no such user.
	UserByID(ctx context.Context, id string) (*User, error)
	// UserIdentity is UserByID with the user's oldest membership and its
	// organisation, read together; a disabled user too (the caller
	// decides). ENOTFOUND when there is no such user.
	UserIdentity(ctx context.Context, id string) (*Identity, error)
	UserByEmail(ctx context.Context, email string) (*User, error)
	// Authenticate checks an e-mail address and password. It returns
	// EUNAUTH for an unknown address, a wrong password or a disabled user,
	// taking about the same time in each case, and writes an audit entry
	// for both success and failure.
	Authenticate(ctx context.Context, email, password string) (*User, error)
	// SetPassword replaces a user's password and clears MustChangePassword
	// when actor is the user.
	SetPassword(ctx context.Context, actor Actor, userID, password string) error
	// ResetPassword sets a new generated one-time password (returned once)
	// that the user must change at the next sign-in.
	ResetPassword(ctx context.Context, actor Actor, userID string) (string, error)
	// SetLanguage records the user's preferred language ("", "ja" or "en").
	SetLanguage(ctx context.Context, actor Actor, userID, lang string) error
	// SetDisabled enables or disables sign-in for a user; disabling also
	// ends the user's sessions and revokes their API tokens.
	SetDisabled(ctx context.Context, actor Actor, userID string, disabled bool) error

	// Memberships lists the user's memberships, oldest first.
	Memberships(ctx context.Context, userID string) ([]Membership, error)
	// SetMembership creates or changes the user's membership of orgID.
	SetMembership(ctx context.Context, actor Actor, m Membership) error
	// Members lists the members of an organisation ordered by name.
	Members(ctx context.Context, orgID string) ([]Member, error)
	// CountUsers returns the number of users.
	CountUsers(ctx context.Context) (int, error)
}

// APIToken is a bearer credential for /api/v1. Only a hash of the secret is
// stored; the secret is shown once when the token is created.
type APIToken struct {
	ID         string
	UserID     string
	Label      string
	CreatedAt  time.Time
	LastUsedAt time.Time // zero when never used
	RevokedAt  time.Time // zero while valid
}

// TokenService issues and checks API tokens.
type TokenService interface {
	// CreateToken returns the token and its secret, which is not stored.
	CreateToken(ctx context.Context, actor Actor, userID, label string) (*APIToken, string, error)
	// TokenUser returns the user a token secret belongs to; EUNAUTH for an
	// unknown or revoked token or a disabled user.
	TokenUser(ctx context.Context, secret string) (*User, error)
	// TokenIdentity is TokenUser with the user's oldest membership and its
	// organisation, read together (the request's "who is asking"); the same
	// EUNAUTH.
	TokenIdentity(ctx context.Context, secret string) (*Identity, error)
	// Tokens lists a user's tokens, newest first.
	Tokens(ctx context.Context, userID string) ([]APIToken, error)
	// RevokeToken revokes a token of userID; ENOTFOUND when it is not theirs.
	RevokeToken(ctx context.Context, actor Actor, userID, tokenID string) error
}
