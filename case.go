package kasuhara

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Category is one of the policy's five kinds of target conduct.
type Category string

// The five categories (CONTRACT.md).
const (
	CatViolenceAbuse       Category = "violence_abuse"
	CatUnreasonableDemand  Category = "unreasonable_demand"
	CatTimePlaceConstraint Category = "time_place_constraint"
	CatOtherHarassment     Category = "other_harassment"
	CatOnlineDefamation    Category = "online_defamation"
)

// Categories lists the categories in the policy's order.
var Categories = []Category{CatViolenceAbuse, CatUnreasonableDemand, CatTimePlaceConstraint, CatOtherHarassment, CatOnlineDefamation}

// SubtypeCategory maps each subtype to its category (MHLW subtypes).
var SubtypeCategory = map[string]Category{
	"physical_attack": CatViolenceAbuse, "threat": CatViolenceAbuse, "insult": CatViolenceAbuse,
	"shouting": CatViolenceAbuse, "discriminatory": CatViolenceAbuse, "sexual": CatViolenceAbuse,
	"kneeling_demand": CatUnreasonableDemand, "money_demand": CatUnreasonableDemand, "dismissal_demand": CatUnreasonableDemand,
	"out_of_scope_demand": CatUnreasonableDemand, "personal_info_demand": CatUnreasonableDemand,
	"long_contact": CatTimePlaceConstraint, "refusal_to_leave": CatTimePlaceConstraint,
	"repeated_contact": CatTimePlaceConstraint, "summoning": CatTimePlaceConstraint,
	"filming": CatOtherHarassment, "stalking": CatOtherHarassment, "repeated_inquiry": CatOtherHarassment,
	"sns_post": CatOnlineDefamation, "sns_threat": CatOnlineDefamation, "review_bombing": CatOnlineDefamation,
}

// Subtypes lists the subtypes in the contract's order.
var Subtypes = []string{"physical_attack", "threat", "insult", "shouting", "discriminatory", "sexual",
	"kneeling_demand", "money_demand", "dismissal_demand", "out_of_scope_demand", "personal_info_demand",
	"long_contact", "refusal_to_leave", "repeated_contact", "summoning",
	"filming", "stalking", "repeated_inquiry", "sns_post", "sns_threat", "review_bombing"}

// Channels through which the conduct happened.
var Channels = []string{"phone", "in_person", "email", "chat", "letter", "social_media", "visit_outside", "other"}

// CaseState is where a case stands.
type CaseState string

// The states of a case.
const (
	StateNew          CaseState = "new"
	StateAcknowledged CaseState = "acknowledged"
	StateInProgress   CaseState = "in_progress"
	StateResolved     CaseState = "resolved"
	StateClosed       CaseState = "closed"
)

// CaseStates lists the states in order.
var CaseStates = []CaseState{StateNew, StateAcknowledged, StateInProgress, StateResolved, StateClosed}

// transitions are the allowed moves; resolved and closed cases may be
// reopened into in_progress.
var transitions = map[CaseState][]CaseState{
	StateNew:          {StateAcknowledged},
	StateAcknowledged: {StateInProgress},
	StateInProgress:   {StateResolved},
	StateResolved:     {StateClosed, StateInProgress},
	StateClosed:       {StateInProgress},
}

// CanMove reports whether a case may move from one state to another.
func CanMove(from, to CaseState) bool { return slices.Contains(transitions[from], to) }

// NextStates lists where a case in state s may move.
func NextStates(s CaseState) []CaseState { return transitions[s] }

// CustomerDetails are what the reporter knows of the customer; every field
// optional. The registry (Customer) is built from them.
type CustomerDetails struct {
	Name      string `json:"name"`
	NameKana  string `json:"name_kana"`
	Phone     string `json:"phone"`
	Email     string `json:"email"`
	Account   string `json:"account"`
	SNSHandle string `json:"sns_handle"`
}

// Report is what an employee tells about an incident (CONTRACT.md).
type Report struct {
	OccurredAt      time.Time
	DurationMinutes int
	Channel         string
	Location        string
	DepartmentID    string
	Categories      []Category
	Subtypes        []string
	RequestContent  string // what the customer asked for
	Conduct         string // what they said and did, in their own words
	Harm            string
	Wishes          string // what the employee wants the company to do
	DangerOngoing   bool
	Witnesses       string
	Customer        CustomerDetails
	// Consultation marks an inquiry: "I am not sure this is harassment".
	Consultation bool
	// ThreatDetected is set at intake when screening finds a severe threat
	// in the text; it makes the case urgent. It is not stored on its own.
	ThreatDetected bool
	// HeldForReview is set at intake of an anonymous report past the
	// channel's hourly budget (a flood): the report is taken and the
	// reporter gets a receipt, but the desk is not notified of each one; it
	// reviews them in the queue. Never read from a reporter's input.
	HeldForReview bool
}

// Limits of report fields, in characters.
const (
	MaxShortText = 200
	MaxLongText  = 20000
)

// HasNUL reports whether s holds a NUL byte. No text of a case may: SQLite
// would store it and PostgreSQL refuses it, so it is a field error
// (FieldNUL) before anything is written.
func HasNUL(s string) bool { return strings.IndexByte(s, 0) >= 0 }

// Validate checks a report. now bounds occurred_at (not in the future
// beyond a few minutes of clock skew).
func (r *Report) Validate(now time.Time) error {
	f := FieldErrors{}
	switch {
	case r.OccurredAt.IsZero():
		f.Add("occurred_at", FieldRequired)
	case r.OccurredAt.After(now.Add(10 * time.Minute)):
		f.Add("occurred_at", FieldFuture)
	case r.OccurredAt.Before(now.AddDate(-10, 0, 0)):
		f.Add("occurred_at", FieldTooOld)
	}
	if r.DurationMinutes < 0 || r.DurationMinutes > 7*24*60 {
		f.AddError("duration_minutes", Between(FieldRangeMinutes, 0, 7*24*60))
	}
	if !slices.Contains(Channels, r.Channel) {
		f.Add("channel", FieldChannel)
	}
	seen := map[Category]bool{}
	for _, c := range r.Categories {
		if !slices.Contains(Categories, c) {
			f.Add("categories", FieldUnknownCategory)
		}
		if seen[c] {
			f.Add("categories", FieldDuplicate)
		}
		seen[c] = true
	}
	for _, s := range r.Subtypes {
		if _, ok := SubtypeCategory[s]; !ok {
			f.Add("subtypes", FieldUnknownSubtype)
		}
	}
	if len(r.Categories) == 0 && !r.Consultation {
		f.Add("categories", FieldCategoryOrConsult)
	}
	if strings.TrimSpace(r.Conduct) == "" {
		f.Add("conduct", FieldRequired)
	}
	for name, v := range map[string]string{"request_content": r.RequestContent, "conduct": r.Conduct, "harm": r.Harm,
		"wishes": r.Wishes, "witnesses": r.Witnesses} {
		if HasNUL(v) {
			f.Add(name, FieldNUL)
		} else if utf8.RuneCountInString(v) > MaxLongText {
			f.Add(name, FieldTooLong)
		}
	}
	for name, v := range map[string]string{"location": r.Location, "customer.name": r.Customer.Name, "customer.name_kana": r.Customer.NameKana,
		"customer.phone": r.Customer.Phone, "customer.email": r.Customer.Email, "customer.account": r.Customer.Account,
		"customer.sns_handle": r.Customer.SNSHandle} {
		if HasNUL(v) {
			f.Add(name, FieldNUL)
		} else if utf8.RuneCountInString(v) > MaxShortText {
			f.Add(name, FieldTooLong)
		}
	}
	return f.Err()
}

// Normalize adds the categories implied by the subtypes and trims text.
func (r *Report) Normalize() {
	for _, s := range r.Subtypes {
		if c, ok := SubtypeCategory[s]; ok && !slices.Contains(r.Categories, c) {
			r.Categories = append(r.Categories, c)
		}
	}
	slices.SortFunc(r.Categories, func(a, b Category) int { return slices.Index(Categories, a) - slices.Index(Categories, b) })
	r.Categories = slices.Compact(r.Categories)
	slices.SortFunc(r.Subtypes, func(a, b string) int { return slices.Index(Subtypes, a) - slices.Index(Subtypes, b) })
	r.Subtypes = slices.Compact(r.Subtypes)
	for _, p := range []*string{&r.Location, &r.Customer.Name, &r.Customer.NameKana, &r.Customer.Phone, &r.Customer.Email,
		&r.Customer.Account, &r.Customer.SNSHandle} {
		*p = strings.TrimSpace(*p)
	}
	r.OccurredAt = r.OccurredAt.UTC()
}

// Case is the organisation's handling of one report.
type Case struct {
	ID         string
	OrgID      string
	Ref        string // human reference, e.g. K-2026-00042
	ReporterID string // "" for an anonymous report
	Anonymous  bool
	// HideFromSupervisor is the named reporter's wish to stay confidential
	// toward the supervisor of their department.
	HideFromSupervisor bool
	// CareToSupervisor is the named reporter's consent that the supervisor
	// of their department reads the care record and the desk's messages
	// (off by default, revocable).
	CareToSupervisor bool
	// HeldForReview marks an anonymous report taken during a flood (see
	// Report.HeldForReview): the desk reviews it in the queue.
	HeldForReview bool
	// RecordedBy is the supervisor or desk member who took the report on
	// behalf of the employee (ReceivedVia says how it reached them); ""
	// for a report the reporter filed. UnnamedReporter: taken for an
	// employee who does not want to be named (ReporterID is "").
	RecordedBy      string
	ReceivedVia     string
	UnnamedReporter bool
	// DisownedAt is when the named employee said they did not make the
	// report taken on their behalf; zero otherwise.
	DisownedAt time.Time
	// Imported marks a case imported from the organisation's old ledger
	// (CaseImportService); ImportID is its import.
	Imported bool
	ImportID string
	// DepartmentPath is the report's department and the departments above
	// it (store → area → head office), nearest first; the supervisor of
	// any of them supervises the case. Filled when cases are read
	// (CaseService.CaseByID and Cases).
	DepartmentPath []string
	State          CaseState
	Urgent         bool
	Report         Report
	AssigneeID     string
	SecondID       string // the second person: nobody handles a case alone
	Verdict        string // of the latest assessment, "" before one
	AcknowledgeBy  time.Time
	FeedbackBy     time.Time
	AcknowledgedAt time.Time
	ResolvedAt     time.Time
	ClosedAt       time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Overdue reports whether a clock of the case has run out at now.
func (c *Case) Overdue(now time.Time) bool {
	switch c.State {
	case StateNew:
		return now.After(c.AcknowledgeBy)
	case StateAcknowledged, StateInProgress:
		return now.After(c.FeedbackBy)
	}
	return false
}

// NextDeadline is when the case's running clock runs out: AcknowledgeBy
// while new, FeedbackBy while acknowledged or in progress; zero once
// resolved or closed.
func (c *Case) NextDeadline() time.Time {
	switch c.State {
	case StateNew:
		return c.AcknowledgeBy
	case StateAcknowledged, StateInProgress:
		return c.FeedbackBy
	}
	return time.Time{}
}

// Event kinds of the case timeline.
const (
	EventReported   = "reported"
	EventTransition = "transition"
	EventAssignment = "assignment"
	EventNote       = "note"
	EventContact    = "contact"
	EventDecision   = "decision"
	// EventPrevention is a note of what is done so that it does not happen
	// again (再発防止策), counted by the compliance page for closed cases.
	EventPrevention = "prevention"
	EventAssessment = "assessment"
	EventTask       = "task"
	EventCare       = "care"
	EventEvidence   = "evidence"
	EventExclusion  = "exclusion"
	// EventExclusionProposed: a desk member proposed an exclusion that a
	// second person must confirm.
	EventExclusionProposed = "exclusion_proposed"
	EventMessage           = "message"
	EventReferral          = "referral"
	EventPost              = "post"
	// EventCorrection is the reporter's correction of or addition to a
	// report (OnBehalfService.CorrectReport).
	EventCorrection = "correction"
	// EventDisowned: the named employee said they did not make the report
	// taken on their behalf.
	EventDisowned = "disowned"
)

// Event is one entry of a case's timeline.
type Event struct {
	ID      string
	CaseID  string
	At      time.Time
	ActorID string
	Kind    string
	Body    string            // free text: a note, what was said in a contact
	Data    map[string]string // structured facts: from/to state, channel, …
}

// Contact is a conversation with the customer, for the timeline.
type Contact struct {
	At      time.Time
	Channel string
	Summary string // what was said, by whom
}

// Assessment is the MHLW two-axis assessment of a case.
type Assessment struct {
	ID                   string
	CaseID               string
	AssessorID           string
	Request              string   // valid, partly_valid, not_valid, unknown
	Manner               string   // appropriate, inappropriate
	MannerReasons        []string // which inappropriate means, from MannerReasons
	EnvironmentImpaired  bool
	EnvironmentHow       string
	AccommodationRequest bool // a request for reasonable accommodation: never harassment
	Verdict              string
	Rationale            string
	CreatedAt            time.Time
}

// Assessment codes.
var (
	RequestValues = []string{"valid", "partly_valid", "not_valid", "unknown"}
	MannerValues  = []string{"appropriate", "inappropriate"}
	Verdicts      = []string{"harassment", "legitimate_complaint", "borderline", "insufficient_information"}
	// MannerReasons are the MHLW means and manners. The first group is
	// inappropriate whatever the request; the last three depend on it.
	MannerReasons = []string{"violence", "threat", "insult", "kneeling", "persistent", "constraint", "discriminatory",
		"sexual", "personal_attack", "exchange_demand", "money_demand", "apology_demand"}
)

// Validate checks an assessment.
func (a *Assessment) Validate() error {
	f := FieldErrors{}
	if !slices.Contains(RequestValues, a.Request) {
		f.Add("request", FieldChoice)
	}
	if !slices.Contains(MannerValues, a.Manner) {
		f.Add("manner", FieldChoice)
	}
	for _, r := range a.MannerReasons {
		if !slices.Contains(MannerReasons, r) {
			f.Add("manner_reasons", FieldChoice)
		}
	}
	if !slices.Contains(Verdicts, a.Verdict) {
		f.Add("verdict", FieldChoice)
	}
	if strings.TrimSpace(a.Rationale) == "" {
		f.Add("rationale", FieldRequired)
	} else if HasNUL(a.Rationale) {
		f.Add("rationale", FieldNUL)
	} else if utf8.RuneCountInString(a.Rationale) > MaxLongText {
		f.Add("rationale", FieldTooLong)
	}
	if HasNUL(a.EnvironmentHow) {
		f.Add("environment_how", FieldNUL)
	}
	if a.AccommodationRequest && a.Verdict == "harassment" {
		f.Add("verdict", FieldAccommodation)
	}
	if a.Verdict == "harassment" && a.Manner == "appropriate" {
		f.Add("verdict", FieldHarassmentManner)
	}
	return f.Err()
}

// Task is a step of the playbook for a case.
type Task struct {
	ID        string
	CaseID    string
	Key       string // playbook key (translated), or "" for a custom task
	Title     string // custom title
	DoneAt    time.Time
	DoneBy    string
	CreatedAt time.Time
}

// CareKinds are the kinds of care for the employee.
var CareKinds = []string{"counselling", "rest", "reassignment", "follow_up", "other"}

// CareAction is care offered to the employee, and whether it happened.
type CareAction struct {
	ID        string
	CaseID    string
	Kind      string
	DueOn     time.Time // the planned date
	Note      string
	DoneAt    time.Time // zero until it actually happened
	DoneBy    string
	CreatedBy string
	CreatedAt time.Time
}

// Evidence is a file attached to a case. The file itself is encrypted in
// the blob store; this is its record.
type Evidence struct {
	ID         string
	CaseID     string
	BlobID     string
	Filename   string
	MediaType  string
	Size       int64
	SHA256     string
	UploadedBy string
	UploadedAt time.Time
}

// CaseFilter selects cases for a list.
type CaseFilter struct {
	State        CaseState
	Category     Category
	Verdict      string
	DepartmentID string
	AssigneeID   string
	From, To     time.Time // occurred_at range
	Overdue      bool
	// DueToday: a running clock (acknowledge while new, feedback while
	// acknowledged or in progress) runs out later today, the organisation's
	// day; not yet overdue.
	DueToday bool
	// NoSecond: acknowledged or in progress with no second person yet:
	// nobody handles a case alone.
	NoSecond bool
	// AwaitingReply: the newest message of the case is the reporter's.
	AwaitingReply bool
	// Open: new, acknowledged or in progress.
	Open  bool
	Query string // full text, Japanese or English
	Mine  bool   // only cases the actor reported
	// Sort is "newest" (default), "oldest" or "deadline": the cases whose
	// clock runs, the next deadline first (the most overdue first).
	Sort   string
	Limit  int
	Cursor string
	// Summary leaves out of each case the report's narratives (request,
	// conduct, harm, wishes, witnesses), the customer's details and, but
	// for a supervisor, whose level in the case is decided on it, the
	// department path, for a list that shows none of them; the case page
	// reads them.
	Summary bool
}

// CaseSorts are the orders of a list of cases.
var CaseSorts = []string{"newest", "oldest", "deadline"}

// CaseCounts is what the home shows the desk, legal and a supervisor: how
// many of the cases they may see need them, each the count of the list
// the same CaseFilter gives.
type CaseCounts struct {
	Open          int // Open
	New           int // State new
	Overdue       int // Overdue
	DueToday      int // DueToday
	NoSecond      int // NoSecond
	AwaitingReply int // AwaitingReply; 0 for whom may not read the messages
	// Retaliation counts the retaliation alarms on open cases (legal; zero
	// for the other roles). The measures waiting for the viewer's approval
	// are CustomerService.ApprovalsWaiting.
	Retaliation int
}

// CasePick is a case as a picker shows it: its number, state and dates.
type CasePick struct {
	ID         string
	Ref        string
	State      CaseState
	OccurredAt time.Time
	CreatedAt  time.Time
}

// CaseService files reports and handles cases.
//
// Every method that takes an actor enforces need-to-know: a case the actor
// may not see is ENOTFOUND, exactly as one that does not exist. Reads of a
// case and every change are written to the audit trail.
type CaseService interface {
	// FileReport opens a case for a report by the actor, with evidence
	// files already in the blob store, in one transaction. EINVALID names
	// each wrong field.
	FileReport(ctx context.Context, actor Actor, r Report, evidence ...Evidence) (*Case, error)
	// PickCases finds, for a picker, up to limit cases the actor may see
	// whose number contains the digits typed (NormalizeCaseRef's forms, or
	// a part of the number), newest first: numbers, states and dates only,
	// no contents, so the lookup is not a read of the cases.
	PickCases(ctx context.Context, actor Actor, typed string, limit int) ([]CasePick, error)
	// CaseByID returns a case the actor may see and audits the read.
	CaseByID(ctx context.Context, actor Actor, id string) (*Case, error)
	// Borderline lists the signs by the organisation's thresholds that the
	// case may be customer harassment, for the case's handlers (EFORBIDDEN
	// to anyone else): a long contact, a customer who came back often, a
	// demand refused before.
	Borderline(ctx context.Context, actor Actor, caseID string) ([]BorderlineSignal, error)
	// Cases lists the cases the actor may see, matching f, with the cursor
	// of the next page ("" at the end).
	Cases(ctx context.Context, actor Actor, f CaseFilter) ([]Case, string, error)
	// CaseCounts counts the cases the actor may see that need the desk
	// (the home's figures), by the same conditions as Cases; EFORBIDDEN
	// for a role without a case queue.
	CaseCounts(ctx context.Context, actor Actor) (*CaseCounts, error)
	// CaseIDByRef finds a case the actor may see by its number
	// (K-2026-00031); ENOTFOUND otherwise, exactly as for a case that does
	// not exist.
	CaseIDByRef(ctx context.Context, actor Actor, ref string) (string, error)
	// Transition moves a case; ECONFLICT for a move the state machine does
	// not allow or when in_progress lacks a handler and a second person.
	Transition(ctx context.Context, actor Actor, id string, to CaseState, note string) (*Case, error)
	// Assign sets the handler and the second person, who must differ and be
	// desk or legal members of the case's organisation.
	Assign(ctx context.Context, actor Actor, id, assigneeID, secondID string) (*Case, error)
	// Assess records an assessment; earlier ones stay in the history.
	Assess(ctx context.Context, actor Actor, id string, a Assessment) (*Assessment, error)
	Assessments(ctx context.Context, actor Actor, id string) ([]Assessment, error)
	// AddNote and AddContact add to the timeline.
	AddNote(ctx context.Context, actor Actor, id, kind, body string) (*Event, error)
	AddContact(ctx context.Context, actor Actor, id string, c Contact) (*Event, error)
	Timeline(ctx context.Context, actor Actor, id string) ([]Event, error)
	// Tasks of the case's playbook and custom ones.
	Tasks(ctx context.Context, actor Actor, id string) ([]Task, error)
	AddTask(ctx context.Context, actor Actor, id, title string) (*Task, error)
	SetTaskDone(ctx context.Context, actor Actor, id, taskID string, done bool) error
	// Care actions for the employee.
	CareActions(ctx context.Context, actor Actor, id string) ([]CareAction, error)
	AddCare(ctx context.Context, actor Actor, id string, c CareAction) (*CareAction, error)
	SetCareDone(ctx context.Context, actor Actor, id, careID string, done bool) error
	// Evidence records.
	AddEvidence(ctx context.Context, actor Actor, id string, e Evidence) (*Evidence, error)
	EvidenceList(ctx context.Context, actor Actor, id string) ([]Evidence, error)
	// EvidenceByID returns one record and audits the download.
	EvidenceByID(ctx context.Context, actor Actor, id, evidenceID string) (*Evidence, error)
	// EvidenceMismatch audits that an evidence file no longer hashes to the
	// SHA-256 recorded when it was received (during says where: "download"
	// or "package"). Anyone who may read the evidence may record it.
	EvidenceMismatch(ctx context.Context, actor Actor, id, evidenceID, during string) error
	// Exclude keeps a person implicated in a case from seeing it. Legal
	// excludes at once. A desk member proposes: the exclusion takes effect
	// when a second handler (neither the proposer nor the person) or legal
	// excludes the same person, and pending says it waits for that. The
	// last legal member who sees the case cannot be excluded (a field
	// error); legal is told of every proposal and exclusion.
	Exclude(ctx context.Context, actor Actor, id, userID string) (pending bool, err error)
	// ExclusionRequests lists the proposals to exclude a person from a case
	// that wait for the actor as the second person: on cases the actor
	// handles, proposed by someone else, about someone else; oldest first.
	ExclusionRequests(ctx context.Context, actor Actor) ([]ExclusionRequest, error)
	// RecordSummary audits that the actor printed the case summary for
	// management (the supervisor of the department, the desk and legal).
	RecordSummary(ctx context.Context, actor Actor, id string) error
}

// ExclusionRequest is a desk member's proposal to exclude a person from a
// case, waiting for a second handler or legal to confirm it.
type ExclusionRequest struct {
	CaseID     string
	CaseRef    string
	UserID     string // the person to be excluded
	ProposedBy string
	CreatedAt  time.Time
}

// NormalizeCaseRef reads a case number as a person types it: K-2026-00031,
// also without the prefix or the hyphens, in lower case or in full-width
// characters (Ｋ－２０２６－３１). It answers the number as the product writes
// it, or false when s is not a case number.
func NormalizeCaseRef(s string) (string, bool) {
	s = strings.ToUpper(norm.NFKC.String(strings.TrimSpace(s)))
	s = strings.NewReplacer("-", "", " ", "", "ー", "", "−", "", "‐", "").Replace(s)
	s = strings.TrimPrefix(s, "K")
	if len(s) < 5 || len(s) > 9 {
		return "", false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return "", false
		}
	}
	n, _ := strconv.Atoi(s[4:])
	if n == 0 {
		return "", false
	}
	return "K-" + s[:4] + "-" + fmt.Sprintf("%05d", n), true
}

// BorderlineSignal is a sign, by the organisation's own thresholds, that a
// report may be customer harassment (issue 22's borderline help): the desk
// still judges it on the two axes. Kind is one of the Borderline* kinds;
// N and Of are its figures (minutes and the limit, cases and the days),
// Ref the earlier case of a refused demand.
type BorderlineSignal struct {
	Kind string
	N    int
	Of   int
	Ref  string
}

// The kinds of borderline signals.
const (
	// BorderlineLongContact: one contact lasted longer than the
	// organisation's contact limit (OrgSettings.ContactLimitMinutes).
	BorderlineLongContact = "long_contact"
	// BorderlineRepeatCustomer: the customer came back ReviewIncidents
	// times or more within ReviewWindowDays (the organisation's settings).
	BorderlineRepeatCustomer = "repeat_customer"
	// BorderlineRefusedDemand: the customer's request in an earlier case
	// was judged without grounds (not_valid): the demand comes again.
	BorderlineRefusedDemand = "refused_demand"
)
