package web

import (
	"fmt"
	"testing"
	"time"
)

// TestVerifiedFilesExpireAndStayBounded: a check serves for five minutes,
// not a second more; another hash of the same blob is not covered; a
// forgotten file is checked again; and the memory never holds more than
// verifiedMax files, dropping the oldest first.
func TestVerifiedFilesExpireAndStayBounded(t *testing.T) {
	now := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	v := newVerifiedFiles(func() time.Time { return now })
	if v.recent("b1", "h1") {
		t.Fatal("a file never checked counts as checked")
	}
	v.remember("b1", "h1")
	if !v.recent("b1", "h1") || v.recent("b1", "h2") || v.recent("b2", "h1") {
		t.Fatal("the check covers another file or hash, or not its own")
	}
	now = now.Add(verifiedFor - time.Second)
	if !v.recent("b1", "h1") {
		t.Fatal("a check ran out before five minutes")
	}
	now = now.Add(time.Second)
	if v.recent("b1", "h1") {
		t.Fatal("a check still serves after five minutes")
	}
	v.remember("b1", "h1")
	v.forget("b1", "h1")
	if v.recent("b1", "h1") {
		t.Fatal("a forgotten file still counts as checked")
	}
	v.remember("b1", "h1")
	now = now.Add(-time.Minute) // the clock went back
	if v.recent("b1", "h1") {
		t.Fatal("a check from the future counts")
	}

	for i := range verifiedMax + 10 {
		now = now.Add(time.Millisecond)
		v.remember(fmt.Sprint("blob", i), "h")
	}
	if n := v.size(); n > verifiedMax {
		t.Fatalf("%d files remembered, want at most %d", n, verifiedMax)
	}
	if v.recent("blob0", "h") || !v.recent(fmt.Sprint("blob", verifiedMax+9), "h") {
		t.Fatal("the memory dropped the newest file rather than the oldest")
	}
}
