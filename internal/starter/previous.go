package starter

import (
	"embed"
	"io/fs"
	"strings"
)

// The earlier editions of the built-in policies, kept unchanged so that an
// organisation still using one word for word can be offered the current
// edition (OfferDrafts). They are .txt, not .md, so that the glossary test,
// which reads the current texts, leaves these frozen copies alone. Their
// names are NAME.LANG.N.txt.
//
//go:embed previous/*.txt
var previous embed.FS

// Previous reports which built-in text (one of Texts) the bodies of a
// policy version are an earlier edition of, word for word in both
// languages and with the same company name: those are the documents that
// nobody has adapted. The company name is the one the text was created
// with, even when the organisation was renamed since.
func Previous(bodyJa, bodyEn string) (name string, ok bool) {
	for _, name := range Texts {
		company, ok := matchAny(name, "ja", bodyJa, nil)
		if !ok {
			continue
		}
		if _, ok := matchAny(name, "en", bodyEn, &company); ok {
			return name, true
		}
	}
	return "", false
}

// matchAny matches body against each earlier edition of name in lang and
// returns the company name it was filled in with; when company is not nil
// it must be that name.
func matchAny(name, lang, body string, company *string) (string, bool) {
	files, err := fs.Glob(previous, "previous/"+name+"."+lang+".*.txt")
	if err != nil {
		panic(err) // the pattern is constant and valid
	}
	for _, f := range files {
		b, err := previous.ReadFile(f)
		if err != nil {
			panic(err) // embedded
		}
		if c, ok := fill(string(b), body); ok && (company == nil || *company == c) {
			return c, true
		}
	}
	return "", false
}

// fill reports whether body is template with each {company} replaced by
// one and the same name, and which. Trailing white space is ignored, as the
// store trims it.
func fill(template, body string) (string, bool) {
	template, body = strings.TrimRight(template, " \t\r\n"), strings.TrimRight(body, " \t\r\n")
	parts := strings.Split(template, "{company}")
	if len(parts) == 1 {
		return "", template == body
	}
	if !strings.HasPrefix(body, parts[0]) {
		return "", false
	}
	rest := body[len(parts[0]):]
	end := strings.Index(rest, parts[1])
	if parts[1] == "" || end <= 0 {
		return "", false
	}
	company := rest[:end]
	return company, strings.Join(parts, company) == body
}
