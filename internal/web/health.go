package web

import (
	"context"
	"net/http"
	"time"

	"github.com/kasuhara/kasuhara"
)

// healthz answers while the process serves.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write([]byte("ok\n"))
	return nil
}

// readyz answers 200 only while the server can serve: its Ready check (the
// database, its schema, the evidence store) passes.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Cache-Control", "no-store")
	if err := s.Ready(ctx); err != nil {
		s.Logger.Warn("not ready", "request_id", requestID(r.Context()), "err", err)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("not ready\n"))
		return nil
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ready\n"))
	return nil
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) error {
	return kasuhara.Errorf(kasuhara.ENOTFOUND, "page not found")
}

func (s *Server) apiNotFound(w http.ResponseWriter, r *http.Request) error {
	return kasuhara.Errorf(kasuhara.ENOTFOUND, "no such API route")
}
