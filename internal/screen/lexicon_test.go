package screen

import (
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

// explain screens text and returns the ids of every term hit that passed
// its boundary and exceptions (cues included) and of every candidate span,
// before spans inside longer spans are dropped.
func (s *Screener) explain(text string) (terms, fired map[string]bool) {
	sc := &scanner{}
	sc.reset(s.lex.auto)
	upper := sc.normalize(text)
	sc.finish()
	terms, fired = map[string]bool{}, map[string]bool{}
	for _, v := range s.lex.validate(sc.hits, nil) {
		terms[s.lex.terms[v.term].id] = true
	}
	cands := s.lex.resolve(text, sc.hits, sc)
	if upper >= capsMinLetters {
		cands = s.lex.addCaps(text, cands)
	}
	for _, c := range cands {
		fired[s.lex.ruleIDs[c.rule]] = true
	}
	return terms, fired
}

// TestLexiconRules checks every term and rule of the lexicon against its
// own examples, which must fire it, and near misses, which must not. A
// term or rule written by hand must have both; for a term imported from a
// list, each pattern is an example and each exception a near miss.
func TestLexiconRules(t *testing.T) {
	s := Default()
	for _, tm := range s.lex.terms {
		t.Run(tm.id, func(t *testing.T) {
			examples, near := tm.examples, tm.nearMiss
			if tm.generated {
				if len(examples) == 0 {
					examples = tm.patterns
				}
				near = append(slices.Clone(near), tm.except...)
			} else if len(examples) == 0 || len(near) == 0 {
				t.Fatalf("%s: a hand-written term needs an example and a near miss", tm.where())
			}
			cue := tm.label == (labelKey{})
			for _, ex := range examples {
				terms, fired := s.explain(ex)
				if cue && !terms[tm.id] || !cue && !fired[tm.id] {
					t.Errorf("%s: example %q does not fire %s", tm.where(), ex, tm.id)
				}
			}
			for _, nm := range near {
				terms, fired := s.explain(nm)
				if cue && terms[tm.id] || !cue && fired[tm.id] {
					t.Errorf("%s: near miss %q fires %s", tm.where(), nm, tm.id)
				}
			}
		})
	}
	for _, r := range s.lex.rules {
		t.Run(r.id, func(t *testing.T) {
			if len(r.examples) == 0 || len(r.nearMiss) == 0 {
				t.Fatalf("lexicon/%s:%d: a rule needs an example and a near miss", r.file, r.line)
			}
			for _, ex := range r.examples {
				if _, fired := s.explain(ex); !fired[r.id] {
					t.Errorf("lexicon/%s:%d: example %q does not fire %s", r.file, r.line, ex, r.id)
				}
			}
			for _, nm := range r.nearMiss {
				if _, fired := s.explain(nm); fired[r.id] {
					t.Errorf("lexicon/%s:%d: near miss %q fires %s", r.file, r.line, nm, r.id)
				}
			}
		})
	}
}

// TestShoutingRule covers the one rule written in code.
func TestShoutingRule(t *testing.T) {
	s := Default()
	for _, tc := range []struct {
		text string
		want bool
	}{
		{"WHY IS NOBODY ANSWERING THE PHONE", true},
		{"I AM SO ANGRY RIGHT NOW!!!", true},
		{"please check SNS, URL and ID numbers", false},
		{"ORDER NUMBER 12345", false},
		{"The NHK and BBC reported it", false},
		{"土下座しろ ANSWER THE PHONE NOW", true},
	} {
		_, fired := s.explain(tc.text)
		if got := fired[capsRule]; got != tc.want {
			t.Errorf("%q: shouting %v, want %v", tc.text, got, tc.want)
		}
	}
}

// TestShoutingNotCodes: capitals that are not words someone shouts —
// @mentions, URLs, hashtags, e-mail addresses and headers, acronyms and
// product codes, as in a forwarded e-mail or a chat log pasted into a
// report — are not shouting, and a text of them and no abuse gets no
// label. Shouting next to them still is.
func TestShoutingNotCodes(t *testing.T) {
	s := Default()
	for _, tc := range []struct {
		text string
		want bool
	}{
		{"@KENJI_W @MARIA_OPS @TOM_SUPPORT can you look at this", false},
		{"see HTTPS://WWW.EXAMPLE.COM/HELP/RETURNS/POLICY for details", false},
		{"#BLACKFRIDAY #MEGASALE #FREESHIPPING starts today", false},
		{"From: NOREPLY@SHOP.EXAMPLE.COM\nTo: DESK@EXAMPLE.COM\nSubject: YOUR PARCEL HAS BEEN DISPATCHED", false},
		{"Fwd: RE: RETURN AUTHORISATION REQUEST", false},
		{"part numbers XJ-2200-BLU, XJ-2200-GRN and XJ-2200-WHT are out of stock", false},
		{"the SLA says the ISP, the CDN and the DNS team answer within an hour", false},
		{"ISO IEC JIS ANSI NIST SOC standards apply", false},
		{"order A1B2C3 ZX99 QQ771 LOT44B ready", false},
		{"お客様のメール（件名: RE: ORDER CONFIRMATION REQUIRED）を転送します", false},
		{"Subject: refund\nWHERE IS MY REFUND YOU CROOKS", true},
		{"@SHOP_HELP WHY IS NOBODY ANSWERING THE PHONE", true},
		{"I WANT MY MONEY BACK NOW, ORDER #A4471", true},
	} {
		_, fired := s.explain(tc.text)
		if got := fired[capsRule]; got != tc.want {
			t.Errorf("%q: shouting %v, want %v", tc.text, got, tc.want)
		}
		if !tc.want {
			if res := s.Screen(tc.text); len(res.Labels) != 0 {
				t.Errorf("%q: labels %v, want none", tc.text, res.Labels)
			}
		}
	}
}

// TestCondemnedNarrative checks the lift of the condemnation suppressor:
// words narrated as said or done to someone keep their label however the
// same sentence condemns them, while words discussed in general (policy,
// training, a hypothetical) still get none.
func TestCondemnedNarrative(t *testing.T) {
	s := Default()
	for _, tc := range []struct {
		text, want string // want: a label the text must get, or "" for none at all
	}{
		{"He said he'd kill me, which is unacceptable.", "violence_abuse/threat"},
		{"He said he would kill me, which is never acceptable.", "violence_abuse/threat"},
		{"The caller told me I was vermin, which is not acceptable.", "violence_abuse/insult"},
		{"He called me a waste of space, which is unacceptable.", "violence_abuse/insult"},
		{"He threatened to stab me, and that is a crime.", "violence_abuse/threat"},
		{"「殺すぞ」と言われたのは脅迫にあたります。", "violence_abuse/threat"},
		{"「お前はゴミだ」と言われ、こんな言葉は使ってはいけないと思った。", "violence_abuse/insult"},
		{"「死ね」と怒鳴られ、これはカスハラに該当すると思います。", "violence_abuse/insult"},
		{"「誠意を見せろ」と迫られ、脅迫にあたると思いました。", "unreasonable_demand/money_demand"},
		{"土下座を強要されましたが、これはカスハラにあたると思います。", "unreasonable_demand/kneeling_demand"},
		// a condemnation in a sentence of its own never mattered
		{"The customer told me he would kill me. This is unacceptable behaviour.", "violence_abuse/threat"},

		{`Calling staff "vermin" is never acceptable.`, ""},
		{`Saying "I'll kill you" to staff is never acceptable.`, ""},
		{`If a customer said "I'll kill you", that is a threat and is never acceptable.`, ""},
		{"「死ね」という言葉は使ってはいけない。", ""},
		{"「殺すぞ」のような発言は脅迫にあたります。", ""},
		{"お客様に「殺すぞ」と言われたら、脅迫にあたりますので報告してください。", ""},
		{"研修で「死ね」という言葉は使ってはいけないと指導されました。", ""},
		// the narrated cue lifts only within its sentence and near the span
		{"He told me about the weather and the trains and the price of bread at the market and many other things of no importance, and saying \"I'll kill you\" is never acceptable.", ""},
		{"He told me about the delay. Saying \"I'll kill you\" is never acceptable.", ""},
	} {
		res := s.Screen(tc.text)
		var got []string
		for _, l := range res.Labels {
			got = append(got, l.Category+"/"+l.Subtype)
		}
		if tc.want == "" && len(got) > 0 || tc.want != "" && !slices.Contains(got, tc.want) {
			t.Errorf("%q: labels %v, want %q", tc.text, got, tc.want)
		}
	}
}

// TestLexiconErrors checks that a broken lexicon is refused with a message
// that names the file and line.
func TestLexiconErrors(t *testing.T) {
	head := strings.Join(termColumns, "\t") + "\n"
	row := func(cols ...string) string { return strings.Join(cols, "\t") + "\n" }
	ok := row("x.one", "ばか", "violence_abuse/insult", "1", "ja", "none", "-", "-", "-", "ばか", "はか", "hand")
	for _, tc := range []struct {
		name, file, body, want string
	}{
		{"label", "terms_a.tsv", head + row("x.one", "ばか", "violence_abuse/nope", "1", "ja", "none", "-", "-", "-", "-", "-", "hand"), "terms_a.tsv:2: label"},
		{"severity", "terms_a.tsv", head + row("x.one", "ばか", "violence_abuse/insult", "4", "ja", "none", "-", "-", "-", "-", "-", "hand"), "severity"},
		{"boundary", "terms_a.tsv", head + row("x.one", "ばか", "violence_abuse/insult", "1", "ja", "edge", "-", "-", "-", "-", "-", "hand"), "boundary"},
		{"duplicate", "terms_a.tsv", head + ok + ok, "also used"},
		{"exception", "terms_a.tsv", head + row("x.one", "ばか", "violence_abuse/insult", "1", "ja", "none", "-", "-", "あほう", "-", "-", "hand"), "does not contain"},
		{"columns", "terms_a.tsv", head + "x.one\tばか\n", "columns"},
		{"unknown tag", "terms_a.tsv", head + row("x.one", "ばか", "violence_abuse/insult", "1", "ja", "none", "-", "neg>3", "-", "-", "-", "hand"), `tag "neg"`},
		{"file", "words.tsv", head + ok, "unknown kind of file"},
		{"empty lift", "terms_a.tsv", head + row("x.one", "ばか", "violence_abuse/insult", "1", "ja", "none", "neg", "neg>3!", "-", "-", "-", "hand"), "lift"},
		{"unknown lift", "terms_a.tsv", head + row("x.one", "ばか", "violence_abuse/insult", "1", "ja", "none", "neg", "neg>3!said", "-", "-", "-", "hand"), `tag "said"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(fstest.MapFS{tc.file: {Data: []byte(tc.body)}})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
	if _, err := New(fstest.MapFS{"terms_a.tsv": {Data: []byte(head + ok)}}); err != nil {
		t.Fatalf("a valid lexicon: %v", err)
	}
}
