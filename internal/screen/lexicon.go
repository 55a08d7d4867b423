package screen

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
)

// The lexicon is data: tab-separated files in lexicon/ (see
// docs/screening.md for the format). Files named terms_*.tsv hold terms,
// verbs_ja.tsv Japanese verbs whose forms become terms (morph.go),
// rules.tsv the co-occurrence rules, evasions.tsv the character
// substitutions and spellings.tsv the misspelt words that patterns are
// expanded with.

// Categories and subtypes of the contract, in the order labels are listed.
var (
	Categories = []string{"violence_abuse", "unreasonable_demand", "time_place_constraint", "other_harassment", "online_defamation"}
	Subtypes   = map[string][]string{
		"violence_abuse":        {"physical_attack", "threat", "insult", "shouting", "discriminatory", "sexual"},
		"unreasonable_demand":   {"kneeling_demand", "money_demand", "dismissal_demand", "out_of_scope_demand", "personal_info_demand"},
		"time_place_constraint": {"long_contact", "refusal_to_leave", "repeated_contact", "summoning"},
		"other_harassment":      {"filming", "stalking", "sexual", "repeated_inquiry"},
		"online_defamation":     {"sns_post", "sns_threat", "review_bombing"},
	}
)

// Boundary rules of a term.
const (
	boundNone  = iota // anywhere, the rule for most Japanese terms
	boundWord         // not inside a Latin word on either side
	boundStart        // not preceded by a Latin word character (fuck → fucking)
	boundEnd          // not followed by a Latin word character
	boundKata         // written in katakana and not inside a longer katakana word (カス, not カスタマー)
)

// What a pattern's owners all require of the rune before a match.
const (
	leftAny     = 0
	leftNotWord = 1
	leftNotKata = 2
)

var boundaryNames = map[string]int{"none": boundNone, "word": boundWord, "start": boundStart, "end": boundEnd, "kata": boundKata}

// labelKey is a category and subtype.
type labelKey struct{ category, subtype string }

// suppressor cancels a label when a hit with its tag lies within window
// runes before (dir -1), after (dir 1) or on either side (dir 0) of the
// labelled span, or inside it (dir 2, for negation between a rule's cues),
// in the same sentence. A suppressor with a lift (lift >= 0, written
// tag~N!lift) does not cancel the span when a hit with the lift's tag lies
// in the same sentence within window runes of the span or inside it: a
// condemnation cancels words discussed in general, not words narrated as
// said to someone ("He said he'd kill me, which is unacceptable").
type suppressor struct {
	tag    int
	dir    int
	window int32
	lift   int // tag that lifts the suppressor, or -1
}

// term is one row of a terms file.
type term struct {
	id        string
	patterns  []string // as written
	label     labelKey // zero for a cue that only serves rules
	ord       int32    // order(label)
	ruleIdx   int32    // index of id in lexicon.ruleIDs
	severity  int
	lang      string
	boundary  int
	tags      []int
	unless    []suppressor
	except    []string
	examples  []string
	nearMiss  []string
	source    string
	file      string
	line      int
	generated bool // imported from a list, or a verb row's readings: its patterns are its examples
}

// rule is one row of rules.tsv: cues that must occur together.
type rule struct {
	id       string
	label    labelKey
	ord      int32 // order(label)
	ruleIdx  int32 // index of id in lexicon.ruleIDs
	severity int
	lang     string
	cues     []int
	ordered  bool
	window   int32
	unless   []suppressor
	examples []string
	nearMiss []string
	source   string
	file     string
	line     int
}

// owner says what a compiled pattern stands for.
type owner struct {
	term int32
	// exc is true for an exception of term: the term's pattern lies at rune
	// offset off with length n inside the exception.
	exc  bool
	off  int32
	n    int32
	text string
}

// lexicon is the parsed and compiled lexicon.
type lexicon struct {
	terms    []term
	rules    []rule
	tags     []string
	tagIDs   map[string]int
	patterns []string  // folded, by pattern id
	owners   [][]owner // by pattern id
	// patExc[p] is set when pattern p is an exception of some term,
	// termExc[t] when term t has exceptions.
	patExc  []bool
	termExc []bool
	auto    *matcher
	// ruleIDs names what a span can cite: terms, rules and the shouting
	// rule (at capsIdx).
	ruleIDs []string
	capsIdx int32
}

func (l *lexicon) tag(name string) int {
	if id, ok := l.tagIDs[name]; ok {
		return id
	}
	l.tagIDs[name] = len(l.tags)
	l.tags = append(l.tags, name)
	return len(l.tags) - 1
}

// loadLexicon reads and compiles every lexicon file in fsys.
func loadLexicon(fsys fs.FS) (*lexicon, error) {
	l := &lexicon{tagIDs: map[string]int{}}
	names, err := fs.Glob(fsys, "*.tsv")
	if err != nil {
		return nil, err
	}
	slices.Sort(names)
	var evasions [][2]string
	if slices.Contains(names, "evasions.tsv") {
		if evasions, err = readEvasions(fsys, "evasions.tsv"); err != nil {
			return nil, err
		}
	}
	var spellings map[string]spelling
	if slices.Contains(names, "spellings.tsv") {
		if spellings, err = readSpellings(fsys, "spellings.tsv"); err != nil {
			return nil, fmt.Errorf("screen: lexicon/spellings.tsv: %w", err)
		}
	}
	for _, name := range names {
		switch {
		case strings.HasPrefix(name, "terms_"):
			err = l.readTerms(fsys, name)
		case name == "rules.tsv":
			err = l.readRules(fsys, name)
		case name == "verbs_ja.tsv":
			err = l.readVerbs(fsys, name)
		case name == "evasions.tsv", name == "spellings.tsv":
		default:
			err = fmt.Errorf("screen: lexicon/%s: unknown kind of file (want terms_*.tsv, verbs_ja.tsv, rules.tsv, evasions.tsv or spellings.tsv)", name)
		}
		if err != nil {
			return nil, err
		}
	}
	if err := l.check(); err != nil {
		return nil, err
	}
	for i := range l.terms {
		l.terms[i].ruleIdx = int32(len(l.ruleIDs))
		l.ruleIDs = append(l.ruleIDs, l.terms[i].id)
	}
	for i := range l.rules {
		l.rules[i].ruleIdx = int32(len(l.ruleIDs))
		l.ruleIDs = append(l.ruleIDs, l.rules[i].id)
	}
	l.capsIdx = int32(len(l.ruleIDs))
	l.ruleIDs = append(l.ruleIDs, capsRule)
	return l, l.compile(evasions, spellings)
}

// rows reads a TSV file: a header line naming the columns, then rows; blank
// lines and lines starting with # are skipped.
func rows(fsys fs.FS, name string, want []string, fn func(line int, col map[string]string) error) error {
	f, err := fsys.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var header []string
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Split(line, "\t")
		if header == nil {
			header = fields
			if !slices.Equal(header, want) {
				return fmt.Errorf("screen: lexicon/%s:%d: header %q, want %q", name, n, header, want)
			}
			continue
		}
		if len(fields) != len(header) {
			return fmt.Errorf("screen: lexicon/%s:%d: %d columns, want %d", name, n, len(fields), len(header))
		}
		col := make(map[string]string, len(header))
		for i, h := range header {
			col[h] = strings.TrimSpace(fields[i])
		}
		if err := fn(n, col); err != nil {
			return fmt.Errorf("screen: lexicon/%s:%d: %w", name, n, err)
		}
	}
	return sc.Err()
}

var termColumns = []string{"id", "patterns", "label", "severity", "lang", "boundary", "tags", "unless", "exceptions", "example", "near_miss", "source"}

func (l *lexicon) readTerms(fsys fs.FS, name string) error {
	return rows(fsys, name, termColumns, func(line int, c map[string]string) error {
		t := term{id: c["id"], patterns: list(c["patterns"], "|"), lang: c["lang"], except: list(c["exceptions"], "|"),
			examples: list(c["example"], "|"), nearMiss: list(c["near_miss"], "|"), source: c["source"], file: name, line: line}
		var err error
		if t.label, t.severity, err = parseLabel(c["label"], c["severity"]); err != nil {
			return err
		}
		b, ok := boundaryNames[c["boundary"]]
		if !ok {
			return fmt.Errorf("boundary %q: want none, word, start, end or kata", c["boundary"])
		}
		t.boundary = b
		for _, tg := range list(c["tags"], ",") {
			t.tags = append(t.tags, l.tag(tg))
		}
		if t.unless, err = l.parseUnless(c["unless"]); err != nil {
			return err
		}
		if len(t.patterns) == 0 {
			return fmt.Errorf("term %s has no pattern", t.id)
		}
		if t.label == (labelKey{}) && len(t.tags) == 0 {
			return fmt.Errorf("term %s has neither a label nor a tag", t.id)
		}
		t.generated = !strings.Contains(t.source, "hand")
		t.ord = order(t.label)
		l.terms = append(l.terms, t)
		return nil
	})
}

var ruleColumns = []string{"id", "label", "severity", "lang", "cues", "window", "unless", "example", "near_miss", "source"}

func (l *lexicon) readRules(fsys fs.FS, name string) error {
	return rows(fsys, name, ruleColumns, func(line int, c map[string]string) error {
		r := rule{id: c["id"], lang: c["lang"], examples: list(c["example"], "|"), nearMiss: list(c["near_miss"], "|"),
			source: c["source"], file: name, line: line}
		var err error
		if r.label, r.severity, err = parseLabel(c["label"], c["severity"]); err != nil {
			return err
		}
		if r.label == (labelKey{}) {
			return fmt.Errorf("rule %s has no label", r.id)
		}
		r.ord = order(r.label)
		cues := c["cues"]
		sep := "+"
		if strings.Contains(cues, ">") {
			if strings.Contains(cues, "+") {
				return fmt.Errorf("rule %s: cues mix > and +", r.id)
			}
			sep, r.ordered = ">", true
		}
		for _, cue := range list(cues, sep) {
			r.cues = append(r.cues, l.tag(cue))
		}
		if len(r.cues) < 2 || len(r.cues) > 3 {
			return fmt.Errorf("rule %s: want 2 or 3 cues, have %q", r.id, cues)
		}
		w, err := strconv.Atoi(c["window"])
		if err != nil || w < 1 || w > 80 {
			return fmt.Errorf("rule %s: window %q: want 1–80 characters", r.id, c["window"])
		}
		r.window = int32(w)
		if r.unless, err = l.parseUnless(c["unless"]); err != nil {
			return err
		}
		l.rules = append(l.rules, r)
		return nil
	})
}

func readEvasions(fsys fs.FS, name string) ([][2]string, error) {
	var out [][2]string
	err := rows(fsys, name, []string{"from", "to", "note"}, func(line int, c map[string]string) error {
		for _, to := range list(c["to"], "|") {
			out = append(out, [2]string{c["from"], to})
		}
		return nil
	})
	return out, err
}

// list splits a cell; "-" and "" are the empty list.
func list(s, sep string) []string {
	if s == "" || s == "-" {
		return nil
	}
	var out []string
	for _, p := range strings.Split(s, sep) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func parseLabel(label, severity string) (labelKey, int, error) {
	if label == "-" || label == "" {
		if severity != "-" && severity != "" {
			return labelKey{}, 0, fmt.Errorf("a cue without a label has severity %q", severity)
		}
		return labelKey{}, 0, nil
	}
	cat, sub, ok := strings.Cut(label, "/")
	if !ok || !slices.Contains(Subtypes[cat], sub) {
		return labelKey{}, 0, fmt.Errorf("label %q: want category/subtype of the contract", label)
	}
	sev, err := strconv.Atoi(severity)
	if err != nil || sev < 1 || sev > 3 {
		return labelKey{}, 0, fmt.Errorf("severity %q: want 1, 2 or 3", severity)
	}
	return labelKey{cat, sub}, sev, nil
}

// parseUnless reads suppressor specs: tag<N (within N characters before),
// tag>N (after), tag~N (either side), tag^0 (inside the span), separated by
// commas; any of them followed by !lift (a tag whose hit near the span, in
// the same sentence, lifts the suppressor: condemn~80!narrated).
func (l *lexicon) parseUnless(s string) ([]suppressor, error) {
	var out []suppressor
	for _, spec := range list(s, ",") {
		spec, lift, hasLift := strings.Cut(spec, "!")
		i := strings.IndexAny(spec, "<>~^")
		if i <= 0 {
			return nil, fmt.Errorf("unless %q: want tag<N, tag>N, tag~N or tag^0", spec)
		}
		w, err := strconv.Atoi(spec[i+1:])
		if err != nil || w < 0 || w > 80 {
			return nil, fmt.Errorf("unless %q: window must be 0–80", spec)
		}
		dir := map[byte]int{'<': -1, '>': 1, '~': 0, '^': 2}[spec[i]]
		sp := suppressor{tag: l.tag(spec[:i]), dir: dir, window: int32(w), lift: -1}
		if hasLift {
			if lift == "" || strings.ContainsAny(lift, "<>~^!") {
				return nil, fmt.Errorf("unless %q: want tag~N!lift, lift a tag", spec+"!"+lift)
			}
			sp.lift = l.tag(lift)
		}
		out = append(out, sp)
	}
	return out, nil
}

// check validates ids and that every tag a rule or suppressor names is
// given by some term.
func (l *lexicon) check() error {
	ids := map[string]string{}
	// entry checks what terms and rules have alike: a unique id and a
	// language; it returns where the entry is written.
	entry := func(file string, line int, id, lang string) (string, error) {
		where := fmt.Sprintf("lexicon/%s:%d", file, line)
		if prev, dup := ids[id]; dup || id == "" {
			return where, fmt.Errorf("screen: %s: id %q empty or also used at %s", where, id, prev)
		}
		ids[id] = where
		if lang != "ja" && lang != "en" {
			return where, fmt.Errorf("screen: %s: lang %q: want ja or en", where, lang)
		}
		return where, nil
	}
	given := map[int]bool{}
	for _, t := range l.terms {
		where, err := entry(t.file, t.line, t.id, t.lang)
		if err != nil {
			return err
		}
		if t.source == "" {
			return fmt.Errorf("screen: %s: no source", where)
		}
		for _, tg := range t.tags {
			given[tg] = true
		}
	}
	for _, r := range l.rules {
		if _, err := entry(r.file, r.line, r.id, r.lang); err != nil {
			return err
		}
	}
	for tg, name := range l.tags {
		if !given[tg] {
			return fmt.Errorf("screen: lexicon: tag %q is used by a rule or an unless but no term gives it", name)
		}
	}
	return nil
}

// compile folds every pattern and exception, expands evasions and builds
// the automaton.
func (l *lexicon) compile(evasions [][2]string, spellings map[string]spelling) error {
	index := map[string]int{}
	var pats []string
	var errs []error
	add := func(p string, o owner) {
		id, ok := index[p]
		if !ok {
			id = len(pats)
			index[p] = id
			pats = append(pats, p)
			l.owners = append(l.owners, nil)
		}
		if !slices.Contains(l.owners[id], o) {
			l.owners[id] = append(l.owners[id], o)
		}
	}
	for ti := range l.terms {
		t := &l.terms[ti]
		var folded []string
		// Latin-script terms are also compiled misspelt (spellings.tsv).
		latin := t.boundary == boundWord || t.boundary == boundStart || t.boundary == boundEnd
		for _, p := range t.patterns {
			for _, v := range expandEvasions(p, evasions) {
				f := foldString(v)
				if f == "" || strings.Contains(f, "\n") {
					errs = append(errs, fmt.Errorf("screen: lexicon/%s:%d: pattern %q folds to %q: a pattern cannot be empty or hold a sentence end", t.file, t.line, v, f))
					continue
				}
				vs := []string{f}
				if latin {
					vs = expandSpellings(f, spellings)
				}
				for i, s := range vs {
					if i > 0 {
						s = foldString(s)
					}
					if s == "" || strings.Contains(s, "\n") {
						continue
					}
					if !slices.Contains(folded, s) {
						folded = append(folded, s)
					}
					add(s, owner{term: int32(ti)})
				}
			}
		}
		for _, e := range t.except {
			fe := foldString(e)
			found := false
			for _, f := range folded {
				if i := strings.Index(fe, f); i >= 0 {
					add(fe, owner{term: int32(ti), exc: true, off: int32(runeCount(fe[:i])), n: int32(runeCount(f)), text: e})
					found = true
				}
			}
			if !found {
				errs = append(errs, fmt.Errorf("screen: lexicon/%s:%d: exception %q does not contain any pattern of %s", t.file, t.line, e, t.id))
			}
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	a, err := buildMatcher(pats)
	if err != nil {
		return err
	}
	l.patterns = pats
	l.patExc = make([]bool, len(pats))
	l.termExc = make([]bool, len(l.terms))
	for p, owners := range l.owners {
		check := -1
		for _, o := range owners {
			if o.exc {
				l.patExc[p] = true
				l.termExc[o.term] = true
			}
			if !o.exc && l.terms[o.term].boundary == boundKata {
				a.pats[p].kata = true
			}
			c := leftAny
			if !o.exc {
				switch l.terms[o.term].boundary {
				case boundWord, boundStart:
					c = leftNotWord
				case boundKata:
					c = leftNotKata
				}
			}
			if check == -1 {
				check = int(c)
			} else if check != int(c) {
				check = leftAny
			}
		}
		a.pats[p].leftCheck = uint8(check)
	}
	if a.maxLen >= ringSize {
		return fmt.Errorf("screen: lexicon: a pattern is %d characters long; the limit is %d", a.maxLen, ringSize-1)
	}
	l.auto = a
	return nil
}

// expandEvasions returns p and its variants with the evasions substituted
// (each substitution at every occurrence, and the substitutions of
// different strings combined: 生きて帰れる is also いきてかえれる).
func expandEvasions(p string, evasions [][2]string) []string {
	out := []string{p}
	for _, ev := range evasions {
		n := len(out)
		for _, q := range out[:n] {
			if strings.Contains(q, ev[0]) {
				if v := strings.ReplaceAll(q, ev[0], ev[1]); !slices.Contains(out, v) {
					out = append(out, v)
				}
			}
		}
	}
	return out
}

func runeCount(s string) int {
	n := 0
	for range s {
		n++
	}
	return n
}

// sourceFile names a term's file for messages.
func (t *term) where() string { return path.Join("lexicon", t.file) + ":" + strconv.Itoa(t.line) }
