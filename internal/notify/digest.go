package notify

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/kasuhara/kasuhara/internal/calendar"
	"github.com/kasuhara/kasuhara/internal/jobs"
)

// KindDigestMail is the job kind of a person's daily digest.
const KindDigestMail = "digest_mail"

// DigestJob is the payload of a daily digest: a person's unread
// notifications of the day, grouped by case (or measure). Like an event it
// holds only kinds of events, references and codes, never a narrative or a
// customer's identity.
type DigestJob struct {
	ID    string       `json:"id"`
	To    []string     `json:"to"`
	Lang  string       `json:"lang"`
	Date  string       `json:"date"` // the day in the organisation's zone, 2026-12-06
	Items []DigestItem `json:"items"`
}

// DigestItem is the latest notification about one case or measure, and
// how many there were.
type DigestItem struct {
	Type   string `json:"type"`
	Ref    string `json:"ref"`
	Detail string `json:"detail,omitempty"`
	Path   string `json:"path"` // the page it leads to, such as /cases/ID
	Count  int    `json:"count"`
}

var digestTexts = map[string]map[string]string{
	"subject": {
		"ja": "未読のお知らせ {n} 件（{date}）",
		"en": "{n} unread notifications ({date})",
	},
	"more": {
		"ja": "（ほか {n} 件）",
		"en": " ({n} more)",
	},
	"all": {
		"ja": "すべてのお知らせ",
		"en": "All notifications",
	},
	"footer": {
		"ja": "このまとめは、お知らせの設定で「1日1回まとめて受け取る」を選んだ方にお送りしています。内容は Kasuhara にログインして確認してください。",
		"en": "You receive this digest because you chose a daily digest in your notification settings. Sign in to Kasuhara to see the details.",
	},
}

// DigestMailFor is the digest mail of j under baseURL.
func DigestMailFor(j DigestJob, baseURL string) Message {
	lang := mailLang(j.Lang)
	base := strings.TrimRight(baseURL, "/")
	n := 0
	var b strings.Builder
	for _, it := range j.Items {
		n += it.Count
		ev := Event{Type: it.Type, CaseRef: it.Ref, Detail: it.Detail}
		line := MailFor(ev, lang, "").Subject
		if it.Count > 1 {
			line += strings.ReplaceAll(digestTexts["more"][lang], "{n}", strconv.Itoa(it.Count-1))
		}
		b.WriteString("・" + line + "\n  " + base + it.Path + "\n")
	}
	subject := strings.NewReplacer("{n}", strconv.Itoa(n), "{date}", writtenDay(j.Date, lang)).Replace(digestTexts["subject"][lang])
	text := signed(subject+"\n\n"+b.String()+"\n"+digestTexts["all"][lang]+mailFixed["colon"][lang]+base+"/notifications\n\n"+
		digestTexts["footer"][lang], lang)
	return Message{To: j.To, Subject: subject, Text: text, Lang: lang, ID: j.ID + "." + recipientsHash(j.To)}
}

// writtenDay is a day kept as 2026-12-06 in a job as a person reads it in
// lang: 2026年12月6日, 6 December 2026; other text is left as it is.
func writtenDay(s, lang string) string {
	d, err := calendar.ParseDate(s)
	if err != nil {
		return s
	}
	return d.Written(lang, false)
}

// DigestMailHandler runs "digest_mail" jobs with m.
func DigestMailHandler(m *Mailer, baseURL string) func(context.Context, json.RawMessage) error {
	return jobHandler("digest", func(ctx context.Context, j DigestJob) error {
		if j.ID == "" || len(j.To) == 0 || len(j.Items) == 0 {
			return jobs.Permanent(errors.New("notify: digest: incomplete job"))
		}
		return send(ctx, m, DigestMailFor(j, baseURL))
	})
}
