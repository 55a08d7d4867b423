package mailbox

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-smtp"
	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/blob"
	"golang.org/x/text/encoding/htmlindex"
)

// Rejections, each with its SMTP reply.
var (
	errTooManyParts = &smtp.SMTPError{Code: 552, EnhancedCode: smtp.EnhancedCode{5, 3, 4}, Message: "Too many MIME parts"}
	errTooDeep      = &smtp.SMTPError{Code: 552, EnhancedCode: smtp.EnhancedCode{5, 3, 4}, Message: "MIME parts nested too deep"}
	errTextTooLong  = &smtp.SMTPError{Code: 552, EnhancedCode: smtp.EnhancedCode{5, 3, 4},
		Message: fmt.Sprintf("Text longer than %d characters: attach it as a file", kasuhara.MaxLongText)}
)

func malformed(what string) error {
	return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "Malformed message: " + what}
}

// parser reads one message.
type parser struct {
	cfg     *Config
	blobs   Blobs
	ctx     context.Context
	trusted bool

	parts  int
	text   string // the first text part, decoded
	html   string // the first HTML part, when there is no text
	m      kasuhara.InboundMail
	stored []string // blob ids, removed when the message is refused
}

var decoder = &mime.WordDecoder{CharsetReader: charsetReader}

func charsetReader(charset string, r io.Reader) (io.Reader, error) {
	e, err := htmlindex.Get(charset)
	if err != nil {
		return nil, fmt.Errorf("unknown charset %q", charset)
	}
	return e.NewDecoder().Reader(r), nil
}

// parse reads the message from r.
func (p *parser) parse(r io.Reader) (*kasuhara.InboundMail, error) {
	msg, err := mail.ReadMessage(bufio.NewReader(r))
	if err != nil {
		if tooLarge(err) {
			return nil, smtp.ErrDataTooLarge
		}
		return nil, malformed("header")
	}
	h := msg.Header
	from, err := (&mail.AddressParser{WordDecoder: decoder}).Parse(h.Get("From"))
	if err != nil {
		return nil, malformed("From")
	}
	p.m.FromAddress, p.m.FromName = from.Address, from.Name
	if p.m.Subject, err = decoder.DecodeHeader(h.Get("Subject")); err != nil {
		return nil, malformed("Subject")
	}
	p.m.MessageID = strings.Trim(strings.TrimSpace(h.Get("Message-Id")), "<>")
	p.m.References = strings.Join(strings.Fields(h.Get("References")), " ")
	if p.trusted {
		p.m.Auth = authResults(p.cfg.Gateway, h["Authentication-Results"])
	}
	if err := p.part(textproto.MIMEHeader(h), msg.Body, 0); err != nil {
		if tooLarge(err) {
			return nil, smtp.ErrDataTooLarge
		}
		return nil, err
	}
	body := p.text
	if body == "" && p.html != "" {
		body = htmlText(p.html)
	}
	body = strings.TrimSpace(strings.ReplaceAll(body, "\r\n", "\n"))
	if utf8.RuneCountInString(body) > kasuhara.MaxLongText {
		return nil, errTextTooLong
	}
	p.m.Body = body
	return &p.m, nil
}

func tooLarge(err error) bool { return errors.Is(err, smtp.ErrDataTooLarge) }

// part reads one MIME part (the message itself at depth 0).
func (p *parser) part(h textproto.MIMEHeader, body io.Reader, depth int) error {
	if p.parts++; p.parts > p.cfg.MaxParts {
		return errTooManyParts
	}
	if depth > maxDepth {
		return errTooDeep
	}
	ct := h.Get("Content-Type")
	if ct == "" {
		ct = "text/plain; charset=us-ascii"
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return malformed("Content-Type")
	}
	if strings.HasPrefix(mt, "multipart/") {
		if params["boundary"] == "" {
			return malformed("multipart without boundary")
		}
		mr := multipart.NewReader(body, params["boundary"])
		for {
			// NextRawPart: the transfer encoding is decoded here, for
			// every part alike.
			sub, err := mr.NextRawPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				if tooLarge(err) {
					return err
				}
				return malformed("multipart")
			}
			if err := p.part(sub.Header, sub, depth+1); err != nil {
				return err
			}
		}
	}
	dec, err := transferDecoder(h.Get("Content-Transfer-Encoding"), body)
	if err != nil {
		return err
	}
	disp, dparams, _ := mime.ParseMediaType(h.Get("Content-Disposition"))
	name := dparams["filename"]
	if name == "" {
		name = params["name"]
	}
	if d, err := decoder.DecodeHeader(name); err == nil {
		name = d
	}
	isText := mt == "text/plain" || mt == "text/html"
	if isText && disp != "attachment" && ((mt == "text/plain" && p.text == "") || (mt == "text/html" && p.html == "")) {
		s, err := p.readText(dec, params["charset"])
		if err != nil {
			return err
		}
		if mt == "text/plain" {
			p.text = s
		} else {
			p.html = s
		}
		return nil
	}
	if mt == "message/rfc822" || mt == "message/global" {
		// A forwarded mail: its parts count and its attachments are
		// checked like the message's own.
		inner, err := mail.ReadMessage(bufio.NewReader(dec))
		if err != nil {
			if tooLarge(err) {
				return err
			}
			return malformed("attached message")
		}
		if name == "" {
			name = "message.txt"
		}
		return p.part(textproto.MIMEHeader(inner.Header), inner.Body, depth+1)
	}
	return p.attachment(dec, name)
}

// readText reads a text part in its charset, up to a limit a little over
// the longest text a report takes.
func (p *parser) readText(r io.Reader, charset string) (string, error) {
	if charset != "" && !strings.EqualFold(charset, "utf-8") && !strings.EqualFold(charset, "us-ascii") {
		cr, err := charsetReader(charset, r)
		if err != nil {
			return "", malformed(err.Error())
		}
		r = cr
	}
	b, err := io.ReadAll(io.LimitReader(r, int64(kasuhara.MaxLongText)*4+1))
	if err != nil {
		if tooLarge(err) {
			return "", err
		}
		return "", malformed("text encoding")
	}
	if len(b) > kasuhara.MaxLongText*4 {
		return "", errTextTooLong
	}
	if !utf8.Valid(b) {
		return "", malformed("text is not valid in its charset")
	}
	return string(b), nil
}

// attachment stores a file through the evidence checks; a file of a
// refused type, or over the limit per file, refuses the whole message.
func (p *parser) attachment(r io.Reader, name string) error {
	b, err := p.blobs.Put(p.ctx, r, p.cfg.MaxAttachmentBytes)
	var ute *blob.UnsupportedTypeError
	switch {
	case err == nil:
		p.stored = append(p.stored, b.ID)
		p.m.Attachments = append(p.m.Attachments, kasuhara.IntakeAttachment{BlobID: b.ID, Filename: name, MediaType: b.MediaType, Size: b.Size, SHA256: b.SHA256})
		return nil
	case tooLarge(err):
		return err
	case errors.Is(err, blob.ErrEmpty):
		return nil
	case errors.As(err, &ute):
		// The whole message is refused, so that the sender learns that the
		// desk did not get it, and sends it again without the file or with
		// the file in a type the desk takes.
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 1},
			Message: fmt.Sprintf("Message not accepted: attachment%s is of a refused type (%s); send it without that file", quotedName(name), mediaType(ute.Detected))}
	case errors.Is(err, blob.ErrTooLarge):
		return &smtp.SMTPError{Code: 552, EnhancedCode: smtp.EnhancedCode{5, 3, 4},
			Message: fmt.Sprintf("Message not accepted: attachment%s is over the limit of %d bytes per file", quotedName(name), p.cfg.MaxAttachmentBytes)}
	case errors.Is(err, errBadEncoding):
		return malformed("transfer encoding of an attachment")
	default:
		return err
	}
}

// quotedName is ` "name"` for a file name an SMTP reply can carry
// (printable ASCII, short), "" for any other.
func quotedName(name string) string {
	if name == "" || len(name) > 100 {
		return ""
	}
	for _, r := range name {
		if r < 0x20 || r > 0x7e || r == '"' {
			return ""
		}
	}
	return ` "` + name + `"`
}

// mediaType is the bare media type of a sniffed one ("text/html" of
// "text/html; charset=utf-8").
func mediaType(detected string) string {
	mt, _, _ := strings.Cut(detected, ";")
	if mt = strings.TrimSpace(mt); mt == "" {
		return "unknown"
	}
	return mt
}

var errBadEncoding = errors.New("bad transfer encoding")

// badEncoding marks the errors of a transfer decoder.
type badEncoding struct{ r io.Reader }

func (b badEncoding) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil && err != io.EOF && !tooLarge(err) {
		return n, fmt.Errorf("%w: %v", errBadEncoding, err)
	}
	return n, err
}

func transferDecoder(cte string, r io.Reader) (io.Reader, error) {
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "", "7bit", "8bit", "binary":
		return r, nil
	case "base64":
		return badEncoding{base64.NewDecoder(base64.StdEncoding, newlineStripper{r})}, nil
	case "quoted-printable":
		return badEncoding{quotedprintable.NewReader(r)}, nil
	default:
		return nil, malformed("unknown transfer encoding")
	}
}

// newlineStripper drops CR and LF, which base64 bodies break lines with.
type newlineStripper struct{ r io.Reader }

func (n newlineStripper) Read(p []byte) (int, error) {
	for {
		c, err := n.r.Read(p)
		j := 0
		for _, b := range p[:c] {
			if b != '\r' && b != '\n' && b != ' ' && b != '\t' {
				p[j] = b
				j++
			}
		}
		if j > 0 || err != nil {
			return j, err
		}
	}
}

// removeStored deletes the blobs of a refused message.
func (p *parser) removeStored() {
	for _, id := range p.stored {
		if err := p.blobs.Delete(id); err != nil {
			p.cfg.Logger.Error("mailbox: removing a refused message's file", "err", err)
		}
	}
	p.stored = nil
}

var authMethod = regexp.MustCompile(`(?i)(?:^|[;\s])(spf|dkim|dmarc)\s*=\s*([a-z]+)`)

// authResults reads the topmost Authentication-Results header when the
// gateway added it (its authserv-id); a header further down, or another
// host's, is not believed: anyone can write one into their mail.
func authResults(gateway string, headers []string) kasuhara.MailAuth {
	var a kasuhara.MailAuth
	if gateway == "" || len(headers) == 0 {
		return a
	}
	v := headers[0]
	id, rest, _ := strings.Cut(v, ";")
	if f := strings.Fields(id); len(f) == 0 || !strings.EqualFold(f[0], gateway) {
		return a
	}
	for _, m := range authMethod.FindAllStringSubmatch(rest, -1) {
		res := strings.ToLower(m[2])
		switch strings.ToLower(m[1]) {
		case "spf":
			if a.SPF == "" {
				a.SPF = res
			}
		case "dkim":
			if a.DKIM == "" || a.DKIM != "pass" && res == "pass" {
				a.DKIM = res
			}
		case "dmarc":
			if a.DMARC == "" {
				a.DMARC = res
			}
		}
	}
	return a
}

var (
	htmlDrop = regexp.MustCompile(`(?is)<(script|style|head)[^>]*>.*?</(script|style|head)>`)
	htmlTag  = regexp.MustCompile(`(?s)<[^>]*>`)
	htmlBr   = regexp.MustCompile(`(?i)<(br|/p|/div|/li|/tr|/h[1-6])[^>]*>`)
	blanks   = regexp.MustCompile(`\n{3,}`)
)

// htmlText is the text of an HTML mail: tags dropped, lines kept, the five
// entities that matter decoded. It is shown as text, never as HTML.
func htmlText(s string) string {
	s = htmlDrop.ReplaceAllString(s, "")
	s = htmlBr.ReplaceAllString(s, "\n")
	s = htmlTag.ReplaceAllString(s, "")
	s = strings.NewReplacer("&nbsp;", " ", "&lt;", "<", "&gt;", ">", "&quot;", `"`, "&#39;", "'", "&amp;", "&").Replace(s)
	var b bytes.Buffer
	for _, line := range strings.Split(s, "\n") {
		b.WriteString(strings.TrimSpace(line))
		b.WriteByte('\n')
	}
	return blanks.ReplaceAllString(b.String(), "\n\n")
}
