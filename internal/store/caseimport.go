package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/access"
	"github.com/kasuhara/kasuhara/internal/ledger"
	"github.com/kasuhara/kasuhara/internal/sqldb"
)

var _ kasuhara.CaseImportService = (*Store)(nil)

// stagedFor is how long an uploaded ledger waits for its import.
const stagedFor = 24 * time.Hour

// importedAlready refuses a file whose cases exist already (a new error
// each time: wrap sets its Op).
func importedAlready() error {
	return kasuhara.Errorf(kasuhara.ECONFLICT, "this file was imported already")
}

// checkMapping names "mapping" when a required field has no column or a
// column the ledger lacks is named.
func checkMapping(l *kasuhara.Ledger, m kasuhara.CaseImportMapping) error {
	for _, f := range kasuhara.ImportRequired {
		if m.Columns[f] == "" {
			return kasuhara.InvalidField("mapping."+f, kasuhara.FieldRequired)
		}
	}
	for f, col := range m.Columns {
		if !slices.Contains(kasuhara.ImportFields, f) {
			return kasuhara.InvalidField("mapping", kasuhara.FieldUnknownField)
		}
		if col != "" && !slices.Contains(l.Headers, col) {
			return kasuhara.Invalid(kasuhara.FieldErrors{"mapping." + f: {Code: kasuhara.FieldNoColumn, Args: map[string]any{"Column": col}}})
		}
	}
	for w, to := range m.Values {
		if to != kasuhara.ImportConsultation && !slices.Contains(kasuhara.Subtypes, to) && !slices.Contains(kasuhara.Categories, kasuhara.Category(to)) {
			return kasuhara.Invalid(kasuhara.FieldErrors{"values": {Code: kasuhara.FieldUnmatched, Args: map[string]any{"Value": w}}})
		}
	}
	return nil
}

// ImportCases implements kasuhara.CaseImportService.
func (s *Store) ImportCases(ctx context.Context, v kasuhara.Actor, orgID string, in kasuhara.CaseImportInput, dryRun bool) (*kasuhara.CaseImportResult, error) {
	const op = "store.ImportCases"
	if err := s.authorize(ctx, v, access.ImportCases, orgID); err != nil {
		return nil, wrap(op, err)
	}
	if !operator(v) && orgID != v.OrgID {
		// The ledger's cases are the organisation's own: a parent's desk
		// does not import into a subsidiary.
		return nil, wrap(op, kasuhara.Errorf(kasuhara.ENOTFOUND, "organisation not found"))
	}
	if in.Ledger == nil || len(in.Ledger.Rows) == 0 {
		return nil, wrap(op, kasuhara.InvalidField("file", kasuhara.FieldEmpty))
	}
	if in.Year != 0 && (in.Year < 1990 || in.Year > s.now().In(kasuhara.JST).Year()) {
		return nil, wrap(op, kasuhara.Invalid(kasuhara.FieldErrors{"year": kasuhara.Between(kasuhara.FieldRange, 1990, s.now().In(kasuhara.JST).Year())}))
	}
	if err := checkMapping(in.Ledger, in.Mapping); err != nil {
		return nil, wrap(op, err)
	}
	now := s.now()
	res := ledger.Convert(in.Ledger, in.Mapping, in.Year, now)
	deps, err := s.Departments(ctx, orgID)
	if err != nil {
		return nil, wrap(op, err)
	}
	for i := range res.Lines {
		l := &res.Lines[i]
		if l.Department == "" {
			continue
		}
		d := slices.IndexFunc(deps, func(d kasuhara.Department) bool { return nameKey(d.Name) == nameKey(l.Department) })
		if d < 0 {
			if len(l.Problems) == 0 {
				res.Problems++
			}
			l.Problems.Add("department", kasuhara.FieldNotDepartment)
			continue
		}
		l.Report.DepartmentID = deps[d].ID
	}
	if dryRun || res.Problems > 0 {
		return res, nil
	}
	// The deadlines of an open row run from the import: the desk takes it
	// up now, and nobody is reminded of 2019's clocks.
	ack, feedback, err := s.deadlines(ctx, orgID, now)
	if err != nil {
		return nil, wrap(op, err)
	}
	var filed []*kasuhara.Case
	err = s.tx(ctx, func(tx *sqldb.Tx) error {
		filed = filed[:0]
		importID := in.StagedID
		if importID != "" {
			var imported sql.NullTime
			err := tx.QueryRowContext(ctx, "SELECT imported_at FROM case_imports WHERE id = $1 AND org_id = $2", importID, orgID).Scan(&imported)
			if err != nil {
				return notFound(err, op, "import")
			}
			if imported.Valid {
				return importedAlready()
			}
		}
		// The same file twice is a mistake (two uploads, the command run
		// again): its cases exist already.
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM case_imports WHERE org_id = $1 AND sha256 = $2 AND imported_at IS NOT NULL",
			orgID, in.SHA256).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return importedAlready()
		}
		if importID == "" {
			importID = newID()
			if _, err := tx.ExecContext(ctx, `INSERT INTO case_imports (id, org_id, user_id, file_name, sha256, sheet, created_at)
				VALUES ($1, $2, $3, $4, $5, '', $6)`, importID, orgID, nullString(v.UserID), in.FileName, in.SHA256, now); err != nil {
				return err
			}
		}
		for _, l := range res.Lines {
			c := &kasuhara.Case{ID: newID(), OrgID: orgID, State: l.State, Urgent: l.Report.Urgent(), Report: l.Report, ImportID: importID,
				Imported: true, CreatedAt: l.Report.OccurredAt, UpdatedAt: now}
			c.AcknowledgeBy, c.FeedbackBy = ack, feedback
			if c.State == kasuhara.StateClosed {
				c.ClosedAt = now
			}
			if err := s.insertCase(ctx, tx, v, c, false); err != nil {
				return err
			}
			filed = append(filed, c)
		}
		// Two imports of the same file at once (two desk members, two
		// servers) both pass the check above; the unique index
		// case_imports_once fails the second here, and an upload imported
		// meanwhile is no longer waiting.
		done, err := tx.ExecContext(ctx, "UPDATE case_imports SET imported_at = $1, cases = $2, sheet = '' WHERE id = $3 AND imported_at IS NULL",
			now, len(res.Lines), importID)
		if sqldb.IsUniqueViolation(err) {
			return importedAlready()
		}
		if err != nil {
			return err
		}
		if n, _ := done.RowsAffected(); n != 1 {
			return importedAlready()
		}
		res.Imported, res.ImportID = true, importID
		return s.appendAudit(ctx, tx, change{actor: v, orgID: orgID, action: "cases.import", objectType: "case_import", objectID: importID,
			detail: map[string]any{"sha256": in.SHA256, "cases": len(res.Lines), "rows": len(in.Ledger.Rows)}})
	})
	if err != nil {
		return nil, wrap(op, err)
	}
	// The numbers once committed: on PostgreSQL a case is numbered at the
	// end of its batch (numberCase).
	for _, c := range filed {
		res.Refs = append(res.Refs, c.Ref)
	}
	return res, nil
}

// StageCaseImport implements kasuhara.CaseImportService.
func (s *Store) StageCaseImport(ctx context.Context, v kasuhara.Actor, fileName, sha256 string, l *kasuhara.Ledger) (string, error) {
	if err := access.Check(v, access.ImportCases); err != nil {
		return "", wrap("store.StageCaseImport", err)
	}
	sheet, err := json.Marshal(l)
	if err != nil {
		return "", wrap("store.StageCaseImport", err)
	}
	if kasuhara.HasNUL(string(sheet)) || kasuhara.HasNUL(fileName) {
		return "", kasuhara.InvalidField("file", kasuhara.FieldMalformed)
	}
	id, now := newID(), s.now()
	err = s.tx(ctx, func(tx *sqldb.Tx) error {
		// Uploads left without their import are not kept: they hold case
		// contents.
		if _, err := tx.ExecContext(ctx, "DELETE FROM case_imports WHERE imported_at IS NULL AND created_at < $1", now.Add(-stagedFor)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO case_imports (id, org_id, user_id, file_name, sha256, sheet, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, id, v.OrgID, v.UserID, strings.TrimSpace(fileName), sha256, string(sheet), now)
		if err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, change{actor: v, orgID: v.OrgID, action: "cases.import_upload", objectType: "case_import", objectID: id,
			detail: map[string]any{"sha256": sha256, "rows": len(l.Rows)}})
	})
	return id, wrap("store.StageCaseImport", err)
}

// StagedCaseImport implements kasuhara.CaseImportService.
func (s *Store) StagedCaseImport(ctx context.Context, v kasuhara.Actor, id string) (*kasuhara.StagedImport, error) {
	if err := access.Check(v, access.ImportCases); err != nil {
		return nil, wrap("store.StagedCaseImport", err)
	}
	var st kasuhara.StagedImport
	var sheet string
	var imported sql.NullTime
	err := s.db.Read.QueryRowContext(ctx, `SELECT id, file_name, sha256, sheet, created_at, imported_at, cases FROM case_imports
		WHERE id = $1 AND org_id = $2 AND created_at > $3`, id, v.OrgID, s.now().Add(-stagedFor)).
		Scan(&st.ID, &st.FileName, &st.SHA256, &sheet, &st.CreatedAt, &imported, &st.Cases)
	if err != nil {
		return nil, wrap("store.StagedCaseImport", notFound(err, "store.StagedCaseImport", "import"))
	}
	st.CreatedAt, st.ImportedAt = st.CreatedAt.UTC(), nullTime(imported)
	if sheet != "" {
		st.Ledger = &kasuhara.Ledger{}
		if err := json.Unmarshal([]byte(sheet), st.Ledger); err != nil {
			return nil, wrap("store.StagedCaseImport", err)
		}
	}
	return &st, nil
}

// SaveImportMapping implements kasuhara.CaseImportService.
func (s *Store) SaveImportMapping(ctx context.Context, v kasuhara.Actor, name string, m kasuhara.CaseImportMapping) error {
	if err := access.Check(v, access.ImportCases); err != nil {
		return wrap("store.SaveImportMapping", err)
	}
	if err := checkText("mapping_name", name, true); err != nil {
		return err
	}
	name = strings.TrimSpace(name)
	if len([]rune(name)) > kasuhara.MaxShortText {
		return kasuhara.InvalidField("mapping_name", kasuhara.FieldTooLong)
	}
	b, err := json.Marshal(m)
	if err != nil {
		return wrap("store.SaveImportMapping", err)
	}
	if kasuhara.HasNUL(string(b)) {
		return kasuhara.InvalidField("mapping", kasuhara.FieldMalformed)
	}
	err = s.tx(ctx, func(tx *sqldb.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO case_import_mappings (org_id, name, mapping, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (org_id, name) DO UPDATE SET mapping = excluded.mapping, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
			v.OrgID, name, string(b), nullString(v.UserID), s.now()); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, change{actor: v, orgID: v.OrgID, action: "cases.import_mapping", objectType: "case_import_mapping", objectID: name})
	})
	return wrap("store.SaveImportMapping", err)
}

// ImportMappings implements kasuhara.CaseImportService.
func (s *Store) ImportMappings(ctx context.Context, v kasuhara.Actor, orgID string) ([]kasuhara.NamedMapping, error) {
	if err := s.authorize(ctx, v, access.ImportCases, orgID); err != nil {
		return nil, wrap("store.ImportMappings", err)
	}
	out, err := list(ctx, s.db.Read, "import mappings", func(sc scanner) (n kasuhara.NamedMapping, err error) {
		var raw string
		if err := sc.Scan(&n.Name, &raw, &n.UpdatedAt); err != nil {
			return n, err
		}
		n.UpdatedAt = n.UpdatedAt.UTC()
		if err := json.Unmarshal([]byte(raw), &n.Mapping); err != nil {
			return n, errors.New("store: a saved mapping does not read: " + err.Error())
		}
		return n, nil
	}, "SELECT name, mapping, updated_at FROM case_import_mappings WHERE org_id = $1 ORDER BY name", orgID)
	return out, wrap("store.ImportMappings", err)
}
