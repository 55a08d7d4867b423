package calendar

import (
	"cmp"
	"fmt"
	"time"

	"github.com/kasuhara/kasuhara"
)

// JST is Japan Standard Time, UTC+9, the zone of every Date: kasuhara.JST,
// which the domain package defines for its own date rules.
var JST = kasuhara.JST

// Date is a civil date in Japan: a year, a month and a day, with no time of
// day and no zone. Holidays and closing days are Dates because a holiday is
// the whole day in Japan wherever the server runs.
//
// Every Date this package returns is normalised, so Dates compare with ==
// and serve as map keys. A Date literal is taken as written; NewDate
// normalises one (NewDate(2025, 2, 30) is 2025-03-02). The zero Date is not
// valid.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// NewDate returns the date of year, month and day, normalised as time.Date
// normalises: NewDate(2025, 1, 32) is 2025-02-01.
func NewDate(year int, month time.Month, day int) Date {
	return DateOf(time.Date(year, month, day, 0, 0, 0, 0, JST))
}

// DateOf returns the date in Japan at the instant t, whatever t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.In(JST).Date()
	return Date{Year: y, Month: m, Day: d}
}

// ParseDate parses a date written as YYYY-MM-DD, e.g. 2025-12-29.
func ParseDate(s string) (Date, error) {
	t, err := time.ParseInLocation(time.DateOnly, s, JST)
	if err != nil {
		return Date{}, fmt.Errorf("calendar: date %q: want YYYY-MM-DD", s)
	}
	return DateOf(t), nil
}

// Time returns the start of the date, 00:00 in JST.
func (d Date) Time() time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, JST)
}

// String returns the date as YYYY-MM-DD.
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// Valid reports whether d is a real calendar date written in normal form
// (month 1 to 12, a day the month has).
func (d Date) Valid() bool {
	return d.Month >= time.January && d.Month <= time.December && d.Day >= 1 && NewDate(d.Year, d.Month, d.Day) == d
}

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday {
	return d.Time().Weekday()
}

// AddDays returns the date n days after d (before d when n is negative).
func (d Date) AddDays(n int) Date {
	return NewDate(d.Year, d.Month, d.Day+n)
}

// Compare returns -1 if d is before e, +1 if after and 0 if they are the
// same date.
func (d Date) Compare(e Date) int {
	if c := cmp.Compare(d.Year, e.Year); c != 0 {
		return c
	}
	if c := cmp.Compare(d.Month, e.Month); c != 0 {
		return c
	}
	return cmp.Compare(d.Day, e.Day)
}

// Before reports whether d is before e.
func (d Date) Before(e Date) bool { return d.Compare(e) < 0 }

// After reports whether d is after e.
func (d Date) After(e Date) bool { return d.Compare(e) > 0 }

// MarshalText writes the date as YYYY-MM-DD, so Dates in JSON settings read
// as dates.
func (d Date) MarshalText() ([]byte, error) {
	if !d.Valid() {
		return nil, fmt.Errorf("calendar: date %d-%d-%d is not a calendar date", d.Year, int(d.Month), d.Day)
	}
	return []byte(d.String()), nil
}

// UnmarshalText reads a date written as YYYY-MM-DD.
func (d *Date) UnmarshalText(b []byte) error { return parseInto(d, string(b), ParseDate) }

// parseInto sets *dst to what parse reads in s, and leaves it alone on an
// error.
func parseInto[T any](dst *T, s string, parse func(string) (T, error)) error {
	v, err := parse(s)
	if err != nil {
		return err
	}
	*dst = v
	return nil
}
