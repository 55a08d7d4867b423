package web

import (
	"encoding/json"
	"net/http"

	"github.com/kasuhara/kasuhara"
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
	key, digest := r.Header.Get("Idempotency-Key"), ""
	if key != "" {
		body, _ := json.Marshal(in)
		digest = bytesDigest(body)
	}
	var c *kasuhara.Case
	id, repeat, err := s.once(r.Context(), "user:"+v.User.ID, key, digest, func() (string, error) {
		var err error
		if c, err = s.Cases.FileReport(r.Context(), v.Actor, rep); err != nil {
			return "", err
		}
		return c.ID, nil
	})
	if err != nil {
		return err
	}
	// A repeat answers what the first request answered, read (and so
	// audited) again; a filing answers from the case it wrote, with no
	// read-back (an audited read was a second write of every report).
	if repeat {
		if c, err = s.Cases.CaseByID(r.Context(), v.Actor, id); err != nil {
			return err
		}
	}
	writeJSON(w, http.StatusCreated, map[string]any{"id": c.ID, "case_id": c.ID, "ref": c.Ref, "state": c.State, "urgent": c.Urgent,
		"acknowledge_by": c.AcknowledgeBy, "feedback_by": c.FeedbackBy})
	return nil
}
