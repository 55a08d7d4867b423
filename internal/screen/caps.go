package screen

import "math/bits"

// The one rule that is code rather than data: English shouting in capitals.
// A run of at least capsMinWords words of two or more upper-case letters
// and no lower-case letter in between, with capsMinLetters letters in all,
// is labelled shouting (severity 1). Acronyms (SNS, ID, URL) are too short
// to make a run on their own.
const (
	capsRule       = "en.shouting.caps"
	capsMinWords   = 3
	capsMinLetters = 12
)

var capsLabel = labelKey{"violence_abuse", "shouting"}

// addCaps appends the shouting spans of text to cands.
func (l *lexicon) addCaps(text string, cands []cand) []cand {
	return l.capsSpans(text, cands, true)
}

// capsSpans is addCaps; skip jumps over the text up to the next upper-case
// letter while no run is open (without it, the loop steps over it byte by
// byte: the same spans, slower, which TestAddCaps compares).
func (l *lexicon) capsSpans(text string, cands []cand, skip bool) []cand {
	words, letters := 0, 0
	runStart, runEnd := -1, -1
	flush := func() {
		if words >= capsMinWords && letters >= capsMinLetters {
			cands = append(cands, cand{ord: order(capsLabel), rule: l.capsIdx, severity: 1, start: int32(runStart), end: int32(runEnd)})
		}
		words, letters, runStart, runEnd = 0, 0, -1, -1
	}
	i := 0
	for i < len(text) {
		if skip && runStart < 0 {
			// No run is open: the loop below would only step over
			// everything up to the next upper-case letter.
			j := indexUpper(text[i:])
			if j < 0 {
				break
			}
			i += j
		}
		c := text[i]
		switch {
		case c >= 'A' && c <= 'Z':
			j := i
			for j < len(text) && (text[j] >= 'A' && text[j] <= 'Z' || text[j] == '\'') {
				j++
			}
			if j < len(text) && text[j] >= 'a' && text[j] <= 'z' {
				flush() // a capitalised word ends the run
				for j < len(text) && (text[j] >= 'a' && text[j] <= 'z' || text[j] >= 'A' && text[j] <= 'Z') {
					j++
				}
				i = j
				continue
			}
			if n := j - i; n >= 2 {
				if runStart < 0 {
					runStart = i
				}
				words++
				letters += n
				runEnd = j
			}
			i = j
		case c >= 'a' && c <= 'z':
			flush()
			for i < len(text) && text[i] >= 'a' && text[i] <= 'z' {
				i++
			}
		case c == '\n' || c == '.' || c >= 0x80:
			// A sentence end, or Japanese: the run stops here.
			if c >= 0x80 && runStart < 0 {
				i++
				continue
			}
			flush()
			i++
		default:
			i++
		}
	}
	flush()
	return cands
}

// indexUpper returns the index of the first ASCII upper-case letter in s,
// or -1. It looks at eight bytes at a time.
func indexUpper(s string) int {
	const ones = 0x0101010101010101
	i := 0
	for ; i+8 <= len(s); i += 8 {
		x := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		// The high bit of each byte of t+(0x80-'A') is set when the
		// byte is at least 'A', that of t+(0x80-'Z'-1) when it is past
		// 'Z'; t holds the low seven bits, so no byte carries into the
		// next, and bytes with the high bit set are no letters.
		t := x &^ (0x80 * ones)
		m := (t + (0x80-'A')*ones) &^ (t + (0x80-'Z'-1)*ones) &^ x & (0x80 * ones)
		if m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
	}
	for ; i < len(s); i++ {
		if s[i]-'A' < 26 {
			return i
		}
	}
	return -1
}
