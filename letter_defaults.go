package kasuhara

// The built-in letter texts, written for this product in the style of a
// Japanese business letter that a company's lawyer would sign: the subject
// (警告書, 通知書), what happened, 記 with the conduct, what the company
// demands, what it will do if the conduct continues, the legal and
// contractual duties it still honours, and the contact point; 以上 closes
// the letter (the layout adds it). A company adapts them on the letter
// templates page; the placeholders are filled when a letter is generated.
//
// The review date of a measure is internal: no built-in text prints it
// ({review} is still filled for an organisation's edited text that keeps
// it, see docs/customers.md).
var defaultLetters = map[string]map[string]LetterTemplate{
	"warning": {
		"ja": {Title: "警告書", Body: `当社は、{you}による当社従業員に対する下記1の言動が、社会通念上許容される範囲を超え、当社従業員の就業環境を害するものであると判断しました。

つきましては、本書をもって、下記2の事項を求めます。今後も同様の言動が続く場合には、当社は、下記3の措置をとります。

記

1　対象となる言動
{facts}

2　要求事項
当社従業員に対する暴言、威圧的な言動、長時間にわたる拘束その他社会通念上許容される範囲を超える言動を、直ちにおやめください。

3　今後の措置
同様の言動が続く場合には、当社は、{you}への対応を打ち切り、当社施設への立入りをお断りすることがあります。また、必要に応じて警察に通報し、弁護士に対応を委任します。

4　法令上・契約上の義務について
本書にかかわらず、返金、保証その他の契約上の義務の履行、および個人情報の開示・訂正・利用停止等、法令に基づくご請求には、下記の連絡先において書面で対応いたします。`,
			PolicyRef: "当社「カスタマーハラスメントに対する基本方針」", Contact: "本件に関するご連絡は、書面でお願いいたします。"},
		"en": {Title: "Warning", Body: `We have concluded that the conduct towards our staff described in item 1 below went beyond what is socially acceptable and harmed the working environment of our staff.

By this letter we therefore make the demand in item 2. Should such conduct continue, we will take the measures in item 3.

1. The conduct
{facts}

2. Our demand
Stop at once any abusive language, intimidation, keeping our staff for long periods, or other conduct towards our staff beyond what is socially acceptable.

3. What we will do if the conduct continues
We may decline further dealings with you and refuse you entry to our premises. Where necessary, we will call the police and instruct our lawyers.

4. Our legal and contractual duties
Regardless of this letter, we will continue to meet our contractual duties, such as refunds and warranties, and requests under the law, such as for the disclosure, correction or suspension of the use of your personal data. Please make them in writing to the contact point below.`,
			PolicyRef: "Our basic policy on customer harassment", Contact: "Please write to us about this matter."},
	},
	"discontinuation": {
		"ja": {Title: "通知書", Body: `当社は、これまで{you}のお申出に誠実に対応してまいりました。しかしながら、下記の言動があったことから、これ以上{you}とのご対応を続けることはできないと判断しました。{warning}

つきましては、本書をもって、{you}とのご対応（電話、ご来店、電子メール等によるお問合せへの対応を含みます。）を終了することを通知いたします。

記

1　対象となる言動
{facts}

2　要求事項
当社従業員への電話、ご来店、電子メール等による直接のご連絡をおやめください。本件に関するご連絡は、下記の連絡先に書面でお願いいたします。

3　今後の措置
本書の後も当社従業員への直接のご連絡や同様の言動が続く場合には、当社は、警察に通報し、弁護士に対応を委任して、法的措置をとります。

4　法令上・契約上の義務について
本書にかかわらず、返金、保証その他の契約上の義務の履行、および個人情報の開示・訂正・利用停止等、法令に基づくご請求には、下記の連絡先において書面で対応いたします。`,
			PolicyRef: "当社「カスタマーハラスメントに対する基本方針」", Contact: "本件に関するご連絡は、書面に限り承ります。"},
		"en": {Title: "Notice", Body: `We have tried to respond sincerely to your requests. However, because of the conduct described below, we have concluded that we can no longer deal with you.{warning}

By this letter we therefore give notice that we end our dealings with you, including responding to inquiries by telephone, in person or by e-mail.

1. The conduct
{facts}

2. Our demand
Do not contact our staff directly by telephone, in person or by e-mail. Please address any communication about this matter in writing to the contact point below.

3. What we will do if the conduct continues
Should you contact our staff directly or should such conduct continue after this letter, we will call the police, instruct our lawyers and take legal action.

4. Our legal and contractual duties
Regardless of this letter, we will continue to meet our contractual duties, such as refunds and warranties, and requests under the law, such as for the disclosure, correction or suspension of the use of your personal data. Please make them in writing to the contact point below.`,
			PolicyRef: "Our basic policy on customer harassment", Contact: "In writing only."},
	},
	"ban": {
		"ja": {Title: "通知書", Body: `当社は、これまで{you}のお申出に誠実に対応してまいりました。しかしながら、下記の言動があったことから、当社従業員の安全と就業環境を守るため、{you}による当社施設への立入りをお断りすることといたしました。{warning}

つきましては、本書をもって、下記2の施設への{you}の立入りを禁止することを通知いたします。あわせて、{you}とのご対応（電話、電子メール等によるお問合せへの対応を含みます。）を終了いたします。

記

1　対象となる言動
{facts}

2　立入りを禁止する施設
{premises}

3　要求事項
上記2の施設に立ち入らないでください。また、当社従業員への電話、電子メール等による直接のご連絡をおやめください。本件に関するご連絡は、下記の連絡先に書面でお願いいたします。

4　立ち入られた場合の措置
上記2の施設に立ち入られた場合には、当社従業員が退去を求めます。退去の求めに応じていただけない場合には、不退去罪（刑法第130条後段）に該当し得るものとして警察に通報します。また、弁護士に対応を委任し、法的措置をとることがあります。

5　法令上・契約上の義務について
本書にかかわらず、返金、保証その他の契約上の義務の履行、および個人情報の開示・訂正・利用停止等、法令に基づくご請求には、下記の連絡先において書面で対応いたします。`,
			PolicyRef: "当社「カスタマーハラスメントに対する基本方針」", Contact: "本件に関するご連絡は、書面に限り承ります。"},
		"en": {Title: "Notice of a ban from our premises", Body: `We have tried to respond sincerely to your requests. However, because of the conduct described below, and to protect the safety and working environment of our staff, we have decided to refuse you entry to our premises.{warning}

By this letter we therefore give notice that you may not enter the premises in item 2. We also end our dealings with you, including responding to inquiries by telephone or by e-mail.

1. The conduct
{facts}

2. The premises you may not enter
{premises}

3. Our demand
Do not enter the premises in item 2. Do not contact our staff directly by telephone or by e-mail. Please address any communication about this matter in writing to the contact point below.

4. What happens if you enter
If you enter the premises in item 2, our staff will ask you to leave. If you refuse to leave, we will call the police, as refusing to leave may constitute the offence of failure to leave (Article 130 of the Penal Code). We may also instruct our lawyers and take legal action.

5. Our legal and contractual duties
Regardless of this letter, we will continue to meet our contractual duties, such as refunds and warranties, and requests under the law, such as for the disclosure, correction or suspension of the use of your personal data. Please make them in writing to the contact point below.`,
			PolicyRef: "Our basic policy on customer harassment", Contact: "In writing only."},
	},
}

// DefaultLetterTemplate returns the built-in template of a kind and
// language (Japanese when the language is unknown).
func DefaultLetterTemplate(orgID, kind, lang string) LetterTemplate {
	byLang, ok := defaultLetters[kind]
	if !ok {
		byLang = defaultLetters["warning"]
	}
	t, ok := byLang[lang]
	if !ok {
		t = byLang["ja"]
		lang = "ja"
	}
	t.OrgID, t.Kind, t.Lang = orgID, kind, lang
	return t
}
