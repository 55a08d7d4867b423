package web_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/kasuhara/kasuhara"
)

// A report form sent back with a refused file (415), a text over the
// form's limit (413) or a missing field (422) is drawn again with what was
// typed, the problem named under its field and in the summary at the top,
// and nothing filed (issue 18).
func TestReportFormKeepsWhatWasTyped(t *testing.T) {
	e := newEnv(t, "sqlite")
	c := e.client()
	c.signInAs(kasuhara.RoleEmployee)
	fields := func(extra map[string][]string) map[string][]string {
		f := map[string][]string{"occurred_at": {"2026-11-26T18:30"}, "channel": {"phone"}, "subtypes": {"insult"},
			"conduct": {"「役立たず」と三回言われた"}}
		for k, v := range extra {
			f[k] = v
		}
		return f
	}
	send := func(f map[string][]string, files map[string][]byte) resp {
		body, ct := multipartBody(t, f, files)
		return c.do("POST", "/report", body, map[string]string{"Content-Type": ct})
	}
	elf := append([]byte("\x7fELF\x02\x01\x01\x00"), bytes.Repeat([]byte{0}, 200)...)
	r := send(fields(map[string][]string{"location": {"レジ前"}}), map[string][]byte{"道具.exe": elf})
	must(t, r, http.StatusUnsupportedMediaType, "「役立たず」と三回言われた", `value="レジ前"`, `id="error-summary"`,
		`href="#files"`, "「道具.exe」は対応していない形式です")
	// A text over the limit of the form's texts is named; the rest stays.
	r = send(fields(map[string][]string{"harm": {strings.Repeat("あ", 400_000)}, "location": {"レジ前"}}), nil)
	must(t, r, http.StatusRequestEntityTooLarge, "「役立たず」と三回言われた", `value="レジ前"`, `href="#harm"`)
	// A missing kind, with a photo: the photo is named, to be chosen again.
	f := fields(nil)
	delete(f, "subtypes")
	r = send(f, map[string][]byte{"レジ.png": pngBytes(t, 10, 10)})
	must(t, r, http.StatusUnprocessableEntity, "「役立たず」と三回言われた", `href="#kinds-legend"`, "レジ.png", `href="#files"`)
	if list := e.api(kasuhara.RoleDesk).call("GET", "/api/v1/cases", nil); strings.Contains(list.body, `"ref"`) {
		t.Errorf("a refused form filed a case: %s", list.body)
	}
	if strings.Contains(e.logs.String(), "道具.exe") || strings.Contains(e.logs.String(), "レジ.png") {
		t.Errorf("the log names a file")
	}
}
