package web

import (
	"net/http"
)

// home is the signed-in start page. What it shows depends on the role: each
// role sees the part of the desk's work that is theirs.
func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "home", &page{Title: "home.title", Nav: "home"})
}
