package notify

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// The checks below are the services' documented formats, as a receiver
// that answers 400 to a malformed message would apply them: the required
// keys, their JSON types, the values a key may take, and the documented
// limits of length. Each check returns the first problem it finds.
//
//   - Slack incoming webhook: https://api.slack.com/messaging/webhooks and
//     the Block Kit reference (section, actions, button).
//   - Teams connector (Office 365 incoming webhook) MessageCard:
//     https://learn.microsoft.com/outlook/actionable-messages/message-card-reference
//   - Teams Workflows webhook: a "message" with an Adaptive Card attachment,
//     https://learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/cards-reference
//     and https://adaptivecards.io/explorer (Teams renders up to 1.5).
//   - LINE WORKS bot API 2.0, "Send message" with content type "link":
//     https://developers.worksmobile.com/jp/docs/bot-send-link

// object is a decoded JSON object with typed accessors that record the
// first problem.
type object struct {
	m    map[string]any
	path string
	errs *[]string
}

func (o object) fail(format string, args ...any) {
	*o.errs = append(*o.errs, o.path+": "+fmt.Sprintf(format, args...))
}

// str returns the string at key; required means it must be present and
// not empty; max bounds its length in characters (0: none).
func (o object) str(key string, required bool, max int) string {
	v, ok := o.m[key]
	if !ok {
		if required {
			o.fail("%q is required", key)
		}
		return ""
	}
	s, isStr := v.(string)
	switch {
	case !isStr:
		o.fail("%q is %T, want a string", key, v)
	case required && s == "":
		o.fail("%q is empty", key)
	case max > 0 && utf8.RuneCountInString(s) > max:
		o.fail("%q has %d characters, over %d", key, utf8.RuneCountInString(s), max)
	}
	return s
}

// is requires the string at key to be one of want.
func (o object) is(key string, want ...string) string {
	s := o.str(key, true, 0)
	if s != "" && !slices.Contains(want, s) {
		o.fail("%q is %q, want one of %q", key, s, want)
	}
	return s
}

func (o object) obj(key string) object {
	v, ok := o.m[key].(map[string]any)
	if !ok {
		o.fail("%q is %T, want an object", key, o.m[key])
	}
	return object{m: v, path: o.path + "." + key, errs: o.errs}
}

// arr returns the objects of the array at key: required, at least one,
// at most max.
func (o object) arr(key string, max int) []object {
	v, ok := o.m[key].([]any)
	if !ok {
		o.fail("%q is %T, want an array", key, o.m[key])
		return nil
	}
	if len(v) == 0 || len(v) > max {
		o.fail("%q has %d elements, want 1 to %d", key, len(v), max)
	}
	var out []object
	for i, e := range v {
		m, ok := e.(map[string]any)
		if !ok {
			o.fail("%s[%d] is %T, want an object", key, i, e)
			continue
		}
		out = append(out, object{m: m, path: fmt.Sprintf("%s.%s[%d]", o.path, key, i), errs: o.errs})
	}
	return out
}

// url requires an absolute https (or, for the local test, http) address.
func (o object) url(key string, max int) {
	if s := o.str(key, true, max); s != "" && !strings.HasPrefix(s, "https://") && !strings.HasPrefix(s, "http://") {
		o.fail("%q is %q, want an absolute URL", key, s)
	}
}

// known fails on a key the format does not define: services ignore some,
// refuse others; a payload should hold only what is documented.
func (o object) known(keys ...string) {
	for k := range o.m {
		if !slices.Contains(keys, k) {
			o.fail("%q is not a documented key", k)
		}
	}
}

func decode(body []byte) (object, []string) {
	var errs []string
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		return object{errs: &errs}, []string{"not a JSON object: " + err.Error()}
	}
	return object{m: m, path: "$", errs: &errs}, nil
}

// checkSlack is Slack's incoming webhook: "text" (the notification's
// fallback; required with blocks) and at most 50 blocks; a section's text
// is mrkdwn or plain_text of up to 3000 characters; an actions block has up
// to 25 elements; a button has a plain_text text of up to 75 characters
// and a url of up to 3000.
func checkSlack(body []byte) []string {
	o, errs := decode(body)
	if errs != nil {
		return errs
	}
	o.known("text", "blocks")
	o.str("text", true, 40000)
	for _, b := range o.arr("blocks", 50) {
		switch b.is("type", "section", "actions", "header", "divider", "context") {
		case "section":
			b.known("type", "text", "block_id")
			t := b.obj("text")
			t.is("type", "mrkdwn", "plain_text")
			t.str("text", true, 3000)
		case "actions":
			b.known("type", "elements", "block_id")
			for _, e := range b.arr("elements", 25) {
				e.known("type", "text", "url", "action_id", "style", "value")
				e.is("type", "button")
				t := e.obj("text")
				t.is("type", "plain_text")
				t.str("text", true, 75)
				e.url("url", 3000)
			}
		}
	}
	return *o.errs
}

// checkMessageCard is a Teams connector's MessageCard: @type MessageCard,
// @context schema.org's extensions, a summary or a text (required), a
// themeColor of six hex digits, and potentialAction entries with @type and
// name; an OpenUri has targets with an os and a uri.
func checkMessageCard(body []byte) []string {
	o, errs := decode(body)
	if errs != nil {
		return errs
	}
	o.known("@type", "@context", "summary", "themeColor", "title", "text", "sections", "potentialAction", "correlationId")
	o.is("@type", "MessageCard")
	o.is("@context", "https://schema.org/extensions", "http://schema.org/extensions")
	if o.str("summary", false, 0) == "" && o.str("text", false, 0) == "" {
		o.fail("a summary or a text is required")
	}
	if c := o.str("themeColor", false, 0); c != "" && (len(c) != 6 || strings.Trim(strings.ToUpper(c), "0123456789ABCDEF") != "") {
		o.fail("themeColor %q is not six hex digits", c)
	}
	o.str("title", false, 0)
	if _, ok := o.m["potentialAction"]; ok {
		for _, a := range o.arr("potentialAction", 4) {
			a.str("name", true, 0)
			if a.is("@type", "OpenUri", "HttpPOST", "ActionCard", "InvokeAddInCommand") == "OpenUri" {
				a.known("@type", "name", "targets")
				for _, tg := range a.arr("targets", 4) {
					tg.known("os", "uri")
					tg.is("os", "default", "iOS", "android", "windows")
					tg.url("uri", 0)
				}
			}
		}
	}
	return *o.errs
}

// checkWorkflow is the message a Teams Workflows webhook takes: type
// "message" and attachments with contentType
// application/vnd.microsoft.card.adaptive and the card as content: type
// AdaptiveCard, a version Teams renders (up to 1.5), body elements
// (TextBlock with its text) and actions (Action.OpenUrl with title and
// url).
func checkWorkflow(body []byte) []string {
	o, errs := decode(body)
	if errs != nil {
		return errs
	}
	o.known("type", "attachments")
	o.is("type", "message")
	for _, a := range o.arr("attachments", 10) {
		a.known("contentType", "contentUrl", "content")
		a.is("contentType", "application/vnd.microsoft.card.adaptive")
		if u, ok := a.m["contentUrl"]; ok && u != nil {
			a.fail("contentUrl is %v, want null", u)
		}
		c := a.obj("content")
		c.known("$schema", "type", "version", "body", "actions", "msteams")
		c.is("type", "AdaptiveCard")
		c.is("version", "1.0", "1.1", "1.2", "1.3", "1.4", "1.5")
		for _, e := range c.arr("body", 50) {
			if e.is("type", "TextBlock", "Container", "FactSet", "ColumnSet") == "TextBlock" {
				e.known("type", "text", "weight", "size", "wrap", "color", "isSubtle")
				e.str("text", true, 0)
				if w, ok := e.m["wrap"]; ok {
					if _, isBool := w.(bool); !isBool {
						e.fail("wrap is %T, want a boolean", w)
					}
				}
				if _, ok := e.m["weight"]; ok {
					e.is("weight", "Default", "Lighter", "Bolder")
				}
				if _, ok := e.m["size"]; ok {
					e.is("size", "Default", "Small", "Medium", "Large", "ExtraLarge")
				}
			}
		}
		for _, act := range c.arr("actions", 6) {
			act.known("type", "title", "url")
			act.is("type", "Action.OpenUrl")
			act.str("title", true, 0)
			act.url("url", 0)
		}
	}
	return *o.errs
}

// checkLineWorks is a LINE WORKS bot message of type link: content with
// contentText (up to 1000 characters), linkText and link (up to 1000).
func checkLineWorks(body []byte) []string {
	o, errs := decode(body)
	if errs != nil {
		return errs
	}
	o.known("content")
	c := o.obj("content")
	switch c.is("type", "link", "text") {
	case "link":
		c.known("type", "contentText", "linkText", "link")
		c.str("contentText", true, 1000)
		c.str("linkText", true, 1000)
		c.url("link", 1000)
	case "text":
		c.known("type", "text")
		c.str("text", true, 2000)
	}
	return *o.errs
}

// checkers are the receivers' checks by destination kind.
var checkers = map[string]func([]byte) []string{
	ChatSlack: checkSlack, ChatTeams: checkMessageCard, ChatTeamsWorkflow: checkWorkflow,
	ChatLineWorksUser: checkLineWorks, ChatLineWorksChannel: checkLineWorks,
}

// schemaReceiver is a local chat service for every kind: Slack at /slack,
// the Teams connector at /teams, Workflows at /workflows, LINE WORKS'
// token endpoint and bot API. It checks each message against its format
// and answers as the service does: 400 with the problems to a malformed
// one; else Slack's "ok", the connector's "1", Workflows' 202, LINE
// WORKS' 201.
type schemaReceiver struct {
	mu       sync.Mutex
	got      map[string]int
	problems []string
}

func (s *schemaReceiver) handler() http.Handler {
	mux := http.NewServeMux()
	check := func(kind string, ok func(http.ResponseWriter)) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			s.mu.Lock()
			defer s.mu.Unlock()
			if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				s.problems = append(s.problems, kind+": Content-Type "+ct)
			}
			if p := checkers[kind](b); len(p) > 0 {
				s.problems = append(s.problems, fmt.Sprintf("%s: %s\n%s", kind, strings.Join(p, "; "), b))
				w.WriteHeader(http.StatusBadRequest)
				io.WriteString(w, "invalid_payload")
				return
			}
			s.got[kind]++
			ok(w)
		}
	}
	mux.HandleFunc("POST /slack", check(ChatSlack, func(w http.ResponseWriter) { io.WriteString(w, "ok") }))
	mux.HandleFunc("POST /teams", check(ChatTeams, func(w http.ResponseWriter) { io.WriteString(w, "1") }))
	mux.HandleFunc("POST /workflows", check(ChatTeamsWorkflow, func(w http.ResponseWriter) { w.WriteHeader(http.StatusAccepted) }))
	mux.HandleFunc("POST /oauth2/v2.0/token", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"access_token":"T","token_type":"Bearer","expires_in":"86400","scope":"bot"}`)
	})
	mux.HandleFunc("POST /v1.0/bots/{bot}/users/{id}/messages", check(ChatLineWorksUser, func(w http.ResponseWriter) { w.WriteHeader(http.StatusCreated) }))
	mux.HandleFunc("POST /v1.0/bots/{bot}/channels/{id}/messages", check(ChatLineWorksChannel, func(w http.ResponseWriter) { w.WriteHeader(http.StatusCreated) }))
	return mux
}

// TestChatReceiversCheckFormats posts every event, in each language, and
// the test message, to a local receiver of each kind through the chat
// job, as production does, the Teams MessageCard included: each receiver
// checks the service's documented format and would answer 400.
func TestChatReceiversCheckFormats(t *testing.T) {
	rs := &schemaReceiver{got: map[string]int{}}
	srv := httptest.NewServer(rs.handler())
	t.Cleanup(srv.Close)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	lw := &LineWorks{ClientID: "C", ClientSecret: "S", ServiceAccount: "svc@example", BotID: "1", Key: key,
		AuthURL: srv.URL + "/oauth2/v2.0/token", APIURL: srv.URL + "/v1.0"}
	targets := map[string]ChatTarget{
		ChatSlack:            {Kind: ChatSlack, URL: srv.URL + "/slack"},
		ChatTeams:            {Kind: ChatTeams, URL: srv.URL + "/teams"},
		ChatTeamsWorkflow:    {Kind: ChatTeamsWorkflow, URL: srv.URL + "/workflows"},
		ChatLineWorksUser:    {Kind: ChatLineWorksUser, ID: "taro@example.co.jp"},
		ChatLineWorksChannel: {Kind: ChatLineWorksChannel, ID: "ch-1"},
	}
	want := 0
	for _, kind := range ChatKinds {
		for _, lang := range Languages {
			tg := targets[kind]
			tg.Lang = lang
			h := ChatHandler(NewWebhookClient(5*time.Second, loopback...), lw, "https://kasuhara.example.jp",
				func(context.Context, string) (ChatTarget, error) { return tg, nil }, nil)
			jobsToRun := []ChatJob{{Destination: "d", Test: true}}
			for _, typ := range EventTypes {
				ev := chatEvent
				ev.Type = typ
				ev.Urgent = typ == CaseReported
				jobsToRun = append(jobsToRun, ChatJob{Destination: "d", Event: ev})
			}
			for _, j := range jobsToRun {
				p, _ := json.Marshal(j)
				if err := h(context.Background(), p); err != nil {
					t.Errorf("%s %s %s: %v", kind, lang, j.Event.Type, err)
				}
				want++
			}
		}
	}
	rs.mu.Lock()
	defer rs.mu.Unlock()
	for _, p := range rs.problems {
		t.Error(p)
	}
	total := 0
	for _, kind := range ChatKinds {
		if rs.got[kind] == 0 {
			t.Errorf("the %s receiver got no message", kind)
		}
		total += rs.got[kind]
	}
	if total != want {
		t.Errorf("the receivers accepted %d messages, want %d", total, want)
	}
}

// The checks refuse what the services refuse: a payload that drops or
// mistypes a required key of each format fails its check.
func TestChatFormatChecksBite(t *testing.T) {
	m := ChatMessageFor(chatEvent, "ja", "https://kasuhara.example.jp")
	for _, tc := range []struct {
		kind   string
		mutate func(map[string]any)
	}{
		{ChatSlack, func(p map[string]any) { delete(p, "text") }},
		{ChatSlack, func(p map[string]any) { p["blocks"].([]any)[0].(map[string]any)["type"] = "paragraph" }},
		{ChatSlack, func(p map[string]any) {
			p["blocks"].([]any)[1].(map[string]any)["elements"].([]any)[0].(map[string]any)["text"] = "Open"
		}},
		{ChatTeams, func(p map[string]any) { delete(p, "@context") }},
		{ChatTeams, func(p map[string]any) { delete(p, "summary"); delete(p, "text") }},
		{ChatTeams, func(p map[string]any) { p["themeColor"] = "blue" }},
		{ChatTeams, func(p map[string]any) {
			p["potentialAction"].([]any)[0].(map[string]any)["targets"] = []any{map[string]any{"os": "default"}}
		}},
		{ChatTeamsWorkflow, func(p map[string]any) { p["type"] = "card" }},
		{ChatTeamsWorkflow, func(p map[string]any) {
			p["attachments"].([]any)[0].(map[string]any)["content"].(map[string]any)["version"] = "2.0"
		}},
		{ChatTeamsWorkflow, func(p map[string]any) {
			p["attachments"].([]any)[0].(map[string]any)["contentType"] = "application/json"
		}},
		{ChatTeamsWorkflow, func(p map[string]any) {
			p["attachments"].([]any)[0].(map[string]any)["content"].(map[string]any)["body"].([]any)[0].(map[string]any)["wrap"] = "true"
		}},
		{ChatLineWorksUser, func(p map[string]any) { delete(p["content"].(map[string]any), "link") }},
		{ChatLineWorksUser, func(p map[string]any) { p["content"].(map[string]any)["contentText"] = strings.Repeat("あ", 1001) }},
	} {
		b, err := ChatPayload(tc.kind, m)
		if err != nil {
			t.Fatal(err)
		}
		if p := checkers[tc.kind](b); len(p) != 0 {
			t.Fatalf("%s: the real payload fails its check: %v", tc.kind, p)
		}
		var p map[string]any
		if err := json.Unmarshal(b, &p); err != nil {
			t.Fatal(err)
		}
		tc.mutate(p)
		bad, _ := json.Marshal(p)
		if problems := checkers[tc.kind](bad); len(problems) == 0 {
			t.Errorf("%s: the check passes a malformed payload: %s", tc.kind, bad)
		}
	}
}
