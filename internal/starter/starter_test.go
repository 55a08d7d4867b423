package starter

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/markdown"
)

// settings are a fixture organisation's: a contact limit of 15 minutes and
// a sender that signs the basic policy.
func settings() kasuhara.OrgSettings {
	st := kasuhara.DefaultSettings("org")
	st.OrgName, st.ContactLimitMinutes = "テスト商事", 15
	st.Sender = kasuhara.Sender{LegalName: "株式会社テスト商事", Representative: "代表取締役 山田 一郎"}
	return st
}

// enacted is 2026-12-06 in Japan, still 2026-12-05 in UTC.
var enacted = time.Date(2026, 12, 5, 16, 30, 0, 0, time.UTC)

var placeholder = regexp.MustCompile(`\{[a-z_]+\}`)

func TestPoliciesAreCompleteInBothLanguages(t *testing.T) {
	for _, name := range Texts {
		p := Policy(name, For(settings(), enacted))
		if err := p.Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		for lang, body := range map[string]string{"ja": p.BodyJa, "en": p.BodyEn} {
			if !strings.Contains(body, "テスト商事") {
				t.Errorf("%s.%s: company name missing", name, lang)
			}
			if got := placeholder.FindAllString(body, -1); got != nil {
				t.Errorf("%s.%s: placeholders left: %v", name, lang, got)
			}
			html := string(markdown.Render(body))
			if !strings.Contains(html, "<h2>") || !strings.Contains(html, "<li>") {
				t.Errorf("%s.%s: expected headings and lists, got %.200s", name, lang, html)
			}
		}
	}
}

// TestTextsAreFilledFromSettings: the organisation's contact limit, name,
// representative and the date of enactment appear; the old fixed 30
// minutes does not.
func TestTextsAreFilledFromSettings(t *testing.T) {
	p := For(settings(), enacted)
	policy, procedure, course := Policy("basic_policy", p), Policy("procedure", p), Course(p)
	tests := []struct {
		name, text    string
		want, notWant []string
	}{
		{"basic_policy.ja", policy.BodyJa, []string{"2026年12月6日 制定", "株式会社テスト商事\n\n代表取締役 山田 一郎"}, []string{"2026-12", "改定", "2026年12月5日"}},
		{"basic_policy.en", policy.BodyEn, []string{"Enacted on 6 December 2026", "株式会社テスト商事\n\n代表取締役 山田 一郎"}, []string{"Revised"}},
		{"procedure.ja", procedure.BodyJa, []string{"15分を上限"}, []string{"30分"}},
		{"procedure.en", procedure.BodyEn, []string{"up to 15 minutes"}, []string{"30 minutes"}},
		{"course.ja", course.SourceJa, []string{"15分まで", "15分が上限"}, []string{"30分", "{"}},
		{"course.en", course.SourceEn, []string{"up to 15 minutes", "the limit is 15 minutes"}, []string{"30 minutes", "{"}},
	}
	for _, tt := range tests {
		for _, w := range tt.want {
			if !strings.Contains(tt.text, w) {
				t.Errorf("%s: missing %q", tt.name, w)
			}
		}
		for _, w := range tt.notWant {
			if strings.Contains(tt.text, w) {
				t.Errorf("%s: must not contain %q", tt.name, w)
			}
		}
	}
	if !strings.HasSuffix(strings.TrimSpace(policy.BodyJa), "株式会社テスト商事\n\n代表取締役 山田 一郎") {
		t.Errorf("the basic policy does not end with the company and its representative: %q", policy.BodyJa[len(policy.BodyJa)-200:])
	}
}

func TestSignatoryFallsBackToTheName(t *testing.T) {
	st := settings()
	st.Sender = kasuhara.Sender{}
	p := For(st, enacted)
	p.Revised = enacted.AddDate(1, 0, 0)
	ja := strings.TrimSpace(Policy("basic_policy", p).BodyJa)
	if !strings.HasSuffix(ja, "2026年12月6日 制定\n\n2027年12月6日 改定\n\nテスト商事") {
		t.Errorf("want the dates and the organisation's name at the end, got %q", ja[len(ja)-120:])
	}
	if strings.Contains(ja, "株式会社テスト商事") || strings.Contains(ja, "代表取締役") {
		t.Error("a sender that was cleared still appears")
	}
	en := strings.TrimSpace(Policy("basic_policy", p).BodyEn)
	if !strings.HasSuffix(en, "Enacted on 6 December 2026\n\nRevised on 6 December 2027\n\nテスト商事") {
		t.Errorf("en: got %q", en[len(en)-120:])
	}
}

func TestPoliciesCoverTheSubject(t *testing.T) {
	p := For(settings(), enacted)
	ja := Policy("basic_policy", p).BodyJa + Policy("procedure", p).BodyJa
	for _, want := range []string{"110", "#9110", "匿名", "受付番号", "不利益な取扱い", "ケア", "SNS",
		// The Act's three elements, the two axes, privacy and the law.
		"顧客等", "社会通念上許容される範囲を超えた", "就業環境が害される", "要求内容の妥当性", "手段・態様の相当性",
		"プライバシーの保護", "労働施策総合推進法", "個人情報の保護に関する法律",
		// Honest negative reviews are not harassment.
		"批判的な口コミであっても、カスタマーハラスメントには当たりません"} {
		if !strings.Contains(ja, want) {
			t.Errorf("the Japanese texts never mention %q", want)
		}
	}
	for _, bad := range []string{"口コミへの集中的な低評価の投稿", "二つの観点をあわせて判断し、従業員の就業環境が害されるもの"} {
		if strings.Contains(ja, bad) {
			t.Errorf("the Japanese texts still say %q", bad)
		}
	}
	en := Policy("basic_policy", p).BodyEn + Policy("procedure", p).BodyEn
	for _, want := range []string{"110", "#9110", "anonymous", "receipt code", "retaliat", "police", "lawyer",
		"customers and others", "socially acceptable", "working environment", "privacy", "Labor Policy Comprehensive Promotion Act",
		"not customer harassment, however critical the review"} {
		if !strings.Contains(strings.ToLower(en), strings.ToLower(want)) {
			t.Errorf("the English texts never mention %q", want)
		}
	}
	if strings.Contains(strings.ToLower(en), "review bombing") {
		t.Error("review bombing is still listed without qualification")
	}
}

// TestPoliceIsNotTheLastStage: the graduated measures end with the ban
// from the premises; calling 110 is an immediate option named before them.
func TestPoliceIsNotTheLastStage(t *testing.T) {
	p := For(settings(), enacted)
	for lang, body := range map[string]string{"ja": Policy("procedure", p).BodyJa, "en": Policy("procedure", p).BodyEn} {
		heading := map[string]string{"ja": "## 段階的な措置", "en": "## Graduated measures"}[lang]
		i := strings.Index(body, heading)
		if i < 0 {
			t.Fatalf("%s: no %q", lang, heading)
		}
		section := body[i+len(heading):]
		if j := strings.Index(section, "\n## "); j >= 0 {
			section = section[:j]
		}
		var last string
		for _, line := range strings.Split(section, "\n") {
			if len(line) > 3 && line[0] >= '1' && line[0] <= '9' && line[1] == '.' {
				last = line
			}
		}
		if strings.Contains(last, "警察") || strings.Contains(strings.ToLower(last), "police") || last == "" {
			t.Errorf("%s: the last stage is %q", lang, last)
		}
		if !strings.Contains(section, "110") {
			t.Errorf("%s: the measures do not say that 110 is called at any time", lang)
		}
		if first110, measures := strings.Index(body, "110"), strings.Index(body, heading); first110 > measures {
			t.Errorf("%s: 110 first appears after the graduated measures", lang)
		}
	}
}

func TestCourseParsesAndBothLanguagesScoreAlike(t *testing.T) {
	c := Course(For(settings(), enacted))
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	ja, err := c.Content("ja")
	if err != nil {
		t.Fatal(err)
	}
	en, err := c.Content("en")
	if err != nil {
		t.Fatal(err)
	}
	if !ja.SameKey(en) || len(ja.Lessons) != len(en.Lessons) {
		t.Fatalf("ja and en differ: %d/%d lessons, same key %v", len(ja.Lessons), len(en.Lessons), ja.SameKey(en))
	}
	if len(ja.Questions) < 5 {
		t.Errorf("only %d questions", len(ja.Questions))
	}
	multiple := 0
	for _, q := range ja.Questions {
		if q.Multiple() {
			multiple++
		}
		if placeholder.MatchString(q.Text) {
			t.Errorf("placeholder left in %q", q.Text)
		}
	}
	if multiple == 0 || multiple == len(ja.Questions) {
		t.Errorf("want single and multiple choice questions, got %d of %d multiple", multiple, len(ja.Questions))
	}
}

// TestPrevious: an earlier edition, word for word with any company name,
// is recognised; an edited one, the current edition and a document whose
// languages name different companies are not.
func TestPrevious(t *testing.T) {
	read := func(f string) string {
		b, err := fs.ReadFile(previous, "previous/"+f)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	fillWith := func(s, company string) string { return strings.ReplaceAll(s, "{company}", company) }
	current := Policy("basic_policy", For(settings(), enacted))
	tests := []struct {
		name   string
		ja, en string
		want   string
		wantOK bool
	}{
		{"basic policy, first edition", fillWith(read("basic_policy.ja.1.txt"), "旧社名"), fillWith(read("basic_policy.en.1.txt"), "旧社名"), "basic_policy", true},
		{"basic policy, second edition, trimmed", strings.TrimSpace(fillWith(read("basic_policy.ja.2.txt"), "Acme")), fillWith(read("basic_policy.en.1.txt"), "Acme") + "\n\n", "basic_policy", true},
		{"procedure, second edition", fillWith(read("procedure.ja.2.txt"), "株式会社テスト"), fillWith(read("procedure.en.1.txt"), "株式会社テスト"), "procedure", true},
		{"edited by one character", strings.Replace(fillWith(read("procedure.ja.2.txt"), "X"), "30分", "20分", 1), fillWith(read("procedure.en.1.txt"), "X"), "", false},
		{"English deleted", fillWith(read("procedure.ja.2.txt"), "X"), "", "", false},
		{"two companies", fillWith(read("basic_policy.ja.2.txt"), "A社"), fillWith(read("basic_policy.en.1.txt"), "B社"), "", false},
		{"current edition", current.BodyJa, current.BodyEn, "", false},
		{"empty", "", "", "", false},
	}
	for _, tt := range tests {
		got, ok := Previous(tt.ja, tt.en)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("%s: got %q %v, want %q %v", tt.name, got, ok, tt.want, tt.wantOK)
		}
	}
}
