package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/kasuhara/kasuhara"
)

// retentionData is what the retention page shows legal.
type retentionData struct {
	Rules    []kasuhara.RetentionRule
	Holds    []kasuhara.Hold
	Expiring []kasuhara.Expiring
	// CustomerPick is the hold form's customer search (without
	// JavaScript, the page reloaded with customer_q).
	CustomerPick *customerPick
}

// retentionPage shows legal the rules, the holds and the cases that
// expire within 30 days.
func (s *Server) retentionPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderRetention(w, r, http.StatusOK, nil)
}

func (s *Server) renderRetention(w http.ResponseWriter, r *http.Request, status int, err error) error {
	actor := viewerFrom(r.Context()).Actor
	d := &retentionData{}
	var lerr error
	if d.Rules, lerr = s.Retention.RetentionRules(r.Context(), actor); lerr == nil {
		if d.Holds, lerr = s.Retention.Holds(r.Context(), actor); lerr == nil {
			d.Expiring, lerr = s.Retention.Expiring(r.Context(), actor, kasuhara.RetentionWarning)
		}
	}
	if lerr != nil {
		return lerr
	}
	v := viewerFrom(r.Context())
	if d.CustomerPick, lerr = s.findCustomers(r.Context(), v, "customer", r.FormValue("customer_q"), r.FormValue("customer")); lerr != nil {
		return lerr
	}
	p := &page{Title: "retention.title", Nav: "retention", Data: d, Form: s.newForm(r, err, "state", "verdict", "keep_months", "case", "customer", "reason")}
	return s.renderForm(w, r, status, "retention", p, err)
}

// retentionChange runs a change from the retention page: on bad input the
// page again with the problems, else back to it with a message.
func (s *Server) retentionChange(w http.ResponseWriter, r *http.Request, done string, fn func(actor kasuhara.Actor) error) error {
	err := fn(viewerFrom(r.Context()).Actor)
	if c := kasuhara.ErrorCode(err); c == kasuhara.EINVALID || c == kasuhara.ECONFLICT {
		return s.renderRetention(w, r, http.StatusBadRequest, err)
	}
	if err != nil {
		return err
	}
	return s.done(w, r, done, "/retention")
}

func (s *Server) addRetentionRule(w http.ResponseWriter, r *http.Request) error {
	return s.retentionChange(w, r, "retention.rule_added", func(actor kasuhara.Actor) error {
		months, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("keep_months")))
		if err != nil {
			return kasuhara.Invalid(kasuhara.FieldErrors{"keep_months": kasuhara.Between(kasuhara.FieldRangeMonths, 1, 1200)})
		}
		_, err = s.Retention.AddRetentionRule(r.Context(), actor, kasuhara.RetentionRule{State: kasuhara.CaseState(r.PostFormValue("state")),
			Verdict: r.PostFormValue("verdict"), KeepMonths: months})
		return err
	})
}

func (s *Server) deleteRetentionRule(w http.ResponseWriter, r *http.Request) error {
	return s.retentionChange(w, r, "retention.rule_deleted", func(actor kasuhara.Actor) error {
		return s.Retention.DeleteRetentionRule(r.Context(), actor, r.PathValue("id"))
	})
}

func (s *Server) placeHold(w http.ResponseWriter, r *http.Request) error {
	return s.retentionChange(w, r, "retention.held", func(actor kasuhara.Actor) error {
		caseRef := r.PostFormValue("case")
		if caseRef != "" {
			caseRef = caseByNumber(caseRef)
		}
		_, err := s.Retention.PlaceHold(r.Context(), actor, caseRef, r.PostFormValue("customer"), r.PostFormValue("reason"))
		return err
	})
}

func (s *Server) releaseHold(w http.ResponseWriter, r *http.Request) error {
	return s.retentionChange(w, r, "retention.released", func(actor kasuhara.Actor) error {
		return s.Retention.ReleaseHold(r.Context(), actor, r.PathValue("id"))
	})
}

// purgeNow purges what has expired in the viewer's organisation without
// waiting for the night's run.
func (s *Server) purgeNow(w http.ResponseWriter, r *http.Request) error {
	actor := viewerFrom(r.Context()).Actor
	_, err := s.Retention.PurgeNow(r.Context(), actor, s.Blobs.Delete)
	if err != nil {
		return err
	}
	s.sessions.Put(r.Context(), "flash", "retention.purged|ok")
	http.Redirect(w, r, "/retention", http.StatusSeeOther)
	return nil
}
