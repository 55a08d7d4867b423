package web_test

import (
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/ical"
)

// A person adds their own chat destination on the notifications page: a
// bad address is refused with its field named, the address is never shown
// back whole, nobody else sees or tests it, and the test button enqueues a
// message. The administrator's /admin/chat does the same for the
// organisation's channels.
func TestChatDestinationPages(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		e.st.WebhookAllow = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
		desk := e.signedIn(kasuhara.RoleDesk)
		must(t, desk.get("/notifications"), http.StatusOK, `id="chat"`, "Slack")
		r := desk.post("/notifications/chat", url.Values{"kind": {"slack"}, "target": {"http://hooks.slack.com/services/T/B/X"}})
		must(t, r, http.StatusUnprocessableEntity, `id="error-summary"`, "https://")
		r = desk.post("/notifications/chat", url.Values{"kind": {"slack"}, "target": {"https://127.0.0.1:9/services/T000/B000/SECRETTOKENxyz9"}, "label": {"窓口チャンネルA"}})
		if r.status != http.StatusSeeOther {
			t.Fatalf("add: %d %s", r.status, r.body)
		}
		page := desk.get("/notifications")
		must(t, page, http.StatusOK, "窓口チャンネルA", "127.0.0.1:9/…xyz9")
		mustNot(t, page, "SECRETTOKEN")
		ds, err := e.st.MyChatDestinations(ctx, e.actor(kasuhara.RoleDesk))
		if err != nil || len(ds) != 1 {
			t.Fatalf("destinations %+v, %v", ds, err)
		}
		legal := e.signedIn(kasuhara.RoleLegal)
		mustNot(t, legal.get("/notifications"), "窓口チャンネルA", ds[0].ID)
		if r := legal.post("/notifications/chat/"+ds[0].ID+"/test", nil); r.status != http.StatusNotFound {
			t.Errorf("another person's test: %d", r.status)
		}
		if r := legal.post("/notifications/chat/"+ds[0].ID+"/delete", nil); r.status != http.StatusNotFound {
			t.Errorf("another person's delete: %d", r.status)
		}
		if r := desk.post("/notifications/chat/"+ds[0].ID+"/test", nil); r.status != http.StatusSeeOther {
			t.Fatalf("test: %d", r.status)
		}
		var queued int
		if err := e.db.Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM jobs WHERE kind = 'chat' AND payload LIKE '%\"test\":true%'").Scan(&queued); err != nil || queued != 1 {
			t.Errorf("%d test messages queued (%v), want 1", queued, err)
		}
		var payloads string
		e.db.Read.QueryRowContext(ctx, "SELECT payload FROM jobs WHERE kind = 'chat'").Scan(&payloads)
		if strings.Contains(payloads, "SECRETTOKEN") {
			t.Error("the job's payload holds the webhook's address")
		}

		// The organisation's channels: the administrator's page.
		admin := e.signedIn(kasuhara.RoleAdmin)
		must(t, admin.get("/admin/chat"), http.StatusOK, `id="chat-form"`)
		must(t, admin.get("/admin/settings"), http.StatusOK, `href="/admin/chat?org=acme"`)
		r = admin.post("/admin/chat?org=acme", url.Values{"kind": {"teams"}, "target": {"https://10.1.2.3/webhook"}})
		must(t, r, http.StatusUnprocessableEntity, `id="error-summary"`)
		r = admin.post("/admin/chat?org=acme", url.Values{"kind": {"teams_workflow"}, "target": {"https://127.0.0.1:9/workflows/abcdTOKEN1234"}, "lang": {"en"}})
		if r.status != http.StatusSeeOther {
			t.Fatalf("admin add: %d %s", r.status, r.body)
		}
		page = admin.get("/admin/chat?org=acme")
		must(t, page, http.StatusOK, "Microsoft Teams", "127.0.0.1:9/…1234")
		mustNot(t, page, "abcdTOKEN", "SECRETTOKEN")
		if r := desk.get("/admin/chat"); r.status != http.StatusForbidden {
			t.Errorf("the desk on /admin/chat: %d", r.status)
		}
	})
}

// The calendar feed: its address is shown once, it imports as strict
// iCalendar with the case number and kind of deadline only, a renewed
// address ends the old one, fetches are limited, and an employee (who has
// no desk deadlines) gets no feed.
func TestCalendarFeedPages(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		c := e.file(t, e.actor(kasuhara.RoleEmployee), kasuhara.Report{OccurredAt: e.srvNow(), Channel: "phone", Conduct: "NARRATIVE 土下座しろ",
			Consultation: true, Customer: kasuhara.CustomerDetails{Name: "顧客 太郎", Phone: "090-1111-2222"}})
		desk := e.signedIn(kasuhara.RoleDesk)
		must(t, desk.get("/notifications"), http.StatusOK, `id="calendar"`, `id="calendar-renew"`)
		if r := desk.post("/notifications/calendar", nil); r.status != http.StatusSeeOther {
			t.Fatalf("make: %d", r.status)
		}
		page := desk.get("/notifications")
		m := regexp.MustCompile(`id="calendar-url" readonly value="([^"]+)"`).FindStringSubmatch(page.body)
		if m == nil {
			t.Fatalf("the address is not shown:\n%.3000s", page.body)
		}
		feedURL := m[1]
		if !strings.HasPrefix(feedURL, "http://127.0.0.1/calendar/kcal_") || !strings.HasSuffix(feedURL, ".ics") {
			t.Fatalf("address %q", feedURL)
		}
		path := strings.TrimPrefix(feedURL, "http://127.0.0.1")
		mustNot(t, desk.get("/notifications"), path) // shown once

		nobody := e.client()
		r := nobody.get(path)
		if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "text/calendar") {
			t.Fatalf("feed: %d %s", r.status, r.header.Get("Content-Type"))
		}
		cal, err := ical.Parse([]byte(r.body))
		if err != nil {
			t.Fatalf("the feed does not import: %v\n%s", err, r.body)
		}
		var summaries []string
		for _, ev := range cal.Subs {
			s := ev.Props["SUMMARY"][0]
			summaries = append(summaries, s)
			if uuidRE.MatchString(s) {
				t.Errorf("summary %q shows an internal id", s)
			}
			if !strings.Contains(ev.Props["DESCRIPTION"][0], "/cases/"+c.ID) {
				t.Errorf("description %q lacks the link", ev.Props["DESCRIPTION"][0])
			}
		}
		joined := strings.Join(summaries, "|")
		if !strings.Contains(joined, "受付期限："+c.Ref) || !strings.Contains(joined, "回答期限："+c.Ref) {
			t.Errorf("summaries %q", joined)
		}
		for _, no := range []string{"NARRATIVE", "土下座", "顧客", "090", "User employee"} {
			if strings.Contains(r.body, no) {
				t.Errorf("the feed carries %q", no)
			}
		}

		// Renewed: the old address is gone at once.
		if r := desk.post("/notifications/calendar", nil); r.status != http.StatusSeeOther {
			t.Fatalf("renew: %d", r.status)
		}
		if r := nobody.get(path); r.status != http.StatusNotFound {
			t.Errorf("the old address answered %d", r.status)
		}
		m = regexp.MustCompile(`id="calendar-url" readonly value="([^"]+)"`).FindStringSubmatch(desk.get("/notifications").body)
		if m == nil {
			t.Fatal("the renewed address is not shown")
		}
		path = strings.TrimPrefix(m[1], "http://127.0.0.1")
		// Fetches are limited per feed.
		got429 := false
		for range 40 {
			if r := nobody.get(path); r.status == http.StatusTooManyRequests {
				got429 = true
				break
			}
		}
		if !got429 {
			t.Error("40 fetches in a row were all answered")
		}
		// An employee has no desk deadlines, and no feed.
		emp := e.signedIn(kasuhara.RoleEmployee)
		mustNot(t, emp.get("/notifications"), `id="calendar"`)
		if r := emp.post("/notifications/calendar", nil); r.status != http.StatusForbidden {
			t.Errorf("an employee's calendar: %d", r.status)
		}
	})
}
