package store

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCleanFilename(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"録音.m4a", "録音.m4a"},
		{"../../etc/録音.m4a", "録音.m4a"},
		{`C:\Users\a\写真.jpg`, "写真.jpg"},
		{"a\x00b\nc\x7f.txt", "abc.txt"},
		// Right-to-left override: shown as "invoice_cod.exe" reversed to
		// look like "invoice_exe.doc".
		{"invoice_\u202Ecod.exe", "invoice_cod.exe"},
		{"\u202A\u202B\u202C\u202D\u202Ea.png", "a.png"},
		{"\u2066\u2067\u2068\u2069b.png", "b.png"},
		{"\u200Ec\u200F.png", "c.png"},
		{"\u061Cd.png", "d.png"},
		{"e\u0085f.png", "ef.png"}, // a C1 control (next line)
		{"\u202E", "evidence"},
		{"  ", "evidence"},
		{"", "evidence"},
		{strings.Repeat("あ", 250), strings.Repeat("あ", 200)},
	} {
		if got := cleanFilename(tt.in); got != tt.want {
			t.Errorf("cleanFilename(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// FuzzCleanFilename checks what a stored file name never holds, whatever a
// multipart upload sends: a path, a control or bidirectional formatting
// character, invalid UTF-8, more than 200 characters, or nothing; and that
// cleaning a clean name changes nothing.
func FuzzCleanFilename(f *testing.F) {
	for _, s := range []string{"録音.m4a", "../../etc/passwd", `..\..\boot.ini`, "invoice_\u202Ecod.exe",
		"\u2066x\u2069", "a\x00b", "\xff\xfe.png", strings.Repeat("長", 201), " ", "\u200F"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got := cleanFilename(in)
		if got == "" || strings.TrimSpace(got) == "" {
			t.Fatalf("cleanFilename(%q) is empty", in)
		}
		if strings.ContainsAny(got, `/\`) {
			t.Fatalf("cleanFilename(%q) = %q keeps a path", in, got)
		}
		if !utf8.ValidString(got) {
			t.Fatalf("cleanFilename(%q) = %q is not UTF-8", in, got)
		}
		if utf8.RuneCountInString(got) > 200 {
			t.Fatalf("cleanFilename(%q) has %d characters", in, utf8.RuneCountInString(got))
		}
		for _, r := range got {
			if hiddenInName(r) {
				t.Fatalf("cleanFilename(%q) = %q keeps %U", in, got, r)
			}
		}
		if again := cleanFilename(got); again != got {
			t.Fatalf("cleanFilename is not idempotent: %q → %q → %q", in, got, again)
		}
	})
}
