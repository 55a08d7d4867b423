package kasuhara

import (
	"context"
	"slices"
	"time"
)

// Post states: from monitoring through a removal request to the platform,
// a request to disclose the sender's identity, to litigation or closure.
var PostStatuses = []string{"monitoring", "removal_requested", "removed", "disclosure_requested", "disclosed", "litigation", "closed"}

var postMoves = map[string][]string{
	"monitoring":           {"removal_requested", "disclosure_requested", "closed"},
	"removal_requested":    {"removed", "disclosure_requested", "closed"},
	"removed":              {"disclosure_requested", "closed"},
	"disclosure_requested": {"disclosed", "closed"},
	"disclosed":            {"litigation", "closed"},
	"litigation":           {"closed"},
	"closed":               {"monitoring"},
}

// CanMovePost reports whether a post may move between two states.
func CanMovePost(from, to string) bool { return slices.Contains(postMoves[from], to) }

// NextPostStatuses lists where a post in status s may move.
func NextPostStatuses(s string) []string { return postMoves[s] }

// PostDeadline is how long a state may last before the desk is reminded
// (a platform's answer to a removal request, a court's to disclosure).
func PostDeadline(status string) time.Duration {
	switch status {
	case "monitoring":
		return 7 * 24 * time.Hour
	case "removal_requested":
		return 14 * 24 * time.Hour
	case "disclosure_requested":
		return 30 * 24 * time.Hour
	}
	return 0
}

// OnlinePost is a post on the internet that names or shows staff, threatens
// or defames: what was captured and where the company stands with it.
type OnlinePost struct {
	ID             string
	OrgID          string
	CaseID         string
	CustomerID     string
	URL            string
	Platform       string
	AuthorHandle   string
	PostedAt       time.Time
	CapturedAt     time.Time
	CapturedText   string
	EmployeesNamed string
	// Consent is the named employee's consent to being named in a
	// removal request; a request names them only when it is recorded.
	Consent   Consent
	Status    string
	DueAt     time.Time
	CreatedBy string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Consent is an employee's consent to being named in a removal request:
// who gave it, when, and who recorded it. Zero when none is recorded.
type Consent struct {
	Name       string
	At         time.Time
	RecordedBy string
}

// Given reports whether consent is recorded.
func (c Consent) Given() bool { return c.Name != "" && !c.At.IsZero() }

// Rights a removal request may assert: the employee's honour (名誉権,
// defamation) and their privacy. A request asserts only those chosen.
const (
	RightHonour  = "honour"
	RightPrivacy = "privacy"
)

// Rights lists the rights a removal request may assert.
var Rights = []string{RightHonour, RightPrivacy}

// PostFile is a screenshot or capture of a post, with its hash.
type PostFile struct {
	ID        string
	PostID    string
	BlobID    string
	Filename  string
	MediaType string
	Size      int64
	SHA256    string
	CreatedAt time.Time
}

// OnlinePostService records posts and their workflow: desk and legal of the
// organisation (EFORBIDDEN for others, ENOTFOUND for another
// organisation's post).
type OnlinePostService interface {
	CreatePost(ctx context.Context, actor Actor, p OnlinePost) (*OnlinePost, error)
	Posts(ctx context.Context, actor Actor, status string) ([]OnlinePost, error)
	PostByID(ctx context.Context, actor Actor, id string) (*OnlinePost, error)
	MovePost(ctx context.Context, actor Actor, id, to string) (*OnlinePost, error)
	// RecordConsent records that the named employee consented, at at, to
	// being named in removal requests (desk and legal; EINVALID naming
	// the field for an empty name or a date in the future). It is audited.
	RecordConsent(ctx context.Context, actor Actor, id, name string, at time.Time) (*OnlinePost, error)
	AddPostFile(ctx context.Context, actor Actor, id string, f PostFile) (*PostFile, error)
	PostFiles(ctx context.Context, actor Actor, id string) ([]PostFile, error)
	// RemovalTemplate is the organisation's removal-request text or the
	// built-in one; SaveRemovalTemplate changes it (desk and legal).
	RemovalTemplate(ctx context.Context, orgID, lang string) (*RemovalTemplate, error)
	SaveRemovalTemplate(ctx context.Context, actor Actor, t RemovalTemplate) error
	// RemovalTemplates returns the actor's organisation's removal-request
	// texts in both languages, for editing (desk and legal).
	RemovalTemplates(ctx context.Context, actor Actor) ([]*RemovalTemplate, error)
}

// RemovalTemplate is the organisation's text of a removal request. The body
// may use {company}, {url}, {platform}, {author}, {posted} (the post's date
// and time), {captured}, {text}, {employees} (the employee, named only when
// their consent is recorded), {rights} (the rights asserted) and {reasons}
// (why each is infringed); nothing else is interpreted.
type RemovalTemplate struct {
	OrgID string
	Lang  string
	Title string
	Body  string
}

var defaultRemoval = map[string]RemovalTemplate{
	"ja": {Title: "投稿の削除のお願い", Body: `当社は、貴社が提供する{platform}に掲載されている下記の投稿が、{employees}の{rights}を侵害するものであることから、その削除をお願い申し上げます。

記

1　投稿の所在
URL：{url}
アカウント：{author}
投稿日時：{posted}
保存日時：{captured}

2　投稿の内容
{text}

3　侵害されている権利
{reasons}

本投稿は、当社の商品・サービスに対する評価ではありません。お手数ですが、ご対応の結果を下記の連絡先にお知らせくださいますよう、お願い申し上げます。`},
	"en": {Title: "Request to remove a post", Body: `We, {company}, ask you to remove the post below on {platform}, which infringes the {rights} of {employees}.

1. The post
URL: {url}
Account: {author}
Posted: {posted}
Captured: {captured}

2. The post reads
{text}

3. The rights infringed
{reasons}

The post is not a review of our products or services. We would be grateful if you would let us know at the contact point below what action you have taken.`},
}

// DefaultRemovalTemplate is the built-in text in lang (Japanese otherwise).
func DefaultRemovalTemplate(orgID, lang string) RemovalTemplate {
	t, ok := defaultRemoval[lang]
	if !ok {
		t, lang = defaultRemoval["ja"], "ja"
	}
	t.OrgID, t.Lang = orgID, lang
	return t
}

// Fill replaces the placeholders of the body.
func (t RemovalTemplate) Fill(vals map[string]string) string {
	return LetterTemplate{Body: t.Body}.Fill(vals)
}
