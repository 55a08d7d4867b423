package web

import (
	"encoding/json"
	"net/http"

	"github.com/kasuhara/kasuhara"
)

func (s *Server) apiAnonReport(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		reportJSON
		Org string `json:"org"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if err := s.anonFilingLimit(w, r); err != nil {
		return err
	}
	rep, err := s.toReport(r, nil, in.reportJSON)
	if err != nil {
		return err
	}
	body, _ := json.Marshal(in)
	receipt, held, err := s.fileAnonymous(r, in.Org, r.Header.Get("Idempotency-Key"), bytesDigest(body), rep)
	if err != nil {
		return err
	}
	return sendJSON(w, http.StatusCreated, map[string]any{"receipt": receipt, "held_for_review": held})
}

func (s *Server) apiAnonStatus(w http.ResponseWriter, r *http.Request) error {
	if err := s.receiptLimit(w, r); err != nil {
		return err
	}
	var in struct {
		Receipt string `json:"receipt"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	c, ms, err := s.Anonymous.ReceiptStatus(r.Context(), in.Receipt)
	if err != nil {
		s.receiptFailed(r, err)
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"ref": c.Ref, "state": c.State, "acknowledge_by": c.AcknowledgeBy, "feedback_by": c.FeedbackBy,
		"messages": messagesOut(ms)})
	return nil
}

func (s *Server) apiAnonMessage(w http.ResponseWriter, r *http.Request) error {
	if err := s.receiptLimit(w, r); err != nil {
		return err
	}
	var in struct {
		Receipt string `json:"receipt"`
		Body    string `json:"body"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	m, err := s.Anonymous.AddReceiptMessage(r.Context(), in.Receipt, in.Body)
	if err != nil {
		s.receiptFailed(r, err)
		return err
	}
	return sendJSON(w, http.StatusCreated, messagesOut([]kasuhara.Message{*m})[0])
}
