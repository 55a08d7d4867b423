package web

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"net/http"

	"github.com/kasuhara/kasuhara/internal/credential"
)

//go:embed openapi.json
var openAPIDoc []byte

// openAPI answers the API's document, which names in info.x-kasuhara-version
// the release that serves it.
func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	v, _ := json.Marshal(s.Version)
	w.Write(bytes.Replace(openAPIDoc, []byte(`"info": {`), []byte(`"info": {`+"\n    \"x-kasuhara-version\": "+string(v)+","), 1))
	return nil
}

// apiMe answers who the caller is: the user, organisation and role.
func (s *Server) apiMe(w http.ResponseWriter, r *http.Request) error {
	v := viewerFrom(r.Context())
	type org struct {
		ID   string `json:"id"`
		Slug string `json:"slug"`
		Name string `json:"name"`
	}
	writeJSON(w, http.StatusOK, struct {
		ID           string `json:"id"`
		Email        string `json:"email"`
		Name         string `json:"name"`
		Language     string `json:"language"`
		Role         string `json:"role"`
		DepartmentID string `json:"department_id,omitempty"`
		Org          org    `json:"org"`
	}{v.User.ID, v.User.Email, v.User.Name, v.User.Language, string(v.Membership.Role), v.Membership.DepartmentID,
		org{v.Org.ID, v.Org.Slug, v.Org.Name}})
	return nil
}

func generatePassword() string { return credential.GeneratePassword() }
