package web

import (
	"net/http"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/access"
)

type assignmentJSON struct {
	CourseID       string     `json:"course_id"`
	Title          string     `json:"title"`
	Status         string     `json:"status"`
	Due            string     `json:"due"`
	Pending        bool       `json:"pending"`
	EveryMonths    int        `json:"every_months"`
	PassedAt       *time.Time `json:"passed_at"`
	CertificateURL string     `json:"certificate_url,omitempty"`
}

func (s *Server) apiTrainingAssignments(w http.ResponseWriter, r *http.Request) error {
	items, err := s.Training.MyTraining(r.Context(), viewerFrom(r.Context()).Actor)
	if err != nil {
		return err
	}
	out := []assignmentJSON{}
	for _, it := range items {
		a := assignmentJSON{CourseID: it.Course.ID, Title: it.Course.Title(apiLang(r)), Status: it.Status, Due: it.Due, Pending: it.Pending,
			EveryMonths: it.Assignment.EveryMonths, PassedAt: timeOrNil(it.PassAt)}
		if it.AttemptID != "" {
			a.CertificateURL = "/training/certificates/" + it.AttemptID
		}
		out = append(out, a)
	}
	return sendJSON(w, http.StatusOK, map[string]any{"assignments": out})
}

type questionJSON struct {
	Text     string   `json:"text"`
	Multiple bool     `json:"multiple"`
	Choices  []string `json:"choices"`
}

// apiCourse gives a published course to take: lessons and questions, never
// the answers.
func (s *Server) apiCourse(w http.ResponseWriter, r *http.Request) error {
	v := viewerFrom(r.Context())
	c, err := s.Training.Course(r.Context(), v.Org.ID, r.PathValue("id"))
	if err == nil && !c.Published {
		err = kasuhara.Errorf(kasuhara.ENOTFOUND, "course not found")
	}
	if err != nil {
		return err
	}
	lang := c.Lang(apiLang(r))
	content, err := c.Content(lang)
	if err != nil {
		return err
	}
	type lessonJSON struct {
		Title string `json:"title"`
		Body  string `json:"body"`
	}
	lessons := []lessonJSON{}
	for _, l := range content.Lessons {
		lessons = append(lessons, lessonJSON{l.Title, l.Body})
	}
	qs := []questionJSON{}
	for _, q := range content.Questions {
		qj := questionJSON{Text: q.Text, Multiple: q.Multiple()}
		for _, ch := range q.Choices {
			qj.Choices = append(qj.Choices, ch.Text)
		}
		qs = append(qs, qj)
	}
	return sendJSON(w, http.StatusOK, map[string]any{"id": c.ID, "title": c.Title(lang), "lang": lang, "pass_mark": c.PassMark, "lessons": lessons, "questions": qs})
}

func (s *Server) apiSubmitAttempt(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Lang    string  `json:"lang"`
		Answers [][]int `json:"answers"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	a, err := s.Training.SubmitAttempt(r.Context(), viewerFrom(r.Context()).Actor, r.PathValue("id"), in.Lang, in.Answers)
	if err != nil {
		return err
	}
	out := map[string]any{"id": a.ID, "passed": a.Passed, "lang": a.Lang, "created_at": a.CreatedAt}
	if a.Passed {
		// The score and which answers were wrong only once passed (the
		// store keeps the latter so): a failed attempt's score would let
		// a person change one answer at a time and find the right ones.
		out["score"] = a.Score
		wrong := a.Wrong
		if wrong == nil {
			wrong = []int{}
		}
		out["wrong"] = wrong
		out["certificate_url"] = "/training/certificates/" + a.ID
	}
	return sendJSON(w, http.StatusCreated, out)
}

type trainingRowJSON struct {
	CourseID     string   `json:"course_id"`
	Course       string   `json:"course"`
	DepartmentID string   `json:"department_id"`
	Department   string   `json:"department"`
	Assigned     int      `json:"assigned"`
	Complete     int      `json:"complete"`
	Due          int      `json:"due"`
	Overdue      int      `json:"overdue"`
	Rate         float64  `json:"completion_rate"`
	Pending      []string `json:"pending,omitempty"` // names; legal and admin only
}

// apiTrainingReport is completion per course and department.
func (s *Server) apiTrainingReport(w http.ResponseWriter, r *http.Request) error {
	if err := s.allow(r, access.ViewTraining); err != nil {
		return err
	}
	v := viewerFrom(r.Context())
	rows, err := s.Training.TrainingReport(r.Context(), v.Actor)
	if err != nil {
		return err
	}
	out := []trainingRowJSON{}
	for _, row := range rows {
		title := row.CourseTitleJa
		if apiLang(r) == "en" && row.CourseTitleEn != "" {
			title = row.CourseTitleEn
		}
		j := trainingRowJSON{CourseID: row.CourseID, Course: title, DepartmentID: row.DepartmentID, Department: row.DepartmentName,
			Assigned: row.Assigned, Complete: row.Complete, Due: row.Due, Overdue: row.Overdue}
		if row.Assigned > 0 {
			j.Rate = float64(row.Complete*1000/row.Assigned) / 1000
		}
		for _, m := range row.Pending {
			j.Pending = append(j.Pending, m.User.Name)
		}
		out = append(out, j)
	}
	return sendJSON(w, http.StatusOK, map[string]any{"rows": out})
}
