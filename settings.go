package kasuhara

import (
	"context"
	"slices"
	"time"
)

// OrgSettings are an organisation's own rules for its cases.
type OrgSettings struct {
	OrgID string
	// OrgName is the organisation's name as the product shows it (Org.Name):
	// Settings fills it in, and SaveSettings renames the organisation to it
	// when it is not empty (1–200 characters on one line).
	OrgName string
	// Acknowledge and Feedback are the case clocks, written 1bd (business
	// days), 7d (calendar days) or 48h (hours).
	Acknowledge string
	Feedback    string
	// PublicHolidays counts Japan's public holidays as closed days;
	// YearEndClosure closes December 29 to January 3 too. Saturdays and
	// Sundays are always closed.
	PublicHolidays bool
	YearEndClosure bool
	// ContactLimitMinutes is how long a call or visit may last before the
	// employee may end it, after saying why (15, 30 and 60 are common).
	ContactLimitMinutes int
	// ReviewIncidents within ReviewWindowDays put a customer forward to the
	// desk for review (as does being named by two or more reporters).
	ReviewIncidents  int
	ReviewWindowDays int
	// CheckinDays are the days after a named report on which its reporter
	// is asked whether they have been treated disadvantageously since
	// (Checkin); none asks nothing.
	CheckinDays []int
	// ServiceDuties are the organisation's legal duties to serve (supply of
	// electricity or gas, medical care, public transport and the like), one
	// a line: the proposer of a measure above caution confirms they were
	// considered. Empty when it has none.
	ServiceDuties string
	// Sender is how the organisation signs its letters to customers.
	Sender Sender
	// DateStyle is how its letters and certificates write dates in
	// Japanese: DateStyleWestern (西暦, 2026年12月6日, the default) or
	// DateStyleEra (和暦, 令和8年12月6日). Pages and exports are 西暦.
	DateStyle string
	// WebhookURL receives notifications signed with WebhookSecret.
	WebhookURL    string
	WebhookSecret string
	// AnonymousChannel takes reports without a name (the default); off,
	// the organisation receives named reports only, and receipts already
	// given keep working. AnonymousChosen records that an administrator
	// saved the choice (SetAnonymousChannel); SaveSettings changes neither.
	AnonymousChannel bool
	AnonymousChosen  bool
}

// Sender is the organisation as its letters name it: the legal name (the
// organisation's name when empty), address, representative and the contact
// point the customer may write or call. Each is optional.
type Sender struct {
	LegalName      string
	Address        string
	Representative string // such as 代表取締役 山田 一郎
	Phone          string
	Desk           string // the desk's name, such as お客様相談室
	Hours          string // the desk's hours, such as 平日9時〜17時
}

// Date styles of letters and certificates (OrgSettings.DateStyle).
const (
	DateStyleWestern = "western" // 西暦: 2026年12月6日
	DateStyleEra     = "era"     // 和暦: 令和8年12月6日
)

// DateStyles are the date styles an organisation may choose.
var DateStyles = []string{DateStyleWestern, DateStyleEra}

// MaxSenderText is the longest a field of a Sender may be, in characters.
const MaxSenderText = 200

// DefaultSettings are the settings of an organisation that has saved none.
func DefaultSettings(orgID string) OrgSettings {
	return OrgSettings{OrgID: orgID, Acknowledge: "1bd", Feedback: "7d", PublicHolidays: true, ContactLimitMinutes: 30,
		ReviewIncidents: 3, ReviewWindowDays: 90, CheckinDays: slices.Clone(DefaultCheckinDays), DateStyle: DateStyleWestern,
		AnonymousChannel: true}
}

// SettingsService reads and changes organisation settings.
type SettingsService interface {
	// Settings returns the organisation's settings, or the defaults.
	Settings(ctx context.Context, orgID string) (*OrgSettings, error)
	// SaveSettings validates and stores settings; EINVALID names each
	// wrong field. An empty WebhookSecret keeps the stored one.
	SaveSettings(ctx context.Context, actor Actor, s OrgSettings) error
	// SetAnonymousChannel switches the organisation's anonymous channel on
	// or off and records that the choice was made; audited. The
	// administrator of the organisation (or of its parent) only.
	SetAnonymousChannel(ctx context.Context, actor Actor, orgID string, on bool) error
	// LastBackup is when the installation's newest recorded backup was
	// taken (kasuhara backup, or --mark for one taken with pg_dump); zero
	// when none is recorded.
	LastBackup(ctx context.Context) (time.Time, error)
}
