package web

import (
	"encoding/json"
	"html/template"
	"net/http"
	"slices"
	"strings"

	"github.com/kasuhara/kasuhara"
)

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
	// Departments are the departments of the organisations shown, as a
	// tree, for the department filter; Levels the roll-up levels to offer.
	Departments []kasuhara.DepartmentNode
	Levels      []int
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
		if byMonth, err = s.Insight.Stats(r.Context(), viewerFrom(r.Context()).Actor, ids, mq); err != nil {
			return err
		}
	}
	dash, err := s.Insight.Dashboard(r.Context(), viewerFrom(r.Context()).Actor, ids, q)
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
	if len(sc.ids) == 1 {
		deps, err := s.Orgs.Departments(r.Context(), sc.ids[0])
		if err != nil {
			return err
		}
		d.Departments = kasuhara.DepartmentTree(deps)
		deepest := 0
		for _, n := range d.Departments {
			deepest = max(deepest, n.Depth+1)
		}
		for l := 1; l <= deepest && deepest > 1; l++ {
			d.Levels = append(d.Levels, l)
		}
	}
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
