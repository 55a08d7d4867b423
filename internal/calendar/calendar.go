package calendar

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// Calendar says which days an organisation's desk works. The zero Calendar
// closes on Saturdays and Sundays only; Default adds Japanese public
// holidays.
type Calendar struct {
	// Weekend lists the days of the week that are never business days.
	// Nil means Saturday and Sunday; an empty, non-nil slice means none
	// (a desk that works every day of the week).
	Weekend []time.Weekday
	// Holidays closes the desk on Japanese public holidays (see Holidays).
	Holidays bool
	// Extra lists the organisation's own closing days, such as 年末年始
	// (see YearEndClosure) or a founding day.
	Extra []Date
}

// Default returns the calendar the product uses unless an organisation sets
// its own: Saturdays, Sundays and Japanese public holidays are closed, and
// there are no closing days of the organisation's own.
func Default() Calendar {
	return Calendar{Holidays: true}
}

var defaultWeekend = []time.Weekday{time.Saturday, time.Sunday}

func (c Calendar) weekend() []time.Weekday {
	if c.Weekend == nil {
		return defaultWeekend
	}
	return c.Weekend
}

// Validate reports a Calendar that cannot be used: a weekday out of range,
// a weekend of all seven days (no business day would ever come), or an
// extra closing day that is not a calendar date.
func (c Calendar) Validate() error {
	var errs []error
	seen := make(map[time.Weekday]bool, 7)
	for _, w := range c.weekend() {
		if w < time.Sunday || w > time.Saturday {
			errs = append(errs, fmt.Errorf("calendar: weekend: %d is not a day of the week (0 Sunday to 6 Saturday)", int(w)))
			continue
		}
		seen[w] = true
	}
	if len(seen) == 7 {
		errs = append(errs, errors.New("calendar: weekend: all seven days are closed, so no business day is left"))
	}
	for _, d := range c.Extra {
		if !d.Valid() {
			errs = append(errs, fmt.Errorf("calendar: extra: %d-%d-%d is not a calendar date", d.Year, int(d.Month), d.Day))
		}
	}
	return errors.Join(errs...)
}

// IsBusinessDay reports whether the instant t falls on a business day, taking
// the date in Japan whatever t's location.
func (c Calendar) IsBusinessDay(t time.Time) bool {
	return c.IsBusinessDate(DateOf(t))
}

// IsBusinessDate reports whether d is a business day: not a weekend day, not
// a public holiday when c.Holidays is set, and not one of c.Extra.
func (c Calendar) IsBusinessDate(d Date) bool {
	if slices.Contains(c.weekend(), d.Weekday()) {
		return false
	}
	if c.Holidays {
		if _, ok := HolidayOn(d); ok {
			return false
		}
	}
	return !slices.Contains(c.Extra, d)
}

// hasWorkday reports whether some day of the week is not weekend; without
// one, the search for a business day would never end.
func (c Calendar) hasWorkday() bool {
	for w := time.Sunday; w <= time.Saturday; w++ {
		if !slices.Contains(c.weekend(), w) {
			return true
		}
	}
	return false
}

// AddBusinessDays returns the instant n business days after t, in t's
// location. The clock runs only on business days, whole days in JST, and
// the result is the first instant at which n×24 hours of business days have
// passed since t:
//
//   - From within a business day the result is the same time of day on the
//     nth business day after. A report filed on Friday at 18:00 with one
//     business day is due on Monday at 18:00, or Tuesday at 18:00 when that
//     Monday is a holiday.
//   - From a day that is not a business day (or from 00:00 of one), the
//     clock starts at the start of the next business day, and the result is
//     the end of the nth business day counted from it, written as 00:00 of
//     the following day. A report filed on Saturday at 10:00 with one
//     business day is due at the end of Monday: Tuesday 00:00 (even when
//     that Tuesday is a holiday).
//
// A negative n counts back the same way (the last instant from which t is
// -n business days away); n = 0 returns t. On a calendar without business
// days (see Validate) it returns the zero Time. Public holidays outside
// MinYear..MaxYear are not known and count as business days.
func (c Calendar) AddBusinessDays(t time.Time, n int) time.Time {
	if n == 0 {
		return t
	}
	if !c.hasWorkday() {
		return time.Time{}
	}
	d := DateOf(t)
	sinceMidnight := t.Sub(d.Time())
	inBusinessDay := sinceMidnight > 0 && c.IsBusinessDate(d)
	var r time.Time
	switch {
	case n > 0 && inBusinessDay:
		r = c.step(d, n, 1).Time().Add(sinceMidnight)
	case n > 0:
		first := d
		if !c.IsBusinessDate(d) {
			first = c.step(d, 1, 1)
		}
		r = c.step(first, n-1, 1).AddDays(1).Time()
	case inBusinessDay:
		r = c.step(d, -n, -1).Time().Add(sinceMidnight)
	default:
		last := c.step(d, 1, -1) // the business day before d
		r = c.step(last, -n-1, -1).Time()
	}
	return r.In(t.Location())
}

// step moves from d by n business days in direction dir (+1 or -1); the
// days it passes over that are not business days do not count. step(d, 0, _)
// is d.
func (c Calendar) step(d Date, n, dir int) Date {
	for n > 0 {
		d = d.AddDays(dir)
		if c.IsBusinessDate(d) {
			n--
		}
	}
	return d
}

// Deadline returns when a clock of length dur started at start runs out,
// in start's location: business days as AddBusinessDays counts them,
// calendar days and hours as elapsed time (7 days is 168 hours later; JST
// has no daylight saving time, so that is the same clock time in Japan).
// An invalid dur (see Duration.Validate) gives the zero Time, which any
// comparison with a real instant finds long past.
func (c Calendar) Deadline(start time.Time, dur Duration) time.Time {
	if dur.Validate() != nil {
		return time.Time{}
	}
	switch dur.Unit {
	case BusinessDays:
		return c.AddBusinessDays(start, dur.N)
	case Days:
		return start.Add(time.Duration(dur.N) * 24 * time.Hour)
	default: // Hours
		return start.Add(time.Duration(dur.N) * time.Hour)
	}
}

// YearEndClosure returns the days of 年末年始, 29 December to 3 January, that
// fall in the years from first to last inclusive, for Calendar.Extra: 1–3
// January and 29–31 December of each year. Many companies close on these
// days, but the law does not, so a Calendar closes on them only when told.
func YearEndClosure(first, last int) []Date {
	var ds []Date
	for y := first; y <= last; y++ {
		ds = append(ds,
			Date{y, time.January, 1}, Date{y, time.January, 2}, Date{y, time.January, 3},
			Date{y, time.December, 29}, Date{y, time.December, 30}, Date{y, time.December, 31})
	}
	return ds
}

// Working returns an organisation's working calendar from its settings:
// Saturdays and Sundays closed, Japan's public holidays when
// publicHolidays, and 年末年始 (29 December to 3 January) of the years
// around the instant around when yearEnd.
func Working(publicHolidays, yearEnd bool, around time.Time) Calendar {
	c := Calendar{Holidays: publicHolidays}
	if yearEnd {
		y := DateOf(around).Year
		c.Extra = YearEndClosure(y-1, y+1)
	}
	return c
}

// BusinessTime returns how much of the time from from to to falls on
// business days (whole days in JST), the measure in which a clock of
// business days runs (independent of AddBusinessDays, whose oracle it is in
// the tests): from a business day's 10:00 to the next business
// day's 10:00 is 24 hours, over a weekend or a holiday too. It is negative
// when to is before from.
func (c Calendar) BusinessTime(from, to time.Time) time.Duration {
	if to.Before(from) {
		return -c.BusinessTime(to, from)
	}
	var sum time.Duration
	for d := DateOf(from); !d.Time().After(to); d = d.AddDays(1) {
		if !c.IsBusinessDate(d) {
			continue
		}
		start, end := d.Time(), d.AddDays(1).Time()
		if start.Before(from) {
			start = from
		}
		if end.After(to) {
			end = to
		}
		if end.After(start) {
			sum += end.Sub(start)
		}
	}
	return sum
}
