package identity

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Email returns the key of an e-mail address and true, or "" and false when s
// is not an address.
//
// The key is the address trimmed, NFKC-normalised (full-width ＠, letters and
// digits become ASCII; the ideographic full stop 。 separates domain labels
// as in IDNA) and case-folded. A leading "mailto:" and a display name around
// <address> are dropped. The local part must be a dot-atom (letters of any
// script allowed, as in RFC 6531); quoted local parts are refused. The domain
// needs at least two labels of letters, digits and inner hyphens, and a top
// label that is not all digits.
//
// The local part is folded although RFC 5321 lets a server treat it
// case-sensitively: no mail provider in use does, and reporters copy
// addresses in whatever case they saw.
//
// No provider-specific rewriting is done: dots are not removed and "+tags"
// are not stripped. Gmail ignores both, but most providers and company
// domains do not: taro.yamada@ and taroyamada@, or taro@ and taro+shop@, may
// be mailboxes of two different people there, and even a rule limited to
// gmail.com would guess wrongly for Google Workspace domains. A wrong match
// attaches another person's history to a customer and can lead to a measure
// against the wrong person; a missed match only leaves a duplicate that the
// desk can still find by phone or name.
func Email(s string) (string, bool) {
	s = strings.TrimSpace(norm.NFKC.String(s))
	if i := strings.LastIndexByte(s, '<'); i >= 0 && strings.HasSuffix(s, ">") {
		s = strings.TrimSpace(s[i+1 : len(s)-1])
	}
	if len(s) >= 7 && strings.EqualFold(s[:7], "mailto:") {
		s = s[7:]
	}
	s = fold(s)
	local, domain, ok := strings.Cut(s, "@")
	if !ok || !validLocal(local) {
		return "", false
	}
	domain = strings.ReplaceAll(domain, "。", ".")
	domain = strings.TrimSuffix(domain, ".")
	if !validDomain(domain) {
		return "", false
	}
	return local + "@" + domain, true
}

// validLocal reports whether l is a dot-atom local part of at most 64 bytes.
func validLocal(l string) bool {
	if l == "" || len(l) > 64 || l[0] == '.' || l[len(l)-1] == '.' || strings.Contains(l, "..") {
		return false
	}
	for _, r := range l {
		switch {
		case r < utf8.RuneSelf && (isASCIIAlnum(r) || strings.ContainsRune(".!#$%&'*+/=?^_`{|}~-", r)):
		case r >= utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)):
		default:
			return false
		}
	}
	return true
}

// validDomain reports whether d is a host name of two or more labels.
func validDomain(d string) bool {
	if len(d) > 253 {
		return false
	}
	labels := strings.Split(d, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, r := range l {
			if !(r == '-' || isASCIIAlnum(r) || r >= utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r))) {
				return false
			}
		}
	}
	top := labels[len(labels)-1]
	return strings.TrimLeft(top, "0123456789") != ""
}

func isASCIIAlnum(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}
