package pdf

import (
	"strings"
	"unicode"
)

// noLineStart holds the characters that must not begin a line (gyōtō kinsoku):
// closing brackets and quotes, Japanese and Western punctuation, iteration
// marks, the long-vowel mark and small kana.
var noLineStart = makeSet("、。，．,.・：；:;？！?!゛゜ヽヾゝゞ々〻ー‐゠–〜～…‥" +
	"）」』】〕〉》］｝〙〗〟’”)]}»" +
	"ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿ" +
	"%％‰℃°′″")

// noLineEnd holds the characters that must not end a line (gyōmatsu kinsoku):
// opening brackets and quotes.
var noLineEnd = makeSet("（「『【〔〈《［｛〘〖〝‘“([{«")

func makeSet(s string) map[rune]bool {
	m := make(map[rune]bool)
	for _, r := range s {
		m[r] = true
	}
	return m
}

// isWide reports whether r belongs to a script written without spaces
// (kanji, kana, Hangul, full-width forms and CJK punctuation), so that a
// line may break before or after it.
func isWide(r rune) bool {
	switch {
	case r >= 0x2E80 && r <= 0x9FFF, // radicals, CJK symbols, kana, CJK ideographs
		r >= 0xAC00 && r <= 0xD7AF,   // Hangul syllables
		r >= 0xF900 && r <= 0xFAFF,   // CJK compatibility ideographs
		r >= 0xFE30 && r <= 0xFE4F,   // CJK compatibility forms
		r >= 0xFF00 && r <= 0xFFEF,   // half- and full-width forms
		r >= 0x20000 && r <= 0x3FFFF: // CJK extensions
		return true
	}
	return false
}

// canBreakBetween reports whether a line may end after a and the next begin
// with b. Spaces are break opportunities; between two Latin characters there
// is none; next to a Japanese character there is one unless kinsoku forbids it.
func canBreakBetween(a, b rune) bool {
	if noLineStart[b] || noLineEnd[a] {
		return false
	}
	if a == ' ' {
		return b != ' '
	}
	if b == ' ' {
		return false // spaces stay at the end of the line they follow
	}
	return isWide(a) || isWide(b)
}

// wrapText breaks text into lines no wider than width, measured with
// runeWidth (same unit as width). Each explicit newline starts a new line
// and an empty input line is kept as an empty line. Spaces at a break are
// dropped. A word wider than a whole line, such as a SHA-256 hash or a URL,
// is broken between any two characters.
func wrapText(text string, width float64, runeWidth func(rune) float64) []string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")
	var lines []string
	for _, para := range strings.Split(text, "\n") {
		lines = append(lines, wrapLine(cleanLine(para), width, runeWidth)...)
	}
	return lines
}

// cleanLine turns tabs into spaces and drops other control characters,
// which the font cannot show.
func cleanLine(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t':
			return ' '
		case unicode.IsControl(r):
			return -1
		}
		return r
	}, s)
}

// wrapLine wraps one line without newlines; it returns at least one line.
func wrapLine(s string, width float64, runeWidth func(rune) float64) []string {
	runes := []rune(s)
	if len(runes) == 0 {
		return []string{""}
	}
	// Cut the line into segments between which a break is allowed.
	var segs [][]rune
	start := 0
	for i := 1; i < len(runes); i++ {
		if canBreakBetween(runes[i-1], runes[i]) {
			segs = append(segs, runes[start:i])
			start = i
		}
	}
	segs = append(segs, runes[start:])

	var lines []string
	var cur []rune
	var curW float64 // width of cur, trailing spaces included
	flush := func() {
		lines = append(lines, strings.TrimRight(string(cur), " "))
		cur, curW = nil, 0
	}
	for _, seg := range segs {
		if len(cur) == 0 {
			seg = trimLeftSpaces(seg)
			if len(seg) == 0 {
				continue
			}
		}
		body, full := segWidth(seg, runeWidth)
		if len(cur) > 0 && curW+body > width {
			flush()
			seg = trimLeftSpaces(seg)
			body, full = segWidth(seg, runeWidth)
		}
		if len(cur) == 0 && body > width {
			// A segment wider than a line: break it between any characters.
			for _, r := range seg {
				w := runeWidth(r)
				if len(cur) > 0 && r != ' ' && curW+w > width {
					flush()
				}
				if len(cur) == 0 && r == ' ' {
					continue
				}
				cur = append(cur, r)
				curW += w
			}
			continue
		}
		cur = append(cur, seg...)
		curW += full
	}
	if len(cur) > 0 || len(lines) == 0 {
		flush()
	}
	return lines
}

// segWidth returns the width of seg without its trailing spaces and with them.
func segWidth(seg []rune, runeWidth func(rune) float64) (body, full float64) {
	trailing := true
	for i := len(seg) - 1; i >= 0; i-- {
		w := runeWidth(seg[i])
		full += w
		if trailing && seg[i] == ' ' {
			continue
		}
		trailing = false
		body += w
	}
	return body, full
}

func trimLeftSpaces(seg []rune) []rune {
	for len(seg) > 0 && seg[0] == ' ' {
		seg = seg[1:]
	}
	return seg
}
