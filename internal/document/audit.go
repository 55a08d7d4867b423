package document

import (
	"iter"
	"strconv"
	"time"
)

// AuditRow is one entry of the audit trail as a person reads it: the actor
// and the object by name or number, never by id.
type AuditRow struct {
	Seq        int64
	At         time.Time
	Action     string // the action's code, e.g. "case.read"
	ActionText string // the action in the document's language
	Actor      string // a name, or who acted when no person did
	ObjectType string // the kind of object in the document's language
	Object     string // its name or number, "" when it has none to show
	Hash       string
}

// AuditInput is the entries of an audit export.
type AuditInput struct {
	Locale
	// Now dates the file name.
	Now time.Time
	// Rows yields the entries, newest first, up to its first error.
	Rows iter.Seq2[AuditRow, error]
}

// AuditTable lays the audit entries out one a row: number, time in the
// organisation's zone, action (text and code), actor, object, hash.
func AuditTable(in AuditInput) (Table, error) {
	rows := [][]string{{in.t("admin.audit.seq"), in.t("admin.audit.at"), in.t("admin.audit.action"), in.t("admin.audit.action_code"),
		in.t("admin.audit.actor"), in.t("admin.audit.object_type"), in.t("admin.audit.object"), in.t("admin.audit.hash")}}
	for r, err := range in.Rows {
		if err != nil {
			return Table{}, err
		}
		rows = append(rows, []string{strconv.FormatInt(r.Seq, 10), in.in(r.At).Format("2006-01-02 15:04:05"), r.ActionText, r.Action,
			r.Actor, r.ObjectType, r.Object, r.Hash})
	}
	return Table{Name: "audit-" + in.in(in.Now).Format("20060102"), Sheet: in.t("admin.audit.title"), Rows: rows}, nil
}
