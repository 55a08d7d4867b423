package web

import (
	"net/http"
)

// apiStats is GET /api/v1/stats: figures only, small groups as "<3".
func (s *Server) apiStats(w http.ResponseWriter, r *http.Request) error {
	st, _, err := s.statsFor(r)
	if err != nil {
		return err
	}
	return sendJSON(w, http.StatusOK, s.labeller(r, apiLang(r), st).statsOut(st))
}
