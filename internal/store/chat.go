package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/access"
	"github.com/kasuhara/kasuhara/internal/jobs"
	"github.com/kasuhara/kasuhara/internal/notify"
	"github.com/kasuhara/kasuhara/internal/sqldb"
)

var _ kasuhara.ChatService = (*Store)(nil)

const chatColumns = "id, org_id, COALESCE(user_id, ''), kind, label, hint, lang, created_at, last_ok_at, last_error_at, last_error"

func scanChat(sc scanner) (kasuhara.ChatDestination, error) {
	var d kasuhara.ChatDestination
	var ok, bad sql.NullTime
	err := sc.Scan(&d.ID, &d.OrgID, &d.UserID, &d.Kind, &d.Label, &d.Hint, &d.Lang, &d.CreatedAt, &ok, &bad, &d.LastError)
	d.CreatedAt, d.LastOKAt, d.LastErrorAt = d.CreatedAt.UTC(), nullTime(ok), nullTime(bad)
	return d, err
}

// OrgChatDestinations implements kasuhara.ChatService.
func (s *Store) OrgChatDestinations(ctx context.Context, v kasuhara.Actor, orgID string) ([]kasuhara.ChatDestination, error) {
	if err := s.authorize(ctx, v, access.ManageSettings, orgID); err != nil {
		return nil, err
	}
	return list(ctx, s.db.Read, "org chat destinations", scanChat,
		"SELECT "+chatColumns+" FROM chat_destinations WHERE org_id = $1 AND user_id IS NULL ORDER BY created_at, id", orgID)
}

// MyChatDestinations implements kasuhara.ChatService.
func (s *Store) MyChatDestinations(ctx context.Context, v kasuhara.Actor) ([]kasuhara.ChatDestination, error) {
	if v.UserID == "" {
		return nil, kasuhara.Errorf(kasuhara.EFORBIDDEN, "only a person has chat destinations")
	}
	return list(ctx, s.db.Read, "my chat destinations", scanChat,
		"SELECT "+chatColumns+" FROM chat_destinations WHERE user_id = $1 ORDER BY created_at, id", v.UserID)
}

// chatHint is what the pages show of a destination's address: a webhook's
// host and the last four characters of its path, a LINE WORKS id whole
// (an id is not a credential: the bot's key is the operator's).
func chatHint(kind, target string) string {
	if !notify.IsWebhookChat(kind) {
		return target
	}
	u, err := url.Parse(target)
	if err != nil {
		return "…"
	}
	tail := u.EscapedPath()
	if n := utf8.RuneCountInString(tail); n > 4 {
		tail = string([]rune(tail)[n-4:])
	} else {
		tail = ""
	}
	return u.Host + "/…" + tail
}

// validChatTarget checks a destination's address: a webhook must be
// https:// (http:// only to a network the operator allows, such as a
// relay inside the company) and not private unless allowed; a LINE WORKS
// id is one line without spaces or slashes.
func validChatTarget(kind, target string, allow []netip.Prefix) kasuhara.FieldCode {
	if target == "" {
		return kasuhara.FieldRequired
	}
	if utf8.RuneCountInString(target) > kasuhara.MaxChatTarget {
		return kasuhara.FieldTooLong
	}
	if !notify.IsWebhookChat(kind) {
		if strings.ContainsFunc(target, func(r rune) bool {
			return unicode.IsSpace(r) || unicode.IsControl(r) || r == '/' || r == '?' || r == '#'
		}) {
			return kasuhara.FieldMalformed
		}
		return ""
	}
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return kasuhara.FieldHTTPS
	}
	if notify.CheckWebhookURL(target, allow) != nil {
		return kasuhara.FieldPrivateAddress
	}
	if u.Scheme == "http" {
		a, err := netip.ParseAddr(u.Hostname())
		if err != nil || !slices.ContainsFunc(allow, func(p netip.Prefix) bool { return p.Contains(a.Unmap()) }) {
			return kasuhara.FieldHTTPS
		}
	}
	return ""
}

// AddChatDestination implements kasuhara.ChatService.
func (s *Store) AddChatDestination(ctx context.Context, v kasuhara.Actor, n kasuhara.NewChatDestination) (*kasuhara.ChatDestination, error) {
	const op = "store.AddChatDestination"
	if n.Personal {
		if v.UserID == "" {
			return nil, kasuhara.Errorf(kasuhara.EFORBIDDEN, "only a person has chat destinations")
		}
		n.OrgID, n.Lang = v.OrgID, ""
	} else if err := s.authorize(ctx, v, access.ManageSettings, n.OrgID); err != nil {
		return nil, err
	}
	if s.Secrets == nil {
		return nil, fmt.Errorf("%s: the secrets key is not loaded", op)
	}
	n.Target, n.Label = strings.TrimSpace(n.Target), strings.TrimSpace(n.Label)
	f := kasuhara.FieldErrors{}
	if !slices.Contains(notify.ChatKinds, n.Kind) {
		f.Add("kind", kasuhara.FieldChoice)
	} else if code := validChatTarget(n.Kind, n.Target, s.WebhookAllow); code != "" {
		f.Add("target", code)
	}
	switch {
	case utf8.RuneCountInString(n.Label) > kasuhara.MaxChatLabel:
		f.Add("label", kasuhara.FieldTooLong)
	case strings.ContainsFunc(n.Label, unicode.IsControl):
		f.Add("label", kasuhara.FieldSingleLine)
	}
	if !n.Personal {
		if n.Lang == "" {
			n.Lang = "ja"
		}
		if !slices.Contains(notify.Languages, n.Lang) {
			f.Add("lang", kasuhara.FieldChoice)
		}
	}
	if err := f.Err(); err != nil {
		return nil, wrap(op, err)
	}
	d := kasuhara.ChatDestination{ID: newID(), OrgID: n.OrgID, Kind: n.Kind, Label: n.Label, Hint: chatHint(n.Kind, n.Target),
		Lang: n.Lang, CreatedAt: s.now()}
	if n.Personal {
		d.UserID = v.UserID
	}
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
		q, arg := "SELECT COUNT(*) FROM chat_destinations WHERE org_id = $1 AND user_id IS NULL", d.OrgID
		if n.Personal {
			q, arg = "SELECT COUNT(*) FROM chat_destinations WHERE user_id = $1", d.UserID
		}
		var count int
		if err := tx.QueryRowContext(ctx, q, arg).Scan(&count); err != nil {
			return err
		}
		if count >= kasuhara.MaxChatDestinations {
			return kasuhara.Invalid(kasuhara.FieldErrors{"target": kasuhara.AtMost(kasuhara.MaxChatDestinations)})
		}
		user := sql.NullString{String: d.UserID, Valid: d.UserID != ""}
		if _, err := tx.ExecContext(ctx, `INSERT INTO chat_destinations (id, org_id, user_id, kind, label, target_sealed, hint, lang, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			d.ID, d.OrgID, user, d.Kind, d.Label, s.Secrets.Seal(n.Target, d.ID), d.Hint, d.Lang, v.UserID, d.CreatedAt); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, change{actor: v, orgID: d.OrgID, action: "chat.add", objectType: "chat_destination", objectID: d.ID,
			detail: map[string]any{"kind": d.Kind, "personal": n.Personal}})
	})
	if err != nil {
		return nil, wrap(op, err)
	}
	return &d, nil
}

// ownChat reads destination id if the actor may manage it: their own, or
// an organisation's they administer. Anything else is not found.
func (s *Store) ownChat(ctx context.Context, v kasuhara.Actor, id string) (*kasuhara.ChatDestination, error) {
	d, err := scanChat(s.db.Read.QueryRowContext(ctx, "SELECT "+chatColumns+" FROM chat_destinations WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, kasuhara.Errorf(kasuhara.ENOTFOUND, "chat destination not found")
	}
	if err != nil {
		return nil, err
	}
	if d.UserID != "" {
		if d.UserID != v.UserID {
			return nil, kasuhara.Errorf(kasuhara.ENOTFOUND, "chat destination not found")
		}
		return &d, nil
	}
	if err := s.authorize(ctx, v, access.ManageSettings, d.OrgID); err != nil {
		return nil, kasuhara.Errorf(kasuhara.ENOTFOUND, "chat destination not found")
	}
	return &d, nil
}

// onOwnChat runs fn in one transaction on destination id once the actor
// is found to manage it (ownChat); op names the service in an error.
func (s *Store) onOwnChat(ctx context.Context, op string, v kasuhara.Actor, id string, fn func(*sqldb.Tx, *kasuhara.ChatDestination) error) error {
	d, err := s.ownChat(ctx, v, id)
	if err != nil {
		return wrap(op, err)
	}
	return wrap(op, s.tx(ctx, func(tx *sqldb.Tx) error { return fn(tx, d) }))
}

// DeleteChatDestination implements kasuhara.ChatService.
func (s *Store) DeleteChatDestination(ctx context.Context, v kasuhara.Actor, id string) error {
	return s.onOwnChat(ctx, "store.DeleteChatDestination", v, id, func(tx *sqldb.Tx, d *kasuhara.ChatDestination) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM chat_destinations WHERE id = $1", d.ID); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, change{actor: v, orgID: d.OrgID, action: "chat.delete", objectType: "chat_destination", objectID: d.ID,
			detail: map[string]any{"kind": d.Kind, "personal": d.UserID != ""}})
	})
}

// TestChatDestination implements kasuhara.ChatService: a test message,
// through the queue as every message.
func (s *Store) TestChatDestination(ctx context.Context, v kasuhara.Actor, id string) error {
	return s.onOwnChat(ctx, "store.TestChatDestination", v, id, func(tx *sqldb.Tx, d *kasuhara.ChatDestination) error {
		return jobs.Enqueue(ctx, tx, jobs.Job{Kind: notify.KindChat, Payload: notify.ChatJob{Destination: d.ID, Test: true},
			DedupeKey: "chattest:" + newID(), MaxAttempts: 3})
	})
}

// Chats implements notify.Outbox: the organisation's channels for the
// events of notify.OrgChatTypes, and the recipients' own destinations.
func (s *Store) Chats(ctx context.Context, orgID, typ string, to []notify.Recipient) ([]string, error) {
	args := []any{orgID, slices.Contains(notify.OrgChatTypes, typ)}
	q := "SELECT id FROM chat_destinations WHERE (org_id = $1 AND user_id IS NULL AND $2)"
	if len(to) > 0 {
		marks := make([]string, len(to))
		for i, r := range to {
			args = append(args, r.UserID)
			marks[i] = fmt.Sprintf("$%d", len(args))
		}
		q += " OR user_id IN (" + strings.Join(marks, ", ") + ")"
	}
	ids, err := selectIDs(ctx, s.db.Read, q+" ORDER BY created_at, id", args...)
	if err != nil {
		return nil, fmt.Errorf("store: chats: %w", err)
	}
	return ids, nil
}

// ChatTarget opens destination id for a chat job: its kind, its address
// and the language of its messages (a person's own follows theirs). A
// destination deleted, or a person's whose account is disabled, is
// notify.ErrChatGone.
func (s *Store) ChatTarget(ctx context.Context, id string) (notify.ChatTarget, error) {
	var t notify.ChatTarget
	var sealed, userLang string
	var personal, disabled bool
	err := s.db.Read.QueryRowContext(ctx, `SELECT d.kind, d.target_sealed, d.lang, d.user_id IS NOT NULL, COALESCE(u.language, ''), COALESCE(u.disabled, FALSE)
		FROM chat_destinations d LEFT JOIN users u ON u.id = d.user_id WHERE d.id = $1`, id).Scan(&t.Kind, &sealed, &t.Lang, &personal, &userLang, &disabled)
	if errors.Is(err, sql.ErrNoRows) || disabled {
		return t, notify.ErrChatGone
	}
	if err != nil {
		return t, fmt.Errorf("store: chat target: %w", err)
	}
	if personal {
		t.Lang = userLang
	}
	if s.Secrets == nil {
		return t, errors.New("store: chat target: the secrets key is not loaded")
	}
	target, err := s.Secrets.Open(sealed, id)
	if err != nil {
		return t, jobs.Permanent(fmt.Errorf("store: chat target: %w", err))
	}
	if notify.IsWebhookChat(t.Kind) {
		t.URL = target
	} else {
		t.ID = target
	}
	return t, nil
}

// RecordChatResult keeps the outcome of a delivery to destination id for
// the settings pages (notify.ChatResult). Its error quotes no address.
func (s *Store) RecordChatResult(ctx context.Context, id string, failure error) {
	// Kept even when the job's context ends right after the delivery.
	ctx = context.WithoutCancel(ctx)
	_ = s.tx(ctx, func(tx *sqldb.Tx) error {
		if failure == nil {
			_, err := tx.ExecContext(ctx, "UPDATE chat_destinations SET last_ok_at = $1 WHERE id = $2", s.now(), id)
			return err
		}
		msg := failure.Error()
		if len(msg) > 300 {
			msg = msg[:300]
		}
		_, err := tx.ExecContext(ctx, "UPDATE chat_destinations SET last_error_at = $1, last_error = $2 WHERE id = $3", s.now(), strings.ToValidUTF8(msg, ""), id)
		return err
	})
}
