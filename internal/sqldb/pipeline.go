package sqldb

import (
	"context"
	"database/sql/driver"
	"fmt"
	"io"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

// Queued statements on PostgreSQL (Tx.Queue). database/sql sends one
// statement and waits for its answer; the writer's connection (detachedConn)
// takes the statements queued before it from the context (batch.carry) and
// sends them and it as one pgx batch: one round trip, the statements run in
// order, and the first that fails ends it (the transaction is then aborted
// until its savepoint is rolled back, which the committer does).

// queued is a statement given to Queue and not sent yet.
type queued struct {
	query string
	args  []any
	owner *txRequest // the function or hook that queued it; nil in Bookkeeping
}

// pendingKey carries the queued statements in a statement's context.
type pendingKey struct{}

// flushOnly is the statement that sends the queued statements alone: the
// writer's connection sends nothing for it.
const flushOnly = "-- sqldb: queued statements only"

// QueuedError is the error of a queued statement, returned by the statement
// it was sent with (or the function's outcome when it was sent at the end).
type QueuedError struct {
	Query string
	Err   error
	owner *txRequest
}

func (e *QueuedError) Error() string {
	return fmt.Sprintf("sqldb: queued statement %.60q: %v", e.Query, e.Err)
}

func (e *QueuedError) Unwrap() error { return e.Err }

// pendingIn returns the queued statements ctx carries.
func pendingIn(ctx context.Context) []queued {
	p, _ := ctx.Value(pendingKey{}).([]queued)
	return p
}

// sendPending sends the queued statements p, then query with args when
// query is not flushOnly, in one batch, and returns the batch's results
// positioned at query's (nil for flushOnly). The caller closes them.
func sendPending(ctx context.Context, conn *pgx.Conn, p []queued, query string, args []driver.NamedValue) (pgx.BatchResults, error) {
	b := &pgx.Batch{}
	for _, q := range p {
		b.Queue(q.query, q.args...)
	}
	if query != flushOnly {
		vals := make([]any, len(args))
		for i, a := range args {
			vals[i] = a.Value
		}
		b.Queue(query, vals...)
	}
	br := conn.SendBatch(ctx, b)
	for _, q := range p {
		if _, err := br.Exec(); err != nil {
			br.Close()
			return nil, &QueuedError{Query: q.query, Err: err, owner: q.owner}
		}
	}
	if query == flushOnly {
		return nil, br.Close()
	}
	return br, nil
}

func (c detachedConn) execAfter(ctx context.Context, p []queued, query string, args []driver.NamedValue) (driver.Result, error) {
	br, err := sendPending(ctx, c.inner.Conn(), p, query, args)
	if err != nil || br == nil {
		return driver.RowsAffected(0), err
	}
	tag, err := br.Exec()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return driver.RowsAffected(tag.RowsAffected()), err
}

func (c detachedConn) queryAfter(ctx context.Context, p []queued, query string, args []driver.NamedValue) (driver.Rows, error) {
	conn := c.inner.Conn()
	br, err := sendPending(ctx, conn, p, query, args)
	if err != nil {
		return nil, err
	}
	rows, err := br.Query()
	if err == nil {
		// As pgx's stdlib does: the first row read now, so that the
		// query's error comes with QueryContext.
		r := &batchRows{br: br, rows: rows, typeMap: conn.TypeMap(), first: true, more: rows.Next()}
		if err = rows.Err(); err == nil {
			return r, nil
		}
		rows.Close()
	}
	br.Close()
	return nil, err
}

// batchRows is the answer of a query sent with queued statements, as
// database/sql reads it: the values converted as pgx's stdlib converts them
// (stdlib.Rows, whose fields are not exported), so that Scan sees the
// same types whichever way the query went.
type batchRows struct {
	br          pgx.BatchResults
	rows        pgx.Rows
	typeMap     *pgtype.Map
	first, more bool
	columns     []string
	values      []func([]byte) (driver.Value, error)
}

func (r *batchRows) Columns() []string {
	if r.columns == nil {
		fds := r.rows.FieldDescriptions()
		r.columns = make([]string, len(fds))
		for i, fd := range fds {
			r.columns[i] = fd.Name
		}
	}
	return r.columns
}

func (r *batchRows) Close() error {
	r.rows.Close()
	err := r.rows.Err()
	if cerr := r.br.Close(); err == nil {
		err = cerr
	}
	return err
}

func (r *batchRows) Next(dest []driver.Value) error {
	if r.values == nil {
		fds := r.rows.FieldDescriptions()
		r.values = make([]func([]byte) (driver.Value, error), len(fds))
		for i, fd := range fds {
			r.values[i] = valueOf(r.typeMap, fd)
		}
	}
	more := r.more
	if r.first {
		r.first = false
	} else {
		more = r.rows.Next()
	}
	if !more {
		if err := r.rows.Err(); err != nil {
			return err
		}
		return io.EOF
	}
	for i, raw := range r.rows.RawValues() {
		dest[i] = nil
		if raw != nil {
			v, err := r.values[i](raw)
			if err != nil {
				return fmt.Errorf("convert field %d failed: %w", i, err)
			}
			dest[i] = v
		}
	}
	return nil
}

// valueOf converts a column's raw value to the driver.Value that pgx's
// stdlib gives for its type (stdlib.Rows.Next).
func valueOf(m *pgtype.Map, fd pgconn.FieldDescription) func([]byte) (driver.Value, error) {
	switch fd.DataTypeOID {
	case pgtype.BoolOID:
		return scanAs(m, fd, func(d bool) (driver.Value, error) { return d, nil })
	case pgtype.ByteaOID, pgtype.JSONOID, pgtype.JSONBOID, pgtype.XMLOID:
		return scanAs(m, fd, func(d []byte) (driver.Value, error) { return d, nil })
	case pgtype.CIDOID, pgtype.OIDOID, pgtype.XIDOID:
		return scanAs(m, fd, func(d pgtype.Uint32) (driver.Value, error) { return d.Value() })
	case pgtype.DateOID:
		return scanAs(m, fd, func(d pgtype.Date) (driver.Value, error) { return d.Value() })
	case pgtype.Float4OID:
		return scanAs(m, fd, func(d float32) (driver.Value, error) { return float64(d), nil })
	case pgtype.Float8OID:
		return scanAs(m, fd, func(d float64) (driver.Value, error) { return d, nil })
	case pgtype.Int2OID:
		return scanAs(m, fd, func(d int16) (driver.Value, error) { return int64(d), nil })
	case pgtype.Int4OID:
		return scanAs(m, fd, func(d int32) (driver.Value, error) { return int64(d), nil })
	case pgtype.Int8OID:
		return scanAs(m, fd, func(d int64) (driver.Value, error) { return d, nil })
	case pgtype.TimestampOID:
		return scanAs(m, fd, func(d pgtype.Timestamp) (driver.Value, error) { return d.Value() })
	case pgtype.TimestamptzOID:
		return scanAs(m, fd, func(d pgtype.Timestamptz) (driver.Value, error) { return d.Value() })
	default:
		return scanAs(m, fd, func(d string) (driver.Value, error) { return d, nil })
	}
}

func scanAs[T any](m *pgtype.Map, fd pgconn.FieldDescription, value func(T) (driver.Value, error)) func([]byte) (driver.Value, error) {
	var d T
	plan := m.PlanScan(fd.DataTypeOID, fd.Format, &d)
	return func(src []byte) (driver.Value, error) {
		if err := plan.Scan(src, &d); err != nil {
			return nil, err
		}
		return value(d)
	}
}
