package kasuhara

import (
	"context"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// Org is an organisation: a company. A company group is a parent organisation
// with subsidiaries (ParentID set on each subsidiary).
type Org struct {
	ID        string
	Slug      string // short name used in URLs, e.g. /o/{slug}/policy
	Name      string
	ParentID  string // "" for a top-level organisation
	CreatedAt time.Time
}

// Department is a unit of an organisation (a shop, a call centre, a team).
type Department struct {
	ID        string
	OrgID     string
	Name      string
	CreatedAt time.Time
}

// NewOrg is the input to OrgService.CreateOrg.
type NewOrg struct {
	Slug       string
	Name       string
	ParentSlug string // optional
}

var slugRE = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$`)

// Validate checks the fields of n.
func (n NewOrg) Validate() error {
	f := FieldErrors{}
	if !slugRE.MatchString(n.Slug) {
		f.Add("slug", FieldSlug)
	}
	validateName(f, "name", n.Name, 200)
	return f.Err()
}

func validateName(f FieldErrors, field, v string, max int) {
	switch {
	case strings.TrimSpace(v) == "":
		f.Add(field, FieldRequired)
	case utf8.RuneCountInString(v) > max:
		f.Add(field, FieldTooLong)
	case strings.ContainsAny(v, "\x00\r\n"):
		f.Add(field, FieldSingleLine)
	}
}

// OrgService manages organisations and their departments.
//
// Every method that changes something writes an audit entry in the same
// transaction, with actor as its author. Permission checks are the caller's
// (internal/access); the service trusts its caller.
type OrgService interface {
	// CreateOrg creates an organisation. EINVALID for a bad slug or name or an
	// unknown parent; ECONFLICT when the slug is taken.
	CreateOrg(ctx context.Context, actor Actor, n NewOrg) (*Org, error)
	// OrgByID and OrgBySlug return ENOTFOUND when there is no such organisation.
	OrgByID(ctx context.Context, id string) (*Org, error)
	OrgBySlug(ctx context.Context, slug string) (*Org, error)
	// Orgs lists all organisations ordered by name.
	Orgs(ctx context.Context) ([]Org, error)
	// OrgTree returns the organisation with id and all its descendants,
	// the organisation itself first. ENOTFOUND when id does not exist.
	OrgTree(ctx context.Context, id string) ([]Org, error)

	// CreateDepartment adds a department to orgID, which may be a subsidiary
	// of the actor's organisation (or any organisation for the CLI).
	// EINVALID for a bad name; ECONFLICT when the organisation already has a
	// department of that name.
	CreateDepartment(ctx context.Context, actor Actor, orgID, name string) (*Department, error)
	// RenameDepartment renames a department of orgID; ENOTFOUND when the
	// department does not belong to orgID.
	RenameDepartment(ctx context.Context, actor Actor, orgID, id, name string) (*Department, error)
	// Departments lists the departments of an organisation ordered by name.
	Departments(ctx context.Context, orgID string) ([]Department, error)
	// DepartmentByName returns ENOTFOUND when orgID has no such department.
	DepartmentByName(ctx context.Context, orgID, name string) (*Department, error)
}
