package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// TestClientGoneIsNoError: a request whose client went away (a navigation
// cancels the page's favicon or an htmx request) ends its handler with
// context.Canceled. That is nothing wrong with the server: no ERROR in the
// log and no 500 counted. A cancellation while the client is still there
// is still an internal error.
func TestClientGoneIsNoError(t *testing.T) {
	s, logs := loggedServer(t)
	m, err := newMetrics(prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	s.metrics = m
	failing := func(w http.ResponseWriter, r *http.Request) error {
		return fmt.Errorf("store: find session: %w", context.Canceled)
	}
	h := s.observe(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := failing(w, r); err != nil {
			s.writeError(w, r, err)
		}
	}))

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/favicon.ico", nil).WithContext(ctx))
	if rec.Code != statusClientClosed {
		t.Errorf("a request whose client went away answered %d, want %d", rec.Code, statusClientClosed)
	}
	if strings.Contains(logs.String(), `"level":"ERROR"`) {
		t.Errorf("a client that went away is logged as an error:\n%s", logs.String())
	}

	logs.Reset()
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/favicon.ico", nil))
	if rec.Code != http.StatusInternalServerError || !strings.Contains(logs.String(), `"level":"ERROR"`) {
		t.Errorf("a cancellation with the client still there answered %d and logged:\n%s", rec.Code, logs.String())
	}
}
