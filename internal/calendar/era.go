package calendar

import (
	"fmt"
	"time"
)

// An era (元号) and the first day of it. A year of an era counts from 1
// (written 元年) on that day to the end of the Gregorian year, then with
// each Gregorian year.
type era struct {
	name  string
	start Date
}

// eras are the eras since Japan took the Gregorian calendar (明治6年,
// 1873-01-01), newest first.
var eras = []era{
	{"令和", Date{2019, time.May, 1}},
	{"平成", Date{1989, time.January, 8}},
	{"昭和", Date{1926, time.December, 25}},
	{"大正", Date{1912, time.July, 30}},
	{"明治", Date{1868, time.January, 25}},
}

// gregorianStart is the first day Japan counted by the Gregorian calendar;
// before it an era date cannot be written from a Gregorian one.
var gregorianStart = Date{1873, time.January, 1}

// Era returns the era of d and the year within it (1 for 元年), such as
// 令和, 8 for 2026-12-06. ok is false before 1873-01-01.
func Era(d Date) (name string, year int, ok bool) {
	if d.Before(gregorianStart) {
		return "", 0, false
	}
	for _, e := range eras {
		if !d.Before(e.start) {
			return e.name, d.Year - e.start.Year + 1, true
		}
	}
	return "", 0, false
}

// Japanese writes d as Japanese write a date in a sentence: 2026年12月6日,
// or with era true in the era, 令和8年12月6日 (令和元年5月1日 for its
// first year). A date before the eras are known is written 西暦.
func (d Date) Japanese(era bool) string {
	if era {
		if name, y, ok := Era(d); ok {
			year := "元"
			if y > 1 {
				year = fmt.Sprint(y)
			}
			return fmt.Sprintf("%s%s年%d月%d日", name, year, int(d.Month), d.Day)
		}
	}
	return fmt.Sprintf("%d年%d月%d日", d.Year, int(d.Month), d.Day)
}

// English writes d as 6 December 2026.
func (d Date) English() string {
	return fmt.Sprintf("%d %s %d", d.Day, d.Month, d.Year)
}

// Written writes d for a person reading lang ("ja" or "en"): Japanese,
// in the era when era is true, or English. Era dates are Japanese only.
func (d Date) Written(lang string, era bool) string {
	if lang == "ja" {
		return d.Japanese(era)
	}
	return d.English()
}

// DateIn is the civil date at the instant t in zone (Japan when nil):
// the date a person in that zone reads.
func DateIn(t time.Time, zone *time.Location) Date {
	if zone == nil {
		zone = JST
	}
	y, m, d := t.In(zone).Date()
	return Date{Year: y, Month: m, Day: d}
}
