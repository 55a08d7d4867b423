// Package mailbox is the desk's mailbox: an SMTP listener (go-smtp) that
// takes mail for the organisations' desk addresses and hands each message,
// parsed, to the store as an intake item for the desk to triage.
//
// What it keeps of a message: the sender (From), the subject, the text
// (text/plain, or text/html reduced to its text), the Message-ID and
// References (to thread the desk's replies), the SPF, DKIM and DMARC
// results of the trusted gateway, and the attachments that pass the
// evidence checks (internal/blob: type by content, size), stored encrypted.
//
// What it refuses, with a clear SMTP reply and nothing left behind (no
// rows, no blobs, no temporary files):
//
//   - a recipient that is no desk address (550 5.1.1), or recipients of two
//     organisations in one message (452 4.5.3: send them one by one);
//   - a message over the size limit (552 5.3.4, at DATA);
//   - more than MaxParts MIME parts or deeper nesting than maxDepth
//     (552 5.3.4);
//   - malformed MIME, a broken transfer encoding or an unknown charset
//     (554 5.6.0): the message is rejected, not stored as raw text, so the
//     sender learns that the desk did not get it;
//   - a text longer than a report's long text (552 5.3.4);
//   - an attachment of a type the evidence checks refuse (554 5.6.1, naming
//     the type), or over MaxAttachmentBytes (552 5.3.4): the whole message,
//     so that the sender learns the desk did not get it;
//   - a SIZE= over the limit, at MAIL FROM (552 5.3.4);
//   - a flood: 452 4.3.1 when the organisation's open items reach their cap
//     or one sending address sent its number in the hour (the store's
//     limits), 450 4.7.1 at MAIL FROM when one client address outside the
//     gateway's networks sent MaxPerIPHour messages in the hour.
//
// A message the organisation has already (its Message-ID: the sender's
// server delivers again) is answered 250 and adds nothing.
//
// The package logs no address, subject or text.
package mailbox

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/blob"
)

// Defaults of Config.
const (
	DefaultMaxBytes = 25 << 20
	DefaultMaxParts = 100
	// DefaultMaxPerIPHour is how many messages one address outside the
	// gateway's networks may send in an hour.
	DefaultMaxPerIPHour = 60
	maxDepth            = 8
)

// Receiver stores a parsed mail (the store's ReceiveMail).
type Receiver interface {
	ReceiveMail(ctx context.Context, actor kasuhara.Actor, orgID string, m kasuhara.InboundMail) (*kasuhara.IntakeItem, error)
}

// Blobs is where attachments go (blob.Store).
type Blobs interface {
	Put(ctx context.Context, r io.Reader, maxBytes int64) (blob.Blob, error)
	Delete(id string) error
}

// Config is the listener's configuration.
type Config struct {
	// Desks maps each desk address (lower case) to its organisation's id.
	Desks map[string]string
	// Hostname is the name the listener greets with.
	Hostname string
	// TLS, when set, is offered with STARTTLS.
	TLS *tls.Config
	// MaxBytes limits a whole message (DefaultMaxBytes).
	MaxBytes int64
	// MaxParts limits its MIME parts (DefaultMaxParts).
	MaxParts int
	// MaxAttachmentBytes limits one attachment (MaxBytes when 0).
	MaxAttachmentBytes int64
	// MaxPerIPHour limits the messages (accepted or not) that one client
	// address may send in an hour, counted by this listener
	// (DefaultMaxPerIPHour). The gateway's networks have no such limit:
	// all mail comes from them; the store's limit per sending address
	// still applies.
	MaxPerIPHour int
	// Gateway is the authserv-id of the operator's mail gateway; its
	// Authentication-Results header, the topmost, is believed only when
	// the connection comes from GatewayNetworks. Empty: none is.
	Gateway         string
	GatewayNetworks []netip.Prefix
	Logger          *slog.Logger
}

// Server is the listener.
type Server struct {
	cfg   Config
	recv  Receiver
	blobs Blobs
	smtp  *smtp.Server

	mu    sync.Mutex
	perIP map[netip.Addr][]time.Time // the recent messages of each client outside the gateway
}

// allowIP reports whether addr may send another message: fewer than
// MaxPerIPHour in the last hour.
func (s *Server) allowIP(addr netip.Addr, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.recent(addr, now)) < s.cfg.MaxPerIPHour
}

// countIP records a message of addr.
func (s *Server) countIP(addr netip.Addr, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.perIP) > 10000 {
		for a := range s.perIP {
			s.recent(a, now)
		}
	}
	s.perIP[addr] = append(s.recent(addr, now), now)
}

// recent drops what is over an hour old; s.mu is held.
func (s *Server) recent(addr netip.Addr, now time.Time) []time.Time {
	ts := s.perIP[addr]
	i := 0
	for i < len(ts) && now.Sub(ts[i]) >= time.Hour {
		i++
	}
	if ts = ts[i:]; len(ts) == 0 {
		delete(s.perIP, addr)
		return nil
	}
	s.perIP[addr] = ts
	return ts
}

// New returns a listener that stores into recv and blobs.
func New(cfg Config, recv Receiver, blobs Blobs) *Server {
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = DefaultMaxBytes
	}
	if cfg.MaxParts <= 0 {
		cfg.MaxParts = DefaultMaxParts
	}
	if cfg.MaxAttachmentBytes <= 0 || cfg.MaxAttachmentBytes > cfg.MaxBytes {
		cfg.MaxAttachmentBytes = cfg.MaxBytes
	}
	if cfg.MaxPerIPHour <= 0 {
		cfg.MaxPerIPHour = DefaultMaxPerIPHour
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Hostname == "" {
		cfg.Hostname = "localhost"
	}
	s := &Server{cfg: cfg, recv: recv, blobs: blobs, perIP: map[netip.Addr][]time.Time{}}
	srv := smtp.NewServer(s)
	srv.Domain = cfg.Hostname
	srv.MaxMessageBytes = cfg.MaxBytes
	srv.MaxRecipients = 10
	srv.MaxLineLength = 2000
	srv.ReadTimeout = 2 * time.Minute
	srv.WriteTimeout = 2 * time.Minute
	srv.EnableSMTPUTF8 = true
	srv.TLSConfig = cfg.TLS
	srv.ErrorLog = logAdapter{cfg.Logger}
	s.smtp = srv
	return s
}

// Serve accepts connections on ln until Shutdown or Close.
func (s *Server) Serve(ln net.Listener) error { return s.smtp.Serve(ln) }

// Shutdown stops accepting and waits for the sessions under way.
func (s *Server) Shutdown(ctx context.Context) error { return s.smtp.Shutdown(ctx) }

// Close stops at once.
func (s *Server) Close() error { return s.smtp.Close() }

// NewSession implements smtp.Backend.
func (s *Server) NewSession(c *smtp.Conn) (smtp.Session, error) {
	trusted := false
	var addr netip.Addr
	if ap, err := netip.ParseAddrPort(c.Conn().RemoteAddr().String()); err == nil {
		addr = ap.Addr().Unmap()
		for _, p := range s.cfg.GatewayNetworks {
			if p.Contains(addr) {
				trusted = true
			}
		}
	}
	return &session{s: s, trusted: trusted, addr: addr}, nil
}

type session struct {
	s       *Server
	trusted bool       // the connection comes from the gateway
	addr    netip.Addr // the client's address
	org     string
}

// errTooMany answers a client over its hourly limit.
var errTooMany = &smtp.SMTPError{Code: 450, EnhancedCode: smtp.EnhancedCode{4, 7, 1}, Message: "Too many messages from your address; try again later"}

func (se *session) Reset()        { se.org = "" }
func (se *session) Logout() error { return nil }

func (se *session) Mail(from string, opts *smtp.MailOptions) error {
	if opts != nil && opts.Size > se.s.cfg.MaxBytes {
		return smtp.ErrDataTooLarge
	}
	if !se.trusted && !se.s.allowIP(se.addr, time.Now()) {
		return errTooMany
	}
	return nil
}

func (se *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	org, ok := se.s.cfg.Desks[strings.ToLower(strings.TrimSpace(to))]
	if !ok {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such desk address here"}
	}
	if se.org != "" && se.org != org {
		return &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 5, 3}, Message: "One desk per message: send to the other desk separately"}
	}
	se.org = org
	return nil
}

// Data parses the message as it arrives, storing its attachments; any
// failure removes what was stored.
func (se *session) Data(r io.Reader) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if !se.trusted {
		se.s.countIP(se.addr, time.Now())
	}
	p := &parser{cfg: &se.s.cfg, blobs: se.s.blobs, ctx: ctx, trusted: se.trusted}
	m, err := p.parse(r)
	if err == nil {
		_, err = se.s.recv.ReceiveMail(ctx, kasuhara.SystemActor, se.org, *m)
		if err != nil {
			switch kasuhara.ErrorCode(err) {
			case kasuhara.ECONFLICT:
				// A repeat delivery: the desk has the message. The sender's
				// server hears "accepted" and stops; this copy's files go.
				p.removeStored()
				return nil
			case kasuhara.ERATELIMITED:
				err = &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 3, 1}, Message: kasuhara.ErrorMessage(err)}
			case kasuhara.EINVALID:
				err = &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "Message not accepted: " + fieldsOf(err)}
			default:
				se.s.cfg.Logger.Error("mailbox: storing a message", "err", err)
				err = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Temporary failure, try again later"}
			}
		}
	}
	if err != nil {
		p.removeStored()
		var se2 *smtp.SMTPError
		if !errors.As(err, &se2) {
			se.s.cfg.Logger.Error("mailbox: receiving a message", "err", err)
			return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Temporary failure, try again later"}
		}
		return se2
	}
	return nil
}

func fieldsOf(err error) string {
	var names []string
	for k := range kasuhara.ErrorFields(err) {
		names = append(names, k)
	}
	if len(names) == 0 {
		return "invalid"
	}
	return "invalid " + strings.Join(names, ", ")
}

// logAdapter sends go-smtp's own errors (connections, protocol) to the log.
type logAdapter struct{ l *slog.Logger }

func (a logAdapter) Printf(format string, v ...any) {
	a.l.Warn("mailbox: " + fmt.Sprintf(format, v...))
}

func (a logAdapter) Println(v ...any) { a.l.Warn("mailbox: " + fmt.Sprint(v...)) }
