package e2e

import (
	"context"
	"testing"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/sqldb"
	"github.com/kasuhara/kasuhara/internal/store"
)

// screens are the widths a page's own test checks it at, desktop first:
// a desktop, a phone and a small phone.
var screens = []screen{
	{"desktop", 1366, 900, false},
	{"phone", 390, 844, true},
	{"small-phone", 320, 640, true},
}

// serverStore opens the store on the running server's database, beside
// the server, and returns it with the function that closes it.
func serverStore(t *testing.T, srv *server) (*store.Store, func() error) {
	t.Helper()
	db, err := sqldb.Open(context.Background(), "", srv.data)
	if err != nil {
		t.Fatal(err)
	}
	return store.New(db), db.Close
}

// memberActor is the person with the e-mail address as they act in their
// one organisation.
func memberActor(t *testing.T, st *store.Store, email string) kasuhara.Actor {
	t.Helper()
	ctx := context.Background()
	u, err := st.UserByEmail(ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := st.Memberships(ctx, u.ID)
	if err != nil || len(ms) != 1 {
		t.Fatalf("memberships of %s: %v, %v", email, ms, err)
	}
	return kasuhara.Actor{UserID: u.ID, OrgID: ms[0].OrgID, Role: ms[0].Role, DepartmentID: ms[0].DepartmentID}
}

// newUserForm signs the first admin in and fills the form for a new person
// on /admin/users; the caller sends it as the test needs.
func newUserForm(t *testing.T, srv *server, name, email, role string) *browser {
	t.Helper()
	admin := newBrowser(t, srv)
	firstSignIn(t, admin, srv.AdminEmail, srv.AdminPassword, "ja")
	admin.open("/admin/users")
	admin.fill("#user-name", name)
	admin.fill("#user-email", email)
	admin.choose("#user-role", role)
	return admin
}
