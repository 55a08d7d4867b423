package web

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/access"
	"github.com/kasuhara/kasuhara/internal/markdown"
	"github.com/kasuhara/kasuhara/internal/starter"
)

// trainingPage lists the viewer's courses with where they stand.
func (s *Server) trainingPage(w http.ResponseWriter, r *http.Request) error {
	v := viewerFrom(r.Context())
	items, err := s.Training.MyTraining(r.Context(), v.Actor)
	if err != nil {
		return err
	}
	studies, err := s.Training.CaseStudies(r.Context(), v.Org.ID)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "training", &page{Title: "training.title", Nav: "training", Data: map[string]any{"Items": items, "Studies": studies}})
}

// courseData is what the course page shows.
type courseData struct {
	Course  *kasuhara.Course
	Lang    string
	Content *kasuhara.CourseContent
	Preview bool // an admin looking at an unpublished course
	Attempt *kasuhara.Attempt
	Wrong   map[int]bool
	Ticked  map[int]map[int]bool
}

// viewableCourse is a published course of the viewer's organisation, or
// any of its courses for the admin (to preview).
func (s *Server) viewableCourse(r *http.Request) (*kasuhara.Course, bool, error) {
	v := viewerFrom(r.Context())
	c, err := s.Training.Course(r.Context(), v.Org.ID, r.PathValue("id"))
	if err != nil {
		return nil, false, err
	}
	admin := access.Can(v.Membership.Role, access.ManageContent)
	if !c.Published && !admin {
		return nil, false, kasuhara.Errorf(kasuhara.ENOTFOUND, "course not found")
	}
	return c, !c.Published, nil
}

// coursePage shows the lessons and the quiz.
func (s *Server) coursePage(w http.ResponseWriter, r *http.Request) error {
	c, preview, err := s.viewableCourse(r)
	if err != nil {
		return err
	}
	lang := c.Lang(langFrom(r.Context()))
	content, err := c.Content(lang)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "course", &page{Title: "training.title", Nav: "training",
		Data: &courseData{Course: c, Lang: lang, Content: content, Preview: preview}})
}

// answersFrom reads the quiz form: q0=1, q1=0&q1=2, …
func answersFrom(r *http.Request, n int) [][]int {
	out := make([][]int, n)
	for i := range n {
		for _, v := range r.PostForm["q"+strconv.Itoa(i)] {
			if j, err := strconv.Atoi(v); err == nil {
				out[i] = append(out[i], j)
			}
		}
	}
	return out
}

// submitCourse scores the quiz and shows the result on the course page.
func (s *Server) submitCourse(w http.ResponseWriter, r *http.Request) error {
	v := viewerFrom(r.Context())
	c, _, err := s.viewableCourse(r)
	if err != nil {
		return err
	}
	lang := r.PostFormValue("lang")
	if lang != "en" {
		lang = "ja"
	}
	lang = c.Lang(lang)
	content, err := c.Content(lang)
	if err != nil {
		return err
	}
	answers := answersFrom(r, len(content.Questions))
	d := &courseData{Course: c, Lang: lang, Content: content, Ticked: map[int]map[int]bool{}}
	for i, a := range answers {
		d.Ticked[i] = map[int]bool{}
		for _, j := range a {
			d.Ticked[i][j] = true
		}
	}
	a, err := s.Training.SubmitAttempt(r.Context(), v.Actor, c.ID, lang, answers)
	if kasuhara.ErrorCode(err) == kasuhara.EINVALID {
		return s.render(w, r, http.StatusBadRequest, "course", &page{Title: "training.title", Nav: "training", Flash: "course.answer_all", FlashKind: "error", Data: d})
	}
	if err != nil {
		return err
	}
	d.Attempt, d.Wrong = a, map[int]bool{}
	for _, i := range a.Wrong {
		d.Wrong[i] = true
	}
	// A failed attempt shows pass or fail only: its score would let a
	// person change one answer at a time and find the right ones.
	flash, args := "course.failed", map[string]any{"PassMark": c.PassMark}
	if a.Passed {
		flash, args = "course.passed", map[string]any{"Score": a.Score, "PassMark": c.PassMark}
	}
	return s.render(w, r, http.StatusOK, "course", &page{Title: "training.title", Nav: "training", Flash: flash, FlashKind: map[bool]string{true: "ok", false: "warn"}[a.Passed],
		FlashArgs: args, Data: d})
}

// certificateData is a passed attempt and how the organisation writes the
// dates of its certificates (西暦 or 和暦).
type certificateData struct {
	*kasuhara.Attempt
	DateStyle string
}

// certificatePage is a printable record of a passed course.
func (s *Server) certificatePage(w http.ResponseWriter, r *http.Request) error {
	a, err := s.Training.Attempt(r.Context(), viewerFrom(r.Context()).Actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	if !a.Passed {
		return kasuhara.Errorf(kasuhara.ENOTFOUND, "no certificate for an attempt that did not pass")
	}
	st, err := s.Settings.Settings(r.Context(), a.OrgID)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "certificate", &page{Title: "certificate.title", Nav: "training",
		Data: certificateData{Attempt: a, DateStyle: st.DateStyle}})
}

// trainingReportPage is completion per course and department.
func (s *Server) trainingReportPage(w http.ResponseWriter, r *http.Request) error {
	if err := s.allow(r, access.ViewTraining); err != nil {
		return err
	}
	rows, err := s.Training.TrainingReport(r.Context(), viewerFrom(r.Context()).Actor)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "training_report", &page{Title: "trainingreport.title", Nav: "training", Data: rows})
}

// trainingImage serves a picture to members of its organisation and of
// its subsidiaries (a group-wide policy may show it).
func (s *Server) trainingImage(w http.ResponseWriter, r *http.Request) error {
	var img *kasuhara.TrainingImage
	var err error
	for org := viewerFrom(r.Context()).Org; ; {
		img, err = s.Training.Image(r.Context(), org.ID, r.PathValue("id"))
		if err == nil || kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND || org.ParentID == "" {
			break
		}
		if org, err = s.Orgs.OrgByID(r.Context(), org.ParentID); err != nil {
			break
		}
	}
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", img.ContentType)
	w.Header().Set("Cache-Control", "private, max-age=86400")
	w.Header().Set("Content-Security-Policy", "default-src 'none'")
	w.Write(img.Data)
	return nil
}

// The admin's pages.

type adminTrainingData struct {
	Courses     []kasuhara.Course
	Assignments []kasuhara.Assignment
	Departments []kasuhara.Department
	Image       string // the path of an image just uploaded
}

func (s *Server) adminTrainingPage(w http.ResponseWriter, r *http.Request) error {
	if err := s.allow(r, access.ManageContent); err != nil {
		return err
	}
	return s.renderAdminTraining(w, r, http.StatusOK, nil, "")
}

func (s *Server) renderAdminTraining(w http.ResponseWriter, r *http.Request, status int, err error, image string) error {
	v := viewerFrom(r.Context())
	d := &adminTrainingData{Image: image}
	var lerr error
	if d.Courses, lerr = s.Training.Courses(r.Context(), v.Org.ID); lerr == nil {
		if d.Assignments, lerr = s.Training.CourseAssignments(r.Context(), v.Org.ID); lerr == nil {
			d.Departments, lerr = s.Orgs.Departments(r.Context(), v.Org.ID)
		}
	}
	if lerr != nil {
		return lerr
	}
	p := &page{Title: "admintraining.title", Nav: "training", Data: d, Form: s.newForm(r, err, "course", "role", "department", "due", "every_months")}
	return s.renderForm(w, r, status, "admin_training", p, err)
}

// adminCreateCourse starts a course, blank or from the built-in one.
func (s *Server) adminCreateCourse(w http.ResponseWriter, r *http.Request) error {
	if err := s.allow(r, access.ManageContent); err != nil {
		return err
	}
	v := viewerFrom(r.Context())
	p, err := s.starterParams(r)
	if err != nil {
		return err
	}
	c := starter.Course(p)
	if r.PostFormValue("start") != "builtin" {
		title := strings.TrimSpace(r.PostFormValue("title_ja"))
		if title == "" {
			return s.renderAdminTraining(w, r, http.StatusBadRequest, kasuhara.InvalidField("title_ja", kasuhara.FieldRequired), "")
		}
		// A course is saved only with a lesson and a question: start with a
		// skeleton of both that the admin rewrites.
		loc := s.Catalog.Localizer(langFrom(r.Context()))
		c = kasuhara.Course{TitleJa: title, PassMark: 80, SourceJa: loc.T("admintraining.skeleton", map[string]any{"Title": title})}
	}
	saved, err := s.Training.SaveCourse(r.Context(), v.Actor, c)
	if kasuhara.ErrorCode(err) == kasuhara.EINVALID {
		return s.renderAdminTraining(w, r, http.StatusBadRequest, err, "")
	}
	if err != nil {
		return err
	}
	return s.done(w, r, "admintraining.created", "/admin/training/courses/"+saved.ID)
}

func (s *Server) adminCoursePage(w http.ResponseWriter, r *http.Request) error {
	if err := s.allow(r, access.ManageContent); err != nil {
		return err
	}
	return s.renderCourseEditor(w, r, http.StatusOK, nil)
}

func (s *Server) renderCourseEditor(w http.ResponseWriter, r *http.Request, status int, err error) error {
	v := viewerFrom(r.Context())
	c, lerr := s.Training.Course(r.Context(), v.Org.ID, r.PathValue("id"))
	if lerr != nil {
		return lerr
	}
	f := s.newForm(r, err, "title_ja", "title_en", "pass_mark", "source_ja", "source_en")
	if err == nil {
		f.Values = map[string]string{"title_ja": c.TitleJa, "title_en": c.TitleEn, "pass_mark": strconv.Itoa(c.PassMark), "source_ja": c.SourceJa, "source_en": c.SourceEn}
	}
	p := &page{Title: "admintraining.edit", Nav: "training", Data: c, Form: f}
	return s.renderForm(w, r, status, "admin_course", p, err)
}

func (s *Server) adminSaveCourse(w http.ResponseWriter, r *http.Request) error {
	if err := s.allow(r, access.ManageContent); err != nil {
		return err
	}
	v := viewerFrom(r.Context())
	mark, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("pass_mark")))
	if err != nil {
		return s.renderCourseEditor(w, r, http.StatusBadRequest, kasuhara.Invalid(kasuhara.FieldErrors{"pass_mark": kasuhara.Between(kasuhara.FieldRange, 1, 100)}))
	}
	_, err = s.Training.SaveCourse(r.Context(), v.Actor, kasuhara.Course{ID: r.PathValue("id"), TitleJa: r.PostFormValue("title_ja"),
		TitleEn: r.PostFormValue("title_en"), SourceJa: r.PostFormValue("source_ja"), SourceEn: r.PostFormValue("source_en"), PassMark: mark})
	if kasuhara.ErrorCode(err) == kasuhara.EINVALID {
		return s.renderCourseEditor(w, r, http.StatusBadRequest, err)
	}
	if err != nil {
		return err
	}
	return s.done(w, r, "admintraining.saved", "/admin/training/courses/"+r.PathValue("id"))
}

func (s *Server) adminPublishCourse(w http.ResponseWriter, r *http.Request) error {
	if err := s.allow(r, access.ManageContent); err != nil {
		return err
	}
	v := viewerFrom(r.Context())
	published := r.PostFormValue("published") == "true"
	if err := s.Training.PublishCourse(r.Context(), v.Actor, r.PathValue("id"), published); err != nil {
		return err
	}
	return s.done(w, r, map[bool]string{true: "admintraining.published", false: "admintraining.unpublished"}[published], "/admin/training/courses/"+r.PathValue("id"))
}

func (s *Server) adminAssignCourse(w http.ResponseWriter, r *http.Request) error {
	if err := s.allow(r, access.ManageContent); err != nil {
		return err
	}
	v := viewerFrom(r.Context())
	every, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("every_months")))
	if err != nil {
		return s.renderAdminTraining(w, r, http.StatusBadRequest, kasuhara.Invalid(kasuhara.FieldErrors{"every_months": kasuhara.Between(kasuhara.FieldRangeMonths, 0, 120)}), "")
	}
	_, err = s.Training.AssignCourse(r.Context(), v.Actor, kasuhara.Assignment{CourseID: r.PostFormValue("course"),
		Role: kasuhara.Role(r.PostFormValue("role")), DepartmentID: r.PostFormValue("department"), FirstDue: r.PostFormValue("due"), EveryMonths: every})
	if kasuhara.ErrorCode(err) == kasuhara.EINVALID {
		return s.renderAdminTraining(w, r, http.StatusBadRequest, err, "")
	}
	if err != nil {
		return err
	}
	return s.done(w, r, "admintraining.assigned", "/admin/training")
}

func (s *Server) adminUnassignCourse(w http.ResponseWriter, r *http.Request) error {
	if err := s.allow(r, access.ManageContent); err != nil {
		return err
	}
	v := viewerFrom(r.Context())
	if err := s.Training.UnassignCourse(r.Context(), v.Actor, r.PathValue("id")); err != nil {
		return err
	}
	return s.done(w, r, "admintraining.unassigned", "/admin/training")
}

// adminUploadImage stores a lesson picture and shows the Markdown that
// puts it in a lesson.
func (s *Server) adminUploadImage(w http.ResponseWriter, r *http.Request) error {
	if err := s.allow(r, access.ManageContent); err != nil {
		return err
	}
	v := viewerFrom(r.Context())
	r.Body = http.MaxBytesReader(w, r.Body, kasuhara.MaxTrainingImage+64<<10)
	f, _, err := r.FormFile("image")
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return s.renderAdminTraining(w, r, http.StatusRequestEntityTooLarge, &kasuhara.Error{Code: kasuhara.ETOOLARGE, Message: "image too large",
			Fields: kasuhara.FieldErrors{"image": {Code: kasuhara.FieldFileTooLarge}}}, "")
	}
	if err != nil {
		return s.renderAdminTraining(w, r, http.StatusBadRequest, kasuhara.InvalidField("image", kasuhara.FieldRequired), "")
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, kasuhara.MaxTrainingImage+1))
	if err != nil {
		return err
	}
	id, err := s.Training.SaveImage(r.Context(), v.Actor, "", data)
	if c := kasuhara.ErrorCode(err); c == kasuhara.EINVALID || c == kasuhara.ETOOLARGE {
		status := http.StatusBadRequest
		if c == kasuhara.ETOOLARGE {
			status = http.StatusRequestEntityTooLarge
		}
		return s.renderAdminTraining(w, r, status, err, "")
	}
	if err != nil {
		return err
	}
	return s.renderAdminTraining(w, r, http.StatusCreated, nil, markdown.ImagePrefix+id)
}

// Case studies.

// caseStudyForm offers the desk or legal a case study of a closed case,
// prefilled with the case's kind only: the person writes the story.
func (s *Server) caseStudyForm(w http.ResponseWriter, r *http.Request) error {
	return s.renderCaseStudyForm(w, r, http.StatusOK, nil)
}

func (s *Server) renderCaseStudyForm(w http.ResponseWriter, r *http.Request, status int, err error) error {
	if err := s.allow(r, access.MakeCaseStudy); err != nil {
		return err
	}
	v := viewerFrom(r.Context())
	c, cerr := s.Cases.CaseByID(r.Context(), v.Actor, r.PathValue("id"))
	if cerr != nil {
		return cerr
	}
	f := s.newForm(r, err, "title", "body", "confirm")
	if err == nil {
		loc := s.Catalog.Localizer(langFrom(r.Context()))
		var kinds []string
		for _, st := range c.Report.Subtypes {
			kinds = append(kinds, loc.T("subtype."+st))
		}
		if len(kinds) == 0 {
			for _, cat := range c.Report.Categories {
				kinds = append(kinds, loc.T("category."+string(cat)))
			}
		}
		facts := loc.T("casestudy.kinds") + ": " + strings.Join(kinds, "、") + "\n" + loc.T("casestudy.channel") + ": " + loc.T("channel."+c.Report.Channel)
		if c.Verdict != "" {
			facts += "\n" + loc.T("casestudy.verdict") + ": " + loc.T("verdict."+c.Verdict)
		}
		f.Values["body"] = loc.T("casestudy.skeleton", map[string]any{"Facts": facts})
	}
	return s.render(w, r, status, "case_study_new", &page{Title: "casestudy.new", Nav: "queue", Data: c, Form: f})
}

func (s *Server) createCaseStudy(w http.ResponseWriter, r *http.Request) error {
	if err := s.allow(r, access.MakeCaseStudy); err != nil {
		return err
	}
	v := viewerFrom(r.Context())
	cs, err := s.Training.CreateCaseStudy(r.Context(), v.Actor, r.PathValue("id"), r.PostFormValue("title"), r.PostFormValue("body"),
		r.PostFormValue("confirm") == "on")
	if kasuhara.ErrorCode(err) == kasuhara.EINVALID {
		return s.renderCaseStudyForm(w, r, http.StatusBadRequest, err)
	}
	if err != nil {
		return err
	}
	return s.done(w, r, "casestudy.created", "/training/case-studies/"+cs.ID)
}

// caseStudyPage shows a case study to any member of the organisation; only
// the desk and legal see which case it came from.
func (s *Server) caseStudyPage(w http.ResponseWriter, r *http.Request) error {
	v := viewerFrom(r.Context())
	cs, err := s.Training.CaseStudy(r.Context(), v.Actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "case_study", &page{Title: "casestudy.title", Nav: "training", Data: cs})
}

// The API.
