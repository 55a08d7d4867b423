// Package testserver holds what the tests of a running Kasuhara server
// share: a buffer for its output that the test may read while the server
// writes, and a wait until its health check answers.
package testserver

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// Buffer is a bytes.Buffer that a server, its goroutines or a child
// process may write while a test reads it.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p to the buffer.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns what was written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// pollInterval is how long WaitHealthy waits between two requests.
const pollInterval = 50 * time.Millisecond

// WaitHealthy asks baseURL/healthz until it answers 200 OK, for at most
// timeout. Its error says what the last request got.
func WaitHealthy(ctx context.Context, baseURL string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	client := &http.Client{Timeout: 2 * time.Second}
	t := time.NewTicker(pollInterval)
	defer t.Stop()
	var last error
	for {
		err := healthz(ctx, client, baseURL)
		if err == nil {
			return nil
		}
		if ctx.Err() == nil || last == nil {
			last = err // not the request that the deadline cut short
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("GET %s/healthz did not answer 200 within %s (last: %v)", baseURL, timeout, last)
		case <-t.C:
		}
	}
}

// healthz asks once; nil means 200 OK.
func healthz(ctx context.Context, client *http.Client, baseURL string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, baseURL+"/healthz", nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s", resp.Status)
	}
	return nil
}
