package kasuhara

import (
	"context"
	"time"
)

// Call sources: where a call event came from.
const (
	CallSourceAPI     = "api"     // POST /api/v1/calls/… with an API token
	CallSourceTwilio  = "twilio"  // Twilio's status callback, X-Twilio-Signature
	CallSourceConnect = "connect" // an Amazon Connect contact flow's Lambda, signed
	CallSourceSIP     = "sip"     // a PBX or SIP server's webhook, signed
)

// CallSecretSources are the sources that sign their events with a secret
// of the organisation.
var CallSecretSources = []string{CallSourceTwilio, CallSourceConnect, CallSourceSIP}

// CallEvent is what a phone system says about an ended call.
type CallEvent struct {
	Source string
	// CallID is the phone system's id of the call (Twilio's CallSid,
	// Connect's ContactId): a call repeated is one draft.
	CallID string
	// Caller is the customer's number as the phone system gives it.
	Caller string
	// AgentEmail names the member who took the call.
	AgentEmail      string
	StartedAt       time.Time
	DurationSeconds int
	// RecordingURL is where the phone system keeps the recording;
	// Recording is the recording itself, already in the blob store.
	RecordingURL string
	Recording    *Evidence
}

// Call draft states.
const (
	CallDraftOpen      = "open"
	CallDraftFiled     = "filed"
	CallDraftDismissed = "dismissed"
)

// CallDraft is an ended call waiting for its agent's report.
type CallDraft struct {
	ID              string
	OrgID           string
	Source          string
	CallID          string
	Caller          string
	AgentID         string
	StartedAt       time.Time
	DurationSeconds int
	RecordingURL    string
	Recording       *Evidence // the recording file, nil when only a URL
	State           string
	CaseID          string
	CreatedAt       time.Time
}

// Limits of call events.
const (
	MaxCallDuration = 24 * 60 * 60 // seconds
	MaxCallIDLength = 200
)

// CallService is the phone systems' side of reporting (issue 25): an ended
// call becomes a draft report that only its agent sees, pre-filled; the
// agent files it (the recording then becomes evidence) or sets it aside.
type CallService interface {
	// CallAgent is the member of the organisation with the e-mail address,
	// as the actor of the call's lookups (EINVALID naming agent when
	// none). The actor asking is the system (a signed webhook) or an API
	// token's user who may report calls (the admin, the desk, legal); the
	// organisation is then theirs.
	CallAgent(ctx context.Context, actor Actor, orgID, email string) (Actor, error)
	// CallEnded records an ended call as a draft for its agent. The actor
	// is the system (a signed webhook) or an API token's user of the
	// organisation. A call already recorded (source and call id) answers
	// the draft recorded first. EINVALID names each wrong field.
	CallEnded(ctx context.Context, actor Actor, orgID string, e CallEvent) (*CallDraft, bool, error)
	// CallDrafts are the actor's own open drafts, newest first.
	CallDrafts(ctx context.Context, actor Actor) ([]CallDraft, error)
	// CallDraft is one of the actor's own drafts; ENOTFOUND for another's.
	CallDraft(ctx context.Context, actor Actor, id string) (*CallDraft, error)
	// FileCallDraft files the actor's report of an open draft: the case
	// as FileReport opens it, the recording file as its evidence, the
	// recording's address on its timeline.
	FileCallDraft(ctx context.Context, actor Actor, id string, r Report, evidence ...Evidence) (*Case, error)
	// DismissCallDraft sets an open draft aside (a call that was not
	// harassment). Its recording file is not kept: it returns its blob id
	// ("" for none) for the caller to delete once it has returned.
	DismissCallDraft(ctx context.Context, actor Actor, id string) (string, error)
	// CallSecret is the organisation's secret for a source; ENOTFOUND when
	// none is set (the source's webhook then refuses everything).
	CallSecret(ctx context.Context, orgID, source string) (string, error)
	// SetCallSecret sets it (the operator, or the organisation's admin).
	SetCallSecret(ctx context.Context, actor Actor, orgID, source, secret string) error
}
