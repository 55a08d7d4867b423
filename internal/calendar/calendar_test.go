package calendar

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// jst parses a time of day in Japan written as 2006-01-02 15:04.
func jst(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, JST)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestAddBusinessDays(t *testing.T) {
	yearEnd := Calendar{Holidays: true, Extra: YearEndClosure(2025, 2026)}
	tests := []struct {
		name  string
		cal   Calendar
		start string
		n     int
		want  string
	}{
		{"Friday evening to Monday evening", Default(), "2025-01-17 18:00", 1, "2025-01-20 18:00"},
		{"over 成人の日", Default(), "2025-01-10 18:00", 1, "2025-01-14 18:00"},
		{"Saturday: end of Monday", Default(), "2025-01-18 10:00", 1, "2025-01-21 00:00"},
		{"Saturday before a holiday Monday: end of Tuesday", Default(), "2025-01-11 10:00", 1, "2025-01-15 00:00"},
		{"midnight of a business day: end of that day, before a holiday", Default(), "2025-02-10 00:00", 1, "2025-02-11 00:00"},
		{"Monday before 建国記念の日", Default(), "2025-02-10 09:30", 1, "2025-02-12 09:30"},
		{"over Golden Week", Default(), "2025-05-02 09:00", 1, "2025-05-07 09:00"},
		{"three days over Golden Week", Default(), "2025-05-01 09:00", 3, "2025-05-08 09:00"},
		{"from inside Golden Week", Default(), "2025-05-04 12:00", 1, "2025-05-08 00:00"},
		{"over the Silver Week of 2026", Default(), "2026-09-18 10:00", 1, "2026-09-24 10:00"},
		{"ten days", Default(), "2025-04-25 12:00", 10, "2025-05-14 12:00"},
		{"no 年末年始 by default", Default(), "2025-12-26 17:00", 1, "2025-12-29 17:00"},
		{"年末年始 closure", yearEnd, "2025-12-26 17:00", 1, "2026-01-05 17:00"},
		{"holidays off", Calendar{}, "2025-01-10 18:00", 1, "2025-01-13 18:00"},
		{"no weekend", Calendar{Weekend: []time.Weekday{}, Holidays: true}, "2025-01-10 18:00", 1, "2025-01-11 18:00"},
		{"Friday-Saturday weekend", Calendar{Weekend: []time.Weekday{time.Friday, time.Saturday}}, "2025-01-16 18:00", 1, "2025-01-19 18:00"},
		{"zero", Default(), "2025-01-18 10:00", 0, "2025-01-18 10:00"},
		{"back from Monday evening", Default(), "2025-01-20 18:00", -1, "2025-01-17 18:00"},
		{"back over 成人の日", Default(), "2025-01-14 18:00", -1, "2025-01-10 18:00"},
		{"back from Saturday: start of Friday", Default(), "2025-01-18 10:00", -1, "2025-01-17 00:00"},
		{"back from midnight", Default(), "2025-01-20 00:00", -1, "2025-01-17 00:00"},
		{"back three days", Default(), "2025-05-08 09:00", -3, "2025-05-01 09:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.cal.AddBusinessDays(jst(t, tt.start), tt.n)
			if want := jst(t, tt.want); !got.Equal(want) {
				t.Errorf("AddBusinessDays(%s, %d) = %s, want %s", tt.start, tt.n, got.In(JST).Format(time.DateTime), tt.want)
			}
		})
	}
}

func TestAddBusinessDaysKeepsLocationAndPrecision(t *testing.T) {
	start := time.Date(2025, 1, 17, 9, 0, 0, 123456789, time.UTC) // Friday 18:00:00.123456789 in Japan
	got := Default().AddBusinessDays(start, 1)
	want := time.Date(2025, 1, 20, 9, 0, 0, 123456789, time.UTC)
	if !got.Equal(want) || got.Location() != time.UTC {
		t.Errorf("AddBusinessDays = %s, want %s", got, want)
	}
	// 01:00 on Saturday in Japan is still Friday in UTC; Japan's date counts.
	got = Default().AddBusinessDays(time.Date(2025, 1, 17, 16, 0, 0, 0, time.UTC), 1)
	if want := time.Date(2025, 1, 20, 15, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("AddBusinessDays from Saturday 01:00 JST = %s, want %s", got, want)
	}
}

func TestAddBusinessDaysNoBusinessDay(t *testing.T) {
	all := Calendar{Weekend: []time.Weekday{0, 1, 2, 3, 4, 5, 6}}
	if got := all.AddBusinessDays(jst(t, "2025-01-17 18:00"), 1); !got.IsZero() {
		t.Errorf("AddBusinessDays on a calendar without business days = %s, want the zero Time", got)
	}
}

// TestAddBusinessDaysOracle checks that the result is the first instant
// (forward) or the last (backward) with exactly n business days between it
// and the start, for random starts over several years.
func TestAddBusinessDaysOracle(t *testing.T) {
	cal := Calendar{Holidays: true, Extra: YearEndClosure(2024, 2031)}
	rng := rand.New(rand.NewPCG(1, 2))
	from := jst(t, "2024-01-01 00:00")
	span := int64(6 * 365 * 24 * time.Hour)
	for range 3000 {
		start := from.Add(time.Duration(rng.Int64N(span)))
		if rng.IntN(4) == 0 {
			start = DateOf(start).Time() // midnight is the edge case
		}
		n := 1 + rng.IntN(15)
		want := time.Duration(n) * 24 * time.Hour

		end := cal.AddBusinessDays(start, n)
		if got := cal.BusinessTime(start, end); got != want || cal.BusinessTime(start, end.Add(-time.Nanosecond)) >= want {
			t.Fatalf("AddBusinessDays(%s, %d) = %s: %s of business time, want it first reaching %s", start, n, end, got, want)
		}
		back := cal.AddBusinessDays(start, -n)
		if got := cal.BusinessTime(back, start); got != want || cal.BusinessTime(back.Add(time.Nanosecond), start) >= want {
			t.Fatalf("AddBusinessDays(%s, %d) = %s: %s of business time, want it last having %s", start, -n, back, got, want)
		}
	}
}

func TestIsBusinessDay(t *testing.T) {
	tests := []struct {
		cal  Calendar
		at   time.Time
		want bool
	}{
		{Default(), time.Date(2025, 1, 13, 12, 0, 0, 0, JST), false}, // 成人の日
		{Calendar{}, time.Date(2025, 1, 13, 12, 0, 0, 0, JST), true},
		{Default(), time.Date(2025, 1, 14, 12, 0, 0, 0, JST), true},
		{Default(), time.Date(2025, 1, 18, 12, 0, 0, 0, JST), false}, // Saturday
		{Default(), time.Date(2025, 1, 13, 14, 59, 0, 0, time.UTC), false},
		{Default(), time.Date(2025, 1, 13, 15, 0, 0, 0, time.UTC), true}, // 00:00 Tuesday in Japan
		{Calendar{Extra: []Date{{2025, time.January, 14}}}, time.Date(2025, 1, 14, 12, 0, 0, 0, JST), false},
		{Calendar{Weekend: []time.Weekday{}}, time.Date(2025, 1, 18, 12, 0, 0, 0, JST), true},
		{Default(), time.Date(2100, 1, 1, 12, 0, 0, 0, JST), true}, // a Friday after MaxYear: holidays unknown
	}
	for _, tt := range tests {
		if got := tt.cal.IsBusinessDay(tt.at); got != tt.want {
			t.Errorf("%+v.IsBusinessDay(%s) = %v, want %v", tt.cal, tt.at, got, tt.want)
		}
	}
}

func TestCalendarValidate(t *testing.T) {
	tests := []struct {
		cal  Calendar
		want string // part of the error, or "" for none
	}{
		{Default(), ""},
		{Calendar{}, ""},
		{Calendar{Weekend: []time.Weekday{}}, ""},
		{Calendar{Extra: YearEndClosure(2025, 2030)}, ""},
		{Calendar{Weekend: []time.Weekday{0, 1, 2, 3, 4, 5, 6}}, "weekend: all seven days"},
		{Calendar{Weekend: []time.Weekday{9}}, "weekend: 9 is not a day of the week"},
		{Calendar{Extra: []Date{{2025, time.February, 30}}}, "extra: 2025-2-30 is not a calendar date"},
	}
	for _, tt := range tests {
		err := tt.cal.Validate()
		if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%+v.Validate() = %v, want %q", tt.cal, err, tt.want)
		}
	}
}

func TestDeadline(t *testing.T) {
	start := jst(t, "2025-01-17 18:00") // a Friday
	tests := []struct {
		dur  Duration
		want string
	}{
		{DefaultAcknowledge, "2025-01-20 18:00"},
		{DefaultFeedback, "2025-01-24 18:00"},
		{Duration{48, Hours}, "2025-01-19 18:00"},
		{Duration{2, BusinessDays}, "2025-01-21 18:00"},
		{Duration{1, Days}, "2025-01-18 18:00"},
	}
	for _, tt := range tests {
		if got := Default().Deadline(start, tt.dur); !got.Equal(jst(t, tt.want)) {
			t.Errorf("Deadline(%s, %s) = %s, want %s", start, tt.dur, got.In(JST).Format(time.DateTime), tt.want)
		}
	}
	for _, bad := range []Duration{{}, {0, Days}, {1, "weeks"}, {-1, BusinessDays}} {
		if got := Default().Deadline(start, bad); !got.IsZero() {
			t.Errorf("Deadline(%v) = %s, want the zero Time", bad, got)
		}
	}
}

func TestYearEndClosure(t *testing.T) {
	got := YearEndClosure(2025, 2026)
	if len(got) != 12 || got[0] != (Date{2025, time.January, 1}) || got[11] != (Date{2026, time.December, 31}) {
		t.Errorf("YearEndClosure(2025, 2026) = %v", got)
	}
	for _, d := range got {
		if d.Month == time.January && d.Day > 3 || d.Month == time.December && d.Day < 29 {
			t.Errorf("YearEndClosure has %s", d)
		}
	}
	if got := YearEndClosure(2026, 2025); got != nil {
		t.Errorf("YearEndClosure(2026, 2025) = %v, want nil", got)
	}
}

func TestBusinessTime(t *testing.T) {
	tests := []struct {
		name     string
		cal      Calendar
		from, to string
		want     time.Duration
	}{
		{"same business day", Default(), "2025-01-20 09:00", "2025-01-20 12:30", 3*time.Hour + 30*time.Minute},
		{"Friday evening to Monday evening: one business day", Default(), "2025-01-17 18:00", "2025-01-20 18:00", 24 * time.Hour},
		{"over 成人の日", Default(), "2025-01-10 18:00", "2025-01-14 18:00", 24 * time.Hour},
		{"a weekend alone is nothing", Default(), "2025-01-18 10:00", "2025-01-19 22:00", 0},
		{"Saturday to Tuesday 00:00: Monday", Default(), "2025-01-18 10:00", "2025-01-21 00:00", 24 * time.Hour},
		{"Golden Week", Default(), "2025-05-02 09:00", "2025-05-07 09:00", 24 * time.Hour},
		{"holidays off: 成人の日 counts", Calendar{}, "2025-01-10 18:00", "2025-01-14 18:00", 48 * time.Hour},
		{"年末年始 closed", Working(true, true, jst(t, "2025-12-26 00:00")), "2025-12-26 17:00", "2026-01-05 17:00", 24 * time.Hour},
		{"年末年始 open", Working(true, false, jst(t, "2025-12-26 00:00")), "2025-12-26 17:00", "2026-01-05 17:00", 5 * 24 * time.Hour},
		{"backwards is negative", Default(), "2025-01-20 18:00", "2025-01-17 18:00", -24 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.cal.BusinessTime(jst(t, tt.from), jst(t, tt.to)); got != tt.want {
				t.Errorf("BusinessTime(%s, %s) = %s, want %s", tt.from, tt.to, got, tt.want)
			}
		})
	}
	// The business time to a deadline of n business days is n days.
	r := rand.New(rand.NewPCG(19, 1))
	for range 500 {
		start := jst(t, "2025-01-01 00:00").Add(time.Duration(r.IntN(3*365*24*60)) * time.Minute)
		n := 1 + r.IntN(10)
		due := Default().AddBusinessDays(start, n)
		got := Default().BusinessTime(start, due)
		// From a closed day the clock starts at the next business day's start.
		if got != time.Duration(n)*24*time.Hour {
			t.Fatalf("BusinessTime(%s, AddBusinessDays(%d) = %s) = %s, want %d days", start.In(JST), n, due.In(JST), got, n)
		}
	}
}
