package kasuhara

// The built-in letter texts, written for this product. A company adapts
// them on the letter templates page; the placeholders are filled when a
// letter is generated.
var defaultLetters = map[string]map[string]LetterTemplate{
	"warning": {
		"ja": {Title: "ご対応に関する警告について", Body: `{customer}

平素より当社の商品・サービスをご利用いただき、ありがとうございます。

当社は、お客様からのご意見・ご要望に誠実に対応するよう努めております。しかしながら、下記のとおり、当社従業員に対する言動が、社会通念上相当な範囲を超えるものであったと判断いたしました。

{facts}

当社は、従業員の安全と就業環境を守るため、カスタマーハラスメントに対して組織として対応する方針を定めております。今後同様の言動が続く場合には、お客様とのご対応をお断りするほか、必要に応じて警察・弁護士に相談する場合があります。

ご理解とご協力をお願い申し上げます。`, PolicyRef: "当社カスタマーハラスメントに対する基本方針", Contact: "お客様相談窓口"},
		"en": {Title: "Warning concerning your conduct", Body: `{customer}

Thank you for using our products and services.

We do our best to respond sincerely to every customer's opinion and request. However, we have concluded that the conduct towards our staff described below went beyond what is socially acceptable.

{facts}

To protect the safety and working environment of our staff, our company responds to customer harassment as an organisation. Should such conduct continue, we may decline further dealings with you and, where necessary, consult the police or our lawyers.

We ask for your understanding and cooperation.`, PolicyRef: "Our basic policy on customer harassment", Contact: "Customer consultation desk"},
	},
	"discontinuation": {
		"ja": {Title: "今後のご対応の終了について", Body: `{customer}

当社はこれまで、お客様のお申し出に対し誠実に対応してまいりました。しかしながら、下記の言動があったことから、これ以上のご対応は困難であると判断いたしました。{warning}

{facts}

つきましては、本書面をもって、お客様とのご対応（電話、来店、メール等によるお問い合わせへの対応を含みます）を終了させていただきます。本件に関するご連絡は、下記の窓口にのみ書面でお願いいたします。

なお、この措置は {review} に見直します。`, PolicyRef: "当社カスタマーハラスメントに対する基本方針", Contact: "お客様相談窓口（書面のみ）"},
		"en": {Title: "Ending further dealings", Body: `{customer}

We have tried to respond sincerely to your requests. However, because of the conduct described below, we have concluded that we can no longer deal with you.{warning}

{facts}

By this letter we therefore end our dealings with you, including responding to inquiries by telephone, in person or by e-mail. Please address any communication about this matter in writing to the contact point below only.

This measure will be reviewed on {review}.`, PolicyRef: "Our basic policy on customer harassment", Contact: "Customer consultation desk (in writing only)"},
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
