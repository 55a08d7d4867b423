package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/access"
	"github.com/kasuhara/kasuhara/internal/jobs"
	"github.com/kasuhara/kasuhara/internal/notify"
	"github.com/kasuhara/kasuhara/internal/sqldb"
)

var _ kasuhara.OnlinePostService = (*Store)(nil)

const postColumns = `id, org_id, COALESCE(case_id, ''), COALESCE(customer_id, ''), url, platform, author_handle, posted_at, captured_at,
	captured_text, employees_named, status, due_at, created_by, created_at, updated_at, consent_name, consent_at, consent_recorded_by`

func scanPost(sc scanner) (*kasuhara.OnlinePost, error) {
	var p kasuhara.OnlinePost
	var posted, due, consent sql.NullTime
	if err := sc.Scan(&p.ID, &p.OrgID, &p.CaseID, &p.CustomerID, &p.URL, &p.Platform, &p.AuthorHandle, &posted, &p.CapturedAt,
		&p.CapturedText, &p.EmployeesNamed, &p.Status, &due, &p.CreatedBy, &p.CreatedAt, &p.UpdatedAt,
		&p.Consent.Name, &consent, &p.Consent.RecordedBy); err != nil {
		return nil, err
	}
	p.PostedAt, p.DueAt, p.Consent.At = nullTime(posted), nullTime(due), nullTime(consent)
	p.CapturedAt, p.CreatedAt, p.UpdatedAt = p.CapturedAt.UTC(), p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	return &p, nil
}

func optTime(t interface{ IsZero() bool }, v any) any {
	if t.IsZero() {
		return nil
	}
	return v
}

// CreatePost implements kasuhara.OnlinePostService.
func (s *Store) CreatePost(ctx context.Context, v kasuhara.Actor, p kasuhara.OnlinePost) (*kasuhara.OnlinePost, error) {
	if err := access.Check(v, access.ManagePosts); err != nil {
		return nil, err
	}
	f := kasuhara.FieldErrors{}
	p.URL = strings.TrimSpace(p.URL)
	if u, err := url.Parse(p.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(p.URL) > 2000 {
		f.Add("url", kasuhara.FieldURL)
	}
	shortText(f, "platform", p.Platform, false)
	shortText(f, "author_handle", p.AuthorHandle, false)
	for field, val := range map[string]string{"captured_text": p.CapturedText, "employees_named": p.EmployeesNamed} {
		if utf8.RuneCountInString(val) > kasuhara.MaxLongText {
			f.Add(field, kasuhara.FieldTooLong)
		}
	}
	now := s.now()
	if !p.PostedAt.IsZero() && p.PostedAt.After(now.Add(10*60e9)) {
		f.Add("posted_at", kasuhara.FieldFuture)
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	p.ID, p.OrgID, p.Status, p.CreatedBy, p.CreatedAt, p.UpdatedAt = newID(), v.OrgID, "monitoring", v.UserID, now, now
	if p.CapturedAt.IsZero() {
		p.CapturedAt = now
	}
	p.DueAt = now.Add(kasuhara.PostDeadline(p.Status))
	return txValue(ctx, s, "store.CreatePost", func(tx *sqldb.Tx) (*kasuhara.OnlinePost, error) {
		if p.CaseID != "" {
			if _, _, err := s.caseFor(ctx, tx, v, p.CaseID, access.CaseHandler); err != nil {
				return nil, kasuhara.InvalidField("case_id", kasuhara.FieldUnlinkable)
			}
		}
		if p.CustomerID != "" {
			if err := s.checkCustomer(ctx, tx, v, p.CustomerID); err != nil {
				return nil, kasuhara.InvalidField("customer_id", kasuhara.FieldUnlinkable)
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO online_posts (id, org_id, case_id, customer_id, url, platform, author_handle, posted_at,
			captured_at, captured_text, employees_named, status, due_at, created_by, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
			p.ID, p.OrgID, nullString(p.CaseID), nullString(p.CustomerID), p.URL, strings.TrimSpace(p.Platform), strings.TrimSpace(p.AuthorHandle),
			optTime(p.PostedAt, p.PostedAt.UTC()), p.CapturedAt.UTC(), strings.TrimSpace(p.CapturedText), strings.TrimSpace(p.EmployeesNamed),
			p.Status, p.DueAt, p.CreatedBy, now, now); err != nil {
			return nil, err
		}
		if err := s.schedulePostDue(ctx, tx, p.ID, p.Status, p.DueAt); err != nil {
			return nil, err
		}
		return &p, s.appendAudit(ctx, tx, change{actor: v, orgID: v.OrgID, action: "post.create", objectType: "online_post", objectID: p.ID,
			detail: map[string]string{"case_id": p.CaseID}})
	})
}

// postVisible hides a post linked to a case from someone excluded from that
// case (param is the viewer's user id): the post is part of the case.
func postVisible(param string) string {
	return " AND NOT EXISTS (SELECT 1 FROM case_exclusions x WHERE x.case_id = online_posts.case_id AND x.user_id = " + param + ")"
}

// Posts implements kasuhara.OnlinePostService.
func (s *Store) Posts(ctx context.Context, v kasuhara.Actor, status string) ([]kasuhara.OnlinePost, error) {
	if err := access.Check(v, access.ManagePosts); err != nil {
		return nil, err
	}
	q, args := "SELECT "+postColumns+" FROM online_posts WHERE org_id = $1"+postVisible("$2"), []any{v.OrgID, v.UserID}
	if status != "" {
		q += " AND status = $3"
		args = append(args, status)
	}
	return list(ctx, s.db.Read, "posts", values(scanPost), q+" ORDER BY updated_at DESC, id LIMIT 200", args...)
}

func (s *Store) postFor(ctx context.Context, q queryer, v kasuhara.Actor, id string) (*kasuhara.OnlinePost, error) {
	if err := access.Check(v, access.ManagePosts); err != nil {
		return nil, err
	}
	p, err := scanPost(q.QueryRowContext(ctx, "SELECT "+postColumns+" FROM online_posts WHERE id = $1 AND org_id = $2"+postVisible("$3"), id, v.OrgID, v.UserID))
	if err != nil {
		return nil, notFound(err, "store.post", "post")
	}
	return p, nil
}

// PostByID implements kasuhara.OnlinePostService.
func (s *Store) PostByID(ctx context.Context, v kasuhara.Actor, id string) (*kasuhara.OnlinePost, error) {
	return s.postFor(ctx, s.db.Read, v, id)
}

// MovePost implements kasuhara.OnlinePostService: the next step of the
// workflow, with its deadline.
func (s *Store) MovePost(ctx context.Context, v kasuhara.Actor, id, to string) (*kasuhara.OnlinePost, error) {
	var p *kasuhara.OnlinePost
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
		var err error
		if p, err = s.postFor(ctx, tx, v, id); err != nil {
			return err
		}
		if !kasuhara.CanMovePost(p.Status, to) {
			return &kasuhara.Error{Code: kasuhara.ECONFLICT, Message: "a post cannot move there from its state", Fields: kasuhara.FieldErrors{"status": {Code: kasuhara.FieldTransition}}}
		}
		now := s.now()
		var due any // no deadline once removed, disclosed or closed
		if d := kasuhara.PostDeadline(to); d > 0 {
			due = now.Add(d)
			if err := s.schedulePostDue(ctx, tx, p.ID, to, now.Add(d)); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, "UPDATE online_posts SET status = $1, due_at = $2, updated_at = $3 WHERE id = $4", to, due, now, p.ID); err != nil {
			return err
		}
		from := p.Status
		if p.CaseID != "" {
			if err := s.addEvent(ctx, tx, p.CaseID, v.UserID, kasuhara.EventPost, "", map[string]string{"post_id": p.ID, "from": from, "to": to}); err != nil {
				return err
			}
		}
		return s.appendAudit(ctx, tx, change{actor: v, orgID: v.OrgID, action: "post.status", objectType: "online_post", objectID: p.ID,
			detail: map[string]string{"from": from, "to": to}})
	})
	if err != nil {
		return nil, wrap("store.MovePost", err)
	}
	return s.postFor(ctx, s.db.Read, v, id)
}

// RecordConsent implements kasuhara.OnlinePostService.
func (s *Store) RecordConsent(ctx context.Context, v kasuhara.Actor, id, name string, at time.Time) (*kasuhara.OnlinePost, error) {
	if err := access.Check(v, access.ManagePosts); err != nil {
		return nil, err
	}
	f := kasuhara.FieldErrors{}
	shortText(f, "consent_name", name, true)
	if kasuhara.HasNUL(name) {
		f.Add("consent_name", kasuhara.FieldNUL)
	}
	now := s.now()
	switch {
	case at.IsZero():
		f.Add("consent_at", kasuhara.FieldRequired)
	case at.After(now.Add(10 * time.Minute)):
		f.Add("consent_at", kasuhara.FieldFuture)
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
		if _, err := s.postFor(ctx, tx, v, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE online_posts SET consent_name = $1, consent_at = $2, consent_recorded_by = $3, updated_at = $4 WHERE id = $5",
			strings.TrimSpace(name), at.UTC(), v.UserID, now, id); err != nil {
			return err
		}
		// The audit keeps who recorded it and when; the employee's name
		// stays with the post.
		return s.appendAudit(ctx, tx, change{actor: v, orgID: v.OrgID, action: "post.consent", objectType: "online_post", objectID: id,
			detail: map[string]string{"consent_at": at.UTC().Format(time.RFC3339)}})
	})
	if err != nil {
		return nil, wrap("store.RecordConsent", err)
	}
	return s.postFor(ctx, s.db.Read, v, id)
}

// AddPostFile implements kasuhara.OnlinePostService.
func (s *Store) AddPostFile(ctx context.Context, v kasuhara.Actor, id string, f kasuhara.PostFile) (*kasuhara.PostFile, error) {
	f.ID, f.PostID, f.CreatedAt, f.Filename = newID(), id, s.now(), cleanFilename(f.Filename)
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
		if _, err := s.postFor(ctx, tx, v, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO online_post_files (id, post_id, blob_id, filename, media_type, size, sha256, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, f.ID, id, f.BlobID, f.Filename, f.MediaType, f.Size, f.SHA256, v.UserID, f.CreatedAt); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, change{actor: v, orgID: v.OrgID, action: "post.file", objectType: "online_post", objectID: id,
			detail: map[string]string{"file_id": f.ID, "sha256": f.SHA256}})
	})
	if err != nil {
		return nil, wrap("store.AddPostFile", err)
	}
	return &f, nil
}

// PostFiles implements kasuhara.OnlinePostService.
func (s *Store) PostFiles(ctx context.Context, v kasuhara.Actor, id string) ([]kasuhara.PostFile, error) {
	if _, err := s.postFor(ctx, s.db.Read, v, id); err != nil {
		return nil, err
	}
	return list(ctx, s.db.Read, "post files", func(sc scanner) (f kasuhara.PostFile, err error) {
		err = sc.Scan(&f.ID, &f.PostID, &f.BlobID, &f.Filename, &f.MediaType, &f.Size, &f.SHA256, &f.CreatedAt)
		f.CreatedAt = f.CreatedAt.UTC()
		return f, err
	}, `SELECT id, post_id, blob_id, filename, media_type, size, sha256, created_at
		FROM online_post_files WHERE post_id = $1 ORDER BY created_at, id`, id)
}

// RemovalTemplate returns the organisation's removal-request text, or the
// built-in one.
func (s *Store) RemovalTemplate(ctx context.Context, orgID, lang string) (*kasuhara.RemovalTemplate, error) {
	t := kasuhara.DefaultRemovalTemplate(orgID, lang)
	err := s.db.Read.QueryRowContext(ctx, "SELECT title, body FROM removal_templates WHERE org_id = $1 AND lang = $2", orgID, t.Lang).Scan(&t.Title, &t.Body)
	if err != nil && err != sql.ErrNoRows {
		return nil, wrap("store.RemovalTemplate", err)
	}
	return &t, nil
}

// RemovalTemplates implements kasuhara.OnlinePostService.
func (s *Store) RemovalTemplates(ctx context.Context, v kasuhara.Actor) ([]*kasuhara.RemovalTemplate, error) {
	if err := access.Check(v, access.ManagePosts); err != nil {
		return nil, err
	}
	var ts []*kasuhara.RemovalTemplate
	for _, lang := range []string{"ja", "en"} {
		t, err := s.RemovalTemplate(ctx, v.OrgID, lang)
		if err != nil {
			return nil, err
		}
		ts = append(ts, t)
	}
	return ts, nil
}

// SaveRemovalTemplate stores the organisation's text (desk and legal).
func (s *Store) SaveRemovalTemplate(ctx context.Context, v kasuhara.Actor, t kasuhara.RemovalTemplate) error {
	if err := access.Check(v, access.ManagePosts); err != nil {
		return err
	}
	f := kasuhara.FieldErrors{}
	if t.Lang != "ja" && t.Lang != "en" {
		f.AddError("lang", kasuhara.OneOf(kasuhara.Languages...))
	}
	shortText(f, "title", t.Title, true)
	if err := checkText("body", t.Body, true); err != nil {
		f.AddError("body", kasuhara.ErrorFields(err)["body"])
	}
	if err := f.Err(); err != nil {
		return err
	}
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO removal_templates (org_id, lang, title, body, updated_at) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (org_id, lang) DO UPDATE SET title = excluded.title, body = excluded.body, updated_at = excluded.updated_at`,
			v.OrgID, t.Lang, strings.TrimSpace(t.Title), strings.TrimSpace(t.Body), s.now()); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, change{actor: v, orgID: v.OrgID, action: "post.template", objectType: "org", objectID: v.OrgID,
			detail: map[string]string{"lang": t.Lang}})
	})
	return wrap("store.SaveRemovalTemplate", err)
}

// KindPostDue is the job that looks at a post when its deadline passes.
const KindPostDue = "post_due"

type postDueJob struct {
	PostID string    `json:"post_id"`
	Status string    `json:"status"`
	Due    time.Time `json:"due,omitzero"`
}

// schedulePostDue enqueues the reminder of a post's deadline.
func (s *Store) schedulePostDue(ctx context.Context, tx *sqldb.Tx, postID, status string, due time.Time) error {
	return jobs.Enqueue(ctx, tx, jobs.Job{Kind: KindPostDue, Payload: postDueJob{PostID: postID, Status: status, Due: due}, RunAt: due,
		DedupeKey: "post:" + postID + ":" + status + ":" + due.UTC().Format(time.RFC3339)})
}

// PostDueHandler runs "post_due" jobs: when a post is still in the state
// whose deadline passed, the desk and legal (but not those excluded from its
// case) are told in the app, and the organisation's webhook hears of an
// overdue case when the post belongs to one.
func (s *Store) PostDueHandler(ctx context.Context, payload json.RawMessage) error {
	var j postDueJob
	if err := json.Unmarshal(payload, &j); err != nil {
		return jobs.Permanent(fmt.Errorf("store: post job: %w", err))
	}
	return s.tx(ctx, func(tx *sqldb.Tx) error {
		var orgID, status, caseID string
		var due sql.NullTime
		err := tx.QueryRowContext(ctx, "SELECT org_id, status, COALESCE(case_id, ''), due_at FROM online_posts WHERE id = $1", j.PostID).Scan(&orgID, &status, &caseID, &due)
		if err == sql.ErrNoRows || (err == nil && (status != j.Status || (!j.Due.IsZero() && !sameSecond(nullTime(due), j.Due)))) {
			return nil // gone, or moved on in time (a later visit to the same state has its own job)
		}
		if err != nil {
			return err
		}
		people, err := selectIDs(ctx, tx, `SELECT m.user_id FROM memberships m JOIN users u ON u.id = m.user_id
			WHERE m.org_id = $1 AND m.role IN ('desk', 'legal') AND NOT u.disabled
			AND NOT EXISTS (SELECT 1 FROM case_exclusions x WHERE x.case_id = $2 AND x.user_id = m.user_id)`, orgID, caseID)
		if err != nil {
			return err
		}
		now := s.now()
		for _, uid := range people {
			if _, err := tx.ExecContext(ctx, `INSERT INTO notifications (id, user_id, org_id, type, case_id, case_ref, urgent, created_at)
				VALUES ($1, $2, $3, 'post.overdue', $4, '', FALSE, $5)`, newID(), uid, orgID, j.PostID, now); err != nil {
				return err
			}
		}
		if caseID != "" {
			c, err := scanCase(tx.QueryRowContext(ctx, "SELECT "+caseColumns+" FROM cases c WHERE c.id = $1", caseID))
			if err == nil {
				return s.notifyEvent(ctx, tx, c, notify.CaseOverdue, nil)
			}
		}
		return nil
	})
}

func sameSecond(a, b time.Time) bool { return a.Truncate(time.Second).Equal(b.Truncate(time.Second)) }
