package kasuhara

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// ReceivedVias are how a consultation taken on behalf reached the person
// who recorded it (issue 25): told in person, on the telephone, or in a
// letter.
var ReceivedVias = []string{"in_person", "phone", "letter"}

// OnBehalf says for whom a supervisor or desk member records a report and
// how it reached them.
type OnBehalf struct {
	// Employee is the employee as the recorder typed them: their e-mail
	// address or their name (never an internal id). Empty when Unnamed.
	Employee string
	// Unnamed: an employee who does not want to be named. The case then has
	// no reporter; the recorder keeps what they typed.
	Unnamed     bool
	ReceivedVia string
}

// Validate checks what can be checked without the directory.
func (o OnBehalf) Validate() FieldErrors {
	f := FieldErrors{}
	if !slices.Contains(ReceivedVias, o.ReceivedVia) {
		f.AddError("received_via", OneOf(ReceivedVias...))
	}
	e := strings.TrimSpace(o.Employee)
	switch {
	case o.Unnamed && e != "":
		f.Add("employee", FieldUnnamedOrNamed)
	case !o.Unnamed && e == "":
		f.Add("employee", FieldRequired)
	case HasNUL(e):
		f.Add("employee", FieldNUL)
	case utf8.RuneCountInString(e) > MaxShortText:
		f.Add("employee", FieldTooLong)
	}
	return f
}

// RecordedReport is a report as the person who took it on behalf of an
// employee typed it: what that person keeps, read-only, whatever the
// employee or the desk does with the case. It holds nothing the desk
// added: no state, notes, assessment, messages or care.
type RecordedReport struct {
	CaseID      string
	Ref         string
	OrgID       string
	EmployeeID  string // "" when Unnamed
	Unnamed     bool
	ReceivedVia string
	Report      Report
	CreatedAt   time.Time
}

// OnBehalfService takes reports on behalf of employees.
//
// A report taken on behalf belongs to the named employee: access to its
// case follows theirs (access.Case with the employee as reporter), never
// the recorder's, who keeps only their RecordedReport.
type OnBehalfService interface {
	// FileOnBehalf opens a case for the employee ob names (by e-mail
	// address or exact name, within the actor's organisation), or for an
	// employee who does not want to be named. EFORBIDDEN for a role other
	// than supervisor, desk and legal; EINVALID naming "employee" when the
	// person is not found (FieldNoMatch), is ambiguous (FieldAmbiguous) or
	// is the actor (FieldSelf), and every report field. The employee is
	// notified.
	FileOnBehalf(ctx context.Context, actor Actor, ob OnBehalf, r Report, evidence ...Evidence) (*Case, error)
	// RecordedReports lists the reports the actor took on behalf, newest
	// first (at most limit).
	RecordedReports(ctx context.Context, actor Actor, limit int) ([]RecordedReport, error)
	// RecordedReport returns one report the actor took on behalf, as typed,
	// and audits the read; ENOTFOUND for any other.
	RecordedReport(ctx context.Context, actor Actor, caseID string) (*RecordedReport, error)
	// CorrectReport adds the reporter's correction or addition to their
	// report (the report as recorded stays as it was): the named reporter
	// only; the handlers are told.
	CorrectReport(ctx context.Context, actor Actor, caseID, body string) (*Event, error)
	// Corrections lists the reporter's corrections, oldest first, for
	// whoever reads the report.
	Corrections(ctx context.Context, actor Actor, caseID string) ([]Event, error)
	// DisownReport records the named employee's word that they did not make
	// a report taken on their behalf, with why (body, optional), and alerts
	// legal at once. ECONFLICT when said already; EFORBIDDEN on a report
	// they filed themselves.
	DisownReport(ctx context.Context, actor Actor, caseID, body string) error
}
