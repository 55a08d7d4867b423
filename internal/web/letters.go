package web

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"slices"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/document"
)

// letterQuery reads a letter's language (the viewer's by default) and
// layout (standard by default; certified, for 内容証明郵便, in Japanese
// only) from the query.
func letterQuery(r *http.Request) (lang, layout string, err error) {
	lang, layout = r.URL.Query().Get("lang"), r.URL.Query().Get("layout")
	if lang == "" {
		lang = langFrom(r.Context())
	}
	if layout == "" {
		layout = kasuhara.LayoutStandard
	}
	f := kasuhara.FieldErrors{}
	if lang != "ja" && lang != "en" {
		f["lang"] = kasuhara.OneOf(kasuhara.Languages...)
	}
	if !slices.Contains(kasuhara.LetterLayouts, layout) {
		f["layout"] = kasuhara.OneOf(kasuhara.LetterLayouts...)
	} else if layout == kasuhara.LayoutCertified && lang != "ja" {
		f["layout"] = kasuhara.OneOf(kasuhara.LayoutStandard)
	}
	return lang, layout, f.Err()
}

// letter answers the letter of a measure (warning, discontinuation or
// ban) as a PDF. It is generated once per measure, language and layout
// from the organisation's template and then kept with its hash, so that
// the letter sent is the letter on record.
func (s *Server) letter(w http.ResponseWriter, r *http.Request) error {
	v := viewerFrom(r.Context())
	actor := v.Actor
	customerID, measureID := r.PathValue("id"), r.PathValue("measure")
	lang, layout, err := letterQuery(r)
	if err != nil {
		return err
	}
	l, err := s.Letters.StoredLetter(r.Context(), actor, customerID, measureID, lang, layout)
	if kasuhara.ErrorCode(err) == kasuhara.ENOTFOUND {
		l, err = s.makeLetter(r, v, customerID, measureID, lang, layout)
	}
	if err != nil {
		return err
	}
	w.Header().Set("ETag", `"`+l.SHA256+`"`)
	w.Header().Set("X-Content-SHA256", l.SHA256)
	f := document.LetterFile(lang, l.PDF)
	if layout == kasuhara.LayoutCertified {
		f = document.CertifiedLetterFile(lang, l.PDF)
	}
	s.sendFile(w, r, f)
	return nil
}

// makeLetter draws the letter of a measure in force (see
// document.MeasureLetter) and keeps it.
func (s *Server) makeLetter(r *http.Request, v *viewer, customerID, measureID, lang, layout string) (*kasuhara.Letter, error) {
	f, err := s.drawLetter(r, v, customerID, measureID, lang, layout, false)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(f.Data)
	return s.Letters.KeepLetter(r.Context(), v.Actor, customerID, kasuhara.Letter{MeasureID: measureID, Lang: lang, Layout: layout,
		SHA256: hex.EncodeToString(sum[:]), PDF: f.Data})
}

// letterPreview answers the letter a measure proposed or in force would
// send, drawn now and kept nowhere: what the customer will read, before it
// is issued. It records nothing.
func (s *Server) letterPreview(w http.ResponseWriter, r *http.Request) error {
	v := viewerFrom(r.Context())
	lang, layout, err := letterQuery(r)
	if err != nil {
		return err
	}
	f, err := s.drawLetter(r, v, r.PathValue("id"), r.PathValue("measure"), lang, layout, true)
	if err != nil {
		return err
	}
	f.Name = "letter-preview-" + lang + ".pdf"
	if layout == kasuhara.LayoutCertified {
		f.Name = "letter-preview-certified-" + lang + ".pdf"
	}
	s.sendFile(w, r, f)
	return nil
}

// drawLetter draws the letter of a measure in force, or with preview of
// one proposed too.
func (s *Server) drawLetter(r *http.Request, v *viewer, customerID, measureID, lang, layout string, preview bool) (document.File, error) {
	ctx := r.Context()
	actor := v.Actor
	c, err := s.Customers.CustomerByID(ctx, actor, customerID)
	if err != nil {
		return document.File{}, err
	}
	ms, err := s.Customers.Measures(ctx, actor, customerID)
	if err != nil {
		return document.File{}, err
	}
	var m *kasuhara.Measure
	for i := range ms {
		if ms[i].ID == measureID {
			m = &ms[i]
		}
	}
	if m == nil {
		return document.File{}, kasuhara.Errorf(kasuhara.ENOTFOUND, "measure not found")
	}
	kind := kasuhara.LetterKind(m.Level)
	if kind == "" {
		return document.File{}, kasuhara.Errorf(kasuhara.ECONFLICT, "a %s measure has no letter", m.Level)
	}
	if m.Status != kasuhara.MeasureActive && !(preview && m.Status == kasuhara.MeasureProposed) {
		return document.File{}, kasuhara.Errorf(kasuhara.ECONFLICT, "a letter is sent for a measure in force")
	}
	t, err := s.Letters.LetterTemplate(ctx, v.Org.ID, kind, lang)
	if err != nil {
		return document.File{}, err
	}
	// The cases the measure rests on, those this caller may see.
	var cases []kasuhara.Case
	for _, id := range m.CaseIDs {
		if cs, err := s.Cases.CaseByID(ctx, actor, id); err == nil {
			cases = append(cases, *cs)
		}
	}
	warnedAt, err := s.warnedAt(r, actor, customerID, ms)
	if err != nil {
		return document.File{}, err
	}
	st, err := s.Settings.Settings(ctx, v.Org.ID)
	if err != nil {
		return document.File{}, err
	}
	var approver string
	if m.ApprovedBy != "" {
		names, _, err := s.names(r, v.Org.ID)
		if err != nil {
			return document.File{}, err
		}
		approver = names[m.ApprovedBy]
	}
	f, err := document.MeasureLetter(document.LetterInput{Locale: s.locale(lang).WithDates(st.DateStyle), Now: s.Now(),
		Org: v.Org.Name, Sender: st.Sender, Customer: c, Measure: m, Cases: cases, Template: t, WarnedAt: warnedAt, Approver: approver,
		Certified: layout == kasuhara.LayoutCertified})
	if err != nil {
		return document.File{}, err
	}
	return f, nil
}

// warnedAt is when the latest warning letter kept on record was issued to
// the customer, in either language; zero when none was. A letter says that
// conduct continued after a warning only on this record.
func (s *Server) warnedAt(r *http.Request, actor kasuhara.Actor, customerID string, ms []kasuhara.Measure) (time.Time, error) {
	var at time.Time
	for _, m := range ms {
		if m.Level != kasuhara.LevelWarned {
			continue
		}
		for _, lang := range kasuhara.Languages {
			for _, layout := range kasuhara.LetterLayouts {
				l, err := s.Letters.StoredLetter(r.Context(), actor, customerID, m.ID, lang, layout)
				if kasuhara.ErrorCode(err) == kasuhara.ENOTFOUND {
					continue
				}
				if err != nil {
					return time.Time{}, err
				}
				if l.CreatedAt.After(at) {
					at = l.CreatedAt
				}
			}
		}
	}
	return at, nil
}

// letterTemplatesPage lets legal edit the organisation's letters.
func (s *Server) letterTemplatesPage(w http.ResponseWriter, r *http.Request) error {
	ts, err := s.Letters.LetterTemplates(r.Context(), viewerFrom(r.Context()).Actor)
	if err != nil {
		return err
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
	return s.done(w, r, "letters.saved", "/customers/letters")
}
