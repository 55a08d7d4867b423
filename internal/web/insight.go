package web

import (
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/access"
	"github.com/kasuhara/kasuhara/internal/calendar"
	"github.com/kasuhara/kasuhara/internal/document"
	"github.com/kasuhara/kasuhara/internal/i18n"
)

// scope is the organisations whose figures a request asks for (ids,
// the first one named Name), out of those the viewer may see (tree).
type scope struct {
	ids  []string
	name string
	tree []kasuhara.Org
}

// statsScope is the organisations whose figures the viewer sees: their own
// and, for a parent, its subsidiaries; ?org=slug narrows it to one of them.
func (s *Server) statsScope(r *http.Request) (scope, error) {
	v := viewerFrom(r.Context())
	tree, err := s.Orgs.OrgTree(r.Context(), v.Org.ID)
	if err != nil {
		return scope{}, err
	}
	want := r.URL.Query().Get("org")
	sc := scope{tree: tree}
	for _, o := range tree {
		if want == "" || o.Slug == want {
			if len(sc.ids) == 0 {
				sc.name = o.Name
			}
			sc.ids = append(sc.ids, o.ID)
		}
	}
	if len(sc.ids) == 0 {
		return scope{}, kasuhara.InvalidField("org", kasuhara.FieldNoSuchOrg)
	}
	return sc, nil
}

// statsQuery reads from, to (months or dates) and group_by; by default the
// twelve months up to this one, by month.
func (s *Server) statsQuery(r *http.Request) kasuhara.StatsQuery {
	q := r.URL.Query()
	now := s.Now()
	month := func(v, def string) string {
		if len(v) == len("2006-01-02") {
			v = v[:7]
		}
		if v == "" {
			return def
		}
		return v
	}
	return kasuhara.StatsQuery{
		From:    month(q.Get("from"), kasuhara.StatMonth(now.AddDate(0, -11, 0))),
		To:      month(q.Get("to"), kasuhara.StatMonth(now)),
		GroupBy: map[bool]string{true: q.Get("group_by"), false: "month"}[q.Get("group_by") != ""],
	}
}

// statsFor checks the permission and computes the figures of a request.
func (s *Server) statsFor(r *http.Request) (*kasuhara.Stats, scope, error) {
	if err := s.allow(r, access.ViewStatistics); err != nil {
		return nil, scope{}, err
	}
	sc, err := s.statsScope(r)
	if err != nil {
		return nil, scope{}, err
	}
	st, err := s.Insight.Stats(r.Context(), sc.ids, s.statsQuery(r))
	if err != nil {
		return nil, scope{}, err
	}
	return st, sc, nil
}

// labeller names group keys in a language.
type labeller struct {
	loc   *i18n.Localizer
	depts map[string]string
}

func (s *Server) labeller(r *http.Request, lang string, st *kasuhara.Stats) labeller {
	return labeller{loc: s.Catalog.Localizer(lang), depts: s.statsDepartments(r.Context(), st)}
}

// statsDepartments names the departments of the organisations counted.
func (s *Server) statsDepartments(ctx context.Context, st *kasuhara.Stats) map[string]string {
	ids := make([]string, 0, len(st.Orgs))
	for _, o := range st.Orgs {
		ids = append(ids, o.OrgID)
	}
	return s.departmentNames(ctx, ids...)
}

// departmentNames maps the departments of the organisations to their
// names; an organisation whose departments cannot be read is left out
// (its groups are named by their ids).
func (s *Server) departmentNames(ctx context.Context, orgIDs ...string) map[string]string {
	names := map[string]string{}
	for _, id := range orgIDs {
		ds, err := s.Orgs.Departments(ctx, id)
		if err != nil {
			continue
		}
		for _, d := range ds {
			names[d.ID] = d.Name
		}
	}
	return names
}

func (l labeller) label(groupBy, key string) string {
	return document.GroupLabel(l.loc, l.depts, groupBy, key)
}

// shown is a count as the contract writes it: a number, "<3", or "*".
func shown(c kasuhara.StatCell) any {
	if c.Hidden() {
		return c.Shown()
	}
	return c.Count
}

type cellJSON struct {
	Key   string `json:"key"`
	Label string `json:"label"`
	Count any    `json:"count"`
}

type durationsJSON struct {
	Count         any  `json:"count"`
	MedianMinutes *int `json:"median_minutes"`
	P90Minutes    *int `json:"p90_minutes"`
	OnTime        any  `json:"on_time"`
}

type orgStatsJSON struct {
	Org         string        `json:"org,omitempty"`
	Name        string        `json:"name,omitempty"`
	Total       any           `json:"total"`
	Groups      []cellJSON    `json:"groups"`
	Acknowledge durationsJSON `json:"acknowledge"`
	Resolve     durationsJSON `json:"resolve"`
}

type statsJSON struct {
	From    string         `json:"from"`
	To      string         `json:"to"`
	GroupBy string         `json:"group_by"`
	Orgs    []orgStatsJSON `json:"orgs"`
	Sum     *orgStatsJSON  `json:"sum,omitempty"`
}

func durationsOut(d kasuhara.Durations) durationsJSON {
	if d.Suppressed {
		// Fewer cases than MinDurations: the count is shown as a count
		// (suppressed under 3), the times not at all.
		c := []kasuhara.StatCell{{Count: d.Count}}
		kasuhara.Suppress(c)
		return durationsJSON{Count: shown(c[0])}
	}
	out := durationsJSON{Count: d.Count, OnTime: d.OnTime}
	if d.OnTimeHidden {
		out.OnTime = kasuhara.Withheld
	}
	if d.Count > 0 {
		m, p := d.Median, d.P90
		out.MedianMinutes, out.P90Minutes = &m, &p
	}
	return out
}

func (l labeller) orgOut(o kasuhara.OrgStats, groupBy string) orgStatsJSON {
	out := orgStatsJSON{Org: o.OrgSlug, Name: o.OrgName, Total: shown(o.Total), Groups: []cellJSON{},
		Acknowledge: durationsOut(o.Ack), Resolve: durationsOut(o.Resolve)}
	for _, c := range o.Groups {
		out.Groups = append(out.Groups, cellJSON{Key: c.Key, Label: l.label(groupBy, c.Key), Count: shown(c)})
	}
	return out
}

func (l labeller) statsOut(st *kasuhara.Stats) statsJSON {
	out := statsJSON{From: st.Query.From, To: st.Query.To, GroupBy: st.Query.GroupBy, Orgs: []orgStatsJSON{}}
	for _, o := range st.Orgs {
		out.Orgs = append(out.Orgs, l.orgOut(o, st.Query.GroupBy))
	}
	if st.Sum != nil {
		sum := l.orgOut(*st.Sum, st.Query.GroupBy)
		sum.Name = l.loc.T("insight.group_total")
		out.Sum = &sum
	}
	return out
}

// apiStats is GET /api/v1/stats: figures only, small groups as "<3".
func (s *Server) apiStats(w http.ResponseWriter, r *http.Request) error {
	st, _, err := s.statsFor(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.labeller(r, apiLang(r), st).statsOut(st))
	return nil
}

// exportLang is the language of an export: ?lang=, else the request's.
func exportLang(r *http.Request) string {
	if l := r.URL.Query().Get("lang"); l == "ja" || l == "en" {
		return l
	}
	if isAPI(r) {
		return apiLang(r)
	}
	return langFrom(r.Context())
}

// locale is the catalogue in lang and the time zone of every date a
// document prints.
func (s *Server) locale(lang string) document.Locale {
	return document.Locale{Loc: s.Catalog.Localizer(lang), Zone: calendar.JST}
}

// sendFile answers a document as a download: its type, a file name safe
// in a header and on every file system, and no copy kept on the way. A
// streamed document that fails after it has begun is cut short (a broken
// ZIP does not verify) and the cause logged: the answer has begun, so
// there is no error to return.
func (s *Server) sendFile(w http.ResponseWriter, r *http.Request, f document.File) {
	h := w.Header()
	h.Set("Content-Type", f.Type)
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": safeFileName(f.Name)}))
	h.Set("Cache-Control", "private, no-store")
	if err := f.Write(w); err != nil {
		s.Logger.Error("download", "request_id", requestID(r.Context()), "err", err)
	}
}

// safeFileName replaces what a file system or a header does not take in a
// file name (separators, control characters, quotes) with "_".
func safeFileName(name string) string {
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || strings.ContainsRune(`/\:*?"<>|`, r) {
			return '_'
		}
		return r
	}, name)
	if strings.Trim(name, ". ") == "" {
		return "download"
	}
	return name
}

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

// insightData is what the dashboard shows.
type insightData struct {
	Stats     statsJSON
	Month     statsJSON // by month, for the chart over time
	Dashboard *kasuhara.Dashboard
	Query     kasuhara.StatsQuery
	Groups    []string
	Charts    template.JS
	Orgs      []kasuhara.Org
	Org       string
}

// insightPage is the dashboard of the desk, legal and analysts.
func (s *Server) insightPage(w http.ResponseWriter, r *http.Request) error {
	st, sc, err := s.statsFor(r)
	if err != nil {
		return err
	}
	ids := sc.ids
	lang := langFrom(r.Context())
	l := s.labeller(r, lang, st)
	q := st.Query
	byMonth := st
	if q.GroupBy != "month" {
		mq := q
		mq.GroupBy = "month"
		var err error
		if byMonth, err = s.Insight.Stats(r.Context(), ids, mq); err != nil {
			return err
		}
	}
	dash, err := s.Insight.Dashboard(r.Context(), ids, q)
	if err != nil {
		return err
	}
	d := &insightData{Stats: l.statsOut(st), Month: l.statsOut(byMonth), Dashboard: dash, Query: q, Groups: kasuhara.StatsGroups, Orgs: sc.tree,
		Org: r.URL.Query().Get("org")}
	// The charts' data: suppressed groups are drawn without a bar.
	charts, err := json.Marshal(map[string]any{"month": chartOf(d.Month), "group": chartOf(d.Stats),
		"labels": map[string]string{"cases": l.loc.T("insight.cases"), "suppressed": kasuhara.Suppressed}})
	if err != nil {
		return err
	}
	d.Charts = template.JS(charts)
	return s.render(w, r, http.StatusOK, "insight", &page{Title: "insight.title", Nav: "insight", Data: d})
}

type chartSeries struct {
	Name   string `json:"name"`
	Values []any  `json:"values"` // a number, or null for "<3"
}

type chartJSON struct {
	Labels []string      `json:"labels"`
	Series []chartSeries `json:"series"`
}

// chartOf is a chart's data: one series per organisation (and the sum),
// one label per group; a suppressed group has no value.
func chartOf(st statsJSON) chartJSON {
	var c chartJSON
	index := map[string]int{}
	orgs := st.Orgs
	if st.Sum != nil {
		orgs = append(orgs, *st.Sum)
	}
	for _, o := range orgs {
		for _, g := range o.Groups {
			if _, ok := index[g.Key]; !ok {
				index[g.Key] = len(c.Labels)
				c.Labels = append(c.Labels, g.Label)
			}
		}
	}
	hidden := make([]bool, len(c.Labels))
	for _, o := range orgs {
		for _, g := range o.Groups {
			if _, ok := g.Count.(int); !ok {
				hidden[index[g.Key]] = true
			}
		}
	}
	for i := range c.Labels {
		if hidden[i] {
			c.Labels[i] += " (" + kasuhara.Suppressed + " / " + kasuhara.Withheld + ")"
		}
	}
	for _, o := range orgs {
		vals := make([]any, len(c.Labels))
		for i := range vals {
			vals[i] = 0
		}
		for _, g := range o.Groups {
			if n, ok := g.Count.(int); ok {
				vals[index[g.Key]] = n
			} else {
				vals[index[g.Key]] = nil
			}
		}
		c.Series = append(c.Series, chartSeries{Name: o.Name, Values: vals})
	}
	return c
}

// exportCases answers the cases the caller may see, with the list's
// filters, as CSV or XLSX: facts and dates, no narratives, no customer
// identities. Each export is an audit entry.
func (s *Server) exportCases(format string) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		v := viewerFrom(r.Context())
		if role := v.Membership.Role; role != kasuhara.RoleDesk && role != kasuhara.RoleLegal {
			return kasuhara.Errorf(kasuhara.EFORBIDDEN, "exports of cases are the desk's and legal's")
		}
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

// statsRow is one line of the dashboard's table: a group and its count
// in each organisation (and the sum), as shown.
type statsRow struct {
	Label  string
	Counts []any
}

// statsRows lays the groups of every organisation side by side.
func statsRows(st statsJSON) []statsRow {
	orgs := st.Orgs
	if st.Sum != nil {
		orgs = append(append([]orgStatsJSON{}, orgs...), *st.Sum)
	}
	index := map[string]int{}
	var rows []statsRow
	for i, o := range orgs {
		for _, g := range o.Groups {
			j, ok := index[g.Key]
			if !ok {
				j = len(rows)
				index[g.Key] = j
				rows = append(rows, statsRow{Label: g.Label, Counts: make([]any, len(orgs))})
			}
			rows[j].Counts[i] = g.Count
		}
	}
	for _, r := range rows {
		for i := range r.Counts {
			if r.Counts[i] == nil {
				r.Counts[i] = 0
			}
		}
	}
	if st.GroupBy == "month" {
		slices.SortFunc(rows, func(a, b statsRow) int { return strings.Compare(a.Label, b.Label) })
	}
	return rows
}

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
		if in.Stats[g], err = s.Insight.Stats(r.Context(), sc.ids, q); err != nil {
			return err
		}
	}
	q.GroupBy = "month"
	if in.Dashboard, err = s.Insight.Dashboard(r.Context(), sc.ids, q); err != nil {
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
