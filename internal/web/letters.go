package web

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"mime"
	"net/http"
	"strings"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/pdf"
)

// letter answers the warning or discontinuation letter of a measure as a
// PDF. It is generated once per measure and language from the
// organisation's template and then kept with its hash, so that the letter
// sent is the letter on record.
func (s *Server) letter(w http.ResponseWriter, r *http.Request) error {
	v := viewerFrom(r.Context())
	actor := v.Actor
	customerID, measureID := r.PathValue("id"), r.PathValue("measure")
	lang := r.URL.Query().Get("lang")
	if lang == "" {
		lang = langFrom(r.Context())
	}
	if lang != "ja" && lang != "en" {
		return kasuhara.Invalid(kasuhara.FieldErrors{"lang": kasuhara.OneOf(kasuhara.Languages...)})
	}
	l, err := s.Letters.StoredLetter(r.Context(), actor, customerID, measureID, lang)
	if kasuhara.ErrorCode(err) == kasuhara.ENOTFOUND {
		l, err = s.makeLetter(r, v, customerID, measureID, lang)
	}
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": "letter-" + lang + ".pdf"}))
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("ETag", `"`+l.SHA256+`"`)
	w.Header().Set("X-Content-SHA256", l.SHA256)
	w.Write(l.PDF)
	return nil
}

func (s *Server) makeLetter(r *http.Request, v *viewer, customerID, measureID, lang string) (*kasuhara.Letter, error) {
	ctx := r.Context()
	actor := v.Actor
	c, err := s.Customers.CustomerByID(ctx, actor, customerID)
	if err != nil {
		return nil, err
	}
	ms, err := s.Customers.Measures(ctx, actor, customerID)
	if err != nil {
		return nil, err
	}
	var m *kasuhara.Measure
	for i := range ms {
		if ms[i].ID == measureID {
			m = &ms[i]
		}
	}
	if m == nil {
		return nil, kasuhara.Errorf(kasuhara.ENOTFOUND, "measure not found")
	}
	kind := kasuhara.LetterKind(m.Level)
	if kind == "" {
		return nil, kasuhara.Errorf(kasuhara.ECONFLICT, "a %s measure has no letter", m.Level)
	}
	if m.Status != kasuhara.MeasureActive {
		return nil, kasuhara.Errorf(kasuhara.ECONFLICT, "a letter is sent for a measure in force")
	}
	t, err := s.Letters.LetterTemplate(ctx, v.Org.ID, kind, lang)
	if err != nil {
		return nil, err
	}
	loc := s.Catalog.Localizer(lang)
	// The facts: the measure's reason and the dates of the cases it rests on.
	var facts []string
	for _, id := range m.CaseIDs {
		if cs, err := s.Cases.CaseByID(ctx, actor, id); err == nil {
			facts = append(facts, "・"+formatDate(cs.Report.OccurredAt, lang)+" "+loc.T("channel."+cs.Report.Channel))
		}
	}
	facts = append(facts, m.Reason)
	now := s.Now()
	customer := c.DisplayName
	body := t.Fill(map[string]string{"customer": "", "company": v.Org.Name, "facts": strings.Join(facts, "\n"),
		"review": formatDate(m.ReviewAt, lang), "date": formatDate(now, lang)})
	out, err := pdf.Letter(pdf.LetterInput{Lang: lang, Date: now, To: customer, From: v.Org.Name, Contact: t.Contact,
		Title: t.Title, Body: strings.TrimSpace(body), PolicyRef: t.PolicyRef, Ref: measureRef(m)})
	if err != nil {
		return nil, fmt.Errorf("web: letter: %w", err)
	}
	sum := sha256.Sum256(out)
	return s.Letters.KeepLetter(ctx, actor, customerID, kasuhara.Letter{MeasureID: measureID, Lang: lang, SHA256: hex.EncodeToString(sum[:]), PDF: out})
}

func measureRef(m *kasuhara.Measure) string {
	return "M-" + strings.ToUpper(strings.ReplaceAll(m.ID, "-", "")[:10])
}

func formatDate(t interface{ Format(string) string }, lang string) string {
	if lang == "ja" {
		return t.Format("2006年1月2日")
	}
	return t.Format("2 January 2006")
}

// letterTemplatesPage lets legal edit the organisation's letters.
func (s *Server) letterTemplatesPage(w http.ResponseWriter, r *http.Request) error {
	v := viewerFrom(r.Context())
	if v.Membership.Role != kasuhara.RoleLegal {
		return kasuhara.Errorf(kasuhara.EFORBIDDEN, "legal only")
	}
	var ts []*kasuhara.LetterTemplate
	for _, kind := range kasuhara.LetterKinds {
		for _, lang := range []string{"ja", "en"} {
			t, err := s.Letters.LetterTemplate(r.Context(), v.Org.ID, kind, lang)
			if err != nil {
				return err
			}
			ts = append(ts, t)
		}
	}
	return s.render(w, r, http.StatusOK, "letter_templates", &page{Title: "letters.title", Nav: "customers", Data: ts})
}

func (s *Server) saveLetterTemplate(w http.ResponseWriter, r *http.Request) error {
	v := viewerFrom(r.Context())
	err := s.Letters.SaveLetterTemplate(r.Context(), v.Actor, kasuhara.LetterTemplate{OrgID: v.Org.ID, Kind: r.PostFormValue("kind"),
		Lang: r.PostFormValue("lang"), Title: r.PostFormValue("title"), Body: r.PostFormValue("body"), Contact: r.PostFormValue("contact"),
		PolicyRef: r.PostFormValue("policy_ref")})
	if err != nil {
		return err
	}
	s.flash(r, "letters.saved", "ok")
	http.Redirect(w, r, "/customers/letters", http.StatusSeeOther)
	return nil
}
