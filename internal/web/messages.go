package web

import (
	"net/http"

	"github.com/kasuhara/kasuhara"
)

func (s *Server) caseMessage(w http.ResponseWriter, r *http.Request) error {
	return s.caseAction(w, r, "messages", "case.message_sent", func(actor kasuhara.Actor, id string) error {
		_, err := s.Messages.AddMessage(r.Context(), actor, id, r.PostFormValue("body"))
		return err
	})
}

func (s *Server) caseConfidential(w http.ResponseWriter, r *http.Request) error {
	return s.caseAction(w, r, "reporter", "case.confidential_saved", func(actor kasuhara.Actor, id string) error {
		return s.Messages.SetConfidential(r.Context(), actor, id, r.PostFormValue("hide") == "true")
	})
}

func (s *Server) caseRetaliation(w http.ResponseWriter, r *http.Request) error {
	return s.caseAction(w, r, "reporter", "case.retaliation_sent", func(actor kasuhara.Actor, id string) error {
		_, err := s.Messages.FlagRetaliation(r.Context(), actor, id, r.PostFormValue("body"))
		return err
	})
}

// caseCheckin records the reporter's answer to the question after their
// report; a "yes" raises the retaliation alarm for legal.
func (s *Server) caseCheckin(w http.ResponseWriter, r *http.Request) error {
	done := "case.checkin_no"
	if r.PostFormValue("answer") == kasuhara.CheckinYes {
		done = "case.retaliation_sent"
	}
	return s.caseAction(w, r, "reporter", done, func(actor kasuhara.Actor, id string) error {
		_, err := s.Checkins.AnswerCheckin(r.Context(), actor, id, r.PostFormValue("answer"), r.PostFormValue("body"))
		return err
	})
}

// retaliationList shows legal the reporters' retaliation alarms.
func (s *Server) retaliationList(w http.ResponseWriter, r *http.Request) error {
	v := viewerFrom(r.Context())
	fs, err := s.Messages.RetaliationFlags(r.Context(), v.Actor)
	if err != nil {
		return err
	}
	names, _, err := s.names(r, v.Org.ID)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "retaliation", &page{Title: "retaliation.title", Nav: "retaliation", Data: map[string]any{"Flags": fs, "Names": names}})
}
