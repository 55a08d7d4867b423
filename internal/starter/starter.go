// Package starter holds the built-in starting texts that a company adapts:
// a basic policy, response procedures and a training course, in Japanese
// and English. They state the amended Labor Policy Comprehensive Promotion
// Act's definition of customer harassment (in force 2026-10-01) and are
// filled in from the organisation's settings (Params): its name, the name
// and representative that sign the basic policy, the contact time limit and
// the date of enactment.
package starter

import (
	"embed"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kasuhara/kasuhara"
)

//go:embed texts/*.md
var texts embed.FS

// Edition names this version of the starter texts. An organisation whose
// document is an earlier edition, unchanged, is offered this one as a
// draft once (OfferDrafts).
const Edition = "2026-10"

// Params are what the texts are filled in with.
type Params struct {
	// Company is the organisation's name as the product shows it.
	Company string
	// LegalName and Representative sign the basic policy; an empty
	// LegalName falls back to Company, an empty Representative is left out.
	LegalName      string
	Representative string
	// ContactLimitMinutes is how long a call or visit may last
	// (OrgSettings.ContactLimitMinutes).
	ContactLimitMinutes int
	// Enacted is the basic policy's date of enactment (制定日); Revised,
	// when not zero, the date of this revision (改定日). Both are written
	// as dates in Japan's time.
	Enacted, Revised time.Time
}

// For fills Params from an organisation's settings (OrgName included, as
// SettingsService.Settings returns them), with now as the date of
// enactment.
func For(st kasuhara.OrgSettings, now time.Time) Params {
	limit := st.ContactLimitMinutes
	if limit <= 0 {
		limit = kasuhara.DefaultSettings("").ContactLimitMinutes
	}
	return Params{Company: st.OrgName, LegalName: st.Sender.LegalName, Representative: st.Sender.Representative,
		ContactLimitMinutes: limit, Enacted: now}
}

func dateJa(t time.Time) string {
	t = t.In(kasuhara.JST)
	return fmt.Sprintf("%d年%d月%d日", t.Year(), t.Month(), t.Day())
}

func dateEn(t time.Time) string { return t.In(kasuhara.JST).Format("2 January 2006") }

// replacer is what each placeholder of the texts becomes in lang.
func (p Params) replacer(lang string) *strings.Replacer {
	name := strings.TrimSpace(p.LegalName)
	if name == "" {
		name = strings.TrimSpace(p.Company)
	}
	signatory := name
	if r := strings.TrimSpace(p.Representative); r != "" {
		signatory += "\n\n" + r
	}
	var dates string
	if lang == "ja" {
		dates = dateJa(p.Enacted) + " 制定"
		if !p.Revised.IsZero() {
			dates += "\n\n" + dateJa(p.Revised) + " 改定"
		}
	} else {
		dates = "Enacted on " + dateEn(p.Enacted)
		if !p.Revised.IsZero() {
			dates += "\n\nRevised on " + dateEn(p.Revised)
		}
	}
	return strings.NewReplacer("{company}", p.Company, "{contact_limit}", strconv.Itoa(p.ContactLimitMinutes),
		"{dates}", dates, "{signatory}", signatory)
}

func text(name, lang string, p Params) string {
	b, err := texts.ReadFile("texts/" + name + "." + lang + ".md")
	if err != nil {
		panic("starter: missing text " + name + "." + lang) // the files are embedded; a test reads each
	}
	return p.replacer(lang).Replace(string(b))
}

// Texts are the built-in documents a new policy can start from.
var Texts = []string{"basic_policy", "procedure"}

var titles = map[string][2]string{
	"basic_policy": {"カスタマーハラスメントに対する基本方針", "Basic policy on customer harassment"},
	"procedure":    {"カスタマーハラスメント対応手順", "Procedures for responding to customer harassment"},
	"course":       {"カスタマーハラスメントへの対応（基礎）", "Responding to customer harassment: the basics"},
}

// Policy is the built-in text named name (one of Texts), filled in with p.
func Policy(name string, p Params) kasuhara.PolicyText {
	t := titles[name]
	return kasuhara.PolicyText{
		TitleJa: t[0], TitleEn: t[1],
		BodyJa: text(name, "ja", p), BodyEn: text(name, "en", p),
	}
}

// Course is the built-in training course filled in with p, with a pass
// mark of 80 percent; it is a draft until published.
func Course(p Params) kasuhara.Course {
	t := titles["course"]
	return kasuhara.Course{
		TitleJa: t[0], TitleEn: t[1],
		SourceJa: text("course", "ja", p), SourceEn: text("course", "en", p),
		PassMark: 80,
	}
}
