package store

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/calendar"
	"github.com/kasuhara/kasuhara/internal/sqldb"
)

// The stages of the hooks that write what other batches of changes may
// write too (sqldb.Tx.Serial), in the order in which every batch takes
// their locks: the customer registry's entries (by identifier), the case
// numbers, the statistics counters, the audit chain's head. The audit chain
// comes last: the records' states it hashes include the case numbers and
// the customers' links.
const (
	stageCustomers = 1 + iota
	stageCaseNumbers
	stageStats
	stageAudit
)

// caseYear is the year of a case's number: the year in Japan when it was
// filed.
func caseYear(c *kasuhara.Case) int { return c.CreatedAt.In(calendar.JST).Year() }

func caseRef(year, n int) string { return fmt.Sprintf("K-%d-%05d", year, n) }

// numberCase gives a new case its number before its INSERT. On SQLite
// (one writer) it takes the number at once. On PostgreSQL the counter's
// row, locked from its update to the commit, would hold back every other
// batch that files a report in the organisation while this batch's other
// functions run: the case is written with a provisional number (its id,
// unique as the number is) and numbered at the end of the batch
// (whenNumbered).
func (s *Store) numberCase(ctx context.Context, tx *sqldb.Tx, c *kasuhara.Case) error {
	if s.db.Engine != sqldb.Postgres {
		year := caseYear(c)
		var n int
		if err := tx.QueryRowContext(ctx, `INSERT INTO case_counters (org_id, year, next) VALUES ($1, $2, 2)
			ON CONFLICT (org_id, year) DO UPDATE SET next = case_counters.next + 1 RETURNING next - 1`, c.OrgID, year).Scan(&n); err != nil {
			return fmt.Errorf("case number: %w", err)
		}
		c.Ref = caseRef(year, n)
		return nil
	}
	c.Ref = provisionalRef(c.ID)
	return nil
}

// provisionalRef is the number a case numbered at the end of its batch
// has until then; no number has its form.
func provisionalRef(id string) string { return "~" + id }

// whenNumbered runs then once c has its number (numberCase): at once on
// SQLite; on PostgreSQL at the end of the batch, before the statistics and
// the audit chain, after the number is written. What names the number
// (the first timeline event, the notifications) goes there. If the
// function that filed c fails, then never runs.
func (s *Store) whenNumbered(ctx context.Context, tx *sqldb.Tx, c *kasuhara.Case, then func(*sqldb.Tx) error) error {
	if s.db.Engine != sqldb.Postgres {
		return then(tx)
	}
	ctx = context.WithoutCancel(ctx) // it runs at the commit, whatever became of the caller
	tx.BeforeCommit(func(tx *sqldb.Tx) error {
		b := tx.State(numberBatchKey{}, func() any { return &numberBatch{} }).(*numberBatch)
		if len(b.cases) == 0 {
			tx.Serial(stageCaseNumbers, func(tx *sqldb.Tx) error { return s.writeCaseNumbers(ctx, tx, b) })
		}
		b.cases = append(b.cases, numbered{c: c, year: caseYear(c), then: then})
		return nil
	})
	return nil
}

// numberBatch is the cases of a batch waiting for their numbers, in the
// order filed.
type numberBatch struct{ cases []numbered }

type numbered struct {
	c    *kasuhara.Case
	year int
	then func(*sqldb.Tx) error
}

type numberBatchKey struct{}

// writeCaseNumbers takes the numbers of the batch's cases from the
// counters, each organisation's and year's once and in the order of their
// keys (so that two batches lock them in the same order), in the order the
// cases were filed; writes them; and runs what waited for them.
func (s *Store) writeCaseNumbers(ctx context.Context, tx *sqldb.Tx, b *numberBatch) error {
	type key struct {
		org  string
		year int
	}
	count := map[key]int{}
	for _, n := range b.cases {
		count[key{n.c.OrgID, n.year}]++
	}
	keys := make([]key, 0, len(count))
	for k := range count {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b key) int {
		if c := strings.Compare(a.org, b.org); c != 0 {
			return c
		}
		return a.year - b.year
	})
	var vals []string
	var args []any
	for _, k := range keys {
		vals = append(vals, fmt.Sprintf("($%d, $%d, $%d)", len(args)+1, len(args)+2, len(args)+3))
		args = append(args, k.org, k.year, count[k]+1)
	}
	// A new counter starts at 1: next is then count+1. An existing one
	// moves by count; the batch's first number is next - count either way.
	rows, err := tx.QueryContext(ctx, `INSERT INTO case_counters (org_id, year, next) VALUES `+strings.Join(vals, ", ")+`
		ON CONFLICT (org_id, year) DO UPDATE SET next = case_counters.next + excluded.next - 1 RETURNING org_id, year, next`, args...)
	if err != nil {
		return fmt.Errorf("store: case numbers: %w", err)
	}
	next := map[key]int{}
	for rows.Next() {
		var k key
		var n int
		if err := rows.Scan(&k.org, &k.year, &n); err != nil {
			rows.Close()
			return fmt.Errorf("store: case numbers: %w", err)
		}
		next[k] = n - count[k]
	}
	if err := rows.Close(); err != nil {
		return fmt.Errorf("store: case numbers: %w", err)
	}
	for _, n := range b.cases {
		k := key{n.c.OrgID, n.year}
		first, ok := next[k]
		if !ok {
			return fmt.Errorf("store: case numbers: no number for %s %d", k.org, k.year)
		}
		n.c.Ref = caseRef(n.year, first)
		next[k] = first + 1
	}
	// An import files thousands of cases in one function: at most 1,000
	// a statement, well within PostgreSQL's 65,535 parameters.
	for chunk := range slices.Chunk(b.cases, 1000) {
		// Fresh slices: a queued statement keeps its arguments until sent.
		vals, args := make([]string, 0, len(chunk)), make([]any, 0, 2*len(chunk))
		for _, n := range chunk {
			vals = append(vals, fmt.Sprintf("($%d, $%d)", len(args)+1, len(args)+2))
			args = append(args, n.c.ID, n.c.Ref)
		}
		if err := tx.Queue(ctx, "UPDATE cases SET ref = v.ref FROM (VALUES "+strings.Join(vals, ", ")+") AS v (id, ref) WHERE cases.id = v.id",
			args...); err != nil {
			return fmt.Errorf("store: case numbers: %w", err)
		}
	}
	for _, n := range b.cases {
		if err := n.then(tx); err != nil {
			return err
		}
	}
	return nil
}
