package document

import "strings"

// csvCell returns v as a CSV cell that a spreadsheet reads as text, after
// OWASP's rule against formula injection: a cell that starts with = + - @,
// TAB or CR gets a leading ' (Excel and LibreOffice hide it and show the
// text). A plain number such as -12 or +3.5 is left alone: it cannot be a
// formula, and it must stay a number.
func csvCell(v string) string {
	if v == "" || !strings.ContainsRune("=+-@\t\r", rune(v[0])) || plainNumber(v) {
		return v
	}
	return "'" + v
}

// plainNumber reports whether v is an optional sign, digits and at most one
// decimal point with digits after it.
func plainNumber(v string) bool {
	if v != "" && (v[0] == '+' || v[0] == '-') {
		v = v[1:]
	}
	intPart, frac, hasPoint := strings.Cut(v, ".")
	return allDigits(intPart) && (!hasPoint || allDigits(frac))
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
