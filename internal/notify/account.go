package notify

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"

	"github.com/kasuhara/kasuhara/internal/jobs"
)

// KindAccountMail tells a person that an administrator changed their
// sign-in: their second factor was reset, or their sessions were ended
// (issue 23). The mail names no administrator and carries no link but the
// sign-in page.
const KindAccountMail = "account_mail"

// What an account mail tells.
const (
	AccountTwoFactorReset = "two_factor_reset"
	AccountSessionsEnded  = "sessions_ended"
)

// AccountMailJob is the payload of an account mail.
type AccountMailJob struct {
	ID   string   `json:"id"` // the audit event's id, for the Message-ID
	To   []string `json:"to"`
	Lang string   `json:"lang"`
	What string   `json:"what"`
}

var accountTexts = map[string]map[string]string{
	AccountTwoFactorReset: {
		"ja": "Kasuhara の2段階認証がリセットされました",
		"en": "Your Kasuhara two-step verification was reset",
	},
	AccountTwoFactorReset + "_body": {
		"ja": "管理者が、あなたの2段階認証（認証アプリ）をリセットしました。次回ログインするときに、認証アプリをもう一度設定してください。",
		"en": "An administrator reset your two-step verification (authenticator app). Set up your authenticator app again when you next sign in.",
	},
	AccountSessionsEnded: {
		"ja": "Kasuhara のログイン中のセッションが終了されました",
		"en": "Your Kasuhara sessions were ended",
	},
	AccountSessionsEnded + "_body": {
		"ja": "管理者が、あなたのログイン中のセッションをすべて終了しました。続けるには、もう一度ログインしてください。",
		"en": "An administrator ended all your signed-in sessions. Sign in again to continue.",
	},
	"account_footer": {
		"ja": "お心当たりのない場合は、管理者または法務・人事にお知らせください。",
		"en": "If you did not expect this, tell your administrator or legal / HR.",
	},
}

// AccountMailFor is the mail of j in its language.
func AccountMailFor(j AccountMailJob, baseURL string) Message {
	lang := mailLang(j.Lang)
	subject := accountTexts[j.What][lang]
	text := signed(accountTexts[j.What+"_body"][lang]+"\n"+strings.TrimRight(baseURL, "/")+"/login\n\n"+
		accountTexts["account_footer"][lang], lang)
	return Message{To: j.To, Subject: subject, Text: text, Lang: lang, ID: "account." + j.ID + "." + recipientsHash(j.To)}
}

// AccountMailHandler runs "account_mail" jobs with m.
func AccountMailHandler(m *Mailer, baseURL string) func(context.Context, json.RawMessage) error {
	return jobHandler("account mail", func(ctx context.Context, j AccountMailJob) error {
		if j.ID == "" || len(j.To) == 0 || !slices.Contains([]string{AccountTwoFactorReset, AccountSessionsEnded}, j.What) {
			return jobs.Permanent(errors.New("notify: account mail: incomplete job"))
		}
		return send(ctx, m, AccountMailFor(j, baseURL))
	})
}
