package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// chooseLanguage switches the signed-in browser's language with the menu's
// form, as a person does.
func chooseLanguage(b *browser, lang string) {
	b.t.Helper()
	b.open("/")
	b.choose("#lang-select", lang)
	b.openMenu()
	b.submit("#lang-submit")
}

// checkAtEveryWidth checks the page at path in both languages at every
// width of the walk: it fits, and ok says what it must show. A screenshot
// of each is saved when KASUHARA_SCREENSHOTS names a directory.
func checkAtEveryWidth(t *testing.T, b *browser, path, name string, ok func(lang string)) {
	t.Helper()
	shots := os.Getenv("KASUHARA_SCREENSHOTS")
	if shots != "" {
		if err := os.MkdirAll(shots, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, lang := range []string{"ja", "en"} {
		chooseLanguage(b, lang)
		for _, s := range walkScreens {
			b.emulate(s)
			b.open(path)
			checkFits(t, b, fmt.Sprintf("%s (%s, %spx)", name, lang, s.name))
			if id := uuidInText(b); id != "" {
				t.Errorf("%s (%s) shows the internal id %s", name, lang, id)
			}
			ok(lang)
			if shots != "" {
				b.screenshot(shots, fmt.Sprintf("%s-%s-%s", name, lang, s.name))
			}
		}
	}
}

// TestUnreadBadgeAtEveryWidth: a desk member with more than a hundred
// unread notifications reads "99+" on the menu's badge, not a count that
// was never finished, and the badge fits on a phone of 320 px and on a
// desktop, in Japanese and in English.
func TestUnreadBadgeAtEveryWidth(t *testing.T) {
	srv := startServer(t)
	pws := demoPasswords(t, srv)
	token := apiToken(t, srv, "clerk@demo.example")
	client := &http.Client{Timeout: 10 * time.Second}
	for n := range 105 {
		body, _ := json.Marshal(map[string]any{"occurred_at": time.Now().Add(-time.Hour).Format(time.RFC3339), "channel": "phone",
			"subtypes": []string{"insult"}, "conduct": fmt.Sprintf("%d件目: 電話で長時間怒鳴られた", n)})
		req, _ := http.NewRequest("POST", srv.URL+"/api/v1/reports", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("report %d: %s", n, resp.Status)
		}
	}
	desk := signedIn(t, srv, "desk@demo.example", pws["desk@demo.example"])
	// The notifications are fanned out after the reports' commits.
	deadline := time.Now().Add(30 * time.Second)
	for {
		desk.open("/")
		if desk.has("#unread") && desk.text("#unread") == "99+" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 105 reports the desk's badge reads %q, want 99+", desk.text("#unread"))
		}
		time.Sleep(300 * time.Millisecond)
	}
	checkAtEveryWidth(t, desk, "/", "unread-badge", func(lang string) {
		// On a phone the menu's button carries the badge (the menu is closed).
		if eval[bool](desk, `getComputedStyle(document.querySelector("#nav-toggle")).display != "none"`) {
			if s := eval[string](desk, `document.querySelector("#nav-toggle .badge").textContent`); !strings.HasSuffix(s, "99+") {
				t.Errorf("(%s) the menu button's badge reads %q, want 99+", lang, s)
			}
			desk.openMenu()
		}
		if s := desk.text("#unread"); s != "99+" {
			t.Errorf("(%s) the notifications link's badge reads %q, want 99+", lang, s)
		}
		checkFits(t, desk, "the home with the menu open ("+lang+")")
	})
}
