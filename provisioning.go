package kasuhara

import (
	"context"
	"time"
)

// SCIMToken is the bearer credential a directory (Entra ID, Okta, …)
// provisions an organisation's people with. Only a hash of the secret is
// stored; the secret is shown once.
type SCIMToken struct {
	ID        string
	OrgID     string
	Label     string
	CreatedAt time.Time
	RevokedAt time.Time // zero while valid
}

// SCIMUser is a person as SCIM provisions them. ID is the SCIM id (the
// user's id, for the directory only, never shown to a person); UserName is
// the directory's unique name (lower-cased), Email the address they sign
// in with (UserName itself when it is an address, as Entra ID's UPN and
// Okta's login are).
type SCIMUser struct {
	ID          string
	ExternalID  string
	UserName    string
	Email       string
	DisplayName string
	GivenName   string
	FamilyName  string
	Active      bool
	Groups      []SCIMMember // the groups the person is in (read only)
	Created     time.Time
	Modified    time.Time
}

// SCIMMember is a member of a group, or a group of a user: its id and name.
type SCIMMember struct {
	ID      string
	Display string
}

// SCIMGroup is a group of the directory. Its members get the role that
// the group mapping (GroupRole) gives its DisplayName.
type SCIMGroup struct {
	ID          string
	ExternalID  string
	DisplayName string
	Members     []SCIMMember
	Created     time.Time
	Modified    time.Time
}

// SCIMFilter is the one filter SCIM clients send: attribute eq "value".
// Attr is "" for no filter.
type SCIMFilter struct {
	Attr  string // userName, externalId, displayName (lower-cased)
	Value string
}

// MaxSCIMPage is the most resources one list answer holds.
const MaxSCIMPage = 200

// ProvisioningService is SCIM 2.0 provisioning of an organisation's
// people and groups by its directory.
//
// The tokens are the admin's (ManageUsers) of the organisation. Every other
// method acts for the organisation a token belongs to (SCIMTokenOrg) with
// DirectoryActor: it sees and changes only the people and groups the
// directory provisioned there (ENOTFOUND for any other, including another
// organisation's), and audits every change. A person's role follows their
// groups through the group mappings; deactivating a person ends their
// sessions and API tokens at once.
type ProvisioningService interface {
	// CreateSCIMToken returns the token and its secret, which is not stored.
	CreateSCIMToken(ctx context.Context, actor Actor, orgID, label string) (*SCIMToken, string, error)
	// SCIMTokens lists the organisation's tokens, newest first.
	SCIMTokens(ctx context.Context, actor Actor, orgID string) ([]SCIMToken, error)
	// RevokeSCIMToken revokes a token of the organisation.
	RevokeSCIMToken(ctx context.Context, actor Actor, orgID, id string) error
	// SCIMTokenOrg returns the organisation of a token secret; EUNAUTH for
	// an unknown or revoked one.
	SCIMTokenOrg(ctx context.Context, secret string) (string, error)

	// SCIMUsers lists the provisioned people, by filter, from startIndex
	// (1-based), at most count, with the total.
	SCIMUsers(ctx context.Context, orgID string, f SCIMFilter, startIndex, count int) ([]SCIMUser, int, error)
	SCIMUser(ctx context.Context, orgID, id string) (*SCIMUser, error)
	// SCIMCreateUser provisions a person: a new user, or a member of the
	// organisation's group with that address, who is then linked.
	// ECONFLICT when the address is provisioned already or belongs to
	// someone outside the group; EINVALID names the attribute.
	SCIMCreateUser(ctx context.Context, orgID string, u SCIMUser) (*SCIMUser, error)
	// SCIMReplaceUser replaces a person's attributes (PUT, and PATCH after
	// its operations are applied).
	SCIMReplaceUser(ctx context.Context, orgID, id string, u SCIMUser) (*SCIMUser, error)
	// SCIMDeleteUser ends the provisioning: the person is deactivated and
	// loses their memberships of the group; their records stay.
	SCIMDeleteUser(ctx context.Context, orgID, id string) error

	SCIMGroups(ctx context.Context, orgID string, f SCIMFilter, startIndex, count int) ([]SCIMGroup, int, error)
	SCIMGroup(ctx context.Context, orgID, id string) (*SCIMGroup, error)
	// SCIMCreateGroup makes a group with its members; ECONFLICT for a name
	// taken.
	SCIMCreateGroup(ctx context.Context, orgID string, g SCIMGroup) (*SCIMGroup, error)
	// SCIMReplaceGroup renames a group and, when members is not nil,
	// replaces its members.
	SCIMReplaceGroup(ctx context.Context, orgID, id string, g SCIMGroup, members []string) (*SCIMGroup, error)
	// SCIMChangeMembers adds and removes members (provisioned people only:
	// EINVALID for another id).
	SCIMChangeMembers(ctx context.Context, orgID, id string, add, remove []string) error
	SCIMDeleteGroup(ctx context.Context, orgID, id string) error
}
