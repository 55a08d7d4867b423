package notify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/kasuhara/kasuhara/internal/jobs"
)

// Job kinds for internal/jobs.
const (
	KindMail    = "mail"
	KindWebhook = "webhook"
)

// MailJob is the payload of a "mail" job: mail about Event to To, in Lang.
// Enqueue one per recipient (each has their own language), with the dedupe
// key "mail:EVENT_ID:USER_ID".
type MailJob struct {
	To    []string `json:"to"`
	Lang  string   `json:"lang"`
	Event Event    `json:"event"`
}

// jobHandler makes a jobs.Handler of run, which gets the job's payload
// decoded. A payload that does not decode fails for good: it never will.
func jobHandler[J any](what string, run func(ctx context.Context, j J) error) func(context.Context, json.RawMessage) error {
	return func(ctx context.Context, payload json.RawMessage) error {
		var j J
		if err := json.Unmarshal(payload, &j); err != nil {
			return jobs.Permanent(fmt.Errorf("notify: %s: payload: %w", what, err))
		}
		return run(ctx, j)
	}
}

// MailHandler runs "mail" jobs with m; baseURL (--base-url) makes the link.
// It has the signature of a jobs.Handler. When mail is disabled the job
// succeeds without sending. The Message-ID is derived from the event and
// the recipients, so that a mail sent again after a crash is recognisably
// the same message.
func MailHandler(m *Mailer, baseURL string) func(context.Context, json.RawMessage) error {
	return jobHandler("mail job", func(ctx context.Context, j MailJob) error {
		if err := j.Event.Validate(); err != nil {
			return jobs.Permanent(err)
		}
		msg := MailFor(j.Event, j.Lang, baseURL)
		msg.To = j.To
		msg.ID = j.Event.ID + "." + recipientsHash(j.To)
		return send(ctx, m, msg)
	})
}

// send sends msg unless mail is disabled.
func send(ctx context.Context, m *Mailer, msg Message) error {
	if !m.Enabled() {
		return nil
	}
	err := m.Send(ctx, msg)
	if errors.Is(err, ErrMailDisabled) {
		return nil
	}
	return err
}

// recipientsHash tells recipients apart in a Message-ID without showing
// their addresses.
func recipientsHash(to []string) string {
	to = slices.Clone(to)
	for i := range to {
		to[i] = strings.ToLower(strings.TrimSpace(to[i]))
	}
	slices.Sort(to)
	sum := sha256.Sum256([]byte(strings.Join(to, "\n")))
	return hex.EncodeToString(sum[:6])
}

// WebhookJob is the payload of a "webhook" job: Event for the webhook with
// id Webhook. The URL and secret are looked up when the job runs, so that
// the jobs table holds no secret and a changed secret takes effect. Use the
// dedupe key "webhook:EVENT_ID:WEBHOOK_ID".
type WebhookJob struct {
	Webhook string `json:"webhook"`
	Event   Event  `json:"event"`
}

// ErrWebhookGone is what a lookup answers for a webhook that was deleted or
// disabled since the job was enqueued: the job then ends without delivery.
var ErrWebhookGone = errors.New("notify: webhook gone")

// WebhookHandler runs "webhook" jobs: it finds the webhook with lookup and
// delivers the event with client (see NewWebhookClient); baseURL
// (--base-url) makes the link. It has the signature of a jobs.Handler.
func WebhookHandler(client *http.Client, baseURL string, lookup func(ctx context.Context, id string) (Webhook, error)) func(context.Context, json.RawMessage) error {
	return jobHandler("webhook job", func(ctx context.Context, j WebhookJob) error {
		w, err := lookup(ctx, j.Webhook)
		if errors.Is(err, ErrWebhookGone) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("notify: webhook job: lookup %s: %w", j.Webhook, err)
		}
		return Deliver(ctx, client, w, j.Event, baseURL)
	})
}
