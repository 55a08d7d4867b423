package kasuhara

// MaxUserImportRows is the most people one import may add.
const MaxUserImportRows = 500

// ImportableRoles are the roles a CSV import may give. The desk, legal and
// admin roles reach case contents or the administration: each is given
// one person at a time, never in bulk.
var ImportableRoles = []Role{RoleEmployee, RoleSupervisor, RoleAnalyst}

// UserImportRow is one line of a CSV import of users as the file gives it.
type UserImportRow struct {
	Line       int // the line in the file, the header being line 1
	Email      string
	Name       string
	Role       string
	Department string // the department's name, "" for none
	Language   string // "ja", "en" or ""
}

// UserImportLine is a line of the import as checked: its problems, and
// after the import the one-time password of the person it added.
type UserImportLine struct {
	UserImportRow
	Problems FieldErrors // empty when the line is right
	Password string      // the one-time password, only when imported
}

// UserImport is the outcome of an import: every line with its problems.
// Nothing is imported unless every line is right (and it is not a dry run).
type UserImport struct {
	Lines    []UserImportLine
	Problems int  // lines with a problem
	Imported bool // the people were added
}
