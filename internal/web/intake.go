package web

import (
	"errors"
	"io/fs"
	"mime"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/blob"
	"github.com/kasuhara/kasuhara/internal/calendar"
)

// The desk's mailbox (issue 25): the mail that arrived for the desk waits
// here for a person's decision: filed as a case, attached to one by its
// number, or discarded with a reason; the desk may reply by mail.

var intakeStates = []kasuhara.IntakeState{kasuhara.IntakeOpen, kasuhara.IntakeFiled, kasuhara.IntakeAttached, kasuhara.IntakeDiscarded}

// intakeFields are the fields of the item page's forms.
var intakeFields = []string{"occurred_at", "channel", "department", "conduct", "request_content", "wishes", "customer_name", "case", "reason", "body"}

func (s *Server) intakeList(w http.ResponseWriter, r *http.Request) error {
	state := kasuhara.IntakeState(r.URL.Query().Get("state"))
	if !slices.Contains(intakeStates, state) {
		state = kasuhara.IntakeOpen
	}
	items, err := s.Intake.IntakeItems(r.Context(), viewerFrom(r.Context()).Actor, state)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "intake", &page{Title: "intake.title", Nav: "intake",
		Data: map[string]any{"Items": items, "State": state, "States": intakeStates}})
}

func (s *Server) intakePage(w http.ResponseWriter, r *http.Request) error {
	return s.renderIntake(w, r, http.StatusOK, nil)
}

func (s *Server) renderIntake(w http.ResponseWriter, r *http.Request, status int, f *form) error {
	v := viewerFrom(r.Context())
	it, err := s.Intake.IntakeItem(r.Context(), v.Actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	deps, err := s.Orgs.Departments(r.Context(), v.Org.ID)
	if err != nil {
		return err
	}
	names, _, err := s.names(r, it.OrgID)
	if err != nil {
		return err
	}
	if f == nil {
		// The mail's words are the report's conduct until the desk
		// rewrites them; the time is when it arrived.
		f = &form{Values: map[string]string{"conduct": it.Body, "occurred_at": it.ReceivedAt.In(calendar.JST).Format("2006-01-02T15:04"),
			"sender_is_reporter": "on"}, Errors: map[string]string{}, Multi: map[string][]string{}}
	}
	p := &page{Title: "intake.item", Nav: "intake", Form: f, Data: map[string]any{"Item": it, "Departments": deps, "Names": names,
		"Now": s.Now().In(calendar.JST).Format("2006-01-02T15:04"), "Subtypes": subtypesByCategory()}}
	if len(f.Errors) > 0 {
		p.Flash, p.FlashKind = "form.fix", "error"
	}
	return s.render(w, r, status, "intake_item", p)
}

// intakeFailed shows the item again with the form's problems, or returns
// the error.
func (s *Server) intakeFailed(w http.ResponseWriter, r *http.Request, err error) error {
	if kasuhara.ErrorCode(err) != kasuhara.EINVALID {
		return err
	}
	f := s.newForm(r, err, intakeFields...)
	f.Multi = map[string][]string{"categories": r.PostForm["categories"], "subtypes": r.PostForm["subtypes"]}
	if r.PostFormValue("sender_is_reporter") == "on" {
		f.Values["sender_is_reporter"] = "on"
	}
	if r.PostFormValue("consultation") == "on" {
		f.Values["consultation"] = "on"
	}
	return s.renderIntake(w, r, http.StatusUnprocessableEntity, f)
}

// intakeFile turns the mail into a case with what the desk completed.
func (s *Server) intakeFile(w http.ResponseWriter, r *http.Request) error {
	v := viewerFrom(r.Context())
	if err := r.ParseForm(); err != nil {
		return err
	}
	vals := r.PostForm
	f := kasuhara.FieldErrors{}
	rep := kasuhara.Report{Channel: vals.Get("channel"), DepartmentID: vals.Get("department"), Subtypes: vals["subtypes"],
		Conduct: vals.Get("conduct"), RequestContent: vals.Get("request_content"), Wishes: vals.Get("wishes"),
		Consultation: vals.Get("consultation") == "on", Customer: kasuhara.CustomerDetails{Name: vals.Get("customer_name")}}
	for _, c := range vals["categories"] {
		rep.Categories = append(rep.Categories, kasuhara.Category(c))
	}
	if at, err := time.ParseInLocation("2006-01-02T15:04", strings.TrimSpace(vals.Get("occurred_at")), calendar.JST); err == nil {
		rep.OccurredAt = at
	} else {
		f.Add("occurred_at", kasuhara.FieldDateTime)
	}
	if err := f.Err(); err != nil {
		return s.intakeFailed(w, r, err)
	}
	c, err := s.Intake.FileIntake(r.Context(), v.Actor, r.PathValue("id"), kasuhara.IntakeFiling{Report: rep, SenderIsReporter: vals.Get("sender_is_reporter") == "on"})
	if err != nil {
		return s.intakeFailed(w, r, err)
	}
	return s.done(w, r, "intake.filed", "/cases/"+c.ID)
}

// intakeAttach adds the mail to the case with the number typed.
func (s *Server) intakeAttach(w http.ResponseWriter, r *http.Request) error {
	c, err := s.Intake.AttachIntake(r.Context(), viewerFrom(r.Context()).Actor, r.PathValue("id"), caseByNumber(r.PostFormValue("case")))
	if err != nil {
		return s.intakeFailed(w, r, err)
	}
	return s.done(w, r, "intake.attached", "/cases/"+c.ID)
}

func (s *Server) intakeDiscard(w http.ResponseWriter, r *http.Request) error {
	blobs, err := s.Intake.DiscardIntake(r.Context(), viewerFrom(r.Context()).Actor, r.PathValue("id"), r.PostFormValue("reason"))
	if err != nil {
		return s.intakeFailed(w, r, err)
	}
	for _, id := range blobs {
		if err := s.Blobs.Delete(id); err != nil && !errors.Is(err, fs.ErrNotExist) {
			// The decision stands; a file left behind is found by the
			// evidence check and logged without content.
			s.Logger.Error("deleting a discarded mail's file", "request_id", requestID(r.Context()), "err", err)
		}
	}
	return s.done(w, r, "intake.discarded", "/intake")
}

func (s *Server) intakeReply(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.Intake.ReplyIntake(r.Context(), viewerFrom(r.Context()).Actor, r.PathValue("id"), r.PostFormValue("body")); err != nil {
		return s.intakeFailed(w, r, err)
	}
	return s.done(w, r, "intake.replied", "/intake/"+r.PathValue("id"))
}

// intakeAttachment streams an attachment of a mail (an audited read of the
// item), checked against its SHA-256 as it goes.
func (s *Server) intakeAttachment(w http.ResponseWriter, r *http.Request) error {
	it, err := s.Intake.IntakeItem(r.Context(), viewerFrom(r.Context()).Actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	i := slices.IndexFunc(it.Attachments, func(a kasuhara.IntakeAttachment) bool { return a.ID == r.PathValue("attachment") })
	if i < 0 {
		return kasuhara.Errorf(kasuhara.ENOTFOUND, "no such file")
	}
	a := it.Attachments[i]
	f, err := s.Blobs.Open(a.BlobID)
	if err != nil {
		return err
	}
	defer f.Close()
	checked := blob.NewChecked(f, f.Size(), a.SHA256)
	h := w.Header()
	h.Set("Content-Type", a.MediaType)
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	h.Set("Cache-Control", "private, no-store")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": a.Filename}))
	http.ServeContent(w, r, "", it.ReceivedAt, checked)
	if checked.Failed() {
		panic(http.ErrAbortHandler)
	}
	return nil
}
