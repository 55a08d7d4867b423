package kasuhara

import (
	"context"
	"errors"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// A course is written as text, one per language, in this format:
//
//	## First lesson title
//	Markdown of the lesson …
//
//	## Second lesson title
//	…
//
//	Q: A question on one line
//	- [x] a correct choice
//	- [ ] a wrong choice
//	> An explanation shown after the attempt (optional).
//
// Lessons come first, each starting with "## "; then the questions, each a
// "Q: " line followed by 2–6 choices. A question with more than one correct
// choice is answered by ticking all of them.

// Lesson is a part of a course: a title and a Markdown body.
type Lesson struct {
	Title string
	Body  string
}

// Choice is one possible answer to a question.
type Choice struct {
	Text    string
	Correct bool
}

// Question is a quiz question of a course.
type Question struct {
	Text        string
	Choices     []Choice
	Explanation string
}

// Key is the indexes of the correct choices of q, in order.
func (q Question) Key() []int {
	var out []int
	for j, c := range q.Choices {
		if c.Correct {
			out = append(out, j)
		}
	}
	return out
}

// Multiple reports whether more than one choice is correct.
func (q Question) Multiple() bool { return len(q.Key()) > 1 }

// CourseContent is a parsed course text.
type CourseContent struct {
	Lessons   []Lesson
	Questions []Question
}

// Key is the right answers to every question of c: the answers that
// score 100.
func (c CourseContent) Key() [][]int {
	out := make([][]int, len(c.Questions))
	for i, q := range c.Questions {
		out[i] = q.Key()
	}
	return out
}

// CourseError says where a course text is wrong: Line counts from 1.
type CourseError struct {
	Line int
	Code FieldCode // one of the FieldCourse codes
}

// Field is e as the error of the field that holds the text.
func (e *CourseError) Field() FieldError { return AtLine(e.Code, e.Line) }

func (e *CourseError) Error() string { return e.Field().String() }

// ParseCourse reads a course text. The error is a *CourseError.
func ParseCourse(src string) (*CourseContent, error) {
	c := &CourseContent{}
	lines := strings.Split(strings.ReplaceAll(strings.TrimPrefix(src, "\ufeff"), "\r\n", "\n"), "\n")
	fence := false // inside a fenced code block of a lesson
	var lesson *Lesson
	var body []string
	var q *Question
	qLine := 0
	endLesson := func() {
		if lesson != nil {
			lesson.Body = strings.TrimSpace(strings.Join(body, "\n"))
			c.Lessons = append(c.Lessons, *lesson)
			lesson, body = nil, nil
		}
	}
	endQuestion := func() error {
		if q == nil {
			return nil
		}
		if len(q.Choices) < 2 || len(q.Choices) > 6 || len(q.Key()) == 0 {
			return &CourseError{Line: qLine, Code: FieldCourseChoices}
		}
		c.Questions = append(c.Questions, *q)
		q = nil
		return nil
	}
	for i, raw := range lines {
		n := i + 1
		line := strings.TrimRight(raw, " \t")
		if lesson != nil && q == nil && len(c.Questions) == 0 && (strings.HasPrefix(line, "```") || strings.HasPrefix(line, "~~~")) {
			fence = !fence
		}
		qText, isQ := questionLine(line)
		switch {
		case fence || (lesson != nil && q == nil && len(c.Questions) == 0 && strings.HasPrefix(line, "```")):
			body = append(body, raw)
		case isQ:
			endLesson()
			if err := endQuestion(); err != nil {
				return nil, err
			}
			if len(c.Lessons) == 0 {
				return nil, &CourseError{Line: n, Code: FieldCourseNoLesson}
			}
			text := qText
			if text == "" {
				return nil, &CourseError{Line: n, Code: FieldCourseChoices}
			}
			q, qLine = &Question{Text: text}, n
		case q != nil && isChoice(line):
			if len(q.Choices) > 0 && q.Explanation != "" {
				return nil, &CourseError{Line: n, Code: FieldCourseStray}
			}
			text := strings.TrimSpace(line[5:])
			if text == "" {
				return nil, &CourseError{Line: n, Code: FieldCourseChoices}
			}
			q.Choices = append(q.Choices, Choice{Text: text, Correct: line[3] != ' '})
		case q != nil && strings.HasPrefix(line, ">"):
			q.Explanation = strings.TrimSpace(strings.TrimSpace(q.Explanation + " " + strings.TrimPrefix(line, ">")))
		case q != nil && strings.TrimSpace(line) == "":
			if err := endQuestion(); err != nil {
				return nil, err
			}
		case q != nil || (len(c.Questions) > 0 && strings.TrimSpace(line) != ""):
			if strings.HasPrefix(line, "## ") {
				return nil, &CourseError{Line: n, Code: FieldCourseOrder}
			}
			return nil, &CourseError{Line: n, Code: FieldCourseStray}
		case strings.HasPrefix(line, "## "):
			endLesson()
			lesson = &Lesson{Title: strings.TrimSpace(line[3:])}
			if lesson.Title == "" {
				return nil, &CourseError{Line: n, Code: FieldCourseNoLesson}
			}
		case lesson == nil:
			if strings.TrimSpace(line) != "" {
				return nil, &CourseError{Line: n, Code: FieldCourseNoLesson}
			}
		default:
			body = append(body, raw)
		}
	}
	endLesson()
	if err := endQuestion(); err != nil {
		return nil, err
	}
	if len(c.Lessons) == 0 {
		return nil, &CourseError{Line: 1, Code: FieldCourseNoLesson}
	}
	if len(c.Questions) == 0 {
		return nil, &CourseError{Line: len(lines), Code: FieldCourseNoQuestion}
	}
	return c, nil
}

// questionLine reports whether line starts a question ("Q:", also typed
// with a full-width Ｑ or colon) and returns its text.
func questionLine(line string) (string, bool) {
	for _, p := range []string{"Q:", "Q：", "Ｑ:", "Ｑ："} {
		if strings.HasPrefix(line, p) {
			return strings.TrimSpace(line[len(p):]), true
		}
	}
	return "", false
}

// isChoice reports whether line is "- [x] …" or "- [ ] …".
func isChoice(line string) bool {
	return len(line) >= 5 && strings.HasPrefix(line, "- [") && line[4] == ']' && strings.ContainsRune("xX ", rune(line[3])) &&
		(len(line) == 5 || line[5] == ' ')
}

// SameKey reports whether c and o have the same questions with the same
// choices correct, so that an answer sheet scores alike in both.
func (c *CourseContent) SameKey(o *CourseContent) bool {
	if len(c.Questions) != len(o.Questions) {
		return false
	}
	for i, q := range c.Questions {
		p := o.Questions[i]
		if len(q.Choices) != len(p.Choices) {
			return false
		}
		for j := range q.Choices {
			if q.Choices[j].Correct != p.Choices[j].Correct {
				return false
			}
		}
	}
	return true
}

// Score marks answers: answers[i] are the indexes of the choices ticked for
// question i. A question is right when exactly its correct choices are
// ticked. Score is the percentage right, rounded down; wrong lists the
// indexes of the questions answered wrongly. EINVALID (field "answers")
// when a question is unanswered or a choice does not exist.
func (c *CourseContent) Score(answers [][]int) (score int, wrong []int, err error) {
	if len(answers) != len(c.Questions) {
		return 0, nil, InvalidField("answers", FieldAnswers)
	}
	right := 0
	for i, q := range c.Questions {
		if len(answers[i]) == 0 {
			return 0, nil, InvalidField("answers", FieldAnswers)
		}
		ticked := map[int]bool{}
		for _, a := range answers[i] {
			if a < 0 || a >= len(q.Choices) {
				return 0, nil, InvalidField("answers", FieldAnswers)
			}
			ticked[a] = true
		}
		ok := true
		for j, ch := range q.Choices {
			if ch.Correct != ticked[j] {
				ok = false
			}
		}
		if ok {
			right++
		} else {
			wrong = append(wrong, i)
		}
	}
	return right * 100 / len(c.Questions), wrong, nil
}

// Course is a training course of an organisation, written in Japanese and,
// optionally, English (see ParseCourse for the format).
type Course struct {
	ID        string
	OrgID     string
	TitleJa   string
	TitleEn   string
	SourceJa  string
	SourceEn  string
	PassMark  int // percent of questions right to pass, 1–100
	Published bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Lang is the language c is taken in by a reader of lang.
func (c Course) Lang(lang string) string { return textLang(lang, c.SourceEn) }

// Title is c's title in lang.
func (c Course) Title(lang string) string { return inLang(c.Lang(lang), c.TitleJa, c.TitleEn) }

// Content parses c's text in lang (see Lang).
func (c Course) Content(lang string) (*CourseContent, error) {
	return ParseCourse(inLang(c.Lang(lang), c.SourceJa, c.SourceEn))
}

// MaxCourseSource is the longest course text, in characters.
const MaxCourseSource = 200_000

// Validate checks c's fields and that both texts parse and agree.
func (c Course) Validate() error {
	f := FieldErrors{}
	validateName(f, "title_ja", c.TitleJa, 200)
	hasEn := strings.TrimSpace(c.SourceEn) != ""
	if hasEn || strings.TrimSpace(c.TitleEn) != "" {
		validateName(f, "title_en", c.TitleEn, 200)
	}
	if c.PassMark < 1 || c.PassMark > 100 {
		f.AddError("pass_mark", Between(FieldRange, 1, 100))
	}
	var ja, en *CourseContent
	for _, v := range []struct {
		field, src string
		out        **CourseContent
		need       bool
	}{{"source_ja", c.SourceJa, &ja, true}, {"source_en", c.SourceEn, &en, hasEn}} {
		switch {
		case !v.need:
		case utf8.RuneCountInString(v.src) > MaxCourseSource:
			f.Add(v.field, FieldTooLong)
		case strings.TrimSpace(v.src) == "":
			f.Add(v.field, FieldRequired)
		default:
			content, err := ParseCourse(v.src)
			var ce *CourseError
			if errors.As(err, &ce) {
				f.AddError(v.field, ce.Field())
				continue
			}
			*v.out = content
		}
	}
	if ja != nil && en != nil && !ja.SameKey(en) {
		f.Add("source_en", FieldCourseMismatch)
	}
	return f.Err()
}

// Training statuses of a person on an assignment.
const (
	TrainingComplete = "complete"
	TrainingDue      = "due"
	TrainingOverdue  = "overdue"
)

// DateLayout is how dates without a time are written.
const DateLayout = "2006-01-02"

// ParseDate reads a date written 2027-03-31.
func ParseDate(s string) (time.Time, error) {
	return time.ParseInLocation(DateLayout, strings.TrimSpace(s), JST)
}

// Assignment asks the members of an organisation with a role (all roles
// when Role is "") in a department (all when DepartmentID is "") to pass a
// course by FirstDue, and again every EveryMonths months after it (never
// again when 0).
type Assignment struct {
	ID           string
	OrgID        string
	CourseID     string
	Role         Role
	DepartmentID string
	FirstDue     string // a date, 2027-03-31; the course is due by the end of that day in Japan
	EveryMonths  int
	CreatedAt    time.Time
	// Filled by lists.
	CourseTitleJa  string
	CourseTitleEn  string
	DepartmentName string
}

// Validate checks a's fields (not that the course and department exist).
func (a Assignment) Validate() error {
	f := FieldErrors{}
	if a.CourseID == "" {
		f.Add("course", FieldRequired)
	}
	if a.Role != "" && !a.Role.Valid() {
		f.AddError("role", OneOf(Roles...))
	}
	if d, err := ParseDate(a.FirstDue); err != nil || d.Year() < 2000 || d.Year() > 2200 {
		f.Add("due", FieldDate)
	}
	if a.EveryMonths < 0 || a.EveryMonths > 120 {
		f.AddError("every_months", Between(FieldRangeMonths, 0, 120))
	}
	return f.Err()
}

// Applies reports whether a asks a member with role in department dept.
func (a Assignment) Applies(role Role, dept string) bool {
	return (a.Role == "" || a.Role == role) && (a.DepartmentID == "" || a.DepartmentID == dept)
}

// dueDate is the k-th due date (k from 0): months after the first, on the
// same day of the month or, in a shorter month, on its last day (31 January
// monthly is 28 or 29 February, then 31 March).
func (a Assignment) dueDate(k int) time.Time {
	d, _ := ParseDate(a.FirstDue)
	return addMonths(d, k*a.EveryMonths)
}

// AddMonths moves d by n calendar months, keeping the day (or the month's
// last day: 31 March minus a month is 28 or 29 February) and the time.
func AddMonths(d time.Time, n int) time.Time { return addMonths(d, n) }

// addMonths moves d by n months, keeping the day (or the month's last
// day) and the time of day.
func addMonths(d time.Time, n int) time.Time {
	first := time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, d.Location()).AddDate(0, n, 0)
	last := first.AddDate(0, 1, -1).Day()
	day := d.Day()
	if day > last {
		day = last
	}
	return time.Date(first.Year(), first.Month(), day, d.Hour(), d.Minute(), d.Second(), d.Nanosecond(), d.Location())
}

// deadline is the instant the k-th due date ends.
func (a Assignment) deadline(k int) time.Time { return a.dueDate(k).AddDate(0, 0, 1) }

// Progress is where a person stands on an assignment. Complete means up to
// date: every due date so far was met (late or not). Pending says that the
// period ending on Due still needs a pass; a complete person with Pending
// set is reminded as Due approaches.
type Progress struct {
	Status  string    // complete, due or overdue
	Due     string    // the next due date, or the missed one when overdue
	Pending bool      // a pass is still needed by Due
	PassAt  time.Time // the latest pass that counts, zero when none
}

// NewcomerGrace is how long someone who joins shortly before (or after) a
// due date has to take the course.
const NewcomerGrace = 30 * 24 * time.Hour

// Progress says where a person with the given passes of the course stands
// at now; joined is when they became a member (zero when unknown).
//
// Without recurrence, any pass ever made counts. With recurrence, each
// period up to a due date needs a pass made after the period opened (the
// previous due date; for the first period, one recurrence before the first
// due date or before the assignment, whichever is earlier). A pass goes to
// the earliest period still open; a late one also makes up for every due
// date that had passed when it was made, but never for the period running
// now. Due dates within NewcomerGrace of joining (or before it) are not
// asked of a newcomer: without recurrence the course is due NewcomerGrace
// after joining, with recurrence by the first later due date.
func (a Assignment) Progress(now time.Time, passes []time.Time, joined time.Time) Progress {
	passes = slices.Clone(passes)
	sort.Slice(passes, func(i, j int) bool { return passes[i].Before(passes[j]) })
	var settled time.Time // due dates up to this instant are not asked
	if !joined.IsZero() {
		settled = joined.Add(NewcomerGrace)
	}
	if a.EveryMonths == 0 {
		dueDay, deadline := a.dueDate(0), a.deadline(0)
		if deadline.Before(settled) {
			t := settled.In(JST)
			dueDay = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, JST)
			deadline = dueDay.AddDate(0, 0, 1)
		}
		due := dueDay.Format(DateLayout)
		switch {
		case len(passes) > 0:
			return Progress{Status: TrainingComplete, Due: due, PassAt: passes[len(passes)-1]}
		case now.Before(deadline):
			return Progress{Status: TrainingDue, Due: due, Pending: true}
		default:
			return Progress{Status: TrainingOverdue, Due: due, Pending: true}
		}
	}
	// k is the period running now: the first whose deadline has not passed.
	k := 0
	for !now.Before(a.deadline(k)) {
		k++
	}
	// e0 is the first period asked of this person.
	e0 := 0
	for !settled.IsZero() && !a.deadline(e0).After(settled) {
		e0++
	}
	opens := func(j int) time.Time {
		from := a.deadline(0)
		if j > 0 {
			from = a.deadline(j - 1)
		}
		if j == e0 && !joined.IsZero() && joined.Before(from) {
			// A newcomer's pass counts from the day they joined.
			from = joined
		}
		if j > 0 {
			return from
		}
		// The first period reaches back one recurrence from the first due
		// date, or from the day the course was assigned when that is
		// earlier: a pass made after the assignment always counts.
		if !a.CreatedAt.IsZero() && a.CreatedAt.Before(from) {
			from = a.CreatedAt
		}
		return addMonths(from, -a.EveryMonths)
	}
	// e is the earliest period without a pass.
	e := e0
	var last time.Time
	for _, p := range passes {
		if p.After(now) || !p.After(opens(e)) {
			continue
		}
		last = p
		e++
		for e < k && !a.deadline(e).After(p) {
			e++
		}
	}
	switch {
	case e == e0 && e0 > k:
		// A newcomer whose first due date is still ahead.
		return Progress{Status: TrainingDue, Due: a.dueDate(e0).Format(DateLayout), Pending: true}
	case e > k:
		return Progress{Status: TrainingComplete, Due: a.dueDate(e).Format(DateLayout), PassAt: last}
	case e < k:
		return Progress{Status: TrainingOverdue, Due: a.dueDate(e).Format(DateLayout), Pending: true, PassAt: last}
	case e > e0:
		// Every due date asked so far was met; this period's pass is still to come.
		return Progress{Status: TrainingComplete, Due: a.dueDate(k).Format(DateLayout), Pending: true, PassAt: last}
	default:
		return Progress{Status: TrainingDue, Due: a.dueDate(k).Format(DateLayout), Pending: true, PassAt: last}
	}
}

// Deadline is the instant a due date written 2027-03-31 ends in Japan.
func Deadline(due string) time.Time {
	d, err := ParseDate(due)
	if err != nil {
		return time.Time{}
	}
	return d.AddDate(0, 0, 1)
}

// Attempt is one try at a course's quiz.
type Attempt struct {
	ID        string
	CourseID  string
	UserID    string
	OrgID     string
	Lang      string
	Score     int
	Passed    bool
	Wrong     []int // questions answered wrongly, only when Passed (not kept after the answer)
	CreatedAt time.Time
	// Filled for certificates.
	UserName      string
	CourseTitleJa string
	CourseTitleEn string
	OrgName       string
}

// Number is the certificate's number as a person reads it: C- and twelve
// hex digits of the attempt's random part (never the whole internal id).
func (a Attempt) Number() string {
	hex := strings.ToUpper(strings.ReplaceAll(a.ID, "-", ""))
	if len(hex) < 12 {
		return "C-" + hex
	}
	return "C-" + hex[len(hex)-12:]
}

// TrainingItem is one assignment as the person assigned sees it.
type TrainingItem struct {
	Assignment Assignment
	Course     Course
	Progress
	AttemptID string // the passing attempt, for the certificate
}

// TrainingRow is one course in one department of the completion report.
// Pending lists who is due or overdue; analysts are not shown it.
type TrainingRow struct {
	CourseID       string
	CourseTitleJa  string
	CourseTitleEn  string
	DepartmentID   string
	DepartmentName string
	Assigned       int
	Complete       int
	Due            int
	Overdue        int
	Pending        []Member
}

// CaseStudy is a lesson drawn from a closed case by a person who removed
// everything identifying; it is never made automatically.
type CaseStudy struct {
	ID        string
	OrgID     string
	CaseID    string // shown only to desk and legal
	Title     string
	Body      string
	CreatedBy string
	CreatedAt time.Time
}

// TrainingImage is a picture used in lessons.
type TrainingImage struct {
	ID          string
	OrgID       string
	ContentType string
	Data        []byte
	CreatedAt   time.Time
}

// TrainingImageTypes are the accepted image types.
var TrainingImageTypes = []string{"image/png", "image/jpeg", "image/gif", "image/webp"}

// MaxTrainingImage is the largest image accepted, in bytes.
const MaxTrainingImage = 2 << 20

// TrainingService keeps courses, assignments, attempts and case studies.
// Changes are audited in the same transaction; a course, assignment or
// image of another organisation is ENOTFOUND. Permission checks are the
// caller's, except where a method says otherwise.
type TrainingService interface {
	// SaveCourse creates a course (c.ID "") or changes one of the actor's
	// organisation.
	SaveCourse(ctx context.Context, actor Actor, c Course) (*Course, error)
	// PublishCourse makes a course visible to the people assigned, or hides it.
	PublishCourse(ctx context.Context, actor Actor, id string, published bool) error
	Courses(ctx context.Context, orgID string) ([]Course, error)
	Course(ctx context.Context, orgID, id string) (*Course, error)
	// AssignCourse adds an assignment; EINVALID names a wrong field, including a
	// course or department not of the actor's organisation.
	AssignCourse(ctx context.Context, actor Actor, a Assignment) (*Assignment, error)
	UnassignCourse(ctx context.Context, actor Actor, id string) error
	CourseAssignments(ctx context.Context, orgID string) ([]Assignment, error)
	// MyTraining lists the actor's assignments of published courses with
	// where they stand now.
	MyTraining(ctx context.Context, actor Actor) ([]TrainingItem, error)
	// SubmitAttempt scores the actor's answers to a published course of
	// their organisation and keeps the attempt.
	SubmitAttempt(ctx context.Context, actor Actor, courseID, lang string, answers [][]int) (*Attempt, error)
	// Attempt returns an attempt for its certificate: the actor's own, or
	// any of the organisation's for admin and legal; ENOTFOUND otherwise.
	Attempt(ctx context.Context, actor Actor, id string) (*Attempt, error)
	// TrainingReport is completion per course and department of the
	// actor's organisation's active members (view_training); who is
	// pending is named only to those who may see names
	// (view_training_names), and left out for the others.
	TrainingReport(ctx context.Context, actor Actor) ([]TrainingRow, error)
	// TrainingReminders mails and notifies the people whose course is due
	// within a week or overdue, once per due date and stage.
	TrainingReminders(ctx context.Context) (int, error)
	// SaveImage keeps an image for the actor's organisation's courses.
	SaveImage(ctx context.Context, actor Actor, contentType string, data []byte) (string, error)
	Image(ctx context.Context, orgID, id string) (*TrainingImage, error)
	// CreateCaseStudy makes a case study from a closed case the actor
	// handles (desk or legal); confirmed says the author removed everything
	// identifying. The case's audit trail records it.
	CreateCaseStudy(ctx context.Context, actor Actor, caseID, title, body string, confirmed bool) (*CaseStudy, error)
	CaseStudies(ctx context.Context, orgID string) ([]CaseStudy, error)
	// CaseStudy is one case study of the actor's organisation; CaseID is
	// set only when the actor handles that case (desk or legal, not
	// excluded from it).
	CaseStudy(ctx context.Context, actor Actor, id string) (*CaseStudy, error)
}
