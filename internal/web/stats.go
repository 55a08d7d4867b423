package web

import (
	"context"
	"net/http"
	"strconv"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/access"
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

// statsQuery reads from, to (months or dates), group_by, department (with
// the departments below it) and level (the roll-up of the groups by
// department); by default the twelve months up to this one, by month, the
// whole organisation.
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
	level := 0
	if v := q.Get("level"); v != "" {
		var err error
		if level, err = strconv.Atoi(v); err != nil {
			level = -1 // a field error naming level
		}
	}
	return kasuhara.StatsQuery{
		From:       month(q.Get("from"), kasuhara.StatMonth(now.AddDate(0, -11, 0))),
		To:         month(q.Get("to"), kasuhara.StatMonth(now)),
		GroupBy:    map[bool]string{true: q.Get("group_by"), false: "month"}[q.Get("group_by") != ""],
		Department: q.Get("department"),
		Level:      level,
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
	st, err := s.Insight.Stats(r.Context(), viewerFrom(r.Context()).Actor, sc.ids, s.statsQuery(r))
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
	if d.Withheld {
		return durationsJSON{Count: kasuhara.Withheld}
	}
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
