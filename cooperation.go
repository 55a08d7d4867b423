package kasuhara

import (
	"context"
	"slices"
	"time"
)

// Cooperation between employers (労働施策総合推進法 Art. 33(3)): an employer
// must endeavour to cooperate when another employer asks for help with a
// case of customer harassment (confirming the facts, preventing
// recurrence), and may ask others in turn. The register keeps each request
// received and sent with its deadline, what was asked, what was answered
// and what was shared, by whom and when.

// The directions of a cooperation request.
const (
	CooperationReceived = "received" // another employer asks us
	CooperationSent     = "sent"     // we ask another employer
)

// CooperationDirections lists the directions.
var CooperationDirections = []string{CooperationReceived, CooperationSent}

// The states of a cooperation request: open until it is answered or
// declined (with the reason), then closed.
const (
	CooperationOpen     = "open"
	CooperationAnswered = "answered"
	CooperationDeclined = "declined"
	CooperationClosed   = "closed"
)

// CooperationStates lists the states in their order.
var CooperationStates = []string{CooperationOpen, CooperationAnswered, CooperationDeclined, CooperationClosed}

var cooperationMoves = map[string][]string{
	CooperationOpen:     {CooperationAnswered, CooperationDeclined, CooperationClosed},
	CooperationAnswered: {CooperationClosed},
	CooperationDeclined: {CooperationClosed},
}

// CanMoveCooperation reports whether a request may move from one state to
// another.
func CanMoveCooperation(from, to string) bool { return slices.Contains(cooperationMoves[from], to) }

// NextCooperationStates lists where a request in state s may move.
func NextCooperationStates(s string) []string { return cooperationMoves[s] }

// DefaultCooperationDays is the deadline of a request, in days after it was
// received or sent, unless one is given: two weeks.
const DefaultCooperationDays = 14

// CooperationDueSoon is how long before its deadline an open request's
// handler is reminded.
const CooperationDueSoon = 3 * 24 * time.Hour

// CooperationRequest is a request for cooperation received from or sent to
// another employer. The contact (person, phone, e-mail) is personal data:
// it is shown to the desk and legal only and never written to the logs or
// the audit trail.
type CooperationRequest struct {
	ID    string
	OrgID string
	// Ref is the request's number, such as CO-2026-00001: what people read
	// and what mail names.
	Ref       string
	Direction string
	// Employer is the other employer's name.
	Employer      string
	ContactPerson string
	ContactPhone  string
	ContactEmail  string
	// CaseID is the case the request concerns, "" when none (a request
	// about a person of ours, for instance); CaseRef is its number.
	CaseID  string
	CaseRef string
	// Asked is what was asked.
	Asked string
	// Answer is what was answered and shared (answered), Reason why the
	// request was declined (declined).
	Answer string
	Reason string
	State  string
	// RequestedAt is when the request was received or sent; DueAt its
	// deadline.
	RequestedAt time.Time
	DueAt       time.Time
	// HandlerID is who handles the request: its creator.
	HandlerID string
	// AnsweredAt and AnsweredBy say when and by whom it was answered or
	// declined; ClosedAt when it was closed.
	AnsweredAt time.Time
	AnsweredBy string
	ClosedAt   time.Time
	CreatedBy  string
	CreatedAt  time.Time
}

// Overdue reports whether the request is open past its deadline at now.
func (r CooperationRequest) Overdue(now time.Time) bool {
	return r.State == CooperationOpen && !r.DueAt.IsZero() && now.After(r.DueAt)
}

// CooperationEvent is a step in a request's history: created, answered,
// declined, closed, its deadline moved, a summary shared.
type CooperationEvent struct {
	At      time.Time
	ActorID string
	Kind    string // create, answer, decline, close, deadline, share
	Note    string
	// Due is the new deadline of a "deadline" step.
	Due time.Time
}

// The fields of a case that a shared summary may hold, chosen by the
// handler. ShareReporter (the reporting worker's name and department) may
// be chosen only with the reporter's consent, recorded.
const (
	ShareDates      = "dates"      // when it happened
	SharePlace      = "place"      // where, and by which channel
	ShareCategories = "categories" // the conduct's categories
	ShareConduct    = "conduct"    // what the customer demanded and did
	ShareMeasures   = "measures"   // the measures taken: referrals, measures on the customer
	ShareReporter   = "reporter"   // the reporting worker: only with consent
)

// ShareFields lists the fields in the summary's order.
var ShareFields = []string{ShareDates, SharePlace, ShareCategories, ShareConduct, ShareMeasures, ShareReporter}

// ShareChoice is what a handler chooses to share of a request's case.
type ShareChoice struct {
	Fields []string
	// ConsentAt is when the reporter consented to their name being shared:
	// required with ShareReporter, ignored without it.
	ConsentAt time.Time
}

// SharedSummary is the redacted summary of a request's case: only the
// chosen fields are filled. Without the reporter's consent the reporter's
// name is replaced in the texts, and nothing else about them is given.
type SharedSummary struct {
	Request    CooperationRequest
	Fields     []string
	CaseRef    string
	OccurredAt time.Time
	Channel    string
	Location   string
	Categories []Category
	Subtypes   []string
	Demand     string // what the customer demanded
	Conduct    string
	// Measures are the measures taken, one line each.
	Measures []SharedMeasure
	// Reporter and ReporterDepartment are set only with consent.
	Reporter           string
	ReporterDepartment string
	ConsentAt          time.Time
}

// SharedMeasure is a measure taken on the case, as shared: its kind (a
// referral kind or a measure level) and when.
type SharedMeasure struct {
	At   time.Time
	Kind string // "referral.police", "measure.warned", …
}

// CooperationShare is a summary that was generated and shared: the fields
// chosen, the reporter's consent (who recorded it and when the reporter
// gave it), the PDF's SHA-256.
type CooperationShare struct {
	ID        string
	RequestID string
	Fields    []string
	ConsentAt time.Time
	// ConsentBy is who recorded the reporter's consent, "" without it.
	ConsentBy string
	SHA256    string
	Size      int64
	CreatedBy string
	CreatedAt time.Time
}

// CooperationFilter narrows the register: by state ("" for all).
type CooperationFilter struct {
	State string
}

// CooperationCounts are the figures of the compliance page since a moment:
// requests received, received ones answered (or declined) within their
// deadline, received ones answered late or open past it, requests sent.
type CooperationCounts struct {
	Received, AnsweredInTime, Overdue, Sent int
}

// CooperationService keeps the register. Everything is for the desk and
// legal of the organisation (manage_cooperation, EFORBIDDEN for the other
// roles); a request linked to a case from which the actor is excluded is
// ENOTFOUND to them, as the case is. Every change is audited.
type CooperationService interface {
	// CooperationRequests lists the register, the soonest deadline first
	// among the open requests, then the others latest first.
	CooperationRequests(ctx context.Context, actor Actor, f CooperationFilter) ([]CooperationRequest, error)
	// CooperationRequest returns a request with its history, oldest first,
	// and the summaries shared.
	CooperationRequest(ctx context.Context, actor Actor, id string) (*CooperationRequest, []CooperationEvent, []CooperationShare, error)
	// CreateCooperationRequest records a request; a missing deadline is
	// DefaultCooperationDays after RequestedAt (now when missing). A case
	// the actor cannot handle is a FieldError on "case_id".
	CreateCooperationRequest(ctx context.Context, actor Actor, r CooperationRequest) (*CooperationRequest, error)
	// MoveCooperationRequest moves a request to another state: answered
	// needs the answer (text), declined the reason (text), closed takes an
	// optional note. A move not allowed from the state is ECONFLICT.
	MoveCooperationRequest(ctx context.Context, actor Actor, id, to, text string) (*CooperationRequest, error)
	// SetCooperationDeadline moves an open request's deadline.
	SetCooperationDeadline(ctx context.Context, actor Actor, id string, due time.Time) (*CooperationRequest, error)
	// SharedSummary is the redacted summary of the request's case for the
	// choice (a preview: nothing is recorded). A request without a case,
	// an unknown field, no field, or the reporter without a consent date
	// is a FieldError.
	SharedSummary(ctx context.Context, actor Actor, id string, choice ShareChoice) (*SharedSummary, error)
	// RecordShare keeps the summary's PDF, made from SharedSummary of the
	// same choice, with its SHA-256, and audits the fields chosen.
	RecordShare(ctx context.Context, actor Actor, id string, choice ShareChoice, pdf []byte) (*CooperationShare, error)
	// SharePDF returns a kept summary's PDF.
	SharePDF(ctx context.Context, actor Actor, id, shareID string) (*CooperationShare, []byte, error)
	// CooperationCounts are the organisation's figures since since, for
	// the compliance page: legal, admin and analyst (view_compliance).
	CooperationCounts(ctx context.Context, actor Actor, since time.Time) (CooperationCounts, error)
}
