package access

import (
	"testing"

	"github.com/kasuhara/kasuhara"
)

// TestMatrix spells out every role × action; a new action without its row
// fails here.
func TestMatrix(t *testing.T) {
	// Columns: employee, supervisor, desk, legal, analyst, admin.
	want := map[Action][6]bool{
		ManageUsers:       {false, false, false, false, false, true},
		ManageDepartments: {false, false, false, false, false, true},
		ManageOrgs:        {false, false, false, false, false, true},
		ViewAudit:         {false, false, false, true, false, true},
		ReadCaseContents:  {false, true, true, true, false, false},
		HandleCases:       {false, false, true, true, false, false},
		SecondOnCase:      {false, true, true, true, false, false},
		ExportCases:       {false, false, true, true, false, false},
		ViewStatistics:    {false, false, true, true, true, false},
		FileReport:        {true, true, true, true, true, true},
		ReadCustomers:     {false, false, true, true, false, false},
		ApproveMeasure:    {false, false, false, true, false, false},
		ManageLetters:     {false, false, false, true, false, false},
		ManagePosts:       {false, false, true, true, false, false},
		ManageSpecialists: {false, false, false, true, false, false},
		ManageRetention:   {false, false, false, true, false, false},
		ViewRetaliation:   {false, false, false, true, false, false},
		ManageContent:     {false, false, false, false, false, true},
		ViewAcknowledged:  {false, false, false, true, false, true},
		ViewTraining:      {false, false, false, true, true, true},
		ViewTrainingNames: {false, false, false, true, false, true},
		MakeCaseStudy:     {false, false, true, true, false, false},
		ManageSettings:    {false, false, false, false, false, true},
		DecideGrants:      {false, false, false, true, false, true},
		SuperviseCases:    {false, true, false, false, false, false},
		ExcludeAtOnce:     {false, false, false, true, false, false},
		IncludeCare:       {false, false, false, true, false, false},
		AuditChoices:      {false, false, false, true, false, false},
		ViewCompliance:    {false, false, false, true, true, true},
		ManageCooperation: {false, false, true, true, false, false},
		RecordOnBehalf:    {false, true, true, true, false, false},
		ImportCases:       {false, false, true, true, false, false},
	}
	if len(Actions()) != len(matrix) {
		t.Fatalf("Actions lists %d actions, the matrix has %d", len(Actions()), len(matrix))
	}
	if len(want) != len(matrix) {
		t.Fatalf("matrix has %d actions, the test %d: add the new action's row", len(matrix), len(want))
	}
	for action, row := range want {
		for i, role := range kasuhara.Roles {
			if got := Can(role, action); got != row[i] {
				t.Errorf("Can(%s, %s) = %v, want %v", role, action, got, row[i])
			}
		}
	}
	if Can("root", ManageUsers) || Can("", FileReport) {
		t.Error("an unknown role may act")
	}
}

func TestCanAdminister(t *testing.T) {
	group := kasuhara.Org{ID: "g"}
	sub := kasuhara.Org{ID: "s", ParentID: "g"}
	tests := []struct {
		name   string
		role   kasuhara.Role
		tree   []kasuhara.Org
		target string
		want   bool
	}{
		{"admin of own org", kasuhara.RoleAdmin, []kasuhara.Org{group, sub}, "g", true},
		{"group admin of subsidiary", kasuhara.RoleAdmin, []kasuhara.Org{group, sub}, "s", true},
		{"subsidiary admin of parent", kasuhara.RoleAdmin, []kasuhara.Org{sub}, "g", false},
		{"admin of unrelated org", kasuhara.RoleAdmin, []kasuhara.Org{group, sub}, "x", false},
		{"legal of own org", kasuhara.RoleLegal, []kasuhara.Org{group}, "g", false},
	}
	for _, tt := range tests {
		if got := CanAdminister(tt.role, tt.tree, tt.target); got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestSeesGrants(t *testing.T) {
	group := kasuhara.Org{ID: "g"}
	sub := kasuhara.Org{ID: "s", ParentID: "g"}
	tests := []struct {
		name   string
		actor  kasuhara.Actor
		tree   []kasuhara.Org
		target string
		want   bool
	}{
		{"legal of the organisation", kasuhara.Actor{Role: kasuhara.RoleLegal, OrgID: "s"}, []kasuhara.Org{sub}, "s", true},
		{"legal of the parent", kasuhara.Actor{Role: kasuhara.RoleLegal, OrgID: "g"}, []kasuhara.Org{group, sub}, "s", false},
		{"group admin", kasuhara.Actor{Role: kasuhara.RoleAdmin, OrgID: "g"}, []kasuhara.Org{group, sub}, "s", true},
		{"subsidiary admin of the parent", kasuhara.Actor{Role: kasuhara.RoleAdmin, OrgID: "s"}, []kasuhara.Org{sub}, "g", false},
		{"desk", kasuhara.Actor{Role: kasuhara.RoleDesk, OrgID: "s"}, []kasuhara.Org{sub}, "s", false},
	}
	for _, tt := range tests {
		if got := SeesGrants(tt.actor, tt.tree, tt.target); got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestCaseLevels(t *testing.T) {
	c := CaseFacts{OrgID: "o", ReporterID: "rep", DepartmentID: "shop"}
	other := CaseFacts{OrgID: "other", ReporterID: "x", DepartmentID: "shop"}
	tests := []struct {
		name string
		v    kasuhara.Actor
		c    CaseFacts
		want CaseLevel
	}{
		{"reporter", kasuhara.Actor{UserID: "rep", OrgID: "o", Role: kasuhara.RoleEmployee}, c, CaseReporter},
		{"another employee", kasuhara.Actor{UserID: "e2", OrgID: "o", Role: kasuhara.RoleEmployee, DepartmentID: "shop"}, c, CaseNone},
		{"supervisor of the department", kasuhara.Actor{UserID: "s", OrgID: "o", Role: kasuhara.RoleSupervisor, DepartmentID: "shop"}, c, CaseSupervisor},
		{"supervisor of another department", kasuhara.Actor{UserID: "s", OrgID: "o", Role: kasuhara.RoleSupervisor, DepartmentID: "hq"}, c, CaseNone},
		{"supervisor of the area above the store", kasuhara.Actor{UserID: "s", OrgID: "o", Role: kasuhara.RoleSupervisor, DepartmentID: "kanto"},
			CaseFacts{OrgID: "o", ReporterID: "rep", DepartmentID: "shop", DepartmentPath: []string{"shop", "kanto", "hq"}}, CaseSupervisor},
		{"supervisor of the head office, two levels up", kasuhara.Actor{UserID: "s", OrgID: "o", Role: kasuhara.RoleSupervisor, DepartmentID: "hq"},
			CaseFacts{OrgID: "o", ReporterID: "rep", DepartmentID: "shop", DepartmentPath: []string{"shop", "kanto", "hq"}}, CaseSupervisor},
		{"supervisor of a store, case of its area", kasuhara.Actor{UserID: "s", OrgID: "o", Role: kasuhara.RoleSupervisor, DepartmentID: "shop"},
			CaseFacts{OrgID: "o", ReporterID: "rep", DepartmentID: "kanto", DepartmentPath: []string{"kanto", "hq"}}, CaseNone},
		{"supervisor of a sibling store", kasuhara.Actor{UserID: "s", OrgID: "o", Role: kasuhara.RoleSupervisor, DepartmentID: "ikebukuro"},
			CaseFacts{OrgID: "o", ReporterID: "rep", DepartmentID: "shop", DepartmentPath: []string{"shop", "kanto", "hq"}}, CaseNone},
		{"supervisor of the area, reporter asked for confidentiality", kasuhara.Actor{UserID: "s", OrgID: "o", Role: kasuhara.RoleSupervisor, DepartmentID: "kanto"},
			CaseFacts{OrgID: "o", ReporterID: "rep", DepartmentID: "shop", DepartmentPath: []string{"shop", "kanto"}, HiddenFromSupervisor: true}, CaseNone},
		{"supervisor of the area in another organisation", kasuhara.Actor{UserID: "s", OrgID: "o2", Role: kasuhara.RoleSupervisor, DepartmentID: "kanto"},
			CaseFacts{OrgID: "o", ReporterID: "rep", DepartmentID: "shop", DepartmentPath: []string{"shop", "kanto"}}, CaseNone},
		{"supervisor without department", kasuhara.Actor{UserID: "s", OrgID: "o", Role: kasuhara.RoleSupervisor}, CaseFacts{OrgID: "o", ReporterID: "rep"}, CaseNone},
		{"supervisor, same department name elsewhere", kasuhara.Actor{UserID: "s", OrgID: "o", Role: kasuhara.RoleSupervisor, DepartmentID: "shop"}, other, CaseNone},
		{"desk", kasuhara.Actor{UserID: "d", OrgID: "o", Role: kasuhara.RoleDesk}, c, CaseHandler},
		{"legal", kasuhara.Actor{UserID: "l", OrgID: "o", Role: kasuhara.RoleLegal}, c, CaseHandler},
		{"desk of another organisation", kasuhara.Actor{UserID: "d", OrgID: "o", Role: kasuhara.RoleDesk}, other, CaseNone},
		{"admin", kasuhara.Actor{UserID: "a", OrgID: "o", Role: kasuhara.RoleAdmin}, c, CaseNone},
		{"analyst", kasuhara.Actor{UserID: "an", OrgID: "o", Role: kasuhara.RoleAnalyst}, c, CaseNone},
		{"admin's own report", kasuhara.Actor{UserID: "rep", OrgID: "o", Role: kasuhara.RoleAdmin}, c, CaseReporter},
		{"excluded desk member", kasuhara.Actor{UserID: "d", OrgID: "o", Role: kasuhara.RoleDesk}, CaseFacts{OrgID: "o", ReporterID: "rep", ViewerExcluded: true}, CaseNone},
		{"excluded supervisor", kasuhara.Actor{UserID: "s", OrgID: "o", Role: kasuhara.RoleSupervisor, DepartmentID: "shop"}, CaseFacts{OrgID: "o", ReporterID: "rep", DepartmentID: "shop", ViewerExcluded: true}, CaseNone},
		{"supervisor, reporter asked for confidentiality", kasuhara.Actor{UserID: "s", OrgID: "o", Role: kasuhara.RoleSupervisor, DepartmentID: "shop"},
			CaseFacts{OrgID: "o", ReporterID: "rep", DepartmentID: "shop", HiddenFromSupervisor: true}, CaseNone},
		{"desk, reporter asked for confidentiality toward the supervisor", kasuhara.Actor{UserID: "d", OrgID: "o", Role: kasuhara.RoleDesk},
			CaseFacts{OrgID: "o", ReporterID: "rep", DepartmentID: "shop", HiddenFromSupervisor: true}, CaseHandler},
		{"anonymous report, employee", kasuhara.Actor{UserID: "e", OrgID: "o", Role: kasuhara.RoleEmployee}, CaseFacts{OrgID: "o"}, CaseNone},
		{"no user", kasuhara.Actor{}, CaseFacts{OrgID: "o"}, CaseNone},
	}
	for _, tt := range tests {
		if got := Case(tt.v, tt.c); got != tt.want {
			t.Errorf("%s: got %d, want %d", tt.name, got, tt.want)
		}
	}
}
