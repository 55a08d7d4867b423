package kasuhara

import (
	"context"
	"time"
)

// ReferralKinds are the specialists a case can be handed to.
var ReferralKinds = []string{"police", "lawyer", "counsellor", "other"}

// Referral is a hand-over of a case to the police, a lawyer or another
// specialist, with their reference number (the police report number, the
// counsel's file) and the outcome.
type Referral struct {
	ID           string
	CaseID       string
	Kind         string
	Organisation string
	Contact      string
	Reference    string
	Note         string
	Outcome      string
	ReferredAt   time.Time
	CreatedBy    string
	CreatedAt    time.Time
}

// Specialist is an entry of the organisation's directory of police
// stations, law firms and counsellors.
type Specialist struct {
	ID      string
	OrgID   string
	Kind    string
	Name    string
	Contact string
	Notes   string
}

// ReferralService keeps referrals and the specialists directory. Referrals
// are for desk and legal of the case's organisation (ENOTFOUND for a case
// the actor may not see, EFORBIDDEN below handler level); the directory is
// edited by legal and read by desk and legal.
type ReferralService interface {
	Referrals(ctx context.Context, actor Actor, caseID string) ([]Referral, error)
	AddReferral(ctx context.Context, actor Actor, caseID string, r Referral) (*Referral, error)
	SetReferralOutcome(ctx context.Context, actor Actor, caseID, referralID, outcome string) error
	Specialists(ctx context.Context, actor Actor) ([]Specialist, error)
	AddSpecialist(ctx context.Context, actor Actor, sp Specialist) (*Specialist, error)
	DeleteSpecialist(ctx context.Context, actor Actor, id string) error
	// RecordPackage audits the production of a case's evidence package
	// (desk and legal only: EFORBIDDEN otherwise). The package leaves the
	// employee's care record out unless careReason says why it is included:
	// only legal may include it (EFORBIDDEN otherwise), and the reason is
	// in the audit entry.
	RecordPackage(ctx context.Context, actor Actor, caseID, recipient, careReason string) error
}
