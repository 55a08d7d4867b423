package store_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
)

func TestCustomerRegistryAndMeasures(t *testing.T) {
	onDesk(t, func(t *testing.T, d desk) {
		desk1, desk2, legal, clerk := d.people["desk1"], d.people["desk2"], d.people["legal"], d.people["clerk"]
		file := func(who string, cust kasuhara.CustomerDetails) *kasuhara.Case {
			t.Helper()
			r := report(d.shop.ID, "怒鳴られた", "shouting")
			r.Customer = cust
			c := d.file(t, d.people[who], r)
			return c
		}
		// Three reports of one customer, typed three ways, by two reporters.
		c1 := file("clerk", kasuhara.CustomerDetails{Name: "山田 太郎", Phone: "090-1234-5678"})
		c2 := file("clerk2", kasuhara.CustomerDetails{Name: "ﾔﾏﾀﾞ ﾀﾛｳ", Phone: "+81 90 1234 5678"})
		c3 := file("clerk", kasuhara.CustomerDetails{Phone: "０９０１２３４５６７８", Email: "Taro@Example.JP"})
		file("clerk2", kasuhara.CustomerDetails{Name: "佐藤 花子"})
		file("clerk2", kasuhara.CustomerDetails{})

		all, err := d.s.Customers(ctx, desk1, "")
		if err != nil || len(all) != 2 {
			t.Fatalf("customers = %d, %v; want 2 (one matched across formats, one by name only)", len(all), err)
		}
		found, _ := d.s.Customers(ctx, desk1, "09012345678")
		if len(found) != 1 || found[0].IncidentCount != 3 || found[0].ReporterCount != 2 {
			t.Fatalf("by phone: %+v", found)
		}
		id := found[0].ID
		for _, q := range []string{"山田太郎", "やまだ", "taro@example.jp", "+819012345678"} {
			got, _ := d.s.Customers(ctx, desk1, q)
			if len(got) != 1 || got[0].ID != id {
				t.Errorf("search %q found %d customers", q, len(got))
			}
		}
		c, err := d.s.CustomerByID(ctx, desk1, id)
		if err != nil || len(c.CaseIDs) != 3 || c.Level != kasuhara.LevelNone {
			t.Fatalf("customer = %+v, %v", c, err)
		}
		review, _ := d.s.ForReview(ctx, desk1)
		if len(review) != 1 || review[0].ID != id {
			t.Fatalf("for review = %+v", review)
		}
		// The registry is the desk's and legal's.
		for _, who := range []string{"clerk", "shopboss", "analyst", "admin2"} {
			if _, err := d.s.Customers(ctx, d.people[who], ""); kasuhara.ErrorCode(err) != kasuhara.EFORBIDDEN {
				t.Fatalf("%s lists customers: %v", who, err)
			}
		}
		if _, err := d.s.CustomerByID(ctx, d.people["otherdesk"], id); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
			t.Fatalf("another organisation's desk opens the customer: %v", err)
		}

		// Measures: caution at once; discontinued waits for a second legal person.
		review6m := time.Now().AddDate(0, 6, 0)
		_, err = d.s.ProposeMeasure(ctx, desk1, id, kasuhara.NewMeasure{Checks: testChecks, Level: "nuke", Reason: "", ReviewAt: time.Now().Add(-time.Hour)})
		for _, f := range []string{"level", "reason", "review_at"} {
			wantField(t, err, f)
		}
		_, err = d.s.ProposeMeasure(ctx, desk1, id, kasuhara.NewMeasure{Checks: testChecks, Level: "caution", Reason: "x", ReviewAt: review6m, CaseIDs: []string{"not-a-case"}})
		wantField(t, err, "case_ids")
		m, err := d.s.ProposeMeasure(ctx, desk1, id, kasuhara.NewMeasure{Checks: testChecks, Level: "caution", Reason: "繰り返しの怒鳴り", ReviewAt: review6m, CaseIDs: []string{c1.ID, c2.ID}})
		if err != nil || m.Status != kasuhara.MeasureActive {
			t.Fatalf("caution = %+v, %v", m, err)
		}
		lookup := func() string {
			t.Helper()
			l, err := d.s.LookupCustomer(ctx, clerk, "phone", "090 1234 5678")
			if err != nil {
				t.Fatal(err)
			}
			return l.Status
		}
		if got := lookup(); got != "caution" {
			t.Fatalf("lookup after caution = %q", got)
		}
		disc, err := d.s.ProposeMeasure(ctx, legal, id, kasuhara.NewMeasure{Checks: testChecks, Level: "discontinued", Reason: "警告後も継続", ReviewAt: review6m, CaseIDs: []string{c3.ID}})
		if err != nil || disc.Status != kasuhara.MeasureProposed {
			t.Fatalf("discontinued = %+v, %v", disc, err)
		}
		if got := lookup(); got != "caution" {
			t.Fatalf("a proposal took effect before approval: %q", got)
		}
		_, err = d.s.ApproveMeasure(ctx, legal, id, disc.ID, "")
		wantCode(t, err, kasuhara.EFORBIDDEN) // the proposer
		_, err = d.s.ApproveMeasure(ctx, desk2, id, disc.ID, "")
		wantCode(t, err, kasuhara.EFORBIDDEN) // not legal
		legal2 := addLegal(t, d)
		if m, err := d.s.ApproveMeasure(ctx, legal2, id, disc.ID, ""); err != nil || m.Status != kasuhara.MeasureActive {
			t.Fatalf("approve = %+v, %v", m, err)
		}
		_, err = d.s.ApproveMeasure(ctx, legal2, id, disc.ID, "")
		wantCode(t, err, kasuhara.ECONFLICT)
		if got := lookup(); got != "discontinued" {
			t.Fatalf("lookup after approval = %q", got)
		}
		if err := d.s.RecordResponse(ctx, legal, id, disc.ID, "本人より異議の申し出あり"); err != nil {
			t.Fatal(err)
		}
		// The lookup tells nothing else; an unknown number is "none".
		if l, _ := d.s.LookupCustomer(ctx, clerk, "phone", "03-3581-4321"); l.Status != "none" {
			t.Fatalf("unknown number: %q", l.Status)
		}
		_, err = d.s.LookupCustomer(ctx, clerk, "phone", "not a number")
		wantField(t, err, "phone")
		// Measures expire on their review date.
		d.s.Now = func() time.Time { return review6m.Add(time.Hour) }
		if got := lookup(); got != "none" {
			t.Fatalf("lookup after the review date = %q", got)
		}
		ms, _ := d.s.Measures(ctx, desk1, id)
		if ms[0].Status != kasuhara.MeasureExpired || ms[0].CustomerResponse == "" {
			t.Fatalf("measures after the review date = %+v", ms)
		}
		d.s.Now = time.Now
		// Lifting is recorded too.
		if err := d.s.LiftMeasure(ctx, legal2, id, disc.ID, "和解"); err != nil {
			t.Fatal(err)
		}
		if got := lookup(); got != "caution" {
			t.Fatalf("lookup after lifting = %q", got)
		}
		// The audit trail records lookups without the number.
		es, _ := d.s.AuditEntries(ctx, kasuhara.CLIActor, kasuhara.AuditFilter{OrgID: d.org.ID, Limit: 500})
		lookups := 0
		for _, e := range es {
			if e.Action == "customer.lookup" {
				lookups++
			}
			if strings.Contains(e.Detail, "1234") || strings.Contains(e.Detail, "山田") {
				t.Fatalf("audit detail carries an identifier: %s", e.Detail)
			}
		}
		if lookups < 5 {
			t.Fatalf("%d lookups audited", lookups)
		}
	})
}

// addLegal adds a second legal user, made by another admin than the one
// who made the first: an admin's own two legal users cannot approve each
// other's measures.
func addLegal(t *testing.T, d desk) kasuhara.Actor {
	t.Helper()
	u, err := d.s.CreateUser(ctx, kasuhara.CLIActor, kasuhara.NewUser{Email: "legal2@example.jp", Name: "法務 二郎", Password: "long-enough-pw", OrgID: d.org.ID, Role: kasuhara.RoleLegal})
	if err != nil {
		t.Fatal(err)
	}
	return kasuhara.Actor{UserID: u.ID, OrgID: d.org.ID, Role: kasuhara.RoleLegal}
}

func TestDuplicatesMergeAndSplit(t *testing.T) {
	onDesk(t, func(t *testing.T, d desk) {
		desk1 := d.people["desk1"]
		file := func(cust kasuhara.CustomerDetails) *kasuhara.Case {
			t.Helper()
			r := report(d.shop.ID, "x", "insult")
			r.Customer = cust
			c := d.file(t, d.people["clerk"], r)
			return c
		}
		// Same name, no shared strong identifier: two customers, proposed as duplicates.
		a := file(kasuhara.CustomerDetails{Name: "山田 太郎", Phone: "090-1111-1111"})
		b := file(kasuhara.CustomerDetails{Name: "山田太郎様", Email: "t@example.jp"})
		cs, _ := d.s.Customers(ctx, desk1, "")
		if len(cs) != 2 {
			t.Fatalf("%d customers, want 2 (never merged silently)", len(cs))
		}
		custOf := func(caseID string) string {
			var id string
			d.db.Read.QueryRowContext(ctx, "SELECT customer_id FROM case_customers WHERE case_id = $1", caseID).Scan(&id)
			return id
		}
		ka, kb := custOf(a.ID), custOf(b.ID)
		dups, err := d.s.PossibleDuplicates(ctx, desk1, ka)
		if err != nil || len(dups) != 1 || dups[0].ID != kb {
			t.Fatalf("duplicates = %+v, %v", dups, err)
		}
		wantCode(t, d.s.MergeCustomers(ctx, d.people["clerk"], ka, kb), kasuhara.EFORBIDDEN)
		if err := d.s.MergeCustomers(ctx, desk1, ka, kb); err != nil {
			t.Fatal(err)
		}
		c, _ := d.s.CustomerByID(ctx, desk1, ka)
		if len(c.CaseIDs) != 2 || c.IncidentCount != 2 {
			t.Fatalf("after merge: %+v", c)
		}
		if _, err := d.s.CustomerByID(ctx, desk1, kb); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
			t.Fatal("the merged customer still exists")
		}
		// The e-mail now finds the merged customer.
		if l, _ := d.s.Customers(ctx, desk1, "t@example.jp"); len(l) != 1 || l[0].ID != ka {
			t.Fatalf("search after merge: %+v", l)
		}
		// Split a wrongly linked case off again.
		nc, err := d.s.SplitCase(ctx, desk1, ka, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		if custOf(b.ID) != nc {
			t.Fatal("the split case is not linked to its new customer")
		}
		_, err = d.s.SplitCase(ctx, desk1, ka, b.ID)
		wantField(t, err, "case_ids")
		es, _ := d.s.AuditEntries(ctx, kasuhara.CLIActor, kasuhara.AuditFilter{ObjectType: "customer", ObjectID: ka, Limit: 50})
		var acts []string
		for _, e := range es {
			acts = append(acts, e.Action)
		}
		if !strings.Contains(strings.Join(acts, ","), "customer.merge") || !strings.Contains(strings.Join(acts, ","), "customer.split") {
			t.Fatalf("merge and split not audited: %v", acts)
		}
	})
}

// TestExcludedHandlerSeesNothingOfTheCase is finding 5 of issue 16: a desk
// member excluded from a case must not learn from the customer registry
// what only that case said about the customer (an identifier, an incident,
// a reporter, a date).
func TestExcludedHandlerSeesNothingOfTheCase(t *testing.T) {
	onDesk(t, func(t *testing.T, d desk) {
		desk1, desk2 := d.people["desk1"], d.people["desk2"]
		file := func(who string, cust kasuhara.CustomerDetails, occurred time.Time) *kasuhara.Case {
			t.Helper()
			r := report(d.shop.ID, "怒鳴られた", "shouting")
			r.Customer = cust
			r.OccurredAt = occurred
			c := d.file(t, d.people[who], r)
			return c
		}
		day := time.Now().Add(-48 * time.Hour).UTC().Truncate(time.Second)
		file("clerk", kasuhara.CustomerDetails{Name: "山田 太郎", Phone: "090-1234-5678"}, day.Add(-24*time.Hour))
		secret := file("clerk2", kasuhara.CustomerDetails{Phone: "090-1234-5678", Email: "hidden@example.jp", Account: "K-991"}, day)
		if _, err := d.s.Exclude(ctx, d.people["legal"], secret.ID, desk2.UserID); err != nil {
			t.Fatal(err)
		}
		all, err := d.s.Customers(ctx, desk1, "09012345678")
		if err != nil || len(all) != 1 {
			t.Fatalf("customers = %+v, %v", all, err)
		}
		id := all[0].ID

		full, err := d.s.CustomerByID(ctx, desk1, id)
		if err != nil || full.IncidentCount != 2 || len(full.Identifiers) != 4 {
			t.Fatalf("the handler's view = %+v, %v; want 2 incidents and 4 identifiers", full, err)
		}

		got, err := d.s.CustomerByID(ctx, desk2, id)
		if err != nil {
			t.Fatal(err)
		}
		for _, i := range got.Identifiers {
			if i.Kind == "email" || i.Kind == "account" {
				t.Errorf("the excluded desk member sees %s %q, known only from the case they are excluded from", i.Kind, i.Value)
			}
		}
		if len(got.Identifiers) != 2 {
			t.Errorf("identifiers = %+v, want the name and the phone", got.Identifiers)
		}
		if got.IncidentCount != 1 || got.ReporterCount != 1 || slices.Contains(got.CaseIDs, secret.ID) {
			t.Errorf("the excluded desk member sees %d incidents by %d reporters, cases %v; want 1 by 1 without the excluded case",
				got.IncidentCount, got.ReporterCount, got.CaseIDs)
		}
		if got.LastAt.After(day.Add(-time.Hour)) {
			t.Errorf("the last incident is the excluded case's date %v", got.LastAt)
		}
		for _, q := range []string{"", "09012345678"} {
			list, err := d.s.Customers(ctx, desk2, q)
			if err != nil || len(list) != 1 || list[0].IncidentCount != 1 {
				t.Errorf("list %q for the excluded member = %+v, %v; want the customer with 1 incident", q, list, err)
			}
		}
		// An identifier known only from the excluded case finds nothing.
		for _, q := range []string{"hidden@example.jp", "K-991"} {
			if list, err := d.s.Customers(ctx, desk2, q); err != nil || len(list) != 0 {
				t.Errorf("search %q by the excluded member = %+v, %v; want nothing", q, list, err)
			}
		}

		// A customer known only from the excluded case does not exist for them.
		only := file("clerk2", kasuhara.CustomerDetails{Phone: "03-5555-0000"}, day)
		if _, err := d.s.Exclude(ctx, d.people["legal"], only.ID, desk2.UserID); err != nil {
			t.Fatal(err)
		}
		list, _ := d.s.Customers(ctx, desk1, "0355550000")
		if len(list) != 1 {
			t.Fatalf("the handler finds %d customers by the second phone", len(list))
		}
		if _, err := d.s.CustomerByID(ctx, desk2, list[0].ID); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
			t.Errorf("the excluded member opens a customer known only from their excluded case: %v", err)
		}
		if all, _ := d.s.Customers(ctx, desk2, ""); len(all) != 1 {
			t.Errorf("the excluded member lists %d customers, want 1", len(all))
		}
	})
}
