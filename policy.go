package kasuhara

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Policy kinds. The basic policy is public (GET /o/{org}/policy) and an
// organisation has at most one; internal documents (response procedures,
// time limits, escalation routes) are read by members only.
const (
	PolicyBasic    = "basic"
	PolicyInternal = "internal"
)

// PolicyKinds lists the kinds of policy documents.
var PolicyKinds = []string{PolicyBasic, PolicyInternal}

// MaxPolicyBody is the longest body of a policy version, in characters.
const MaxPolicyBody = 100_000

// PolicyDocument is a policy of an organisation, made of versions. When
// GroupWide is set on a parent organisation's document, it applies to every
// subsidiary too; a subsidiary's own basic policy takes the place of the
// group's.
type PolicyDocument struct {
	ID        string
	OrgID     string
	Kind      string
	GroupWide bool
	CreatedAt time.Time
	// Filled by the service's list calls.
	Current  *PolicyVersion // the newest published version, nil if none
	Draft    *PolicyVersion // the unpublished version being written, nil if none
	Versions []PolicyVersion
	// AcknowledgedAt is when the person listing acknowledged Current; zero if
	// they have not (filled by EffectivePolicies).
	AcknowledgedAt time.Time
	OrgName        string // the organisation the document belongs to
}

// Title is the document's title in lang, from the current version or the
// draft.
func (d PolicyDocument) Title(lang string) string {
	if d.Current != nil {
		return d.Current.Title(lang)
	}
	if d.Draft != nil {
		return d.Draft.Title(lang)
	}
	return ""
}

// PolicyText is what an author writes: a title and a Markdown body in each
// language. Japanese is required; English may follow later, and readers of
// English then see the Japanese text.
type PolicyText struct {
	TitleJa, TitleEn string
	BodyJa, BodyEn   string
}

// Validate checks the fields of t.
func (t PolicyText) Validate() error {
	f := FieldErrors{}
	validateName(f, "title_ja", t.TitleJa, 200)
	if strings.TrimSpace(t.TitleEn) != "" {
		validateName(f, "title_en", t.TitleEn, 200)
	}
	if strings.TrimSpace(t.BodyJa) == "" {
		f.Add("body_ja", FieldRequired)
	}
	for field, v := range map[string]string{"body_ja": t.BodyJa, "body_en": t.BodyEn} {
		if utf8.RuneCountInString(v) > MaxPolicyBody {
			f.Add(field, FieldTooLong)
		}
	}
	if strings.TrimSpace(t.BodyEn) != "" && strings.TrimSpace(t.TitleEn) == "" {
		f.Add("title_en", FieldRequired)
	}
	return f.Err()
}

// PolicyVersion is one version of a policy document. Number counts from 1.
// A version is a draft until PublishedAt is set; then it never changes.
type PolicyVersion struct {
	ID         string
	DocumentID string
	Number     int
	PolicyText
	CreatedAt   time.Time
	UpdatedAt   time.Time
	PublishedAt time.Time
}

// Published reports whether v has been published.
func (v PolicyVersion) Published() bool { return !v.PublishedAt.IsZero() }

// Lang is the language v is shown in to a reader of lang: English only when
// it was written.
func (v PolicyVersion) Lang(lang string) string { return textLang(lang, v.BodyEn) }

// Title is v's title in lang (see Lang).
func (v PolicyVersion) Title(lang string) string { return inLang(v.Lang(lang), v.TitleJa, v.TitleEn) }

// Body is v's Markdown body in lang (see Lang).
func (v PolicyVersion) Body(lang string) string { return inLang(v.Lang(lang), v.BodyJa, v.BodyEn) }

// ValidPolicyKind reports whether k is one of PolicyKinds.
func ValidPolicyKind(k string) bool { return slices.Contains(PolicyKinds, k) }

// AckRow is one department's acknowledgement of a policy document's
// current version.
type AckRow struct {
	DepartmentID   string // "" for members without a department
	DepartmentName string
	Members        int
	Acknowledged   int
	Pending        []Member // who has not acknowledged, by name
}

// AckReport is the acknowledgement of one document's current version.
type AckReport struct {
	Document PolicyDocument
	Rows     []AckRow
}

// PolicyService keeps policy documents, their versions and who acknowledged
// which version.
//
// Changes are audited in the same transaction. Permission checks are the
// caller's (internal/access), except that a document is only changed
// within the actor's organisation: another organisation's document is
// ENOTFOUND.
type PolicyService interface {
	// CreatePolicy adds a document to the actor's organisation with its first draft. EINVALID
	// for a bad kind or text; ECONFLICT when the organisation already has a
	// basic policy.
	CreatePolicy(ctx context.Context, actor Actor, kind string, groupWide bool, t PolicyText) (*PolicyDocument, error)
	// SaveDraft writes the document's draft, starting one after the current
	// version when there is none.
	SaveDraft(ctx context.Context, actor Actor, docID string, t PolicyText) (*PolicyVersion, error)
	// DiscardDraft deletes the draft; ENOTFOUND when there is none.
	DiscardDraft(ctx context.Context, actor Actor, docID string) error
	// Publish makes the draft the current version. Everyone it applies to
	// is asked to acknowledge it. ENOTFOUND when there is no draft.
	Publish(ctx context.Context, actor Actor, docID string) (*PolicyVersion, error)
	// SetGroupWide says whether the document applies to the subsidiaries.
	SetGroupWide(ctx context.Context, actor Actor, docID string, groupWide bool) error
	// Policies lists orgID's own documents with drafts and all versions,
	// for the people who write them.
	Policies(ctx context.Context, orgID string) ([]PolicyDocument, error)
	// EffectivePolicies lists the published documents that apply to orgID
	// (its own and its ancestors' group-wide ones; its own basic policy
	// replaces the group's), with userID's acknowledgement of each current
	// version; userID may be "".
	EffectivePolicies(ctx context.Context, orgID, userID string) ([]PolicyDocument, error)
	// EffectivePolicy is one document of EffectivePolicies with all its
	// published versions; ENOTFOUND when it does not apply to orgID.
	EffectivePolicy(ctx context.Context, orgID, userID, docID string) (*PolicyDocument, error)
	// PublicPolicy is the current basic policy that applies to orgID;
	// ENOTFOUND when none is published.
	PublicPolicy(ctx context.Context, orgID string) (*PolicyDocument, error)
	// Acknowledge records that the actor read the current version of a
	// document that applies to their organisation; acknowledging twice
	// keeps the first time. It returns the version acknowledged.
	Acknowledge(ctx context.Context, actor Actor, docID string) (*PolicyVersion, error)
	// AckReports is, for each document that applies to orgID, who among
	// orgID's active members has and has not acknowledged its current
	// version, per department. EFORBIDDEN without view_acknowledged,
	// ENOTFOUND for an organisation out of the actor's reach.
	AckReports(ctx context.Context, actor Actor, orgID string) ([]AckReport, error)
}
