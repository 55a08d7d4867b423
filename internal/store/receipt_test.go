package store_test

import (
	"strings"
	"testing"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/credential"
	"github.com/kasuhara/kasuhara/internal/testdb"
)

// TestReceiptsKeptAsDigests (issue 21): a new receipt is kept as a SHA-256
// digest bound to its lookup part, not an argon2id hash; one kept the way of
// an earlier release still opens its case and is kept again as a digest,
// audited, so that the records' check agrees; a wrong secret opens nothing.
func TestReceiptsKeptAsDigests(t *testing.T) {
	onDesk(t, func(t *testing.T, d desk) {
		c, receipt, err := d.s.FileAnonymousReport(ctx, "acme", report(d.shop.ID, "匿名です。「辞めさせろ」と言われた", "threat"))
		if err != nil {
			t.Fatal(err)
		}
		hash := func() string {
			var h string
			if err := d.db.Read.QueryRowContext(ctx, "SELECT receipt_hash FROM cases WHERE id = $1", c.ID).Scan(&h); err != nil {
				t.Fatal(err)
			}
			return h
		}
		lookup, secret, _ := credential.ParseReceipt(receipt)
		if got := hash(); got != credential.ReceiptDigest(lookup, secret) || strings.Contains(got, secret) {
			t.Fatalf("a new receipt is kept as %q", got)
		}

		// As an earlier release kept it.
		old, err := credential.HashPassword(secret, d.s.Params)
		if err != nil {
			t.Fatal(err)
		}
		testdb.Exec(t, d.db, "UPDATE cases SET receipt_hash = '"+old+"' WHERE id = '"+c.ID+"'")
		wrong := receipt[:len(receipt)-1] + map[bool]string{true: "A", false: "B"}[receipt[len(receipt)-1] != 'A']
		_, err = d.s.CaseByReceipt(ctx, wrong)
		wantCode(t, err, kasuhara.ENOTFOUND)
		if hash() != old {
			t.Fatal("a wrong receipt changed the kept hash")
		}
		for range 2 {
			if got, err := d.s.CaseByReceipt(ctx, receipt); err != nil || got.ID != c.ID {
				t.Fatalf("the receipt kept the old way: %v, %v", got, err)
			}
		}
		if got := hash(); got != credential.ReceiptDigest(lookup, secret) {
			t.Fatalf("after a check the receipt is kept as %q", got)
		}
		var rehashed int
		d.db.Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM audit_entries WHERE action = 'case.receipt_rehash' AND object_id = $1", c.ID).Scan(&rehashed)
		if rehashed != 1 {
			t.Errorf("%d rehash entries, want 1", rehashed)
		}
		check, err := d.s.VerifyRecords(ctx)
		if err != nil || len(check.Problems) > 0 {
			t.Fatalf("records after the rehash: %+v, %v", check, err)
		}
		_, err = d.s.CaseByReceipt(ctx, wrong)
		wantCode(t, err, kasuhara.ENOTFOUND)
	})
}
