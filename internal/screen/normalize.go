package screen

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// The normaliser turns text into a stream of folded runes, each with the
// byte range of the original text it came from, so that a match on the
// folded stream can be reported as offsets into the text as sent.
//
// Folding, rune by rune: NFKC (full-width ASCII and half-width katakana
// become ordinary characters, compatibility characters such as ㈱ expand),
// lower case, katakana → hiragana (the class remembers that the original
// was katakana), voiced marks composed with the kana before them (ｶﾞ → が),
// the long-vowel mark and wave dash dropped after Japanese (ばーか → ばか),
// runs of three or more identical letters or kana collapsed to one
// (死ねええええ → 死ねえ, sooooo → so), spaces, commas and filler symbols
// between two Japanese characters dropped (死 ね, 死・ね, 家、知ってる →
// 死ね, 家知ってる), other separators
// collapsed to one space, and sentence ends turned into a newline.
//
// Evasions that substitute whole characters (氏ね, タヒね) are not rewritten
// here, because the same substitution is ordinary text elsewhere (氏名,
// タヒチ); the lexicon compiler expands patterns with them instead
// (lexicon/evasions.tsv).

// Classes of a folded rune. They decide word boundaries, what a gap between
// Japanese characters is, and what ends a sentence.
const (
	clsStop  uint8 = iota // sentence end, also the start and end of the text
	clsSpace              // separator
	clsOther              // symbols, emoji: no word, no Japanese
	clsWord               // Latin letters, digits and other alphabetic scripts
	clsHira               // hiragana
	clsKata               // katakana in the original, folded to hiragana
	clsKanji              // CJK ideographs, 々, 〆, ヶ
)

func isJapanese(c uint8) bool { return c >= clsHira }

// Kinds of a rune in the fold table.
const (
	kEmit    = iota // emit the folded rune with its class
	kGap            // a space or filler symbol: vanishes between Japanese, else one space
	kGapStop        // '.', '…': vanishes between Japanese, else a sentence end
	kSep            // punctuation that separates: one space
	kStop           // sentence end
	kLong           // ー, 〜: vanishes after Japanese, else like kGap
	kDrop           // zero-width characters, variation selectors, stray voiced marks
	kExpand         // several runes (NFKC expansions such as ㈱ → (株))
	kApos           // an apostrophe: part of a word between letters, else a separator
)

// A fold entry packs the folded rune (21 bits), its class (3 bits) and its
// kind (4 bits). For kExpand the rune field indexes foldTables.expand.
type foldEntry uint32

func mkEntry(r rune, cls uint8, kind int) foldEntry {
	return foldEntry(uint32(r) | uint32(cls)<<21 | uint32(kind)<<24)
}
func (e foldEntry) r() rune     { return rune(e & 0x1FFFFF) }
func (e foldEntry) cls() uint8  { return uint8(e>>21) & 7 }
func (e foldEntry) kind() int   { return int(e>>24) & 0xF }
func (e foldEntry) upper() bool { return e>>28&1 == 1 }

const upperFlag = foldEntry(1 << 28)

// foldTables holds the per-rune folding of the Basic Multilingual Plane.
type foldTables struct {
	bmp    [0x10000]foldEntry
	expand [][]foldEntry
	// dakuten and handakuten composition, indexed by hiragana - 0x3040.
	voiced, semi [0x60]rune
}

var folds = sync.OnceValue(buildFolds)

// buildFolds computes the fold table once.
func buildFolds() *foldTables {
	t := &foldTables{}
	for r := rune(0); r < 0x10000; r++ {
		if r >= 0xD800 && r <= 0xDFFF {
			t.bmp[r] = mkEntry(0, clsOther, kDrop)
			continue
		}
		t.bmp[r] = t.classify(r)
	}
	for i := range t.voiced {
		base := rune(0x3040 + i)
		if c := []rune(norm.NFC.String(string(base) + "\u3099")); len(c) == 1 {
			t.voiced[i] = c[0]
		}
		if c := []rune(norm.NFC.String(string(base) + "\u309A")); len(c) == 1 {
			t.semi[i] = c[0]
		}
	}
	return t
}

// classify computes the fold entry of r.
func (t *foldTables) classify(r rune) foldEntry {
	if k, ok := specialKind(r); ok {
		return mkEntry(' ', clsSpace, k)
	}
	var folded []rune
	if needsNFKC(r) {
		folded = []rune(norm.NFKC.String(string(r)))
	} else {
		folded = []rune{r}
	}
	kata := isKatakana(r) || (len(folded) == 1 && isKatakana(folded[0]))
	var out []foldEntry
	for _, f := range folded {
		if k, ok := specialKind(f); ok {
			out = append(out, mkEntry(' ', clsSpace, k))
			continue
		}
		f = foldOne(f)
		out = append(out, mkEntry(f, classOf(f, kata), kEmit))
	}
	var e foldEntry
	switch len(out) {
	case 0:
		e = mkEntry(0, clsOther, kDrop)
	case 1:
		e = out[0]
	default:
		t.expand = append(t.expand, out)
		e = mkEntry(rune(len(t.expand)-1), clsOther, kExpand)
	}
	if r < 0x80 && r >= 'A' && r <= 'Z' {
		e |= upperFlag
	}
	return e
}

// needsNFKC reports whether r lies in a block where NFKC changes anything.
// Kanji, kana and hangul syllables are NFKC-stable, which keeps the table
// quick to build.
func needsNFKC(r rune) bool {
	switch {
	case r < 0xA0:
		return false
	case r >= 0x3040 && r <= 0x30FF: // kana are stable except ゛゜ (special-cased)
		return r == 0x309B || r == 0x309C || r == 0x309F || r == 0x30FF
	case r >= 0x3400 && r <= 0x4DBF, r >= 0x4E00 && r <= 0x9FFF, r >= 0xAC00 && r <= 0xD7A3:
		return false
	}
	return true
}

// specialKind gives the kind of separators, sentence ends and the runes the
// normaliser drops or treats as elongation.
func specialKind(r rune) (int, bool) {
	switch r {
	case ' ', '\t', '\v', '\f', 0xA0, 0x3000, '・', 0xFF65, '*', '_', '-', '/', '|', '+', '=', '^', '#', ',', '、', '，', '､',
		'♡', '♥', '♪', '♫', '※', '×', '☆', '★', '─', '━', '‐', '‑', '‒', '–', '—', '―', '＿', '＊':
		return kGap, true
	case '.', '…', '‥', '．':
		return kGapStop, true
	case ';', ':', '"', '(', ')', '[', ']', '{', '}', '<', '>', '「', '」', '『', '』', '（', '）',
		'【', '】', '〔', '〕', '《', '》', '〈', '〉', '“', '”', '„', '«', '»', '：', '；', '＂', '［', '］', '｛', '｝', '＜', '＞', '`', '@', '&', '%', '\\':
		return kSep, true
	case '!', '?', '\n', '\r', '。', '！', '？', '｡', 0x2028, 0x2029, 0x85:
		return kStop, true
	case 'ー', '〜', '～', 'ｰ', '~':
		return kLong, true
	case '\'', '’', '‘', '′', '＇':
		return kApos, true
	case 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0xAD, 0x3099, 0x309A, 0x309B, 0x309C, 0xFF9E, 0xFF9F:
		return kDrop, true
	}
	if r >= 0xFE00 && r <= 0xFE0F {
		return kDrop, true
	}
	if r < 0x20 {
		return kSep, true
	}
	return 0, false
}

func isKatakana(r rune) bool {
	return (r >= 0x30A1 && r <= 0x30FA) || r == 0x30FD || r == 0x30FE || (r >= 0x31F0 && r <= 0x31FF)
}

// foldOne lower-cases r and maps katakana to hiragana.
func foldOne(r rune) rune {
	switch {
	case r >= 0x30A1 && r <= 0x30F6 && r != 0x30F5 && r != 0x30F6:
		return r - 0x60
	case r == 0x30FD || r == 0x30FE: // ヽヾ
		return r - 0x60
	case r == 0x30F5: // ヵ
		return 'か'
	}
	if r < 0x80 {
		if r >= 'A' && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}
	return unicode.ToLower(r)
}

func classOf(r rune, kata bool) uint8 {
	switch {
	case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
		return clsWord
	case r >= 0x3041 && r <= 0x309F:
		if kata {
			return clsKata
		}
		return clsHira
	case r >= 0x30A0 && r <= 0x30FF:
		if r == 0x30F6 || r == 0x30F5 { // ヶ as in 三ヶ月
			return clsKanji
		}
		return clsKata
	case r == 0x3005 || r == 0x3006 || r == 0x3007 || (r >= 0x3400 && r <= 0x4DBF) || (r >= 0x4E00 && r <= 0x9FFF) || (r >= 0xF900 && r <= 0xFAFF):
		return clsKanji
	case unicode.IsLetter(r) || unicode.IsDigit(r):
		return clsWord
	}
	return clsOther
}

// normalize folds text and feeds the result, rune by rune, to s.emit. It
// returns the number of ASCII upper-case letters, for the shouting rule.
func (s *scanner) normalize(text string) (upper int) {
	t := folds()
	s.last = clsStop
	gap := -1        // start of a pending gap after Japanese, or -1
	gapStop := false // the pending gap holds a sentence-end candidate
	i := 0
	a := s.a
	fast := s.collect == nil
	for i < len(text) {
		// Fast paths, inline: an ASCII letter or digit, a space after a
		// word, and a kanji or kana (folded, with its lead byte E3–E9),
		// neither repeated nor followed by a voiced mark. They are most of
		// any text. The automaton's state and the rune count stay in
		// registers while they run.
		if fast {
			state, n, last := s.state, s.n, s.last
			waiting := s.pending != len(s.hits) // hits wait for their right neighbour
		fastPath:
			for i < len(text) {
				start := i
				b := text[i]
				var cls uint8
				var c uint16
				if b < utf8.RuneSelf {
					e := t.bmp[b]
					switch {
					case e.kind() == kEmit && gap < 0 && (i+2 >= len(text) || text[i+1] != b || text[i+2] != b):
						if e.upper() {
							upper++
						}
						cls, c = e.cls(), a.ascii[byte(e.r())]
					case e.kind() == kGap && gap < 0 && (last == clsWord || last == clsOther):
						cls, c = clsSpace, a.ascii[' '] // a space after a word (space)
					default:
						break fastPath
					}
					i++
				} else {
					if b < 0xE3 || b > 0xE9 || i+3 > len(text) {
						break fastPath
					}
					r := rune(b&0x0F)<<12 | rune(text[i+1]&0x3F)<<6 | rune(text[i+2]&0x3F)
					e := t.bmp[r]
					cls = e.cls()
					if e.kind() != kEmit || !isJapanese(cls) || text[i+1]&0xC0 != 0x80 || text[i+2]&0xC0 != 0x80 ||
						(i+3 < len(text) && text[i+3] >= 0xE3 && nextIsMarkOrSame(text, i)) {
						break fastPath
					}
					gap = -1   // a gap between Japanese characters vanishes
					f := e.r() // katakana folds to hiragana
					c = a.blocks[int(a.pages[f>>8])<<8|int(f&0xFF)]
					i += 3
				}
				if waiting {
					for k := s.pending; k < len(s.hits); k++ {
						s.hits[k].right = cls
					}
					s.pending, waiting = len(s.hits), false
				}
				slot := &s.ring[n&(ringSize-1)]
				slot.start, slot.cls = int32(start), cls
				last = cls
				state = a.step(state, c)
				if state >= matchFlag {
					s.n = n
					s.report(state, i)
					waiting = s.pending != len(s.hits)
				}
				n++
			}
			s.state, s.n, s.last = state, n, last
			if i >= len(text) {
				break
			}
		}
		b := text[i]
		var e foldEntry
		w := 1
		if b < utf8.RuneSelf {
			e = t.bmp[b]
		} else {
			r, size := utf8.DecodeRuneInString(text[i:])
			w = size
			switch {
			case r < 0x10000:
				e = t.bmp[r]
			case r >= 0xE0100 && r <= 0xE01EF:
				e = mkEntry(0, clsOther, kDrop)
			default:
				e = mkEntry(r, clsOther, kEmit)
			}
		}
		switch e.kind() {
		case kEmit:
			cls := e.cls()
			if gap >= 0 {
				if !isJapanese(cls) {
					s.flushGap(gapStop, gap)
				}
				gap = -1
			}
			r := e.r()
			end := i + w
			if cls == clsWord || cls == clsHira || cls == clsKata {
				if e.upper() {
					upper++
				}
				// Collapse a run of three or more identical letters or kana.
				if end+w <= len(text) && text[end] == b && text[i:end] == text[end:end+w] && !(r >= '0' && r <= '9') {
					n := 2
					for end+n*w <= len(text) && text[i:end] == text[end+(n-1)*w:end+n*w] {
						n++
					}
					if n >= 3 {
						end = i + n*w
						if e.upper() {
							upper += n - 1
						}
					}
				}
				// Compose a following voiced mark with kana.
				if cls != clsWord && end < len(text) && text[end] >= 0xE3 {
					if m, size := utf8.DecodeRuneInString(text[end:]); isVoicedMark(m) {
						if c := composeMark(t, r, m); c != 0 {
							r = c
							end += size
						}
					}
				}
			}
			s.emit(r, cls, i, end)
			i = end
			continue
		case kGap, kGapStop:
			switch {
			case gap >= 0:
				gapStop = gapStop || e.kind() == kGapStop
			case isJapanese(s.last):
				gap, gapStop = i, e.kind() == kGapStop
			case e.kind() == kGapStop:
				s.stop(i, i+w)
			default:
				s.space(i, i+w)
			}
		case kLong:
			// Dropped after Japanese (elongation) and inside a gap.
			if gap < 0 && !isJapanese(s.last) {
				s.space(i, i+w)
			}
		case kSep:
			if gap >= 0 {
				s.flushGap(gapStop, gap)
				gap = -1
			}
			s.space(i, i+w)
		case kStop:
			gap = -1
			s.stop(i, i+w)
		case kApos:
			if gap >= 0 {
				s.flushGap(gapStop, gap)
				gap = -1
			}
			if s.last == clsWord && i+w < len(text) && isASCIILetter(text[i+w]) {
				s.emit('\'', clsWord, i, i+w)
			} else {
				s.space(i, i+w)
			}
		case kExpand:
			if gap >= 0 {
				s.flushGap(gapStop, gap)
				gap = -1
			}
			for _, x := range t.expand[e.r()] {
				switch x.kind() {
				case kEmit:
					s.emit(x.r(), x.cls(), i, i+w)
				case kStop:
					s.stop(i, i+w)
				case kDrop:
				default:
					s.space(i, i+w)
				}
			}
		}
		i += w
	}
	return upper
}

func (s *scanner) flushGap(stop bool, at int) {
	if stop {
		s.stop(at, at+1)
	} else {
		s.space(at, at+1)
	}
}

// space emits one separator, collapsing runs.
func (s *scanner) space(start, end int) {
	if s.last != clsSpace && s.last != clsStop {
		s.emit(' ', clsSpace, start, end)
	}
}

// stop emits a sentence end, collapsing runs.
func (s *scanner) stop(start, end int) {
	if s.last != clsStop {
		s.emit('\n', clsStop, start, end)
	}
}

// nextIsMarkOrSame reports whether the three-byte rune at i is followed by
// a voiced mark (to compose) or by itself (a run to collapse).
func nextIsMarkOrSame(text string, i int) bool {
	if i+6 > len(text) {
		return false
	}
	next := uint32(text[i+3])<<16 | uint32(text[i+4])<<8 | uint32(text[i+5])
	return next == uint32(text[i])<<16|uint32(text[i+1])<<8|uint32(text[i+2]) ||
		next-0xE38299 < 4 || // U+3099–U+309C
		next-0xEFBE9E < 2 // U+FF9E, U+FF9F
}

func isASCIILetter(b byte) bool { return (b|0x20) >= 'a' && (b|0x20) <= 'z' }

func isVoicedMark(r rune) bool {
	switch r {
	case 0x3099, 0x309A, 0x309B, 0x309C, 0xFF9E, 0xFF9F:
		return true
	}
	return false
}

func composeMark(t *foldTables, base, mark rune) rune {
	if base < 0x3040 || base >= 0x30A0 {
		return 0
	}
	switch mark {
	case 0x3099, 0x309B, 0xFF9E:
		return t.voiced[base-0x3040]
	default:
		return t.semi[base-0x3040]
	}
}

// foldString returns the folded form of s as one string, the form in which
// lexicon patterns are compiled and tests compare. Leading and trailing
// separators are trimmed.
func foldString(s string) string {
	var b strings.Builder
	sc := &scanner{collect: func(r rune, _ uint8, _, _ int) { b.WriteRune(r) }}
	sc.normalize(s)
	return strings.Trim(b.String(), " \n")
}
