package kasuhara

import (
	"context"
	"time"
)

// ChatDestination is a place where chat notifications are posted (issue
// 25): a Slack or Teams webhook, or a LINE WORKS user or talk room that
// the operator's bot writes to. An organisation's channel (UserID empty)
// is set by its administrator and gets the events for the whole desk; a
// person's own gets what their mail gets. The address is a secret (a
// webhook URL holds the channel's token): it is kept sealed and never
// shown again, only Hint.
type ChatDestination struct {
	ID     string
	OrgID  string
	UserID string // "" for the organisation's channel
	// Kind is slack, teams, teams_workflow, lineworks_user or
	// lineworks_channel (notify.ChatKinds).
	Kind  string
	Label string // the person's or administrator's name for it
	// Hint is what is shown of the address: the host and the last four
	// characters of a webhook, a LINE WORKS id as given.
	Hint string
	// Lang is the language of an organisation's channel (ja or en); a
	// person's own follows their language.
	Lang      string
	CreatedAt time.Time
	// LastOKAt and LastErrorAt are the last delivery and the last failure;
	// LastError says what failed, never quoting the address.
	LastOKAt    time.Time
	LastErrorAt time.Time
	LastError   string
}

// NewChatDestination is a destination to add: the organisation's channel
// (Personal false, OrgID set) or the actor's own (Personal true).
type NewChatDestination struct {
	OrgID    string
	Personal bool
	Kind     string
	Label    string
	// Target is the webhook's https:// address, or the LINE WORKS user id
	// (or e-mail address) or channel id.
	Target string
	Lang   string
}

// Limits of chat destinations.
const (
	MaxChatDestinations = 10 // per organisation, and per person
	MaxChatLabel        = 100
	MaxChatTarget       = 2000
)

// ChatService manages chat destinations.
type ChatService interface {
	// OrgChatDestinations lists an organisation's channels: its
	// administrator (or its parent's) only.
	OrgChatDestinations(ctx context.Context, actor Actor, orgID string) ([]ChatDestination, error)
	// MyChatDestinations lists the actor's own destinations.
	MyChatDestinations(ctx context.Context, actor Actor) ([]ChatDestination, error)
	// AddChatDestination validates and keeps d, sealed; audited. EINVALID
	// names each wrong field (kind, label, target, lang).
	AddChatDestination(ctx context.Context, actor Actor, d NewChatDestination) (*ChatDestination, error)
	// DeleteChatDestination removes one of the actor's own, or of an
	// organisation they administer; audited. Another's is ENOTFOUND.
	DeleteChatDestination(ctx context.Context, actor Actor, id string) error
	// TestChatDestination enqueues a test message to it, as
	// DeleteChatDestination decides who may.
	TestChatDestination(ctx context.Context, actor Actor, id string) error
}
