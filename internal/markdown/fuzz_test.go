package markdown

import (
	"html"
	"regexp"
	"strings"
	"testing"
)

// FuzzRender checks the safety of what Render and RenderPublic make of any
// text: every tag is one that Markdown produces (no script, iframe, object,
// style, svg, …), every attribute is one of a short list (no event
// handler), links go only where linkAllowed lets them, images only to the
// training images (none at all in RenderPublic), and no '<' is left that
// does not start one of those tags.
func FuzzRender(f *testing.F) {
	for _, s := range append([]string{
		"## 方針\n\n**安全**が第一です。\n\n- [窓口](/report)\n\n![図](/training/images/abc-123)\n",
		"~~del~~ `code` *em* <https://example.jp> taro@example.jp",
		"> quote\n\n1. one\n2. two\n\n---\n",
	}, injections...) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		checkSafe(t, src, string(Render(src)), true)
		checkSafe(t, src, string(RenderPublic(src)), false)
	})
}

var (
	tagRE  = regexp.MustCompile(`^<(/?)([a-z][a-z0-9]*)((?:\s+[a-z-]+(?:="[^"<>]*")?)*)\s*/?>`)
	attrRE = regexp.MustCompile(`([a-z-]+)(?:="([^"]*)")?`)
)

// safeTags are the tags goldmark writes for CommonMark with tables and
// strikethrough.
var safeTags = map[string]bool{
	"p": true, "h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true, "blockquote": true,
	"ul": true, "ol": true, "li": true, "pre": true, "code": true, "hr": true, "br": true, "em": true, "strong": true,
	"a": true, "img": true, "table": true, "thead": true, "tbody": true, "tr": true, "th": true, "td": true, "del": true,
}

var alignRE = regexp.MustCompile(`^text-align:(left|right|center);?$`)

func checkSafe(t *testing.T, src, out string, images bool) {
	t.Helper()
	rest := out
	for {
		i := strings.IndexByte(rest, '<')
		if i < 0 {
			return
		}
		rest = rest[i:]
		m := tagRE.FindStringSubmatch(rest)
		if m == nil {
			t.Fatalf("Render(%q) has a '<' that starts no tag:\n%s", src, out)
		}
		name := m[2]
		if !safeTags[name] {
			t.Fatalf("Render(%q) has the tag <%s>:\n%s", src, name, out)
		}
		if name == "img" && !images {
			t.Fatalf("RenderPublic(%q) has an image:\n%s", src, out)
		}
		for _, a := range attrRE.FindAllStringSubmatch(m[3], -1) {
			key, val := a[1], html.UnescapeString(a[2])
			switch {
			case key == "href" && name == "a":
				if !linkAllowed(val) && !strings.HasPrefix(val, "mailto:") {
					t.Fatalf("Render(%q) links to %q:\n%s", src, val, out)
				}
			case key == "src" && name == "img":
				if !imageAllowed(val) {
					t.Fatalf("Render(%q) has an image from %q:\n%s", src, val, out)
				}
			case key == "alt" && name == "img", key == "title", key == "start" && name == "ol":
			case key == "class" && name == "code" && strings.HasPrefix(val, "language-"):
			case key == "align" && (name == "th" || name == "td"):
			case key == "style" && (name == "th" || name == "td") && alignRE.MatchString(val):
			default:
				t.Fatalf("Render(%q) has the attribute %s=%q on <%s>:\n%s", src, key, val, name, out)
			}
			if low := strings.ToLower(strings.Map(dropSpace, val)); strings.HasPrefix(low, "javascript:") || strings.HasPrefix(low, "vbscript:") || strings.HasPrefix(low, "data:") {
				t.Fatalf("Render(%q) has a %s URL:\n%s", src, key, out)
			}
		}
		rest = rest[len(m[0]):]
	}
}

// dropSpace drops what browsers ignore inside a URL's scheme.
func dropSpace(r rune) rune {
	if r <= ' ' {
		return -1
	}
	return r
}
