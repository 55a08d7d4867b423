package pdf

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// unitWidth gives every character the width 1, so widths count characters.
func unitWidth(rune) float64 { return 1 }

func TestWrapText(t *testing.T) {
	tests := []struct {
		name  string
		text  string
		width float64
		want  []string
	}{
		{"fits", "お客様へ", 10, []string{"お客様へ"}},
		{"japanese anywhere", "あいうえおかきくけこ", 4, []string{"あいうえ", "おかきく", "けこ"}},
		{"、 never starts a line", "あいうえお、かきく", 5, []string{"あいうえ", "お、かきく"}},
		{"。 never starts a line", "あいうえお。かきく", 5, []string{"あいうえ", "お。かきく"}},
		{"」 and ） never start a line", "あいう「えお」かきく（け）", 5, []string{"あいう「え", "お」かきく", "（け）"}},
		{"「 never ends a line", "あいうえ「かき」", 5, []string{"あいうえ", "「かき」"}},
		{"（ never ends a line", "あいうえ（かき）", 5, []string{"あいうえ", "（かき）"}},
		{"small kana and ー never start a line", "あいうえっかー", 4, []string{"あいう", "えっかー"}},
		{"english at spaces", "hello world foo", 11, []string{"hello world", "foo"}},
		{"english narrower", "hello world foo", 10, []string{"hello", "world foo"}},
		{"spaces at a break dropped", "aaa    bbb", 5, []string{"aaa", "bbb"}},
		{"english word kept whole next to japanese", "PDFを作成する", 5, []string{"PDFを作", "成する"}},
		{"long hex broken anywhere", "0123456789abcdef", 5, []string{"01234", "56789", "abcde", "f"}},
		{"long word after text", "sha: 0123456789", 6, []string{"sha:", "012345", "6789"}},
		{"explicit newlines and blank lines", "a\n\nb\r\nc", 10, []string{"a", "", "b", "c"}},
		{"empty", "", 10, []string{""}},
		{"tab is a space", "a\tb", 10, []string{"a b"}},
		{"control characters dropped", "a\x00b\x1b", 10, []string{"ab"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := wrapText(tt.text, tt.width, unitWidth)
			if !slices.Equal(got, tt.want) {
				t.Errorf("wrapText(%q, %v) = %q, want %q", tt.text, tt.width, got, tt.want)
			}
		})
	}
}

// At every width, no line starts with closing punctuation or ends with an
// opening bracket, no line is too wide unless it is one unbreakable
// character run, and no character is lost.
func TestWrapTextKinsokuAtEveryWidth(t *testing.T) {
	text := "お客様から「責任者を出せ。土下座しろ」と、長時間（約2時間）にわたり大声で要求されました。" +
		"当社は、従業員の安全を守るため、「カスタマーハラスメントに対する基本方針」に基づき、" +
		"今後このような行為があった場合には、対応をお断りします。ご理解ください…。"
	for width := 3.0; width <= 40; width++ {
		lines := wrapText(text, width, unitWidth)
		if got := strings.Join(lines, ""); got != text {
			t.Fatalf("width %v: characters lost or added:\n got %q\nwant %q", width, got, text)
		}
		for i, line := range lines {
			first, _ := utf8.DecodeRuneInString(line)
			last, _ := utf8.DecodeLastRuneInString(line)
			if i > 0 && noLineStart[first] {
				t.Errorf("width %v: line %d starts with %q: %q", width, i+1, first, line)
			}
			if i < len(lines)-1 && noLineEnd[last] {
				t.Errorf("width %v: line %d ends with %q: %q", width, i+1, last, line)
			}
			if n := utf8.RuneCountInString(line); float64(n) > width {
				t.Errorf("width %v: line %d has %d characters: %q", width, i+1, n, line)
			}
		}
	}
}

func TestWrapTextEnglishKeepsWords(t *testing.T) {
	text := "We ask you to stop contacting our employees outside business hours. Further demands will be refused."
	for width := 12.0; width <= 60; width++ {
		lines := wrapText(text, width, unitWidth)
		if got := strings.Join(lines, " "); got != text {
			t.Fatalf("width %v: got %q", width, got)
		}
		for _, line := range lines {
			if float64(len(line)) > width {
				t.Errorf("width %v: line too long: %q", width, line)
			}
		}
	}
}

// The real font's widths: a SHA-256 hash in a table cell wraps inside the
// cell and keeps all 64 digits.
func TestWrapHashWithFont(t *testing.T) {
	d := newTestDoc(t)
	hash := strings.Repeat("0123456789abcdef", 4)
	cell := 40 * mm
	lines := d.wrap(hash, sizeTable, cell)
	if len(lines) < 2 {
		t.Fatalf("a 64-digit hash fits in %v pt at %v pt? lines %q", cell, sizeTable, lines)
	}
	if got := strings.Join(lines, ""); got != hash {
		t.Errorf("joined lines = %q, want %q", got, hash)
	}
	for _, line := range lines {
		if w := d.textWidth(line, sizeTable); w > cell+0.001 {
			t.Errorf("line %q is %v pt wide, cell %v pt", line, w, cell)
		}
	}
}
