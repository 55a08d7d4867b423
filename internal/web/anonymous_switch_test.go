package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kasuhara/kasuhara"
)

// TestAnonymousChannelOff: the admin switches the channel off on the
// settings page (its own form; the checklist item is done once chosen);
// then the form and its POST answer 403 with a page saying, in Japanese and
// English, that the organisation receives named reports only, linking to
// the policy; the API answers a JSON error saying so; a receipt given
// before still works (status and reply); the public policy page and the
// employee's home no longer link to the form; the desk may not switch it.
func TestAnonymousChannelOff(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		admActor := e.actor(kasuhara.RoleAdmin)
		doc, err := e.st.CreatePolicy(ctx, admActor, "basic", false, kasuhara.PolicyText{TitleJa: "カスタマーハラスメントに対する基本方針", BodyJa: "当社は従業員を守ります。"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.st.Publish(ctx, admActor, doc.ID); err != nil {
			t.Fatal(err)
		}
		anon := e.client()
		api := func(path string, v map[string]any, lang string) resp {
			t.Helper()
			return anon.do("POST", path, strings.NewReader(mustJSON(v)), map[string]string{"Content-Type": "application/json", "Accept-Language": lang})
		}
		body := validReport()
		body["org"] = "acme"
		r := api("/api/v1/anonymous-reports", body, "ja")
		must(t, r, 201, `"receipt"`)
		receipt := decode(t, r.body)["receipt"].(string)
		must(t, anon.get("/o/acme/policy"), 200, `id="policy-anon"`, `href="/o/acme/report"`)
		emp := e.signedIn(kasuhara.RoleEmployee)
		must(t, emp.get("/"), 200, `id="anon-link"`)

		adm := e.signedIn(kasuhara.RoleAdmin)
		must(t, adm.get("/"), 200, `id="setup-anonymous" data-done="false"`)
		must(t, adm.get("/admin/settings"), 200, `id="anonymous"`, `id="anonymous-on" checked`, `id="anonymous-unchosen"`)
		must(t, adm.post("/admin/settings/anonymous?org=acme", url.Values{"anonymous": {"maybe"}}), http.StatusUnprocessableEntity, "受け付けるか受け付けないかを選んでください")
		desk := e.signedIn(kasuhara.RoleDesk)
		must(t, desk.post("/admin/settings/anonymous?org=acme", url.Values{"anonymous": {"off"}}), http.StatusForbidden)
		must(t, anon.get("/o/acme/report"), 200, `action="/o/acme/report"`)
		r = adm.post("/admin/settings/anonymous?org=acme", url.Values{"anonymous": {"off"}})
		must(t, r, http.StatusSeeOther)
		r = adm.get(r.header.Get("Location"))
		must(t, r, 200, `id="anonymous-saved"`, "匿名での報告を受け付けないようにしました", `id="anonymous-off" checked`)
		mustNot(t, r, `id="anonymous-unchosen"`)
		must(t, adm.get("/"), 200, `id="setup-anonymous" data-done="true"`)

		// The form, in both languages.
		r = anon.get("/o/acme/report")
		must(t, r, http.StatusForbidden, `id="anon-closed"`, "記名での報告のみを受け付けており", "Acme 株式会社", `href="/o/acme/policy"`, `href="/o/acme/status"`)
		mustNot(t, r, `action="/o/acme/report"`)
		anon.header.Set("Accept-Language", "en")
		must(t, anon.get("/o/acme/report"), http.StatusForbidden, "receives named reports only", `href="/o/acme/policy"`)
		anon.header.Del("Accept-Language")
		fields := map[string][]string{"occurred_at": {"2026-11-26T18:30"}, "channel": {"phone"}, "subtypes": {"insult"},
			"conduct": {"匿名の報告：「役立たず」と言われた"}, "idempotency_key": {"form-key-off"}}
		mb, ct := multipartBody(t, fields, nil)
		must(t, anon.do("POST", "/o/acme/report", mb, map[string]string{"Content-Type": ct}), http.StatusForbidden, `id="anon-closed"`)
		// The API.
		r = api("/api/v1/anonymous-reports", body, "ja")
		must(t, r, http.StatusForbidden, `"code":"forbidden"`, "記名での報告のみ")
		mustNot(t, r, `"receipt"`)
		must(t, api("/api/v1/anonymous-reports", body, "en"), http.StatusForbidden, "named reports only")
		// The receipt given before keeps working.
		must(t, api("/api/v1/anonymous-reports/status", map[string]any{"receipt": receipt}, "ja"), 200, `"state":"new"`)
		must(t, api("/api/v1/anonymous-reports/messages", map[string]any{"receipt": receipt, "body": "追加の情報です"}, "ja"), 201)
		must(t, anon.post("/o/acme/status", url.Values{"receipt": {receipt}}), 200, `id="anon-message-form"`)
		// No link to the form from the policy page nor the employee's home.
		r = anon.get("/o/acme/policy")
		must(t, r, 200, "当社は従業員を守ります")
		mustNot(t, r, `id="policy-anon"`, `/o/acme/report`)
		mustNot(t, emp.get("/"), `id="anon-link"`)
		// The subsidiary's channel is its own.
		must(t, anon.get("/o/acme-retail/report"), 200, `action="/o/acme-retail/report"`)
		// Nothing was filed while off.
		cs, _, err := e.st.Cases(ctx, e.actor(kasuhara.RoleDesk), kasuhara.CaseFilter{})
		if err != nil || len(cs) != 1 {
			t.Fatalf("%d cases (%v), want only the one filed before", len(cs), err)
		}
		// On again.
		must(t, adm.post("/admin/settings/anonymous?org=acme", url.Values{"anonymous": {"on"}}), http.StatusSeeOther)
		must(t, api("/api/v1/anonymous-reports", body, "ja"), 201, `"receipt"`)
	})
}
