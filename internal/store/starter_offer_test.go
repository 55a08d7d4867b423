package store_test

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/sqldb"
	"github.com/kasuhara/kasuhara/internal/starter"
	"github.com/kasuhara/kasuhara/internal/testdb"
)

// previousEdition is an earlier edition of a built-in text as an
// organisation named company created it.
func previousEdition(t *testing.T, name, company string) kasuhara.PolicyText {
	t.Helper()
	read := func(f string) string {
		b, err := os.ReadFile("../starter/previous/" + f)
		if err != nil {
			t.Fatal(err)
		}
		return strings.ReplaceAll(string(b), "{company}", company)
	}
	return kasuhara.PolicyText{TitleJa: name + "（旧版）", TitleEn: name + " (old)", BodyJa: read(name + ".ja.2.txt"), BodyEn: read(name + ".en.1.txt")}
}

// TestStarterDraftsOffered: at start-up an organisation whose published
// policy is an earlier built-in edition, unchanged, gets the new edition
// as one draft, filled in from its settings, never published, offered
// once (not again after a restart, nor after the admin discards it); an
// edited policy and one with a draft under way get nothing.
func TestStarterDraftsOffered(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		f := setup(t, db)
		s := f.s
		st := kasuhara.DefaultSettings(f.org.ID)
		st.ContactLimitMinutes = 15
		st.Sender = kasuhara.Sender{LegalName: "株式会社アクメ", Representative: "代表取締役 山田 一郎"}
		if err := s.SaveSettings(ctx, f.actor, st); err != nil {
			t.Fatal(err)
		}
		publish := func(actor kasuhara.Actor, kind string, text kasuhara.PolicyText) *kasuhara.PolicyDocument {
			t.Helper()
			d, err := s.CreatePolicy(ctx, actor, kind, false, text)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Publish(ctx, actor, d.ID); err != nil {
				t.Fatal(err)
			}
			return d
		}
		// Unedited: the basic policy as created from the built-in text.
		basic := publish(f.actor, kasuhara.PolicyBasic, previousEdition(t, "basic_policy", f.org.Name))
		// Edited: the procedure with its time limit changed.
		edited := previousEdition(t, "procedure", f.org.Name)
		edited.BodyJa = strings.Replace(edited.BodyJa, "30分", "20分", 1)
		procedure := publish(f.actor, kasuhara.PolicyInternal, edited)
		// Unedited but with the admin's own draft under way.
		other, _, oa := orgWithAdmin(t, s, kasuhara.NewOrg{Slug: "other", Name: "Other"},
			kasuhara.NewUser{Email: "admin@other.example", Name: "管理 次郎", Password: "admin-password-2"})
		busy := publish(oa, kasuhara.PolicyInternal, previousEdition(t, "procedure", "Other"))
		ownDraft := previousEdition(t, "procedure", "Other")
		ownDraft.BodyJa += "\n\n管理者が書き足した段落"
		if _, err := s.SaveDraft(ctx, oa, busy.ID, ownDraft); err != nil {
			t.Fatal(err)
		}

		// Before, for comparison.
		before, err := s.Policies(ctx, f.org.ID)
		if err != nil {
			t.Fatal(err)
		}
		enacted := byID(before, basic.ID).Current.PublishedAt

		revised := time.Date(2026, 12, 5, 16, 0, 0, 0, time.UTC) // 2026-12-06 in Japan
		n, err := starter.OfferDrafts(ctx, s, revised)
		if err != nil || n != 1 {
			t.Fatalf("offer: %d drafts, %v; want 1", n, err)
		}
		docs, err := s.Policies(ctx, f.org.ID)
		if err != nil {
			t.Fatal(err)
		}
		got := byID(docs, basic.ID)
		if got.Draft == nil || got.Draft.Number != 2 {
			t.Fatalf("want draft version 2 of the basic policy, got %+v", got.Draft)
		}
		if got.Current.ID != byID(before, basic.ID).Current.ID || got.Current.BodyJa != byID(before, basic.ID).Current.BodyJa {
			t.Error("the published version changed")
		}
		e := enacted.In(kasuhara.JST)
		for _, want := range []string{"顧客等", "プライバシーの保護", "株式会社アクメ\n\n代表取締役 山田 一郎", "2026年12月6日 改定",
			strings.Join([]string{itoa(e.Year()), "年", itoa(int(e.Month())), "月", itoa(e.Day()), "日 制定"}, "")} {
			if !strings.Contains(got.Draft.BodyJa, want) {
				t.Errorf("the draft lacks %q", want)
			}
		}
		if got.Draft.TitleJa != "basic_policy（旧版）" {
			t.Errorf("the organisation's title was replaced: %q", got.Draft.TitleJa)
		}
		// Never published automatically: the public page still shows the old text.
		pub, err := s.PublicPolicy(ctx, f.org.ID)
		if err != nil || pub.Current.BodyJa != byID(before, basic.ID).Current.BodyJa {
			t.Fatalf("public policy changed: %v", err)
		}
		if p := byID(docs, procedure.ID); p.Draft != nil {
			t.Error("an edited procedure was offered a draft")
		}
		otherDocs, err := s.Policies(ctx, other.ID)
		if err != nil {
			t.Fatal(err)
		}
		if d := byID(otherDocs, busy.ID).Draft; d == nil || !strings.Contains(d.BodyJa, "管理者が書き足した段落") || d.Number != 2 {
			t.Errorf("the admin's own draft was touched: %+v", d)
		}
		// Audited once, as the server.
		entries, err := s.AuditEntries(ctx, kasuhara.CLIActor, kasuhara.AuditFilter{OrgID: f.org.ID, Action: "policy.starter_draft"})
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 || entries[0].ObjectID != basic.ID || entries[0].ActorLabel != kasuhara.SystemActor.Label ||
			!strings.Contains(entries[0].Detail, `"edition":"`+starter.Edition+`"`) {
			t.Fatalf("audit: %+v", entries)
		}

		// A restart changes nothing.
		if n, err := starter.OfferDrafts(ctx, s, revised.Add(time.Hour)); err != nil || n != 0 {
			t.Fatalf("second start: %d drafts, %v", n, err)
		}
		again, _ := s.Policies(ctx, f.org.ID)
		if d := byID(again, basic.ID).Draft; d == nil || d.ID != got.Draft.ID || !d.UpdatedAt.Equal(got.Draft.UpdatedAt) {
			t.Errorf("the draft was changed by a restart: %+v", d)
		}
		// Discarded: not offered again.
		if err := s.DiscardDraft(ctx, f.actor, basic.ID); err != nil {
			t.Fatal(err)
		}
		if n, err := starter.OfferDrafts(ctx, s, revised.Add(2*time.Hour)); err != nil || n != 0 {
			t.Fatalf("after discarding: %d drafts, %v", n, err)
		}
		after, _ := s.Policies(ctx, f.org.ID)
		if byID(after, basic.ID).Draft != nil {
			t.Error("a discarded offer came back")
		}
		// Only the server offers.
		_, err = s.OfferPolicyDraft(ctx, f.actor, basic.ID, got.Current.ID, "test", starter.Policy("basic_policy", starter.For(st, revised)))
		wantCode(t, err, kasuhara.EFORBIDDEN)
	})
}

func byID(docs []kasuhara.PolicyDocument, id string) kasuhara.PolicyDocument {
	for _, d := range docs {
		if d.ID == id {
			return d
		}
	}
	return kasuhara.PolicyDocument{}
}

func itoa(n int) string { return strconv.Itoa(n) }
