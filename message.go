package kasuhara

import (
	"context"
	"errors"
	"time"
)

// Message is a message between the desk and the reporter of a case, named
// or anonymous.
type Message struct {
	ID           string
	CaseID       string
	AuthorID     string // "" for an anonymous reporter
	FromReporter bool
	Body         string
	CreatedAt    time.Time
}

// RetaliationFlag is a named reporter's alarm that they are treated badly
// because they reported. It goes to legal/HR, never to the supervisor.
type RetaliationFlag struct {
	ID         string
	CaseID     string
	CaseRef    string
	ReporterID string
	Body       string
	CreatedAt  time.Time
	// HandledAt, HandledBy and HandledNote say that legal handled the
	// alarm, when, who and what was done; HandledAt is zero while it waits.
	HandledAt   time.Time
	HandledBy   string
	HandledNote string
}

// MaxMessage is the longest message, in characters.
const MaxMessage = 5000

// MessageService carries the conversation between the desk and reporters.
// Need-to-know holds as for cases: a case the actor may not see is
// ENOTFOUND. A reporter who asked to stay confidential toward the
// supervisor is hidden from them.
type MessageService interface {
	// Messages lists a case's messages, oldest first: for the reporter,
	// the handlers, and the supervisor only with the reporter's consent.
	Messages(ctx context.Context, actor Actor, caseID string) ([]Message, error)
	// AddMessage posts a message as the actor.
	AddMessage(ctx context.Context, actor Actor, caseID, body string) (*Message, error)
	// SetConfidential lets the named reporter hide the case from the
	// supervisor of their department (or show it again).
	SetConfidential(ctx context.Context, actor Actor, caseID string, hide bool) error
	// SetCareConsent lets the named reporter agree that the supervisor of
	// their department reads the care record and the messages (or revoke
	// it). Without it Messages, AddMessage and CaseService.CareActions are
	// EFORBIDDEN to the supervisor and the timeline leaves them out.
	SetCareConsent(ctx context.Context, actor Actor, caseID string, share bool) error
	// FlagRetaliation records the reporter's alarm for legal.
	FlagRetaliation(ctx context.Context, actor Actor, caseID, body string) (*RetaliationFlag, error)
	// RetaliationFlags lists the flags of the actor's organisation: legal only.
	RetaliationFlags(ctx context.Context, actor Actor) ([]RetaliationFlag, error)
	// HandleRetaliation records that legal handled the alarm, with what
	// was done (note, required): legal only, ECONFLICT when it was handled
	// already.
	HandleRetaliation(ctx context.Context, actor Actor, flagID, note string) (*RetaliationFlag, error)
}

// ErrAnonymousOff is the cause (Error.Err) of FileAnonymousReport's
// EFORBIDDEN when the organisation has switched its anonymous channel off
// (OrgSettings.AnonymousChannel): it receives named reports only.
var ErrAnonymousOff = errors.New("the anonymous channel is off")

// AnonymousService serves reporters without a name. The receipt is the only
// way back to the report: it is shown once, only a hash of its secret part
// is stored, and nothing else identifying the reporter is kept. An unknown
// or wrong receipt is ENOTFOUND.
type AnonymousService interface {
	// FileAnonymousReport opens a case in the organisation with the slug and
	// returns its receipt; EFORBIDDEN (ErrAnonymousOff) when the
	// organisation has switched the channel off.
	FileAnonymousReport(ctx context.Context, orgSlug string, r Report, evidence ...Evidence) (*Case, string, error)
	// CaseByReceipt returns the case a receipt belongs to.
	CaseByReceipt(ctx context.Context, receipt string) (*Case, error)
	// ReceiptMessages lists the case's messages for the anonymous reporter.
	ReceiptMessages(ctx context.Context, receipt string) ([]Message, error)
	// ReceiptStatus is CaseByReceipt and ReceiptMessages with one check of
	// the receipt, the read audited as CaseByReceipt's; the case is what
	// its reporter sees of it: its ID, OrgID, Ref, State, AcknowledgeBy and
	// FeedbackBy, the rest left empty.
	ReceiptStatus(ctx context.Context, receipt string) (*Case, []Message, error)
	// AddReceiptMessage posts a message from the anonymous reporter.
	AddReceiptMessage(ctx context.Context, receipt, body string) (*Message, error)
	// AddReceiptEvidence records more evidence from the anonymous reporter.
	AddReceiptEvidence(ctx context.Context, receipt string, e Evidence) (*Evidence, error)
}
