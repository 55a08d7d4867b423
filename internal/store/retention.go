package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/blob"
	"github.com/kasuhara/kasuhara/internal/sqldb"
)

var _ kasuhara.RetentionService = (*Store)(nil)

// KindRetention is the daily job that purges expired cases.
const KindRetention = "retention"

func legalOnly(v kasuhara.CaseViewer) error {
	if v.Role != kasuhara.RoleLegal {
		return kasuhara.Errorf(kasuhara.EFORBIDDEN, "retention and legal holds are legal's")
	}
	return nil
}

func (s *Store) rules(ctx context.Context, q queryer, orgID string) ([]kasuhara.RetentionRule, error) {
	where, args := "", []any{}
	if orgID != "" {
		where, args = " WHERE org_id = $1", []any{orgID}
	}
	rows, err := q.QueryContext(ctx, "SELECT id, org_id, state, verdict, keep_months, created_at FROM retention_rules"+where+" ORDER BY org_id, state, verdict", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []kasuhara.RetentionRule
	for rows.Next() {
		var r kasuhara.RetentionRule
		var st string
		if err := rows.Scan(&r.ID, &r.OrgID, &st, &r.Verdict, &r.KeepMonths, &r.CreatedAt); err != nil {
			return nil, err
		}
		r.State, r.CreatedAt = kasuhara.CaseState(st), r.CreatedAt.UTC()
		out = append(out, r)
	}
	return out, rows.Err()
}

// RetentionRules implements kasuhara.RetentionService.
func (s *Store) RetentionRules(ctx context.Context, v kasuhara.CaseViewer) ([]kasuhara.RetentionRule, error) {
	if err := legalOnly(v); err != nil {
		return nil, err
	}
	out, err := s.rules(ctx, s.db.Read, v.OrgID)
	return out, wrap("store.RetentionRules", err)
}

// AddRetentionRule implements kasuhara.RetentionService.
func (s *Store) AddRetentionRule(ctx context.Context, v kasuhara.CaseViewer, r kasuhara.RetentionRule) (*kasuhara.RetentionRule, error) {
	if err := legalOnly(v); err != nil {
		return nil, err
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	r.ID, r.OrgID, r.CreatedAt = newID(), v.OrgID, s.now()
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO retention_rules (id, org_id, state, verdict, keep_months, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			r.ID, r.OrgID, string(r.State), r.Verdict, r.KeepMonths, v.UserID, r.CreatedAt); err != nil {
			if isUniqueViolation(err) {
				return &kasuhara.Error{Code: kasuhara.ECONFLICT, Message: "a rule for this state and verdict exists", Fields: map[string]string{"verdict": kasuhara.MsgTaken}}
			}
			return err
		}
		return s.appendAudit(ctx, tx, change{actor: viewerActor(v), orgID: v.OrgID, action: "retention.rule_add", objectType: "org", objectID: v.OrgID,
			detail: map[string]any{"rule": r.ID, "state": r.State, "verdict": r.Verdict, "keep_months": r.KeepMonths}})
	})
	if err != nil {
		return nil, wrap("store.AddRetentionRule", err)
	}
	return &r, nil
}

// DeleteRetentionRule implements kasuhara.RetentionService.
func (s *Store) DeleteRetentionRule(ctx context.Context, v kasuhara.CaseViewer, id string) error {
	if err := legalOnly(v); err != nil {
		return err
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM retention_rules WHERE id = $1 AND org_id = $2", id, v.OrgID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return kasuhara.Errorf(kasuhara.ENOTFOUND, "rule not found")
		}
		return s.appendAudit(ctx, tx, change{actor: viewerActor(v), orgID: v.OrgID, action: "retention.rule_delete", objectType: "org", objectID: v.OrgID,
			detail: map[string]any{"rule": id}})
	})
	return wrap("store.DeleteRetentionRule", err)
}

// PlaceHold implements kasuhara.RetentionService.
func (s *Store) PlaceHold(ctx context.Context, v kasuhara.CaseViewer, caseRef, customerID, reason string) (*kasuhara.Hold, error) {
	if err := legalOnly(v); err != nil {
		return nil, err
	}
	caseRef, customerID, reason = trim(caseRef), trim(customerID), trim(reason)
	f := kasuhara.FieldErrors{}
	if (caseRef == "") == (customerID == "") {
		f.Add("case", kasuhara.MsgHoldTarget)
	}
	if reason == "" {
		f.Add("reason", kasuhara.MsgRequired)
	} else if len([]rune(reason)) > 1000 {
		f.Add("reason", kasuhara.MsgTooLong)
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	h := kasuhara.Hold{ID: newID(), OrgID: v.OrgID, Reason: reason, CreatedBy: v.UserID, CreatedAt: s.now()}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		object, objectType := "", ""
		if caseRef != "" {
			err := tx.QueryRowContext(ctx, "SELECT id, ref FROM cases WHERE org_id = $1 AND (ref = $2 OR id = $2)", v.OrgID, caseRef).Scan(&h.CaseID, &h.CaseRef)
			if err == sql.ErrNoRows {
				return kasuhara.Invalid(map[string]string{"case": kasuhara.MsgNoSuchCase})
			}
			if err != nil {
				return err
			}
			object, objectType = h.CaseID, "case"
		} else {
			var one int
			err := tx.QueryRowContext(ctx, "SELECT 1 FROM customers WHERE id = $1 AND org_id = $2", customerID, v.OrgID).Scan(&one)
			if err == sql.ErrNoRows {
				return kasuhara.Invalid(map[string]string{"customer": kasuhara.MsgChoice})
			}
			if err != nil {
				return err
			}
			h.CustomerID, object, objectType = customerID, customerID, "customer"
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO legal_holds (id, org_id, case_id, customer_id, reason, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
			h.ID, h.OrgID, nullString(h.CaseID), nullString(h.CustomerID), h.Reason, h.CreatedBy, h.CreatedAt); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, change{actor: viewerActor(v), orgID: v.OrgID, action: "retention.hold", objectType: objectType, objectID: object,
			detail: map[string]any{"hold": h.ID}})
	})
	if err != nil {
		return nil, wrap("store.PlaceHold", err)
	}
	return &h, nil
}

// ReleaseHold implements kasuhara.RetentionService.
func (s *Store) ReleaseHold(ctx context.Context, v kasuhara.CaseViewer, id string) error {
	if err := legalOnly(v); err != nil {
		return err
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var caseID, customerID string
		if err := tx.QueryRowContext(ctx, "SELECT COALESCE(case_id, ''), COALESCE(customer_id, '') FROM legal_holds WHERE id = $1 AND org_id = $2", id, v.OrgID).
			Scan(&caseID, &customerID); err != nil {
			return notFound(err, "store.ReleaseHold", "hold")
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM legal_holds WHERE id = $1", id); err != nil {
			return err
		}
		objectType, object := "case", caseID
		if customerID != "" {
			objectType, object = "customer", customerID
		}
		return s.appendAudit(ctx, tx, change{actor: viewerActor(v), orgID: v.OrgID, action: "retention.release", objectType: objectType, objectID: object,
			detail: map[string]any{"hold": id}})
	})
	return wrap("store.ReleaseHold", err)
}

// Holds implements kasuhara.RetentionService.
func (s *Store) Holds(ctx context.Context, v kasuhara.CaseViewer) ([]kasuhara.Hold, error) {
	if err := legalOnly(v); err != nil {
		return nil, err
	}
	rows, err := s.db.Read.QueryContext(ctx, `SELECT h.id, h.org_id, COALESCE(h.case_id, ''), COALESCE(c.ref, ''), COALESCE(h.customer_id, ''), h.reason, h.created_by, h.created_at
		FROM legal_holds h LEFT JOIN cases c ON c.id = h.case_id WHERE h.org_id = $1 ORDER BY h.created_at DESC`, v.OrgID)
	if err != nil {
		return nil, wrap("store.Holds", err)
	}
	defer rows.Close()
	var out []kasuhara.Hold
	for rows.Next() {
		var h kasuhara.Hold
		if err := rows.Scan(&h.ID, &h.OrgID, &h.CaseID, &h.CaseRef, &h.CustomerID, &h.Reason, &h.CreatedBy, &h.CreatedAt); err != nil {
			return nil, wrap("store.Holds", err)
		}
		h.CreatedAt = h.CreatedAt.UTC()
		out = append(out, h)
	}
	return out, wrap("store.Holds", rows.Err())
}

// expiring lists the cases of orgID ("" for all) that the rules purge by
// before, held or not.
func (s *Store) expiring(ctx context.Context, q queryer, orgID string, before time.Time) ([]kasuhara.Expiring, error) {
	rules, err := s.rules(ctx, q, orgID)
	if err != nil {
		return nil, err
	}
	var out []kasuhara.Expiring
	for _, r := range rules {
		anchor := "closed_at"
		if r.State == kasuhara.StateResolved {
			anchor = "resolved_at"
		}
		// Cases whose anchor is older than before minus the keep time.
		cutoff := addMonthsUTC(before, -r.KeepMonths)
		cond := "verdict = $3"
		args := []any{r.OrgID, string(r.State), r.Verdict, cutoff}
		if r.Verdict == "" {
			// "Any verdict" covers the verdicts no other rule of the state names.
			var named []string
			for _, o := range rules {
				if o.OrgID == r.OrgID && o.State == r.State && o.Verdict != "" {
					args = append(args, o.Verdict)
					named = append(named, fmt.Sprintf("$%d", len(args)))
				}
			}
			cond = "$3 = ''"
			if len(named) > 0 {
				cond += " AND verdict NOT IN (" + strings.Join(named, ", ") + ")"
			}
		}
		rows, err := q.QueryContext(ctx, `SELECT c.id, c.ref, c.verdict, c.`+anchor+`,
				EXISTS (SELECT 1 FROM legal_holds h WHERE h.case_id = c.id)
				OR EXISTS (SELECT 1 FROM legal_holds h JOIN case_customers cc ON cc.customer_id = h.customer_id WHERE cc.case_id = c.id)
			FROM cases c WHERE c.org_id = $1 AND c.state = $2 AND `+cond+` AND c.`+anchor+` < $4 ORDER BY c.`+anchor, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			e := kasuhara.Expiring{State: r.State, RuleID: r.ID}
			var at time.Time
			if err := rows.Scan(&e.CaseID, &e.Ref, &e.Verdict, &at, &e.Held); err != nil {
				rows.Close()
				return nil, err
			}
			e.ExpiresAt = addMonthsUTC(at.UTC(), r.KeepMonths)
			out = append(out, e)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	slices.SortFunc(out, func(a, b kasuhara.Expiring) int { return a.ExpiresAt.Compare(b.ExpiresAt) })
	return out, nil
}

// addMonthsUTC moves t by n calendar months in Japan.
func addMonthsUTC(t time.Time, n int) time.Time {
	return t.In(jstZone).AddDate(0, n, 0).UTC()
}

var jstZone = time.FixedZone("JST", 9*3600)

// Expiring implements kasuhara.RetentionService.
func (s *Store) Expiring(ctx context.Context, v kasuhara.CaseViewer, within time.Duration) ([]kasuhara.Expiring, error) {
	if err := legalOnly(v); err != nil {
		return nil, err
	}
	out, err := s.expiring(ctx, s.db.Read, v.OrgID, s.now().Add(within))
	return out, wrap("store.Expiring", err)
}

// PurgeExpired implements kasuhara.RetentionService.
func (s *Store) PurgeExpired(ctx context.Context, orgID string, deleteBlob func(id string) error) (int, error) {
	due, err := s.expiring(ctx, s.db.Read, orgID, s.now())
	if err != nil {
		return 0, wrap("store.PurgeExpired", err)
	}
	n := 0
	for _, e := range due {
		if e.Held {
			continue
		}
		ok, err := s.purge(ctx, e, deleteBlob)
		if err != nil {
			return n, wrap("store.PurgeExpired", err)
		}
		if ok {
			n++
		}
	}
	return n, nil
}

// purge removes one expired case: first its evidence files (overwritten),
// then in one transaction, after checking again that it is expired and not
// held, its rows, search tokens and notifications, leaving an audit entry.
// A purge that stops half-way is finished by the next run.
func (s *Store) purge(ctx context.Context, e kasuhara.Expiring, deleteBlob func(id string) error) (bool, error) {
	rows, err := s.db.Read.QueryContext(ctx, "SELECT blob_id FROM evidence WHERE case_id = $1", e.CaseID)
	if err != nil {
		return false, err
	}
	var blobs []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return false, err
		}
		blobs = append(blobs, id)
	}
	rows.Close()
	for _, id := range blobs {
		if err := deleteBlob(id); err != nil && !errors.Is(err, blob.ErrNotFound) {
			return false, fmt.Errorf("evidence file: %w", err)
		}
	}
	purged := false
	err = s.tx(ctx, func(tx *sql.Tx) error {
		var orgID, ref string
		var held bool
		err := tx.QueryRowContext(ctx, `SELECT c.org_id, c.ref, EXISTS (SELECT 1 FROM legal_holds h WHERE h.case_id = c.id)
			OR EXISTS (SELECT 1 FROM legal_holds h JOIN case_customers cc ON cc.customer_id = h.customer_id WHERE cc.case_id = c.id)
			FROM cases c WHERE c.id = $1 AND c.state = $2 AND c.verdict = $3`, e.CaseID, string(e.State), e.Verdict).Scan(&orgID, &ref, &held)
		if err == sql.ErrNoRows || held {
			return nil // moved on, reopened, reassessed or held meanwhile
		}
		if err != nil {
			return err
		}
		var customers []string
		crows, err := tx.QueryContext(ctx, "SELECT customer_id FROM case_customers WHERE case_id = $1", e.CaseID)
		if err != nil {
			return err
		}
		for crows.Next() {
			var id string
			if err := crows.Scan(&id); err != nil {
				crows.Close()
				return err
			}
			customers = append(customers, id)
		}
		crows.Close()
		if s.db.Engine == sqldb.SQLite {
			if _, err := tx.ExecContext(ctx, "DELETE FROM case_search WHERE rowid = (SELECT search_id FROM cases WHERE id = $1)", e.CaseID); err != nil {
				return err
			}
		}
		for _, q := range []string{
			"DELETE FROM notifications WHERE case_id = $1",
			"DELETE FROM legal_holds WHERE case_id = $1",
			"DELETE FROM cases WHERE id = $1",
		} {
			if _, err := tx.ExecContext(ctx, q, e.CaseID); err != nil {
				return err
			}
		}
		// A customer left without cases, measures or holds goes too.
		for _, id := range customers {
			if _, err := tx.ExecContext(ctx, `DELETE FROM customers WHERE id = $1
				AND NOT EXISTS (SELECT 1 FROM case_customers WHERE customer_id = $1)
				AND NOT EXISTS (SELECT 1 FROM measures WHERE customer_id = $1)
				AND NOT EXISTS (SELECT 1 FROM legal_holds WHERE customer_id = $1)
				AND NOT EXISTS (SELECT 1 FROM online_posts WHERE customer_id = $1)`, id); err != nil {
				return err
			}
		}
		purged = true
		return s.appendAudit(ctx, tx, change{actor: kasuhara.SystemActor, orgID: orgID, action: "case.purge", objectType: "case", objectID: e.CaseID,
			detail: map[string]any{"ref": ref, "rule": e.RuleID, "state": e.State, "verdict": e.Verdict, "evidence_files": len(blobs)}})
	})
	return purged, err
}

// ScheduleRetention enqueues the daily purge at the next 03:00 in Japan
// after at (or at at itself when first is set), once per day.
func (s *Store) ScheduleRetention(ctx context.Context, at time.Time, first bool) error {
	return s.scheduleDaily(ctx, KindRetention, 3, at, first)
}

// RetentionHandler is the job handler of KindRetention: it purges what
// expired, deleting evidence files with deleteBlob, and schedules the next
// day's run.
func (s *Store) RetentionHandler(deleteBlob func(id string) error) func(context.Context, json.RawMessage) error {
	return func(ctx context.Context, _ json.RawMessage) error {
		if _, err := s.PurgeExpired(ctx, "", deleteBlob); err != nil {
			return err
		}
		return s.ScheduleRetention(ctx, s.Now(), false)
	}
}
