package starter

import (
	"strings"
	"testing"

	"github.com/kasuhara/kasuhara/internal/markdown"
)

func TestPoliciesAreCompleteInBothLanguages(t *testing.T) {
	for _, name := range Texts {
		p := Policy(name, "株式会社テスト")
		if err := p.Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		for lang, body := range map[string]string{"ja": p.BodyJa, "en": p.BodyEn} {
			if !strings.Contains(body, "株式会社テスト") || strings.Contains(body, "{company}") {
				t.Errorf("%s.%s: company placeholder not replaced", name, lang)
			}
			html := string(markdown.Render(body))
			if !strings.Contains(html, "<h2>") || !strings.Contains(html, "<li>") {
				t.Errorf("%s.%s: expected headings and lists, got %.200s", name, lang, html)
			}
		}
	}
}

func TestPoliciesCoverTheSubject(t *testing.T) {
	ja := Policy("basic_policy", "X").BodyJa + Policy("procedure", "X").BodyJa
	for _, want := range []string{"110", "#9110", "30分", "匿名", "受付番号", "不利益", "ケア", "SNS"} {
		if !strings.Contains(ja, want) {
			t.Errorf("the Japanese texts never mention %q", want)
		}
	}
	en := Policy("basic_policy", "X").BodyEn + Policy("procedure", "X").BodyEn
	for _, want := range []string{"110", "#9110", "30 minutes", "anonymous", "receipt code", "retaliat", "police", "lawyer"} {
		if !strings.Contains(strings.ToLower(en), strings.ToLower(want)) {
			t.Errorf("the English texts never mention %q", want)
		}
	}
}

func TestCourseParsesAndBothLanguagesScoreAlike(t *testing.T) {
	c := Course("株式会社テスト")
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
		if strings.Contains(q.Text, "{company}") {
			t.Errorf("placeholder left in %q", q.Text)
		}
	}
	if multiple == 0 || multiple == len(ja.Questions) {
		t.Errorf("want single and multiple choice questions, got %d of %d multiple", multiple, len(ja.Questions))
	}
}
