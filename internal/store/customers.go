package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/access"
	"github.com/kasuhara/kasuhara/internal/identity"
	"github.com/kasuhara/kasuhara/internal/notify"
	"github.com/kasuhara/kasuhara/internal/sqldb"
)

var _ kasuhara.CustomerService = (*Store)(nil)

// ReviewReporters is how many different reporters naming a customer put
// them forward to the desk; the incidents-in-a-window rule is a setting.
const ReviewReporters = 2

// strongKinds identify one customer; a name alone does not (names repeat).
var strongKinds = []string{"phone", "email", "account", "handle"}

func identifiersOf(d kasuhara.CustomerDetails) []kasuhara.Identifier {
	k := identity.KeysOf(d.Name, d.NameKana, d.Phone, d.Email, d.Account, d.SNSHandle)
	var out []kasuhara.Identifier
	add := func(kind, value, key string) {
		if key != "" {
			out = append(out, kasuhara.Identifier{Kind: kind, Value: strings.TrimSpace(value), Key: key})
		}
	}
	add("phone", d.Phone, k.Phone)
	add("email", d.Email, k.Email)
	add("account", d.Account, k.Account)
	add("handle", d.SNSHandle, k.Handle)
	add("name", d.Name, k.Name)
	add("name_kana", d.NameKana, k.NameKana)
	return out
}

// linkCustomer recognises the customer of a new case by a strong
// identifier, or registers a new one, and links the case. A name alone
// registers a new customer: possible duplicates are proposed on the
// customer page, never merged silently.
//
// The customer is written by one upsert whose id is the customer found by
// a strong identifier (phone first, then email, account, handle; the
// oldest identifier of a kind) or a new one. On PostgreSQL the identifiers
// and the link are written by the same statement; on SQLite, which has no
// writing WITH, the upsert counts which of the report's identifiers the
// customer already has, and the identifiers are inserted only when one is
// new, then the link.
func (s *Store) linkCustomer(ctx context.Context, tx *sqldb.Tx, c *kasuhara.Case) (string, error) {
	ids := identifiersOf(c.Report.Customer)
	if len(ids) == 0 {
		return "", nil
	}
	now := s.now()
	args := []any{newID(), c.OrgID, strings.TrimSpace(c.Report.Customer.Name), now}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	// conds matches the identifiers of ids whose kind keep says.
	conds := func(keep func(kind string) bool) string {
		var or []string
		for _, id := range ids {
			if keep(id.Kind) {
				or = append(or, "(i.kind = "+arg(id.Kind)+" AND i.match_key = "+arg(id.Key)+")")
			}
		}
		return strings.Join(or, " OR ")
	}
	strong := conds(func(kind string) bool { return slices.Contains(strongKinds, kind) })
	custID := "$1"
	if strong != "" {
		// Its parameters are compared with customer_identifiers_key: on
		// SQLite they are written +$N so that the upsert is compiled once,
		// not for every report (unprobed, TestReportNotReprepared).
		custID = unprobed(s.db.Engine, `COALESCE((SELECT i.customer_id FROM customer_identifiers i WHERE i.org_id = $2 AND (`+strong+`)
			ORDER BY CASE i.kind WHEN 'phone' THEN 0 WHEN 'email' THEN 1 WHEN 'account' THEN 2 ELSE 3 END, i.created_at, i.id LIMIT 1), $1)`)
	}
	upsert := `INSERT INTO customers (id, org_id, display_name, created_at, updated_at) VALUES (` + custID + `, $2, $3, $4, $4)
		ON CONFLICT (id) DO UPDATE SET updated_at = excluded.updated_at,
		display_name = CASE WHEN customers.display_name = '' THEN excluded.display_name ELSE customers.display_name END`
	var id string
	if s.db.Engine == sqldb.Postgres {
		caseID := arg(c.ID)
		values := make([]string, len(ids))
		for n, i := range ids {
			values[n] = "(" + arg(newID()) + "::text, " + arg(i.Kind) + "::text, " + arg(i.Value) + "::text, " + arg(i.Key) + "::text)"
		}
		err := tx.QueryRowContext(ctx, `WITH cu AS (`+upsert+` RETURNING id),
			ids AS (INSERT INTO customer_identifiers (id, customer_id, org_id, kind, value, match_key, created_at)
				SELECT v.id, cu.id, $2, v.kind, v.value, v.match_key, $4 FROM cu, (VALUES `+strings.Join(values, ", ")+`) AS v (id, kind, value, match_key)
				ON CONFLICT (customer_id, kind, match_key) DO NOTHING),
			link AS (INSERT INTO case_customers (case_id, customer_id) SELECT `+caseID+`::text, id FROM cu ON CONFLICT DO NOTHING)
			SELECT id FROM cu`, args...).Scan(&id)
		return id, err
	}
	var known int
	if err := tx.QueryRowContext(ctx, upsert+` RETURNING id,
		(SELECT COUNT(*) FROM customer_identifiers i WHERE i.customer_id = customers.id AND (`+conds(func(string) bool { return true })+`))`,
		args...).Scan(&id, &known); err != nil {
		return "", err
	}
	if known < len(ids) {
		rows := make([][]any, 0, len(ids))
		for _, i := range ids {
			rows = append(rows, []any{newID(), id, c.OrgID, i.Kind, i.Value, i.Key, now})
		}
		if err := tx.InsertRowsThen(ctx, "customer_identifiers", []string{"id", "customer_id", "org_id", "kind", "value", "match_key", "created_at"},
			rows, "ON CONFLICT (customer_id, kind, match_key) DO NOTHING"); err != nil {
			return "", err
		}
	}
	_, err := tx.ExecContext(ctx, "INSERT INTO case_customers (case_id, customer_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", c.ID, id)
	return id, err
}

// whenCustomer links the case c to its customer (linkCustomer) and sets
// *custID to the customer's id: at once on SQLite; on PostgreSQL at the end
// of the batch (stageCustomers), under a lock of each of its identifiers
// taken in the same order by every batch. Two reports of one customer in
// batches that run at once would otherwise wait for each other's customer
// rows in whatever order their batches met them (a deadlock, when two
// batches each hold one), and, both finding no customer yet, make two.
func (s *Store) whenCustomer(ctx context.Context, tx *sqldb.Tx, c *kasuhara.Case, custID *string) error {
	if s.db.Engine != sqldb.Postgres {
		id, err := s.linkCustomer(ctx, tx, c)
		if err != nil {
			return fmt.Errorf("customer: %w", err)
		}
		*custID = id
		return nil
	}
	if len(identifiersOf(c.Report.Customer)) == 0 {
		return nil
	}
	ctx = context.WithoutCancel(ctx) // it runs at the commit, whatever became of the caller
	tx.BeforeCommit(func(tx *sqldb.Tx) error {
		b := tx.State(customerBatchKey{}, func() any { return &customerBatch{} }).(*customerBatch)
		if len(b.links) == 0 {
			tx.Serial(stageCustomers, func(tx *sqldb.Tx) error { return s.writeCustomers(ctx, tx, b) })
		}
		b.links = append(b.links, customerLink{c: c, id: custID})
		return nil
	})
	return nil
}

// customerBatch is the cases of a batch waiting for their customers.
type customerBatch struct{ links []customerLink }

type customerLink struct {
	c  *kasuhara.Case
	id *string
}

type customerBatchKey struct{}

// customerLockClass is the first key of the identifiers' advisory locks
// ("kasu"); the second is identifierLock's.
const customerLockClass = 0x6b617375

// identifierLock is the second key of the lock of an organisation's
// customer identifier.
func identifierLock(org, kind, key string) int32 {
	h := fnv.New32a()
	h.Write([]byte(org + "\x00" + kind + "\x00" + key))
	return int32(h.Sum32())
}

// writeCustomers locks the identifiers of the batch's customers, in the
// order of their locks' keys, then links each case to its customer.
func (s *Store) writeCustomers(ctx context.Context, tx *sqldb.Tx, b *customerBatch) error {
	var keys []int32
	for _, l := range b.links {
		for _, i := range identifiersOf(l.c.Report.Customer) {
			keys = append(keys, identifierLock(l.c.OrgID, i.Kind, i.Key))
		}
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	if err := tx.Queue(ctx, "SELECT pg_advisory_xact_lock($1, k) FROM unnest($2::int4[]) AS k", int32(customerLockClass), keys); err != nil {
		return fmt.Errorf("store: customer locks: %w", err)
	}
	for _, l := range b.links {
		id, err := s.linkCustomer(ctx, tx, l.c)
		if err != nil {
			return fmt.Errorf("store: customer: %w", err)
		}
		*l.id = id
	}
	return nil
}

// customerDesk checks that the viewer may read the registry: desk and legal.
func customerDesk(v kasuhara.Actor) error {
	return access.Check(v, access.ReadCustomers)
}

// levelsSQL is the measure in force of customer cu.id: the most severe
// active measure whose review date has not passed.
const levelSQL = `COALESCE((SELECT m.level FROM measures m WHERE m.customer_id = cu.id AND m.status = 'active' AND m.review_at > $1
	ORDER BY CASE m.level WHEN 'banned' THEN 5 WHEN 'discontinued' THEN 4 WHEN 'warned' THEN 3 WHEN 'caution' THEN 2 ELSE 1 END DESC LIMIT 1), 'none')`

// customerSelect reads customers with their signals counted over the cases
// the viewer (placeholder viewer) is not excluded from: a handler kept out
// of a case learns nothing of it from the registry (issue 16, finding 5).
func customerSelect(viewer string) string {
	cc := "case_customers cc JOIN cases c ON c.id = cc.case_id WHERE cc.customer_id = cu.id AND " + visibleLink(viewer)
	return `SELECT cu.id, cu.org_id, cu.display_name, cu.created_at, ` + levelSQL + `,
	(SELECT COUNT(*) FROM ` + cc + `),
	(SELECT COUNT(DISTINCT c.reporter_id) FROM ` + cc + `),
	(SELECT MIN(c.occurred_at) FROM ` + cc + `),
	(SELECT MAX(c.occurred_at) FROM ` + cc + `)
	FROM customers cu`
}

// visibleLink is true of a case_customers row cc whose case the viewer
// (placeholder viewer) is not excluded from.
func visibleLink(viewer string) string {
	return "NOT EXISTS (SELECT 1 FROM case_exclusions x WHERE x.case_id = cc.case_id AND x.user_id = " + viewer + ")"
}

// visibleCustomer is true of a customer cu that exists for the viewer: one
// linked to no case, or to at least one the viewer is not excluded from.
func visibleCustomer(viewer string) string {
	return "(NOT EXISTS (SELECT 1 FROM case_customers cc WHERE cc.customer_id = cu.id) OR EXISTS (SELECT 1 FROM case_customers cc WHERE cc.customer_id = cu.id AND " +
		visibleLink(viewer) + "))"
}

func scanCustomer(sc scanner) (*kasuhara.Customer, error) {
	var c kasuhara.Customer
	var first, last sql.NullTime
	// SQLite returns MIN/MAX of a timestamp column as text.
	var firstS, lastS sql.NullString
	err := sc.Scan(&c.ID, &c.OrgID, &c.DisplayName, &c.CreatedAt, &c.Level, &c.IncidentCount, &c.ReporterCount, &firstS, &lastS)
	if err != nil {
		return nil, err
	}
	first, last = parseDBTime(firstS), parseDBTime(lastS)
	c.FirstAt, c.LastAt, c.CreatedAt = nullTime(first), nullTime(last), c.CreatedAt.UTC()
	return &c, nil
}

// parseDBTime reads an aggregate of a timestamp column, which SQLite
// returns as text and PostgreSQL as a time (rendered to text by the driver
// when scanned into a string).
func parseDBTime(s sql.NullString) sql.NullTime {
	if !s.Valid || s.String == "" {
		return sql.NullTime{}
	}
	for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999999Z07:00", time.RFC3339Nano,
		"2006-01-02 15:04:05.999999-07", "2006-01-02T15:04:05.999999999Z07:00"} {
		if t, err := time.Parse(layout, s.String); err == nil {
			return sql.NullTime{Time: t, Valid: true}
		}
	}
	return sql.NullTime{}
}

// queryCustomers reads the customers that match cond (placeholders from $2;
// $1 is the time) and exist for the viewer, in order.
func (s *Store) queryCustomers(ctx context.Context, v kasuhara.Actor, cond, order string, args ...any) ([]kasuhara.Customer, error) {
	viewer := "$" + fmt.Sprint(len(args)+2)
	q := customerSelect(viewer) + " WHERE " + cond + " AND " + visibleCustomer(viewer) + " " + order
	return list(ctx, s.db.Read, "customers", values(scanCustomer), q, append(append([]any{s.now()}, args...), v.UserID)...)
}

// identifiers returns the customer's identifiers the viewer may read: all of
// them, unless the viewer is excluded from one of the customer's cases;
// then only those that a case the viewer is not excluded from names too.
func (s *Store) identifiers(ctx context.Context, v kasuhara.Actor, customerID string) ([]kasuhara.Identifier, error) {
	var all []kasuhara.Identifier
	rows, err := s.db.Read.QueryContext(ctx, "SELECT kind, value, match_key FROM customer_identifiers WHERE customer_id = $1 ORDER BY kind, created_at", customerID)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var i kasuhara.Identifier
		if err := rows.Scan(&i.Kind, &i.Value, &i.Key); err != nil {
			rows.Close()
			return nil, err
		}
		all = append(all, i)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var excluded bool
	if err := s.db.Read.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM case_customers cc JOIN case_exclusions x ON x.case_id = cc.case_id
		WHERE cc.customer_id = $1 AND x.user_id = $2)`, customerID, v.UserID).Scan(&excluded); err != nil {
		return nil, err
	}
	if !excluded {
		return all, nil
	}
	rows, err = s.db.Read.QueryContext(ctx, `SELECT c.customer_name, c.customer_name_kana, c.customer_phone, c.customer_email, c.customer_account,
		c.customer_sns FROM case_customers cc JOIN cases c ON c.id = cc.case_id WHERE cc.customer_id = $1 AND `+visibleLink("$2"), customerID, v.UserID)
	if err != nil {
		return nil, err
	}
	seen := map[[2]string]bool{}
	for rows.Next() {
		var d kasuhara.CustomerDetails
		if err := rows.Scan(&d.Name, &d.NameKana, &d.Phone, &d.Email, &d.Account, &d.SNSHandle); err != nil {
			rows.Close()
			return nil, err
		}
		for _, i := range identifiersOf(d) {
			seen[[2]string{i.Kind, i.Key}] = true
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(i kasuhara.Identifier) bool { return !seen[[2]string{i.Kind, i.Key}] }), nil
}

// Customers implements kasuhara.CustomerService.
func (s *Store) Customers(ctx context.Context, v kasuhara.Actor, q string) ([]kasuhara.Customer, error) {
	if err := customerDesk(v); err != nil {
		return nil, err
	}
	q = strings.TrimSpace(q)
	var out []kasuhara.Customer
	var err error
	if q == "" {
		out, err = s.queryCustomers(ctx, v, "cu.org_id = $2", "ORDER BY cu.updated_at DESC, cu.id LIMIT 100", v.OrgID)
	} else {
		var conds []string
		var keys []kasuhara.Identifier
		args := []any{v.OrgID}
		add := func(kind, key string, like bool) {
			if key == "" {
				return
			}
			// Value marks a key matched by containment.
			keys = append(keys, kasuhara.Identifier{Kind: kind, Key: key, Value: map[bool]string{true: "like"}[like]})
			args = append(args, key)
			op := "= $" + fmt.Sprint(len(args)+1)
			if like {
				op = "LIKE '%' || $" + fmt.Sprint(len(args)+1) + " || '%'"
			}
			conds = append(conds, "(i.kind = '"+kind+"' AND i.match_key "+op+")")
		}
		if p, ok := identity.Phone(q); ok {
			add("phone", p, false)
		}
		if e, ok := identity.Email(q); ok {
			add("email", e, false)
		}
		add("account", identity.Account(q), false)
		add("handle", identity.Handle(q), false)
		add("name", identity.Name(q), true)
		add("name_kana", identity.NameKana(q), true)
		if len(conds) == 0 {
			return nil, nil
		}
		out, err = s.queryCustomers(ctx, v, `cu.org_id = $2 AND cu.id IN (SELECT i.customer_id FROM customer_identifiers i
			WHERE i.org_id = $2 AND (`+strings.Join(conds, " OR ")+`))`, "ORDER BY cu.updated_at DESC, cu.id LIMIT 100", args...)
		if err == nil {
			out, err = s.matchingVisible(ctx, v, out, keys)
		}
	}
	if err != nil {
		return nil, err
	}
	err = s.tx(ctx, func(tx *sqldb.Tx) error {
		return s.appendAudit(ctx, tx, change{actor: v, orgID: v.OrgID, action: "customer.list", objectType: "customer",
			detail: map[string]any{"count": len(out), "search": q != ""}})
	})
	return out, wrap("store.Customers", err)
}

// matchingVisible keeps the customers found by an identifier search that
// the viewer would find among the identifiers they may read: an identifier
// known only from a case the viewer is excluded from finds nothing.
func (s *Store) matchingVisible(ctx context.Context, v kasuhara.Actor, found []kasuhara.Customer, keys []kasuhara.Identifier) ([]kasuhara.Customer, error) {
	var out []kasuhara.Customer
	for _, c := range found {
		ids, err := s.identifiers(ctx, v, c.ID)
		if err != nil {
			return nil, err
		}
		if slices.ContainsFunc(ids, func(i kasuhara.Identifier) bool {
			return slices.ContainsFunc(keys, func(k kasuhara.Identifier) bool {
				return k.Kind == i.Kind && (k.Key == i.Key || k.Value == "like" && strings.Contains(i.Key, k.Key))
			})
		}) {
			out = append(out, c)
		}
	}
	return out, nil
}

// CustomerByID implements kasuhara.CustomerService.
func (s *Store) CustomerByID(ctx context.Context, v kasuhara.Actor, id string) (*kasuhara.Customer, error) {
	if err := customerDesk(v); err != nil {
		return nil, err
	}
	list, err := s.queryCustomers(ctx, v, "cu.id = $2 AND cu.org_id = $3", "", id, v.OrgID)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, &kasuhara.Error{Code: kasuhara.ENOTFOUND, Op: "store.CustomerByID", Message: "customer not found"}
	}
	c := &list[0]
	if c.Identifiers, err = s.identifiers(ctx, v, id); err != nil {
		return nil, err
	}
	a := &c.Addressee
	if err := s.db.Read.QueryRowContext(ctx, "SELECT is_company, formal_name, postal_address FROM customers WHERE id = $1", id).Scan(&a.Company, &a.FormalName, &a.Address); err != nil {
		return nil, wrap("store.CustomerByID", err)
	}
	// The cases the viewer may see; categories across all of them.
	rows, err := s.db.Read.QueryContext(ctx, `SELECT c.id, c.categories FROM case_customers cc JOIN cases c ON c.id = cc.case_id
		WHERE cc.customer_id = $1 AND NOT EXISTS (SELECT 1 FROM case_exclusions x WHERE x.case_id = c.id AND x.user_id = $2)
		ORDER BY c.occurred_at DESC`, id, v.UserID)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var cid, cats string
		if err := rows.Scan(&cid, &cats); err != nil {
			rows.Close()
			return nil, err
		}
		c.CaseIDs = append(c.CaseIDs, cid)
		for _, cat := range splitList(cats) {
			if !slices.Contains(c.Categories, kasuhara.Category(cat)) {
				c.Categories = append(c.Categories, kasuhara.Category(cat))
			}
		}
	}
	rows.Close()
	err = s.tx(ctx, func(tx *sqldb.Tx) error {
		return s.appendAudit(ctx, tx, change{actor: v, orgID: v.OrgID, action: "customer.read", objectType: "customer", objectID: id})
	})
	return c, wrap("store.CustomerByID", err)
}

// ForReview implements kasuhara.CustomerService.
func (s *Store) ForReview(ctx context.Context, v kasuhara.Actor) ([]kasuhara.Customer, error) {
	if err := customerDesk(v); err != nil {
		return nil, err
	}
	st, err := s.Settings(ctx, v.OrgID)
	if err != nil {
		return nil, err
	}
	return s.queryCustomers(ctx, v, `cu.org_id = $2 AND (
		(SELECT COUNT(DISTINCT c.reporter_id) FROM case_customers cc JOIN cases c ON c.id = cc.case_id WHERE cc.customer_id = cu.id) >= $3
		OR (SELECT COUNT(*) FROM case_customers cc JOIN cases c ON c.id = cc.case_id WHERE cc.customer_id = cu.id AND c.occurred_at >= $4) >= $5)`,
		"ORDER BY cu.updated_at DESC, cu.id LIMIT 100", v.OrgID, ReviewReporters,
		s.now().AddDate(0, 0, -st.ReviewWindowDays), st.ReviewIncidents)
}

const measureColumns = `id, customer_id, level, reason, customer_text, case_ids, status, effective_at, review_at, proposed_by, approved_by, approved_at,
	approval_comment, lifted_by, lifted_at, lift_reason, customer_response, created_at, premises, check_axes, check_accommodation, check_duty, incident_texts`

func (s *Store) scanMeasures(rows *sql.Rows) ([]kasuhara.Measure, error) {
	defer rows.Close()
	var out []kasuhara.Measure
	for rows.Next() {
		var m kasuhara.Measure
		var cases, incidents string
		var eff, appr, lifted sql.NullTime
		if err := rows.Scan(&m.ID, &m.CustomerID, &m.Level, &m.Reason, &m.CustomerText, &cases, &m.Status, &eff, &m.ReviewAt, &m.ProposedBy, &m.ApprovedBy, &appr,
			&m.ApprovalComment, &m.LiftedBy, &lifted, &m.LiftReason, &m.CustomerResponse, &m.CreatedAt, &m.Premises,
			&m.Checks.Axes, &m.Checks.Accommodation, &m.Checks.DutyToServe, &incidents); err != nil {
			return nil, err
		}
		if incidents != "" {
			// Written by ProposeMeasure as JSON; a value that does not
			// read leaves the letter with the categories.
			_ = json.Unmarshal([]byte(incidents), &m.Incidents)
		}
		m.CaseIDs = splitList(cases)
		m.EffectiveAt, m.ApprovedAt, m.LiftedAt = nullTime(eff), nullTime(appr), nullTime(lifted)
		m.ReviewAt, m.CreatedAt = m.ReviewAt.UTC(), m.CreatedAt.UTC()
		if m.Status == kasuhara.MeasureActive && !m.ReviewAt.After(s.now()) {
			m.Status = kasuhara.MeasureExpired
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// Measures implements kasuhara.CustomerService.
func (s *Store) Measures(ctx context.Context, v kasuhara.Actor, customerID string) ([]kasuhara.Measure, error) {
	if err := s.checkCustomer(ctx, s.db.Read, v, customerID); err != nil {
		return nil, err
	}
	rows, err := s.db.Read.QueryContext(ctx, "SELECT "+measureColumns+" FROM measures WHERE customer_id = $1 ORDER BY created_at DESC, id DESC", customerID)
	if err != nil {
		return nil, fmt.Errorf("store: measures: %w", err)
	}
	return s.scanMeasures(rows)
}

// checkCustomer verifies that the customer exists in the viewer's
// organisation and that the viewer may work on it.
func (s *Store) checkCustomer(ctx context.Context, q queryer, v kasuhara.Actor, customerID string) error {
	if err := customerDesk(v); err != nil {
		return err
	}
	var one int
	err := q.QueryRowContext(ctx, "SELECT 1 FROM customers WHERE id = $1 AND org_id = $2", customerID, v.OrgID).Scan(&one)
	if err != nil {
		return notFound(err, "store.customer", "customer")
	}
	return nil
}

// ProposeMeasure implements kasuhara.CustomerService.
func (s *Store) ProposeMeasure(ctx context.Context, v kasuhara.Actor, customerID string, n kasuhara.NewMeasure) (*kasuhara.Measure, error) {
	f := kasuhara.FieldErrors{}
	if !slices.Contains(kasuhara.MeasureLevels, n.Level) {
		f.Add("level", kasuhara.FieldChoice)
	}
	if strings.TrimSpace(n.Reason) == "" {
		f.Add("reason", kasuhara.FieldRequired)
	} else if utf8.RuneCountInString(n.Reason) > kasuhara.MaxLongText {
		f.Add("reason", kasuhara.FieldTooLong)
	}
	if utf8.RuneCountInString(n.CustomerText) > kasuhara.MaxLongText {
		f.Add("customer_text", kasuhara.FieldTooLong)
	}
	// A ban names the premises it covers: the ban letter tells the
	// customer where they may not enter. Other levels keep none.
	if n.Level == kasuhara.LevelBanned {
		if err := checkText("premises", n.Premises, true); err != nil {
			f.AddError("premises", kasuhara.ErrorFields(err)["premises"])
		}
	} else {
		n.Premises = ""
	}
	// A measure that needs approval is proposed with what was considered
	// (issue 22); below it the checks are not asked and not kept.
	checks := []*string{&n.Checks.Axes, &n.Checks.Accommodation, &n.Checks.DutyToServe}
	for i, c := range checks {
		*c = strings.TrimSpace(*c)
		if !kasuhara.NeedsApproval(n.Level) {
			*c = ""
			continue
		}
		field := kasuhara.MeasureCheckFields[i]
		if err := checkText(field, *c, true); err != nil {
			f.AddError(field, kasuhara.ErrorFields(err)[field])
		}
	}
	// Each incident's text for the letter belongs to a case of the measure.
	incidents := map[string]string{}
	for id, text := range n.Incidents {
		if text = strings.TrimSpace(text); text == "" {
			continue
		}
		if !slices.Contains(n.CaseIDs, id) {
			f.Add("incidents", kasuhara.FieldNotCustomerCase)
		} else if err := checkText("incidents", text, true); err != nil {
			f.AddError("incidents", kasuhara.ErrorFields(err)["incidents"])
		}
		incidents[id] = text
	}
	incidentsJSON := ""
	if len(incidents) > 0 {
		b, _ := json.Marshal(incidents)
		incidentsJSON = string(b)
	}
	now := s.now()
	if n.ReviewAt.IsZero() {
		f.Add("review_at", kasuhara.FieldRequired)
	} else if !n.ReviewAt.After(now) {
		f.Add("review_at", kasuhara.FieldPast)
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	m := &kasuhara.Measure{ID: newID(), CustomerID: customerID, Level: n.Level, Reason: strings.TrimSpace(n.Reason), CustomerText: strings.TrimSpace(n.CustomerText), CaseIDs: n.CaseIDs,
		Premises: strings.TrimSpace(n.Premises), Checks: n.Checks, Incidents: incidents, Status: kasuhara.MeasureProposed, ReviewAt: n.ReviewAt.UTC(), ProposedBy: v.UserID, CreatedAt: now}
	if !kasuhara.NeedsApproval(n.Level) {
		m.Status, m.EffectiveAt = kasuhara.MeasureActive, now
	}
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
		if err := s.checkCustomer(ctx, tx, v, customerID); err != nil {
			return err
		}
		for _, cid := range n.CaseIDs {
			var one int
			if err := tx.QueryRowContext(ctx, "SELECT 1 FROM case_customers WHERE case_id = $1 AND customer_id = $2", cid, customerID).Scan(&one); err != nil {
				return kasuhara.InvalidField("case_ids", kasuhara.FieldNotCustomerCase)
			}
		}
		var eff any
		if !m.EffectiveAt.IsZero() {
			eff = m.EffectiveAt
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO measures (id, customer_id, org_id, level, reason, customer_text, case_ids, status, effective_at, review_at, proposed_by, created_at, premises,
			check_axes, check_accommodation, check_duty, incident_texts)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`, m.ID, customerID, v.OrgID, m.Level, m.Reason, m.CustomerText, strings.Join(m.CaseIDs, ","),
			m.Status, eff, m.ReviewAt, m.ProposedBy, m.CreatedAt, m.Premises, m.Checks.Axes, m.Checks.Accommodation, m.Checks.DutyToServe, incidentsJSON); err != nil {
			return err
		}
		if m.Status == kasuhara.MeasureProposed {
			// Every person who may approve it hears of it.
			to, err := s.approvers(ctx, tx, v.OrgID, m)
			if err != nil {
				return err
			}
			if err := s.notifyMeasure(ctx, tx, v.OrgID, m, notify.MeasureProposed, to); err != nil {
				return err
			}
		}
		return s.appendAudit(ctx, tx, change{actor: v, orgID: v.OrgID, action: "measure.propose", objectType: "customer", objectID: customerID,
			detail: map[string]any{"measure_id": m.ID, "level": m.Level, "status": m.Status, "checks": m.Checks.Done()}})
	})
	if err != nil {
		return nil, wrap("store.ProposeMeasure", err)
	}
	return m, nil
}

// SetAddressee implements kasuhara.CustomerService.
func (s *Store) SetAddressee(ctx context.Context, v kasuhara.Actor, customerID string, a kasuhara.Addressee) error {
	if err := customerDesk(v); err != nil {
		return err
	}
	f := kasuhara.FieldErrors{}
	shortText(f, "formal_name", a.FormalName, false)
	if err := checkText("postal_address", a.Address, false); err != nil {
		f.AddError("postal_address", kasuhara.ErrorFields(err)["postal_address"])
	} else if utf8.RuneCountInString(a.Address) > kasuhara.MaxSenderText {
		f.Add("postal_address", kasuhara.FieldTooLong)
	}
	if kasuhara.HasNUL(a.FormalName) {
		f.Add("formal_name", kasuhara.FieldNUL)
	}
	if err := f.Err(); err != nil {
		return err
	}
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
		if err := s.checkCustomer(ctx, tx, v, customerID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE customers SET is_company = $1, formal_name = $2, postal_address = $3 WHERE id = $4",
			a.Company, strings.TrimSpace(a.FormalName), strings.TrimSpace(a.Address), customerID); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, change{actor: v, orgID: v.OrgID, action: "customer.addressee", objectType: "customer", objectID: customerID,
			detail: map[string]string{"company": strconv.FormatBool(a.Company)}})
	})
	return wrap("store.SetAddressee", err)
}

// measureFor loads one measure of the customer inside tx.
func (s *Store) measureFor(ctx context.Context, tx *sqldb.Tx, customerID, measureID string) (*kasuhara.Measure, error) {
	rows, err := tx.QueryContext(ctx, "SELECT "+measureColumns+" FROM measures WHERE id = $1 AND customer_id = $2", measureID, customerID)
	if err != nil {
		return nil, err
	}
	ms, err := s.scanMeasures(rows)
	if err != nil {
		return nil, err
	}
	if len(ms) == 0 {
		return nil, kasuhara.Errorf(kasuhara.ENOTFOUND, "measure not found")
	}
	return &ms[0], nil
}

// grantWindow is how long the person who created, granted or reset an
// account counts as able to act through it.
const grantWindow = 30 * 24 * time.Hour

// makers returns the people (not the command line or the server) who
// created userID's account, changed its role, reset its password or
// requested a grant of a role or a reset for it in the last grantWindow:
// each of them may know its password, or chose the person (an employee
// raised to legal by a grant its requester asked for).
func (s *Store) makers(ctx context.Context, tx queryer, userID string) ([]string, error) {
	return s.auditActors(ctx, tx, userID, "'user.create', 'membership.set', 'user.password_reset', 'grant.request'")
}

// grantApprovers returns the people who approved a grant of a role or a
// reset for userID in the last grantWindow. An approver learns no
// password, so approving the grants of two people does not make one
// natural person of them; but the one approved may not be the approver's
// second hand on the approver's own proposals.
func (s *Store) grantApprovers(ctx context.Context, tx queryer, userID string) ([]string, error) {
	return s.auditActors(ctx, tx, userID, "'grant.approve'")
}

// auditActors returns who did one of actions (a quoted SQL list, a
// constant) to userID's account in the last grantWindow.
func (s *Store) auditActors(ctx context.Context, tx queryer, userID, actions string) ([]string, error) {
	return selectIDs(ctx, tx, `SELECT DISTINCT actor_id FROM audit_entries
		WHERE object_type = 'user' AND object_id = $1 AND action IN (`+actions+`)
		AND at >= $2 AND COALESCE(actor_id, '') <> ''`, userID, s.now().Add(-grantWindow))
}

// samePersonBehind reports whether approver may be the proposer's natural
// person under another account: the proposer, or whoever made the
// proposer's account, made the approver's in the last 30 days (issue 16,
// finding 2: one admin could create two legal users and approve alone).
func (s *Store) samePersonBehind(ctx context.Context, tx queryer, proposer, approver string) (bool, error) {
	if proposer == approver {
		return true, nil
	}
	if approvedBy, err := s.grantApprovers(ctx, tx, approver); err != nil || slices.Contains(approvedBy, proposer) {
		return err == nil, err
	}
	ofApprover, err := s.makers(ctx, tx, approver)
	if err != nil || len(ofApprover) == 0 {
		return false, err
	}
	ofProposer, err := s.makers(ctx, tx, proposer)
	if err != nil {
		return false, err
	}
	for _, m := range ofApprover {
		if m == proposer || slices.Contains(ofProposer, m) {
			return true, nil
		}
	}
	return false, nil
}

// approverRoles are the roles that may approve a measure.
func approverRoles() []string {
	var out []string
	for _, r := range kasuhara.Roles {
		if access.Can(r, access.ApproveMeasure) {
			out = append(out, string(r))
		}
	}
	return out
}

// mayApprove reports why userID may not approve m ("" when they may): the
// proposer, a person behind the proposer's account (samePersonBehind), or
// a person excluded from a case the measure rests on. The role is checked
// by the caller.
func (s *Store) mayApprove(ctx context.Context, q queryer, m *kasuhara.Measure, userID string) (string, error) {
	if m.ProposedBy == userID {
		return "the proposer cannot approve their own proposal", nil
	}
	if same, err := s.samePersonBehind(ctx, q, m.ProposedBy, userID); err != nil {
		return "", err
	} else if same {
		return "the approver's account was made, granted or reset lately by the proposer or by whoever did so for the proposer's", nil
	}
	for _, cid := range m.CaseIDs {
		var excluded bool
		if err := q.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM case_exclusions WHERE case_id = $1 AND user_id = $2)", cid, userID).Scan(&excluded); err != nil {
			return "", err
		}
		if excluded {
			return "the approver is excluded from a case the measure rests on", nil
		}
	}
	return "", nil
}

// approvers lists the members of the organisation who may approve m.
func (s *Store) approvers(ctx context.Context, q queryer, orgID string, m *kasuhara.Measure) ([]string, error) {
	var out []string
	for _, role := range approverRoles() {
		ids, err := selectIDs(ctx, q, `SELECT m.user_id FROM memberships m JOIN users u ON u.id = m.user_id
			WHERE m.org_id = $1 AND m.role = $2 AND NOT u.disabled ORDER BY u.name, u.id`, orgID, role)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			if why, err := s.mayApprove(ctx, q, m, id); err != nil {
				return nil, err
			} else if why == "" {
				out = append(out, id)
			}
		}
	}
	return out, nil
}

// ApproveMeasure implements kasuhara.CustomerService.
func (s *Store) ApproveMeasure(ctx context.Context, v kasuhara.Actor, customerID, measureID, comment string) (*kasuhara.Measure, error) {
	if err := checkText("comment", comment, false); err != nil {
		return nil, err
	}
	var m *kasuhara.Measure
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
		if err := s.checkCustomer(ctx, tx, v, customerID); err != nil {
			return err
		}
		var err error
		if m, err = s.measureFor(ctx, tx, customerID, measureID); err != nil {
			return err
		}
		switch {
		case !access.Can(v.Role, access.ApproveMeasure):
			return kasuhara.Errorf(kasuhara.EFORBIDDEN, "a measure is approved by a second person with the legal role")
		case m.ProposedBy == v.UserID:
			return kasuhara.Errorf(kasuhara.EFORBIDDEN, "the proposer cannot approve their own proposal")
		case m.Status != kasuhara.MeasureProposed:
			return kasuhara.Errorf(kasuhara.ECONFLICT, "the measure is not waiting for approval")
		}
		if why, err := s.mayApprove(ctx, tx, m, v.UserID); err != nil {
			return err
		} else if why != "" {
			return kasuhara.Errorf(kasuhara.EFORBIDDEN, "%s", why)
		}
		now := s.now()
		comment = strings.TrimSpace(comment)
		if _, err := tx.ExecContext(ctx, "UPDATE measures SET status = 'active', approved_by = $1, approved_at = $2, effective_at = $2, approval_comment = $3 WHERE id = $4",
			v.UserID, now, comment, m.ID); err != nil {
			return err
		}
		m.Status, m.ApprovedBy, m.ApprovedAt, m.EffectiveAt, m.ApprovalComment = kasuhara.MeasureActive, v.UserID, now, now, comment
		if err := s.notifyMeasure(ctx, tx, v.OrgID, m, notify.MeasureApproved, without([]string{m.ProposedBy}, v.UserID)); err != nil {
			return err
		}
		// The approver is the entry's actor (by name in the audit log); the
		// detail says whether a comment was given, never the comment.
		return s.appendAudit(ctx, tx, change{actor: v, orgID: v.OrgID, action: "measure.approve", objectType: "customer", objectID: customerID,
			detail: map[string]any{"measure_id": m.ID, "level": m.Level, "proposed_by": m.ProposedBy, "comment": comment != ""}})
	})
	if err != nil {
		return nil, wrap("store.ApproveMeasure", err)
	}
	return m, nil
}

// LiftMeasure implements kasuhara.CustomerService.
func (s *Store) LiftMeasure(ctx context.Context, v kasuhara.Actor, customerID, measureID, reason string) error {
	if strings.TrimSpace(reason) == "" {
		return kasuhara.InvalidField("reason", kasuhara.FieldRequired)
	}
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
		if err := s.checkCustomer(ctx, tx, v, customerID); err != nil {
			return err
		}
		m, err := s.measureFor(ctx, tx, customerID, measureID)
		if err != nil {
			return err
		}
		status := kasuhara.MeasureLifted
		switch m.Status {
		case kasuhara.MeasureProposed:
			status = kasuhara.MeasureRejected
		case kasuhara.MeasureActive, kasuhara.MeasureExpired:
		default:
			return kasuhara.Errorf(kasuhara.ECONFLICT, "the measure has ended already")
		}
		if _, err := tx.ExecContext(ctx, "UPDATE measures SET status = $1, lifted_by = $2, lifted_at = $3, lift_reason = $4 WHERE id = $5",
			status, v.UserID, s.now(), strings.TrimSpace(reason), m.ID); err != nil {
			return err
		}
		if status == kasuhara.MeasureRejected {
			// The proposer hears of the rejection (not of their own withdrawal).
			if err := s.notifyMeasure(ctx, tx, v.OrgID, m, notify.MeasureRejected, without([]string{m.ProposedBy}, v.UserID)); err != nil {
				return err
			}
		}
		return s.appendAudit(ctx, tx, change{actor: v, orgID: v.OrgID, action: "measure.lift", objectType: "customer", objectID: customerID,
			detail: map[string]string{"measure_id": m.ID, "status": status}})
	})
	return wrap("store.LiftMeasure", err)
}

// RecordResponse implements kasuhara.CustomerService.
func (s *Store) RecordResponse(ctx context.Context, v kasuhara.Actor, customerID, measureID, response string) error {
	if err := checkText("response", response, true); err != nil {
		return err
	}
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
		if err := s.checkCustomer(ctx, tx, v, customerID); err != nil {
			return err
		}
		if _, err := s.measureFor(ctx, tx, customerID, measureID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE measures SET customer_response = $1 WHERE id = $2", strings.TrimSpace(response), measureID); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, change{actor: v, orgID: v.OrgID, action: "measure.response", objectType: "customer", objectID: customerID,
			detail: map[string]string{"measure_id": measureID}})
	})
	return wrap("store.RecordResponse", err)
}

// PendingApprovals implements kasuhara.CustomerService.
func (s *Store) PendingApprovals(ctx context.Context, v kasuhara.Actor) ([]kasuhara.Measure, error) {
	if err := customerDesk(v); err != nil {
		return nil, err
	}
	rows, err := s.db.Read.QueryContext(ctx, "SELECT "+measureColumns+" FROM measures WHERE org_id = $1 AND status = 'proposed' ORDER BY created_at", v.OrgID)
	if err != nil {
		return nil, fmt.Errorf("store: pending approvals: %w", err)
	}
	return s.scanMeasures(rows)
}

// Approvals implements kasuhara.CustomerService.
func (s *Store) Approvals(ctx context.Context, v kasuhara.Actor) ([]kasuhara.Approval, error) {
	ms, err := s.PendingApprovals(ctx, v)
	if err != nil {
		return nil, err
	}
	out := make([]kasuhara.Approval, 0, len(ms))
	for _, m := range ms {
		a := kasuhara.Approval{Measure: m}
		if err := s.db.Read.QueryRowContext(ctx, "SELECT display_name FROM customers WHERE id = $1", m.CustomerID).Scan(&a.CustomerName); err != nil {
			return nil, wrap("store.Approvals", err)
		}
		for _, cid := range m.CaseIDs {
			var ref string
			// A case the viewer is excluded from is counted, not named.
			err := s.db.Read.QueryRowContext(ctx, `SELECT ref FROM cases c WHERE id = $1 AND org_id = $2
				AND NOT EXISTS (SELECT 1 FROM case_exclusions x WHERE x.case_id = c.id AND x.user_id = $3)`, cid, v.OrgID, v.UserID).Scan(&ref)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				a.Hidden++
			case err != nil:
				return nil, wrap("store.Approvals", err)
			default:
				a.Cases = append(a.Cases, kasuhara.CaseRef{ID: cid, Ref: ref})
			}
		}
		if access.Can(v.Role, access.ApproveMeasure) {
			why, err := s.mayApprove(ctx, s.db.Read, &m, v.UserID)
			if err != nil {
				return nil, wrap("store.Approvals", err)
			}
			a.MayApprove = why == ""
		}
		out = append(out, a)
	}
	return out, nil
}

// ApprovalsWaiting implements kasuhara.CustomerService.
func (s *Store) ApprovalsWaiting(ctx context.Context, v kasuhara.Actor) (int, error) {
	if !access.Can(v.Role, access.ApproveMeasure) {
		return 0, nil
	}
	as, err := s.Approvals(ctx, v)
	n := 0
	for _, a := range as {
		if a.MayApprove {
			n++
		}
	}
	return n, err
}

// LookupCustomer implements kasuhara.CustomerService.
func (s *Store) LookupCustomer(ctx context.Context, v kasuhara.Actor, kind, value string) (*kasuhara.Lookup, error) {
	key, ok := "", false
	switch kind {
	case "phone":
		key, ok = identity.Phone(value)
	case "email":
		key, ok = identity.Email(value)
	case "account":
		key = identity.Account(value)
		ok = key != ""
	default:
		return nil, kasuhara.InvalidField("phone", kasuhara.FieldLookup)
	}
	if !ok {
		return nil, kasuhara.InvalidField(kind, kasuhara.FieldMalformed)
	}
	level := kasuhara.LevelNone
	err := s.db.Read.QueryRowContext(ctx, `SELECT `+levelSQL+` FROM customers cu WHERE cu.org_id = $2 AND cu.id IN
		(SELECT customer_id FROM customer_identifiers WHERE org_id = $2 AND kind = $3 AND match_key = $4)
		ORDER BY 1 DESC LIMIT 1`, s.now(), v.OrgID, kind, key).Scan(&level)
	if err != nil && err != sql.ErrNoRows {
		return nil, fmt.Errorf("store: lookup: %w", err)
	}
	// The most severe of several matches wins.
	err = s.tx(ctx, func(tx *sqldb.Tx) error {
		return s.appendAudit(ctx, tx, change{actor: v, orgID: v.OrgID, action: "customer.lookup", objectType: "customer",
			detail: map[string]string{"kind": kind, "status": level}})
	})
	if err != nil {
		return nil, wrap("store.LookupCustomer", err)
	}
	return &kasuhara.Lookup{Status: level}, nil
}

// PossibleDuplicates lists other customers of the organisation who share an
// identifier key with this one (for a name, only the name): the desk
// decides whether to merge; nothing is merged on its own.
func (s *Store) PossibleDuplicates(ctx context.Context, v kasuhara.Actor, id string) ([]kasuhara.Customer, error) {
	if err := s.checkCustomer(ctx, s.db.Read, v, id); err != nil {
		return nil, err
	}
	return s.queryCustomers(ctx, v, `cu.org_id = $2 AND cu.id <> $3 AND cu.id IN (
		SELECT o.customer_id FROM customer_identifiers o JOIN customer_identifiers m
		ON m.org_id = o.org_id AND m.kind = o.kind AND m.match_key = o.match_key
		WHERE m.customer_id = $3 AND o.org_id = $2)`, "ORDER BY cu.updated_at DESC LIMIT 20", v.OrgID, id)
}

// MergeCustomers moves everything of customer from into customer into:
// identifiers, cases and measures. It is a decision of the desk, recorded
// in the audit trail.
func (s *Store) MergeCustomers(ctx context.Context, v kasuhara.Actor, into, from string) error {
	if into == from {
		return kasuhara.InvalidField("customer", kasuhara.FieldSamePerson)
	}
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
		for _, id := range []string{into, from} {
			if err := s.checkCustomer(ctx, tx, v, id); err != nil {
				return err
			}
		}
		for _, q := range []string{
			`UPDATE customer_identifiers SET customer_id = $1 WHERE customer_id = $2 AND NOT EXISTS (SELECT 1 FROM customer_identifiers k
				WHERE k.customer_id = $1 AND k.kind = customer_identifiers.kind AND k.match_key = customer_identifiers.match_key)`,
			`DELETE FROM customer_identifiers WHERE customer_id = $2 AND $1 <> ''`,
			`INSERT INTO case_customers (case_id, customer_id) SELECT case_id, $1 FROM case_customers WHERE customer_id = $2 ON CONFLICT DO NOTHING`,
			`DELETE FROM case_customers WHERE customer_id = $2 AND $1 <> ''`,
			`UPDATE measures SET customer_id = $1 WHERE customer_id = $2`,
			`UPDATE notifications SET case_id = $1 WHERE case_id = $2 AND type LIKE 'measure.%'`,
			`UPDATE legal_holds SET customer_id = $1 WHERE customer_id = $2`,
			`UPDATE online_posts SET customer_id = $1 WHERE customer_id = $2`,
			`DELETE FROM customers WHERE id = $2 AND $1 <> ''`,
		} {
			if _, err := tx.ExecContext(ctx, q, into, from); err != nil {
				return err
			}
		}
		return s.appendAudit(ctx, tx, change{actor: v, orgID: v.OrgID, action: "customer.merge", objectType: "customer", objectID: into,
			detail: map[string]string{"merged": from}})
	})
	return wrap("store.MergeCustomers", err)
}

// SplitCase takes a case away from a customer it was wrongly linked to and
// gives it a new customer record of its own, recorded in the audit trail.
func (s *Store) SplitCase(ctx context.Context, v kasuhara.Actor, customerID, caseID string) (string, error) {
	newCust := newID()
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
		if err := s.checkCustomer(ctx, tx, v, customerID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, "DELETE FROM case_customers WHERE customer_id = $1 AND case_id = $2", customerID, caseID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return kasuhara.InvalidField("case_ids", kasuhara.FieldNotCustomerCase)
		}
		c, err := scanCase(tx.QueryRowContext(ctx, "SELECT "+caseColumns+" FROM cases c WHERE c.id = $1", caseID))
		if err != nil {
			return err
		}
		now := s.now()
		if _, err := tx.ExecContext(ctx, "INSERT INTO customers (id, org_id, display_name, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)",
			newCust, v.OrgID, strings.TrimSpace(c.Report.Customer.Name), now); err != nil {
			return err
		}
		for _, id := range identifiersOf(c.Report.Customer) {
			if _, err := tx.ExecContext(ctx, `INSERT INTO customer_identifiers (id, customer_id, org_id, kind, value, match_key, created_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (customer_id, kind, match_key) DO NOTHING`, newID(), newCust, v.OrgID, id.Kind, id.Value, id.Key, now); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO case_customers (case_id, customer_id) VALUES ($1, $2)", caseID, newCust); err != nil {
			return err
		}
		// A legal hold on the customer keeps covering the case split off.
		if _, err := tx.ExecContext(ctx, `INSERT INTO legal_holds (id, org_id, customer_id, reason, created_by, created_at)
			SELECT $1 || substr(id, 1, 8), org_id, $2, reason, created_by, created_at FROM legal_holds WHERE customer_id = $3`, newID(), newCust, customerID); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, change{actor: v, orgID: v.OrgID, action: "customer.split", objectType: "customer", objectID: customerID,
			detail: map[string]string{"case_id": caseID, "new_customer": newCust}})
	})
	if err != nil {
		return "", wrap("store.SplitCase", err)
	}
	return newCust, nil
}

// CustomersOfCase implements kasuhara.CustomerService: the customers the
// case is linked to, for the case page. The case must be one the viewer
// handles (an excluded handler gets ENOTFOUND, as for the case itself).
func (s *Store) CustomersOfCase(ctx context.Context, v kasuhara.Actor, caseID string) ([]kasuhara.Customer, error) {
	if err := customerDesk(v); err != nil {
		return nil, err
	}
	if _, _, err := s.caseFor(ctx, s.db.Read, v, caseID, access.CaseHandler); err != nil {
		return nil, wrap("store.CustomersOfCase", err)
	}
	list, err := s.queryCustomers(ctx, v, "cu.org_id = $2 AND cu.id IN (SELECT customer_id FROM case_customers WHERE case_id = $3)",
		"ORDER BY cu.display_name, cu.id", v.OrgID, caseID)
	return list, wrap("store.CustomersOfCase", err)
}
