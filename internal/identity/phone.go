package identity

import (
	"strings"

	"github.com/nyaruka/phonenumbers"
	"golang.org/x/text/unicode/norm"
)

// defaultRegion is where a number without a country code is dialled from.
const defaultRegion = "JP"

// Phone returns the E.164 form of a phone number (+819012345678) and true,
// or "" and false when s is not a valid number.
//
// It accepts Japanese domestic forms (090-1234-5678, 090 1234 5678,
// (03) 1234-5678, 0120-123-456), international ones (+81 90 1234 5678,
// +81 (0)90-1234-5678, 010-1-650-253-0000 dialled from Japan), full-width
// digits and hyphens (０９０－１２３４－５６７８), the long-vowel mark that a
// Japanese input method types for a hyphen (090ー1234ー5678), and a leading
// "tel:", "TEL." or "TEL ". Numbers of other countries must carry their country code and keep
// it. A number is valid when it has the length and prefix of an assigned
// range in libphonenumber's metadata; too short or too long numbers are not.
//
// Letters make a number invalid, although libphonenumber would read
// 0120-ABC-DEF as a vanity number: a reporter who typed letters did not copy
// a caller id, and an extension (内線, ext.) would make one switchboard look
// like many customers.
func Phone(s string) (string, bool) {
	s = strings.TrimSpace(norm.NFKC.String(s))
	if len(s) >= 3 && strings.EqualFold(s[:3], "tel") {
		// tel:, TEL., TEL as on business cards and web pages.
		s = strings.TrimLeft(s[3:], ":. ")
	}
	clean, ok := phoneChars(s)
	if !ok {
		return "", false
	}
	n, err := phonenumbers.Parse(clean, defaultRegion)
	if err != nil || !phonenumbers.IsValidNumber(n) {
		return "", false
	}
	return phonenumbers.Format(n, phonenumbers.E164), true
}

// phoneChars keeps the digits of s and a leading plus, with separators
// turned into spaces. It fails on any other character and on a plus that
// does not come before the first digit.
func phoneChars(s string) (string, bool) {
	var b strings.Builder
	digits := 0
	plus := false
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
			digits++
		case r == '+':
			if plus || digits > 0 {
				return "", false
			}
			plus = true
			b.WriteRune(r)
		case isPhoneSeparator(r):
			b.WriteByte(' ')
		default:
			return "", false
		}
	}
	return b.String(), digits > 0
}

// isPhoneSeparator reports whether r may stand between the digits of a
// phone number. Full-width forms are already folded by NFKC.
func isPhoneSeparator(r rune) bool {
	switch r {
	case ' ', '\t', '-', '.', '(', ')', '/',
		'\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '\u2015', // hyphens and dashes
		'\u2212', // minus sign
		'\u30fc': // ー, typed for a hyphen in kana mode
		return true
	}
	return false
}
