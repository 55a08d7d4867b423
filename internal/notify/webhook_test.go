package notify

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara/internal/calendar"
)

var testEvent = Event{
	ID:         "0197d3a4-0000-7000-8000-000000000001",
	Type:       CaseReported,
	OrgSlug:    "acme",
	CaseID:     "0197d3a4-5b6c-7d8e-9f00-112233445566",
	CaseRef:    "K-2026-00042",
	Urgent:     true,
	OccurredAt: time.Date(2026, 4, 1, 18, 30, 0, 0, calendar.JST),
}

// receiver is an endpoint on loopback, for webhooks and chat services: it
// records what it is posted and gives the answers it is given, then its
// last answer again.
type receiver struct {
	mu      sync.Mutex
	answers []answer
	got     []posted
}

// answer is what a receiver answers to one request.
type answer struct {
	status int
	header map[string]string
	body   string
}

// noContent is a webhook receiver's usual answer; slackOK is Slack's.
var (
	noContent = answer{status: http.StatusNoContent}
	slackOK   = answer{status: http.StatusOK, body: "ok"}
)

// posted is a request that an endpoint got.
type posted struct {
	Path, ContentType, Auth string
	EventID, Signature      string
	Body                    []byte
}

func postedFrom(req *http.Request) posted {
	body, _ := io.ReadAll(req.Body)
	return posted{
		Path: req.URL.Path, ContentType: req.Header.Get("Content-Type"), Auth: req.Header.Get("Authorization"),
		EventID: req.Header.Get(EventIDHeader), Signature: req.Header.Get(SignatureHeader), Body: body,
	}
}

// verify checks the request's webhook signature with secret.
func (h posted) verify(secret string) error {
	return VerifySignature(secret, h.Signature, h.Body, time.Now(), 5*time.Minute)
}

// startReceiver starts a receiver that gives the answers first, then last.
func startReceiver(t *testing.T, last answer, first ...answer) (*receiver, *httptest.Server) {
	t.Helper()
	r := &receiver{answers: append(first, last)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		got := postedFrom(req)
		r.mu.Lock()
		defer r.mu.Unlock()
		r.got = append(r.got, got)
		a := r.answers[0]
		if len(r.answers) > 1 {
			r.answers = r.answers[1:]
		}
		for k, v := range a.header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(a.status)
		io.WriteString(w, a.body)
	}))
	t.Cleanup(srv.Close)
	return r, srv
}

func (r *receiver) requests() []posted {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]posted(nil), r.got...)
}

func TestDeliverSignsTheEvent(t *testing.T) {
	r, srv := startReceiver(t, noContent)
	err := Deliver(context.Background(), NewWebhookClient(5*time.Second, loopback...), Webhook{URL: srv.URL + "/hook", Secret: "whsec-1"}, testEvent, "https://kasuhara.example.jp")
	if err != nil {
		t.Fatal(err)
	}
	hooks := r.requests()
	if len(hooks) != 1 {
		t.Fatalf("receiver got %d requests, want 1", len(hooks))
	}
	h := hooks[0]
	if err := h.verify("whsec-1"); err != nil {
		t.Fatalf("signature: %v", err)
	}
	if h.EventID != testEvent.ID {
		t.Errorf("%s = %q, want %q", EventIDHeader, h.EventID, testEvent.ID)
	}
	var got map[string]any
	if err := json.Unmarshal(h.Body, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"id":          testEvent.ID,
		"type":        "case.reported",
		"occurred_at": "2026-04-01T09:30:00Z",
		"org":         "acme",
		"links":       map[string]any{"case": "https://kasuhara.example.jp/cases/0197d3a4-5b6c-7d8e-9f00-112233445566"},
	}
	gotJSON, _ := json.Marshal(got)
	wantJSON, _ := json.Marshal(want)
	if string(gotJSON) != string(wantJSON) {
		t.Fatalf("body = %s, want %s", gotJSON, wantJSON)
	}
}

func TestDeliverFailsOnNon2xx(t *testing.T) {
	for _, status := range []int{http.StatusInternalServerError, http.StatusNotFound, http.StatusFound, http.StatusTooManyRequests} {
		// A redirect must not be followed.
		r, srv := startReceiver(t, noContent, answer{status: status, header: map[string]string{"Location": "/elsewhere"}})
		err := Deliver(context.Background(), NewWebhookClient(5*time.Second, loopback...), Webhook{URL: srv.URL + "/hook?token=SECRETTOKEN", Secret: "s"}, testEvent, "https://k.example.jp")
		if err == nil {
			t.Errorf("status %d: got nil error", status)
			continue
		}
		if strings.Contains(err.Error(), "SECRETTOKEN") {
			t.Errorf("status %d: error %q quotes the URL", status, err)
		}
		if n := len(r.requests()); n != 1 {
			t.Errorf("status %d: receiver got %d requests (redirect followed?), want 1", status, n)
		}
	}
}

func TestDeliverErrorHidesTheURL(t *testing.T) {
	_, srv := startReceiver(t, noContent)
	url := srv.URL + "/hook?token=SECRETTOKEN"
	srv.Close() // connection refused from now on
	err := Deliver(context.Background(), NewWebhookClient(2*time.Second, loopback...), Webhook{URL: url, Secret: "s"}, testEvent, "https://k.example.jp")
	if err == nil || strings.Contains(err.Error(), "SECRETTOKEN") {
		t.Fatalf("Deliver = %v, want an error that does not quote the URL", err)
	}
	for _, w := range []Webhook{{URL: "ftp://x/SECRETTOKEN", Secret: "s"}, {URL: "https://x.example/", Secret: ""}} {
		err := Deliver(context.Background(), http.DefaultClient, w, testEvent, "https://k.example.jp")
		if err == nil || !IsPermanent(err) || strings.Contains(err.Error(), "SECRETTOKEN") {
			t.Errorf("webhook %+v: %v, want a permanent error without the URL", w, err)
		}
	}
}

func TestVerifySignature(t *testing.T) {
	now := time.Unix(1_775_000_000, 0)
	body := []byte(`{"id":"e1"}`)
	good := Sign("secret", now, body)
	tests := []struct {
		name   string
		secret string
		header string
		body   []byte
		now    time.Time
		want   error
	}{
		{"valid", "secret", good, body, now, nil},
		{"valid within tolerance", "secret", good, body, now.Add(4 * time.Minute), nil},
		{"rotated secret: one of two v1 matches", "secret", good + ",v1=" + strings.Repeat("0", 64), body, now, nil},
		{"wrong secret", "other", good, body, now, ErrSignatureInvalid},
		{"body changed", "secret", good, []byte(`{"id":"e2"}`), now, ErrSignatureInvalid},
		{"too old", "secret", good, body, now.Add(6 * time.Minute), ErrSignatureExpired},
		{"from the future", "secret", good, body, now.Add(-6 * time.Minute), ErrSignatureExpired},
		{"timestamp changed", "secret", strings.Replace(good, "t=1775000000", "t=1775000001", 1), body, now, ErrSignatureInvalid},
		{"empty", "secret", "", body, now, ErrSignatureMissing},
		{"no v1", "secret", "t=1775000000", body, now, ErrSignatureMissing},
		{"garbage", "secret", "sha256=abc", body, now, ErrSignatureMissing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := VerifySignature(tt.secret, tt.header, tt.body, tt.now, 5*time.Minute); !errors.Is(got, tt.want) {
				t.Fatalf("VerifySignature = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSignedRequest(t *testing.T) {
	now := time.Unix(1_775_000_000, 0)
	req, err := signedRequest(context.Background(), Webhook{URL: "https://hooks.example.jp/k", Secret: "s"}, testEvent, "https://k.example.jp", now)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(req.Body)
	if req.Method != http.MethodPost || req.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("%s with %q", req.Method, req.Header.Get("Content-Type"))
	}
	sig := req.Header.Get(SignatureHeader)
	if !strings.HasPrefix(sig, "t=1775000000,v1=") || len(sig) != len("t=1775000000,v1=")+64 {
		t.Fatalf("%s = %q", SignatureHeader, sig)
	}
	if err := VerifySignature("s", sig, body, now, time.Minute); err != nil {
		t.Fatal(err)
	}
}
