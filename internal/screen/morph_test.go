package screen

import (
	"slices"
	"testing"
)

// TestVerbForms checks the conjugation of each class against forms
// written by hand, and that a form that is not a threat is not made.
func TestVerbForms(t *testing.T) {
	for _, tc := range []struct {
		verb, mood string
		want, not  []string
	}{
		{"殺す", "threat", []string{"殺すぞ", "殺してやる", "殺そうか", "殺したろか", "殺されたいのか", "殺したい"}, []string{"殺す", "殺した", "殺さない"}},
		{"殴る", "threat", []string{"殴るぞ", "殴ってやる", "殴ろうか", "殴ったろか", "殴られたいのか"}, []string{"殴る", "殴らない"}},
		{"しばく", "threat", []string{"しばいたる", "しばいてやる", "しばくぞ"}, nil},
		{"埋める", "threat", []string{"埋めてやる", "埋めようか", "埋められたいのか"}, []string{"埋めない"}},
		{"始末する", "call", []string{"始末しろ", "始末すべき", "始末するべき", "始末してしまえ"}, []string{"始末する"}},
		{"殺す", "call", []string{"殺せ", "殺すべき", "殺されればいい", "殺されて当然", "殺してくれない"}, []string{"殺せる"}},
		{"刺す", "call", []string{"刺せ", "刺してやってくれ"}, nil},
	} {
		s, err := verbStems(verbClass(tc.verb))
		if err != nil {
			t.Fatal(err)
		}
		forms := moods[tc.mood](s)
		for _, w := range tc.want {
			if !slices.Contains(forms, w) {
				t.Errorf("%s %s: no %s in %v", tc.verb, tc.mood, w, forms)
			}
		}
		for _, n := range tc.not {
			if slices.Contains(forms, n) {
				t.Errorf("%s %s: %s is made", tc.verb, tc.mood, n)
			}
		}
	}
	// The imperative does not fire inside the potential or the negative.
	s := Default()
	for _, text := range []string{"ゴキブリを殺せるスプレー", "あいつを殺せない"} {
		for _, l := range s.Screen(text).Labels {
			for _, sp := range l.Spans {
				if sp.Rule == "ja.verb.kill" && sp.Text == "殺せ" {
					t.Errorf("%s: the imperative 殺せ fired", text)
				}
			}
		}
	}
}

// TestVerbClass checks the class inferred from the dictionary form.
func TestVerbClass(t *testing.T) {
	for v, want := range map[string]string{"殺す": "godan", "殴る": "godan", "蹴る": "godan", "埋める": "ichidan", "いためつける": "ichidan",
		"始末する": "suru", "ぼこる": "godan", "しめる:godan": "godan"} {
		if _, got := verbClass(v); got != want {
			t.Errorf("class of %s = %s, want %s", v, got, want)
		}
	}
	for _, bad := range [][2]string{{"殺", "godan"}, {"殺す", "ichidan"}, {"殺す", "suru"}, {"殺ぽ", "godan"}, {"殺す", "nidan"}} {
		if _, err := verbStems(bad[0], bad[1]); err == nil {
			t.Errorf("verbStems(%q, %q): no error", bad[0], bad[1])
		}
	}
}

// TestMisspellings checks the variants of a word.
func TestMisspellings(t *testing.T) {
	got := misspellings("kill")
	for _, w := range []string{"klil", "kkill", "kiill", "k i l l", "k1ll"} {
		if !slices.Contains(got, w) {
			t.Errorf("misspellings(kill) has no %q: %v", w, got)
		}
	}
	if slices.Contains(got, "kill") || slices.Contains(got, "kil") {
		t.Errorf("misspellings(kill) = %v: holds the word or a left-out letter of a four-letter word", got)
	}
	if got := misspellings("shoot"); !slices.Contains(got, "soot") || !slices.Contains(got, "shot") {
		t.Errorf("misspellings(shoot) = %v, want soot and shot among them", got)
	}
	// soot is listed not to be compiled: "covered in soot" is nothing.
	s := Default()
	for _, text := range []string{"I'm going to soot you a message", "The chimney left us covered in soot"} {
		if res := s.Screen(text); len(res.Labels) != 0 {
			t.Errorf("%q: %v", text, res.Labels)
		}
	}
	for _, text := range []string{"I'm going to k1ll you", "I'm going to k i l l you", "I'm going to k*i*l*l you", "you are v3rmin", "You're a wa5te of space"} {
		if res := s.Screen(text); len(res.Labels) == 0 {
			t.Errorf("%q: no label", text)
		}
	}
}

// TestVerbReadings checks verbs written with their reading: a reading is
// conjugated as its kanji verb's class, in the verb's own row when it is
// not an ordinary word; a reading marked ? (さす: 指す, 差す) only in the
// threat mood, as a cue that needs a person as object, and never as the
// forms that are ordinary words (させ, さしたる).
func TestVerbReadings(t *testing.T) {
	lex := Default().lex
	patterns := func(id string) []string {
		for _, tm := range lex.terms {
			if tm.id == id {
				return tm.patterns
			}
		}
		t.Fatalf("no term %s", id)
		return nil
	}
	hurt, kana := patterns("ja.verb.hurt"), patterns("ja.verb.hurt.kana")
	for _, w := range []string{"おそってやる", "おそえ", "こらしめてやる"} {
		if !slices.Contains(hurt, w) {
			t.Errorf("ja.verb.hurt has no %s", w)
		}
	}
	for _, w := range []string{"さしてやる", "さすからな", "しめてやろう", "さされたいのか"} {
		if !slices.Contains(kana, w) {
			t.Errorf("ja.verb.hurt.kana has no %s", w)
		}
		if slices.Contains(hurt, w) {
			t.Errorf("ja.verb.hurt labels %s alone", w)
		}
	}
	for _, n := range []string{"させ", "させろ", "さしたる", "しめろ", "さすべき"} {
		if slices.Contains(kana, n) || slices.Contains(hurt, n) {
			t.Errorf("%s is made from an ambiguous reading", n)
		}
	}
	s := Default()
	for _, tc := range []struct {
		text   string
		threat bool
	}{
		{"今度会ったら、お前をさすからな", true},
		{"てめえの首、しめてやろうか", true},
		{"お前はさすがだ", false},
		{"傘をさすからな", false},
		{"さしたる問題はありません", false},
		{"あの客にはおそってやるぞと言われた", true},
	} {
		got := false
		for _, l := range s.Screen(tc.text).Labels {
			got = got || l.Subtype == "threat"
		}
		if got != tc.threat {
			t.Errorf("%s: threat %v, want %v", tc.text, got, tc.threat)
		}
	}
	for _, bad := range []string{"刺す(さす", "刺す(サス)", "刺す(さす?"} {
		if _, _, _, err := verbReading(bad); err == nil {
			t.Errorf("verbReading(%q) accepts it", bad)
		}
	}
}
