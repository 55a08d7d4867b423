package web_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/jobs"
	"github.com/kasuhara/kasuhara/internal/notify"
)

// uuidText finds a UUID in a page's text outside its links and form values.
var uuidText = regexp.MustCompile(`>[^<]*[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}[^<]*<`)

// TestCooperationPages: the desk records a request received from another
// employer for a case picked by its number, sees it on the register with
// its deadline (overdue in red once past), previews the redacted summary
// and keeps its PDF, in which the reporter's name does not appear without
// their consent and does with it; then answers and closes the request.
// Bad input names the field; the supervisor, the employee, the analyst and
// the administrator reach none of it; the API says the same.
func TestCooperationPages(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		u, err := e.st.CreateUser(ctx, kasuhara.CLIActor, kasuhara.NewUser{Email: "sato@acme.example", Name: "佐藤 花子", Password: password,
			OrgID: e.org.ID, Role: kasuhara.RoleEmployee})
		if err != nil {
			t.Fatal(err)
		}
		reporter := kasuhara.Actor{UserID: u.ID, OrgID: e.org.ID, Role: kasuhara.RoleEmployee}
		c := e.file(t, reporter, kasuhara.Report{OccurredAt: time.Now().Add(-48 * time.Hour), Channel: "in_person", Location: "新宿店 レジ前",
			Categories: []kasuhara.Category{"violence_abuse"}, Subtypes: []string{"shouting"}, RequestContent: "佐藤を辞めさせろ",
			Conduct: "客が佐藤さんに土下座を要求し、花子という名札を撮影した"})
		desk := e.signedIn(kasuhara.RoleDesk)
		must(t, desk.get("/cooperation"), 200, `id="cooperation-form"`, `id="cooperation-none"`, `name="idempotency_key"`, "協力の求めを記録する")

		// Bad input names the field and keeps nothing.
		bad := desk.post("/cooperation", url.Values{"direction": {"received"}})
		must(t, bad, 422, `class="field has-error"><label for="cooperation-employer"`, `class="field has-error"><label for="cooperation-asked"`)
		must(t, desk.post("/cooperation", url.Values{"direction": {"received"}, "employer": {"乙運輸"}, "asked": {"x"}, "case": {"K-1999-00001"}}), 422,
			`class="field has-error"><label for="cooperation-case"`)
		must(t, desk.post("/cooperation", url.Values{"direction": {"received"}, "employer": {"乙運輸"}, "asked": {"x"}, "due_at": {"someday"}}), 422)
		must(t, desk.get("/cooperation"), 200, `id="cooperation-none"`)

		// A request received, for the case picked by its number.
		form := url.Values{"direction": {"received"}, "employer": {"乙運輸株式会社"}, "contact_person": {"総務部 鈴木"}, "contact_phone": {"03-1234-5678"},
			"contact_email": {"suzuki@otsu.example"}, "case": {c.Ref}, "asked": {"同じ顧客による当社社員への暴言について事実確認をお願いしたい"},
			"requested_at": {time.Now().In(kasuhara.JST).Format("2006-01-02")}}
		res := desk.post("/cooperation", form)
		must(t, res, 303)
		path := res.header.Get("Location")
		id := strings.TrimPrefix(path, "/cooperation/")
		list := desk.get("/cooperation")
		must(t, list, 200, "乙運輸株式会社", c.Ref, "CO-", "受けた", "対応中")
		mustNot(t, list, "cooperation-none", `class="overdue"`)
		if m := uuidText.FindString(list.body); m != "" {
			t.Errorf("a UUID is visible on the register: %s", m)
		}
		page := desk.get(path)
		must(t, page, 200, "03-1234-5678", "suzuki@otsu.example", c.Ref, `id="cooperation-share-form"`, `id="cooperation-to-answered"`, "User desk")
		if m := uuidText.FindString(page.body); m != "" {
			t.Errorf("a UUID is visible on the request's page: %s", m)
		}

		// The others reach nothing of the register.
		for _, r := range []kasuhara.Role{kasuhara.RoleSupervisor, kasuhara.RoleEmployee, kasuhara.RoleAnalyst, kasuhara.RoleAdmin} {
			cl := e.signedIn(r)
			for _, p := range []string{"/cooperation", path, path + "/share?fields=conduct"} {
				if got := cl.get(p); got.status != 403 && got.status != 404 {
					t.Errorf("%s: GET %s = %d", r, p, got.status)
				}
			}
			mustNot(t, cl.get("/"), `id="nav-cooperation"`)
			if got := e.api(r).call("GET", "/api/v1/cooperation/"+id, nil); got.status != 403 && got.status != 404 {
				t.Errorf("%s: API GET = %d", r, got.status)
			}
		}
		must(t, desk.get("/"), 200, `id="nav-cooperation"`)

		// The preview: the fields chosen, the reporter blacked out.
		must(t, desk.get(path+"/share?fields=reporter&fields=conduct"), 422, "field-error")
		pre := desk.get(path + "/share?fields=conduct&fields=categories")
		must(t, pre, 200, "土下座", "■■■", `id="share-make-form"`, "乙運輸株式会社")
		mustNot(t, pre, "佐藤", "花子", "新宿店", "Date and time")
		must(t, desk.post(path+"/share", url.Values{"fields": {"conduct", "categories"}}), 303)
		page = desk.get(path)
		must(t, page, 200, `id="cooperation-shares"`, "同意なし")
		share := regexp.MustCompile(`href="(/cooperation/[^"]+/shares/[^"]+)"`).FindStringSubmatch(page.body)
		if share == nil {
			t.Fatal("no shared summary to download")
		}
		pdf := desk.get(share[1])
		must(t, pdf, 200, "%PDF")
		if text := pdfPlain(t, []byte(pdf.body)); text != "" {
			if !strings.Contains(text, "土下座") || !strings.Contains(text, "乙運輸株式会社") {
				t.Errorf("the shared PDF lacks the conduct or the recipient: %s", text)
			}
			for _, name := range []string{"佐藤", "花子", "新宿店"} {
				if strings.Contains(text, name) {
					t.Errorf("the shared PDF names %q without the reporter's consent", name)
				}
			}
		}

		// With the reporter's consent, recorded, through the API.
		api := e.api(kasuhara.RoleLegal)
		must(t, api.call("POST", "/api/v1/cooperation/"+id+"/shares", map[string]any{"fields": []string{"conduct", "reporter"}}), 422, "consent_at")
		got := api.call("POST", "/api/v1/cooperation/"+id+"/shares", map[string]any{"fields": []string{"conduct", "reporter"},
			"consent_at": time.Now().In(kasuhara.JST).Format("2006-01-02")})
		must(t, got, 201, `"sha256"`, `"reporter_consent_at"`, `"consent_recorded_by"`)
		var sh struct{ ID string }
		if err := json.Unmarshal([]byte(got.body), &sh); err != nil {
			t.Fatal(err)
		}
		pdf = api.call("GET", "/api/v1/cooperation/"+id+"/shares/"+sh.ID, nil)
		must(t, pdf, 200)
		if text := pdfPlain(t, []byte(pdf.body)); text != "" && !strings.Contains(text, "佐藤花子") {
			t.Errorf("with consent the PDF does not name the reporter: %s", text)
		}

		// Answer, then close; a wrong move is a conflict.
		must(t, desk.post(path+"/state", url.Values{"to": {"answered"}}), 422, "field-error")
		must(t, desk.post(path+"/state", url.Values{"to": {"answered"}, "text_answered": {"事実確認の結果を要約で共有した"}}), 303)
		must(t, api.call("POST", "/api/v1/cooperation/"+id+"/decline", map[string]string{"reason": "対象外"}), 409)
		must(t, api.call("POST", "/api/v1/cooperation/"+id+"/close", map[string]string{}), 200, `"state":"closed"`)
		page = desk.get(path)
		must(t, page, 200, "事実確認の結果を要約で共有した", "完了", "要約の共有", `id="cooperation-answered-by">User deskが`, "に回答")
		mustNot(t, page, `id="cooperation-to-answered"`)

		// A request sent, through the API, whose deadline passed: overdue
		// in red on the register.
		sent := api.call("POST", "/api/v1/cooperation", map[string]string{"direction": "sent", "employer": "丙商事", "asked": "情報提供のお願い",
			"requested_at": time.Now().AddDate(0, 0, -20).Format(time.RFC3339), "due_at": time.Now().AddDate(0, 0, -1).Format(time.RFC3339)})
		must(t, sent, 201, `"overdue":true`, `"direction":"sent"`)
		must(t, api.call("POST", "/api/v1/cooperation", map[string]string{"direction": "sent"}), 422, "employer", "asked")
		must(t, api.call("POST", "/api/v1/cooperation", map[string]string{"direction": "sent", "employer": "丁社", "asked": "x", "case_ref": "K-1999-00001"}), 422, "case_ref")
		must(t, api.call("POST", "/api/v1/cooperation", map[string]string{"direction": "sent", "employer": "丁社", "asked": "x",
			"case_ref": strings.ToLower(strings.ReplaceAll(c.Ref, "-", ""))}), 201, `"case_ref":"`+c.Ref+`"`)
		list = desk.get("/cooperation")
		must(t, list, 200, `class="overdue"`, "badge-urgent", "丙商事")
		must(t, api.call("GET", "/api/v1/cooperation?state=open", nil), 200, "丙商事")
		mustNot(t, api.call("GET", "/api/v1/cooperation?state=open", nil), "乙運輸")

		// Its handler is reminded: in words, with the number, leading to
		// the request.
		if n, err := e.st.RemindCooperation(ctx); err != nil || n != 1 {
			t.Fatalf("RemindCooperation = %d, %v; want the overdue request", n, err)
		}
		q := jobs.New(e.db, map[string]jobs.Handler{notify.KindEvent: notify.FanoutHandler(e.st)},
			jobs.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if _, err := q.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		var out struct{ ID, Ref string }
		json.Unmarshal([]byte(sent.body), &out)
		must(t, e.signedIn(kasuhara.RoleLegal).get("/notifications"), 200, "協力の求め "+out.Ref+" の期限を過ぎています", `href="/cooperation/`+out.ID+`"`)
		mustNot(t, desk.get("/notifications"), out.Ref)
	})
}
