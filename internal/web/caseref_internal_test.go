package web

import "testing"

func TestParseCaseRef(t *testing.T) {
	for in, want := range map[string]string{
		"K-2026-00031": "K-2026-00031", "k-2026-00031": "K-2026-00031", " K-2026-00031 ": "K-2026-00031",
		"2026-00031": "K-2026-00031", "202600031": "K-2026-00031", "２０２６−００３１": "K-2026-00031",
		"Ｋ－２０２６－００３１": "K-2026-00031", "2026ー31": "K-2026-00031",
		"K2026-00031": "K-2026-00031", "2026 31": "K-2026-00031", "2026-123456": "K-2026-123456",
		"2026-00031 ": "K-2026-00031", "K-2027-00001": "K-2027-00001",
	} {
		if got, ok := parseCaseRef(in); !ok || got != want {
			t.Errorf("parseCaseRef(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	// Words, amounts, phone numbers and dates are searched as text.
	for _, in := range []string{"", "土下座", "2026", "31", "2026-", "2026-00000", "1999-00031", "20260003", "09012345678",
		"2026-1234567", "２０２６００３１", "K-2026-0003a", "2026-06-01", "店長 2026-00031", "Kasuhara"} {
		if got, ok := parseCaseRef(in); ok {
			t.Errorf("parseCaseRef(%q) = %q, want no case number", in, got)
		}
	}
}
