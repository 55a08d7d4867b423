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

func newRig(t *testing.T, db *sqldb.DB, gateway bool) *rig {
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

// multipart builds a message with a text part and files (name, content).
func multipartMail(from, subject, text string, headers string, files ...[2]string) []byte {
	var b strings.Builder
	b.WriteString(headers)
	fmt.Fprintf(&b, "From: %s\r\nTo: soudan@acme.example\r\nSubject: %s\r\nMessage-ID: <abc.123@else.example>\r\nMIME-Version: 1.0\r\n", from, subject)
	b.WriteString("Content-Type: multipart/mixed; boundary=\"BOUND\"\r\n\r\n")
	b.WriteString("--BOUND\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" + b64([]byte(text)))
	for _, f := range files {
		fmt.Fprintf(&b, "--BOUND\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"%s\"\r\nContent-Transfer-Encoding: base64\r\n\r\n%s", f[0], b64([]byte(f[1])))
	}
	b.WriteString("--BOUND--\r\n")
	return []byte(b.String())
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
			it.MessageID != "abc.123@else.example" || len(it.Attachments) != 1 || it.Attachments[0].MediaType != "image/png" ||
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

		// A refused type: the text is taken, the file is named with its
		// reason and nothing of it stored.
		exe := "MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + strings.Repeat("\x00", 200) + "This program cannot be run in DOS mode"
		if err := r.send(t, "soudan@acme.example", multipartMail("x@else.example", "invoice", "see attached", "", [2]string{"invoice.exe", exe})); err != nil {
			t.Fatalf("a mail with a refused file: %v", err)
		}
		r.nothingLeft(t, 2, 1)
		items, _ = r.st.IntakeItems(ctx, r.desk, kasuhara.IntakeOpen)
		it, _ = r.st.IntakeItem(ctx, r.desk, items[0].ID)
		if len(it.Refused) != 1 || it.Refused[0].Filename != "invoice.exe" || it.Refused[0].Reason != kasuhara.FieldFileType || len(it.Attachments) != 0 {
			t.Errorf("refused = %+v, attachments %+v", it.Refused, it.Attachments)
		}

		// A 50 MB mail: 552 at DATA, nothing stored (the photo goes first,
		// so a file was being written when the limit struck).
		big := multipartMail("x@else.example", "big", "big", "", [2]string{"photo.png", string(img) + strings.Repeat("A", 37<<20)})
		if err := r.send(t, "soudan@acme.example", big); code(err) != 552 {
			t.Errorf("a 50 MB mail: %v", err)
		}
		r.nothingLeft(t, 2, 1)

		// 500 parts, each a small photo: 552, and the photos stored on the
		// way removed.
		var files [][2]string
		for i := range 500 {
			files = append(files, [2]string{fmt.Sprintf("p%d.png", i), string(img)})
		}
		if err := r.send(t, "soudan@acme.example", multipartMail("x@else.example", "many", "many", "", files...)); code(err) != 552 {
			t.Errorf("500 parts: %v", err)
		}
		r.nothingLeft(t, 2, 1)

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
		r.nothingLeft(t, 2, 1)

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
