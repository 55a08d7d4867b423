package store_test

import (
	"strings"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
)

// A person's calendar feed lists the deadlines they may see when it is
// fetched: a case they are excluded from meanwhile leaves it, a renewed
// address ends the old one at once, and only the secret's hash is kept.
func TestCalendarFeed(t *testing.T) {
	onDesk(t, func(t *testing.T, d desk) {
		desk2 := d.people["desk2"]
		_, err := d.s.RenewCalendarFeed(ctx, d.people["clerk"])
		wantCode(t, err, kasuhara.EFORBIDDEN)
		if f, err := d.s.CalendarFeedInfo(ctx, desk2); err != nil || f != nil {
			t.Fatalf("before: %+v, %v", f, err)
		}
		token, err := d.s.RenewCalendarFeed(ctx, desk2)
		if err != nil {
			t.Fatal(err)
		}
		if f, err := d.s.CalendarFeedInfo(ctx, desk2); err != nil || f == nil || f.CreatedAt.IsZero() {
			t.Fatalf("after: %+v, %v", f, err)
		}
		var stored string
		if err := d.db.Read.QueryRowContext(ctx, "SELECT token_hash FROM calendar_feeds WHERE user_id = $1", desk2.UserID).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(stored, token) || strings.Contains(token, stored) || len(stored) != 64 {
			t.Errorf("stored %q for the token", stored)
		}

		c := d.file(t, d.people["clerk"], report(d.shop.ID, "x", "insult"))
		other := d.file(t, d.people["clerk2"], report(d.shop.ID, "y", "insult"))
		feed, err := d.s.CalendarDeadlines(ctx, token)
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]string{}
		for _, dl := range feed.Deadlines {
			kinds[dl.Ref+" "+dl.Kind] = dl.UID
			if dl.Ref == c.Ref && dl.Path != "/cases/"+c.ID {
				t.Errorf("deadline %+v leads elsewhere", dl)
			}
		}
		for _, want := range []string{c.Ref + " acknowledge", c.Ref + " feedback", other.Ref + " acknowledge", other.Ref + " feedback"} {
			if kinds[want] == "" {
				t.Errorf("the feed lacks %s: %v", want, kinds)
			}
		}
		if kinds[c.Ref+" acknowledge"] != c.ID+"-acknowledge" {
			t.Errorf("UID %q, want one stable per case and clock", kinds[c.Ref+" acknowledge"])
		}

		// desk2 is excluded from c: it leaves their feed at once.
		if _, err := d.s.Exclude(ctx, d.people["desk1"], c.ID, desk2.UserID); err != nil {
			t.Fatal(err)
		}
		if _, err := d.s.Exclude(ctx, d.people["legal"], c.ID, desk2.UserID); err != nil {
			t.Fatal(err)
		}
		feed, err = d.s.CalendarDeadlines(ctx, token)
		if err != nil {
			t.Fatal(err)
		}
		for _, dl := range feed.Deadlines {
			if dl.Ref == c.Ref {
				t.Errorf("the excluded case is still in the feed: %+v", dl)
			}
		}
		if len(feed.Deadlines) != 2 {
			t.Errorf("%d deadlines, want the other case's two", len(feed.Deadlines))
		}

		// Renewed, the old address answers nothing.
		renewed, err := d.s.RenewCalendarFeed(ctx, desk2)
		if err != nil || renewed == token {
			t.Fatalf("renew: %q, %v", renewed, err)
		}
		_, err = d.s.CalendarDeadlines(ctx, token)
		wantCode(t, err, kasuhara.ENOTFOUND)
		if _, err := d.s.CalendarDeadlines(ctx, renewed); err != nil {
			t.Fatal(err)
		}
		for _, bad := range []string{"", "kcal_", "kcal_nothing", renewed + "x", strings.ToUpper(renewed)} {
			_, err = d.s.CalendarDeadlines(ctx, bad)
			wantCode(t, err, kasuhara.ENOTFOUND)
		}
		// Another person's feed is theirs: desk1 sees c.
		t1, err := d.s.RenewCalendarFeed(ctx, d.people["desk1"])
		if err != nil {
			t.Fatal(err)
		}
		if f, _ := d.s.CalendarDeadlines(ctx, t1); len(f.Deadlines) != 4 {
			t.Errorf("desk1's feed has %d deadlines, want 4", len(f.Deadlines))
		}
		// An active measure's review date is in the feed of the registry's
		// readers, with the measure's reference and the customer's page.
		_, custID := caseWithCustomer(t, d)
		m, err := d.s.ProposeMeasure(ctx, d.people["desk1"], custID, kasuhara.NewMeasure{Checks: testChecks, Level: "caution", Reason: "r",
			ReviewAt: time.Now().AddDate(0, 3, 0)})
		if err != nil || m.Status != kasuhara.MeasureActive {
			t.Fatalf("measure %+v, %v", m, err)
		}
		f, err := d.s.CalendarDeadlines(ctx, t1)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, dl := range f.Deadlines {
			if dl.Kind == kasuhara.DeadlineReview {
				found = dl.Ref == m.Ref() && dl.UID == m.ID+"-review" && dl.Path == "/customers/"+custID+"#measures"
			}
		}
		if !found {
			t.Errorf("the measure's review is not in the feed: %+v", f.Deadlines)
		}
		// A disabled account's feed stops; a stopped feed too.
		if err := d.s.SetDisabled(ctx, d.actor, d.people["desk1"].UserID, true); err != nil {
			t.Fatal(err)
		}
		_, err = d.s.CalendarDeadlines(ctx, t1)
		wantCode(t, err, kasuhara.ENOTFOUND)
		if err := d.s.StopCalendarFeed(ctx, desk2); err != nil {
			t.Fatal(err)
		}
		_, err = d.s.CalendarDeadlines(ctx, renewed)
		wantCode(t, err, kasuhara.ENOTFOUND)
		var audited int
		if err := d.db.Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM audit_entries WHERE action IN ('calendar.renew', 'calendar.stop')").Scan(&audited); err != nil {
			t.Fatal(err)
		}
		if audited != 4 {
			t.Errorf("%d audit entries of calendar feeds, want 4", audited)
		}
	})
}
