package mailbox_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"io/fs"
	"math/big"
	"net"
	"net/netip"
	"net/smtp"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/blob"
	"github.com/kasuhara/kasuhara/internal/mailbox"
	"github.com/kasuhara/kasuhara/internal/sqldb"
	"github.com/kasuhara/kasuhara/internal/store"
	"github.com/kasuhara/kasuhara/internal/testdb"
)

var ctx = context.Background()

// rig is a listener on a real port over a real store and evidence store.
type rig struct {
	addr  string
	st    *store.Store
	db    *sqldb.DB
	data  string
	blobs *blob.Store
	org   *kasuhara.Org
	desk  kasuhara.Actor
	clerk *kasuhara.User
	cert  *x509.Certificate
}

func selfSigned(t *testing.T) (tls.Certificate, *x509.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mx.test"}, DNSNames: []string{"mx.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, c
}

func newRig(t *testing.T, db *sqldb.DB, gateway bool, opts ...func(*mailbox.Config)) *rig {
	t.Helper()
	st := store.New(db)
	org, err := st.CreateOrg(ctx, kasuhara.CLIActor, kasuhara.NewOrg{Slug: "acme", Name: "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	clerk, err := st.CreateUser(ctx, kasuhara.CLIActor, kasuhara.NewUser{Email: "clerk@acme.example", Name: "店員 一郎", Password: "long-enough-pw",
		OrgID: org.ID, Role: kasuhara.RoleEmployee})
	if err != nil {
		t.Fatal(err)
	}
	du, err := st.CreateUser(ctx, kasuhara.CLIActor, kasuhara.NewUser{Email: "desk@acme.example", Name: "窓口", Password: "long-enough-pw",
		OrgID: org.ID, Role: kasuhara.RoleEmployee})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SetMembership(ctx, kasuhara.CLIActor, kasuhara.Membership{UserID: du.ID, OrgID: org.ID, Role: kasuhara.RoleDesk}); err != nil {
		t.Fatal(err)
	}
	data := t.TempDir()
	blobs, err := blob.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { blobs.Close() })
	cert, leaf := selfSigned(t)
	cfg := mailbox.Config{Desks: map[string]string{"soudan@acme.example": org.ID}, Hostname: "mx.test",
		TLS: &tls.Config{Certificates: []tls.Certificate{cert}}, MaxBytes: 10 << 20, MaxParts: 100}
	if gateway {
		cfg.Gateway = "mx.acme.example"
		cfg.GatewayNetworks = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	}
	for _, o := range opts {
		o(&cfg)
	}
	srv := mailbox.New(cfg, st, blobs)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return &rig{addr: ln.Addr().String(), st: st, db: db, data: data, blobs: blobs, org: org, clerk: clerk, cert: leaf,
		desk: kasuhara.Actor{UserID: du.ID, OrgID: org.ID, Role: kasuhara.RoleDesk}}
}

// send speaks SMTP with net/smtp: STARTTLS with the listener's certificate,
// then one message. It returns the first error with its SMTP code.
func (r *rig) send(t *testing.T, rcpt string, msg []byte) error {
	t.Helper()
	c, err := smtp.Dial(r.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	pool := x509.NewCertPool()
	pool.AddCert(r.cert)
	if ok, _ := c.Extension("STARTTLS"); !ok {
		t.Fatal("no STARTTLS offered")
	}
	if err := c.StartTLS(&tls.Config{ServerName: "mx.test", RootCAs: pool}); err != nil {
		t.Fatal(err)
	}
	if err := c.Mail("sender@else.example"); err != nil {
		return err
	}
	if err := c.Rcpt(rcpt); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(msg); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

func code(err error) int {
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code
	}
	return 0
}

func pngBytes(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.RGBA{255, 0, 0, 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func b64(b []byte) string {
	s := base64.StdEncoding.EncodeToString(b)
	var out strings.Builder
	for len(s) > 76 {
		out.WriteString(s[:76] + "\r\n")
		s = s[76:]
	}
	return out.String() + s + "\r\n"
}

var messageIDs atomic.Int64

// multipart builds a message with a text part and files (name, content),
// and a Message-ID of its own unless headers has one.
func multipartMail(from, subject, text string, headers string, files ...[2]string) []byte {
	var b strings.Builder
	b.WriteString(headers)
	if !strings.Contains(headers, "Message-ID:") {
		fmt.Fprintf(&b, "Message-ID: <abc.%d@else.example>\r\n", messageIDs.Add(1))
	}
	fmt.Fprintf(&b, "From: %s\r\nTo: soudan@acme.example\r\nSubject: %s\r\nMIME-Version: 1.0\r\n", from, subject)
	b.WriteString("Content-Type: multipart/mixed; boundary=\"BOUND\"\r\n\r\n")
	b.WriteString("--BOUND\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" + b64([]byte(text)))
	for _, f := range files {
		fmt.Fprintf(&b, "--BOUND\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"%s\"\r\nContent-Transfer-Encoding: base64\r\n\r\n%s", f[0], b64([]byte(f[1])))
	}
	b.WriteString("--BOUND--\r\n")
	return []byte(b.String())
}

// count runs a COUNT query.
func (r *rig) count(t *testing.T, q string, args ...any) int {
	t.Helper()
	var n int
	if err := r.db.Read.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// nothingLeft checks that no item, attachment or evidence file exists
// beyond want items, and no temporary file.
func (r *rig) nothingLeft(t *testing.T, wantItems, wantBlobs int) {
	t.Helper()
	var items, atts int
	r.db.Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM intake_items").Scan(&items)
	r.db.Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM intake_attachments").Scan(&atts)
	if items != wantItems || atts != wantBlobs {
		t.Errorf("rows: %d items, %d attachments; want %d, %d", items, atts, wantItems, wantBlobs)
	}
	var files, temps int
	ev := filepath.Join(r.data, "evidence")
	filepath.WalkDir(ev, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if rel, _ := filepath.Rel(ev, p); strings.HasPrefix(rel, "tmp"+string(filepath.Separator)) {
				temps++
			} else {
				files++
			}
		}
		return nil
	})
	if files != wantBlobs || temps != 0 {
		t.Errorf("evidence files: %d (want %d), temporary: %d", files, wantBlobs, temps)
	}
	if tmp, _ := os.ReadDir(os.TempDir()); len(tmp) > 0 {
		for _, e := range tmp {
			if strings.HasPrefix(e.Name(), "multipart-") {
				t.Errorf("a temporary file was left: %s", e.Name())
			}
		}
	}
}

// TestMailbox drives the listener with a real SMTP client (net/smtp,
// STARTTLS) on both engines: a mail with an image becomes an open intake
// item with the image stored encrypted; bad input is refused with its SMTP
// code and leaves nothing behind.
func TestMailbox(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		r := newRig(t, db, false)
		img := pngBytes(t)

		// A stranger's address is refused at RCPT.
		if err := r.send(t, "someone@acme.example", multipartMail("x@else.example", "x", "x", "")); code(err) != 550 {
			t.Errorf("unknown recipient: %v", err)
		}

		// A normal mail from a member, subject in Japanese, with a photo.
		subject := "=?UTF-8?B?" + base64.StdEncoding.EncodeToString([]byte("店頭での暴言について")) + "?="
		text := "本日15時ごろ、来店客に大声で怒鳴られました。\n写真を添付します。"
		if err := r.send(t, "Soudan@Acme.Example", multipartMail("店員 一郎 <Clerk@Acme.Example>", subject, text, "", [2]string{"photo.png", string(img)})); err != nil {
			t.Fatalf("a normal mail: %v", err)
		}
		items, err := r.st.IntakeItems(ctx, r.desk, kasuhara.IntakeOpen)
		if err != nil || len(items) != 1 {
			t.Fatalf("items = %d, %v", len(items), err)
		}
		it, err := r.st.IntakeItem(ctx, r.desk, items[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if it.Subject != "店頭での暴言について" || it.Body != text || it.FromAddress != "clerk@acme.example" || it.SenderUserID != r.clerk.ID ||
			!strings.HasPrefix(it.MessageID, "abc.") || len(it.Attachments) != 1 || it.Attachments[0].MediaType != "image/png" ||
			it.Attachments[0].Filename != "photo.png" || it.Auth != (kasuhara.MailAuth{}) {
			t.Fatalf("item = %+v", it)
		}
		rd, err := r.blobs.Open(it.Attachments[0].BlobID)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(rd)
		rd.Close()
		if !bytes.Equal(got, img) {
			t.Errorf("the stored image differs")
		}
		// Encrypted at rest: the file on disk is not the PNG.
		filepath.WalkDir(filepath.Join(r.data, "evidence"), func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				if b, _ := os.ReadFile(p); bytes.Contains(b, img[:16]) {
					t.Errorf("%s holds the plain image", p)
				}
			}
			return nil
		})
		r.nothingLeft(t, 1, 1)
		// Nothing is filed as a case without a person's decision.
		if n := r.count(t, "SELECT COUNT(*) FROM cases"); n != 0 {
			t.Errorf("%d cases after receiving a mail, want none", n)
		}

		// A refused type: the whole mail is refused with a 554 that names
		// the file's type, and nothing of it is left, not even the photo
		// stored before the file came.
		exe := "MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + strings.Repeat("\x00", 200) + "This program cannot be run in DOS mode"
		err = r.send(t, "soudan@acme.example", multipartMail("x@else.example", "invoice", "see attached", "", [2]string{"photo.png", string(img)}, [2]string{"invoice.exe", exe}))
		if code(err) != 554 || !strings.Contains(err.Error(), "invoice.exe") || !strings.Contains(err.Error(), "refused type (application/") {
			t.Errorf("a mail with a refused file: %v, want 554 naming the file and its type", err)
		}
		r.nothingLeft(t, 1, 1)
		// A name the reply cannot carry is left out; the type is named.
		err = r.send(t, "soudan@acme.example", multipartMail("x@else.example", "invoice", "see attached", "", [2]string{"請求書.exe", exe}))
		if code(err) != 554 || strings.Contains(err.Error(), "請求書") || !strings.Contains(err.Error(), "refused type (application/") {
			t.Errorf("a refused file with a Japanese name: %v", err)
		}
		r.nothingLeft(t, 1, 1)

		// A 50 MB mail: 552 at DATA, nothing stored (the photo goes first,
		// so a file was being written when the limit struck).
		big := multipartMail("x@else.example", "big", "big", "", [2]string{"photo.png", string(img) + strings.Repeat("A", 37<<20)})
		if err := r.send(t, "soudan@acme.example", big); code(err) != 552 {
			t.Errorf("a 50 MB mail: %v", err)
		}
		r.nothingLeft(t, 1, 1)

		// 500 parts, each a small photo: 552, and the photos stored on the
		// way removed.
		var files [][2]string
		for i := range 500 {
			files = append(files, [2]string{fmt.Sprintf("p%d.png", i), string(img)})
		}
		if err := r.send(t, "soudan@acme.example", multipartMail("x@else.example", "many", "many", "", files...)); code(err) != 552 {
			t.Errorf("500 parts: %v", err)
		}
		r.nothingLeft(t, 1, 1)

		// Malformed MIME is rejected (554), not stored as raw text.
		for name, msg := range map[string]string{
			"no boundary":    "From: x@else.example\r\nSubject: x\r\nContent-Type: multipart/mixed\r\n\r\nhello\r\n",
			"bad base64":     "From: x@else.example\r\nSubject: x\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nhi\r\n--B\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\r\n" + b64(img)[:40] + "!!!!****\r\n--B--\r\n",
			"bad charset":    "From: x@else.example\r\nSubject: x\r\nContent-Type: text/plain; charset=x-no-such\r\n\r\nhello\r\n",
			"no From":        "Subject: x\r\n\r\nhello\r\n",
			"bad encoding":   "From: x@else.example\r\nSubject: x\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\nhello\r\n",
			"invalid utf-8":  "From: x@else.example\r\nSubject: x\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\xff\xfe\r\n",
			"broken headers": "From x@else.example\r\nno colon here\r\n\r\nhello\r\n",
		} {
			if err := r.send(t, "soudan@acme.example", []byte(msg)); code(err) != 554 {
				t.Errorf("%s: %v, want 554", name, err)
			}
		}
		r.nothingLeft(t, 1, 1)

		// ISO-2022-JP, as Japanese mail clients still send.
		jis := "From: =?ISO-2022-JP?B?GyRCOzNFRBsoQg==?= <yamada@else.example>\r\nSubject: =?ISO-2022-JP?B?GyRCQWpDTBsoQg==?=\r\n" +
			"Content-Type: text/plain; charset=ISO-2022-JP\r\nContent-Transfer-Encoding: 7bit\r\n\r\n\x1b$B$3$s$K$A$O\x1b(B\r\n"
		if err := r.send(t, "soudan@acme.example", []byte(jis)); err != nil {
			t.Fatalf("ISO-2022-JP: %v", err)
		}
		items, _ = r.st.IntakeItems(ctx, r.desk, kasuhara.IntakeOpen)
		it, _ = r.st.IntakeItem(ctx, r.desk, items[0].ID)
		if it.Body != "こんにちは" || it.FromName != "山田" || it.Subject != "相談" {
			t.Errorf("ISO-2022-JP read as %q from %q (subject %q)", it.Body, it.FromName, it.Subject)
		}
	})
}

// TestMailboxAuthenticationResults: the gateway's verdict is believed only
// from the topmost header with its authserv-id, on a connection from its
// network.
func TestMailboxAuthenticationResults(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		for _, tc := range []struct {
			name, headers string
			gateway       bool
			want          kasuhara.MailAuth
		}{
			{"the gateway's", "Authentication-Results: mx.acme.example; spf=pass smtp.mailfrom=else.example; dkim=fail header.d=else.example; dkim=pass header.d=else.example; dmarc=pass\r\n",
				true, kasuhara.MailAuth{SPF: "pass", DKIM: "pass", DMARC: "pass"}},
			{"another host's", "Authentication-Results: evil.example; spf=pass; dkim=pass; dmarc=pass\r\n", true, kasuhara.MailAuth{}},
			{"a forged one below the gateway's", "Authentication-Results: mx.acme.example; spf=fail; dmarc=fail\r\nAuthentication-Results: mx.acme.example; spf=pass; dmarc=pass\r\n",
				true, kasuhara.MailAuth{SPF: "fail", DMARC: "fail"}},
			{"no gateway configured", "Authentication-Results: mx.acme.example; spf=pass; dmarc=pass\r\n", false, kasuhara.MailAuth{}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := newRig(t, testdb.Open(t, db.Engine), tc.gateway)
				if err := r.send(t, "soudan@acme.example", multipartMail("x@else.example", "x", "本文", tc.headers)); err != nil {
					t.Fatal(err)
				}
				items, _ := r.st.IntakeItems(ctx, r.desk, kasuhara.IntakeOpen)
				if len(items) != 1 || items[0].Auth != tc.want {
					t.Errorf("auth = %+v, want %+v", items, tc.want)
				}
			})
		}
	})
}

// dial opens an SMTP session after STARTTLS.
func (r *rig) dial(t *testing.T) *smtp.Client {
	t.Helper()
	c, err := smtp.Dial(r.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	pool := x509.NewCertPool()
	pool.AddCert(r.cert)
	if err := c.StartTLS(&tls.Config{ServerName: "mx.test", RootCAs: pool}); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestMailboxLimits: what a sender's server declares or sends over the
// limits is refused with its SMTP code, leaving nothing: a SIZE= over the
// limit at MAIL FROM, before any byte of the message; one attachment over
// MaxAttachmentBytes at DATA. A repeat delivery (same Message-ID) is
// answered 250 and adds nothing. A flood is told to try later: 452 once
// the organisation's open items reach their cap or one address sent its
// hourly number, 450 at MAIL FROM once a client address did.
func TestMailboxLimits(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		r := newRig(t, db, false, func(c *mailbox.Config) { c.MaxAttachmentBytes = 64 << 10 })
		img := pngBytes(t)

		// SIZE= over the 10 MB limit: refused at MAIL FROM.
		c := r.dial(t)
		id, err := c.Text.Cmd("MAIL FROM:<x@else.example> SIZE=%d", 10<<20+1)
		if err != nil {
			t.Fatal(err)
		}
		c.Text.StartResponse(id)
		got, msg, err := c.Text.ReadResponse(250)
		c.Text.EndResponse(id)
		if got != 552 {
			t.Errorf("MAIL FROM with SIZE over the limit = %d %s (%v), want 552", got, msg, err)
		}
		// Within the limit, the same session goes on.
		id, _ = c.Text.Cmd("MAIL FROM:<x@else.example> SIZE=%d", 1000)
		c.Text.StartResponse(id)
		got, msg, _ = c.Text.ReadResponse(250)
		c.Text.EndResponse(id)
		if got != 250 {
			t.Errorf("MAIL FROM with SIZE within the limit = %d %s", got, msg)
		}
		r.nothingLeft(t, 0, 0)

		// One attachment over the limit per file, after a photo within it.
		large := string(img) + strings.Repeat("\x00", 65<<10)
		err = r.send(t, "soudan@acme.example", multipartMail("x@else.example", "x", "x", "", [2]string{"small.png", string(img)}, [2]string{"large.png", large}))
		if code(err) != 552 || !strings.Contains(err.Error(), "large.png") || !strings.Contains(err.Error(), fmt.Sprint(64<<10)) {
			t.Errorf("an attachment over the limit per file: %v, want 552 naming it and the limit", err)
		}
		r.nothingLeft(t, 0, 0)
		// Exactly at the limit is taken.
		exact := string(img) + strings.Repeat("\x00", 64<<10-len(img))
		if err := r.send(t, "soudan@acme.example", multipartMail("x@else.example", "x", "x", "", [2]string{"exact.png", exact})); err != nil {
			t.Errorf("an attachment at the limit: %v", err)
		}
		r.nothingLeft(t, 1, 1)

		// The same message delivered again: accepted, nothing added.
		again := multipartMail("y@else.example", "再送", "本文", "Message-ID: <retry.1@else.example>\r\n", [2]string{"photo.png", string(img)})
		for i := range 3 {
			if err := r.send(t, "soudan@acme.example", again); err != nil {
				t.Errorf("delivery %d of one message: %v", i+1, err)
			}
		}
		r.nothingLeft(t, 2, 2)

		// The organisation's mailbox full: 452, nothing stored.
		r.st.IntakeOpenItems = 2
		err = r.send(t, "soudan@acme.example", multipartMail("z@else.example", "x", "x", "", [2]string{"photo.png", string(img)}))
		if code(err) != 452 || !strings.Contains(err.Error(), "try again later") {
			t.Errorf("a mail to a full mailbox: %v, want 452", err)
		}
		r.nothingLeft(t, 2, 2)
		// A repeat of a message the desk has is still accepted.
		if err := r.send(t, "soudan@acme.example", again); err != nil {
			t.Errorf("a repeat delivery to a full mailbox: %v", err)
		}
		r.st.IntakeOpenItems = 0

		// One address's hourly number.
		r.st.IntakePerSenderHour = 2
		if err := r.send(t, "soudan@acme.example", multipartMail("y@else.example", "x", "x", "")); err != nil {
			t.Fatal(err)
		}
		if err := r.send(t, "soudan@acme.example", multipartMail("Y@else.example", "x", "x", "")); code(err) != 452 {
			t.Errorf("the 3rd mail of an address in an hour: %v, want 452", err)
		}
		r.nothingLeft(t, 3, 2)
		r.st.IntakePerSenderHour = 0
	})
}

// TestMailboxPerClientAddress: a client outside the gateway's networks
// that sent MaxPerIPHour messages (taken or refused) in the hour is
// answered 450 at MAIL FROM; the gateway is not limited by address.
func TestMailboxPerClientAddress(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		for _, gateway := range []bool{false, true} {
			r := newRig(t, testdb.Open(t, db.Engine), gateway, func(c *mailbox.Config) { c.MaxPerIPHour = 3 })
			if err := r.send(t, "soudan@acme.example", []byte("From: x@else.example\r\nContent-Type: multipart/mixed\r\n\r\nbroken\r\n")); code(err) != 554 {
				t.Fatalf("a malformed mail: %v", err)
			}
			for i := range 2 {
				if err := r.send(t, "soudan@acme.example", multipartMail(fmt.Sprintf("s%d@else.example", i), "x", "x", "")); err != nil {
					t.Fatalf("gateway %v, mail %d: %v", gateway, i+1, err)
				}
			}
			err := r.send(t, "soudan@acme.example", multipartMail("s9@else.example", "x", "x", ""))
			if gateway && err != nil {
				t.Errorf("the 4th mail through the gateway: %v", err)
			}
			if !gateway && (code(err) != 450 || !strings.Contains(err.Error(), "try again later")) {
				t.Errorf("the 4th mail of a client address in an hour: %v, want 450", err)
			}
		}
	})
}

// TestMailboxAttachToCase: a mail whose photo the desk adds to an existing
// case (by its number): the photo becomes that case's evidence, the same
// bytes; no second case is made; the item is decided.
func TestMailboxAttachToCase(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		r := newRig(t, db, false)
		img := pngBytes(t)
		if err := r.send(t, "soudan@acme.example", multipartMail("店員 一郎 <clerk@acme.example>", "相談", "客に怒鳴られました。", "")); err != nil {
			t.Fatal(err)
		}
		items, _ := r.st.IntakeItems(ctx, r.desk, kasuhara.IntakeOpen)
		rep := kasuhara.Report{OccurredAt: time.Now().Add(-time.Hour), Channel: "in_person", Subtypes: []string{"shouting"}, Conduct: "客に怒鳴られました。"}
		c, err := r.st.FileIntake(ctx, r.desk, items[0].ID, kasuhara.IntakeFiling{Report: rep, SenderIsReporter: true})
		if err != nil {
			t.Fatal(err)
		}
		if err := r.send(t, "soudan@acme.example", multipartMail("店員 一郎 <clerk@acme.example>", "追加の写真", "写真を送ります。", "",
			[2]string{"photo.png", string(img)})); err != nil {
			t.Fatal(err)
		}
		items, _ = r.st.IntakeItems(ctx, r.desk, kasuhara.IntakeOpen)
		if len(items) != 1 {
			t.Fatalf("open items = %d", len(items))
		}
		it, _ := r.st.IntakeItem(ctx, r.desk, items[0].ID)
		attached, err := r.st.AttachIntake(ctx, r.desk, it.ID, c.Ref)
		if err != nil || attached.ID != c.ID {
			t.Fatalf("attach = %+v, %v", attached, err)
		}
		ev, err := r.st.EvidenceList(ctx, r.desk, c.ID)
		if err != nil || len(ev) != 1 || ev[0].BlobID != it.Attachments[0].BlobID || ev[0].Filename != "photo.png" || ev[0].MediaType != "image/png" {
			t.Fatalf("the case's evidence = %+v, %v", ev, err)
		}
		rd, err := r.blobs.Open(ev[0].BlobID)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(rd)
		rd.Close()
		if !bytes.Equal(got, img) {
			t.Errorf("the evidence differs from the mail's photo")
		}
		if n := r.count(t, "SELECT COUNT(*) FROM cases"); n != 1 {
			t.Errorf("%d cases, want the one", n)
		}
		done, _ := r.st.IntakeItems(ctx, r.desk, kasuhara.IntakeAttached)
		if len(done) != 1 || done[0].CaseID != c.ID {
			t.Errorf("attached items = %+v", done)
		}
		// The attachment is the case's now: adding it again is refused.
		if _, err := r.st.AttachIntake(ctx, r.desk, it.ID, c.Ref); kasuhara.ErrorCode(err) != kasuhara.ECONFLICT {
			t.Errorf("attached twice: %v", err)
		}
	})
}
