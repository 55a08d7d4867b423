package web

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/i18n"
)

// maxImportBytes limits a CSV file of people.
const maxImportBytes = 1 << 20

// importColumns are the columns of a CSV import of people, each named in
// the header in English or Japanese, in any order.
var importColumns = map[string]string{
	"email": "email", "メールアドレス": "email", "メール": "email",
	"name": "name", "氏名": "name", "名前": "name",
	"role": "role", "役割": "role",
	"department": "department", "部署": "department",
	"language": "language", "言語": "language",
}

// parseUserCSV reads a CSV of people (UTF-8, with or without a byte order
// mark): a header naming the columns, then a person a line. A role may be
// written as its code (employee) or its Japanese or English name.
func parseUserCSV(data []byte, cat *i18n.Catalog) ([]kasuhara.UserImportRow, error) {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	if !utf8.Valid(data) {
		return nil, kasuhara.InvalidField("file", kasuhara.FieldMalformed)
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		return nil, kasuhara.InvalidField("file", kasuhara.FieldEmpty)
	}
	col := map[string]int{}
	for i, h := range header {
		if c, ok := importColumns[strings.ToLower(strings.TrimSpace(h))]; ok {
			col[c] = i
		}
	}
	if _, ok := col["email"]; !ok {
		return nil, kasuhara.InvalidField("file", kasuhara.FieldImportHeader)
	}
	if _, ok := col["name"]; !ok {
		return nil, kasuhara.InvalidField("file", kasuhara.FieldImportHeader)
	}
	roles := map[string]string{}
	for _, r := range kasuhara.Roles {
		for _, lang := range i18n.Languages {
			roles[strings.ToLower(cat.Localizer(lang).T("role."+string(r)))] = string(r)
		}
		roles[string(r)] = string(r)
	}
	var out []kasuhara.UserImportRow
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			line := 0
			if pe := (*csv.ParseError)(nil); errors.As(err, &pe) {
				line = pe.StartLine
			}
			return nil, kasuhara.Invalid(kasuhara.FieldErrors{"file": {Code: kasuhara.FieldImportLine, Args: map[string]any{"Line": line}}})
		}
		line, _ := cr.FieldPos(0)
		get := func(c string) string {
			if i, ok := col[c]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		if strings.Join(rec, "") == "" {
			continue // an empty line
		}
		role := get("role")
		if code, ok := roles[strings.ToLower(role)]; ok {
			role = code
		}
		out = append(out, kasuhara.UserImportRow{Line: line, Email: get("email"), Name: get("name"), Role: role,
			Department: get("department"), Language: get("language")})
		if len(out) > kasuhara.MaxUserImportRows {
			break
		}
	}
	return out, nil
}

// importCSV is the CSV the admin sent: the file chosen, else the text
// pasted (or carried from the dry run).
func importCSV(r *http.Request) ([]byte, error) {
	if f, h, err := r.FormFile("file"); err == nil {
		defer f.Close()
		if h.Size > maxImportBytes {
			return nil, kasuhara.InvalidField("file", kasuhara.FieldFileTooLarge)
		}
		return io.ReadAll(io.LimitReader(f, maxImportBytes+1))
	}
	return []byte(r.FormValue("csv")), nil
}

type userImportData struct {
	Org    *kasuhara.Org
	Orgs   []kasuhara.Org
	CSV    string
	Result *kasuhara.UserImport
	Fields []string
}

// adminImportPage shows the import form, with the lines of a dry run or
// an import when there is one.
func (s *Server) adminImportPage(w http.ResponseWriter, r *http.Request, status int, d *userImportData, p *page) error {
	p.Title, p.Nav, p.Data = "admin.import.title", "admin", d
	d.Fields = []string{"email", "name", "role", "department", "language"}
	return s.render(w, r, status, "admin_import", p)
}

func (s *Server) adminImportForm(w http.ResponseWriter, r *http.Request) error {
	_, tree, org, err := s.adminScope(r)
	if err != nil {
		return err
	}
	return s.adminImportPage(w, r, http.StatusOK, &userImportData{Org: org, Orgs: tree}, &page{})
}

// adminImport checks a CSV of people (the dry run, always first) or, with
// import=yes after a clean dry run, adds them all; a line with a problem
// imports nothing. Desk, legal and admin are not given by import.
func (s *Server) adminImport(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseMultipartForm(maxImportBytes); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		return kasuhara.InvalidField("file", kasuhara.FieldFileTooLarge)
	}
	v, tree, org, err := s.adminScope(r)
	if err != nil {
		return err
	}
	d := &userImportData{Org: org, Orgs: tree}
	data, err := importCSV(r)
	var rows []kasuhara.UserImportRow
	if err == nil {
		d.CSV = string(data)
		rows, err = parseUserCSV(data, s.Catalog)
	}
	if err == nil {
		d.Result, err = s.Users.ImportUsers(r.Context(), v.Actor, org.ID, rows, r.FormValue("import") != "yes")
	}
	if c := kasuhara.ErrorCode(err); c == kasuhara.EINVALID || c == kasuhara.ECONFLICT {
		f := s.newForm(r, err)
		return s.adminImportPage(w, r, http.StatusUnprocessableEntity, d, &page{Form: f, Flash: "form.fix", FlashKind: "error"})
	}
	if err != nil {
		return err
	}
	p := &page{}
	switch {
	case d.Result.Imported:
		p.Flash, p.FlashKind, d.CSV = "admin.import.done", "ok", ""
	case d.Result.Problems > 0:
		p.Flash, p.FlashKind = "admin.import.problems", "error"
		return s.adminImportPage(w, r, http.StatusUnprocessableEntity, d, p)
	default:
		p.Flash, p.FlashKind = "admin.import.checked", "ok"
	}
	return s.adminImportPage(w, r, http.StatusOK, d, p)
}
