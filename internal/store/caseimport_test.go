package store_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/notify"
	"github.com/kasuhara/kasuhara/internal/sqldb"
	"github.com/kasuhara/kasuhara/internal/store"
	"github.com/kasuhara/kasuhara/internal/testdb"
)

// oldLedger is a ledger as a company keeps it, with one customer who is
// already in the registry.
func oldLedger() *kasuhara.Ledger {
	return &kasuhara.Ledger{Headers: []string{"No.", "発生日", "店舗", "分類", "内容", "対応状況", "顧客名", "電話"}, Rows: []kasuhara.LedgerRow{
		{Number: 2, Cells: []string{"1", "令和6年5月1日", "新宿店", "暴言、長時間", "「役立たず」と1時間怒鳴られた", "完了", "山田 太郎", "090-1234-5678"}},
		{Number: 3, Cells: []string{"2", "R6.6.3", "コールセンター", "土下座", "土下座を要求された", "対応中", "", ""}},
		{Number: 4, Cells: []string{"3", "2024/7/1", "", "謎の行為", "名刺を何十枚も要求された", "", "", ""}},
	}}
}

func ledgerMapping() kasuhara.CaseImportMapping {
	return kasuhara.CaseImportMapping{Columns: map[string]string{"occurred_at": "発生日", "department": "店舗", "categories": "分類",
		"conduct": "内容", "state": "対応状況", "customer_name": "顧客名", "customer_phone": "電話"}}
}

func TestImportCases(t *testing.T) {
	onDesk(t, func(t *testing.T, d desk) {
		desk := d.people["desk1"]
		// The customer is in the registry from an earlier report.
		earlier := d.file(t, d.people["clerk"], report(d.shop.ID, "以前の件", "insult"))
		in := kasuhara.CaseImportInput{FileName: "記録簿.xlsx", SHA256: strings.Repeat("ab", 32), Ledger: oldLedger(), Mapping: ledgerMapping()}

		// Who may: desk and legal of the organisation, not the admin (who
		// never reads case contents), a supervisor or another company.
		for _, who := range []string{"admin2", "shopboss", "clerk", "analyst"} {
			_, err := d.s.ImportCases(ctx, d.people[who], d.org.ID, in, true)
			wantCode(t, err, kasuhara.EFORBIDDEN)
		}
		_, err := d.s.ImportCases(ctx, d.people["otherdesk"], d.org.ID, in, true)
		wantCode(t, err, kasuhara.ENOTFOUND)

		// A mapping without a required column, or naming a missing one.
		bad := ledgerMapping()
		delete(bad.Columns, "conduct")
		_, err = d.s.ImportCases(ctx, desk, d.org.ID, kasuhara.CaseImportInput{Ledger: oldLedger(), Mapping: bad}, true)
		wantField(t, err, "mapping.conduct")
		bad = ledgerMapping()
		bad.Columns["harm"] = "被害"
		_, err = d.s.ImportCases(ctx, desk, d.org.ID, kasuhara.CaseImportInput{Ledger: oldLedger(), Mapping: bad}, true)
		wantField(t, err, "mapping.harm")

		// The dry run: what would be created, every problem by row, the
		// unmatched word; nothing written.
		res, err := d.s.ImportCases(ctx, desk, d.org.ID, in, true)
		if err != nil {
			t.Fatal(err)
		}
		if res.Imported || res.Problems != 1 || len(res.Lines) != 3 || !slices.Equal(res.Unmatched["謎の行為"], []int{4}) {
			t.Fatalf("dry run = %+v", res)
		}
		if l := res.Lines[1]; l.State != kasuhara.StateAcknowledged || l.Report.DepartmentID != d.call.ID || len(l.Problems) != 0 {
			t.Errorf("row 3 = %+v", l)
		}
		if n := count(t, d.db, "SELECT COUNT(*) FROM cases"); n != 1 {
			t.Fatalf("the dry run wrote %d cases", n)
		}
		// An import with a problem left imports nothing.
		res, err = d.s.ImportCases(ctx, desk, d.org.ID, in, false)
		if err != nil || res.Imported {
			t.Fatalf("an import with problems = %+v, %v", res, err)
		}
		// A department the organisation does not have is named.
		l := oldLedger()
		l.Rows[0].Cells[2] = "渋谷店"
		res, _ = d.s.ImportCases(ctx, desk, d.org.ID, kasuhara.CaseImportInput{Ledger: l, Mapping: ledgerMapping()}, true)
		if res.Lines[0].Problems["department"].Code != kasuhara.FieldNotDepartment {
			t.Errorf("an unknown department: %+v", res.Lines[0].Problems)
		}

		// Reviewed, the word is a kind of conduct; the import is all at once.
		in.Mapping.Values = map[string]string{"謎の行為": "out_of_scope_demand"}
		res, err = d.s.ImportCases(ctx, desk, d.org.ID, in, false)
		if err != nil || !res.Imported || len(res.Refs) != 3 {
			t.Fatalf("import = %+v, %v", res, err)
		}
		if n := count(t, d.db, "SELECT COUNT(*) FROM cases WHERE import_id = $1", res.ImportID); n != 3 {
			t.Fatalf("%d cases imported, want 3", n)
		}
		all, _, err := d.s.Cases(ctx, desk, kasuhara.CaseFilter{})
		if err != nil {
			t.Fatal(err)
		}
		byRef := map[string]kasuhara.Case{}
		for _, c := range all {
			byRef[c.Ref] = c
		}
		first, open := byRef[res.Refs[0]], byRef[res.Refs[1]]
		if !first.Imported || first.State != kasuhara.StateClosed || first.ClosedAt.IsZero() || first.ReporterID != "" ||
			!strings.HasPrefix(first.Ref, "K-2024-") || first.Report.DepartmentID != d.shop.ID {
			t.Errorf("the first imported case = %+v", first)
		}
		// The open row is the desk's to take up now: its clock runs from
		// the import, not from 2024.
		if open.State != kasuhara.StateAcknowledged || !open.FeedbackBy.After(time.Now()) || open.Overdue(time.Now()) {
			t.Errorf("the open imported case = state %s, feedback by %v", open.State, open.FeedbackBy)
		}
		// No reminders storm: clocks only for the open case, no
		// notification per case.
		if n := count(t, d.db, "SELECT COUNT(*) FROM jobs WHERE kind = $1 AND payload LIKE $2", store.KindClock, "%"+first.ID+"%"); n != 0 {
			t.Errorf("the closed imported case has %d clock jobs", n)
		}
		if n := count(t, d.db, "SELECT COUNT(*) FROM jobs WHERE kind = $1 AND payload LIKE $2", store.KindClock, "%"+open.ID+"%"); n != 1 {
			t.Errorf("the open imported case has %d clock jobs, want 1", n)
		}
		fanOut(t, d.db, d.s)
		for _, ref := range res.Refs {
			if notified(t, d, "desk2", notify.CaseReported, ref) {
				t.Errorf("the desk was notified of imported case %s", ref)
			}
		}
		// The customer went through the registry's matching: the imported
		// case is linked to the customer of the earlier report.
		a, _ := d.s.CustomersOfCase(ctx, desk, earlier.ID)
		b, _ := d.s.CustomersOfCase(ctx, desk, first.ID)
		if len(a) != 1 || len(b) != 1 || a[0].ID != b[0].ID {
			t.Errorf("the imported case's customer %v is not the registry's %v", b, a)
		}
		// Audited with the file's hash; each case marked imported.
		entries, err := d.s.AuditEntries(ctx, kasuhara.CLIActor, kasuhara.AuditFilter{ObjectID: res.ImportID})
		if err != nil || len(entries) != 1 || entries[0].Action != "cases.import" || !strings.Contains(entries[0].Detail, in.SHA256) {
			t.Fatalf("audit of the import = %+v, %v", entries, err)
		}
		created, _ := d.s.AuditEntries(ctx, kasuhara.CLIActor, kasuhara.AuditFilter{ObjectID: first.ID, Action: "case.create"})
		if len(created) != 1 || !strings.Contains(created[0].Detail, `"imported":true`) {
			t.Errorf("the case's creation is not marked imported: %+v", created)
		}
		// The department's supervisor sees the imported case of their shop.
		if _, err := d.s.CaseByID(ctx, d.people["shopboss"], first.ID); err != nil {
			t.Errorf("the shop's supervisor: %v", err)
		}
		if _, err := d.s.CaseByID(ctx, d.people["callboss"], first.ID); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
			t.Errorf("the call centre's supervisor opens the shop's imported case: %v", err)
		}
		recordsMatch(t, d)
	})
}

func TestImportStagedOnce(t *testing.T) {
	onDesk(t, func(t *testing.T, d desk) {
		desk := d.people["desk1"]
		_, err := d.s.StageCaseImport(ctx, d.people["admin2"], "x.csv", "00", oldLedger())
		wantCode(t, err, kasuhara.EFORBIDDEN)
		id, err := d.s.StageCaseImport(ctx, desk, "記録簿.csv", strings.Repeat("cd", 32), oldLedger())
		if err != nil {
			t.Fatal(err)
		}
		st, err := d.s.StagedCaseImport(ctx, d.people["legal"], id)
		if err != nil || st.Ledger == nil || len(st.Ledger.Rows) != 3 || st.FileName != "記録簿.csv" {
			t.Fatalf("staged = %+v, %v", st, err)
		}
		_, err = d.s.StagedCaseImport(ctx, d.people["otherdesk"], id)
		wantCode(t, err, kasuhara.ENOTFOUND)
		m := ledgerMapping()
		m.Values = map[string]string{"謎の行為": kasuhara.ImportConsultation}
		in := kasuhara.CaseImportInput{StagedID: id, FileName: st.FileName, SHA256: st.SHA256, Ledger: st.Ledger, Mapping: m}
		res, err := d.s.ImportCases(ctx, desk, d.org.ID, in, false)
		if err != nil || !res.Imported || res.ImportID != id {
			t.Fatalf("import = %+v, %v", res, err)
		}
		// Sent again (a second tap, another desk member): nothing more.
		_, err = d.s.ImportCases(ctx, d.people["desk2"], d.org.ID, in, false)
		wantCode(t, err, kasuhara.ECONFLICT)
		if n := count(t, d.db, "SELECT COUNT(*) FROM cases"); n != 3 {
			t.Fatalf("%d cases after a repeated import, want 3", n)
		}
		// The sheet's contents are not kept once imported.
		st, _ = d.s.StagedCaseImport(ctx, desk, id)
		if st.Ledger != nil || st.ImportedAt.IsZero() || st.Cases != 3 {
			t.Errorf("after the import the upload = %+v", st)
		}

		// Saved mappings, per organisation, replaced by name.
		if err := d.s.SaveImportMapping(ctx, desk, "本社の記録簿", m); err != nil {
			t.Fatal(err)
		}
		m.Columns["location"] = "店舗"
		if err := d.s.SaveImportMapping(ctx, d.people["legal"], "本社の記録簿", m); err != nil {
			t.Fatal(err)
		}
		wantField(t, d.s.SaveImportMapping(ctx, desk, " ", m), "mapping_name")
		wantCode(t, d.s.SaveImportMapping(ctx, d.people["admin2"], "x", m), kasuhara.EFORBIDDEN)
		ms, err := d.s.ImportMappings(ctx, desk, d.org.ID)
		if err != nil || len(ms) != 1 || ms[0].Mapping.Columns["location"] != "店舗" || ms[0].Mapping.Values["謎の行為"] != kasuhara.ImportConsultation {
			t.Fatalf("mappings = %+v, %v", ms, err)
		}
		if other, err := d.s.ImportMappings(ctx, d.people["otherdesk"], d.other.ID); err != nil || len(other) != 0 {
			t.Errorf("another company sees %+v, %v", other, err)
		}
	})
}

// TestImportCasesConcurrently: two desk members on two servers (two pools
// on one database) import the same file at the same moment, as a file
// given on the command line and as the same upload. One import creates the
// cases; the other is the documented refusal (ECONFLICT, "imported
// already"), never a second set of cases nor an internal error.
func TestImportCasesConcurrently(t *testing.T) {
	testdb.Each(t, func(t *testing.T, e sqldb.Engine) {
		open := testdb.Reopenable(t, e)
		d := setupDesk(t, open())
		servers := []*store.Store{d.s, newStore(t, open())}
		m := ledgerMapping()
		m.Values = map[string]string{"謎の行為": kasuhara.ImportConsultation}
		for round := range 4 {
			staged := round%2 == 1
			hash := strings.Repeat(fmt.Sprintf("%02x", round), 32)
			in := kasuhara.CaseImportInput{FileName: "記録簿.xlsx", SHA256: hash, Ledger: oldLedger(), Mapping: m}
			if staged {
				id, err := d.s.StageCaseImport(ctx, d.people["desk1"], in.FileName, hash, oldLedger())
				if err != nil {
					t.Fatal(err)
				}
				in.StagedID = id
			}
			before := count(t, d.db, "SELECT COUNT(*) FROM cases")
			start := make(chan struct{})
			errs := make([]error, 2)
			var wg sync.WaitGroup
			for i, who := range []string{"desk1", "desk2"} {
				wg.Go(func() {
					<-start
					_, errs[i] = servers[i].ImportCases(ctx, d.people[who], d.org.ID, in, false)
				})
			}
			close(start)
			wg.Wait()
			ok, refused := 0, 0
			for _, err := range errs {
				switch kasuhara.ErrorCode(err) {
				case "":
					ok++
				case kasuhara.ECONFLICT:
					refused++
				default:
					t.Errorf("round %d (staged %v): %v", round, staged, err)
				}
			}
			if ok != 1 || refused != 1 {
				t.Errorf("round %d (staged %v): %d imports, %d refusals (%v); want 1 and 1", round, staged, ok, refused, errs)
			}
			if n := count(t, d.db, "SELECT COUNT(*) FROM cases") - before; n != 3 {
				t.Errorf("round %d (staged %v): %d cases created, want 3", round, staged, n)
			}
			if n := count(t, d.db, "SELECT COUNT(*) FROM case_imports WHERE sha256 = $1 AND imported_at IS NOT NULL", hash); n != 1 {
				t.Errorf("round %d (staged %v): the file is recorded imported %d times", round, staged, n)
			}
		}
	})
}
