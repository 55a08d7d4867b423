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
	// RecordHash is the hex SHA-256 of the new state of the records the
	// change touched (internal/audit's RecordsHash), "" for reads and for
	// entries written before records were hashed. It is part of Hash.
	RecordHash string
}

// RecordProblem is a record whose current state is not the one its last
// audited change left: it differs, it is missing, or it has no audited
// state in a group of records that has one.
type RecordProblem struct {
	Record string // e.g. "case 0190…/assessment 0191…"
	Seq    int64  // the entry with the last audited state, 0 if none
	Reason string // in English
}

// RecordCheck is what VerifyRecords found.
type RecordCheck struct {
	Checked   int             // groups of records compared (a case, a measure, a user's memberships)
	Problems  []RecordProblem // tampering: a non-empty list fails the check
	Unaudited []string        // groups with no audited state yet (written before records were hashed)
	// Older lists groups whose last audited state was recorded before some
	// of the columns compared today existed (an upgrade added them): those
	// columns are not compared until the group's next audited change or a
	// baseline (kasuhara audit baseline); the others are.
	Older []string
}

// AuditFilter selects entries of the trail.
type AuditFilter struct {
	// Role is the reader's role, when a person reads: entries that only
	// legal may read (access.LegalOnlyAudit) are left out for every other
	// role.
	Role       Role
	OrgID      string
	ObjectType string
	ObjectID   string
	// ActorID keeps the entries of one person.
	ActorID string
	// Action keeps one action ("case.read"), or a family of them when it
	// ends with a dot ("case.").
	Action string
	// From and To keep the entries at or after From and before To, when
	// not zero.
	From, To time.Time
	Limit    int   // at most 1,000; 100 when zero
	Before   int64 // only entries with a smaller Seq (the next page), when not zero
}

// MaxAuditExportRows is the most entries one export of the audit trail holds.
const MaxAuditExportRows = 100_000

// AuditProblem names the first entry at which the trail does not verify.
type AuditProblem struct {
	Seq    int64  // the entry that breaks the chain
	Reason string // what is wrong, in English
}

// AuditService reads and verifies the audit trail. Entries are appended by
// the other services inside their own transactions, never through here.
type AuditService interface {
	// AuditEntries lists entries matching f, newest first. The operator
	// (the command line, the server's own jobs) reads any entries, f.Role
	// choosing the view. Anyone else: f.Role is the actor's role (the
	// entries of alarms and reporters' choices only with audit_choices); a
	// case's trail (f.ObjectType "case" with f.ObjectID) for the case's
	// handlers; otherwise EFORBIDDEN without view_audit, and ENOTFOUND for
	// an f.OrgID out of the actor's reach (the actor's own when empty).
	AuditEntries(ctx context.Context, actor Actor, f AuditFilter) ([]AuditEntry, error)
	// OrgAuditEntries lists the newest entries of the actor's organisation
	// that the actor may read: EFORBIDDEN without view_audit; the entries
	// of alarms and reporters' choices only with audit_choices.
	OrgAuditEntries(ctx context.Context, actor Actor, limit int) ([]AuditEntry, error)
	// AuditNames names the actors and objects of entries for a person
	// reading them, instead of their ids: "user:<id>" → the user's name,
	// "case:<id>" → the case number, and so on for organisations,
	// departments, courses, specialists and API tokens. Customers are named
	// only for a role that may read the customer registry. An object that
	// no longer exists, or whose name the role may not read, is left out.
	AuditNames(ctx context.Context, role Role, entries []AuditEntry) (map[string]string, error)
	// AuditObject finds what a person typed into the audit page's object
	// filter among orgID's records: a case number (NormalizeCaseRef), a
	// member's name or e-mail address, or a department's name. ENOTFOUND
	// when nothing matches.
	AuditObject(ctx context.Context, orgID, text string) (objectType, objectID string, err error)
	// VerifyAudit walks the whole chain. It returns the number of entries and
	// nil when the chain is intact, or the first problem found.
	VerifyAudit(ctx context.Context) (int64, *AuditProblem, error)
	// VerifyRecords compares the records (cases with their assessments,
	// evidence records and customer links; measures; memberships) with
	// the state the last audited change of each left.
	VerifyRecords(ctx context.Context) (*RecordCheck, error)
	// BaselineRecords records, by an audited entry each, the present state
	// of the records that have no audited state yet; it returns how many
	// groups it recorded.
	BaselineRecords(ctx context.Context, actor Actor) (int, error)
	// AuditHead returns the chain's last entry number and hash.
	AuditHead(ctx context.Context) (int64, string, error)
	// CheckAnchor compares the chain with a head recorded outside the
	// database: nil when the chain reaches entry seq with that hash, or
	// the problem (cut off, or rewritten).
	CheckAnchor(ctx context.Context, seq int64, hash string) (*AuditProblem, error)
}
