package main

import (
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestCheck(t *testing.T) {
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/readyz" {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(status)
	}))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	for _, addr := range []string{"127.0.0.1:" + port, "0.0.0.0:" + port, ":" + port} {
		if err := check(addr); err != nil {
			t.Errorf("check(%q) = %v, want ready", addr, err)
		}
	}
	status = http.StatusServiceUnavailable
	if err := check("127.0.0.1:" + port); err == nil {
		t.Error("a 503 from /readyz passed the check")
	}
	srv.Close()
	if err := check("127.0.0.1:" + port); err == nil {
		t.Error("a server that is gone passed the check")
	}
	if err := check("nonsense"); err == nil {
		t.Error("a wrong KASUHARA_ADDR passed the check")
	}
}
