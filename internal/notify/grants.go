package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/kasuhara/kasuhara/internal/jobs"
)

// Job kinds of the second person on grants of the desk and legal roles
// (issue 16, finding 2).
const (
	// KindGrantMail tells a legal member (or, while there is none, an
	// admin) that a grant waits for their decision.
	KindGrantMail = "grant_mail"
	// KindPasswordLinkMail sends a person the link to set their password.
	KindPasswordLinkMail = "password_link_mail"
)

// GrantMailJob is the payload of a grant mail: the kind of request and the
// organisation, nothing about the person concerned but in the product
// behind sign-in.
type GrantMailJob struct {
	ID   string   `json:"id"` // the request's id
	To   []string `json:"to"`
	Lang string   `json:"lang"`
	Kind string   `json:"kind"` // role, reset or two_factor
	Org  string   `json:"org"`  // slug
}

var grantTexts = map[string]map[string]string{
	"role": {
		"ja": "権限付与の承認依頼が届いています",
		"en": "A role grant waits for your decision",
	},
	"reset": {
		"ja": "パスワード再設定の承認依頼が届いています",
		"en": "A password reset waits for your decision",
	},
	"two_factor": {
		"ja": "2段階認証のリセットの承認依頼が届いています",
		"en": "A reset of two-step verification waits for your decision",
	},
	"grant_footer": {
		"ja": "Kasuhara にログインして、依頼の内容を確認のうえ承認または却下してください。依頼者本人は承認できません。",
		"en": "Sign in to Kasuhara to approve or reject the request. Its requester cannot approve it.",
	},
	"link_subject": {
		"ja": "Kasuhara のパスワード設定のご案内",
		"en": "Set your Kasuhara password",
	},
	"link_body": {
		"ja": "次のリンクから、ご自身でパスワードを設定してください。リンクは 72 時間有効で、一度だけ使えます。",
		"en": "Set your password yourself with the link below. It works once, for 72 hours.",
	},
	"link_footer": {
		"ja": "お心当たりのない場合は、このメールを破棄し、管理者または法務・人事にお知らせください。",
		"en": "If you did not expect this mail, delete it and tell your administrator or legal / HR.",
	},
}

// GrantMailFor is the mail of j in its language.
func GrantMailFor(j GrantMailJob, baseURL string) Message {
	lang := mailLang(j.Lang)
	subject := grantTexts[j.Kind][lang]
	text := signed(subject+"\n"+strings.TrimRight(baseURL, "/")+"/grant-requests?org="+url.QueryEscape(j.Org)+"\n\n"+
		grantTexts["grant_footer"][lang], lang)
	return Message{To: j.To, Subject: subject, Text: text, Lang: lang, ID: "grant." + j.ID + "." + recipientsHash(j.To)}
}

// GrantMailHandler runs "grant_mail" jobs with m.
func GrantMailHandler(m *Mailer, baseURL string) func(context.Context, json.RawMessage) error {
	return jobHandler("grant mail", func(ctx context.Context, j GrantMailJob) error {
		if j.ID == "" || len(j.To) == 0 || !slices.Contains([]string{"role", "reset", "two_factor"}, j.Kind) {
			return jobs.Permanent(errors.New("notify: grant mail: incomplete job"))
		}
		return send(ctx, m, GrantMailFor(j, baseURL))
	})
}

// PasswordLinkJob is the payload of a "password_link_mail" job: the id of
// the link only. The token is made when the mail is sent (Mint), so that
// no table, not even the job queue, holds it.
type PasswordLinkJob struct {
	Link string `json:"link"`
}

// PasswordLink is a minted link: where to send it and the token.
type PasswordLink struct {
	To    string
	Lang  string
	Token string
}

// ErrLinkGone is what a mint answers for a link that was used or replaced
// meanwhile: the job then ends without a mail.
var ErrLinkGone = errors.New("notify: password link gone")

// PasswordLinkURL is the address of a link to set a password.
func PasswordLinkURL(baseURL, token string) string {
	return strings.TrimRight(baseURL, "/") + "/account/setup/" + url.PathEscape(token)
}

// PasswordLinkMailFor is the mail of a minted link.
func PasswordLinkMailFor(l PasswordLink, baseURL string) Message {
	lang := mailLang(l.Lang)
	text := signed(grantTexts["link_body"][lang]+"\n\n"+PasswordLinkURL(baseURL, l.Token)+"\n\n"+grantTexts["link_footer"][lang], lang)
	return Message{To: []string{l.To}, Subject: grantTexts["link_subject"][lang], Text: text, Lang: lang}
}

// PasswordLinkMailHandler runs "password_link_mail" jobs: mint makes the
// link's token (and forgets any earlier one), then the mail is sent. With
// mail disabled nothing is minted; the operator gives the person a link
// with kasuhara user link.
func PasswordLinkMailHandler(m *Mailer, baseURL string, mint func(ctx context.Context, linkID string) (PasswordLink, error)) func(context.Context, json.RawMessage) error {
	return func(ctx context.Context, payload json.RawMessage) error {
		var j PasswordLinkJob
		if err := json.Unmarshal(payload, &j); err != nil || j.Link == "" {
			return jobs.Permanent(fmt.Errorf("notify: password link: payload: %v", err))
		}
		if !m.Enabled() {
			return nil
		}
		l, err := mint(ctx, j.Link)
		if errors.Is(err, ErrLinkGone) {
			return nil
		}
		if err != nil {
			return err
		}
		return send(ctx, m, PasswordLinkMailFor(l, baseURL))
	}
}
