package web

import (
	"errors"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/blob"
	"github.com/kasuhara/kasuhara/internal/calendar"
)

// reportFormData is what the report form shows.
type reportFormData struct {
	Departments []kasuhara.Department
	Subtypes    map[kasuhara.Category][]string
	Now         string // default for occurred_at, in Japan time
	MaxUploadMB int64
	MaxFiles    int
	Action      string // where the form posts
	Anonymous   bool   // the public form without a name
	// OnBehalf: a supervisor or desk member takes the report for an
	// employee (onBehalfPath); ReceivedVias are how it reached them.
	OnBehalf     bool
	ReceivedVias []string
	OrgName      string
	// Sender is the organisation's legal name, address and desk, shown on
	// the anonymous form.
	Sender kasuhara.Sender
	// IdempotencyKey is made for each drawing of the form: a repeat of
	// the same submission files nothing (see once).
	IdempotencyKey string
	// Call is the phone system's call this report is about (a draft of
	// the signed-in agent), nil for none.
	Call *kasuhara.CallDraft
}

// uploadLimits are what a file input checks in the browser before it
// uploads (app.js), from the constants the server checks again.
type uploadLimits struct {
	MaxBytes, MB int64
	MaxFiles     int
	Types        string // the accepted media types, comma-separated
}

func (s *Server) uploadLimits() uploadLimits {
	return uploadLimits{MaxBytes: s.MaxUpload, MB: s.MaxUpload >> 20, MaxFiles: MaxFilesPerRequest, Types: strings.Join(blob.AcceptedTypes(), ",")}
}

func subtypesByCategory() map[kasuhara.Category][]string {
	m := map[kasuhara.Category][]string{}
	for _, s := range kasuhara.Subtypes {
		c := kasuhara.SubtypeCategory[s]
		m[c] = append(m[c], s)
	}
	return m
}

func (s *Server) reportFormPage(w http.ResponseWriter, r *http.Request, status int, p *page) error {
	d := &reportFormData{Subtypes: subtypesByCategory(), Now: s.Now().In(calendar.JST).Format("2006-01-02T15:04"),
		MaxUploadMB: s.MaxUpload >> 20, MaxFiles: MaxFilesPerRequest, Action: "/report", IdempotencyKey: newIdempotencyKey()}
	dep := ""
	if slug := r.PathValue("org"); slug != "" {
		org, err := s.Orgs.OrgBySlug(r.Context(), slug)
		if err != nil {
			return err
		}
		d.Anonymous, d.OrgName, d.Action, p.Brand = true, org.Name, "/o/"+org.Slug+"/report", org
		st, err := s.Settings.Settings(r.Context(), org.ID)
		if err != nil {
			return err
		}
		d.Sender = st.Sender
		p.Title, p.Nav = "anon.title", "report"
	} else {
		v := viewerFrom(r.Context())
		deps, err := s.Orgs.Departments(r.Context(), v.Org.ID)
		if err != nil {
			return err
		}
		d.Departments, dep, d.OrgName = deps, v.Membership.DepartmentID, v.Org.Name
		p.Title, p.Nav = "report.title", "report"
		if r.URL.Path == onBehalfPath {
			// A named employee's case is in their department; the choice
			// is for an employee who does not want to be named.
			d.OnBehalf, d.ReceivedVias, d.Action, dep = true, kasuhara.ReceivedVias, onBehalfPath, ""
			p.Title, p.Nav = "onbehalf.title", "recorded"
		}
		callID := r.URL.Query().Get("call")
		if p.Form != nil {
			callID = p.Form.Values["call"]
		}
		if callID != "" && s.Calls != nil {
			if d.Call, err = s.Calls.CallDraft(r.Context(), v.Actor, callID); err != nil {
				return err
			}
		}
	}
	p.Data = d
	if p.Form == nil {
		p.Form = &form{Values: map[string]string{"department": dep, "occurred_at": d.Now}, Errors: map[string]string{}, Multi: map[string][]string{}}
		prefillReport(r, p.Form)
		if c := d.Call; c != nil {
			// What the phone system knows of the call.
			p.Form.Values["call"], p.Form.Values["channel"] = c.ID, "phone"
			p.Form.Values["occurred_at"] = c.StartedAt.In(calendar.JST).Format("2006-01-02T15:04")
			p.Form.Values["duration_minutes"] = strconv.Itoa((c.DurationSeconds + 59) / 60)
			p.Form.Values["customer_phone"] = c.Caller
		}
	}
	return s.render(w, r, status, "report", p)
}

func (s *Server) reportForm(w http.ResponseWriter, r *http.Request) error {
	return s.reportFormPage(w, r, http.StatusOK, &page{})
}

// reportFields are the single-value fields of the report form.
var reportFields = []string{"occurred_at", "duration_minutes", "channel", "location", "department", "request_content", "conduct",
	"harm", "wishes", "witnesses", "customer_name", "customer_name_kana", "customer_phone", "customer_email",
	"customer_account", "customer_sns", "danger_ongoing", "consultation", "employee", "unnamed", "received_via", "call"}

// reportForm is a submitted report form, parsed.
type reportSubmission struct {
	vals url.Values
	mf   *multipartForm // nil for a form without files
	rep  kasuhara.Report
	err  error // EINVALID with every field problem, or another failure
}

// parseReport reads the report form (urlencoded or multipart with files
// streamed into the blob store) for the viewer (nil: anonymous).
func (s *Server) parseReport(r *http.Request, v *viewer) *reportSubmission {
	sub := &reportSubmission{}
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct == "multipart/form-data" {
		if sub.mf, sub.err = s.readMultipart(r); sub.err != nil {
			if sub.mf != nil {
				// A refused file or a body over its limit: what was
				// read is shown again.
				sub.vals = sub.mf.values
			}
			return sub
		}
		sub.vals = sub.mf.values
	} else {
		if sub.err = r.ParseForm(); sub.err != nil {
			return sub
		}
		sub.vals = r.PostForm
	}
	vals := sub.vals
	f := kasuhara.FieldErrors{}
	in := reportJSON{Channel: vals.Get("channel"), Location: vals.Get("location"), Department: vals.Get("department"),
		Consultation: vals.Get("consultation") == "on", reportContent: reportContent{
			Subtypes: vals["subtypes"], Categories: vals["categories"], RequestContent: vals.Get("request_content"),
			Conduct: vals.Get("conduct"), Harm: vals.Get("harm"), Wishes: vals.Get("wishes"), Witnesses: vals.Get("witnesses"),
			DangerOngoing: vals.Get("danger_ongoing") == "on",
			Customer: kasuhara.CustomerDetails{Name: vals.Get("customer_name"), NameKana: vals.Get("customer_name_kana"),
				Phone: vals.Get("customer_phone"), Email: vals.Get("customer_email"), Account: vals.Get("customer_account"),
				SNSHandle: vals.Get("customer_sns")}}}
	if t := strings.TrimSpace(vals.Get("occurred_at")); t != "" {
		// datetime-local has no zone: the employee means Japan time.
		if at, err := time.ParseInLocation("2006-01-02T15:04", t, calendar.JST); err == nil {
			in.OccurredAt = at.Format(time.RFC3339)
		} else {
			f.Add("occurred_at", kasuhara.FieldDateTime)
		}
	}
	if d := strings.TrimSpace(vals.Get("duration_minutes")); d != "" {
		n, err := strconv.Atoi(d)
		if err != nil {
			f.Add("duration_minutes", kasuhara.FieldNumber)
		}
		in.DurationMinutes = n
	}
	sub.rep, sub.err = s.toReport(r, v, in)
	if sub.err == nil {
		sub.err = f.Err()
	} else if fields := kasuhara.ErrorFields(sub.err); fields != nil {
		for k, m := range f {
			fields[k] = m
		}
	}
	return sub
}

func (sub *reportSubmission) files() []kasuhara.Evidence {
	if sub.mf == nil {
		return nil
	}
	return sub.mf.files
}

// reportFailed answers a report that could not be filed: the form again
// with every problem and what was typed, or the error. A refused file (415)
// or a body over its limit (413) shows the form too, with the status; files
// must be chosen again (they are not kept without a report), and the form
// names them.
func (s *Server) reportFailed(w http.ResponseWriter, r *http.Request, sub *reportSubmission, err error) error {
	var names []string
	if sub.mf != nil {
		names = sub.mf.chosen
	}
	s.discard(sub.mf)
	fields := kasuhara.ErrorFields(err)
	code := kasuhara.ErrorCode(err)
	var mbe *http.MaxBytesError
	switch {
	case sub.vals == nil:
		return err
	case errors.As(err, &mbe):
		code = kasuhara.ETOOLARGE
		fields = kasuhara.FieldErrors{"files": {Code: kasuhara.FieldFileTooLarge}}
	case code == kasuhara.EINVALID, (code == kasuhara.EUNSUPPORTED || code == kasuhara.ETOOLARGE) && fields != nil:
	default:
		return err
	}
	loc := s.Catalog.Localizer(langFrom(r.Context()))
	form := &form{Values: map[string]string{}, Errors: map[string]string{},
		Multi: map[string][]string{"subtypes": sub.vals["subtypes"], "categories": sub.vals["categories"]}}
	for _, k := range reportFields {
		form.Values[k] = sub.vals.Get(k)
	}
	for k, m := range fields {
		if k == "file" {
			k = "files"
		}
		form.Errors[k] = translateField(loc, m)
	}
	if _, ok := form.Errors["files"]; !ok && len(names) > 0 {
		form.Errors["files"] = translateField(loc, kasuhara.FieldError{Code: kasuhara.FieldChooseAgain, Args: map[string]any{"Names": names}})
	}
	flash := "form.fix"
	if len(names) > 0 {
		flash = "report.fix_and_reattach"
	}
	if _, reused := fields[idempotencyField]; reused {
		// Back to a sent form, changed and sent again: the form is drawn
		// anew with a new key, and says what happened.
		flash = "report.key_reused"
	}
	return s.reportFormPage(w, r, statusOf(code), &page{Form: form, Flash: flash, FlashKind: "error"})
}

// fileReport takes the web form, with photos or recordings attached. The
// form is mobile-first: few required fields, the rest optional; a failed
// submission shows every problem at once and keeps what was typed.
func (s *Server) fileReport(w http.ResponseWriter, r *http.Request) error {
	v := viewerFrom(r.Context())
	sub := s.parseReport(r, v)
	if sub.err != nil {
		return s.reportFailed(w, r, sub, sub.err)
	}
	id, err := s.fileOnce(r, v, sub, func() (*kasuhara.Case, error) {
		if call := sub.vals.Get("call"); call != "" && s.Calls != nil {
			// The report of a call from the phone system: its recording
			// goes with it.
			return s.Calls.FileCallDraft(r.Context(), v.Actor, call, sub.rep, sub.files()...)
		}
		return s.Cases.FileReport(r.Context(), v.Actor, sub.rep, sub.files()...)
	})
	if err != nil {
		return s.reportFailed(w, r, sub, err)
	}
	return s.done(w, r, "report.filed", "/cases/"+id+"?filed=1")
}

// fileOnce files the submitted report with file once per drawing of its
// form and returns the case's id. The same submission again (two taps, a
// reload) returns the case filed the first time, and the files it brought
// are not kept.
func (s *Server) fileOnce(r *http.Request, v *viewer, sub *reportSubmission, file func() (*kasuhara.Case, error)) (string, error) {
	id, repeat, err := s.once(r.Context(), "user:"+v.User.ID, sub.vals.Get(idempotencyField), formDigest(sub.vals, sub.files()), func() (string, error) {
		c, err := file()
		if err != nil {
			return "", err
		}
		return c.ID, nil
	})
	if err == nil && repeat {
		s.discard(sub.mf)
	}
	return id, err
}

// myReports lists the signed-in person's own reports and their state.
func (s *Server) myReports(w http.ResponseWriter, r *http.Request) error {
	v := viewerFrom(r.Context())
	list, next, err := s.Cases.Cases(r.Context(), v.Actor, kasuhara.CaseFilter{Mine: true, Cursor: r.URL.Query().Get("cursor")})
	if err != nil {
		return err
	}
	var calls []kasuhara.CallDraft
	if s.Calls != nil && !v.ViaToken {
		if calls, err = s.Calls.CallDrafts(r.Context(), v.Actor); err != nil {
			return err
		}
	}
	return s.render(w, r, http.StatusOK, "my_reports", &page{Title: "reports.title", Nav: "reports", Data: map[string]any{"Cases": list, "Next": next, "Now": s.Now(), "Calls": calls}})
}

// dismissCall sets a call the agent does not report aside.
func (s *Server) dismissCall(w http.ResponseWriter, r *http.Request) error {
	blobID, err := s.Calls.DismissCallDraft(r.Context(), viewerFrom(r.Context()).Actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	if blobID != "" {
		// The recording of a call not reported is not kept.
		if err := s.Blobs.Delete(blobID); err != nil && !errors.Is(err, fs.ErrNotExist) {
			s.Logger.Error("deleting a call's recording", "request_id", requestID(r.Context()), "err", err)
		}
	}
	return s.done(w, r, "calls.dismissed", "/reports")
}

// reportContent is what a report says: the fields of the body of
// POST /api/v1/reports (reportJSON), named as a case shows them (caseOut,
// caseNarratives).
type reportContent struct {
	Categories     []string                 `json:"categories"`
	Subtypes       []string                 `json:"subtypes"`
	RequestContent string                   `json:"request_content"`
	Conduct        string                   `json:"conduct"`
	Harm           string                   `json:"harm"`
	Wishes         string                   `json:"wishes"`
	DangerOngoing  bool                     `json:"danger_ongoing"`
	Witnesses      string                   `json:"witnesses"`
	Customer       kasuhara.CustomerDetails `json:"customer"`
}

// reportJSON is the body of POST /api/v1/reports.
type reportJSON struct {
	OccurredAt      string `json:"occurred_at"`
	DurationMinutes int    `json:"duration_minutes"`
	Channel         string `json:"channel"`
	Location        string `json:"location"`
	Department      string `json:"department"`
	reportContent
	Consultation bool `json:"consultation"`
}

// toReport converts the JSON (or the web form) to a report, resolving the
// department by id or name within the viewer's organisation.
func (s *Server) toReport(r *http.Request, v *viewer, in reportJSON) (kasuhara.Report, error) {
	if v == nil {
		// An anonymous report names no department (it could identify the
		// reporter in a small team).
		in.Department = ""
		v = &viewer{Org: &kasuhara.Org{}}
	}
	f := kasuhara.FieldErrors{}
	rep := kasuhara.Report{OccurredAt: parseTime(f, "occurred_at", in.OccurredAt), DurationMinutes: in.DurationMinutes, Channel: in.Channel,
		Location: in.Location, Subtypes: in.Subtypes, RequestContent: in.RequestContent, Conduct: in.Conduct, Harm: in.Harm,
		Wishes: in.Wishes, DangerOngoing: in.DangerOngoing, Witnesses: in.Witnesses, Customer: in.Customer, Consultation: in.Consultation}
	for _, c := range in.Categories {
		rep.Categories = append(rep.Categories, kasuhara.Category(c))
	}
	// Screening suggests; here it only raises the alarm: a text with a
	// severe threat makes the case urgent for the desk.
	rep.ThreatDetected = screenReport(in.Conduct, in.RequestContent).MaxSeverity() >= 3
	rep.DepartmentID = v.Membership.DepartmentID
	if d := strings.TrimSpace(in.Department); d != "" {
		deps, err := s.Orgs.Departments(r.Context(), v.Org.ID)
		if err != nil {
			return rep, err
		}
		rep.DepartmentID = ""
		for _, dep := range deps {
			if dep.ID == d || dep.Name == d {
				rep.DepartmentID = dep.ID
			}
		}
		if rep.DepartmentID == "" {
			f.Add("department", kasuhara.FieldNotOwnDepartment)
		}
	}
	if err := f.Err(); err != nil {
		// Report every other field problem at once too.
		if verr := rep.Validate(s.Now()); verr != nil {
			for k, m := range kasuhara.ErrorFields(verr) {
				if k != "occurred_at" {
					f.AddError(k, m)
				}
			}
		}
		return rep, f.Err()
	}
	return rep, nil
}
