package store_test

import (
	"crypto/rand"
	"crypto/rsa"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/credential"
	"github.com/kasuhara/kasuhara/internal/jobs"
	"github.com/kasuhara/kasuhara/internal/notify"
)

// chatInbox is a local chat service with one path per destination: it
// records the bodies each path gets and answers with the statuses queued
// for it (then 200).
type chatInbox struct {
	mu      sync.Mutex
	bodies  map[string][]string
	answers map[string][]int
	srv     *httptest.Server
}

func newChatInbox(t *testing.T) *chatInbox {
	t.Helper()
	in := &chatInbox{bodies: map[string][]string{}, answers: map[string][]int{}}
	in.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		in.mu.Lock()
		defer in.mu.Unlock()
		if r.URL.Path == "/oauth2/v2.0/token" {
			// LINE WORKS' token endpoint: the service account's grant.
			form, _ := url.ParseQuery(string(b))
			if form.Get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" || form.Get("assertion") == "" {
				w.WriteHeader(http.StatusBadRequest)
				return
			}
			io.WriteString(w, `{"access_token":"LWTOKEN","token_type":"Bearer","expires_in":"86400","scope":"bot"}`)
			return
		}
		if strings.HasPrefix(r.URL.Path, "/v1.0/") && r.Header.Get("Authorization") != "Bearer LWTOKEN" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		in.bodies[r.URL.Path] = append(in.bodies[r.URL.Path], string(b))
		if q := in.answers[r.URL.Path]; len(q) > 0 {
			in.answers[r.URL.Path] = q[1:]
			w.Header().Set("Retry-After", "600")
			w.WriteHeader(q[0])
			return
		}
		io.WriteString(w, "ok")
	}))
	t.Cleanup(in.srv.Close)
	return in
}

func (in *chatInbox) got(path string) []string {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]string(nil), in.bodies[path]...)
}

func (in *chatInbox) all() string {
	in.mu.Lock()
	defer in.mu.Unlock()
	var b strings.Builder
	for _, bs := range in.bodies {
		for _, s := range bs {
			b.WriteString(s)
		}
	}
	return b.String()
}

// chatQueue is the queue with the fan-out and chat handlers, on a clock
// the test moves.
func chatQueue(t *testing.T, d desk, in *chatInbox, now *time.Time) *jobs.Queue {
	t.Helper()
	mailer, _ := notify.NewMailer("", "")
	client := notify.NewWebhookClient(5*time.Second, netip.MustParsePrefix("127.0.0.0/8"))
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	lw := &notify.LineWorks{ClientID: "C", ClientSecret: "S", ServiceAccount: "svc.serviceaccount@example", BotID: "77", Key: key,
		AuthURL: in.srv.URL + "/oauth2/v2.0/token", APIURL: in.srv.URL + "/v1.0"}
	return jobs.New(d.db, map[string]jobs.Handler{
		notify.KindEvent: notify.FanoutHandler(d.s),
		notify.KindMail:  notify.MailHandler(mailer, "https://k.example.jp"),
		notify.KindChat:  notify.ChatHandler(client, lw, "https://k.example.jp", d.s.ChatTarget, d.s.RecordChatResult),
	}, jobs.Options{Now: func() time.Time { return *now }, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
}

func TestChatDestinations(t *testing.T) {
	onDesk(t, func(t *testing.T, d desk) {
		d.s.WebhookAllow = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
		in := newChatInbox(t)
		hook := func(name string) string { return in.srv.URL + "/services/" + name + "/SECRETTOKEN" + name }

		// Bad input names its field.
		for _, tc := range []struct {
			n     kasuhara.NewChatDestination
			field string
		}{
			{kasuhara.NewChatDestination{OrgID: d.org.ID, Kind: "irc", Target: hook("x")}, "kind"},
			{kasuhara.NewChatDestination{OrgID: d.org.ID, Kind: notify.ChatSlack}, "target"},
			{kasuhara.NewChatDestination{OrgID: d.org.ID, Kind: notify.ChatSlack, Target: "http://hooks.slack.com/services/x"}, "target"},
			{kasuhara.NewChatDestination{OrgID: d.org.ID, Kind: notify.ChatSlack, Target: "https://10.0.0.5/hook"}, "target"},
			{kasuhara.NewChatDestination{OrgID: d.org.ID, Kind: notify.ChatSlack, Target: "hooks.slack.com/x"}, "target"},
			{kasuhara.NewChatDestination{OrgID: d.org.ID, Kind: notify.ChatLineWorksUser, Target: "taro yamada"}, "target"},
			{kasuhara.NewChatDestination{OrgID: d.org.ID, Kind: notify.ChatTeams, Target: hook("x"), Label: strings.Repeat("あ", 101)}, "label"},
			{kasuhara.NewChatDestination{OrgID: d.org.ID, Kind: notify.ChatTeams, Target: hook("x"), Lang: "fr"}, "lang"},
		} {
			_, err := d.s.AddChatDestination(ctx, d.actor, tc.n)
			wantField(t, err, tc.field)
		}
		// Only the administrator sets the organisation's channels, and
		// only of organisations in reach.
		_, err := d.s.AddChatDestination(ctx, d.people["desk1"], kasuhara.NewChatDestination{OrgID: d.org.ID, Kind: notify.ChatSlack, Target: hook("x")})
		wantCode(t, err, kasuhara.EFORBIDDEN)
		_, err = d.s.OrgChatDestinations(ctx, d.people["desk1"], d.org.ID)
		wantCode(t, err, kasuhara.EFORBIDDEN)

		org, err := d.s.AddChatDestination(ctx, d.actor, kasuhara.NewChatDestination{OrgID: d.org.ID, Kind: notify.ChatSlack, Label: "相談窓口", Target: hook("org")})
		if err != nil {
			t.Fatal(err)
		}
		mine, err := d.s.AddChatDestination(ctx, d.people["desk1"], kasuhara.NewChatDestination{Personal: true, Kind: notify.ChatTeamsWorkflow, Target: hook("desk1")})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.s.AddChatDestination(ctx, d.people["desk2"], kasuhara.NewChatDestination{Personal: true, Kind: notify.ChatLineWorksUser, Target: "desk2@example.co.jp"}); err != nil {
			t.Fatal(err)
		}
		clerks, err := d.s.AddChatDestination(ctx, d.people["clerk"], kasuhara.NewChatDestination{Personal: true, Kind: notify.ChatTeams, Target: hook("clerk")})
		if err != nil {
			t.Fatal(err)
		}
		// The address is sealed at rest and never shown whole.
		var sealed string
		if err := d.db.Read.QueryRowContext(ctx, "SELECT target_sealed FROM chat_destinations WHERE id = $1", org.ID).Scan(&sealed); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(sealed, "SECRETTOKEN") || strings.Contains(sealed, "/services/") {
			t.Errorf("the address is stored in clear: %q", sealed)
		}
		if strings.Contains(org.Hint, "SECRETTOKEN") || !strings.HasSuffix(org.Hint, "/…Norg") {
			t.Errorf("hint %q", org.Hint)
		}
		// Each list holds what it should, and nothing of another's.
		orgs, err := d.s.OrgChatDestinations(ctx, d.actor, d.org.ID)
		if err != nil || len(orgs) != 1 || orgs[0].ID != org.ID || orgs[0].Label != "相談窓口" || orgs[0].Lang != "ja" {
			t.Fatalf("org destinations %+v, %v", orgs, err)
		}
		own, err := d.s.MyChatDestinations(ctx, d.people["desk1"])
		if err != nil || len(own) != 1 || own[0].ID != mine.ID {
			t.Fatalf("desk1's destinations %+v, %v", own, err)
		}
		// Nobody deletes or tests another person's, nor an organisation's
		// they do not administer.
		wantCode(t, d.s.DeleteChatDestination(ctx, d.people["desk2"], mine.ID), kasuhara.ENOTFOUND)
		wantCode(t, d.s.TestChatDestination(ctx, d.people["desk2"], mine.ID), kasuhara.ENOTFOUND)
		wantCode(t, d.s.DeleteChatDestination(ctx, d.people["desk1"], org.ID), kasuhara.ENOTFOUND)
		wantCode(t, d.s.DeleteChatDestination(ctx, d.people["otherdesk"], clerks.ID), kasuhara.ENOTFOUND)

		// A report: the organisation's channel and the desk's own
		// destinations get the new case; the reporter's own does not (they
		// are not told of their own report), and nothing of the report's
		// content reaches any of them.
		c, err := d.s.FileReport(ctx, d.people["clerk"], report(d.shop.ID, "NARRATIVE-大声で怒鳴り続けた", "insult"))
		if err != nil {
			t.Fatal(err)
		}
		// A minute ahead: the jobs the fan-out enqueues "now" are due.
		now := time.Now().Add(time.Minute)
		q := chatQueue(t, d, in, &now)
		for range 3 {
			if _, err := q.RunOnce(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if got := in.got("/services/org/SECRETTOKENorg"); len(got) != 1 || !strings.Contains(got[0], c.Ref) || !strings.Contains(got[0], `"blocks"`) {
			t.Fatalf("the organisation's Slack got %q, want one message with %s", got, c.Ref)
		}
		if got := in.got("/services/desk1/SECRETTOKENdesk1"); len(got) != 1 || !strings.Contains(got[0], "AdaptiveCard") || !strings.Contains(got[0], "/cases/"+c.ID) {
			t.Fatalf("desk1's Workflows webhook got %q", got)
		}
		if got := in.got("/v1.0/bots/77/users/desk2@example.co.jp/messages"); len(got) != 1 || !strings.Contains(got[0], `"type":"link"`) || !strings.Contains(got[0], c.Ref) {
			t.Fatalf("desk2's LINE WORKS got %q", got)
		}
		if got := in.got("/services/clerk/SECRETTOKENclerk"); len(got) != 0 {
			t.Errorf("the reporter's own destination was told of their report: %q", got)
		}
		all := in.all()
		for _, no := range []string{"NARRATIVE", "怒鳴", "山田", "090", "レジ前", "返金", "clerk", "新宿店", "acme"} {
			if strings.Contains(all, no) {
				t.Errorf("a chat message carries %q", no)
			}
		}
		// A service that answers 429 with Retry-After is not asked again
		// before it said; the failure shows on the settings page, without
		// the address.
		in.mu.Lock()
		in.answers["/services/desk1/SECRETTOKENdesk1"] = []int{http.StatusTooManyRequests}
		in.mu.Unlock()
		if err := d.s.TestChatDestination(ctx, d.people["desk1"], mine.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := q.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		var runAt time.Time
		if err := d.db.Read.QueryRowContext(ctx, "SELECT run_at FROM jobs WHERE kind = 'chat' AND state = 'pending'").Scan(&runAt); err != nil {
			t.Fatal(err)
		}
		if runAt.Before(now.Add(599 * time.Second)) {
			t.Errorf("retried at %v, before the 600 s of Retry-After from %v", runAt, now)
		}
		own, _ = d.s.MyChatDestinations(ctx, d.people["desk1"])
		if own[0].LastErrorAt.IsZero() || !strings.Contains(own[0].LastError, "429") || strings.Contains(own[0].LastError, "SECRETTOKEN") {
			t.Errorf("after a 429: %+v", own[0])
		}
		now = now.Add(601 * time.Second)
		if n, err := q.RunOnce(ctx); err != nil || n != 1 {
			t.Fatalf("the retry ran %d jobs: %v", n, err)
		}
		if got := in.got("/services/desk1/SECRETTOKENdesk1"); len(got) != 3 || !strings.Contains(got[2], "テストメッセージ") {
			t.Fatalf("the test message: %q", got)
		}
		if own, _ = d.s.MyChatDestinations(ctx, d.people["desk1"]); own[0].LastOKAt.Before(own[0].LastErrorAt) {
			t.Errorf("after the retry delivered: %+v", own[0])
		}

		// A destination sealed with another key (a restore without
		// keys/secrets.key) fails for good, and its page says so.
		lost, err := d.s.AddChatDestination(ctx, d.people["desk1"], kasuhara.NewChatDestination{Personal: true, Kind: notify.ChatSlack, Target: hook("lost")})
		if err != nil {
			t.Fatal(err)
		}
		keep := d.s.Secrets
		d.s.Secrets = credential.NewRandomSealer()
		if err := d.s.TestChatDestination(ctx, d.people["desk1"], lost.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := q.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		d.s.Secrets = keep
		mine2, err := d.s.MyChatDestinations(ctx, d.people["desk1"])
		if err != nil {
			t.Fatal(err)
		}
		for _, dd := range mine2 {
			if dd.ID == lost.ID && !strings.Contains(dd.LastError, "does not open") {
				t.Errorf("a destination that no longer opens: %+v", dd)
			}
		}
		if n := len(in.got("/services/lost/SECRETTOKENlost")); n != 0 {
			t.Errorf("sent %d messages to a destination that does not open", n)
		}
		if err := d.s.DeleteChatDestination(ctx, d.people["desk1"], lost.ID); err != nil {
			t.Fatal(err)
		}

		// Deleted, a destination gets nothing more; its jobs end quietly.
		if err := d.s.DeleteChatDestination(ctx, d.actor, org.ID); err != nil {
			t.Fatal(err)
		}
		if err := d.s.DeleteChatDestination(ctx, d.people["desk1"], mine.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := d.s.FileReport(ctx, d.people["clerk"], report(d.shop.ID, "x", "insult")); err != nil {
			t.Fatal(err)
		}
		for range 3 {
			if _, err := q.RunOnce(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if n := len(in.got("/services/org/SECRETTOKENorg")); n != 1 {
			t.Errorf("the deleted channel got %d messages, want still 1", n)
		}
		var audited int
		if err := d.db.Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM audit_entries WHERE action IN ('chat.add', 'chat.delete')").Scan(&audited); err != nil {
			t.Fatal(err)
		}
		if audited != 8 {
			t.Errorf("%d audit entries of chat destinations, want 5 added and 3 deleted", audited)
		}
	})
}

// TestChatRouting is chat's rule of confidentiality, both ways: an
// organisation's channel gets only the events for the whole desk
// (notify.OrgChatTypes), never what is for one person (an assignment, a
// message, a report taken on their behalf) nor what only legal may know (a
// retaliation alarm, a disowned report, an exclusion); a person's own
// destination gets their personal events; another organisation's channel
// gets nothing.
func TestChatRouting(t *testing.T) {
	onDesk(t, func(t *testing.T, d desk) {
		d.s.WebhookAllow = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
		in := newChatInbox(t)
		hook := func(name string) string { return in.srv.URL + "/services/" + name + "/T" + name }
		path := func(name string) string { return "/services/" + name + "/T" + name }
		org, err := d.s.AddChatDestination(ctx, d.actor, kasuhara.NewChatDestination{OrgID: d.org.ID, Kind: notify.ChatSlack, Target: hook("org")})
		if err != nil {
			t.Fatal(err)
		}
		other, err := d.s.AddChatDestination(ctx, kasuhara.CLIActor, kasuhara.NewChatDestination{OrgID: d.other.ID, Kind: notify.ChatSlack, Target: hook("other")})
		if err != nil {
			t.Fatal(err)
		}
		own := map[string]string{}
		for _, who := range []string{"desk1", "legal", "clerk"} {
			dd, err := d.s.AddChatDestination(ctx, d.people[who], kasuhara.NewChatDestination{Personal: true, Kind: notify.ChatSlack, Target: hook(who)})
			if err != nil {
				t.Fatal(err)
			}
			own[who] = dd.ID
		}

		// The filter itself, for every event type.
		personal := []string{notify.CaseAssigned, notify.CaseMessage, notify.CaseRetaliation, notify.CaseExclusion, notify.CaseCheckin,
			notify.CaseRecorded, notify.CaseDisowned, notify.MeasureProposed}
		for _, typ := range notify.EventTypes {
			ids, err := d.s.Chats(ctx, d.org.ID, typ, nil)
			if err != nil {
				t.Fatal(err)
			}
			want := slices.Contains(notify.OrgChatTypes, typ)
			if got := slices.Contains(ids, org.ID); got != want {
				t.Errorf("%s: the organisation's channel chosen %v, want %v", typ, got, want)
			}
			if slices.Contains(personal, typ) && slices.Contains(ids, org.ID) {
				t.Errorf("%s, for one person or for legal only, goes to the organisation's channel", typ)
			}
			if slices.Contains(ids, other.ID) || len(ids) > 1 {
				t.Errorf("%s: chosen %v; another organisation's channel or a person's own without being a recipient", typ, ids)
			}
			ids, _ = d.s.Chats(ctx, d.org.ID, typ, []notify.Recipient{{UserID: d.people["legal"].UserID}})
			if !slices.Contains(ids, own["legal"]) || slices.Contains(ids, own["desk1"]) || slices.Contains(ids, own["clerk"]) {
				t.Errorf("%s for legal: chosen %v", typ, ids)
			}
		}

		// Through the fan-out: what each action sends, to whom.
		now := time.Now().Add(time.Minute)
		q := chatQueue(t, d, in, &now)
		seen := map[string]int{}
		step := func(what string, want map[string]int) {
			t.Helper()
			for range 4 {
				if _, err := q.RunOnce(ctx); err != nil {
					t.Fatal(err)
				}
			}
			for _, name := range []string{"org", "other", "desk1", "legal", "clerk"} {
				n := len(in.got(path(name)))
				if got := n - seen[name]; got != want[name] {
					t.Errorf("%s: %s got %d messages, want %d", what, name, got, want[name])
				}
				seen[name] = n
			}
		}
		c, err := d.s.FileReport(ctx, d.people["clerk"], report(d.shop.ID, "怒鳴られた", "insult"))
		if err != nil {
			t.Fatal(err)
		}
		step("a report", map[string]int{"org": 1, "desk1": 1, "legal": 1})
		if _, err := d.s.Assign(ctx, d.people["desk2"], c.ID, d.people["desk1"].UserID, ""); err != nil {
			t.Fatal(err)
		}
		step("an assignment to desk1", map[string]int{"desk1": 1})
		if _, err := d.s.AddMessage(ctx, d.people["desk1"], c.ID, "ご報告ありがとうございます"); err != nil {
			t.Fatal(err)
		}
		step("the desk's message to the reporter", map[string]int{"clerk": 1})
		if _, err := d.s.FlagRetaliation(ctx, d.people["clerk"], c.ID, "報告してから無視されています"); err != nil {
			t.Fatal(err)
		}
		step("a retaliation alarm", map[string]int{"legal": 1})
		ob, err := d.s.FileOnBehalf(ctx, d.people["shopboss"], kasuhara.OnBehalf{Employee: "clerk@example.jp", ReceivedVia: "in_person"},
			report(d.shop.ID, "店長が聞き取り", "insult"))
		if err != nil {
			t.Fatal(err)
		}
		before := seen["org"]
		step("a report taken on the clerk's behalf", map[string]int{"org": 1, "desk1": 1, "legal": 1, "clerk": 1})
		if seen["org"] != before+1 {
			t.Fatalf("the organisation's channel did not hear of the new case")
		}
		if err := d.s.DisownReport(ctx, d.people["clerk"], ob.ID, "私はこの相談をしていません"); err != nil {
			t.Fatal(err)
		}
		step("a disowned report", map[string]int{"legal": 1})
		for _, b := range in.got(path("org")) {
			for _, no := range []string{notify.CaseDisowned, notify.CaseRetaliation, notify.CaseAssigned, notify.CaseRecorded, "無視", "私はこの相談", "店長が聞き取り", "ご報告ありがとう"} {
				if strings.Contains(b, no) {
					t.Errorf("the organisation's channel got %q: %s", no, b)
				}
			}
		}
	})
}
