package calendar

import (
	"slices"
	"sync"
	"time"
)

// The years Holidays knows. Before 1949 the Act was not yet in force for a
// whole year (it took effect on 1948-07-20); after 2099 the equinox formula
// is no longer a good approximation.
const (
	MinYear = 1949
	MaxYear = 2099
)

// Kind says under which provision a day is a holiday.
type Kind int

// The kinds of holiday.
const (
	// National is a 国民の祝日, a day named in Article 2 of the Act.
	National Kind = iota + 1
	// Substitute is a 振替休日 (Article 3(2)): the day off for a national
	// holiday that falls on a Sunday.
	Substitute
	// Citizens is a 国民の休日 (Article 3(3)): a day between two national
	// holidays.
	Citizens
	// Special is a day off given by an act of its own for an imperial
	// ceremony (1959, 1989, 1990, 1993, 2019).
	Special
)

// String returns the kind in lower-case English, e.g. "substitute".
func (k Kind) String() string {
	switch k {
	case National:
		return "national"
	case Substitute:
		return "substitute"
	case Citizens:
		return "citizens"
	case Special:
		return "special"
	}
	return "unknown"
}

// Holiday is one public holiday in Japan.
type Holiday struct {
	Date   Date
	NameJA string // e.g. 海の日, 振替休日
	NameEN string // e.g. Marine Day, Substitute Holiday
	Kind   Kind
}

// CabinetOfficeName returns the name the Cabinet Office's list of holidays
// (内閣府「国民の祝日について」 and its syukujitsu.csv) gives the day. It
// differs from NameJA only where that list uses a generic label: 休日 for
// every substitute holiday and every day between two holidays, 休日（祝日扱い）
// for the two days of 2019 that counted as national holidays, and a few
// names written otherwise (結婚の儀, 大喪の礼, 体育の日（スポーツの日）).
func (h Holiday) CabinetOfficeName() string {
	if h.Kind == Substitute || h.Kind == Citizens {
		return "休日"
	}
	if name, ok := cabinetOfficeNames[h.Date]; ok {
		return name
	}
	return h.NameJA
}

var cabinetOfficeNames = map[Date]string{
	{1959, time.April, 10}:    "結婚の儀",
	{1989, time.February, 24}: "大喪の礼",
	{1993, time.June, 9}:      "結婚の儀",
	{2019, time.May, 1}:       "休日（祝日扱い）",
	{2019, time.October, 14}:  "体育の日（スポーツの日）",
	{2019, time.October, 22}:  "休日（祝日扱い）",
}

// Holidays returns the public holidays of year in date order: the national
// holidays, substitute holidays, days between two holidays and the special
// days off of imperial ceremonies. It returns nil for a year outside
// MinYear..MaxYear. The caller may change the slice.
//
// Years after the coming one are predictions: the equinox days are fixed
// only when the National Astronomical Observatory announces them each
// February for the following year, and the Diet may change the Act.
func Holidays(year int) []Holiday {
	if year < MinYear || year > MaxYear {
		return nil
	}
	return slices.Clone(table().byYear[year-MinYear])
}

// HolidayOn returns the holiday on d, if d is one. Dates outside
// MinYear..MaxYear are never holidays.
func HolidayOn(d Date) (Holiday, bool) {
	h, ok := table().byDate[d]
	return h, ok
}

type holidayTable struct {
	byYear [][]Holiday
	byDate map[Date]Holiday
}

// table computes every supported year once; it takes about a millisecond.
var table = sync.OnceValue(func() holidayTable {
	t := holidayTable{byDate: make(map[Date]Holiday, (MaxYear-MinYear+1)*18)}
	for y := MinYear; y <= MaxYear; y++ {
		hs := compute(y)
		t.byYear = append(t.byYear, hs)
		for _, h := range hs {
			t.byDate[h.Date] = h
		}
	}
	return t
})

type name struct{ ja, en string }

var (
	ganjitsu     = name{"元日", "New Year's Day"}
	seijin       = name{"成人の日", "Coming of Age Day"}
	kenkoku      = name{"建国記念の日", "National Foundation Day"}
	tennoTanjobi = name{"天皇誕生日", "The Emperor's Birthday"}
	shunbun      = name{"春分の日", "Vernal Equinox Day"}
	showa        = name{"昭和の日", "Showa Day"}
	kenpo        = name{"憲法記念日", "Constitution Memorial Day"}
	midori       = name{"みどりの日", "Greenery Day"}
	kodomo       = name{"こどもの日", "Children's Day"}
	umi          = name{"海の日", "Marine Day"}
	yama         = name{"山の日", "Mountain Day"}
	keiro        = name{"敬老の日", "Respect for the Aged Day"}
	shubun       = name{"秋分の日", "Autumnal Equinox Day"}
	taiiku       = name{"体育の日", "Health and Sports Day"}
	sports       = name{"スポーツの日", "Sports Day"}
	bunka        = name{"文化の日", "Culture Day"}
	kinro        = name{"勤労感謝の日", "Labor Thanksgiving Day"}
	furikae      = name{"振替休日", "Substitute Holiday"}
	kokumin      = name{"国民の休日", "Citizens' Holiday"}
)

// A rule places one national holiday in the years from..to inclusive. The
// table is Article 2 of the Act with each amendment as a new row; the rows
// for 2020 and 2021 are the Olympic moves of the Tokyo 2020 special
// measures act.
type rule struct {
	from, to int
	name     name
	on       func(year int) Date
}

var rules = []rule{
	{1949, MaxYear, ganjitsu, fixed(time.January, 1)},
	{1949, 1999, seijin, fixed(time.January, 15)},
	{2000, MaxYear, seijin, nthMonday(time.January, 2)},
	{1967, MaxYear, kenkoku, fixed(time.February, 11)},
	{2020, MaxYear, tennoTanjobi, fixed(time.February, 23)},
	{1949, MaxYear, shunbun, vernalEquinox},
	{1949, 1988, tennoTanjobi, fixed(time.April, 29)},
	{1989, 2006, midori, fixed(time.April, 29)},
	{2007, MaxYear, showa, fixed(time.April, 29)},
	{1949, MaxYear, kenpo, fixed(time.May, 3)},
	{2007, MaxYear, midori, fixed(time.May, 4)},
	{1949, MaxYear, kodomo, fixed(time.May, 5)},
	{1996, 2002, umi, fixed(time.July, 20)},
	{2003, 2019, umi, nthMonday(time.July, 3)},
	{2020, 2020, umi, fixed(time.July, 23)},
	{2021, 2021, umi, fixed(time.July, 22)},
	{2022, MaxYear, umi, nthMonday(time.July, 3)},
	{2020, 2020, sports, fixed(time.July, 24)},
	{2021, 2021, sports, fixed(time.July, 23)},
	{2016, 2019, yama, fixed(time.August, 11)},
	{2020, 2020, yama, fixed(time.August, 10)},
	{2021, 2021, yama, fixed(time.August, 8)},
	{2022, MaxYear, yama, fixed(time.August, 11)},
	{1966, 2002, keiro, fixed(time.September, 15)},
	{2003, MaxYear, keiro, nthMonday(time.September, 3)},
	{1949, MaxYear, shubun, autumnalEquinox},
	{1966, 1999, taiiku, fixed(time.October, 10)},
	{2000, 2019, taiiku, nthMonday(time.October, 2)},
	{2022, MaxYear, sports, nthMonday(time.October, 2)},
	{1949, MaxYear, bunka, fixed(time.November, 3)},
	{1949, MaxYear, kinro, fixed(time.November, 23)},
	{1989, 2018, tennoTanjobi, fixed(time.December, 23)},
}

// specials are the days off given by acts of their own. Only the two of 2019
// count as national holidays for Article 3 (the act for the enthronement
// says so); the others fell where Article 3 had nothing to do.
var specials = []struct {
	date     Date
	name     name
	national bool
}{
	{Date{1959, time.April, 10}, name{"皇太子明仁親王の結婚の儀", "Wedding of Crown Prince Akihito"}, false},
	{Date{1989, time.February, 24}, name{"昭和天皇の大喪の礼", "State Funeral of Emperor Showa"}, false},
	{Date{1990, time.November, 12}, name{"即位礼正殿の儀", "Enthronement Ceremony"}, false},
	{Date{1993, time.June, 9}, name{"皇太子徳仁親王の結婚の儀", "Wedding of Crown Prince Naruhito"}, false},
	{Date{2019, time.May, 1}, name{"即位の日", "Day of the Emperor's Enthronement"}, true},
	{Date{2019, time.October, 22}, name{"即位礼正殿の儀", "Enthronement Ceremony"}, true},
}

// The amendments of Article 3.
var (
	// Substitute holidays began with the amendment in force from
	// 1973-04-12: a national holiday on a Sunday made the Monday a holiday.
	substituteFrom = Date{1973, time.April, 12}
	// Days between two national holidays became holidays from 1985-12-27,
	// unless they were Sundays or substitute holidays.
	citizensFrom = Date{1985, time.December, 27}
	// From 2007 the substitute is the first day after the Sunday that is
	// not itself a national holiday (so 2008-05-04, a Sunday, moved to
	// 05-06), and the exceptions for the day between two holidays went.
	amended2007 = Date{2007, time.January, 1}
)

// compute applies the Act to one year.
func compute(year int) []Holiday {
	days := make(map[Date]Holiday, 20)
	national := make(map[Date]bool, 20) // the days that count as 国民の祝日 for Article 3
	for _, r := range rules {
		if year < r.from || year > r.to {
			continue
		}
		d := r.on(year)
		days[d] = Holiday{Date: d, NameJA: r.name.ja, NameEN: r.name.en, Kind: National}
		national[d] = true
	}
	for _, s := range specials {
		if s.date.Year != year {
			continue
		}
		days[s.date] = Holiday{Date: s.date, NameJA: s.name.ja, NameEN: s.name.en, Kind: Special}
		if s.national {
			national[s.date] = true
		}
	}

	nationalDays := make([]Date, 0, len(national))
	for d := range national {
		nationalDays = append(nationalDays, d)
	}
	slices.SortFunc(nationalDays, Date.Compare)

	// Article 3(2): 振替休日.
	for _, d := range nationalDays {
		if d.Weekday() != time.Sunday || d.Before(substituteFrom) {
			continue
		}
		s := d.AddDays(1)
		if !d.Before(amended2007) {
			for national[s] {
				s = s.AddDays(1)
			}
		}
		if _, taken := days[s]; !taken {
			days[s] = Holiday{Date: s, NameJA: furikae.ja, NameEN: furikae.en, Kind: Substitute}
		}
	}

	// Article 3(3): 国民の休日.
	for _, prev := range nationalDays {
		d := prev.AddDays(1)
		if d.Before(citizensFrom) || national[d] || !national[d.AddDays(1)] {
			continue
		}
		if _, taken := days[d]; taken {
			continue // already a substitute holiday, which the old text excluded and the new one overlaps
		}
		if d.Before(amended2007) && d.Weekday() == time.Sunday {
			continue
		}
		days[d] = Holiday{Date: d, NameJA: kokumin.ja, NameEN: kokumin.en, Kind: Citizens}
	}

	hs := make([]Holiday, 0, len(days))
	for _, h := range days {
		hs = append(hs, h)
	}
	slices.SortFunc(hs, func(a, b Holiday) int { return a.Date.Compare(b.Date) })
	return hs
}

func fixed(m time.Month, day int) func(int) Date {
	return func(year int) Date { return Date{year, m, day} }
}

// nthMonday gives a Happy Monday holiday: the nth Monday of month m.
func nthMonday(m time.Month, n int) func(int) Date {
	return func(year int) Date {
		first := Date{year, m, 1}
		offset := (int(time.Monday) - int(first.Weekday()) + 7) % 7
		return Date{year, m, 1 + offset + 7*(n-1)}
	}
}
