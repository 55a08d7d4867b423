package i18n

import (
	"encoding/json"
	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/kasuhara/kasuhara"
)

// TestCataloguesMatch fails on any key present in one language and missing
// in the other, on empty texts, and on placeholders that differ.
func TestCataloguesMatch(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	ja, en := c.Keys("ja"), c.Keys("en")
	if len(ja) < 50 {
		t.Fatalf("only %d keys: loading is broken", len(ja))
	}
	for _, k := range ja {
		if !slices.Contains(en, k) {
			t.Errorf("key %q is in ja but missing in en", k)
		}
	}
	for _, k := range en {
		if !slices.Contains(ja, k) {
			t.Errorf("key %q is in en but missing in ja", k)
		}
	}
	texts := map[string]map[string]string{}
	for _, lang := range Languages {
		texts[lang] = rawTexts(t, lang)
	}
	for k, jv := range texts["ja"] {
		ev := texts["en"][k]
		if strings.TrimSpace(jv) == "" || strings.TrimSpace(ev) == "" {
			t.Errorf("key %q has an empty text", k)
		}
		if !slices.Equal(placeholders(jv), placeholders(ev)) {
			t.Errorf("key %q: placeholders differ: ja %v, en %v", k, placeholders(jv), placeholders(ev))
		}
	}
	// Japanese texts are Japanese: a ja text identical to its en text is a
	// forgotten translation, except for names that are the same in both.
	same := []string{"app.name", "lang.ja", "lang.en"}
	for k, jv := range texts["ja"] {
		if jv == texts["en"][k] && !slices.Contains(same, k) {
			t.Errorf("key %q is not translated into Japanese: %q", k, jv)
		}
	}
}

var placeholderRE = regexp.MustCompile(`\{\{\s*\.(\w+)\s*\}\}`)

// placeholders returns the names of s's {{.Name}} placeholders, sorted.
func placeholders(s string) []string {
	var out []string
	for _, m := range placeholderRE.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// TestFieldCodes fails on a field error code without a text in a language,
// on a text whose arguments are not those of the code's English form, and
// on a field text that no code uses.
func TestFieldCodes(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	codes := kasuhara.FieldCodes()
	if len(codes) < 50 {
		t.Fatalf("only %d field codes", len(codes))
	}
	for _, lang := range Languages {
		texts := rawTexts(t, lang)
		for _, code := range codes {
			id := "field." + string(code)
			text, ok := texts[id]
			if !ok {
				t.Errorf("%s: no text for field code %q", lang, code)
				continue
			}
			if got, want := placeholders(text), placeholders(code.English()); !slices.Equal(got, want) {
				t.Errorf("%s: %s (%q) has arguments %v, the code has %v", lang, id, text, got, want)
			}
		}
		for _, id := range c.Keys(lang) {
			if code, ok := strings.CutPrefix(id, "field."); ok && !slices.Contains(codes, kasuhara.FieldCode(code)) {
				t.Errorf("%s: %s is no field code", lang, id)
			}
		}
	}
}

// rawTexts is the catalogue of lang, placeholders unfilled.
func rawTexts(t *testing.T, lang string) map[string]string {
	t.Helper()
	b, err := os.ReadFile("locales/" + lang + ".json")
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestTranslate(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.Localizer("ja").Translate("home.greeting", map[string]any{"Name": "山田"})
	if err != nil || got != "山田さん、こんにちは" {
		t.Fatalf("got %q, %v", got, err)
	}
	if _, err := c.Localizer("en").Translate("no.such.key", nil); err == nil {
		t.Fatal("a missing key is not an error")
	}
	if got := c.Localizer("fr").Lang; got != Default {
		t.Fatalf("unknown language falls back to %q", got)
	}
}

func TestNegotiate(t *testing.T) {
	tests := []struct {
		user, cookie, accept, want string
	}{
		{"", "", "", "ja"},
		{"", "", "en-US,en;q=0.9", "en"},
		{"", "", "fr-FR,fr;q=0.9,en;q=0.5", "en"},
		{"", "", "ja-JP", "ja"},
		{"", "", "de", "ja"},
		{"", "en", "ja", "en"},
		{"ja", "en", "en", "ja"},
		{"", "xx", "en", "en"},
		{"", "", "garbage;;;", "ja"},
	}
	for _, tt := range tests {
		if got := Negotiate(tt.user, tt.cookie, tt.accept); got != tt.want {
			t.Errorf("Negotiate(%q, %q, %q) = %q, want %q", tt.user, tt.cookie, tt.accept, got, tt.want)
		}
	}
}

func TestPrefersJapanese(t *testing.T) {
	for in, want := range map[string]bool{"": false, "ja": true, "ja-JP,en;q=0.5": true, "en-US,ja;q=0.9": false, "fr-FR": false, "fr,ja;q=0.5": true, "garbage;;": false} {
		if got := PrefersJapanese(in); got != want {
			t.Errorf("PrefersJapanese(%q) = %v, want %v", in, got, want)
		}
	}
}

// TestPlainMessagesAsTheLibrary: a message without placeholders is answered
// from the localizer's own map, without go-i18n; for every message of both
// languages the answer is the library's, and a message the language lacks
// is still an error.
func TestPlainMessagesAsTheLibrary(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	fast := 0
	for _, lang := range Languages {
		l := c.Localizer(lang)
		for _, id := range c.Keys(lang) {
			got, err := l.Translate(id, nil)
			want, tag, werr := l.l.LocalizeWithTag(&goi18n.LocalizeConfig{MessageID: id})
			if werr != nil {
				t.Fatalf("%s %s: the library: %v", lang, id, werr)
			}
			if base, _ := tag.Base(); err != nil || got != want || base.String() != lang {
				t.Errorf("%s %s: %q, %v; the library says %q in %s", lang, id, got, err, want, base)
			}
			if _, ok := l.plain[id]; ok {
				fast++
			}
		}
		if _, err := l.Translate("no.such.message", nil); err == nil {
			t.Errorf("%s: a missing message is not an error", lang)
		}
	}
	if fast == 0 {
		t.Fatal("no message is answered from the localizer's map")
	}
}
