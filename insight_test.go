package kasuhara

import "testing"

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
