package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kasuhara/kasuhara/internal/calendar"
	"github.com/kasuhara/kasuhara/internal/jobs"
)

// Chat notifications (issue 25): the events of mail, posted to Slack,
// Microsoft Teams or LINE WORKS. A chat message holds what a mail holds —
// the kind of event, the case's reference, a deadline in Japan's time and
// a link behind sign-in — and nothing else: no narrative, no customer, no
// reporter.

// Chat destination kinds.
const (
	// ChatSlack is a Slack incoming webhook: {"text", "blocks"}.
	ChatSlack = "slack"
	// ChatTeams is a Teams incoming webhook (Office 365 connector): a
	// MessageCard.
	ChatTeams = "teams"
	// ChatTeamsWorkflow is a Teams "Workflows" (Power Automate) webhook:
	// an Adaptive Card in a message's attachments.
	ChatTeamsWorkflow = "teams_workflow"
	// ChatLineWorksUser and ChatLineWorksChannel are a LINE WORKS user and
	// talk room, written to by the operator's bot (LineWorks).
	ChatLineWorksUser    = "lineworks_user"
	ChatLineWorksChannel = "lineworks_channel"
)

// ChatKinds lists the destination kinds.
var ChatKinds = []string{ChatSlack, ChatTeams, ChatTeamsWorkflow, ChatLineWorksUser, ChatLineWorksChannel}

// IsWebhookChat reports whether kind is addressed by a webhook URL (else by
// a LINE WORKS id).
func IsWebhookChat(kind string) bool {
	return kind == ChatSlack || kind == ChatTeams || kind == ChatTeamsWorkflow
}

// OrgChatTypes are the events an organisation's channel gets: those for the
// whole desk. What is for one person (an assignment, a message, a
// check-in, a measure to approve) and what only legal may know of (a
// retaliation alarm, an exclusion) goes to that person's own destinations.
var OrgChatTypes = []string{CaseReported, CaseClockDue, CaseOverdue}

// KindChat is the job kind of a chat message.
const KindChat = "chat"

// ChatJob is the payload of a "chat" job: Event (or, with Test, a test
// message) for the destination with id Destination. The address is looked
// up when the job runs, so the jobs table holds no webhook URL. Use the
// dedupe key "chat:EVENT_ID:DESTINATION_ID".
type ChatJob struct {
	Destination string `json:"destination"`
	Event       Event  `json:"event"`
	Test        bool   `json:"test,omitempty"`
}

// ChatTarget is a destination as a chat job sends to it, opened.
type ChatTarget struct {
	Kind string
	URL  string // the webhook's address (Slack, Teams)
	ID   string // the LINE WORKS user or channel id
	Lang string // the language of its messages
}

// ChatResult is what a chat job reports of a delivery, for the settings
// page: nil for delivered, else the error (which quotes no address).
type ChatResult func(ctx context.Context, destination string, err error)

// ChatMessage is the content of a chat message, in one language.
type ChatMessage struct {
	Title  string // the headline: what happened, and the case's reference
	Due    string // "期限：2026年12月7日 17:00" for a deadline, else ""
	Note   string // that the content is in Kasuhara, behind sign-in
	Link   string
	Open   string // the link's label
	Urgent bool
}

// ChatMessageFor is the message about ev in lang. It holds fixed text, the
// case's reference, the deadline in Japan's time and the link, nothing
// else from ev.
func ChatMessageFor(ev Event, lang, baseURL string) ChatMessage {
	lang = mailLang(lang)
	m := ChatMessage{Title: MailFor(ev, lang, baseURL).Subject, Link: ev.URL(baseURL), Open: chatFixed["open"][lang],
		Note: chatFixed["note"][lang], Urgent: ev.Urgent}
	if !ev.DueAt.IsZero() {
		m.Due = chatFixed["due"][lang] + mailFixed["colon"][lang] + FormatDue(ev.DueAt, lang)
	}
	return m
}

// ChatTestMessage is the message of the settings page's test button.
func ChatTestMessage(lang, baseURL string) ChatMessage {
	lang = mailLang(lang)
	return ChatMessage{Title: chatFixed["test"][lang], Note: chatFixed["test_note"][lang],
		Link: strings.TrimRight(baseURL, "/") + "/notifications", Open: chatFixed["open"][lang]}
}

// FormatDue writes a deadline in Japan's time: 2026年12月7日 17:00 or
// 7 Dec 2026 17:00 JST.
func FormatDue(t time.Time, lang string) string {
	t = t.In(calendar.JST)
	if mailLang(lang) == "ja" {
		return t.Format("2006年1月2日 15:04")
	}
	return t.Format("2 Jan 2006 15:04") + " JST"
}

// lines are the message's lines of body text, after its title.
func (m ChatMessage) lines() []string {
	var out []string
	if m.Due != "" {
		out = append(out, m.Due)
	}
	return append(out, m.Note)
}

// slackEscape escapes the three characters Slack's mrkdwn gives meaning
// to in text (&, <, >).
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// SlackPayload is the body of a Slack incoming webhook: "text" (what
// notifications and old clients show) and "blocks" (a section and a
// button to the page).
func SlackPayload(m ChatMessage) ([]byte, error) {
	type text struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	type element struct {
		Type string `json:"type"`
		Text text   `json:"text"`
		URL  string `json:"url"`
	}
	type block struct {
		Type     string    `json:"type"`
		Text     *text     `json:"text,omitempty"`
		Elements []element `json:"elements,omitempty"`
	}
	body := "*" + slackEscape(m.Title) + "*"
	for _, l := range m.lines() {
		body += "\n" + slackEscape(l)
	}
	return json.Marshal(struct {
		Text   string  `json:"text"`
		Blocks []block `json:"blocks"`
	}{
		Text: slackEscape(m.Title) + " <" + m.Link + "|" + slackEscape(m.Open) + ">",
		Blocks: []block{
			{Type: "section", Text: &text{Type: "mrkdwn", Text: body}},
			{Type: "actions", Elements: []element{{Type: "button", Text: text{Type: "plain_text", Text: m.Open}, URL: m.Link}}},
		},
	})
}

// TeamsMessageCard is the body of a Teams incoming webhook (Office 365
// connector): a MessageCard with an OpenUri action.
func TeamsMessageCard(m ChatMessage) ([]byte, error) {
	type target struct {
		OS  string `json:"os"`
		URI string `json:"uri"`
	}
	type action struct {
		Type    string   `json:"@type"`
		Name    string   `json:"name"`
		Targets []target `json:"targets"`
	}
	color := "0078D7"
	if m.Urgent {
		color = "D83B01"
	}
	return json.Marshal(struct {
		Type            string   `json:"@type"`
		Context         string   `json:"@context"`
		Summary         string   `json:"summary"`
		ThemeColor      string   `json:"themeColor"`
		Title           string   `json:"title"`
		Text            string   `json:"text"`
		PotentialAction []action `json:"potentialAction"`
	}{
		Type: "MessageCard", Context: "https://schema.org/extensions", Summary: m.Title, ThemeColor: color, Title: m.Title,
		Text:            strings.Join(m.lines(), "\n\n"),
		PotentialAction: []action{{Type: "OpenUri", Name: m.Open, Targets: []target{{OS: "default", URI: m.Link}}}},
	})
}

// TeamsAdaptiveCard is the body of a Teams Workflows webhook: a message
// whose attachment is an Adaptive Card (1.4) with an Action.OpenUrl.
func TeamsAdaptiveCard(m ChatMessage) ([]byte, error) {
	type textBlock struct {
		Type   string `json:"type"`
		Text   string `json:"text"`
		Weight string `json:"weight,omitempty"`
		Size   string `json:"size,omitempty"`
		Color  string `json:"color,omitempty"`
		Wrap   bool   `json:"wrap"`
	}
	type action struct {
		Type  string `json:"type"`
		Title string `json:"title"`
		URL   string `json:"url"`
	}
	type card struct {
		Schema  string      `json:"$schema"`
		Type    string      `json:"type"`
		Version string      `json:"version"`
		Body    []textBlock `json:"body"`
		Actions []action    `json:"actions"`
	}
	type attachment struct {
		ContentType string  `json:"contentType"`
		ContentURL  *string `json:"contentUrl"`
		Content     card    `json:"content"`
	}
	title := textBlock{Type: "TextBlock", Text: m.Title, Weight: "Bolder", Size: "Medium", Wrap: true}
	if m.Urgent {
		title.Color = "Attention"
	}
	body := []textBlock{title}
	for _, l := range m.lines() {
		body = append(body, textBlock{Type: "TextBlock", Text: l, Wrap: true})
	}
	return json.Marshal(struct {
		Type        string       `json:"type"`
		Attachments []attachment `json:"attachments"`
	}{
		Type: "message",
		Attachments: []attachment{{ContentType: "application/vnd.microsoft.card.adaptive", Content: card{
			Schema: "http://adaptivecards.io/schemas/adaptive-card.json", Type: "AdaptiveCard", Version: "1.4",
			Body: body, Actions: []action{{Type: "Action.OpenUrl", Title: m.Open, URL: m.Link}},
		}}},
	})
}

// LineWorksPayload is the body of a LINE WORKS bot message: a "link"
// message (contentText up to 1,000 characters, linkText, link).
func LineWorksPayload(m ChatMessage) ([]byte, error) {
	text := m.Title
	for _, l := range m.lines() {
		text += "\n" + l
	}
	type content struct {
		Type        string `json:"type"`
		ContentText string `json:"contentText"`
		LinkText    string `json:"linkText"`
		Link        string `json:"link"`
	}
	return json.Marshal(struct {
		Content content `json:"content"`
	}{content{Type: "link", ContentText: text, LinkText: m.Open, Link: m.Link}})
}

// ChatPayload is the body for a destination of kind.
func ChatPayload(kind string, m ChatMessage) ([]byte, error) {
	switch kind {
	case ChatSlack:
		return SlackPayload(m)
	case ChatTeams:
		return TeamsMessageCard(m)
	case ChatTeamsWorkflow:
		return TeamsAdaptiveCard(m)
	case ChatLineWorksUser, ChatLineWorksChannel:
		return LineWorksPayload(m)
	}
	return nil, jobs.Permanent(fmt.Errorf("notify: chat: unknown kind %q", kind))
}

// ErrChatGone is what a lookup answers for a destination deleted since the
// job was enqueued: the job then ends without delivery.
var ErrChatGone = errors.New("notify: chat destination gone")

// ChatHandler runs "chat" jobs: it opens the destination with lookup,
// posts the message with client (see NewWebhookClient; LINE WORKS through
// lw, which may be nil when the operator configured no bot), and reports
// the outcome with result. baseURL (--base-url) makes the link. A 429 or
// 5xx is retried no sooner than the receiver's Retry-After; an address the
// service says is gone (404, 410) or refuses (400, 401, 403) fails at once.
func ChatHandler(client *http.Client, lw *LineWorks, baseURL string, lookup func(ctx context.Context, id string) (ChatTarget, error), result ChatResult) func(context.Context, json.RawMessage) error {
	return jobHandler("chat job", func(ctx context.Context, j ChatJob) error {
		t, err := lookup(ctx, j.Destination)
		if errors.Is(err, ErrChatGone) {
			return nil
		}
		if err != nil {
			err = fmt.Errorf("notify: chat job: lookup %s: %w", j.Destination, err)
			if result != nil && jobs.IsPermanent(err) {
				result(ctx, j.Destination, err) // an address that no longer opens shows on its page
			}
			return err
		}
		err = SendChat(ctx, client, lw, t, j, baseURL)
		if result != nil {
			result(ctx, j.Destination, err)
		}
		return err
	})
}

// SendChat posts j's message to t.
func SendChat(ctx context.Context, client *http.Client, lw *LineWorks, t ChatTarget, j ChatJob, baseURL string) error {
	var m ChatMessage
	if j.Test {
		m = ChatTestMessage(t.Lang, baseURL)
	} else {
		if err := j.Event.Validate(); err != nil {
			return jobs.Permanent(err)
		}
		m = ChatMessageFor(j.Event, t.Lang, baseURL)
	}
	body, err := ChatPayload(t.Kind, m)
	if err != nil {
		return err
	}
	if !IsWebhookChat(t.Kind) {
		if lw == nil {
			return jobs.Permanent(errors.New("notify: chat: LINE WORKS is not configured (--lineworks-client-id and the rest)"))
		}
		return lw.Send(ctx, client, t, body)
	}
	u, err := url.Parse(t.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return jobs.Permanent(errors.New("notify: chat: the webhook URL must be an http:// or https:// address"))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return jobs.Permanent(errors.New("notify: chat: request"))
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", "Kasuhara-Chat/1")
	return chatPost(client, req, t.Kind, time.Now)
}

// chatPost sends req and reads the answer as the chat services give it:
// 2xx is delivered; 429 and 5xx are retried, no sooner than Retry-After;
// 400, 401, 403, 404 and 410 say the address or its token is wrong or
// gone, which retrying cannot mend. Errors never quote the URL.
func chatPost(client *http.Client, req *http.Request, what string, now func() time.Time) error {
	resp, err := roundTrip(client, req, what)
	if err != nil {
		return err
	}
	code := resp.StatusCode
	if code >= 200 && code <= 299 {
		return nil
	}
	err = &statusError{what: what, code: code}
	switch {
	case code == http.StatusTooManyRequests || code >= 500:
		return jobs.RetryAfter(err, retryAfter(resp.Header.Get("Retry-After"), now()))
	case code == http.StatusBadRequest || code == http.StatusUnauthorized || code == http.StatusForbidden ||
		code == http.StatusNotFound || code == http.StatusGone:
		return jobs.Permanent(err)
	}
	return err
}

// statusError is a chat service's answer other than 2xx.
type statusError struct {
	what string
	code int
}

func (e *statusError) Error() string {
	return fmt.Sprintf("notify: %s: the service answered %d", e.what, e.code)
}

// retryAfter reads a Retry-After header: seconds, or an HTTP date; 0 when
// absent or unreadable.
func retryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	if n, err := strconv.Atoi(h); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
