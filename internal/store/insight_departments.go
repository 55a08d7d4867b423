package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/kasuhara/kasuhara"
)

// counts are summed counters: dimension → key → cases.
type counts map[string]map[string]int

func (c counts) add(dim, key string, n int) {
	if c[dim] == nil {
		c[dim] = map[string]int{}
	}
	c[dim][key] += n
}

func (c counts) addAll(o counts) {
	for dim, m := range o {
		for k, n := range m {
			c.add(dim, k, n)
		}
	}
}

// departmentStats is Stats by department: the groups by department rolled
// up to q.Level, or the figures of q.Department and everything below it.
// The figures by department come from the maintained counters and are
// suppressed over the hierarchy (kasuhara.SuppressHierarchy), so that every
// view of it hides the same counts. The other groups of a department are
// counted from its cases (the counters are not kept per department); a
// department hidden in the hierarchy shows nothing, and a group that the
// organisation's or a department above's figure would give away by
// subtraction (it differs by 1 or 2) is withheld.
func (s *Store) departmentStats(ctx context.Context, orgIDs []string, q kasuhara.StatsQuery) (*kasuhara.Stats, error) {
	const op = "store.Stats"
	if q.Department != "" {
		var org string
		err := s.db.Read.QueryRowContext(ctx, "SELECT org_id FROM departments WHERE id = $1", q.Department).Scan(&org)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && !slices.Contains(orgIDs, org)) {
			return nil, kasuhara.InvalidField("department", kasuhara.FieldNotDepartment)
		} else if err != nil {
			return nil, wrap(op, err)
		}
		orgIDs = []string{org}
	}
	orgs, err := s.orgsByID(ctx, orgIDs)
	if err != nil {
		return nil, err
	}
	dims := []string{kasuhara.DimAll, "department", kasuhara.DimAckMinutes, kasuhara.DimResolveMin, kasuhara.DimAckOnTime, kasuhara.DimResolveOnTime}
	if q.GroupBy != "month" && q.GroupBy != "department" {
		dims = append(dims, q.GroupBy)
	}
	raw, err := s.statRows(ctx, orgIDs, q, dims...)
	if err != nil {
		return nil, wrap(op, err)
	}
	st := &kasuhara.Stats{Query: q}
	sum, sumGroups := counts{}, map[string]int{}
	for _, o := range orgs {
		deps, err := s.Departments(ctx, o.ID)
		if err != nil {
			return nil, wrap(op, err)
		}
		parent := map[string]string{}
		for _, d := range deps {
			parent[d.ID] = d.ParentID
		}
		r := raw[o.ID]
		if r == nil {
			r = counts{}
		}
		h := kasuhara.SuppressHierarchy(kasuhara.DepartmentFigures{Total: r[kasuhara.DimAll][""], Own: r["department"], Parent: parent})
		var os kasuhara.OrgStats
		if q.Department == "" {
			groups := r[q.GroupBy]
			var cut []kasuhara.StatCell
			if q.GroupBy == "department" {
				cut = h.Cut("", q.Level)
				groups = cellCounts(cut)
			}
			os = orgStats(o, q, r, groups)
			markHidden(os.Groups, cut)
			sum.addAll(r)
			for k, n := range groups {
				sumGroups[k] += n
			}
		} else {
			if os, err = s.oneDepartment(ctx, o, q, r, h); err != nil {
				return nil, wrap(op, err)
			}
		}
		st.Orgs = append(st.Orgs, os)
	}
	if len(orgs) > 1 {
		total := orgStats(kasuhara.Org{}, q, sum, sumGroups)
		st.Sum = &total
	}
	kasuhara.SuppressTable(st.Orgs, st.Sum)
	return st, nil
}

// oneDepartment is the figures of q.Department and everything below it.
func (s *Store) oneDepartment(ctx context.Context, o kasuhara.Org, q kasuhara.StatsQuery, r counts, h kasuhara.HierarchyCells) (kasuhara.OrgStats, error) {
	own, err := s.departmentCounts(ctx, o.ID, q)
	if err != nil {
		return kasuhara.OrgStats{}, err
	}
	// under sums the cases of dept and every department below it.
	under := func(dept string) counts {
		out := counts{}
		for d, c := range own {
			if d != "" && h.Under(d, dept) {
				out.addAll(c)
			}
		}
		return out
	}
	f := under(q.Department)
	figure := h.Rolled[q.Department]
	figure.Key = "total"
	f[kasuhara.DimAll] = map[string]int{"": figure.Count}
	var groups map[string]int
	var cut []kasuhara.StatCell
	if q.GroupBy == "department" {
		cut = h.Cut(q.Department, q.Level)
		groups = cellCounts(cut)
	} else {
		groups = f[q.GroupBy]
	}
	os := orgStats(o, q, f, groups)
	os.Total = figure
	if figure.Hidden() {
		// The department is hidden in the hierarchy: so is all of it.
		for i := range os.Groups {
			if os.Groups[i].Count > 0 {
				os.Groups[i].Withheld = true
			}
		}
		os.Ack, os.Resolve = kasuhara.Durations{Suppressed: true, Withheld: true}, kasuhara.Durations{Suppressed: true, Withheld: true}
		return os, nil
	}
	if cut != nil {
		markHidden(os.Groups, cut)
		return os, nil
	}
	// A group that differs by 1 or 2 from the same group of the
	// organisation, or of a department above, would give away the few
	// cases of the others.
	wider := []map[string]int{r[q.GroupBy]}
	if q.GroupBy == "month" {
		wider[0] = nil // the organisation's months are counted below
	}
	for d := h.Parent(q.Department); d != ""; d = h.Parent(d) {
		wider = append(wider, under(d)[q.GroupBy])
	}
	all := counts{}
	for _, c := range own {
		all.addAll(c)
	}
	if q.GroupBy == "month" {
		wider[0] = all["month"]
	}
	for i := range os.Groups {
		g := &os.Groups[i]
		for _, w := range wider {
			if w == nil {
				continue
			}
			if diff := w[g.Key] - g.Count; diff > 0 && diff < kasuhara.MinShown && !g.Hidden() {
				g.Withheld = true
			}
		}
	}
	return os, nil
}

// departmentCounts counts the cases of an organisation reported in q's
// months, by department ("" for none), as the counters do
// (kasuhara.StatKeys) and by month.
func (s *Store) departmentCounts(ctx context.Context, orgID string, q kasuhara.StatsQuery) (map[string]counts, error) {
	from, err := time.ParseInLocation(kasuhara.MonthLayout, q.From, kasuhara.JST)
	if err != nil {
		return nil, kasuhara.InvalidField("from", kasuhara.FieldMonth)
	}
	to, err := time.ParseInLocation(kasuhara.MonthLayout, q.To, kasuhara.JST)
	if err != nil {
		return nil, kasuhara.InvalidField("to", kasuhara.FieldMonth)
	}
	rows, err := s.db.Read.QueryContext(ctx, `SELECT COALESCE(c.department_id, ''), c.channel, c.state, c.verdict, c.categories, c.subtypes,
		c.acknowledge_by, c.feedback_by, c.acknowledged_at, c.resolved_at, c.created_at
		FROM cases c WHERE c.org_id = $1 AND c.created_at >= $2 AND c.created_at < $3`, orgID, from.UTC(), to.AddDate(0, 1, 0).UTC())
	if err != nil {
		return nil, fmt.Errorf("store: department counts: %w", err)
	}
	defer rows.Close()
	out := map[string]counts{}
	for rows.Next() {
		var c kasuhara.Case
		var cats, subs string
		var ack, res sql.NullTime
		if err := rows.Scan(&c.Report.DepartmentID, &c.Report.Channel, &c.State, &c.Verdict, &cats, &subs,
			&c.AcknowledgeBy, &c.FeedbackBy, &ack, &res, &c.CreatedAt); err != nil {
			return nil, fmt.Errorf("store: department counts: %w", err)
		}
		for _, s := range splitList(cats) {
			c.Report.Categories = append(c.Report.Categories, kasuhara.Category(s))
		}
		c.Report.Subtypes = splitList(subs)
		c.AcknowledgedAt, c.ResolvedAt = nullTime(ack), nullTime(res)
		c.CreatedAt = c.CreatedAt.UTC()
		d := c.Report.DepartmentID
		if out[d] == nil {
			out[d] = counts{}
		}
		for _, k := range kasuhara.StatKeys(&c) {
			out[d].add(k.Dim, k.Key, 1)
		}
		out[d].add("month", kasuhara.StatMonth(c.CreatedAt), 1)
	}
	return out, rows.Err()
}

// cellCounts is the counts of cells by key, leaving out the empty ones.
func cellCounts(cells []kasuhara.StatCell) map[string]int {
	out := map[string]int{}
	for _, c := range cells {
		if c.Count != 0 {
			out[c.Key] = c.Count
		}
	}
	return out
}

// markHidden copies the hierarchy's hidden figures onto groups.
func markHidden(groups []kasuhara.StatCell, cut []kasuhara.StatCell) {
	for i := range groups {
		for _, c := range cut {
			if c.Key == groups[i].Key {
				groups[i].Suppressed, groups[i].Withheld = c.Suppressed, c.Withheld
			}
		}
	}
}
