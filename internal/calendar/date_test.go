package calendar

import (
	"encoding/json"
	"testing"
	"time"
)

func TestNewDateNormalises(t *testing.T) {
	tests := []struct {
		got, want Date
	}{
		{NewDate(2025, time.January, 32), Date{2025, time.February, 1}},
		{NewDate(2024, time.February, 30), Date{2024, time.March, 1}},
		{NewDate(2025, time.December, 31).AddDays(1), Date{2026, time.January, 1}},
		{NewDate(2026, time.January, 1).AddDays(-1), Date{2025, time.December, 31}},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %s, want %s", tt.got, tt.want)
		}
	}
}

func TestDateOfUsesJapan(t *testing.T) {
	tests := []struct {
		at   time.Time
		want Date
	}{
		{time.Date(2025, 1, 10, 14, 59, 59, 0, time.UTC), Date{2025, time.January, 10}},
		{time.Date(2025, 1, 10, 15, 0, 0, 0, time.UTC), Date{2025, time.January, 11}},
		{time.Date(2025, 12, 31, 23, 0, 0, 0, JST), Date{2025, time.December, 31}},
	}
	for _, tt := range tests {
		if got := DateOf(tt.at); got != tt.want {
			t.Errorf("DateOf(%s) = %s, want %s", tt.at, got, tt.want)
		}
	}
	if got, want := (Date{2025, time.January, 1}).Time(), time.Date(2024, 12, 31, 15, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("Time() = %s, want %s", got, want)
	}
}

func TestParseDate(t *testing.T) {
	if got, err := ParseDate("2025-12-29"); err != nil || got != (Date{2025, time.December, 29}) {
		t.Errorf("ParseDate = %v, %v", got, err)
	}
	for _, bad := range []string{"", "2025-13-01", "2025-1-5", "2025-02-30", "2025/12/29", "29.12.2025"} {
		if got, err := ParseDate(bad); err == nil {
			t.Errorf("ParseDate(%q) = %v, want an error", bad, got)
		}
	}
}

func TestDateValidCompareWeekday(t *testing.T) {
	valid := map[Date]bool{
		{2024, time.February, 29}: true,
		{2025, time.February, 29}: false,
		{2025, 0, 1}:              false,
		{2025, time.January, 0}:   false,
		{}:                        false,
	}
	for d, want := range valid {
		if got := d.Valid(); got != want {
			t.Errorf("%v.Valid() = %v, want %v", d, got, want)
		}
	}
	a, b := Date{2025, time.March, 20}, Date{2025, time.September, 23}
	if a.Compare(b) != -1 || b.Compare(a) != 1 || a.Compare(a) != 0 || !a.Before(b) || !b.After(a) || a.After(a) {
		t.Errorf("Compare, Before, After disagree for %s and %s", a, b)
	}
	if (Date{2024, time.December, 31}).Compare(Date{2025, time.January, 1}) != -1 {
		t.Error("2024-12-31 is not before 2025-01-01")
	}
	if got := (Date{2025, time.January, 1}).Weekday(); got != time.Wednesday {
		t.Errorf("2025-01-01 is a %s, want Wednesday", got)
	}
}

func TestDateJSON(t *testing.T) {
	b, err := json.Marshal([]Date{{2025, time.December, 29}})
	if err != nil || string(b) != `["2025-12-29"]` {
		t.Errorf("json.Marshal = %s, %v", b, err)
	}
	var got []Date
	if err := json.Unmarshal([]byte(`["2026-01-03"]`), &got); err != nil || len(got) != 1 || got[0] != (Date{2026, time.January, 3}) {
		t.Errorf("json.Unmarshal = %v, %v", got, err)
	}
	if err := json.Unmarshal([]byte(`["2026-02-30"]`), &got); err == nil {
		t.Error("json.Unmarshal accepted 2026-02-30")
	}
	if _, err := json.Marshal(Date{}); err == nil {
		t.Error("json.Marshal accepted the zero Date")
	}
}
