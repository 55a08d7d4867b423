package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/audit"
	"github.com/kasuhara/kasuhara/internal/sqldb"
)

// Records whose state each audited change carries (issue 16, finding 6).
// They come in groups (scopes): a case with its assessments, evidence
// records and customer links; a measure; a user's memberships. An entry
// about a group records the state of all its records after the change
// (record_states, covered by the entry's record_hash and so by the chain),
// and VerifyRecords compares the rows of today with the last such state.

// recordQuery reads the records of one kind in a group: $1 is the group's
// id, the first column the record's id, the rest the columns that matter
// (not search indexes or updated_at, which move without an audited change).
//
// A kind's columns never change, or every state recorded before would read
// as tampered. Columns added to a table later are a kind of their own that
// extends the first (one row for each of its rows): a state recorded before
// that kind existed has none of it, and VerifyRecords then names the group
// as audited by older columns (RecordCheck.Older) instead of comparing
// them; the group's next audited change, or kasuhara audit baseline,
// records them.
type recordQuery struct{ kind, query, extends string }

var recordQueries = map[string][]recordQuery{
	"case": {
		{"case", `SELECT id, id, org_id, ref, reporter_id, department_id, state, urgent, consultation, occurred_at,
			duration_minutes, channel, location, categories, subtypes, request_content, conduct, harm, wishes, danger_ongoing,
			witnesses, customer_name, customer_name_kana, customer_phone, customer_email, customer_account, customer_sns,
			assignee_id, second_id, verdict, acknowledge_by, feedback_by, acknowledged_at, resolved_at, closed_at, created_at,
			anonymous, receipt_hash, hide_from_supervisor, care_to_supervisor FROM cases WHERE id = $1`, ""},
		{"assessment", `SELECT id, id, case_id, assessor_id, request, manner, manner_reasons, environment_impaired,
			environment_how, accommodation_request, verdict, rationale, created_at FROM assessments WHERE case_id = $1`, ""},
		{"evidence", `SELECT id, id, case_id, blob_id, filename, media_type, size, sha256, uploaded_by, uploaded_at
			FROM evidence WHERE case_id = $1`, ""},
		{"customer_link", `SELECT customer_id, case_id, customer_id FROM case_customers WHERE case_id = $1`, ""},
		// How the case was received (anonymous review, on someone's behalf,
		// imported) and whether its reporter disowned it.
		{"case_intake", `SELECT id, id, held_for_review, recorded_by, received_via, unnamed_reporter, disowned_at, import_id
			FROM cases WHERE id = $1`, "case"},
	},
	"measure": {
		{"measure", `SELECT id, id, customer_id, org_id, level, reason, case_ids, status, effective_at, review_at,
			proposed_by, approved_by, approved_at, lifted_by, lifted_at, lift_reason, customer_response, created_at
			FROM measures WHERE id = $1`, ""},
		// The measure's grounds: the checks before it, the premises and
		// incidents its letter states, the letter's text, the approver's comment.
		{"measure_grounds", `SELECT id, id, customer_text, approval_comment, premises, check_axes, check_accommodation,
			check_duty, incident_texts FROM measures WHERE id = $1`, "measure"},
	},
	"user": {
		{"membership", `SELECT org_id, user_id, org_id, role, department_id, created_at FROM memberships WHERE user_id = $1`, ""},
	},
}

// recordGroups lists the groups that exist now, by type.
var recordGroups = map[string]string{
	"case":    "SELECT id FROM cases",
	"measure": "SELECT id FROM measures",
	"user":    "SELECT DISTINCT user_id FROM memberships",
}

// readActions are audited reads: they change no record.
var readActions = map[string]bool{
	"case.read": true, "case.list": true, "case.package": true, "case.summary": true, "evidence.download": true, "evidence.mismatch": true,
	"customer.read": true, "customer.list": true, "customer.lookup": true, "retaliation.list": true, "checkin.read": true,
}

type rowQuerier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// recordScopes names the groups whose records an entry's change may have
// touched: a case; a customer's cases (their links) and measures, and the
// case a split took away; a measure; a user's memberships.
func recordScopes(ctx context.Context, q rowQuerier, e kasuhara.AuditEntry) ([]string, error) {
	if e.ObjectID == "" || readActions[e.Action] {
		return nil, nil
	}
	switch e.ObjectType {
	case "case", "measure", "user":
		return []string{e.ObjectType + " " + e.ObjectID}, nil
	case "customer":
		var out []string
		for typ, query := range map[string]string{
			"case":    "SELECT case_id FROM case_customers WHERE customer_id = $1",
			"measure": "SELECT id FROM measures WHERE customer_id = $1",
		} {
			ids, err := selectIDs(ctx, q, query, e.ObjectID)
			if err != nil {
				return nil, err
			}
			for _, id := range ids {
				out = append(out, typ+" "+id)
			}
		}
		var d map[string]any
		if json.Unmarshal([]byte(e.Detail), &d) == nil {
			if id, ok := d["case_id"].(string); ok && id != "" {
				out = append(out, "case "+id)
			}
		}
		slices.Sort(out)
		return slices.Compact(out), nil
	}
	return nil, nil
}

// selectIDs reads one column of text.
func selectIDs(ctx context.Context, q rowQuerier, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// recordStates reads the current state of every record of group scope.
func recordStates(ctx context.Context, q rowQuerier, scope string) ([]audit.RecordState, error) {
	typ, _, _ := strings.Cut(scope, " ")
	return readRecordStates(ctx, q, scope, recordQueries[typ])
}

// readRecordStates reads the records of group scope that queries name.
func readRecordStates(ctx context.Context, q rowQuerier, scope string, queries []recordQuery) ([]audit.RecordState, error) {
	_, id, _ := strings.Cut(scope, " ")
	var out []audit.RecordState
	for _, rq := range queries {
		rows, err := q.QueryContext(ctx, rq.query, id)
		if err != nil {
			return nil, fmt.Errorf("store: records of %s: %w", rq.kind, err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				rows.Close()
				return nil, fmt.Errorf("store: records of %s: %w", rq.kind, err)
			}
			out = append(out, audit.RecordState{Scope: scope, Kind: rq.kind, ID: fmt.Sprint(vals[0]), Hash: audit.RowHash(vals[1:])})
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// snapshotRecords sets e.RecordHash from the state of the records its
// change touched, and returns the states to store with it, and for each
// group a row of kind "" with the group's hash (so that an empty group is
// recorded too).
func (s *Store) snapshotRecords(ctx context.Context, tx *sqldb.Tx, e *kasuhara.AuditEntry) ([]audit.RecordState, error) {
	scopes, err := recordScopes(ctx, tx, *e)
	if err != nil || len(scopes) == 0 {
		return nil, err
	}
	var states, groups []audit.RecordState
	for _, sc := range scopes {
		st, err := recordStates(ctx, tx, sc)
		if err != nil {
			return nil, err
		}
		states = append(states, st...)
		groups = append(groups, audit.RecordState{Scope: sc, Hash: audit.ScopeHash(sc, st)})
	}
	e.RecordHash = audit.RecordsHash(groups)
	return append(states, groups...), nil
}

// knownRecords is snapshotRecords for an entry whose group's records are
// known without reading them (change.records): one group, e's object.
func knownRecords(e *kasuhara.AuditEntry, states []audit.RecordState) []audit.RecordState {
	scope := e.ObjectType + " " + e.ObjectID
	group := audit.RecordState{Scope: scope, Hash: audit.ScopeHash(scope, states)}
	e.RecordHash = audit.RecordsHash([]audit.RecordState{group})
	return append(slices.Clone(states), group)
}

// newCaseRecords is the record state of case c just filed (as insertCase
// writes it: no assessment, no evidence), with its link to customer custID
// if any and its receipt's digest receiptHash if anonymous, in the values
// the engine's driver reads back (recordQueries "case"): SQLite gives truth
// values as integers.
func newCaseRecords(e sqldb.Engine, c *kasuhara.Case, custID, receiptHash string) []audit.RecordState {
	b := func(v bool) any {
		if e == sqldb.SQLite {
			if v {
				return int64(1)
			}
			return int64(0)
		}
		return v
	}
	str := func(v string) any {
		if v == "" {
			return nil
		}
		return v
	}
	r := c.Report
	scope := "case " + c.ID
	row := []any{c.ID, c.OrgID, c.Ref, str(c.ReporterID), str(r.DepartmentID), string(c.State), b(c.Urgent), b(r.Consultation),
		r.OccurredAt, int64(r.DurationMinutes), r.Channel, r.Location, joinCategories(r.Categories), strings.Join(r.Subtypes, ","),
		r.RequestContent, r.Conduct, r.Harm, r.Wishes, b(r.DangerOngoing), r.Witnesses, r.Customer.Name, r.Customer.NameKana,
		r.Customer.Phone, r.Customer.Email, r.Customer.Account, r.Customer.SNSHandle,
		nil, nil, "", c.AcknowledgeBy, c.FeedbackBy, nil, nil, nil, c.CreatedAt,
		b(c.Anonymous), str(receiptHash), b(false), b(false)}
	intake := []any{c.ID, b(c.HeldForReview), str(c.RecordedBy), c.ReceivedVia, b(c.UnnamedReporter), nil, str(c.ImportID)}
	out := []audit.RecordState{{Scope: scope, Kind: "case", ID: c.ID, Hash: audit.RowHash(row)},
		{Scope: scope, Kind: "case_intake", ID: c.ID, Hash: audit.RowHash(intake)}}
	if custID != "" {
		out = append(out, audit.RecordState{Scope: scope, Kind: "customer_link", ID: custID, Hash: audit.RowHash([]any{c.ID, custID})})
	}
	return out
}

// VerifyRecords implements kasuhara.AuditService: it compares every group
// of records that exists now, or had an audited state, with the last state
// an audited change recorded for it.
func (s *Store) VerifyRecords(ctx context.Context) (*kasuhara.RecordCheck, error) {
	opts := &sql.TxOptions{ReadOnly: true}
	if s.db.Engine == sqldb.Postgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	tx, err := s.db.Read.BeginTx(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("store: verify records: %w", err)
	}
	defer tx.Rollback()
	out, err := verifyRecords(ctx, tx)
	if err != nil {
		return nil, fmt.Errorf("store: verify records: %w", err)
	}
	return out, nil
}

func verifyRecords(ctx context.Context, tx queryer) (*kasuhara.RecordCheck, error) {
	// The last audited state of each group.
	latest := map[string]int64{}
	rows, err := tx.QueryContext(ctx, "SELECT scope, MAX(seq) FROM record_states WHERE kind = '' GROUP BY scope")
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var sc string
		var seq int64
		if err := rows.Scan(&sc, &seq); err != nil {
			rows.Close()
			return nil, err
		}
		latest[sc] = seq
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// The stored states of those entries, checked against their entries'
	// record hashes (which the chain protects).
	audited := map[string][]audit.RecordState{}
	altered := map[string]bool{} // groups whose recorded state was changed
	seqs := map[int64]bool{}
	for _, seq := range latest {
		seqs[seq] = true
	}
	for seq := range seqs {
		var recordHash string
		if err := tx.QueryRowContext(ctx, "SELECT record_hash FROM audit_entries WHERE seq = $1", seq).Scan(&recordHash); err != nil && err != sql.ErrNoRows {
			return nil, err
		}
		rows, err := tx.QueryContext(ctx, "SELECT scope, kind, id, hash FROM record_states WHERE seq = $1", seq)
		if err != nil {
			return nil, err
		}
		var groups, states []audit.RecordState
		for rows.Next() {
			var st audit.RecordState
			if err := rows.Scan(&st.Scope, &st.Kind, &st.ID, &st.Hash); err != nil {
				rows.Close()
				return nil, err
			}
			if st.Kind == "" {
				groups = append(groups, st)
			} else {
				states = append(states, st)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		// The groups' hashes are covered by the entry's; each group's
		// records by its hash.
		whole := audit.RecordsHash(groups) == recordHash
		for _, g := range groups {
			if latest[g.Scope] != seq {
				continue
			}
			if !whole || audit.ScopeHash(g.Scope, states) != g.Hash {
				altered[g.Scope] = true
			}
		}
		for _, st := range states {
			if latest[st.Scope] == seq {
				audited[st.Scope] = append(audited[st.Scope], st)
			}
		}
	}
	// The groups that exist now.
	var now []string
	for _, typ := range []string{"case", "measure", "user"} {
		ids, err := selectIDs(ctx, tx, recordGroups[typ])
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			now = append(now, typ+" "+id)
		}
	}
	for sc := range latest {
		if !slices.Contains(now, sc) {
			now = append(now, sc)
		}
	}
	slices.Sort(now)
	out := &kasuhara.RecordCheck{}
	for _, sc := range now {
		seq, ok := latest[sc]
		if !ok {
			out.Unaudited = append(out.Unaudited, sc)
			continue
		}
		out.Checked++
		if altered[sc] {
			out.Problems = append(out.Problems, kasuhara.RecordProblem{Record: sc, Seq: seq,
				Reason: "the state recorded with the entry was altered (record_states does not match the entry's record hash)"})
			continue
		}
		current, err := recordStates(ctx, tx, sc)
		if err != nil {
			return nil, err
		}
		was := map[string]string{}
		kinds := map[string]bool{}
		for _, st := range audited[sc] {
			was[st.Kind+" "+st.ID] = st.Hash
			kinds[st.Kind] = true
		}
		older := false
		for _, st := range current {
			key := st.Kind + " " + st.ID
			if !kinds[st.Kind] && extension[st.Kind] {
				// Recorded before this kind's columns were: not compared.
				older = true
				continue
			}
			h, ok := was[key]
			delete(was, key)
			switch {
			case !ok:
				out.Problems = append(out.Problems, kasuhara.RecordProblem{Record: sc + "/" + key, Seq: seq, Reason: "exists but no audited change made it"})
			case h != st.Hash:
				out.Problems = append(out.Problems, kasuhara.RecordProblem{Record: sc + "/" + key, Seq: seq, Reason: "differs from its last audited state"})
			}
		}
		for _, key := range slices.Sorted(maps.Keys(was)) {
			out.Problems = append(out.Problems, kasuhara.RecordProblem{Record: sc + "/" + key, Seq: seq, Reason: "is missing: no audited change removed it"})
		}
		if older {
			out.Older = append(out.Older, sc)
		}
	}
	return out, nil
}

// extension names the kinds that extend another (recordQuery.extends).
var extension = func() map[string]bool {
	out := map[string]bool{}
	for _, qs := range recordQueries {
		for _, q := range qs {
			if q.extends != "" {
				out[q.kind] = true
			}
		}
	}
	return out
}()

// BaselineRecords implements kasuhara.AuditService: every group of records
// that has no audited state yet, or one recorded before some of its columns
// were (RecordCheck.Older), gets one by an audited entry (records.baseline)
// that carries its present state. A group whose records differ from their
// audited state is left alone: recording it would hide the difference.
func (s *Store) BaselineRecords(ctx context.Context, actor kasuhara.Actor) (int, error) {
	check, err := s.VerifyRecords(ctx)
	if err != nil {
		return 0, err
	}
	tampered := map[string]bool{}
	for _, p := range check.Problems {
		sc, _, _ := strings.Cut(p.Record, "/")
		tampered[sc] = true
	}
	todo := slices.Clone(check.Unaudited)
	for _, sc := range check.Older {
		if !tampered[sc] {
			todo = append(todo, sc)
		}
	}
	for chunk := range slices.Chunk(todo, 500) {
		err := s.tx(ctx, func(tx *sqldb.Tx) error {
			for _, sc := range chunk {
				typ, id, _ := strings.Cut(sc, " ")
				if err := s.appendAudit(ctx, tx, change{actor: actor, action: "records.baseline", objectType: typ, objectID: id}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return 0, wrap("store.BaselineRecords", err)
		}
	}
	return len(todo), nil
}
