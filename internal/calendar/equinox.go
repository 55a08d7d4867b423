package calendar

import "time"

// The equinox days by the formula in the package documentation, evaluated in
// millionths of a day with integers so that no floating-point rounding can
// move a day. Flooring the leap-day count before 1980 instead of truncating
// it would put every equinox of 1949–1979 a day late.

func vernalEquinox(year int) Date {
	return Date{year, time.March, equinoxDay(year, 20_843_100, 20_835_700)}
}

func autumnalEquinox(year int) Date {
	return Date{year, time.September, equinoxDay(year, 23_248_800, 23_258_800)}
}

// equinoxDay returns the day of the month of the equinox in year, given the
// formula's constant in millionths of a day for 1980 onwards and for the
// years before.
func equinoxDay(year, c1980, c1900 int) int {
	if year >= 1980 {
		return (c1980+242_194*(year-1980))/1_000_000 - (year-1980)/4
	}
	// Go's integer division truncates toward zero, which is what the
	// formula wants here; the dividend is positive for every year from
	// 1949, so the first division is a floor too.
	return (c1900+242_194*(year-1980))/1_000_000 - (year-1983)/4
}
