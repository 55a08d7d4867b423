package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara/internal/jobs"
	"github.com/kasuhara/kasuhara/internal/sqldb"
	"github.com/kasuhara/kasuhara/internal/testdb"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// The whole path on both engines: an event enqueues a mail job in its
// transaction, twice (the same dedupe key), and the queue delivers one mail
// that holds the ref and the link and no narrative.
func TestMailJobSendsOnce(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s := startSink(t, &sink{})
		m, err := NewMailer("smtp://"+s.addr, testFrom)
		if err != nil {
			t.Fatal(err)
		}
		q := jobs.New(db, map[string]jobs.Handler{KindMail: MailHandler(m, "https://kasuhara.example.jp")}, jobs.Options{Logger: quiet})
		job := jobs.Job{
			Kind:      KindMail,
			Payload:   MailJob{To: []string{"desk@example.jp"}, Lang: "ja", Event: testEvent},
			DedupeKey: "mail:" + testEvent.ID + ":user-1",
		}
		for range 2 {
			if err := db.Tx(ctx, func(tx *sqldb.Tx) error { return jobs.Enqueue(ctx, tx, job) }); err != nil {
				t.Fatal(err)
			}
		}
		if n, err := q.RunOnce(ctx); err != nil || n != 1 {
			t.Fatalf("RunOnce = %d, %v; want 1 job", n, err)
		}
		msgs := s.messages()
		if len(msgs) != 1 {
			t.Fatalf("sink received %d mails, want 1", len(msgs))
		}
		p := parse(t, msgs[0].Data)
		if p.Subject != "新しい報告があります（緊急）：K-2026-00042" {
			t.Errorf("subject = %q", p.Subject)
		}
		if !strings.Contains(p.Body, "https://kasuhara.example.jp/cases/"+testEvent.CaseID) {
			t.Errorf("body lacks the link: %q", p.Body)
		}
		if id := p.Header.Get("Message-Id"); !strings.HasPrefix(id, "<"+testEvent.ID+".") {
			t.Errorf("Message-ID %q is not derived from the event", id)
		}

		// A payload that cannot be sent fails at once: the queue honours
		// this package's permanent errors.
		bad := jobs.Job{Kind: KindMail, Payload: MailJob{To: []string{"desk@example.jp"}}}
		if err := db.Tx(ctx, func(tx *sqldb.Tx) error { return jobs.Enqueue(ctx, tx, bad) }); err != nil {
			t.Fatal(err)
		}
		if n, err := q.RunOnce(ctx); err != nil || n != 1 {
			t.Fatalf("RunOnce = %d, %v; want 1 job", n, err)
		}
		var state string
		var attempts int
		if err := db.Read.QueryRowContext(ctx, "SELECT state, attempts FROM jobs WHERE dedupe_key IS NULL").Scan(&state, &attempts); err != nil {
			t.Fatal(err)
		}
		if state != jobs.StateFailed || attempts != 1 {
			t.Fatalf("bad mail job is %s after %d attempts, want failed after 1", state, attempts)
		}
	})
}

func TestMailHandler(t *testing.T) {
	ctx := context.Background()
	payload, _ := json.Marshal(MailJob{To: []string{"desk@example.jp"}, Lang: "en", Event: testEvent})

	disabled, _ := NewMailer("", "")
	if err := MailHandler(disabled, "https://k.example.jp")(ctx, payload); err != nil {
		t.Errorf("disabled mail: %v, want nil (skip)", err)
	}
	for _, bad := range []string{`{`, `{"to":["a@example.jp"],"event":{}}`} {
		if err := MailHandler(disabled, "https://k.example.jp")(ctx, json.RawMessage(bad)); !IsPermanent(err) {
			t.Errorf("payload %s: %v, want a permanent error", bad, err)
		}
	}

	// The same job twice makes the same Message-ID; other recipients another.
	s := startSink(t, &sink{})
	m, err := NewMailer("smtp://"+s.addr, testFrom)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := json.Marshal(MailJob{To: []string{"legal@example.jp"}, Lang: "en", Event: testEvent})
	for _, p := range []json.RawMessage{payload, payload, other} {
		if err := MailHandler(m, "https://k.example.jp")(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	msgs := s.messages()
	ids := make([]string, len(msgs))
	for i, msg := range msgs {
		p := parse(t, msg.Data)
		ids[i] = p.Header.Get("Message-Id")
		if p.Header.Get("Content-Language") != "en" || !strings.HasPrefix(p.Subject, "New report (urgent)") {
			t.Errorf("mail %d: %q in %q", i, p.Subject, p.Header.Get("Content-Language"))
		}
		if strings.Contains(ids[i], "desk") || strings.Contains(ids[i], "legal") {
			t.Errorf("Message-ID %q shows the recipient", ids[i])
		}
	}
	if len(ids) != 3 || ids[0] != ids[1] || ids[0] == ids[2] {
		t.Fatalf("Message-IDs %v: want the first two equal, the third different", ids)
	}
}

func TestWebhookHandler(t *testing.T) {
	ctx := context.Background()
	r, srv := startReceiver(t, noContent, answer{status: http.StatusServiceUnavailable})
	hooks := map[string]Webhook{"wh1": {URL: srv.URL + "/hook", Secret: "whsec"}}
	lookup := func(_ context.Context, id string) (Webhook, error) {
		w, ok := hooks[id]
		if !ok {
			return Webhook{}, fmt.Errorf("webhook %s: %w", id, ErrWebhookGone)
		}
		return w, nil
	}
	h := WebhookHandler(NewWebhookClient(5*time.Second, loopback...), "https://k.example.jp", lookup)
	payload, _ := json.Marshal(WebhookJob{Webhook: "wh1", Event: testEvent})
	if err := h(ctx, payload); err == nil || !strings.Contains(err.Error(), "503") {
		t.Fatalf("first delivery: %v, want an error naming 503", err)
	}
	if err := h(ctx, payload); err != nil {
		t.Fatalf("second delivery: %v", err)
	}
	got := r.requests()
	if len(got) != 2 || got[1].verify("whsec") != nil || got[1].EventID != testEvent.ID {
		t.Fatalf("receiver got %+v", got)
	}
	gone, _ := json.Marshal(WebhookJob{Webhook: "deleted", Event: testEvent})
	if err := h(ctx, gone); err != nil {
		t.Fatalf("deleted webhook: %v, want nil", err)
	}
	if err := h(ctx, json.RawMessage(`[`)); !IsPermanent(err) {
		t.Fatalf("bad payload: %v, want a permanent error", err)
	}
}
