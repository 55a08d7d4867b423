// Package i18n holds the Japanese and English catalogues of every string a
// person sees, and chooses a language for a request.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

//go:embed locales/*.json
var localeFS embed.FS

// Languages are the supported languages, the default first.
var Languages = []string{"ja", "en"}

// Default is the language used when nothing else decides.
const Default = "ja"

var tags = []language.Tag{language.Japanese, language.English}

// Catalog holds the messages of every language.
type Catalog struct {
	bundle *goi18n.Bundle
	keys   map[string][]string // language → sorted message ids
	locs   map[string]*Localizer
	plain  map[string]map[string]string // language → id → text without placeholders
}

// Load reads the embedded catalogues.
func Load() (*Catalog, error) {
	b := goi18n.NewBundle(language.Japanese)
	b.RegisterUnmarshalFunc("json", json.Unmarshal)
	c := &Catalog{bundle: b, keys: map[string][]string{}, locs: map[string]*Localizer{}, plain: map[string]map[string]string{}}
	for _, lang := range Languages {
		p := path.Join("locales", lang+".json")
		data, err := fs.ReadFile(localeFS, p)
		if err != nil {
			return nil, fmt.Errorf("i18n: %w", err)
		}
		var flat map[string]string
		if err := json.Unmarshal(data, &flat); err != nil {
			return nil, fmt.Errorf("i18n: %s: messages must be a flat object of strings: %w", p, err)
		}
		if _, err := b.ParseMessageFileBytes(data, p); err != nil {
			return nil, fmt.Errorf("i18n: %s: %w", p, err)
		}
		c.keys[lang] = slices.Sorted(maps.Keys(flat))
		c.plain[lang] = map[string]string{}
		for id, text := range flat {
			if !strings.Contains(text, "{{") {
				c.plain[lang][id] = text
			}
		}
	}
	for _, lang := range Languages {
		c.locs[lang] = &Localizer{Lang: lang, l: goi18n.NewLocalizer(b, lang), plain: c.plain[lang]}
	}
	return c, nil
}

// Keys returns the message ids of lang, sorted.
func (c *Catalog) Keys(lang string) []string { return c.keys[lang] }

// Localizer returns the localizer of lang, or of Default for an unknown lang.
func (c *Catalog) Localizer(lang string) *Localizer {
	if l, ok := c.locs[lang]; ok {
		return l
	}
	return c.locs[Default]
}

// Localizer translates messages into one language.
type Localizer struct {
	Lang string
	l    *goi18n.Localizer
	// plain holds the language's messages without placeholders, which
	// the library would return as they are after matching the language
	// and looking the message up on every call: a page of 50 cases calls
	// it hundreds of times, a tenth of the desk's queue page
	// (docs/performance.md). TestPlainMessagesAsTheLibrary.
	plain map[string]string
}

// Translate returns the message id in the localizer's language, with data
// (a map or struct) filled into its {{.Placeholders}}. A missing message is
// an error: tests render every page in both languages to find them.
func (l *Localizer) Translate(id string, data any) (string, error) {
	if data == nil {
		if s, ok := l.plain[id]; ok {
			return s, nil
		}
	}
	s, tag, err := l.l.LocalizeWithTag(&goi18n.LocalizeConfig{MessageID: id, TemplateData: data})
	if err != nil {
		return "", fmt.Errorf("i18n: message %q missing in %s", id, l.Lang)
	}
	if base, _ := tag.Base(); base.String() != l.Lang {
		return "", fmt.Errorf("i18n: message %q missing in %s (found in %s)", id, l.Lang, base)
	}
	return s, nil
}

// T is Translate for places where a missing message must not stop the
// response (logs and tests see the id instead).
func (l *Localizer) T(id string, data ...any) string {
	var d any
	if len(data) > 0 {
		d = data[0]
	}
	s, err := l.Translate(id, d)
	if err != nil {
		return id
	}
	return s
}

// List joins items as the localizer's language writes a list of names:
// "a, b, c" in English, "a、b、c" in Japanese.
func (l *Localizer) List(items []string) string {
	if l.Lang == "ja" {
		return strings.Join(items, "、")
	}
	return strings.Join(items, ", ")
}

// Has reports whether the localizer's language has message id.
func (l *Localizer) Has(id string) bool {
	_, err := l.Translate(id, nil)
	return err == nil
}

// Negotiate picks the language: the user's own setting, else the lang
// cookie, else the browser's Accept-Language, else Default.
func Negotiate(userSetting, cookie, acceptLanguage string) string {
	for _, v := range []string{userSetting, cookie} {
		if slices.Contains(Languages, v) {
			return v
		}
	}
	if acceptLanguage != "" {
		prefs, _, err := language.ParseAcceptLanguage(acceptLanguage)
		if err == nil && len(prefs) > 0 {
			_, i, conf := language.NewMatcher(tags).Match(prefs...)
			if conf != language.No {
				return Languages[i]
			}
		}
	}
	return Default
}

// PrefersJapanese reports whether an Accept-Language header asks for
// Japanese before English (an absent or unrelated header does not).
func PrefersJapanese(acceptLanguage string) bool {
	prefs, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil {
		return false
	}
	for _, p := range prefs {
		base, _ := p.Base()
		switch base.String() {
		case "ja":
			return true
		case "en":
			return false
		}
	}
	return false
}

// Supported reports whether lang is one of Languages.
func Supported(lang string) bool { return slices.Contains(Languages, strings.TrimSpace(lang)) }
