package kasuhara

import (
	"context"
	"time"
)

// A calendar feed (issue 25) is a person's deadlines as an iCalendar
// address that Outlook or Google Calendar subscribes to. The address holds
// a secret that only its SHA-256 is kept of; renewing it replaces the
// secret, and the old address stops working at once. What the feed lists
// is decided when it is fetched, with the person's access at that moment:
// a case they can no longer see is gone from it.

// Deadline kinds of a calendar feed.
const (
	DeadlineAcknowledge = "acknowledge" // a new case waits for its acknowledgement
	DeadlineFeedback    = "feedback"    // an open case's answer to its reporter
	DeadlineReview      = "review"      // an active measure's review date
)

// FeedDeadline is one entry of a calendar feed: the kind of deadline, the
// reference (a case's K-…, a measure's M-…), when, and the page. Nothing
// else: a calendar is read on phones and shared screens.
type FeedDeadline struct {
	// UID is stable per deadline (its object and kind), so that a
	// calendar updates an entry when its time moves instead of adding one.
	UID  string
	Kind string
	Ref  string
	At   time.Time
	// Path is the page under --base-url: /cases/ID, /customers/ID#measures.
	Path string
}

// CalendarFeedInfo is what a person's settings show of their feed: when
// its address was made (the address itself is shown only then).
type CalendarFeedInfo struct {
	CreatedAt time.Time
}

// CalendarFeed is the content of a feed when it is fetched.
type CalendarFeed struct {
	UserID    string
	Lang      string // the person's language; "" is Japanese
	Deadlines []FeedDeadline
}

// CalendarFeedWindow is how far back a feed lists a deadline that passed
// (an overdue clock stays visible) and how far ahead it looks.
const (
	CalendarFeedPast   = 30 * 24 * time.Hour
	CalendarFeedFuture = 365 * 24 * time.Hour
)

// CalendarService gives a person a calendar feed of their deadlines.
type CalendarService interface {
	// CalendarFeedInfo is the actor's feed, or nil when they have none.
	CalendarFeedInfo(ctx context.Context, actor Actor) (*CalendarFeedInfo, error)
	// RenewCalendarFeed makes the actor's feed, or replaces its secret, and
	// returns the new secret (shown once); audited. Only a role that reads
	// case contents has deadlines to subscribe to (EFORBIDDEN otherwise).
	RenewCalendarFeed(ctx context.Context, actor Actor) (string, error)
	// StopCalendarFeed ends the actor's feed; audited.
	StopCalendarFeed(ctx context.Context, actor Actor) error
	// CalendarDeadlines is the feed of the secret token: the deadlines its
	// owner may see now. An unknown token, or a disabled owner's, is
	// ENOTFOUND.
	CalendarDeadlines(ctx context.Context, token string) (*CalendarFeed, error)
}
