package web_test

import (
	"bytes"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
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
	// A refused file added to a filed case: the case page again, naming it.
	c0, err := e.st.FileReport(ctx, e.actor(kasuhara.RoleEmployee),
		kasuhara.Report{OccurredAt: e.srvNow(), Channel: "phone", Conduct: "x", Consultation: true})
	if err != nil {
		t.Fatal(err)
	}
	body, ct := multipartBody(t, nil, map[string][]byte{"道具.exe": elf})
	must(t, c.do("POST", "/cases/"+c0.ID+"/evidence", body, map[string]string{"Content-Type": ct}), http.StatusUnsupportedMediaType,
		`id="problems"`, "「道具.exe」は対応していない形式です", `id="evidence-form"`)
	if strings.Contains(e.logs.String(), "道具.exe") || strings.Contains(e.logs.String(), "レジ.png") {
		t.Errorf("the log names a file")
	}
}

// Submit once everywhere (issue 18): a form of a signed-in page sent twice
// with its idempotency key (two taps, Back and send, a reload) changes
// nothing the second time and leads where the first led; the same key
// with other content (Back, changed, sent) is a new submission; a form
// refused keeps nothing, so that it can be sent again. (The case page's
// forms keep their keys in caseAction, tested with the case page.)
func TestFormsSubmitOnce(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		desk := e.client()
		desk.signInAs(kasuhara.RoleLegal)
		count := func(name string) int { return strings.Count(desk.get("/specialists").body, name) }
		form := url.Values{"kind": {kasuhara.ReferralKinds[0]}, "name": {"一度だけの法律事務所"}, "idempotency_key": {"k-sp-1"}}
		first := desk.post("/specialists", form)
		must(t, first, http.StatusSeeOther)
		again := desk.post("/specialists", form)
		must(t, again, http.StatusSeeOther)
		if again.header.Get("Location") != first.header.Get("Location") {
			t.Errorf("the repeat leads to %q, the first to %q", again.header.Get("Location"), first.header.Get("Location"))
		}
		if n := count("一度だけの法律事務所"); n != 1 {
			t.Errorf("a form sent twice added %d specialists, want 1", n)
		}
		// Other content with the key: a new one.
		form.Set("name", "書き直した法律事務所")
		must(t, desk.post("/specialists", form), http.StatusSeeOther)
		if n := count("書き直した法律事務所"); n != 1 {
			t.Errorf("a changed form sent with the first key added %d, want 1", n)
		}
		// A refused form keeps nothing: fixed and sent with its key, it is taken.
		bad := url.Values{"kind": {kasuhara.ReferralKinds[0]}, "name": {""}, "idempotency_key": {"k-sp-2"}}
		must(t, desk.post("/specialists", bad), http.StatusUnprocessableEntity)
		bad.Set("name", "直してから送った事務所")
		must(t, desk.post("/specialists", bad), http.StatusSeeOther)
		if n := count("直してから送った事務所"); n != 1 {
			t.Errorf("a form fixed and sent with its key added %d, want 1", n)
		}
	})
}

// Every form of a signed-in page that is sent with POST carries the
// idempotency key (the partial oncekey) and data-submit-once, so that it
// is sent once; the exceptions are listed with their reason.
func TestEveryPostFormSubmitsOnce(t *testing.T) {
	exceptions := map[string]string{
		"/login":               "signing in creates nothing a repeat could double",
		"/logout":              "signing out twice is signing out",
		"/language":            "the language switch sets a preference",
		"{{with .LangSwitch}}": "the receipt page's language switch draws the page again",
		"/account/password":    "a repeat of a password change fails on the current password",
		"/notifications":       "marking read twice is marking read",
		"/account/setup/":      "the one-time link works once: a repeat fails on the used token",
		"/account/two-factor/": "a second start makes a new key before it is on; a second confirmation finds it on already",
		"/account/sessions/":   "signing the other devices out twice is signing them out",
		"{{$d.Action}}":        "the re-authentication form carries the held request's own fields, its key among them",
		"/account/reauth/sso":  "it starts a sign-in at the company's provider with the held request's own fields, its key among them; a second start replaces the first",
		"/o/":                  "the anonymous channel has no user to keep a key for; its report form has its own key, its follow-up forms data-submit-once",
	}
	files, err := filepath.Glob("templates/*.html")
	if err != nil {
		t.Fatal(err)
	}
	parts, _ := filepath.Glob("templates/partials/*.html")
	files = append(files, parts...)
	formRE := regexp.MustCompile(`<form\b[^>]*>`)
	checked := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		src := string(b)
		for _, loc := range formRE.FindAllStringIndex(src, -1) {
			tag := src[loc[0]:loc[1]]
			if !strings.Contains(tag, `method="post"`) {
				continue
			}
			action := regexp.MustCompile(`action="([^"]*)"`).FindStringSubmatch(tag)[1]
			excepted := false
			for prefix := range exceptions {
				excepted = excepted || strings.HasPrefix(action, prefix)
			}
			if excepted {
				continue
			}
			checked++
			end := strings.Index(src[loc[1]:], "</form>")
			body := src[loc[1] : loc[1]+end]
			if !strings.Contains(tag, "data-submit-once") {
				t.Errorf("%s: the form to %s lacks data-submit-once", f, action)
			}
			if !strings.Contains(body, `{{template "oncekey"}}`) && !strings.Contains(body, `name="idempotency_key"`) {
				t.Errorf("%s: the form to %s carries no idempotency key", f, action)
			}
		}
	}
	if checked < 50 {
		t.Errorf("only %d forms checked: the walk finds too little", checked)
	}
}

// Every field a form needs is marked (issue 18): a control that is
// required (required or aria-required) and has a visible label carries the
// required badge in it. The sign-in and password forms (also the one-time
// link's), whose every field is needed, and confirmation boxes are the
// exceptions.
func TestRequiredFieldsAreMarked(t *testing.T) {
	exceptFiles := map[string]bool{"login.html": true, "login_code.html": true, "password.html": true, "account_setup.html": true}
	exceptIDs := map[string]bool{"saved-confirm": true}
	files, _ := filepath.Glob("templates/*.html")
	parts, _ := filepath.Glob("templates/partials/*.html")
	controlRE := regexp.MustCompile(`<(?:input|textarea|select)\b[^>]*>`)
	idRE := regexp.MustCompile(`\bid="([^"]+)"`)
	checked := 0
	for _, f := range append(files, parts...) {
		if exceptFiles[filepath.Base(f)] {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		src := string(b)
		for _, tag := range controlRE.FindAllString(src, -1) {
			if !regexp.MustCompile(`\s(required|aria-required="true")[\s>]`).MatchString(tag) {
				continue
			}
			m := idRE.FindStringSubmatch(tag)
			if m == nil || exceptIDs[m[1]] {
				continue
			}
			label := regexp.MustCompile(`<label\b([^>]*)for="` + regexp.QuoteMeta(m[1]) + `"[^>]*>((?s).*?)</label>`).FindStringSubmatch(src)
			if label == nil || strings.Contains(label[1], "visually-hidden") {
				continue
			}
			checked++
			if !strings.Contains(label[2], `{{T "form.required"}}`) {
				t.Errorf("%s: the required field %s is not marked in its label", f, m[1])
			}
		}
	}
	if checked < 10 {
		t.Errorf("only %d required fields found", checked)
	}
}
