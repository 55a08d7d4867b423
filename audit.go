package kasuhara

import (
	"context"
	"time"
)

// AuditEntry is one link of the tamper-evident audit trail. Detail holds only
// non-personal facts about the change (a role, which fields changed), never
// names, e-mail addresses, narratives or secrets.
type AuditEntry struct {
	Seq        int64
	At         time.Time
	OrgID      string
	ActorID    string // the user, or "" for the system or the command line
	ActorLabel string // "cli", "system", or ""
	Action     string // e.g. "user.create", "auth.login_failed"
	ObjectType string // e.g. "user", "org"
	ObjectID   string
	Detail     string // canonical JSON, may be ""
	PrevHash   string // hex SHA-256 of the previous entry, "" for the first
	Hash       string // hex SHA-256 over PrevHash and the fields above
}

// AuditFilter selects entries of the trail.
type AuditFilter struct {
	OrgID      string
	ObjectType string
	ObjectID   string
	Limit      int   // at most 1,000; 100 when zero
	Before     int64 // only entries with a smaller Seq (the next page), when not zero
}

// AuditProblem names the first entry at which the trail does not verify.
type AuditProblem struct {
	Seq    int64  // the entry that breaks the chain
	Reason string // what is wrong, in English
}

// AuditService reads and verifies the audit trail. Entries are appended by
// the other services inside their own transactions, never through here.
type AuditService interface {
	// AuditEntries lists entries matching f, newest first.
	AuditEntries(ctx context.Context, f AuditFilter) ([]AuditEntry, error)
	// VerifyAudit walks the whole chain. It returns the number of entries and
	// nil when the chain is intact, or the first problem found.
	VerifyAudit(ctx context.Context) (int64, *AuditProblem, error)
}
