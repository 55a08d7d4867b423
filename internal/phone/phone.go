// Package phone reads the call events of phone systems and checks their
// signature: Twilio's X-Twilio-Signature (HMAC-SHA1 of the URL and the
// sorted POST parameters, as Twilio documents it). An Amazon Connect
// contact flow's Lambda and a PBX sign with Kasuhara's own header, the
// same as its outgoing webhooks (notify.Sign, notify.VerifySignature):
//
//	X-Kasuhara-Signature: t=1765000000,v1=<hex of HMAC-SHA256(secret, t + "." + body)>
//
// signed no more than MaxSkew from the server's clock, so that a captured
// request cannot be replayed later. The functions are pure: no database,
// no HTTP.
package phone

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kasuhara/kasuhara"
)

// MaxSkew is how far a signed timestamp may be from now.
const MaxSkew = 5 * time.Minute

// TwilioHeader is Twilio's signature header.
const TwilioHeader = "X-Twilio-Signature"

// ErrSignature is any failed signature check.
var ErrSignature = errors.New("phone: bad signature")

// TwilioSignature is Twilio's signature of a request: the full URL it
// called (with its query), then each POST parameter's name and value,
// sorted by name, without separators, HMAC-SHA1 with the auth token,
// base64.
func TwilioSignature(authToken, fullURL string, params url.Values) string {
	var b strings.Builder
	b.WriteString(fullURL)
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		vs := slices.Clone(params[k])
		slices.Sort(vs)
		for _, v := range vs {
			b.WriteString(k)
			b.WriteString(v)
		}
	}
	m := hmac.New(sha1.New, []byte(authToken))
	m.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// VerifyTwilio checks X-Twilio-Signature in constant time.
func VerifyTwilio(authToken, fullURL string, params url.Values, header string) error {
	if authToken == "" || header == "" {
		return ErrSignature
	}
	if !hmac.Equal([]byte(TwilioSignature(authToken, fullURL, params)), []byte(header)) {
		return ErrSignature
	}
	return nil
}

// Event kinds.
const (
	Started = "started"
	Ended   = "ended"
	// Unanswered is a Twilio call that was busy, failed, not answered or
	// cancelled: nothing to look up or report.
	Unanswered = "unanswered"
)

// Event is a call event: started (the caller's number, to look up) or
// ended (the draft's facts).
type Event struct {
	Kind string
	kasuhara.CallEvent
}

// Generic is the JSON of the generic webhook and of the API:
//
//	{"event": "started" | "ended", "call_id": "…", "caller": "+81312345678",
//	 "agent": "taro@example.co.jp", "started_at": "2026-12-06T10:00:00+09:00",
//	 "duration_seconds": 1260, "recording_url": "https://pbx.example/rec/1.wav"}
type Generic struct {
	Event           string `json:"event"`
	CallID          string `json:"call_id"`
	Caller          string `json:"caller"`
	Agent           string `json:"agent"`
	StartedAt       string `json:"started_at"`
	DurationSeconds int    `json:"duration_seconds"`
	RecordingURL    string `json:"recording_url"`
}

// fieldErr names one field.
func fieldErr(field string, code kasuhara.FieldCode) error {
	return kasuhara.FieldErrors{field: {Code: code}}.Err()
}

// toEvent checks a generic event of source.
func (g Generic) toEvent(source string) (Event, error) {
	e := Event{Kind: g.Event, CallEvent: kasuhara.CallEvent{Source: source, CallID: g.CallID, Caller: g.Caller, AgentEmail: g.Agent,
		DurationSeconds: g.DurationSeconds, RecordingURL: g.RecordingURL}}
	if e.Kind != Started && e.Kind != Ended {
		return e, fieldErr("event", kasuhara.FieldChoice)
	}
	if strings.TrimSpace(g.Agent) == "" {
		return e, fieldErr("agent", kasuhara.FieldRequired)
	}
	if e.Kind == Started && strings.TrimSpace(g.Caller) == "" {
		return e, fieldErr("caller", kasuhara.FieldRequired)
	}
	if g.StartedAt != "" {
		t, err := time.Parse(time.RFC3339, g.StartedAt)
		if err != nil {
			return e, fieldErr("started_at", kasuhara.FieldDateTime)
		}
		e.StartedAt = t
	}
	return e, nil
}

// ParseGeneric reads the generic webhook's (or the API's) JSON.
func ParseGeneric(body []byte, source string) (Event, error) {
	var g Generic
	d := json.NewDecoder(strings.NewReader(string(body)))
	d.DisallowUnknownFields()
	if err := d.Decode(&g); err != nil {
		return Event{}, &kasuhara.Error{Code: kasuhara.EINVALID, Message: "malformed JSON: " + err.Error()}
	}
	return g.toEvent(source)
}

// connectEvent is what Amazon Connect passes to a Lambda function invoked
// from a contact flow: the contact's data, and the function's parameters
// as the flow's block sets them (event, agent, and when the call ended
// duration_seconds and recording_url).
type connectEvent struct {
	Details struct {
		ContactData struct {
			ContactId        string `json:"ContactId"`
			CustomerEndpoint *struct {
				Address string `json:"Address"`
			} `json:"CustomerEndpoint"`
		} `json:"ContactData"`
		Parameters map[string]string `json:"Parameters"`
	} `json:"Details"`
	Name string `json:"Name"`
}

// ParseConnect reads an Amazon Connect contact flow event forwarded by
// its Lambda function unchanged.
func ParseConnect(body []byte) (Event, error) {
	var c connectEvent
	if err := json.Unmarshal(body, &c); err != nil || c.Details.ContactData.ContactId == "" {
		return Event{}, &kasuhara.Error{Code: kasuhara.EINVALID, Message: "not an Amazon Connect contact flow event"}
	}
	p := c.Details.Parameters
	g := Generic{Event: p["event"], CallID: c.Details.ContactData.ContactId, Agent: p["agent"], StartedAt: p["started_at"], RecordingURL: p["recording_url"]}
	if ep := c.Details.ContactData.CustomerEndpoint; ep != nil {
		g.Caller = ep.Address
	}
	if s := p["duration_seconds"]; s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return Event{}, fieldErr("duration_seconds", kasuhara.FieldNumber)
		}
		g.DurationSeconds = n
	}
	return g.toEvent(kasuhara.CallSourceConnect)
}

// ParseTwilio reads Twilio's voice webhook or status callback: a call
// ringing or in progress has started, a completed one ended (CallSid,
// From, CallDuration, RecordingUrl). Twilio does not know the agent: the
// webhook's URL names them (?agent=…), and it is signed with the rest.
func ParseTwilio(params url.Values, agent string) (Event, error) {
	g := Generic{CallID: params.Get("CallSid"), Caller: params.Get("From"), Agent: agent, RecordingURL: params.Get("RecordingUrl")}
	switch params.Get("CallStatus") {
	case "queued", "ringing", "in-progress", "initiated":
		g.Event = Started
	case "completed":
		g.Event = Ended
	case "busy", "failed", "no-answer", "canceled":
		return Event{Kind: Unanswered}, nil
	default:
		return Event{}, fieldErr("CallStatus", kasuhara.FieldChoice)
	}
	if d := params.Get("CallDuration"); d != "" {
		n, err := strconv.Atoi(d)
		if err != nil {
			return Event{}, fieldErr("CallDuration", kasuhara.FieldNumber)
		}
		g.DurationSeconds = n
	}
	if g.CallID == "" {
		return Event{}, fieldErr("CallSid", kasuhara.FieldRequired)
	}
	return g.toEvent(kasuhara.CallSourceTwilio)
}
