package kasuhara

import "time"

// JST is Japan Standard Time, UTC+9: the zone in which Kasuhara counts
// days, months and years (a training's due date, a statistic's month, a
// case number's year, a business day). Japan has kept no daylight saving
// time since 1951, so a fixed zone is exact for every date a case can have
// and needs no time zone database on the host.
//
// It is defined here because the domain's own rules need it and this
// package imports no internal package; everything else uses it as
// calendar.JST, the same zone.
var JST = time.FixedZone("JST", 9*60*60)
