package web_test

import (
	"bytes"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/blob"
)

// TestIntakePages is the desk's mailbox as the desk sees it: the count in
// the navigation, the list, a mail with its photo and the attachment that
// was refused, filing it as a case with the member sender as reporter,
// attaching another to that case by its number, discarding a third with a
// reason, and a reply. Bad input names the field; the admin, the analyst,
// the supervisor and the employee reach none of it and see no link.
func TestIntakePages(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		blobs, err := blob.Open(e.data)
		if err != nil {
			t.Fatal(err)
		}
		defer blobs.Close()
		png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef\x00\x00\x00\x00IEND\xaeB`\x82")
		b, err := blobs.Put(ctx, bytes.NewReader(png), 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		employee := e.users[kasuhara.RoleEmployee]
		first, err := e.st.ReceiveMail(ctx, kasuhara.SystemActor, e.org.ID, kasuhara.InboundMail{FromAddress: employee.Email, FromName: "従業員",
			Subject: "店頭での暴言", Body: "レジで客に「ばか」と怒鳴られました。", MessageID: "a1@acme.example",
			Attachments: []kasuhara.IntakeAttachment{{BlobID: b.ID, Filename: "photo.png", MediaType: b.MediaType, Size: b.Size, SHA256: b.SHA256}}})
		if err != nil {
			t.Fatal(err)
		}
		second, _ := e.st.ReceiveMail(ctx, kasuhara.SystemActor, e.org.ID, kasuhara.InboundMail{FromAddress: "kyaku@else.example", Subject: "追加の連絡", Body: "先日の件で補足です。"})
		adFile, err := blobs.Put(ctx, bytes.NewReader(png), 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		third, _ := e.st.ReceiveMail(ctx, kasuhara.SystemActor, e.org.ID, kasuhara.InboundMail{FromAddress: "ad@else.example", Subject: "広告", Body: "セール",
			Attachments: []kasuhara.IntakeAttachment{{BlobID: adFile.ID, Filename: "ad.png", MediaType: adFile.MediaType, Size: adFile.Size, SHA256: adFile.SHA256}}})
		other, _ := e.st.ReceiveMail(ctx, kasuhara.SystemActor, e.sub.ID, kasuhara.InboundMail{FromAddress: "x@else.example", Subject: "子会社宛て", Body: "別会社"})

		desk := e.signedIn(kasuhara.RoleDesk)
		home := desk.get("/")
		must(t, home, 200, `id="nav-intake"`, `id="mailbox-count"`, "受信メール")
		if !strings.Contains(home.body, `判断を待つメールの件数</span>3</span>`) {
			t.Errorf("the count of waiting mail is not 3")
		}
		list := desk.get("/intake")
		must(t, list, 200, "店頭での暴言", "追加の連絡", "広告", "社内の人")
		mustNot(t, list, "子会社宛て", "レジで客に")
		if m := uuidText.FindString(list.body); m != "" {
			t.Errorf("a UUID is visible on the list: %s", m)
		}
		page := desk.get("/intake/" + first.ID)
		must(t, page, 200, "レジで客に「ばか」と怒鳴られました。", "photo.png", `id="intake-file-form"`,
			`id="intake-sender-is-reporter"`, `id="intake-unverified"`, `name="idempotency_key"`)
		if m := uuidText.FindString(page.body); m != "" {
			t.Errorf("a UUID is visible on the mail's page: %s", m)
		}
		en := e.client()
		en.header.Set("Accept-Language", "en")
		en.signInAs(kasuhara.RoleDesk)
		must(t, en.get("/intake/"+first.ID), 200, "File as a case", "photo.png", "Record the sender")
		m := regexp.MustCompile(`/files/([0-9a-f-]{36})"`).FindStringSubmatch(page.body)
		if m == nil {
			t.Fatal("no link to the attachment")
		}
		dl := desk.get("/intake/" + first.ID + "/files/" + m[1])
		if dl.status != 200 || dl.body != string(png) || dl.header.Get("Content-Type") != "image/png" {
			t.Errorf("attachment: %d %q", dl.status, dl.header.Get("Content-Type"))
		}
		must(t, desk.get("/intake/"+other.ID), 404)

		// Bad input names the field.
		bad := desk.post("/intake/"+first.ID+"/file", url.Values{"occurred_at": {"soon"}, "conduct": {"x"}})
		must(t, bad, 422, `class="field has-error"><label for="occurred_at"`)
		bad = desk.post("/intake/"+first.ID+"/file", url.Values{"occurred_at": {"2026-01-01T10:00"}, "conduct": {"x"}})
		must(t, bad, 422, `<legend id="kinds-legend">`, "has-error")
		must(t, desk.post("/intake/"+third.ID+"/discard", url.Values{"reason": {""}}), 422, `class="field has-error"><label for="intake-reason"`)
		must(t, desk.post("/intake/"+second.ID+"/attach", url.Values{"case": {"K-1999-00001"}}), 422, `class="field has-error"><label for="intake-case-ref"`)

		// Filed, the member sender the reporter.
		res := desk.post("/intake/"+first.ID+"/file", url.Values{"occurred_at": {"2026-01-01T10:00"}, "channel": {"in_person"}, "subtypes": {"shouting"},
			"conduct": {"レジで客に「ばか」と怒鳴られました。"}, "sender_is_reporter": {"on"}})
		must(t, res, 303)
		casePath := res.header.Get("Location")
		if !strings.HasPrefix(casePath, "/cases/") {
			t.Fatalf("filed to %s", casePath)
		}
		c, err := e.st.CaseByID(ctx, e.actor(kasuhara.RoleDesk), strings.TrimPrefix(casePath, "/cases/"))
		if err != nil || c.ReporterID != employee.ID {
			t.Fatalf("case = %+v, %v", c, err)
		}
		must(t, desk.get(casePath), 200, "photo.png")
		must(t, e.signedIn(kasuhara.RoleEmployee).get("/reports"), 200, c.Ref)
		// Filing again changes nothing.
		must(t, desk.post("/intake/"+first.ID+"/file", url.Values{"occurred_at": {"2026-01-01T10:00"}, "channel": {"in_person"}, "subtypes": {"shouting"},
			"conduct": {"x"}}), 409)

		must(t, desk.post("/intake/"+second.ID+"/attach", url.Values{"case": {c.Ref}}), 303)
		must(t, desk.get(casePath), 200, "先日の件で補足です。")
		must(t, desk.post("/intake/"+third.ID+"/discard", url.Values{"reason": {"広告メール"}}), 303)
		if _, err := blobs.Open(adFile.ID); err == nil {
			t.Errorf("the discarded mail's file is still stored")
		}
		if _, err := blobs.Open(b.ID); err != nil {
			t.Errorf("the filed mail's photo is gone: %v", err)
		}
		must(t, desk.get("/intake?state=discarded"), 200, "広告")
		must(t, desk.post("/intake/"+second.ID+"/reply", url.Values{"body": {"ご連絡ありがとうございます。"}}), 303)
		must(t, desk.get("/intake/"+second.ID), 200, "ご連絡ありがとうございます。", "既存の事案に追加済み")
		mustNot(t, desk.get("/"), `id="mailbox-count"`)

		// Nobody else.
		for _, r := range []kasuhara.Role{kasuhara.RoleAdmin, kasuhara.RoleAnalyst, kasuhara.RoleSupervisor, kasuhara.RoleEmployee} {
			cl := e.signedIn(r)
			mustNot(t, cl.get("/"), `id="nav-intake"`)
			for _, p := range []string{"/intake", "/intake/" + second.ID} {
				if got := cl.get(p); got.status != 403 && got.status != 404 {
					t.Errorf("%s: GET %s = %d", r, p, got.status)
				}
			}
		}
	})
}
