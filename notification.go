package kasuhara

import (
	"context"
	"time"
)

// Notification is an in-app notice that a case needs someone's attention.
// Like mail and webhooks it carries only the kind of event and the case's
// reference, never its contents.
type Notification struct {
	ID        string
	Type      string // case.reported, case.assigned, case.message, case.clock_due, case.overdue, case.state_changed
	CaseID    string
	CaseRef   string
	Urgent    bool
	CreatedAt time.Time
	ReadAt    time.Time
}

// NotificationService lists a person's in-app notifications.
type NotificationService interface {
	// Notifications lists the user's latest notifications, newest first.
	Notifications(ctx context.Context, userID string, limit int) ([]Notification, error)
	// UnreadCount is the number of unread notifications.
	UnreadCount(ctx context.Context, userID string) (int, error)
	// MarkRead marks all of the user's notifications read.
	MarkRead(ctx context.Context, userID string) error
	// MarkOneRead marks one of the user's notifications read; another
	// user's is left as it is.
	MarkOneRead(ctx context.Context, userID, id string) error
}
