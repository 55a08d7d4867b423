package notify

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara/internal/calendar"
	"github.com/kasuhara/kasuhara/internal/jobs"
)

// chatEvent is a deadline event: its chat message shows the deadline in
// Japan's time.
var chatEvent = Event{
	ID: "0197d3a4-0000-7000-8000-000000000009", Type: CaseClockDue, OrgSlug: "acme",
	CaseID: "0197d3a4-5b6c-7d8e-9f00-112233445566", CaseRef: "K-2026-00042", Detail: "acknowledge",
	OccurredAt: time.Date(2026, 12, 7, 6, 0, 0, 0, time.UTC),
	DueAt:      time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC), // 17:00 in Japan
}

const caseLink = "https://kasuhara.example.jp/cases/0197d3a4-5b6c-7d8e-9f00-112233445566"

func jsonEqual(t *testing.T, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("payload is not JSON: %v\n%s", err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want is not JSON: %v", err)
	}
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	if string(gb) != string(wb) {
		t.Fatalf("payload\n%s\nwant\n%s", gb, wb)
	}
}

// The payloads as the services document them: Slack's incoming webhook
// ("text" and "blocks" with a section of mrkdwn and an actions block with
// a button), Teams' MessageCard (@type, @context, summary, themeColor,
// title, text, potentialAction OpenUri with targets), the Workflows
// webhook's message with an Adaptive Card attachment (contentType
// application/vnd.microsoft.card.adaptive, AdaptiveCard 1.4, TextBlocks,
// Action.OpenUrl), and LINE WORKS' link message (content.type "link",
// contentText, linkText, link).
func TestChatPayloadFormats(t *testing.T) {
	m := ChatMessageFor(chatEvent, "ja", "https://kasuhara.example.jp/")
	const title = "対応期限が近づいています：K-2026-00042（受付の期限）"
	const due = "期限：2026年12月7日 17:00"
	const note = "内容は Kasuhara にログインして確認してください。このメッセージには事案の内容を記載していません。"
	b, err := SlackPayload(m)
	if err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, b, `{"text":"`+title+` <`+caseLink+`|Kasuhara で開く>",
		"blocks":[{"type":"section","text":{"type":"mrkdwn","text":"*`+title+`*\n`+due+`\n`+note+`"}},
		{"type":"actions","elements":[{"type":"button","text":{"type":"plain_text","text":"Kasuhara で開く"},"url":"`+caseLink+`"}]}]}`)

	b, err = TeamsMessageCard(m)
	if err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, b, `{"@type":"MessageCard","@context":"https://schema.org/extensions","summary":"`+title+`","themeColor":"0078D7",
		"title":"`+title+`","text":"`+due+`\n\n`+note+`",
		"potentialAction":[{"@type":"OpenUri","name":"Kasuhara で開く","targets":[{"os":"default","uri":"`+caseLink+`"}]}]}`)

	b, err = TeamsAdaptiveCard(m)
	if err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, b, `{"type":"message","attachments":[{"contentType":"application/vnd.microsoft.card.adaptive","contentUrl":null,
		"content":{"$schema":"http://adaptivecards.io/schemas/adaptive-card.json","type":"AdaptiveCard","version":"1.4",
		"body":[{"type":"TextBlock","text":"`+title+`","weight":"Bolder","size":"Medium","wrap":true},
			{"type":"TextBlock","text":"`+due+`","wrap":true},{"type":"TextBlock","text":"`+note+`","wrap":true}],
		"actions":[{"type":"Action.OpenUrl","title":"Kasuhara で開く","url":"`+caseLink+`"}]}}]}`)

	b, err = LineWorksPayload(m)
	if err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, b, `{"content":{"type":"link","contentText":"`+title+`\n`+due+`\n`+note+`","linkText":"Kasuhara で開く","link":"`+caseLink+`"}}`)

	// In English the deadline is written with its zone.
	if en := ChatMessageFor(chatEvent, "en", "https://k.example.jp"); en.Due != "Deadline: 7 Dec 2026 17:00 JST" {
		t.Errorf("English deadline %q", en.Due)
	}
	// An urgent case is marked in colour.
	urgent := chatEvent
	urgent.Urgent = true
	b, _ = TeamsMessageCard(ChatMessageFor(urgent, "ja", "https://k.example.jp"))
	if !strings.Contains(string(b), `"themeColor":"D83B01"`) || !strings.Contains(string(b), "（緊急）") {
		t.Errorf("urgent MessageCard %s lacks the urgent colour or word", b)
	}
}

// Slack gives &, < and > meaning in mrkdwn: a title never makes a link or
// a mention of its own.
func TestSlackEscapes(t *testing.T) {
	b, err := SlackPayload(ChatMessage{Title: "A <!channel> & <https://evil.example|x>", Note: "n", Link: "https://k.example.jp/x", Open: "Open"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "<!channel>") || strings.Contains(string(b), "<https://evil") {
		t.Fatalf("unescaped mrkdwn in %s", b)
	}
}

// Only the kind of event, the case's reference, the deadline, fixed text
// and the link reach a chat: not the organisation's slug, the event's id,
// nor anything else an event carries.
func TestChatMessageHoldsNoMore(t *testing.T) {
	for _, typ := range EventTypes {
		ev := chatEvent
		ev.Type, ev.OrgSlug = typ, "ORGSLUG"
		for _, kind := range ChatKinds {
			for _, lang := range Languages {
				b, err := ChatPayload(kind, ChatMessageFor(ev, lang, "https://k.example.jp"))
				if err != nil {
					t.Fatal(err)
				}
				for _, no := range []string{"ORGSLUG", ev.ID, "occurred"} {
					if strings.Contains(string(b), no) {
						t.Errorf("%s %s %s payload carries %q: %s", typ, kind, lang, no, b)
					}
				}
				if !strings.Contains(string(b), "K-2026-00042") || !strings.Contains(string(b), ev.URL("https://k.example.jp")) {
					t.Errorf("%s %s %s payload lacks the reference or the link: %s", typ, kind, lang, b)
				}
			}
		}
	}
}

func TestChatTextsHaveBothLanguages(t *testing.T) {
	for key, texts := range chatFixed {
		for _, lang := range Languages {
			if strings.TrimSpace(texts[lang]) == "" {
				t.Errorf("chat text %s has no %s version", key, lang)
			}
		}
	}
}

// chatReceiver is a local chat service: it records each request and
// answers with the statuses it is given (and their headers), then 200.
// The chat job posts the destination's payload as JSON; a 429 or 5xx is
// retried no sooner than Retry-After (seconds or a date), a 404 or 403
// (the webhook removed, the token revoked) fails at once, and what is
// reported never quotes the webhook's address.
func TestChatHandlerRetriesAndFails(t *testing.T) {
	client := NewWebhookClient(5*time.Second, loopback...)
	later := time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
	r, srv := startReceiver(t, slackOK,
		answer{status: http.StatusTooManyRequests, header: map[string]string{"Retry-After": "120"}},
		answer{status: http.StatusServiceUnavailable, header: map[string]string{"Retry-After": later}},
		answer{status: http.StatusBadGateway},
		slackOK,
		answer{status: http.StatusNotFound},
		answer{status: http.StatusForbidden},
	)
	hook := srv.URL + "/services/T000/B000/SECRETTOKEN"
	var reported []error
	h := ChatHandler(client, nil, "https://kasuhara.example.jp", func(_ context.Context, id string) (ChatTarget, error) {
		if id == "gone" {
			return ChatTarget{}, ErrChatGone
		}
		return ChatTarget{Kind: ChatSlack, URL: hook, Lang: "ja"}, nil
	}, func(_ context.Context, id string, err error) { reported = append(reported, err) })
	payload, _ := json.Marshal(ChatJob{Destination: "d1", Event: chatEvent})

	err := h(context.Background(), payload)
	if err == nil || jobs.IsPermanent(err) || jobs.RetryAfterOf(err) != 120*time.Second {
		t.Fatalf("429 with Retry-After 120: %v (retry after %v), want a retry after 120s", err, jobs.RetryAfterOf(err))
	}
	err = h(context.Background(), payload)
	if d := jobs.RetryAfterOf(err); err == nil || jobs.IsPermanent(err) || d < 80*time.Second || d > 91*time.Second {
		t.Fatalf("503 with a Retry-After date: %v (retry after %v), want about 90s", err, d)
	}
	if err = h(context.Background(), payload); err == nil || jobs.IsPermanent(err) {
		t.Fatalf("502: %v, want a retry", err)
	}
	if err = h(context.Background(), payload); err != nil {
		t.Fatalf("200: %v", err)
	}
	for _, code := range []string{"404", "403"} {
		if err = h(context.Background(), payload); !jobs.IsPermanent(err) {
			t.Fatalf("%s: %v, want a permanent failure", code, err)
		}
	}
	for _, e := range reported {
		if e != nil && strings.Contains(e.Error(), "SECRETTOKEN") {
			t.Errorf("error %q quotes the webhook's address", e)
		}
	}
	if len(reported) != 6 || reported[3] != nil {
		t.Errorf("reported %v, want 6 outcomes, the fourth delivered", reported)
	}
	got := r.requests()
	if len(got) != 6 || got[0].ContentType != "application/json; charset=utf-8" || got[0].Path != "/services/T000/B000/SECRETTOKEN" {
		t.Fatalf("requests %+v", got)
	}
	want, _ := SlackPayload(ChatMessageFor(chatEvent, "ja", "https://kasuhara.example.jp"))
	if string(got[3].Body) != string(want) {
		t.Errorf("body %s, want %s", got[3].Body, want)
	}
	// A destination deleted meanwhile ends the job quietly.
	gone, _ := json.Marshal(ChatJob{Destination: "gone", Event: chatEvent})
	if err := h(context.Background(), gone); err != nil || len(r.requests()) != 6 {
		t.Errorf("a deleted destination: %v, %d requests", err, len(r.requests()))
	}
	// A webhook on a private address the operator did not allow is
	// refused as it is dialled.
	strict := ChatHandler(NewWebhookClient(5*time.Second), nil, "https://k", func(context.Context, string) (ChatTarget, error) {
		return ChatTarget{Kind: ChatTeams, URL: hook}, nil
	}, nil)
	if err := strict(context.Background(), payload); !jobs.IsPermanent(err) || len(r.requests()) != 6 {
		t.Errorf("private destination: %v, %d requests", err, len(r.requests()))
	}
}

func TestChatTestMessage(t *testing.T) {
	_, srv := startReceiver(t, slackOK)
	var body []byte
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ = io.ReadAll(r.Body)
		w.WriteHeader(http.StatusAccepted) // what Workflows answer
	})
	h := ChatHandler(NewWebhookClient(5*time.Second, loopback...), nil, "https://k.example.jp", func(context.Context, string) (ChatTarget, error) {
		return ChatTarget{Kind: ChatTeamsWorkflow, URL: srv.URL + "/workflows/x", Lang: "en"}, nil
	}, nil)
	payload, _ := json.Marshal(ChatJob{Destination: "d", Test: true})
	if err := h(context.Background(), payload); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(body), "Test message from Kasuhara") || !strings.Contains(string(body), "https://k.example.jp/notifications") ||
		!strings.Contains(string(body), "application/vnd.microsoft.card.adaptive") {
		t.Errorf("test message %s", body)
	}
}

// lineWorksServer is LINE WORKS' token endpoint and bot API, locally: the
// token request must be the service account's JWT grant, signed with the
// key whose public half it holds; a message must carry the token it gave.
type lineWorksServer struct {
	t      *testing.T
	pub    *rsa.PublicKey
	mu     sync.Mutex
	tokens int
	revoke bool
	msgs   []posted
}

func (s *lineWorksServer) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /oauth2/v2.0/token", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
			s.t.Errorf("token request Content-Type %q", ct)
		}
		r.ParseForm()
		f := r.PostForm
		if f.Get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" || f.Get("client_id") != "CLIENT" ||
			f.Get("client_secret") != "CLIENTSECRET" || f.Get("scope") != "bot" {
			s.t.Errorf("token request form %v", f)
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		if err := verifyJWT(s.pub, f.Get("assertion")); err != nil {
			s.t.Errorf("assertion: %v", err)
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		s.tokens++
		w.Header().Set("Content-Type", "application/json")
		// expires_in is a string in LINE WORKS' examples.
		io.WriteString(w, `{"access_token":"TOKEN`+string(rune('0'+s.tokens))+`","refresh_token":"R","scope":"bot","token_type":"Bearer","expires_in":"86400"}`)
	})
	mux.HandleFunc("POST /v1.0/bots/{bot}/{kind}/{id}/messages", func(w http.ResponseWriter, r *http.Request) {
		got := postedFrom(r)
		s.mu.Lock()
		defer s.mu.Unlock()
		s.msgs = append(s.msgs, got)
		want := "Bearer TOKEN" + string(rune('0'+s.tokens))
		if s.revoke || r.Header.Get("Authorization") != want {
			s.revoke = false
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusCreated)
	})
	return mux
}

// verifyJWT checks an RS256 JWT's signature and its claims: iss the
// client id, sub the service account, iat now, exp an hour later.
func verifyJWT(pub *rsa.PublicKey, jwt string) error {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return errString("not three parts")
	}
	enc := base64.RawURLEncoding
	h, _ := enc.DecodeString(parts[0])
	if string(h) != `{"alg":"RS256","typ":"JWT"}` {
		return errString("header " + string(h))
	}
	sig, _ := enc.DecodeString(parts[2])
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig); err != nil {
		return err
	}
	var c struct {
		Iss, Sub string
		Iat, Exp int64
	}
	b, _ := enc.DecodeString(parts[1])
	if err := json.Unmarshal(b, &c); err != nil {
		return err
	}
	if c.Iss != "CLIENT" || c.Sub != "svc.serviceaccount@example" || c.Exp-c.Iat != 3600 || time.Since(time.Unix(c.Iat, 0)).Abs() > time.Minute {
		return errString("claims " + string(b))
	}
	return nil
}

type errString string

func (e errString) Error() string { return string(e) }

func TestLineWorksBot(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(key)
	parsed, err := ParseLineWorksKey(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	if err != nil || !parsed.Equal(key) {
		t.Fatalf("ParseLineWorksKey: %v", err)
	}
	ls := &lineWorksServer{t: t, pub: &key.PublicKey}
	srv := httptest.NewServer(ls.handler())
	t.Cleanup(srv.Close)
	lw := &LineWorks{ClientID: "CLIENT", ClientSecret: "CLIENTSECRET", ServiceAccount: "svc.serviceaccount@example", BotID: "2000001",
		Key: parsed, AuthURL: srv.URL + "/oauth2/v2.0/token", APIURL: srv.URL + "/v1.0"}
	client := NewWebhookClient(5*time.Second, loopback...)
	targets := map[string]ChatTarget{
		"user":    {Kind: ChatLineWorksUser, ID: "taro@example.co.jp", Lang: "ja"},
		"channel": {Kind: ChatLineWorksChannel, ID: "ch-123", Lang: "en"},
	}
	h := ChatHandler(client, lw, "https://kasuhara.example.jp", func(_ context.Context, id string) (ChatTarget, error) { return targets[id], nil }, nil)
	run := func(dest string) error {
		p, _ := json.Marshal(ChatJob{Destination: dest, Event: chatEvent})
		return h(context.Background(), p)
	}
	if err := run("user"); err != nil {
		t.Fatal(err)
	}
	if err := run("channel"); err != nil {
		t.Fatal(err)
	}
	ls.mu.Lock()
	msgs, tokens := append([]posted(nil), ls.msgs...), ls.tokens
	ls.mu.Unlock()
	if tokens != 1 {
		t.Errorf("%d token requests for two messages, want 1 (the token is kept)", tokens)
	}
	if len(msgs) != 2 || msgs[0].Path != "/v1.0/bots/2000001/users/taro@example.co.jp/messages" || msgs[1].Path != "/v1.0/bots/2000001/channels/ch-123/messages" {
		t.Fatalf("messages %+v", msgs)
	}
	if msgs[0].Auth != "Bearer TOKEN1" || msgs[0].ContentType != "application/json; charset=utf-8" {
		t.Errorf("message headers %+v", msgs[0])
	}
	want, _ := LineWorksPayload(ChatMessageFor(chatEvent, "ja", "https://kasuhara.example.jp"))
	if string(msgs[0].Body) != string(want) {
		t.Errorf("body %s, want %s", msgs[0].Body, want)
	}
	// A token the API refuses is dropped: the retry gets a new one.
	ls.mu.Lock()
	ls.revoke = true
	ls.mu.Unlock()
	if err := run("user"); err == nil || jobs.IsPermanent(err) {
		t.Fatalf("401: %v, want a retry", err)
	}
	if err := run("user"); err != nil {
		t.Fatalf("the retry: %v", err)
	}
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if ls.tokens != 2 || ls.msgs[len(ls.msgs)-1].Auth != "Bearer TOKEN2" {
		t.Errorf("after a 401: %d tokens, last message %q", ls.tokens, ls.msgs[len(ls.msgs)-1].Auth)
	}
	// Without a configured bot, LINE WORKS destinations fail for good.
	none := ChatHandler(client, nil, "https://k", func(context.Context, string) (ChatTarget, error) { return targets["user"], nil }, nil)
	p, _ := json.Marshal(ChatJob{Destination: "user", Event: chatEvent})
	if err := none(context.Background(), p); !jobs.IsPermanent(err) {
		t.Errorf("no bot configured: %v, want a permanent failure", err)
	}
}

var _ = calendar.JST
