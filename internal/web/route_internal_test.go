package web

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/alexedwards/scs/v2/memstore"
	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/i18n"
)

// routeServer is a server without services, enough for routes that use none.
func routeServer(t *testing.T) *Server {
	t.Helper()
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewServer(Deps{Catalog: cat, Sessions: memstore.New(), MaxUpload: 1 << 10})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// loggedServer is a server without services or sessions whose log, at
// debug level, is kept in the buffer returned.
func loggedServer(t *testing.T) (*Server, *bytes.Buffer) {
	t.Helper()
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	logs := &bytes.Buffer{}
	return &Server{Deps: Deps{Catalog: cat, Logger: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}}, logs
}

// wantBody fails unless body contains every string of contains and none
// of absent.
func wantBody(t *testing.T, body string, contains, absent []string) {
	t.Helper()
	for _, c := range contains {
		if !strings.Contains(body, c) {
			t.Errorf("body lacks %q: %s", c, body)
		}
	}
	for _, a := range absent {
		if strings.Contains(body, a) {
			t.Errorf("body shows %q: %s", a, body)
		}
	}
}

// TestRouteAnswersErrors: a handler that returns a coded error gets that
// code's status in HTML and in JSON (serverError answered every error it
// was given with 500), and an internal error shows no detail.
func TestRouteAnswersErrors(t *testing.T) {
	s := routeServer(t)
	mux := http.NewServeMux()
	notFound := func(w http.ResponseWriter, r *http.Request) error {
		return kasuhara.Errorf(kasuhara.ENOTFOUND, "case not found")
	}
	internal := func(w http.ResponseWriter, r *http.Request) error {
		return io.ErrUnexpectedEOF
	}
	mux.Handle("GET /thing", s.route(notFound, public))
	mux.Handle("GET /api/v1/thing", s.route(notFound, public))
	mux.Handle("GET /broken", s.route(internal, public))
	mux.Handle("GET /api/v1/broken", s.route(internal, public))
	h := s.observe(mux)
	for _, tc := range []struct {
		path, ctype string
		status      int
		contains    []string
		absent      []string
	}{
		{"/thing", "text/html", http.StatusNotFound, []string{"<html"}, []string{"unexpected EOF"}},
		{"/api/v1/thing", "application/json", http.StatusNotFound, []string{`"code":"not_found"`, `"request_id":"`}, nil},
		{"/broken", "text/html", http.StatusInternalServerError, []string{"<html"}, []string{"unexpected EOF"}},
		{"/api/v1/broken", "application/json", http.StatusInternalServerError, []string{`"code":"internal"`, `"request_id":"`},
			[]string{"unexpected EOF"}},
	} {
		t.Run(tc.path, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", tc.path, nil))
			got := rec.Body.String()
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, got)
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, tc.ctype) {
				t.Errorf("Content-Type %q, want %s", ct, tc.ctype)
			}
			wantBody(t, got, tc.contains, tc.absent)
		})
	}
}

// TestRouteBodyLimits: each route's declared policy sets its body limit;
// a body over it is 413.
func TestRouteBodyLimits(t *testing.T) {
	s := routeServer(t)
	read := func(w http.ResponseWriter, r *http.Request) error {
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	mux := http.NewServeMux()
	mux.Handle("POST /api/v1/plain", s.route(read, anonymous))
	mux.Handle("POST /api/v1/upload", s.route(read, anonymous|upload))
	mux.Handle("POST /api/v1/text", s.route(read, anonymous|textForm))
	for _, tc := range []struct {
		path   string
		size   int64
		status int
	}{
		{"/api/v1/plain", MaxJSONBytes, http.StatusNoContent},
		{"/api/v1/plain", MaxJSONBytes + 1, http.StatusRequestEntityTooLarge},
		{"/api/v1/upload", s.uploadLimit(), http.StatusNoContent},
		{"/api/v1/upload", s.uploadLimit() + 1, http.StatusRequestEntityTooLarge},
		{"/api/v1/text", MaxTextFormBytes, http.StatusNoContent},
		{"/api/v1/text", MaxTextFormBytes + 1, http.StatusRequestEntityTooLarge},
	} {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest("POST", tc.path, strings.NewReader(strings.Repeat("a", int(tc.size)))))
		if rec.Code != tc.status {
			t.Errorf("%s with %d bytes: status %d, want %d: %s", tc.path, tc.size, rec.Code, tc.status, rec.Body)
		}
		if tc.status == http.StatusRequestEntityTooLarge && !strings.Contains(rec.Body.String(), `"code":"too_large"`) {
			t.Errorf("%s with %d bytes: %s", tc.path, tc.size, rec.Body)
		}
	}
}
