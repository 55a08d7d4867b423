package store

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/access"
	"github.com/kasuhara/kasuhara/internal/sqldb"
)

var _ kasuhara.LetterService = (*Store)(nil)

// LetterTemplate implements kasuhara.LetterService.
func (s *Store) LetterTemplate(ctx context.Context, orgID, kind, lang string) (*kasuhara.LetterTemplate, error) {
	t := kasuhara.DefaultLetterTemplate(orgID, kind, lang)
	err := s.db.Read.QueryRowContext(ctx, "SELECT title, body, contact, policy_ref FROM letter_templates WHERE org_id = $1 AND kind = $2 AND lang = $3",
		orgID, t.Kind, t.Lang).Scan(&t.Title, &t.Body, &t.Contact, &t.PolicyRef)
	if err != nil && err != sql.ErrNoRows {
		return nil, wrap("store.LetterTemplate", err)
	}
	return &t, nil
}

// LetterTemplates implements kasuhara.LetterService.
func (s *Store) LetterTemplates(ctx context.Context, v kasuhara.Actor) ([]*kasuhara.LetterTemplate, error) {
	if err := access.Check(v, access.ManageLetters); err != nil {
		return nil, err
	}
	var ts []*kasuhara.LetterTemplate
	for _, kind := range kasuhara.LetterKinds {
		for _, lang := range []string{"ja", "en"} {
			t, err := s.LetterTemplate(ctx, v.OrgID, kind, lang)
			if err != nil {
				return nil, err
			}
			ts = append(ts, t)
		}
	}
	return ts, nil
}

// SaveLetterTemplate implements kasuhara.LetterService.
func (s *Store) SaveLetterTemplate(ctx context.Context, v kasuhara.Actor, t kasuhara.LetterTemplate) error {
	if err := access.Check(v, access.ManageLetters); err != nil {
		return err
	}
	f := kasuhara.FieldErrors{}
	if !slices.Contains(kasuhara.LetterKinds, t.Kind) {
		f.Add("kind", kasuhara.FieldChoice)
	}
	if t.Lang != "ja" && t.Lang != "en" {
		f.AddError("lang", kasuhara.OneOf(kasuhara.Languages...))
	}
	for field, val := range map[string]string{"title": t.Title, "body": t.Body} {
		if strings.TrimSpace(val) == "" {
			f.Add(field, kasuhara.FieldRequired)
		} else if utf8.RuneCountInString(val) > kasuhara.MaxLongText {
			f.Add(field, kasuhara.FieldTooLong)
		}
	}
	if err := f.Err(); err != nil {
		return err
	}
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO letter_templates (org_id, kind, lang, title, body, contact, policy_ref, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (org_id, kind, lang) DO UPDATE SET title = excluded.title, body = excluded.body,
			contact = excluded.contact, policy_ref = excluded.policy_ref, updated_at = excluded.updated_at`,
			v.OrgID, t.Kind, t.Lang, strings.TrimSpace(t.Title), strings.TrimSpace(t.Body), strings.TrimSpace(t.Contact), strings.TrimSpace(t.PolicyRef), s.now()); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, change{actor: v, orgID: v.OrgID, action: "letter.template", objectType: "org", objectID: v.OrgID,
			detail: map[string]string{"kind": t.Kind, "lang": t.Lang}})
	})
	return wrap("store.SaveLetterTemplate", err)
}

// StoredLetter implements kasuhara.LetterService.
func (s *Store) StoredLetter(ctx context.Context, v kasuhara.Actor, customerID, measureID, lang, layout string) (*kasuhara.Letter, error) {
	if err := s.checkCustomer(ctx, s.db.Read, v, customerID); err != nil {
		return nil, err
	}
	if layout == "" {
		layout = kasuhara.LayoutStandard
	}
	l := kasuhara.Letter{MeasureID: measureID, Lang: lang, Layout: layout}
	err := s.db.Read.QueryRowContext(ctx, `SELECT l.sha256, l.pdf, l.created_at FROM letters l JOIN measures m ON m.id = l.measure_id
		WHERE l.measure_id = $1 AND m.customer_id = $2 AND l.lang = $3 AND l.layout = $4`, measureID, customerID, lang, layout).Scan(&l.SHA256, &l.PDF, &l.CreatedAt)
	if err != nil {
		return nil, notFound(err, "store.StoredLetter", "letter")
	}
	return &l, nil
}

// KeepLetter implements kasuhara.LetterService. A letter is generated once
// per measure and language; a second call returns the first one.
func (s *Store) KeepLetter(ctx context.Context, v kasuhara.Actor, customerID string, l kasuhara.Letter) (*kasuhara.Letter, error) {
	if l.Layout == "" {
		l.Layout = kasuhara.LayoutStandard
	}
	if !slices.Contains(kasuhara.LetterLayouts, l.Layout) {
		return nil, kasuhara.InvalidField("layout", kasuhara.FieldChoice)
	}
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
		if err := s.checkCustomer(ctx, tx, v, customerID); err != nil {
			return err
		}
		if _, err := s.measureFor(ctx, tx, customerID, l.MeasureID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO letters (id, measure_id, lang, layout, sha256, pdf, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT (measure_id, lang, layout) DO NOTHING`, newID(), l.MeasureID, l.Lang, l.Layout, l.SHA256, l.PDF, s.now())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		return s.appendAudit(ctx, tx, change{actor: v, orgID: v.OrgID, action: "letter.create", objectType: "customer", objectID: customerID,
			detail: map[string]string{"measure_id": l.MeasureID, "lang": l.Lang, "layout": l.Layout, "sha256": l.SHA256}})
	})
	if err != nil {
		return nil, wrap("store.KeepLetter", err)
	}
	return s.StoredLetter(ctx, v, customerID, l.MeasureID, l.Lang, l.Layout)
}
