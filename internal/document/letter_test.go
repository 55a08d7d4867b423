package document

import (
	"strings"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/calendar"
)

func letterInput(t *testing.T, lang string) LetterInput {
	tmpl := kasuhara.DefaultLetterTemplate("o-1", "warning", lang)
	tmpl.Body += "\n{date}"
	// 16:00 UTC is 01:00 the next day in Japan.
	at := time.Date(2026, 4, 30, 16, 0, 0, 0, time.UTC)
	return LetterInput{Locale: locale(t, lang), Now: at, Org: "株式会社アクメ", Customer: &kasuhara.Customer{DisplayName: "山田 太郎"},
		Measure: &kasuhara.Measure{ID: "0190abcd-ef01-7000-8000-000000000000", Level: kasuhara.LevelWarned, Reason: "社内メモ：常連客",
			CustomerText: "度重なる暴言",
			ReviewAt:     at.AddDate(0, 6, 0)},
		Cases:    []kasuhara.Case{{Report: kasuhara.Report{OccurredAt: time.Date(2026, 4, 9, 15, 30, 0, 0, time.UTC), Channel: "phone"}}},
		Template: &tmpl}
}

func TestMeasureLetter(t *testing.T) {
	tests := []struct {
		lang  string
		facts []string
	}{
		{"ja", []string{"（1）2026年4月10日　電話", "度重なる暴言", "2026年5月1日"}},
		{"en", []string{"(1) 10 April 2026, Phone", "度重なる暴言", "1 May 2026"}},
	}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			in := letterInput(t, tt.lang)
			l := measureLetter(in)
			if l.Lang != tt.lang || l.To != "山田 太郎" || l.From != "株式会社アクメ" || l.Ref != "M-0190ABCDEF" || l.Title != in.Template.Title {
				t.Errorf("letter %+v", l)
			}
			if l.Date.Location() != calendar.JST || l.Date.Day() != 1 {
				t.Errorf("dated %s, want 1 May in Japan", l.Date)
			}
			// The printed date is the Locale's (so that its choice of era
			// applies to the letter's date too).
			if l.DateText != in.date(in.Now) {
				t.Errorf("date printed %q, want %q", l.DateText, in.date(in.Now))
			}
			for _, want := range tt.facts {
				if !strings.Contains(l.Body, want) {
					t.Errorf("the body lacks %q:\n%s", want, l.Body)
				}
			}
			if strings.Contains(l.Body, "社内メモ") {
				t.Errorf("the internal reason is printed:\n%s", l.Body)
			}
			// A measure without a text for the customer (as those from
			// before it existed) prints a neutral one, never its reason.
			in.Measure.CustomerText = ""
			if b := measureLetter(in).Body; strings.Contains(b, "社内メモ") || !strings.Contains(b, in.t("letter.reason_default")) {
				t.Errorf("without a text for the customer:\n%s", b)
			}
			in.Measure.CustomerText = "度重なる暴言"
			if strings.Contains(l.Body, "{") || strings.Contains(l.Body, "山田") {
				t.Errorf("the body has a placeholder left or names the customer (the layout does):\n%s", l.Body)
			}
			f, err := MeasureLetter(in)
			wantPDF(t, f, err, "letter-"+tt.lang+".pdf")
			checkPDF(t, f.Data, []string{"山田 太郎", "M-0190ABCDEF", tt.facts[0]}, nil)
		})
	}
}

func TestRemovalRequest(t *testing.T) {
	for _, tt := range []struct {
		lang, contact, posted string
	}{
		{"ja", "お客様相談窓口", "2026年4月10日 00:30"},
		{"en", "Customer consultation desk", "10 Apr 2026 00:30"},
	} {
		t.Run(tt.lang, func(t *testing.T) {
			tmpl := kasuhara.DefaultRemovalTemplate("o-1", tt.lang)
			in := RemovalInput{Locale: locale(t, tt.lang), Now: time.Date(2026, 4, 30, 16, 0, 0, 0, time.UTC), Org: "株式会社アクメ",
				Post: &kasuhara.OnlinePost{URL: "https://sns.example/p/1", Platform: "SNS Example", AuthorHandle: "@angry",
					PostedAt: time.Date(2026, 4, 9, 15, 30, 0, 0, time.UTC), CapturedAt: time.Date(2026, 4, 12, 1, 0, 0, 0, time.UTC),
					CapturedText: "店員の佐藤は最低", EmployeesNamed: "佐藤"},
				Template: &tmpl, Rights: []string{kasuhara.RightPrivacy}}
			l := removalLetter(in)
			if l.To != "SNS Example" || l.Contact != tt.contact || l.Date.Day() != 1 {
				t.Errorf("letter %+v", l)
			}
			for _, want := range []string{"https://sns.example/p/1", "@angry", tt.posted, "店員の佐藤は最低"} {
				if !strings.Contains(l.Body, want) {
					t.Errorf("the body lacks %q:\n%s", want, l.Body)
				}
			}
			// A post without its date leaves the date empty.
			in.Post.PostedAt = time.Time{}
			if l := removalLetter(in); strings.Contains(l.Body, tt.posted) {
				t.Errorf("an unknown posting date printed:\n%s", l.Body)
			}
			f, err := RemovalRequest(in)
			wantPDF(t, f, err, "removal-request-"+tt.lang+".pdf")
			checkPDF(t, f.Data, []string{"https://sns.example/p/1", tt.contact}, nil)
		})
	}
}

// TestRemovalRequestRightsAndConsent (issue 20): a removal request is
// addressed to the platform (御中, or ご担当者様 without its name), asserts
// only the rights chosen and names the employee only with their consent on
// record.
func TestRemovalRequestRightsAndConsent(t *testing.T) {
	consent := kasuhara.Consent{Name: "佐藤 花子", At: time.Date(2026, 4, 11, 0, 0, 0, 0, time.UTC), RecordedBy: "u-1"}
	tests := []struct {
		name, lang string
		rights     []string
		consent    kasuhara.Consent
		platform   string
		to, hon    string
		want       []string
		mustNot    []string
	}{
		{"privacy without consent", "ja", []string{kasuhara.RightPrivacy}, kasuhara.Consent{}, "SNS Example", "SNS Example", "御中",
			[]string{"当社従業員のプライバシー権を侵害する", "プライバシー権：本投稿は"}, []string{"佐藤", "名誉権"}},
		{"honour with consent", "ja", []string{kasuhara.RightHonour}, consent, "SNS Example", "SNS Example", "御中",
			[]string{"当社従業員（佐藤）の名誉権を侵害する", "名誉権：本投稿は"}, []string{"プライバシー"}},
		{"both, no platform", "ja", []string{kasuhara.RightHonour, kasuhara.RightPrivacy}, consent, "", "ご担当者様", "",
			[]string{"当社従業員（佐藤）の名誉権およびプライバシー権を侵害する", "名誉権：", "プライバシー権："}, []string{"御中"}},
		{"privacy en", "en", []string{kasuhara.RightPrivacy}, kasuhara.Consent{}, "SNS Example", "SNS Example", "",
			[]string{"infringes the right to privacy of our employee.", "Right to privacy: "}, []string{"佐藤", "honour"}},
		{"both en with consent", "en", []string{kasuhara.RightHonour, kasuhara.RightPrivacy}, consent, "SNS Example", "SNS Example", "",
			[]string{"the right to honour (reputation) and right to privacy of our employee (佐藤)"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmpl := kasuhara.DefaultRemovalTemplate("o-1", tt.lang)
			in := RemovalInput{Locale: locale(t, tt.lang), Now: time.Date(2026, 4, 30, 16, 0, 0, 0, time.UTC), Org: "株式会社アクメ",
				Post: &kasuhara.OnlinePost{URL: "https://sns.example/p/1", Platform: tt.platform, CapturedAt: time.Date(2026, 4, 12, 1, 0, 0, 0, time.UTC),
					CapturedText: "ひどい店", EmployeesNamed: "佐藤", Consent: tt.consent},
				Template: &tmpl, Rights: tt.rights}
			l := removalLetter(in)
			if l.To != tt.to || l.Honorific != tt.hon {
				t.Errorf("addressed to %q %q, want %q %q", l.To, l.Honorific, tt.to, tt.hon)
			}
			for _, w := range tt.want {
				if !strings.Contains(l.Body, w) {
					t.Errorf("the body lacks %q:\n%s", w, l.Body)
				}
			}
			for _, w := range tt.mustNot {
				if strings.Contains(l.Body, w) {
					t.Errorf("the body holds %q:\n%s", w, l.Body)
				}
			}
		})
	}
}

// TestLetterStatesOnlyRecordedFacts: a discontinuation letter says that the
// conduct continued after a warning only when a warning letter was issued
// to the customer, and then names that letter's date.
func TestLetterStatesOnlyRecordedFacts(t *testing.T) {
	warned := time.Date(2026, 3, 1, 15, 30, 0, 0, time.UTC) // 2 March in Japan
	tests := []struct {
		name, lang string
		warnedAt   time.Time
		want       []string
		mustNot    []string
	}{
		{"never warned ja", "ja", time.Time{}, []string{"下記の言動があった"}, []string{"警告"}},
		{"never warned en", "en", time.Time{}, []string{"because of the conduct described below"}, []string{"warn"}},
		{"warned ja", "ja", warned, []string{"当社は2026年3月2日付の書面で警告いたしましたが、その後も同様の言動が続きました。"}, []string{"2026年3月1日"}},
		{"warned en", "en", warned, []string{"We warned you in writing on 2 March 2026, and the conduct continued after our warning."}, []string{"1 March 2026"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := letterInput(t, tt.lang)
			tmpl := kasuhara.DefaultLetterTemplate("o-1", "discontinuation", tt.lang)
			in.Template, in.WarnedAt = &tmpl, tt.warnedAt
			in.Measure.Level = kasuhara.LevelDiscontinued
			l := measureLetter(in)
			for _, w := range tt.want {
				if !strings.Contains(l.Body, w) {
					t.Errorf("the body lacks %q:\n%s", w, l.Body)
				}
			}
			for _, w := range tt.mustNot {
				if strings.Contains(strings.ToLower(l.Body), w) {
					t.Errorf("the body says %q:\n%s", w, l.Body)
				}
			}
			if strings.Contains(l.Body, "{") {
				t.Errorf("a placeholder is left:\n%s", l.Body)
			}
		})
	}
}

// TestLetterSender: the organisation's legal name, address,
// representative, desk and telephone are printed, with 記 … 以上 in
// Japanese; without them the organisation's name signs.
func TestLetterSender(t *testing.T) {
	for _, lang := range []string{"ja", "en"} {
		t.Run(lang, func(t *testing.T) {
			in := letterInput(t, lang)
			if l := measureLetter(in); l.From != "株式会社アクメ" || len(l.FromLines) != 0 {
				t.Errorf("without a sender: from %q %q", l.From, l.FromLines)
			}
			in.Sender = kasuhara.Sender{LegalName: "株式会社アクメ・ホールディングス", Address: "東京都新宿区西新宿1-1-1", Representative: "代表取締役 山田 一郎",
				Phone: "03-1234-5678", Desk: "お客様相談室"}
			l := measureLetter(in)
			if l.From != in.Sender.LegalName || !strings.Contains(l.Contact, "お客様相談室") || !strings.Contains(l.Contact, "03-1234-5678") {
				t.Errorf("letter %+v", l)
			}
			wants := []string{"株式会社アクメ・ホールディングス", "東京都新宿区西新宿1-1-1", "代表取締役 山田 一郎", "お客様相談室", "03-1234-5678"}
			if lang == "ja" {
				if !strings.Contains(l.Body, "\n記\n") {
					t.Errorf("no 記 before the particulars:\n%s", l.Body)
				}
				wants = append(wants, "以上")
			}
			checkPDF(t, must(t)(MeasureLetter(in)).Data, wants, nil)
		})
	}
}

// A template may name the approver and the date of the approval (issue
// 19); a preview of a proposal leaves both empty.
func TestLetterNamesTheApprover(t *testing.T) {
	in := letterInput(t, "ja")
	tmpl := *in.Template
	tmpl.Body = "承認者：{approver}（{approved}承認）"
	in.Template = &tmpl
	m := *in.Measure
	m.ApprovedAt = time.Date(2026, 4, 30, 16, 0, 0, 0, time.UTC) // 1 May in Japan
	in.Measure, in.Approver = &m, "法務 二郎"
	if b := measureLetter(in).Body; b != "承認者：法務 二郎（2026年5月1日承認）" {
		t.Errorf("body %q", b)
	}
	m.ApprovedAt, in.Approver = time.Time{}, ""
	if b := measureLetter(in).Body; b != "承認者：（承認）" {
		t.Errorf("a preview: %q", b)
	}
}
