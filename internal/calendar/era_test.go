package calendar

import (
	"testing"
	"time"
)

func TestEra(t *testing.T) {
	tests := []struct {
		date      Date
		western   string
		era       string
		english   string
		wantEra   string
		wantYear  int
		wantKnown bool
	}{
		{Date{2026, time.December, 6}, "2026年12月6日", "令和8年12月6日", "6 December 2026", "令和", 8, true},
		{Date{2019, time.April, 30}, "2019年4月30日", "平成31年4月30日", "30 April 2019", "平成", 31, true},
		{Date{2019, time.May, 1}, "2019年5月1日", "令和元年5月1日", "1 May 2019", "令和", 1, true},
		{Date{2019, time.December, 31}, "2019年12月31日", "令和元年12月31日", "31 December 2019", "令和", 1, true},
		{Date{2020, time.January, 1}, "2020年1月1日", "令和2年1月1日", "1 January 2020", "令和", 2, true},
		{Date{1989, time.January, 7}, "1989年1月7日", "昭和64年1月7日", "7 January 1989", "昭和", 64, true},
		{Date{1989, time.January, 8}, "1989年1月8日", "平成元年1月8日", "8 January 1989", "平成", 1, true},
		{Date{1926, time.December, 24}, "1926年12月24日", "大正15年12月24日", "24 December 1926", "大正", 15, true},
		{Date{1926, time.December, 25}, "1926年12月25日", "昭和元年12月25日", "25 December 1926", "昭和", 1, true},
		{Date{1912, time.July, 29}, "1912年7月29日", "明治45年7月29日", "29 July 1912", "明治", 45, true},
		{Date{1912, time.July, 30}, "1912年7月30日", "大正元年7月30日", "30 July 1912", "大正", 1, true},
		{Date{1873, time.January, 1}, "1873年1月1日", "明治6年1月1日", "1 January 1873", "明治", 6, true},
		// Before the Gregorian calendar: no era date, the Western one.
		{Date{1872, time.December, 31}, "1872年12月31日", "1872年12月31日", "31 December 1872", "", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.date.String(), func(t *testing.T) {
			name, year, ok := Era(tt.date)
			if name != tt.wantEra || year != tt.wantYear || ok != tt.wantKnown {
				t.Errorf("Era = %q, %d, %v; want %q, %d, %v", name, year, ok, tt.wantEra, tt.wantYear, tt.wantKnown)
			}
			for _, c := range []struct {
				got, want string
			}{
				{tt.date.Japanese(false), tt.western},
				{tt.date.Japanese(true), tt.era},
				{tt.date.English(), tt.english},
				{tt.date.Written("ja", true), tt.era},
				{tt.date.Written("ja", false), tt.western},
				// English has no era date.
				{tt.date.Written("en", true), tt.english},
			} {
				if c.got != c.want {
					t.Errorf("got %q, want %q", c.got, c.want)
				}
			}
		})
	}
}

func TestDateIn(t *testing.T) {
	// 2019-04-30 15:00 UTC is already 令和元年 (2019-05-01 00:00) in Japan.
	at := time.Date(2019, time.April, 30, 15, 0, 0, 0, time.UTC)
	if got, want := DateIn(at, nil).Japanese(true), "令和元年5月1日"; got != want {
		t.Errorf("DateIn(JST) = %q, want %q", got, want)
	}
	if got, want := DateIn(at, time.UTC).Japanese(true), "平成31年4月30日"; got != want {
		t.Errorf("DateIn(UTC) = %q, want %q", got, want)
	}
}
