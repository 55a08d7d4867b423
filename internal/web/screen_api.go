package web

import (
	"net/http"
	"strings"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/screen"
)

// apiScreen screens {"text":"…"} for target conduct and answers the labels
// (CONTRACT.md, Screening). It suggests; a person assesses. The text is
// never logged or stored.
func (s *Server) apiScreen(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Text string `json:"text"`
	}
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	switch {
	case strings.TrimSpace(req.Text) == "":
		return kasuhara.InvalidField("text", kasuhara.FieldRequired)
	case len(req.Text) > maxScreenText:
		return kasuhara.InvalidField("text", kasuhara.FieldTooLong)
	}
	return sendJSON(w, http.StatusOK, screen.Default().Screen(req.Text))
}
