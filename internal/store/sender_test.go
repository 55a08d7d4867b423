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
