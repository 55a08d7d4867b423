package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kasuhara/kasuhara"
)

// reportFormData is what the report form shows.
type reportFormData struct {
	Departments []kasuhara.Department
	Subtypes    map[kasuhara.Category][]string
	Now         string // default for occurred_at, in Japan time
}

func subtypesByCategory() map[kasuhara.Category][]string {
	m := map[kasuhara.Category][]string{}
	for _, s := range kasuhara.Subtypes {
		c := kasuhara.SubtypeCategory[s]
		m[c] = append(m[c], s)
	}
	return m
}

func (s *Server) reportFormPage(w http.ResponseWriter, r *http.Request, status int, p *page) {
	v := viewerFrom(r.Context())
	deps, err := s.Orgs.Departments(r.Context(), v.Org.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	p.Title, p.Nav = "report.title", "report"
	p.Data = &reportFormData{Departments: deps, Subtypes: subtypesByCategory(), Now: s.Now().In(jst).Format("2006-01-02T15:04")}
	if p.Form == nil {
		p.Form = &form{Values: map[string]string{"department": v.Membership.DepartmentID, "occurred_at": s.Now().In(jst).Format("2006-01-02T15:04")},
			Errors: map[string]string{}, Multi: map[string][]string{}}
	}
	s.render(w, r, status, "report", p)
}

func (s *Server) reportForm(w http.ResponseWriter, r *http.Request) {
	s.reportFormPage(w, r, http.StatusOK, &page{})
}

// reportFields are the single-value fields of the report form.
var reportFields = []string{"occurred_at", "duration_minutes", "channel", "location", "department", "request_content", "conduct",
	"harm", "wishes", "witnesses", "customer_name", "customer_name_kana", "customer_phone", "customer_email",
	"customer_account", "customer_sns", "danger_ongoing", "consultation"}

// fileReport takes the web form. The form is mobile-first: few required
// fields, the rest optional; a failed submission shows every problem at
// once and keeps what was typed.
func (s *Server) fileReport(w http.ResponseWriter, r *http.Request) {
	v := viewerFrom(r.Context())
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, err)
		return
	}
	f := kasuhara.FieldErrors{}
	in := reportJSON{Channel: r.PostFormValue("channel"), Location: r.PostFormValue("location"), Department: r.PostFormValue("department"),
		Subtypes: r.PostForm["subtypes"], Categories: r.PostForm["categories"], RequestContent: r.PostFormValue("request_content"),
		Conduct: r.PostFormValue("conduct"), Harm: r.PostFormValue("harm"), Wishes: r.PostFormValue("wishes"), Witnesses: r.PostFormValue("witnesses"),
		DangerOngoing: r.PostFormValue("danger_ongoing") == "on", Consultation: r.PostFormValue("consultation") == "on",
		Customer: kasuhara.Customer{Name: r.PostFormValue("customer_name"), NameKana: r.PostFormValue("customer_name_kana"),
			Phone: r.PostFormValue("customer_phone"), Email: r.PostFormValue("customer_email"), Account: r.PostFormValue("customer_account"),
			SNSHandle: r.PostFormValue("customer_sns")}}
	if t := strings.TrimSpace(r.PostFormValue("occurred_at")); t != "" {
		// datetime-local has no zone: the employee means Japan time.
		if at, err := time.ParseInLocation("2006-01-02T15:04", t, jst); err == nil {
			in.OccurredAt = at.Format(time.RFC3339)
		} else {
			f.Add("occurred_at", kasuhara.MsgDateTime)
		}
	}
	if d := strings.TrimSpace(r.PostFormValue("duration_minutes")); d != "" {
		n, err := strconv.Atoi(d)
		if err != nil {
			f.Add("duration_minutes", kasuhara.MsgNumber)
		}
		in.DurationMinutes = n
	}
	rep, err := s.toReport(r, v, in)
	if err == nil {
		err = f.Err()
	}
	var c *kasuhara.Case
	if err == nil {
		c, err = s.Cases.FileReport(r.Context(), v.caseViewer(), rep)
	}
	if kasuhara.ErrorCode(err) == kasuhara.EINVALID {
		form := s.newForm(r, err, reportFields...)
		for k, m := range f {
			form.Errors[k] = translateField(s.Catalog.Localizer(langFrom(r.Context())), m)
		}
		form.Multi = map[string][]string{"subtypes": r.PostForm["subtypes"], "categories": r.PostForm["categories"]}
		s.reportFormPage(w, r, http.StatusUnprocessableEntity, &page{Form: form, Flash: "form.fix", FlashKind: "error"})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, "report.filed", "ok")
	http.Redirect(w, r, "/cases/"+c.ID+"?filed=1", http.StatusSeeOther)
}

// myReports lists the signed-in person's own reports and their state.
func (s *Server) myReports(w http.ResponseWriter, r *http.Request) {
	v := viewerFrom(r.Context())
	list, next, err := s.Cases.Cases(r.Context(), v.caseViewer(), kasuhara.CaseFilter{Mine: true, Cursor: r.URL.Query().Get("cursor")})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "my_reports", &page{Title: "reports.title", Nav: "reports", Data: map[string]any{"Cases": list, "Next": next, "Now": s.Now()}})
}
