package web_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kasuhara/kasuhara"
)

// TestUserImport: the admin checks a CSV first (a dry run that adds
// nobody), sees each line's problems, and adds the people only when every
// line is right; desk and legal lines are refused.
func TestUserImport(t *testing.T) {
	e := newEnv(t, "sqlite")
	if _, err := e.st.CreateDepartment(ctx, kasuhara.CLIActor, e.org.ID, "新宿店"); err != nil {
		t.Fatal(err)
	}
	admin := e.client()
	admin.signInAs(kasuhara.RoleAdmin)
	must(t, admin.get("/admin/users?org=acme"), 200, `href="/admin/users/import?org=acme"`)
	must(t, admin.get("/admin/users/import?org=acme"), 200, `name="file"`, `name="csv"`)

	bad := "\ufeffメールアドレス,氏名,役割,部署\r\nhanako@example.jp,山田 花子,従業員,新宿店\r\nlegal2@example.jp,法務 二郎,legal,\r\nx@example.jp,,employee,梅田店\r\n"
	r := admin.post("/admin/users/import?org=acme", url.Values{"csv": {bad}})
	must(t, r, http.StatusUnprocessableEntity, "1人も登録していません", "問題なし", "梅田店")
	mustNot(t, r, `id="import-confirm"`)
	if _, err := e.st.UserByEmail(ctx, "hanako@example.jp"); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
		t.Fatal("a line was imported from a file with wrong lines")
	}

	// A file upload, checked: every line right, nothing added yet.
	good := "email,name,role,department,language\nhanako@example.jp,山田 花子,従業員,新宿店,ja\ntaro@example.jp,佐藤 太郎,supervisor,,\n"
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "people.csv")
	fw.Write([]byte(good))
	mw.Close()
	r = admin.do("POST", "/admin/users/import?org=acme", &body, map[string]string{"Content-Type": mw.FormDataContentType()})
	must(t, r, 200, "すべての行に問題はありません", `id="import-confirm"`, "2人を登録する")
	if _, err := e.st.UserByEmail(ctx, "hanako@example.jp"); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
		t.Fatal("the dry run added a person")
	}
	r = admin.post("/admin/users/import?org=acme", url.Values{"csv": {good}, "import": {"yes"}})
	must(t, r, 200, "ユーザーを登録しました", "初回パスワード")
	u, err := e.st.UserByEmail(ctx, "hanako@example.jp")
	if err != nil || !u.MustChangePassword {
		t.Fatalf("hanako: %+v, %v", u, err)
	}
	// The same file again: the addresses are taken, nothing is added twice.
	r = admin.post("/admin/users/import?org=acme", url.Values{"csv": {good}, "import": {"yes"}})
	must(t, r, http.StatusUnprocessableEntity, "1人も登録していません")

	for _, tt := range []struct{ csv, want string }{
		{"", "空です"},
		{"foo,bar\n1,2\n", "見出し"},
		{"email,name\n\"broken,x\n", "CSVとして読めません"},
	} {
		r := admin.post("/admin/users/import?org=acme", url.Values{"csv": {tt.csv}})
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, tt.want) {
			t.Errorf("CSV %q: %d, want 422 saying %q", tt.csv, r.status, tt.want)
		}
	}
	desk := e.client()
	desk.signInAs(kasuhara.RoleDesk)
	must(t, desk.post("/admin/users/import?org=acme", url.Values{"csv": {good}}), http.StatusForbidden)
}
