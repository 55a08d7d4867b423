package store_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/testdb"
)

// TestVerifyRecordsFindsTampering changes records behind the application's
// back (finding 6 of issue 16: the audit chain stayed intact and nothing
// noticed) and expects VerifyRecords to name each changed, deleted or
// added row.
func TestVerifyRecordsFindsTampering(t *testing.T) {
	tamper := []struct {
		name string
		sql  string // $1 is the case, $2 the measure, $3 the employee
		want string // the record named, with %c, %m and %u for the ids
	}{
		{"narrative", "UPDATE cases SET conduct = '何もなかった' WHERE id = $1", "case %c/case %c: differs"},
		{"state", "UPDATE cases SET state = 'closed' WHERE id = $1", "case %c/case %c: differs"},
		{"verdict", "UPDATE cases SET verdict = 'not_harassment' WHERE id = $1", "case %c/case %c: differs"},
		{"reporter", "UPDATE cases SET reporter_id = $3 WHERE id = $1", "case %c/case %c: differs"},
		{"assessment", "UPDATE assessments SET verdict = 'not_harassment' WHERE case_id = $1", "case %c/assessment"},
		{"evidence hash", "UPDATE evidence SET sha256 = '00' WHERE case_id = $1", "case %c/evidence"},
		{"customer link", "DELETE FROM case_customers WHERE case_id = $1", "case %c/customer_link"},
		{"case deleted", "DELETE FROM cases WHERE id = $1", "case %c/case %c: is missing"},
		{"approver", "UPDATE measures SET approved_by = proposed_by WHERE id = $2", "measure %m/measure %m: differs"},
		// Columns added to the tables after their record queries were
		// written (the measure's grounds, how a case was received).
		{"premises", "UPDATE measures SET premises = '別の前提' WHERE id = $2", "measure %m/measure_grounds %m: differs"},
		{"checks", "UPDATE measures SET check_duty = check_duty || '改' WHERE id = $2", "measure %m/measure_grounds %m: differs"},
		{"incidents", "UPDATE measures SET incident_texts = incident_texts || '改' WHERE id = $2", "measure %m/measure_grounds %m: differs"},
		{"letter text", "UPDATE measures SET customer_text = '別の文面' WHERE id = $2", "measure %m/measure_grounds %m: differs"},
		{"disowned", "UPDATE cases SET disowned_at = created_at WHERE id = $1", "case %c/case_intake %c: differs"},
		{"received via", "UPDATE cases SET received_via = 'phone' WHERE id = $1", "case %c/case_intake %c: differs"},
		{"recorded by", "UPDATE cases SET recorded_by = $3 WHERE id = $1", "case %c/case_intake %c: differs"},
		{"held", "UPDATE cases SET held_for_review = TRUE WHERE id = $1", "case %c/case_intake %c: differs"},
		{"membership raised", "UPDATE memberships SET role = 'desk' WHERE user_id = $3", "user %u/membership"},
		{"assessment forged", `INSERT INTO assessments (id, case_id, assessor_id, request, manner, environment_impaired,
			accommodation_request, verdict, rationale, created_at) SELECT 'forged', case_id, assessor_id, request, manner,
			environment_impaired, accommodation_request, 'not_harassment', 'x', created_at FROM assessments WHERE case_id = $1`,
			"case %c/assessment forged: exists but no audited change made it"},
		{"state altered too", "UPDATE record_states SET hash = 'x' WHERE scope = 'case ' || $1 AND kind = 'case'", "case %c: the state recorded with the entry was altered"},
	}
	onDesk(t, func(t *testing.T, d desk) {
		desk1 := d.people["desk1"]
		// One case, evidence record, assessment and measure for each way of
		// tampering, so that each is found on its own.
		type target struct{ c, m string }
		var targets []target
		for range tamper {
			c := d.file(t, d.people["clerk"], report(d.shop.ID, "「土下座しろ」と怒鳴られた", "shouting"))
			if _, err := d.s.AddEvidence(ctx, d.people["clerk"], c.ID, kasuhara.Evidence{BlobID: "b-" + c.ID, Filename: "録音.m4a",
				MediaType: "audio/mp4", Size: 10, SHA256: strings.Repeat("a", 64)}); err != nil {
				t.Fatal(err)
			}
			if _, err := d.s.Assess(ctx, desk1, c.ID, kasuhara.Assessment{Request: "unknown", Manner: "inappropriate",
				MannerReasons: []string{"threat"}, Verdict: "harassment", Rationale: "録音で確認"}); err != nil {
				t.Fatal(err)
			}
			cs, err := d.s.Customers(ctx, desk1, "")
			if err != nil || len(cs) == 0 {
				t.Fatalf("customers = %v, %v", cs, err)
			}
			m, err := d.s.ProposeMeasure(ctx, desk1, cs[0].ID, kasuhara.NewMeasure{Checks: testChecks, Level: "caution", Reason: "繰り返しの怒鳴り",
				ReviewAt: time.Now().AddDate(0, 6, 0), CaseIDs: []string{c.ID}})
			if err != nil {
				t.Fatal(err)
			}
			targets = append(targets, target{c.ID, m.ID})
		}
		check, err := d.s.VerifyRecords(ctx)
		if err != nil || len(check.Problems) > 0 || len(check.Unaudited) > 0 || check.Checked == 0 {
			t.Fatalf("before tampering: %+v, %v", check, err)
		}
		testdb.DisableAuditTriggers(t, d.db)
		employee := d.people["clerk2"].UserID
		for i, tt := range tamper {
			q := strings.NewReplacer("$1", "'"+targets[i].c+"'", "$2", "'"+targets[i].m+"'", "$3", "'"+employee+"'").Replace(tt.sql)
			testdb.Exec(t, d.db, q)
		}
		check, err = d.s.VerifyRecords(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, p := range check.Problems {
			got = append(got, p.Record+": "+p.Reason)
		}
		for i, tt := range tamper {
			want := strings.NewReplacer("%c", targets[i].c, "%m", targets[i].m, "%u", employee).Replace(tt.want)
			if !slices.ContainsFunc(got, func(s string) bool { return strings.HasPrefix(s, want) }) {
				t.Errorf("%s: no problem starts %q", tt.name, want)
			}
		}
		if t.Failed() {
			t.Logf("problems:\n%s", strings.Join(got, "\n"))
		}
		// The chain itself is intact: only the records tell.
		if _, p, err := d.s.VerifyAudit(ctx); p != nil || err != nil {
			t.Fatalf("verify audit: %+v, %v", p, err)
		}
	})
}

// TestBaselineRecords: records written before records were hashed are
// named as not yet audited, not as tampered; a baseline records them.
func TestBaselineRecords(t *testing.T) {
	onDesk(t, func(t *testing.T, d desk) {
		c := d.file(t, d.people["clerk"], report(d.shop.ID, "怒鳴られた", "shouting"))
		// As a database of v0.1.0 has them: entries without record states.
		testdb.DisableAuditTriggers(t, d.db)
		testdb.Exec(t, d.db, "DELETE FROM record_states")
		check, err := d.s.VerifyRecords(ctx)
		if err != nil || len(check.Problems) > 0 || !slices.Contains(check.Unaudited, "case "+c.ID) {
			t.Fatalf("before the baseline: %+v, %v", check, err)
		}
		n, err := d.s.BaselineRecords(ctx, kasuhara.CLIActor)
		if err != nil || n != len(check.Unaudited) {
			t.Fatalf("baseline = %d, %v; want %d", n, err, len(check.Unaudited))
		}
		check, err = d.s.VerifyRecords(ctx)
		if err != nil || len(check.Problems) > 0 || len(check.Unaudited) > 0 {
			t.Fatalf("after the baseline: %+v, %v", check, err)
		}
		es, _ := d.s.AuditEntries(ctx, kasuhara.CLIActor, kasuhara.AuditFilter{ObjectType: "case", ObjectID: c.ID})
		if len(es) == 0 || es[0].Action != "records.baseline" || es[0].RecordHash == "" {
			t.Fatalf("the baseline is not audited: %+v", es)
		}
		if _, p, err := d.s.VerifyAudit(ctx); p != nil || err != nil {
			t.Fatalf("verify audit: %+v, %v", p, err)
		}
	})
}

// TestRecordsAuditedBeforeNewColumns: a release adds columns to a table
// whose records are hashed (a measure's grounds, how a case was received).
// States recorded before are not read as tampered; their older columns are
// still compared; they are named as audited by older columns until a
// baseline or their next audited change records the new ones, which are
// compared from then on. A group that differs from its state is not
// baselined: that would hide the difference.
func TestRecordsAuditedBeforeNewColumns(t *testing.T) {
	onDesk(t, func(t *testing.T, d desk) {
		desk1 := d.people["desk1"]
		c := d.file(t, d.people["clerk"], report(d.shop.ID, "「土下座しろ」と怒鳴られた", "shouting"))
		cs, err := d.s.Customers(ctx, desk1, "")
		if err != nil || len(cs) == 0 {
			t.Fatalf("customers = %v, %v", cs, err)
		}
		var ms []string
		for range 3 {
			m, err := d.s.ProposeMeasure(ctx, desk1, cs[0].ID, kasuhara.NewMeasure{Checks: testChecks, Level: "caution", Reason: "繰り返しの怒鳴り",
				ReviewAt: time.Now().AddDate(0, 6, 0), CaseIDs: []string{c.ID}})
			if err != nil {
				t.Fatal(err)
			}
			ms = append(ms, m.ID)
		}
		// As the release before recorded them.
		for _, g := range [][2]string{{"case", c.ID}, {"measure", ms[0]}, {"measure", ms[1]}, {"measure", ms[2]}} {
			if err := d.s.BaselineAsBefore(ctx, g[0], g[1]); err != nil {
				t.Fatal(err)
			}
		}
		older := []string{"case " + c.ID, "measure " + ms[0], "measure " + ms[1], "measure " + ms[2]}
		slices.Sort(older)
		check, err := d.s.VerifyRecords(ctx)
		if err != nil || len(check.Problems) > 0 {
			t.Fatalf("after the upgrade: %+v, %v", check, err)
		}
		for _, sc := range older {
			if !slices.Contains(check.Older, sc) {
				t.Errorf("%s is not named as audited by older columns: %v", sc, check.Older)
			}
		}
		// The older columns are still compared.
		testdb.DisableAuditTriggers(t, d.db)
		testdb.Exec(t, d.db, "UPDATE measures SET reason = '別の理由' WHERE id = '"+ms[1]+"'")
		check, err = d.s.VerifyRecords(ctx)
		if err != nil || len(check.Problems) != 1 || check.Problems[0].Record != "measure "+ms[1]+"/measure "+ms[1] {
			t.Fatalf("an older column changed: %+v, %v", check, err)
		}
		// The baseline records the new columns of all but the tampered group.
		n, err := d.s.BaselineRecords(ctx, kasuhara.CLIActor)
		if err != nil || n != 3 {
			t.Fatalf("baseline = %d, %v; want 3 (the case and two measures)", n, err)
		}
		check, err = d.s.VerifyRecords(ctx)
		if err != nil || !slices.Equal(check.Older, []string{"measure " + ms[1]}) || len(check.Problems) != 1 {
			t.Fatalf("after the baseline: %+v, %v", check, err)
		}
		// From then on the new columns are compared too.
		testdb.Exec(t, d.db, "UPDATE measures SET premises = '別の前提' WHERE id = '"+ms[0]+"'")
		testdb.Exec(t, d.db, "UPDATE cases SET received_via = 'phone' WHERE id = '"+c.ID+"'")
		check, err = d.s.VerifyRecords(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, p := range check.Problems {
			got = append(got, p.Record+": "+p.Reason)
		}
		slices.Sort(got)
		want := []string{
			"case " + c.ID + "/case_intake " + c.ID + ": differs from its last audited state",
			"measure " + ms[0] + "/measure_grounds " + ms[0] + ": differs from its last audited state",
			"measure " + ms[1] + "/measure " + ms[1] + ": differs from its last audited state",
		}
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if _, p, err := d.s.VerifyAudit(ctx); p != nil || err != nil {
			t.Fatalf("verify audit: %+v, %v", p, err)
		}
	})
}
