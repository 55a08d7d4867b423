package notify

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/kasuhara/kasuhara/internal/jobs"
	netmail "net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/wneessen/go-mail"
)

// ErrMailDisabled is what Send answers when no mail server is configured
// (--smtp is empty); callers skip mail then.
var ErrMailDisabled = errors.New("notify: mail disabled: --smtp is empty")

// Message is one plain-text mail in UTF-8.
type Message struct {
	To      []string
	Subject string
	Text    string
	// Lang is the language of the text, sent as Content-Language.
	Lang string
	// ID, when set, makes the Message-ID <ID@domain of --mail-from>, so
	// that a mail sent twice (delivery is at least once) is one message to
	// mail clients that drop duplicates. Otherwise it is random.
	ID string
	// InReplyTo and References thread a reply under the message it answers
	// (message ids without angle brackets; References space-separated).
	InReplyTo  string
	References string
	// Personal marks a mail a person wrote (the desk's reply to a sender):
	// it is not marked Auto-Submitted.
	Personal bool
}

// Mailer sends mail through the SMTP server of --smtp.
type Mailer struct {
	client *mail.Client // nil when mail is disabled
	from   string
	domain string // of from, for Message-IDs
	now    func() time.Time
}

// MailerOption adjusts a Mailer.
type MailerOption func(*mailerOptions)

type mailerOptions struct {
	tls     *tls.Config
	timeout time.Duration
	now     func() time.Time
}

// WithTLSConfig sets the TLS configuration, such as the root certificates
// that the server's certificate must chain to (tests use it).
func WithTLSConfig(c *tls.Config) MailerOption { return func(o *mailerOptions) { o.tls = c } }

// WithTimeout bounds the connection to the server (default 30s).
func WithTimeout(d time.Duration) MailerOption { return func(o *mailerOptions) { o.timeout = d } }

// WithClock sets the clock for the Date header (default time.Now).
func WithClock(now func() time.Time) MailerOption { return func(o *mailerOptions) { o.now = now } }

// NewMailer returns a Mailer for smtpURL and the sender address from. An
// empty smtpURL gives a disabled Mailer whose Send answers ErrMailDisabled.
//
//   - smtp://host[:port] (port 25 by default) speaks plain SMTP and upgrades
//     to TLS with STARTTLS whenever the server offers it; the server's
//     certificate must then be valid for host.
//   - smtps://host[:port] (port 465 by default) speaks TLS from the start.
//   - user:pass@ (URL-encoded) signs in. Over an unencrypted connection
//     only challenge-response mechanisms (SCRAM, CRAM-MD5) are used, never
//     PLAIN or LOGIN, so the password is not sent in the clear.
func NewMailer(smtpURL, from string, opts ...MailerOption) (*Mailer, error) {
	o := mailerOptions{timeout: 30 * time.Second, now: time.Now}
	for _, opt := range opts {
		opt(&o)
	}
	if smtpURL == "" {
		return &Mailer{now: o.now}, nil
	}
	u, err := url.Parse(smtpURL)
	if err != nil {
		// url's error quotes the URL, password and all.
		return nil, errors.New("notify: --smtp: not a valid URL; use smtp://user:pass@host:port")
	}
	if u.Scheme != "smtp" && u.Scheme != "smtps" {
		return nil, errors.New("notify: --smtp: the scheme must be smtp:// or smtps://")
	}
	host := u.Hostname()
	if host == "" {
		return nil, errors.New("notify: --smtp: no host; use smtp://user:pass@host:port")
	}
	port := 25
	if u.Scheme == "smtps" {
		port = 465
	}
	if p := u.Port(); p != "" {
		port, err = strconv.Atoi(p)
		if err != nil || port < 1 || port > 65535 {
			return nil, fmt.Errorf("notify: --smtp: port %q is not a port number", p)
		}
	}
	addr, err := netmail.ParseAddress(from)
	if err != nil {
		return nil, errors.New("notify: --mail-from: not a valid address such as kasuhara@example.jp")
	}
	_, domain, _ := strings.Cut(addr.Address, "@")

	tlsConfig := &tls.Config{MinVersion: tls.VersionTLS12}
	if o.tls != nil {
		tlsConfig = o.tls.Clone()
	}
	if tlsConfig.ServerName == "" {
		tlsConfig.ServerName = host
	}
	copts := []mail.Option{
		mail.WithPort(port),
		mail.WithTimeout(o.timeout),
		mail.WithTLSConfig(tlsConfig),
	}
	if u.Scheme == "smtps" {
		copts = append(copts, mail.WithSSL())
	} else {
		copts = append(copts, mail.WithTLSPolicy(mail.TLSOpportunistic))
	}
	if u.User != nil && u.User.Username() != "" {
		pass, _ := u.User.Password()
		copts = append(copts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover),
			mail.WithUsername(u.User.Username()), mail.WithPassword(pass))
	}
	c, err := mail.NewClient(host, copts...)
	if err != nil {
		return nil, fmt.Errorf("notify: --smtp: %w", err)
	}
	return &Mailer{client: c, from: from, domain: domain, now: o.now}, nil
}

// Enabled reports whether a mail server is configured.
func (m *Mailer) Enabled() bool { return m.client != nil }

// Send sends msg, one SMTP transaction for all its recipients. Its errors
// name no recipient, so that a job may store them.
func (m *Mailer) Send(ctx context.Context, msg Message) error {
	if !m.Enabled() {
		return ErrMailDisabled
	}
	if len(msg.To) == 0 {
		return jobs.Permanent(errors.New("notify: mail: no recipient"))
	}
	if strings.TrimSpace(msg.Subject) == "" {
		return jobs.Permanent(errors.New("notify: mail: the subject is empty"))
	}
	gm := mail.NewMsg(mail.WithNoDefaultUserAgent())
	if err := gm.From(m.from); err != nil {
		return jobs.Permanent(errors.New("notify: mail: --mail-from is not a valid address"))
	}
	if err := gm.To(msg.To...); err != nil {
		return jobs.Permanent(errors.New("notify: mail: a recipient address is not valid"))
	}
	gm.Subject(msg.Subject)
	gm.SetMessageIDWithValue(messageIDLocal(msg.ID) + "@" + m.domain)
	gm.SetDateWithValue(m.now())
	gm.SetUserAgent("Kasuhara")
	if !msg.Personal {
		// RFC 3834: no out-of-office replies to a robot.
		gm.SetGenHeader("Auto-Submitted", "auto-generated")
		gm.SetGenHeader(mail.HeaderXAutoResponseSuppress, "All")
	}
	if id := threadID(msg.InReplyTo); id != "" {
		gm.SetGenHeader(mail.HeaderInReplyTo, id)
	}
	var refs []string
	for _, r := range strings.Fields(msg.References) {
		if id := threadID(r); id != "" {
			refs = append(refs, id)
		}
	}
	if len(refs) > 0 {
		gm.SetGenHeader(mail.HeaderReferences, strings.Join(refs, " "))
	}
	if msg.Lang != "" {
		gm.SetGenHeader(mail.HeaderContentLang, msg.Lang)
	}
	gm.SetBodyString(mail.TypeTextPlain, msg.Text)
	if err := m.client.DialAndSendWithContext(ctx, gm); err != nil {
		return sendError(err)
	}
	return nil
}

// threadID is a message id as In-Reply-To and References write it, in
// angle brackets; "" for one with characters a header may not hold.
func threadID(id string) string {
	id = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(id), "<"), ">")
	if id == "" || len(id) > 900 || strings.ContainsAny(id, "<> \t\r\n") {
		return ""
	}
	return "<" + id + ">"
}

// ReplyMessage is the desk's reply to a mail: its text, then the sender's
// own message quoted ("> "), to the sender only, under their subject with
// "Re: " and threaded under their message. It carries nothing else: no
// case number, no link, no name of the desk member.
func ReplyMessage(to, subject, original, messageID, references, reply, id string) Message {
	subject = strings.TrimSpace(subject)
	if subject == "" {
		subject = "Re:"
	} else if !strings.HasPrefix(strings.ToLower(subject), "re:") {
		subject = "Re: " + subject
	}
	var b strings.Builder
	b.WriteString(strings.TrimRight(reply, "\n"))
	b.WriteString("\n\n")
	for _, line := range strings.Split(strings.TrimRight(original, "\n"), "\n") {
		b.WriteString("> " + line + "\n")
	}
	refs := strings.TrimSpace(references)
	if messageID != "" {
		refs = strings.TrimSpace(refs + " <" + strings.Trim(messageID, "<>") + ">")
	}
	return Message{To: []string{to}, Subject: subject, Text: b.String(), ID: id, InReplyTo: messageID, References: refs, Personal: true}
}

// messageIDLocal is the part of a Message-ID before the @: id with only
// safe characters, or random.
func messageIDLocal(id string) string {
	id = strings.Map(func(r rune) rune {
		if r < 128 && (r == '.' || r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return r
		}
		return -1
	}, id)
	if id != "" {
		return id
	}
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// sendError rewrites go-mail's error without the recipients it lists.
func sendError(err error) error {
	var se *mail.SendError
	if errors.As(err, &se) {
		kind := "permanent"
		if se.IsTemp() {
			kind = "temporary"
		}
		detail := kind
		if code := se.ErrorCode(); code != 0 {
			detail += fmt.Sprintf(", SMTP %d", code)
		}
		if esc := se.EnhancedStatusCode(); esc != "" {
			detail += " " + esc
		}
		return fmt.Errorf("notify: mail: %s (%s)", se.Reason, detail)
	}
	// Dial, TLS and AUTH errors: they name the server, not a recipient.
	return fmt.Errorf("notify: mail: %w", err)
}
