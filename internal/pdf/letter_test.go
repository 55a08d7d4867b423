package pdf

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/kasuhara/kasuhara/internal/calendar"
)

func letterJA() LetterInput {
	return LetterInput{
		Lang:      "ja",
		Date:      time.Date(2026, 11, 27, 0, 0, 0, 0, calendar.JST),
		To:        "山田 太郎",
		Honorific: "様",
		ToLines:   []string{"東京都新宿区西新宿2-8-1"},
		From:      "株式会社かすはら商事",
		Contact:   "お客様相談室（担当：佐藤）\n電話：03-1234-5678（平日9時〜17時）\n〒100-0001 東京都千代田区千代田1-1",
		Title:     "ご来店時の行為に関するお願い",
		Body: "拝啓　時下ますますご清祥のこととお慶び申し上げます。\n\n" +
			"さて、2026年11月20日、当社店舗において、お客様は従業員に対し、約2時間にわたり大声で「責任者を出せ。土下座しろ」と繰り返し要求されました。" +
			"このような行為は、社会通念上相当な範囲を超えるものであり、当社の「カスタマーハラスメントに対する基本方針」に定める行為に該当します。\n\n" +
			"当社は従業員の安全と尊厳を守るため、今後同様の行為があった場合には、ご対応をお断りし、必要に応じて警察や弁護士に相談いたします。" +
			"ご理解とご協力をお願い申し上げます。\n\n敬具",
		PolicyRef: "カスタマーハラスメントに対する基本方針（2026年4月1日制定）第3条",
		Ref:       "KSH-2026-0042",
	}
}

func letterEN() LetterInput {
	return LetterInput{
		Lang:    "en",
		Date:    time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC),
		To:      "Mr John Smith",
		From:    "Kasuhara Trading Co., Ltd.",
		Contact: "Customer Relations Office\nPhone: +81 3-1234-5678 (weekdays 9:00–17:00)\n1-1 Chiyoda, Chiyoda-ku, Tokyo 100-0001",
		Title:   "Request concerning your conduct at our store",
		Body: "Dear Mr Smith,\n\n" +
			"On 20 November 2026, at our store, you repeatedly shouted at our employee for about two hours and demanded that they kneel and apologise. " +
			"Such conduct goes beyond what is socially acceptable and falls under our Basic Policy on Customer Harassment.\n\n" +
			"To protect the safety and dignity of our employees, we will decline to serve you if this happens again, and we may consult the police or our lawyers.\n\n" +
			"Yours sincerely,",
		PolicyRef: "Basic Policy on Customer Harassment (1 April 2026), Article 3",
		Ref:       "KSH-2026-0043",
	}
}

func TestLetterJapanese(t *testing.T) {
	l := letterJA()
	b := renderPDF(t, "letter-ja.pdf", func() ([]byte, error) { return Letter(l) })
	if got := pageCount(b); got != 1 {
		t.Errorf("letter has %d pages, want 1", got)
	}
	text := extractText(t, b)
	lines := strings.Split(strings.TrimSpace(text), "\n")
	// Reading order of the layout: ref, date, addressee (address, name),
	// sender, title.
	for i, want := range []string{"文書番号：KSH-2026-0042", "2026年11月27日", "東京都新宿区西新宿2-8-1", "山田 太郎 様", "株式会社かすはら商事", "ご来店時の行為に関するお願い"} {
		if i+1 >= len(lines) || lines[i+1] != want {
			t.Errorf("line %d = %q, want %q (lines: %q)", i+2, at(lines, i+1), want, lines)
		}
	}
	all := squash(text)
	for _, want := range []string{
		squash(l.Body), "根拠となる方針：" + squash(l.PolicyRef), "【連絡先】",
		"電話：03-1234-5678（平日9時〜17時）", "以上",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("letter text lacks %q", want)
		}
	}
	for i, line := range lines {
		if first, _ := utf8.DecodeRuneInString(line); i > 0 && noLineStart[first] {
			t.Errorf("line %d starts with %q: %q", i+1, first, line)
		}
		if last, _ := utf8.DecodeLastRuneInString(line); noLineEnd[last] {
			t.Errorf("line %d ends with %q: %q", i+1, last, line)
		}
	}
	if last := lines[len(lines)-1]; last != "以上" {
		t.Errorf("last line = %q, want 以上", last)
	}

	t.Run("pdftotext", func(t *testing.T) {
		poppler := squash(pdftotext(t, b, 0, 0))
		for _, want := range []string{"山田太郎様", "土下座しろ", "カスタマーハラスメントに対する基本方針", "以上", "1/1"} {
			if !strings.Contains(poppler, want) {
				t.Errorf("pdftotext output lacks %q:\n%s", want, poppler)
			}
		}
	})
}

func TestLetterEnglish(t *testing.T) {
	l := letterEN()
	b := renderPDF(t, "letter-en.pdf", func() ([]byte, error) { return Letter(l) })
	text := extractText(t, b)
	for _, want := range []string{"Ref: KSH-2026-0043\n", "27 November 2026\n", "Mr John Smith\n", "Policy: Basic Policy on Customer Harassment", "Contact\n"} {
		if !strings.Contains(text, want) {
			t.Errorf("letter text lacks %q", want)
		}
	}
	for _, notWant := range []string{"様", "以上", "【"} {
		if strings.Contains(text, notWant) {
			t.Errorf("English letter contains %q", notWant)
		}
	}
	// English wraps at spaces: every line ends with a whole word.
	if !strings.Contains(squash(text), squash(l.Body)) {
		t.Errorf("body lost characters")
	}
	for _, line := range strings.Split(text, "\n") {
		if strings.HasSuffix(line, " ") {
			t.Errorf("line ends with a space: %q", line)
		}
	}
	t.Run("pdftotext", func(t *testing.T) {
		poppler := pdftotext(t, b, 0, 0)
		for _, want := range []string{"Dear Mr Smith,", "Kasuhara Trading Co., Ltd.", "Yours sincerely,"} {
			if !strings.Contains(poppler, want) {
				t.Errorf("pdftotext output lacks %q:\n%s", want, poppler)
			}
		}
	})
}

func TestLetterOptionalParts(t *testing.T) {
	l := letterJA()
	l.To, l.Ref, l.PolicyRef, l.Contact = "", "", "", ""
	b, err := Letter(l)
	if err != nil {
		t.Fatal(err)
	}
	text := extractText(t, b)
	for _, notWant := range []string{"様\n", "文書番号", "根拠となる方針", "連絡先", "西新宿2-8-1"} {
		if strings.Contains(text, notWant) {
			t.Errorf("letter without the optional parts contains %q", notWant)
		}
	}
}

func TestLetterDeterministic(t *testing.T) {
	a := sameTwice(t, func() ([]byte, error) { return Letter(letterJA()) })
	if !bytes.Contains(a, []byte("/CreationDate(D:20261127000000+09'00')")) {
		t.Errorf("creation date is not the letter's date")
	}
}

func TestLetterInvalid(t *testing.T) {
	wantInvalid(t, letterJA, Letter, []invalid[LetterInput]{
		{"lang", func(l *LetterInput) { l.Lang = "fr" }, `Lang must be "ja" or "en", not "fr"`},
		{"date", func(l *LetterInput) { l.Date = time.Time{} }, "Date is required"},
		{"from", func(l *LetterInput) { l.From = " " }, "From is required"},
		{"title", func(l *LetterInput) { l.Title = "" }, "Title is required"},
		{"body", func(l *LetterInput) { l.Body = "\n" }, "Body is required"},
	})
}

func at(lines []string, i int) string {
	if i < len(lines) {
		return lines[i]
	}
	return ""
}

func BenchmarkLetter(b *testing.B) {
	l := letterJA()
	for b.Loop() {
		if _, err := Letter(l); err != nil {
			b.Fatal(err)
		}
	}
}

// TestLetterCertified: the 内容証明 layout sets the whole letter in lines
// of at most 26 characters and pages of at most 20 lines (the post
// office's rule for horizontal writing), read back by pdftotext, without
// page numbers, losing no character; English is refused.
func TestLetterCertified(t *testing.T) {
	l := letterJA()
	l.Certified = true
	l.FromLines = []string{"東京都千代田区丸の内1-1-1 丸の内ビルディング23階", "代表取締役 山田 一郎"}
	l.Body = strings.Repeat(l.Body+"\n\n記\n（1）2026年4月9日　電話　暴力・暴言、時間的・場所的拘束\nhttps://example.jp/a/very/long/path/that/is/longer/than/a/line\n", 2)
	b := renderPDF(t, "letter-certified.pdf", func() ([]byte, error) { return Letter(l) })
	out := pdftotext(t, b, 0, 0)
	// -layout keeps each drawn line on one line of text (a full-width
	// space in a line becomes a run of spaces, counted as one character
	// below; without -layout poppler splits a line at such a gap).
	in := filepath.Join(t.TempDir(), "certified.pdf")
	if err := os.WriteFile(in, b, 0o600); err != nil {
		t.Fatal(err)
	}
	layout, err := exec.Command("pdftotext", "-layout", "-enc", "UTF-8", in, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	spaces := regexp.MustCompile(`\s+`)
	pages := strings.Split(strings.TrimRight(string(layout), "\f\n"), "\f")
	if len(pages) < 3 {
		t.Fatalf("%d pages, want the long letter on several", len(pages))
	}
	for i, p := range pages {
		var n int
		for _, line := range strings.Split(p, "\n") {
			if strings.TrimSpace(line) == "" {
				continue
			}
			n++
			line = spaces.ReplaceAllString(strings.TrimSpace(line), " ")
			if c := utf8.RuneCountInString(line); c > CertifiedChars {
				t.Errorf("page %d: a line of %d characters: %q", i+1, c, line)
			}
		}
		if n > CertifiedLines || n == 0 {
			t.Errorf("page %d has %d lines, want 1 to %d", i+1, n, CertifiedLines)
		}
		if strings.Contains(p, fmt.Sprintf("%d / %d", i+1, len(pages))) {
			t.Errorf("page %d carries a page number", i+1)
		}
	}
	all := squash(out)
	for _, want := range []string{squash(l.Body), "東京都新宿区西新宿2-8-1山田太郎様", "株式会社かすはら商事", "丸の内ビルディング23階", "【連絡先】", "以上"} {
		if !strings.Contains(all, want) {
			t.Errorf("the certified letter lacks %q", want)
		}
	}
	en := letterEN()
	en.Certified = true
	if _, err := Letter(en); err == nil {
		t.Error("an English letter was laid out for 内容証明")
	}
}

// TestCertifiedWrap: every line is at most 26 characters, whatever it
// holds, and nothing is lost.
func TestCertifiedWrap(t *testing.T) {
	for _, s := range []string{
		strings.Repeat("あ", 60),
		strings.Repeat("漢字、", 30) + "。",
		"（1）2026年4月9日　電話（新宿店）　暴力・暴言、時間的・場所的拘束、過剰・不当な要求",
		"https://sns.example/a/very/long/path/with/no/space/at/all/0123456789",
		"Violence and abusive language; Excessive or unreasonable requests",
	} {
		lines := CertifiedWrap(s)
		for _, l := range lines {
			if utf8.RuneCountInString(l) > CertifiedChars {
				t.Errorf("%q: a line of %d characters: %q", s, utf8.RuneCountInString(l), l)
			}
		}
		if squash(strings.Join(lines, "")) != squash(s) {
			t.Errorf("%q lost characters: %q", s, lines)
		}
	}
}
