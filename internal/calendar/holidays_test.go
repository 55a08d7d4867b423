package calendar

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// published reads the Cabinet Office's lists for recent years in full
// (testdata/published_holidays.txt) by year: a date, the NameJA this
// package gives and, where that list prints another label, the label.
func published(t *testing.T) map[int][]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "published_holidays.txt"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[int][]string{}
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if strings.HasPrefix(l, "#") {
			continue
		}
		year, err := strconv.Atoi(l[:4])
		if err != nil {
			t.Fatalf("published_holidays.txt: %q", l)
		}
		out[year] = append(out[year], l)
	}
	if len(out) < 9 {
		t.Fatalf("published_holidays.txt holds %d years", len(out))
	}
	return out
}

// line formats a holiday as the published lists write it.
func line(h Holiday) string {
	s := h.Date.String() + " " + h.NameJA
	if co := h.CabinetOfficeName(); co != h.NameJA {
		s += " " + co
	}
	return s
}

func TestHolidaysPublishedYears(t *testing.T) {
	lists := published(t)
	for _, year := range slices.Sorted(maps.Keys(lists)) {
		t.Run(fmt.Sprint(year), func(t *testing.T) {
			want := lists[year]
			var got []string
			for _, h := range Holidays(year) {
				got = append(got, line(h))
			}
			if !slices.Equal(got, want) {
				t.Errorf("Holidays(%d):\n%s\nwant:\n%s", year, strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

// cabinetOffice is the rest of the Cabinet Office's list, 1955–2018, reduced
// to what the rules compute rather than copy: per year the vernal and the
// autumnal equinox day, then the days it labels 休日 (substitute holidays and
// days between two holidays) and, after "special", the days off of the
// imperial ceremonies.
const cabinetOffice = `
1955 3/21 9/24
1956 3/21 9/23
1957 3/21 9/23
1958 3/21 9/23
1959 3/21 9/24 special 4/10
1960 3/20 9/23
1961 3/21 9/23
1962 3/21 9/23
1963 3/21 9/24
1964 3/20 9/23
1965 3/21 9/23
1966 3/21 9/23
1967 3/21 9/24
1968 3/20 9/23
1969 3/21 9/23
1970 3/21 9/23
1971 3/21 9/24
1972 3/20 9/23
1973 3/21 9/23 4/30 9/24
1974 3/21 9/23 5/6 9/16 11/4
1975 3/21 9/24 11/24
1976 3/20 9/23 10/11
1977 3/21 9/23
1978 3/21 9/23 1/2 1/16
1979 3/21 9/24 2/12 4/30
1980 3/20 9/23 11/24
1981 3/21 9/23 5/4
1982 3/21 9/23 3/22 10/11
1983 3/21 9/23
1984 3/20 9/23 1/2 1/16 4/30 9/24
1985 3/21 9/23 5/6 9/16 11/4
1986 3/21 9/23 11/24
1987 3/21 9/23 5/4
1988 3/20 9/23 3/21 5/4
1989 3/21 9/23 1/2 1/16 5/4 special 2/24
1990 3/21 9/23 2/12 4/30 5/4 9/24 12/24 special 11/12
1991 3/21 9/23 5/4 5/6 9/16 11/4
1992 3/20 9/23 5/4
1993 3/20 9/23 5/4 10/11 special 6/9
1994 3/21 9/23 5/4
1995 3/21 9/23 1/2 1/16 5/4
1996 3/20 9/23 2/12 5/4 5/6 9/16 11/4
1997 3/20 9/23 7/21 11/24
1998 3/21 9/23 5/4
1999 3/21 9/23 3/22 5/4 10/11
2000 3/20 9/23 5/4
2001 3/20 9/23 2/12 4/30 5/4 9/24 12/24
2002 3/21 9/23 5/4 5/6 9/16 11/4
2003 3/21 9/23 11/24
2004 3/20 9/23 5/4
2005 3/20 9/23 3/21 5/4
2006 3/21 9/23 1/2 5/4
2007 3/21 9/23 2/12 4/30 9/24 12/24
2008 3/20 9/23 5/6 11/24
2009 3/20 9/23 5/6 9/22
2010 3/21 9/23 3/22
2011 3/21 9/23
2012 3/20 9/22 1/2 4/30 12/24
2013 3/20 9/23 5/6 11/4
2014 3/21 9/23 5/6 11/24
2015 3/21 9/23 5/6 9/22
2016 3/20 9/22 3/21
2017 3/20 9/23 1/2
2018 3/21 9/23 2/12 4/30 9/24 12/24
`

func TestHolidaysCabinetOfficeList(t *testing.T) {
	for _, row := range strings.Split(strings.TrimSpace(cabinetOffice), "\n") {
		f := strings.Fields(row)
		var year int
		fmt.Sscan(f[0], &year)
		md := func(s string) Date {
			var m, d int
			if _, err := fmt.Sscanf(s, "%d/%d", &m, &d); err != nil {
				t.Fatalf("row %q: %v", row, err)
			}
			return Date{year, time.Month(m), d}
		}
		want := map[Kind][]Date{National: {md(f[1]), md(f[2])}}
		kind := Substitute // or Citizens: the list does not tell them apart
		for _, s := range f[3:] {
			if s == "special" {
				kind = Special
				continue
			}
			want[kind] = append(want[kind], md(s))
		}

		got := map[Kind][]Date{}
		for _, h := range Holidays(year) {
			switch {
			case h.NameJA == "春分の日" || h.NameJA == "秋分の日":
				got[National] = append(got[National], h.Date)
			case h.Kind == Substitute || h.Kind == Citizens:
				got[Substitute] = append(got[Substitute], h.Date)
			case h.Kind == Special:
				got[Special] = append(got[Special], h.Date)
			}
		}
		for _, k := range []Kind{National, Substitute, Special} {
			if !slices.Equal(got[k], want[k]) {
				t.Errorf("%d %v days: got %v, want %v", year, k, got[k], want[k])
			}
		}
	}
}

// TestHappyMondays checks the moved holidays of 2000–2018 against the
// Cabinet Office's list (later years are in published).
func TestHappyMondays(t *testing.T) {
	tests := []struct {
		year                         int
		seijin, umi, keiro, taiikuOn string
	}{
		{2000, "01-10", "07-20", "09-15", "10-09"},
		{2001, "01-08", "07-20", "09-15", "10-08"},
		{2002, "01-14", "07-20", "09-15", "10-14"},
		{2003, "01-13", "07-21", "09-15", "10-13"},
		{2004, "01-12", "07-19", "09-20", "10-11"},
		{2005, "01-10", "07-18", "09-19", "10-10"},
		{2006, "01-09", "07-17", "09-18", "10-09"},
		{2007, "01-08", "07-16", "09-17", "10-08"},
		{2008, "01-14", "07-21", "09-15", "10-13"},
		{2009, "01-12", "07-20", "09-21", "10-12"},
		{2010, "01-11", "07-19", "09-20", "10-11"},
		{2011, "01-10", "07-18", "09-19", "10-10"},
		{2012, "01-09", "07-16", "09-17", "10-08"},
		{2013, "01-14", "07-15", "09-16", "10-14"},
		{2014, "01-13", "07-21", "09-15", "10-13"},
		{2015, "01-12", "07-20", "09-21", "10-12"},
		{2016, "01-11", "07-18", "09-19", "10-10"},
		{2017, "01-09", "07-17", "09-18", "10-09"},
		{2018, "01-08", "07-16", "09-17", "10-08"},
	}
	for _, tt := range tests {
		want := map[string]string{"成人の日": tt.seijin, "海の日": tt.umi, "敬老の日": tt.keiro, "体育の日": tt.taiikuOn}
		got := map[string]string{}
		for _, h := range Holidays(tt.year) {
			if _, ok := want[h.NameJA]; ok {
				got[h.NameJA] = h.Date.String()[5:]
			}
		}
		for name, w := range want {
			if got[name] != w {
				t.Errorf("%d %s = %q, want %q", tt.year, name, got[name], w)
			}
		}
	}
}

func TestHolidayOn(t *testing.T) {
	tests := []struct {
		date string
		want string // NameJA, or "" for no holiday
		kind Kind
	}{
		{"1949-01-15", "成人の日", National},
		{"1949-03-21", "春分の日", National},
		{"1965-09-15", "", 0}, // 敬老の日 begins in 1966
		{"1966-10-10", "体育の日", National},
		{"1966-02-11", "", 0}, // 建国記念の日 begins in 1967
		{"1973-02-12", "", 0}, // a Sunday holiday before substitutes began on 1973-04-12
		{"1973-04-30", "振替休日", Substitute},
		{"1986-05-04", "", 0}, // a Sunday between two holidays, excluded until 2006
		{"1987-05-04", "振替休日", Substitute},
		{"1988-05-04", "国民の休日", Citizens},
		{"1988-04-29", "天皇誕生日", National},
		{"1989-04-29", "みどりの日", National},
		{"1989-02-24", "昭和天皇の大喪の礼", Special},
		{"1995-07-20", "", 0}, // 海の日 begins in 1996
		{"1999-01-15", "成人の日", National},
		{"2000-01-15", "", 0},
		{"2006-04-29", "みどりの日", National},
		{"2007-04-29", "昭和の日", National},
		{"2007-05-04", "みどりの日", National},
		{"2008-05-06", "振替休日", Substitute}, // みどりの日 on Sunday 5/4, after こどもの日
		{"2015-08-11", "", 0},              // 山の日 begins in 2016
		{"2018-12-23", "天皇誕生日", National},
		{"2019-02-23", "", 0},
		{"2019-12-23", "", 0},
		{"2020-10-12", "", 0}, // スポーツの日 moved to 7/24 for the Olympics
		{"2021-10-11", "", 0}, // and to 7/23
		{"2021-07-19", "", 0}, // 海の日 moved to 7/22
		{"2021-08-11", "", 0}, // 山の日 moved to 8/8
		{"2025-01-13", "成人の日", National},
		{"2025-07-21", "海の日", National},
		{"2025-09-15", "敬老の日", National},
		{"2025-10-13", "スポーツの日", National},
		{"2025-03-20", "春分の日", National},
		{"2025-09-23", "秋分の日", National},
		{"2026-05-06", "振替休日", Substitute},
		{"2026-09-22", "国民の休日", Citizens},
		{"1948-11-03", "", 0}, // before MinYear
		{"2100-01-01", "", 0}, // after MaxYear
	}
	for _, tt := range tests {
		d, err := ParseDate(tt.date)
		if err != nil {
			t.Fatal(err)
		}
		h, ok := HolidayOn(d)
		if got := h.NameJA; got != tt.want || ok != (tt.want != "") || h.Kind != tt.kind {
			t.Errorf("HolidayOn(%s) = %q %v %v, want %q %v", tt.date, got, h.Kind, ok, tt.want, tt.kind)
		}
		if ok && h.Date != d {
			t.Errorf("HolidayOn(%s).Date = %s", tt.date, h.Date)
		}
	}
}

func TestHolidaysOutsideRange(t *testing.T) {
	for _, year := range []int{0, 1948, 2100, -1} {
		if got := Holidays(year); got != nil {
			t.Errorf("Holidays(%d) = %v, want nil", year, got)
		}
	}
	if got := Holidays(MinYear); len(got) != 9 {
		t.Errorf("Holidays(%d) has %d days, want the 9 of the 1948 Act", MinYear, len(got))
	}
}

func TestHolidaysReturnsCopy(t *testing.T) {
	hs := Holidays(2025)
	hs[0].NameJA = "changed"
	if got := Holidays(2025)[0].NameJA; got != "元日" {
		t.Errorf("after changing a returned slice, Holidays(2025)[0].NameJA = %q", got)
	}
}

// TestHolidayRules checks every supported year against the rules as
// invariants: no date twice, substitutes and days between holidays only
// where Article 3 puts them, Happy Mondays on Mondays, and from 2022 each
// national holiday exactly once.
func TestHolidayRules(t *testing.T) {
	modern := []string{"元日", "成人の日", "建国記念の日", "天皇誕生日", "春分の日", "昭和の日", "憲法記念日", "みどりの日",
		"こどもの日", "海の日", "山の日", "敬老の日", "秋分の日", "スポーツの日", "文化の日", "勤労感謝の日"}
	for year := MinYear; year <= MaxYear; year++ {
		hs := Holidays(year)
		national := map[Date]bool{}
		for _, h := range hs {
			if h.Kind == National || (h.Kind == Special && year == 2019) {
				national[h.Date] = true
			}
		}
		names := map[string]int{}
		for i, h := range hs {
			names[h.NameJA]++
			if h.Date.Year != year || !h.Date.Valid() {
				t.Errorf("Holidays(%d) has %s", year, h.Date)
			}
			if i > 0 && !hs[i-1].Date.Before(h.Date) {
				t.Errorf("Holidays(%d): %s listed after %s", year, h.Date, hs[i-1].Date)
			}
			if h.NameJA == "" || h.NameEN == "" {
				t.Errorf("%s has no name: %+v", h.Date, h)
			}
			switch h.Kind {
			case Substitute:
				if national[h.Date] {
					t.Errorf("substitute holiday %s falls on a national holiday", h.Date)
				}
				// Walk back over national holidays to the Sunday it stands for.
				d := h.Date.AddDays(-1)
				for national[d] && d.Weekday() != time.Sunday {
					d = d.AddDays(-1)
				}
				if !national[d] || d.Weekday() != time.Sunday {
					t.Errorf("substitute holiday %s follows no Sunday holiday", h.Date)
				}
				if year < 2007 && d != h.Date.AddDays(-1) {
					t.Errorf("substitute holiday %s is not the day after the Sunday (rule before 2007)", h.Date)
				}
			case Citizens:
				if national[h.Date] || !national[h.Date.AddDays(-1)] || !national[h.Date.AddDays(1)] {
					t.Errorf("citizens' holiday %s is not between two national holidays", h.Date)
				}
			}
			olympic := (year == 2020 || year == 2021) && h.NameJA == "海の日"
			happyMonday := (year >= 2000 && (h.NameJA == "成人の日" || h.NameJA == "体育の日")) ||
				(year >= 2003 && !olympic && (h.NameJA == "海の日" || h.NameJA == "敬老の日")) ||
				(year >= 2022 && h.NameJA == "スポーツの日")
			if happyMonday && h.Date.Weekday() != time.Monday {
				t.Errorf("%s %s is on a %s", h.Date, h.NameJA, h.Date.Weekday())
			}
		}
		// Every national holiday on a Sunday has its substitute (from 1973-04-12).
		for d := range national {
			if d.Weekday() != time.Sunday || d.Before(substituteFrom) {
				continue
			}
			s := d.AddDays(1)
			for national[s] {
				s = s.AddDays(1)
			}
			if h, ok := HolidayOn(s); !ok || h.Kind != Substitute {
				t.Errorf("%s is a Sunday holiday but %s is %+v", d, s, h)
			}
		}
		if year >= 2022 {
			for _, n := range modern {
				if names[n] != 1 {
					t.Errorf("%d has %s %d times", year, n, names[n])
				}
			}
			for n := range names {
				if !slices.Contains(modern, n) && n != "振替休日" && n != "国民の休日" {
					t.Errorf("%d has a holiday named %s", year, n)
				}
			}
		}
	}
}

func TestKindString(t *testing.T) {
	tests := map[Kind]string{National: "national", Substitute: "substitute", Citizens: "citizens", Special: "special", 0: "unknown"}
	for k, want := range tests {
		if got := k.String(); got != want {
			t.Errorf("Kind(%d).String() = %q, want %q", int(k), got, want)
		}
	}
}
