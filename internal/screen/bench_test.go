package screen

import (
	"io/fs"
	"strings"
	"testing"
)

// corpus joins the evaluation texts of a language ("" for both, in file
// order, so Japanese and English alternate in runs) and repeats them to
// 64 KiB, the longest text the API takes. Half of these texts are harassment, far denser than real
// narratives, so the figures are a pessimistic case; clean is the hard
// negatives alone.
func corpus(b testing.TB, lang string, clean bool) string {
	b.Helper()
	var parts []string
	for _, name := range []string{"dev.tsv", "holdout.tsv"} {
		for _, r := range readEval(b, name) {
			if (lang == "" || r.lang == lang) && (!clean || len(r.expect) == 0) {
				parts = append(parts, r.text)
			}
		}
	}
	one := strings.Join(parts, "\n")
	var sb strings.Builder
	for sb.Len() < 64<<10 {
		sb.WriteString(one)
		sb.WriteString("\n")
	}
	out := sb.String()[:64<<10]
	return strings.ToValidUTF8(out[:strings.LastIndexByte(out, '\n')], "")
}

// BenchmarkScreen measures throughput (MB/s, of the text as sent) on one
// core: go test -run '^$' -bench Screen -cpu 1 ./internal/screen/
func BenchmarkScreen(b *testing.B) {
	s := Default()
	for _, c := range []struct {
		name  string
		lang  string
		clean bool
	}{
		{"ja", "ja", false}, {"en", "en", false}, {"mixed", "", false},
		{"ja-clean", "ja", true}, {"en-clean", "en", true}, {"mixed-clean", "", true},
	} {
		text := corpus(b, c.lang, c.clean)
		b.Run(c.name, func(b *testing.B) { benchScreen(b, s, text) })
	}
}

// benchScreen measures s screening text, per byte.
func benchScreen(b *testing.B, s *Screener, text string) {
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		s.Screen(text)
	}
}

// BenchmarkScreenShort is one report-sized text: what the report form pays
// per keystroke-triggered call.
func BenchmarkScreenShort(b *testing.B) {
	s := Default()
	text := "昨日の15時頃、来店したお客様から「返金するまで絶対に帰らないからな」と言われ、2時間ほどカウンターで対応した。最後に「SNSに晒してやる」と言って帰った。"
	benchScreen(b, s, text)
}

// BenchmarkNormalize is the normaliser alone, feeding the automaton.
func BenchmarkNormalize(b *testing.B) {
	s := Default()
	text := corpus(b, "", false)
	sc := &scanner{}
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		sc.reset(s.lex.auto)
		sc.normalize(text)
	}
}

// BenchmarkCompile is the cost of Default's first call: parsing and
// compiling the embedded lexicon.
func BenchmarkCompile(b *testing.B) {
	sub, err := fs.Sub(embedded, "lexicon")
	if err != nil {
		b.Fatal(err)
	}
	folds() // built once per process, outside the lexicon
	for b.Loop() {
		if _, err := New(sub); err != nil {
			b.Fatal(err)
		}
	}
}
