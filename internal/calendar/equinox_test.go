package calendar

import (
	"math"
	"testing"
	"time"
)

// TestEquinoxFormulaMatchesAstronomy compares the formula with the equinoxes
// computed as in Meeus, Astronomical Algorithms (2nd ed.), chapter 27, with
// ΔT from the Espenak–Meeus polynomials: the day in JST must agree for every
// supported year. The computation is good to a minute or two, so a day
// decided by less is logged as a close call.
func TestEquinoxFormulaMatchesAstronomy(t *testing.T) {
	for year := MinYear; year <= MaxYear; year++ {
		for _, march := range []bool{true, false} {
			at := meeusEquinox(year, march).In(JST)
			want := Date{at.Year(), at.Month(), at.Day()}
			got := autumnalEquinox(year)
			if march {
				got = vernalEquinox(year)
			}
			if got != want {
				t.Errorf("equinox of %s: formula says %s, astronomy says %s", at.Month(), got, at.Format(time.DateTime))
			}
			if m := at.Hour()*60 + at.Minute(); m < 15 || m >= 24*60-15 {
				t.Logf("close call: the equinox is at %s JST", at.Format("2006-01-02 15:04"))
			}
		}
	}
}

// meeusPeriodic holds the periodic terms (A, B, C) of Meeus's table 27.C.
var meeusPeriodic = [][3]float64{
	{485, 324.96, 1934.136}, {203, 337.23, 32964.467}, {199, 342.08, 20.186}, {182, 27.85, 445267.112},
	{156, 73.14, 45036.886}, {136, 171.52, 22518.443}, {77, 222.54, 65928.934}, {74, 296.72, 3034.906},
	{70, 243.58, 9037.513}, {58, 119.81, 33718.147}, {52, 297.17, 150.678}, {50, 21.02, 2281.226},
	{45, 247.54, 29929.562}, {44, 325.15, 31555.956}, {29, 60.93, 4443.417}, {18, 155.12, 67555.328},
	{17, 288.79, 4562.452}, {16, 198.04, 62894.029}, {14, 199.76, 31436.921}, {12, 95.39, 14577.848},
	{12, 287.11, 31931.756}, {12, 320.81, 34777.259}, {9, 227.73, 1222.114}, {8, 15.45, 16859.074},
}

// meeusEquinox returns the instant of the March or September equinox.
func meeusEquinox(year int, march bool) time.Time {
	y := (float64(year) - 2000) / 1000
	jde0 := 2451810.21715 + 365242.01767*y - 0.11575*y*y + 0.00337*y*y*y + 0.00078*y*y*y*y
	if march {
		jde0 = 2451623.80984 + 365242.37404*y + 0.05169*y*y - 0.00411*y*y*y - 0.00057*y*y*y*y
	}
	rad := func(deg float64) float64 { return deg * math.Pi / 180 }
	T := (jde0 - 2451545.0) / 36525
	W := 35999.373*T - 2.47
	dl := 1 + 0.0334*math.Cos(rad(W)) + 0.0007*math.Cos(rad(2*W))
	var S float64
	for _, p := range meeusPeriodic {
		S += p[0] * math.Cos(rad(p[1]+p[2]*T))
	}
	jde := jde0 + 0.00001*S/dl              // Terrestrial Time
	jd := jde - deltaT(float64(year))/86400 // Universal Time
	return time.Unix(0, int64((jd-2440587.5)*86400*1e9)).UTC()
}

// deltaT approximates TT − UT in seconds (Espenak and Meeus, NASA 2006).
func deltaT(y float64) float64 {
	switch {
	case y < 1961:
		t := y - 1950
		return 29.07 + 0.407*t - t*t/233 + t*t*t/2547
	case y < 1986:
		t := y - 1975
		return 45.45 + 1.067*t - t*t/260 - t*t*t/718
	case y < 2005:
		t := y - 2000
		return 63.86 + 0.3345*t - 0.060374*t*t + 0.0017275*t*t*t + 0.000651814*t*t*t*t + 0.00002373599*t*t*t*t*t
	case y < 2050:
		t := y - 2000
		return 62.92 + 0.32217*t + 0.005589*t*t
	default:
		u := (y - 1820) / 100
		return -20 + 32*u*u - 0.5628*(2150-y)
	}
}
