package web

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/access"
	"github.com/kasuhara/kasuhara/internal/document"
)

// annualReport is the year's figures for the board as a PDF (see
// document.AnnualReport), for the organisations of the request's scope.
func (s *Server) annualReport(w http.ResponseWriter, r *http.Request) error {
	if err := s.allow(r, access.ViewStatistics); err != nil {
		return err
	}
	year, err := strconv.Atoi(r.URL.Query().Get("year"))
	if err != nil || year < 2000 || year > 2200 {
		return kasuhara.InvalidField("year", kasuhara.FieldNumber)
	}
	sc, err := s.statsScope(r)
	if err != nil {
		return err
	}
	in := document.AnnualInput{Locale: s.locale(exportLang(r)), Now: s.Now(), Year: year,
		Org: sc.name, Group: len(sc.ids) > 1, Stats: map[string]*kasuhara.Stats{}, Departments: s.departmentNames(r.Context(), sc.ids...)}
	q := kasuhara.StatsQuery{From: fmt.Sprintf("%04d-01", year), To: fmt.Sprintf("%04d-12", year)}
	for _, g := range document.AnnualGroups {
		q.GroupBy = g
		if in.Stats[g], err = s.Insight.Stats(r.Context(), viewerFrom(r.Context()).Actor, sc.ids, q); err != nil {
			return err
		}
	}
	q.GroupBy = "month"
	if in.Dashboard, err = s.Insight.Dashboard(r.Context(), viewerFrom(r.Context()).Actor, sc.ids, q); err != nil {
		return err
	}
	f, err := document.AnnualReport(in)
	if err != nil {
		return err
	}
	v := viewerFrom(r.Context())
	if err := s.Insight.RecordExport(r.Context(), v.Actor, "annual.pdf", 1, map[string]string{"year": strconv.Itoa(year)}); err != nil {
		return err
	}
	s.sendFile(w, r, f)
	return nil
}
