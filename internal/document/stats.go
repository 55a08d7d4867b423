package document

import (
	"strconv"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/i18n"
)

// GroupLabel names a group of the statistics (a month, a department, a
// verdict, …) in loc's language; departments maps a department's id to
// its name. The dashboard and the API name groups with it too.
func GroupLabel(loc *i18n.Localizer, departments map[string]string, groupBy, key string) string {
	switch groupBy {
	case "month":
		return key
	case "department":
		if key == "" {
			return loc.T("acks.no_department")
		}
		if n, ok := departments[key]; ok {
			return n
		}
		return key
	case "verdict":
		if key == "" {
			return loc.T("insight.not_assessed")
		}
	}
	if s, err := loc.Translate(groupBy+"."+key, nil); err == nil {
		return s
	}
	return key
}

// StatsInput is the figures of a statistics export.
type StatsInput struct {
	Locale
	// Stats are the figures, small groups already suppressed.
	Stats *kasuhara.Stats
	// Departments maps the department ids of the organisations counted to
	// their names.
	Departments map[string]string
}

// StatsTable lays the figures out as rows: a header, then for each
// organisation (and the group's sum) each group, the total and the times,
// with suppressed counts written as in the API ("<3", "*").
func StatsTable(in StatsInput) Table {
	st := in.Stats
	q := st.Query
	rows := [][]string{{in.t("insight.col.org"), in.t("insight.col.group_by." + q.GroupBy), in.t("insight.col.count")}}
	add := func(name string, o kasuhara.OrgStats) {
		for _, g := range o.Groups {
			rows = append(rows, []string{name, GroupLabel(in.Loc, in.Departments, q.GroupBy, g.Key), g.Shown()})
		}
		rows = append(rows, []string{name, in.t("insight.total"), o.Total.Shown()})
		for _, d := range []struct {
			key string
			d   kasuhara.Durations
		}{{"acknowledge", o.Ack}, {"resolve", o.Resolve}} {
			switch t := timesOf(d.d); {
			case t.shown:
				rows = append(rows, []string{name, in.t("insight.median_" + d.key), strconv.Itoa(d.d.Median)},
					[]string{name, in.t("insight.p90_" + d.key), strconv.Itoa(d.d.P90)})
			case t.count == kasuhara.Suppressed:
				rows = append(rows, []string{name, in.t("insight.median_" + d.key), kasuhara.Suppressed})
			}
		}
	}
	for _, o := range st.Orgs {
		add(o.OrgName, o)
	}
	if st.Sum != nil {
		add(in.t("insight.group_total"), *st.Sum)
	}
	return Table{Name: "stats-" + q.From + "-" + q.To + "-" + q.GroupBy, Sheet: in.t("insight.title"), Rows: rows}
}

// times is how a summary of durations may be shown.
type times struct {
	// shown: the median, 90th percentile and count are shown.
	shown bool
	// count is the number of cases as shown: a number, or "<3".
	count string
	// onTime is the number within their clock, or "*" when withheld.
	onTime string
}

// timesOf applies the rules of kasuhara.Durations: with fewer cases than
// MinDurations only their count is shown, itself suppressed under 3.
func timesOf(d kasuhara.Durations) times {
	if d.Suppressed {
		c := []kasuhara.StatCell{{Count: d.Count}}
		kasuhara.Suppress(c)
		return times{count: c[0].Shown()}
	}
	t := times{shown: d.Count > 0, count: strconv.Itoa(d.Count), onTime: strconv.Itoa(d.OnTime)}
	if d.OnTimeHidden {
		t.onTime = kasuhara.Withheld
	}
	return t
}
