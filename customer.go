package kasuhara

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Measure levels, from the mildest (contract).
const (
	LevelNone         = "none"
	LevelWatch        = "watch"
	LevelCaution      = "caution"
	LevelWarned       = "warned"
	LevelDiscontinued = "discontinued"
	LevelBanned       = "banned"
)

// MeasureLevels lists the levels of a measure in order of severity.
var MeasureLevels = []string{LevelWatch, LevelCaution, LevelWarned, LevelDiscontinued, LevelBanned}

// NeedsApproval reports whether a level takes effect only when a second,
// different person with the legal role approves it.
func NeedsApproval(level string) bool {
	return slices.Index(MeasureLevels, level) >= slices.Index(MeasureLevels, LevelWarned)
}

// Severity orders levels: none is 0, watch 1 … banned 5.
func Severity(level string) int { return slices.Index(MeasureLevels, level) + 1 }

// Measure states.
const (
	MeasureProposed = "proposed"
	MeasureActive   = "active"
	MeasureLifted   = "lifted"
	MeasureRejected = "rejected"
	// MeasureExpired is shown for an active measure whose review date has
	// passed; it is not stored.
	MeasureExpired = "expired"
)

// Identifier is one way to recognise a customer, as typed and as matched.
type Identifier struct {
	Kind  string // phone, email, name, name_kana, account, handle
	Value string // as the reporter typed it
	Key   string // normalised for matching
}

// Customer is a person or organisation the company deals with, recognised
// across reports by their identifiers.
type Customer struct {
	ID          string
	OrgID       string
	DisplayName string
	Identifiers []Identifier
	CaseIDs     []string
	// Repeat signals.
	IncidentCount int
	ReporterCount int
	FirstAt       time.Time
	LastAt        time.Time
	Categories    []Category
	// Level is the measure in force now ("none" when there is none).
	Level     string
	CreatedAt time.Time
	// Addressee is how a letter addresses the customer (CustomerByID
	// fills it).
	Addressee Addressee
}

// Addressee is the customer as a letter addresses them, when the desk has
// recorded it: a company (御中) or a person (様), the formal name (the
// display name when empty) and the postal address. Each is optional.
type Addressee struct {
	Company    bool
	FormalName string
	Address    string
}

// Measure is a graduated measure against a customer.
type Measure struct {
	ID         string
	CustomerID string
	Level      string
	// Reason is the internal reason, for the desk and legal only: never
	// printed in a letter.
	Reason string
	// CustomerText is the reason as the customer reads it in the letter;
	// empty (as for measures from before it existed) prints a neutral
	// text instead.
	CustomerText string
	CaseIDs      []string
	// Premises are the stores or offices a ban covers, as the ban letter
	// names them; empty for other levels.
	Premises string
	// Checks are the proposer's notes on what was considered (warned and
	// above; empty for measures from before they were asked).
	Checks      MeasureChecks
	Status      string
	EffectiveAt time.Time
	ReviewAt    time.Time
	ProposedBy  string
	ApprovedBy  string
	ApprovedAt  time.Time
	// ApprovalComment is the approver's comment; a rejection's comment is
	// its LiftReason, the rejecter its LiftedBy.
	ApprovalComment  string
	LiftedBy         string
	LiftedAt         time.Time
	LiftReason       string
	CustomerResponse string
	CreatedAt        time.Time
}

// Ref is the measure's reference number, printed on its letter and named
// in notifications: M- and the first ten hex digits of its id.
func (m Measure) Ref() string {
	return "M-" + strings.ToUpper(strings.ReplaceAll(m.ID, "-", "")[:10])
}

// Approval is a proposed measure as its approvers see it: the customer's
// name, who proposed it, and the cases behind it.
type Approval struct {
	Measure
	CustomerName string
	// Cases are the cases the measure rests on that the viewer may see;
	// Hidden counts the others.
	Cases  []CaseRef
	Hidden int
	// MayApprove says whether the viewer may approve it: legal, not the
	// proposer nor a person who made the proposer's or the viewer's account
	// lately.
	MayApprove bool
}

// CaseRef names a case by its reference number.
type CaseRef struct {
	ID  string
	Ref string
}

// NewMeasure is a proposal.
type NewMeasure struct {
	Level  string
	Reason string // internal, never printed
	// CustomerText is what the customer reads in the letter. Optional.
	CustomerText string
	CaseIDs      []string
	ReviewAt     time.Time
	// Premises are the stores or offices a ban covers (required for
	// banned, kept only for it).
	Premises string
	// Checks are the proposer's confirmations, each with a note, required
	// for a measure that needs approval (warned and above).
	Checks MeasureChecks
}

// MeasureChecks are what the proposer of a measure above caution confirms
// was considered, each with a note (issue 22): that the customer's request
// and manner were assessed on the MHLW manual's two axes; that a request
// for reasonable accommodation of a disability (障害者差別解消法) was
// considered and is not what is being refused; that any legal duty to
// serve (OrgSettings.ServiceDuties) was considered. The approver reads
// them; a measure from before they existed has none.
type MeasureChecks struct {
	Axes          string
	Accommodation string
	DutyToServe   string
}

// Done reports whether every check has its note.
func (c MeasureChecks) Done() bool {
	return c.Axes != "" && c.Accommodation != "" && c.DutyToServe != ""
}

// MeasureCheckFields are the field names of the checks, in the order of
// MeasureChecks.
var MeasureCheckFields = []string{"check_axes", "check_accommodation", "check_duty"}

// Lookup is all that the front line learns about a customer: the measure in
// force, nothing else.
type Lookup struct {
	Status string
}

// CustomerService keeps the customer registry and the measures. Reading and
// changing customers is for desk and legal (EFORBIDDEN otherwise); the
// lookup is for everyone and tells only the status.
type CustomerService interface {
	// Customers searches the organisation's customers by name (insensitive
	// to kana, width and spacing), phone, e-mail, account or handle; an
	// empty query lists those most recently seen.
	Customers(ctx context.Context, actor Actor, q string) ([]Customer, error)
	// CustomerByID returns a customer with identifiers, cases and signals.
	CustomerByID(ctx context.Context, actor Actor, id string) (*Customer, error)
	// CustomersOfCase lists the customers a case is linked to, with their
	// measure level and number of cases (desk and legal; ENOTFOUND for a
	// case the actor may not handle).
	CustomersOfCase(ctx context.Context, actor Actor, caseID string) ([]Customer, error)
	// ForReview lists customers put forward by repeat signals: named by two
	// or more reporters, or with several incidents in the recent window.
	ForReview(ctx context.Context, actor Actor) ([]Customer, error)
	// Measures lists a customer's measures, newest first.
	Measures(ctx context.Context, actor Actor, customerID string) ([]Measure, error)
	// ProposeMeasure records a measure: watch and caution take effect at
	// once, warned and above wait for a legal approver.
	ProposeMeasure(ctx context.Context, actor Actor, customerID string, m NewMeasure) (*Measure, error)
	// ApproveMeasure activates a proposal: legal only, never the proposer.
	// The comment (optional) is kept with the measure; the proposer is
	// notified.
	ApproveMeasure(ctx context.Context, actor Actor, customerID, measureID, comment string) (*Measure, error)
	// LiftMeasure ends an active measure with a reason; on a proposal it is
	// the rejection, the reason its comment, and the proposer is notified.
	LiftMeasure(ctx context.Context, actor Actor, customerID, measureID, reason string) error
	// SetAddressee records how letters address the customer (desk and
	// legal; EINVALID naming the field for a text too long).
	SetAddressee(ctx context.Context, actor Actor, customerID string, a Addressee) error
	// RecordResponse keeps the customer's own side (their answer to a letter).
	RecordResponse(ctx context.Context, actor Actor, customerID, measureID, response string) error
	// PendingApprovals lists proposals waiting for a legal approver.
	PendingApprovals(ctx context.Context, actor Actor) ([]Measure, error)
	// Approvals lists the proposals waiting for a legal approver, oldest
	// first, with what an approver needs to decide (desk and legal).
	Approvals(ctx context.Context, actor Actor) ([]Approval, error)
	// ApprovalsWaiting counts the proposals that the actor may approve
	// (0 for anyone who may approve none).
	ApprovalsWaiting(ctx context.Context, actor Actor) (int, error)
	// PossibleDuplicates lists customers sharing an identifier with this one.
	PossibleDuplicates(ctx context.Context, actor Actor, id string) ([]Customer, error)
	// MergeCustomers folds customer from into customer into (desk and legal).
	MergeCustomers(ctx context.Context, actor Actor, into, from string) error
	// SplitCase gives a wrongly linked case a customer record of its own and
	// returns its id.
	SplitCase(ctx context.Context, actor Actor, customerID, caseID string) (string, error)
	// LookupCustomer tells anyone in the organisation the measure in force
	// for a phone number, e-mail address or account, and nothing else.
	LookupCustomer(ctx context.Context, actor Actor, kind, value string) (*Lookup, error)
}
