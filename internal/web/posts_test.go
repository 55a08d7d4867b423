package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
)

func TestOnlinePosts(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		desk, emp := e.api(kasuhara.RoleDesk), e.api(kasuhara.RoleEmployee)
		must(t, desk.call("POST", "/api/v1/online-posts", map[string]string{"url": "javascript:alert(1)"}), 422, `"url"`)
		must(t, emp.call("POST", "/api/v1/online-posts", map[string]string{"url": "https://sns.example/p/1"}), http.StatusForbidden)
		r := desk.call("POST", "/api/v1/online-posts", map[string]string{"url": "https://sns.example/p/42", "platform": "ExampleSNS", "author_handle": "@angry",
			"posted_at": "2026-11-20T10:00:00+09:00", "captured_text": "新宿店の山田は最悪、顔写真も載せとく", "employees_named": "山田"})
		must(t, r, 201, `"status":"monitoring"`, `"due_at"`)
		id := decode(t, r.body)["id"].(string)
		must(t, desk.call("POST", "/api/v1/online-posts/"+id+"/status", map[string]string{"status": "litigation"}), http.StatusConflict)
		moved := desk.call("POST", "/api/v1/online-posts/"+id+"/status", map[string]string{"status": "removal_requested"})
		must(t, moved, 200, `"status":"removal_requested"`)
		due := decode(t, moved.body)["due_at"].(string)
		body, ct := multipartBody(t, nil, map[string][]byte{"screenshot.png": pngBytes(t, 40, 40)})
		must(t, desk.c.do("POST", "/api/v1/online-posts/"+id+"/files", body, map[string]string{"Authorization": "Bearer " + desk.tok, "Content-Type": ct}), 201, `"sha256"`)
		must(t, desk.call("GET", "/api/v1/online-posts?status=removal_requested", nil), 200, id)
		must(t, desk.call("GET", "/api/v1/online-posts?status=closed", nil), 200, `"online_posts":[]`)
		// A request asserts the rights chosen, at least one.
		must(t, desk.call("GET", "/api/v1/online-posts/"+id+"/removal-request?lang=ja", nil), 422, `"rights"`)
		must(t, desk.call("GET", "/api/v1/online-posts/"+id+"/removal-request?lang=ja&rights=honour&rights=everything", nil), 422, `"rights"`)
		draft := desk.call("GET", "/api/v1/online-posts/"+id+"/removal-request?lang=ja&rights=privacy", nil)
		if draft.status != 200 || !strings.HasPrefix(draft.body, "%PDF") {
			t.Fatalf("draft: %d", draft.status)
		}
		// Addressed to the platform (御中), the post's date and time in
		// Japan, only privacy asserted, the employee not named without
		// their consent.
		checkPDFText(t, []byte(draft.body), "投稿の削除のお願い", "ExampleSNS 御中", "https://sns.example/p/42", "新宿店の山田は最悪",
			"2026年11月20日 10:00", "当社従業員のプライバシー権")
		checkPDFTextLacks(t, []byte(draft.body), "当社従業員（山田）", "名誉権", "ExampleSNS 様")
		// The consent, recorded on the post's page, names the employee.
		ui := e.signedIn(kasuhara.RoleDesk)
		must(t, ui.post("/online-posts/"+id+"/consent", url.Values{"consent_name": {"山田"}, "consent_at": {"2999-01-01"}}), 422, "consent_at")
		must(t, ui.post("/online-posts/"+id+"/consent", url.Values{"consent_name": {" "}, "consent_at": {"2026-11-21"}}), 422, "consent_name")
		must(t, ui.post("/online-posts/"+id+"/consent", url.Values{"consent_name": {"山田"}, "consent_at": {"2026-11-21"}}), http.StatusSeeOther)
		must(t, ui.get("/online-posts/"+id), 200, "2026年11月21日")
		must(t, desk.call("GET", "/api/v1/online-posts/"+id, nil), 200, `"consent_name":"山田"`, `"consent_at":"2026-11-20T15:00:00Z"`)
		draft = desk.call("GET", "/api/v1/online-posts/"+id+"/removal-request?lang=ja&rights=privacy&rights=honour", nil)
		checkPDFText(t, []byte(draft.body), "当社従業員（山田）の名誉権およびプライバシー権", "名誉権：", "プライバシー権：")
		// The text is the organisation's own.
		l := e.signedIn(kasuhara.RoleLegal)
		must(t, l.get("/online-posts/template"), 200, "{company}")
		must(t, l.post("/online-posts/template", url.Values{"lang": {"ja"}, "title": {"削除依頼書"}, "body": {"  "}}), http.StatusBadRequest, "本文")
		must(t, l.post("/online-posts/template", url.Values{"lang": {"ja"}, "title": {"削除依頼書"}, "body": {"{url} の削除を求めます。{text}"}}), http.StatusSeeOther)
		draft = desk.call("GET", "/api/v1/online-posts/"+id+"/removal-request?lang=ja&rights=honour", nil)
		checkPDFText(t, []byte(draft.body), "削除依頼書", "https://sns.example/p/42の削除を求めます")
		// The deadline reminder: a job for a state the post has left says
		// nothing; one for its current state tells the desk in the app.
		ctx := context.Background()
		for _, stale := range []string{`"status":"monitoring"`, `"status":"removal_requested","due":"2000-01-01T00:00:00Z"`} {
			if err := e.st.PostDueHandler(ctx, json.RawMessage(`{"post_id":"`+id+`",`+stale+`}`)); err != nil {
				t.Fatal(err)
			}
		}
		if strings.Contains(l.get("/notifications").body, "/online-posts/"+id) {
			t.Fatal("a reminder for a state the post has left")
		}
		if err := e.st.PostDueHandler(ctx, json.RawMessage(`{"post_id":"`+id+`","status":"removal_requested","due":"`+due+`"}`)); err != nil {
			t.Fatal(err)
		}
		must(t, l.get("/notifications"), 200, "/online-posts/"+id)
		ec := e.signedIn(kasuhara.RoleEmployee)
		if strings.Contains(ec.get("/notifications").body, "/online-posts/"+id) {
			t.Fatal("an employee was told about a post")
		}
		must(t, e.api(kasuhara.RoleAnalyst).call("GET", "/api/v1/online-posts", nil), http.StatusForbidden)
		// A post linked to a case is hidden from whoever is excluded from it.
		deskV := e.actor(kasuhara.RoleDesk)
		empV := e.actor(kasuhara.RoleEmployee)
		c := e.file(t, empV, kasuhara.Report{OccurredAt: time.Now().Add(-time.Hour), Channel: "social_media", Subtypes: kasuhara.Subtypes, Conduct: "SNSで晒された"})
		linked, err := e.st.CreatePost(ctx, deskV, kasuhara.OnlinePost{URL: "https://sns.example/p/43", CapturedText: "晒し投稿の本文", CaseID: c.ID})
		if err != nil {
			t.Fatal(err)
		}
		// A second legal member excludes the first (the last one could
		// not be excluded).
		legal2, err := e.st.CreateUser(ctx, kasuhara.CLIActor, kasuhara.NewUser{Email: "legal2@acme.example", Name: "Legal Two",
			Password: password, OrgID: e.org.ID, Role: kasuhara.RoleLegal})
		if err != nil {
			t.Fatal(err)
		}
		legal2V := kasuhara.Actor{UserID: legal2.ID, OrgID: e.org.ID, Role: kasuhara.RoleLegal}
		if _, err := e.st.Exclude(ctx, legal2V, c.ID, e.users[kasuhara.RoleLegal].ID); err != nil {
			t.Fatal(err)
		}
		must(t, desk.call("GET", "/api/v1/online-posts/"+linked.ID, nil), 200, "晒し投稿の本文")
		must(t, l.get("/online-posts/"+linked.ID), http.StatusNotFound)
		if list := l.get("/online-posts"); list.status != 200 || strings.Contains(list.body, linked.ID) {
			t.Fatalf("the excluded legal sees the linked post in the list (%d)", list.status)
		}
		if err := e.st.PostDueHandler(ctx, json.RawMessage(`{"post_id":"`+linked.ID+`","status":"monitoring"}`)); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(l.get("/notifications").body, "/online-posts/"+linked.ID) {
			t.Fatal("the excluded legal was reminded of the linked post")
		}
		// Another organisation's desk sees nothing.
		must(t, emp.call("GET", "/api/v1/online-posts/"+id, nil), http.StatusForbidden)
	})
}
