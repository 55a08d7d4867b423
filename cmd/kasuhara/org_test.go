package main

import (
	"context"
	"strings"
	"testing"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/sqldb"
	"github.com/kasuhara/kasuhara/internal/testdb"
)

// TestOrgUpdate: `kasuhara org update` changes only the flags given, on
// both engines, and names the flag of a mistake.
func TestOrgUpdate(t *testing.T) {
	testdb.Each(t, func(t *testing.T, eng sqldb.Engine) {
		c := newCLI(t, eng)
		c.ok("", "org", "create", "--slug", "acme", "--name", "Acme")
		c.ok("", "org", "update", "--org", "acme", "--name", "アクメ株式会社", "--legal-name", "株式会社アクメ", "--address", "東京都新宿区西新宿1-1-1",
			"--desk", "お客様相談室", "--phone", "03-1234-5678", "--representative", "代表取締役 山田 一郎")
		c.ok("", "org", "update", "--org", "acme", "--phone", "03-9999-0000")
		c.ok("", "org", "update", "--org", "acme", "--date-style", "era")
		st := c.store()
		o, err := st.OrgBySlug(context.Background(), "acme")
		if err != nil || o.Name != "アクメ株式会社" {
			t.Fatalf("org = %+v, %v", o, err)
		}
		s, err := st.Settings(context.Background(), o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if s.Sender.Phone != "03-9999-0000" || s.Sender.Desk != "お客様相談室" || s.Sender.Address != "東京都新宿区西新宿1-1-1" || s.Sender.LegalName != "株式会社アクメ" {
			t.Fatalf("sender = %+v: the second update changed more than the phone", s.Sender)
		}
		if s.DateStyle != "era" {
			t.Fatalf("date style = %q, want era", s.DateStyle)
		}
		if !s.AnonymousChannel || s.AnonymousChosen {
			t.Fatalf("anonymous channel %v, chosen %v before any choice: want on, not chosen", s.AnonymousChannel, s.AnonymousChosen)
		}
		c.ok("", "org", "update", "--org", "acme", "--anonymous", "off")
		if s, err = st.Settings(context.Background(), o.ID); err != nil {
			t.Fatal(err)
		}
		if s.AnonymousChannel || !s.AnonymousChosen || s.Sender.Phone != "03-9999-0000" {
			t.Fatalf("after --anonymous off: channel %v, chosen %v, phone %q", s.AnonymousChannel, s.AnonymousChosen, s.Sender.Phone)
		}
		// The second-factor rule: desk, legal and admin by default; the
		// operator may change it, or switch it off with none.
		rules, err := st.SignInSettings(context.Background(), o.ID)
		if err != nil || kasuhara.FormatRoles(rules.TwoFactorRoles) != "desk,legal,admin" {
			t.Fatalf("default rule %v, %v", rules, err)
		}
		c.ok("", "org", "update", "--org", "acme", "--two-factor-roles", "legal,admin")
		if rules, _ = st.SignInSettings(context.Background(), o.ID); kasuhara.FormatRoles(rules.TwoFactorRoles) != "legal,admin" {
			t.Fatalf("after --two-factor-roles legal,admin: %v", rules.TwoFactorRoles)
		}
		c.ok("", "org", "update", "--org", "acme", "--two-factor-roles", "none")
		if rules, _ = st.SignInSettings(context.Background(), o.ID); len(rules.TwoFactorRoles) != 0 || rules.SessionIdleMinutes != 30 {
			t.Fatalf("after --two-factor-roles none: %+v", rules)
		}
		if s, _ = st.Settings(context.Background(), o.ID); s.Sender.Phone != "03-9999-0000" || s.AnonymousChannel {
			t.Fatalf("--two-factor-roles changed other settings: %+v", s)
		}
		for _, tt := range []struct {
			args []string
			want string
		}{
			{[]string{"org", "update", "--org", "acme", "--two-factor-roles", "boss"}, "--two-factor-roles"},
			{[]string{"org", "update", "--name", "x"}, "missing --org"},
			{[]string{"org", "update", "--org", "acme"}, "at least one"},
			{[]string{"org", "update", "--org", "nope", "--name", "x"}, "org update"},
			{[]string{"org", "update", "--org", "acme", "--name", " "}, "--name"},
			{[]string{"org", "update", "--org", "acme", "--address", strings.Repeat("所", 201)}, "--address"},
			{[]string{"org", "update", "--org", "acme", "--name", "二行\n目"}, "--name"},
			{[]string{"org", "update", "--org", "acme", "--date-style", "showa"}, "--date-style"},
			{[]string{"org", "update", "--org", "acme", "--date-style", ""}, "--date-style"},
			{[]string{"org", "update", "--org", "acme", "--anonymous", "yes"}, "--anonymous"},
		} {
			_, _, err := c.run("", tt.args...)
			if exitCode(err) != 2 || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("kasuhara %v: %v (exit %d), want a usage error naming %q", tt.args, err, exitCode(err), tt.want)
			}
		}
	})
}
