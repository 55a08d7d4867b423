package screen

import (
	"bufio"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
)

// The evaluation set lives in testdata/eval: dev.tsv was used to tune the
// lexicon, holdout.tsv was written at the same time and never tuned
// against. Each row is a text with the labels a person gave it; hard
// negatives (legitimate complaints, angry but fair customers, neutral
// narration, quoted speech) carry none. A text counts for a category when
// any of its labels is in that category.

type evalRow struct {
	id, lang, near, text string
	expect               []string // category/subtype
}

func readEval(t testing.TB, name string) []evalRow {
	t.Helper()
	f, err := os.Open("testdata/eval/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []evalRow
	sc := bufio.NewScanner(f)
	header := true
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if header {
			header = false
			continue
		}
		c := strings.Split(line, "\t")
		if len(c) != 5 {
			t.Fatalf("%s:%d: %d columns, want 5", name, n, len(c))
		}
		r := evalRow{id: c[0], lang: c[1], near: c[3], text: c[4]}
		for _, e := range list(c[2], ",") {
			cat, sub, _ := strings.Cut(e, "/")
			if !slices.Contains(Subtypes[cat], sub) {
				t.Fatalf("%s:%d: label %q is not in the contract", name, n, e)
			}
			r.expect = append(r.expect, e)
		}
		rows = append(rows, r)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}

// scores are the counts of one category.
type scores struct{ tp, fp, fn, pos, neg, negFP int }

func (s scores) precision() float64 { return ratio(s.tp, s.tp+s.fp) }
func (s scores) recall() float64    { return ratio(s.tp, s.tp+s.fn) }
func (s scores) f1() float64 {
	p, r := s.precision(), s.recall()
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

type evalReport struct {
	byCat    map[string]*scores
	subtypes scores // micro counts over category/subtype pairs
	failures []string
	negRows  int
	negHit   int // hard negatives with any label
}

func evaluate(s *Screener, rows []evalRow) evalReport {
	rep := evalReport{byCat: map[string]*scores{}}
	for _, c := range Categories {
		rep.byCat[c] = &scores{}
	}
	for _, r := range rows {
		res := s.Screen(r.text)
		got := map[string]bool{}
		gotSub := map[string]bool{}
		for _, l := range res.Labels {
			got[l.Category] = true
			gotSub[l.Category+"/"+l.Subtype] = true
		}
		want := map[string]bool{}
		for _, e := range r.expect {
			cat, _, _ := strings.Cut(e, "/")
			want[cat] = true
			if gotSub[e] {
				rep.subtypes.tp++
			} else {
				rep.subtypes.fn++
			}
		}
		for k := range gotSub {
			if !slices.Contains(r.expect, k) {
				rep.subtypes.fp++
			}
		}
		wrong := false
		for _, c := range Categories {
			sc := rep.byCat[c]
			switch {
			case want[c] && got[c]:
				sc.tp++
			case want[c]:
				sc.fn++
				wrong = true
			case got[c]:
				sc.fp++
				wrong = true
			}
			if want[c] {
				sc.pos++
			}
			if len(r.expect) == 0 && r.near == c {
				sc.neg++
				if len(res.Labels) > 0 {
					sc.negFP++
				}
			}
		}
		if len(r.expect) == 0 {
			rep.negRows++
			if len(res.Labels) > 0 {
				rep.negHit++
			}
		}
		if wrong {
			var g []string
			for _, l := range res.Labels {
				g = append(g, l.String())
			}
			rep.failures = append(rep.failures, fmt.Sprintf("%s want %v got %v\n    %s", r.id, r.expect, g, r.text))
		}
	}
	return rep
}

// evalFloor is what the evaluation reached when the lexicon was last tuned
// (rounded down to two decimals). The test fails below it, so that no later
// change makes screening worse unnoticed; raise it when a change improves
// screening.
var evalFloor = map[string]map[string][3]float64{ // split → category → precision, recall, F1
	"dev": {
		"violence_abuse":        {1.00, 1.00, 1.00},
		"unreasonable_demand":   {1.00, 1.00, 1.00},
		"time_place_constraint": {1.00, 1.00, 1.00},
		"other_harassment":      {1.00, 1.00, 1.00},
		"online_defamation":     {1.00, 1.00, 1.00},
	},
	"holdout": {
		// Issue 26 made 家は分かっている and 覚悟しとけ threats by implication;
		// the two held-out texts that say so (ja-oh-p15, ja-od-p12) expect a
		// threat as well since (see the comments next to them), and the
		// floors are those of before issue 26 again (0.94 / 1.00 / 0.97
		// reached; the one false positive is a child quoted saying ばか).
		"violence_abuse":        {0.92, 1.00, 0.96},
		"unreasonable_demand":   {1.00, 1.00, 1.00},
		"time_place_constraint": {1.00, 1.00, 1.00},
		"other_harassment":      {1.00, 0.85, 0.92},
		"online_defamation":     {1.00, 1.00, 1.00},
	},
}

func TestEvaluation(t *testing.T) {
	s := Default()
	all := map[string][]evalRow{"dev": readEval(t, "dev.tsv"), "holdout": readEval(t, "holdout.tsv")}
	all["all"] = append(append([]evalRow(nil), all["dev"]...), all["holdout"]...)

	// The set itself: at least 40 positives per category and as many hard
	// negatives as positives of a category.
	total := evaluate(s, all["all"])
	for _, c := range Categories {
		if total.byCat[c].pos < 40 {
			t.Errorf("evaluation set: %s has %d positives, want at least 40", c, total.byCat[c].pos)
		}
	}
	if total.negRows < 200 {
		t.Errorf("evaluation set: %d hard negatives, want at least 200", total.negRows)
	}

	for _, split := range []string{"dev", "holdout", "all"} {
		rep := evaluate(s, all[split])
		var b strings.Builder
		fmt.Fprintf(&b, "%s (%d texts, %d hard negatives, %d of them labelled):\n", split, len(all[split]), rep.negRows, rep.negHit)
		fmt.Fprintf(&b, "  %-22s %5s %5s %5s %5s %4s %4s %4s %8s\n", "category", "P", "R", "F1", "pos", "TP", "FP", "FN", "negFP")
		for _, c := range Categories {
			sc := rep.byCat[c]
			fmt.Fprintf(&b, "  %-22s %5.2f %5.2f %5.2f %5d %4d %4d %4d %4d/%-3d\n", c, sc.precision(), sc.recall(), sc.f1(), sc.pos, sc.tp, sc.fp, sc.fn, sc.negFP, sc.neg)
			if floor, ok := evalFloor[split][c]; ok {
				got := [3]float64{sc.precision(), sc.recall(), sc.f1()}
				for i, name := range []string{"precision", "recall", "F1"} {
					if got[i]+1e-9 < floor[i] {
						t.Errorf("%s %s: %s %.3f is below the floor %.2f", split, c, name, got[i], floor[i])
					}
				}
			}
		}
		st := rep.subtypes
		fmt.Fprintf(&b, "  %-22s %5.2f %5.2f %5.2f (micro, category/subtype pairs)\n", "subtypes", st.precision(), st.recall(), st.f1())
		t.Log(b.String())
		// Failures of the held-out split are shown only on request, so that
		// tuning does not look at them by accident.
		if v := os.Getenv("SCREEN_EVAL_FAILURES"); v == split || (v == "1" && split == "dev") {
			for _, f := range rep.failures {
				t.Log(f)
			}
		}
	}
}
