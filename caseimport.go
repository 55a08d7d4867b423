package kasuhara

import (
	"context"
	"time"
)

// Limits of an import of the old ledger (カスハラ記録簿).
const (
	MaxLedgerBytes   = 10 << 20 // the file
	MaxLedgerRows    = 5000     // rows below the header
	MaxLedgerColumns = 100
	MaxLedgerCell    = MaxLongText // characters of one cell
)

// Ledger is an organisation's old ledger of incidents as read from its
// spreadsheet (XLSX) or CSV file: the header row's column names and the
// rows below, every cell as text.
type Ledger struct {
	Headers []string    `json:"headers"`
	Rows    []LedgerRow `json:"rows"`
}

// LedgerRow is one row of a ledger: its number in the file (the header is
// row 1) and its cells.
type LedgerRow struct {
	Number int      `json:"n"`
	Cells  []string `json:"c"`
}

// ImportFields are the fields of a case a ledger's column may be mapped
// to, in the order the mapping form shows them. occurred_at and conduct
// are required.
var ImportFields = []string{"occurred_at", "conduct", "categories", "channel", "location", "department", "duration_minutes",
	"request_content", "harm", "wishes", "witnesses", "state", "customer_name", "customer_name_kana", "customer_phone",
	"customer_email", "customer_account"}

// ImportRequired are the fields every import maps.
var ImportRequired = []string{"occurred_at", "conduct"}

// ImportConsultation is the value of CaseImportMapping.Values that makes
// a row a consultation (no category).
const ImportConsultation = "consultation"

// CaseImportMapping says which column of a ledger holds which field, and
// what the ledger's words for kinds of conduct mean where they are not
// matched by name or keyword. Saved per organisation by name.
type CaseImportMapping struct {
	// Columns maps a field of ImportFields to the column's name in the
	// header row.
	Columns map[string]string `json:"columns"`
	// Values maps a word of the ledger's categories column to a category
	// (Categories), a subtype (Subtypes) or ImportConsultation.
	Values map[string]string `json:"values,omitempty"`
}

// NamedMapping is a mapping an organisation saved.
type NamedMapping struct {
	Name      string
	Mapping   CaseImportMapping
	UpdatedAt time.Time
}

// CaseImportInput is one import: the ledger, where it came from, how its
// columns map, and the year of dates written without one (5月1日).
type CaseImportInput struct {
	// StagedID is the upload of the web's import page (StageCaseImport);
	// "" for the command line, which reads its file itself.
	StagedID string
	FileName string
	SHA256   string // of the file as uploaded
	Ledger   *Ledger
	Mapping  CaseImportMapping
	Year     int // 0: a date without its year is a row's problem
}

// CaseImportLine is a row of the ledger as it would be imported.
type CaseImportLine struct {
	Row        int // in the file
	Report     Report
	State      CaseState // closed, or acknowledged for an open row
	Department string    // the department's name as the ledger gives it
	Customer   bool      // the row names a customer
	// Problems are keyed by the field (ImportFields); the page names the
	// column the mapping gives for it.
	Problems FieldErrors
}

// CaseImportResult is what an import would create, or created.
type CaseImportResult struct {
	Lines    []CaseImportLine
	Problems int // lines with a problem
	// Unmatched are the ledger's words for kinds of conduct that match no
	// category by name or keyword and that the mapping does not give,
	// each with the rows it appears in: each must be reviewed.
	Unmatched map[string][]int
	Imported  bool
	ImportID  string
	Refs      []string // the cases' numbers, when imported
}

// StagedImport is a ledger uploaded on the import page, waiting for its
// dry run and import.
type StagedImport struct {
	ID         string
	FileName   string
	SHA256     string
	Ledger     *Ledger
	CreatedAt  time.Time
	ImportedAt time.Time
	Cases      int
}

// CaseImportService imports an organisation's old ledger of incidents.
// Only a role that reads case contents and handles cases may (desk and
// legal: access.ImportCases): the ledger is case contents.
type CaseImportService interface {
	// ImportCases checks every row of in.Ledger by in.Mapping and, unless
	// dryRun or a row has a problem or a word is unmatched, imports them
	// all in one transaction: each a case marked imported, the import
	// audited with the file's SHA-256. Customers are matched as a report's
	// are. orgID is the actor's organisation (the command line's operator
	// names it). EINVALID names "mapping" for a required field without
	// its column or a column the ledger does not have; ECONFLICT for a
	// staged upload imported already.
	ImportCases(ctx context.Context, actor Actor, orgID string, in CaseImportInput, dryRun bool) (*CaseImportResult, error)
	// StageCaseImport keeps an uploaded ledger for its dry run and import
	// (a day at most) and returns its id.
	StageCaseImport(ctx context.Context, actor Actor, fileName, sha256 string, l *Ledger) (string, error)
	// StagedCaseImport returns an upload of the actor's organisation.
	StagedCaseImport(ctx context.Context, actor Actor, id string) (*StagedImport, error)
	// SaveImportMapping keeps a mapping under name for the organisation
	// (replacing one of that name); ImportMappings lists them by name.
	SaveImportMapping(ctx context.Context, actor Actor, name string, m CaseImportMapping) error
	ImportMappings(ctx context.Context, actor Actor, orgID string) ([]NamedMapping, error)
}
