package notify

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/kasuhara/kasuhara/internal/jobs"
)

// KindEvent is the job kind of an event's outbox entry.
const KindEvent = "event"

// EventJob is the payload of an "event" job: the outbox entry that the
// store writes, one per event, in the transaction of the change. After the
// commit, FanoutHandler turns it into in-app notifications and mail and
// webhook jobs, so that a change's transaction does not write one row per
// desk and legal member. Use the dedupe key "event:EVENT_ID".
type EventJob struct {
	// Event is what happened; its OrgSlug is filled in by the fan-out.
	Event Event  `json:"event"`
	OrgID string `json:"org_id"`
	// Users are recipients named by id.
	Users []string `json:"users,omitempty"`
	// Roles adds the members of the organisation with these roles (desk,
	// legal) who are not excluded from the case, as they are when the
	// fan-out runs.
	Roles []string `json:"roles,omitempty"`
	// Except is never told: nobody is notified of their own act.
	Except string `json:"except,omitempty"`
}

// Recipient is an active user to tell of an event.
type Recipient struct {
	UserID string
	Email  string
	Lang   string // "" means Japanese
	// Digest is set for a person who chose one mail a day: they get the
	// in-app notification now and no mail of their own for the event.
	Digest bool
}

// Outbox is what the fan-out needs of the store.
type Outbox interface {
	// Audience resolves the recipients of j: active users, each once, in
	// the order named (Users, then Roles); the organisation's slug; and
	// whether it has a webhook. A case that is gone (purged) has none.
	Audience(ctx context.Context, j EventJob) (to []Recipient, slug string, webhook bool, err error)
	// Deliver writes the in-app notifications of ev for to and enqueues js,
	// in one transaction. Done again for the same event and recipients it
	// adds nothing, since a job may run more than once.
	Deliver(ctx context.Context, ev Event, orgID string, to []Recipient, js []jobs.Job) error
	// Chats lists the chat destinations an event of type typ goes to: the
	// organisation's channels for the types of OrgChatTypes, and the own
	// destinations of the recipients to.
	Chats(ctx context.Context, orgID, typ string, to []Recipient) ([]string, error)
}

// fanoutBatch bounds the recipients written in one transaction.
const fanoutBatch = 500

// FanoutHandler runs "event" jobs with o: each recipient gets an in-app
// notification and, unless they chose the daily digest, a mail job in
// their language; the organisation's
// webhook, if any, one webhook job; each chat destination (Chats) one chat
// job. The jobs carry dedupe keys, so an
// event is sent once however often its fan-out runs. It has the signature
// of a jobs.Handler.
func FanoutHandler(o Outbox) func(context.Context, json.RawMessage) error {
	return jobHandler("event job", func(ctx context.Context, j EventJob) error {
		if err := j.Event.Validate(); err != nil {
			return jobs.Permanent(err)
		}
		to, slug, webhook, err := o.Audience(ctx, j)
		if err != nil {
			return fmt.Errorf("notify: event job: audience: %w", err)
		}
		ev := j.Event
		ev.OrgSlug = slug
		var hook []jobs.Job
		if webhook {
			hook = []jobs.Job{{Kind: KindWebhook, Payload: WebhookJob{Webhook: j.OrgID, Event: ev},
				DedupeKey: "webhook:" + ev.ID + ":" + j.OrgID}}
		}
		chats, err := o.Chats(ctx, j.OrgID, ev.Type, to)
		if err != nil {
			return fmt.Errorf("notify: event job: chats: %w", err)
		}
		for _, d := range chats {
			hook = append(hook, jobs.Job{Kind: KindChat, Payload: ChatJob{Destination: d, Event: ev}, DedupeKey: "chat:" + ev.ID + ":" + d})
		}
		for {
			batch := to[:min(fanoutBatch, len(to))]
			to = to[len(batch):]
			var js []jobs.Job
			for _, r := range batch {
				if r.Digest {
					continue
				}
				lang := r.Lang
				if lang == "" {
					lang = "ja"
				}
				js = append(js, jobs.Job{Kind: KindMail, Payload: MailJob{To: []string{r.Email}, Lang: lang, Event: ev},
					DedupeKey: "mail:" + ev.ID + ":" + r.UserID})
			}
			if len(to) == 0 {
				js = append(js, hook...) // with the last batch
			}
			if len(batch) > 0 || len(js) > 0 {
				if err := o.Deliver(ctx, ev, j.OrgID, batch, js); err != nil {
					return fmt.Errorf("notify: event job: deliver: %w", err)
				}
			}
			if len(to) == 0 {
				return nil
			}
		}
	})
}
