package web

import (
	"net/http"
	"time"

	"github.com/kasuhara/kasuhara"
)

type postJSON struct {
	ID             string     `json:"id"`
	URL            string     `json:"url"`
	Platform       string     `json:"platform"`
	AuthorHandle   string     `json:"author_handle"`
	PostedAt       *time.Time `json:"posted_at,omitempty"`
	CapturedAt     time.Time  `json:"captured_at"`
	CapturedText   string     `json:"captured_text"`
	EmployeesNamed string     `json:"employees_named"`
	CaseID         string     `json:"case_id,omitempty"`
	CustomerID     string     `json:"customer_id,omitempty"`
	Status         string     `json:"status"`
	DueAt          *time.Time `json:"due_at,omitempty"`
	// ConsentName and ConsentAt: the employee's consent to being named in
	// removal requests, when recorded.
	ConsentName string     `json:"consent_name,omitempty"`
	ConsentAt   *time.Time `json:"consent_at,omitempty"`
}

func postOut(p kasuhara.OnlinePost) postJSON {
	return postJSON{ID: p.ID, URL: p.URL, Platform: p.Platform, AuthorHandle: p.AuthorHandle, PostedAt: timeOrNil(p.PostedAt), CapturedAt: p.CapturedAt,
		CapturedText: p.CapturedText, EmployeesNamed: p.EmployeesNamed, CaseID: p.CaseID, CustomerID: p.CustomerID, Status: p.Status, DueAt: timeOrNil(p.DueAt),
		ConsentName: p.Consent.Name, ConsentAt: timeOrNil(p.Consent.At)}
}

func (s *Server) apiCreatePost(w http.ResponseWriter, r *http.Request) error {
	var in postIn
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	p, err := s.createPost(r, in)
	if err != nil {
		return err
	}
	return sendJSON(w, http.StatusCreated, postOut(*p))
}

func (s *Server) apiPosts(w http.ResponseWriter, r *http.Request) error {
	ps, err := s.Posts.Posts(r.Context(), viewerFrom(r.Context()).Actor, r.URL.Query().Get("status"))
	if err != nil {
		return err
	}
	return sendJSON(w, http.StatusOK, map[string]any{"online_posts": mapped(ps, postOut)})
}

func (s *Server) apiPost(w http.ResponseWriter, r *http.Request) error {
	p, err := s.Posts.PostByID(r.Context(), viewerFrom(r.Context()).Actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	return sendJSON(w, http.StatusOK, postOut(*p))
}

func (s *Server) apiMovePost(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Status string `json:"status"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	p, err := s.Posts.MovePost(r.Context(), viewerFrom(r.Context()).Actor, r.PathValue("id"), in.Status)
	if err != nil {
		return err
	}
	return sendJSON(w, http.StatusOK, postOut(*p))
}

func (s *Server) apiUploadPostFiles(w http.ResponseWriter, r *http.Request) error {
	fs, err := s.uploadPostFiles(r)
	if err != nil {
		return err
	}
	out := make([]map[string]any, 0, len(fs))
	for _, f := range fs {
		out = append(out, map[string]any{"id": f.ID, "filename": f.Filename, "media_type": f.MediaType, "size": f.Size, "sha256": f.SHA256})
	}
	return sendJSON(w, http.StatusCreated, map[string]any{"files": out})
}
