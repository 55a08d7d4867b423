package store_test

import (
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
)

// TestCaseTextRefusesNUL checks that a NUL byte in any text of a case is a
// field error naming the field, on both engines, and is never stored
// (SQLite would keep it and cut the text short in some readers; PostgreSQL
// refuses it with an internal error).
func TestCaseTextRefusesNUL(t *testing.T) {
	onDesk(t, func(t *testing.T, d desk) {
		clerk, desk1 := d.people["clerk"], d.people["desk1"]
		for _, tt := range []struct {
			field string
			edit  func(r *kasuhara.Report)
		}{
			{"conduct", func(r *kasuhara.Report) { r.Conduct = "怒鳴られた\x00" }},
			{"request_content", func(r *kasuhara.Report) { r.RequestContent = "\x00" }},
			{"harm", func(r *kasuhara.Report) { r.Harm = "a\x00b" }},
			{"wishes", func(r *kasuhara.Report) { r.Wishes = "a\x00b" }},
			{"witnesses", func(r *kasuhara.Report) { r.Witnesses = "a\x00b" }},
			{"location", func(r *kasuhara.Report) { r.Location = "レジ\x00前" }},
			{"customer.name", func(r *kasuhara.Report) { r.Customer.Name = "山田\x00" }},
			{"customer.account", func(r *kasuhara.Report) { r.Customer.Account = "A\x001" }},
		} {
			r := report(d.shop.ID, "大声で怒鳴られた", "shouting")
			tt.edit(&r)
			_, err := d.s.FileReport(ctx, clerk, r)
			wantField(t, err, tt.field)
			_, _, err = d.s.FileAnonymousReport(ctx, "acme", r)
			wantField(t, err, tt.field)
		}
		list, _, err := d.s.Cases(ctx, desk1, kasuhara.CaseFilter{})
		if err != nil || len(list) != 0 {
			t.Fatalf("a report with NUL was stored: %d cases, %v", len(list), err)
		}

		c := d.file(t, clerk, report(d.shop.ID, "大声で怒鳴られた", "shouting"))
		_, err = d.s.AddNote(ctx, desk1, c.ID, kasuhara.EventNote, "メモ\x00")
		wantField(t, err, "body")
		_, err = d.s.AddContact(ctx, desk1, c.ID, kasuhara.Contact{At: time.Now().Add(-time.Minute), Channel: "phone", Summary: "電話\x00"})
		wantField(t, err, "summary")
		_, err = d.s.AddTask(ctx, desk1, c.ID, "確認\x00")
		wantField(t, err, "title")
		_, err = d.s.AddCare(ctx, desk1, c.ID, kasuhara.CareAction{Kind: "counselling", Note: "面談\x00"})
		wantField(t, err, "note")
		_, err = d.s.AddMessage(ctx, clerk, c.ID, "ご連絡\x00")
		wantField(t, err, "body")
		_, err = d.s.Assess(ctx, desk1, c.ID, kasuhara.Assessment{Request: "unknown", Manner: "inappropriate", MannerReasons: []string{"threat"},
			Verdict: "insufficient_information", Rationale: "録音\x00"})
		wantField(t, err, "rationale")
		_, err = d.s.Assess(ctx, desk1, c.ID, kasuhara.Assessment{Request: "unknown", Manner: "inappropriate", MannerReasons: []string{"threat"},
			EnvironmentImpaired: true, EnvironmentHow: "\x00", Verdict: "insufficient_information", Rationale: "録音"})
		wantField(t, err, "environment_how")
	})
}
