package store_test

import (
	"strings"
	"testing"

	"github.com/kasuhara/kasuhara"
)

// TestSettingsKeepTheSender: the organisation's legal name, address,
// representative and contact point are kept per organisation, trimmed,
// and refused when too long.
func TestSettingsKeepTheSender(t *testing.T) {
	onDesk(t, func(t *testing.T, d desk) {
		st, err := d.s.Settings(ctx, d.org.ID)
		if err != nil || st.Sender != (kasuhara.Sender{}) {
			t.Fatalf("defaults = %+v, %v", st, err)
		}
		want := kasuhara.Sender{LegalName: "株式会社アクメ", Address: "東京都新宿区西新宿1-1-1", Representative: "代表取締役 山田 一郎",
			Phone: "03-1234-5678", Desk: "お客様相談室"}
		in := *st
		in.Sender = want
		in.Sender.LegalName = "  株式会社アクメ "
		if err := d.s.SaveSettings(ctx, d.actor, in); err != nil {
			t.Fatal(err)
		}
		got, err := d.s.Settings(ctx, d.org.ID)
		if err != nil || got.Sender != want {
			t.Fatalf("sender = %+v, %v; want %+v", got.Sender, err, want)
		}
		in.Sender.Address = strings.Repeat("所", kasuhara.MaxSenderText+1)
		wantField(t, d.s.SaveSettings(ctx, d.actor, in), "address")
	})
}

// TestSettingsRenameTheOrganisation: the settings carry the organisation's
// name; saving another renames it (audited), an empty one keeps it, and a
// bad one is refused naming the field, with nothing saved.
func TestSettingsRenameTheOrganisation(t *testing.T) {
	onDesk(t, func(t *testing.T, d desk) {
		st, err := d.s.Settings(ctx, d.org.ID)
		if err != nil || st.OrgName != "Acme 株式会社" {
			t.Fatalf("settings' name = %q, %v", st.OrgName, err)
		}
		in := *st
		in.OrgName = " アクメ株式会社 "
		if err := d.s.SaveSettings(ctx, d.actor, in); err != nil {
			t.Fatal(err)
		}
		if o, err := d.s.OrgByID(ctx, d.org.ID); err != nil || o.Name != "アクメ株式会社" {
			t.Fatalf("org = %+v, %v", o, err)
		}
		es, _ := d.s.AuditEntries(ctx, kasuhara.CLIActor, kasuhara.AuditFilter{OrgID: d.org.ID, Action: "org.settings", Limit: 1})
		if len(es) != 1 || !strings.Contains(es[0].Detail, `"renamed":true`) {
			t.Fatalf("audit = %+v", es)
		}
		in.OrgName = ""
		in.Sender.Desk = "お客様相談室"
		if err := d.s.SaveSettings(ctx, d.actor, in); err != nil {
			t.Fatal(err)
		}
		if o, _ := d.s.OrgByID(ctx, d.org.ID); o.Name != "アクメ株式会社" {
			t.Fatalf("an empty name renamed the organisation to %q", o.Name)
		}
		in.OrgName, in.Sender.Desk = "二行の\n名前", "変更されない"
		wantField(t, d.s.SaveSettings(ctx, d.actor, in), "org_name")
		in.OrgName = strings.Repeat("名", 201)
		wantField(t, d.s.SaveSettings(ctx, d.actor, in), "org_name")
		if got, _ := d.s.Settings(ctx, d.org.ID); got.Sender.Desk != "お客様相談室" || got.OrgName != "アクメ株式会社" {
			t.Fatalf("a refused save changed the settings: %+v", got)
		}
		// Another organisation's admin may not rename it.
		other := d.people["otherdesk"]
		other.Role = kasuhara.RoleAdmin
		in.OrgName = "乗っ取り"
		if err := d.s.SaveSettings(ctx, other, in); err == nil {
			t.Fatal("another organisation renamed this one")
		}
	})
}

// TestSettingsKeepTheDateStyle: letters and certificates write dates in
// 西暦 until the administrator chooses 和暦; the choice is kept per
// organisation and audited, and anything else is refused naming the field,
// with nothing saved.
func TestSettingsKeepTheDateStyle(t *testing.T) {
	onDesk(t, func(t *testing.T, d desk) {
		st, err := d.s.Settings(ctx, d.org.ID)
		if err != nil || st.DateStyle != kasuhara.DateStyleWestern {
			t.Fatalf("default date style = %q, %v; want %q", st.DateStyle, err, kasuhara.DateStyleWestern)
		}
		in := *st
		in.DateStyle = kasuhara.DateStyleEra
		if err := d.s.SaveSettings(ctx, d.actor, in); err != nil {
			t.Fatal(err)
		}
		if got, err := d.s.Settings(ctx, d.org.ID); err != nil || got.DateStyle != kasuhara.DateStyleEra {
			t.Fatalf("date style = %q, %v; want %q", got.DateStyle, err, kasuhara.DateStyleEra)
		}
		es, _ := d.s.AuditEntries(ctx, kasuhara.CLIActor, kasuhara.AuditFilter{OrgID: d.org.ID, Action: "org.settings", Limit: 1})
		if len(es) != 1 || !strings.Contains(es[0].Detail, `"date_style":"era"`) {
			t.Fatalf("audit = %+v", es)
		}
		in.DateStyle = "showa"
		wantField(t, d.s.SaveSettings(ctx, d.actor, in), "date_style")
		if got, _ := d.s.Settings(ctx, d.org.ID); got.DateStyle != kasuhara.DateStyleEra {
			t.Fatalf("a refused save changed the date style to %q", got.DateStyle)
		}
		// An empty style (a client that does not send it) is 西暦.
		in.DateStyle = ""
		if err := d.s.SaveSettings(ctx, d.actor, in); err != nil {
			t.Fatal(err)
		}
		if got, _ := d.s.Settings(ctx, d.org.ID); got.DateStyle != kasuhara.DateStyleWestern {
			t.Fatalf("date style = %q after an empty one, want %q", got.DateStyle, kasuhara.DateStyleWestern)
		}
	})
}
