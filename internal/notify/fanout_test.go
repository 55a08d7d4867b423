package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara/internal/jobs"
)

// fakeOutbox answers Audience with its fields and records Deliver's calls.
type fakeOutbox struct {
	to      []Recipient
	webhook bool
	chats   []string
	calls   [][]jobs.Job
	notes   int
}

func (o *fakeOutbox) Audience(context.Context, EventJob) ([]Recipient, string, bool, error) {
	return o.to, "acme", o.webhook, nil
}

func (o *fakeOutbox) Chats(context.Context, string, string, []Recipient) ([]string, error) {
	return o.chats, nil
}

func (o *fakeOutbox) Deliver(_ context.Context, ev Event, _ string, to []Recipient, js []jobs.Job) error {
	if ev.OrgSlug != "acme" {
		return fmt.Errorf("event without the organisation's slug: %+v", ev)
	}
	o.notes += len(to)
	o.calls = append(o.calls, js)
	return nil
}

// The fan-out writes a notification and a mail job per recipient, in
// batches, in each one's language (Japanese when unset), and the webhook's
// job once, with the last batch; with nobody to tell, only the webhook's.
func TestFanout(t *testing.T) {
	ev := Event{ID: "0190a000-0000-7000-8000-000000000001", Type: CaseReported, CaseID: "c1", CaseRef: "K-2026-00001", OccurredAt: time.Now()}
	payload, _ := json.Marshal(EventJob{Event: ev, OrgID: "o1", Roles: []string{"desk"}})
	for _, tc := range []struct {
		name        string
		n           int
		webhook     bool
		wantBatches int
		wantJobs    int
	}{
		{"a few", 3, true, 1, 4},
		{"more than a batch", fanoutBatch + 1, true, 2, fanoutBatch + 2},
		{"nobody, a webhook", 0, true, 1, 1},
		{"nobody, no webhook", 0, false, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := &fakeOutbox{webhook: tc.webhook}
			for i := range tc.n {
				lang := ""
				if i == 0 {
					lang = "en"
				}
				o.to = append(o.to, Recipient{UserID: fmt.Sprint("u", i), Email: fmt.Sprintf("u%d@example.jp", i), Lang: lang})
			}
			if err := FanoutHandler(o)(context.Background(), payload); err != nil {
				t.Fatal(err)
			}
			jobsSeen, hooks := 0, 0
			for k, js := range o.calls {
				for _, j := range js {
					jobsSeen++
					switch j.Kind {
					case KindWebhook:
						hooks++
						if k != len(o.calls)-1 || j.DedupeKey != "webhook:"+ev.ID+":o1" {
							t.Errorf("webhook job %+v in batch %d of %d", j, k, len(o.calls))
						}
					case KindMail:
						m := j.Payload.(MailJob)
						want := "ja"
						if m.To[0] == "u0@example.jp" {
							want = "en"
						}
						if m.Lang != want || j.DedupeKey != "mail:"+ev.ID+":"+m.To[0][:len(m.To[0])-len("@example.jp")] {
							t.Errorf("mail job %+v", j)
						}
					}
				}
			}
			if len(o.calls) != tc.wantBatches || jobsSeen != tc.wantJobs || o.notes != tc.n || hooks != map[bool]int{true: 1}[tc.webhook] {
				t.Errorf("%d batches, %d jobs, %d notifications, %d webhooks; want %d, %d, %d", len(o.calls), jobsSeen, o.notes, hooks, tc.wantBatches, tc.wantJobs, tc.n)
			}
		})
	}
	// A person who chose the daily digest gets the in-app notification and
	// no mail of the event's own, even when nobody else is told.
	o := &fakeOutbox{to: []Recipient{{UserID: "d1", Email: "d1@example.jp", Digest: true}}}
	if err := FanoutHandler(o)(context.Background(), payload); err != nil {
		t.Fatal(err)
	}
	if o.notes != 1 || len(o.calls) != 1 || len(o.calls[0]) != 0 {
		t.Errorf("digest reader: %d notifications, calls %+v; want 1 notification and no job", o.notes, o.calls)
	}
	// Each chat destination gets one chat job, with the last batch, keyed
	// by event and destination.
	o = &fakeOutbox{to: []Recipient{{UserID: "d1", Email: "d1@example.jp"}}, chats: []string{"ch1", "ch2"}}
	if err := FanoutHandler(o)(context.Background(), payload); err != nil {
		t.Fatal(err)
	}
	var chats []string
	for _, j := range o.calls[len(o.calls)-1] {
		if j.Kind == KindChat {
			c := j.Payload.(ChatJob)
			if j.DedupeKey != "chat:"+ev.ID+":"+c.Destination || c.Event.ID != ev.ID || c.Event.OrgSlug != "acme" {
				t.Errorf("chat job %+v", j)
			}
			chats = append(chats, c.Destination)
		}
	}
	if fmt.Sprint(chats) != "[ch1 ch2]" {
		t.Errorf("chat jobs for %v, want ch1 and ch2", chats)
	}
	// A payload that is not an event job fails for good.
	if err := FanoutHandler(&fakeOutbox{})(context.Background(), json.RawMessage(`{`)); !IsPermanent(err) {
		t.Errorf("a broken payload: %v", err)
	}
}
