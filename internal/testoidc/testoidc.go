// Package testoidc is test support: a real OpenID provider running in the
// test process, zitadel/oidc's example provider (exampleop with its
// storage) adapted to what company sign-in needs to be tested against:
// people with e-mail addresses and groups, a client whose ID tokens carry
// the profile and e-mail claims (as Entra ID, Google and Okta send them), a
// client whose ID tokens are already expired, signing keys that rotate, and
// a session at the provider, honoured as auth_time unless a fresh sign-in
// is asked for (prompt=login, max_age).
// The provider signs, serves its discovery document and JWKS, and checks
// codes, PKCE and client secrets itself; nothing here hands out canned
// tokens.
package testoidc

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"
)

// Person is someone who can sign in at the provider.
type Person struct {
	Subject  string
	Username string // what they type at the provider's sign-in form
	Password string
	Email    string
	Given    string
	Family   string
	Groups   []string
}

// Provider is a running OpenID provider.
type Provider struct {
	*httptest.Server
	Issuer string

	mu      sync.Mutex
	people  map[string]*Person // by subject
	keys    []*key             // keys[0] signs; the others are still published
	expired map[string]bool    // clients whose ID tokens are expired when issued
	storage *storage.Storage
	clients map[string]*storage.Client // the storage's own map

	sessions   map[string]*session // by subject: sign-ins the provider remembers
	lastPrompt []string            // of the last authorization whose code was exchanged
	lastMaxAge *time.Duration
}

// session is a person's sign-in that the provider remembers.
type session struct {
	since        time.Time
	ignorePrompt bool
}

// New starts a provider with a client (id, secret) that may send people
// back to redirect; Close it when done.
func New(clientID, secret, redirect string) *Provider {
	p := &Provider{people: map[string]*Person{}, expired: map[string]bool{}, clients: map[string]*storage.Client{}, sessions: map[string]*session{}}
	p.Server = httptest.NewUnstartedServer(nil)
	p.Issuer = "http://" + p.Listener.Addr().String()
	p.storage = storage.NewStorageWithClients(users{p}, p.clients)
	p.AddClient(clientID, secret, redirect)
	p.Rotate()
	// The example logs every request with slog's default logger, which it
	// sets to the one it is given: a test process has no use for the lines.
	p.Config.Handler = exampleop.SetupServer(p.Issuer, &adapted{Storage: p.storage, p: p}, slog.New(slog.DiscardHandler), false)
	p.Start()
	return p
}

// AddClient registers another relying party.
func (p *Provider) AddClient(clientID, secret, redirect string) {
	c := storage.WebClient(clientID, secret, redirect)
	p.mu.Lock()
	defer p.mu.Unlock()
	// The storage reads the map it was made with, under its own lock: a
	// client is added before the first request that names it.
	p.clients[clientID] = c
}

// ExpireTokensOf makes the ID tokens of clientID expired when issued.
func (p *Provider) ExpireTokensOf(clientID string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.expired[clientID] = true
}

// AddPerson adds or replaces a person (found by Subject).
func (p *Provider) AddPerson(x Person) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.people[x.Subject] = &x
}

// SetGroups changes a person's groups in the directory.
func (p *Provider) SetGroups(subject string, groups ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.people[subject].Groups = groups
}

// Rotate makes a new signing key; the old ones stay published (as a
// provider does for the tokens it already signed) unless drop is true.
func (p *Provider) Rotate() string {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	nk := &key{id: fmt.Sprintf("key-%d-%d", len(p.keys)+1, time.Now().UnixNano()), key: k}
	p.keys = append([]*key{nk}, p.keys...)
	return nk.id
}

// Session gives the person subject a session at the provider, signed in
// at since: an authorization is answered from it (auth_time since), as a
// provider that does not ask again does, unless the relying party asks for
// a fresh sign-in (prompt=login, or a max_age the session is older than);
// a fresh sign-in starts the session again. With ignorePrompt the provider
// answers from the session whatever it is asked, as a careless one would.
func (p *Provider) Session(subject string, since time.Time, ignorePrompt bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sessions[subject] = &session{since: since, ignorePrompt: ignorePrompt}
}

// LastAuthorization is the prompt and max_age of the last authorization
// whose code was exchanged (max_age nil when not sent).
func (p *Provider) LastAuthorization() (prompt []string, maxAge *time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string{}, p.lastPrompt...), p.lastMaxAge
}

// DropOldKeys stops publishing every key but the current one.
func (p *Provider) DropOldKeys() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.keys = p.keys[:1]
}

// SignIn is a person at the provider's own sign-in form: it follows
// authURL with the browser client c (which must keep cookies and must not
// follow redirects to redirectPrefix), types the username and password,
// and returns the address the provider sends the browser back to (the
// relying party's callback with code and state).
func SignIn(c *http.Client, authURL, username, password, redirectPrefix string) (*url.URL, error) {
	nc := *c
	nc.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), redirectPrefix) {
			return http.ErrUseLastResponse
		}
		return nil
	}
	res, err := nc.Get(authURL)
	if err != nil {
		return nil, err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("testoidc: authorize: %s", res.Status)
	}
	id := res.Request.URL.Query().Get("authRequestID")
	if id == "" {
		return nil, fmt.Errorf("testoidc: no sign-in form at %s", res.Request.URL)
	}
	form := url.Values{"username": {username}, "password": {password}, "id": {id}}
	loginURL := res.Request.URL.Scheme + "://" + res.Request.URL.Host + "/login/username"
	res, err = nc.PostForm(loginURL, form)
	if err != nil {
		return nil, err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusFound && res.StatusCode != http.StatusSeeOther {
		return nil, fmt.Errorf("testoidc: sign-in: %s", res.Status)
	}
	return res.Location()
}

// users adapts the people to the example storage's UserStore.
type users struct{ p *Provider }

func (u users) user(x *Person) *storage.User {
	if x == nil {
		return nil
	}
	return &storage.User{ID: x.Subject, Username: x.Username, Password: x.Password, FirstName: x.Given, LastName: x.Family,
		Email: x.Email, EmailVerified: true, PreferredLanguage: language.Japanese}
}

func (u users) GetUserByID(id string) *storage.User {
	u.p.mu.Lock()
	defer u.p.mu.Unlock()
	return u.user(u.p.people[id])
}

func (u users) GetUserByUsername(name string) *storage.User {
	u.p.mu.Lock()
	defer u.p.mu.Unlock()
	for _, x := range u.p.people {
		if x.Username == name {
			return u.user(x)
		}
	}
	return nil
}

func (u users) ExampleClientID() string { return "service" }

// adapted is the example storage with what the example leaves out: the
// groups claim, ID tokens that carry the profile, expired tokens on demand,
// and rotating keys.
type adapted struct {
	*storage.Storage
	p *Provider
}

func (a *adapted) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	c, err := a.Storage.GetClientByClientID(ctx, id)
	if err != nil {
		return nil, err
	}
	a.p.mu.Lock()
	defer a.p.mu.Unlock()
	return client{Client: c, expired: a.p.expired[id]}, nil
}

// AuthRequestByCode reports the sign-in of the person's session at the
// provider when the authorization did not ask for a fresh one.
func (a *adapted) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	req, err := a.Storage.AuthRequestByCode(ctx, code)
	if err != nil {
		return nil, err
	}
	ar, ok := req.(*storage.AuthRequest)
	if !ok {
		return req, nil
	}
	a.p.mu.Lock()
	defer a.p.mu.Unlock()
	a.p.lastPrompt, a.p.lastMaxAge = append([]string{}, ar.Prompt...), ar.MaxAuthAge
	s := a.p.sessions[ar.GetSubject()]
	if s == nil {
		return req, nil
	}
	fresh := slices.Contains(ar.Prompt, oidc.PromptLogin) || ar.MaxAuthAge != nil && time.Since(s.since) > *ar.MaxAuthAge
	if fresh && !s.ignorePrompt {
		s.since = ar.GetAuthTime()
		return req, nil
	}
	return fromSession{AuthRequest: ar, at: s.since}, nil
}

// CreateAccessToken hands the example storage its own request type.
func (a *adapted) CreateAccessToken(ctx context.Context, req op.TokenRequest) (string, time.Time, error) {
	if s, ok := req.(fromSession); ok {
		req = s.AuthRequest
	}
	return a.Storage.CreateAccessToken(ctx, req)
}

// fromSession is an authorization answered from the provider's session.
type fromSession struct {
	*storage.AuthRequest
	at time.Time
}

func (f fromSession) GetAuthTime() time.Time { return f.at }

func (a *adapted) SetUserinfoFromRequest(ctx context.Context, info *oidc.UserInfo, req op.IDTokenRequest, scopes []string) error {
	if err := a.Storage.SetUserinfoFromRequest(ctx, info, req, scopes); err != nil {
		return err
	}
	a.p.mu.Lock()
	defer a.p.mu.Unlock()
	if x := a.p.people[req.GetSubject()]; x != nil {
		info.AppendClaims("groups", append([]string{}, x.Groups...))
	}
	return nil
}

func (a *adapted) SigningKey(context.Context) (op.SigningKey, error) {
	a.p.mu.Lock()
	defer a.p.mu.Unlock()
	return a.p.keys[0], nil
}

func (a *adapted) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.RS256}, nil
}

func (a *adapted) KeySet(context.Context) ([]op.Key, error) {
	a.p.mu.Lock()
	defer a.p.mu.Unlock()
	out := make([]op.Key, len(a.p.keys))
	for i, k := range a.p.keys {
		out[i] = publicKey{k}
	}
	return out, nil
}

// client asserts the userinfo claims in the ID token and, when asked,
// issues ID tokens that expired an hour ago.
type client struct {
	op.Client
	expired bool
}

func (c client) IDTokenUserinfoClaimsAssertion() bool { return true }

func (c client) IDTokenLifetime() time.Duration {
	if c.expired {
		return -time.Hour
	}
	return 5 * time.Minute
}

type key struct {
	id  string
	key *rsa.PrivateKey
}

func (k *key) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k *key) Key() any                                    { return k.key }
func (k *key) ID() string                                  { return k.id }

type publicKey struct{ k *key }

func (p publicKey) ID() string                         { return p.k.id }
func (p publicKey) Algorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (p publicKey) Use() string                        { return "sig" }
func (p publicKey) Key() any                           { return &p.k.key.PublicKey }
