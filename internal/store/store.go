// Package store implements the kasuhara services on database/sql, for SQLite
// and PostgreSQL alike. Each service call is one transaction; each change
// appends its audit entry inside that transaction.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/audit"
	"github.com/kasuhara/kasuhara/internal/credential"
	"github.com/kasuhara/kasuhara/internal/sqldb"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Store implements kasuhara.OrgService, UserService, TokenService and
// AuditService, and the session store of the web layer.
type Store struct {
	db *sqldb.DB
	// Now is the clock; tests replace it.
	Now func() time.Time
	// Params are the argon2id parameters for new password hashes.
	Params credential.Params
}

var (
	_ kasuhara.OrgService   = (*Store)(nil)
	_ kasuhara.UserService  = (*Store)(nil)
	_ kasuhara.TokenService = (*Store)(nil)
	_ kasuhara.AuditService = (*Store)(nil)
)

// New returns a Store on db with the real clock and default parameters.
func New(db *sqldb.DB) *Store {
	return &Store{db: db, Now: time.Now, Params: credential.DefaultParams}
}

// DB returns the database the store works on.
func (s *Store) DB() *sqldb.DB { return s.db }

func (s *Store) now() time.Time { return audit.Normalize(s.Now()) }

func newID() string { return uuid.Must(uuid.NewV7()).String() }

// tx runs fn in one write transaction.
func (s *Store) tx(ctx context.Context, fn func(*sql.Tx) error) error { return s.db.Tx(ctx, fn) }

// auditLockKey serialises appends to the chain on PostgreSQL.
const auditLockKey = 0x6b61737561756474

// change describes one audited change.
type change struct {
	actor      kasuhara.Actor
	orgID      string
	action     string
	objectType string
	objectID   string
	detail     any // non-personal facts only
}

// appendAudit adds an entry to the chain inside tx.
func (s *Store) appendAudit(ctx context.Context, tx *sql.Tx, c change) error {
	if s.db.Engine == sqldb.Postgres {
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", int64(auditLockKey)); err != nil {
			return fmt.Errorf("store: audit lock: %w", err)
		}
	}
	var head int64
	var prev string
	if err := tx.QueryRowContext(ctx, "SELECT seq, hash FROM audit_head WHERE id = 1").Scan(&head, &prev); err != nil {
		return fmt.Errorf("store: audit head: %w", err)
	}
	e := kasuhara.AuditEntry{
		Seq: head + 1, At: s.now(), OrgID: c.orgID, ActorID: c.actor.UserID, ActorLabel: c.actor.Label,
		Action: c.action, ObjectType: c.objectType, ObjectID: c.objectID, Detail: audit.Detail(c.detail), PrevHash: prev,
	}
	if e.ActorID != "" {
		e.ActorLabel = ""
	}
	e.Hash = audit.Hash(e)
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_entries
		(seq, at, org_id, actor_id, actor_label, action, object_type, object_id, detail, prev_hash, hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		e.Seq, e.At, e.OrgID, e.ActorID, e.ActorLabel, e.Action, e.ObjectType, e.ObjectID, e.Detail, e.PrevHash, e.Hash); err != nil {
		return fmt.Errorf("store: audit append: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1", e.Seq, e.Hash); err != nil {
		return fmt.Errorf("store: audit head: %w", err)
	}
	return nil
}

// isUniqueViolation reports whether err is a unique-constraint failure on
// either engine.
func isUniqueViolation(err error) bool {
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

// notFound wraps sql.ErrNoRows as ENOTFOUND and passes other errors on.
func notFound(err error, op, what string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return &kasuhara.Error{Code: kasuhara.ENOTFOUND, Op: op, Message: what + " not found"}
	}
	return fmt.Errorf("%s: %w", op, err)
}

// nullTime turns a NULL column into the zero time.
func nullTime(t sql.NullTime) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time.UTC()
}

// nullString maps "" to NULL for optional foreign keys.
func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

func trim(s string) string { return strings.TrimSpace(s) }

// wrap adds op to a *kasuhara.Error that has none, wraps other errors,
// and passes nil on.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	var e *kasuhara.Error
	if errors.As(err, &e) {
		if e.Op == "" {
			e.Op = op
		}
		return err
	}
	return fmt.Errorf("%s: %w", op, err)
}
