package store

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/access"
	"github.com/kasuhara/kasuhara/internal/sqldb"
)

var _ kasuhara.InsightService = (*Store)(nil)

// statDelta adds +1 for each counter of after and -1 for each of before
// (either may be nil), inside tx, skipping counters that both share.
func (s *Store) statDelta(ctx context.Context, tx *sqldb.Tx, before, after *kasuhara.Case) error {
	count := map[kasuhara.StatKey]int{}
	var org, month string
	if before != nil {
		org, month = before.OrgID, kasuhara.StatMonth(before.CreatedAt)
		for _, k := range kasuhara.StatKeys(before) {
			count[k]--
		}
	}
	if after != nil {
		org, month = after.OrgID, kasuhara.StatMonth(after.CreatedAt)
		for _, k := range kasuhara.StatKeys(after) {
			count[k]++
		}
	}
	var rows []statRow
	for k, n := range count {
		if n != 0 {
			rows = append(rows, statRow{org, month, k.Dim, k.Key, n})
		}
	}
	return s.addStats(ctx, tx, rows...)
}

// statRow is one change of a counter.
type statRow struct {
	org, month, dim, key string
	n                    int
}

// statBatch sums the counter changes of one transaction's batch.
type statBatch struct {
	started bool
	n       map[[4]string]int
}

type statBatchKey struct{}

// addStats changes counters in tx. The changes are summed over the whole
// group commit and written before its commit in one statement
// (sqldb.Tx.BeforeCommit): a report changes about ten counters, most of them
// the same ones as the other reports of its batch. The changes are added to
// the sum by a hook, so that a change rolled back is dropped with it.
func (s *Store) addStats(ctx context.Context, tx *sqldb.Tx, rows ...statRow) error {
	if len(rows) == 0 {
		return nil
	}
	ctx = context.WithoutCancel(ctx) // it runs at the commit, whatever became of the caller
	tx.BeforeCommit(func(tx *sqldb.Tx) error {
		b := tx.State(statBatchKey{}, func() any { return &statBatch{n: map[[4]string]int{}} }).(*statBatch)
		for _, r := range rows {
			b.n[[4]string{r.org, r.month, r.dim, r.key}] += r.n
		}
		if !b.started {
			b.started = true
			tx.Serial(stageStats, func(tx *sqldb.Tx) error { return s.writeStats(ctx, tx, b) })
		}
		return nil
	})
	return nil
}

// writeStats applies the summed changes, in the order of their keys (so
// that two batches, of one server or two on one PostgreSQL database, lock
// the counters in the same order).
func (s *Store) writeStats(ctx context.Context, tx *sqldb.Tx, b *statBatch) error {
	var keys [][4]string
	for k, n := range b.n {
		if n != 0 {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b [4]string) int { return slices.Compare(a[:], b[:]) })
	rows := make([][]any, len(keys))
	for i, k := range keys {
		rows[i] = []any{k[0], k[1], k[2], k[3], b.n[k]}
	}
	if err := tx.QueueRowsThen(ctx, "case_stats", []string{"org_id", "month", "dim", "key", "n"}, rows,
		" ON CONFLICT (org_id, dim, month, key) DO UPDATE SET n = case_stats.n + excluded.n"); err != nil {
		return fmt.Errorf("store: stats: %w", err)
	}
	return nil
}

// careStat counts care offered or done for the case's month.
func (s *Store) careStat(ctx context.Context, tx *sqldb.Tx, c *kasuhara.Case, dim, kind string, n int) error {
	return s.addStats(ctx, tx, statRow{c.OrgID, kasuhara.StatMonth(c.CreatedAt), dim, kind, n})
}

// EnsureStats builds the maintained statistics from the cases when there
// are cases but no statistics yet (a database from before they existed).
func (s *Store) EnsureStats(ctx context.Context) error {
	var stats, cases int
	if err := s.db.Read.QueryRowContext(ctx, "SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM case_stats LIMIT 1) a), (SELECT COUNT(*) FROM (SELECT 1 FROM cases LIMIT 1) b)").Scan(&stats, &cases); err != nil {
		return fmt.Errorf("store: stats: %w", err)
	}
	if stats > 0 || cases == 0 {
		return nil
	}
	return s.RebuildStats(ctx)
}

// RebuildStats recomputes the maintained statistics from the cases and
// their care actions.
func (s *Store) RebuildStats(ctx context.Context) error {
	type cell struct {
		org, month string
		k          kasuhara.StatKey
	}
	counts := map[cell]int{}
	after := ""
	for {
		rows, err := s.db.Read.QueryContext(ctx, "SELECT "+caseColumns+" FROM cases c WHERE c.id > $1 ORDER BY c.id LIMIT 5000", after)
		if err != nil {
			return fmt.Errorf("store: rebuild stats: %w", err)
		}
		n := 0
		for rows.Next() {
			c, err := scanCase(rows)
			if err != nil {
				rows.Close()
				return fmt.Errorf("store: rebuild stats: %w", err)
			}
			month := kasuhara.StatMonth(c.CreatedAt)
			for _, k := range kasuhara.StatKeys(c) {
				counts[cell{c.OrgID, month, k}]++
			}
			after, n = c.ID, n+1
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("store: rebuild stats: %w", err)
		}
		if n == 0 {
			break
		}
	}
	// Purged cases are no longer there but still count.
	prows, err := s.db.Read.QueryContext(ctx, "SELECT org_id, month, dim, key, n FROM case_stats_purged")
	if err != nil {
		return fmt.Errorf("store: rebuild stats: %w", err)
	}
	for prows.Next() {
		var c cell
		var n int
		if err := prows.Scan(&c.org, &c.month, &c.k.Dim, &c.k.Key, &n); err != nil {
			prows.Close()
			return fmt.Errorf("store: rebuild stats: %w", err)
		}
		counts[c] += n
	}
	prows.Close()
	rows, err := s.db.Read.QueryContext(ctx, "SELECT c.org_id, c.created_at, a.kind, a.done_at IS NOT NULL FROM care_actions a JOIN cases c ON c.id = a.case_id")
	if err != nil {
		return fmt.Errorf("store: rebuild stats: %w", err)
	}
	for rows.Next() {
		var org, kind string
		var created time.Time
		var done bool
		if err := rows.Scan(&org, &created, &kind, &done); err != nil {
			rows.Close()
			return fmt.Errorf("store: rebuild stats: %w", err)
		}
		month := kasuhara.StatMonth(created)
		counts[cell{org, month, kasuhara.StatKey{Dim: kasuhara.DimCareOffered, Key: kind}}]++
		if done {
			counts[cell{org, month, kasuhara.StatKey{Dim: kasuhara.DimCareDone, Key: kind}}]++
		}
	}
	rows.Close()
	return s.tx(ctx, func(tx *sqldb.Tx) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM case_stats"); err != nil {
			return err
		}
		for c, n := range counts {
			// ON CONFLICT: two servers starting on the same database may both rebuild.
			if _, err := tx.ExecContext(ctx, `INSERT INTO case_stats (org_id, month, dim, key, n) VALUES ($1, $2, $3, $4, $5)
				ON CONFLICT (org_id, dim, month, key) DO UPDATE SET n = excluded.n`, c.org, c.month, c.k.Dim, c.k.Key, n); err != nil {
				return err
			}
		}
		return nil
	})
}

// statRows sums the counters of dims for orgIDs over the months of q, by
// organisation, dim and key; with DimAll among dims, also the cases of each
// month, under the dim "month". It is one statement.
func (s *Store) statRows(ctx context.Context, orgIDs []string, q kasuhara.StatsQuery, dims ...string) (map[string]counts, error) {
	args := make([]any, 0, 2+len(orgIDs)+len(dims))
	args = append(args, q.From, q.To)
	var om, dm []string
	for _, id := range orgIDs {
		args = append(args, id)
		om = append(om, fmt.Sprintf("$%d", len(args)))
	}
	for _, d := range dims {
		args = append(args, d)
		dm = append(dm, fmt.Sprintf("$%d", len(args)))
	}
	// The "all" counter by month, every other by key (the keys of "all"
	// are all ""). The rows are grouped by sorting them; SQLite's sorter
	// compares the first column first, so the key, which differs most, is
	// first, and the organisation, mostly one, last: less CPU than
	// org_id, dim, key (docs/performance.md, issue 21).
	rows, err := s.db.Read.QueryContext(ctx, `SELECT org_id, dim, CASE WHEN dim = '`+kasuhara.DimAll+`' THEN month ELSE key END, SUM(n) FROM case_stats
		WHERE org_id IN (`+strings.Join(om, ", ")+`) AND dim IN (`+strings.Join(dm, ", ")+`) AND month >= $1 AND month <= $2
		GROUP BY 3, dim, org_id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]counts{}
	for rows.Next() {
		var org, dim, key string
		var n int
		if err := rows.Scan(&org, &dim, &key, &n); err != nil {
			return nil, err
		}
		c := out[org]
		if c == nil {
			c = counts{}
			out[org] = c
		}
		if dim == kasuhara.DimAll {
			c.add(kasuhara.DimAll, "", n)
			c.add("month", key, n)
			continue
		}
		c.add(dim, key, n)
	}
	return out, rows.Err()
}

// Stats implements kasuhara.InsightService.
func (s *Store) Stats(ctx context.Context, actor kasuhara.Actor, orgIDs []string, q kasuhara.StatsQuery) (*kasuhara.Stats, error) {
	if err := s.authorizeAll(ctx, actor, access.ViewStatistics, orgIDs); err != nil {
		return nil, wrap("store.Stats", err)
	}
	if err := q.Validate(); err != nil {
		return nil, err
	}
	if len(orgIDs) == 0 {
		return &kasuhara.Stats{Query: q}, nil
	}
	if q.Department != "" || q.Level > 0 || q.GroupBy == "department" {
		return s.departmentStats(ctx, orgIDs, q)
	}
	orgs, err := s.orgsByID(ctx, orgIDs)
	if err != nil {
		return nil, err
	}
	dims := []string{kasuhara.DimAll, kasuhara.DimAckMinutes, kasuhara.DimResolveMin, kasuhara.DimAckOnTime, kasuhara.DimResolveOnTime}
	if q.GroupBy != "month" {
		dims = append(dims, q.GroupBy)
	}
	raw, err := s.statRows(ctx, orgIDs, q, dims...)
	if err != nil {
		return nil, wrap("store.Stats", err)
	}
	st := &kasuhara.Stats{Query: q}
	sum := counts{}
	for _, o := range orgs {
		r := raw[o.ID]
		sum.addAll(r)
		st.Orgs = append(st.Orgs, orgStats(o, q, r, r[q.GroupBy]))
	}
	if len(orgs) > 1 {
		total := orgStats(kasuhara.Org{}, q, sum, sum[q.GroupBy])
		st.Sum = &total
	}
	kasuhara.SuppressTable(st.Orgs, st.Sum)
	return st, nil
}

// orgStats turns summed counters into figures, suppressed.
func orgStats(o kasuhara.Org, q kasuhara.StatsQuery, r map[string]map[string]int, groups map[string]int) kasuhara.OrgStats {
	groupBy := q.GroupBy
	os := kasuhara.OrgStats{OrgID: o.ID, OrgSlug: o.Slug, OrgName: o.Name, Total: kasuhara.StatCell{Key: "total", Count: r[kasuhara.DimAll][""]}}
	for k, n := range groups {
		if n != 0 {
			os.Groups = append(os.Groups, kasuhara.StatCell{Key: k, Count: n})
		}
	}
	if groupBy == "month" {
		// Every month of the range has its line, with no cases too.
		from, _ := time.Parse(kasuhara.MonthLayout, q.From)
		for m := from; m.Format(kasuhara.MonthLayout) <= q.To && len(os.Groups) < 1200; m = m.AddDate(0, 1, 0) {
			if groups[m.Format(kasuhara.MonthLayout)] == 0 {
				os.Groups = append(os.Groups, kasuhara.StatCell{Key: m.Format(kasuhara.MonthLayout)})
			}
		}
	}
	slices.SortFunc(os.Groups, func(a, b kasuhara.StatCell) int {
		if groupBy == "month" {
			return strings.Compare(a.Key, b.Key)
		}
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return strings.Compare(a.Key, b.Key)
	})
	os.Ack = kasuhara.DurationsOf(buckets(r[kasuhara.DimAckMinutes]), r[kasuhara.DimAckOnTime]["true"])
	os.Resolve = kasuhara.DurationsOf(buckets(r[kasuhara.DimResolveMin]), r[kasuhara.DimResolveOnTime]["true"])
	return os
}

func buckets(m map[string]int) map[int]int {
	out := map[int]int{}
	for k, n := range m {
		if b, err := strconv.Atoi(k); err == nil {
			out[b] += n
		}
	}
	return out
}

// orgsByID loads organisations in the order given.
func (s *Store) orgsByID(ctx context.Context, ids []string) ([]kasuhara.Org, error) {
	var out []kasuhara.Org
	for _, id := range ids {
		o, err := s.OrgByID(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, *o)
	}
	return out, nil
}

// Dashboard implements kasuhara.InsightService.
func (s *Store) Dashboard(ctx context.Context, actor kasuhara.Actor, orgIDs []string, q kasuhara.StatsQuery) (*kasuhara.Dashboard, error) {
	if err := s.authorizeAll(ctx, actor, access.ViewStatistics, orgIDs); err != nil {
		return nil, wrap("store.Dashboard", err)
	}
	if err := q.Validate(); err != nil {
		return nil, err
	}
	d := &kasuhara.Dashboard{MeasuresInForce: map[string]int{}, CareOffered: map[string]kasuhara.StatCell{}, CareDone: map[string]kasuhara.StatCell{},
		PolicyAckRate: map[string]int{}, TrainingComplete: map[string][2]int{}}
	if len(orgIDs) == 0 {
		return d, nil
	}
	args := []any{}
	var om []string
	for _, id := range orgIDs {
		args = append(args, id)
		om = append(om, fmt.Sprintf("$%d", len(args)))
	}
	in := strings.Join(om, ", ")
	now := s.now()
	// Open cases are few next to all cases: the state index finds them.
	err := s.db.Read.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN (state = 'new' AND acknowledge_by < $`+strconv.Itoa(len(args)+1)+`)
			OR feedback_by < $`+strconv.Itoa(len(args)+1)+` THEN 1 ELSE 0 END), 0)
		FROM cases WHERE org_id IN (`+in+`) AND state IN ('new', 'acknowledged', 'in_progress')`, append(args, now)...).Scan(&d.OpenCases.Count, &d.OverdueCases.Count)
	if err != nil {
		return nil, wrap("store.Dashboard", err)
	}
	var repeat int
	if err := s.db.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT cc.customer_id FROM customers cu JOIN case_customers cc ON cc.customer_id = cu.id
		WHERE cu.org_id IN (`+in+`) GROUP BY cc.customer_id HAVING COUNT(*) >= 2) r`, args...).Scan(&repeat); err != nil {
		return nil, wrap("store.Dashboard", err)
	}
	cells := []kasuhara.StatCell{d.OpenCases, d.OverdueCases, {Key: "repeat", Count: repeat}}
	for i := range cells {
		kasuhara.Suppress(cells[i : i+1])
	}
	d.OpenCases, d.OverdueCases, d.RepeatCustomers = cells[0], cells[1], cells[2]
	rows, err := s.db.Read.QueryContext(ctx, `SELECT level, COUNT(*) FROM measures WHERE org_id IN (`+in+`) AND status = 'active'
		AND (review_at IS NULL OR review_at > $`+strconv.Itoa(len(args)+1)+`) GROUP BY level`, append(args, now)...)
	if err != nil {
		return nil, wrap("store.Dashboard", err)
	}
	for rows.Next() {
		var level string
		var n int
		if err := rows.Scan(&level, &n); err != nil {
			rows.Close()
			return nil, wrap("store.Dashboard", err)
		}
		d.MeasuresInForce[level] = n
	}
	rows.Close()
	raw, err := s.statRows(ctx, orgIDs, q, kasuhara.DimCareOffered, kasuhara.DimCareDone)
	if err != nil {
		return nil, wrap("store.Dashboard", err)
	}
	offered, done := map[string]int{}, map[string]int{}
	for _, r := range raw {
		for k, n := range r[kasuhara.DimCareOffered] {
			offered[k] += n
		}
		for k, n := range r[kasuhara.DimCareDone] {
			done[k] += n
		}
	}
	for k, n := range offered {
		// Offered and done are suppressed together: done = offered minus
		// the ones still to happen.
		cells := []kasuhara.StatCell{{Key: "offered", Count: n}, {Key: "done", Count: done[k]}, {Key: "pending", Count: n - done[k]}}
		for i := range cells {
			kasuhara.Suppress(cells[i : i+1])
		}
		if cells[2].Hidden() || cells[1].Hidden() {
			cells[1].Withheld = true
		}
		d.CareOffered[k], d.CareDone[k] = cells[0], cells[1]
	}
	for _, id := range orgIDs {
		acks, err := s.ackReports(ctx, id)
		if err != nil {
			return nil, err
		}
		for _, a := range acks {
			members, done := 0, 0
			for _, row := range a.Rows {
				members += row.Members
				done += row.Acknowledged
			}
			if members > 0 {
				title := a.Document.Title("ja")
				if len(orgIDs) > 1 {
					if o, err := s.OrgByID(ctx, id); err == nil {
						title = o.Name + ": " + title
					}
				}
				d.PolicyAckRate[title] = done * 100 / members
			}
		}
		rows, err := s.trainingReport(ctx, id)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			v := d.TrainingComplete[r.CourseTitleJa]
			d.TrainingComplete[r.CourseTitleJa] = [2]int{v[0] + r.Complete, v[1] + r.Assigned}
		}
	}
	return d, nil
}

// exportActions are the audit actions of the exports, by kind.
var exportActions = map[string]string{
	"stats.csv":      "export.stats_csv",
	"stats.xlsx":     "export.stats_xlsx",
	"cases.csv":      "export.cases_csv",
	"cases.xlsx":     "export.cases_xlsx",
	"annual.pdf":     "export.annual_pdf",
	"compliance.pdf": "export.compliance_pdf",
	"audit.csv":      "export.audit_csv",
}

// RecordExport implements kasuhara.InsightService.
func (s *Store) RecordExport(ctx context.Context, actor kasuhara.Actor, kind string, rows int, filters map[string]string) error {
	need := access.ViewStatistics
	switch {
	case strings.HasPrefix(kind, "cases."):
		need = access.ExportCases
	case strings.HasPrefix(kind, "audit."):
		need = access.ViewAudit
	case strings.HasPrefix(kind, "compliance."):
		need = access.ViewCompliance
	}
	if err := access.Check(actor, need); err != nil {
		return err
	}
	c := change{actor: actor, orgID: actor.OrgID, objectType: "org", objectID: actor.OrgID, detail: map[string]any{"rows": rows, "filters": filters}}
	var ok bool
	if c.action, ok = exportActions[kind]; !ok {
		return fmt.Errorf("store.RecordExport: unknown export %q", kind)
	}
	err := s.tx(ctx, func(tx *sqldb.Tx) error { return s.appendAudit(ctx, tx, c) })
	return wrap("store.RecordExport", err)
}
