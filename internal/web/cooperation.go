package web

import (
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/document"
)

// The register of cooperation requests between employers (Art. 33(3)):
// the list with its clock, the new request form, a request's page with its
// history, and the redacted case summary to share, previewed first.

type cooperationIn struct {
	Direction     string `json:"direction"`
	Employer      string `json:"employer"`
	ContactPerson string `json:"contact_person"`
	ContactPhone  string `json:"contact_phone"`
	ContactEmail  string `json:"contact_email"`
	CaseID        string `json:"case_id"`
	// CaseRef is the case's number, instead of CaseID (API only).
	CaseRef     string `json:"case_ref"`
	Asked       string `json:"asked"`
	RequestedAt string `json:"requested_at"`
	DueAt       string `json:"due_at"`
}

// dueDate reads a deadline: a bare date is the end of that day in Japan.
func dueDate(f kasuhara.FieldErrors, field, v string) time.Time {
	t := parseDateOrTime(f, field, v)
	if len(v) == len("2006-01-02") && !t.IsZero() {
		t = t.AddDate(0, 0, 1).Add(-time.Second)
	}
	return t
}

func (s *Server) createCooperation(r *http.Request, in cooperationIn) (*kasuhara.CooperationRequest, error) {
	f := kasuhara.FieldErrors{}
	requested := parseDateOrTime(f, "requested_at", in.RequestedAt)
	due := dueDate(f, "due_at", in.DueAt)
	if err := f.Err(); err != nil {
		return nil, err
	}
	return s.Cooperation.CreateCooperationRequest(r.Context(), viewerFrom(r.Context()).Actor, kasuhara.CooperationRequest{Direction: in.Direction,
		Employer: in.Employer, ContactPerson: in.ContactPerson, ContactPhone: in.ContactPhone, ContactEmail: in.ContactEmail, CaseID: in.CaseID,
		Asked: in.Asked, RequestedAt: requested, DueAt: due})
}

// shareChoiceOf reads the fields chosen and the reporter's consent date.
func shareChoiceOf(fields []string, consentAt string) (kasuhara.ShareChoice, error) {
	f := kasuhara.FieldErrors{}
	c := kasuhara.ShareChoice{Fields: fields, ConsentAt: parseDateOrTime(f, "consent_at", consentAt)}
	return c, f.Err()
}

// shareFile builds the PDF of the summary for choice, from the store's
// redacted summary.
func (s *Server) shareFile(r *http.Request, id string, choice kasuhara.ShareChoice) (*kasuhara.SharedSummary, document.File, error) {
	v := viewerFrom(r.Context())
	sum, err := s.Cooperation.SharedSummary(r.Context(), v.Actor, id, choice)
	if err != nil {
		return nil, document.File{}, err
	}
	f, err := document.CooperationSummary(document.CooperationInput{Locale: s.locale(langFrom(r.Context())), Now: s.Now(), Org: v.Org.Name, Summary: sum})
	return sum, f, err
}

// share makes and keeps the summary's PDF.
func (s *Server) share(r *http.Request, id string, choice kasuhara.ShareChoice) (*kasuhara.CooperationShare, error) {
	_, f, err := s.shareFile(r, id, choice)
	if err != nil {
		return nil, err
	}
	return s.Cooperation.RecordShare(r.Context(), viewerFrom(r.Context()).Actor, id, choice, f.Data)
}

// Screens.

func (s *Server) cooperationPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderCooperationList(w, r, http.StatusOK, nil, "")
}

func (s *Server) renderCooperationList(w http.ResponseWriter, r *http.Request, status int, f *form, flash string) error {
	state := r.URL.Query().Get("state")
	rs, err := s.Cooperation.CooperationRequests(r.Context(), viewerFrom(r.Context()).Actor, kasuhara.CooperationFilter{State: state})
	if err != nil {
		return err
	}
	p := &page{Title: "cooperation.title", Nav: "cooperation", Form: f, Data: map[string]any{"Requests": rs, "Now": s.Now(), "State": state,
		"States": kasuhara.CooperationStates, "Directions": kasuhara.CooperationDirections, "Days": kasuhara.DefaultCooperationDays}}
	if flash != "" {
		p.Flash, p.FlashKind = flash, "error"
	}
	return s.render(w, r, status, "cooperation", p)
}

func (s *Server) uiCreateCooperation(w http.ResponseWriter, r *http.Request) error {
	// The case is picked by its number; the store takes its id.
	var c *kasuhara.CooperationRequest
	caseID, err := s.pickedCase(r.Context(), viewerFrom(r.Context()).Actor, r.PostFormValue("case"))
	if err == nil {
		c, err = s.createCooperation(r, cooperationIn{Direction: r.PostFormValue("direction"), Employer: r.PostFormValue("employer"),
			ContactPerson: r.PostFormValue("contact_person"), ContactPhone: r.PostFormValue("contact_phone"), ContactEmail: r.PostFormValue("contact_email"),
			CaseID: caseID, Asked: r.PostFormValue("asked"), RequestedAt: r.PostFormValue("requested_at"), DueAt: r.PostFormValue("due_at")})
	}
	if kasuhara.ErrorCode(err) == kasuhara.EINVALID {
		f := s.newForm(r, err, "direction", "employer", "contact_person", "contact_phone", "contact_email", "case", "asked", "requested_at", "due_at")
		if e, ok := f.Errors["case_id"]; ok {
			f.Errors["case"] = e
		}
		return s.renderCooperationList(w, r, http.StatusUnprocessableEntity, f, "form.fix")
	}
	if err != nil {
		return err
	}
	return s.done(w, r, "cooperation.created", "/cooperation/"+c.ID)
}

func (s *Server) cooperationRequestPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderCooperationRequest(w, r, http.StatusOK, nil)
}

func (s *Server) renderCooperationRequest(w http.ResponseWriter, r *http.Request, status int, f *form) error {
	v := viewerFrom(r.Context())
	c, events, shares, err := s.Cooperation.CooperationRequest(r.Context(), v.Actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	names, _, err := s.names(r, c.OrgID)
	if err != nil {
		return err
	}
	p := &page{Title: "cooperation.request", Nav: "cooperation", Form: f, Data: map[string]any{"Request": c, "Events": events, "Shares": shares,
		"Names": names, "Now": s.Now(), "Next": kasuhara.NextCooperationStates(c.State), "Fields": kasuhara.ShareFields}}
	if f != nil {
		p.Flash, p.FlashKind = "form.fix", "error"
	}
	return s.render(w, r, status, "cooperation_request", p)
}

// uiMoveCooperation answers, declines or closes a request.
func (s *Server) uiMoveCooperation(w http.ResponseWriter, r *http.Request) error {
	to := r.PostFormValue("to")
	_, err := s.Cooperation.MoveCooperationRequest(r.Context(), viewerFrom(r.Context()).Actor, r.PathValue("id"), to, r.PostFormValue("text_"+to))
	if kasuhara.ErrorCode(err) == kasuhara.EINVALID {
		f := s.newForm(r, err, "text_answered", "text_declined", "text_closed")
		for _, k := range []string{"answer", "reason", "note"} {
			if e, ok := f.Errors[k]; ok {
				f.Errors["text_"+to] = e
			}
		}
		return s.renderCooperationRequest(w, r, http.StatusUnprocessableEntity, f)
	}
	if err != nil {
		return err
	}
	return s.done(w, r, "cooperation.moved", "/cooperation/"+r.PathValue("id"))
}

func (s *Server) uiCooperationDeadline(w http.ResponseWriter, r *http.Request) error {
	f := kasuhara.FieldErrors{}
	due := dueDate(f, "due_at", r.PostFormValue("due_at"))
	err := f.Err()
	if err == nil {
		_, err = s.Cooperation.SetCooperationDeadline(r.Context(), viewerFrom(r.Context()).Actor, r.PathValue("id"), due)
	}
	if kasuhara.ErrorCode(err) == kasuhara.EINVALID {
		return s.renderCooperationRequest(w, r, http.StatusUnprocessableEntity, s.newForm(r, err, "due_at"))
	}
	if err != nil {
		return err
	}
	return s.done(w, r, "cooperation.deadline_set", "/cooperation/"+r.PathValue("id"))
}

// cooperationSharePreview shows the summary as it will be shared: GET,
// nothing is recorded.
func (s *Server) cooperationSharePreview(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	choice, err := shareChoiceOf(q["fields"], q.Get("consent_at"))
	var in document.CooperationInput
	if err == nil {
		var sum *kasuhara.SharedSummary
		if sum, _, err = s.shareFile(r, r.PathValue("id"), choice); err == nil {
			in = document.CooperationInput{Locale: s.locale(langFrom(r.Context())), Now: s.Now(), Org: viewerFrom(r.Context()).Org.Name, Summary: sum}
		}
	}
	if kasuhara.ErrorCode(err) == kasuhara.EINVALID {
		f := &form{Values: map[string]string{"consent_at": q.Get("consent_at")}, Errors: map[string]string{}}
		for k, v := range kasuhara.ErrorFields(err) {
			f.Errors[k] = translateField(s.Catalog.Localizer(langFrom(r.Context())), v)
		}
		return s.renderCooperationRequest(w, r, http.StatusUnprocessableEntity, f)
	}
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "cooperation_share", &page{Title: "cooperation.share.preview", Nav: "cooperation", Data: map[string]any{
		"Request": in.Summary.Request, "Summary": in.CooperationSections(), "Fields": in.Summary.Fields, "ConsentAt": q.Get("consent_at"),
		"Consent": slices.Contains(in.Summary.Fields, kasuhara.ShareReporter)}})
}

func (s *Server) uiCooperationShare(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	choice, err := shareChoiceOf(r.PostForm["fields"], r.PostFormValue("consent_at"))
	if err != nil {
		return err
	}
	sh, err := s.share(r, r.PathValue("id"), choice)
	if err != nil {
		return err
	}
	return s.done(w, r, "cooperation.shared", "/cooperation/"+r.PathValue("id")+"#share-"+url.PathEscape(sh.ID))
}

// cooperationSharePDF sends a kept summary as it was shared.
func (s *Server) cooperationSharePDF(w http.ResponseWriter, r *http.Request) error {
	v := viewerFrom(r.Context())
	c, _, _, err := s.Cooperation.CooperationRequest(r.Context(), v.Actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	sh, data, err := s.Cooperation.SharePDF(r.Context(), v.Actor, c.ID, r.PathValue("share"))
	if err != nil {
		return err
	}
	s.sendFile(w, r, document.File{Name: c.Ref + "-" + sh.CreatedAt.In(kasuhara.JST).Format("20060102-1504") + ".pdf", Type: document.TypePDF, Data: data})
	return nil
}
