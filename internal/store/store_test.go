package store_test

import (
	"context"
	"database/sql"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/credential"
	"github.com/kasuhara/kasuhara/internal/sqldb"
	"github.com/kasuhara/kasuhara/internal/store"
	"github.com/kasuhara/kasuhara/internal/testdb"
)

var fastParams = credential.Params{Memory: 1024, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}

func newStore(t *testing.T, db *sqldb.DB) *store.Store {
	t.Helper()
	s := store.New(db)
	s.Params = fastParams
	s.Secrets = credential.NewRandomSealer()
	return s
}

var ctx = context.Background()

// demoDesk is the desk member of the demo organisation slug, as an actor.
func demoDesk(tb testing.TB, st *store.Store, slug string) kasuhara.Actor {
	tb.Helper()
	desk := demoMember(tb, st, slug, func(m kasuhara.Member) bool { return m.Role == kasuhara.RoleDesk })
	return kasuhara.Actor{UserID: desk.UserID, OrgID: desk.OrgID, Role: kasuhara.RoleDesk}
}

// demoMember is the last member (in the order of Members) of the demo
// organisation slug for whom is is true, as an actor; it fails when there
// is none.
func demoMember(tb testing.TB, st *store.Store, slug string, is func(kasuhara.Member) bool) kasuhara.Actor {
	tb.Helper()
	org, err := st.OrgBySlug(ctx, slug)
	if err != nil {
		tb.Fatal(err)
	}
	ms, err := st.Members(ctx, org.ID)
	if err != nil {
		tb.Fatal(err)
	}
	var found *kasuhara.Member
	for i := range ms {
		if is(ms[i]) {
			found = &ms[i]
		}
	}
	if found == nil {
		tb.Fatalf("no such member of %s", slug)
		return kasuhara.Actor{}
	}
	return kasuhara.Actor{UserID: found.User.ID, OrgID: org.ID, Role: found.Role, DepartmentID: found.DepartmentID}
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := kasuhara.ErrorCode(err); got != code {
		t.Fatalf("got error %v (code %q), want code %q", err, got, code)
	}
}

func wantField(t *testing.T, err error, field string) {
	t.Helper()
	wantCode(t, err, kasuhara.EINVALID)
	if _, ok := kasuhara.ErrorFields(err)[field]; !ok {
		t.Fatalf("got field errors %v, want one for %q", kasuhara.ErrorFields(err), field)
	}
}

// bubbleStore is a store on a fresh SQLite database for a test in a
// synctest bubble, whose fake clock the store then reads.
func bubbleStore(t *testing.T) *store.Store {
	t.Helper()
	s := store.New(testdb.Open(t, sqldb.SQLite))
	s.Params = fastParams
	return s
}

// fixture is an organisation with an admin.
type fixture struct {
	s     *store.Store
	db    *sqldb.DB
	org   *kasuhara.Org
	admin *kasuhara.User
	actor kasuhara.Actor
}

func setup(t *testing.T, db *sqldb.DB) fixture {
	t.Helper()
	s := newStore(t, db)
	org, admin, actor := orgWithAdmin(t, s, kasuhara.NewOrg{Slug: "acme", Name: "Acme 株式会社"},
		kasuhara.NewUser{Email: "Admin@Example.JP", Name: "管理 花子", Password: "admin-password-1"})
	return fixture{s: s, db: db, org: org, admin: admin, actor: actor}
}

// orgWithAdmin creates an organisation and its administrator admin, as the
// operator does; actor is the administrator's.
func orgWithAdmin(t *testing.T, s *store.Store, o kasuhara.NewOrg, admin kasuhara.NewUser) (org *kasuhara.Org, u *kasuhara.User, actor kasuhara.Actor) {
	t.Helper()
	org, err := s.CreateOrg(ctx, kasuhara.CLIActor, o)
	if err != nil {
		t.Fatal(err)
	}
	admin.OrgID, admin.Role = org.ID, kasuhara.RoleAdmin
	if u, err = s.CreateUser(ctx, kasuhara.CLIActor, admin); err != nil {
		t.Fatal(err)
	}
	return org, u, kasuhara.Actor{UserID: u.ID, OrgID: org.ID, Role: kasuhara.RoleAdmin}
}

func TestOrgs(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		f := setup(t, db)
		s := f.s
		_, err := s.CreateOrg(ctx, kasuhara.CLIActor, kasuhara.NewOrg{Slug: "acme", Name: "Other"})
		wantCode(t, err, kasuhara.ECONFLICT)
		_, err = s.CreateOrg(ctx, kasuhara.CLIActor, kasuhara.NewOrg{Slug: "Bad Slug", Name: ""})
		wantField(t, err, "slug")
		wantField(t, err, "name")
		_, err = s.CreateOrg(ctx, kasuhara.CLIActor, kasuhara.NewOrg{Slug: "sub", Name: "Sub", ParentSlug: "nope"})
		wantField(t, err, "parent")

		sub, err := s.CreateOrg(ctx, kasuhara.CLIActor, kasuhara.NewOrg{Slug: "acme-retail", Name: "Acme Retail", ParentSlug: "acme"})
		if err != nil {
			t.Fatal(err)
		}
		if sub.ParentID != f.org.ID {
			t.Fatalf("got parent %q, want %q", sub.ParentID, f.org.ID)
		}
		subsub, err := s.CreateOrg(ctx, kasuhara.CLIActor, kasuhara.NewOrg{Slug: "acme-retail-east", Name: "East", ParentSlug: "acme-retail"})
		if err != nil {
			t.Fatal(err)
		}
		other, err := s.CreateOrg(ctx, kasuhara.CLIActor, kasuhara.NewOrg{Slug: "other", Name: "Other"})
		if err != nil {
			t.Fatal(err)
		}
		tree, err := s.OrgTree(ctx, f.org.ID)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, o := range tree {
			got = append(got, o.Slug)
		}
		if strings.Join(got, ",") != "acme,acme-retail,acme-retail-east" {
			t.Fatalf("tree = %v, want acme, acme-retail, acme-retail-east (and not other)", got)
		}
		tree, _ = s.OrgTree(ctx, subsub.ID)
		if len(tree) != 1 {
			t.Fatalf("a leaf's tree has %d orgs, want 1", len(tree))
		}
		_, err = s.OrgTree(ctx, "missing")
		wantCode(t, err, kasuhara.ENOTFOUND)
		o, err := s.OrgBySlug(ctx, "other")
		if err != nil || o.ID != other.ID || o.Name != "Other" {
			t.Fatalf("OrgBySlug = %+v, %v", o, err)
		}
		_, err = s.OrgBySlug(ctx, "missing")
		wantCode(t, err, kasuhara.ENOTFOUND)
		all, err := s.Orgs(ctx)
		if err != nil || len(all) != 4 {
			t.Fatalf("Orgs = %d, %v; want 4", len(all), err)
		}
	})
}

func TestDepartments(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		f := setup(t, db)
		s := f.s
		d, err := s.CreateDepartment(ctx, f.actor, f.org.ID, "  新宿店 ")
		if err != nil {
			t.Fatal(err)
		}
		if d.Name != "新宿店" {
			t.Fatalf("name = %q, want it trimmed", d.Name)
		}
		_, err = s.CreateDepartment(ctx, f.actor, f.org.ID, "新宿店")
		wantCode(t, err, kasuhara.ECONFLICT)
		_, err = s.CreateDepartment(ctx, f.actor, f.org.ID, " ")
		wantField(t, err, "name")
		if _, err := s.CreateDepartment(ctx, f.actor, f.org.ID, "Call centre"); err != nil {
			t.Fatal(err)
		}
		other, _ := s.CreateOrg(ctx, kasuhara.CLIActor, kasuhara.NewOrg{Slug: "other", Name: "Other"})
		// Another organisation may use the same name.
		if _, err := s.CreateDepartment(ctx, kasuhara.CLIActor, other.ID, "新宿店"); err != nil {
			t.Fatal(err)
		}
		// Renaming through the wrong organisation finds nothing.
		_, err = s.RenameDepartment(ctx, f.actor, other.ID, d.ID, "渋谷店")
		wantCode(t, err, kasuhara.ENOTFOUND)
		_, err = s.RenameDepartment(ctx, f.actor, f.org.ID, d.ID, "Call centre")
		wantCode(t, err, kasuhara.ECONFLICT)
		r, err := s.RenameDepartment(ctx, f.actor, f.org.ID, d.ID, "渋谷店")
		if err != nil || r.Name != "渋谷店" {
			t.Fatalf("rename = %+v, %v", r, err)
		}
		ds, err := s.Departments(ctx, f.org.ID)
		if err != nil || len(ds) != 2 {
			t.Fatalf("Departments = %v, %v; want 2", ds, err)
		}
		got, err := s.DepartmentByName(ctx, f.org.ID, "渋谷店")
		if err != nil || got.ID != d.ID {
			t.Fatalf("DepartmentByName = %+v, %v", got, err)
		}
	})
}

func TestUsers(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		f := setup(t, db)
		s := f.s
		if f.admin.Email != "admin@example.jp" {
			t.Fatalf("email = %q, want case-folded", f.admin.Email)
		}
		_, err := s.CreateUser(ctx, f.actor, kasuhara.NewUser{Email: "ADMIN@example.jp", Name: "X", Password: "another-password", OrgID: f.org.ID, Role: kasuhara.RoleSupervisor})
		wantCode(t, err, kasuhara.ECONFLICT)
		_, err = s.CreateUser(ctx, f.actor, kasuhara.NewUser{Email: "not an address", Name: "", Password: "short", OrgID: f.org.ID, Role: "boss"})
		for _, field := range []string{"email", "name", "password", "role"} {
			wantField(t, err, field)
		}
		other, _ := s.CreateOrg(ctx, kasuhara.CLIActor, kasuhara.NewOrg{Slug: "other", Name: "Other"})
		otherDep, _ := s.CreateDepartment(ctx, kasuhara.CLIActor, other.ID, "Elsewhere")
		_, err = s.CreateUser(ctx, f.actor, kasuhara.NewUser{Email: "x@example.jp", Name: "X", Password: "long-enough-pw", OrgID: f.org.ID, Role: kasuhara.RoleSupervisor, DepartmentID: otherDep.ID})
		wantField(t, err, "department")

		dep, _ := s.CreateDepartment(ctx, f.actor, f.org.ID, "新宿店")
		emp, err := s.CreateUser(ctx, f.actor, kasuhara.NewUser{Email: "taro@example.jp", Name: "山田 太郎", Password: "employee-password", OrgID: f.org.ID, Role: kasuhara.RoleEmployee, DepartmentID: dep.ID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateUser(ctx, kasuhara.CLIActor, kasuhara.NewUser{Email: "o@example.jp", Name: "Outsider", Password: "outsider-password", OrgID: other.ID, Role: kasuhara.RoleEmployee}); err != nil {
			t.Fatal(err)
		}
		members, err := s.Members(ctx, f.org.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(members) != 2 {
			t.Fatalf("members = %d, want 2 (the other organisation's user must not appear)", len(members))
		}
		for _, m := range members {
			if m.Email == "o@example.jp" {
				t.Fatal("another organisation's user is listed")
			}
			if m.ID == emp.ID && (m.DepartmentName != "新宿店" || m.Role != kasuhara.RoleEmployee || m.OrgSlug != "acme") {
				t.Fatalf("member = %+v", m)
			}
		}

		// Authentication.
		u, err := s.Authenticate(ctx, " Taro@Example.jp", "employee-password")
		if err != nil || u.ID != emp.ID {
			t.Fatalf("Authenticate = %v, %v", u, err)
		}
		_, err = s.Authenticate(ctx, "taro@example.jp", "wrong-password")
		wantCode(t, err, kasuhara.EUNAUTH)
		_, err = s.Authenticate(ctx, "nobody@example.jp", "employee-password")
		wantCode(t, err, kasuhara.EUNAUTH)

		// Role change.
		if err := s.SetMembership(ctx, f.actor, kasuhara.Membership{UserID: emp.ID, OrgID: f.org.ID, Role: kasuhara.RoleSupervisor, DepartmentID: dep.ID}); err != nil {
			t.Fatal(err)
		}
		ms, _ := s.Memberships(ctx, emp.ID)
		if len(ms) != 1 || ms[0].Role != kasuhara.RoleSupervisor {
			t.Fatalf("memberships = %+v", ms)
		}
		err = s.SetMembership(ctx, f.actor, kasuhara.Membership{UserID: emp.ID, OrgID: f.org.ID, Role: "root"})
		wantField(t, err, "role")
		err = s.SetMembership(ctx, f.actor, kasuhara.Membership{UserID: emp.ID, OrgID: f.org.ID, Role: kasuhara.RoleSupervisor, DepartmentID: otherDep.ID})
		wantField(t, err, "department")

		// Password reset forces a change; the user's own change clears it.
		pw, err := s.ResetPassword(ctx, f.actor, emp.ID)
		if err != nil {
			t.Fatal(err)
		}
		u, err = s.Authenticate(ctx, "taro@example.jp", pw)
		if err != nil || !u.MustChangePassword {
			t.Fatalf("after reset: %+v, %v; want must-change", u, err)
		}
		err = s.SetPassword(ctx, kasuhara.Actor{UserID: emp.ID}, emp.ID, "short")
		wantField(t, err, "password")
		if err := s.SetPassword(ctx, kasuhara.Actor{UserID: emp.ID}, emp.ID, "a-new-long-password"); err != nil {
			t.Fatal(err)
		}
		u, err = s.Authenticate(ctx, "taro@example.jp", "a-new-long-password")
		if err != nil || u.MustChangePassword {
			t.Fatalf("after change: %+v, %v", u, err)
		}
		if _, err := s.Authenticate(ctx, "taro@example.jp", pw); err == nil {
			t.Fatal("the old one-time password still works")
		}

		// Disabled users cannot sign in.
		if err := s.SetDisabled(ctx, f.actor, emp.ID, true); err != nil {
			t.Fatal(err)
		}
		_, err = s.Authenticate(ctx, "taro@example.jp", "a-new-long-password")
		wantCode(t, err, kasuhara.EUNAUTH)
		if err := s.SetDisabled(ctx, f.actor, emp.ID, false); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, "taro@example.jp", "a-new-long-password"); err != nil {
			t.Fatal(err)
		}

		if err := s.SetLanguage(ctx, kasuhara.Actor{UserID: emp.ID}, emp.ID, "en"); err != nil {
			t.Fatal(err)
		}
		u, _ = s.UserByID(ctx, emp.ID)
		if u.Language != "en" {
			t.Fatalf("language = %q", u.Language)
		}
		wantField(t, s.SetLanguage(ctx, kasuhara.Actor{UserID: emp.ID}, emp.ID, "fr"), "language")
		_, err = s.UserByID(ctx, "missing")
		wantCode(t, err, kasuhara.ENOTFOUND)
		n, err := s.CountUsers(ctx)
		if err != nil || n != 3 {
			t.Fatalf("CountUsers = %d, %v", n, err)
		}

		// No password is stored in the clear.
		for _, h := range testdb.Strings(t, db, "SELECT password_hash FROM users") {
			if !strings.HasPrefix(h, "$argon2id$") || strings.Contains(h, "password") {
				t.Fatalf("stored password %q is not an argon2id hash", h)
			}
		}
	})
}

func TestTokens(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		f := setup(t, db)
		s := f.s
		tok, secret, err := s.CreateToken(ctx, kasuhara.CLIActor, f.admin.ID, "phone system")
		if err != nil {
			t.Fatal(err)
		}
		u, err := s.TokenUser(ctx, secret)
		if err != nil || u.ID != f.admin.ID {
			t.Fatalf("TokenUser = %v, %v", u, err)
		}
		for _, bad := range []string{"", "ksh_", secret + "x", strings.TrimPrefix(secret, "ksh_")} {
			_, err := s.TokenUser(ctx, bad)
			wantCode(t, err, kasuhara.EUNAUTH)
		}
		var stored string
		db.Read.QueryRowContext(ctx, "SELECT token_hash FROM api_tokens WHERE id = $1", tok.ID).Scan(&stored)
		if stored == secret || strings.Contains(stored, secret[4:]) || stored != credential.Digest(secret) {
			t.Fatal("the token secret is stored in the clear")
		}
		ts, err := s.Tokens(ctx, f.admin.ID)
		if err != nil || len(ts) != 1 || ts[0].Label != "phone system" || ts[0].LastUsedAt.IsZero() {
			t.Fatalf("Tokens = %+v, %v (want last use recorded)", ts, err)
		}
		// Another user cannot revoke it; the owner can.
		wantCode(t, s.RevokeToken(ctx, f.actor, "someone-else", tok.ID), kasuhara.ENOTFOUND)
		if err := s.RevokeToken(ctx, f.actor, f.admin.ID, tok.ID); err != nil {
			t.Fatal(err)
		}
		_, err = s.TokenUser(ctx, secret)
		wantCode(t, err, kasuhara.EUNAUTH)

		// Disabling a user revokes their tokens.
		_, secret2, _ := s.CreateToken(ctx, kasuhara.CLIActor, f.admin.ID, "")
		s.SetDisabled(ctx, kasuhara.CLIActor, f.admin.ID, true)
		_, err = s.TokenUser(ctx, secret2)
		wantCode(t, err, kasuhara.EUNAUTH)
		_, _, err = s.CreateToken(ctx, kasuhara.CLIActor, f.admin.ID, "")
		wantCode(t, err, kasuhara.ECONFLICT)
	})
}

func TestSessions(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		s := newStore(t, db)
		now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
		s.Now = func() time.Time { return now }
		ss := s.Sessions()
		if err := ss.CommitCtx(ctx, "session-id-1", []byte("data"), now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := ss.CommitCtx(ctx, "session-id-1", []byte("data2"), now.Add(2*time.Hour)); err != nil {
			t.Fatal(err)
		}
		b, ok, err := ss.FindCtx(ctx, "session-id-1")
		if err != nil || !ok || string(b) != "data2" {
			t.Fatalf("Find = %q, %v, %v", b, ok, err)
		}
		var n int
		db.Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM sessions WHERE token_hash = $1", "session-id-1").Scan(&n)
		if n != 0 {
			t.Fatal("the session id is stored in the clear")
		}
		ss.CommitCtx(ctx, "session-id-2", []byte("old"), now.Add(-time.Second))
		if _, ok, _ := ss.FindCtx(ctx, "session-id-2"); ok {
			t.Fatal("an expired session was found")
		}
		if n, err := ss.DeleteExpired(ctx); err != nil || n != 1 {
			t.Fatalf("DeleteExpired = %d, %v; want 1", n, err)
		}
		if err := ss.DeleteCtx(ctx, "session-id-1"); err != nil {
			t.Fatal(err)
		}
		if _, ok, _ := ss.FindCtx(ctx, "session-id-1"); ok {
			t.Fatal("a deleted session was found")
		}
	})
}

func TestBootstrap(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		s := newStore(t, db)
		var wg sync.WaitGroup
		runs := make([]*store.FirstRun, 3)
		errs := make([]error, 3)
		for i := range 3 {
			wg.Go(func() {
				runs[i], errs[i] = s.Bootstrap(ctx, kasuhara.NewOrg{Slug: "default", Name: "My company"}, "admin@localhost.localdomain", "Administrator")
			})
		}
		wg.Wait()
		created := 0
		for i := range 3 {
			if errs[i] != nil {
				t.Fatal(errs[i])
			}
			if runs[i] != nil {
				created++
				if runs[i].Password == "" || !runs[i].Admin.MustChangePassword {
					t.Fatalf("first run = %+v", runs[i])
				}
				if _, err := s.Authenticate(ctx, "admin@localhost.localdomain", runs[i].Password); err != nil {
					t.Fatal(err)
				}
			}
		}
		if created != 1 {
			t.Fatalf("bootstrap created an admin %d times, want once", created)
		}
		again, err := s.Bootstrap(ctx, kasuhara.NewOrg{Slug: "default", Name: "My company"}, "admin@localhost.localdomain", "Administrator")
		if err != nil || again != nil {
			t.Fatalf("second bootstrap = %+v, %v; want nothing", again, err)
		}
	})
}

func TestBootstrapJoinsExistingOrg(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		s := newStore(t, db)
		o, _ := s.CreateOrg(ctx, kasuhara.CLIActor, kasuhara.NewOrg{Slug: "acme", Name: "Acme"})
		fr, err := s.Bootstrap(ctx, kasuhara.NewOrg{Slug: "default", Name: "My company"}, "admin@localhost.localdomain", "Administrator")
		if err != nil || fr == nil || fr.Org.ID != o.ID {
			t.Fatalf("bootstrap = %+v, %v; want the admin in acme", fr, err)
		}
	})
}

// A writer busy for longer than a token check will wait does not fail the
// request: when the token was last used is bookkeeping.
func TestTokenUserWithBusyWriter(t *testing.T) {
	db := testdb.Open(t, sqldb.SQLite)
	f := setup(t, db)
	_, secret, err := f.s.CreateToken(ctx, kasuhara.CLIActor, f.admin.ID, "phone system")
	if err != nil {
		t.Fatal(err)
	}
	old := *store.TokenTouchWait
	*store.TokenTouchWait = 100 * time.Millisecond
	defer func() { *store.TokenTouchWait = old }()
	// A transaction of its own holds the only writer connection.
	holding, release, held := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		held <- db.Bookkeeping(ctx, func(*sqldb.Tx) error { close(holding); <-release; return nil })
	}()
	<-holding
	u, err := f.s.TokenUser(ctx, secret)
	close(release)
	if err := <-held; err != nil {
		t.Fatal(err)
	}
	if err != nil || u.ID != f.admin.ID {
		t.Fatalf("with the writer busy: %v, %v", u, err)
	}
	var used sql.NullTime
	db.Read.QueryRowContext(ctx, "SELECT last_used_at FROM api_tokens WHERE user_id = $1", f.admin.ID).Scan(&used)
	if used.Valid {
		t.Error("the use was recorded although the writer was held")
	}
	// With the writer free again, the next check records it.
	if _, err := f.s.TokenUser(ctx, secret); err != nil {
		t.Fatal(err)
	}
	db.Read.QueryRowContext(ctx, "SELECT last_used_at FROM api_tokens WHERE user_id = $1", f.admin.ID).Scan(&used)
	if !used.Valid {
		t.Error("the use was not recorded once the writer was free")
	}
}
