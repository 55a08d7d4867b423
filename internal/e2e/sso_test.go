package e2e

import (
	"net"
	"net/http"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/kasuhara/kasuhara/internal/testoidc"
)

// TestSSOSignInThroughTheProvider: the group's admin registers a real
// OpenID provider (zitadel's, running in the test) on /admin/sso; a new
// employee types their work address on the sign-in page, signs in at the
// provider's own form, and comes back signed in to Kasuhara with the role
// their directory group maps to, created just in time.
func TestSSOSignInThroughTheProvider(t *testing.T) {
	// The provider must know the address it sends people back to: a port
	// fixed before the server starts.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	srv := startServerWith(t, t.TempDir(), "", true, nil, "--addr", "127.0.0.1:"+port)
	pws := demoPasswords(t, srv)
	op := testoidc.New("kasuhara-e2e", "e2e-client-secret-value", srv.URL+"/login/sso/callback")
	t.Cleanup(op.Close)
	op.AddPerson(testoidc.Person{Subject: "e2e-1", Username: "newcomer", Password: "provider-password-1", Email: "newcomer@demo.example",
		Given: "新人", Family: "佐藤", Groups: []string{"新宿店"}})
	srv.secret("the provider's client secret", "e2e-client-secret-value")

	admin := signedIn(t, srv, "admin@demo.example", pws["admin@demo.example"])
	admin.open("/admin/sso")
	admin.run("set the provider", chromedp.SetValue(chromedp.CSS("#issuer"), op.Issuer), chromedp.SetValue(chromedp.CSS("#client_id"), "kasuhara-e2e"))
	admin.fill("#client_secret", "e2e-client-secret-value")
	wantStatus(t, admin.submit("#sso-form button[type=submit]"), http.StatusOK, "save the provider")
	if got := admin.text("#flash"); got == "" {
		t.Fatal("no message after saving")
	}

	b := newBrowser(t, srv)
	companySignIn(b)
	if p := b.path(); p != "/" {
		t.Fatalf("after the company sign-in the browser is at %s", p)
	}
	b.session()
	// The new employee, made just in time, reports like everyone else.
	wantStatus(t, b.open("/report"), http.StatusOK, "the new employee opens the report form")
	if !b.has("#conduct") {
		t.Fatal("the new employee sees no report form")
	}
	// The second sign-in finds the same person (by the provider's subject).
	signOut(t, b)
	companySignIn(b)
}

// companySignIn signs the newcomer in through the company's provider: the
// sign-in page sends the browser there by the mail address, and the
// provider sends it back signed in.
func companySignIn(b *browser) {
	b.open("/login")
	b.fill("#sso_email", "newcomer@demo.example")
	b.submit("#sso-submit")
	// The page goes on to the provider by itself.
	b.run("wait for the provider's sign-in form", chromedp.WaitVisible(chromedp.CSS("#username")))
	b.fill("#username", "newcomer")
	b.fill("#password", "provider-password-1")
	b.run("sign in at the provider", chromedp.Click(chromedp.CSS("button[type=submit]"), chromedp.NodeVisible))
	b.run("back at Kasuhara, signed in", chromedp.WaitReady(chromedp.CSS("#topbar-report")))
}
