package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/access"
	"github.com/kasuhara/kasuhara/internal/calendar"
	"github.com/kasuhara/kasuhara/internal/sqldb"
)

var _ kasuhara.RetentionService = (*Store)(nil)

// KindRetention is the daily job that purges expired cases.
const KindRetention = "retention"

func legalOnly(v kasuhara.Actor) error {
	return access.Check(v, access.ManageRetention)
}

func (s *Store) rules(ctx context.Context, q queryer, orgID string) ([]kasuhara.RetentionRule, error) {
	where, args := "", []any{}
	if orgID != "" {
		where, args = " WHERE org_id = $1", []any{orgID}
	}
	return list(ctx, q, "retention rules", func(sc scanner) (r kasuhara.RetentionRule, err error) {
		var st string
		err = sc.Scan(&r.ID, &r.OrgID, &st, &r.Verdict, &r.KeepMonths, &r.CreatedAt)
		r.State, r.CreatedAt = kasuhara.CaseState(st), r.CreatedAt.UTC()
		return r, err
	}, "SELECT id, org_id, state, verdict, keep_months, created_at FROM retention_rules"+where+" ORDER BY org_id, state, verdict", args...)
}

// RetentionRules implements kasuhara.RetentionService.
func (s *Store) RetentionRules(ctx context.Context, v kasuhara.Actor) ([]kasuhara.RetentionRule, error) {
	if err := legalOnly(v); err != nil {
		return nil, err
	}
	out, err := s.rules(ctx, s.db.Read, v.OrgID)
	return out, wrap("store.RetentionRules", err)
}

// AddRetentionRule implements kasuhara.RetentionService.
func (s *Store) AddRetentionRule(ctx context.Context, v kasuhara.Actor, r kasuhara.RetentionRule) (*kasuhara.RetentionRule, error) {
	if err := legalOnly(v); err != nil {
		return nil, err
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	r.ID, r.OrgID, r.CreatedAt = newID(), v.OrgID, s.now()
	return txValue(ctx, s, "store.AddRetentionRule", func(tx *sqldb.Tx) (*kasuhara.RetentionRule, error) {
		if _, err := tx.ExecContext(ctx, `INSERT INTO retention_rules (id, org_id, state, verdict, keep_months, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			r.ID, r.OrgID, string(r.State), r.Verdict, r.KeepMonths, v.UserID, r.CreatedAt); err != nil {
			if sqldb.IsUniqueViolation(err) {
				return nil, &kasuhara.Error{Code: kasuhara.ECONFLICT, Message: "a rule for this state and verdict exists", Fields: kasuhara.FieldErrors{"verdict": {Code: kasuhara.FieldTaken}}}
			}
			return nil, err
		}
		return &r, s.appendAudit(ctx, tx, change{actor: v, orgID: v.OrgID, action: "retention.rule_add", objectType: "org", objectID: v.OrgID,
			detail: map[string]any{"rule": r.ID, "state": r.State, "verdict": r.Verdict, "keep_months": r.KeepMonths}})
	})
}

// DeleteRetentionRule implements kasuhara.RetentionService.
func (s *Store) DeleteRetentionRule(ctx context.Context, v kasuhara.Actor, id string) error {
	if err := legalOnly(v); err != nil {
		return err
	}
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
		if err := deleteOwned(ctx, tx, "retention_rules", id, v.OrgID, "rule"); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, change{actor: v, orgID: v.OrgID, action: "retention.rule_delete", objectType: "org", objectID: v.OrgID,
			detail: map[string]any{"rule": id}})
	})
	return wrap("store.DeleteRetentionRule", err)
}

// PlaceHold implements kasuhara.RetentionService.
func (s *Store) PlaceHold(ctx context.Context, v kasuhara.Actor, caseRef, customerID, reason string) (*kasuhara.Hold, error) {
	if err := legalOnly(v); err != nil {
		return nil, err
	}
	caseRef, customerID, reason = trim(caseRef), trim(customerID), trim(reason)
	f := kasuhara.FieldErrors{}
	if (caseRef == "") == (customerID == "") {
		f.Add("case", kasuhara.FieldHoldTarget)
	}
	if reason == "" {
		f.Add("reason", kasuhara.FieldRequired)
	} else if len([]rune(reason)) > 1000 {
		f.Add("reason", kasuhara.FieldTooLong)
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	h := kasuhara.Hold{ID: newID(), OrgID: v.OrgID, Reason: reason, CreatedBy: v.UserID, CreatedAt: s.now()}
	return txValue(ctx, s, "store.PlaceHold", func(tx *sqldb.Tx) (*kasuhara.Hold, error) {
		object, objectType := "", ""
		if caseRef != "" {
			err := tx.QueryRowContext(ctx, "SELECT id, ref FROM cases WHERE org_id = $1 AND (ref = $2 OR id = $2)", v.OrgID, caseRef).Scan(&h.CaseID, &h.CaseRef)
			if err == sql.ErrNoRows {
				return nil, kasuhara.InvalidField("case", kasuhara.FieldNotOrgCase)
			}
			if err != nil {
				return nil, err
			}
			object, objectType = h.CaseID, "case"
		} else {
			var one int
			err := tx.QueryRowContext(ctx, "SELECT 1 FROM customers WHERE id = $1 AND org_id = $2", customerID, v.OrgID).Scan(&one)
			if err == sql.ErrNoRows {
				return nil, kasuhara.InvalidField("customer", kasuhara.FieldChoice)
			}
			if err != nil {
				return nil, err
			}
			h.CustomerID, object, objectType = customerID, customerID, "customer"
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO legal_holds (id, org_id, case_id, customer_id, reason, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
			h.ID, h.OrgID, nullString(h.CaseID), nullString(h.CustomerID), h.Reason, h.CreatedBy, h.CreatedAt); err != nil {
			return nil, err
		}
		return &h, s.appendAudit(ctx, tx, change{actor: v, orgID: v.OrgID, action: "retention.hold", objectType: objectType, objectID: object,
			detail: map[string]any{"hold": h.ID}})
	})
}

// ReleaseHold implements kasuhara.RetentionService.
func (s *Store) ReleaseHold(ctx context.Context, v kasuhara.Actor, id string) error {
	if err := legalOnly(v); err != nil {
		return err
	}
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
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
		return s.appendAudit(ctx, tx, change{actor: v, orgID: v.OrgID, action: "retention.release", objectType: objectType, objectID: object,
			detail: map[string]any{"hold": id}})
	})
	return wrap("store.ReleaseHold", err)
}

// Holds implements kasuhara.RetentionService.
func (s *Store) Holds(ctx context.Context, v kasuhara.Actor) ([]kasuhara.Hold, error) {
	if err := legalOnly(v); err != nil {
		return nil, err
	}
	return list(ctx, s.db.Read, "holds", func(sc scanner) (h kasuhara.Hold, err error) {
		err = sc.Scan(&h.ID, &h.OrgID, &h.CaseID, &h.CaseRef, &h.CustomerID, &h.Reason, &h.CreatedBy, &h.CreatedAt)
		h.CreatedAt = h.CreatedAt.UTC()
		return h, err
	}, `SELECT h.id, h.org_id, COALESCE(h.case_id, ''), COALESCE(c.ref, ''), COALESCE(h.customer_id, ''), h.reason, h.created_by, h.created_at
		FROM legal_holds h LEFT JOIN cases c ON c.id = h.case_id WHERE h.org_id = $1 ORDER BY h.created_at DESC`, v.OrgID)
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

// addMonthsUTC moves t by n calendar months in Japan, keeping the day or
// the month's last day.
func addMonthsUTC(t time.Time, n int) time.Time {
	return kasuhara.AddMonths(t.In(calendar.JST), n).UTC()
}

// ruleFor is the rule that applies to a case of orgID in state with
// verdict: the one naming the verdict, else the "any other" one.
func ruleFor(rules []kasuhara.RetentionRule, orgID string, state kasuhara.CaseState, verdict string) (kasuhara.RetentionRule, bool) {
	var any kasuhara.RetentionRule
	found := false
	for _, r := range rules {
		if r.OrgID != orgID || r.State != state {
			continue
		}
		if r.Verdict == verdict && verdict != "" {
			return r, true
		}
		if r.Verdict == "" {
			any, found = r, true
		}
	}
	return any, found
}

// Expiring implements kasuhara.RetentionService.
func (s *Store) Expiring(ctx context.Context, v kasuhara.Actor, within time.Duration) ([]kasuhara.Expiring, error) {
	if err := legalOnly(v); err != nil {
		return nil, err
	}
	out, err := s.expiring(ctx, s.db.Read, v.OrgID, s.now().Add(within))
	return out, wrap("store.Expiring", err)
}

// PurgeNow implements kasuhara.RetentionService.
func (s *Store) PurgeNow(ctx context.Context, v kasuhara.Actor, deleteBlob func(id string) error) (int, error) {
	if err := legalOnly(v); err != nil {
		return 0, err
	}
	return s.PurgeExpired(ctx, v.OrgID, deleteBlob)
}

// PurgeExpired implements kasuhara.RetentionService. A case that fails
// does not stop the others; the errors are returned together.
func (s *Store) PurgeExpired(ctx context.Context, orgID string, deleteBlob func(id string) error) (int, error) {
	var errs []error
	// Files left by a purge that stopped after its commit go first.
	if err := s.deletePendingBlobs(ctx, deleteBlob); err != nil {
		errs = append(errs, err)
	}
	due, err := s.expiring(ctx, s.db.Read, orgID, s.now())
	if err != nil {
		return 0, wrap("store.PurgeExpired", err)
	}
	n := 0
	for _, e := range due {
		if e.Held {
			continue
		}
		ok, err := s.purge(ctx, e.CaseID, deleteBlob)
		if err != nil {
			errs = append(errs, fmt.Errorf("case %s: %w", e.Ref, err))
			continue
		}
		if ok {
			n++
		}
	}
	return n, wrap("store.PurgeExpired", errors.Join(errs...))
}

// deletePendingBlobs overwrites and removes the evidence files of purged
// cases that are still on disk.
func (s *Store) deletePendingBlobs(ctx context.Context, deleteBlob func(id string) error) error {
	rows, err := s.db.Read.QueryContext(ctx, "SELECT blob_id FROM pending_blob_deletes ORDER BY created_at")
	if err != nil {
		return err
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	rows.Close()
	for _, id := range ids {
		if err := deleteBlob(id); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("evidence file: %w", err)
		}
		err := s.tx(ctx, func(tx *sqldb.Tx) error {
			_, err := tx.ExecContext(ctx, "DELETE FROM pending_blob_deletes WHERE blob_id = $1", id)
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// purge removes one case if, checked again inside its transaction, its
// rule says it has expired and no hold keeps it: its rows, search tokens,
// notifications and orphaned customer, leaving an audit entry and its
// counts in case_stats_purged. Its evidence files are listed in
// pending_blob_deletes in the same transaction and overwritten after the
// commit, so that a file is never destroyed for a case that stays.
func (s *Store) purge(ctx context.Context, caseID string, deleteBlob func(id string) error) (bool, error) {
	purged := false
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
		c, r, err := s.expiredCase(ctx, tx, caseID)
		if c == nil || err != nil {
			return err
		}
		blobs, err := selectIDs(ctx, tx, "SELECT blob_id FROM evidence WHERE case_id = $1", caseID)
		if err != nil {
			return err
		}
		for _, id := range blobs {
			if _, err := tx.ExecContext(ctx, "INSERT INTO pending_blob_deletes (blob_id, created_at) VALUES ($1, $2) ON CONFLICT DO NOTHING", id, s.now()); err != nil {
				return err
			}
		}
		if err := s.keepPurgedStats(ctx, tx, c); err != nil {
			return err
		}
		if err := s.deleteCase(ctx, tx, caseID); err != nil {
			return err
		}
		purged = true
		return s.appendAudit(ctx, tx, change{actor: kasuhara.SystemActor, orgID: c.OrgID, action: "case.purge", objectType: "case", objectID: caseID,
			detail: map[string]any{"ref": c.Ref, "rule": r.ID, "state": c.State, "verdict": c.Verdict, "evidence_files": len(blobs)}})
	})
	if err != nil || !purged {
		return false, err
	}
	return true, s.deletePendingBlobs(ctx, deleteBlob)
}

// expiredCase loads a case inside tx with the rule that expires it, or
// returns a nil case if it is gone, held, or not (or no longer: reopened,
// reassessed, its rule changed) expired.
func (s *Store) expiredCase(ctx context.Context, tx *sqldb.Tx, caseID string) (*kasuhara.Case, kasuhara.RetentionRule, error) {
	var held bool
	c, err := scanCase(tx.QueryRowContext(ctx, "SELECT "+caseColumns+`, EXISTS (SELECT 1 FROM legal_holds h WHERE h.case_id = c.id)
		OR EXISTS (SELECT 1 FROM legal_holds h JOIN case_customers cc ON cc.customer_id = h.customer_id WHERE cc.case_id = c.id)
		FROM cases c WHERE c.id = $1`, caseID), &held)
	if err == sql.ErrNoRows || (err == nil && held) {
		return nil, kasuhara.RetentionRule{}, nil
	}
	if err != nil {
		return nil, kasuhara.RetentionRule{}, err
	}
	rules, err := s.rules(ctx, tx, c.OrgID)
	if err != nil {
		return nil, kasuhara.RetentionRule{}, err
	}
	r, ok := ruleFor(rules, c.OrgID, c.State, c.Verdict)
	anchor := c.ClosedAt
	if c.State == kasuhara.StateResolved {
		anchor = c.ResolvedAt
	}
	if !ok || anchor.IsZero() || addMonthsUTC(anchor, r.KeepMonths).After(s.now()) {
		return nil, kasuhara.RetentionRule{}, nil
	}
	return c, r, nil
}

// keepPurgedStats counts a case about to be purged in case_stats_purged:
// the statistics keep counting it, and a rebuild finds it there.
func (s *Store) keepPurgedStats(ctx context.Context, tx *sqldb.Tx, c *kasuhara.Case) error {
	month := kasuhara.StatMonth(c.CreatedAt)
	keys := kasuhara.StatKeys(c)
	crows, err := tx.QueryContext(ctx, "SELECT kind, done_at IS NOT NULL FROM care_actions WHERE case_id = $1", c.ID)
	if err != nil {
		return err
	}
	for crows.Next() {
		var kind string
		var done bool
		if err := crows.Scan(&kind, &done); err != nil {
			crows.Close()
			return err
		}
		keys = append(keys, kasuhara.StatKey{Dim: kasuhara.DimCareOffered, Key: kind})
		if done {
			keys = append(keys, kasuhara.StatKey{Dim: kasuhara.DimCareDone, Key: kind})
		}
	}
	if err := crows.Close(); err != nil {
		return err
	}
	for _, k := range keys {
		if _, err := tx.ExecContext(ctx, `INSERT INTO case_stats_purged (org_id, month, dim, key, n) VALUES ($1, $2, $3, $4, 1)
			ON CONFLICT (org_id, dim, month, key) DO UPDATE SET n = case_stats_purged.n + 1`, c.OrgID, month, k.Dim, k.Key); err != nil {
			return err
		}
	}
	return nil
}

// deleteCase deletes a case's rows (the others go with it by ON DELETE
// CASCADE), its search tokens and notifications, and a customer it leaves
// without cases, measures, holds or posts.
func (s *Store) deleteCase(ctx context.Context, tx *sqldb.Tx, caseID string) error {
	customers, err := selectIDs(ctx, tx, "SELECT customer_id FROM case_customers WHERE case_id = $1", caseID)
	if err != nil {
		return err
	}
	if s.db.Engine == sqldb.SQLite {
		if _, err := tx.ExecContext(ctx, "DELETE FROM case_search WHERE rowid = (SELECT search_id FROM cases WHERE id = $1)", caseID); err != nil {
			return err
		}
	}
	for _, q := range []string{
		"DELETE FROM notifications WHERE case_id = $1",
		"DELETE FROM legal_holds WHERE case_id = $1",
		"DELETE FROM cases WHERE id = $1",
	} {
		if _, err := tx.ExecContext(ctx, q, caseID); err != nil {
			return err
		}
	}
	for _, id := range customers {
		if _, err := tx.ExecContext(ctx, `DELETE FROM customers WHERE id = $1
			AND NOT EXISTS (SELECT 1 FROM case_customers WHERE customer_id = $1)
			AND NOT EXISTS (SELECT 1 FROM measures WHERE customer_id = $1)
			AND NOT EXISTS (SELECT 1 FROM legal_holds WHERE customer_id = $1)
			AND NOT EXISTS (SELECT 1 FROM online_posts WHERE customer_id = $1)`, id); err != nil {
			return err
		}
	}
	return nil
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
		// Tomorrow's run is scheduled first: a failure today (retried by
		// the queue) never ends the nightly purge.
		if err := s.ScheduleRetention(ctx, s.Now(), false); err != nil {
			return err
		}
		_, err := s.PurgeExpired(ctx, "", deleteBlob)
		return err
	}
}
