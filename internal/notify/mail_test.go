package notify

import (
	"context"
	"errors"
	"io"
	"mime"
	"mime/quotedprintable"
	netmail "net/mail"
	"strings"
	"testing"
	"time"
)

const testFrom = "Kasuhara <kasuhara@example.jp>"

// parsed is a received mail with its headers decoded.
type parsed struct {
	Header  netmail.Header
	Subject string
	Body    string
}

func parse(t *testing.T, data string) parsed {
	t.Helper()
	m, err := netmail.ReadMessage(strings.NewReader(data))
	if err != nil {
		t.Fatalf("received mail does not parse: %v\n%s", err, data)
	}
	subj, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		t.Fatalf("subject %q: %v", m.Header.Get("Subject"), err)
	}
	var r io.Reader = m.Body
	if strings.EqualFold(m.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		r = quotedprintable.NewReader(r)
	}
	body, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return parsed{Header: m.Header, Subject: subj, Body: strings.ReplaceAll(string(body), "\r\n", "\n")}
}

func TestSendDeliversOneMessageWithHeaders(t *testing.T) {
	s := startSink(t, &sink{})
	at := time.Date(2026, 4, 1, 9, 30, 0, 0, time.UTC)
	m, err := NewMailer("smtp://"+s.addr, testFrom, WithClock(func() time.Time { return at }))
	if err != nil {
		t.Fatal(err)
	}
	if !m.Enabled() {
		t.Fatal("mailer with a server is not enabled")
	}
	subject := "新しい報告があります（緊急）：K-2026-00042"
	text := "新しい報告があります（緊急）：K-2026-00042 — https://kasuhara.example.jp/cases/0197\n\n長い日本語の行が続いても正しく符号化されることを確かめるための文章です。" + strings.Repeat("あ", 80) + "\n"
	err = m.Send(context.Background(), Message{
		To: []string{"desk@example.jp"}, Subject: subject, Text: text, Lang: "ja", ID: "0197-event.abc",
	})
	if err != nil {
		t.Fatal(err)
	}
	msgs := s.messages()
	if len(msgs) != 1 {
		t.Fatalf("sink received %d messages, want 1", len(msgs))
	}
	got := msgs[0]
	if got.From != "kasuhara@example.jp" || len(got.To) != 1 || got.To[0] != "desk@example.jp" {
		t.Fatalf("envelope from %q to %v", got.From, got.To)
	}
	p := parse(t, got.Data)
	if p.Subject != subject {
		t.Errorf("subject = %q, want %q", p.Subject, subject)
	}
	if raw := p.Header.Get("Subject"); !strings.HasPrefix(raw, "=?UTF-8?") {
		t.Errorf("raw subject %q is not an RFC 2047 encoded word", raw)
	}
	if p.Body != text {
		t.Errorf("body = %q, want %q", p.Body, text)
	}
	for h, want := range map[string]string{
		"Message-Id":       "<0197-event.abc@example.jp>",
		"Content-Language": "ja",
		"Auto-Submitted":   "auto-generated",
		"To":               "<desk@example.jp>",
		"User-Agent":       "Kasuhara",
	} {
		if got := p.Header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	if from, err := p.Header.AddressList("From"); err != nil || len(from) != 1 || from[0].Address != "kasuhara@example.jp" {
		t.Errorf("From = %v, %v", from, err)
	}
	if d, err := p.Header.Date(); err != nil || !d.Equal(at) {
		t.Errorf("Date = %v, %v; want %v", d, err, at)
	}
	if ct, params, err := mime.ParseMediaType(p.Header.Get("Content-Type")); err != nil || ct != "text/plain" || !strings.EqualFold(params["charset"], "utf-8") {
		t.Errorf("Content-Type = %q", p.Header.Get("Content-Type"))
	}
	for _, line := range strings.Split(got.Data, "\n") { // ReadDotBytes turned CRLF into LF
		if len(line) > 998 {
			t.Errorf("a line of %d bytes breaks RFC 5322: %.200s", len(line), line)
		}
	}
	if strings.Contains(got.Data, "go-mail") {
		t.Error("mail names the library")
	}
}

func TestSendMakesARandomMessageID(t *testing.T) {
	s := startSink(t, &sink{})
	m, err := NewMailer("smtp://"+s.addr, "kasuhara@example.jp")
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := m.Send(context.Background(), Message{To: []string{"a@example.jp"}, Subject: "s", Text: "t"}); err != nil {
			t.Fatal(err)
		}
	}
	msgs := s.messages()
	a, b := parse(t, msgs[0].Data).Header.Get("Message-Id"), parse(t, msgs[1].Data).Header.Get("Message-Id")
	if a == b || !strings.HasSuffix(a, "@example.jp>") {
		t.Fatalf("Message-IDs %q and %q: want two different ones at example.jp", a, b)
	}
}

func TestSendOverSTARTTLSWithPassword(t *testing.T) {
	serverTLS, clientTLS := testCert(t)
	s := startSink(t, &sink{tls: serverTLS, user: "kasuhara", pass: "p@ss:word"})
	m, err := NewMailer("smtp://kasuhara:p%40ss%3Aword@"+s.addr, testFrom, WithTLSConfig(clientTLS))
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Send(context.Background(), Message{To: []string{"desk@example.jp"}, Subject: "s", Text: "t"}); err != nil {
		t.Fatal(err)
	}
	msgs := s.messages()
	if len(msgs) != 1 || !msgs[0].TLS || msgs[0].AuthUser != "kasuhara" {
		t.Fatalf("received %+v, want one message over TLS from kasuhara", msgs)
	}
}

func TestSendOverImplicitTLS(t *testing.T) {
	serverTLS, clientTLS := testCert(t)
	s := startSink(t, &sink{tls: serverTLS, implicitTLS: true})
	m, err := NewMailer("smtps://"+s.addr, testFrom, WithTLSConfig(clientTLS))
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Send(context.Background(), Message{To: []string{"desk@example.jp"}, Subject: "s", Text: "t"}); err != nil {
		t.Fatal(err)
	}
	if msgs := s.messages(); len(msgs) != 1 || !msgs[0].TLS {
		t.Fatalf("received %+v, want one message over TLS", msgs)
	}
}

// A certificate that does not verify stops the mail, even with opportunistic
// STARTTLS: the client never falls back to the clear.
func TestSendRefusesAnUntrustedCertificate(t *testing.T) {
	serverTLS, _ := testCert(t)
	s := startSink(t, &sink{tls: serverTLS})
	m, err := NewMailer("smtp://"+s.addr, testFrom)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Send(context.Background(), Message{To: []string{"desk@example.jp"}, Subject: "s", Text: "t"}); err == nil {
		t.Fatal("sent through a server with an untrusted certificate")
	}
	if n := len(s.messages()); n != 0 {
		t.Fatalf("sink received %d messages", n)
	}
}

// A password is never sent in the clear, even when the server offers PLAIN
// without TLS.
func TestSendNeverSendsThePasswordInTheClear(t *testing.T) {
	s := startSink(t, &sink{user: "kasuhara", pass: "secret", authInClear: true})
	m, err := NewMailer("smtp://kasuhara:secret@"+s.addr, testFrom)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Send(context.Background(), Message{To: []string{"desk@example.jp"}, Subject: "s", Text: "t"}); err == nil {
		t.Fatal("sent with a password over an unencrypted connection")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.authSeen) != 0 || len(s.received) != 0 {
		t.Fatalf("server saw AUTH %q and %d messages", s.authSeen, len(s.received))
	}
}

func TestSendErrorNamesNoRecipient(t *testing.T) {
	s := startSink(t, &sink{rejectRcpt: "550 5.1.1 <hanako.sato@example.jp>: mailbox unavailable"})
	m, err := NewMailer("smtp://"+s.addr, testFrom)
	if err != nil {
		t.Fatal(err)
	}
	err = m.Send(context.Background(), Message{To: []string{"hanako.sato@example.jp"}, Subject: "s", Text: "t"})
	if err == nil {
		t.Fatal("got nil error for a rejected recipient")
	}
	if strings.Contains(err.Error(), "hanako") {
		t.Fatalf("error %q names the recipient", err)
	}
	if !strings.Contains(err.Error(), "550") {
		t.Errorf("error %q lacks the SMTP code", err)
	}
	// An invalid address is not retried, and not quoted either.
	err = m.Send(context.Background(), Message{To: []string{"hanako sato"}, Subject: "s", Text: "t"})
	if err == nil || !IsPermanent(err) || strings.Contains(err.Error(), "hanako") {
		t.Fatalf("invalid address: %v", err)
	}
}

func TestMailDisabled(t *testing.T) {
	m, err := NewMailer("", "")
	if err != nil {
		t.Fatal(err)
	}
	if m.Enabled() {
		t.Fatal("mailer without a server is enabled")
	}
	if err := m.Send(context.Background(), Message{To: []string{"a@example.jp"}, Subject: "s"}); !errors.Is(err, ErrMailDisabled) {
		t.Fatalf("Send = %v, want ErrMailDisabled", err)
	}
}

func TestNewMailerRejectsBadConfiguration(t *testing.T) {
	tests := []struct{ url, from, want string }{
		{"http://mail.example.jp", testFrom, "scheme"},
		{"smtp://", testFrom, "host"},
		{"smtp://mail.example.jp:99999", testFrom, "port"},
		{"smtp://mail.example.jp:x", testFrom, "URL"},
		{"smtp://mail.example.jp", "", "--mail-from"},
		{"smtp://mail.example.jp", "not an address", "--mail-from"},
		{"smtp://user:secret@mail.example.jp:%zz", testFrom, "URL"},
	}
	for _, tt := range tests {
		_, err := NewMailer(tt.url, tt.from)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("NewMailer(%q, %q) = %v, want an error about %s", tt.url, tt.from, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), "secret") {
			t.Errorf("error %q shows the password", err)
		}
	}
}

// TestReplyMessage: the desk's reply to a mail goes to the sender only,
// threaded under their message (In-Reply-To, References), with the
// desk's text and a quote of the sender's own words and nothing else, and
// it is not marked as sent by a robot.
func TestReplyMessage(t *testing.T) {
	s := startSink(t, &sink{})
	m, err := NewMailer("smtp://"+s.addr, "kasuhara@example.jp")
	if err != nil {
		t.Fatal(err)
	}
	msg := ReplyMessage("sender@else.example", "店頭での件", "怒鳴られました。\n写真を添付します。", "a1@else.example", "<a0@else.example>",
		"ご連絡ありがとうございます。", "intake.r1")
	if err := m.Send(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
	got := s.messages()
	if len(got) != 1 || len(got[0].To) != 1 || got[0].To[0] != "sender@else.example" {
		t.Fatalf("sent %+v", got)
	}
	p := parse(t, got[0].Data)
	if h := p.Header.Get("In-Reply-To"); h != "<a1@else.example>" {
		t.Errorf("In-Reply-To %q", h)
	}
	if h := p.Header.Get("References"); h != "<a0@else.example> <a1@else.example>" {
		t.Errorf("References %q", h)
	}
	if h := p.Header.Get("Auto-Submitted"); h != "" {
		t.Errorf("a person's reply is Auto-Submitted: %q", h)
	}
	if p.Subject != "Re: 店頭での件" {
		t.Errorf("subject %q", p.Subject)
	}
	if !strings.Contains(p.Body, "ご連絡ありがとうございます。\n\n> 怒鳴られました。\n> 写真を添付します。") {
		t.Errorf("text %q", p.Body)
	}
	// A message id that would break the header is left out.
	if bad := ReplyMessage("s@x", "x", "y", "a b\r\nBcc: evil@x", "", "z", "r2"); threadID(bad.InReplyTo) != "" {
		t.Errorf("a message id with spaces and line breaks is used: %q", bad.InReplyTo)
	}
}
