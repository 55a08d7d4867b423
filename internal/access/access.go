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

// The actions of the foundation. Later issues add case, customer and
// statistics actions here, each with its row in the matrix test.
const (
	ManageUsers       Action = "manage_users"        // create users, change roles, reset passwords
	ManageDepartments Action = "manage_departments"  // create and rename departments
	ManageOrgs        Action = "manage_orgs"         // see the organisations of the group
	ViewAudit         Action = "view_audit"          // read the audit trail of the organisation
	ReadCaseContents  Action = "read_case_contents"  // narratives, identities, evidence
	ViewStatistics    Action = "view_statistics"     // figures without contents
	FileReport        Action = "file_report"         // report an incident or ask for advice
	ManageContent     Action = "manage_content"      // write and publish policies, courses and assignments
	ViewAcknowledged  Action = "view_acknowledged"   // see who has and has not acknowledged a policy, by name
	ViewTraining      Action = "view_training"       // the completion report per course and department
	ViewTrainingNames Action = "view_training_names" // who has not completed a course, by name
	MakeCaseStudy     Action = "make_case_study"     // turn a closed case into a case study
)

var matrix = map[Action][]kasuhara.Role{
	ManageUsers:       {kasuhara.RoleAdmin},
	ManageDepartments: {kasuhara.RoleAdmin},
	ManageOrgs:        {kasuhara.RoleAdmin},
	ViewAudit:         {kasuhara.RoleAdmin, kasuhara.RoleLegal},
	// The admin runs the installation but never reads case contents.
	ReadCaseContents: {kasuhara.RoleSupervisor, kasuhara.RoleDesk, kasuhara.RoleLegal},
	ViewStatistics:   {kasuhara.RoleDesk, kasuhara.RoleLegal, kasuhara.RoleAnalyst},
	FileReport:       kasuhara.Roles,
	// The admin writes content; legal checks who read and learnt it.
	ManageContent:     {kasuhara.RoleAdmin},
	ViewAcknowledged:  {kasuhara.RoleLegal, kasuhara.RoleAdmin},
	ViewTraining:      {kasuhara.RoleLegal, kasuhara.RoleAnalyst, kasuhara.RoleAdmin},
	ViewTrainingNames: {kasuhara.RoleLegal, kasuhara.RoleAdmin},
	MakeCaseStudy:     {kasuhara.RoleDesk, kasuhara.RoleLegal},
}

// Can reports whether role may perform action at all.
func Can(role kasuhara.Role, action Action) bool {
	return slices.Contains(matrix[action], role)
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
var LegalOnlyAudit = []string{"retaliation.flag", "retaliation.list", "case.confidential", "case.care_consent"}
