package kasuhara

import (
	"context"
	"strings"
	"time"
)

// LetterTemplate is an organisation's text of a letter to a customer. The
// body may use the placeholders {you} (貴殿 or 貴社 as the customer is a
// person or a company; "you" in English), {company}, {facts} (each
// incident's date, place and conduct, then the text written for the
// customer), {premises} (the premises a ban covers), {date}, {warning} (a
// sentence naming the date of the warning letter issued to the customer,
// empty when none was), {approver} (the name of the legal member who
// approved the measure), {approved} (the date of the approval), {customer}
// (always empty: the layout addresses the customer) and {review} (the
// measure's review date, which no built-in text prints: it stays
// internal); nothing else is interpreted.
type LetterTemplate struct {
	OrgID     string
	Kind      string // warning (for "warned"), discontinuation (for "discontinued") or ban (for "banned")
	Lang      string // ja or en
	Title     string
	Body      string
	Contact   string // the contact point printed at the end
	PolicyRef string // the company's policy the letter rests on
}

// LetterKinds are the kinds of letters.
var LetterKinds = []string{"warning", "discontinuation", "ban"}

// LetterKind is the kind of letter a measure level takes, "" for none.
func LetterKind(level string) string {
	switch level {
	case LevelWarned:
		return "warning"
	case LevelDiscontinued:
		return "discontinuation"
	case LevelBanned:
		return "ban"
	}
	return ""
}

// Fill replaces the placeholders of a template's body.
func (t LetterTemplate) Fill(vals map[string]string) string {
	pairs := make([]string, 0, 2*len(vals))
	for k, v := range vals {
		pairs = append(pairs, "{"+k+"}", v)
	}
	return strings.NewReplacer(pairs...).Replace(t.Body)
}

// Letter layouts: the standard business letter, or the layout for
// 内容証明郵便 (26 characters × 20 lines a page, Japanese only).
const (
	LayoutStandard  = "standard"
	LayoutCertified = "certified"
)

// LetterLayouts lists the layouts of a letter.
var LetterLayouts = []string{LayoutStandard, LayoutCertified}

// Letter is a generated letter kept with its measure.
type Letter struct {
	MeasureID string
	Lang      string
	// Layout is LayoutStandard or LayoutCertified; a letter is kept once
	// per measure, language and layout.
	Layout    string
	SHA256    string
	PDF       []byte
	CreatedAt time.Time
}

// LetterService keeps letter templates and the letters sent.
type LetterService interface {
	// LetterTemplate returns the organisation's template, or the built-in
	// one when it has saved none.
	LetterTemplate(ctx context.Context, orgID, kind, lang string) (*LetterTemplate, error)
	// LetterTemplates returns every template of the actor's organisation
	// in both languages, for editing (legal only).
	LetterTemplates(ctx context.Context, actor Actor) ([]*LetterTemplate, error)
	// SaveLetterTemplate stores a template (legal only).
	SaveLetterTemplate(ctx context.Context, actor Actor, t LetterTemplate) error
	// StoredLetter returns the letter kept for a measure in a language
	// and layout, or ENOTFOUND.
	StoredLetter(ctx context.Context, actor Actor, customerID, measureID, lang, layout string) (*Letter, error)
	// KeepLetter stores a generated letter with its hash (once per
	// measure, language and layout; an empty layout is the standard one)
	// and audits it.
	KeepLetter(ctx context.Context, actor Actor, customerID string, l Letter) (*Letter, error)
}
