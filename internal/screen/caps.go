package screen

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
