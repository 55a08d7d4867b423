package throttle

import (
	"testing"
	"testing/synctest"
	"time"
)

func TestLimiter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := New(5, 15*time.Minute)
		for i := range 5 {
			if b, _ := l.Blocked("a"); b {
				t.Fatalf("blocked after %d failures", i)
			}
			l.Fail("a")
			time.Sleep(time.Minute)
		}
		b, wait := l.Blocked("a")
		if !b || wait != 10*time.Minute {
			t.Fatalf("after 5 failures: blocked=%v wait=%v, want true 10m", b, wait)
		}
		if b, _ := l.Blocked("b"); b {
			t.Fatal("another key is blocked")
		}
		time.Sleep(wait)
		if b, _ := l.Blocked("a"); b {
			t.Fatal("still blocked after the oldest failure left the window")
		}
		l.Fail("a")
		if b, _ := l.Blocked("a"); !b {
			t.Fatal("not blocked again at 5 failures within the window")
		}
		l.Reset("a")
		if b, _ := l.Blocked("a"); b {
			t.Fatal("blocked after reset")
		}
	})
}

func TestLimiterForgetsOldKeys(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := New(3, time.Minute)
		for _, k := range []string{"a", "b", "c"} {
			l.Fail(k)
		}
		time.Sleep(2 * time.Minute)
		l.Fail("d")
		if n := l.Len(); n != 1 {
			t.Fatalf("%d keys kept, want 1", n)
		}
	})
}
