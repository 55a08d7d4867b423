package kasuhara

import (
	"context"
	"time"
)

// Privileged reports whether a role reads case contents that its holder's
// administrator must not: granting it, or resetting the credentials of a
// person who holds it, needs a second person (issue 16, finding 2).
func (r Role) Privileged() bool { return r == RoleDesk || r == RoleLegal }

// Kinds of GrantRequest.
const (
	GrantRole  = "role"  // give the user Role in the organisation
	GrantReset = "reset" // replace the user's password (by a link mailed to them)
	// GrantTwoFactor removes the user's second factor so that they set it
	// up again at their next sign-in (their sessions end).
	GrantTwoFactor = "two_factor"
)

// States of a GrantRequest.
const (
	GrantPending  = "pending"
	GrantApproved = "approved"
	GrantRejected = "rejected"
)

// GrantRequest is an admin's request to give a person the desk or legal
// role, or to reset such a person's password or second factor, waiting for
// a second person:
// a legal member of the organisation, or, while it has none, another admin.
type GrantRequest struct {
	ID           string
	OrgID        string
	OrgSlug      string
	UserID       string
	UserName     string
	UserEmail    string
	Kind         string // GrantRole, GrantReset or GrantTwoFactor
	Role         Role   // for GrantRole
	DepartmentID string
	RequestedBy  string
	Requester    string // the requester's name
	RequestedAt  time.Time
	Status       string
	DecidedBy    string
	Decider      string    // the decider's name
	DecidedAt    time.Time // zero while pending
	Comment      string    // the decider's
	// MayDecide tells whether the actor who listed it may decide it
	// (GrantService.PendingGrants).
	MayDecide bool
}

// NewGrant is the input to UserService.RequestGrant: either UserID of an
// existing member, or Email and Name (and Language) of a person to create.
// A person created this way gets the employee role and no password until
// the request is approved; then a link to set one is mailed to them.
type NewGrant struct {
	OrgID        string
	UserID       string
	Email        string
	Name         string
	Language     string
	Kind         string
	Role         Role
	DepartmentID string
}

// PasswordLinkLifetime is how long a mailed link to set a password works.
const PasswordLinkLifetime = 72 * time.Hour

// GrantService is the second person on grants of the desk and legal roles
// and on resets of their holders' passwords. Store implements it beside
// UserService.
//
// UserService.CreateUser, SetMembership and ResetPassword refuse
// (EFORBIDDEN) a person who grants desk or legal, or resets the password of
// its holder, directly; only the operator's command line may. Such a change
// is asked for with RequestGrant.
type GrantService interface {
	// RequestGrant records a request (audited, every legal member of the
	// organisation told). Only an admin in reach of the organisation may
	// ask; EINVALID names a bad field, ECONFLICT when one is pending for
	// the person already.
	RequestGrant(ctx context.Context, actor Actor, g NewGrant) (*GrantRequest, error)
	// GrantRequests lists the organisation's requests, pending first, then
	// the latest decided ones: for its legal members and the admins in
	// reach.
	GrantRequests(ctx context.Context, actor Actor, orgID string) ([]GrantRequest, error)
	// PendingGrants lists the pending requests of every organisation
	// whose grants the actor may see (a legal member: their own; an
	// admin: those in reach), oldest first, each with MayDecide: whether
	// the actor may decide it (DecideGrant's rule). EFORBIDDEN for a role
	// that decides no grant.
	PendingGrants(ctx context.Context, actor Actor) ([]GrantRequest, error)
	// DecideGrant approves or rejects a pending request. The decider is a
	// legal member of the organisation (or, while it has none, an admin in
	// reach) who is neither the requester, nor the person concerned, nor
	// a person whose account the requester created, granted or reset in
	// the last 30 days. On approval the role is given, the person's
	// sessions and tokens end and a link to set a new password is mailed
	// to them: nobody else ever learns it.
	DecideGrant(ctx context.Context, actor Actor, id string, approve bool, comment string) (*GrantRequest, error)
	// PasswordLinkUser returns the user a link's token is for; ENOTFOUND
	// for an unknown, used or expired token.
	PasswordLinkUser(ctx context.Context, token string) (*User, error)
	// SetPasswordByLink sets the password of the link's user and uses the
	// link up; ENOTFOUND as PasswordLinkUser.
	SetPasswordByLink(ctx context.Context, token, password string) (*User, error)
}
