// Package store implements the kasuhara services on database/sql, for SQLite
// and PostgreSQL alike. Each service call is one transaction; each change
// appends its audit entry inside that transaction.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/audit"
	"github.com/kasuhara/kasuhara/internal/credential"
	"github.com/kasuhara/kasuhara/internal/sqldb"
)

// Store implements kasuhara.OrgService, UserService, TokenService and
// AuditService, and the session store of the web layer.
type Store struct {
	db *sqldb.DB
	// Now is the clock; tests replace it.
	Now func() time.Time
	// Params are the argon2id parameters for new password hashes.
	Params credential.Params
	// WebhookAllow are the private networks that webhooks may be sent to
	// (--webhook-allow); public addresses need no entry.
	WebhookAllow []netip.Prefix
	// Secrets seals what the database keeps of secrets it must give back
	// (chat webhook addresses, TOTP keys); serve loads it from the data directory.
	Secrets *credential.Sealer
	// DirectorySecrets seals the OpenID client secrets with the evidence
	// key (blob.Store); nil refuses to store one.
	DirectorySecrets Sealer
	// IntakePerSenderHour limits the mails one address may leave in an
	// organisation's mailbox in an hour; IntakeOpenItems the mails that may
	// wait for the desk's decision (DefaultIntakePerSenderHour and
	// DefaultIntakeOpenItems when 0). docs/intake.md, "Limits".
	IntakePerSenderHour, IntakeOpenItems int

	// traceQuery, when set (by tests), is given every statement of a page
	// of cases before it runs.
	traceQuery func(query string, args []any)
	// walkLimit replaces the package's walkLimit when not 0 (tests).
	walkLimit int
	// kept holds the settings of organisations that filed reports, by
	// organisation id (keptSettings; reportSettings).
	kept sync.Map
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
func (s *Store) tx(ctx context.Context, fn func(*sqldb.Tx) error) error { return s.db.Tx(ctx, fn) }

// txValue runs fn in one transaction and returns what it made, or its
// error wrapped with op.
func txValue[T any](ctx context.Context, s *Store, op string, fn func(*sqldb.Tx) (T, error)) (T, error) {
	var out T
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
		var err error
		out, err = fn(tx)
		return err
	})
	if err != nil {
		var zero T
		return zero, wrap(op, err)
	}
	return out, nil
}

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
	// records, when set, makes the state of the records of the change's
	// group (scope "case <id>") after the transaction, known from the
	// values written, so that the entry's record hash needs no read-back. It
	// is called when the entry is chained, at the end of the batch (after
	// the case numbers). Only for a change after which nothing else in the
	// transaction writes the group (a new case filed alone); it must equal
	// what recordStates reads, which TestKnownRecordStates proves for every
	// shape of report.
	records func() []audit.RecordState
}

// appendAudit adds an entry to the chain inside tx. The entry is made now;
// it is chained (numbered and hashed after the head) at the end of the
// batch, with the other entries of the batch, in the order appended: the
// chain's head is then locked, read and written once per commit instead of
// once per change, and locked only from the batch's last statements to its
// commit (sqldb.Tx.Serial, stageAudit), and the entries are inserted in
// one statement. An entry whose change is rolled back is dropped with it.
func (s *Store) appendAudit(ctx context.Context, tx *sqldb.Tx, c change) error {
	e := kasuhara.AuditEntry{
		At: s.now(), OrgID: c.orgID, ActorID: c.actor.UserID, ActorLabel: c.actor.Label,
		Action: c.action, ObjectType: c.objectType, ObjectID: c.objectID, Detail: audit.Detail(c.detail),
	}
	if e.ActorID != "" {
		e.ActorLabel = ""
	}
	ctx = context.WithoutCancel(ctx) // it runs at the commit, whatever became of the caller
	// A hook, so that the entry goes with its function if that fails.
	tx.BeforeCommit(func(tx *sqldb.Tx) error {
		b := tx.State(auditBatchKey{}, func() any { return &auditBatch{} }).(*auditBatch)
		if len(b.waiting) == 0 {
			tx.Serial(stageAudit, func(tx *sqldb.Tx) error { return s.writeAudit(ctx, tx, b) })
		}
		b.waiting = append(b.waiting, waitingEntry{e, c.records})
		return nil
	})
	return nil
}

// auditBatch is the entries of one batch waiting to be chained, then the
// chain's head as they move it, and the entries and record states to be
// inserted.
type auditBatch struct {
	waiting []waitingEntry
	seq     int64
	hash    string
	entries []kasuhara.AuditEntry
	states  [][]any // record_states rows
}

// waitingEntry is an entry not chained yet, with what makes its records'
// state when they are known without reading them (change.records).
type waitingEntry struct {
	e     kasuhara.AuditEntry
	known func() []audit.RecordState
}

// auditBatchKey keys the batch's auditBatch in sqldb.Tx.State.
type auditBatchKey struct{}

// addStates files the record states of the entry added last.
func (b *auditBatch) addStates(states []audit.RecordState) {
	for _, st := range states {
		b.states = append(b.states, []any{b.seq, st.Scope, st.Kind, st.ID, st.Hash})
	}
}

func (b *auditBatch) add(e kasuhara.AuditEntry) {
	e.Seq, e.PrevHash = b.seq+1, b.hash
	e.Hash = audit.Hash(e)
	b.seq, b.hash = e.Seq, e.Hash
	b.entries = append(b.entries, e)
}

// writeAudit chains the entries of b after the head and writes them. On
// PostgreSQL it first takes the chain's lock, which the commit releases:
// the batches that run at once chain their entries one after another, in
// the order of their commits. The records' states are read after the lock
// (and after everything else the batch writes): a batch that chained before
// has committed, and its changes are in the states read here.
func (s *Store) writeAudit(ctx context.Context, tx *sqldb.Tx, b *auditBatch) error {
	if len(b.waiting) == 0 {
		return nil
	}
	if s.db.Engine == sqldb.Postgres {
		if err := tx.Queue(ctx, "SELECT pg_advisory_xact_lock($1)", int64(auditLockKey)); err != nil {
			return fmt.Errorf("store: audit lock: %w", err)
		}
	}
	if err := tx.QueryRowContext(ctx, "SELECT seq, hash FROM audit_head WHERE id = 1").Scan(&b.seq, &b.hash); err != nil {
		return fmt.Errorf("store: audit head: %w", err)
	}
	for _, w := range b.waiting {
		e := w.e
		var states []audit.RecordState
		var err error
		if w.known != nil {
			states = knownRecords(&e, w.known())
		} else if states, err = s.snapshotRecords(ctx, tx, &e); err != nil {
			return fmt.Errorf("store: audit records: %w", err)
		}
		b.add(e)
		b.addStates(states)
	}
	rows := make([][]any, len(b.entries))
	for i, e := range b.entries {
		rows[i] = []any{e.Seq, e.At, e.OrgID, e.ActorID, e.ActorLabel, e.Action, e.ObjectType, e.ObjectID, e.Detail, e.PrevHash, e.Hash, e.RecordHash}
	}
	if err := tx.QueueRows(ctx, "audit_entries", []string{"seq", "at", "org_id", "actor_id", "actor_label", "action",
		"object_type", "object_id", "detail", "prev_hash", "hash", "record_hash"}, rows); err != nil {
		return fmt.Errorf("store: audit append: %w", err)
	}
	if len(b.states) > 0 {
		if err := tx.QueueRows(ctx, "record_states", []string{"seq", "scope", "kind", "id", "hash"}, b.states); err != nil {
			return fmt.Errorf("store: audit record states: %w", err)
		}
	}
	if err := tx.Queue(ctx, "UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1", b.seq, b.hash); err != nil {
		return fmt.Errorf("store: audit head: %w", err)
	}
	return nil
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
