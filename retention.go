package kasuhara

import (
	"context"
	"slices"
	"time"
)

// RetentionRule says how long an organisation keeps cases in a state
// (resolved or closed) with a verdict ("" for any verdict not named by
// another rule): KeepMonths after the case was resolved or closed.
type RetentionRule struct {
	ID         string
	OrgID      string
	State      CaseState
	Verdict    string
	KeepMonths int
	CreatedAt  time.Time
}

// RetentionStates are the states a rule may name.
var RetentionStates = []CaseState{StateClosed, StateResolved}

// Validate checks r.
func (r RetentionRule) Validate() error {
	f := FieldErrors{}
	if !slices.Contains(RetentionStates, r.State) {
		f.Add("state", FieldChoice)
	}
	if r.Verdict != "" && !slices.Contains(Verdicts, r.Verdict) {
		f.Add("verdict", FieldChoice)
	}
	if r.KeepMonths < 1 || r.KeepMonths > 1200 {
		f.AddError("keep_months", Between(FieldRangeMonths, 1, 1200))
	}
	return f.Err()
}

// Hold is a legal hold: while it is in force, the case, or every case of
// the customer, is not purged.
type Hold struct {
	ID         string
	OrgID      string
	CaseID     string // one of CaseID and CustomerID
	CaseRef    string
	CustomerID string
	Reason     string
	CreatedBy  string
	CreatedAt  time.Time
}

// Expiring is a case that a rule will purge at ExpiresAt.
type Expiring struct {
	CaseID    string
	Ref       string
	State     CaseState
	Verdict   string
	RuleID    string
	ExpiresAt time.Time
	Held      bool
}

// RetentionWarning is how long before its expiry a case is listed.
const RetentionWarning = 30 * 24 * time.Hour

// RetentionService keeps the retention rules and legal holds, and purges
// expired cases. Rules and holds are legal's (EFORBIDDEN for others); every
// change and every purge is audited.
type RetentionService interface {
	RetentionRules(ctx context.Context, actor Actor) ([]RetentionRule, error)
	AddRetentionRule(ctx context.Context, actor Actor, r RetentionRule) (*RetentionRule, error)
	DeleteRetentionRule(ctx context.Context, actor Actor, id string) error
	// PlaceHold holds a case (by id or reference) or a customer.
	PlaceHold(ctx context.Context, actor Actor, caseRef, customerID, reason string) (*Hold, error)
	ReleaseHold(ctx context.Context, actor Actor, id string) error
	Holds(ctx context.Context, actor Actor) ([]Hold, error)
	// Expiring lists the cases that expire within the given time, held or not.
	Expiring(ctx context.Context, actor Actor, within time.Duration) ([]Expiring, error)
	// PurgeExpired purges every expired case that is not held, in every
	// organisation (orgID "") or in one: its evidence files through
	// deleteBlob (which overwrites them), its rows and its search tokens,
	// leaving an audit entry that names the rule. It returns how many. A
	// file that deleteBlob finds already gone (an error that is
	// fs.ErrNotExist) counts as deleted.
	PurgeExpired(ctx context.Context, orgID string, deleteBlob func(id string) error) (int, error)
	// PurgeNow purges what has expired in the actor's organisation without
	// waiting for the night's run (legal only).
	PurgeNow(ctx context.Context, actor Actor, deleteBlob func(id string) error) (int, error)
}
