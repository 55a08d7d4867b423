package kasuhara

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// ComplianceStatus is where an organisation stands on one measure the law
// asks of it. Every status is computed from the organisation's data,
// except ComplianceNA, which an administrator sets with a reason.
type ComplianceStatus string

// The statuses of a measure, from best to worst; ComplianceNA is outside
// the order.
const (
	ComplianceMet    ComplianceStatus = "met"
	CompliancePartly ComplianceStatus = "partly"
	ComplianceNotMet ComplianceStatus = "not_met"
	ComplianceNA     ComplianceStatus = "not_applicable"
)

// The measures of the guideline (指針) under Art. 33 of the Labor Policy
// Comprehensive Promotion Act and of Tokyo's ordinance, in the order the
// compliance page shows them. docs/compliance.md maps each to its clause.
const (
	MeasurePolicy         = "policy"          // the basic policy published and made known (guideline 1)
	MeasureTraining       = "training"        // workers and managers trained (guideline 1)
	MeasureDesk           = "desk"            // a consultation desk with named staff and published contacts (guideline 2)
	MeasureManual         = "manual"          // the desk's written manual, dated (guideline 2; Tokyo)
	MeasureDeskTraining   = "desk_training"   // desk staff trained (guideline 2)
	MeasureResponse       = "response"        // prompt response within the clocks (guideline 3)
	MeasureCare           = "care"            // care for the harmed worker (guideline 3; Tokyo)
	MeasureRecurrence     = "recurrence"      // recurrence prevention after a case (guideline 3)
	MeasureDeterrence     = "deterrence"      // measures, letters, referrals to police and lawyers (guideline 4)
	MeasurePrivacy        = "privacy"         // need-to-know and audited reads (guideline 5)
	MeasureAuditChain     = "audit_chain"     // the audit trail verified (guideline 5: the record can be trusted)
	MeasureNonRetaliation = "non_retaliation" // no disadvantageous treatment, stated and acknowledged (Art. 33(2))
	MeasureCheckins       = "checkins"        // retaliation check-ins asked and answered (Art. 33(2))
	MeasureCooperation    = "cooperation"     // requests of other employers answered (Art. 33(3))
)

// ComplianceMeasures lists the measures in the order shown.
var ComplianceMeasures = []string{MeasurePolicy, MeasureTraining, MeasureDesk, MeasureManual, MeasureDeskTraining,
	MeasureResponse, MeasureCare, MeasureRecurrence, MeasureDeterrence, MeasurePrivacy, MeasureAuditChain,
	MeasureNonRetaliation, MeasureCheckins, MeasureCooperation}

// ComplianceWindow is how far back the figures of a response are counted.
const ComplianceWindow = 12 // months

// AuditVerifyFresh is how old the last verification of the audit trail
// may be for the audit chain to count as met.
const AuditVerifyFresh = 90 * 24 * time.Hour

// MaxNAReason is the longest reason of a measure set not applicable.
const MaxNAReason = 500

// ComplianceFact is one piece of evidence of a measure. Key names it
// (the label "compliance.fact.KEY" of the catalogue); the value is
// whichever of the fields is set: a count (Count, of Of when Of is not
// nil: "12 / 15"), a date, minutes, or a text such as a title.
type ComplianceFact struct {
	Key     string
	Count   *StatCell  `json:",omitempty"`
	Of      *StatCell  `json:",omitempty"`
	Date    time.Time  `json:",omitzero"`
	Minutes *Durations `json:",omitempty"`
	Text    string     `json:",omitempty"`
	// TextEn is Text in English, when it has its own (a course's title).
	TextEn string `json:",omitempty"`
	// Version is the version number of a document.
	Version int `json:",omitempty"`
	// Link is the screen that holds the evidence, such as /admin/policies.
	Link string `json:",omitempty"`
}

// ComplianceGap is one thing missing for a measure to be met. Key names
// it ("compliance.missing.KEY"); Names are the people concerned, only for
// those who may see them by name (access.ViewAcknowledged), else nil.
type ComplianceGap struct {
	Key   string
	Names []string `json:",omitempty"`
	// Count is how many people or cases the gap concerns, 0 when it is
	// not a count.
	Count int `json:",omitempty"`
}

// ComplianceRow is an organisation's standing on one measure.
type ComplianceRow struct {
	Measure  string
	Status   ComplianceStatus
	Evidence []ComplianceFact
	Missing  []ComplianceGap
	// NAReason, NABy and NAAt are the administrator's reason when the
	// measure is not applicable (Status ComplianceNA).
	NAReason string    `json:",omitempty"`
	NAAt     time.Time `json:",omitzero"`
}

// OrgCompliance is one organisation's measures, or a group's roll-up
// (OrgID "" and each measure's status the combination of the
// organisations', see RollUp).
type OrgCompliance struct {
	OrgID   string
	OrgSlug string
	OrgName string
	Rows    []ComplianceRow
}

// Row is the row of measure m, or nil.
func (o *OrgCompliance) Row(m string) *ComplianceRow {
	for i := range o.Rows {
		if o.Rows[i].Measure == m {
			return &o.Rows[i]
		}
	}
	return nil
}

// Compliance is the compliance of the actor's organisation and, for a
// parent, of each subsidiary and the group.
type Compliance struct {
	// At is when the figures were computed; Since the start of the
	// window of the response figures.
	At    time.Time
	Since time.Time
	Orgs  []OrgCompliance
	Group *OrgCompliance // nil for a single organisation
	// AuditSeq and AuditHash are the head of the audit chain when the
	// figures were computed.
	AuditSeq  int64
	AuditHash string
	// AuditVerifiedAt is when `kasuhara audit verify` last found the
	// trail intact; zero if never.
	AuditVerifiedAt time.Time
}

// RollUp combines the statuses of a measure over the organisations of a
// group: met when every organisation meets it, not met when none does
// even partly, partly otherwise. Organisations where it does not apply
// are left out; when it applies to none, it is not applicable.
func RollUp(statuses []ComplianceStatus) ComplianceStatus {
	met, not, n := 0, 0, 0
	for _, s := range statuses {
		switch s {
		case ComplianceNA:
			continue
		case ComplianceMet:
			met++
		case ComplianceNotMet:
			not++
		}
		n++
	}
	switch {
	case n == 0:
		return ComplianceNA
	case met == n:
		return ComplianceMet
	case not == n:
		return ComplianceNotMet
	}
	return CompliancePartly
}

// ValidComplianceMeasure reports whether m is one of ComplianceMeasures.
func ValidComplianceMeasure(m string) bool { return slices.Contains(ComplianceMeasures, m) }

// ValidateNAReason checks the reason of a measure set not applicable: on
// the field "reason", required, at most MaxNAReason characters.
func ValidateNAReason(reason string) error {
	reason = strings.TrimSpace(reason)
	switch {
	case reason == "":
		return InvalidField("reason", FieldRequired)
	case utf8.RuneCountInString(reason) > MaxNAReason:
		return InvalidField("reason", FieldTooLong)
	}
	return nil
}

// ComplianceService computes the organisation's standing on the measures
// of the law (view_compliance: legal, analyst, admin; EFORBIDDEN for the
// other roles) and keeps the administrator's "not applicable" choices.
type ComplianceService interface {
	// Compliance is the actor's organisation and, for a parent, each
	// subsidiary and the group. Names of the people missing are given to
	// those who may see who acknowledged (view_acknowledged: legal and
	// admin), never to the analyst; figures of cases under MinShown are
	// suppressed. orgSlug narrows a group to one of its organisations
	// (EINVALID on the field "org" for one out of reach).
	Compliance(ctx context.Context, actor Actor, orgSlug string) (*Compliance, error)
	// SetNotApplicable marks a measure of the actor's organisation not
	// applicable with reason, or, with an empty reason, applicable again
	// (manage_settings: the admin). Audited. EINVALID on "measure" or
	// "reason".
	SetNotApplicable(ctx context.Context, actor Actor, measure, reason string) error
	// RecordAuditVerification records that the audit trail was verified
	// now, with how many entries, and whether it was intact: the
	// compliance page shows the last one (kasuhara audit verify).
	RecordAuditVerification(ctx context.Context, entries int64, intact bool) error
}
