package sqldb

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5"
)

// pgTracer records the statements of a PostgreSQL database in its
// stmtTrace (DB.TraceStatements): each query pgx sends, alone or in a batch
// (Tx.Queue). BEGIN, COMMIT and ROLLBACK are left out, as the SQLite trace
// leaves them out. Off, it costs an atomic load per statement.
type pgTracer struct{ t *stmtTrace }

var (
	_ pgx.QueryTracer = pgTracer{}
	_ pgx.BatchTracer = pgTracer{}
)

func (p pgTracer) record(sql string) {
	if !p.t.on.Load() {
		return
	}
	if u := strings.ToUpper(strings.TrimSpace(sql)); u == "COMMIT" || u == "ROLLBACK" || strings.HasPrefix(u, "BEGIN") {
		return
	}
	p.t.record(sql)
}

func (p pgTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	p.record(d.SQL)
	return ctx
}

func (pgTracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (pgTracer) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	return ctx
}

func (p pgTracer) TraceBatchQuery(_ context.Context, _ *pgx.Conn, d pgx.TraceBatchQueryData) {
	p.record(d.SQL)
}

func (pgTracer) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}
