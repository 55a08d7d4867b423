package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/testdb"
)

func TestOnlinePosts(t *testing.T) {
	for _, eng := range testdb.Engines {
		t.Run(string(eng), func(t *testing.T) {
			e := newEnv(t, eng)
			desk, emp := e.api(kasuhara.RoleDesk), e.api(kasuhara.RoleEmployee)
			must(t, desk.call("POST", "/api/v1/online-posts", map[string]string{"url": "javascript:alert(1)"}), 422, `"url"`)
			must(t, emp.call("POST", "/api/v1/online-posts", map[string]string{"url": "https://sns.example/p/1"}), http.StatusForbidden)
			r := desk.call("POST", "/api/v1/online-posts", map[string]string{"url": "https://sns.example/p/42", "platform": "ExampleSNS", "author_handle": "@angry",
				"posted_at": "2026-11-20T10:00:00+09:00", "captured_text": "新宿店の山田は最悪、顔写真も載せとく", "employees_named": "山田"})
			must(t, r, 201, `"status":"monitoring"`, `"due_at"`)
			id := decode(t, r.body)["id"].(string)
			must(t, desk.call("POST", "/api/v1/online-posts/"+id+"/status", map[string]string{"status": "litigation"}), http.StatusConflict)
			must(t, desk.call("POST", "/api/v1/online-posts/"+id+"/status", map[string]string{"status": "removal_requested"}), 200, `"status":"removal_requested"`)
			body, ct := multipartBody(t, nil, map[string][]byte{"screenshot.png": pngBytes(t, 40, 40)})
			must(t, desk.c.do("POST", "/api/v1/online-posts/"+id+"/files", body, map[string]string{"Authorization": "Bearer " + desk.tok, "Content-Type": ct}), 201, `"sha256"`)
			must(t, desk.call("GET", "/api/v1/online-posts?status=removal_requested", nil), 200, id)
			must(t, desk.call("GET", "/api/v1/online-posts?status=closed", nil), 200, `"online_posts":[]`)
			draft := desk.call("GET", "/api/v1/online-posts/"+id+"/removal-request?lang=ja", nil)
			if draft.status != 200 || !strings.HasPrefix(draft.body, "%PDF") {
				t.Fatalf("draft: %d", draft.status)
			}
			checkPDFText(t, []byte(draft.body), "投稿の削除のお願い", "https://sns.example/p/42", "新宿店の山田は最悪")
			// Another organisation's desk sees nothing.
			must(t, emp.call("GET", "/api/v1/online-posts/"+id, nil), http.StatusForbidden)
		})
	}
}
