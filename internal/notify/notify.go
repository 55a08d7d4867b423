// Package notify tells people and systems that a case needs attention: mail
// over SMTP and signed webhooks.
//
// What it sends never carries a narrative, a customer's identity or a
// receipt (CONTRACT.md): only the kind of event, the case's reference and a
// link to the case, behind sign-in. An Event therefore has no field that
// could hold such things.
//
// Sending is meant to run as jobs of internal/jobs (see MailHandler and
// WebhookHandler), so that a notification is enqueued in the transaction of
// its event and retried with backoff when the mail server or the receiver is
// down.
package notify

import (
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/kasuhara/kasuhara/internal/jobs"
)

// Event types.
const (
	CaseReported     = "case.reported"      // a new report opened a case
	CaseAssigned     = "case.assigned"      // a case was assigned to the recipient
	CaseMessage      = "case.message"       // a new message between desk and reporter
	CaseClockDue     = "case.clock_due"     // a deadline (acknowledge_by, feedback_by) is near
	CaseOverdue      = "case.overdue"       // a deadline has passed
	CaseStateChanged = "case.state_changed" // a case moved to another state
	CaseRetaliation  = "case.retaliation"   // a reporter says they are treated badly for reporting
	CaseExclusion    = "case.exclusion"     // a person was excluded from a case, or proposed for it
	CaseCheckin      = "case.checkin"       // the reporter is asked whether they have been treated disadvantageously since
	CaseRecorded     = "case.recorded"      // a report was taken on behalf of the recipient
	CaseDisowned     = "case.disowned"      // an employee says they did not make a report taken on their behalf
	// Events on a customer's measure: CustomerID is set instead of CaseID,
	// CaseRef holds the measure's reference (M-…).
	MeasureProposed = "measure.proposed" // a measure waits for the recipient's approval
	MeasureApproved = "measure.approved" // the recipient's proposal was approved
	MeasureRejected = "measure.rejected" // the recipient's proposal was rejected
	// Events on a cooperation request between employers: CaseID holds the
	// request's id, CaseRef its number (CO-…).
	CooperationDueSoon = "cooperation.due_soon" // an open request's deadline is near
	CooperationOverdue = "cooperation.overdue"  // an open request's deadline has passed
)

// In-app notifications of a grant request (issue 16): the request is
// their object, its role or "reset" their detail. They are not events:
// the deciders' mail is the grant mail, and no webhook carries them.
const (
	GrantRequested = "grant.requested" // a grant of desk or legal, or a reset, waits for the recipient's decision
	GrantApproved  = "grant.approved"  // the recipient's request was approved
	GrantRejected  = "grant.rejected"  // the recipient's request was rejected
	// OperatorTwoFactorReset tells a legal member that the operator reset
	// the second factor of a desk or legal member from the command line
	// (no second person approved it); CaseID holds that person's id.
	OperatorTwoFactorReset = "grant.operator_two_factor"
)

// GrantTypes lists the notifications of grant requests.
var GrantTypes = []string{GrantRequested, GrantApproved, GrantRejected, OperatorTwoFactorReset}

// EventTypes lists every event type.
var EventTypes = []string{CaseReported, CaseAssigned, CaseMessage, CaseClockDue, CaseOverdue, CaseStateChanged, CaseRetaliation, CaseExclusion,
	CaseCheckin, CaseRecorded, CaseDisowned, MeasureProposed, MeasureApproved, MeasureRejected, CooperationDueSoon, CooperationOverdue}

// Event is something about a case that needs attention. It is the payload
// that mail and webhook jobs carry, so it holds nothing personal.
type Event struct {
	// ID identifies the event (a UUIDv7); receivers use it to drop
	// duplicates, since delivery is at least once.
	ID      string `json:"id"`
	Type    string `json:"type"`
	OrgSlug string `json:"org"`
	CaseID  string `json:"case_id"`
	CaseRef string `json:"case_ref"` // such as K-2026-00042, or a measure's M-…
	// CustomerID is set, instead of CaseID, for an event on a customer's
	// measure.
	CustomerID string `json:"customer_id,omitempty"`
	// Detail says what changed as a code, never a narrative: the new state
	// of a case (case.state_changed), the clock (acknowledge, feedback) of
	// case.clock_due and case.overdue, the level of a measure.
	Detail     string    `json:"detail,omitempty"`
	Urgent     bool      `json:"urgent"`
	OccurredAt time.Time `json:"occurred_at"`
	// DueAt is the deadline of case.clock_due and case.overdue, which chat
	// messages show in Japan's time; zero for other events.
	DueAt time.Time `json:"due_at,omitzero"`
}

// Validate checks that ev can be sent.
func (ev Event) Validate() error {
	var errs []error
	if ev.ID == "" {
		errs = append(errs, errors.New("notify: event: id is empty"))
	}
	if ev.Type == "" {
		errs = append(errs, errors.New("notify: event: type is empty"))
	}
	if ev.CaseID == "" && ev.CustomerID == "" {
		errs = append(errs, errors.New("notify: event: case id is empty"))
	}
	return errors.Join(errs...)
}

// Path is the page of the web UI an event leads to: the approvals list for
// a proposed measure, the customer's measures for a decision on one, else
// the case.
func (ev Event) Path() string {
	return Path(ev.Type, ev.CaseID, ev.CustomerID)
}

// Path is the page an event of type typ about caseID, or customerID for a
// measure, leads to; notifications stored for measures keep the customer's
// id as their object.
func Path(typ, caseID, customerID string) string {
	switch {
	case typ == MeasureProposed, typ == GrantRequested:
		return "/approvals"
	case strings.HasPrefix(typ, "grant."):
		return "/grant-requests"
	case strings.HasPrefix(typ, "measure."):
		return "/customers/" + url.PathEscape(customerID) + "#measures"
	case strings.HasPrefix(typ, "post."):
		return "/online-posts/" + url.PathEscape(caseID)
	case strings.HasPrefix(typ, "cooperation."):
		return "/cooperation/" + url.PathEscape(caseID)
	}
	return "/cases/" + url.PathEscape(caseID)
}

// URL is the address of the event's page under baseURL (--base-url).
func (ev Event) URL(baseURL string) string {
	return strings.TrimRight(baseURL, "/") + ev.Path()
}

// CaseURL is the address of a case in the web UI: baseURL (--base-url)
// followed by /cases/ID.
func CaseURL(baseURL, caseID string) string {
	return strings.TrimRight(baseURL, "/") + "/cases/" + url.PathEscape(caseID)
}

// IsPermanent reports whether err says that retrying cannot help
// (jobs.IsPermanent): the queue fails such a job at once.
func IsPermanent(err error) bool { return jobs.IsPermanent(err) }
