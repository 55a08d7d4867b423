package web

import (
	"log/slog"
	"net/http/httptest"
	"testing"

	"github.com/kasuhara/kasuhara/internal/document"
)

// TestSendFileHeaders checks the headers of every download: its type, a
// file name that cannot leave its folder or break the header, no caching.
func TestSendFileHeaders(t *testing.T) {
	tests := []struct {
		name, disposition string
	}{
		{"annual-report-2026.pdf", `attachment; filename=annual-report-2026.pdf`},
		{"K-2026-00001.zip", `attachment; filename=K-2026-00001.zip`},
		{"統計 2026.csv", `attachment; filename*=utf-8''%E7%B5%B1%E8%A8%88%202026.csv`},
		{`../../etc/passwd`, `attachment; filename=.._.._etc_passwd`},
		{"a\r\nSet-Cookie: x=1\".pdf", `attachment; filename="a__Set-Cookie_ x=1_.pdf"`},
		{"..", `attachment; filename=download`},
	}
	s := &Server{Deps: Deps{Logger: slog.New(slog.DiscardHandler)}}
	for _, tt := range tests {
		w := httptest.NewRecorder()
		s.sendFile(w, httptest.NewRequest("GET", "/", nil), document.File{Name: tt.name, Type: document.TypePDF, Data: []byte("%PDF")})
		h := w.Header()
		if got := h.Get("Content-Disposition"); got != tt.disposition {
			t.Errorf("%q: Content-Disposition %q, want %q", tt.name, got, tt.disposition)
		}
		if h.Get("Content-Type") != document.TypePDF || h.Get("Cache-Control") != "private, no-store" || w.Body.String() != "%PDF" {
			t.Errorf("%q: type %q, cache %q, body %q", tt.name, h.Get("Content-Type"), h.Get("Cache-Control"), w.Body)
		}
	}
}
