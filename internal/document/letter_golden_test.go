package document

import (
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/kasuhara/kasuhara"
)

// update rewrites the golden files of the letters:
//
//	go test ./internal/document -run TestLettersGolden -update
var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// goldenSender is the fixture organisation as its letters sign.
var goldenSender = kasuhara.Sender{LegalName: "株式会社アクメ", Address: "東京都千代田区丸の内1-1-1", Representative: "代表取締役 山田 一郎",
	Phone: "03-1234-5678", Desk: "お客様相談室", Hours: "平日9時〜17時"}

// goldenCases are the two incidents behind the fixture's measures: an
// evening call (22:30 in Japan on 9 April, 13:30 UTC) and a visit to the
// Shinjuku store just after midnight in Japan (10 April, 15:10 UTC on the
// 9th).
func goldenCases() []kasuhara.Case {
	return []kasuhara.Case{
		{ID: "c-1", Report: kasuhara.Report{OccurredAt: time.Date(2026, 4, 9, 13, 30, 0, 0, time.UTC), Channel: "phone",
			Categories: []kasuhara.Category{kasuhara.CatViolenceAbuse, kasuhara.CatTimePlaceConstraint}}},
		{ID: "c-2", Report: kasuhara.Report{OccurredAt: time.Date(2026, 4, 20, 15, 10, 0, 0, time.UTC), Channel: "in_person", Location: "新宿店",
			Categories: []kasuhara.Category{kasuhara.CatUnreasonableDemand}}},
	}
}

// goldenLetter is the fixture letter of a kind: a warning to a person at
// their address, a notice of discontinued contact to a person known only by
// the name the employee typed (after a warning), and a ban to a company.
func goldenLetter(t *testing.T, kind, lang string) LetterInput {
	t.Helper()
	tmpl := kasuhara.DefaultLetterTemplate("o-1", kind, lang)
	in := LetterInput{Locale: locale(t, lang), Now: time.Date(2026, 5, 7, 15, 30, 0, 0, time.UTC), Org: "アクメ", Sender: goldenSender,
		Measure: &kasuhara.Measure{ID: "0190abcd-ef01-7000-8000-000000000000", Reason: "社内メモ：常連客", CustomerText: "従業員に対し、大声で繰り返し土下座を求められたこと。",
			ReviewAt: time.Date(2026, 11, 7, 15, 0, 0, 0, time.UTC)},
		Cases: goldenCases(), Template: &tmpl}
	// The first incident is stated as fact by the proposer; the second
	// keeps its categories of conduct.
	in.Measure.Incidents = map[string]string{"c-1": map[string]string{
		"ja": "当社従業員に対し、約90分にわたり大声で土下座を要求したこと",
		"en": "demanding loudly, for about 90 minutes, that our employee kneel and apologise"}[lang]}
	switch kind {
	case "warning":
		in.Measure.Level = kasuhara.LevelWarned
		in.Customer = &kasuhara.Customer{DisplayName: "山田さん", Addressee: kasuhara.Addressee{FormalName: "山田 太郎", Address: "神奈川県横浜市中区本町1-2-3"}}
	case "discontinuation":
		in.Measure.Level = kasuhara.LevelDiscontinued
		in.Customer = &kasuhara.Customer{DisplayName: "高橋 次郎"}
		in.WarnedAt = time.Date(2026, 4, 24, 16, 0, 0, 0, time.UTC) // 25 April in Japan
	case "ban":
		in.Measure.Level, in.Measure.Premises = kasuhara.LevelBanned, "新宿店（東京都新宿区新宿3-1-1）および渋谷店（東京都渋谷区道玄坂1-1-1）"
		in.Customer = &kasuhara.Customer{DisplayName: "ブラック商事の佐々木", Addressee: kasuhara.Addressee{Company: true, FormalName: "株式会社ブラック商事",
			Address: "大阪府大阪市北区梅田1-1-1"}}
		in.WarnedAt = time.Date(2026, 4, 24, 16, 0, 0, 0, time.UTC)
	}
	return in
}

// TestLettersGolden renders each letter kind and the removal request in
// Japanese and English from the fixture organisation and customer, reads
// it back with pdftotext -layout and compares it with testdata/*.golden.
// A change of wording or layout shows as a diff of the letter's text;
// after a deliberate change, run with -update and review the diff.
func TestLettersGolden(t *testing.T) {
	if _, err := exec.LookPath("pdftotext"); err != nil {
		if os.Getenv("KASUHARA_REQUIRE_PDFTOTEXT") == "1" {
			t.Fatal("pdftotext is required (KASUHARA_REQUIRE_PDFTOTEXT=1)")
		}
		t.Skip("pdftotext not installed")
	}
	for _, lang := range []string{"ja", "en"} {
		for _, kind := range kasuhara.LetterKinds {
			t.Run(kind+"-"+lang, func(t *testing.T) {
				checkGolden(t, kind+"-"+lang, must(t)(MeasureLetter(goldenLetter(t, kind, lang))).Data)
			})
			if lang != "ja" {
				continue
			}
			// The 内容証明 layout: the same letter in lines of at most 26
			// characters, 20 lines a page.
			t.Run(kind+"-certified-"+lang, func(t *testing.T) {
				in := goldenLetter(t, kind, lang)
				in.Certified = true
				text := checkGolden(t, kind+"-certified-"+lang, must(t)(MeasureLetter(in)).Data)
				checkCertified(t, text)
			})
		}
		t.Run("removal-"+lang, func(t *testing.T) {
			tmpl := kasuhara.DefaultRemovalTemplate("o-1", lang)
			in := RemovalInput{Locale: locale(t, lang), Now: time.Date(2026, 5, 7, 15, 30, 0, 0, time.UTC), Org: "アクメ", Sender: goldenSender,
				Post: &kasuhara.OnlinePost{URL: "https://sns.example/p/1", Platform: "SNS Example", AuthorHandle: "@angry",
					PostedAt: time.Date(2026, 4, 9, 15, 30, 0, 0, time.UTC), CapturedAt: time.Date(2026, 4, 12, 1, 0, 0, 0, time.UTC),
					CapturedText: "新宿店の店員の佐藤は最低。顔写真も載せておく。", EmployeesNamed: "佐藤",
					Consent: kasuhara.Consent{Name: "佐藤 花子", At: time.Date(2026, 4, 11, 0, 0, 0, 0, time.UTC), RecordedBy: "u-1"}},
				Template: &tmpl, Rights: []string{kasuhara.RightHonour, kasuhara.RightPrivacy}}
			checkGolden(t, "removal-"+lang, must(t)(RemovalRequest(in)).Data)
		})
	}
}

// checkCertified checks the text of a letter laid out for 内容証明郵便
// (pdftotext -layout): at most 20 lines a page, 26 characters a line (a
// run of spaces is one full-width space of the letter).
func checkCertified(t *testing.T, text string) {
	t.Helper()
	spaces := regexp.MustCompile(`\s+`)
	for i, page := range strings.Split(strings.TrimRight(text, "\f\n"), "\f") {
		n := 0
		for _, line := range strings.Split(page, "\n") {
			line = spaces.ReplaceAllString(strings.TrimSpace(line), " ")
			if line == "" {
				continue
			}
			n++
			if c := utf8.RuneCountInString(line); c > 26 {
				t.Errorf("page %d: %d characters in %q", i+1, c, line)
			}
		}
		if n == 0 || n > 20 {
			t.Errorf("page %d has %d lines, want 1 to 20", i+1, n)
		}
	}
}

// checkGolden compares a PDF's text (pdftotext -layout, trailing spaces
// trimmed) with testdata/name.golden, or rewrites it with -update, and
// returns the text.
func checkGolden(t *testing.T, name string, pdf []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name+".pdf")
	if err := os.WriteFile(p, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", p, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(out), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	got := strings.Join(lines, "\n")
	golden := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return got
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to write it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from %s (run with -update after a deliberate change):\n--- got\n%s\n--- want\n%s", name, golden, got, want)
	}
	return got
}
