package markdown

import (
	"regexp"
	"strings"
	"testing"
)

func TestRenderKeepsOrdinaryMarkdown(t *testing.T) {
	got := string(Render("## 方針\n\n**安全**が第一です。\n\n- 一人で対応しない\n- [窓口](/report) と [MHLW](https://www.mhlw.go.jp/)\n\n![図](/training/images/0193a1b2-0000-7000-8000-000000000001)\n"))
	for _, want := range []string{"<h2>方針</h2>", "<strong>安全</strong>", "<li>一人で対応しない</li>",
		`<a href="/report">窓口</a>`, `<a href="https://www.mhlw.go.jp/">MHLW</a>`,
		`<img src="/training/images/0193a1b2-0000-7000-8000-000000000001" alt="図">`} {
		if !strings.Contains(got, want) {
			t.Errorf("Render lacks %q:\n%s", want, got)
		}
	}
}

var handler = regexp.MustCompile(`<[^>]*\son[a-z]+\s*=`)

// injections are texts that try to put a script, an event handler or a
// foreign link or image into what Render makes.
var injections = []string{
	"<script>alert(1)</script>",
	"hello <script>alert(1)</script> world",
	"<img src=x onerror=alert(1)>",
	"<a href=\"javascript:alert(1)\">x</a>",
	"[click](javascript:alert(1))",
	"[click](JaVaScRiPt:alert(1))",
	"[click](  javascript:alert(1))",
	"[click](vbscript:msgbox(1))",
	"[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
	"[click](//evil.example/x)",
	"<javascript:alert(1)>",
	"![x](javascript:alert(1))",
	"![x](https://evil.example/track.png)",
	"![x](/training/images/../../admin)",
	"<iframe src=\"https://evil.example\"></iframe>",
	"<div onmouseover=\"alert(1)\">hover</div>",
	"[x](https://ok.example/\" onclick=\"alert(1))",
	"<svg><script>alert(1)</script></svg>",
	"```html\n<script>alert(1)</script>\n```",
	"<style>body{display:none}</style>",
	"[x](javascript:alert(1))",
	"[x](java\tscript:alert(1))",
	"[x](&#106;avascript:alert(1))",
	"[x](jav&#x09;ascript:alert(1))",
	"[x]: javascript:alert(1)\n\n[x]",
	"![x](/training/images/a\" onerror=\"alert(1))",
	"| a | b |\n|:--|--:|\n| <b onclick=x>1</b> | 2 |",
	"<!-- comment --><style>*{}</style>",
	"[a](<javascript:alert(1)>)",
	"[a](\\javascript:alert(1))",
}

func TestRenderCannotInjectScript(t *testing.T) {
	for _, src := range injections {
		got := strings.ToLower(string(Render(src)))
		if handler.MatchString(got) {
			t.Errorf("Render(%q) has an event handler in a tag:\n%s", src, got)
		}
		for _, bad := range []string{"<script", "javascript:", "vbscript:", "<iframe", "<img src=\"https://", "data:text", "<style", "<svg", "<div", `href="//`, "/admin"} {
			if strings.Contains(got, bad) {
				t.Errorf("Render(%q) contains %q:\n%s", src, bad, got)
			}
		}
	}
}

func TestRenderCodeIsEscaped(t *testing.T) {
	got := string(Render("```\n<b>x</b>\n```"))
	if !strings.Contains(got, "&lt;b&gt;x&lt;/b&gt;") {
		t.Errorf("code block not escaped: %s", got)
	}
}

func TestRenderCutsOffLongText(t *testing.T) {
	got := string(Render(strings.Repeat("あ", MaxSource)))
	if len(got) > MaxSource+100 {
		t.Errorf("Render returned %d bytes for a text past the limit", len(got))
	}
}

func TestRenderKeepsEmailAddresses(t *testing.T) {
	got := string(Render("窓口: <soudan@example.co.jp>"))
	if !strings.Contains(got, `href="mailto:soudan@example.co.jp"`) {
		t.Errorf("the e-mail address is lost: %s", got)
	}
	for _, bad := range []string{"<javascript:alert(1)@x>", "<javascript:alert(1)>"} {
		if got := strings.ToLower(string(Render(bad))); strings.Contains(got, "href=\"javascript") {
			t.Errorf("Render(%q) = %s", bad, got)
		}
	}
}

func TestRenderPublicDropsImages(t *testing.T) {
	got := string(RenderPublic("![図](/training/images/0193a1b2-0000-7000-8000-000000000001)"))
	if strings.Contains(got, "<img") || !strings.Contains(got, "図") {
		t.Errorf("RenderPublic = %s", got)
	}
}

func TestRenderLongJapaneseIsWhole(t *testing.T) {
	src := strings.Repeat("あ", 100_000) + "終わり"
	if got := string(Render(src)); !strings.Contains(got, "終わり") {
		t.Error("the end of a 100,000-character text is cut off")
	}
}
