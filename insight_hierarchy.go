package kasuhara

import "slices"

// MaxStatsLevel is the deepest level statistics roll up to (StatsQuery.Level):
// the department hierarchy is at most four deep (head office → area → store
// → team).
const MaxStatsLevel = 4

// DepartmentFigures are the cases of an organisation by department, as the
// hierarchy shows them: Own[d] the cases of department d itself ("" for
// cases without one), Parent[d] the department above d ("" at the top).
type DepartmentFigures struct {
	Total  int
	Own    map[string]int
	Parent map[string]string
}

// HierarchyCells are the suppressed figures of a department hierarchy:
// Rolled[d] the cases of d and every department below it, Own[d] those of d
// itself (Own[""] the cases without a department).
type HierarchyCells struct {
	Rolled map[string]StatCell
	Own    map[string]StatCell
	depth  map[string]int
	parent map[string]string
}

// SuppressHierarchy hides the figures of a department hierarchy so that no
// view of it, at any level (StatsQuery.Level) or under any department
// (StatsQuery.Department), gives away a hidden count by subtraction: each
// department's figure is split into its own cases and each department below
// it, and that split is suppressed as Suppress does one table (at the top,
// the organisation's total into its top departments and the cases without a
// department). A hidden department hides everything below it, so that its
// figure cannot be added up from its parts either. Every view is a cut of
// this tree, so a count hidden in one is hidden in all.
func SuppressHierarchy(f DepartmentFigures) HierarchyCells {
	h := HierarchyCells{Rolled: map[string]StatCell{}, Own: map[string]StatCell{}, depth: map[string]int{}, parent: map[string]string{}}
	children := map[string][]string{}
	known := func(d string) bool { _, ok := f.Parent[d]; return ok }
	var all []string
	for d := range f.Parent {
		all = append(all, d)
	}
	for d := range f.Own {
		if d != "" && !known(d) {
			all = append(all, d) // a department no longer listed: at the top
		}
	}
	slices.Sort(all)
	for _, d := range all {
		p := f.Parent[d]
		if p != "" && !known(p) {
			p = ""
		}
		h.parent[d] = p
		children[p] = append(children[p], d)
	}
	var rolled func(d string) int
	sums := map[string]int{}
	rolled = func(d string) int {
		if n, ok := sums[d]; ok {
			return n
		}
		sums[d] = f.Own[d] // guards a cycle, which the store refuses anyway
		n := f.Own[d]
		for _, c := range children[d] {
			n += rolled(c)
		}
		sums[d] = n
		return n
	}
	var setDepth func(d string, n int)
	setDepth = func(d string, n int) {
		h.depth[d] = n
		for _, c := range children[d] {
			if _, seen := h.depth[c]; !seen {
				setDepth(c, n+1)
			}
		}
	}
	for _, d := range children[""] {
		setDepth(d, 1)
	}
	// A department whose split cannot hide enough (its figure minus what is
	// shown would still give the hidden counts away: fewer than
	// 2×MinShown−1 cases in all) is hidden itself, in its parent's split;
	// that may change the parent's, so the splits are made again until
	// nothing changes.
	force := map[string]bool{}
	for changed := true; changed; {
		changed = false
		for _, d := range all {
			h.Own[d] = StatCell{Count: f.Own[d]}
			h.Rolled[d] = StatCell{Count: rolled(d)}
		}
		h.Own[""] = StatCell{Count: f.Own[""]}
		// hideAll hides d's own cases and everything below it.
		var hideAll func(d string)
		hideAll = func(d string) {
			h.Own[d] = hidden(h.Own[d])
			for _, c := range children[d] {
				h.Rolled[c] = hidden(h.Rolled[c])
				hideAll(c)
			}
		}
		// split suppresses node d's figure split into its own cases and
		// its children's, then goes down.
		var split func(d string)
		split = func(d string) {
			cells := []StatCell{{Count: f.Own[d]}}
			for _, c := range children[d] {
				cell := StatCell{Key: c, Count: rolled(c)}
				if force[c] {
					cell = hidden(cell)
				}
				cells = append(cells, cell)
			}
			Suppress(cells)
			if d != "" && !leakProof(cells) && !force[d] {
				force[d], changed = true, true
			}
			h.Own[d] = cells[0]
			for i, c := range children[d] {
				h.Rolled[c] = cells[i+1]
			}
			for _, c := range children[d] {
				if h.Rolled[c].Hidden() {
					hideAll(c)
				} else {
					split(c)
				}
			}
		}
		split("")
		if f.Total > 0 && f.Total < MinShown {
			// The whole organisation is too small: nothing is shown.
			h.Own[""] = hidden(h.Own[""])
			for _, c := range children[""] {
				h.Rolled[c] = hidden(h.Rolled[c])
				hideAll(c)
			}
		}
	}
	return h
}

// leakProof reports whether a split hides enough: nothing, or at least two
// figures holding 2×MinShown−1 cases or more.
func leakProof(cells []StatCell) bool {
	n, mass := 0, 0
	for _, c := range cells {
		if c.Hidden() {
			n++
			mass += c.Count
		}
	}
	return n == 0 || (n >= 2 && mass >= 2*MinShown-1)
}

// hidden is c hidden: "<3" when it is 1 or 2, otherwise withheld.
func hidden(c StatCell) StatCell {
	if c.Hidden() {
		return c
	}
	if c.Count > 0 && c.Count < MinShown {
		c.Suppressed = true
	} else if c.Count > 0 {
		c.Withheld = true
	}
	return c
}

// Depth is a department's level in the hierarchy: 1 at the top.
func (h HierarchyCells) Depth(d string) int { return h.depth[d] }

// Parent is the department above d, "" at the top.
func (h HierarchyCells) Parent(d string) string { return h.parent[d] }

// Under reports whether d is dept or below it.
func (h HierarchyCells) Under(d, dept string) bool {
	for i := 0; d != "" && i <= 16; i++ {
		if d == dept {
			return true
		}
		d = h.parent[d]
	}
	return false
}

// Cut is the view of the departments at or under dept ("" for the whole
// organisation) rolled up to level (0: each department on its own): a
// department above the level shows its own cases, one at the level its own
// and everything below it, one below the level is counted in its ancestor
// at the level.
func (h HierarchyCells) Cut(dept string, level int) []StatCell {
	var out []StatCell
	if dept == "" {
		out = append(out, h.Own[""])
	} else if level > 0 && level < h.depth[dept] {
		level = h.depth[dept] // the department itself, with everything below it
	}
	for d := range h.parent {
		if dept != "" && !h.Under(d, dept) {
			continue
		}
		switch depth := h.depth[d]; {
		case level == 0 || depth < level:
			c := h.Own[d]
			c.Key = d
			out = append(out, c)
		case depth == level:
			c := h.Rolled[d]
			c.Key = d
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b StatCell) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		if a.Key < b.Key {
			return -1
		}
		if a.Key > b.Key {
			return 1
		}
		return 0
	})
	return out
}
