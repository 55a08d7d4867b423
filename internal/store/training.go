package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/gabriel-vasile/mimetype"
	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/access"
	"github.com/kasuhara/kasuhara/internal/calendar"
	"github.com/kasuhara/kasuhara/internal/jobs"
	"github.com/kasuhara/kasuhara/internal/notify"
	"github.com/kasuhara/kasuhara/internal/sqldb"
)

var _ kasuhara.TrainingService = (*Store)(nil)

// KindTrainingReminders is the job that sends training reminders once a day.
const KindTrainingReminders = "training_reminders"

// TrainingDueSoon is how long before a due date the people assigned are
// reminded.
const TrainingDueSoon = 7 * 24 * time.Hour

const courseColumns = "id, org_id, title_ja, title_en, source_ja, source_en, pass_mark, published, created_at, updated_at"

func scanCourse(r scanner) (*kasuhara.Course, error) {
	var c kasuhara.Course
	if err := r.Scan(&c.ID, &c.OrgID, &c.TitleJa, &c.TitleEn, &c.SourceJa, &c.SourceEn, &c.PassMark, &c.Published, &c.CreatedAt, &c.UpdatedAt); err != nil {
		return nil, err
	}
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return &c, nil
}

// SaveCourse implements kasuhara.TrainingService.
func (s *Store) SaveCourse(ctx context.Context, actor kasuhara.Actor, c kasuhara.Course) (*kasuhara.Course, error) {
	if err := s.authorize(ctx, actor, access.ManageContent, actor.OrgID); err != nil {
		return nil, err
	}
	orgID := actor.OrgID
	c.TitleJa, c.TitleEn = trim(c.TitleJa), trim(c.TitleEn)
	if err := c.Validate(); err != nil {
		return nil, err
	}
	now := s.now()
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
		action := "course.update"
		if c.ID == "" {
			action = "course.create"
			c.ID, c.CreatedAt = newID(), now
			if _, err := tx.ExecContext(ctx, `INSERT INTO courses (id, org_id, title_ja, title_en, source_ja, source_en, pass_mark, published, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, FALSE, $8, $8)`, c.ID, orgID, c.TitleJa, c.TitleEn, c.SourceJa, c.SourceEn, c.PassMark, now); err != nil {
				return err
			}
			c.Published = false
		} else {
			old, err := scanCourse(tx.QueryRowContext(ctx, "SELECT "+courseColumns+" FROM courses WHERE id = $1 AND org_id = $2", c.ID, orgID))
			if err != nil {
				return notFound(err, "store.SaveCourse", "course")
			}
			c.CreatedAt, c.Published = old.CreatedAt, old.Published
			if _, err := tx.ExecContext(ctx, `UPDATE courses SET title_ja = $1, title_en = $2, source_ja = $3, source_en = $4, pass_mark = $5, updated_at = $6
				WHERE id = $7`, c.TitleJa, c.TitleEn, c.SourceJa, c.SourceEn, c.PassMark, now, c.ID); err != nil {
				return err
			}
		}
		c.OrgID, c.UpdatedAt = orgID, now
		return s.appendAudit(ctx, tx, change{actor: actor, orgID: orgID, action: action, objectType: "course", objectID: c.ID,
			detail: map[string]any{"pass_mark": c.PassMark}})
	})
	if err != nil {
		return nil, wrap("store.SaveCourse", err)
	}
	return &c, nil
}

// PublishCourse implements kasuhara.TrainingService.
func (s *Store) PublishCourse(ctx context.Context, actor kasuhara.Actor, id string, published bool) error {
	if err := s.authorize(ctx, actor, access.ManageContent, actor.OrgID); err != nil {
		return err
	}
	orgID := actor.OrgID
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE courses SET published = $1 WHERE id = $2 AND org_id = $3", published, id, orgID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return kasuhara.Errorf(kasuhara.ENOTFOUND, "course not found")
		}
		action := "course.publish"
		if !published {
			action = "course.unpublish"
		}
		return s.appendAudit(ctx, tx, change{actor: actor, orgID: orgID, action: action, objectType: "course", objectID: id})
	})
	return wrap("store.PublishCourse", err)
}

// Courses implements kasuhara.TrainingService.
func (s *Store) Courses(ctx context.Context, orgID string) ([]kasuhara.Course, error) {
	rows, err := s.db.Read.QueryContext(ctx, "SELECT "+courseColumns+" FROM courses WHERE org_id = $1 ORDER BY created_at, id", orgID)
	if err != nil {
		return nil, wrap("store.Courses", err)
	}
	defer rows.Close()
	var out []kasuhara.Course
	for rows.Next() {
		c, err := scanCourse(rows)
		if err != nil {
			return nil, wrap("store.Courses", err)
		}
		out = append(out, *c)
	}
	return out, wrap("store.Courses", rows.Err())
}

// Course implements kasuhara.TrainingService.
func (s *Store) Course(ctx context.Context, orgID, id string) (*kasuhara.Course, error) {
	c, err := scanCourse(s.db.Read.QueryRowContext(ctx, "SELECT "+courseColumns+" FROM courses WHERE id = $1 AND org_id = $2", id, orgID))
	if err != nil {
		return nil, notFound(err, "store.Course", "course")
	}
	return c, nil
}

// AssignCourse implements kasuhara.TrainingService.
func (s *Store) AssignCourse(ctx context.Context, actor kasuhara.Actor, a kasuhara.Assignment) (*kasuhara.Assignment, error) {
	if err := s.authorize(ctx, actor, access.ManageContent, actor.OrgID); err != nil {
		return nil, err
	}
	orgID := actor.OrgID
	if err := a.Validate(); err != nil {
		return nil, err
	}
	d, _ := kasuhara.ParseDate(a.FirstDue)
	a.FirstDue = d.Format(kasuhara.DateLayout)
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
		f := kasuhara.FieldErrors{}
		var one int
		if err := tx.QueryRowContext(ctx, "SELECT 1 FROM courses WHERE id = $1 AND org_id = $2", a.CourseID, orgID).Scan(&one); err != nil {
			if err != sql.ErrNoRows {
				return err
			}
			f.Add("course", kasuhara.FieldChoice)
		}
		if a.DepartmentID != "" {
			if err := tx.QueryRowContext(ctx, "SELECT 1 FROM departments WHERE id = $1 AND org_id = $2", a.DepartmentID, orgID).Scan(&one); err != nil {
				if err != sql.ErrNoRows {
					return err
				}
				f.Add("department", kasuhara.FieldNotOwnDepartment)
			}
		}
		if err := f.Err(); err != nil {
			return err
		}
		a.ID, a.OrgID, a.CreatedAt = newID(), orgID, s.now()
		if _, err := tx.ExecContext(ctx, `INSERT INTO training_assignments (id, org_id, course_id, role, department_id, first_due, every_months, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, a.ID, orgID, a.CourseID, string(a.Role), nullString(a.DepartmentID), a.FirstDue, a.EveryMonths,
			actor.UserID, a.CreatedAt); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, change{actor: actor, orgID: orgID, action: "training.assign", objectType: "course", objectID: a.CourseID,
			detail: map[string]any{"assignment": a.ID, "role": a.Role, "department_id": a.DepartmentID, "due": a.FirstDue, "every_months": a.EveryMonths}})
	})
	if err != nil {
		return nil, wrap("store.AssignCourse", err)
	}
	return &a, nil
}

// UnassignCourse implements kasuhara.TrainingService.
func (s *Store) UnassignCourse(ctx context.Context, actor kasuhara.Actor, id string) error {
	if err := s.authorize(ctx, actor, access.ManageContent, actor.OrgID); err != nil {
		return err
	}
	orgID := actor.OrgID
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
		var course string
		if err := tx.QueryRowContext(ctx, "SELECT course_id FROM training_assignments WHERE id = $1 AND org_id = $2", id, orgID).Scan(&course); err != nil {
			return notFound(err, "store.UnassignCourse", "assignment")
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM training_assignments WHERE id = $1", id); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, change{actor: actor, orgID: orgID, action: "training.unassign", objectType: "course", objectID: course,
			detail: map[string]any{"assignment": id}})
	})
	return wrap("store.UnassignCourse", err)
}

// assignments lists orgID's assignments, of published courses only when
// publishedOnly.
func (s *Store) assignments(ctx context.Context, q queryer, orgID string, publishedOnly bool) ([]kasuhara.Assignment, error) {
	return list(ctx, q, "assignments", func(sc scanner) (a kasuhara.Assignment, err error) {
		var role string
		err = sc.Scan(&a.ID, &a.OrgID, &a.CourseID, &role, &a.DepartmentID, &a.FirstDue, &a.EveryMonths, &a.CreatedAt,
			&a.CourseTitleJa, &a.CourseTitleEn, &a.DepartmentName)
		a.Role, a.CreatedAt = kasuhara.Role(role), a.CreatedAt.UTC()
		return a, err
	}, `SELECT a.id, a.org_id, a.course_id, a.role, COALESCE(a.department_id, ''), a.first_due, a.every_months, a.created_at,
			c.title_ja, c.title_en, COALESCE(d.name, '')
		FROM training_assignments a JOIN courses c ON c.id = a.course_id LEFT JOIN departments d ON d.id = a.department_id
		WHERE a.org_id = $1 AND (c.published OR NOT $2) ORDER BY c.created_at, a.first_due, a.id`, orgID, publishedOnly)
}

// CourseAssignments implements kasuhara.TrainingService.
func (s *Store) CourseAssignments(ctx context.Context, orgID string) ([]kasuhara.Assignment, error) {
	out, err := s.assignments(ctx, s.db.Read, orgID, false)
	return out, wrap("store.CourseAssignments", err)
}

// pass is one passing attempt.
type pass struct {
	id string
	at time.Time
}

// passes returns the passing attempts of orgID by user and course; only
// userID's when it is not "".
func passesOf(ctx context.Context, q queryer, orgID, userID string) (map[[2]string][]pass, error) {
	query := "SELECT id, user_id, course_id, created_at FROM training_attempts WHERE org_id = $1 AND passed"
	args := []any{orgID}
	if userID != "" {
		query += " AND user_id = $2"
		args = append(args, userID)
	}
	rows, err := q.QueryContext(ctx, query+" ORDER BY created_at", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[[2]string][]pass{}
	for rows.Next() {
		var p pass
		var user, course string
		if err := rows.Scan(&p.id, &user, &course, &p.at); err != nil {
			return nil, err
		}
		p.at = p.at.UTC()
		out[[2]string{user, course}] = append(out[[2]string{user, course}], p)
	}
	return out, rows.Err()
}

// progressOf is where a person with the given passes stands on the
// assignments of one course that apply to them: the most pressing one.
func progressOf(now time.Time, as []kasuhara.Assignment, ps []pass, joined time.Time) (kasuhara.Assignment, kasuhara.Progress, string) {
	times := make([]time.Time, len(ps))
	for i, p := range ps {
		times[i] = p.at
	}
	rank := map[string]int{kasuhara.TrainingOverdue: 0, kasuhara.TrainingDue: 1, kasuhara.TrainingComplete: 2}
	var best kasuhara.Assignment
	var bp kasuhara.Progress
	for i, a := range as {
		p := a.Progress(now, times, joined)
		if i == 0 || rank[p.Status] < rank[bp.Status] || rank[p.Status] == rank[bp.Status] && p.Due < bp.Due {
			best, bp = a, p
		}
	}
	id := ""
	for _, p := range ps {
		if p.at.Equal(bp.PassAt) {
			id = p.id
		}
	}
	return best, bp, id
}

// byCourse groups the assignments that apply to a member by course, in
// the order of the courses.
func byCourse(as []kasuhara.Assignment, role kasuhara.Role, dept string) ([]string, map[string][]kasuhara.Assignment) {
	var order []string
	out := map[string][]kasuhara.Assignment{}
	for _, a := range as {
		if !a.Applies(role, dept) {
			continue
		}
		if _, ok := out[a.CourseID]; !ok {
			order = append(order, a.CourseID)
		}
		out[a.CourseID] = append(out[a.CourseID], a)
	}
	return order, out
}

// MyTraining implements kasuhara.TrainingService.
func (s *Store) MyTraining(ctx context.Context, v kasuhara.Actor) ([]kasuhara.TrainingItem, error) {
	as, err := s.assignments(ctx, s.db.Read, v.OrgID, true)
	if err != nil {
		return nil, wrap("store.MyTraining", err)
	}
	ps, err := passesOf(ctx, s.db.Read, v.OrgID, v.UserID)
	if err != nil {
		return nil, wrap("store.MyTraining", err)
	}
	order, mine := byCourse(as, v.Role, v.DepartmentID)
	var joined time.Time
	if err := s.db.Read.QueryRowContext(ctx, "SELECT created_at FROM memberships WHERE user_id = $1 AND org_id = $2", v.UserID, v.OrgID).Scan(&joined); err != nil && err != sql.ErrNoRows {
		return nil, wrap("store.MyTraining", err)
	}
	now := s.Now()
	var out []kasuhara.TrainingItem
	for _, courseID := range order {
		c, err := s.Course(ctx, v.OrgID, courseID)
		if err != nil {
			return nil, err
		}
		a, p, id := progressOf(now, mine[courseID], ps[[2]string{v.UserID, courseID}], joined)
		out = append(out, kasuhara.TrainingItem{Assignment: a, Course: *c, Progress: p, AttemptID: id})
	}
	return out, nil
}

// SubmitAttempt implements kasuhara.TrainingService.
func (s *Store) SubmitAttempt(ctx context.Context, v kasuhara.Actor, courseID, lang string, answers [][]int) (*kasuhara.Attempt, error) {
	c, err := s.Course(ctx, v.OrgID, courseID)
	if err != nil {
		return nil, err
	}
	if !c.Published {
		return nil, kasuhara.Errorf(kasuhara.ENOTFOUND, "course not found")
	}
	lang = c.Lang(lang)
	content, err := c.Content(lang)
	if err != nil {
		return nil, fmt.Errorf("store.SubmitAttempt: stored course %s does not parse: %w", c.ID, err)
	}
	score, wrong, err := content.Score(answers)
	if err != nil {
		return nil, err
	}
	a := kasuhara.Attempt{ID: newID(), CourseID: c.ID, UserID: v.UserID, OrgID: v.OrgID, Lang: lang, Score: score,
		Passed: score >= c.PassMark, Wrong: wrong, CreatedAt: s.now()}
	if !a.Passed {
		// Which answers were wrong is told only once the course is passed:
		// told after each failure, retrying would find the answers.
		a.Wrong = nil
	}
	err = s.tx(ctx, func(tx *sqldb.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO training_attempts (id, course_id, user_id, org_id, lang, score, passed, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, a.ID, a.CourseID, a.UserID, a.OrgID, a.Lang, a.Score, a.Passed, a.CreatedAt); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, change{actor: v, orgID: v.OrgID, action: "training.attempt", objectType: "course", objectID: c.ID,
			detail: map[string]any{"attempt": a.ID, "score": a.Score, "passed": a.Passed}})
	})
	if err != nil {
		return nil, wrap("store.SubmitAttempt", err)
	}
	return &a, nil
}

// Attempt implements kasuhara.TrainingService.
func (s *Store) Attempt(ctx context.Context, v kasuhara.Actor, id string) (*kasuhara.Attempt, error) {
	var a kasuhara.Attempt
	err := s.db.Read.QueryRowContext(ctx, `SELECT t.id, t.course_id, t.user_id, t.org_id, t.lang, t.score, t.passed, t.created_at, u.name, c.title_ja, c.title_en, o.name
		FROM training_attempts t JOIN users u ON u.id = t.user_id JOIN courses c ON c.id = t.course_id JOIN orgs o ON o.id = t.org_id
		WHERE t.id = $1 AND t.org_id = $2`, id, v.OrgID).Scan(&a.ID, &a.CourseID, &a.UserID, &a.OrgID, &a.Lang, &a.Score, &a.Passed, &a.CreatedAt,
		&a.UserName, &a.CourseTitleJa, &a.CourseTitleEn, &a.OrgName)
	if err != nil {
		return nil, notFound(err, "store.Attempt", "attempt")
	}
	if a.UserID != v.UserID && !access.Can(v.Role, access.ViewTrainingNames) {
		return nil, kasuhara.Errorf(kasuhara.ENOTFOUND, "attempt not found")
	}
	a.CreatedAt = a.CreatedAt.UTC()
	return &a, nil
}

// standings calls fn for every active member of orgID and each published
// course assigned to them, with the most pressing assignment of the course
// and where the member stands on it now. It returns the assignments.
func (s *Store) standings(ctx context.Context, orgID string, fn func(kasuhara.Member, kasuhara.Assignment, kasuhara.Progress)) ([]kasuhara.Assignment, error) {
	as, err := s.assignments(ctx, s.db.Read, orgID, true)
	if err != nil || len(as) == 0 {
		return as, err
	}
	members, err := s.Members(ctx, orgID)
	if err != nil {
		return nil, err
	}
	ps, err := passesOf(ctx, s.db.Read, orgID, "")
	if err != nil {
		return nil, err
	}
	now := s.Now()
	for _, m := range members {
		if m.Disabled {
			continue
		}
		order, mine := byCourse(as, m.Role, m.DepartmentID)
		for _, courseID := range order {
			a, p, _ := progressOf(now, mine[courseID], ps[[2]string{m.User.ID, courseID}], m.Membership.CreatedAt)
			fn(m, a, p)
		}
	}
	return as, nil
}

// TrainingReport implements kasuhara.TrainingService.
func (s *Store) TrainingReport(ctx context.Context, a kasuhara.Actor) ([]kasuhara.TrainingRow, error) {
	if err := s.authorize(ctx, a, access.ViewTraining, a.OrgID); err != nil {
		return nil, err
	}
	rows, err := s.trainingReport(ctx, a.OrgID)
	if err != nil {
		return nil, err
	}
	if !operator(a) && !access.Can(a.Role, access.ViewTrainingNames) {
		for i := range rows {
			rows[i].Pending = nil
		}
	}
	return rows, nil
}

// trainingReport is the completion report of orgID, with names: for
// TrainingReport, which decides what its reader sees, and for the
// statistics, which count.
func (s *Store) trainingReport(ctx context.Context, orgID string) ([]kasuhara.TrainingRow, error) {
	type key struct{ course, dept string }
	rows := map[key]*kasuhara.TrainingRow{}
	as, err := s.standings(ctx, orgID, func(m kasuhara.Member, a kasuhara.Assignment, p kasuhara.Progress) {
		k := key{a.CourseID, m.DepartmentID}
		r := rows[k]
		if r == nil {
			r = &kasuhara.TrainingRow{CourseID: a.CourseID, CourseTitleJa: a.CourseTitleJa, CourseTitleEn: a.CourseTitleEn,
				DepartmentID: m.DepartmentID, DepartmentName: m.DepartmentName}
			rows[k] = r
		}
		r.Assigned++
		switch p.Status {
		case kasuhara.TrainingComplete:
			r.Complete++
		case kasuhara.TrainingDue:
			r.Due++
			r.Pending = append(r.Pending, m)
		default:
			r.Overdue++
			r.Pending = append(r.Pending, m)
		}
	})
	if err != nil {
		return nil, wrap("store.TrainingReport", err)
	}
	courseOrder := map[string]int{}
	for i, a := range as {
		if _, ok := courseOrder[a.CourseID]; !ok {
			courseOrder[a.CourseID] = i
		}
	}
	out := make([]kasuhara.TrainingRow, 0, len(rows))
	for _, r := range rows {
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.CourseID != b.CourseID {
			return courseOrder[a.CourseID] < courseOrder[b.CourseID]
		}
		if (a.DepartmentID == "") != (b.DepartmentID == "") {
			return b.DepartmentID == ""
		}
		return a.DepartmentName < b.DepartmentName
	})
	return out, nil
}

// TrainingReminders implements kasuhara.TrainingService.
func (s *Store) TrainingReminders(ctx context.Context) (int, error) {
	rows, err := s.db.Read.QueryContext(ctx, "SELECT DISTINCT a.org_id FROM training_assignments a JOIN courses c ON c.id = a.course_id WHERE c.published")
	if err != nil {
		return 0, wrap("store.TrainingReminders", err)
	}
	var orgs []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, wrap("store.TrainingReminders", err)
		}
		orgs = append(orgs, id)
	}
	rows.Close()
	sent := 0
	for _, orgID := range orgs {
		n, err := s.remindOrg(ctx, orgID)
		sent += n
		if err != nil {
			return sent, wrap("store.TrainingReminders", err)
		}
	}
	return sent, nil
}

func (s *Store) remindOrg(ctx context.Context, orgID string) (int, error) {
	// Work out who is due outside any transaction, then write the
	// reminders in small transactions: a large organisation never holds
	// the writer for long.
	type reminder struct {
		a     kasuhara.Assignment
		m     kasuhara.Member
		due   string
		stage string
	}
	var todo []reminder
	now := s.Now()
	_, err := s.standings(ctx, orgID, func(m kasuhara.Member, a kasuhara.Assignment, p kasuhara.Progress) {
		switch {
		case p.Status == kasuhara.TrainingOverdue:
			todo = append(todo, reminder{a, m, p.Due, notify.TrainingOverdue})
		case p.Pending && kasuhara.Deadline(p.Due).Sub(now) <= TrainingDueSoon:
			todo = append(todo, reminder{a, m, p.Due, notify.TrainingDueSoon})
		}
	})
	if err != nil {
		return 0, err
	}
	sent := 0
	for len(todo) > 0 {
		batch := todo[:min(len(todo), 200)]
		todo = todo[len(batch):]
		err := s.tx(ctx, func(tx *sqldb.Tx) error {
			for _, r := range batch {
				res, err := tx.ExecContext(ctx, `INSERT INTO training_reminders (assignment_id, user_id, due, stage, sent_at) VALUES ($1, $2, $3, $4, $5)
					ON CONFLICT (assignment_id, user_id, due, stage) DO NOTHING`, r.a.ID, r.m.User.ID, r.due, r.stage, s.now())
				if err != nil {
					return err
				}
				if n, _ := res.RowsAffected(); n == 0 {
					continue
				}
				lang := r.m.Language
				if lang == "" {
					lang = "ja"
				}
				title := r.a.CourseTitleJa
				if lang == "en" && r.a.CourseTitleEn != "" {
					title = r.a.CourseTitleEn
				}
				job := notify.TrainingMailJob{ID: newID(), To: []string{r.m.Email}, Lang: lang, Stage: r.stage, Course: title, Due: r.due}
				if err := jobs.Enqueue(ctx, tx, jobs.Job{Kind: notify.KindTrainingMail, Payload: job,
					DedupeKey: "training:" + r.a.ID + ":" + r.m.User.ID + ":" + r.due + ":" + r.stage}); err != nil {
					return err
				}
				sent++
			}
			return nil
		})
		if err != nil {
			return sent, err
		}
	}
	return sent, nil
}

// ScheduleTrainingReminders enqueues the daily reminder job to run at the
// next 09:00 in Japan after at (or at at itself when first is set), once
// per day.
func (s *Store) ScheduleTrainingReminders(ctx context.Context, at time.Time, first bool) error {
	return s.scheduleDaily(ctx, KindTrainingReminders, 9, at, first)
}

// scheduleDaily enqueues a daily job of kind at the next hour:00 in Japan
// after at, or at at itself when first is set; the date is the dedupe key,
// so that a day has one run however often the server starts.
func (s *Store) scheduleDaily(ctx context.Context, kind string, hour int, at time.Time, first bool) error {
	t := at.In(calendar.JST)
	next := time.Date(t.Year(), t.Month(), t.Day(), hour, 0, 0, 0, calendar.JST)
	if !next.After(t) {
		next = next.AddDate(0, 0, 1)
	}
	runAt, key := next, next.Format(kasuhara.DateLayout)
	if first {
		runAt, key = at, t.Format(kasuhara.DateLayout)+"-start"
	}
	return s.tx(ctx, func(tx *sqldb.Tx) error {
		return jobs.Enqueue(ctx, tx, jobs.Job{Kind: kind, RunAt: runAt, Payload: struct{}{}, DedupeKey: kind + ":" + key})
	})
}

// TrainingRemindersHandler is the job handler of KindTrainingReminders: it
// sends the day's reminders and schedules the next day's run.
func (s *Store) TrainingRemindersHandler(ctx context.Context, _ json.RawMessage) error {
	if _, err := s.TrainingReminders(ctx); err != nil {
		return err
	}
	return s.ScheduleTrainingReminders(ctx, s.Now(), false)
}

// SaveImage implements kasuhara.TrainingService. The type is read from the
// content, never taken from the client.
func (s *Store) SaveImage(ctx context.Context, actor kasuhara.Actor, _ string, data []byte) (string, error) {
	if err := s.authorize(ctx, actor, access.ManageContent, actor.OrgID); err != nil {
		return "", err
	}
	orgID := actor.OrgID
	if len(data) == 0 {
		return "", kasuhara.InvalidField("image", kasuhara.FieldEmpty)
	}
	if len(data) > kasuhara.MaxTrainingImage {
		return "", &kasuhara.Error{Code: kasuhara.ETOOLARGE, Message: "image too large", Fields: kasuhara.FieldErrors{"image": {Code: kasuhara.FieldFileTooLarge}}}
	}
	ct := mimetype.Detect(data).String()
	if !slices.Contains(kasuhara.TrainingImageTypes, ct) {
		return "", kasuhara.InvalidField("image", kasuhara.FieldImageType)
	}
	id := newID()
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
		if _, err := tx.ExecContext(ctx, "INSERT INTO training_images (id, org_id, content_type, data, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
			id, orgID, ct, data, actor.UserID, s.now()); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, change{actor: actor, orgID: orgID, action: "training.image", objectType: "image", objectID: id,
			detail: map[string]any{"type": ct, "size": len(data)}})
	})
	if err != nil {
		return "", wrap("store.SaveImage", err)
	}
	return id, nil
}

// Image implements kasuhara.TrainingService.
func (s *Store) Image(ctx context.Context, orgID, id string) (*kasuhara.TrainingImage, error) {
	img := kasuhara.TrainingImage{ID: id, OrgID: orgID}
	err := s.db.Read.QueryRowContext(ctx, "SELECT content_type, data, created_at FROM training_images WHERE id = $1 AND org_id = $2", id, orgID).
		Scan(&img.ContentType, &img.Data, &img.CreatedAt)
	if err != nil {
		return nil, notFound(err, "store.Image", "image")
	}
	return &img, nil
}

// CreateCaseStudy implements kasuhara.TrainingService.
func (s *Store) CreateCaseStudy(ctx context.Context, v kasuhara.Actor, caseID, title, body string, confirmed bool) (*kasuhara.CaseStudy, error) {
	if err := access.Check(v, access.MakeCaseStudy); err != nil {
		return nil, err
	}
	f := kasuhara.FieldErrors{}
	if strings.TrimSpace(title) == "" {
		f.Add("title", kasuhara.FieldRequired)
	} else if len([]rune(title)) > 200 {
		f.Add("title", kasuhara.FieldTooLong)
	}
	if strings.TrimSpace(body) == "" {
		f.Add("body", kasuhara.FieldRequired)
	} else if len([]rune(body)) > kasuhara.MaxPolicyBody {
		f.Add("body", kasuhara.FieldTooLong)
	}
	if !confirmed {
		f.Add("confirm", kasuhara.FieldConfirmAnonymised)
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	cs := kasuhara.CaseStudy{ID: newID(), OrgID: v.OrgID, CaseID: caseID, Title: trim(title), Body: strings.TrimRight(body, " \t\r\n"),
		CreatedBy: v.UserID, CreatedAt: s.now()}
	return txValue(ctx, s, "store.CreateCaseStudy", func(tx *sqldb.Tx) (*kasuhara.CaseStudy, error) {
		c, _, err := s.caseFor(ctx, tx, v, caseID, access.CaseHandler)
		if err != nil {
			return nil, err
		}
		if c.State != kasuhara.StateClosed {
			return nil, kasuhara.InvalidField("case", kasuhara.FieldNotClosed)
		}
		cs.OrgID = c.OrgID
		if _, err := tx.ExecContext(ctx, "INSERT INTO case_studies (id, org_id, case_id, title, body, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
			cs.ID, cs.OrgID, cs.CaseID, cs.Title, cs.Body, cs.CreatedBy, cs.CreatedAt); err != nil {
			return nil, err
		}
		return &cs, s.appendAudit(ctx, tx, change{actor: v, orgID: c.OrgID, action: "case.case_study", objectType: "case", objectID: c.ID,
			detail: map[string]any{"case_study": cs.ID}})
	})
}

// CaseStudies implements kasuhara.TrainingService.
func (s *Store) CaseStudies(ctx context.Context, orgID string) ([]kasuhara.CaseStudy, error) {
	return list(ctx, s.db.Read, "case studies", func(sc scanner) (c kasuhara.CaseStudy, err error) {
		err = sc.Scan(&c.ID, &c.OrgID, &c.CaseID, &c.Title, &c.Body, &c.CreatedBy, &c.CreatedAt)
		c.CreatedAt = c.CreatedAt.UTC()
		return c, err
	}, "SELECT id, org_id, COALESCE(case_id, ''), title, body, created_by, created_at FROM case_studies WHERE org_id = $1 ORDER BY created_at DESC", orgID)
}

// CaseStudy implements kasuhara.TrainingService.
func (s *Store) CaseStudy(ctx context.Context, v kasuhara.Actor, id string) (*kasuhara.CaseStudy, error) {
	var c kasuhara.CaseStudy
	err := s.db.Read.QueryRowContext(ctx, "SELECT id, org_id, COALESCE(case_id, ''), title, body, created_by, created_at FROM case_studies WHERE id = $1 AND org_id = $2", id, v.OrgID).
		Scan(&c.ID, &c.OrgID, &c.CaseID, &c.Title, &c.Body, &c.CreatedBy, &c.CreatedAt)
	if err != nil {
		return nil, notFound(err, "store.CaseStudy", "case study")
	}
	if c.CaseID != "" {
		if _, _, err := s.caseFor(ctx, s.db.Read, v, c.CaseID, access.CaseHandler); err != nil {
			c.CaseID = ""
		}
	}
	c.CreatedAt = c.CreatedAt.UTC()
	return &c, nil
}
