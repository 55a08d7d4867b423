package web

import (
	"net/http"
	"time"

	"github.com/kasuhara/kasuhara"
)

type referralJSON struct {
	ID           string    `json:"id"`
	Kind         string    `json:"kind"`
	Organisation string    `json:"organisation"`
	Contact      string    `json:"contact"`
	Reference    string    `json:"reference"`
	Note         string    `json:"note"`
	Outcome      string    `json:"outcome"`
	ReferredAt   time.Time `json:"referred_at"`
}

func referralOut(r kasuhara.Referral) referralJSON {
	return referralJSON{ID: r.ID, Kind: r.Kind, Organisation: r.Organisation, Contact: r.Contact, Reference: r.Reference, Note: r.Note,
		Outcome: r.Outcome, ReferredAt: r.ReferredAt}
}

func (s *Server) referralsJSON(r *http.Request, actor kasuhara.Actor, id string) (any, error) {
	rs, err := s.Referrals.Referrals(r.Context(), actor, id)
	return map[string]any{"referrals": mapped(rs, referralOut)}, err
}

func (s *Server) addReferralJSON(r *http.Request, actor kasuhara.Actor, id string, in referralIn) (any, error) {
	x, err := s.addReferral(r, actor, id, in)
	if err != nil {
		return nil, err
	}
	return referralOut(*x), nil
}
