package web

import (
	"net/http"
)

func (s *Server) apiFileReport(w http.ResponseWriter, r *http.Request) error {
	v := viewerFrom(r.Context())
	var in reportJSON
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	rep, err := s.toReport(r, v, in)
	if err != nil {
		return err
	}
	c, err := s.Cases.FileReport(r.Context(), v.Actor, rep)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"id": c.ID, "case_id": c.ID, "ref": c.Ref, "state": c.State, "urgent": c.Urgent,
		"acknowledge_by": c.AcknowledgeBy, "feedback_by": c.FeedbackBy})
	return nil
}
