package store_test

import (
	"strings"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/sqldb"
	"github.com/kasuhara/kasuhara/internal/testdb"
)

// someChanges makes a few audited changes and returns how many entries
// they wrote.
func someChanges(t *testing.T, f fixture) {
	t.Helper()
	s := f.s
	d, err := s.CreateDepartment(ctx, f.actor, f.org.ID, "新宿店")
	if err != nil {
		t.Fatal(err)
	}
	u, err := s.CreateUser(ctx, kasuhara.CLIActor, kasuhara.NewUser{Email: "desk@example.jp", Name: "窓口 一郎", Password: "desk-password-12", OrgID: f.org.ID, Role: kasuhara.RoleDesk, DepartmentID: d.ID})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetMembership(ctx, kasuhara.CLIActor, kasuhara.Membership{UserID: u.ID, OrgID: f.org.ID, Role: kasuhara.RoleLegal}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, "desk@example.jp", "wrong password!"); err == nil {
		t.Fatal("wrong password accepted")
	}
	if _, err := s.Authenticate(ctx, "desk@example.jp", "desk-password-12"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.CreateToken(ctx, kasuhara.CLIActor, u.ID, "x"); err != nil {
		t.Fatal(err)
	}
}

func TestAuditRecordsChanges(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		f := setup(t, db)
		someChanges(t, f)
		es, err := f.s.AuditEntries(ctx, kasuhara.CLIActor, kasuhara.AuditFilter{OrgID: f.org.ID})
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for i := len(es) - 1; i >= 0; i-- {
			actions = append(actions, es[i].Action)
		}
		want := "org.create,user.create,department.create,user.create,membership.set,auth.login_failed,auth.login,token.create"
		if got := strings.Join(actions, ","); got != want {
			t.Fatalf("actions = %s\nwant      %s", got, want)
		}
		for _, e := range es {
			// Nothing personal in the trail: no names, e-mail addresses or passwords.
			for _, leak := range []string{"窓口", "desk@example.jp", "desk-password", "wrong password", "管理", "admin@example.jp"} {
				if strings.Contains(e.Detail, leak) || strings.Contains(e.ObjectID, leak) {
					t.Fatalf("entry %d %s carries %q", e.Seq, e.Action, leak)
				}
			}
		}
		n, p, err := f.s.VerifyAudit(ctx)
		if err != nil || p != nil || n != int64(len(es)) {
			t.Fatalf("VerifyAudit = %d, %+v, %v; want %d entries intact", n, p, err, len(es))
		}
	})
}

func TestAuditIsAppendOnly(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		f := setup(t, db)
		exec := func(q string) error {
			return db.Tx(ctx, func(tx *sqldb.Tx) error { _, err := tx.ExecContext(ctx, q); return err })
		}
		if err := exec("UPDATE audit_entries SET action = 'x' WHERE seq = 1"); err == nil {
			t.Fatal("an audit entry could be updated")
		}
		if err := exec("DELETE FROM audit_entries WHERE seq = 1"); err == nil {
			t.Fatal("an audit entry could be deleted")
		}
		if err := exec("UPDATE audit_head SET seq = 0, hash = ''"); err == nil {
			t.Fatal("the audit head could be moved back")
		}
		if err := exec("DELETE FROM audit_head"); err == nil {
			t.Fatal("the audit head could be deleted")
		}
		if db.Engine == sqldb.Postgres {
			if err := exec("TRUNCATE audit_entries"); err == nil {
				t.Fatal("the audit trail could be truncated")
			}
		}
		_ = f
	})
}

func TestAuditVerifyFindsTampering(t *testing.T) {
	tamper := []struct {
		name    string
		sql     []string
		wantSeq int64
	}{
		{"edit action", []string{"UPDATE audit_entries SET action = 'user.nothing' WHERE seq = 3"}, 3},
		{"edit detail", []string{`UPDATE audit_entries SET detail = '{"role":"admin"}' WHERE seq = 5`}, 5},
		{"edit actor", []string{"UPDATE audit_entries SET actor_id = 'someone' WHERE seq = 2"}, 2},
		{"delete middle", []string{"DELETE FROM audit_entries WHERE seq = 4"}, 5},
		{"delete last", []string{"DELETE FROM audit_entries WHERE seq = (SELECT MAX(seq) FROM audit_entries)"}, 8},
		{"delete last and head", []string{"DELETE FROM audit_entries WHERE seq = 8", "UPDATE audit_head SET seq = 7"}, 8},
		{"reorder", []string{
			"UPDATE audit_entries SET seq = 100 WHERE seq = 3",
			"UPDATE audit_entries SET seq = 3 WHERE seq = 4",
			"UPDATE audit_entries SET seq = 4 WHERE seq = 100",
		}, 3},
		{"insert at end", []string{
			"INSERT INTO audit_entries (seq, at, action, prev_hash, hash) SELECT seq + 1, at, 'forged', hash, 'x' FROM audit_entries WHERE seq = 8",
		}, 9},
	}
	testdb.Each(t, func(t *testing.T, e sqldb.Engine) {
		for _, tt := range tamper {
			t.Run(tt.name, func(t *testing.T) {
				db := testdb.Open(t, e)
				f := setup(t, db)
				someChanges(t, f)
				n, p, err := f.s.VerifyAudit(ctx)
				if err != nil || p != nil || n < 8 {
					t.Fatalf("before tampering: %d, %+v, %v", n, p, err)
				}
				testdb.DisableAuditTriggers(t, db)
				for _, q := range tt.sql {
					testdb.Exec(t, db, q)
				}
				_, p, err = f.s.VerifyAudit(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if p == nil {
					t.Fatal("tampering went unnoticed")
				}
				if p.Seq != tt.wantSeq {
					t.Fatalf("problem at entry %d (%s), want entry %d", p.Seq, p.Reason, tt.wantSeq)
				}
			})
		}
	})
}

// TestAuditFiltersAndNames reads the trail as the audit page does: by
// actor, action (one or a family), object and time, a page at a time, and
// names its actors and objects instead of their ids.
func TestAuditFiltersAndNames(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		f := setup(t, db)
		day1 := time.Now().UTC().Add(24 * time.Hour) // after setup's entries
		now := day1
		f.s.Now = func() time.Time { return now }
		someChanges(t, f) // on day 1
		now = day1.Add(48 * time.Hour)
		dep, err := f.s.CreateDepartment(ctx, f.actor, f.org.ID, "梅田店") // on day 3
		if err != nil {
			t.Fatal(err)
		}
		desk, err := f.s.UserByEmail(ctx, "desk@example.jp")
		if err != nil {
			t.Fatal(err)
		}
		count := func(fl kasuhara.AuditFilter) []kasuhara.AuditEntry {
			t.Helper()
			fl.OrgID = f.org.ID
			es, err := f.s.AuditEntries(ctx, kasuhara.CLIActor, fl)
			if err != nil {
				t.Fatal(err)
			}
			return es
		}
		if es := count(kasuhara.AuditFilter{ActorID: desk.ID}); len(es) != 1 || es[0].Action != "auth.login" {
			t.Fatalf("the desk's entries = %+v, want their sign-in only", es)
		}
		if es := count(kasuhara.AuditFilter{Action: "user."}); len(es) != 2 {
			t.Fatalf("user. entries = %d, want the two user.create", len(es))
		}
		if es := count(kasuhara.AuditFilter{Action: "user"}); len(es) != 0 {
			t.Fatalf("an action without its dot is one action, not a family: got %d", len(es))
		}
		// "auth.login" is one action: "auth.login_failed" is not in it.
		if es := count(kasuhara.AuditFilter{Action: "auth.login"}); len(es) != 1 {
			t.Fatalf("auth.login entries = %d, want 1", len(es))
		}
		if es := count(kasuhara.AuditFilter{From: day1.Add(24 * time.Hour)}); len(es) != 1 || es[0].ObjectID != dep.ID {
			t.Fatalf("entries from day 2 = %+v, want the department of day 3", es)
		}
		if es := count(kasuhara.AuditFilter{To: day1.Add(24 * time.Hour)}); len(es) != 8 {
			t.Fatalf("entries before day 2 = %d, want 8", len(es))
		}
		all := count(kasuhara.AuditFilter{})
		first := count(kasuhara.AuditFilter{Limit: 3})
		next := count(kasuhara.AuditFilter{Limit: 3, Before: first[2].Seq})
		if len(first) != 3 || len(next) != 3 || next[0].Seq != all[3].Seq {
			t.Fatalf("paging: first %d, next %d starting at %d, want 3, 3 starting at %d", len(first), len(next), next[0].Seq, all[3].Seq)
		}

		names, err := f.s.AuditNames(ctx, kasuhara.RoleAdmin, all)
		if err != nil {
			t.Fatal(err)
		}
		for key, want := range map[string]string{"user:" + desk.ID: "窓口 一郎", "user:" + f.admin.ID: "管理 花子",
			"department:" + dep.ID: "梅田店", "org:" + f.org.ID: "Acme 株式会社"} {
			if names[key] != want {
				t.Errorf("names[%s] = %q, want %q", key, names[key], want)
			}
		}
		for text, want := range map[string]string{"窓口 一郎": "user:" + desk.ID, "DESK@example.jp": "user:" + desk.ID, "梅田店": "department:" + dep.ID} {
			typ, id, err := f.s.AuditObject(ctx, f.org.ID, text)
			if err != nil || typ+":"+id != want {
				t.Errorf("AuditObject(%q) = %s:%s, %v; want %s", text, typ, id, err, want)
			}
		}
		other, err := f.s.CreateOrg(ctx, kasuhara.CLIActor, kasuhara.NewOrg{Slug: "other", Name: "Other"})
		if err != nil {
			t.Fatal(err)
		}
		for _, text := range []string{"K-2026-00001", "nobody", ""} {
			if _, _, err := f.s.AuditObject(ctx, f.org.ID, text); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
				t.Errorf("AuditObject(%q) = %v, want not found", text, err)
			}
		}
		// Another organisation's member is not found in this one.
		if _, _, err := f.s.AuditObject(ctx, other.ID, "窓口 一郎"); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
			t.Errorf("another organisation's member found: %v", err)
		}
	})
}
