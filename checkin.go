package kasuhara

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Checkin is a question to a named reporter, some days after their report
// (OrgSettings.CheckinDays), whether they have been treated
// disadvantageously (不利益な取扱い) since they reported. A "yes" raises a
// retaliation alarm for legal, as FlagRetaliation does; the answers count
// on the compliance page. Anonymous reporters are not asked: there is no
// one to ask (they can write to the desk with their receipt).
type Checkin struct {
	ID      string
	CaseID  string
	CaseRef string
	// Day is how many days after the report the question was asked.
	Day     int
	AskedAt time.Time
	// AnsweredAt is zero while the question waits for its answer.
	AnsweredAt time.Time
	Answer     string // "" while unanswered, CheckinNo or CheckinYes
	// FlagID is the retaliation alarm a "yes" raised.
	FlagID string
}

// The answers to a check-in.
const (
	CheckinNo  = "no"
	CheckinYes = "yes"
)

// CheckinCounts are the figures of the check-ins of an organisation since
// a moment: questions asked, answered, answered yes.
type CheckinCounts struct {
	Asked, Answered, Yes int
}

// DefaultCheckinDays are the days after a report on which its reporter is
// asked: a month and three months.
var DefaultCheckinDays = []int{30, 90}

// MaxCheckinDays is how many check-ins a report may have; each day is
// from 1 to MaxCheckinDay.
const (
	MaxCheckinDays = 4
	MaxCheckinDay  = 730
)

// ParseCheckinDays reads days written as "30, 90" (full-width digits and
// commas too). Empty is none: no check-ins. The days come back sorted;
// a repeated day, a day out of range or more than MaxCheckinDays days is
// a FieldError on the field "checkin_days".
func ParseCheckinDays(s string) ([]int, error) {
	s = strings.Map(func(r rune) rune {
		switch {
		case r >= '０' && r <= '９':
			return '0' + (r - '０')
		case r == '，' || r == '、' || r == ' ' || r == '　':
			return ','
		}
		return r
	}, s)
	var days []int
	for _, part := range strings.Split(s, ",") {
		if part == "" {
			continue
		}
		d, err := strconv.Atoi(part)
		if err != nil {
			return nil, InvalidField("checkin_days", FieldMalformed)
		}
		if d < 1 || d > MaxCheckinDay {
			return nil, Invalid(FieldErrors{"checkin_days": Between(FieldRangeDays, 1, MaxCheckinDay)})
		}
		if slices.Contains(days, d) {
			return nil, InvalidField("checkin_days", FieldDuplicate)
		}
		days = append(days, d)
	}
	if len(days) > MaxCheckinDays {
		return nil, Invalid(FieldErrors{"checkin_days": AtMost(MaxCheckinDays)})
	}
	slices.Sort(days)
	return days, nil
}

// FormatCheckinDays writes days as ParseCheckinDays reads them: "30, 90".
func FormatCheckinDays(days []int) string {
	parts := make([]string, len(days))
	for i, d := range days {
		parts[i] = strconv.Itoa(d)
	}
	return strings.Join(parts, ", ")
}

// CheckinService asks named reporters whether they have been treated
// disadvantageously since they reported.
type CheckinService interface {
	// Checkins lists a case's check-ins, oldest first: for its reporter
	// and legal (who read the retaliation alarms), need-to-know as for the
	// case; the desk and the supervisor are EFORBIDDEN.
	Checkins(ctx context.Context, actor Actor, caseID string) ([]Checkin, error)
	// AnswerCheckin records the reporter's answer to the case's check-in
	// that waits for one (the oldest). A "yes" raises a retaliation alarm
	// with body (a default sentence when empty). Only the reporter
	// answers; a check-in answered already is ECONFLICT, none asked is
	// ENOTFOUND.
	AnswerCheckin(ctx context.Context, actor Actor, caseID, answer, body string) (*Checkin, error)
	// CheckinCounts are the organisation's figures since since: legal,
	// admin and analyst (view_compliance).
	CheckinCounts(ctx context.Context, actor Actor, since time.Time) (CheckinCounts, error)
}
