package screen

import (
	"fmt"
	"math/bits"
	"slices"
	"unicode/utf8"
)

// matcher is an Aho-Corasick automaton over the folded runes of the text,
// compiled into a DFA: one step, one table lookup per rune, no failure
// links to follow at search time, and it reports every match, overlapping
// ones included (the rule layer needs them: 殺虫剤 must be seen as well as
// 殺す inside ぶっ殺す).
//
// It steps by rune rather than by byte, so that a kanji or kana is one
// lookup and not three. Runes are first mapped to classes: each rune that
// occurs in some pattern has its own class, all others share class 0. A
// dense state × class table would not fit in any cache (54,000 states ×
// 700 classes), so the table is compressed by row displacement: most
// transitions of a state are those of the root, δ(s, c) = δ(root, c), kept
// once in root; the others, seven per state on average, are stored in one
// shared array, tab, at base(s) + c, each marked with its owner, so that a
// lookup either finds an entry of s or falls back to root.
//
// A state is a uint32: its base, plus matchFlag when it ends some pattern
// ("a match ends here" is one comparison). An entry of tab holds the next
// state in its high idBits bits and, in its low checkBits bits, the low
// bits of its owner's base, which identify the owner: a state reads only
// the entries from its base to its base + maxClass, so two states that
// read the same entry have bases less than 1<<checkBits apart. An unused
// entry at i is marked with the low bits of i+1, which no state that reads
// it has. The entry at base(s) + 0 of a state that ends a pattern is
// marked that way too and holds the offset of its patterns in outs (class
// 0 always leads back to the root, so no transition needs it). Entries are
// four bytes (the embedded lexicon's table has ~1,140,000 of them, 4.6 MB,
// since issue 26 compiled misspellings, verb forms and group targets; it
// was 120,000 and in L2 before). checkBits is 10, so a pattern set may use
// 1,022 distinct characters (the lexicon uses 737) and the table may hold
// 1<<21 entries.
//
// It is written here rather than taken from a module because the scanner
// feeds it one rune at a time while it normalises (so no folded copy of
// the text and no offset table are ever built), which none of the Go
// packages offers: see docs/screening.md.
type matcher struct {
	// Classes of runes: the class of r is
	// blocks[int(pages[r>>8])<<8|int(r&0xFF)]; ascii repeats the
	// classes of U+0000–U+007F for the normaliser's fast path.
	ascii  [256]uint16
	pages  []uint16
	blocks []uint16
	// root[c] is the state after class c from the root, and from every
	// state that has no entry of its own for c.
	root []uint32
	tab  []uint32
	// outs holds, for each state that ends a pattern, the number of
	// patterns that end there, then the patterns: its own, then those of
	// its suffixes, longest first.
	outs []int32
	// pats[p] describes pattern p.
	pats   []patInfo
	maxLen int32
	states int
}

// patInfo is what the scanner needs of a pattern when it matches.
type patInfo struct {
	runeLen int32 // length in runes
	// leftCheck says what every owner of the pattern requires of the rune
	// before a match, so that the scanner drops most impossible matches
	// (me inside some, ばか inside ばかり) before recording them.
	leftCheck uint8
	// kata is set when some owner of the pattern needs to know whether the
	// match was written in katakana.
	kata bool
}

// The layout of a state and of an entry of tab.
const (
	checkBits = 10
	idBits    = 32 - checkBits
	matchFlag = 1 << (idBits - 1) // states at or above it end a pattern
	baseMask  = matchFlag - 1
	checkMask = 1<<checkBits - 1
	maxClass  = checkMask - 1 // so that an unused entry's mark never matches
)

// The layout of tab gives up first fit for a row after scanLimit × 64
// bases and goes on from scanBack slots below the highest slot in use:
// first fit to the end is a few per cent denser but slower to build than
// the rest of the lexicon.
const (
	scanLimit = 32
	scanBack  = 2048
)

// step returns the state after a rune of class c from state s.
func (m *matcher) step(s uint32, c uint16) uint32 {
	e := m.tab[int(s&baseMask)+int(c)]
	next := m.root[c]
	if (e^s)&checkMask == 0 {
		next = e >> checkBits
	}
	return next
}

// class returns the class of r.
func (m *matcher) class(r rune) uint16 {
	if uint32(r) > utf8.MaxRune {
		return 0
	}
	return m.blocks[int(m.pages[r>>8])<<8|int(r&0xFF)]
}

// matches returns the patterns that end in state s (at least matchFlag).
func (m *matcher) matches(s uint32) []int32 {
	off := m.tab[s&baseMask] >> checkBits
	n := m.outs[off]
	return m.outs[off+1 : off+1+uint32(n)]
}

// buildMatcher compiles patterns (folded, non-empty, UTF-8): the classes of
// their runes, their trie, its failure links and rows, the rows' places in
// tab, and the table itself.
func buildMatcher(patterns []string) (*matcher, error) {
	m := &matcher{}
	classOf, nClass, err := m.buildClasses(patterns)
	if err != nil {
		return nil, err
	}
	t := m.buildTrie(patterns, classOf)
	a := t.link(nClass)
	base, err := a.layout()
	if err != nil {
		return nil, err
	}
	if err := m.fillTable(a, base); err != nil {
		return nil, err
	}
	return m, nil
}

// buildClasses numbers the runes of the patterns in rune order, from 1, and
// fills m's tables of classes. It returns the class of each rune and the
// number of classes, class 0 (every other rune) included.
func (m *matcher) buildClasses(patterns []string) (map[rune]uint16, int, error) {
	classOf := map[rune]uint16{}
	var runes []rune
	for i, p := range patterns {
		if p == "" {
			return nil, 0, fmt.Errorf("screen: pattern %d is empty", i)
		}
		if !utf8.ValidString(p) {
			return nil, 0, fmt.Errorf("screen: pattern %d (%q) is not UTF-8", i, p)
		}
		for _, r := range p {
			if _, ok := classOf[r]; !ok {
				classOf[r] = 0
				runes = append(runes, r)
			}
		}
	}
	slices.Sort(runes)
	if len(runes) > maxClass {
		return nil, 0, fmt.Errorf("screen: the patterns use %d distinct characters; the limit is %d", len(runes), maxClass)
	}
	for i, r := range runes {
		classOf[r] = uint16(i + 1)
	}
	m.pages = make([]uint16, (utf8.MaxRune>>8)+1)
	m.blocks = make([]uint16, 256) // block 0: no rune of any pattern
	for _, r := range runes {
		if m.pages[r>>8] == 0 {
			m.pages[r>>8] = uint16(len(m.blocks) >> 8)
			m.blocks = append(m.blocks, make([]uint16, 256)...)
		}
		m.blocks[int(m.pages[r>>8])<<8|int(r&0xFF)] = classOf[r]
	}
	for b := range utf8.RuneSelf {
		m.ascii[b] = classOf[rune(b)]
	}
	return classOf, len(runes) + 1, nil
}

// trie is the patterns' trie over classes; state 0 is the root.
type trie struct {
	child map[uint64]int32 // state<<16|class → the child state
	own   [][]int32        // the patterns that end in each state
	kids  [][]uint16       // the classes of each state's children, in order
}

// buildTrie builds the trie of the patterns and fills m.pats and m.maxLen.
func (m *matcher) buildTrie(patterns []string, classOf map[rune]uint16) *trie {
	t := &trie{child: map[uint64]int32{}, own: [][]int32{nil}, kids: [][]uint16{nil}}
	m.pats = make([]patInfo, len(patterns))
	for pi, p := range patterns {
		s := int32(0)
		n := int32(0)
		for _, r := range p {
			c := classOf[r]
			key := uint64(s)<<16 | uint64(c)
			next, ok := t.child[key]
			if !ok {
				next = int32(len(t.own))
				t.own = append(t.own, nil)
				t.kids = append(t.kids, nil)
				t.child[key] = next
				t.kids[s] = append(t.kids[s], c)
			}
			s = next
			n++
		}
		t.own[s] = append(t.own[s], int32(pi))
		m.pats[pi].runeLen = n
		m.maxLen = max(m.maxLen, n)
	}
	for _, k := range t.kids {
		slices.Sort(k)
	}
	return t
}

// edge is a transition of a row: after class c, state next.
type edge struct {
	c    uint16
	next int32
}

// linkedTrie is the trie with its failure links resolved: each state's row,
// the transitions that differ from the root's, and its patterns.
type linkedTrie struct {
	nClass  int
	rootRow []int32   // the state after each class from the root
	rows    [][]edge  // by state, in order of class
	outs    [][]int32 // the patterns that end in each state: its own, then its suffixes'
	order   []int32   // the states but the root, breadth-first
}

// link walks the trie breadth-first: failure links, the patterns that end
// in each state, and each state's row. The row of a state is the row of
// its failure (shallower, so already complete) with the state's own
// children put in.
func (t *trie) link(nClass int) *linkedTrie {
	states := len(t.own)
	a := &linkedTrie{
		nClass:  nClass,
		rootRow: make([]int32, nClass),
		rows:    make([][]edge, states),
		outs:    make([][]int32, states),
		order:   make([]int32, 0, states),
	}
	for _, c := range t.kids[0] {
		a.rootRow[c] = t.child[uint64(c)]
	}
	delta := func(row []edge, c uint16) int32 {
		if i, ok := slices.BinarySearchFunc(row, c, func(e edge, c uint16) int { return int(e.c) - int(c) }); ok {
			return row[i].next
		}
		return a.rootRow[c]
	}
	fail := make([]int32, states)
	for _, c := range t.kids[0] {
		a.order = append(a.order, t.child[uint64(c)])
	}
	for head := 0; head < len(a.order); head++ {
		s := a.order[head]
		f := fail[s]
		a.outs[s] = append(append([]int32(nil), t.own[s]...), a.outs[f]...)
		frow := a.rows[f]
		row := make([]edge, 0, len(frow)+len(t.kids[s]))
		i := 0
		for _, c := range t.kids[s] {
			for i < len(frow) && frow[i].c < c {
				row = append(row, frow[i])
				i++
			}
			if i < len(frow) && frow[i].c == c {
				i++
			}
			ch := t.child[uint64(s)<<16|uint64(c)]
			row = append(row, edge{c, ch})
			fail[ch] = delta(frow, c)
			a.order = append(a.order, ch)
		}
		row = append(row, frow[i:]...)
		a.rows[s] = row
	}
	return a
}

// layout places the rows in tab and returns each state's base: first fit,
// breadth-first so that the rows text visits most (the shallow states) lie
// together. A state that ends a pattern also needs the slot of class 0,
// for its patterns. Every state needs a base of its own, even with nothing
// to store, since the base is what an entry's owner is compared with; the
// root's is 0. The search tries 64 bases at a time on bitsets of the slots
// and bases in use.
func (a *linkedTrie) layout() ([]int, error) {
	base := make([]int, len(a.rows))
	var used, isBase []uint64
	grow := func(bit int) {
		for len(used)*64 <= bit+128 {
			used = append(used, 0)
			isBase = append(isBase, 0)
		}
	}
	// bits64 returns the bits pos to pos+63 of set.
	bits64 := func(set []uint64, pos int) uint64 {
		w, sh := pos>>6, uint(pos&63)
		x := set[w] >> sh
		if sh != 0 {
			x |= set[w+1] << (64 - sh)
		}
		return x
	}
	grow(0)
	isBase[0] = 1
	firstFree := 0 // every slot below it is in use
	top := 0       // no slot above it is in use
	var empty []int32
	var slots []uint16 // the classes a state needs, in order
	for _, s := range a.order {
		slots = slots[:0]
		if len(a.outs[s]) > 0 {
			slots = append(slots, 0)
		}
		for _, e := range a.rows[s] {
			slots = append(slots, e.c)
		}
		if len(slots) == 0 {
			empty = append(empty, s)
			continue
		}
		last := int(slots[len(slots)-1])
		b := max(firstFree-int(slots[0]), 1)
		for tries := 0; ; tries++ {
			if tries == scanLimit {
				// The dense part of the table holds no place for this
				// row: give up first fit and go on where it thins out.
				b = max(b, top-last-scanBack)
			}
			grow(b + last + 64)
			fit := ^bits64(isBase, b)
			for _, c := range slots {
				if fit &^= bits64(used, b+int(c)); fit == 0 {
					break
				}
			}
			if fit != 0 {
				b += bits.TrailingZeros64(fit)
				break
			}
			b += 64
		}
		base[s] = b
		isBase[b>>6] |= 1 << (b & 63)
		for _, c := range slots {
			i := b + int(c)
			used[i>>6] |= 1 << (i & 63)
			top = max(top, i)
		}
		for used[firstFree>>6]>>(firstFree&63)&1 != 0 {
			firstFree++
		}
	}
	b := 1
	for _, s := range empty {
		for ; isBase[b>>6]>>(b&63)&1 != 0; b++ {
			grow(b + 1)
		}
		base[s] = b
		isBase[b>>6] |= 1 << (b & 63)
	}
	if maxBase := slices.Max(base); maxBase > baseMask {
		return nil, fmt.Errorf("screen: the automaton table needs %d entries; the limit is %d", maxBase+a.nClass, baseMask+1)
	}
	return base, nil
}

// fillTable writes the states, the table and the lists of patterns of a
// laid out at base.
func (m *matcher) fillTable(a *linkedTrie, base []int) error {
	states := len(base)
	id := make([]uint32, states)
	for s := range states {
		id[s] = uint32(base[s])
		if len(a.outs[s]) > 0 {
			id[s] |= matchFlag
		}
	}
	m.root = make([]uint32, a.nClass)
	for c, s := range a.rootRow {
		m.root[c] = id[s]
	}
	m.tab = make([]uint32, slices.Max(base)+a.nClass)
	for i := range m.tab {
		m.tab[i] = uint32(i+1) & checkMask
	}
	for _, s := range a.order {
		if len(a.outs[s]) > 0 {
			if len(m.outs) >= 1<<idBits {
				return fmt.Errorf("screen: the lists of matching patterns need more than %d entries", 1<<idBits)
			}
			i := base[s]
			m.tab[i] = uint32(len(m.outs))<<checkBits | uint32(i+1)&checkMask
			m.outs = append(m.outs, int32(len(a.outs[s])))
			m.outs = append(m.outs, a.outs[s]...)
		}
		for _, e := range a.rows[s] {
			m.tab[base[s]+int(e.c)] = id[e.next]<<checkBits | uint32(base[s])&checkMask
		}
	}
	m.states = states
	return nil
}
