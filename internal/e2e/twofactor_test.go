package e2e

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara/internal/totp"
)

// clearField empties the field sel (a form sent back keeps what was typed).
func clearField(b *browser, sel string) {
	b.t.Helper()
	eval[string](b, fmt.Sprintf(`document.querySelector(%q).value = ""`, sel))
}

// TestTwoFactorJourney: with the default rule (desk, legal and admin need
// a second factor), a desk member is sent to set it up after the password
// and can open nothing else; they scan (here: read) the key, type the
// code the test computes, keep the recovery codes; the next sign-in asks
// for a code; a code is taken once, a recovery code works; the list of
// sessions shows both browsers and signs the other out. Each page fits at
// 320, 390 and 1366 px.
func TestTwoFactorJourney(t *testing.T) {
	srv := startServer(t)
	srv.run(t, "org", "update", "--org", srv.OrgSlug, "--two-factor-roles", "desk,legal,admin")
	pw := addUser(t, srv, "desk@example.jp", "窓口 花子", "desk", "")
	w := &walker{t: t, who: "desk", visited: map[string]bool{}}

	b := newBrowser(t, srv)
	w.b = b
	b.injectAxe(axeSource(t))
	wantStatus(t, signIn(t, b, "desk@example.jp", pw), http.StatusOK, "sign in")
	wantPath(t, b, "/account/two-factor", "after the password, without a second factor")
	if !b.has("#two-factor-required") {
		t.Fatal("the set-up page does not say it is required")
	}
	b.open("/cases")
	wantPath(t, b, "/account/two-factor", "another page before the set-up")
	w.check("/account/two-factor")
	wantStatus(t, b.submit("#two-factor-start"), http.StatusOK, "start")
	if !b.has("#two-factor-qr svg") {
		t.Fatal("no QR code drawn")
	}
	w.check("/account/two-factor (QR)")
	key := eval[string](b, `document.querySelector("#two-factor-key").textContent`)
	secret, err := totp.Decode(key)
	if err != nil || len(secret) != totp.SecretSize {
		t.Fatalf("the key on the page %q: %v", key, err)
	}
	srv.secret("the TOTP key", strings.ReplaceAll(key, " ", ""))
	wrong := "000000"
	for d := int64(-1); d <= 1; d++ {
		if totp.CodeAt(secret, totp.StepAt(time.Now())+d) == wrong {
			wrong = "999999"
		}
	}
	b.fill("#code", wrong)
	wantStatus(t, b.submit("#two-factor-confirm"), http.StatusUnprocessableEntity, "a wrong code")
	if got, want := b.text(".field-error"), msg(t, "ja", "field.wrong_code"); got != want {
		t.Fatalf("the wrong code's error is %q, want %q", got, want)
	}
	now := totp.StepAt(time.Now())
	clearField(b, "#code")
	b.fill("#code", totp.CodeAt(secret, now))
	wantStatus(t, b.submit("#two-factor-confirm"), http.StatusOK, "the right code")
	codes := eval[[]string](b, `Array.from(document.querySelectorAll("#recovery-codes code"), c => c.textContent)`)
	if len(codes) != 10 {
		t.Fatalf("%d recovery codes shown, want 10", len(codes))
	}
	for _, c := range codes {
		srv.secret("a recovery code", c)
	}
	w.check("/account/two-factor (recovery codes)")
	wantStatus(t, b.submit("#two-factor-done"), http.StatusOK, "continue")
	wantPath(t, b, "/", "after the set-up")
	b.open("/cases")
	wantPath(t, b, "/cases", "after the set-up, the queue")

	// A second browser: the password, then the code of the next step.
	b2 := newBrowser(t, srv)
	b2.injectAxe(axeSource(t))
	wantStatus(t, signIn(t, b2, "desk@example.jp", pw), http.StatusOK, "sign in on the second browser")
	wantPath(t, b2, "/login/code", "after the password, with a second factor")
	w2 := &walker{t: t, b: b2, who: "desk", visited: map[string]bool{}}
	w2.check("/login/code")
	b2.fill("#code", totp.CodeAt(secret, now+1))
	wantStatus(t, b2.submit("#code-submit"), http.StatusOK, "the code")
	wantPath(t, b2, "/", "after the code")
	b2.session()

	// A third: the same code again is refused; a recovery code works once.
	b3 := newBrowser(t, srv)
	signIn(t, b3, "desk@example.jp", pw)
	b3.fill("#code", totp.CodeAt(secret, now+1))
	wantStatus(t, b3.submit("#code-submit"), http.StatusUnauthorized, "a code used already")
	if got, want := b3.text(".field-error"), msg(t, "ja", "field.wrong_code"); got != want {
		t.Fatalf("the reused code's error is %q, want %q", got, want)
	}
	clearField(b3, "#code")
	b3.fill("#code", codes[0])
	wantStatus(t, b3.submit("#code-submit"), http.StatusOK, "a recovery code")
	wantPath(t, b3, "/", "after a recovery code")
	b3.session()
	signOut(t, b3)
	signIn(t, b3, "desk@example.jp", pw)
	b3.fill("#code", codes[0])
	wantStatus(t, b3.submit("#code-submit"), http.StatusUnauthorized, "a recovery code used already")

	// The sessions: this one and the second browser's; sign the others out.
	b.open("/account/sessions")
	rows := eval[int](b, `document.querySelectorAll("#sessions tbody tr").length`)
	if rows != 2 {
		t.Fatalf("%d sessions listed, want 2 (this browser and the second)", rows)
	}
	if !strings.Contains(b.text("#sessions"), msg(t, "ja", "sessions.this")) {
		t.Fatal("the list does not mark this browser")
	}
	if strings.Contains(b.text("#sessions"), "127.0.0.1") {
		t.Fatal("the list shows an address")
	}
	w.check("/account/sessions")
	wantStatus(t, b.submit("#end-others"), http.StatusOK, "sign out the others")
	wantPath(t, b, "/account/sessions", "after signing the others out")
	if rows := eval[int](b, `document.querySelectorAll("#sessions tbody tr").length`); rows != 1 {
		t.Fatalf("%d sessions after signing the others out, want 1", rows)
	}
	b2.open("/cases")
	wantPath(t, b2, "/login", "the second browser after being signed out")
	if os.Getenv("KASUHARA_SCREENSHOTS") != "" {
		t.Log("screenshots written")
	}
}
