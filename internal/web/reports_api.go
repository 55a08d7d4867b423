package web

import (
	"encoding/json"
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
	body, _ := json.Marshal(in)
	id, _, err := s.once(r.Context(), "user:"+v.User.ID, r.Header.Get("Idempotency-Key"), bytesDigest(body), func() (string, error) {
		c, err := s.Cases.FileReport(r.Context(), v.Actor, rep)
		if err != nil {
			return "", err
		}
		return c.ID, nil
	})
	if err != nil {
		return err
	}
	// A repeat answers what the first request answered.
	c, err := s.Cases.CaseByID(r.Context(), v.Actor, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"id": c.ID, "case_id": c.ID, "ref": c.Ref, "state": c.State, "urgent": c.Urgent,
		"acknowledge_by": c.AcknowledgeBy, "feedback_by": c.FeedbackBy})
	return nil
}
