package web

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// refDashes are what people type between the parts of a case number: the
// hyphen and its look-alikes (minus sign, dashes, the long vowel mark of a
// Japanese IME), a slash, a space.
const refDashes = "-‐‑‒–—―−ー－_/ 　"

// parseCaseRef reads a case number as a person types it into the queue's
// search — K-2026-00031, 2026-00031, 202600031, ２０２６−００３１ (full
// width, any dash) — and returns it as the product writes it
// (K-2026-00031). ok is false for anything else, which is searched as
// text.
func parseCaseRef(s string) (ref string, ok bool) {
	s = strings.TrimSpace(norm.NFKC.String(strings.TrimSpace(s)))
	if len(s) > 0 && (s[0] == 'K' || s[0] == 'k') {
		s = strings.TrimLeft(s[1:], refDashes)
	}
	var year, seq string
	if i := strings.IndexFunc(s, func(r rune) bool { return strings.ContainsRune(refDashes, r) }); i >= 0 {
		year, seq = s[:i], strings.TrimLeft(s[i:], refDashes)
	} else if len(s) == 9 || len(s) == 10 {
		year, seq = s[:4], s[4:]
	}
	if len(year) != 4 || !digits(year) || year < "2000" || year > "2199" || seq == "" || len(seq) > 6 || !digits(seq) {
		return "", false
	}
	seq = strings.TrimLeft(seq, "0")
	if seq == "" {
		return "", false
	}
	for len(seq) < 5 {
		seq = "0" + seq
	}
	return "K-" + year + "-" + seq, true
}

func digits(s string) bool {
	for _, r := range s {
		if r > unicode.MaxASCII || !unicode.IsDigit(r) {
			return false
		}
	}
	return s != ""
}
