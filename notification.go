package kasuhara

import (
	"context"
	"time"
)

// Notification is an in-app notice that a case needs someone's attention.
// Like mail and webhooks it carries only the kind of event and the case's
// reference, never its contents.
type Notification struct {
	ID   string
	Type string // case.reported, case.assigned, case.message, case.clock_due, case.overdue, case.state_changed, measure.proposed, …
	// CaseID is the case's id; for a measure.* notification the customer's,
	// for a post.* one the post's.
	CaseID string
	// CaseRef is the case's reference number (a measure's M-… for
	// measure.*).
	CaseRef string
	// Detail says what changed, as a code: the new state, the clock
	// (acknowledge, feedback), the measure's level.
	Detail    string
	Urgent    bool
	CreatedAt time.Time
	ReadAt    time.Time
}

// NotificationGroup is the notifications of one case (or measure, or
// post) shown as one: the latest, and how many there are.
type NotificationGroup struct {
	Latest Notification
	Count  int
	Unread int
	// Earlier are the group's other notifications, newest first (at most
	// NotificationGroupShown of them).
	Earlier []Notification
}

// NotificationsPerPage is how many groups a page of notifications shows;
// NotificationGroupShown how many earlier notifications a group lists.
const (
	NotificationsPerPage   = 20
	NotificationGroupShown = 5
)

// NotificationPage is one page of a person's notifications, grouped.
type NotificationPage struct {
	Groups []NotificationGroup
	Page   int // from 1
	More   bool
}

// UnreadCap is where UnreadCount stops counting; the menu shows "99+" from it.
const UnreadCap = 100

// NotificationService lists a person's in-app notifications.
type NotificationService interface {
	// Notifications lists the user's latest notifications, newest first.
	Notifications(ctx context.Context, userID string, limit int) ([]Notification, error)
	// UnreadCount is the number of unread notifications, counted up to
	// UnreadCap: every page's menu shows it, and a person who never reads
	// them has tens of thousands.
	UnreadCount(ctx context.Context, userID string) (int, error)
	// MarkRead marks all of the user's notifications read.
	MarkRead(ctx context.Context, userID string) error
	// MarkOneRead marks one of the user's notifications read, with the
	// earlier ones of its group (the same case); another user's is left as
	// it is.
	MarkOneRead(ctx context.Context, userID, id string) error
	// NotificationGroups is page (from 1) of the user's notifications,
	// grouped by case, the group with the newest first.
	NotificationGroups(ctx context.Context, userID string, page int) (*NotificationPage, error)
	// MailDigest tells whether the user chose one mail a day instead of a
	// mail per event.
	MailDigest(ctx context.Context, userID string) (bool, error)
	// SetMailDigest records the actor's own choice, audited.
	SetMailDigest(ctx context.Context, actor Actor, on bool) error
}
