// Package testpdf reads the text of a PDF in tests, with poppler's
// pdftotext, as a person's PDF reader extracts it: what a test of a
// letter, a summary or a report wants to find in it.
//
// Without pdftotext a test leaves the text unchecked — unless
// KASUHARA_REQUIRE_PDFTOTEXT=1 (set by .ci/run) makes that a failure.
package testpdf

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Text returns the text of pdf as pdftotext extracts it with args (such as
// "-layout", or "-f", "2", "-l", "2" for the second page) and true; "" and
// false when pdftotext is not installed.
func Text(t testing.TB, pdf []byte, args ...string) (string, bool) {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("KASUHARA_REQUIRE_PDFTOTEXT") == "1" {
			t.Fatal("pdftotext is required (KASUHARA_REQUIRE_PDFTOTEXT=1): apt-get install poppler-utils")
		}
		t.Log("pdftotext not installed (apt-get install poppler-utils): the PDF's text is not checked")
		return "", false
	}
	in := filepath.Join(t.TempDir(), "in.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, append(args, in, "-")...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, stderr.String())
	}
	return string(out), true
}

// Squash removes all white space, so that text compares whatever its
// line breaks and layout.
func Squash(s string) string { return strings.Join(strings.Fields(s), "") }
