package web

import (
	"net/http"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/document"
)

// exportStats answers the figures as CSV or XLSX, with "<3" as in the API.
func (s *Server) exportStats(format string) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		st, _, err := s.statsFor(r)
		if err != nil {
			return err
		}
		t := document.StatsTable(document.StatsInput{Locale: s.locale(exportLang(r)), Stats: st, Departments: s.statsDepartments(r.Context(), st)})
		f, err := t.Export(format)
		if err != nil {
			return err
		}
		v := viewerFrom(r.Context())
		if err := s.Insight.RecordExport(r.Context(), v.Actor, "stats."+format, t.Len(), map[string]string{
			"from": st.Query.From, "to": st.Query.To, "group_by": st.Query.GroupBy}); err != nil {
			return err
		}
		s.sendFile(w, r, f)
		return nil
	}
}

// exportCases answers the cases the caller may see, with the list's
// filters, as CSV or XLSX: facts and dates, no narratives, no customer
// identities. Each export is an audit entry.
func (s *Server) exportCases(format string) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		// RecordExport refuses the roles that may not export, before
		// anything is sent.
		v := viewerFrom(r.Context())
		f, err := caseFilter(r)
		if err != nil {
			return err
		}
		// The cases, a page at a time, as long as the export reads them.
		cases := func(yield func(kasuhara.Case, error) bool) {
			f.Limit = 200
			for {
				list, next, err := s.Cases.Cases(r.Context(), v.Actor, f)
				if err != nil {
					yield(kasuhara.Case{}, err)
					return
				}
				for _, c := range list {
					if !yield(c, nil) {
						return
					}
				}
				if next == "" {
					return
				}
				f.Cursor = next
			}
		}
		t, err := document.CasesTable(document.CasesInput{Locale: s.locale(exportLang(r)),
			Now: s.Now(), Departments: s.departmentNames(r.Context(), v.Org.ID), Cases: cases})
		if err != nil {
			return err
		}
		file, err := t.Export(format)
		if err != nil {
			return err
		}
		// The audit entry names the filters by their codes; free text (the
		// search words) is not copied into it.
		filters := map[string]string{}
		for _, k := range []string{"state", "category", "verdict", "department", "assignee", "from", "to", "overdue", "sort"} {
			if v := r.URL.Query().Get(k); v != "" && len(v) <= 64 {
				filters[k] = v
			}
		}
		if r.URL.Query().Get("q") != "" {
			filters["q"] = "(search)" // the words searched may be personal
		}
		if err := s.Insight.RecordExport(r.Context(), v.Actor, "cases."+format, t.Len(), filters); err != nil {
			return err
		}
		s.sendFile(w, r, file)
		return nil
	}
}
