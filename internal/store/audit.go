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
	"github.com/kasuhara/kasuhara/internal/access"
	"github.com/kasuhara/kasuhara/internal/audit"
	"github.com/kasuhara/kasuhara/internal/jobs"
	"github.com/kasuhara/kasuhara/internal/sqldb"
)

const auditColumns = "seq, at, org_id, actor_id, actor_label, action, object_type, object_id, detail, prev_hash, hash, record_hash"

func scanAudit(sc scanner) (kasuhara.AuditEntry, error) {
	var e kasuhara.AuditEntry
	err := sc.Scan(&e.Seq, &e.At, &e.OrgID, &e.ActorID, &e.ActorLabel, &e.Action, &e.ObjectType, &e.ObjectID, &e.Detail, &e.PrevHash, &e.Hash, &e.RecordHash)
	e.At = e.At.UTC()
	return e, err
}

// AuditEntries implements kasuhara.AuditService.
func (s *Store) AuditEntries(ctx context.Context, actor kasuhara.Actor, f kasuhara.AuditFilter) ([]kasuhara.AuditEntry, error) {
	if !operator(actor) {
		if err := s.auditReach(ctx, actor, &f); err != nil {
			return nil, wrap("store.AuditEntries", err)
		}
	}
	return s.auditEntries(ctx, f)
}

// auditReach narrows f to what actor may read: the entries of alarms and
// reporters' choices only with audit_choices, whatever f.Role says; a
// case's trail for its handlers (the evidence package); else the trail of
// an organisation in reach (the actor's own when f names none) with
// view_audit.
func (s *Store) auditReach(ctx context.Context, actor kasuhara.Actor, f *kasuhara.AuditFilter) error {
	f.Role = actor.Role
	if f.ObjectType == "case" && f.ObjectID != "" {
		_, _, err := s.caseFor(ctx, s.db.Read, actor, f.ObjectID, access.CaseHandler)
		if err == nil {
			return nil
		}
		if !access.Can(actor.Role, access.ViewAudit) {
			return err
		}
	}
	if f.OrgID == "" {
		f.OrgID = actor.OrgID
	}
	return s.authorize(ctx, actor, access.ViewAudit, f.OrgID)
}

// auditEntries lists the entries matching f, trusting it.
func (s *Store) auditEntries(ctx context.Context, f kasuhara.AuditFilter) ([]kasuhara.AuditEntry, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.OrgID != "" {
		add("org_id = $%d", f.OrgID)
	}
	if f.Role != "" && !access.Can(f.Role, access.AuditChoices) {
		var in []string
		for _, a := range access.LegalOnlyAudit {
			args = append(args, a)
			in = append(in, fmt.Sprintf("$%d", len(args)))
		}
		where = append(where, "action NOT IN ("+strings.Join(in, ", ")+")")
	}
	if f.ObjectType != "" {
		add("object_type = $%d", f.ObjectType)
	}
	if f.ObjectID != "" {
		add("object_id = $%d", f.ObjectID)
	}
	if f.ActorID != "" {
		add("actor_id = $%d", f.ActorID)
	}
	if prefix, ok := strings.CutSuffix(f.Action, "."); ok && prefix != "" {
		add(fmt.Sprintf("substr(action, 1, %d) = $%%d", len(f.Action)), f.Action)
	} else if f.Action != "" {
		add("action = $%d", f.Action)
	}
	if !f.From.IsZero() {
		add("at >= $%d", f.From.UTC())
	}
	if !f.To.IsZero() {
		add("at < $%d", f.To.UTC())
	}
	if f.Before > 0 {
		add("seq < $%d", f.Before)
	}
	q := "SELECT " + auditColumns + " FROM audit_entries"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	args = append(args, limit)
	q += fmt.Sprintf(" ORDER BY seq DESC LIMIT $%d", len(args))
	return list(ctx, s.db.Read, "audit entries", scanAudit, q, args...)
}

// OrgAuditEntries implements kasuhara.AuditService.
func (s *Store) OrgAuditEntries(ctx context.Context, actor kasuhara.Actor, limit int) ([]kasuhara.AuditEntry, error) {
	if err := access.Check(actor, access.ViewAudit); err != nil {
		return nil, wrap("store.OrgAuditEntries", err)
	}
	return s.auditEntries(ctx, kasuhara.AuditFilter{Role: actor.Role, OrgID: actor.OrgID, Limit: limit})
}

// auditNameQueries name an object type's ids: each query takes the ids as
// its placeholders and answers (id, name).
var auditNameQueries = map[string]string{
	"user":       "SELECT id, name FROM users WHERE id IN (%s)",
	"case":       "SELECT id, ref FROM cases WHERE id IN (%s)",
	"org":        "SELECT id, name FROM orgs WHERE id IN (%s)",
	"department": "SELECT id, name FROM departments WHERE id IN (%s)",
	"course":     "SELECT id, title_ja FROM courses WHERE id IN (%s)",
	"specialist": "SELECT id, name FROM specialists WHERE id IN (%s)",
	"api_token":  "SELECT id, label FROM api_tokens WHERE id IN (%s)",
	"customer":   "SELECT id, display_name FROM customers WHERE id IN (%s)",
	// A retaliation alarm and an online post are named by their case.
	"retaliation_flag": "SELECT f.id, c.ref FROM retaliation_flags f JOIN cases c ON c.id = f.case_id WHERE f.id IN (%s)",
	"online_post":      "SELECT p.id, c.ref FROM online_posts p JOIN cases c ON c.id = p.case_id WHERE p.id IN (%s)",
	// A cooperation request is named by its own number (CO-…).
	"cooperation_request": "SELECT id, ref FROM cooperation_requests WHERE id IN (%s)",
}

// AuditNames implements kasuhara.AuditService.
func (s *Store) AuditNames(ctx context.Context, role kasuhara.Role, entries []kasuhara.AuditEntry) (map[string]string, error) {
	ids := map[string][]string{}
	seen := map[string]bool{}
	want := func(typ, id string) {
		if id == "" || seen[typ+":"+id] {
			return
		}
		if _, ok := auditNameQueries[typ]; !ok {
			return
		}
		if typ == "customer" && !access.Can(role, access.ReadCustomers) {
			return
		}
		seen[typ+":"+id] = true
		ids[typ] = append(ids[typ], id)
	}
	for _, e := range entries {
		want("user", e.ActorID)
		want(e.ObjectType, e.ObjectID)
	}
	out := map[string]string{}
	for typ, list := range ids {
		for chunk := range slices.Chunk(list, 500) {
			ph := make([]string, len(chunk))
			args := make([]any, len(chunk))
			for i, id := range chunk {
				ph[i], args[i] = fmt.Sprintf("$%d", i+1), id
			}
			rows, err := s.db.Read.QueryContext(ctx, fmt.Sprintf(auditNameQueries[typ], strings.Join(ph, ", ")), args...)
			if err != nil {
				return nil, fmt.Errorf("store: audit names: %w", err)
			}
			for rows.Next() {
				var id, name string
				if err := rows.Scan(&id, &name); err != nil {
					rows.Close()
					return nil, fmt.Errorf("store: audit names: %w", err)
				}
				if name != "" {
					out[typ+":"+id] = name
				}
			}
			err = rows.Err()
			rows.Close()
			if err != nil {
				return nil, fmt.Errorf("store: audit names: %w", err)
			}
		}
	}
	return out, nil
}

// AuditObject implements kasuhara.AuditService.
func (s *Store) AuditObject(ctx context.Context, orgID, text string) (string, string, error) {
	text = strings.TrimSpace(text)
	var id string
	try := func(q, arg string) bool {
		err := s.db.Read.QueryRowContext(ctx, q, orgID, arg).Scan(&id)
		return err == nil
	}
	if ref, ok := kasuhara.NormalizeCaseRef(text); ok && try("SELECT id FROM cases WHERE org_id = $1 AND ref = $2", ref) {
		return "case", id, nil
	}
	if text != "" && try(`SELECT u.id FROM users u JOIN memberships m ON m.user_id = u.id
		WHERE m.org_id = $1 AND (u.name = $2 OR lower(u.email) = lower($2)) ORDER BY u.id LIMIT 1`, text) {
		return "user", id, nil
	}
	if text != "" && try("SELECT id FROM departments WHERE org_id = $1 AND name = $2", text) {
		return "department", id, nil
	}
	return "", "", kasuhara.Errorf(kasuhara.ENOTFOUND, "store.AuditObject: nothing of that name or number")
}

// VerifyAudit implements kasuhara.AuditService. It reads the head and the chain
// in one snapshot so that appends made meanwhile do not disturb the walk;
// an entry beyond the head (inserted behind the application's back) is a
// problem too.
func (s *Store) VerifyAudit(ctx context.Context) (int64, *kasuhara.AuditProblem, error) {
	opts := &sql.TxOptions{ReadOnly: true}
	if s.db.Engine == sqldb.Postgres {
		// One snapshot for the head and the walk; SQLite's WAL readers
		// have that by default.
		opts.Isolation = sql.LevelRepeatableRead
	}
	tx, err := s.db.Read.BeginTx(ctx, opts)
	if err != nil {
		return 0, nil, fmt.Errorf("store: verify audit: %w", err)
	}
	defer tx.Rollback()
	var headSeq int64
	var headHash string
	if err := tx.QueryRowContext(ctx, "SELECT seq, hash FROM audit_head WHERE id = 1").Scan(&headSeq, &headHash); err != nil {
		return 0, nil, fmt.Errorf("store: verify audit: head: %w", err)
	}
	rows, err := tx.QueryContext(ctx, "SELECT "+auditColumns+" FROM audit_entries ORDER BY seq")
	if err != nil {
		return 0, nil, fmt.Errorf("store: verify audit: %w", err)
	}
	defer rows.Close()
	var v audit.Verifier
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return 0, nil, fmt.Errorf("store: verify audit: %w", err)
		}
		if p := v.Next(e); p != nil {
			return v.Count(), p, nil
		}
	}
	if err := rows.Err(); err != nil {
		return 0, nil, fmt.Errorf("store: verify audit: %w", err)
	}
	if p := v.Finish(headSeq, headHash); p != nil {
		return v.Count(), p, nil
	}
	return v.Count(), nil, nil
}

// AuditHead implements kasuhara.AuditService.
func (s *Store) AuditHead(ctx context.Context) (int64, string, error) {
	var seq int64
	var hash string
	if err := s.db.Read.QueryRowContext(ctx, "SELECT seq, hash FROM audit_head WHERE id = 1").Scan(&seq, &hash); err != nil {
		return 0, "", fmt.Errorf("store: audit head: %w", err)
	}
	return seq, hash, nil
}

// CheckAnchor implements kasuhara.AuditService.
func (s *Store) CheckAnchor(ctx context.Context, seq int64, hash string) (*kasuhara.AuditProblem, error) {
	var last int64
	if err := s.db.Read.QueryRowContext(ctx, "SELECT COALESCE(MAX(seq), 0) FROM audit_entries").Scan(&last); err != nil {
		return nil, fmt.Errorf("store: check anchor: %w", err)
	}
	if last < seq {
		return &kasuhara.AuditProblem{Seq: last + 1, Reason: fmt.Sprintf("the trail ends at entry %d, before the anchored head at entry %d: entries were cut off", last, seq)}, nil
	}
	var got string
	err := s.db.Read.QueryRowContext(ctx, "SELECT hash FROM audit_entries WHERE seq = $1", seq).Scan(&got)
	if errors.Is(err, sql.ErrNoRows) {
		return &kasuhara.AuditProblem{Seq: seq, Reason: fmt.Sprintf("entry %d of the anchored head is missing", seq)}, nil
	} else if err != nil {
		return nil, fmt.Errorf("store: check anchor: %w", err)
	}
	if got != hash {
		return &kasuhara.AuditProblem{Seq: seq, Reason: fmt.Sprintf("entry %d differs from the anchored head: the trail was rewritten", seq)}, nil
	}
	return nil, nil
}

// KindAuditAnchor is the job that writes the signed head of the chain
// outside the database, once a day at 04:00 in Japan and at each start.
const KindAuditAnchor = "audit_anchor"

// ScheduleAuditAnchor enqueues the next run of KindAuditAnchor; first
// runs it now.
func (s *Store) ScheduleAuditAnchor(ctx context.Context, at time.Time, first bool) error {
	return s.scheduleDaily(ctx, KindAuditAnchor, 4, at, first)
}

// AuditAnchorHandler is the job handler of KindAuditAnchor: it schedules
// the next day's run, then hands the chain's head to write (which signs it,
// appends it to the anchor file and enqueues its mail and webhook jobs).
func (s *Store) AuditAnchorHandler(write func(ctx context.Context, seq int64, hash string, at time.Time) error) func(context.Context, json.RawMessage) error {
	return func(ctx context.Context, _ json.RawMessage) error {
		if err := s.ScheduleAuditAnchor(ctx, s.Now(), false); err != nil {
			return err
		}
		seq, hash, err := s.AuditHead(ctx)
		if err != nil {
			return err
		}
		return write(ctx, seq, hash, s.Now())
	}
}

// Enqueue writes jobs in a transaction of their own: work that follows no
// change of records, such as the deliveries of the audit anchor.
func (s *Store) Enqueue(ctx context.Context, js ...jobs.Job) error {
	if len(js) == 0 {
		return nil
	}
	return s.tx(ctx, func(tx *sqldb.Tx) error { return jobs.EnqueueAll(ctx, tx, js...) })
}
