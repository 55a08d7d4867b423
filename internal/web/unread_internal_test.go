package web

import (
	"testing"

	"github.com/kasuhara/kasuhara"
)

// TestUnreadText: the menu's count is the number up to 99 and "99+" from
// kasuhara.UnreadCap, where UnreadCount stops counting, so a person with
// thousands of unread notifications is not told "100".
func TestUnreadText(t *testing.T) {
	for n, want := range map[int]string{1: "1", 99: "99", kasuhara.UnreadCap: "99+"} {
		if got := (&page{Unread: n}).UnreadText(); got != want {
			t.Errorf("%d unread shows %q, want %q", n, got, want)
		}
	}
	if kasuhara.UnreadCap != 100 {
		t.Errorf("UnreadCap is %d: the menu's 99+ assumes 100", kasuhara.UnreadCap)
	}
}
