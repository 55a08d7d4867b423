package web

import "testing"

// Sign-in returns only to a path on this site.
func TestNextPath(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"/cases/01a2?tab=notes", "/cases/01a2?tab=notes"},
		{"/reports", "/reports"},
		{"", "/"},
		{"https://evil.example/cases", "/"},
		{"//evil.example/cases", "/"},
		{"/\\evil.example", "/"},
		{"javascript:alert(1)", "/"},
		{"cases/1", "/"},
		{"/login?next=/cases/1", "/"},
		{"/logout", "/"},
		// What a browser reads as another site: a tab or newline it
		// drops, a backslash it reads as a slash, an encoded slash.
		{"/\t/evil.example", "/"},
		{"/\n/evil.example", "/"},
		{"\\evil.example", "/"},
		{"/%2F%2Fevil.example", "/%2F%2Fevil.example"},
		{"/%5Cevil.example", "/%5Cevil.example"},
		{" //evil.example", "/"},
		{"http:/evil.example", "/"},
	} {
		if got := nextPath(tt.in); got != tt.want {
			t.Errorf("nextPath(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
