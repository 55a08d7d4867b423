package store

import (
	"strings"
	"testing"
	"time"
)

// TestReadStoredTime: the hand parser reads what the SQLite driver writes
// (_time_format=sqlite) exactly, in any zone and at any precision, and the
// other layouts the driver reads; what is no time is an error, never a
// zero time taken for a value.
func TestReadStoredTime(t *testing.T) {
	jst := time.FixedZone("JST", 9*3600)
	ny := time.FixedZone("", -(4*3600 + 30*60))
	for _, want := range []time.Time{
		time.Date(2026, 12, 6, 13, 46, 37, 277934289, time.UTC),
		time.Date(2026, 12, 6, 13, 46, 37, 0, time.UTC),
		time.Date(2026, 12, 6, 13, 46, 37, 6102000, time.UTC),
		time.Date(2024, 2, 29, 23, 59, 59, 999999999, jst),
		time.Date(1999, 12, 31, 0, 0, 0, 500, ny),
		{},
	} {
		s := want.Format("2006-01-02 15:04:05.999999999-07:00")
		got, err := readStoredTime(s)
		if err != nil || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("%q: got %v, %v; want %v in UTC", s, got, err, want)
		}
		if _, ok := parseStoredTime(s); !ok {
			t.Errorf("%q was not read by the fast path", s)
		}
	}
	for s, want := range map[string]time.Time{
		"2026-12-06T13:46:37.5+09:00": time.Date(2026, 12, 6, 4, 46, 37, 500000000, time.UTC),
		"2026-12-06 13:46:37":         time.Date(2026, 12, 6, 13, 46, 37, 0, time.UTC),
		"2026-12-06 13:46:37Z":        time.Date(2026, 12, 6, 13, 46, 37, 0, time.UTC),
		"2026-12-06":                  time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC),
	} {
		if got, err := readStoredTime(s); err != nil || !got.Equal(want) {
			t.Errorf("%q: got %v, %v; want %v", s, got, err, want)
		}
	}
	for _, s := range []string{"", "yesterday", "2026-02-31 10:00:00+00:00", "2026-12-06 25:00:00+00:00", "2026-12-06 13:46:37.+00:00", "2026-12-06 13:46:37+0900"} {
		if got, err := readStoredTime(s); err == nil {
			t.Errorf("%q read as %v", s, got)
		}
	}
	if n := strings.Count(caseColumnsText, "CAST("); n != 8 {
		t.Errorf("caseColumnsText casts %d times, want 8:\n%s", n, caseColumnsText)
	}
}
