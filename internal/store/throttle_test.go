package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara/internal/sqldb"
	"github.com/kasuhara/kasuhara/internal/store"
	"github.com/kasuhara/kasuhara/internal/testclock"
	"github.com/kasuhara/kasuhara/internal/testdb"
	"github.com/kasuhara/kasuhara/internal/throttle"
)

// openTwice opens one fresh migrated database twice, as two servers do:
// two pools on one PostgreSQL database, or two handles on one SQLite file.
func openTwice(t *testing.T, e sqldb.Engine) (*sqldb.DB, *sqldb.DB) {
	t.Helper()
	open := testdb.Reopenable(t, e)
	return open(), open()
}

// TestSharedThrottles (issue 24): the limiters kept in the database behave
// as the in-process ones (throttle.TestLimiter's script), and two servers
// on one database count the same failures: failures spread over both block
// as on one; another key and another limiter are untouched; the rows hold
// an HMAC, never the key.
func TestSharedThrottles(t *testing.T) {
	testdb.Each(t, func(t *testing.T, e sqldb.Engine) {
		db1, db2 := openTwice(t, e)
		clk := testclock.New(time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC))
		secret := []byte("0123456789abcdef0123456789abcdef")
		var servers [2]throttle.Counter
		var other throttle.Counter
		for i, db := range []*sqldb.DB{db1, db2} {
			s := store.New(db)
			s.Now = clk.Now
			th, err := s.Throttles(secret)
			if err != nil {
				t.Fatal(err)
			}
			servers[i] = th.Counter("login-pair", 5, 15*time.Minute)
			other = th.Counter("receipt", 5, 15*time.Minute)
		}
		ctx := context.Background()
		blocked := func(c throttle.Counter, key string) (bool, time.Duration) {
			t.Helper()
			b, d, err := c.Blocked(ctx, key)
			if err != nil {
				t.Fatal(err)
			}
			return b, d
		}
		key := "pair:clerk@example.jp|203.0.113.9"
		for i := range 5 {
			if b, _ := blocked(servers[(i+1)%2], key); b {
				t.Fatalf("blocked after %d failures", i)
			}
			if err := servers[i%2].Fail(ctx, key); err != nil {
				t.Fatal(err)
			}
			clk.Advance(time.Minute)
		}
		for i, c := range servers {
			if b, wait := blocked(c, key); !b || wait != 10*time.Minute {
				t.Fatalf("server %d after 5 failures on both: blocked=%v wait=%v, want true 10m", i+1, b, wait)
			}
		}
		if b, _ := blocked(servers[0], "pair:other@example.jp|203.0.113.9"); b {
			t.Fatal("another key is blocked")
		}
		if b, _ := blocked(other, key); b {
			t.Fatal("another limiter with the same key is blocked")
		}
		clk.Advance(10 * time.Minute)
		if b, _ := blocked(servers[1], key); b {
			t.Fatal("still blocked after the oldest failure left the window")
		}
		if err := servers[1].Fail(ctx, key); err != nil {
			t.Fatal(err)
		}
		if b, _ := blocked(servers[0], key); !b {
			t.Fatal("not blocked again at 5 failures within the window")
		}
		if err := servers[0].Reset(ctx, key); err != nil {
			t.Fatal(err)
		}
		if b, _ := blocked(servers[1], key); b {
			t.Fatal("blocked after a reset on the other server")
		}

		// The slow-down: free failures, then a second after the last,
		// doubling up to the most.
		slow := key + "|slow"
		for i := range 12 {
			if err := servers[i%2].Fail(ctx, slow); err != nil {
				t.Fatal(err)
			}
		}
		for _, c := range servers {
			d, err := c.Delay(ctx, slow, 10, time.Minute)
			if err != nil || d != 4*time.Second {
				t.Fatalf("delay after 12 failures (10 free) = %v, %v; want 4s", d, err)
			}
		}
		if d, _ := servers[0].Delay(ctx, "nobody", 10, time.Minute); d != 0 {
			t.Fatalf("delay of a key without failures = %v", d)
		}

		// Nothing of the key is stored, and rows out of the window are
		// swept by a later failure.
		for _, h := range testdb.Strings(t, db1, "SELECT key_hash FROM throttle_failures") {
			if strings.Contains(h, "example.jp") || strings.Contains(h, "203.0.113") {
				t.Fatalf("a throttle row holds the key: %q", h)
			}
		}
		clk.Advance(time.Hour)
		if err := servers[0].Fail(ctx, "late"); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := db2.Read.QueryRow("SELECT COUNT(*) FROM throttle_failures WHERE limiter = 'login-pair'").Scan(&n); err != nil || n != 1 {
			t.Fatalf("%d rows after the sweep (%v), want only the last failure", n, err)
		}
	})
}

// TestSharedKnown: a pair remembered by one server is known to the other,
// for its time to live only.
func TestSharedKnown(t *testing.T) {
	testdb.Each(t, func(t *testing.T, e sqldb.Engine) {
		db1, db2 := openTwice(t, e)
		clk := testclock.New(time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC))
		var known [2]throttle.Remembered
		for i, db := range []*sqldb.DB{db1, db2} {
			s := store.New(db)
			s.Now = clk.Now
			th, err := s.Throttles(make([]byte, 32))
			if err != nil {
				t.Fatal(err)
			}
			known[i] = th.Known("login-known", 30*24*time.Hour)
		}
		ctx := context.Background()
		has := func(r throttle.Remembered, key string) bool {
			t.Helper()
			ok, err := r.Has(ctx, key)
			if err != nil {
				t.Fatal(err)
			}
			return ok
		}
		if err := known[0].Add(ctx, "pair:a|1"); err != nil {
			t.Fatal(err)
		}
		if !has(known[1], "pair:a|1") || has(known[1], "pair:b|1") {
			t.Fatal("the other server does not know the pair, or knows another")
		}
		clk.Advance(29 * 24 * time.Hour)
		if err := known[1].Add(ctx, "pair:a|1"); err != nil { // signed in again: kept longer
			t.Fatal(err)
		}
		clk.Advance(2 * 24 * time.Hour)
		if !has(known[0], "pair:a|1") {
			t.Fatal("forgotten although renewed")
		}
		clk.Advance(29 * 24 * time.Hour)
		if has(known[0], "pair:a|1") {
			t.Fatal("known after its time to live")
		}
	})
}

// TestThrottleSweep: Sweep deletes what left its window, without waiting
// for a new failure, and keeps what is still in it.
func TestThrottleSweep(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		clk := testclock.New(time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC))
		s := store.New(db)
		s.Now = clk.Now
		th, err := s.Throttles(make([]byte, 32))
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		short, long := th.Counter("short", 5, time.Minute), th.Counter("long", 5, time.Hour)
		known := th.Known("known", 24*time.Hour)
		for _, k := range []string{"a", "b"} {
			if err := errors.Join(short.Fail(ctx, k), long.Fail(ctx, k), known.Add(ctx, k)); err != nil {
				t.Fatal(err)
			}
		}
		rows := func(table string) (n int) {
			t.Helper()
			if err := db.Read.QueryRow("SELECT COUNT(*) FROM " + table).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		for _, step := range []struct {
			after          time.Duration
			deleted        int64
			failures, kept int
		}{
			{30 * time.Second, 0, 4, 2},
			{time.Minute, 2, 2, 2}, // the short window's
			{time.Hour, 2, 0, 2},   // the long one's
			{24 * time.Hour, 2, 0, 0},
		} {
			clk.Advance(step.after)
			n, err := th.Sweep(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if n != step.deleted || rows("throttle_failures") != step.failures || rows("throttle_known") != step.kept {
				t.Fatalf("after %v more: swept %d, %d failures and %d known left; want %d, %d, %d",
					step.after, n, rows("throttle_failures"), rows("throttle_known"), step.deleted, step.failures, step.kept)
			}
		}
	})
}

func TestThrottlesRefuseShortKey(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		if _, err := store.New(db).Throttles([]byte("short")); err == nil {
			t.Fatal("a 5-byte key was taken")
		}
	})
}

// BenchmarkThrottleFail measures what a failure and the check before it
// cost in the database, against the in-process limiter (issue 24: the cost
// of sharing the throttles on one server).
func BenchmarkThrottleFail(b *testing.B) {
	for _, e := range testdb.Engines {
		b.Run(string(e), func(b *testing.B) {
			db := testdb.Open(b, e)
			th, err := store.New(db).Throttles(make([]byte, 32))
			if err != nil {
				b.Fatal(err)
			}
			c := th.Counter("bench", 5, 15*time.Minute)
			benchCounter(b, c)
		})
	}
	b.Run("in-process", func(b *testing.B) {
		benchCounter(b, throttle.InProcess{}.Counter("bench", 5, 15*time.Minute))
	})
}

func benchCounter(b *testing.B, c throttle.Counter) {
	ctx := context.Background()
	i := 0
	for b.Loop() {
		key := "client:" + string(rune('a'+i%26))
		i++
		if _, _, err := c.Blocked(ctx, key); err != nil {
			b.Fatal(err)
		}
		if err := c.Fail(ctx, key); err != nil {
			b.Fatal(err)
		}
	}
}
