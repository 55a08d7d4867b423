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

// retaliationHandle records that legal handled an alarm, with what was
// done, and returns to the list.
func (s *Server) retaliationHandle(w http.ResponseWriter, r *http.Request) error {
	v := viewerFrom(r.Context())
	_, _, err := s.once(r.Context(), "user:"+v.User.ID, r.PostFormValue(idempotencyField), r.URL.Path+"?"+formDigest(r.PostForm, nil), func() (string, error) {
		_, err := s.Messages.HandleRetaliation(r.Context(), v.Actor, r.PathValue("id"), r.PostFormValue("note"))
		return "done", err
	})
	switch kasuhara.ErrorCode(err) {
	case kasuhara.EINVALID, kasuhara.ECONFLICT:
		return s.retaliationPage(w, r, statusOf(kasuhara.ErrorCode(err)), &page{Flash: "form.fix", FlashKind: "error",
			Form: s.newForm(r, err, "note")})
	}
	if err != nil {
		return err
	}
	return s.done(w, r, "retaliation.handled", "/retaliation")
}

// retaliationList shows legal the reporters' retaliation alarms.
func (s *Server) retaliationList(w http.ResponseWriter, r *http.Request) error {
	return s.retaliationPage(w, r, http.StatusOK, &page{})
}

func (s *Server) retaliationPage(w http.ResponseWriter, r *http.Request, status int, p *page) error {
	v := viewerFrom(r.Context())
	fs, err := s.Messages.RetaliationFlags(r.Context(), v.Actor)
	if err != nil {
		return err
	}
	names, _, err := s.names(r, v.Org.ID)
	if err != nil {
		return err
	}
	p.Title, p.Nav, p.Data = "retaliation.title", "retaliation", map[string]any{"Flags": fs, "Names": names}
	return s.render(w, r, status, "retaliation", p)
}
