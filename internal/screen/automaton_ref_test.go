package screen

import "fmt"

// This is the byte-level automaton the screener used before the rune-level
// matcher (automaton.go), kept as a reference: TestAutomaton checks it
// against a naive search, and TestMatcher checks the matcher against it
// and the naive search.

// automaton is an Aho-Corasick automaton over the UTF-8 bytes of the folded
// text, compiled into a dense DFA whose columns are byte classes: every byte
// that occurs in some pattern has its own class, all other bytes share class
// 0. One table lookup per byte, no failure links to follow at search time,
// and it reports every match, overlapping ones included (the rule layer
// needs them: 殺虫剤 must be seen as well as 殺す inside ぶっ殺す).
type automaton struct {
	class  [256]uint8
	stride int // number of byte classes
	// trans[s*stride+class] is the next state. States are numbered
	// breadth-first, so the rows that text visits most (the root and
	// shallow states) lie together in memory, except that the states that
	// end a pattern come last: a state ends a pattern when it is at least
	// firstMatch. 16 bits keep the table small enough for the caches.
	trans      []uint32
	firstMatch uint32
	// outs[s-firstMatch] lists the patterns that end in state s, its own
	// and those of its suffixes.
	outs   [][]int32
	states int
}

// buildAutomaton compiles patterns (folded, non-empty, UTF-8).
func buildAutomaton(patterns []string) (*automaton, error) {
	a := &automaton{}
	var used [256]bool
	for i, p := range patterns {
		if p == "" {
			return nil, fmt.Errorf("screen: pattern %d is empty", i)
		}
		for j := 0; j < len(p); j++ {
			used[p[j]] = true
		}
	}
	n := 1
	for b := range 256 {
		if used[b] {
			if n > 255 {
				return nil, fmt.Errorf("screen: too many distinct bytes in patterns")
			}
			a.class[b] = uint8(n)
			n++
		}
	}
	stride := n
	a.stride = stride

	// The trie, one dense row per state; 0 means no child (the root is
	// never a child).
	trans := make([]int32, stride)
	var own [][]int32
	own = append(own, nil)
	for pi, p := range patterns {
		s := 0
		for j := 0; j < len(p); j++ {
			c := int(a.class[p[j]])
			next := int(trans[s*stride+c])
			if next == 0 {
				next = len(own)
				own = append(own, nil)
				trans = append(trans, make([]int32, stride)...)
				trans[s*stride+c] = int32(next)
			}
			s = next
		}
		own[s] = append(own[s], int32(pi))
	}
	states := len(own)

	// Breadth-first: failure links, then complete every row from the row of
	// the state's failure, which is shallower and so already complete.
	fail := make([]int32, states)
	outs := make([][]int32, states)
	queue := make([]int32, 0, states)
	for c := range stride {
		if ch := trans[c]; ch != 0 {
			fail[ch] = 0
			queue = append(queue, ch)
		}
	}
	for head := 0; head < len(queue); head++ {
		s := queue[head]
		outs[s] = append(append([]int32(nil), own[s]...), outs[fail[s]]...)
		row := int(s) * stride
		frow := int(fail[s]) * stride
		for c := range stride {
			if ch := trans[row+c]; ch != 0 {
				fail[ch] = trans[frow+c]
				queue = append(queue, ch)
			} else {
				trans[row+c] = trans[frow+c]
			}
		}
	}
	if states > 1<<24 {
		return nil, fmt.Errorf("screen: the lexicon needs %d automaton states; the limit is %d", states, 1<<24)
	}
	// Renumber: states that end no pattern first, then those that do, each
	// group in breadth-first order (the root first).
	var order []int32
	for _, match := range []bool{false, true} {
		for _, old := range append([]int32{0}, queue...) {
			if (len(outs[old]) > 0) == match {
				order = append(order, old)
			}
		}
	}
	newID := make([]uint32, states)
	for i, old := range order {
		newID[old] = uint32(i)
		if len(outs[old]) > 0 && a.firstMatch == 0 {
			a.firstMatch = uint32(i)
		}
	}
	if a.firstMatch == 0 {
		a.firstMatch = uint32(states - 1) // no pattern at all: nothing matches
		if states == 1 {
			a.firstMatch = 1
		}
	}
	a.trans = make([]uint32, len(trans))
	for i, old := range order {
		for c := range stride {
			a.trans[i*stride+c] = newID[trans[int(old)*stride+c]]
		}
		if i >= int(a.firstMatch) {
			a.outs = append(a.outs, outs[old])
		}
	}
	a.states = states
	return a, nil
}
