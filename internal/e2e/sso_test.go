package e2e

import (
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
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
	// The company manages the password and the second factor: the pages say
	// so, and fit on a phone and a desktop in both languages.
	for _, path := range []string{"/account/password", "/account/two-factor"} {
		checkAtEveryWidth(t, b, path, "sso"+strings.ReplaceAll(path, "/", "-"), func(lang string) {
			if !b.has("#account-sso") || b.has("input[type=password]") {
				t.Errorf("%s (%s) as a company sign-in: not the company-managed page", path, lang)
			}
			if got, want := b.text("#account-sso p"), msg(t, lang, "account.company_managed"); got != want {
				t.Errorf("%s (%s): %q, want %q", path, lang, got, want)
			}
		})
	}
	// The second sign-in finds the same person (by the provider's subject).
	signOut(t, b)
	companySignIn(b)

	// A first company sign-in with the address of an account the provider
	// may not speak for (an organisation outside the group) has a page of
	// its own, which fits everywhere in both languages.
	srv.run(t, "org", "create", "--slug", "outside", "--name", "Outside")
	srv.run(t, "user", "create", "--email", "outsider@demo.example", "--name", "Outsider", "--role", "employee", "--org", "outside")
	op.AddPerson(testoidc.Person{Subject: "e2e-2", Username: "outsider", Password: "provider-password-2", Email: "outsider@demo.example",
		Given: "外部", Family: "田中", Groups: []string{"新宿店"}})
	for _, lang := range []string{"ja", "en"} {
		o := newBrowser(t, srv)
		o.setAcceptLanguage(lang)
		for _, s := range walkScreens {
			o.emulate(s)
			o.clearCookies()
			companySignInAs(o, "outsider@demo.example", "outsider", "provider-password-2", "#sso-link-refused")
			checkFits(t, o, "the refused link ("+lang+", "+s.name+"px)")
			if got, want := o.text("#sso-link-refused h1"), msg(t, lang, "sso.linkrefused.title"); got != want {
				t.Errorf("the refused link (%s): %q, want %q", lang, got, want)
			}
			if id := uuidInText(o); id != "" {
				t.Errorf("the refused link shows the internal id %s", id)
			}
			if dir := os.Getenv("KASUHARA_SCREENSHOTS"); dir != "" {
				o.screenshot(dir, "sso-linkrefused-"+lang+"-"+s.name)
			}
		}
	}
}

// companySignIn signs the newcomer in through the company's provider: the
// sign-in page sends the browser there by the mail address, and the
// provider sends it back signed in.
func companySignIn(b *browser) {
	companySignInAs(b, "newcomer@demo.example", "newcomer", "provider-password-1", "#topbar-report")
}

// companySignInAs signs in through the company's provider as username and
// waits, back at Kasuhara, for the element landing on the page it ends on.
func companySignInAs(b *browser, email, username, password, landing string) {
	b.open("/login")
	b.fill("#sso_email", email)
	b.submit("#sso-submit")
	// The page goes on to the provider by itself.
	b.run("wait for the provider's sign-in form", chromedp.WaitVisible(chromedp.CSS("#username")))
	b.fill("#username", username)
	b.fill("#password", password)
	b.run("sign in at the provider", chromedp.Click(chromedp.CSS("button[type=submit]"), chromedp.NodeVisible))
	b.run("back at Kasuhara", chromedp.WaitReady(chromedp.CSS(landing)))
}
