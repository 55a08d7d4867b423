package document

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/pdf"
)

// AnnualGroups are the groupings of the annual report's figures, in the
// order printed; "month" gives the summary and the figures over time.
var AnnualGroups = []string{"month", "category", "verdict", "channel", "department"}

// AnnualInput is the year's figures for the annual report.
type AnnualInput struct {
	Locale
	// Now is when the report is made, printed under the title.
	Now time.Time
	// Year is the calendar year reported on.
	Year int
	// Org is the organisation's name; Group says its subsidiaries are
	// counted with it.
	Org   string
	Group bool
	// Stats are the year's figures by each of AnnualGroups, small groups
	// already suppressed.
	Stats map[string]*kasuhara.Stats
	// Dashboard holds the year's measures, care, training and policy.
	Dashboard *kasuhara.Dashboard
	// Departments maps the department ids of the organisations counted to
	// their names.
	Departments map[string]string
}

// AnnualReport is the year's figures for the board as a PDF: cases by
// month, kind, verdict, channel and department, the times against the
// clocks, measures, care, training and policy; small groups as "<3".
func AnnualReport(in AnnualInput) (File, error) {
	f, err := annualFigures(in)
	if err != nil {
		return File{}, err
	}
	b, err := pdf.CaseSummary(f.draw(in.Locale, in.Now))
	if err != nil {
		return File{}, fmt.Errorf("document: annual report: %w", err)
	}
	return File{Name: fmt.Sprintf("annual-report-%d.pdf", in.Year), Type: TypePDF, Data: b}, nil
}

// annual is the annual report computed, its labels in the document's
// language, ready to be drawn.
type annual struct {
	title    string
	cases    string // the year's total as shown
	ack      string // the times to acknowledge, in a sentence
	resolve  string
	groups   []annualGroup // by month first, then the other groupings
	measures [][2]string
	care     [][2]string
	training [][]string
	policy   [][2]string
}

type annualGroup struct {
	heading string
	bars    []pdf.Bar
}

// annualFigures computes what the report says from the figures: for a
// group of organisations their sum, else the one organisation's.
func annualFigures(in AnnualInput) (*annual, error) {
	name := in.Org
	if in.Group {
		name += " " + in.t("insight.and_group")
	}
	a := &annual{title: in.t("insight.annual_title", map[string]any{"Org": name, "Year": in.Year})}
	for _, g := range AnnualGroups {
		st := in.Stats[g]
		if st == nil || (st.Sum == nil && len(st.Orgs) == 0) {
			return nil, fmt.Errorf("document: annual report: no figures by %s", g)
		}
		o := st.Sum
		if o == nil {
			o = &st.Orgs[0]
		}
		heading := in.t("insight.col.group_by." + g)
		if g == "month" {
			a.cases = o.Total.Shown()
			a.ack, a.resolve = in.durations(o.Ack), in.durations(o.Resolve)
			heading = in.t("insight.over_time")
		}
		var bars []pdf.Bar
		for _, c := range o.Groups {
			b := pdf.Bar{Label: GroupLabel(in.Loc, in.Departments, g, c.Key), Text: c.Shown(), Hidden: c.Hidden()}
			if !b.Hidden {
				b.Value = c.Count
			}
			bars = append(bars, b)
		}
		a.groups = append(a.groups, annualGroup{heading: heading, bars: bars})
	}
	dash := in.Dashboard
	if dash == nil {
		return nil, fmt.Errorf("document: annual report: no dashboard")
	}
	for _, level := range kasuhara.MeasureLevels {
		if n := dash.MeasuresInForce[level]; n > 0 {
			a.measures = append(a.measures, [2]string{in.t("level." + level), strconv.Itoa(n)})
		}
	}
	a.measures = append(a.measures, [2]string{in.t("insight.repeat_customers"), dash.RepeatCustomers.Shown()})
	for _, kind := range kasuhara.CareKinds {
		if n, ok := dash.CareOffered[kind]; ok && n.Count > 0 {
			a.care = append(a.care, [2]string{in.t("care." + kind),
				in.t("insight.care_done", map[string]any{"Done": dash.CareDone[kind].Shown(), "Offered": n.Shown()})})
		}
	}
	for title, v := range dash.TrainingComplete {
		a.training = append(a.training, []string{title, fmt.Sprintf("%d / %d", v[0], v[1])})
	}
	slices.SortFunc(a.training, func(x, y []string) int { return strings.Compare(x[0], y[0]) })
	for title, p := range dash.PolicyAckRate {
		a.policy = append(a.policy, [2]string{title, fmt.Sprintf("%d%%", p)})
	}
	slices.SortFunc(a.policy, func(x, y [2]string) int { return strings.Compare(x[0], y[0]) })
	return a, nil
}

// durations is a summary of times in a sentence, or only the count of
// cases when they are too few to summarise.
func (l Locale) durations(d kasuhara.Durations) string {
	t := timesOf(d)
	if !t.shown {
		return t.count
	}
	return l.t("insight.annual_durations", map[string]any{"Median": Minutes(d.Median, l.lang()),
		"P90": Minutes(d.P90, l.lang()), "OnTime": t.onTime, "Of": d.Count})
}

// draw lays the report out in sections.
func (a *annual) draw(l Locale, now time.Time) pdf.SummaryInput {
	in := pdf.SummaryInput{Lang: l.lang(), Title: a.title, Generated: l.in(now)}
	add := func(s pdf.Section) { in.Sections = append(in.Sections, s) }
	add(pdf.Section{Heading: l.t("insight.annual_summary"), Facts: [][2]string{
		{l.t("insight.cases"), a.cases}, {l.t("insight.time_ack"), a.ack}, {l.t("insight.time_resolve"), a.resolve}}})
	for _, g := range a.groups {
		add(pdf.Section{Heading: g.heading, Bars: g.bars})
	}
	add(pdf.Section{Heading: l.t("insight.annual_measures"), Facts: a.measures})
	if len(a.care) > 0 {
		add(pdf.Section{Heading: l.t("insight.care"), Facts: a.care})
	}
	if len(a.training) > 0 {
		add(pdf.Section{Heading: l.t("insight.training"), Table: &pdf.TableData{
			Header: []string{l.t("training.course"), l.t("insight.training_done")}, Rows: a.training, Widths: []float64{3, 1}}})
	}
	if len(a.policy) > 0 {
		add(pdf.Section{Heading: l.t("insight.policy"), Facts: a.policy})
	}
	add(pdf.Section{Text: l.t("insight.suppression")})
	return in
}
