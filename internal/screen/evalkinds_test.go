package screen

import (
	"bufio"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
)

// TestEvaluationKinds measures screening on the evaluation set by kind
// (testdata/eval/kinds_*.tsv, made by evalgen_test.go): recall of each
// abusive kind, the share of texts of each non-abusive kind that get any
// label at all, the precision of the threat and insult labels, and how
// much recall obfuscated spellings lose against the plain texts they were
// made from. It fails when the test part falls below its floors.

// kindsFloor holds the test part's floors per language: for an abusive
// kind the least recall, for a non-abusive kind the most share of texts
// labelled; "precision threat" and "precision insult" the least precision
// of those labels; "obfuscation gap" the most recall that obfuscated
// texts may lose against their plain sources.
//
// The floors are what the test part reached when the lexicon was last
// tuned (rounded down, ceilings rounded up); raise them when screening
// improves. Version 13 lowered the threat floors: its new threats of
// other shapes were not tuned on (docs/screening.md, "Version 13"). They may never be set past issue 26's targets (issueTargets).
var kindsFloor = map[string]map[string]float64{
	"ja": {
		"direct_threat": 0.91, "implied_threat": 0.89, "call_for_violence": 0.94, "dehumanising_insult": 1.00, "slur": 0.98,
		"profanity_at_person": 1.00, "condemned_narrative": 1.00, "obfuscated": 0.98,
		"profanity_at_no_one": 0.02, "quoted_condemnation": 0.01, "negation": 0.02, "ordinary_complaint": 0.02,
		"sexual_remark": 0.85, "discriminatory_remark": 0.94, "pasted_text": 0.00,
		"precision threat": 1.00, "precision insult": 0.92, "obfuscation gap": 0.02,
	},
	"en": {
		"direct_threat": 0.93, "implied_threat": 0.90, "call_for_violence": 0.93, "dehumanising_insult": 0.98, "slur": 1.00,
		"profanity_at_person": 1.00, "condemned_narrative": 1.00, "obfuscated": 0.99,
		"profanity_at_no_one": 0.00, "quoted_condemnation": 0.00, "negation": 0.03, "ordinary_complaint": 0.00,
		"sexual_remark": 1.00, "discriminatory_remark": 1.00, "pasted_text": 0.17,
		"precision threat": 0.99, "precision insult": 0.99, "obfuscation gap": 0.01,
	},
}

// issueTargets are issue 26's targets, in kindsFloor's terms: the floors
// must be at least these (at most, for the ceilings). "Degrading insults
// and dehumanising comparisons aimed at a person" are three kinds of the
// set: dehumanising insults, slurs and profanity at a person. The
// obfuscation gap holds for each obfuscation function too
// (TestEvaluationKinds).
var issueTargets = map[string]float64{
	"direct_threat": 0.85, "implied_threat": 0.85, "call_for_violence": 0.85, "precision threat": 0.80,
	"dehumanising_insult": 0.80, "slur": 0.80, "profanity_at_person": 0.80, "obfuscation gap": 0.10,
	"profanity_at_no_one": 0.10, "quoted_condemnation": 0.10, "negation": 0.10, "ordinary_complaint": 0.10,
}

// isCeiling reports whether a figure must stay at or below its floor.
func isCeiling(name string) bool {
	return name == "obfuscation gap" || (kindExpect[name] == "" && name != "obfuscated" && !strings.HasPrefix(name, "precision"))
}

func TestKindsFloorsMeetTheIssue(t *testing.T) {
	for lang, floors := range kindsFloor {
		for name, target := range issueTargets {
			f, ok := floors[name]
			if !ok {
				t.Errorf("%s: no floor for %s", lang, name)
				continue
			}
			if isCeiling(name) && f > target || !isCeiling(name) && f < target {
				t.Errorf("%s %s: floor %.2f is past the issue's target %.2f", lang, name, f, target)
			}
		}
	}
}

// kindRowRead is a row of a kinds file.
type kindRowRead struct {
	id, lang, kind, made, text string
	expect                     []string
}

func readKinds(t testing.TB, split string) []kindRowRead {
	t.Helper()
	name := "testdata/eval/kinds_" + split + ".tsv"
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []kindRowRead
	sc := bufio.NewScanner(f)
	header, version := true, false
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			version = version || strings.Contains(line, ", version ")
			continue
		}
		if header {
			if line != "id\tlang\tkind\texpect\tmade\ttext" {
				t.Fatalf("%s:%d: header %q", name, n, line)
			}
			header = false
			continue
		}
		c := strings.Split(line, "\t")
		if len(c) != 6 {
			t.Fatalf("%s:%d: %d columns, want 6", name, n, len(c))
		}
		r := kindRowRead{id: c[0], lang: c[1], kind: c[2], made: c[4], text: c[5], expect: list(c[3], ",")}
		if !slices.Contains(evalKinds, r.kind) {
			t.Fatalf("%s:%d: kind %q", name, n, r.kind)
		}
		for _, e := range r.expect {
			cat, sub, _ := strings.Cut(e, "/")
			if !slices.Contains(Subtypes[cat], sub) {
				t.Fatalf("%s:%d: label %q is not in the contract", name, n, e)
			}
		}
		rows = append(rows, r)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if !version {
		t.Fatalf("%s: no version in the header", name)
	}
	return rows
}

// kindStats are the figures of one language of one split.
type kindStats struct {
	n, hit      map[string]int // by kind: texts, texts found (abusive) or labelled (not abusive)
	labelled    map[string]int // by label: texts given it
	labelledOK  map[string]int // by label: of those, texts that expect it
	plainN      int            // sources of obfuscated texts
	plainHit    int
	obfHit      int
	failures    []string
	unexplained []string // labels without spans, or spans that are not the text's
	bySourceHit map[string]bool
	byMethod    map[string]*methodStats // obfuscated texts by the function that made them
}

// methodStats counts the obfuscated texts one function made: how many,
// how many of their plain sources were found, how many of them.
type methodStats struct{ n, plainHit, obfHit int }

// minPerMethod is the least number of texts an obfuscation function must
// make in each language and part for its figure to mean something.
const minPerMethod = 10

func (m *methodStats) count() int {
	if m == nil {
		return 0
	}
	return m.n
}

// gap is how much recall the method loses against its plain sources.
func (m *methodStats) gap() float64 { return ratio(m.plainHit, m.n) - ratio(m.obfHit, m.n) }

// the labels whose precision is measured, and what counts as expecting
// them
var precisionLabels = map[string][]string{
	"threat": {"violence_abuse/threat"},
	"insult": {"violence_abuse/insult", "violence_abuse/discriminatory"},
}

func evaluateKinds(s *Screener, rows []kindRowRead) map[string]*kindStats {
	out := map[string]*kindStats{}
	for _, lang := range []string{"ja", "en"} {
		out[lang] = &kindStats{n: map[string]int{}, hit: map[string]int{}, labelled: map[string]int{}, labelledOK: map[string]int{}, bySourceHit: map[string]bool{},
			byMethod: map[string]*methodStats{}}
	}
	for _, r := range rows {
		st := out[r.lang]
		res := s.Screen(r.text)
		var got []string
		for _, l := range res.Labels {
			got = append(got, l.Category+"/"+l.Subtype)
			// Every label is explained by the spans that caused it.
			if len(l.Spans) == 0 {
				st.unexplained = append(st.unexplained, r.id+": "+l.String())
			}
			for _, sp := range l.Spans {
				if sp.Rule == "" || sp.Start >= sp.End || sp.End > len(r.text) || r.text[sp.Start:sp.End] != sp.Text {
					st.unexplained = append(st.unexplained, r.id+": "+l.String())
				}
			}
		}
		ok := false
		if len(r.expect) == 0 {
			ok = len(got) > 0 // labelled at all: a false positive
		} else {
			for _, e := range r.expect {
				ok = ok || slices.Contains(got, e)
			}
		}
		st.n[r.kind]++
		if ok {
			st.hit[r.kind]++
		}
		st.bySourceHit[r.id] = ok
		if ok == (len(r.expect) == 0) {
			var g []string
			for _, l := range res.Labels {
				g = append(g, l.String())
			}
			st.failures = append(st.failures, fmt.Sprintf("%s want %v got %v\n    %s", r.id, r.expect, g, r.text))
		}
		for name, labels := range precisionLabels {
			given, expected := false, false
			for _, l := range labels {
				given = given || slices.Contains(got, l)
				expected = expected || slices.Contains(r.expect, l)
			}
			if given {
				st.labelled[name]++
				if expected {
					st.labelledOK[name]++
				}
			}
		}
	}
	for _, r := range rows {
		if r.kind != "obfuscated" {
			continue
		}
		parts := strings.Split(r.made, ":")
		st := out[r.lang]
		m := st.byMethod[parts[1]]
		if m == nil {
			m = &methodStats{}
			st.byMethod[parts[1]] = m
		}
		st.plainN++
		m.n++
		if st.bySourceHit[parts[len(parts)-1]] {
			st.plainHit++
			m.plainHit++
		}
		if st.bySourceHit[r.id] {
			st.obfHit++
			m.obfHit++
		}
	}
	return out
}

// kindFigures flattens a language's stats into the names kindsFloor uses.
func kindFigures(st *kindStats) map[string]float64 {
	f := map[string]float64{}
	for _, k := range evalKinds {
		f[k] = ratio(st.hit[k], st.n[k])
	}
	for name := range precisionLabels {
		f["precision "+name] = ratio(st.labelledOK[name], st.labelled[name])
	}
	f["obfuscation gap"] = ratio(st.plainHit, st.plainN) - ratio(st.obfHit, st.plainN)
	return f
}

func TestEvaluationKinds(t *testing.T) {
	s := Default()
	for _, split := range []string{"dev", "test"} {
		rows := readKinds(t, split)
		stats := evaluateKinds(s, rows)
		for _, lang := range []string{"ja", "en"} {
			st := stats[lang]
			fig := kindFigures(st)
			var b strings.Builder
			fmt.Fprintf(&b, "%s %s:\n", split, lang)
			for _, k := range evalKinds {
				what := "recall"
				if kindExpect[k] == "" && k != "obfuscated" {
					what = "labelled"
				}
				fmt.Fprintf(&b, "  %-22s %4d  %-8s %.2f\n", k, st.n[k], what, fig[k])
			}
			for _, name := range []string{"threat", "insult"} {
				fmt.Fprintf(&b, "  precision %-12s %4d  %.2f\n", name, st.labelled[name], fig["precision "+name])
			}
			fmt.Fprintf(&b, "  obfuscated %d: recall %.2f, their plain sources %.2f\n", st.plainN, ratio(st.obfHit, st.plainN), ratio(st.plainHit, st.plainN))
			for _, fn := range obfuscators[lang] {
				m := st.byMethod[fn]
				if m == nil {
					m = &methodStats{}
				}
				fmt.Fprintf(&b, "    %-10s %4d: recall %.2f, plain %.2f, gap %.2f\n", fn, m.n, ratio(m.obfHit, m.n), ratio(m.plainHit, m.n), m.gap())
			}
			t.Log(b.String())
			if v := os.Getenv("SCREEN_EVAL_FAILURES"); v == "kinds" && split == "dev" || v == "kinds-"+split {
				for _, f := range st.failures {
					t.Log(f)
				}
			}
			for _, u := range st.unexplained {
				t.Errorf("%s: a label not explained by its spans: %s", split, u)
			}
			// The obfuscation target holds for every way of writing
			// around a filter, not only on average: a method that loses
			// more than issueTargets' gap fails, in both parts.
			for _, fn := range obfuscators[lang] {
				m := st.byMethod[fn]
				switch {
				case m == nil || m.n < minPerMethod:
					t.Errorf("%s %s: obfuscation %s made %d texts, want at least %d", split, lang, fn, m.count(), minPerMethod)
				case m.gap() > issueTargets["obfuscation gap"]+1e-9:
					t.Errorf("%s %s: obfuscation %s: recall %.2f is %.2f below its plain sources' %.2f (the issue allows %.2f)",
						split, lang, fn, ratio(m.obfHit, m.n), m.gap(), ratio(m.plainHit, m.n), issueTargets["obfuscation gap"])
				}
			}
			if split != "test" {
				continue
			}
			for name, floor := range kindsFloor[lang] {
				got, ok := fig[name]
				if !ok {
					t.Fatalf("floor %q names no figure", name)
				}
				worse := got+1e-9 < floor
				if isCeiling(name) {
					worse = got > floor+1e-9
				}
				if worse {
					t.Errorf("test %s %s: %.3f is past its floor %.2f", lang, name, got, floor)
				}
			}
		}
	}
}
