// Package access decides who may do what. The functions are pure: they look
// at the actor's role and organisation and at the target, never at the
// database, so the whole policy is tested as a role × action matrix.
package access

import (
	"slices"

	"github.com/kasuhara/kasuhara"
)

// Action is something a signed-in person may try to do.
type Action string

// The actions. Each has its row in matrix below and in TestMatrix; what a
// viewer may do with one case is decided by Case (cases.go) on top of these.
const (
	ManageUsers       Action = "manage_users"        // create users, change roles, reset passwords
	ManageDepartments Action = "manage_departments"  // create and rename departments
	ManageOrgs        Action = "manage_orgs"         // see the organisations of the group
	ViewAudit         Action = "view_audit"          // read the audit trail of the organisation
	ReadCaseContents  Action = "read_case_contents"  // narratives, identities, evidence; the case queue
	HandleCases       Action = "handle_cases"        // the handler level of every case of the organisation; be assigned one
	SecondOnCase      Action = "second_on_case"      // be the second person on a case
	ExportCases       Action = "export_cases"        // the cases as CSV or XLSX
	ViewStatistics    Action = "view_statistics"     // figures without contents
	FileReport        Action = "file_report"         // report an incident or ask for advice
	ReadCustomers     Action = "read_customers"      // the customer registry: customers, measures, merges, letters
	ApproveMeasure    Action = "approve_measure"     // approve a severe measure proposed by another person
	ManageLetters     Action = "manage_letters"      // edit the letter templates
	ManagePosts       Action = "manage_posts"        // online posts and the removal request template
	ManageSpecialists Action = "manage_specialists"  // edit the directory of outside specialists
	ManageRetention   Action = "manage_retention"    // retention rules, legal holds, purge now
	ViewRetaliation   Action = "view_retaliation"    // the retaliation alarms of the organisation
	ManageContent     Action = "manage_content"      // write and publish policies, courses and assignments
	ViewAcknowledged  Action = "view_acknowledged"   // see who has and has not acknowledged a policy, by name
	ViewTraining      Action = "view_training"       // the completion report per course and department
	ViewTrainingNames Action = "view_training_names" // who has not completed a course, by name; others' certificates
	MakeCaseStudy     Action = "make_case_study"     // turn a closed case into a case study
	ManageSettings    Action = "manage_settings"     // the organisation's settings
	DecideGrants      Action = "decide_grants"       // approve another's grant of desk or legal, or reset of its holder (SeesGrants)
	SuperviseCases    Action = "supervise_cases"     // the supervisor level of the cases of one's own department (Case)
	ExcludeAtOnce     Action = "exclude_at_once"     // exclude a person from a case without a second person's confirmation
	IncludeCare       Action = "include_care"        // put the care record into an evidence package, with a reason
	AuditChoices      Action = "audit_choices"       // read the audit entries of alarms and reporters' choices (LegalOnlyAudit)
	ViewCompliance    Action = "view_compliance"     // the organisation's compliance figures (retaliation check-ins, …), without names
	ManageCooperation Action = "manage_cooperation"  // the register of cooperation requests between employers (Art. 33(3)) and the summaries shared
	RecordOnBehalf    Action = "record_on_behalf"    // take a report on behalf of an employee (in person, by phone, by letter)
	ImportCases       Action = "import_cases"        // import the old ledger of incidents (it holds case contents)
)

// The roles, short, for the table.
const (
	employee   = kasuhara.RoleEmployee
	supervisor = kasuhara.RoleSupervisor
	desk       = kasuhara.RoleDesk
	legal      = kasuhara.RoleLegal
	analyst    = kasuhara.RoleAnalyst
	admin      = kasuhara.RoleAdmin
)

// matrix is who may do what, by role, in their own organisation. The admin
// runs the installation and writes content but never reads case contents;
// legal checks who read and learnt it.
var matrix = map[Action][]kasuhara.Role{
	ManageUsers:       {admin},
	ManageDepartments: {admin},
	ManageOrgs:        {admin},
	ViewAudit:         {legal, admin},
	ReadCaseContents:  {supervisor, desk, legal},
	HandleCases:       {desk, legal},
	SecondOnCase:      {supervisor, desk, legal},
	ExportCases:       {desk, legal},
	ViewStatistics:    {desk, legal, analyst},
	FileReport:        kasuhara.Roles,
	ReadCustomers:     {desk, legal},
	ApproveMeasure:    {legal},
	ManageLetters:     {legal},
	ManagePosts:       {desk, legal},
	ManageSpecialists: {legal},
	ManageRetention:   {legal},
	ViewRetaliation:   {legal},
	ManageContent:     {admin},
	ViewAcknowledged:  {legal, admin},
	ViewTraining:      {legal, analyst, admin},
	ViewTrainingNames: {legal, admin},
	MakeCaseStudy:     {desk, legal},
	ManageSettings:    {admin},
	DecideGrants:      {legal, admin},
	SuperviseCases:    {supervisor},
	ExcludeAtOnce:     {legal},
	IncludeCare:       {legal},
	AuditChoices:      {legal},
	ViewCompliance:    {legal, analyst, admin},
	ManageCooperation: {desk, legal},
	RecordOnBehalf:    {supervisor, desk, legal},
	ImportCases:       {desk, legal},
}

// Actions lists every action of the matrix in its order of declaration.
func Actions() []Action { return slices.Clone(actions) }

// actions is the order of the table in docs/cases.md.
var actions = []Action{ManageUsers, ManageDepartments, ManageOrgs, ViewAudit, ReadCaseContents, HandleCases, SecondOnCase, ExportCases,
	ViewStatistics, FileReport, ReadCustomers, ApproveMeasure, ManageLetters, ManagePosts, ManageSpecialists, ManageRetention,
	ViewRetaliation, ManageContent, ViewAcknowledged, ViewTraining, ViewTrainingNames, MakeCaseStudy, ManageSettings, DecideGrants, SuperviseCases, ExcludeAtOnce, IncludeCare, AuditChoices, ViewCompliance,
	ManageCooperation, RecordOnBehalf, ImportCases}

// Can reports whether role may perform action at all.
func Can(role kasuhara.Role, action Action) bool {
	return slices.Contains(matrix[action], role)
}

// Check returns an EFORBIDDEN error unless the actor's role may perform
// action: what a service says first when the role may not.
func Check(a kasuhara.Actor, action Action) error {
	if !Can(a.Role, action) {
		return kasuhara.Errorf(kasuhara.EFORBIDDEN, "%s: not for the role %q", action, a.Role)
	}
	return nil
}

// InScope reports whether targetOrg is the actor's organisation or one of
// its descendants. tree is the actor's organisation followed by its
// descendants, as kasuhara.OrgService.OrgTree returns it.
func InScope(tree []kasuhara.Org, targetOrg string) bool {
	return slices.ContainsFunc(tree, func(o kasuhara.Org) bool { return o.ID == targetOrg })
}

// CanAdminister reports whether an actor with role in the organisation at
// tree[0] may manage users and departments of targetOrg: admins manage their
// own organisation and its subsidiaries, never a parent or a sibling.
func CanAdminister(role kasuhara.Role, tree []kasuhara.Org, targetOrg string) bool {
	return Can(role, ManageUsers) && InScope(tree, targetOrg)
}

// LegalOnlyAudit are the audit actions that name a reporter's alarm or
// confidentiality choice, or a reporter's consent about their care record:
// who made them is for legal only, so the admin's audit view leaves them
// out (issue 16, finding 3).
var LegalOnlyAudit = []string{"retaliation.flag", "retaliation.list", "case.confidential", "case.care_consent", "checkin.ask", "checkin.answer", "checkin.read", "cooperation.share", "retaliation.handle", "case.disown"}

// SeesGrants reports whether the actor may see, and as one of its deciders
// decide, the grant requests of targetOrg: a legal member of it, or an
// admin with it in reach (tree as in CanAdminister). Which of them decides
// is the store's: legal while the organisation has a legal member, else
// another admin; never the requester or the person concerned.
func SeesGrants(a kasuhara.Actor, tree []kasuhara.Org, targetOrg string) bool {
	switch {
	case !Can(a.Role, DecideGrants):
		return false
	case a.Role == legal:
		return a.OrgID == targetOrg
	default:
		return CanAdminister(a.Role, tree, targetOrg)
	}
}
