package screen

import (
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/width"
)

// The evaluation set by kind (testdata/eval/kinds_dev.tsv and
// kinds_test.tsv) is made by this file: a hand-written core of each kind
// and templates (subjects × verbs × targets, written as [a|b] alternatives)
// sampled with a fixed seed, then obfuscated variants of the positives.
// The dev part is what the lexicon is tuned on; the test part was written
// separately, with other templates and other phrasings, and is what the
// floors of TestEvaluationKinds hold. The files are committed so that a
// change to them shows in review; TestEvalKindsFiles fails when they are
// not what this file makes. After changing a bank, append a version to
// evalKindsVersions with the digest TestEvalKindsVersion prints, and run
//
//	go test ./internal/screen/ -run TestEvalKindsFiles -update-eval
//
// A word in braces is what the obfuscations change: {kill}, or for
// Japanese {殺してやる~ころしてやる}, the kanji form and its reading.

var updateEval = flag.Bool("update-eval", false, "rewrite testdata/eval/kinds_*.tsv from the banks in evalgen_test.go")

// evalKindsVersions records each version of the set with a digest of its
// rows (evalKindsDigest), newest last; the newest is written in the
// files' header. A change to the banks or the generator that changes the
// rows makes TestEvalKindsVersion fail until a new version is appended
// with the new digest (the test prints it); never edit an old entry.
var evalKindsVersions = []struct {
	version int
	digest  string
}{
	{8, "a37264796eee46b4"},
	{9, "feca1447d924f323"},  // the 26 texts the dev part shared with the test part are gone
	{10, "635d59dc081c2438"}, // issue 26 again: groups as targets, group dehumanising, Japanese insults of ordinary words, profanity at no one, near misses
	{11, "a2b6db81218342ee"}, // issue 26, third round: evalbank_v11_test.go, threats in many grammatical shapes, profanity at no one, condemned quotes, counter-speech, negations
	{12, "8bfb56138faf4bca"}, // version 11 held one text twice in the dev part (後ろには気をつけな。, also a template expansion): rewritten
	{13, "a78b40a9c413cba7"}, // evalbank_v13_test.go: sexual remarks, discriminatory remarks, threats of other shapes, compliments and neutral mentions, pasted text with capitals
}

// evalKindsVersion is the set's version, written in the files' header.
var evalKindsVersion = evalKindsVersions[len(evalKindsVersions)-1].version

// evalKindsDigest is the first 16 hex digits of the SHA-256 of the rows
// of both parts, as written, without the header.
func evalKindsDigest() string {
	h := sha256.New()
	for _, split := range []string{"dev", "test"} {
		for _, r := range makeKindSet(split) {
			fmt.Fprintf(h, "%s\t%s\t%s\t%s\t%s\t%s\n", r.id, r.lang, r.kind, r.expect, r.made, r.text)
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// TestEvalKindsVersion fails when the rows the banks make are not those
// of the newest recorded version: a changed set needs a new version.
func TestEvalKindsVersion(t *testing.T) {
	got := evalKindsDigest()
	last := evalKindsVersions[len(evalKindsVersions)-1]
	if got != last.digest {
		t.Errorf("the evaluation set changed (digest %s, version %d has %s): append {%d, %q} to evalKindsVersions and run -update-eval",
			got, last.version, last.digest, last.version+1, got)
	}
	seen := map[string]bool{}
	for i, v := range evalKindsVersions {
		if i > 0 && v.version <= evalKindsVersions[i-1].version {
			t.Errorf("version %d follows %d", v.version, evalKindsVersions[i-1].version)
		}
		if seen[v.digest] {
			t.Errorf("version %d has the digest of an earlier version", v.version)
		}
		seen[v.digest] = true
	}
}

// TestEvalKindsNoOverlap reads the committed files: no text is in both
// parts (a text in both would be tuned on and then scored as unseen), and
// none is twice in one part.
func TestEvalKindsNoOverlap(t *testing.T) {
	where := map[string]string{}
	for _, split := range []string{"test", "dev"} {
		for _, r := range readKinds(t, split) {
			if w, ok := where[r.text]; ok {
				t.Errorf("%s and %s hold the same text %q", w, r.id, r.text)
			}
			where[r.text] = r.id
		}
	}
}

// The kinds of text, in the order of the tables.
var evalKinds = []string{
	"direct_threat", "implied_threat", "call_for_violence", "dehumanising_insult", "slur", "profanity_at_person",
	"condemned_narrative", "profanity_at_no_one", "quoted_condemnation", "negation", "ordinary_complaint",
	"sexual_remark", "discriminatory_remark", "pasted_text", "obfuscated",
}

// kindExpect is what a text of a kind must be labelled with (any of them);
// the kinds not here must get no label.
var kindExpect = map[string]string{
	"direct_threat":       "violence_abuse/threat",
	"implied_threat":      "violence_abuse/threat",
	"call_for_violence":   "violence_abuse/threat",
	"dehumanising_insult": "violence_abuse/insult",
	"slur":                "violence_abuse/discriminatory,violence_abuse/insult",
	"profanity_at_person": "violence_abuse/insult",
	"condemned_narrative": "violence_abuse/threat,violence_abuse/insult",
	// Version 13: sexual remarks are violence_abuse/sexual when said,
	// other_harassment/sexual when narrated as conduct.
	"sexual_remark":         "violence_abuse/sexual,other_harassment/sexual",
	"discriminatory_remark": "violence_abuse/discriminatory",
}

// kindBank is what one kind, language and split is made of.
type kindBank struct {
	hand  []string // written one by one
	tmpl  []string // templates with [a|b] alternatives
	nTmpl int      // how many template expansions to sample
}

// expandTemplate returns every text a template with [a|b|c] alternatives
// (nesting allowed) stands for.
func expandTemplate(t string) []string {
	i := strings.IndexByte(t, '[')
	if i < 0 {
		return []string{t}
	}
	depth, j := 0, i
	for ; j < len(t); j++ {
		if t[j] == '[' {
			depth++
		} else if t[j] == ']' {
			depth--
			if depth == 0 {
				break
			}
		}
	}
	if j == len(t) {
		panic("unbalanced template: " + t)
	}
	// split the inside at top-level |
	inner := t[i+1 : j]
	var alts []string
	depth, last := 0, 0
	for k := 0; k < len(inner); k++ {
		switch inner[k] {
		case '[':
			depth++
		case ']':
			depth--
		case '|':
			if depth == 0 {
				alts = append(alts, inner[last:k])
				last = k + 1
			}
		}
	}
	alts = append(alts, inner[last:])
	var out []string
	for _, a := range alts {
		for _, rest := range expandTemplate(t[j+1:]) {
			for _, head := range expandTemplate(a) {
				out = append(out, t[:i]+head+rest)
			}
		}
	}
	return out
}

// keyed splits a marked text into its plain text and the key: {kill} →
// "kill"; {殺す~ころす} → text with 殺す, key 殺す, reading ころす.
func keyed(s string) (plain, key, reading string) {
	i := strings.IndexByte(s, '{')
	j := strings.IndexByte(s, '}')
	if i < 0 || j < i {
		return s, "", ""
	}
	key = s[i+1 : j]
	key, reading, _ = strings.Cut(key, "~")
	plain = s[:i] + key + s[j+1:]
	if strings.ContainsAny(plain, "{}") {
		panic("two keys in one text: " + s)
	}
	return plain, key, reading
}

// kindRow is one text of the set.
type kindRow struct {
	id, lang, kind, expect, made, text string
	key, reading                       string // not written: the generator's
}

// obfuscators change the key of a text the way people write around
// filters.
var obfuscators = map[string][]string{
	"en": {"swap", "drop", "double", "spaced", "leet", "symbols"},
	"ja": {"katakana", "halfwidth", "hiragana", "symbols", "spaces"},
}

func toKatakana(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'ぁ' && r <= 'ゖ' {
			return r + 0x60
		}
		return r
	}, s)
}

// obfuscate applies fn to the key (for Japanese, to its reading where the
// function writes kana) and returns the new key, or "" when fn does not
// apply.
func obfuscate(fn, key, reading string, rng *rand.Rand) string {
	// English: change the longest word of the key.
	if fn == "katakana" || fn == "halfwidth" || fn == "hiragana" {
		if reading == "" {
			reading = key
		}
		switch fn {
		case "katakana":
			return toKatakana(reading)
		case "halfwidth":
			return width.Narrow.String(toKatakana(reading))
		default:
			if reading == key {
				return ""
			}
			return reading
		}
	}
	if fn == "symbols" && !isLatin(key) {
		seps := []string{"・", "＊", "☆", "/", "_"}
		return joinRunes(key, seps[rng.IntN(len(seps))])
	}
	if fn == "spaces" {
		seps := []string{" ", "　"}
		return joinRunes(key, seps[rng.IntN(len(seps))])
	}
	words := strings.Fields(key)
	wi := 0
	for i, w := range words {
		if len(w) > len(words[wi]) {
			wi = i
		}
	}
	w := []rune(words[wi])
	n := len(w)
	switch fn {
	case "swap":
		if n < 4 {
			return ""
		}
		i := 1 + rng.IntN(n-2)
		if w[i] == w[i+1] {
			return ""
		}
		w[i], w[i+1] = w[i+1], w[i]
	case "drop":
		if n < 5 {
			return ""
		}
		i := 1 + rng.IntN(n-2)
		w = slices.Delete(w, i, i+1)
	case "double":
		i := rng.IntN(n)
		w = slices.Insert(w, i, w[i])
	case "spaced":
		w = []rune(joinRunes(string(w), " "))
	case "leet":
		leet := map[rune]rune{'a': '4', 'e': '3', 'i': '1', 'o': '0', 's': '5', 't': '7'}
		changed := false
		for i, r := range w {
			if l, ok := leet[r]; ok {
				w[i], changed = l, true
			}
		}
		if !changed {
			return ""
		}
	case "symbols":
		seps := []string{"*", "-", "_"}
		w = []rune(joinRunes(string(w), seps[rng.IntN(len(seps))]))
	}
	words[wi] = string(w)
	return strings.Join(words, " ")
}

func joinRunes(s, sep string) string {
	var parts []string
	for _, r := range s {
		parts = append(parts, string(r))
	}
	return strings.Join(parts, sep)
}

// makeKindSet makes one split of the set. No text of the dev part is a
// text of the test part: the test part was written first and keeps its
// texts; the dev part skips a template expansion or an obfuscated
// variant that the test part holds, and a hand-written dev text that the
// test part holds is a mistake in the bank (it panics).
func makeKindSet(split string) []kindRow {
	banks := kindBanks[split]
	inTest := map[string]bool{}
	if split == "dev" {
		for _, r := range makeKindSet("test") {
			inTest[r.text] = true
		}
	}
	rng := rand.New(rand.NewPCG(26, uint64(len(split))))
	var rows []kindRow
	for _, lang := range []string{"ja", "en"} {
		var positives []kindRow
		for _, kind := range evalKinds {
			if kind == "obfuscated" {
				continue
			}
			b, ok := banks[lang+"/"+kind]
			// The kinds of version 13 are hand-written only.
			if !ok && len(v13Hand[split][lang+"/"+kind]) == 0 {
				panic("no bank for " + lang + "/" + kind + " in " + split)
			}
			expect := kindExpect[kind]
			if expect == "" {
				expect = "-"
			}
			// The hand-written texts of versions 11 and 13 follow those of
			// the bank.
			hand := append(slices.Clip(b.hand), v11Hand[split][lang+"/"+kind]...)
			hand = append(hand, v13Hand[split][lang+"/"+kind]...)
			n := 0
			add := func(made, marked string) {
				n++
				text, key, reading := keyed(marked)
				r := kindRow{id: fmt.Sprintf("%s-%s-%s-%03d", lang, split, kind, n), lang: lang, kind: kind, expect: expect, made: made,
					text: text, key: key, reading: reading}
				rows = append(rows, r)
				if expect != "-" && key != "" {
					positives = append(positives, r)
				}
			}
			for _, h := range hand {
				if p, _, _ := keyed(h); inTest[p] {
					panic("hand-written " + split + " text is in the test part: " + p)
				}
				add("hand", h)
			}
			var all []string
			for _, t := range b.tmpl {
				all = append(all, expandTemplate(t)...)
			}
			rng.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
			seen := map[string]bool{}
			for _, h := range hand {
				p, _, _ := keyed(h)
				seen[p] = true
			}
			taken := 0
			for _, t := range all {
				p, _, _ := keyed(t)
				if taken == b.nTmpl || seen[p] || inTest[p] {
					continue
				}
				seen[p] = true
				add("template", t)
				taken++
			}
		}
		// Obfuscated variants: every other positive with a key, each
		// obfuscation function in turn.
		fns := obfuscators[lang]
		n, f := 0, 0
		for i, p := range positives {
			if i%2 == 1 {
				continue
			}
			for try := range len(fns) {
				fn := fns[(f+try)%len(fns)]
				o := obfuscate(fn, p.key, p.reading, rng)
				if o == "" || o == p.key {
					continue
				}
				text := strings.Replace(p.text, p.key, o, 1)
				if inTest[text] {
					continue
				}
				n++
				f = (f + try + 1) % len(fns)
				rows = append(rows, kindRow{id: fmt.Sprintf("%s-%s-obfuscated-%03d", lang, split, n), lang: lang, kind: "obfuscated",
					expect: p.expect, made: "obfuscated:" + fn + ":" + p.id, text: text})
				break
			}
		}
	}
	return rows
}

// kindSetFile renders one split as the file is written.
func kindSetFile(split string, rows []kindRow) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Kasuhara screening evaluation set by kind, version %d, split %s.\n", evalKindsVersion, split)
	fmt.Fprintf(&b, "# Made by internal/screen/evalgen_test.go (hand-written texts and templates of the project; nothing copied from any data set).\n")
	fmt.Fprintf(&b, "# expect: labels of which any must be found (category/subtype), - for a text that must get no label.\n")
	fmt.Fprintf(&b, "# made: hand, template, or obfuscated:FUNCTION:SOURCE-ID. Do not edit by hand: see evalgen_test.go.\n")
	b.WriteString("id\tlang\tkind\texpect\tmade\ttext\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "%s\t%s\t%s\t%s\t%s\t%s\n", r.id, r.lang, r.kind, r.expect, r.made, r.text)
	}
	return b.String()
}

// TestEvalKindsFiles checks that the committed set is what the banks
// make, and rewrites it with -update-eval.
func TestEvalKindsFiles(t *testing.T) {
	for _, split := range []string{"dev", "test"} {
		rows := makeKindSet(split)
		want := kindSetFile(split, rows)
		name := "testdata/eval/kinds_" + split + ".tsv"
		if *updateEval {
			if err := os.WriteFile(name, []byte(want), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != want {
			t.Errorf("%s is not what evalgen_test.go makes: run go test ./internal/screen/ -run TestEvalKindsFiles -update-eval", name)
		}
		for _, r := range rows {
			if strings.ContainsAny(r.text, "\t\n{}[]") {
				t.Errorf("%s: text %q holds a tab, newline, brace or bracket", r.id, r.text)
			}
		}
	}
}
