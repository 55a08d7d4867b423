// Package sso is Kasuhara's side of company sign-in with OpenID Connect:
// the relying party of each organisation's provider (Entra ID, Google
// Workspace, Okta, …), built on zitadel/oidc's rp package. Begin starts the
// authorization code flow with PKCE, state and nonce; Finish exchanges the
// code and checks the ID token (issuer, audience, expiry, signature against
// the provider's JWKS, fetched again when a key is new, and the nonce) and
// reads the person from it. What to do with the person is the store's
// (kasuhara.DirectoryService.SSOSignIn); where the flow waits between the two
// (the session) is the web layer's.
package sso

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/zitadel/oidc/v3/pkg/client/rp"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"golang.org/x/oauth2"
)

// FlowLifetime is how long a started sign-in may take at the provider.
const FlowLifetime = 10 * time.Minute

// Flow is what a started sign-in keeps until the provider sends the person
// back: the state that must come back, the nonce that the ID token must
// carry, and the PKCE verifier. It holds secrets: keep it server-side.
type Flow struct {
	OrgID    string    `json:"org"`
	State    string    `json:"state"`
	Nonce    string    `json:"nonce"`
	Verifier string    `json:"verifier"`
	Next     string    `json:"next"`
	Expires  time.Time `json:"expires"`
	// Reauth marks a re-authentication (BeginReauth): the provider was
	// asked for a fresh sign-in made after Started.
	Reauth  bool      `json:"reauth,omitempty"`
	Started time.Time `json:"started"`
}

// Errors of Finish that a person can be told about.
var (
	// ErrState: the state is not the one of the flow (a forged or replayed
	// answer) or the flow expired.
	ErrState = errors.New("sso: the answer does not belong to a sign-in started here")
	// ErrToken: the provider's tokens did not pass the checks.
	ErrToken = errors.New("sso: the ID token was refused")
	// ErrProvider: the provider answered with an error or not at all.
	ErrProvider = errors.New("sso: the provider refused or failed")
	// ErrNotFresh: a re-authentication's ID token tells of a sign-in made
	// before the flow began (or does not tell when): the provider answered
	// from a session of its own instead of asking the person again.
	ErrNotFresh = errors.New("sso: the provider did not ask the person to sign in again")
)

// authTimeSkew is how far the provider's clock may run behind this
// server's when a re-authentication's auth_time is compared with the start
// of its flow.
const authTimeSkew = time.Minute

// Client keeps a relying party per organisation, made from its settings
// when first needed and again when they change.
type Client struct {
	// RedirectURL is this server's callback (BASE/login/sso/callback); it
	// must be registered at the provider.
	RedirectURL string
	// HTTPClient talks to the providers; nil uses a client with a timeout.
	HTTPClient *http.Client
	// Now is the clock of the flows.
	Now func() time.Time

	mu      sync.Mutex
	parties map[string]party
}

type party struct {
	fingerprint string
	rp          rp.RelyingParty
}

// NewClient returns a client whose providers send people back to redirectURL.
func NewClient(redirectURL string) *Client {
	return &Client{RedirectURL: redirectURL, Now: time.Now}
}

type nonceKey struct{}

func (c *Client) party(ctx context.Context, st *kasuhara.SSOSettings) (rp.RelyingParty, error) {
	fp := strings.Join([]string{st.Issuer, st.ClientID, st.ClientSecret, st.UpdatedAt.String()}, "\x00")
	c.mu.Lock()
	p, ok := c.parties[st.OrgID]
	c.mu.Unlock()
	if ok && p.fingerprint == fp {
		return p.rp, nil
	}
	hc := c.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 15 * time.Second}
	}
	// Discovery: the provider's endpoints and its keys' address.
	made, err := rp.NewRelyingPartyOIDC(ctx, st.Issuer, st.ClientID, st.ClientSecret, c.RedirectURL,
		[]string{oidc.ScopeOpenID, oidc.ScopeEmail, oidc.ScopeProfile},
		rp.WithHTTPClient(hc),
		rp.WithVerifierOpts(
			rp.WithNonce(func(ctx context.Context) string { s, _ := ctx.Value(nonceKey{}).(string); return s }),
			rp.WithIssuedAtOffset(time.Minute),
		))
	if err != nil {
		return nil, fmt.Errorf("%w: discovery of %s: %v", ErrProvider, st.Issuer, err)
	}
	c.mu.Lock()
	if c.parties == nil {
		c.parties = map[string]party{}
	}
	c.parties[st.OrgID] = party{fingerprint: fp, rp: made}
	c.mu.Unlock()
	return made, nil
}

func random() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Begin starts a sign-in at the organisation's provider: it returns the
// address to send the person to and the flow to keep until they return.
func (c *Client) Begin(ctx context.Context, st *kasuhara.SSOSettings, next string) (string, Flow, error) {
	return c.begin(ctx, st, next, false)
}

// BeginReauth starts a re-authentication at the organisation's provider:
// the person must sign in there again (prompt=login, max_age=0), whatever
// session the provider keeps, and Finish refuses an ID token whose
// auth_time is older than the flow.
func (c *Client) BeginReauth(ctx context.Context, st *kasuhara.SSOSettings, next string) (string, Flow, error) {
	return c.begin(ctx, st, next, true)
}

func (c *Client) begin(ctx context.Context, st *kasuhara.SSOSettings, next string, reauth bool) (string, Flow, error) {
	party, err := c.party(ctx, st)
	if err != nil {
		return "", Flow{}, err
	}
	now := c.Now()
	f := Flow{OrgID: st.OrgID, State: random(), Nonce: random(), Verifier: random(), Next: next, Expires: now.Add(FlowLifetime), Reauth: reauth, Started: now}
	opts := []rp.AuthURLOpt{rp.WithCodeChallenge(oidc.NewSHACodeChallenge(f.Verifier)), rp.AuthURLOpt(rp.WithURLParam("nonce", f.Nonce))}
	if reauth {
		opts = append(opts, rp.AuthURLOpt(rp.WithPromptURLParam(oidc.PromptLogin)), rp.AuthURLOpt(rp.WithURLParam("max_age", "0")))
	}
	return rp.AuthURL(f.State, party, opts...), f, nil
}

// Finish completes a sign-in: state and code are what the provider sent
// back. It returns the person the ID token names, with the groups of the
// settings' claim.
func (c *Client) Finish(ctx context.Context, st *kasuhara.SSOSettings, f Flow, state, code string) (kasuhara.DirectoryPerson, error) {
	if f.State == "" || subtle.ConstantTimeCompare([]byte(f.State), []byte(state)) != 1 || c.Now().After(f.Expires) || f.OrgID != st.OrgID {
		return kasuhara.DirectoryPerson{}, ErrState
	}
	if code == "" {
		return kasuhara.DirectoryPerson{}, ErrProvider
	}
	party, err := c.party(ctx, st)
	if err != nil {
		return kasuhara.DirectoryPerson{}, err
	}
	ctx = context.WithValue(ctx, nonceKey{}, f.Nonce)
	tokens, err := rp.CodeExchange[*oidc.IDTokenClaims](ctx, code, party, rp.WithCodeVerifier(f.Verifier))
	if err != nil {
		var oe *oidc.Error
		var re *oauth2.RetrieveError
		if errors.As(err, &oe) || errors.As(err, &re) {
			return kasuhara.DirectoryPerson{}, fmt.Errorf("%w: %v", ErrProvider, err)
		}
		// The verifier's cause (oidc.ErrAudience, ErrNonceInvalid, …)
		// stays in the chain.
		return kasuhara.DirectoryPerson{}, fmt.Errorf("%w: %w", ErrToken, err)
	}
	if f.Reauth {
		if at := tokens.IDTokenClaims.GetAuthTime(); at.IsZero() || at.Before(f.Started.Add(-authTimeSkew)) {
			return kasuhara.DirectoryPerson{}, fmt.Errorf("%w: auth_time %s, flow started %s", ErrNotFresh, at.UTC().Format(time.RFC3339), f.Started.UTC().Format(time.RFC3339))
		}
	}
	return Person(tokens.IDTokenClaims, st.GroupsClaim)
}

// Person reads a person from checked ID token claims: the subject, the
// e-mail address (preferred_username or upn when email is missing, as Entra
// ID sends for accounts without mail) and the groups of claim.
func Person(c *oidc.IDTokenClaims, claim string) (kasuhara.DirectoryPerson, error) {
	p := kasuhara.DirectoryPerson{Subject: c.Subject, Email: c.Email, Name: c.Name}
	if p.Email == "" {
		for _, k := range []string{"preferred_username", "upn"} {
			if s, ok := c.Claims[k].(string); ok && strings.Contains(s, "@") {
				p.Email = s
				break
			}
		}
		if p.Email == "" && strings.Contains(c.PreferredUsername, "@") {
			p.Email = c.PreferredUsername
		}
	}
	if !bool(c.EmailVerified) && c.Claims["email_verified"] != nil {
		// A provider that says the address is not verified is not trusted
		// with it.
		return kasuhara.DirectoryPerson{}, fmt.Errorf("%w: e-mail address not verified", ErrToken)
	}
	if p.Name == "" {
		p.Name = strings.TrimSpace(c.FamilyName + " " + c.GivenName)
	}
	switch v := c.Claims[claim].(type) {
	case []any:
		p.Groups = []string{} // present, though maybe empty: the token decides
		for _, g := range v {
			if s, ok := g.(string); ok {
				p.Groups = append(p.Groups, s)
			}
		}
	case []string:
		p.Groups = v
	case string:
		p.Groups = strings.Fields(strings.ReplaceAll(v, ",", " "))
	}
	if p.Subject == "" || p.Email == "" {
		return kasuhara.DirectoryPerson{}, fmt.Errorf("%w: no subject or e-mail address", ErrToken)
	}
	return p, nil
}
