package kasuhara

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestSuppressHierarchyExample: area X holds stores A (5) and B (2), area Y
// stores C (3) and D (10). Shown on their own, B is "<3" and the areas'
// figures (7 and 13) are shown; then A must not be shown, or X − A = B.
func TestSuppressHierarchyExample(t *testing.T) {
	f := DepartmentFigures{Total: 20, Own: map[string]int{"A": 5, "B": 2, "C": 3, "D": 10},
		Parent: map[string]string{"X": "", "Y": "", "A": "X", "B": "X", "C": "Y", "D": "Y"}}
	h := SuppressHierarchy(f)
	if x := h.Rolled["X"]; x.Count != 7 || x.Hidden() {
		t.Errorf("X = %+v, want 7 shown", x)
	}
	if b := h.Own["B"]; !b.Suppressed {
		t.Errorf("B = %+v, want <3", b)
	}
	if a := h.Own["A"]; !a.Hidden() {
		t.Errorf("A = %+v is shown: X − A gives B", a)
	}
	if c := h.Own["C"]; c.Hidden() {
		t.Errorf("C = %+v: nothing to protect under Y", c)
	}
	// The views agree: the store view hides A and B, the area view shows X.
	byKey := func(cells []StatCell) map[string]StatCell {
		m := map[string]StatCell{}
		for _, c := range cells {
			m[c.Key] = c
		}
		return m
	}
	stores, areas, underX := byKey(h.Cut("", 0)), byKey(h.Cut("", 1)), byKey(h.Cut("X", 0))
	if !stores["A"].Hidden() || !stores["B"].Hidden() || stores["D"].Count != 10 || stores["D"].Hidden() {
		t.Errorf("stores: %+v", stores)
	}
	if len(areas) != 3 || areas["X"].Count != 7 || areas["Y"].Count != 13 || areas["A"].Count != 0 {
		t.Errorf("areas: %+v", areas)
	}
	if len(underX) != 3 || !underX["A"].Hidden() || !underX["B"].Hidden() {
		t.Errorf("under X: %+v", underX)
	}
	// A store filter at the area level is the store itself.
	if got := h.Cut("C", 1); len(got) != 1 || got[0].Key != "C" || got[0].Count != 3 {
		t.Errorf("C at level 1: %+v", got)
	}
}

// TestSuppressHierarchyNeverLeaks: on random hierarchies, every figure
// shown minus the figures shown directly below it leaves either nothing or
// at least two hidden figures holding 2×MinShown−1 cases or more; a hidden
// department hides everything below it; every "<3" is hidden.
func TestSuppressHierarchyNeverLeaks(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 2000 {
		f := DepartmentFigures{Own: map[string]int{}, Parent: map[string]string{}}
		n := 1 + rng.IntN(12)
		for i := range n {
			d := fmt.Sprintf("d%d", i)
			f.Parent[d] = ""
			if i > 0 && rng.IntN(3) > 0 {
				f.Parent[d] = fmt.Sprintf("d%d", rng.IntN(i))
			}
			f.Own[d] = []int{0, 0, 1, 2, 3, 4, 5, 8, 20}[rng.IntN(9)]
			f.Total += f.Own[d]
		}
		f.Own[""] = rng.IntN(4)
		f.Total += f.Own[""]
		h := SuppressHierarchy(f)
		children := map[string][]string{}
		for d, p := range f.Parent {
			children[p] = append(children[p], d)
		}
		check := func(node string, figure StatCell, parts []StatCell) {
			if figure.Hidden() {
				for _, p := range parts {
					if p.Count > 0 && !p.Hidden() {
						t.Fatalf("round %d: %s hidden but its part %+v shown (%+v)", round, node, p, f)
					}
				}
				return
			}
			hiddenN, mass := 0, 0
			for _, p := range parts {
				if p.Count > 0 && p.Count < MinShown && !p.Suppressed {
					t.Fatalf("round %d: %+v under %s is shown", round, p, node)
				}
				if p.Hidden() {
					hiddenN++
					mass += p.Count
				}
			}
			if node == "total" && hiddenN > 0 {
				// At the top, as in a table of its own (Suppress): either
				// enough is hidden or everything is.
				for _, p := range parts {
					if hiddenN < 2 || mass < 2*MinShown-1 {
						if p.Count > 0 && !p.Hidden() {
							t.Fatalf("round %d: the total minus %+v gives the hidden away (%+v)", round, p, f)
						}
					}
				}
				return
			}
			if hiddenN > 0 && (hiddenN < 2 || mass < 2*MinShown-1) {
				t.Fatalf("round %d: %s = %d minus its shown parts leaves %d hidden holding %d (%+v)", round, node, figure.Count, hiddenN, mass, f)
			}
		}
		rootParts := []StatCell{h.Own[""]}
		for _, c := range children[""] {
			rootParts = append(rootParts, h.Rolled[c])
		}
		total := StatCell{Count: f.Total}
		if f.Total > 0 && f.Total < MinShown {
			total.Suppressed = true
		}
		check("total", total, rootParts)
		for d := range f.Parent {
			parts := []StatCell{h.Own[d]}
			for _, c := range children[d] {
				parts = append(parts, h.Rolled[c])
			}
			check(d, h.Rolled[d], parts)
		}
	}
}
