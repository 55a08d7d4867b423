package store_test

import (
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/calendar"
)

func TestSettingsAndClocks(t *testing.T) {
	onDesk(t, func(t *testing.T, d desk) {
		st, err := d.s.Settings(ctx, d.org.ID)
		if err != nil || st.Acknowledge != "1bd" || st.Feedback != "7d" || !st.PublicHolidays || st.ContactLimitMinutes != 30 {
			t.Fatalf("defaults = %+v, %v", st, err)
		}
		bad := kasuhara.OrgSettings{OrgID: d.org.ID, Acknowledge: "soon", Feedback: "0d", ContactLimitMinutes: 1, WebhookURL: "ftp://x", WebhookSecret: "short"}
		err = d.s.SaveSettings(ctx, d.actor, bad)
		for _, f := range []string{"acknowledge", "feedback", "contact_limit_minutes", "webhook_url", "webhook_secret"} {
			wantField(t, err, f)
		}
		wantField(t, d.s.SaveSettings(ctx, d.actor, kasuhara.OrgSettings{OrgID: d.org.ID, Acknowledge: "1bd", Feedback: "7d", ContactLimitMinutes: 30,
			WebhookURL: "https://hooks.example.jp/k"}), "webhook_secret")

		// Friday 20 November 2026, 18:00 in Tokyo; Monday 23rd is Labour
		// Thanksgiving Day, a public holiday.
		d.s.Now = func() time.Time { return time.Date(2026, 11, 20, 18, 0, 0, 0, calendar.JST) }
		rep := report(d.shop.ID, "x", "insult")
		rep.OccurredAt = time.Date(2026, 11, 20, 17, 0, 0, 0, calendar.JST)
		c := d.file(t, d.people["clerk"], rep)
		if got, want := c.AcknowledgeBy.In(calendar.JST), time.Date(2026, 11, 24, 18, 0, 0, 0, calendar.JST); !got.Equal(want) {
			t.Errorf("acknowledge_by = %v, want %v (one business day, skipping the weekend and the holiday)", got, want)
		}
		if got, want := c.FeedbackBy.In(calendar.JST), time.Date(2026, 11, 27, 18, 0, 0, 0, calendar.JST); !got.Equal(want) {
			t.Errorf("feedback_by = %v, want %v (seven calendar days)", got, want)
		}
		// Without public holidays, and with two business days to acknowledge.
		if err := d.s.SaveSettings(ctx, d.actor, kasuhara.OrgSettings{OrgID: d.org.ID, Acknowledge: "2bd", Feedback: "48h", PublicHolidays: false,
			ContactLimitMinutes: 15, WebhookURL: "https://hooks.example.jp/k", WebhookSecret: "a-long-webhook-secret"}); err != nil {
			t.Fatal(err)
		}
		c, _ = d.s.FileReport(ctx, d.people["clerk"], rep)
		if got, want := c.AcknowledgeBy.In(calendar.JST), time.Date(2026, 11, 24, 18, 0, 0, 0, calendar.JST); !got.Equal(want) {
			t.Errorf("acknowledge_by = %v, want %v (two business days, the holiday worked)", got, want)
		}
		if got, want := c.FeedbackBy.In(calendar.JST), time.Date(2026, 11, 22, 18, 0, 0, 0, calendar.JST); !got.Equal(want) {
			t.Errorf("feedback_by = %v, want %v", got, want)
		}
		// An empty secret keeps the stored one.
		if err := d.s.SaveSettings(ctx, d.actor, kasuhara.OrgSettings{OrgID: d.org.ID, Acknowledge: "1bd", Feedback: "7d", PublicHolidays: true,
			ContactLimitMinutes: 30, WebhookURL: "https://hooks.example.jp/k"}); err != nil {
			t.Fatal(err)
		}
		st, _ = d.s.Settings(ctx, d.org.ID)
		if st.WebhookSecret != "a-long-webhook-secret" || st.ContactLimitMinutes != 30 {
			t.Fatalf("settings = %+v", st)
		}
		// Another organisation keeps the defaults.
		if st, _ := d.s.Settings(ctx, d.other.ID); st.Acknowledge != "1bd" || st.WebhookURL != "" {
			t.Fatalf("other organisation: %+v", st)
		}
	})
}
