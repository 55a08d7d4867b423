package notify

import "strings"

// The texts of notification mail, in Japanese and English. They live here
// until they move to the i18n catalogue (internal/i18n/locales), which does
// not yet serve packages outside the web layer; TestTextsHaveBothLanguages
// keeps both languages complete meanwhile.

// mailTitles says, per event type and language, what needs attention.
var mailTitles = map[string]map[string]string{
	CaseReported: {
		"ja": "新しい報告があります",
		"en": "New report",
	},
	CaseAssigned: {
		"ja": "事案の担当になりました",
		"en": "A case was assigned to you",
	},
	CaseMessage: {
		"ja": "新しいメッセージがあります",
		"en": "New message on a case",
	},
	CaseClockDue: {
		"ja": "対応期限が近づいています",
		"en": "A deadline is approaching",
	},
	CaseOverdue: {
		"ja": "対応期限を過ぎています",
		"en": "A deadline has passed",
	},
	CaseStateChanged: {
		"ja": "事案の状況が変わりました",
		"en": "A case changed state",
	},
	CaseRetaliation: {
		"ja": "報告者から不利益な取扱いの申告があります",
		"en": "A reporter raised a retaliation alarm",
	},
	CaseExclusion: {
		"ja": "事案の関係者の除外が提案または確定されました",
		"en": "A person was proposed for exclusion from a case, or excluded",
	},
	CaseCheckin: {
		"ja": "報告の後のご様子をお尋ねします",
		"en": "How have you been since your report?",
	},
	CaseRecorded: {
		"ja": "あなたの相談が代理で記録されました",
		"en": "A consultation was recorded on your behalf",
	},
	CaseDisowned: {
		"ja": "代理で記録された報告について、本人から「報告していない」との申し出があります",
		"en": "An employee says they did not make a report recorded on their behalf",
	},
	MeasureProposed: {
		"ja": "措置が承認待ちです",
		"en": "A measure is waiting for your approval",
	},
	MeasureApproved: {
		"ja": "提案した措置が承認されました",
		"en": "Your proposed measure was approved",
	},
	MeasureRejected: {
		"ja": "提案した措置が却下されました",
		"en": "Your proposed measure was rejected",
	},
	// Grant requests' notifications reach mail only in the daily digest
	// (the deciders' own mail is the grant mail).
	GrantRequested: {
		"ja": "権限付与の依頼が承認待ちです",
		"en": "A role grant request is waiting for your approval",
	},
	GrantApproved: {
		"ja": "依頼した権限付与が承認されました",
		"en": "Your role grant request was approved",
	},
	GrantRejected: {
		"ja": "依頼した権限付与が却下されました",
		"en": "Your role grant request was rejected",
	},
	OperatorTwoFactorReset: {
		"ja": "運用担当者が相談窓口・法務の人の2段階認証をリセットしました",
		"en": "The operator reset a desk or legal member's two-step verification",
	},
	CooperationDueSoon: {
		"ja": "他の事業主との協力の求めの期限が近づいています",
		"en": "A cooperation request's deadline is approaching",
	},
	CooperationOverdue: {
		"ja": "他の事業主との協力の求めの期限を過ぎています",
		"en": "A cooperation request's deadline has passed",
	},
}

// mailDetails says in words what an event's detail code means: the new
// state, the clock, the measure's level.
var mailDetails = map[string]map[string]string{
	"new":          {"ja": "新規", "en": "new"},
	"acknowledged": {"ja": "受付済み", "en": "acknowledged"},
	"in_progress":  {"ja": "対応中", "en": "in progress"},
	"resolved":     {"ja": "解決", "en": "resolved"},
	"closed":       {"ja": "完了", "en": "closed"},
	"acknowledge":  {"ja": "受付の期限", "en": "acknowledgement deadline"},
	"feedback":     {"ja": "報告者への回答期限", "en": "feedback deadline"},
	"watch":        {"ja": "注意観察", "en": "watch"},
	"caution":      {"ja": "注意", "en": "caution"},
	"warned":       {"ja": "警告", "en": "warning"},
	"discontinued": {"ja": "対応打ち切り", "en": "contact discontinued"},
	"banned":       {"ja": "出入り禁止", "en": "banned"},
}

// mailFixed holds the parts every mail shares.
var mailFixed = map[string]map[string]string{
	"generic": { // an event type this binary does not know yet
		"ja": "事案に対応が必要です",
		"en": "A case needs attention",
	},
	"urgent": {
		"ja": "（緊急）",
		"en": " (urgent)",
	},
	"colon": { // between a title and what it is about
		"ja": "：",
		"en": ": ",
	},
	"detail_open": {
		"ja": "（",
		"en": " (",
	},
	"detail_close": {
		"ja": "）",
		"en": ")",
	},
	"footer": {
		"ja": "内容は Kasuhara にログインして確認してください。このメールには事案の内容を記載していません。",
		"en": "Sign in to Kasuhara to see it. This mail does not contain the details of the case.",
	},
	"signature": {
		"ja": "Kasuhara からの自動送信メールです。返信しないでください。",
		"en": "Sent automatically by Kasuhara. Please do not reply.",
	},
}

// chatFixed holds the parts of chat messages beyond a mail's headline.
var chatFixed = map[string]map[string]string{
	"open": {
		"ja": "Kasuhara で開く",
		"en": "Open in Kasuhara",
	},
	"due": {
		"ja": "期限",
		"en": "Deadline",
	},
	"note": {
		"ja": "内容は Kasuhara にログインして確認してください。このメッセージには事案の内容を記載していません。",
		"en": "Sign in to Kasuhara to see it. This message does not contain the details of the case.",
	},
	"test": {
		"ja": "Kasuhara からのテストメッセージです",
		"en": "Test message from Kasuhara",
	},
	"test_note": {
		"ja": "この送信先に Kasuhara の通知が届きます。事案の内容は記載されず、種類・事案番号・期限・リンクのみが届きます。",
		"en": "Kasuhara's notifications will arrive here: the kind, the case number, the deadline and a link, never the details of a case.",
	},
}

// Languages are the languages of notifications; the first is the default.
var Languages = []string{"ja", "en"}

func mailLang(lang string) string {
	lang = strings.ToLower(lang)
	for _, l := range Languages {
		if lang == l || strings.HasPrefix(lang, l+"-") {
			return l
		}
	}
	return Languages[0]
}

// signed ends a mail's text with the signature under the "-- " line that
// mail programs know as the start of a signature.
func signed(text, lang string) string {
	return text + "\n\n-- \n" + mailFixed["signature"][lang] + "\n"
}

// MailFor is the mail about ev in lang ("ja" or "en"; anything else is
// Japanese). It holds fixed text, the case's reference and the link to the
// case under baseURL, and nothing else from ev:
//
//	Subject: 新しい報告があります（緊急）：K-2026-00042
//	新しい報告があります（緊急）：K-2026-00042 — https://…/cases/ID
func MailFor(ev Event, lang, baseURL string) Message {
	lang = mailLang(lang)
	title, ok := mailTitles[ev.Type][lang]
	if !ok {
		title = mailFixed["generic"][lang]
	}
	if ev.Urgent {
		title += mailFixed["urgent"][lang]
	}
	headline := title
	if ev.CaseRef != "" {
		headline += mailFixed["colon"][lang] + ev.CaseRef // a grant request has none
	}
	if d, ok := mailDetails[ev.Detail][lang]; ok {
		headline += mailFixed["detail_open"][lang] + d + mailFixed["detail_close"][lang]
	}
	text := signed(headline+" — "+ev.URL(baseURL)+"\n\n"+mailFixed["footer"][lang], lang)
	return Message{Subject: headline, Text: text, Lang: lang}
}
