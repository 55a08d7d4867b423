package notify

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kasuhara/kasuhara/internal/jobs"
)

// LINE WORKS' addresses (API 2.0).
const (
	LineWorksAuthURL = "https://auth.worksmobile.com/oauth2/v2.0/token"
	LineWorksAPIURL  = "https://www.worksapis.com/v1.0"
)

// LineWorks is the operator's LINE WORKS bot: the app's client id and
// secret, its service account and private key (Developer Console), and the
// bot's id. It gets an access token with the service account's JWT grant
// (RFC 7523: a JWT signed RS256 with iss the client id, sub the service
// account), keeps it until shortly before it expires, and posts messages
// to /bots/{botId}/users/{userId}/messages or
// /bots/{botId}/channels/{channelId}/messages with it.
type LineWorks struct {
	ClientID       string
	ClientSecret   string
	ServiceAccount string
	BotID          string
	Key            *rsa.PrivateKey
	// AuthURL and APIURL default to LINE WORKS' own (tests point them at
	// local servers).
	AuthURL string
	APIURL  string
	// Now is the clock; nil is time.Now.
	Now func() time.Time

	mu      sync.Mutex
	token   string
	expires time.Time
}

// ParseLineWorksKey reads the private key the Developer Console issues:
// PEM, PKCS #8 (or PKCS #1), RSA.
func ParseLineWorksKey(pemBytes []byte) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return nil, errors.New("notify: LINE WORKS private key: no PEM block")
	}
	if k, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, errors.New("notify: LINE WORKS private key: not a PKCS #8 or PKCS #1 key")
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, errors.New("notify: LINE WORKS private key: not an RSA key")
	}
	return rk, nil
}

func (lw *LineWorks) now() time.Time {
	if lw.Now != nil {
		return lw.Now()
	}
	return time.Now()
}

func (lw *LineWorks) authURL() string {
	if lw.AuthURL != "" {
		return lw.AuthURL
	}
	return LineWorksAuthURL
}

func (lw *LineWorks) apiURL() string {
	if lw.APIURL != "" {
		return strings.TrimRight(lw.APIURL, "/")
	}
	return LineWorksAPIURL
}

// Assertion is the JWT of the service account's grant, issued at now and
// valid for an hour.
func (lw *LineWorks) Assertion(now time.Time) (string, error) {
	enc := base64.RawURLEncoding
	header := enc.EncodeToString([]byte(`{"alg":"RS256","typ":"JWT"}`))
	claims, err := json.Marshal(map[string]any{"iss": lw.ClientID, "sub": lw.ServiceAccount, "iat": now.Unix(), "exp": now.Add(time.Hour).Unix()})
	if err != nil {
		return "", err
	}
	signing := header + "." + enc.EncodeToString(claims)
	sum := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, lw.Key, crypto.SHA256, sum[:])
	if err != nil {
		return "", fmt.Errorf("notify: LINE WORKS: sign the JWT: %w", err)
	}
	return signing + "." + enc.EncodeToString(sig), nil
}

// accessToken returns the kept token, or gets a new one.
func (lw *LineWorks) accessToken(ctx context.Context, client *http.Client) (string, error) {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	now := lw.now()
	if lw.token != "" && now.Before(lw.expires) {
		return lw.token, nil
	}
	assertion, err := lw.Assertion(now)
	if err != nil {
		return "", err
	}
	form := url.Values{
		"assertion":     {assertion},
		"grant_type":    {"urn:ietf:params:oauth:grant-type:jwt-bearer"},
		"client_id":     {lw.ClientID},
		"client_secret": {lw.ClientSecret},
		"scope":         {"bot"},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, lw.authURL(), strings.NewReader(form.Encode()))
	if err != nil {
		return "", jobs.Permanent(errors.New("notify: LINE WORKS: the token address is not valid"))
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return "", fmt.Errorf("notify: LINE WORKS: token: %w", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		err := fmt.Errorf("notify: LINE WORKS: the token request was answered %d", resp.StatusCode)
		if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
			return "", jobs.RetryAfter(err, retryAfter(resp.Header.Get("Retry-After"), now))
		}
		return "", err
	}
	var tok struct {
		AccessToken string          `json:"access_token"`
		TokenType   string          `json:"token_type"`
		ExpiresIn   json.RawMessage `json:"expires_in"` // "86400" in the documentation's examples
	}
	if err := json.Unmarshal(b, &tok); err != nil || tok.AccessToken == "" {
		return "", errors.New("notify: LINE WORKS: the token answer has no access_token")
	}
	secs, err := strconv.Atoi(strings.Trim(string(tok.ExpiresIn), `"`))
	if err != nil || secs <= 0 {
		secs = 3600
	}
	// Renewed a little early, so a token does not run out on its way.
	lw.token, lw.expires = tok.AccessToken, now.Add(time.Duration(secs)*time.Second-5*time.Minute)
	return lw.token, nil
}

// forget drops the kept token (the API refused it).
func (lw *LineWorks) forget(token string) {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	if lw.token == token {
		lw.token = ""
	}
}

// Send posts body (LineWorksPayload) to the user or talk room of t.
func (lw *LineWorks) Send(ctx context.Context, client *http.Client, t ChatTarget, body []byte) error {
	if strings.TrimSpace(t.ID) == "" {
		return jobs.Permanent(errors.New("notify: LINE WORKS: no user or channel id"))
	}
	path := "/users/"
	if t.Kind == ChatLineWorksChannel {
		path = "/channels/"
	}
	endpoint := lw.apiURL() + "/bots/" + url.PathEscape(lw.BotID) + path + url.PathEscape(t.ID) + "/messages"
	token, err := lw.accessToken(ctx, client)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return jobs.Permanent(errors.New("notify: LINE WORKS: the API address is not valid"))
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("Authorization", "Bearer "+token)
	err = chatPost(client, req, "LINE WORKS", lw.now)
	var se *statusError
	if errors.As(err, &se) && se.code == http.StatusUnauthorized {
		// The token was revoked or ran out early: the next attempt gets
		// another, so this one is worth retrying.
		lw.forget(token)
		return errors.New("notify: LINE WORKS: the access token was refused (401)")
	}
	return err
}
