package screen

import (
	"math/bits"
	"strings"
)

// The one rule that is code rather than data: English shouting in capitals.
// A run of at least capsMinWords words of two or more upper-case letters
// and no lower-case letter in between, with capsMinLetters letters in all,
// is labelled shouting (severity 1).
//
// Capitals that nobody shouts do not count: the text is read in tokens
// (runs of ASCII between spaces and other characters), and a token that
// is a mention or a hashtag (@KENJI, #SALE), or holds a digit or one of
// @ / _ . = & + inside it (an URL, an e-mail address, a product code such
// as BX-9900-RED or ERR_CONN_RESET) ends the run without counting. A word
// of two or three capitals that is not a common English word (capsShort)
// is an acronym (SNS, CRM, ETA) and does not count either. After an
// e-mail header's name (From:, To:, Cc:, Subject:, Re:, Fwd:…) nothing
// counts up to the end of its line or sentence: a pasted subject line in
// capitals is not shouting at anyone.
const (
	capsRule       = "en.shouting.caps"
	capsMinWords   = 3
	capsMinLetters = 12
)

var capsLabel = labelKey{"violence_abuse", "shouting"}

// capsShort are the English words of two or three letters that count as
// words in a run of capitals; other words that short are acronyms.
var capsShort = map[string]bool{}

// capsHeaders are the names of e-mail headers, upper-cased, as written
// before their colon.
var capsHeaders = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`AM AN AS AT BE BY DO GO HE IF IN IS IT ME MY NO OF OH OK ON OR SO TO UP US WE
		ALL AND ANY ARE ASK ASS BAD BIG BUT CAN DAY DID DIE END FAT FOR GET GOT HAD HAS HER HEY HIM HIS HOW
		I'D I'M ITS LET LIE MAD MAN MAY MEN NEW NOT NOW OFF OLD ONE OUR OUT OWN PAY PUT RUN SAD SAY SEE SHE
		SUE THE TOO TRY TWO WAS WAY WHO WHY YES YET YOU`) {
		capsShort[w] = true
	}
	for _, w := range strings.Fields("FROM TO CC BCC SUBJECT RE FW FWD DATE SENT REPLY-TO REF") {
		capsHeaders[w] = true
	}
}

// addCaps appends the shouting spans of text to cands.
func (l *lexicon) addCaps(text string, cands []cand) []cand {
	return l.capsSpans(text, cands, true)
}

// capsToken is what one token of ASCII is for the shouting rule.
type capsToken int

const (
	capsOther   capsToken = iota // no upper-case word: lower case, punctuation
	capsLower                    // holds a lower-case letter: ends a run
	capsWord                     // a word in capitals: counts
	capsAcronym                  // two or three capitals, not a common word: neither counts nor ends a run
	capsCode                     // a mention, hashtag, URL, address or code: ends a run
	capsHeader                   // an e-mail header's name and its colon
)

// isCapsSep reports whether c separates tokens: a space, a control
// character or a byte of a non-ASCII character.
func isCapsSep(c byte) bool { return c <= ' ' || c >= 0x80 }

// classifyCaps says what the token tok is, and where its word lies
// within it (for a capsWord).
func classifyCaps(tok string) (kind capsToken, start, end int) {
	if tok[0] == '@' || tok[0] == '#' {
		return capsCode, 0, 0
	}
	start, end = 0, len(tok)
	for start < end && !isAlnum(tok[start]) {
		start++
	}
	colon := false
	for end > start && !isAlnum(tok[end-1]) {
		colon = colon || tok[end-1] == ':'
		end--
	}
	if start == end {
		return capsOther, 0, 0
	}
	core := tok[start:end]
	upper, lower := 0, false
	for i := 0; i < len(core); i++ {
		c := core[i]
		switch {
		case c >= 'A' && c <= 'Z':
			upper++
		case c >= 'a' && c <= 'z':
			lower = true
		case c == '\'' || c == '-':
		default: // a digit, @ / _ . = & + …
			return capsCode, 0, 0
		}
	}
	if colon && upper > 0 && core[0] >= 'A' && core[0] <= 'Z' {
		if u := strings.ToUpper(core); capsHeaders[u] || strings.HasPrefix(u, "X-") {
			return capsHeader, 0, 0
		}
	}
	switch {
	case lower:
		return capsLower, 0, 0
	case upper < 2:
		return capsOther, 0, 0
	case upper <= 3 && !capsShort[core]:
		return capsAcronym, 0, 0
	}
	return capsWord, start, end
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// capsSpans is addCaps; skip jumps over the text up to the next upper-case
// letter while no run is open and no header is being read (without it,
// the loop steps over every token: the same spans, slower, which
// TestAddCaps compares).
func (l *lexicon) capsSpans(text string, cands []cand, skip bool) []cand {
	words, letters := 0, 0
	runStart, runEnd := -1, -1
	header := false
	flush := func() {
		if words >= capsMinWords && letters >= capsMinLetters {
			cands = append(cands, cand{ord: order(capsLabel), rule: l.capsIdx, severity: 1, start: int32(runStart), end: int32(runEnd)})
		}
		words, letters, runStart, runEnd = 0, 0, -1, -1
	}
	i := 0
	for i < len(text) {
		if skip && runStart < 0 && !header {
			// No run is open and no header read: the loop below would
			// only step over tokens without capitals up to the next
			// upper-case letter. Start at the token that holds it.
			j := indexUpper(text[i:])
			if j < 0 {
				break
			}
			j += i
			for j > i && !isCapsSep(text[j-1]) {
				j--
			}
			i = j
		}
		c := text[i]
		if isCapsSep(c) {
			switch {
			case c == '\n':
				flush()
				header = false
			case c >= 0x80:
				// Japanese, or another script: the run stops here.
				flush()
			}
			i++
			continue
		}
		j := i
		for j < len(text) && !isCapsSep(text[j]) {
			j++
		}
		tok := text[i:j]
		kind, ws, we := classifyCaps(tok)
		switch kind {
		case capsWord:
			if !header {
				if runStart < 0 {
					runStart = i + ws
				}
				words++
				letters += we - ws
				runEnd = i + we
			}
		case capsLower, capsCode:
			flush()
		case capsHeader:
			flush()
			header = true
		}
		if k := tok[len(tok)-1]; k == '.' || k == '!' || k == '?' {
			// A sentence ends: so does a run, and a header.
			if k == '.' {
				flush()
			}
			header = false
		}
		i = j
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
