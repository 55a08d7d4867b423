package sqldb

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// What differs between the engines beyond the portable SQL that the store
// writes: how a unique constraint's failure looks, and which placeholders
// a statement of thousands of values takes.

// IsUniqueViolation reports whether err is a unique-constraint (or primary
// key) failure on either engine.
func IsUniqueViolation(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code == "23505"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// InsertRows inserts rows into table in multi-row INSERTs. On SQLite the
// placeholders are "?": SQLite looks "$N" names up one by one, which costs
// more than the insert itself for statements of thousands. A column written
// "name=EXPR(%s)" takes its value through EXPR.
func (tx *Tx) InsertRows(ctx context.Context, table string, cols []string, rows [][]any) error {
	return tx.InsertRowsThen(ctx, table, cols, rows, "")
}

// InsertRowsThen is InsertRows with then (an ON CONFLICT clause) after each
// statement's rows.
func (tx *Tx) InsertRowsThen(ctx context.Context, table string, cols []string, rows [][]any, then string) error {
	return tx.insertRows(ctx, table, cols, rows, then, false)
}

// QueueRows is InsertRows with each statement queued (Queue): its error may
// come with the next statement the function sends.
func (tx *Tx) QueueRows(ctx context.Context, table string, cols []string, rows [][]any) error {
	return tx.insertRows(ctx, table, cols, rows, "", true)
}

// QueueRowsThen is InsertRowsThen with each statement queued (Queue).
func (tx *Tx) QueueRowsThen(ctx context.Context, table string, cols []string, rows [][]any, then string) error {
	return tx.insertRows(ctx, table, cols, rows, then, true)
}

func (tx *Tx) insertRows(ctx context.Context, table string, cols []string, rows [][]any, then string, queue bool) error {
	positional := tx.engine == SQLite
	per := 8000 / len(cols) // well within both engines' limits on parameters
	names, exprs := make([]string, len(cols)), make([]string, len(cols))
	for i, c := range cols {
		names[i], exprs[i] = c, "%s"
		if n, e, ok := strings.Cut(c, "="); ok {
			names[i], exprs[i] = n, e
		}
	}
	for len(rows) > 0 {
		chunk := rows[:min(per, len(rows))]
		rows = rows[len(chunk):]
		var b strings.Builder
		b.WriteString("INSERT INTO " + table + " (" + strings.Join(names, ", ") + ") VALUES ")
		args := make([]any, 0, len(chunk)*len(cols))
		for i, r := range chunk {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(")
			for j := range cols {
				if j > 0 {
					b.WriteString(", ")
				}
				ph := "?"
				if !positional {
					ph = fmt.Sprintf("$%d", len(args)+j+1)
				}
				fmt.Fprintf(&b, exprs[j], ph)
			}
			b.WriteString(")")
			args = append(args, r...)
		}
		b.WriteString(then)
		var err error
		if queue {
			err = tx.Queue(ctx, b.String(), args...)
		} else {
			_, err = tx.ExecContext(ctx, b.String(), args...)
		}
		if err != nil {
			return fmt.Errorf("insert into %s: %w", table, err)
		}
	}
	return nil
}
