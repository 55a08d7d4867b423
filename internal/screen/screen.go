package screen

import (
	"embed"
	"fmt"
	"io/fs"
	"math/bits"
	"slices"
	"strings"
	"sync"
)

// Label is one kind of target conduct found in a text: a category and
// subtype of the contract, the highest severity among its spans (1 mild,
// 2 clear target conduct, 3 violence or a threat to life or body: escalate
// at once), and where it was found.
type Label struct {
	Category string `json:"category"`
	Subtype  string `json:"subtype"`
	Severity int    `json:"severity"`
	Spans    []Span `json:"spans"`
}

// Span is a stretch of the text as sent that a rule matched: Start and End
// are byte offsets (End exclusive), Text is text[Start:End] and Rule the id
// of the lexicon term or rule that fired.
type Span struct {
	Start int    `json:"start"`
	End   int    `json:"end"`
	Text  string `json:"text"`
	Rule  string `json:"rule"`
}

// Result is what screening a text found. Labels is never nil, so that it
// encodes as [] when nothing was found.
type Result struct {
	Labels []Label `json:"labels"`
}

// MaxSeverity returns the highest severity of any label, or 0 for none.
func (r Result) MaxSeverity() int {
	m := 0
	for _, l := range r.Labels {
		m = max(m, l.Severity)
	}
	return m
}

// Screener screens texts against one compiled lexicon. It is safe for
// concurrent use.
type Screener struct {
	lex  *lexicon
	pool sync.Pool
}

//go:embed lexicon/*.tsv
var embedded embed.FS

var defaultScreener = sync.OnceValue(func() *Screener {
	sub, err := fs.Sub(embedded, "lexicon")
	if err != nil {
		panic(err)
	}
	s, err := New(sub)
	if err != nil {
		// The embedded lexicon is checked by the package's tests.
		panic(err)
	}
	return s
})

// Default returns the screener of the embedded lexicon, compiled on first
// use.
func Default() *Screener { return defaultScreener() }

// New compiles the lexicon files in fsys (terms_*.tsv, rules.tsv,
// evasions.tsv).
func New(fsys fs.FS) (*Screener, error) {
	lex, err := loadLexicon(fsys)
	if err != nil {
		return nil, err
	}
	return &Screener{lex: lex}, nil
}

// Screen finds the target conduct in text. It suggests; a person assesses.
// Text that is not valid UTF-8 is screened as far as it decodes; offsets
// stay those of the bytes as given.
func (s *Screener) Screen(text string) Result {
	sc, _ := s.pool.Get().(*scanner)
	if sc == nil {
		sc = &scanner{}
	}
	sc.reset(s.lex.auto)
	upper := sc.normalize(text)
	sc.finish()
	cands := s.lex.resolve(text, sc.hits, sc)
	if upper >= capsMinLetters {
		cands = s.lex.addCaps(text, cands)
	}
	res := Result{Labels: s.lex.group(text, cands, sc)}
	sc.cands = cands[:0]
	s.pool.Put(sc)
	return res
}

// ringSize bounds the length of a pattern in runes (a power of two).
const ringSize = 128

// hit is one pattern match in the folded stream.
type hit struct {
	pat          int32
	nStart, nEnd int32 // rune positions in the folded stream, end exclusive
	start, end   int32 // byte offsets in the original text
	sent         int32 // sentence number
	left, right  uint8 // classes of the folded runes around the match
	kata         bool  // every rune of the match was katakana in the original
}

// scanner runs the automaton over the folded stream while the normaliser
// produces it.
type scanner struct {
	a *matcher
	// collect, when set, receives the folded runes instead of the
	// automaton (foldString).
	collect func(r rune, cls uint8, start, end int)
	state   uint32
	n       int32 // folded runes so far
	sent    int32
	last    uint8
	pending int // hits from here on wait for their right neighbour
	ring    [ringSize]struct {
		start int32
		cls   uint8
	}
	hits []hit
	// buffers of the rule layer, reused between texts
	valid []tHit
	excs  []int32
	byTag [][]int32
	cands []cand
	keys  []uint64
}

func (s *scanner) reset(a *matcher) {
	s.a, s.state, s.n, s.sent, s.last, s.pending = a, 0, 0, 0, clsStop, 0
	s.hits = s.hits[:0]
	if cap(s.hits) > 1<<14 {
		s.hits = nil // do not keep the buffers of an unusually long text
		s.valid, s.excs, s.cands, s.keys = nil, nil, nil, nil
	}
}

// emit takes one folded rune with the original byte range it stands for.
func (s *scanner) emit(r rune, cls uint8, start, end int) {
	if s.collect != nil {
		s.last = cls
		s.collect(r, cls, start, end)
		return
	}
	s.before(cls, start)
	s.after(s.a.step(s.state, s.a.class(r)), cls, end)
}

// before records the new rune: it is the right neighbour of the hits that
// waited for one, and takes its slot in the ring.
func (s *scanner) before(cls uint8, start int) {
	s.last = cls
	if s.pending < len(s.hits) {
		for i := s.pending; i < len(s.hits); i++ {
			s.hits[i].right = cls
		}
		s.pending = len(s.hits)
	}
	slot := &s.ring[s.n&(ringSize-1)]
	slot.start, slot.cls = int32(start), cls
}

// after reports the matches that end with the rune and moves on.
func (s *scanner) after(st uint32, cls uint8, end int) {
	if st >= matchFlag {
		s.report(st, end)
	}
	s.state = st
	s.n++
	if cls == clsStop {
		s.sent++
	}
}

func (s *scanner) report(st uint32, end int) {
	a := s.a
	for _, p := range a.matches(st) {
		info := a.pats[p]
		ns := s.n - info.runeLen + 1
		left := clsStop
		if ns > 0 {
			left = s.ring[(ns-1)&(ringSize-1)].cls
		}
		switch info.leftCheck {
		case leftNotWord:
			if left == clsWord {
				continue
			}
		case leftNotKata:
			if left == clsKata {
				continue
			}
		}
		h := hit{pat: p, nStart: ns, nEnd: s.n + 1, start: s.ring[ns&(ringSize-1)].start, end: int32(end), sent: s.sent, left: left, right: clsStop}
		if info.kata {
			h.kata = true
			for k := ns; k <= s.n; k++ {
				if s.ring[k&(ringSize-1)].cls != clsKata {
					h.kata = false
					break
				}
			}
		}
		s.hits = append(s.hits, h)
	}
}

// finish closes the stream: the last hits have the end of text on their right.
func (s *scanner) finish() {
	for i := s.pending; i < len(s.hits); i++ {
		s.hits[i].right = clsStop
	}
	s.pending = len(s.hits)
}

// tHit is a hit of a term that passed its boundary and exceptions.
type tHit struct {
	term         int32
	nStart, nEnd int32
	start, end   int32
	sent         int32
}

// cand is a labelled span before grouping.
type cand struct {
	ord        int32 // order of the label (see order)
	rule       int32 // index into lexicon.ruleIDs
	start, end int32
	severity   int32
}

func boundaryOK(b int, h *hit) bool {
	left, right := h.left, h.right
	switch b {
	case boundWord:
		return left != clsWord && right != clsWord
	case boundStart:
		return left != clsWord
	case boundEnd:
		return right != clsWord
	case boundKata:
		return h.kata && left != clsKata && right != clsKata
	}
	return true
}

// resolve turns hits into labelled spans: boundaries and exceptions first,
// then the terms that label on their own, then the co-occurrence rules, each
// checked against its suppressors. The spans are not yet grouped.
func (l *lexicon) resolve(text string, hits []hit, sc *scanner) []cand {
	valid, excs := l.validateBuf(hits, sc.valid[:0], sc.excs)
	sc.valid, sc.excs = valid, excs
	if len(valid) == 0 {
		return nil
	}
	// Index the hits by tag, in the order of their end.
	if len(sc.byTag) < len(l.tags) {
		sc.byTag = make([][]int32, len(l.tags))
	}
	byTag := sc.byTag[:len(l.tags)]
	for i := range byTag {
		byTag[i] = byTag[i][:0]
	}
	for i, v := range valid {
		for _, tg := range l.terms[v.term].tags {
			byTag[tg] = append(byTag[tg], int32(i))
		}
	}
	cands := sc.cands[:0]
	for _, v := range valid {
		t := &l.terms[v.term]
		if t.label == (labelKey{}) {
			continue
		}
		if suppressed(t.unless, v.nStart, v.nEnd, v.sent, []tHit{v}, valid, byTag) {
			continue
		}
		cands = append(cands, cand{ord: t.ord, rule: t.ruleIdx, severity: int32(t.severity), start: v.start, end: v.end})
	}
	for ri := range l.rules {
		cands = l.fire(&l.rules[ri], valid, byTag, cands)
	}
	sc.cands = cands
	return cands
}

// validate keeps the term hits that pass their boundary rule and are not
// held by one of the term's exceptions, appending them to valid.
func (l *lexicon) validate(hits []hit, valid []tHit) []tHit {
	valid, _ = l.validateBuf(hits, valid, nil)
	return valid
}

// validateBuf is validate with a buffer for the indices of the hits of
// exceptions, which it returns for reuse.
func (l *lexicon) validateBuf(hits []hit, valid []tHit, excs []int32) ([]tHit, []int32) {
	excs = excs[:0]
	for i := range hits {
		if l.patExc[hits[i].pat] {
			excs = append(excs, int32(i))
		}
	}
	// Hits are in the order of their end, and an exception that holds a
	// hit ends at or after it: k moves to the first such exception.
	k := 0
	for i := range hits {
		h := &hits[i]
		for k < len(excs) && hits[excs[k]].nEnd < h.nEnd {
			k++
		}
		for _, o := range l.owners[h.pat] {
			if o.exc || !boundaryOK(l.terms[o.term].boundary, h) {
				continue
			}
			if l.termExc[o.term] && excepted(l, o.term, h, hits, excs[k:]) {
				continue
			}
			valid = append(valid, tHit{term: o.term, nStart: h.nStart, nEnd: h.nEnd, start: h.start, end: h.end, sent: h.sent})
		}
	}
	return valid, excs
}

// excepted reports whether one of the exceptions of term holds h. excs
// indexes the hits of exceptions that end at or after h, in order.
func excepted(l *lexicon, term int32, h *hit, hits []hit, excs []int32) bool {
	// An exception holding h ends at most maxLen runes after h's start.
	for _, ei := range excs {
		e := &hits[ei]
		if e.nEnd > h.nStart+l.auto.maxLen {
			break
		}
		if e.nStart > h.nStart {
			continue
		}
		for _, o := range l.owners[e.pat] {
			if o.exc && o.term == term && e.nStart+o.off == h.nStart && e.nStart+o.off+o.n == h.nEnd {
				return true
			}
		}
	}
	return false
}

// suppressed reports whether a hit of one of the suppressors' tags lies
// near the span [ns, ne) in the same sentence: outside the span, or inside
// it without overlapping the cues that make it up.
func suppressed(sup []suppressor, ns, ne, sent int32, cues []tHit, valid []tHit, byTag [][]int32) bool {
	for _, sp := range sup {
		hits := byTag[sp.tag]
		// Hits are in the order of their end: start from the first that
		// can reach the window.
		k := firstEnd(hits, valid, ns-sp.window)
		found := false
		for _, i := range hits[k:] {
			v := valid[i]
			if v.nStart > ne+sp.window {
				break
			}
			if v.sent != sent {
				continue
			}
			if sp.dir == 2 {
				if v.nStart >= ns && v.nEnd <= ne && !cueAt(v, cues, valid) {
					found = true
					break
				}
				continue
			}
			before := v.nEnd <= ns && ns-v.nEnd <= sp.window
			after := v.nStart >= ne && v.nStart-ne <= sp.window
			if (sp.dir <= 0 && before) || (sp.dir >= 0 && after) {
				found = true
				break
			}
		}
		if found && (sp.lift < 0 || !lifted(byTag[sp.lift], ns, ne, sp.window, sent, valid)) {
			return true
		}
	}
	return false
}

// lifted reports whether one of hits (a suppressor's lift) lies in the
// sentence within window runes of the span [ns, ne) or inside it.
func lifted(hits []int32, ns, ne, window, sent int32, valid []tHit) bool {
	for _, i := range hits[firstEnd(hits, valid, ns-window):] {
		v := valid[i]
		if v.nStart > ne+window {
			break
		}
		if v.sent == sent {
			return true
		}
	}
	return false
}

// firstEnd returns the index of the first hit in hits (indices into valid,
// in the order of their end) that ends at or after pos.
func firstEnd(hits []int32, valid []tHit, pos int32) int {
	lo, hi := 0, len(hits)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if valid[hits[m]].nEnd < pos {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// cueAt reports whether v overlaps one of the cues.
func cueAt(v tHit, cues []tHit, valid []tHit) bool {
	for _, c := range cues {
		if v.nStart < c.nEnd && v.nEnd > c.nStart {
			return true
		}
	}
	return false
}

// fire finds the places where the rule's cues occur together: in the same
// sentence, not overlapping, in order when the rule says so, the whole
// within the rule's window.
func (l *lexicon) fire(r *rule, valid []tHit, byTag [][]int32, cands []cand) []cand {
	first := byTag[r.cues[0]]
	if len(first) == 0 {
		return cands
	}
	for _, c := range r.cues[1:] {
		if len(byTag[c]) == 0 {
			return cands
		}
	}
	var cues [3]tHit
	for _, ai := range first {
		a := valid[ai]
		ns, ne, start, end := a.nStart, a.nEnd, a.start, a.end
		cues[0] = a
		ok := true
		for ci, c := range r.cues[1:] {
			found := false
			hits := byTag[c]
			for _, bi := range hits[firstEnd(hits, valid, ns-r.window):] {
				b := valid[bi]
				if b.nStart > ns+r.window {
					break
				}
				if b.sent != a.sent {
					continue
				}
				if r.ordered && b.nStart < ne {
					continue
				}
				if b.nStart < ne && b.nEnd > ns { // overlapping the cues so far
					continue
				}
				if max(ne, b.nEnd)-min(ns, b.nStart) > r.window {
					continue
				}
				ns, ne = min(ns, b.nStart), max(ne, b.nEnd)
				start, end = min(start, b.start), max(end, b.end)
				cues[ci+1] = b
				found = true
				break
			}
			if !found {
				ok = false
				break
			}
		}
		if !ok || suppressed(r.unless, ns, ne, a.sent, cues[:len(r.cues)], valid, byTag) {
			continue
		}
		cands = append(cands, cand{ord: r.ord, rule: r.ruleIdx, severity: int32(r.severity), start: start, end: end})
	}
	return cands
}

// group collects spans into labels: per category and subtype, spans in text
// order, a span inside another span of the same label dropped, severity the
// highest. Labels come most severe first, then in the contract's order.
func (l *lexicon) group(text string, cands []cand, sc *scanner) []Label {
	if len(cands) == 0 {
		return []Label{}
	}
	keys := l.sortCands(len(text), cands, sc.keys[:0])
	sc.keys = keys[:0]
	at := func(i int) *cand { // the i-th candidate in order
		if keys != nil {
			return &cands[keys[i]&(1<<keyIndexBits-1)]
		}
		return &cands[i]
	}
	// Count the labels and the spans they keep, to allocate them at once.
	nLabels, nSpans := 0, 0
	curOrd, curEnd := int32(-1), int32(-1)
	for i := range cands {
		c := at(i)
		if c.ord != curOrd {
			nLabels++
			curOrd, curEnd = c.ord, -1
		}
		if c.end > curEnd {
			nSpans++
			curEnd = c.end
		}
	}
	out := make([]Label, 0, nLabels)
	spans := make([]Span, 0, nSpans)
	var cur *Label
	first := 0 // index of cur's first span in spans
	curOrd, curEnd = -1, -1
	for i := range cands {
		c := at(i)
		if c.ord != curOrd {
			k := labelOf(c.ord)
			out = append(out, Label{Category: k.category, Subtype: k.subtype})
			cur, first, curOrd, curEnd = &out[len(out)-1], len(spans), c.ord, -1
		}
		cur.Severity = max(cur.Severity, int(c.severity))
		if c.end <= curEnd {
			// Inside an earlier span of the same label, which already
			// explains it; its severity still counts.
			continue
		}
		spans = append(spans, Span{Start: int(c.start), End: int(c.end), Text: text[c.start:c.end], Rule: l.ruleIDs[c.rule]})
		cur.Spans = spans[first:len(spans):len(spans)]
		curEnd = c.end
	}
	slices.SortStableFunc(out, func(a, b Label) int { return b.Severity - a.Severity })
	return out
}

// keyIndexBits is the width of a candidate's index in a sort key.
const keyIndexBits = 16

// compareCands is the order of candidates: by label (the contract's
// order), start, longest first, then rule.
func compareCands(a, b cand) int {
	switch {
	case a.ord != b.ord:
		return int(a.ord - b.ord)
	case a.start != b.start:
		return int(a.start - b.start)
	case a.end != b.end:
		return int(b.end - a.end) // longer first
	}
	return int(a.rule - b.rule)
}

// sortCands orders the candidates by label (the contract's order), start,
// longest first, then rule. When the fields fit in 64 bits with the
// candidate's index, it sorts keys (a plain sort of integers, several times
// quicker than comparing structs) and returns them: the index of the k-th
// candidate in order is keys[k]&(1<<keyIndexBits-1). Otherwise it sorts
// cands in place and returns nil. Candidates that compare equal are alike
// in all that group looks at but severity, whose maximum is taken, so the
// result does not depend on the order among them.
func (l *lexicon) sortCands(textLen int, cands []cand, keys []uint64) []uint64 {
	var maxOrd int32
	for _, c := range cands {
		maxOrd = max(maxOrd, c.ord)
	}
	ordBits := bits.Len32(uint32(maxOrd))
	ruleBits := bits.Len(uint(len(l.ruleIDs)))
	posBits := bits.Len(uint(textLen))
	if len(cands) > 1<<keyIndexBits || ordBits+2*posBits+ruleBits+keyIndexBits > 64 {
		slices.SortFunc(cands, compareCands)
		return nil
	}
	maxPos := uint64(1)<<posBits - 1
	for i, c := range cands {
		k := uint64(c.ord)
		k = k<<posBits | uint64(c.start)
		k = k<<posBits | (maxPos - uint64(c.end)) // longer first
		k = k<<ruleBits | uint64(c.rule)
		k = k<<keyIndexBits | uint64(i)
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// order ranks a label by the contract's order of categories and subtypes.
func order(k labelKey) int32 {
	ci := slices.Index(Categories, k.category)
	return int32(ci*16 + slices.Index(Subtypes[k.category], k.subtype))
}

// labelOf is the inverse of order.
func labelOf(ord int32) labelKey {
	c := Categories[ord/16]
	return labelKey{c, Subtypes[c][ord%16]}
}

// String renders a label briefly, for test failures and the command line.
func (l Label) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s/%s:%d", l.Category, l.Subtype, l.Severity)
	for _, s := range l.Spans {
		fmt.Fprintf(&b, " [%d,%d %q %s]", s.Start, s.End, s.Text, s.Rule)
	}
	return b.String()
}
