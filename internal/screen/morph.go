package screen

import (
	"fmt"
	"io/fs"
	"slices"
	"strings"
)

// Grammar instead of phrase lists, for the two places where the forms of
// one word are many:
//
//   - verbs_ja.tsv lists Japanese harm verbs by their dictionary form
//     (殺す, 埋める, 始末する) with the moods a threat or a call for
//     violence takes; conjugate writes out those forms (殺してやる,
//     殺そうか, 殺せ, 殺されたいのか, 殺すべき…) from the verb's class, so
//     that a new verb is one line and not forty phrases.
//   - spellings.tsv lists English words people misspell on purpose to get
//     past filters; every pattern of a Latin-script term that contains one
//     of them as a word is also compiled with the word's variants: two
//     letters swapped, one left out, one doubled, the letters spaced or
//     separated by symbols (k i l l, k*i*l*l), and leetspeak (k1ll).
//
// Both only make patterns: matching, spans and rules are the lexicon's as
// before, and every label is still explained by the span of a pattern.

// Godan verb endings by row: u, a, i, e, o, and the te and ta forms.
var godanRows = map[rune][7]string{
	'う': {"う", "わ", "い", "え", "お", "って", "った"},
	'く': {"く", "か", "き", "け", "こ", "いて", "いた"},
	'ぐ': {"ぐ", "が", "ぎ", "げ", "ご", "いで", "いだ"},
	'す': {"す", "さ", "し", "せ", "そ", "して", "した"},
	'つ': {"つ", "た", "ち", "て", "と", "って", "った"},
	'ぬ': {"ぬ", "な", "に", "ね", "の", "んで", "んだ"},
	'ぶ': {"ぶ", "ば", "び", "べ", "ぼ", "んで", "んだ"},
	'む': {"む", "ま", "み", "め", "も", "んで", "んだ"},
	'る': {"る", "ら", "り", "れ", "ろ", "って", "った"},
}

// stems are the forms of one verb that the moods are built on.
type stems struct {
	plain, imp, vol, te, ta, cond, passive, cont string
	beki                                         []string // ought: 殺すべき; する verbs also すべき
	// impExc are what the imperative continues into when it is not one
	// (殺せ in 殺せる, 殺せない, 殺せば).
	impExc []string
}

// verbClass infers the class of a dictionary form: suru for 〜する,
// ichidan for 〜る after a kana of the e or i row (埋める, いためつける),
// godan for the rest (殺す, 殴る, 蹴る: a kanji before る is read as
// godan). "verb:ichidan" or "verb:godan" overrides it.
func verbClass(v string) (lemma, class string) {
	if l, c, ok := strings.Cut(v, ":"); ok {
		return l, c
	}
	rs := []rune(v)
	switch {
	case strings.HasSuffix(v, "する"):
		return v, "suru"
	case len(rs) >= 2 && rs[len(rs)-1] == 'る' && strings.ContainsRune("えけげせぜてでねへべぺめれいきぎしじちぢにひびぴみり", rs[len(rs)-2]):
		return v, "ichidan"
	}
	return v, "godan"
}

// verbStems conjugates a dictionary form of class godan, ichidan or suru.
func verbStems(lemma, class string) (stems, error) {
	rs := []rune(lemma)
	if len(rs) < 2 {
		return stems{}, fmt.Errorf("verb %q is too short", lemma)
	}
	switch class {
	case "godan":
		row, ok := godanRows[rs[len(rs)-1]]
		if !ok {
			return stems{}, fmt.Errorf("verb %q: a godan verb ends in u, ku, gu, su, tsu, nu, bu, mu or ru", lemma)
		}
		b := string(rs[:len(rs)-1])
		st := stems{plain: lemma, imp: b + row[3], vol: b + row[4] + "う", te: b + row[5], ta: b + row[6], cond: b + row[3] + "ば",
			passive: b + row[1] + "れ", cont: b + row[2], beki: []string{lemma + "べき"}}
		for _, c := range []string{"る", "な", "ば", "ま", "ず", "た", "て"} {
			st.impExc = append(st.impExc, st.imp+c)
		}
		return st, nil
	case "ichidan":
		if rs[len(rs)-1] != 'る' {
			return stems{}, fmt.Errorf("verb %q: an ichidan verb ends in ru", lemma)
		}
		b := string(rs[:len(rs)-1])
		return stems{plain: lemma, imp: b + "ろ", vol: b + "よう", te: b + "て", ta: b + "た", cond: b + "れば", passive: b + "られ", cont: b,
			beki: []string{lemma + "べき"}}, nil
	case "suru":
		b, ok := strings.CutSuffix(lemma, "する")
		if !ok {
			return stems{}, fmt.Errorf("verb %q: a suru verb ends in suru", lemma)
		}
		return stems{plain: lemma, imp: b + "しろ", vol: b + "しよう", te: b + "して", ta: b + "した", cond: b + "すれば", passive: b + "され", cont: b + "し",
			beki: []string{lemma + "べき", b + "すべき"}}, nil
	}
	return stems{}, fmt.Errorf("verb %q: class %q, want godan, ichidan or suru", lemma, class)
}

// The moods a verb row can ask for, as the forms that make them.
var moods = map[string]func(s stems) []string{
	// A threat: the speaker's intention in any tense or mood.
	"threat": func(s stems) []string {
		return []string{
			s.plain + "ぞ", s.plain + "からな", s.plain + "ぜ", s.plain + "つもりだ", s.plain + "しかない", s.plain + "ことにした", s.plain + "からね",
			s.te + "やる", s.te + "やろう", s.te + "やろか", s.te + "やらあ", s.ta + "ろか", s.ta + "ろう", s.ta + "る", s.ta + "るぞ", s.ta + "るからな",
			s.vol + "か", s.vol + "と思って", s.vol + "と思う", s.vol + "ぜ",
			s.passive + "たいのか", s.passive + "たいか", s.passive + "てえのか", s.passive + "たくなければ", s.passive + "たくなかったら",
			s.cont + "たい", s.cont + "てえ", s.te + "しまおうか", s.te + "やるから",
			// Kansai 〜されたいんか, and going or coming to harm: 殴りに行く,
			// ぶっ殺しに来る (version 13).
			s.passive + "たいんか", s.cont + "に行く", s.cont + "にいく", s.cont + "に来る", s.cont + "にくる",
		}
	},
	// The bare dictionary form: for verbs that are a threat in any
	// sentence (ぶっ殺す, 叩きのめす).
	"bare": func(s stems) []string { return []string{s.plain} },
	// A call for violence: imperative, ought, wish, about anyone.
	"call": func(s stems) []string {
		return append([]string{
			s.imp, s.te + "しまえ", s.te + "やれ", s.te + "くれ", s.te + "くれない", s.te + "ほしい", s.te + "欲しい", s.te + "やればいい", s.te + "くれればいい",
			s.te + "やってくれ", s.te + "やってほしい", s.ta + "らいい", s.cond + "いい", s.passive + "るべき", s.passive + "ればいい", s.passive + "て当然",
			s.passive + "て当たり前", s.passive + "ろ", s.passive + "て死ね", s.passive + "てしまえ", s.ta + "ほうがいい", s.ta + "方がいい", s.vol + "ぜ", s.vol + "よ",
			s.te + "こい", s.te + "来い", s.passive + "ても文句言えない", s.passive + "ても文句は言えない", s.passive + "ても仕方ない", s.passive + "ても当然",
		}, s.beki...)
	},
}

// verbColumns are the columns of verbs_ja.tsv.
var verbColumns = []string{"id", "verbs", "moods", "label", "severity", "tags", "unless", "example", "near_miss", "source"}

// readVerbs reads verbs_ja.tsv into terms whose patterns are the verbs'
// forms.
func (l *lexicon) readVerbs(fsys fs.FS, name string) error {
	return rows(fsys, name, verbColumns, func(line int, c map[string]string) error {
		t := term{id: c["id"], lang: "ja", boundary: boundNone, examples: list(c["example"], "|"), nearMiss: list(c["near_miss"], "|"),
			source: c["source"], file: name, line: line}
		var err error
		if t.label, t.severity, err = parseLabel(c["label"], c["severity"]); err != nil {
			return err
		}
		for _, tg := range list(c["tags"], ",") {
			t.tags = append(t.tags, l.tag(tg))
		}
		if t.unless, err = l.parseUnless(c["unless"]); err != nil {
			return err
		}
		ms := list(c["moods"], ",")
		if len(ms) == 0 {
			return fmt.Errorf("verb row %s has no mood", t.id)
		}
		// Kana readings that are ordinary verbs too (さす: 指す, 差す;
		// しめる: 閉める) harm only with a person as their object: their
		// forms go to a cue of ja.threat.person_harm, not to this row.
		kana := term{id: t.id + ".kana", lang: "ja", boundary: boundNone, source: t.source, file: name, line: line,
			tags: []int{l.tag("harm_obj_ja")}}
		if kana.unless, err = l.parseUnless("neg_say>8"); err != nil {
			return err
		}
		for _, v := range list(c["verbs"], "|") {
			v, reading, ambiguous, err := verbReading(v)
			if err != nil {
				return fmt.Errorf("verb row %s: %w", t.id, err)
			}
			lemma, class := verbClass(v)
			forms := []string{lemma}
			if reading != "" {
				forms = append(forms, reading)
			}
			for i, form := range forms {
				s, err := verbStems(form, class)
				if err != nil {
					return err
				}
				into := &t
				if i == 1 && ambiguous {
					into = &kana
				}
				for _, m := range ms {
					f, ok := moods[m]
					if !ok {
						return fmt.Errorf("mood %q: want threat, bare or call", m)
					}
					if into == &kana && m != "threat" {
						// 閉めろ, 指せ, 差すべき: too ordinary in kana.
						continue
					}
					for _, p := range f(s) {
						if into == &kana && p == s.ta+"る" {
							// さしたる (of no particular), not 刺したる.
							continue
						}
						if !slices.Contains(into.patterns, p) {
							into.patterns = append(into.patterns, p)
						}
					}
					if m == "call" {
						into.except = append(into.except, s.impExc...)
					}
				}
			}
		}
		if len(t.patterns) == 0 {
			return fmt.Errorf("verb row %s has no verb", t.id)
		}
		if t.label == (labelKey{}) && len(t.tags) == 0 {
			return fmt.Errorf("verb row %s has neither a label nor a tag", t.id)
		}
		t.ord = order(t.label)
		l.terms = append(l.terms, t)
		if len(kana.patterns) > 0 {
			// Made from the row: each form is its own example.
			kana.ord, kana.generated = order(kana.label), true
			l.terms = append(l.terms, kana)
		}
		return nil
	})
}

// verbReading splits a verb of verbs_ja.tsv written with its reading,
// 刺す(さす?) or 襲う(おそう): the reading is conjugated as the verb's
// class (from the written form: 蹴る(ける) is godan like 蹴る), and a
// reading marked ? is an ordinary verb in kana (指す, 閉める) and harms
// only with a person as its object.
func verbReading(v string) (verb, reading string, ambiguous bool, err error) {
	i := strings.IndexByte(v, '(')
	if i < 0 {
		return v, "", false, nil
	}
	if !strings.HasSuffix(v, ")") {
		return "", "", false, fmt.Errorf("verb %q: want verb(reading)", v)
	}
	verb, reading = v[:i], v[i+1:len(v)-1]
	reading, ambiguous = strings.CutSuffix(reading, "?")
	for _, r := range reading {
		if r < 'ぁ' || r > 'ゖ' {
			return "", "", false, fmt.Errorf("verb %q: the reading %q is not in hiragana", v, reading)
		}
	}
	return verb, reading, ambiguous, nil
}

// spelling is one row of spellings.tsv: a word and the variants of it
// that are ordinary words and must not be compiled.
type spelling struct {
	word string
	not  []string
}

func readSpellings(fsys fs.FS, name string) (map[string]spelling, error) {
	out := map[string]spelling{}
	err := rows(fsys, name, []string{"word", "not", "note"}, func(line int, c map[string]string) error {
		w := c["word"]
		if w == "" || strings.ContainsAny(w, " \t") || !isLatin(w) || strings.ToLower(w) != w {
			return fmt.Errorf("word %q: want one word in lower-case Latin letters", w)
		}
		if _, dup := out[w]; dup {
			return fmt.Errorf("word %q listed twice", w)
		}
		sp := spelling{word: w}
		for _, n := range list(c["not"], "|") {
			sp.not = append(sp.not, foldString(n))
		}
		out[w] = sp
		return nil
	})
	return out, err
}

func isLatin(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

var leet = map[byte]byte{'a': '4', 'e': '3', 'i': '1', 'o': '0', 's': '5', 't': '7'}

// misspellings returns the variants of a word: two neighbouring letters
// swapped (not the first), one inner letter left out (words of five
// letters or more), one letter doubled, the letters spaced, and leetspeak
// (each substitutable letter on its own, and all at once). The variants
// are as written; compiling folds them.
func misspellings(w string) []string {
	var out []string
	add := func(v string) {
		if v != w && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	n := len(w)
	for i := 1; i+1 < n; i++ {
		if w[i] != w[i+1] {
			add(w[:i] + string(w[i+1]) + string(w[i]) + w[i+2:])
		}
	}
	if n >= 5 {
		for i := 1; i+1 < n; i++ {
			add(w[:i] + w[i+1:])
		}
	}
	for i := range n {
		add(w[:i+1] + w[i:])
	}
	add(strings.Join(strings.Split(w, ""), " "))
	all := []byte(w)
	for i := range all {
		if l, ok := leet[all[i]]; ok {
			all[i] = l
		}
	}
	add(string(all))
	for from, to := range leet {
		if strings.IndexByte(w, from) >= 0 {
			add(strings.ReplaceAll(w, string(from), string(to)))
		}
	}
	slices.Sort(out)
	return out
}

// maxSpelledWords bounds the patterns that are compiled misspelt: the
// grammar's cues are single words (kill, vermin) and short phrases (fuck
// off), and misspelling every long phrase would multiply the automaton
// for little gain (at 8 words the table held 964,000 of its then limit of
// 1,048,576 entries, at 4 894,000; with the group targets of issue 26 it
// holds 1,138,000 of 2,097,152. At 3 the English obfuscated recall of the
// evaluation set falls past its floor).
const maxSpelledWords = 4

// expandSpellings returns p and its variants, each with one listed word
// replaced by one of its misspellings; p is returned alone when it has
// more than maxSpelledWords words.
func expandSpellings(p string, sp map[string]spelling) []string {
	out := []string{p}
	words := strings.Split(p, " ")
	if len(sp) == 0 || len(words) > maxSpelledWords {
		return out
	}
	for i, w := range words {
		s, ok := sp[strings.ToLower(w)]
		if !ok {
			continue
		}
		for _, v := range misspellings(s.word) {
			if slices.Contains(s.not, foldString(v)) {
				continue
			}
			ws := slices.Clone(words)
			ws[i] = v
			out = append(out, strings.Join(ws, " "))
		}
	}
	return out
}
