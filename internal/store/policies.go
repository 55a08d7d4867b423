package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/access"
	"github.com/kasuhara/kasuhara/internal/sqldb"
)

var _ kasuhara.PolicyService = (*Store)(nil)

const policyVersionColumns = `v.id, v.document_id, v.number, v.title_ja, v.title_en, v.body_ja, v.body_en, v.created_at, v.updated_at, v.published_at`

func scanPolicyVersion(r scanner) (*kasuhara.PolicyVersion, error) {
	var v kasuhara.PolicyVersion
	var pub sql.NullTime
	if err := r.Scan(&v.ID, &v.DocumentID, &v.Number, &v.TitleJa, &v.TitleEn, &v.BodyJa, &v.BodyEn, &v.CreatedAt, &v.UpdatedAt, &pub); err != nil {
		return nil, err
	}
	v.CreatedAt, v.UpdatedAt, v.PublishedAt = v.CreatedAt.UTC(), v.UpdatedAt.UTC(), nullTime(pub)
	return &v, nil
}

func cleanPolicyText(t kasuhara.PolicyText) kasuhara.PolicyText {
	return kasuhara.PolicyText{TitleJa: trim(t.TitleJa), TitleEn: trim(t.TitleEn),
		BodyJa: strings.TrimRight(t.BodyJa, " \t\r\n"), BodyEn: strings.TrimRight(t.BodyEn, " \t\r\n")}
}

// CreatePolicy implements kasuhara.PolicyService.
func (s *Store) CreatePolicy(ctx context.Context, actor kasuhara.Actor, kind string, groupWide bool, t kasuhara.PolicyText) (*kasuhara.PolicyDocument, error) {
	if err := s.authorize(ctx, actor, access.ManageContent, actor.OrgID); err != nil {
		return nil, err
	}
	orgID := actor.OrgID
	f := kasuhara.FieldErrors{}
	if !kasuhara.ValidPolicyKind(kind) {
		f.Add("kind", kasuhara.FieldChoice)
	}
	if err := t.Validate(); err != nil {
		for k, v := range kasuhara.ErrorFields(err) {
			f.AddError(k, v)
		}
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	t = cleanPolicyText(t)
	d := kasuhara.PolicyDocument{ID: newID(), OrgID: orgID, Kind: kind, GroupWide: groupWide, CreatedAt: s.now()}
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
		if _, err := tx.ExecContext(ctx, "INSERT INTO policy_documents (id, org_id, kind, group_wide, created_at) VALUES ($1, $2, $3, $4, $5)",
			d.ID, orgID, kind, groupWide, d.CreatedAt); err != nil {
			if sqldb.IsUniqueViolation(err) {
				return &kasuhara.Error{Code: kasuhara.ECONFLICT, Message: "the organisation already has a basic policy", Fields: kasuhara.FieldErrors{"kind": {Code: kasuhara.FieldTaken}}}
			}
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO policy_versions (id, document_id, number, title_ja, title_en, body_ja, body_en, created_by, created_at, updated_at)
			VALUES ($1, $2, 1, $3, $4, $5, $6, $7, $8, $8)`, newID(), d.ID, t.TitleJa, t.TitleEn, t.BodyJa, t.BodyEn, actor.UserID, d.CreatedAt); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, change{actor: actor, orgID: orgID, action: "policy.create", objectType: "policy", objectID: d.ID,
			detail: map[string]any{"kind": kind, "group_wide": groupWide}})
	})
	if err != nil {
		return nil, wrap("store.CreatePolicy", err)
	}
	return &d, nil
}

// policyOf checks that docID belongs to orgID, inside tx.
func policyOf(ctx context.Context, q queryer, orgID, docID string) error {
	var one int
	err := q.QueryRowContext(ctx, "SELECT 1 FROM policy_documents WHERE id = $1 AND org_id = $2", docID, orgID).Scan(&one)
	return notFound(err, "store.policy", "policy")
}

func draftOf(ctx context.Context, q queryer, docID string) (*kasuhara.PolicyVersion, error) {
	return scanPolicyVersion(q.QueryRowContext(ctx, "SELECT "+policyVersionColumns+
		" FROM policy_versions v WHERE v.document_id = $1 AND v.published_at IS NULL", docID))
}

// SaveDraft implements kasuhara.PolicyService.
func (s *Store) SaveDraft(ctx context.Context, actor kasuhara.Actor, docID string, t kasuhara.PolicyText) (*kasuhara.PolicyVersion, error) {
	if err := s.authorize(ctx, actor, access.ManageContent, actor.OrgID); err != nil {
		return nil, err
	}
	orgID := actor.OrgID
	if err := t.Validate(); err != nil {
		return nil, err
	}
	t = cleanPolicyText(t)
	return txValue(ctx, s, "store.SaveDraft", func(tx *sqldb.Tx) (*kasuhara.PolicyVersion, error) {
		if err := policyOf(ctx, tx, orgID, docID); err != nil {
			return nil, err
		}
		now := s.now()
		d, err := draftOf(ctx, tx, docID)
		switch {
		case err == sql.ErrNoRows:
			var n int
			if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(number), 0) FROM policy_versions WHERE document_id = $1", docID).Scan(&n); err != nil {
				return nil, err
			}
			d = &kasuhara.PolicyVersion{ID: newID(), DocumentID: docID, Number: n + 1, CreatedAt: now}
			if _, err := tx.ExecContext(ctx, `INSERT INTO policy_versions (id, document_id, number, title_ja, title_en, body_ja, body_en, created_by, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)`, d.ID, docID, d.Number, t.TitleJa, t.TitleEn, t.BodyJa, t.BodyEn, actor.UserID, now); err != nil {
				if sqldb.IsUniqueViolation(err) {
					return nil, kasuhara.Errorf(kasuhara.ECONFLICT, "someone else started a draft at the same time; reload the page")
				}
				return nil, err
			}
		case err != nil:
			return nil, err
		default:
			if _, err := tx.ExecContext(ctx, `UPDATE policy_versions SET title_ja = $1, title_en = $2, body_ja = $3, body_en = $4, updated_at = $5
				WHERE id = $6 AND published_at IS NULL`, t.TitleJa, t.TitleEn, t.BodyJa, t.BodyEn, now, d.ID); err != nil {
				return nil, err
			}
		}
		d.PolicyText, d.UpdatedAt = t, now
		return d, s.appendAudit(ctx, tx, change{actor: actor, orgID: orgID, action: "policy.draft", objectType: "policy", objectID: docID,
			detail: map[string]any{"version": d.Number}})
	})
}

// DiscardDraft implements kasuhara.PolicyService.
func (s *Store) DiscardDraft(ctx context.Context, actor kasuhara.Actor, docID string) error {
	return s.policyChange(ctx, "store.DiscardDraft", actor, docID, func(tx *sqldb.Tx) error {
		d, err := draftOf(ctx, tx, docID)
		if err != nil {
			return notFound(err, "store.DiscardDraft", "draft")
		}
		var published int
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM policy_versions WHERE document_id = $1 AND published_at IS NOT NULL", docID).Scan(&published); err != nil {
			return err
		}
		if published == 0 {
			// A document that was never published goes with its only draft.
			if _, err := tx.ExecContext(ctx, "DELETE FROM policy_versions WHERE document_id = $1", docID); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, "DELETE FROM policy_documents WHERE id = $1", docID); err != nil {
				return err
			}
		} else if _, err := tx.ExecContext(ctx, "DELETE FROM policy_versions WHERE id = $1", d.ID); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, change{actor: actor, orgID: actor.OrgID, action: "policy.discard", objectType: "policy", objectID: docID,
			detail: map[string]any{"version": d.Number}})
	})
}

// Publish implements kasuhara.PolicyService.
func (s *Store) Publish(ctx context.Context, actor kasuhara.Actor, docID string) (*kasuhara.PolicyVersion, error) {
	if err := s.authorize(ctx, actor, access.ManageContent, actor.OrgID); err != nil {
		return nil, err
	}
	orgID := actor.OrgID
	return txValue(ctx, s, "store.Publish", func(tx *sqldb.Tx) (*kasuhara.PolicyVersion, error) {
		if err := policyOf(ctx, tx, orgID, docID); err != nil {
			return nil, err
		}
		d, err := draftOf(ctx, tx, docID)
		if err != nil {
			return nil, notFound(err, "store.Publish", "draft")
		}
		d.PublishedAt = s.now()
		if _, err := tx.ExecContext(ctx, "UPDATE policy_versions SET published_at = $1 WHERE id = $2", d.PublishedAt, d.ID); err != nil {
			return nil, err
		}
		return d, s.appendAudit(ctx, tx, change{actor: actor, orgID: orgID, action: "policy.publish", objectType: "policy", objectID: docID,
			detail: map[string]any{"version": d.Number}})
	})
}

// SetGroupWide implements kasuhara.PolicyService.
func (s *Store) SetGroupWide(ctx context.Context, actor kasuhara.Actor, docID string, groupWide bool) error {
	return s.policyChange(ctx, "store.SetGroupWide", actor, docID, func(tx *sqldb.Tx) error {
		if _, err := tx.ExecContext(ctx, "UPDATE policy_documents SET group_wide = $1 WHERE id = $2", groupWide, docID); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, change{actor: actor, orgID: actor.OrgID, action: "policy.group_wide", objectType: "policy", objectID: docID,
			detail: map[string]any{"group_wide": groupWide}})
	})
}

// policyChange is the frame of a change to docID that returns nothing: the
// actor must manage content, and fn writes in one transaction once docID
// is found to be a document of the actor's organisation.
func (s *Store) policyChange(ctx context.Context, op string, actor kasuhara.Actor, docID string, fn func(*sqldb.Tx) error) error {
	if err := s.authorize(ctx, actor, access.ManageContent, actor.OrgID); err != nil {
		return err
	}
	return wrap(op, s.tx(ctx, func(tx *sqldb.Tx) error {
		if err := policyOf(ctx, tx, actor.OrgID, docID); err != nil {
			return err
		}
		return fn(tx)
	}))
}

// policyDocs loads documents by a WHERE clause on d, with all their versions.
func (s *Store) policyDocs(ctx context.Context, where string, args ...any) ([]kasuhara.PolicyDocument, error) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT d.id, d.org_id, d.kind, d.group_wide, d.created_at, o.name
		FROM policy_documents d JOIN orgs o ON o.id = d.org_id WHERE `+where+` ORDER BY CASE d.kind WHEN 'basic' THEN 0 ELSE 1 END, d.created_at, d.id`, args...)
	if err != nil {
		return nil, err
	}
	var docs []kasuhara.PolicyDocument
	index := map[string]int{}
	for rows.Next() {
		var d kasuhara.PolicyDocument
		if err := rows.Scan(&d.ID, &d.OrgID, &d.Kind, &d.GroupWide, &d.CreatedAt, &d.OrgName); err != nil {
			rows.Close()
			return nil, err
		}
		d.CreatedAt = d.CreatedAt.UTC()
		index[d.ID] = len(docs)
		docs = append(docs, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(docs) == 0 {
		return docs, err
	}
	ids := make([]any, 0, len(docs))
	marks := make([]string, 0, len(docs))
	for i, d := range docs {
		ids = append(ids, d.ID)
		marks = append(marks, fmt.Sprintf("$%d", i+1))
	}
	vrows, err := s.db.Read.QueryContext(ctx, "SELECT "+policyVersionColumns+" FROM policy_versions v WHERE v.document_id IN ("+
		strings.Join(marks, ", ")+") ORDER BY v.number DESC", ids...)
	if err != nil {
		return nil, err
	}
	defer vrows.Close()
	for vrows.Next() {
		v, err := scanPolicyVersion(vrows)
		if err != nil {
			return nil, err
		}
		d := &docs[index[v.DocumentID]]
		if !v.Published() {
			d.Draft = v
			continue
		}
		if d.Current == nil {
			d.Current = v
		}
		d.Versions = append(d.Versions, *v)
	}
	return docs, vrows.Err()
}

// Policies implements kasuhara.PolicyService.
func (s *Store) Policies(ctx context.Context, orgID string) ([]kasuhara.PolicyDocument, error) {
	docs, err := s.policyDocs(ctx, "d.org_id = $1", orgID)
	return docs, wrap("store.Policies", err)
}

// ancestors lists orgID and its parents, nearest first.
func (s *Store) ancestors(ctx context.Context, orgID string) ([]string, error) {
	var out []string
	for id := orgID; id != "" && len(out) < 16; {
		out = append(out, id)
		var parent sql.NullString
		if err := s.db.Read.QueryRowContext(ctx, "SELECT parent_id FROM orgs WHERE id = $1", id).Scan(&parent); err != nil {
			return nil, notFound(err, "store.ancestors", "organisation")
		}
		id = parent.String
	}
	return out, nil
}

// EffectivePolicies implements kasuhara.PolicyService.
func (s *Store) EffectivePolicies(ctx context.Context, orgID, userID string) ([]kasuhara.PolicyDocument, error) {
	chain, err := s.ancestors(ctx, orgID)
	if err != nil {
		return nil, err
	}
	args := []any{orgID}
	var marks []string
	for i, id := range chain[1:] {
		args = append(args, id)
		marks = append(marks, fmt.Sprintf("$%d", i+2))
	}
	where := "d.org_id = $1"
	if len(marks) > 0 {
		where = "(d.org_id = $1 OR (d.group_wide AND d.org_id IN (" + strings.Join(marks, ", ") + ")))"
	}
	docs, err := s.policyDocs(ctx, where, args...)
	if err != nil {
		return nil, wrap("store.EffectivePolicies", err)
	}
	depth := map[string]int{}
	for i, id := range chain {
		depth[id] = i
	}
	// The nearest published basic policy wins; internal documents add up.
	var out []kasuhara.PolicyDocument
	basic := -1
	for _, d := range docs {
		if d.Current == nil {
			continue
		}
		d.Draft = nil
		if d.Kind == kasuhara.PolicyBasic {
			if basic >= 0 && depth[out[basic].OrgID] <= depth[d.OrgID] {
				continue
			}
			if basic >= 0 {
				out[basic] = d
				continue
			}
			basic = len(out)
		}
		out = append(out, d)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Kind == kasuhara.PolicyBasic && out[j].Kind != kasuhara.PolicyBasic })
	if userID != "" {
		for i := range out {
			var at sql.NullTime
			err := s.db.Read.QueryRowContext(ctx, "SELECT acknowledged_at FROM policy_acks WHERE version_id = $1 AND user_id = $2",
				out[i].Current.ID, userID).Scan(&at)
			if err != nil && err != sql.ErrNoRows {
				return nil, wrap("store.EffectivePolicies", err)
			}
			out[i].AcknowledgedAt = nullTime(at)
		}
	}
	return out, nil
}

// EffectivePolicy implements kasuhara.PolicyService.
func (s *Store) EffectivePolicy(ctx context.Context, orgID, userID, docID string) (*kasuhara.PolicyDocument, error) {
	docs, err := s.EffectivePolicies(ctx, orgID, userID)
	if err != nil {
		return nil, err
	}
	for _, d := range docs {
		if d.ID == docID {
			return &d, nil
		}
	}
	return nil, &kasuhara.Error{Code: kasuhara.ENOTFOUND, Op: "store.EffectivePolicy", Message: "policy not found"}
}

// PublicPolicy implements kasuhara.PolicyService.
func (s *Store) PublicPolicy(ctx context.Context, orgID string) (*kasuhara.PolicyDocument, error) {
	docs, err := s.EffectivePolicies(ctx, orgID, "")
	if err != nil {
		return nil, err
	}
	for _, d := range docs {
		if d.Kind == kasuhara.PolicyBasic {
			d.Versions = nil
			return &d, nil
		}
	}
	return nil, &kasuhara.Error{Code: kasuhara.ENOTFOUND, Op: "store.PublicPolicy", Message: "no published basic policy"}
}

// Acknowledge implements kasuhara.PolicyService.
func (s *Store) Acknowledge(ctx context.Context, actor kasuhara.Actor, docID string) (*kasuhara.PolicyVersion, error) {
	d, err := s.EffectivePolicy(ctx, actor.OrgID, actor.UserID, docID)
	if err != nil {
		return nil, err
	}
	v := d.Current
	err = s.tx(ctx, func(tx *sqldb.Tx) error {
		// The version must still be the current one when the row is written.
		var newer int
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM policy_versions WHERE document_id = $1 AND number > $2 AND published_at IS NOT NULL",
			docID, v.Number).Scan(&newer); err != nil {
			return err
		}
		if newer > 0 {
			return kasuhara.Errorf(kasuhara.ECONFLICT, "a newer version was published; read it first")
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO policy_acks (version_id, user_id, org_id, acknowledged_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (version_id, user_id) DO NOTHING`, v.ID, actor.UserID, actor.OrgID, s.now())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		return s.appendAudit(ctx, tx, change{actor: actor, orgID: actor.OrgID, action: "policy.acknowledge", objectType: "policy", objectID: docID,
			detail: map[string]any{"version": v.Number}})
	})
	if err != nil {
		return nil, wrap("store.Acknowledge", err)
	}
	return v, nil
}

// AckReports implements kasuhara.PolicyService.
func (s *Store) AckReports(ctx context.Context, actor kasuhara.Actor, orgID string) ([]kasuhara.AckReport, error) {
	if err := s.authorize(ctx, actor, access.ViewAcknowledged, orgID); err != nil {
		return nil, wrap("store.AckReports", err)
	}
	return s.ackReports(ctx, orgID)
}

// ackReports is AckReports without the check: the dashboard's rates.
func (s *Store) ackReports(ctx context.Context, orgID string) ([]kasuhara.AckReport, error) {
	docs, err := s.EffectivePolicies(ctx, orgID, "")
	if err != nil {
		return nil, err
	}
	members, err := s.Members(ctx, orgID)
	if err != nil {
		return nil, err
	}
	var out []kasuhara.AckReport
	for _, d := range docs {
		acked := map[string]bool{}
		rows, err := s.db.Read.QueryContext(ctx, "SELECT user_id FROM policy_acks WHERE version_id = $1", d.Current.ID)
		if err != nil {
			return nil, wrap("store.AckReports", err)
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, wrap("store.AckReports", err)
			}
			acked[id] = true
		}
		rows.Close()
		byDept := map[string]*kasuhara.AckRow{}
		var order []string
		for _, m := range members {
			if m.Disabled {
				continue
			}
			r := byDept[m.DepartmentID]
			if r == nil {
				r = &kasuhara.AckRow{DepartmentID: m.DepartmentID, DepartmentName: m.DepartmentName}
				byDept[m.DepartmentID] = r
				order = append(order, m.DepartmentID)
			}
			r.Members++
			if acked[m.User.ID] {
				r.Acknowledged++
			} else {
				r.Pending = append(r.Pending, m)
			}
		}
		sort.Slice(order, func(i, j int) bool {
			a, b := byDept[order[i]], byDept[order[j]]
			if (a.DepartmentID == "") != (b.DepartmentID == "") {
				return b.DepartmentID == ""
			}
			return a.DepartmentName < b.DepartmentName
		})
		rep := kasuhara.AckReport{Document: d}
		for _, id := range order {
			rep.Rows = append(rep.Rows, *byDept[id])
		}
		out = append(out, rep)
	}
	return out, nil
}

// errNotOffered rolls back an offer that lost a race.
var errNotOffered = errors.New("store: draft offered by another server")

// OfferPolicyDraft makes t a draft of docID on behalf of the server (actor
// is kasuhara.SystemActor or kasuhara.CLIActor): it offers a new edition
// of a built-in text to an organisation that never changed the old one.
// It makes the draft only when the document's newest version is still the
// published version basedOn (nobody started a draft or published since it
// was read) and no draft of this edition was offered for the document
// before: the audit entry of an offer (policy.starter_draft) is its
// record, so a draft the admin discarded is not offered again. Nothing is
// published. It reports whether it made the draft.
func (s *Store) OfferPolicyDraft(ctx context.Context, actor kasuhara.Actor, docID, basedOn, edition string, t kasuhara.PolicyText) (bool, error) {
	if !operator(actor) {
		return false, kasuhara.Errorf(kasuhara.EFORBIDDEN, "only the server offers a built-in text's new edition")
	}
	if err := t.Validate(); err != nil {
		return false, err
	}
	t = cleanPolicyText(t)
	made := false
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
		var orgID string
		if err := tx.QueryRowContext(ctx, "SELECT org_id FROM policy_documents WHERE id = $1", docID).Scan(&orgID); err != nil {
			return notFound(err, "store.OfferPolicyDraft", "policy")
		}
		var newest string
		var number int
		var published sql.NullTime
		if err := tx.QueryRowContext(ctx, "SELECT id, number, published_at FROM policy_versions WHERE document_id = $1 ORDER BY number DESC LIMIT 1",
			docID).Scan(&newest, &number, &published); err != nil {
			return notFound(err, "store.OfferPolicyDraft", "policy version")
		}
		if newest != basedOn || !published.Valid {
			return nil
		}
		var offered int
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM audit_entries WHERE object_type = 'policy' AND object_id = $1 AND action = 'policy.starter_draft' AND detail LIKE $2",
			docID, `%"edition":"`+edition+`"%`).Scan(&offered); err != nil {
			return err
		}
		if offered > 0 {
			return nil
		}
		now := s.now()
		if _, err := tx.ExecContext(ctx, `INSERT INTO policy_versions (id, document_id, number, title_ja, title_en, body_ja, body_en, created_by, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, '', $8, $8)`, newID(), docID, number+1, t.TitleJa, t.TitleEn, t.BodyJa, t.BodyEn, now); err != nil {
			if sqldb.IsUniqueViolation(err) {
				return errNotOffered // another server, starting at the same time, made it
			}
			return err
		}
		made = true
		return s.appendAudit(ctx, tx, change{actor: actor, orgID: orgID, action: "policy.starter_draft", objectType: "policy", objectID: docID,
			detail: map[string]any{"version": number + 1, "edition": edition}})
	})
	if err == errNotOffered {
		return false, nil
	}
	if err != nil {
		return false, wrap("store.OfferPolicyDraft", err)
	}
	return made, nil
}
