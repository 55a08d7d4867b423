package web

import (
	"net/http"

	"github.com/kasuhara/kasuhara"
)

type evidenceJSON struct {
	ID         string `json:"id"`
	Filename   string `json:"filename"`
	MediaType  string `json:"media_type"`
	Size       int64  `json:"size"`
	SHA256     string `json:"sha256"`
	UploadedBy string `json:"uploaded_by"`
	UploadedAt string `json:"uploaded_at"`
}

func evidenceOut(e kasuhara.Evidence) evidenceJSON {
	return evidenceJSON{ID: e.ID, Filename: e.Filename, MediaType: e.MediaType, Size: e.Size, SHA256: e.SHA256,
		UploadedBy: e.UploadedBy, UploadedAt: e.UploadedAt.Format("2006-01-02T15:04:05Z07:00")}
}

func (s *Server) apiUploadEvidence(w http.ResponseWriter, r *http.Request) error {
	es, err := s.uploadEvidence(r, true)
	if err != nil {
		return err
	}
	return sendJSON(w, http.StatusCreated, map[string]any{"sha256": es[0].SHA256, "evidence": mapped(es, evidenceOut)})
}

func (s *Server) apiEvidenceList(w http.ResponseWriter, r *http.Request) error {
	es, err := s.Cases.EvidenceList(r.Context(), viewerFrom(r.Context()).Actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	return sendJSON(w, http.StatusOK, map[string]any{"evidence": mapped(es, evidenceOut)})
}
