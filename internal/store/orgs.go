package store

import (
	"context"
	"database/sql"
	"slices"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/access"
	"github.com/kasuhara/kasuhara/internal/sqldb"
)

const orgColumns = "id, slug, name, COALESCE(parent_id, ''), created_at"

func scanOrg(sc scanner) (*kasuhara.Org, error) {
	var o kasuhara.Org
	if err := sc.Scan(&o.ID, &o.Slug, &o.Name, &o.ParentID, &o.CreatedAt); err != nil {
		return nil, err
	}
	o.CreatedAt = o.CreatedAt.UTC()
	return &o, nil
}

// CreateOrg implements kasuhara.OrgService.
func (s *Store) CreateOrg(ctx context.Context, actor kasuhara.Actor, n kasuhara.NewOrg) (*kasuhara.Org, error) {
	return txValue(ctx, s, "store.CreateOrg", func(tx *sqldb.Tx) (*kasuhara.Org, error) { return s.createOrg(ctx, tx, actor, n) })
}

func (s *Store) createOrg(ctx context.Context, tx *sqldb.Tx, actor kasuhara.Actor, n kasuhara.NewOrg) (*kasuhara.Org, error) {
	n.Name = trim(n.Name)
	if err := n.Validate(); err != nil {
		return nil, err
	}
	o := &kasuhara.Org{ID: newID(), Slug: n.Slug, Name: n.Name, CreatedAt: s.now()}
	if n.ParentSlug != "" {
		if err := tx.QueryRowContext(ctx, "SELECT id FROM orgs WHERE slug = $1", n.ParentSlug).Scan(&o.ParentID); err != nil {
			if err == sql.ErrNoRows {
				return nil, kasuhara.InvalidField("parent", kasuhara.FieldNoSuchOrg)
			}
			return nil, err
		}
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO orgs (id, slug, name, parent_id, created_at) VALUES ($1, $2, $3, $4, $5)",
		o.ID, o.Slug, o.Name, nullString(o.ParentID), o.CreatedAt); err != nil {
		if sqldb.IsUniqueViolation(err) {
			return nil, &kasuhara.Error{Code: kasuhara.ECONFLICT, Message: "an organisation with this slug exists", Fields: kasuhara.FieldErrors{"slug": {Code: kasuhara.FieldTaken}}}
		}
		return nil, err
	}
	return o, s.appendAudit(ctx, tx, change{actor: actor, orgID: o.ID, action: "org.create", objectType: "org", objectID: o.ID,
		detail: map[string]string{"slug": o.Slug, "parent_id": o.ParentID}})
}

// OrgByID implements kasuhara.OrgService.
func (s *Store) OrgByID(ctx context.Context, id string) (*kasuhara.Org, error) {
	o, err := scanOrg(s.db.Read.QueryRowContext(ctx, "SELECT "+orgColumns+" FROM orgs WHERE id = $1", id))
	if err != nil {
		return nil, notFound(err, "store.OrgByID", "organisation")
	}
	return o, nil
}

// OrgBySlug implements kasuhara.OrgService.
func (s *Store) OrgBySlug(ctx context.Context, slug string) (*kasuhara.Org, error) {
	o, err := scanOrg(s.db.Read.QueryRowContext(ctx, "SELECT "+orgColumns+" FROM orgs WHERE slug = $1", slug))
	if err != nil {
		return nil, notFound(err, "store.OrgBySlug", "organisation")
	}
	return o, nil
}

// Orgs implements kasuhara.OrgService.
func (s *Store) Orgs(ctx context.Context) ([]kasuhara.Org, error) {
	return s.queryOrgs(ctx, "SELECT "+orgColumns+" FROM orgs ORDER BY name, slug")
}

// OrgTree implements kasuhara.OrgService.
func (s *Store) OrgTree(ctx context.Context, id string) ([]kasuhara.Org, error) {
	orgs, err := s.queryOrgs(ctx, `WITH RECURSIVE tree (id, depth) AS (
			SELECT id, 0 FROM orgs WHERE id = $1
			UNION ALL
			SELECT o.id, t.depth + 1 FROM orgs o JOIN tree t ON o.parent_id = t.id WHERE t.depth < 16
		)
		SELECT `+orgColumnsOf("o")+` FROM orgs o JOIN tree t ON t.id = o.id ORDER BY t.depth, o.name, o.slug`, id)
	if err != nil {
		return nil, err
	}
	if len(orgs) == 0 {
		return nil, &kasuhara.Error{Code: kasuhara.ENOTFOUND, Op: "store.OrgTree", Message: "organisation not found"}
	}
	return orgs, nil
}

func orgColumnsOf(a string) string {
	return a + ".id, " + a + ".slug, " + a + ".name, COALESCE(" + a + ".parent_id, ''), " + a + ".created_at"
}

func (s *Store) queryOrgs(ctx context.Context, q string, args ...any) ([]kasuhara.Org, error) {
	return list(ctx, s.db.Read, "orgs", values(scanOrg), q, args...)
}

func validateDepartmentName(name string) error {
	f := kasuhara.FieldErrors{}
	switch {
	case name == "":
		f.Add("name", kasuhara.FieldRequired)
	case len([]rune(name)) > 100:
		f.Add("name", kasuhara.FieldTooLong)
	}
	return f.Err()
}

// CreateDepartment implements kasuhara.OrgService.
func (s *Store) CreateDepartment(ctx context.Context, actor kasuhara.Actor, orgID, name string) (*kasuhara.Department, error) {
	if err := s.authorize(ctx, actor, access.ManageDepartments, orgID); err != nil {
		return nil, err
	}
	name = trim(name)
	if err := validateDepartmentName(name); err != nil {
		return nil, err
	}
	d := &kasuhara.Department{ID: newID(), OrgID: orgID, Name: name, CreatedAt: s.now()}
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
		if _, err := tx.ExecContext(ctx, "INSERT INTO departments (id, org_id, name, created_at) VALUES ($1, $2, $3, $4)",
			d.ID, d.OrgID, d.Name, d.CreatedAt); err != nil {
			if sqldb.IsUniqueViolation(err) {
				return departmentTaken()
			}
			return err
		}
		return s.appendAudit(ctx, tx, change{actor: actor, orgID: orgID, action: "department.create", objectType: "department", objectID: d.ID})
	})
	if err != nil {
		return nil, wrap("store.CreateDepartment", err)
	}
	return d, nil
}

func departmentTaken() error {
	return &kasuhara.Error{Code: kasuhara.ECONFLICT, Message: "a department of this name exists", Fields: kasuhara.FieldErrors{"name": {Code: kasuhara.FieldTaken}}}
}

// RenameDepartment implements kasuhara.OrgService.
func (s *Store) RenameDepartment(ctx context.Context, actor kasuhara.Actor, orgID, id, name string) (*kasuhara.Department, error) {
	if err := s.authorize(ctx, actor, access.ManageDepartments, orgID); err != nil {
		return nil, err
	}
	name = trim(name)
	if err := validateDepartmentName(name); err != nil {
		return nil, err
	}
	var d kasuhara.Department
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
		err := tx.QueryRowContext(ctx, "UPDATE departments SET name = $1 WHERE id = $2 AND org_id = $3 RETURNING id, org_id, name, created_at",
			name, id, orgID).Scan(&d.ID, &d.OrgID, &d.Name, &d.CreatedAt)
		if sqldb.IsUniqueViolation(err) {
			return departmentTaken()
		}
		if err != nil {
			return notFound(err, "store.RenameDepartment", "department")
		}
		return s.appendAudit(ctx, tx, change{actor: actor, orgID: orgID, action: "department.rename", objectType: "department", objectID: id})
	})
	if err != nil {
		return nil, wrap("store.RenameDepartment", err)
	}
	d.CreatedAt = d.CreatedAt.UTC()
	return &d, nil
}

// SetDepartmentParent implements kasuhara.OrgService.
func (s *Store) SetDepartmentParent(ctx context.Context, actor kasuhara.Actor, orgID, id, parentID string) error {
	if err := s.authorize(ctx, actor, access.ManageDepartments, orgID); err != nil {
		return err
	}
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
		rows, err := tx.QueryContext(ctx, "SELECT id, COALESCE(parent_id, '') FROM departments WHERE org_id = $1", orgID)
		if err != nil {
			return err
		}
		deps := map[string]kasuhara.Department{}
		var list []kasuhara.Department
		for rows.Next() {
			var d kasuhara.Department
			if err := rows.Scan(&d.ID, &d.ParentID); err != nil {
				rows.Close()
				return err
			}
			deps[d.ID] = d
			list = append(list, d)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if _, ok := deps[id]; !ok {
			return kasuhara.Errorf(kasuhara.ENOTFOUND, "department not found")
		}
		if parentID != "" {
			if _, ok := deps[parentID]; !ok {
				return kasuhara.InvalidField("parent", kasuhara.FieldNotDepartment)
			}
			below := kasuhara.DepartmentAndBelow(list, id)
			if slices.Contains(below, parentID) {
				return kasuhara.InvalidField("parent", kasuhara.FieldDepartmentCycle)
			}
			// The depth of the parent, plus the height of what moves.
			depth := 1
			for p := deps[parentID].ParentID; p != ""; p = deps[p].ParentID {
				depth++
			}
			height := 0
			for _, n := range kasuhara.DepartmentTree(subset(list, below)) {
				height = max(height, n.Depth+1)
			}
			if depth+height > kasuhara.MaxDepartmentDepth {
				return kasuhara.Invalid(kasuhara.FieldErrors{"parent": kasuhara.Between(kasuhara.FieldDepartmentDepth, 1, kasuhara.MaxDepartmentDepth)})
			}
		}
		if _, err := tx.ExecContext(ctx, "UPDATE departments SET parent_id = $1 WHERE id = $2 AND org_id = $3", nullString(parentID), id, orgID); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, change{actor: actor, orgID: orgID, action: "department.move", objectType: "department", objectID: id,
			detail: map[string]string{"parent_id": parentID}})
	})
	return wrap("store.SetDepartmentParent", err)
}

// subset keeps the departments whose ids are in ids.
func subset(deps []kasuhara.Department, ids []string) []kasuhara.Department {
	var out []kasuhara.Department
	for _, d := range deps {
		if slices.Contains(ids, d.ID) {
			out = append(out, d)
		}
	}
	return out
}

// Departments implements kasuhara.OrgService.
func (s *Store) Departments(ctx context.Context, orgID string) ([]kasuhara.Department, error) {
	return list(ctx, s.db.Read, "departments", func(sc scanner) (d kasuhara.Department, err error) {
		err = sc.Scan(&d.ID, &d.OrgID, &d.Name, &d.ParentID, &d.CreatedAt)
		d.CreatedAt = d.CreatedAt.UTC()
		return d, err
	}, "SELECT id, org_id, name, COALESCE(parent_id, ''), created_at FROM departments WHERE org_id = $1 ORDER BY name", orgID)
}

// DepartmentByName implements kasuhara.OrgService.
func (s *Store) DepartmentByName(ctx context.Context, orgID, name string) (*kasuhara.Department, error) {
	var d kasuhara.Department
	err := s.db.Read.QueryRowContext(ctx, "SELECT id, org_id, name, COALESCE(parent_id, ''), created_at FROM departments WHERE org_id = $1 AND name = $2",
		orgID, trim(name)).Scan(&d.ID, &d.OrgID, &d.Name, &d.ParentID, &d.CreatedAt)
	if err != nil {
		return nil, notFound(err, "store.DepartmentByName", "department")
	}
	d.CreatedAt = d.CreatedAt.UTC()
	return &d, nil
}
