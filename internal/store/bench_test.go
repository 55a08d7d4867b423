package store_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/sqldb"
	"github.com/kasuhara/kasuhara/internal/testdb"
)

// BenchmarkFileReport is the cost of one named report on SQLite, with
// the audit trail, search index, customer link, clocks and notifications:
// go test ./internal/store -run X -bench FileReport -cpuprofile cpu.out
func BenchmarkFileReport(b *testing.B) {
	db := testdb.Open(b, sqldb.SQLite)
	d := setupDesk(&testing.T{}, db)
	clerk := d.people["clerk"]
	b.ResetTimer()
	for i := range b.N {
		r := report(d.shop.ID, fmt.Sprintf("負荷試験 %d: 30分にわたり「責任者を出せ」と怒鳴り続けた。", i), "insult", "long_contact")
		r.OccurredAt = time.Now().Add(-time.Hour)
		r.Customer = kasuhara.CustomerDetails{Phone: fmt.Sprintf("080-%04d-%04d", i/10000, i%10000)}
		if _, err := d.s.FileReport(ctx, clerk, r); err != nil {
			b.Fatal(err)
		}
	}
}
