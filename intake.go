package kasuhara

import (
	"context"
	"time"
)

// IntakeState is where an intake item stands: open until a person decides.
type IntakeState string

// Intake states.
const (
	IntakeOpen      IntakeState = "open"
	IntakeFiled     IntakeState = "filed"     // turned into a case
	IntakeAttached  IntakeState = "attached"  // added to an existing case
	IntakeDiscarded IntakeState = "discarded" // set aside, with a reason
)

// InboundMail is a mail to the desk's address as the mailbox listener
// parsed it: the sender's own words and its attachments, which passed the
// evidence checks (already stored encrypted in the blob store): a mail with
// an attachment the checks refuse is refused whole, so that its sender
// knows. Nothing else of the message is kept.
type InboundMail struct {
	FromAddress string
	FromName    string
	Subject     string
	Body        string
	MessageID   string // the Message-ID header, without the angle brackets
	References  string // the References header, for threading the replies
	Auth        MailAuth
	Attachments []IntakeAttachment
}

// MailAuth is what the operator's mail gateway found of the sender's
// domain (SPF, DKIM, DMARC: pass, fail, none, …), from the
// Authentication-Results header that the configured gateway added; empty
// when no trusted gateway said.
type MailAuth struct {
	SPF   string
	DKIM  string
	DMARC string
}

// IntakeAttachment is a file of an intake item, stored in the blob store.
type IntakeAttachment struct {
	ID        string
	BlobID    string
	Filename  string
	MediaType string
	Size      int64
	SHA256    string
}

// IntakeItem is a message that arrived for the desk, waiting for (or
// after) a person's decision.
type IntakeItem struct {
	ID         string
	OrgID      string
	ReceivedAt time.Time
	InboundMail
	// SenderUserID is the member of the organisation whose e-mail address
	// the sender's is, "" when none; SenderName their name.
	SenderUserID string
	SenderName   string
	State        IntakeState
	CaseID       string
	CaseRef      string
	Reason       string // why it was discarded
	DecidedBy    string
	DecidedAt    time.Time
	Replies      []IntakeReply
}

// IntakeReply is a reply the desk sent to the sender.
type IntakeReply struct {
	ID       string
	AuthorID string
	Body     string
	At       time.Time
}

// IntakeFiling is the desk's decision to turn an item into a case: the
// report as the desk completed it (categories, when, …; the mail's text is
// its conduct unless the desk rewrote it) and whether the sender, a member
// of the organisation, is recorded as its reporter.
type IntakeFiling struct {
	Report           Report
	SenderIsReporter bool
}

// IntakeService is the desk's mailbox. Intake items are case contents:
// only the desk and legal (access.HandleCases) read and decide them, each
// read and decision audited; the admin does not (EFORBIDDEN).
type IntakeService interface {
	// ReceiveMail stores a mail for the organisation's desk (the system
	// actor, for the mailbox listener); its attachments are already in the
	// blob store. The sender is matched to a member by address. ECONFLICT
	// when the organisation has a message with its Message-ID already (a
	// repeat delivery; nothing is written); ERATELIMITED when its mailbox
	// is full or the sender sent too many in the last hour.
	ReceiveMail(ctx context.Context, actor Actor, orgID string, m InboundMail) (*IntakeItem, error)
	// IntakeItems lists the organisation's items in state, newest first:
	// sender, subject and date only (no body), so the list is not a read.
	IntakeItems(ctx context.Context, actor Actor, state IntakeState) ([]IntakeItem, error)
	// OpenIntakeCount counts the items that wait for a decision.
	OpenIntakeCount(ctx context.Context, actor Actor) (int, error)
	// IntakeItem returns an item with its attachments and replies, and
	// audits the read. ENOTFOUND for another organisation's.
	IntakeItem(ctx context.Context, actor Actor, id string) (*IntakeItem, error)
	// FileIntake turns an open item into a case, its attachments the case's
	// evidence. ECONFLICT when the item was decided already.
	FileIntake(ctx context.Context, actor Actor, id string, f IntakeFiling) (*Case, error)
	// AttachIntake adds an open item to the case with the number ref: its
	// text as a note, its attachments as evidence.
	AttachIntake(ctx context.Context, actor Actor, id, ref string) (*Case, error)
	// DiscardIntake sets an open item aside with a reason (required). Its
	// attachments are not kept: it returns their blob ids for the caller
	// to delete from the blob store once it has returned.
	DiscardIntake(ctx context.Context, actor Actor, id, reason string) ([]string, error)
	// ReplyIntake records the desk's reply and queues it by mail to the
	// sender, threaded under their message; it holds the reply and a quote
	// of the sender's own message, nothing else.
	ReplyIntake(ctx context.Context, actor Actor, id, body string) (*IntakeReply, error)
}
