package kasuhara

import (
	"testing"
	"time"
)

func shownOf(cells []StatCell) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = c.Shown()
	}
	return out
}

func TestSuppressLeavesNothingToSubtract(t *testing.T) {
	for _, tc := range []struct {
		name  string
		in    []int
		shown []string
	}{
		{"nothing small", []int{10, 5, 3}, []string{"10", "5", "3"}},
		{"one small: the next smallest goes too", []int{10, 4, 1}, []string{"10", "*", "<3"}},
		{"two small adding up to 2: one more goes", []int{10, 1, 1}, []string{"*", "<3", "<3"}},
		{"hidden mass reaches 6", []int{20, 5, 4, 2}, []string{"20", "5", "*", "<3"}},
		{"zero stays zero", []int{0, 7, 9}, []string{"0", "7", "9"}},
		{"all small", []int{1, 2}, []string{"<3", "<3"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cells := make([]StatCell, len(tc.in))
			for i, n := range tc.in {
				cells[i] = StatCell{Count: n}
			}
			Suppress(cells)
			got := shownOf(cells)
			for i := range got {
				if got[i] != tc.shown[i] {
					t.Fatalf("Suppress(%v) shows %v, want %v", tc.in, got, tc.shown)
				}
			}
		})
	}
}

func TestSuppressTableKeepsTheSumFromGivingAwaySubsidiaries(t *testing.T) {
	a := OrgStats{Total: StatCell{Count: 15}, Groups: []StatCell{{Key: "w", Count: 10}, {Key: "y", Count: 4}, {Key: "x", Count: 1}}}
	b := OrgStats{Total: StatCell{Count: 9}, Groups: []StatCell{{Key: "w", Count: 5}, {Key: "z", Count: 4}}}
	sum := OrgStats{Total: StatCell{Count: 24}, Groups: []StatCell{{Key: "w", Count: 15}, {Key: "y", Count: 4}, {Key: "z", Count: 4}, {Key: "x", Count: 1}}}
	orgs := []OrgStats{a, b}
	SuppressTable(orgs, &sum)
	byKey := func(o OrgStats, k string) StatCell {
		for _, c := range o.Groups {
			if c.Key == k {
				return c
			}
		}
		return StatCell{}
	}
	// x is hidden in a; y is withheld in a, so the sum must hide both.
	for _, k := range []string{"x", "y"} {
		if !byKey(sum, k).Hidden() {
			t.Errorf("the sum shows %s, which a hides: %+v", k, sum.Groups)
		}
	}
	// A small subsidiary's total is withheld in the sum.
	c := OrgStats{Total: StatCell{Count: 2}, Groups: []StatCell{{Key: "w", Count: 2}}}
	big := OrgStats{Total: StatCell{Count: 30}, Groups: []StatCell{{Key: "w", Count: 30}}}
	s2 := OrgStats{Total: StatCell{Count: 32}, Groups: []StatCell{{Key: "w", Count: 32}}}
	SuppressTable([]OrgStats{big, c}, &s2)
	if !s2.Total.Hidden() || !s2.Groups[0].Hidden() {
		t.Errorf("the sum gives the small subsidiary away: %+v", s2)
	}
}

func TestDurationsNeedTenCases(t *testing.T) {
	if d := DurationsOf(map[int]int{5: 1, 30: 1, 2880: 1}, 3); !d.Suppressed {
		t.Errorf("three cases' times are shown: %+v", d)
	}
	d := DurationsOf(map[int]int{5: 5, 30: 5}, 9)
	if d.Suppressed || d.Median != 5 || !d.OnTimeHidden {
		t.Errorf("ten cases, one late: %+v", d)
	}
}

// oldDurationBucket is DurationBucket before migration 0052: exact minutes
// below two hours, ten minutes below two days, hours below thirty days,
// days beyond.
func oldDurationBucket(m int) int {
	switch {
	case m < 0:
		return 0
	case m < 120:
		return m
	case m < 2*24*60:
		return m - m%10
	case m < 30*24*60:
		return m - m%60
	default:
		return m - m%(24*60)
	}
}

// The buckets keep what people read honest: a figure (a bucket's lower
// bound) is the exact minute below 40 minutes and at most 5 % below the
// time it stands for up to ten years, except from 2 hours to 3 hours 20
// minutes (the old 10-minute steps). And no figure is ever above the time.
func TestDurationBucketPrecision(t *testing.T) {
	const day = 24 * 60
	for m := 0; m <= 10*365*day; m++ {
		b := DurationBucket(time.Duration(m)*time.Minute + 59*time.Second)
		switch {
		case b > m:
			t.Fatalf("%d minutes counted as %d: above the time", m, b)
		case m < 40 && b != m:
			t.Fatalf("%d minutes counted as %d: not the exact minute", m, b)
		case b >= 120 && b < 200 && m-b >= 10:
			t.Fatalf("%d minutes counted as %d: more than the 10-minute step below", m, b)
		case (b < 120 || b >= 200) && float64(m-b) > DurationPrecision*float64(b):
			t.Fatalf("%d minutes counted as %d: %.1f %% below", m, b, 100*float64(m-b)/float64(m))
		}
	}
	if got := DurationBucket(-time.Hour); got != 0 {
		t.Errorf("a negative duration is counted as %d, want 0", got)
	}
	if got, want := DurationBucket(20*365*day*time.Minute), durationBounds[len(durationBounds)-1]; got != want {
		t.Errorf("twenty years counted as %d, want the last bucket %d", got, want)
	}
	// Round figures: every bound a multiple of its bucket's width.
	for i := 0; i+1 < len(durationBounds); i++ {
		if w := durationBounds[i+1] - durationBounds[i]; durationBounds[i]%w != 0 {
			t.Errorf("bucket %d is %d minutes wide: not a round figure", durationBounds[i], w)
		}
	}
	// Few buckets: three years of a month's times to acknowledge and to
	// resolve are read for every request of the statistics.
	if n := len(durationBounds); n > 400 {
		t.Errorf("%d buckets up to ten years, want at most 400", n)
	}
}

// Each bucket of the old layout lies whole in one new bucket, so that
// migration 0052 can add the old counters up without moving a case across
// a bound: every minute of an old bucket falls in the new bucket of the old
// bucket's lower bound.
func TestDurationBucketsHoldTheOldOnesWhole(t *testing.T) {
	for m := 0; m <= 10*365*24*60; m++ {
		old := oldDurationBucket(m)
		if got, want := DurationBucket(time.Duration(m)*time.Minute), DurationBucket(time.Duration(old)*time.Minute); got != want {
			t.Fatalf("%d minutes (old bucket %d) counted as %d, but the old bucket's lower bound as %d", m, old, got, want)
		}
	}
}
