package store

import (
	"context"
	"slices"
	"strings"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/access"
	"github.com/kasuhara/kasuhara/internal/credential"
	"github.com/kasuhara/kasuhara/internal/sqldb"
)

// ImportUsers implements kasuhara.UserService.
func (s *Store) ImportUsers(ctx context.Context, actor kasuhara.Actor, orgID string, rows []kasuhara.UserImportRow, dryRun bool) (*kasuhara.UserImport, error) {
	const op = "store.ImportUsers"
	if err := s.authorize(ctx, actor, access.ManageUsers, orgID); err != nil {
		return nil, err
	}
	switch {
	case len(rows) == 0:
		return nil, kasuhara.InvalidField("file", kasuhara.FieldEmpty)
	case len(rows) > kasuhara.MaxUserImportRows:
		return nil, kasuhara.Invalid(kasuhara.FieldErrors{"file": kasuhara.Between(kasuhara.FieldRange, 1, kasuhara.MaxUserImportRows)})
	}
	deps, err := s.Departments(ctx, orgID)
	if err != nil {
		return nil, wrap(op, err)
	}
	depID := map[string]string{}
	for _, d := range deps {
		depID[d.Name] = d.ID
	}
	out := &kasuhara.UserImport{}
	news := make([]kasuhara.NewUser, len(rows))
	seen := map[string]int{}
	for i, r := range rows {
		l := kasuhara.UserImportLine{UserImportRow: r, Problems: kasuhara.FieldErrors{}}
		n := kasuhara.NewUser{Email: kasuhara.NormalizeEmail(r.Email), Name: trim(r.Name), Password: "placeholder-long-enough",
			MustChangePassword: true, OrgID: orgID, Role: kasuhara.Role(strings.TrimSpace(r.Role)), Language: strings.TrimSpace(r.Language)}
		if fe := kasuhara.ErrorFields(n.Validate()); fe != nil {
			for k, v := range fe {
				l.Problems.AddError(k, v)
			}
		}
		if _, bad := l.Problems["role"]; !bad && !slices.Contains(kasuhara.ImportableRoles, n.Role) {
			l.Problems.AddError("role", kasuhara.OneOf(kasuhara.ImportableRoles...))
		}
		if d := trim(r.Department); d != "" {
			if n.DepartmentID = depID[d]; n.DepartmentID == "" {
				l.Problems.Add("department", kasuhara.FieldNotDepartment)
			}
		}
		if _, bad := l.Problems["email"]; !bad {
			if _, dup := seen[n.Email]; dup {
				l.Problems.Add("email", kasuhara.FieldDuplicate)
			} else if _, err := s.UserByEmail(ctx, n.Email); err == nil {
				l.Problems.Add("email", kasuhara.FieldTaken)
			} else if kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
				return nil, wrap(op, err)
			}
			seen[n.Email] = i
		}
		if len(l.Problems) > 0 {
			out.Problems++
		}
		news[i] = n
		out.Lines = append(out.Lines, l)
	}
	if out.Problems > 0 || dryRun {
		return out, nil
	}
	// The passwords are hashed before the transaction: hashing is slow on
	// purpose, and the writes of others wait for the transaction.
	hashes := make([]string, len(news))
	for i := range news {
		pw := credential.GeneratePassword()
		h, err := credential.HashPassword(pw, s.Params)
		if err != nil {
			return nil, wrap(op, err)
		}
		out.Lines[i].Password, hashes[i] = pw, h
	}
	err = s.tx(ctx, func(tx *sqldb.Tx) error {
		for i, n := range news {
			if _, err := s.insertUser(ctx, tx, actor, n, hashes[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if kasuhara.ErrorCode(err) == kasuhara.ECONFLICT {
		// Someone took an address since the check: nothing was imported.
		for i := range out.Lines {
			out.Lines[i].Password = ""
		}
		return nil, wrap(op, err)
	}
	if err != nil {
		return nil, wrap(op, err)
	}
	out.Imported = true
	return out, nil
}
