package notify

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"
)

const testAnchor = `{"seq":42,"hash":"ab12","at":"2026-12-06T04:00:00Z","public_key":"cd34","signature":"ef56"}`

// TestAnchorMailAndWebhook delivers an anchor through the SMTP test server
// and a local HTTP server: the line arrives whole, a refusal is retried, a
// bad job fails for good.
func TestAnchorMailAndWebhook(t *testing.T) {
	ctx := context.Background()
	payload, _ := json.Marshal(AnchorJob{Anchor: json.RawMessage(testAnchor)})

	s := startSink(t, &sink{})
	m, err := NewMailer("smtp://"+s.addr, testFrom)
	if err != nil {
		t.Fatal(err)
	}
	to := []string{"audit@example.jp", "kansayaku@example.jp"}
	if err := AnchorMailHandler(m, to)(ctx, payload); err != nil {
		t.Fatal(err)
	}
	if err := AnchorMailHandler(m, to)(ctx, json.RawMessage(`{"anchor":"x"}`)); !IsPermanent(err) {
		t.Errorf("a bad anchor: %v, want a permanent error", err)
	}
	msgs := s.messages()
	if len(msgs) != 1 || len(msgs[0].To) != 2 {
		t.Fatalf("mails = %+v, want one to both auditors", msgs)
	}
	p := parse(t, msgs[0].Data)
	if !strings.HasSuffix(p.Subject, ": 42") || !strings.Contains(p.Body, "\n"+testAnchor+"\n") || !strings.Contains(p.Body, "audit verify --anchor") {
		t.Errorf("anchor mail %q:\n%s", p.Subject, p.Body)
	}

	var mu sync.Mutex
	var got []string
	status := http.StatusServiceUnavailable
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("%s with %q", r.Method, r.Header.Get("Content-Type"))
		}
		got = append(got, string(b))
		w.WriteHeader(status)
	}))
	defer srv.Close()
	// Loopback only as the operator allows it.
	if err := AnchorWebhookHandler(NewWebhookClient(5*time.Second), srv.URL)(ctx, payload); err == nil {
		t.Fatal("the anchor went to a loopback address that was not allowed")
	}
	client := NewWebhookClient(5*time.Second, netip.MustParsePrefix("127.0.0.0/8"))
	if err := AnchorWebhookHandler(client, srv.URL)(ctx, payload); err == nil || IsPermanent(err) {
		t.Fatalf("a 503: %v, want an error that is retried", err)
	}
	status = http.StatusNoContent
	if err := AnchorWebhookHandler(client, srv.URL)(ctx, payload); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[1] != testAnchor {
		t.Fatalf("the receiver got %q", got)
	}
}
