package kasuhara

import (
	"context"
	"regexp"
	"slices"
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
	ID    string
	OrgID string
	Name  string
	// ParentID is the department this one belongs to (a store's area, an
	// area's head office), "" for one at the top.
	ParentID  string
	CreatedAt time.Time
}

// MaxDepartmentDepth is how many levels departments may have (head office
// → area → store → team).
const MaxDepartmentDepth = 4

// DepartmentNode is a department in the order of the hierarchy, with its
// depth (0 at the top).
type DepartmentNode struct {
	Department
	Depth int
}

// DepartmentTree orders deps as a tree: each department followed by those
// under it, by name at each level. A department whose parent is not in
// deps is at the top.
func DepartmentTree(deps []Department) []DepartmentNode {
	known := map[string]bool{}
	for _, d := range deps {
		known[d.ID] = true
	}
	children := map[string][]Department{}
	for _, d := range deps {
		p := d.ParentID
		if !known[p] {
			p = ""
		}
		children[p] = append(children[p], d)
	}
	var out []DepartmentNode
	seen := map[string]bool{}
	var walk func(parent string, depth int)
	walk = func(parent string, depth int) {
		list := children[parent]
		slices.SortFunc(list, func(a, b Department) int { return strings.Compare(a.Name, b.Name) })
		for _, d := range list {
			if seen[d.ID] {
				continue
			}
			seen[d.ID] = true
			out = append(out, DepartmentNode{Department: d, Depth: depth})
			walk(d.ID, depth+1)
		}
	}
	walk("", 0)
	return out
}

// DepartmentAndBelow is the department id and every department under it.
func DepartmentAndBelow(deps []Department, id string) []string {
	out := []string{id}
	for i := 0; i < len(out); i++ {
		for _, d := range deps {
			if d.ParentID == out[i] && !slices.Contains(out, d.ID) {
				out = append(out, d.ID)
			}
		}
	}
	return out
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
// transaction, with actor as its author. The changes to departments check
// the access matrix themselves (manage_departments, in the actor's reach);
// CreateOrg is the operator's (the command line). The readers answer an
// organisation's names and structure, which carry no case or audit data.
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
	// SetDepartmentParent puts department id of orgID under parentID ("" for
	// the top). EINVALID (field "parent") for a parent of another
	// organisation, the department itself or one under it, or a hierarchy
	// deeper than MaxDepartmentDepth; ENOTFOUND when the department does
	// not belong to orgID.
	SetDepartmentParent(ctx context.Context, actor Actor, orgID, id, parentID string) error
	// Departments lists the departments of an organisation ordered by name.
	Departments(ctx context.Context, orgID string) ([]Department, error)
	// DepartmentByName returns ENOTFOUND when orgID has no such department.
	DepartmentByName(ctx context.Context, orgID, name string) (*Department, error)
}
