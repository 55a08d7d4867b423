package document

import (
	"strings"
	"testing"
	"time"
)

// The receipt file names the organisation, the receipt and where to follow
// up, in the reader's language, and the moment it was saved in Japan's
// time (15:10 UTC is 00:10 the next day in Japan).
func TestReceiptText(t *testing.T) {
	now := time.Date(2026, 12, 5, 15, 10, 0, 0, time.UTC)
	for lang, want := range map[string][]string{
		"ja": {"受付番号：ABCD-EFGH-JKLM-NPQR-STUV-WXYZ", "報告先：Acme 株式会社", "https://k.example/o/acme/status", "2026年12月6日 00:10"},
		"en": {"Receipt: ABCD-EFGH-JKLM-NPQR-STUV-WXYZ", "Reported to: Acme 株式会社", "https://k.example/o/acme/status", "6 Dec 2026 00:10"},
	} {
		f := ReceiptText(locale(t, lang), "Acme 株式会社", "ABCD-EFGH-JKLM-NPQR-STUV-WXYZ", "https://k.example/o/acme/status", now)
		text := string(f.Data)
		for _, w := range want {
			if !strings.Contains(text, w) {
				t.Errorf("%s: the receipt file lacks %q:\n%s", lang, w, text)
			}
		}
		if strings.Contains(text, "12月5日") || strings.Contains(text, "5 Dec") {
			t.Errorf("%s: the receipt file prints the day in UTC:\n%s", lang, text)
		}
		if f.Type != TypeText || !strings.HasSuffix(f.Name, ".txt") || !strings.HasPrefix(text, "\ufeff") || strings.Contains(text, "{{") {
			t.Errorf("%s: receipt file %q %q %q", lang, f.Name, f.Type, text)
		}
	}
}

// The receipt as a PDF holds the same facts, the time in Japan's time.
func TestReceiptPDF(t *testing.T) {
	now := time.Date(2026, 12, 5, 15, 10, 0, 0, time.UTC)
	f, err := ReceiptPDF(locale(t, "ja"), "Acme 株式会社", "ABCD-EFGH-JKLM-NPQR-STUV-WXYZ", "https://k.example/o/acme/status", now)
	if err != nil {
		t.Fatal(err)
	}
	if f.Type != TypePDF || !strings.HasPrefix(string(f.Data), "%PDF") {
		t.Fatalf("receipt PDF %q %q", f.Name, f.Type)
	}
	text := pdfText(t, f.Data)
	for _, w := range []string{"ABCD-EFGH-JKLM-NPQR-STUV-WXYZ", "Acme", "2026年12月6日00:10"} {
		if !strings.Contains(text, w) {
			t.Errorf("the receipt PDF lacks %q:\n%s", w, text)
		}
	}
}
