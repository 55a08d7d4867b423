package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kasuhara/kasuhara/internal/jobs"
)

// Webhook is a receiver of events: the URL that is POSTed to and the shared
// secret that signs each request.
type Webhook struct {
	URL    string
	Secret string
}

// Headers of a webhook request.
const (
	// SignatureHeader is "t=UNIX,v1=HEX": HEX is the HMAC-SHA256 with the
	// webhook's secret of the decimal UNIX time, a full stop, and the body.
	SignatureHeader = "X-Kasuhara-Signature"
	// EventIDHeader is the event's id, for dropping duplicates.
	EventIDHeader = "X-Kasuhara-Event-Id"
)

// webhookBody is the JSON that receivers get.
type webhookBody struct {
	ID         string       `json:"id"`
	Type       string       `json:"type"`
	OccurredAt string       `json:"occurred_at"`
	Org        string       `json:"org"`
	Links      webhookLinks `json:"links"`
}

type webhookLinks struct {
	Case     string `json:"case,omitempty"`
	Customer string `json:"customer,omitempty"`
}

// WebhookBody is the body of the request for ev:
// {"id","type","occurred_at","org","links":{"case":"https://…/cases/ID"}};
// an event on a measure links the customer instead:
// "links":{"customer":"https://…/customers/ID"}.
func WebhookBody(ev Event, baseURL string) ([]byte, error) {
	if err := ev.Validate(); err != nil {
		return nil, err
	}
	links := webhookLinks{Case: CaseURL(baseURL, ev.CaseID)}
	if ev.CustomerID != "" {
		links = webhookLinks{Customer: strings.TrimRight(baseURL, "/") + "/customers/" + url.PathEscape(ev.CustomerID)}
	}
	return json.Marshal(webhookBody{
		ID:         ev.ID,
		Type:       ev.Type,
		OccurredAt: ev.OccurredAt.UTC().Format(time.RFC3339),
		Org:        ev.OrgSlug,
		Links:      links,
	})
}

// Sign is the value of SignatureHeader for body sent at t.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + signature(secret, ts, body)
}

func signature(secret, ts string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts))
	mac.Write([]byte("."))
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}

// SignedRequest is the POST of ev to w, signed now; baseURL (--base-url)
// makes the link to the case.
func SignedRequest(ctx context.Context, w Webhook, ev Event, baseURL string) (*http.Request, error) {
	return signedRequest(ctx, w, ev, baseURL, time.Now())
}

func signedRequest(ctx context.Context, w Webhook, ev Event, baseURL string, now time.Time) (*http.Request, error) {
	u, err := url.Parse(w.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		// Never quote the URL: it may hold a token.
		return nil, jobs.Permanent(errors.New("notify: webhook: the URL must be an http:// or https:// address"))
	}
	if w.Secret == "" {
		return nil, jobs.Permanent(errors.New("notify: webhook: the secret is empty"))
	}
	body, err := WebhookBody(ev, baseURL)
	if err != nil {
		return nil, jobs.Permanent(err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("notify: webhook: request: %w", errors.Unwrap(err))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Kasuhara-Webhook/1")
	req.Header.Set(EventIDHeader, ev.ID)
	req.Header.Set(SignatureHeader, Sign(w.Secret, now, body))
	return req, nil
}

// NewWebhookClient is an HTTP client for Deliver: it gives up after timeout,
// does not follow redirects (a redirect is an error, so a moved receiver is
// noticed rather than followed to wherever it points), and connects only
// to public addresses and to those in the allowed networks
// (DestinationAllowed), checked on each address it dials.
func NewWebhookClient(timeout time.Duration, allow ...netip.Prefix) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = webhookDialer(timeout, allow).DialContext
	// Through a proxy (HTTPS_PROXY) the dialled address is the proxy's:
	// the URL's own host is checked before, as far as it can be without
	// resolving it.
	t.Proxy = func(req *http.Request) (*url.URL, error) {
		if err := CheckWebhookURL(req.URL.String(), allow); err != nil {
			return nil, jobs.Permanent(err)
		}
		return http.ProxyFromEnvironment(req)
	}
	return &http.Client{
		Timeout:   timeout,
		Transport: t,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// Deliver POSTs ev to w with client. An answer other than 2xx is an error,
// so that the job retries with backoff. Errors never quote the URL, which
// may hold a token.
func Deliver(ctx context.Context, client *http.Client, w Webhook, ev Event, baseURL string) error {
	req, err := SignedRequest(ctx, w, ev, baseURL)
	if err != nil {
		return err
	}
	return post(client, req, "webhook")
}

// post sends req with client for what (in errors: "webhook"): an answer
// other than 2xx is an error. Errors never quote the URL, which may hold a
// token.
func post(client *http.Client, req *http.Request, what string) error {
	resp, err := roundTrip(client, req, what)
	if err != nil {
		return err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("notify: %s: the receiver answered %d", what, resp.StatusCode)
	}
	return nil
}

// roundTrip sends req with client and closes the answer's body, so that
// only its status and headers remain. An error names what but never the
// URL, which may hold a token.
func roundTrip(client *http.Client, req *http.Request, what string) (*http.Response, error) {
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("notify: %s: POST: %w", what, err)
	}
	// Read a little of the body so that the connection can be reused.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return resp, nil
}

// Errors of VerifySignature.
var (
	ErrSignatureMissing = errors.New("notify: webhook signature: missing or malformed")
	ErrSignatureExpired = errors.New("notify: webhook signature: timestamp outside the tolerance")
	ErrSignatureInvalid = errors.New("notify: webhook signature: does not match")
)

// VerifySignature checks header, the value of SignatureHeader, against body
// and secret, for receivers: the timestamp must lie within tolerance of now
// (which stops replays of old requests), and one of the v1 signatures must
// match.
func VerifySignature(secret, header string, body []byte, now time.Time, tolerance time.Duration) error {
	var ts string
	var sigs []string
	for part := range strings.SplitSeq(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return ErrSignatureMissing
		}
		switch k {
		case "t":
			ts = v
		case "v1":
			sigs = append(sigs, v)
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return ErrSignatureMissing
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return ErrSignatureExpired
	}
	want := []byte(signature(secret, ts, body))
	for _, s := range sigs {
		if hmac.Equal([]byte(s), want) {
			return nil
		}
	}
	return ErrSignatureInvalid
}
