package web

import (
	"mime"
	"net/http"
	"slices"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/access"
	"github.com/kasuhara/kasuhara/internal/calendar"
	"github.com/kasuhara/kasuhara/internal/document"
)

type postIn struct {
	URL            string `json:"url"`
	Platform       string `json:"platform"`
	AuthorHandle   string `json:"author_handle"`
	PostedAt       string `json:"posted_at"`
	CapturedAt     string `json:"captured_at"`
	CapturedText   string `json:"captured_text"`
	EmployeesNamed string `json:"employees_named"`
	CaseID         string `json:"case_id"`
	CustomerID     string `json:"customer_id"`
}

func (s *Server) createPost(r *http.Request, in postIn) (*kasuhara.OnlinePost, error) {
	f := kasuhara.FieldErrors{}
	posted := parseDateOrTime(f, "posted_at", in.PostedAt)
	captured := parseDateOrTime(f, "captured_at", in.CapturedAt)
	if err := f.Err(); err != nil {
		return nil, err
	}
	return s.Posts.CreatePost(r.Context(), viewerFrom(r.Context()).Actor, kasuhara.OnlinePost{URL: in.URL, Platform: in.Platform,
		AuthorHandle: in.AuthorHandle, PostedAt: posted, CapturedAt: captured, CapturedText: in.CapturedText, EmployeesNamed: in.EmployeesNamed,
		CaseID: in.CaseID, CustomerID: in.CustomerID})
}

// addFiles reads the files of a multipart request, once check has said
// that the viewer may add them (before any file is read), and records
// each with add. At least one file is required; on an error the files not
// recorded yet are removed from the blob store.
func addFiles[T any](s *Server, r *http.Request, check func() error, add func(kasuhara.Evidence) (*T, error)) ([]T, error) {
	if err := check(); err != nil {
		return nil, err
	}
	f, err := s.readMultipart(r)
	if err != nil {
		return nil, err
	}
	if len(f.files) == 0 {
		return nil, kasuhara.InvalidField("file", kasuhara.FieldRequired)
	}
	var out []T
	for i, e := range f.files {
		got, err := add(e)
		if err != nil {
			f.files = f.files[i:]
			s.discard(f)
			return out, err
		}
		out = append(out, *got)
	}
	return out, nil
}

// uploadPostFiles keeps screenshots of a post, encrypted, with their hashes.
func (s *Server) uploadPostFiles(r *http.Request) ([]kasuhara.PostFile, error) {
	actor := viewerFrom(r.Context()).Actor
	return addFiles(s, r, func() error {
		_, err := s.Posts.PostByID(r.Context(), actor, r.PathValue("id"))
		return err
	}, func(e kasuhara.Evidence) (*kasuhara.PostFile, error) {
		return s.Posts.AddPostFile(r.Context(), actor, r.PathValue("id"), kasuhara.PostFile{BlobID: e.BlobID, Filename: e.Filename, MediaType: e.MediaType, Size: e.Size, SHA256: e.SHA256})
	})
}

func (s *Server) postFile(w http.ResponseWriter, r *http.Request) error {
	fs, err := s.Posts.PostFiles(r.Context(), viewerFrom(r.Context()).Actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	for _, f := range fs {
		if f.ID != r.PathValue("file") {
			continue
		}
		rd, err := s.Blobs.Open(f.BlobID)
		if err != nil {
			return err
		}
		defer rd.Close()
		w.Header().Set("Content-Type", f.MediaType)
		w.Header().Set("Content-Security-Policy", "sandbox; default-src 'none'")
		w.Header().Set("Cache-Control", "private, no-store")
		w.Header().Set("Content-Disposition", mime.FormatMediaType("inline", map[string]string{"filename": f.Filename}))
		http.ServeContent(w, r, "", f.CreatedAt, rd)
		return nil
	}
	return kasuhara.Errorf(kasuhara.ENOTFOUND, "file not found")
}

// removalRequest drafts, as PDF, a request to the platform to remove a
// post, with the facts filled in; the desk reviews it before sending. The
// request asserts only the rights chosen (rights=honour, rights=privacy or
// both) and names the employee only when their consent is recorded.
func (s *Server) removalRequest(w http.ResponseWriter, r *http.Request) error {
	v := viewerFrom(r.Context())
	p, err := s.Posts.PostByID(r.Context(), v.Actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	lang := r.URL.Query().Get("lang")
	if lang != "en" {
		lang = "ja"
	}
	var rights []string
	for _, right := range kasuhara.Rights {
		if slices.Contains(r.URL.Query()["rights"], right) {
			rights = append(rights, right)
		}
	}
	if len(rights) == 0 || len(rights) != len(r.URL.Query()["rights"]) {
		return kasuhara.Invalid(kasuhara.FieldErrors{"rights": kasuhara.OneOf(kasuhara.Rights...)})
	}
	t, err := s.Posts.RemovalTemplate(r.Context(), v.Org.ID, lang)
	if err != nil {
		return err
	}
	st, err := s.Settings.Settings(r.Context(), v.Org.ID)
	if err != nil {
		return err
	}
	f, err := document.RemovalRequest(document.RemovalInput{Locale: s.locale(lang).WithDates(st.DateStyle), Now: s.Now(),
		Org: v.Org.Name, Sender: st.Sender, Post: p, Template: t, Rights: rights})
	if err != nil {
		return err
	}
	s.sendFile(w, r, f)
	return nil
}

// Screens.

func (s *Server) postsPage(w http.ResponseWriter, r *http.Request) error {
	ps, err := s.Posts.Posts(r.Context(), viewerFrom(r.Context()).Actor, r.URL.Query().Get("status"))
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "posts", &page{Title: "posts.title", Nav: "posts", Data: map[string]any{"Posts": ps, "Now": s.Now()}})
}

func (s *Server) uiCreatePost(w http.ResponseWriter, r *http.Request) error {
	toRFC := func(v string) string {
		if t, err := time.ParseInLocation("2006-01-02T15:04", v, calendar.JST); err == nil {
			return t.Format(time.RFC3339)
		}
		return v
	}
	// The case is picked by its number; the store takes its id.
	var p *kasuhara.OnlinePost
	caseID, err := s.pickedCase(r.Context(), viewerFrom(r.Context()).Actor, r.PostFormValue("case"))
	if err == nil {
		p, err = s.createPost(r, postIn{URL: r.PostFormValue("url"), Platform: r.PostFormValue("platform"), AuthorHandle: r.PostFormValue("author_handle"),
			PostedAt: toRFC(r.PostFormValue("posted_at")), CapturedText: r.PostFormValue("captured_text"), EmployeesNamed: r.PostFormValue("employees_named"),
			CaseID: caseID})
	}
	if kasuhara.ErrorCode(err) == kasuhara.EINVALID {
		ps, _ := s.Posts.Posts(r.Context(), viewerFrom(r.Context()).Actor, "")
		f := s.newForm(r, err, "url", "platform", "author_handle", "posted_at", "captured_text", "employees_named", "case")
		if e, ok := f.Errors["case_id"]; ok {
			f.Errors["case"] = e
		}
		return s.render(w, r, http.StatusUnprocessableEntity, "posts", &page{Title: "posts.title", Nav: "posts", Flash: "form.fix", FlashKind: "error",
			Form: f, Data: map[string]any{"Posts": ps, "Now": s.Now()}})
	}
	if err != nil {
		return err
	}
	return s.done(w, r, "posts.created", "/online-posts/"+p.ID)
}

func (s *Server) postPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderPost(w, r, http.StatusOK, &page{})
}

// renderPost renders a post's page with status, keeping what p holds (a
// form with its errors).
func (s *Server) renderPost(w http.ResponseWriter, r *http.Request, status int, p *page) error {
	v := viewerFrom(r.Context())
	post, err := s.Posts.PostByID(r.Context(), v.Actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	fs, err := s.Posts.PostFiles(r.Context(), v.Actor, post.ID)
	if err != nil {
		return err
	}
	names, _, err := s.names(r, v.Org.ID)
	if err != nil {
		return err
	}
	// The day of the consent as people write it, in Japan's time.
	consentDay := ""
	if at := post.Consent.At; !at.IsZero() {
		consentDay = at.In(calendar.JST).Format("2 January 2006")
		if langFrom(r.Context()) == "ja" {
			consentDay = at.In(calendar.JST).Format("2006年1月2日")
		}
	}
	p.Title, p.Nav = "posts.post", "posts"
	p.Data = map[string]any{"Post": post, "Files": fs, "Next": kasuhara.NextPostStatuses(post.Status), "MaxMB": s.MaxUpload >> 20, "Names": names,
		"ConsentDay": consentDay}
	return s.render(w, r, status, "post", p)
}

// uiRecordConsent records the named employee's consent to being named in
// removal requests: who gave it and on which day.
func (s *Server) uiRecordConsent(w http.ResponseWriter, r *http.Request) error {
	if err := s.allow(r, access.ManagePosts); err != nil {
		return err
	}
	f := kasuhara.FieldErrors{}
	at := parseDateOrTime(f, "consent_at", r.PostFormValue("consent_at"))
	err := f.Err()
	if err == nil {
		_, err = s.Posts.RecordConsent(r.Context(), viewerFrom(r.Context()).Actor, r.PathValue("id"), r.PostFormValue("consent_name"), at)
	}
	if kasuhara.ErrorCode(err) == kasuhara.EINVALID {
		return s.renderPost(w, r, http.StatusUnprocessableEntity, &page{Flash: "form.fix", FlashKind: "error",
			Form: s.newForm(r, err, "consent_name", "consent_at")})
	}
	if err != nil {
		return err
	}
	return s.done(w, r, "posts.consent_saved", "/online-posts/"+r.PathValue("id"))
}

func (s *Server) uiMovePost(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.Posts.MovePost(r.Context(), viewerFrom(r.Context()).Actor, r.PathValue("id"), r.PostFormValue("status")); err != nil {
		return err
	}
	return s.done(w, r, "posts.moved", "/online-posts/"+r.PathValue("id"))
}

func (s *Server) uiUploadPostFiles(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.uploadPostFiles(r); err != nil {
		return err
	}
	return s.done(w, r, "case.evidence_added", "/online-posts/"+r.PathValue("id"))
}

// removalTemplatePage lets the desk and legal edit the removal request.
func (s *Server) removalTemplatePage(w http.ResponseWriter, r *http.Request) error {
	ts, err := s.Posts.RemovalTemplates(r.Context(), viewerFrom(r.Context()).Actor)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "removal_templates", &page{Title: "removal.templates", Nav: "posts", Data: ts})
}

func (s *Server) saveRemovalTemplate(w http.ResponseWriter, r *http.Request) error {
	v := viewerFrom(r.Context())
	err := s.Posts.SaveRemovalTemplate(r.Context(), v.Actor, kasuhara.RemovalTemplate{OrgID: v.Org.ID, Lang: r.PostFormValue("lang"),
		Title: r.PostFormValue("title"), Body: r.PostFormValue("body")})
	if err != nil {
		return err
	}
	return s.done(w, r, "letters.saved", "/online-posts/template")
}
