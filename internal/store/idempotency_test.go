package store_test

import (
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/sqldb"
	"github.com/kasuhara/kasuhara/internal/store"
	"github.com/kasuhara/kasuhara/internal/testdb"
)

func TestIdempotencyKeys(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		now := time.Date(2026, 12, 6, 5, 0, 0, 0, time.UTC)
		s := store.New(db)
		s.Now = func() time.Time { return now }

		got, done, err := s.BeginIdempotent(ctx, "user:a", "k1", "d1")
		if err != nil || done || got != "" {
			t.Fatalf("first claim = %q, %v, %v", got, done, err)
		}
		if err := s.FinishIdempotent(ctx, "user:a", "k1", "case-1"); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			scope, key string
			want       bool
		}{{"user:a", "k1", true}, {"user:b", "k1", false}, {"user:a", "k0", false}} {
			if got, err := s.IdempotentFinished(ctx, c.scope, c.key); err != nil || got != c.want {
				t.Errorf("IdempotentFinished(%s, %s) = %v, %v; want %v", c.scope, c.key, got, err, c.want)
			}
		}
		got, done, err = s.BeginIdempotent(ctx, "user:a", "k1", "d1")
		if err != nil || !done || got != "case-1" {
			t.Errorf("repeat = %q, %v, %v; want case-1", got, done, err)
		}
		// Another body with the same key names the field.
		_, _, err = s.BeginIdempotent(ctx, "user:a", "k1", "d2")
		wantField(t, err, "idempotency_key")
		// Another scope does not see the key.
		if _, done, err := s.BeginIdempotent(ctx, "user:b", "k1", "d2"); err != nil || done {
			t.Errorf("another user's claim = %v, %v", done, err)
		}
		// A failed request lets its key go.
		if _, _, err := s.BeginIdempotent(ctx, "user:a", "k2", "d1"); err != nil {
			t.Fatal(err)
		}
		if got, err := s.IdempotentFinished(ctx, "user:a", "k2"); err != nil || got {
			t.Errorf("a key claimed, not finished, is finished: %v, %v", got, err)
		}
		if err := s.AbandonIdempotent(ctx, "user:a", "k2"); err != nil {
			t.Fatal(err)
		}
		if _, done, err := s.BeginIdempotent(ctx, "user:a", "k2", "d9"); err != nil || done {
			t.Errorf("claim after abandon = %v, %v", done, err)
		}
		// A day later the key is forgotten.
		now = now.Add(kasuhara.IdempotencyTTL + time.Minute)
		if got, err := s.IdempotentFinished(ctx, "user:a", "k1"); err != nil || got {
			t.Errorf("a key a day old is finished: %v, %v", got, err)
		}
		if _, done, err := s.BeginIdempotent(ctx, "user:a", "k1", "d2"); err != nil || done {
			t.Errorf("claim a day later = %v, %v", done, err)
		}
		// Only the key's digest is stored.
		var n int
		if err := db.Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM idempotency_keys WHERE key_hash = 'k1'").Scan(&n); err != nil || n != 0 {
			t.Errorf("raw key stored: %d, %v", n, err)
		}
	})
}

// The anonymous receipt is shown once after filing (issue 18): the page
// takes the sealed receipt kept with the form's key and leaves a marker, so
// that a second view, or a repeat of the form, no longer gets it.
func TestTakeIdempotentResult(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		now := time.Date(2026, 12, 6, 5, 0, 0, 0, time.UTC)
		s := store.New(db)
		s.Now = func() time.Time { return now }
		if _, ok, err := s.TakeIdempotentResult(ctx, "anon:o", "k1", "shown"); err != nil || ok {
			t.Fatalf("take of an unknown key = %v, %v", ok, err)
		}
		if _, _, err := s.BeginIdempotent(ctx, "anon:o", "k1", "d1"); err != nil {
			t.Fatal(err)
		}
		if _, ok, err := s.TakeIdempotentResult(ctx, "anon:o", "k1", "shown"); err != nil || ok {
			t.Errorf("take of an unfinished key = %v, %v", ok, err)
		}
		if err := s.FinishIdempotent(ctx, "anon:o", "k1", "sealed"); err != nil {
			t.Fatal(err)
		}
		if _, ok, _ := s.TakeIdempotentResult(ctx, "anon:other", "k1", "shown"); ok {
			t.Errorf("another scope took the result")
		}
		got, ok, err := s.TakeIdempotentResult(ctx, "anon:o", "k1", "shown")
		if err != nil || !ok || got != "sealed" {
			t.Fatalf("take = %q, %v, %v; want sealed", got, ok, err)
		}
		if got, ok, err := s.TakeIdempotentResult(ctx, "anon:o", "k1", "shown"); err != nil || ok || got != "" {
			t.Errorf("second take = %q, %v, %v; want nothing", got, ok, err)
		}
		// A repeat of the request answers the marker, and files nothing.
		if got, done, err := s.BeginIdempotent(ctx, "anon:o", "k1", "d1"); err != nil || !done || got != "shown" {
			t.Errorf("repeat after the take = %q, %v, %v", got, done, err)
		}
		if _, _, err := s.TakeIdempotentResult(ctx, "anon:o", "k1", ""); err == nil {
			t.Errorf("an empty replacement was taken")
		}
		// A forgotten key gives nothing.
		if _, _, err := s.BeginIdempotent(ctx, "anon:o", "k2", "d1"); err != nil {
			t.Fatal(err)
		}
		if err := s.FinishIdempotent(ctx, "anon:o", "k2", "sealed2"); err != nil {
			t.Fatal(err)
		}
		now = now.Add(kasuhara.IdempotencyTTL + time.Minute)
		if _, ok, _ := s.TakeIdempotentResult(ctx, "anon:o", "k2", "shown"); ok {
			t.Errorf("a key older than a day was taken")
		}
	})
}
