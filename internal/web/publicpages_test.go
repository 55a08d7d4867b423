package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/starter"
)

// mustSpeakFor checks that a public page is headed, titled and signed with
// the organisation's name, and never names the product.
func mustSpeakFor(t *testing.T, name string, r resp, org string) {
	t.Helper()
	title := regexp.MustCompile(`<title>([^<]*)</title>`).FindStringSubmatch(r.body)
	if title == nil || !strings.HasSuffix(title[1], "— "+org) {
		t.Errorf("%s: title %q, want it to end with the organisation's name %q", name, title, org)
	}
	for _, want := range []string{`<span class="brand" id="brand">` + org + `</span>`, `<span id="footer-org">` + org + `</span>`} {
		if !strings.Contains(r.body, want) {
			t.Errorf("%s lacks %q:\n%.2500s", name, want, r.body)
		}
	}
	if strings.Contains(r.body, "Kasuhara") {
		t.Errorf("%s names the product:\n%.2500s", name, r.body)
	}
}

// TestPublicPagesSpeakForTheOrganisation: the public policy page, the
// anonymous form, its receipt and the status page show the organisation's
// name where the product's stood (header, title, footer); a subsidiary's
// policy page names the subsidiary, never the parent company whose
// group-wide policy it shows. Both report forms reassure before sending.
func TestPublicPagesSpeakForTheOrganisation(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		admin := e.actor(kasuhara.RoleAdmin)
		e.publishedPolicy(t, admin, kasuhara.PolicyBasic, true, starter.Policy("basic_policy", starterParams(e)))
		for _, lang := range []string{"ja", "en"} {
			anon := e.client()
			anon.header.Set("Accept-Language", lang)
			r := anon.get("/o/acme/policy")
			must(t, r, http.StatusOK, e.org.Name)
			mustSpeakFor(t, lang+" policy", r, e.org.Name)

			// A subsidiary shows the group's policy as its own.
			r = anon.get("/o/acme-retail/policy")
			must(t, r, http.StatusOK, e.sub.Name, `id="policy-body"`)
			mustSpeakFor(t, lang+" subsidiary's policy", r, e.sub.Name)
			mustNot(t, r, e.org.Name)

			r = anon.get("/o/acme/report")
			must(t, r, http.StatusOK, `id="reassurance"`, `id="reassurance-protection"`)
			mustSpeakFor(t, lang+" anonymous form", r, e.org.Name)
			mustNot(t, r, `id="reassurance-readers"`) // no supervisor ever reads an anonymous report
			mustSpeakFor(t, lang+" status page", anon.get("/o/acme/status"), e.org.Name)
		}
		anon := e.client()
		anon.header.Set("Accept-Language", "ja")
		must(t, anon.get("/o/acme/report"), http.StatusOK, "Acme 株式会社の相談窓口と法務・人事の担当者だけです", "不利益な取扱い", "法律とAcme 株式会社の方針")
		fields := map[string][]string{"occurred_at": {"2026-11-26T18:30"}, "channel": {"phone"}, "subtypes": {"insult"},
			"conduct": {"「役立たず」と言われた"}, "idempotency_key": {"brand-key-1"}}
		body, ct := multipartBody(t, fields, nil)
		must(t, anon.do("POST", "/o/acme/report", body, map[string]string{"Content-Type": ct}), http.StatusSeeOther)
		r := anon.get("/o/acme/receipt")
		must(t, r, http.StatusOK, `id="receipt"`)
		mustSpeakFor(t, "receipt", r, e.org.Name)
		receipt := receiptOf(t, r.body)
		mustSpeakFor(t, "receipt in English", anon.post("/o/acme/receipt", url.Values{"lang": {"en"}, "receipt": {receipt}}), e.org.Name)
		mustSpeakFor(t, "status", anon.post("/o/acme/status", url.Values{"receipt": {receipt}}), e.org.Name)

		// The named form says who reads a named report, before sending:
		// the desk and legal, and the supervisor of the chosen department
		// (the messages and the care record only with consent), and that
		// the reporter can keep it from the supervisor.
		emp := e.signedIn(kasuhara.RoleEmployee)
		emp.header.Set("Accept-Language", "ja")
		r = emp.get("/report")
		must(t, r, http.StatusOK, `id="reassurance"`, `id="reassurance-readers"`, "相談窓口と法務・人事：報告のすべて",
			"選んだ部署（変えなければあなたの部署）の上司", "あなたが同意した場合だけ", "上司に開示しないこと", "不利益な取扱い", "法律とAcme 株式会社の方針")
		if strings.Index(r.body, `id="reassurance"`) > strings.Index(r.body, `id="report-submit"`) {
			t.Error("the reassurance comes after the submit button")
		}
		// Signed-in pages keep the product's name.
		must(t, r, http.StatusOK, `<a class="brand" href="/">Kasuhara</a>`)
	})
}
