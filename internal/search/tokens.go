// Package search turns Japanese and English text into search tokens.
//
// Japanese has no spaces between words, and SQLite's trigram tokenizer finds
// nothing for two-character words such as 暴言, so text is indexed as
// character bigrams of every run of Japanese (or other CJK) characters and
// as whole lower-cased words of every run of Latin letters and digits. The
// database then only matches space-separated tokens: FTS5 with the
// unicode61 tokenizer on SQLite, tsvector('simple') on PostgreSQL.
package search

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
	"golang.org/x/text/width"
)

// Tokens returns the distinct index tokens of text, space-separated.
func Tokens(text string) string {
	return strings.Join(tokens(text, true), " ")
}

// QueryTokens returns the tokens a query must all match. A single Japanese
// character becomes a one-character token, which matches nothing in the
// index (bigrams only); callers should ask for two characters or more.
func QueryTokens(q string) []string {
	return tokens(q, true)
}

func isCJK(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana) || r == 'ー' || r == '々'
}

func tokens(text string, dedupe bool) []string {
	// NFKC folds full-width Latin and half-width katakana; width folding
	// catches what NFKC leaves.
	text = width.Fold.String(norm.NFKC.String(text))
	text = strings.ToLower(text)
	var out []string
	seen := map[string]bool{}
	add := func(t string) {
		if t == "" || (dedupe && seen[t]) {
			return
		}
		seen[t] = true
		out = append(out, t)
	}
	var run []rune  // current CJK run
	var word []rune // current Latin/digit run
	flushRun := func() {
		switch {
		case len(run) == 1:
			add(string(run))
		case len(run) > 1:
			for i := 0; i+1 < len(run); i++ {
				add(string(run[i : i+2]))
			}
		}
		run = run[:0]
	}
	flushWord := func() {
		if len(word) > 0 {
			add(string(word))
		}
		word = word[:0]
	}
	for _, r := range text {
		switch {
		case isCJK(r):
			flushWord()
			run = append(run, r)
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			flushRun()
			word = append(word, r)
		default:
			flushRun()
			flushWord()
		}
	}
	flushRun()
	flushWord()
	return out
}
