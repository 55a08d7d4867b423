package identity

import (
	"strings"

	"golang.org/x/text/cases"
)

// fold case-folds s, one character at a time, so that folding its result
// again changes nothing. golang.org/x/text's Fold swaps some pairs instead
// of folding both to one (the Cherokee Ᏸ U+13F0 becomes ᏸ U+13F8 and ᏸ
// becomes Ᏸ), which would give one name two keys; of such a pair the
// smaller string is kept. Case folding has no context, so folding character
// by character equals folding the whole.
func fold(s string) string {
	f := cases.Fold()
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		once := f.String(string(r))
		if twice := f.String(once); twice != once && twice < once {
			once = twice
		}
		b.WriteString(once)
	}
	return b.String()
}
