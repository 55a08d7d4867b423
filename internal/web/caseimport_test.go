package web_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kasuhara/kasuhara"
	"github.com/xuri/excelize/v2"
)

// The import page: only the desk and legal; a file that is not a ledger is
// named on the form; the dry run (a GET) writes nothing; the import runs
// once however often it is sent.
func TestImportPage(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		desk := e.client()
		desk.signInAs(kasuhara.RoleDesk)
		for _, role := range []kasuhara.Role{kasuhara.RoleAdmin, kasuhara.RoleEmployee, kasuhara.RoleSupervisor, kasuhara.RoleAnalyst} {
			c := e.client()
			c.signInAs(role)
			must(t, c.get("/import/cases"), http.StatusForbidden)
		}
		must(t, desk.get("/import/cases"), http.StatusOK, `name="file"`, `name="idempotency_key"`)
		upload := func(name string, data []byte, key string) resp {
			var b bytes.Buffer
			mw := multipart.NewWriter(&b)
			mw.WriteField("idempotency_key", key)
			fw, _ := mw.CreateFormFile("file", name)
			fw.Write(data)
			mw.Close()
			return desk.do("POST", "/import/cases", &b, map[string]string{"Content-Type": mw.FormDataContentType()})
		}
		must(t, upload("x.pdf", []byte("%PDF-1.7\n\x00binary"), "k-imp-0"), http.StatusUnprocessableEntity,
			"Excel（.xlsx）またはCSVで保存し直してください", `id="error-summary"`)
		f := excelize.NewFile()
		f.SetSheetRow("Sheet1", "A1", &[]any{"発生日", "内容", "分類", "対応状況"})
		f.SetSheetRow("Sheet1", "A2", &[]any{"令和6年5月1日", "「役立たず」と怒鳴られた", "暴言", "完了"})
		f.SetSheetRow("Sheet1", "A3", &[]any{"2024/13/1", "日付の誤り", "暴言", "完了"})
		var b bytes.Buffer
		f.Write(&b)
		first := upload("記録簿.xlsx", b.Bytes(), "k-imp-1")
		must(t, first, http.StatusSeeOther)
		page := first.header.Get("Location")
		if !strings.HasPrefix(page, "/import/cases/") {
			t.Fatalf("the upload leads to %q", page)
		}
		must(t, desk.get(page), http.StatusOK, `id="m-occurred_at"`, "記録簿.xlsx")
		q := url.Values{"check": {"1"}, "m.occurred_at": {"発生日"}, "m.conduct": {"内容"}, "m.categories": {"分類"}, "m.state": {"対応状況"}}
		dry := desk.get(page + "?" + q.Encode())
		must(t, dry, http.StatusOK, `id="import-problems"`, "<td>3</td><td>発生日</td>")
		mustNot(t, dry, `id="import-run"`)
		// The mapping naming a column the file lacks.
		q.Set("m.harm", "被害")
		must(t, desk.get(page+"?"+q.Encode()), http.StatusOK, "ファイルにない列「被害」")
		q.Del("m.harm")
		// Nothing was written by the dry runs.
		if list := desk.get("/cases"); strings.Contains(list.body, "K-2024") {
			t.Fatalf("a dry run created a case")
		}
		// Sent anyway, the import with a problem imports nothing.
		form := url.Values{"m.occurred_at": {"発生日"}, "m.conduct": {"内容"}, "m.categories": {"分類"}, "m.state": {"対応状況"},
			"idempotency_key": {"k-imp-run-1"}}
		must(t, desk.post(page+"/run", form), http.StatusUnprocessableEntity, `id="import-problems"`)
		// Fixed in the file, uploaded again, imported once.
		f.SetSheetRow("Sheet1", "A3", &[]any{"2024/12/1", "日付を直した", "暴言", "完了"})
		b.Reset()
		f.Write(&b)
		second := upload("記録簿.xlsx", b.Bytes(), "k-imp-2")
		page = second.header.Get("Location")
		form.Set("idempotency_key", "k-imp-run-2")
		must(t, desk.post(page+"/run", form), http.StatusSeeOther)
		form.Set("idempotency_key", "k-imp-run-3")
		must(t, desk.post(page+"/run", form), http.StatusSeeOther)
		must(t, desk.get(page), http.StatusOK, `id="import-done"`)
		list := desk.get("/cases")
		if n := strings.Count(list.body, `class="case-ref">K-2024-`); n != 2 {
			t.Errorf("%d imported cases listed, want 2", n)
		}
		// The same file again, on another upload: refused.
		third := upload("記録簿のコピー.xlsx", b.Bytes(), "k-imp-3")
		form.Set("idempotency_key", "k-imp-run-4")
		must(t, desk.post(third.header.Get("Location")+"/run", form), http.StatusUnprocessableEntity, "すでに取り込まれています")
	})
}

// A mapping saved on one upload is used on a later one by ?mapping=NAME:
// its columns are selected and its dry run has no problem left; an
// unknown name is a 404. (That another organisation's desk has no such
// mapping is TestImportStagedOnce's, in the store.)
func TestImportSavedMappingPage(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		desk := e.client()
		desk.signInAs(kasuhara.RoleDesk)
		upload := func(c *client, rows [][]any, key string) string {
			t.Helper()
			f := excelize.NewFile()
			for i, row := range rows {
				cell, _ := excelize.CoordinatesToCellName(1, i+1)
				f.SetSheetRow("Sheet1", cell, &row)
			}
			var data bytes.Buffer
			f.Write(&data)
			var b bytes.Buffer
			mw := multipart.NewWriter(&b)
			mw.WriteField("idempotency_key", key)
			fw, _ := mw.CreateFormFile("file", "記録簿.xlsx")
			fw.Write(data.Bytes())
			mw.Close()
			r := c.do("POST", "/import/cases", &b, map[string]string{"Content-Type": mw.FormDataContentType()})
			must(t, r, http.StatusSeeOther)
			return r.header.Get("Location")
		}
		// Headers no guess maps.
		head := []any{"いつ", "なにが", "しゅるい", "じょうきょう"}
		first := upload(desk, [][]any{head, {"2024/5/1", "怒鳴られた", "暴言", "完了"}}, "k-map-1")
		form := url.Values{"m.occurred_at": {"いつ"}, "m.conduct": {"なにが"}, "m.categories": {"しゅるい"}, "m.state": {"じょうきょう"},
			"mapping_name": {"本社の記録簿"}, "idempotency_key": {"k-map-save"}}
		must(t, desk.post(first+"/mapping", form), http.StatusSeeOther)

		later := upload(desk, [][]any{head, {"令和6年6月3日", "土下座を要求された", "土下座", "対応中"}}, "k-map-2")
		plain := desk.get(later)
		must(t, plain, http.StatusOK, `<option value="本社の記録簿">`)
		mustNot(t, plain, `<option value="いつ" selected>`)
		q := url.Values{"mapping": {"本社の記録簿"}, "check": {"1"}}
		used := desk.get(later + "?" + q.Encode())
		must(t, used, http.StatusOK, `<option value="いつ" selected>`, `<option value="なにが" selected>`, `id="import-run"`)
		mustNot(t, used, `id="import-problems"`)
		q.Set("mapping", "ない")
		must(t, desk.get(later+"?"+q.Encode()), http.StatusNotFound)

	})
}
