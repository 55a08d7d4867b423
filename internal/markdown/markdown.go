// Package markdown renders the Markdown that admins write (policies,
// lessons, case studies) to HTML that is safe to put in a page: raw HTML is
// dropped, links go only to http, https, mailto or this site, and images
// only to the training images this site serves.
package markdown

import (
	"bytes"
	"html/template"
	"strings"
	"unicode"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// ImagePrefix is the only place an image may come from.
const ImagePrefix = "/training/images/"

// MaxSource is the longest Markdown text rendered, in bytes: more than the
// longest text the product stores (100,000 characters of up to 4 bytes).
const MaxSource = 1 << 20

func newMarkdown(g guard) goldmark.Markdown {
	return goldmark.New(
		// Tables and strikethrough only: no linkify (bare text stays text), no
		// raw HTML (goldmark omits it unless WithUnsafe is set, and it is not).
		goldmark.WithExtensions(extension.Table, extension.Strikethrough),
		goldmark.WithParserOptions(parser.WithASTTransformers(util.Prioritized(g, 100))),
	)
}

var (
	md       = newMarkdown(guard{})
	mdPublic = newMarkdown(guard{noImages: true})
)

// Render returns src as HTML. Text past MaxSource is cut off.
func Render(src string) template.HTML { return render(md, src) }

// RenderPublic is Render for pages without sign-in: the pictures this site
// serves need a sign-in, so images become their text.
func RenderPublic(src string) template.HTML { return render(mdPublic, src) }

func render(md goldmark.Markdown, src string) template.HTML {
	if len(src) > MaxSource {
		src = strings.ToValidUTF8(src[:MaxSource], "")
	}
	var buf bytes.Buffer
	if err := md.Convert([]byte(src), &buf); err != nil {
		// Convert fails only when writing to buf fails, which it does not;
		// show the text escaped rather than nothing.
		return template.HTML("<pre>" + template.HTMLEscapeString(src) + "</pre>")
	}
	return template.HTML(buf.String())
}

// guard rewrites the tree before rendering: raw HTML goes, links and
// images with a destination outside the allowed ones become their text.
type guard struct{ noImages bool }

func (g guard) Transform(doc *ast.Document, reader text.Reader, pc parser.Context) {
	var drop, unwrap []ast.Node
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch v := n.(type) {
		case *ast.HTMLBlock, *ast.RawHTML:
			drop = append(drop, n)
			return ast.WalkSkipChildren, nil
		case *ast.Link:
			if !linkAllowed(string(v.Destination)) {
				unwrap = append(unwrap, n)
			}
		case *ast.AutoLink:
			// An e-mail address is rendered as a mailto: link.
			if v.AutoLinkType != ast.AutoLinkEmail && !linkAllowed(string(v.URL(reader.Source()))) {
				drop = append(drop, n)
			}
		case *ast.Image:
			if g.noImages || !imageAllowed(string(v.Destination)) {
				unwrap = append(unwrap, n)
			}
		}
		return ast.WalkContinue, nil
	})
	for _, n := range drop {
		if p := n.Parent(); p != nil {
			p.RemoveChild(p, n)
		}
	}
	for _, n := range unwrap {
		p := n.Parent()
		if p == nil {
			continue
		}
		for c := n.FirstChild(); c != nil; {
			next := c.NextSibling()
			p.InsertBefore(p, n, c)
			c = next
		}
		p.RemoveChild(p, n)
	}
}

// plainDestination reports whether dest has no space or control character:
// a browser drops or escapes them (a form feed before "#" became "%0C#", a
// relative link), so what was checked would not be what is followed.
func plainDestination(dest string) bool {
	return !strings.ContainsFunc(dest, func(r rune) bool { return r <= ' ' || r == 0x7f || unicode.IsSpace(r) || unicode.IsControl(r) })
}

func linkAllowed(dest string) bool {
	if !plainDestination(dest) {
		return false
	}
	d := strings.ToLower(dest)
	switch {
	case strings.HasPrefix(d, "https://"), strings.HasPrefix(d, "http://"), strings.HasPrefix(d, "mailto:"):
		return true
	case strings.HasPrefix(d, "#"):
		return true
	case strings.HasPrefix(d, "/") && !strings.HasPrefix(d, "//") && !strings.Contains(d, "\\"):
		return true
	}
	return false
}

func imageAllowed(dest string) bool {
	if !plainDestination(dest) {
		return false
	}
	d := dest
	if !strings.HasPrefix(d, ImagePrefix) {
		return false
	}
	id := d[len(ImagePrefix):]
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}
