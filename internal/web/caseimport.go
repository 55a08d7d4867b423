package web

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/access"
	"github.com/kasuhara/kasuhara/internal/ledger"
)

// importProblem is a problem of the dry run as the page names it: the
// row in the file and the sheet's column.
type importProblem struct {
	Row     int
	Column  string
	Message string
}

// importWord is a word of the kinds-of-conduct column to review.
type importWord struct {
	Word   string
	Rows   string
	Chosen string
}

// importPage is what the import pages show.
type importPage struct {
	Staged *kasuhara.StagedImport
	Fields []string
	// Mapping is the mapping drawn: from the query, a saved one, or
	// guessed from the header.
	Mapping   kasuhara.CaseImportMapping
	Year      string
	Saved     []kasuhara.NamedMapping
	Checked   bool // the dry run ran
	Result    *kasuhara.CaseImportResult
	Problems  []importProblem
	Unmatched []importWord
	// Choices are what a word may mean: the categories, the subtypes and
	// a consultation.
	Choices       []string
	CategoryNames map[string]bool
	Preview       []kasuhara.LedgerRow
	// Hidden carries the mapping into the import and save forms.
	Hidden url.Values
	Key    string
	// Imported lists the cases' numbers after the import.
	Imported []string
}

// newImportPage is the page of the upload st with what every drawing has.
func newImportPage(st *kasuhara.StagedImport) importPage {
	d := importPage{Staged: st, Fields: kasuhara.ImportFields, Choices: importChoices(), Key: newIdempotencyKey(), CategoryNames: map[string]bool{}}
	for _, c := range kasuhara.Categories {
		d.CategoryNames[string(c)] = true
	}
	if st.Ledger != nil {
		d.Preview = st.Ledger.Rows[:min(3, len(st.Ledger.Rows))]
	}
	return d
}

func importChoices() []string {
	out := []string{kasuhara.ImportConsultation}
	for _, c := range kasuhara.Categories {
		out = append(out, string(c))
	}
	return append(out, kasuhara.Subtypes...)
}

// importUploadForm draws the upload of a ledger.
func (s *Server) importUploadForm(w http.ResponseWriter, r *http.Request) error {
	if err := access.Check(viewerFrom(r.Context()).Actor, access.ImportCases); err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "import_upload", &page{Title: "import.title", Nav: "import",
		Data: map[string]any{"Key": newIdempotencyKey(), "MaxMB": kasuhara.MaxLedgerBytes >> 20, "MaxRows": kasuhara.MaxLedgerRows}})
}

// importUpload reads the uploaded ledger (its bytes, not to the evidence
// store: a workbook is no evidence), keeps it for the dry run and leads to
// its mapping. A file that is not a ledger is named on the form again.
func (s *Server) importUpload(w http.ResponseWriter, r *http.Request) error {
	v := viewerFrom(r.Context())
	if err := access.Check(v.Actor, access.ImportCases); err != nil {
		return err
	}
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "multipart/form-data" {
		return &kasuhara.Error{Code: kasuhara.EUNSUPPORTED, Message: "send multipart/form-data"}
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return kasuhara.InvalidField("file", kasuhara.FieldMalformed)
	}
	vals := url.Values{}
	var data []byte
	name := ""
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return s.importRefused(w, r, kasuhara.InvalidField("file", kasuhara.FieldFileTooLarge))
		}
		if part.FormName() == "file" && part.FileName() != "" {
			name = part.FileName()
			if data, err = io.ReadAll(io.LimitReader(part, kasuhara.MaxLedgerBytes+1)); err != nil {
				return s.importRefused(w, r, kasuhara.InvalidField("file", kasuhara.FieldFileTooLarge))
			}
			continue
		}
		b, _ := io.ReadAll(io.LimitReader(part, 1024))
		vals.Set(part.FormName(), string(b))
	}
	if data == nil {
		return s.importRefused(w, r, kasuhara.InvalidField("file", kasuhara.FieldRequired))
	}
	l, err := ledger.Read(data)
	if err != nil {
		return s.importRefused(w, r, err)
	}
	sum := sha256.Sum256(data)
	digest := hex.EncodeToString(sum[:])
	id, _, err := s.once(r.Context(), "user:"+v.User.ID, vals.Get(idempotencyField), "import:"+digest, func() (string, error) {
		return s.CaseImports.StageCaseImport(r.Context(), v.Actor, name, digest, l)
	})
	if err != nil {
		return s.importRefused(w, r, err)
	}
	http.Redirect(w, r, "/import/cases/"+id, http.StatusSeeOther)
	return nil
}

// importRefused draws the upload form again with the file's problem.
func (s *Server) importRefused(w http.ResponseWriter, r *http.Request, err error) error {
	fields := kasuhara.ErrorFields(err)
	if fields == nil {
		return err
	}
	loc := s.Catalog.Localizer(langFrom(r.Context()))
	f := &form{Values: map[string]string{}, Errors: map[string]string{}, Multi: map[string][]string{}}
	for _, e := range fields {
		f.Errors["file"] = translateField(loc, e)
	}
	return s.render(w, r, statusOf(kasuhara.ErrorCode(err)), "import_upload", &page{Title: "import.title", Nav: "import", Form: f,
		Flash: "form.fix", FlashKind: "error",
		Data: map[string]any{"Key": newIdempotencyKey(), "MaxMB": kasuhara.MaxLedgerBytes >> 20, "MaxRows": kasuhara.MaxLedgerRows}})
}

// mappingFrom reads a mapping from a form or query: m.FIELD=Column and
// v.WORD=meaning.
func mappingFrom(vals url.Values) (kasuhara.CaseImportMapping, bool) {
	m := kasuhara.CaseImportMapping{Columns: map[string]string{}, Values: map[string]string{}}
	given := false
	for k := range vals {
		switch {
		case strings.HasPrefix(k, "m."):
			given = true
			if col := strings.TrimSpace(vals.Get(k)); col != "" {
				m.Columns[strings.TrimPrefix(k, "m.")] = col
			}
		case strings.HasPrefix(k, "v."):
			if to := strings.TrimSpace(vals.Get(k)); to != "" {
				m.Values[strings.TrimPrefix(k, "v.")] = to
			}
		}
	}
	return m, given
}

func (m importPage) hidden() url.Values {
	h := url.Values{}
	for f, col := range m.Mapping.Columns {
		h.Set("m."+f, col)
	}
	for w, to := range m.Mapping.Values {
		h.Set("v."+w, to)
	}
	h.Set("year", m.Year)
	return h
}

// importView draws the mapping of an uploaded ledger; with check=1 it runs
// the dry run (a GET: nothing is written) and shows what would be created
// and every problem by row and column.
func (s *Server) importView(w http.ResponseWriter, r *http.Request) error {
	return s.importPageFor(w, r, r.URL.Query(), http.StatusOK, r.URL.Query().Get("check") == "1")
}

func (s *Server) importPageFor(w http.ResponseWriter, r *http.Request, vals url.Values, status int, check bool) error {
	v := viewerFrom(r.Context())
	ctx := r.Context()
	st, err := s.CaseImports.StagedCaseImport(ctx, v.Actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	d := newImportPage(st)
	d.Year = strings.TrimSpace(vals.Get("year"))
	p := &page{Title: "import.title", Nav: "import", Data: &d}
	if !st.ImportedAt.IsZero() {
		return s.render(w, r, status, "import_case", p)
	}
	if d.Saved, err = s.CaseImports.ImportMappings(ctx, v.Actor, v.Org.ID); err != nil {
		return err
	}
	m, given := mappingFrom(vals)
	switch {
	case given:
		d.Mapping = m
	case vals.Get("mapping") != "":
		i := slices.IndexFunc(d.Saved, func(n kasuhara.NamedMapping) bool { return n.Name == vals.Get("mapping") })
		if i < 0 {
			return &kasuhara.Error{Code: kasuhara.ENOTFOUND, Message: "no such mapping"}
		}
		d.Mapping = d.Saved[i].Mapping
	default:
		d.Mapping = ledger.Guess(st.Ledger.Headers)
	}
	if d.Mapping.Values == nil {
		d.Mapping.Values = map[string]string{}
	}
	d.Hidden = d.hidden()
	if check {
		if err := s.importCheck(r, &d, true); err != nil {
			return err
		}
	}
	return s.render(w, r, status, "import_case", p)
}

// importCheck runs ImportCases on d's mapping and fills in what it found.
// Field errors (a mapping without its required columns, a year out of
// range) are problems of row 0.
func (s *Server) importCheck(r *http.Request, d *importPage, dryRun bool) error {
	v := viewerFrom(r.Context())
	loc := s.Catalog.Localizer(langFrom(r.Context()))
	year := 0
	if d.Year != "" {
		n, err := strconv.Atoi(d.Year)
		if err != nil {
			d.Checked = true
			d.Problems = append(d.Problems, importProblem{Column: loc.T("import.year"), Message: loc.T("field.number")})
			return nil
		}
		year = n
	}
	res, err := s.CaseImports.ImportCases(r.Context(), v.Actor, v.Org.ID, kasuhara.CaseImportInput{StagedID: d.Staged.ID,
		FileName: d.Staged.FileName, SHA256: d.Staged.SHA256, Ledger: d.Staged.Ledger, Mapping: d.Mapping, Year: year}, dryRun)
	d.Checked = true
	if code := kasuhara.ErrorCode(err); code == kasuhara.EINVALID || code == kasuhara.ECONFLICT {
		for k, e := range kasuhara.ErrorFields(err) {
			col := loc.T("import.field." + strings.TrimPrefix(k, "mapping."))
			if k == "year" {
				col = loc.T("import.year")
			}
			d.Problems = append(d.Problems, importProblem{Column: col, Message: translateField(loc, e)})
		}
		if len(d.Problems) == 0 {
			d.Problems = append(d.Problems, importProblem{Message: loc.T("import.imported_already")})
		}
		return nil
	}
	if err != nil {
		return err
	}
	d.Result = res
	for _, l := range res.Lines {
		keys := make([]string, 0, len(l.Problems))
		for k := range l.Problems {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, func(a, b string) int {
			return slices.Index(kasuhara.ImportFields, a) - slices.Index(kasuhara.ImportFields, b)
		})
		for _, k := range keys {
			col := d.Mapping.Columns[k]
			if col == "" {
				col = loc.T("import.field." + k)
			}
			d.Problems = append(d.Problems, importProblem{Row: l.Row, Column: col, Message: translateField(loc, l.Problems[k])})
		}
	}
	for w, rows := range res.Unmatched {
		rs := make([]string, len(rows))
		for i, n := range rows {
			rs[i] = strconv.Itoa(n)
		}
		d.Unmatched = append(d.Unmatched, importWord{Word: w, Rows: strings.Join(rs, "、")})
	}
	slices.SortFunc(d.Unmatched, func(a, b importWord) int { return strings.Compare(a.Word, b.Word) })
	d.Imported = res.Refs
	return nil
}

// importRun imports the ledger by the mapping the form carries: all rows
// or none. Done, it leads to the upload's page, which lists the cases.
func (s *Server) importRun(w http.ResponseWriter, r *http.Request) error {
	v := viewerFrom(r.Context())
	if err := r.ParseForm(); err != nil {
		return err
	}
	st, err := s.CaseImports.StagedCaseImport(r.Context(), v.Actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	if !st.ImportedAt.IsZero() {
		// A second tap or a reload: the first did it.
		return s.done(w, r, "import.done", "/import/cases/"+st.ID)
	}
	m, _ := mappingFrom(r.PostForm)
	d := newImportPage(st)
	d.Mapping, d.Year = m, strings.TrimSpace(r.PostForm.Get("year"))
	d.Hidden = d.hidden()
	if err := s.importCheck(r, &d, false); err != nil {
		return err
	}
	if d.Result != nil && d.Result.Imported {
		return s.done(w, r, "import.done", "/import/cases/"+st.ID)
	}
	if d.Saved, err = s.CaseImports.ImportMappings(r.Context(), v.Actor, v.Org.ID); err != nil {
		return err
	}
	return s.render(w, r, http.StatusUnprocessableEntity, "import_case", &page{Title: "import.title", Nav: "import", Data: &d,
		Flash: "import.not_imported", FlashKind: "error"})
}

// importSaveMapping saves the mapping the form carries under a name, for
// the organisation, and returns to the dry run.
func (s *Server) importSaveMapping(w http.ResponseWriter, r *http.Request) error {
	v := viewerFrom(r.Context())
	if err := r.ParseForm(); err != nil {
		return err
	}
	// The upload must be the organisation's: its page is where this leads.
	if _, err := s.CaseImports.StagedCaseImport(r.Context(), v.Actor, r.PathValue("id")); err != nil {
		return err
	}
	m, _ := mappingFrom(r.PostForm)
	q := url.Values{}
	for k, vs := range r.PostForm {
		if strings.HasPrefix(k, "m.") || strings.HasPrefix(k, "v.") || k == "year" {
			q[k] = vs
		}
	}
	q.Set("check", "1")
	if err := s.CaseImports.SaveImportMapping(r.Context(), v.Actor, r.PostForm.Get("mapping_name"), m); err != nil {
		if kasuhara.ErrorCode(err) != kasuhara.EINVALID {
			return err
		}
		s.flash(r, "import.mapping_name_needed", "error")
		http.Redirect(w, r, "/import/cases/"+r.PathValue("id")+"?"+q.Encode(), http.StatusSeeOther)
		return nil
	}
	return s.done(w, r, "import.mapping_saved", "/import/cases/"+r.PathValue("id")+"?"+q.Encode())
}
