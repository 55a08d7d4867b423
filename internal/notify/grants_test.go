package notify

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"
)

func TestGrantTextsHaveBothLanguages(t *testing.T) {
	for _, key := range slices.Sorted(maps.Keys(grantTexts)) {
		for _, lang := range Languages {
			if strings.TrimSpace(grantTexts[key][lang]) == "" {
				t.Errorf("grant text %s has no %s version", key, lang)
			}
		}
	}
}

// TestGrantAndLinkMail sends both mails through the SMTP test server: the
// deciders' mail names no person, the link reaches only its person and is
// minted only when mail can be sent.
func TestGrantAndLinkMail(t *testing.T) {
	ctx := context.Background()
	s := startSink(t, &sink{})
	m, err := NewMailer("smtp://"+s.addr, testFrom)
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := json.Marshal(GrantMailJob{ID: "g1", To: []string{"legal@example.jp"}, Lang: "ja", Kind: "role", Org: "acme"})
	if err := GrantMailHandler(m, "https://k.example.jp")(ctx, payload); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{`{`, `{"id":"g1","to":["a@example.jp"],"kind":"root"}`} {
		if err := GrantMailHandler(m, "https://k.example.jp")(ctx, json.RawMessage(bad)); !IsPermanent(err) {
			t.Errorf("payload %s: %v, want a permanent error", bad, err)
		}
	}
	minted := 0
	mint := func(_ context.Context, id string) (PasswordLink, error) {
		minted++
		if id == "gone" {
			return PasswordLink{}, ErrLinkGone
		}
		return PasswordLink{To: "new.desk@example.jp", Lang: "en", Token: "tok-" + id}, nil
	}
	disabled, _ := NewMailer("", "")
	link, _ := json.Marshal(PasswordLinkJob{Link: "l1"})
	if err := PasswordLinkMailHandler(disabled, "https://k.example.jp", mint)(ctx, link); err != nil || minted != 0 {
		t.Fatalf("disabled mail: %v, %d minted; want nothing minted", err, minted)
	}
	if err := PasswordLinkMailHandler(m, "https://k.example.jp/", mint)(ctx, link); err != nil {
		t.Fatal(err)
	}
	gone, _ := json.Marshal(PasswordLinkJob{Link: "gone"})
	if err := PasswordLinkMailHandler(m, "https://k.example.jp", mint)(ctx, gone); err != nil {
		t.Fatalf("a link used meanwhile: %v, want nil (nothing to send)", err)
	}
	msgs := s.messages()
	if len(msgs) != 2 {
		t.Fatalf("%d mails, want 2", len(msgs))
	}
	g := parse(t, msgs[0].Data)
	if msgs[0].To[0] != "legal@example.jp" || g.Subject != "権限付与の承認依頼が届いています" ||
		!strings.Contains(g.Body, "https://k.example.jp/grant-requests?org=acme") {
		t.Errorf("grant mail to %v: %q\n%s", msgs[0].To, g.Subject, g.Body)
	}
	l := parse(t, msgs[1].Data)
	if msgs[1].To[0] != "new.desk@example.jp" || l.Header.Get("Content-Language") != "en" ||
		!strings.Contains(l.Body, "https://k.example.jp/account/setup/tok-l1\n") {
		t.Errorf("link mail to %v:\n%s", msgs[1].To, l.Body)
	}
}
