package web_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"testing"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/jobs"
	"github.com/kasuhara/kasuhara/internal/notify"
	"github.com/kasuhara/kasuhara/internal/sqldb"
)

// TestNotificationsGETChangesNothing: a GET of /notifications (a cross-site
// link or image can make one) leaves them unread; they are marked read by a
// POST from the page, one or all (issue 16, finding 12).
func TestNotificationsGETChangesNothing(t *testing.T) {
	e := newEnv(t, sqldb.SQLite)
	emp := e.api(kasuhara.RoleEmployee)
	for range 2 {
		must(t, emp.call("POST", "/api/v1/reports", validReport()), http.StatusCreated)
	}
	// The notifications are written by the job queue after the commit.
	q := jobs.New(e.db, map[string]jobs.Handler{notify.KindEvent: notify.FanoutHandler(e.st)},
		jobs.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if _, err := q.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	deskID := e.users[kasuhara.RoleDesk].ID
	unread := func() int {
		t.Helper()
		n, err := e.st.UnreadCount(ctx, deskID)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if unread() != 2 {
		t.Fatalf("unread = %d, want 2", unread())
	}
	d := e.signedIn(kasuhara.RoleDesk)
	must(t, d.get("/notifications"), http.StatusOK, `action="/notifications/read"`)
	if n := unread(); n != 2 {
		t.Fatalf("after GET /notifications: %d unread, want 2", n)
	}
	ns, err := e.st.Notifications(ctx, deskID, 10)
	if err != nil {
		t.Fatal(err)
	}
	must(t, d.post("/notifications/"+ns[0].ID+"/read", url.Values{}), http.StatusSeeOther)
	if n := unread(); n != 1 {
		t.Fatalf("after marking one: %d unread, want 1", n)
	}
	// Another user's notification is not theirs to mark.
	s := e.signedIn(kasuhara.RoleLegal)
	s.post("/notifications/"+ns[1].ID+"/read", url.Values{})
	if n := unread(); n != 1 {
		t.Fatalf("another user marked a notification: %d unread, want 1", n)
	}
	must(t, d.post("/notifications/read", url.Values{}), http.StatusSeeOther)
	if n := unread(); n != 0 {
		t.Fatalf("after marking all: %d unread, want 0", n)
	}
}

// The mail choice is the viewer's own, by POST, with a clear error for a
// value that is not one of the two; the page says what each notification
// is about in words.
func TestNotificationMailChoice(t *testing.T) {
	e := newEnv(t, sqldb.SQLite)
	d := e.signedIn(kasuhara.RoleDesk)
	deskID := e.users[kasuhara.RoleDesk].ID
	must(t, d.get("/notifications"), http.StatusOK, `name="mail" value="each" checked`)
	must(t, d.post("/notifications/mail", url.Values{"mail": {"weekly"}}), http.StatusUnprocessableEntity)
	if on, _ := e.st.MailDigest(ctx, deskID); on {
		t.Fatal("a bad value changed the choice")
	}
	must(t, d.post("/notifications/mail", url.Values{"mail": {"digest"}}), http.StatusSeeOther)
	if on, _ := e.st.MailDigest(ctx, deskID); !on {
		t.Fatal("the digest was not chosen")
	}
	must(t, d.get("/notifications"), http.StatusOK, `value="digest" id="mail-digest" checked`)
	if on, _ := e.st.MailDigest(ctx, e.users[kasuhara.RoleLegal].ID); on {
		t.Fatal("another user's choice changed")
	}
}
