package web

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html/template"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/access"
	"github.com/kasuhara/kasuhara/internal/calendar"
	"github.com/kasuhara/kasuhara/internal/i18n"
	"github.com/kasuhara/kasuhara/internal/pdf"
	"github.com/xuri/excelize/v2"
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
	l := labeller{loc: s.Catalog.Localizer(lang), depts: map[string]string{}}
	for _, o := range st.Orgs {
		ds, err := s.Orgs.Departments(r.Context(), o.OrgID)
		if err != nil {
			continue
		}
		for _, d := range ds {
			l.depts[d.ID] = d.Name
		}
	}
	return l
}

func (l labeller) label(groupBy, key string) string {
	switch groupBy {
	case "month":
		return key
	case "department":
		if key == "" {
			return l.loc.T("acks.no_department")
		}
		if n, ok := l.depts[key]; ok {
			return n
		}
		return key
	case "verdict":
		if key == "" {
			return l.loc.T("insight.not_assessed")
		}
	}
	if s, err := l.loc.Translate(groupBy+"."+key, nil); err == nil {
		return s
	}
	return key
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

// statsTable lays the figures out as rows: a header, then per
// organisation (and the group's sum) each group, the total and the times.
func (s *Server) statsTable(r *http.Request, st *kasuhara.Stats, lang string) [][]string {
	l := s.labeller(r, lang, st)
	loc := l.loc
	rows := [][]string{{loc.T("insight.col.org"), loc.T("insight.col.group_by." + st.Query.GroupBy), loc.T("insight.col.count")}}
	add := func(o orgStatsJSON) {
		for _, g := range o.Groups {
			rows = append(rows, []string{o.Name, g.Label, fmt.Sprint(g.Count)})
		}
		rows = append(rows, []string{o.Name, loc.T("insight.total"), fmt.Sprint(o.Total)})
		for _, d := range []struct {
			key string
			v   durationsJSON
		}{{"acknowledge", o.Acknowledge}, {"resolve", o.Resolve}} {
			if d.v.MedianMinutes != nil {
				rows = append(rows, []string{o.Name, loc.T("insight.median_" + d.key), strconv.Itoa(*d.v.MedianMinutes)},
					[]string{o.Name, loc.T("insight.p90_" + d.key), strconv.Itoa(*d.v.P90Minutes)})
			} else if d.v.Count == kasuhara.Suppressed {
				rows = append(rows, []string{o.Name, loc.T("insight.median_" + d.key), kasuhara.Suppressed})
			}
		}
	}
	out := l.statsOut(st)
	for _, o := range out.Orgs {
		add(o)
	}
	if out.Sum != nil {
		add(*out.Sum)
	}
	return rows
}

// csvBytes writes rows as CSV that Excel opens correctly: UTF-8 with BOM.
func csvBytes(rows [][]string) []byte {
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	cw := csv.NewWriter(&buf)
	cw.UseCRLF = true
	cw.WriteAll(rows)
	return buf.Bytes()
}

// xlsxBytes writes rows to the first sheet of a workbook; numbers stay
// numbers.
func xlsxBytes(sheet string, rows [][]string) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return nil, err
	}
	for i, row := range rows {
		vals := make([]any, len(row))
		for j, v := range row {
			if n, err := strconv.Atoi(v); err == nil && i > 0 {
				vals[j] = n
			} else {
				vals[j] = v
			}
		}
		cellName, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(sheet, cellName, &vals); err != nil {
			return nil, err
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func sendFile(w http.ResponseWriter, contentType, name string, b []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	w.Header().Set("Cache-Control", "private, no-store")
	w.Write(b)
}

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// exportStats answers the figures as CSV or XLSX, with "<3" as in the API.
func (s *Server) exportStats(format string) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		st, _, err := s.statsFor(r)
		if err != nil {
			return err
		}
		lang := exportLang(r)
		rows := s.statsTable(r, st, lang)
		name := "stats-" + st.Query.From + "-" + st.Query.To + "-" + st.Query.GroupBy
		v := viewerFrom(r.Context())
		if err := s.Insight.RecordExport(r.Context(), v.Actor, "stats."+format, len(rows)-1, map[string]string{
			"from": st.Query.From, "to": st.Query.To, "group_by": st.Query.GroupBy}); err != nil {
			return err
		}
		if format == "csv" {
			sendFile(w, "text/csv; charset=utf-8", name+".csv", csvBytes(rows))
			return nil
		}
		b, err := xlsxBytes(s.Catalog.Localizer(lang).T("insight.title"), rows)
		if err != nil {
			return err
		}
		sendFile(w, xlsxType, name+".xlsx", b)
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

// MaxExportRows is the most cases one export holds.
const MaxExportRows = 100_000

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
		lang := exportLang(r)
		loc := s.Catalog.Localizer(lang)
		depts := map[string]string{}
		if ds, err := s.Orgs.Departments(r.Context(), v.Org.ID); err == nil {
			for _, d := range ds {
				depts[d.ID] = d.Name
			}
		}
		cols := []string{"ref", "reported_at", "occurred_at", "state", "urgent", "channel", "department", "categories", "subtypes", "verdict",
			"acknowledged_at", "resolved_at", "closed_at"}
		header := make([]string, len(cols))
		for i, c := range cols {
			header[i] = loc.T("export.col." + c)
		}
		rows := [][]string{header}
		ts := func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.In(calendar.JST).Format("2006-01-02 15:04")
		}
		f.Limit = 200
		actor := v.Actor
		for {
			list, next, err := s.Cases.Cases(r.Context(), actor, f)
			if err != nil {
				return err
			}
			for _, c := range list {
				var cats, subs []string
				for _, x := range c.Report.Categories {
					cats = append(cats, loc.T("category."+string(x)))
				}
				for _, x := range c.Report.Subtypes {
					subs = append(subs, loc.T("subtype."+x))
				}
				verdict := ""
				if c.Verdict != "" {
					verdict = loc.T("verdict." + c.Verdict)
				}
				urgent := ""
				if c.Urgent {
					urgent = loc.T("export.yes")
				}
				rows = append(rows, []string{c.Ref, ts(c.CreatedAt), ts(c.Report.OccurredAt), loc.T("state." + string(c.State)), urgent,
					loc.T("channel." + c.Report.Channel), depts[c.Report.DepartmentID], strings.Join(cats, "、"), strings.Join(subs, "、"), verdict,
					ts(c.AcknowledgedAt), ts(c.ResolvedAt), ts(c.ClosedAt)})
			}
			if next == "" || len(rows) > MaxExportRows {
				break
			}
			f.Cursor = next
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
		if err := s.Insight.RecordExport(r.Context(), v.Actor, "cases."+format, len(rows)-1, filters); err != nil {
			return err
		}
		name := "cases-" + s.Now().In(calendar.JST).Format("20060102")
		if format == "csv" {
			sendFile(w, "text/csv; charset=utf-8", name+".csv", csvBytes(rows))
			return nil
		}
		b, err := xlsxBytes(loc.T("export.cases_sheet"), rows)
		if err != nil {
			return err
		}
		sendFile(w, xlsxType, name+".xlsx", b)
		return nil
	}
}

// formatMinutes writes a duration in minutes as people read it.
func formatMinutes(m int, lang string) string {
	h, d := m/60, m/(24*60)
	switch {
	case lang == "ja" && m < 120:
		return fmt.Sprintf("%d分", m)
	case lang == "ja" && m < 2*24*60:
		return fmt.Sprintf("%d時間%d分", h, m%60)
	case lang == "ja":
		return fmt.Sprintf("%d日%d時間", d, h%24)
	case m < 120:
		return fmt.Sprintf("%d min", m)
	case m < 2*24*60:
		return fmt.Sprintf("%d h %d min", h, m%60)
	default:
		return fmt.Sprintf("%d d %d h", d, h%24)
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

// annualReport is the year's figures for the board as a PDF: cases by
// month, kind, verdict and department, the times against the clocks,
// measures, care, training and policy; small groups as "<3".
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
	ids := sc.ids
	v := viewerFrom(r.Context())
	lang := exportLang(r)
	loc := s.Catalog.Localizer(lang)
	from, to := fmt.Sprintf("%04d-01", year), fmt.Sprintf("%04d-12", year)
	figures := func(groupBy string) (orgStatsJSON, error) {
		st, err := s.Insight.Stats(r.Context(), ids, kasuhara.StatsQuery{From: from, To: to, GroupBy: groupBy})
		if err != nil {
			return orgStatsJSON{}, err
		}
		out := s.labeller(r, lang, st).statsOut(st)
		if out.Sum != nil {
			return *out.Sum, nil
		}
		return out.Orgs[0], nil
	}
	bars := func(o orgStatsJSON) []pdf.Bar {
		var out []pdf.Bar
		for _, g := range o.Groups {
			b := pdf.Bar{Label: g.Label, Text: fmt.Sprint(g.Count)}
			if n, ok := g.Count.(int); ok {
				b.Value = n
			} else {
				b.Hidden = true
			}
			out = append(out, b)
		}
		return out
	}
	in := pdf.SummaryInput{Lang: lang, Generated: s.Now().In(calendar.JST)}
	name := sc.name
	if len(ids) > 1 {
		name += " " + loc.T("insight.and_group")
	}
	in.Title = loc.T("insight.annual_title", map[string]any{"Org": name, "Year": year})
	months, err := figures("month")
	if err != nil {
		return err
	}
	dur := func(d durationsJSON) string {
		if d.MedianMinutes == nil {
			return fmt.Sprint(d.Count)
		}
		return loc.T("insight.annual_durations", map[string]any{"Median": formatMinutes(*d.MedianMinutes, lang),
			"P90": formatMinutes(*d.P90Minutes, lang), "OnTime": d.OnTime, "Of": d.Count})
	}
	in.Sections = append(in.Sections, pdf.Section{Heading: loc.T("insight.annual_summary"), Facts: [][2]string{
		{loc.T("insight.cases"), fmt.Sprint(months.Total)},
		{loc.T("insight.time_ack"), dur(months.Acknowledge)},
		{loc.T("insight.time_resolve"), dur(months.Resolve)},
	}})
	in.Sections = append(in.Sections, pdf.Section{Heading: loc.T("insight.over_time"), Bars: bars(months)})
	for _, g := range []string{"category", "verdict", "channel", "department"} {
		o, err := figures(g)
		if err != nil {
			return err
		}
		in.Sections = append(in.Sections, pdf.Section{Heading: loc.T("insight.col.group_by." + g), Bars: bars(o)})
	}
	dash, err := s.Insight.Dashboard(r.Context(), ids, kasuhara.StatsQuery{From: from, To: to, GroupBy: "month"})
	if err != nil {
		return err
	}
	var measures [][2]string
	for _, level := range kasuhara.MeasureLevels {
		if n := dash.MeasuresInForce[level]; n > 0 {
			measures = append(measures, [2]string{loc.T("level." + level), strconv.Itoa(n)})
		}
	}
	measures = append(measures, [2]string{loc.T("insight.repeat_customers"), dash.RepeatCustomers.Shown()})
	in.Sections = append(in.Sections, pdf.Section{Heading: loc.T("insight.annual_measures"), Facts: measures})
	var care [][2]string
	for _, kind := range kasuhara.CareKinds {
		if n, ok := dash.CareOffered[kind]; ok && n.Count > 0 {
			care = append(care, [2]string{loc.T("care." + kind), loc.T("insight.care_done", map[string]any{"Done": dash.CareDone[kind].Shown(), "Offered": n.Shown()})})
		}
	}
	if len(care) > 0 {
		in.Sections = append(in.Sections, pdf.Section{Heading: loc.T("insight.care"), Facts: care})
	}
	var training [][]string
	for title, v := range dash.TrainingComplete {
		training = append(training, []string{title, fmt.Sprintf("%d / %d", v[0], v[1])})
	}
	slices.SortFunc(training, func(a, b []string) int { return strings.Compare(a[0], b[0]) })
	if len(training) > 0 {
		in.Sections = append(in.Sections, pdf.Section{Heading: loc.T("insight.training"),
			Table: &pdf.TableData{Header: []string{loc.T("training.course"), loc.T("insight.training_done")}, Rows: training, Widths: []float64{3, 1}}})
	}
	var policy [][2]string
	for title, p := range dash.PolicyAckRate {
		policy = append(policy, [2]string{title, fmt.Sprintf("%d%%", p)})
	}
	slices.SortFunc(policy, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
	if len(policy) > 0 {
		in.Sections = append(in.Sections, pdf.Section{Heading: loc.T("insight.policy"), Facts: policy})
	}
	in.Sections = append(in.Sections, pdf.Section{Text: loc.T("insight.suppression")})
	b, err := pdf.CaseSummary(in)
	if err != nil {
		return err
	}
	if err := s.Insight.RecordExport(r.Context(), v.Actor, "annual.pdf", 1, map[string]string{"year": strconv.Itoa(year)}); err != nil {
		return err
	}
	sendFile(w, "application/pdf", fmt.Sprintf("annual-report-%d.pdf", year), b)
	return nil
}
