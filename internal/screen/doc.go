// Package screen finds customer-harassment conduct in Japanese and English
// text and explains every label it gives: each span names the lexicon term
// or rule that fired and its byte offsets in the text as sent. It suggests
// categories; a person assesses.
//
// The pipeline is one pass: a normaliser folds the text (NFKC, case, width,
// katakana to hiragana, elongation, repeated characters, gaps between
// Japanese characters) while it feeds an Aho-Corasick automaton compiled
// from the lexicon; a rule layer then applies boundaries, exceptions,
// co-occurrence rules and suppressors (negation, hyperbole, politeness).
// The lexicon is data in lexicon/*.tsv, embedded in the binary. See
// docs/screening.md.
package screen
