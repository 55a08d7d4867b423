package web

import (
	"mime"
	"net/http"
	"net/url"
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
	MaxUploadMB int64
	MaxFiles    int
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
	p.Data = &reportFormData{Departments: deps, Subtypes: subtypesByCategory(), Now: s.Now().In(jst).Format("2006-01-02T15:04"),
		MaxUploadMB: s.MaxUpload >> 20, MaxFiles: MaxFilesPerRequest}
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

// fileReport takes the web form, with photos or recordings attached. The
// form is mobile-first: few required fields, the rest optional; a failed
// submission shows every problem at once and keeps what was typed (files
// must be chosen again: they are not kept on the server without a report).
func (s *Server) fileReport(w http.ResponseWriter, r *http.Request) {
	v := viewerFrom(r.Context())
	var vals url.Values
	var mf *multipartForm
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct == "multipart/form-data" {
		var err error
		if mf, err = s.readMultipart(r); err != nil {
			s.fail(w, r, err)
			return
		}
		vals = mf.values
	} else {
		if err := r.ParseForm(); err != nil {
			s.fail(w, r, err)
			return
		}
		vals = r.PostForm
	}
	f := kasuhara.FieldErrors{}
	in := reportJSON{Channel: vals.Get("channel"), Location: vals.Get("location"), Department: vals.Get("department"),
		Subtypes: vals["subtypes"], Categories: vals["categories"], RequestContent: vals.Get("request_content"),
		Conduct: vals.Get("conduct"), Harm: vals.Get("harm"), Wishes: vals.Get("wishes"), Witnesses: vals.Get("witnesses"),
		DangerOngoing: vals.Get("danger_ongoing") == "on", Consultation: vals.Get("consultation") == "on",
		Customer: kasuhara.Customer{Name: vals.Get("customer_name"), NameKana: vals.Get("customer_name_kana"),
			Phone: vals.Get("customer_phone"), Email: vals.Get("customer_email"), Account: vals.Get("customer_account"),
			SNSHandle: vals.Get("customer_sns")}}
	if t := strings.TrimSpace(vals.Get("occurred_at")); t != "" {
		// datetime-local has no zone: the employee means Japan time.
		if at, err := time.ParseInLocation("2006-01-02T15:04", t, jst); err == nil {
			in.OccurredAt = at.Format(time.RFC3339)
		} else {
			f.Add("occurred_at", kasuhara.MsgDateTime)
		}
	}
	if d := strings.TrimSpace(vals.Get("duration_minutes")); d != "" {
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
		var files []kasuhara.Evidence
		if mf != nil {
			files = mf.files
		}
		c, err = s.Cases.FileReport(r.Context(), v.caseViewer(), rep, files...)
	}
	hadFiles := mf != nil && len(mf.files) > 0
	if err != nil {
		s.discard(mf)
	}
	if kasuhara.ErrorCode(err) == kasuhara.EINVALID {
		loc := s.Catalog.Localizer(langFrom(r.Context()))
		form := &form{Values: map[string]string{}, Errors: map[string]string{},
			Multi: map[string][]string{"subtypes": vals["subtypes"], "categories": vals["categories"]}}
		for _, k := range reportFields {
			form.Values[k] = vals.Get(k)
		}
		for k, m := range kasuhara.ErrorFields(err) {
			form.Errors[k] = translateField(loc, m)
		}
		for k, m := range f {
			form.Errors[k] = translateField(loc, m)
		}
		flash := "form.fix"
		if hadFiles {
			flash = "report.fix_and_reattach"
		}
		s.reportFormPage(w, r, http.StatusUnprocessableEntity, &page{Form: form, Flash: flash, FlashKind: "error"})
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
