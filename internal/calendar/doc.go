// Package calendar knows Japan's public holidays and counts business days
// for case clocks ("acknowledge within one business day"). It also writes
// dates as people in Japan read them (Date.Japanese): 2026年12月6日, or in
// the era (和暦) 令和8年12月6日.
//
// # Public holidays
//
// Holidays are computed from the rules of the Act on National Holidays
// (国民の祝日に関する法律, Act No. 178 of 1948) as amended, not looked up in
// a list, so the package needs no yearly update unless the Diet changes the
// Act. It supports the years MinYear (1949, the first whole year of the
// Act) to MaxYear (2099, the end of the equinox formula's validity);
// Holidays returns nil outside them and HolidayOn finds nothing there.
//
// The rules, by kind:
//
//   - National holidays (Article 2) on fixed dates, each with the years it
//     held: 元日 1 Jan; 成人の日 15 Jan to 1999; 建国記念の日 11 Feb from 1967;
//     天皇誕生日 29 Apr to 1988, 23 Dec 1989–2018, none in 2019, 23 Feb from
//     2020; 29 Apr is みどりの日 1989–2006 and 昭和の日 from 2007, when
//     みどりの日 moved to 4 May; 憲法記念日 3 May; こどもの日 5 May; 海の日
//     20 Jul 1996–2002; 山の日 11 Aug from 2016; 敬老の日 15 Sep 1966–2002;
//     体育の日 10 Oct 1966–1999; 文化の日 3 Nov; 勤労感謝の日 23 Nov.
//   - Happy Monday holidays: 成人の日 (2nd Monday of January) and 体育の日
//     (2nd Monday of October) from 2000; 海の日 (3rd Monday of July) and
//     敬老の日 (3rd Monday of September) from 2003. 体育の日 is named
//     スポーツの日 from 2020.
//   - The Olympic years: in 2020 海の日 was 23 Jul, スポーツの日 24 Jul and
//     山の日 10 Aug; in 2021 22 Jul, 23 Jul and 8 Aug (a Sunday, so 9 Aug
//     was a substitute holiday).
//   - 春分の日 and 秋分の日 on the days of the equinoxes (see below).
//   - 振替休日 (Article 3(2), from 1973-04-12): a national holiday on a
//     Sunday makes the next day a holiday; from 2007 the next day that is
//     not itself a national holiday (みどりの日 on Sunday 2008-05-04 gave
//     05-06).
//   - 国民の休日 (Article 3(3), from 1985-12-27): a day between two national
//     holidays is a holiday (until 2006 not when it was a Sunday or a
//     substitute holiday). 4 May was one in most years 1988–2006; in
//     September it falls between 敬老の日 and 秋分の日 in some years (2009,
//     2015, 2026).
//   - Special days off, each by an act of its own: 1959-04-10 and
//     1993-06-09 (imperial weddings), 1989-02-24 (the funeral of Emperor
//     Showa), 1990-11-12 and 2019-10-22 (enthronement ceremonies) and
//     2019-05-01 (the enthronement). The two of 2019 counted as national
//     holidays for Article 3, which made 30 April and 2 May 2019 holidays.
//
// The Act names the equinox days without dates; the National Astronomical
// Observatory computes them. This package uses the customary approximation
// of the day of the month, with C = 20.8431 for March and 23.2488 for
// September:
//
//	1980–2099: floor(C + 0.242194·(y−1980) − floor((y−1980)/4))
//
// and for 1949–1979 C = 20.8357 or 23.2588 and the leap days counted as
// trunc((y−1983)/4), rounded toward zero. It gives the Cabinet Office's
// dates for every year that list covers and the dates of an astronomical
// computation (Meeus, Astronomical Algorithms, ch. 27) for 1949–2099; the
// closest call is the autumnal equinox of 2074, a few minutes after
// midnight on 23 September.
//
// Holiday.NameJA is the name a reader expects (振替休日, 国民の休日, 即位の日);
// CabinetOfficeName gives the label of the Cabinet Office's list instead
// (休日, 休日（祝日扱い）). The tests check the results against that list for
// every year it covers, 1955–2027.
//
// Years after the coming one are predictions: the equinox days become
// official only when the National Astronomical Observatory announces them
// each February for the following year, and the Act may change.
//
// # Business days
//
// A Calendar names the days a desk does not work: weekend days (Saturday
// and Sunday unless set), public holidays when Holidays is set, and the
// organisation's own closing days in Extra (YearEndClosure gives 年末年始,
// 29 December to 3 January). Dates are taken in Japan (JST, UTC+9, no
// daylight saving time) whatever the location of the time.Time given.
//
// A business-day clock runs only on business days, as whole days, and runs
// out when n×24 hours of business days have passed: filed on Friday at
// 18:00, one business day is due on Monday at 18:00; filed on Saturday,
// the clock starts on Monday morning and one business day is due at the end
// of Monday (Tuesday 00:00). See Calendar.AddBusinessDays.
//
// A Duration is a clock's length in business days, calendar days or hours,
// written 1bd, 7d or 48h. The product's defaults are DefaultAcknowledge (1
// business day) and DefaultFeedback (7 calendar days); Calendar.Deadline
// applies one to a start time.
package calendar
