// Package starter holds the built-in starting texts that a company adapts:
// a basic policy, response procedures and a training course, in Japanese
// and English. They were written for Kasuhara; {company} in them becomes
// the organisation's name.
package starter

import (
	"embed"
	"strings"

	"github.com/kasuhara/kasuhara"
)

//go:embed texts/*.md
var texts embed.FS

func text(name, lang, company string) string {
	b, err := texts.ReadFile("texts/" + name + "." + lang + ".md")
	if err != nil {
		panic("starter: missing text " + name + "." + lang) // the files are embedded; a test reads each
	}
	return strings.ReplaceAll(string(b), "{company}", company)
}

// Texts are the built-in documents a new policy can start from.
var Texts = []string{"basic_policy", "procedure"}

var titles = map[string][2]string{
	"basic_policy": {"カスタマーハラスメントに対する基本方針", "Basic policy on customer harassment"},
	"procedure":    {"カスタマーハラスメント対応手順", "Procedures for responding to customer harassment"},
	"course":       {"カスタマーハラスメントへの対応（基礎）", "Responding to customer harassment: the basics"},
}

// Policy is the built-in text named name (one of Texts) for company.
func Policy(name, company string) kasuhara.PolicyText {
	t := titles[name]
	return kasuhara.PolicyText{
		TitleJa: t[0], TitleEn: t[1],
		BodyJa: text(name, "ja", company), BodyEn: text(name, "en", company),
	}
}

// Course is the built-in training course for company, with a pass mark of
// 80 percent; it is a draft until published.
func Course(company string) kasuhara.Course {
	t := titles["course"]
	return kasuhara.Course{
		TitleJa: t[0], TitleEn: t[1],
		SourceJa: text("course", "ja", company), SourceEn: text("course", "en", company),
		PassMark: 80,
	}
}
