package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/access"
	"github.com/kasuhara/kasuhara/internal/sqldb"
)

var _ kasuhara.CallService = (*Store)(nil)

const callColumns = `id, org_id, source, call_id, caller, agent_id, started_at, duration_seconds, recording_url,
	COALESCE(recording_blob_id, ''), recording_media_type, recording_size, recording_sha256, state, COALESCE(case_id, ''), created_at`

func scanCall(sc scanner) (*kasuhara.CallDraft, error) {
	var d kasuhara.CallDraft
	var rec kasuhara.Evidence
	if err := sc.Scan(&d.ID, &d.OrgID, &d.Source, &d.CallID, &d.Caller, &d.AgentID, &d.StartedAt, &d.DurationSeconds, &d.RecordingURL,
		&rec.BlobID, &rec.MediaType, &rec.Size, &rec.SHA256, &d.State, &d.CaseID, &d.CreatedAt); err != nil {
		return nil, err
	}
	if rec.BlobID != "" {
		rec.Filename = "recording" + extensionOf(rec.MediaType)
		d.Recording = &rec
	}
	d.StartedAt, d.CreatedAt = d.StartedAt.UTC(), d.CreatedAt.UTC()
	return &d, nil
}

// extensionOf is a recording's file name extension by its type.
func extensionOf(mediaType string) string {
	if _, sub, ok := strings.Cut(mediaType, "/"); ok && sub != "" && !strings.ContainsAny(sub, "; ") {
		return "." + strings.TrimPrefix(sub, "x-")
	}
	return ""
}

// CallAgent implements kasuhara.CallService.
func (s *Store) CallAgent(ctx context.Context, v kasuhara.Actor, orgID, email string) (kasuhara.Actor, error) {
	var a kasuhara.Actor
	orgID, err := callOrg(v, orgID)
	if err != nil {
		return a, err
	}
	var dep sql.NullString
	err = s.db.Read.QueryRowContext(ctx, `SELECT u.id, m.org_id, m.role, m.department_id FROM users u JOIN memberships m ON m.user_id = u.id
		WHERE m.org_id = $1 AND lower(u.email) = $2 AND NOT u.disabled`, orgID, strings.ToLower(strings.TrimSpace(email))).Scan(&a.UserID, &a.OrgID, &a.Role, &dep)
	if errors.Is(err, sql.ErrNoRows) {
		return a, kasuhara.FieldErrors{"agent": {Code: kasuhara.FieldNotMember}}.Err()
	}
	if err != nil {
		return a, fmt.Errorf("store.CallAgent: %w", err)
	}
	a.DepartmentID = dep.String
	return a, nil
}

// callOrg is the organisation of a call event: orgID for the system (a
// signed webhook), the actor's own for an API token of the admin, the desk
// or legal; EFORBIDDEN for anyone else.
func callOrg(v kasuhara.Actor, orgID string) (string, error) {
	if operator(v) {
		return orgID, nil
	}
	if !access.Can(v.Role, access.ManageSettings) && !access.Can(v.Role, access.HandleCases) {
		return "", kasuhara.Errorf(kasuhara.EFORBIDDEN, "only an integration of the administrator or the desk reports calls")
	}
	return v.OrgID, nil
}

// CallEnded implements kasuhara.CallService.
func (s *Store) CallEnded(ctx context.Context, v kasuhara.Actor, orgID string, e kasuhara.CallEvent) (*kasuhara.CallDraft, bool, error) {
	const op = "store.CallEnded"
	orgID, err := callOrg(v, orgID)
	if err != nil {
		return nil, false, err
	}
	f := kasuhara.FieldErrors{}
	e.CallID, e.Caller = strings.TrimSpace(e.CallID), strings.TrimSpace(e.Caller)
	switch {
	case e.CallID == "":
		f.Add("call_id", kasuhara.FieldRequired)
	case utf8.RuneCountInString(e.CallID) > kasuhara.MaxCallIDLength || !oneLineText(e.CallID):
		f.Add("call_id", kasuhara.FieldMalformed)
	}
	if utf8.RuneCountInString(e.Caller) > 40 || !oneLineText(e.Caller) {
		f.Add("caller", kasuhara.FieldMalformed)
	}
	if e.DurationSeconds < 0 || e.DurationSeconds > kasuhara.MaxCallDuration {
		f.AddError("duration_seconds", kasuhara.FieldError{Code: kasuhara.FieldRange, Args: map[string]any{"Min": 0, "Max": kasuhara.MaxCallDuration}})
	}
	now := s.now()
	if e.StartedAt.IsZero() {
		e.StartedAt = now.Add(-time.Duration(e.DurationSeconds) * time.Second)
	} else if e.StartedAt.After(now.Add(5 * time.Minute)) {
		f.Add("started_at", kasuhara.FieldFuture)
	}
	if e.RecordingURL != "" {
		u, err := url.Parse(e.RecordingURL)
		if err != nil || u.Scheme != "https" || u.Host == "" || len(e.RecordingURL) > 2000 {
			f.Add("recording_url", kasuhara.FieldURL)
		}
	}
	if !slices.Contains(append([]string{kasuhara.CallSourceAPI}, kasuhara.CallSecretSources...), e.Source) {
		f.Add("source", kasuhara.FieldChoice)
	}
	if err := f.Err(); err != nil {
		return nil, false, err
	}
	agent, err := s.CallAgent(ctx, v, orgID, e.AgentEmail)
	if err != nil {
		return nil, false, err
	}
	d := &kasuhara.CallDraft{ID: newID(), OrgID: orgID, Source: e.Source, CallID: e.CallID, Caller: e.Caller, AgentID: agent.UserID,
		StartedAt: e.StartedAt.UTC(), DurationSeconds: e.DurationSeconds, RecordingURL: e.RecordingURL, Recording: e.Recording,
		State: kasuhara.CallDraftOpen, CreatedAt: now}
	repeat := false
	err = s.tx(ctx, func(tx *sqldb.Tx) error {
		first, err := scanCall(tx.QueryRowContext(ctx, "SELECT "+callColumns+" FROM call_drafts WHERE org_id = $1 AND source = $2 AND call_id = $3",
			orgID, e.Source, e.CallID))
		if err == nil {
			d, repeat = first, true
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		var blobID, mt, sum any = nil, "", ""
		var size int64
		if r := e.Recording; r != nil {
			blobID, mt, size, sum = r.BlobID, r.MediaType, r.Size, r.SHA256
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO call_drafts (id, org_id, source, call_id, caller, agent_id, started_at, duration_seconds,
			recording_url, recording_blob_id, recording_media_type, recording_size, recording_sha256, state, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'open', $14)`,
			d.ID, orgID, e.Source, e.CallID, e.Caller, agent.UserID, d.StartedAt, e.DurationSeconds, e.RecordingURL, blobID, mt, size, sum, now); err != nil {
			return fmt.Errorf("insert call draft: %w", err)
		}
		return s.appendAudit(ctx, tx, change{actor: v, orgID: orgID, action: "call.ended", objectType: "call", objectID: d.ID,
			detail: map[string]any{"source": e.Source, "duration_seconds": e.DurationSeconds, "recording": e.Recording != nil || e.RecordingURL != ""}})
	})
	if err != nil {
		return nil, false, wrap(op, err)
	}
	return d, repeat, nil
}

// CallDrafts implements kasuhara.CallService.
func (s *Store) CallDrafts(ctx context.Context, v kasuhara.Actor) ([]kasuhara.CallDraft, error) {
	if v.UserID == "" {
		return nil, kasuhara.Errorf(kasuhara.EFORBIDDEN, "drafts are a person's own")
	}
	rows, err := s.db.Read.QueryContext(ctx, "SELECT "+callColumns+" FROM call_drafts WHERE agent_id = $1 AND org_id = $2 AND state = 'open' ORDER BY created_at DESC, id DESC LIMIT 50",
		v.UserID, v.OrgID)
	if err != nil {
		return nil, fmt.Errorf("store.CallDrafts: %w", err)
	}
	defer rows.Close()
	var out []kasuhara.CallDraft
	for rows.Next() {
		d, err := scanCall(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *d)
	}
	return out, rows.Err()
}

func (s *Store) callDraftFor(ctx context.Context, q queryer, v kasuhara.Actor, id string) (*kasuhara.CallDraft, error) {
	d, err := scanCall(q.QueryRowContext(ctx, "SELECT "+callColumns+" FROM call_drafts WHERE id = $1 AND agent_id = $2 AND org_id = $3", id, v.UserID, v.OrgID))
	if err != nil {
		return nil, notFound(err, "store.callDraft", "call")
	}
	return d, nil
}

// CallDraft implements kasuhara.CallService.
func (s *Store) CallDraft(ctx context.Context, v kasuhara.Actor, id string) (*kasuhara.CallDraft, error) {
	return s.callDraftFor(ctx, s.db.Read, v, id)
}

// FileCallDraft implements kasuhara.CallService.
func (s *Store) FileCallDraft(ctx context.Context, v kasuhara.Actor, id string, r kasuhara.Report, evidence ...kasuhara.Evidence) (*kasuhara.Case, error) {
	const op = "store.FileCallDraft"
	if err := access.Check(v, access.FileReport); err != nil {
		return nil, err
	}
	c, err := s.newCase(ctx, v, r)
	if err != nil {
		return nil, wrap(op, err)
	}
	err = s.tx(ctx, func(tx *sqldb.Tx) error {
		d, err := s.callDraftFor(ctx, tx, v, id)
		if err != nil {
			return err
		}
		if d.State != kasuhara.CallDraftOpen {
			return kasuhara.Errorf(kasuhara.ECONFLICT, "this call was already reported or set aside")
		}
		if d.Recording != nil {
			evidence = append([]kasuhara.Evidence{*d.Recording}, evidence...)
		}
		if err := s.insertCaseWith(ctx, tx, v, c, evidence, noGuard); err != nil {
			return err
		}
		if d.RecordingURL != "" {
			// Where the phone system keeps the recording: the desk fetches
			// it there, signed in to the phone system.
			if err := s.addEvent(ctx, tx, c.ID, v.UserID, kasuhara.EventNote, d.RecordingURL,
				map[string]string{"source": "call", "recording_url": d.RecordingURL}); err != nil {
				return err
			}
		}
		res, err := tx.ExecContext(ctx, "UPDATE call_drafts SET state = 'filed', case_id = $1 WHERE id = $2 AND state = 'open'", c.ID, d.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return kasuhara.Errorf(kasuhara.ECONFLICT, "this call was already reported or set aside")
		}
		return s.appendAudit(ctx, tx, change{actor: v, orgID: v.OrgID, action: "call.filed", objectType: "call", objectID: d.ID,
			detail: map[string]string{"case_id": c.ID}})
	})
	if err != nil {
		return nil, wrap(op, err)
	}
	return c, nil
}

// DismissCallDraft implements kasuhara.CallService.
func (s *Store) DismissCallDraft(ctx context.Context, v kasuhara.Actor, id string) (string, error) {
	blobID := ""
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
		d, err := s.callDraftFor(ctx, tx, v, id)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE call_drafts SET state = 'dismissed', recording_blob_id = NULL, recording_media_type = '',
			recording_size = 0, recording_sha256 = '' WHERE id = $1 AND state = 'open'`, d.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return kasuhara.Errorf(kasuhara.ECONFLICT, "this call was already reported or set aside")
		}
		if d.Recording != nil {
			blobID = d.Recording.BlobID
		}
		return s.appendAudit(ctx, tx, change{actor: v, orgID: v.OrgID, action: "call.dismissed", objectType: "call", objectID: d.ID})
	})
	if err != nil {
		return "", wrap("store.DismissCallDraft", err)
	}
	return blobID, nil
}

// CallSecret implements kasuhara.CallService.
func (s *Store) CallSecret(ctx context.Context, orgID, source string) (string, error) {
	var secret string
	err := s.db.Read.QueryRowContext(ctx, "SELECT secret FROM call_secrets WHERE org_id = $1 AND source = $2", orgID, source).Scan(&secret)
	if errors.Is(err, sql.ErrNoRows) {
		return "", kasuhara.Errorf(kasuhara.ENOTFOUND, "no secret for this phone system")
	}
	if err != nil {
		return "", fmt.Errorf("store.CallSecret: %w", err)
	}
	return secret, nil
}

// SetCallSecret implements kasuhara.CallService.
func (s *Store) SetCallSecret(ctx context.Context, v kasuhara.Actor, orgID, source, secret string) error {
	if err := s.authorize(ctx, v, access.ManageSettings, orgID); err != nil {
		return err
	}
	f := kasuhara.FieldErrors{}
	if !slices.Contains(kasuhara.CallSecretSources, source) {
		f.Add("source", kasuhara.FieldChoice)
	}
	if n := len(secret); n < 16 || n > 200 || !oneLineText(secret) {
		f.AddError("secret", kasuhara.FieldError{Code: kasuhara.FieldRange, Args: map[string]any{"Min": 16, "Max": 200}})
	}
	if err := f.Err(); err != nil {
		return err
	}
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO call_secrets (org_id, source, secret, created_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (org_id, source) DO UPDATE SET secret = excluded.secret, created_at = excluded.created_at`, orgID, source, secret, s.now()); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, change{actor: v, orgID: orgID, action: "call.secret", objectType: "org", objectID: orgID,
			detail: map[string]string{"source": source}})
	})
	return wrap("store.SetCallSecret", err)
}

// oneLineText reports whether s is printable text on one line.
func oneLineText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f })
}
