package kasuhara

import "testing"

func TestNormalizeCaseRef(t *testing.T) {
	for in, want := range map[string]string{
		"K-2026-00031": "K-2026-00031", "k-2026-00031": "K-2026-00031", "K202600031": "K-2026-00031",
		"2026-00031": "K-2026-00031", "202600031": "K-2026-00031", "2026-31": "K-2026-00031",
		"Ｋ－２０２６－００３１": "K-2026-00031", "２０２６００１２３": "K-2026-00123", " K-2026-12345 ": "K-2026-12345",
	} {
		if got, ok := NormalizeCaseRef(in); !ok || got != want {
			t.Errorf("NormalizeCaseRef(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "K", "2026", "K-2026-00000", "K-2026-123456", "山田", "K-20a6-00031", "0190f3c2-aaaa-7bbb-8ccc-0123456789ab"} {
		if got, ok := NormalizeCaseRef(in); ok {
			t.Errorf("NormalizeCaseRef(%q) = %q, want no case number", in, got)
		}
	}
}
