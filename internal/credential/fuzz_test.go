package credential

import (
	"strings"
	"testing"
)

// FuzzParseReceipt checks how a typed receipt is read: what is accepted is
// 8 + 16 characters of the receipt alphabet, and reading it again (as
// shown, in groups, or run together) gives the same parts.
func FuzzParseReceipt(f *testing.F) {
	_, _, display := NewReceipt()
	for _, s := range []string{display, strings.ToLower(display), strings.ReplaceAll(display, "-", " "),
		"ＡＢＣＤ－ＥＦＧＨ－ＪＫＬＭ－ＮＰＱＲ－ＳＴＵＶ－ＷＸＹＺ", "ABCD-EFGH-JKLM-NPQR-STUV-WXY", "ABCD-EFGH-JKLM-NPQR-STUV-WXY0",
		"abcd efgh jklm npqr stuv wxyz", "ABCDーEFGHーJKLMーNPQRーSTUVーWXYZ", "", "\xff", "Ａ\u0300"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		lookup, secret, ok := ParseReceipt(in)
		if !ok {
			if lookup != "" || secret != "" {
				t.Fatalf("ParseReceipt(%q) = %q, %q, false", in, lookup, secret)
			}
			return
		}
		if len(lookup) != receiptLookupLen || len(secret) != receiptSecretLen ||
			strings.Trim(lookup+secret, receiptAlphabet) != "" {
			t.Fatalf("ParseReceipt(%q) = %q, %q", in, lookup, secret)
		}
		for _, again := range []string{groupReceipt(lookup + secret), lookup + secret, strings.ToLower(lookup + secret)} {
			l, s, ok := ParseReceipt(again)
			if !ok || l != lookup || s != secret {
				t.Fatalf("ParseReceipt(%q) = %q, %q but ParseReceipt(%q) = %q, %q, %v", in, lookup, secret, again, l, s, ok)
			}
		}
	})
}
