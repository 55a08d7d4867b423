package i18n

import (
	"go/scanner"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// glossaryRow is one row of docs/glossary.md: the terms to use and the
// terms not to use for one concept.
type glossaryRow struct {
	use   []string
	avoid []string
}

// glossaryExceptions are the only places where a finding is allowed, each
// with its reason. A finding is excused when its file ends with path and
// the text it was found in contains text.
var glossaryExceptions = []struct {
	path, text, reason string
}{
	{"internal/starter/texts/course.ja.md", "評価を下げ", "a performance review, not the desk's assessment of a case"},
	{"internal/i18n/locales/ja.json", "2027-03-31 のような日付", "the input format a date field accepts, not a date a person reads"},
	{"internal/web/templates/admin_course.html", "Q: 語", "the course format sample, shown in both languages; the parser accepts Q: and Q："},
	{"internal/pdf/wrap.go", "", "the line-breaking rules list ASCII and full-width punctuation as characters, not as text a person reads"},
}

// readGlossary parses every table of docs/glossary.md whose fourth column
// lists the terms not to use.
func readGlossary(t *testing.T) []glossaryRow {
	t.Helper()
	b, err := os.ReadFile("../../docs/glossary.md")
	if err != nil {
		t.Fatal(err)
	}
	var rows []glossaryRow
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(line, "|") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "| "), "|")
		if len(cells) != 4 || strings.HasPrefix(strings.TrimSpace(cells[0]), "---") {
			continue
		}
		split := func(s string) []string {
			var out []string
			for _, f := range strings.Split(s, "、") {
				if f = strings.TrimSpace(f); f != "" {
					out = append(out, f)
				}
			}
			return out
		}
		row := glossaryRow{use: split(cells[1]), avoid: split(cells[3])}
		if len(row.avoid) == 0 || row.use[0] == "使う語" {
			continue
		}
		rows = append(rows, row)
	}
	if len(rows) < 15 {
		t.Fatalf("docs/glossary.md: only %d rows with terms not to use: parsing is broken", len(rows))
	}
	return rows
}

// jaText is one Japanese text a person reads and where it comes from.
type jaText struct {
	where string // file path from the repository root, and a key or line
	path  string
	text  string
}

var (
	actionT   = regexp.MustCompile(`\{\{-?\s*(T|role)\s[^}]*\}\}`)
	actionAny = regexp.MustCompile(`\{\{[^}]*\}\}`)
	isoDate   = regexp.MustCompile(`\b\d{4}-\d{2}-\d{2}\b`)
)

func isJapanese(r rune) bool {
	return unicode.In(r, unicode.Hiragana, unicode.Katakana, unicode.Han) ||
		(r >= 0x3000 && r <= 0x303f) || (r >= 0xff00 && r <= 0xffef)
}

func hasJapanese(s string) bool {
	return strings.IndexFunc(s, isJapanese) >= 0
}

// collectTexts gathers the catalogue values, the templates (each translated
// text stands for a Japanese word), the Japanese string literals of the
// mail, document, PDF and starter packages, and the Japanese starter texts.
func collectTexts(t *testing.T) []jaText {
	t.Helper()
	var out []jaText
	m := rawTexts(t, "ja")
	for k, v := range m {
		out = append(out, jaText{"internal/i18n/locales/ja.json " + k, "internal/i18n/locales/ja.json", v})
	}
	walk := func(dir string, fn func(path, rel string)) {
		err := filepath.WalkDir("../../"+dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			fn(p, strings.TrimPrefix(p, "../../"))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	walk("internal/web/templates", func(p, rel string) {
		if !strings.HasSuffix(p, ".html") {
			return
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			line = actionT.ReplaceAllString(line, "語")
			line = actionAny.ReplaceAllString(line, "x")
			if hasJapanese(line) {
				out = append(out, jaText{rel + ":" + strconv.Itoa(i+1), rel, line})
			}
		}
	})
	for _, dir := range []string{"internal/notify", "internal/document", "internal/pdf", "internal/starter"} {
		walk(dir, func(p, rel string) {
			switch {
			case strings.HasSuffix(p, ".go") && !strings.HasSuffix(p, "_test.go"):
				src, err := os.ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				fset := token.NewFileSet()
				var s scanner.Scanner
				s.Init(fset.AddFile(p, -1, len(src)), src, nil, 0)
				for {
					pos, tok, lit := s.Scan()
					if tok == token.EOF {
						break
					}
					if tok != token.STRING {
						continue
					}
					v, err := strconv.Unquote(lit)
					if err != nil || !hasJapanese(v) {
						continue
					}
					out = append(out, jaText{rel + ":" + strconv.Itoa(fset.Position(pos).Line), rel, v})
				}
			case strings.HasSuffix(p, ".ja.md"):
				b, err := os.ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				for i, line := range strings.Split(string(b), "\n") {
					if hasJapanese(line) {
						out = append(out, jaText{rel + ":" + strconv.Itoa(i+1), rel, line})
					}
				}
			}
		})
	}
	if len(out) < 500 {
		t.Fatalf("only %d Japanese texts found: collecting is broken", len(out))
	}
	return out
}

func excused(x jaText) bool {
	for _, e := range glossaryExceptions {
		if strings.HasSuffix(x.path, e.path) && strings.Contains(x.text, e.text) {
			return true
		}
	}
	return false
}

// asciiPunct returns each ASCII ":", "(" or ")" that stands next to a
// Japanese character (spaces skipped), with a little context.
func asciiPunct(s string) []string {
	rs := []rune(s)
	var found []string
	for i, r := range rs {
		if r != ':' && r != '(' && r != ')' {
			continue
		}
		jp := false
		for j := i - 1; j >= 0; j-- {
			if rs[j] != ' ' {
				jp = isJapanese(rs[j])
				break
			}
		}
		for j := i + 1; j < len(rs) && !jp; j++ {
			if rs[j] != ' ' {
				jp = isJapanese(rs[j])
				break
			}
		}
		if jp {
			found = append(found, string(rs[max(0, i-6):min(len(rs), i+7)]))
		}
	}
	return found
}

// TestGlossary fails when a Japanese text a person reads uses a term that
// docs/glossary.md lists as not to use, ASCII ":" "(" ")" next to Japanese,
// or an ISO date.
func TestGlossary(t *testing.T) {
	rows := readGlossary(t)
	for _, x := range collectTexts(t) {
		if excused(x) {
			continue
		}
		for _, row := range rows {
			s := x.text
			// The terms to use are removed first (so that 相談窓口 does not
			// count as 窓口), except where a term not to use contains one
			// (警告済み contains 警告).
			for _, u := range row.use {
				if !slices.ContainsFunc(row.avoid, func(a string) bool { return strings.Contains(a, u) }) {
					s = strings.ReplaceAll(s, u, "〇")
				}
			}
			for _, a := range row.avoid {
				if strings.Contains(s, a) {
					t.Errorf("%s: uses %q; the glossary says %q: %q", x.where, a, row.use[0], x.text)
				}
			}
		}
		for _, p := range asciiPunct(x.text) {
			t.Errorf("%s: ASCII punctuation in Japanese, use ：（）: %q", x.where, p)
		}
		if d := isoDate.FindString(x.text); d != "" {
			t.Errorf("%s: ISO date %s in Japanese text; write it as a Japanese date", x.where, d)
		}
	}
}

// TestAuditLabelsAreNounPhrases fails on an audit entry's label written as a
// verb phrase (方針文書を作成) instead of a noun phrase (方針文書の作成).
func TestAuditLabelsAreNounPhrases(t *testing.T) {
	m := rawTexts(t, "ja")
	for k, v := range m {
		if strings.HasPrefix(k, "audit.") && strings.Count(k, ".") == 2 && strings.Contains(v, "を") {
			t.Errorf("%s: %q is a verb phrase; an audit label is a noun phrase (事案の作成)", k, v)
		}
	}
}
