package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/access"
	"github.com/kasuhara/kasuhara/internal/jobs"
	"github.com/kasuhara/kasuhara/internal/notify"
	"github.com/kasuhara/kasuhara/internal/sqldb"
)

var _ kasuhara.IntakeService = (*Store)(nil)

// Limits of an intake item's texts, in characters: a mail's body is a
// report's long text.
const (
	maxIntakeSubject = 998 // RFC 5322's line limit
	maxIntakeReason  = kasuhara.MaxShortText * 5
	maxIntakeReply   = kasuhara.MaxLongText
	maxAuthResult    = 20
)

// Defaults of Store.IntakePerSenderHour and Store.IntakeOpenItems.
const (
	DefaultIntakePerSenderHour = 20
	DefaultIntakeOpenItems     = 500
)

func orDefault(n, def int) int {
	if n > 0 {
		return n
	}
	return def
}

// intake_items.refused (migration 0047) is neither read nor written: it
// named the attachments a mail kept without, before the mailbox refused a
// mail with such an attachment whole (before any release); its default,
// the empty text, fills it.
const intakeColumns = `i.id, i.org_id, i.received_at, i.from_address, i.from_name, i.subject, i.message_id, i.refs,
	i.spf, i.dkim, i.dmarc, COALESCE(i.sender_user_id, ''), COALESCE(u.name, ''), i.state,
	COALESCE(i.case_id, ''), COALESCE(c.ref, ''), i.reason, COALESCE(i.decided_by, ''), i.decided_at`

const intakeFrom = ` FROM intake_items i LEFT JOIN users u ON u.id = i.sender_user_id LEFT JOIN cases c ON c.id = i.case_id`

func scanIntake(sc scanner, extra ...any) (*kasuhara.IntakeItem, error) {
	var it kasuhara.IntakeItem
	var decided sql.NullTime
	dest := append([]any{&it.ID, &it.OrgID, &it.ReceivedAt, &it.FromAddress, &it.FromName, &it.Subject, &it.MessageID, &it.References,
		&it.Auth.SPF, &it.Auth.DKIM, &it.Auth.DMARC, &it.SenderUserID, &it.SenderName, &it.State,
		&it.CaseID, &it.CaseRef, &it.Reason, &it.DecidedBy, &decided}, extra...)
	if err := sc.Scan(dest...); err != nil {
		return nil, err
	}
	it.ReceivedAt = it.ReceivedAt.UTC()
	it.DecidedAt = nullTime(decided)
	return &it, nil
}

// ReceiveMail implements kasuhara.IntakeService.
func (s *Store) ReceiveMail(ctx context.Context, v kasuhara.Actor, orgID string, m kasuhara.InboundMail) (*kasuhara.IntakeItem, error) {
	const op = "store.ReceiveMail"
	if !operator(v) {
		return nil, kasuhara.Errorf(kasuhara.EFORBIDDEN, "only the mailbox listener receives mail")
	}
	f := kasuhara.FieldErrors{}
	m.FromAddress = strings.ToLower(strings.TrimSpace(m.FromAddress))
	if m.FromAddress == "" || !strings.Contains(m.FromAddress, "@") || utf8.RuneCountInString(m.FromAddress) > 254 {
		f.Add("from", kasuhara.FieldEmail)
	}
	m.FromName = clip(oneLine(m.FromName), kasuhara.MaxShortText)
	m.Subject = clip(oneLine(m.Subject), maxIntakeSubject)
	if utf8.RuneCountInString(m.Body) > kasuhara.MaxLongText {
		f.AddError("body", kasuhara.FieldError{Code: kasuhara.FieldTooLong, Args: map[string]any{"Max": kasuhara.MaxLongText}})
	}
	for k, t := range map[string]string{"from": m.FromAddress, "from_name": m.FromName, "subject": m.Subject, "body": m.Body,
		"message_id": m.MessageID, "references": m.References} {
		if kasuhara.HasNUL(t) || !utf8.ValidString(t) {
			f.Add(k, kasuhara.FieldMalformed)
		}
	}
	m.MessageID, m.References = clip(oneLine(m.MessageID), 998), clip(oneLine(m.References), 4000)
	m.Auth = kasuhara.MailAuth{SPF: clip(m.Auth.SPF, maxAuthResult), DKIM: clip(m.Auth.DKIM, maxAuthResult), DMARC: clip(m.Auth.DMARC, maxAuthResult)}
	if err := f.Err(); err != nil {
		return nil, err
	}
	it := &kasuhara.IntakeItem{ID: newID(), OrgID: orgID, ReceivedAt: s.now(), InboundMail: m, State: kasuhara.IntakeOpen}
	perSender, openCap := orDefault(s.IntakePerSenderHour, DefaultIntakePerSenderHour), orDefault(s.IntakeOpenItems, DefaultIntakeOpenItems)
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
		// A repeat delivery (the sender's server retries) is the message
		// the desk has, whatever became of it; two at once meet the unique
		// index intake_items_message below.
		if m.MessageID != "" {
			var n int
			if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM intake_items WHERE org_id = $1 AND message_id = $2", orgID, m.MessageID).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return receivedAlready()
			}
		}
		// A flood neither fills the disk nor buries the desk's list: the
		// sender tries later (docs/intake.md, "Limits").
		var open, recent int
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM intake_items WHERE org_id = $1 AND state = 'open'", orgID).Scan(&open); err != nil {
			return err
		}
		if open >= openCap {
			return kasuhara.Errorf(kasuhara.ERATELIMITED, "The desk's mailbox is full; try again later")
		}
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM intake_items WHERE org_id = $1 AND from_address = $2 AND received_at > $3",
			orgID, m.FromAddress, it.ReceivedAt.Add(-time.Hour)).Scan(&recent); err != nil {
			return err
		}
		if recent >= perSender {
			return kasuhara.Errorf(kasuhara.ERATELIMITED, "Too many messages from this sender in an hour; try again later")
		}
		// The sender is a member when their address is a member's of this
		// organisation; the desk sees it, with what the gateway said.
		err := tx.QueryRowContext(ctx, `SELECT u.id, u.name FROM users u JOIN memberships m ON m.user_id = u.id
			WHERE m.org_id = $1 AND lower(u.email) = $2 AND NOT u.disabled`, orgID, m.FromAddress).Scan(&it.SenderUserID, &it.SenderName)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO intake_items (id, org_id, received_at, from_address, from_name, subject, body,
			message_id, refs, spf, dkim, dmarc, sender_user_id, state)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'open')`,
			it.ID, orgID, it.ReceivedAt, m.FromAddress, m.FromName, m.Subject, m.Body, m.MessageID, m.References,
			m.Auth.SPF, m.Auth.DKIM, m.Auth.DMARC, nullString(it.SenderUserID)); sqldb.IsUniqueViolation(err) {
			return receivedAlready()
		} else if err != nil {
			return fmt.Errorf("insert intake item: %w", err)
		}
		for i := range m.Attachments {
			a := &it.Attachments[i]
			a.ID, a.Filename = newID(), cleanFilename(a.Filename)
			if _, err := tx.ExecContext(ctx, `INSERT INTO intake_attachments (id, item_id, position, blob_id, filename, media_type, size, sha256)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, a.ID, it.ID, i, a.BlobID, a.Filename, a.MediaType, a.Size, a.SHA256); err != nil {
				return fmt.Errorf("insert intake attachment: %w", err)
			}
		}
		return s.appendAudit(ctx, tx, change{actor: v, orgID: orgID, action: "intake.receive", objectType: "intake", objectID: it.ID,
			detail: map[string]any{"attachments": len(m.Attachments), "member": it.SenderUserID != "",
				"spf": m.Auth.SPF, "dkim": m.Auth.DKIM, "dmarc": m.Auth.DMARC}})
	})
	if err != nil {
		return nil, wrap(op, err)
	}
	return it, nil
}

// receivedAlready refuses a message the organisation has (by Message-ID).
func receivedAlready() error {
	return kasuhara.Errorf(kasuhara.ECONFLICT, "this message was received already")
}

// IntakeItems implements kasuhara.IntakeService.
func (s *Store) IntakeItems(ctx context.Context, v kasuhara.Actor, state kasuhara.IntakeState) ([]kasuhara.IntakeItem, error) {
	if err := s.authorize(ctx, v, access.HandleCases, v.OrgID); err != nil {
		return nil, err
	}
	if state == "" {
		state = kasuhara.IntakeOpen
	}
	rows, err := s.db.Read.QueryContext(ctx, "SELECT "+intakeColumns+intakeFrom+
		" WHERE i.org_id = $1 AND i.state = $2 ORDER BY i.received_at DESC, i.id DESC LIMIT 200", v.OrgID, string(state))
	if err != nil {
		return nil, fmt.Errorf("store.IntakeItems: %w", err)
	}
	defer rows.Close()
	var out []kasuhara.IntakeItem
	for rows.Next() {
		it, err := scanIntake(rows)
		if err != nil {
			return nil, fmt.Errorf("store.IntakeItems: %w", err)
		}
		out = append(out, *it)
	}
	return out, rows.Err()
}

// OpenIntakeCount implements kasuhara.IntakeService.
func (s *Store) OpenIntakeCount(ctx context.Context, v kasuhara.Actor) (int, error) {
	if err := s.authorize(ctx, v, access.HandleCases, v.OrgID); err != nil {
		return 0, err
	}
	var n int
	if err := s.db.Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM intake_items WHERE org_id = $1 AND state = 'open'", v.OrgID).Scan(&n); err != nil {
		return 0, fmt.Errorf("store.OpenIntakeCount: %w", err)
	}
	return n, nil
}

// intakeFor loads an item of the actor's organisation with its body and
// attachments; ENOTFOUND for any other.
func (s *Store) intakeFor(ctx context.Context, q queryer, v kasuhara.Actor, id string) (*kasuhara.IntakeItem, error) {
	if err := access.Check(v, access.HandleCases); err != nil {
		return nil, err
	}
	var body string
	it, err := scanIntake(q.QueryRowContext(ctx, "SELECT "+intakeColumns+", i.body"+intakeFrom+" WHERE i.id = $1 AND i.org_id = $2", id, v.OrgID), &body)
	if err != nil {
		return nil, notFound(err, "store.intake", "intake item")
	}
	it.Body = body
	rows, err := q.QueryContext(ctx, "SELECT id, blob_id, filename, media_type, size, sha256 FROM intake_attachments WHERE item_id = $1 ORDER BY position", id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var a kasuhara.IntakeAttachment
		if err := rows.Scan(&a.ID, &a.BlobID, &a.Filename, &a.MediaType, &a.Size, &a.SHA256); err != nil {
			return nil, err
		}
		it.Attachments = append(it.Attachments, a)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rrows, err := q.QueryContext(ctx, "SELECT id, author_id, body, created_at FROM intake_replies WHERE item_id = $1 ORDER BY created_at, id", id)
	if err != nil {
		return nil, err
	}
	defer rrows.Close()
	for rrows.Next() {
		var r kasuhara.IntakeReply
		if err := rrows.Scan(&r.ID, &r.AuthorID, &r.Body, &r.At); err != nil {
			return nil, err
		}
		r.At = r.At.UTC()
		it.Replies = append(it.Replies, r)
	}
	return it, rrows.Err()
}

// IntakeItem implements kasuhara.IntakeService.
func (s *Store) IntakeItem(ctx context.Context, v kasuhara.Actor, id string) (*kasuhara.IntakeItem, error) {
	var it *kasuhara.IntakeItem
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
		var err error
		if it, err = s.intakeFor(ctx, tx, v, id); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, change{actor: v, orgID: it.OrgID, action: "intake.read", objectType: "intake", objectID: it.ID})
	})
	if err != nil {
		return nil, wrap("store.IntakeItem", err)
	}
	return it, nil
}

// openIntake loads an item that still waits for a decision.
func (s *Store) openIntake(ctx context.Context, tx *sqldb.Tx, v kasuhara.Actor, id string) (*kasuhara.IntakeItem, error) {
	it, err := s.intakeFor(ctx, tx, v, id)
	if err != nil {
		return nil, err
	}
	if it.State != kasuhara.IntakeOpen {
		return nil, kasuhara.Errorf(kasuhara.ECONFLICT, "this message was already decided")
	}
	return it, nil
}

// decideIntake records the decision on an open item; ECONFLICT when
// another person decided it first.
func (s *Store) decideIntake(ctx context.Context, tx *sqldb.Tx, v kasuhara.Actor, it *kasuhara.IntakeItem, state kasuhara.IntakeState, caseID, reason string) error {
	res, err := tx.ExecContext(ctx, `UPDATE intake_items SET state = $1, case_id = $2, reason = $3, decided_by = $4, decided_at = $5
		WHERE id = $6 AND state = 'open'`, string(state), nullString(caseID), reason, nullString(v.UserID), s.now(), it.ID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return kasuhara.Errorf(kasuhara.ECONFLICT, "this message was already decided")
	}
	detail := map[string]any{"state": state}
	if caseID != "" {
		detail["case_id"] = caseID
	}
	return s.appendAudit(ctx, tx, change{actor: v, orgID: it.OrgID, action: "intake.decide", objectType: "intake", objectID: it.ID, detail: detail})
}

// intakeEvidence makes the item's attachments the case's evidence.
func (s *Store) intakeEvidence(ctx context.Context, tx *sqldb.Tx, v kasuhara.Actor, it *kasuhara.IntakeItem, c *kasuhara.Case) error {
	for _, a := range it.Attachments {
		e := kasuhara.Evidence{BlobID: a.BlobID, Filename: a.Filename, MediaType: a.MediaType, Size: a.Size, SHA256: a.SHA256}
		if err := s.insertEvidence(ctx, tx, v, c, &e); err != nil {
			return err
		}
	}
	return nil
}

// FileIntake implements kasuhara.IntakeService.
func (s *Store) FileIntake(ctx context.Context, v kasuhara.Actor, id string, f kasuhara.IntakeFiling) (*kasuhara.Case, error) {
	const op = "store.FileIntake"
	if err := access.Check(v, access.HandleCases); err != nil {
		return nil, err
	}
	r := f.Report
	r.Normalize()
	now := s.now()
	if err := r.Validate(now); err != nil {
		return nil, err
	}
	ack, feedback, err := s.deadlines(ctx, v.OrgID, now)
	if err != nil {
		return nil, wrap(op, err)
	}
	var c *kasuhara.Case
	err = s.tx(ctx, func(tx *sqldb.Tx) error {
		it, err := s.openIntake(ctx, tx, v, id)
		if err != nil {
			return err
		}
		reporter := ""
		if f.SenderIsReporter {
			if it.SenderUserID == "" {
				return kasuhara.FieldErrors{"sender_is_reporter": {Code: kasuhara.FieldNotMember}}.Err()
			}
			reporter = it.SenderUserID
		}
		c = &kasuhara.Case{ID: newID(), OrgID: v.OrgID, ReporterID: reporter, State: kasuhara.StateNew, Urgent: r.Urgent(), Report: r,
			AcknowledgeBy: ack, FeedbackBy: feedback, CreatedAt: now, UpdatedAt: now}
		if err := s.insertCase(ctx, tx, v, c, false); err != nil {
			return err
		}
		if err := s.intakeEvidence(ctx, tx, v, it, c); err != nil {
			return err
		}
		return s.decideIntake(ctx, tx, v, it, kasuhara.IntakeFiled, c.ID, "")
	})
	if err != nil {
		return nil, wrap(op, err)
	}
	return c, nil
}

// AttachIntake implements kasuhara.IntakeService.
func (s *Store) AttachIntake(ctx context.Context, v kasuhara.Actor, id, ref string) (*kasuhara.Case, error) {
	const op = "store.AttachIntake"
	norm, ok := kasuhara.NormalizeCaseRef(ref)
	if !ok {
		return nil, kasuhara.FieldErrors{"case": {Code: kasuhara.FieldMalformed}}.Err()
	}
	caseID, err := s.CaseIDByRef(ctx, v, norm)
	if kasuhara.ErrorCode(err) == kasuhara.ENOTFOUND {
		return nil, kasuhara.FieldErrors{"case": {Code: kasuhara.FieldLookup}}.Err()
	} else if err != nil {
		return nil, err
	}
	var c *kasuhara.Case
	err = s.tx(ctx, func(tx *sqldb.Tx) error {
		it, err := s.openIntake(ctx, tx, v, id)
		if err != nil {
			return err
		}
		if c, _, err = s.caseFor(ctx, tx, v, caseID, access.CaseHandler); err != nil {
			return err
		}
		note := strings.TrimSpace(it.Subject + "\n\n" + it.Body)
		if err := s.addEvent(ctx, tx, c.ID, v.UserID, kasuhara.EventNote, clip(note, kasuhara.MaxLongText),
			map[string]string{"source": "mail"}); err != nil {
			return err
		}
		if err := s.intakeEvidence(ctx, tx, v, it, c); err != nil {
			return err
		}
		if err := s.reindex(ctx, tx, c.ID); err != nil {
			return err
		}
		if err := s.appendAudit(ctx, tx, change{actor: v, orgID: c.OrgID, action: "case.note", objectType: "case", objectID: c.ID,
			detail: map[string]string{"kind": kasuhara.EventNote, "source": "mail"}}); err != nil {
			return err
		}
		return s.decideIntake(ctx, tx, v, it, kasuhara.IntakeAttached, c.ID, "")
	})
	if err != nil {
		return nil, wrap(op, err)
	}
	return c, nil
}

// DiscardIntake implements kasuhara.IntakeService.
func (s *Store) DiscardIntake(ctx context.Context, v kasuhara.Actor, id, reason string) ([]string, error) {
	reason = strings.TrimSpace(reason)
	f := kasuhara.FieldErrors{}
	switch {
	case reason == "":
		f.Add("reason", kasuhara.FieldRequired)
	case utf8.RuneCountInString(reason) > maxIntakeReason:
		f.AddError("reason", kasuhara.FieldError{Code: kasuhara.FieldTooLong, Args: map[string]any{"Max": maxIntakeReason}})
	case kasuhara.HasNUL(reason):
		f.Add("reason", kasuhara.FieldNUL)
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	var blobs []string
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
		it, err := s.openIntake(ctx, tx, v, id)
		if err != nil {
			return err
		}
		// A mail set aside keeps no files: nothing of it became evidence.
		for _, a := range it.Attachments {
			blobs = append(blobs, a.BlobID)
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM intake_attachments WHERE item_id = $1", it.ID); err != nil {
			return err
		}
		return s.decideIntake(ctx, tx, v, it, kasuhara.IntakeDiscarded, "", reason)
	})
	if err != nil {
		return nil, wrap("store.DiscardIntake", err)
	}
	return blobs, nil
}

// KindIntakeReply is the job that mails the desk's reply to a sender.
const KindIntakeReply = "intake_reply"

// intakeReplyJob names the reply; its text is read when the mail is sent,
// so the job table holds no content.
type intakeReplyJob struct {
	Reply string `json:"reply"`
}

// ReplyIntake implements kasuhara.IntakeService.
func (s *Store) ReplyIntake(ctx context.Context, v kasuhara.Actor, id, body string) (*kasuhara.IntakeReply, error) {
	body = strings.TrimSpace(strings.ReplaceAll(body, "\r\n", "\n"))
	f := kasuhara.FieldErrors{}
	switch {
	case body == "":
		f.Add("body", kasuhara.FieldRequired)
	case utf8.RuneCountInString(body) > maxIntakeReply:
		f.AddError("body", kasuhara.FieldError{Code: kasuhara.FieldTooLong, Args: map[string]any{"Max": maxIntakeReply}})
	case kasuhara.HasNUL(body):
		f.Add("body", kasuhara.FieldNUL)
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	r := &kasuhara.IntakeReply{ID: newID(), AuthorID: v.UserID, Body: body, At: s.now()}
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
		it, err := s.intakeFor(ctx, tx, v, id)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO intake_replies (id, item_id, author_id, body, created_at) VALUES ($1, $2, $3, $4, $5)",
			r.ID, it.ID, v.UserID, body, r.At); err != nil {
			return err
		}
		if err := jobs.Enqueue(ctx, tx, jobs.Job{Kind: KindIntakeReply, DedupeKey: "intake_reply:" + r.ID, Payload: intakeReplyJob{Reply: r.ID}}); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, change{actor: v, orgID: it.OrgID, action: "intake.reply", objectType: "intake", objectID: it.ID,
			detail: map[string]string{"reply_id": r.ID}})
	})
	if err != nil {
		return nil, wrap("store.ReplyIntake", err)
	}
	return r, nil
}

// IntakeReplyHandler runs "intake_reply" jobs: the desk's text, then the
// sender's own message quoted, to the sender's address only, threaded under
// their message (In-Reply-To, References). Nothing else of the case goes.
func (s *Store) IntakeReplyHandler(m *notify.Mailer) func(context.Context, json.RawMessage) error {
	return func(ctx context.Context, raw json.RawMessage) error {
		var j intakeReplyJob
		if err := json.Unmarshal(raw, &j); err != nil || j.Reply == "" {
			return jobs.Permanent(errors.New("store: intake reply: malformed job"))
		}
		msg, err := s.IntakeReplyMessage(ctx, j.Reply)
		if err != nil {
			return err
		}
		return m.Send(ctx, msg)
	}
}

// IntakeReplyMessage is the mail of a reply.
func (s *Store) IntakeReplyMessage(ctx context.Context, replyID string) (notify.Message, error) {
	var to, subject, body, mid, refs, reply string
	err := s.db.Read.QueryRowContext(ctx, `SELECT i.from_address, i.subject, i.body, i.message_id, i.refs, r.body
		FROM intake_replies r JOIN intake_items i ON i.id = r.item_id WHERE r.id = $1`, replyID).Scan(&to, &subject, &body, &mid, &refs, &reply)
	if errors.Is(err, sql.ErrNoRows) {
		// The item went with its case: nothing to send.
		return notify.Message{}, jobs.Permanent(errors.New("store: intake reply: gone"))
	}
	if err != nil {
		return notify.Message{}, fmt.Errorf("store: intake reply: %w", err)
	}
	return notify.ReplyMessage(to, subject, body, mid, refs, reply, "intake."+replyID), nil
}

// clip cuts s to at most n characters.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// oneLine joins the lines of s with spaces.
func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)), " ")
}
