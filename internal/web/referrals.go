package web

import (
	"net/http"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/access"
	"github.com/kasuhara/kasuhara/internal/calendar"
)

type referralIn struct {
	Kind         string `json:"kind"`
	Organisation string `json:"organisation"`
	Contact      string `json:"contact"`
	Reference    string `json:"reference"`
	Note         string `json:"note"`
	ReferredAt   string `json:"referred_at"`
}

func (s *Server) addReferral(r *http.Request, actor kasuhara.Actor, id string, in referralIn) (*kasuhara.Referral, error) {
	f := kasuhara.FieldErrors{}
	at := parseDateOrTime(f, "referred_at", in.ReferredAt)
	if err := f.Err(); err != nil {
		return nil, err
	}
	return s.Referrals.AddReferral(r.Context(), actor, id, kasuhara.Referral{Kind: in.Kind, Organisation: in.Organisation, Contact: in.Contact,
		Reference: in.Reference, Note: in.Note, ReferredAt: at})
}

func (s *Server) caseReferral(w http.ResponseWriter, r *http.Request) error {
	return s.caseAction(w, r, "referrals", "referral.added", func(actor kasuhara.Actor, id string) error {
		at := r.PostFormValue("referred_at")
		if at != "" {
			if t, err := time.ParseInLocation("2006-01-02T15:04", at, calendar.JST); err == nil {
				at = t.Format(time.RFC3339)
			}
		}
		_, err := s.addReferral(r, actor, id, referralIn{Kind: r.PostFormValue("kind"), Organisation: r.PostFormValue("organisation"),
			Contact: r.PostFormValue("contact"), Reference: r.PostFormValue("reference"), Note: r.PostFormValue("note"), ReferredAt: at})
		return err
	})
}

func (s *Server) caseReferralOutcome(w http.ResponseWriter, r *http.Request) error {
	return s.caseAction(w, r, "referrals", "referral.updated", func(actor kasuhara.Actor, id string) error {
		return s.Referrals.SetReferralOutcome(r.Context(), actor, id, r.PathValue("referral"), r.PostFormValue("outcome"))
	})
}

// specialistsPage is the directory of police stations, law firms and
// counsellors: legal edits it, the desk reads it.
func (s *Server) specialistsPage(w http.ResponseWriter, r *http.Request) error {
	v := viewerFrom(r.Context())
	sp, err := s.Referrals.Specialists(r.Context(), v.Actor)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "specialists", &page{Title: "specialists.title", Nav: "customers",
		Data: map[string]any{"Specialists": sp, "Legal": access.Can(v.Membership.Role, access.ManageSpecialists)}})
}

func (s *Server) addSpecialist(w http.ResponseWriter, r *http.Request) error {
	v := viewerFrom(r.Context())
	_, err := s.Referrals.AddSpecialist(r.Context(), v.Actor, kasuhara.Specialist{Kind: r.PostFormValue("kind"), Name: r.PostFormValue("name"),
		Contact: r.PostFormValue("contact"), Notes: r.PostFormValue("notes")})
	if err != nil {
		return err
	}
	return s.done(w, r, "specialists.added", "/specialists")
}

func (s *Server) deleteSpecialist(w http.ResponseWriter, r *http.Request) error {
	v := viewerFrom(r.Context())
	if err := s.Referrals.DeleteSpecialist(r.Context(), v.Actor, r.PathValue("id")); err != nil {
		return err
	}
	return s.done(w, r, "specialists.deleted", "/specialists")
}
