package sso_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/sso"
	"github.com/kasuhara/kasuhara/internal/testoidc"
	"github.com/zitadel/oidc/v3/pkg/oidc"
)

const callback = "http://kasuhara.test/login/sso/callback"

// rewriter lets a test change the ID token in the provider's token answer
// on its way to Kasuhara, as a forger in the middle would.
type rewriter struct {
	mu      sync.Mutex
	idToken func(string) string
	last    string // the last ID token seen
}

func (rw *rewriter) RoundTrip(r *http.Request) (*http.Response, error) {
	res, err := http.DefaultTransport.RoundTrip(r)
	if err != nil || !strings.HasSuffix(r.URL.Path, "/oauth/token") {
		return res, err
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if json.Unmarshal(body, &m) == nil {
		if t, ok := m["id_token"].(string); ok {
			rw.mu.Lock()
			rw.last = t
			if rw.idToken != nil {
				m["id_token"] = rw.idToken(t)
			}
			rw.mu.Unlock()
			body, _ = json.Marshal(m)
		}
	}
	res.Body = io.NopCloser(bytes.NewReader(body))
	res.ContentLength = int64(len(body))
	res.Header.Del("Content-Length")
	return res, nil
}

type env struct {
	op     *testoidc.Provider
	client *sso.Client
	rw     *rewriter
	st     *kasuhara.SSOSettings
}

func newEnv(t *testing.T) *env {
	t.Helper()
	p := testoidc.New("kasuhara", "client-secret-1", callback)
	t.Cleanup(p.Close)
	p.AddPerson(testoidc.Person{Subject: "u-1", Username: "hanako", Password: "pw-hanako", Email: "hanako@acme.co.jp",
		Given: "花子", Family: "山田", Groups: []string{"All staff", "Shinjuku"}})
	rw := &rewriter{}
	c := sso.NewClient(callback)
	c.HTTPClient = &http.Client{Transport: rw, Timeout: 10 * time.Second}
	st := &kasuhara.SSOSettings{OrgID: "org-1", Issuer: p.Issuer, ClientID: "kasuhara", ClientSecret: "client-secret-1", GroupsClaim: "groups"}
	return &env{op: p, client: c, rw: rw, st: st}
}

// browser is a person's browser at the provider.
func browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 10 * time.Second}
}

// signIn runs a whole sign-in and returns what Finish said.
func (e *env) signIn(t *testing.T, st *kasuhara.SSOSettings, user, pw string) (kasuhara.DirectoryPerson, error) {
	t.Helper()
	authURL, flow, err := e.client.Begin(context.Background(), st, "/")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"code_challenge=", "code_challenge_method=S256", "nonce=" + flow.Nonce, "state=" + flow.State} {
		if !strings.Contains(authURL, want) {
			t.Fatalf("authorization address lacks %s: %s", want, authURL)
		}
	}
	back, err := testoidc.SignIn(browser(), authURL, user, pw, callback)
	if err != nil {
		t.Fatal(err)
	}
	return e.client.Finish(context.Background(), st, flow, back.Query().Get("state"), back.Query().Get("code"))
}

func TestSignIn(t *testing.T) {
	e := newEnv(t)
	p, err := e.signIn(t, e.st, "hanako", "pw-hanako")
	if err != nil {
		t.Fatal(err)
	}
	if p.Subject != "u-1" || p.Email != "hanako@acme.co.jp" || p.Name != "花子 山田" || strings.Join(p.Groups, "|") != "All staff|Shinjuku" {
		t.Fatalf("person = %+v", p)
	}
	// The directory changes the groups: the next sign-in says so.
	e.op.SetGroups("u-1", "Store managers")
	p, err = e.signIn(t, e.st, "hanako", "pw-hanako")
	if err != nil || strings.Join(p.Groups, "|") != "Store managers" {
		t.Fatalf("after the change: %+v, %v", p, err)
	}
}

func TestKeyRotation(t *testing.T) {
	e := newEnv(t)
	if _, err := e.signIn(t, e.st, "hanako", "pw-hanako"); err != nil {
		t.Fatal(err)
	}
	// The provider rotates its key and stops publishing the old one: the
	// relying party, which knows only the old key, fetches the JWKS again.
	e.op.Rotate()
	e.op.DropOldKeys()
	if _, err := e.signIn(t, e.st, "hanako", "pw-hanako"); err != nil {
		t.Fatalf("sign-in after key rotation: %v", err)
	}
}

// claims reads a JWT's payload, unchecked.
func claims(t *testing.T, jwt string) map[string]any {
	t.Helper()
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", jwt)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestRefusedTokens(t *testing.T) {
	e := newEnv(t)
	e.op.AddClient("other-app", "other-secret", callback)
	other := *e.st
	other.ClientID, other.ClientSecret, other.OrgID = "other-app", "other-secret", "org-2"
	// The provider's token for another application, made for the very
	// nonce of Kasuhara's flow: only its audience is wrong, so only an
	// audience check can refuse it.
	rw2 := &rewriter{}
	otherClient := sso.NewClient(callback)
	otherClient.HTTPClient = &http.Client{Transport: rw2, Timeout: 10 * time.Second}
	var substituted string
	othersTokenFor := func(kasuharas string) string {
		nonce, _ := claims(t, kasuharas)["nonce"].(string)
		authURL, flow, err := otherClient.Begin(context.Background(), &other, "/")
		if err != nil {
			t.Fatal(err)
		}
		authURL = strings.Replace(authURL, "nonce="+flow.Nonce, "nonce="+nonce, 1)
		flow.Nonce = nonce
		back, err := testoidc.SignIn(browser(), authURL, "hanako", "pw-hanako", callback)
		if err != nil {
			t.Fatal(err)
		}
		// The other application itself takes it.
		if _, err := otherClient.Finish(context.Background(), &other, flow, back.Query().Get("state"), back.Query().Get("code")); err != nil {
			t.Fatalf("the other application's own sign-in: %v", err)
		}
		rw2.mu.Lock()
		defer rw2.mu.Unlock()
		// Kasuhara's token and the other's differ in the audience alone.
		own, got := claims(t, kasuharas), claims(t, rw2.last)
		for _, k := range []string{"iss", "sub", "nonce"} {
			if got[k] != own[k] {
				t.Errorf("%s: the other application's token says %v, Kasuhara's %v", k, got[k], own[k])
			}
		}
		if fmt.Sprint(got["aud"]) != "[other-app]" || fmt.Sprint(own["aud"]) != "[kasuhara]" {
			t.Errorf("aud: the other application's %v, Kasuhara's %v", got["aud"], own["aud"])
		}
		substituted = rw2.last
		return rw2.last
	}

	for _, tc := range []struct {
		name  string
		setup func()
		want  error
	}{
		{"wrong audience", func() { substituted = ""; e.rw.idToken = othersTokenFor }, oidc.ErrAudience},
		{"tampered", func() {
			e.rw.idToken = func(t string) string {
				parts := strings.Split(t, ".")
				payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
				payload = bytes.Replace(payload, []byte("Shinjuku"), []byte("Admins!!"), 1)
				parts[1] = base64.RawURLEncoding.EncodeToString(payload)
				return strings.Join(parts, ".")
			}
		}, sso.ErrToken},
		{"forged signature", func() {
			e.rw.idToken = func(t string) string {
				parts := strings.Split(t, ".")
				sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
				sig[0] ^= 1
				parts[2] = base64.RawURLEncoding.EncodeToString(sig)
				return strings.Join(parts, ".")
			}
		}, sso.ErrToken},
		{"expired", func() { e.rw.idToken = nil; e.op.ExpireTokensOf("kasuhara") }, sso.ErrToken},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.rw.mu.Lock()
			tc.setup()
			e.rw.mu.Unlock()
			_, err := e.signIn(t, e.st, "hanako", "pw-hanako")
			if tc.want == oidc.ErrAudience && substituted == "" {
				t.Fatal("no token of the other application was substituted")
			}
			if !errors.Is(err, sso.ErrToken) || !errors.Is(err, tc.want) || errors.Is(err, oidc.ErrNonceInvalid) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

// Re-authentication asks the provider for a fresh sign-in and refuses an
// answer given from the provider's own older session.
func TestReauth(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	// Hanako signed in at the provider an hour ago; an ordinary sign-in is
	// answered from that session.
	hourAgo := time.Now().Add(-time.Hour)
	e.op.Session("u-1", hourAgo, false)
	if _, err := e.signIn(t, e.st, "hanako", "pw-hanako"); err != nil {
		t.Fatal(err)
	}
	if prompt, maxAge := e.op.LastAuthorization(); len(prompt) != 0 || maxAge != nil {
		t.Fatalf("a sign-in asked for prompt %v, max_age %v", prompt, maxAge)
	}
	e.rw.mu.Lock()
	if at := int64(claims(t, e.rw.last)["auth_time"].(float64)); at != hourAgo.Unix() {
		t.Fatalf("auth_time %d, want the provider's session's %d", at, hourAgo.Unix())
	}
	e.rw.mu.Unlock()

	reauth := func() (kasuhara.DirectoryPerson, error) {
		t.Helper()
		authURL, flow, err := e.client.BeginReauth(ctx, e.st, "/back")
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"prompt=login", "max_age=0", "nonce=" + flow.Nonce, "code_challenge="} {
			if !strings.Contains(authURL, want) {
				t.Fatalf("re-authentication address lacks %s: %s", want, authURL)
			}
		}
		if !flow.Reauth || flow.Next != "/back" {
			t.Fatalf("flow %+v", flow)
		}
		back, err := testoidc.SignIn(browser(), authURL, "hanako", "pw-hanako", callback)
		if err != nil {
			t.Fatal(err)
		}
		return e.client.Finish(ctx, e.st, flow, back.Query().Get("state"), back.Query().Get("code"))
	}
	// The provider asks again: a fresh auth_time, taken.
	p, err := reauth()
	if err != nil || p.Subject != "u-1" {
		t.Fatalf("re-authentication: %+v, %v", p, err)
	}
	if prompt, maxAge := e.op.LastAuthorization(); !slices.Contains(prompt, "login") || maxAge == nil || *maxAge != 0 {
		t.Fatalf("the provider was asked prompt %v, max_age %v", prompt, maxAge)
	}
	// A provider that answers from its session whatever it is asked: the
	// old auth_time is refused.
	e.op.Session("u-1", hourAgo, true)
	if _, err := reauth(); !errors.Is(err, sso.ErrNotFresh) {
		t.Fatalf("an hour-old sign-in as a re-authentication: %v", err)
	}
	// An ordinary sign-in does not ask for freshness.
	if _, err := e.signIn(t, e.st, "hanako", "pw-hanako"); err != nil {
		t.Fatalf("sign-in from the provider's session: %v", err)
	}
}

func TestStateAndCode(t *testing.T) {
	e := newEnv(t)
	e.op.AddClient("other-app", "other-secret", callback)
	ctx := context.Background()
	authURL, flow, err := e.client.Begin(ctx, e.st, "/")
	if err != nil {
		t.Fatal(err)
	}
	back, err := testoidc.SignIn(browser(), authURL, "hanako", "pw-hanako", callback)
	if err != nil {
		t.Fatal(err)
	}
	code := back.Query().Get("code")
	// A state that is not the flow's, and a flow of another organisation.
	if _, err := e.client.Finish(ctx, e.st, flow, "forged-state", code); !errors.Is(err, sso.ErrState) {
		t.Fatalf("forged state: %v", err)
	}
	other := *e.st
	other.OrgID = "org-2"
	if _, err := e.client.Finish(ctx, &other, flow, flow.State, code); !errors.Is(err, sso.ErrState) {
		t.Fatalf("another organisation's flow: %v", err)
	}
	// A code the provider made for Kasuhara, exchanged by another client.
	otherApp := *e.st
	otherApp.ClientID, otherApp.ClientSecret, otherApp.OrgID = "other-app", "other-secret", "org-3"
	f3 := flow
	f3.OrgID = "org-3"
	if _, err := e.client.Finish(ctx, &otherApp, f3, flow.State, code); err == nil {
		t.Fatal("another client exchanged Kasuhara's code")
	}
	// The code once, then never again (a replayed answer).
	if _, err := e.client.Finish(ctx, e.st, flow, flow.State, code); err != nil {
		t.Fatalf("first use: %v", err)
	}
	if _, err := e.client.Finish(ctx, e.st, flow, flow.State, code); !errors.Is(err, sso.ErrProvider) {
		t.Fatalf("replayed code: %v", err)
	}
	// An expired flow.
	_, flow2, err := e.client.Begin(ctx, e.st, "/")
	if err != nil {
		t.Fatal(err)
	}
	flow2.Expires = time.Now().Add(-time.Second)
	if _, err := e.client.Finish(ctx, e.st, flow2, flow2.State, "x"); !errors.Is(err, sso.ErrState) {
		t.Fatalf("expired flow: %v", err)
	}
}
