package kasuhara

import (
	"context"
	"errors"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

// SSOSettings is an organisation's company sign-in with OpenID Connect: the
// provider (Entra ID, Google Workspace, Okta, …) its people sign in with.
// The subsidiaries of an organisation share its provider.
type SSOSettings struct {
	OrgID    string
	Issuer   string // the provider's issuer URL (https)
	ClientID string
	// ClientSecret is the plain secret, only on its way in (SaveSSO) and to
	// the sign-in (SSOClient); stored sealed. HasSecret tells a screen
	// whether one is stored without showing it.
	ClientSecret string
	HasSecret    bool
	Domains      []string // the e-mail domains whose people sign in here, lower-case
	GroupsClaim  string   // the ID token's claim that lists the person's groups
	Required     bool     // the password form is hidden; only emergency administrators use a password
	UpdatedAt    time.Time
}

// Enabled reports whether the settings name a provider.
func (s *SSOSettings) Enabled() bool { return s != nil && s.Issuer != "" && s.ClientID != "" }

// GroupRole maps a directory group to a role, and optionally a department,
// in the organisation that configured it or one of its subsidiaries.
type GroupRole struct {
	ID             string
	OrgID          string // the organisation whose directory names the group
	Group          string
	TargetOrgID    string
	TargetOrgName  string
	Role           Role
	DepartmentID   string
	DepartmentName string
	CreatedAt      time.Time
}

// Placement is where the directory puts a person: the membership that the
// most specific of their groups' mappings gives, or none.
type Placement struct {
	OrgID        string
	Role         Role
	DepartmentID string
}

// DirectoryActor is the actor of changes the company's directory makes:
// a sign-in that creates or moves a person, and SCIM provisioning.
var DirectoryActor = Actor{Label: "directory"}

// MaxSSODomains is the most e-mail domains one organisation may list.
const MaxSSODomains = 20

var domainPattern = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)

// ParseDomains reads a list of e-mail domains written one per line or
// separated by commas or spaces; "@" in front is dropped.
func ParseDomains(s string) []string {
	var out []string
	for _, d := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t' || r == '、' }) {
		d = strings.TrimPrefix(d, "@")
		if d != "" && !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	return out
}

// Validate checks the fields of s. An issuer must be an https URL (http only
// for a provider on this machine, as tests and trials run one).
func (s SSOSettings) Validate() error {
	f := FieldErrors{}
	if s.Issuer == "" && s.ClientID == "" {
		if s.Required {
			f.Add("issuer", FieldRequired)
		}
		return f.Err()
	}
	if u, err := url.Parse(s.Issuer); err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" ||
		!(u.Scheme == "https" || u.Scheme == "http" && (u.Hostname() == "localhost" || u.Hostname() == "127.0.0.1" || u.Hostname() == "::1")) {
		f.Add("issuer", FieldURL)
	} else if len(s.Issuer) > 500 {
		f.Add("issuer", FieldTooLong)
	}
	if s.ClientID == "" {
		f.Add("client_id", FieldRequired)
	} else if len(s.ClientID) > 500 || strings.ContainsAny(s.ClientID, "\r\n") {
		f.Add("client_id", FieldMalformed)
	}
	if len(s.ClientSecret) > 1000 {
		f.Add("client_secret", FieldTooLong)
	}
	if len(s.Domains) == 0 {
		f.Add("domains", FieldRequired)
	} else if len(s.Domains) > MaxSSODomains {
		f.AddError("domains", AtMost(MaxSSODomains))
	}
	for _, d := range s.Domains {
		if len(d) > 253 || !domainPattern.MatchString(d) {
			f.Add("domains", FieldMalformed)
			break
		}
	}
	if s.GroupsClaim == "" {
		f.Add("groups_claim", FieldRequired)
	} else if len(s.GroupsClaim) > 100 || strings.ContainsAny(s.GroupsClaim, " \r\n\t") {
		f.Add("groups_claim", FieldMalformed)
	}
	return f.Err()
}

// Validate checks the fields of a group mapping.
func (g GroupRole) Validate() error {
	f := FieldErrors{}
	if strings.TrimSpace(g.Group) == "" {
		f.Add("group", FieldRequired)
	} else if len(g.Group) > 256 || strings.ContainsAny(g.Group, "\r\n") {
		f.Add("group", FieldTooLong)
	}
	if !g.Role.Valid() {
		f.AddError("role", OneOf(Roles...))
	}
	if g.TargetOrgID == "" {
		f.Add("target_org", FieldRequired)
	}
	return f.Err()
}

// roleWeight orders roles for a tie between equally specific mappings: the
// role with more duties wins, so that a desk member who is also in the
// everyone group is desk.
var roleWeight = map[Role]int{RoleAdmin: 6, RoleLegal: 5, RoleDesk: 4, RoleSupervisor: 3, RoleAnalyst: 2, RoleEmployee: 1}

// Place picks, among the mappings of the groups a person is in, the most
// specific: a mapping with a department beats one without, a mapping into
// a subsidiary beats one into its parent (depth gives each organisation's
// depth in the group, 0 for the top), and between equals the role with
// more duties wins. It returns false when no group of the person maps.
func Place(mappings []GroupRole, groups []string, depth map[string]int) (Placement, bool) {
	var best *GroupRole
	score := func(g *GroupRole) [3]int {
		dep := 0
		if g.DepartmentID != "" {
			dep = 1
		}
		return [3]int{dep, depth[g.TargetOrgID], roleWeight[g.Role]}
	}
	for i := range mappings {
		g := &mappings[i]
		if !slices.ContainsFunc(groups, func(s string) bool { return strings.EqualFold(strings.TrimSpace(s), g.Group) }) {
			continue
		}
		if best == nil {
			best = g
			continue
		}
		a, b := score(g), score(best)
		if slices.Compare(a[:], b[:]) > 0 || slices.Compare(a[:], b[:]) == 0 && g.Group < best.Group {
			best = g
		}
	}
	if best == nil {
		return Placement{}, false
	}
	return Placement{OrgID: best.TargetOrgID, Role: best.Role, DepartmentID: best.DepartmentID}, true
}

// ErrNoPlacement is in the chain of the EFORBIDDEN error that SSOSignIn
// returns when none of the person's groups maps to a role.
var ErrNoPlacement = errors.New("none of the person's directory groups maps to a role")

// ErrSSOLinkRefused is in the chain of the EFORBIDDEN error that SSOSignIn
// returns when the address is that of an existing account that the
// provider may not be linked to (auth.sso_link_refused).
var ErrSSOLinkRefused = errors.New("the company account is not linked to the existing account of its e-mail address")

// DirectoryPerson is what a directory says of a person at sign-in or in a
// SCIM request.
type DirectoryPerson struct {
	Subject string // the OpenID subject or the SCIM externalId
	Email   string
	Name    string
	Groups  []string
}

// DirectoryService keeps an organisation's company sign-in: its provider,
// the mapping of directory groups to roles, and the people the directory
// signs in or provisions.
//
// The settings and the mappings are the admin's (ManageUsers) of the
// organisation or of a parent (ENOTFOUND outside). A mapping to desk or
// legal, the roles whose grant needs a second person, is refused to an
// admin alone (EFORBIDDEN) and made by the operator's command line. Every
// change writes an audit entry; a secret never reaches the trail.
type DirectoryService interface {
	// SSO returns the settings of orgID, the zero settings when none are
	// saved, never the secret.
	SSO(ctx context.Context, actor Actor, orgID string) (*SSOSettings, error)
	// SaveSSO replaces the settings; an empty ClientSecret keeps the stored
	// one. EINVALID names the field, domains with FieldTaken for a domain
	// that an organisation outside the company group already lists.
	SaveSSO(ctx context.Context, actor Actor, s SSOSettings) error
	// GroupRoles lists the mappings of orgID by group.
	GroupRoles(ctx context.Context, actor Actor, orgID string) ([]GroupRole, error)
	// AddGroupRole adds a mapping; ECONFLICT when the group already maps
	// into the target organisation.
	AddGroupRole(ctx context.Context, actor Actor, g GroupRole) (*GroupRole, error)
	// RemoveGroupRole removes a mapping of orgID.
	RemoveGroupRole(ctx context.Context, actor Actor, orgID, id string) error
	// SetEmergencyAdmin marks an administrator of orgID who signs in with a
	// password even when company sign-in is required.
	SetEmergencyAdmin(ctx context.Context, actor Actor, orgID, userID string, on bool) error
	// EmergencyAdmins lists the ids of orgID's administrators who are
	// emergency administrators.
	EmergencyAdmins(ctx context.Context, actor Actor, orgID string) ([]string, error)

	// SSOForEmail returns the settings that the domain of an e-mail address
	// leads to, with the sealed secret opened; ENOTFOUND when none.
	SSOForEmail(ctx context.Context, email string) (*SSOSettings, error)
	// SSOForOrg returns the settings of orgID with the secret opened, for
	// the sign-in; ENOTFOUND when the organisation has none.
	SSOForOrg(ctx context.Context, orgID string) (*SSOSettings, error)
	// SSOSignIn records a sign-in through orgID's provider: it finds the
	// person by subject (or by e-mail address on the first sign-in), creates
	// them when new, and moves their membership to the placement of their
	// groups. A person whose groups map nowhere loses their memberships in
	// the organisation's group and gets EFORBIDDEN with ErrNoPlacement; an address outside the
	// organisation's domains EFORBIDDEN. An existing account is linked by
	// its address only when all its memberships are in the group and it has
	// no second factor; otherwise EFORBIDDEN with ErrSSOLinkRefused, audited
	// as auth.sso_link_refused, and nothing changes. Audited with the
	// directory as actor.
	SSOSignIn(ctx context.Context, orgID string, p DirectoryPerson) (*User, error)
	// SignInOptions tells the sign-in page what to offer: whether any
	// organisation signs in with a company account, and whether every one
	// that does requires it (the password form is then folded away).
	SignInOptions(ctx context.Context) (offered, required bool, err error)
	// PasswordAllowed reports whether a user may sign in with a password:
	// not when an organisation of theirs requires company sign-in, unless
	// they are its emergency administrator.
	PasswordAllowed(ctx context.Context, userID string) (bool, error)
}
