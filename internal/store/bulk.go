package store

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/search"
	"github.com/kasuhara/kasuhara/internal/sqldb"
)

// BulkCase is a generated case with what hangs on it, for BulkCases.
type BulkCase struct {
	Case       kasuhara.Case
	CustomerID string               // a customer of BulkCustomers, or ""
	Assessment *kasuhara.Assessment // the latest, when assessed
	Evidence   []kasuhara.Evidence  // records only: demo data has no files
}

// BulkCustomer is a generated customer with one phone number.
type BulkCustomer struct {
	ID, OrgID, Name, Phone string
}

// BulkCustomers writes generated customers in one transaction.
func (s *Store) BulkCustomers(ctx context.Context, cs []BulkCustomer) error {
	now := s.now()
	var rows, ids [][]any
	for _, c := range cs {
		rows = append(rows, []any{c.ID, c.OrgID, c.Name, now, now})
		for _, id := range identifiersOf(kasuhara.CustomerDetails{Name: c.Name, Phone: c.Phone}) {
			ids = append(ids, []any{newID(), c.ID, c.OrgID, id.Kind, id.Value, id.Key, now})
		}
	}
	return wrap("store.BulkCustomers", s.tx(ctx, func(tx *sqldb.Tx) error {
		if err := tx.InsertRows(ctx, "customers", []string{"id", "org_id", "display_name", "created_at", "updated_at"}, rows); err != nil {
			return err
		}
		return tx.InsertRows(ctx, "customer_identifiers", []string{"id", "customer_id", "org_id", "kind", "value", "match_key", "created_at"}, ids)
	}))
}

// BulkCases writes generated cases in one transaction: the cases, their
// categories, search tokens, customer links, first timeline event,
// assessment and evidence records, and the statistics they add to. It is
// for demo and scale data: one audit entry ("demo.generate") stands for
// the whole batch, and no notifications or clock jobs are made.
func (s *Store) BulkCases(ctx context.Context, actor kasuhara.Actor, orgID string, cs []BulkCase) error {
	var cases, cats, links, events, assessments, evidence, searchRows [][]any
	var stats []statRow
	for i := range cs {
		b := &cs[i]
		c := &b.Case
		r := c.Report
		tokens := search.Tokens(strings.Join([]string{r.RequestContent, r.Conduct, r.Harm, r.Wishes, r.Location}, "\n"))
		cases = append(cases, []any{tokens, c.ID, c.OrgID, c.Ref, nullString(c.ReporterID), nullString(r.DepartmentID), string(c.State), c.Urgent, r.Consultation,
			r.OccurredAt, r.DurationMinutes, r.Channel, r.Location, joinCategories(r.Categories), strings.Join(r.Subtypes, ","),
			r.RequestContent, r.Conduct, r.Harm, r.Wishes, r.DangerOngoing, r.Witnesses, r.Customer.Name, r.Customer.NameKana,
			r.Customer.Phone, r.Customer.Email, r.Customer.Account, r.Customer.SNSHandle, nullString(c.AssigneeID), nullString(c.SecondID), c.Verdict,
			c.AcknowledgeBy, c.FeedbackBy, nullTimeArg(c.AcknowledgedAt), nullTimeArg(c.ResolvedAt), nullTimeArg(c.ClosedAt), c.CreatedAt, c.UpdatedAt, c.Anonymous})
		cats = categoryRows(cats, c)
		if b.CustomerID != "" {
			links = append(links, []any{c.ID, b.CustomerID})
		}
		data, _ := json.Marshal(map[string]string{"ref": c.Ref})
		events = append(events, []any{newID(), c.ID, c.CreatedAt, c.ReporterID, kasuhara.EventReported, "", string(data)})
		if a := b.Assessment; a != nil {
			assessments = append(assessments, []any{newID(), c.ID, a.AssessorID, a.Request, a.Manner, strings.Join(a.MannerReasons, ","), a.EnvironmentImpaired,
				a.EnvironmentHow, a.AccommodationRequest, a.Verdict, a.Rationale, a.CreatedAt})
		}
		for _, e := range b.Evidence {
			evidence = append(evidence, []any{newID(), c.ID, e.BlobID, e.Filename, e.MediaType, e.Size, e.SHA256, e.UploadedBy, e.UploadedAt})
		}
		searchRows = append(searchRows, []any{c.ID, tokens})
		month := kasuhara.StatMonth(c.CreatedAt)
		for _, k := range kasuhara.StatKeys(c) {
			stats = append(stats, statRow{c.OrgID, month, k.Dim, k.Key, 1})
		}
	}
	// The search tokens: a column of the case on PostgreSQL, a row of the
	// FTS table on SQLite.
	first := "search=setweight(to_tsvector('simple', %s), 'A')" // the report's weight (searchWeights)
	if s.db.Engine == sqldb.SQLite {
		for i := range cases {
			cases[i] = cases[i][1:]
		}
		first = ""
	}
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
		cols := []string{"id", "org_id", "ref", "reporter_id", "department_id", "state", "urgent", "consultation",
			"occurred_at", "duration_minutes", "channel", "location", "categories", "subtypes", "request_content", "conduct", "harm", "wishes",
			"danger_ongoing", "witnesses", "customer_name", "customer_name_kana", "customer_phone", "customer_email", "customer_account", "customer_sns",
			"assignee_id", "second_id", "verdict", "acknowledge_by", "feedback_by", "acknowledged_at", "resolved_at", "closed_at", "created_at", "updated_at", "anonymous"}
		if first != "" {
			cols = append([]string{first}, cols...)
		}
		if err := tx.InsertRows(ctx, "cases", cols, cases); err != nil {
			return err
		}
		if err := tx.InsertRows(ctx, "case_categories", categoryColumns, cats); err != nil {
			return err
		}
		if err := tx.InsertRows(ctx, "case_customers", []string{"case_id", "customer_id"}, links); err != nil {
			return err
		}
		if err := tx.InsertRows(ctx, "case_events", []string{"id", "case_id", "at", "actor_id", "kind", "body", "data"}, events); err != nil {
			return err
		}
		if err := tx.InsertRows(ctx, "assessments", []string{"id", "case_id", "assessor_id", "request", "manner", "manner_reasons", "environment_impaired",
			"environment_how", "accommodation_request", "verdict", "rationale", "created_at"}, assessments); err != nil {
			return err
		}
		if err := tx.InsertRows(ctx, "evidence", []string{"id", "case_id", "blob_id", "filename", "media_type", "size", "sha256", "uploaded_by", "uploaded_at"}, evidence); err != nil {
			return err
		}
		if s.db.Engine == sqldb.SQLite {
			// Number the cases for the search index (see reindex).
			var next int64
			if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(search_id), 0) FROM cases").Scan(&next); err != nil {
				return err
			}
			var ids [][]any
			for i := range searchRows {
				next++
				ids = append(ids, []any{next, searchRows[i][0]})
				searchRows[i] = append([]any{next}, searchRows[i]...)
			}
			for _, r := range ids {
				if _, err := tx.ExecContext(ctx, "UPDATE cases SET search_id = $1 WHERE id = $2", r[0], r[1]); err != nil {
					return err
				}
			}
			if err := tx.InsertRows(ctx, "case_search", []string{"rowid", "case_id", "tokens"}, searchRows); err != nil {
				return err
			}
		}
		if err := s.addStats(ctx, tx, stats...); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, change{actor: actor, orgID: orgID, action: "demo.generate", objectType: "org", objectID: orgID,
			detail: map[string]any{"cases": len(cs)}})
	})
	return wrap("store.BulkCases", err)
}

func nullTimeArg(t interface{ IsZero() bool }) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// NextCaseNumbers reserves n case numbers of orgID for year and returns
// the first.
func (s *Store) NextCaseNumbers(ctx context.Context, orgID string, year, n int) (int, error) {
	var first int
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO case_counters (org_id, year, next) VALUES ($1, $2, $3 + 1)
			ON CONFLICT (org_id, year) DO UPDATE SET next = case_counters.next + $3 RETURNING next - $3`, orgID, year, n).Scan(&first)
	})
	return first, wrap("store.NextCaseNumbers", err)
}

// Analyze refreshes the planner's statistics after a bulk load, so that
// the engine chooses its indexes for the data as it now is.
func (s *Store) Analyze(ctx context.Context) error {
	return wrap("store.Analyze", s.db.Analyze(ctx))
}
