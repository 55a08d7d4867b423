package store_test

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/kasuhara/kasuhara"
)

// TestMeasureExpiresOnReviewDate lets a month pass on the bubble's fake
// clock: a measure stops being in force on its review date, without any job
// having to run.
func TestMeasureExpiresOnReviewDate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := bubbleStore(t)
		org, _ := s.CreateOrg(ctx, kasuhara.CLIActor, kasuhara.NewOrg{Slug: "acme", Name: "Acme"})
		mk := func(email string, role kasuhara.Role) kasuhara.Actor {
			u, err := s.CreateUser(ctx, kasuhara.CLIActor, kasuhara.NewUser{Email: email, Name: email, Password: "long-enough-pw", OrgID: org.ID, Role: role})
			if err != nil {
				t.Fatal(err)
			}
			return kasuhara.Actor{UserID: u.ID, OrgID: org.ID, Role: role}
		}
		clerk, desk := mk("c@example.jp", kasuhara.RoleEmployee), mk("d@example.jp", kasuhara.RoleDesk)
		if _, err := s.FileReport(ctx, clerk, kasuhara.Report{OccurredAt: time.Now().Add(-time.Hour), Channel: "phone", Conduct: "x", Subtypes: []string{"insult"},
			Customer: kasuhara.CustomerDetails{Phone: "090-5555-6666"}}); err != nil {
			t.Fatal(err)
		}
		cs, _ := s.Customers(ctx, desk, "")
		if _, err := s.ProposeMeasure(ctx, desk, cs[0].ID, kasuhara.NewMeasure{Checks: testChecks, Level: "caution", Reason: "x", ReviewAt: time.Now().AddDate(0, 0, 30)}); err != nil {
			t.Fatal(err)
		}
		status := func() string {
			l, err := s.LookupCustomer(ctx, clerk, "phone", "09055556666")
			if err != nil {
				t.Fatal(err)
			}
			return l.Status
		}
		if got := status(); got != "caution" {
			t.Fatalf("status %q, want caution", got)
		}
		time.Sleep(30*24*time.Hour - time.Minute)
		if got := status(); got != "caution" {
			t.Fatalf("a minute before the review date: %q", got)
		}
		time.Sleep(2 * time.Minute)
		if got := status(); got != "none" {
			t.Fatalf("after the review date: %q, want none", got)
		}
		ms, _ := s.Measures(ctx, desk, cs[0].ID)
		if ms[0].Status != kasuhara.MeasureExpired {
			t.Fatalf("measure status %q, want expired", ms[0].Status)
		}
	})
}
