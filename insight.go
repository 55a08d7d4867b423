package kasuhara

import (
	"context"
	"slices"
	"sort"
	"strconv"
	"time"
)

// MinShown is the smallest count shown as a number: a group with fewer
// cases (but more than none) is shown as "<3", so that a small
// department's only reporter cannot be identified.
const MinShown = 3

// Suppressed is how a suppressed count is written.
const Suppressed = "<3"

// StatsGroups are the ways statistics can be grouped (group_by).
var StatsGroups = []string{"category", "subtype", "channel", "department", "verdict", "state", "month"}

// MonthLayout is how the month of a statistic is written.
const MonthLayout = "2006-01"

// StatMonth is the month, in Japan, of a case created at t.
func StatMonth(t time.Time) string { return t.In(JST).Format(MonthLayout) }

// StatKey is one counter of the maintained statistics: cases of a month
// that fall under dimension Dim with value Key.
type StatKey struct {
	Dim string
	Key string
}

// Dimensions of the maintained statistics besides StatsGroups' own:
// "all" (every case), the duration buckets and whether a clock was met,
// and care offered and done by kind.
const (
	DimAll           = "all"
	DimAckMinutes    = "ack_minutes"
	DimResolveMin    = "resolve_minutes"
	DimAckOnTime     = "ack_on_time"
	DimResolveOnTime = "resolve_on_time"
	DimCareOffered   = "care_offered"
	DimCareDone      = "care_done"
)

// StatKeys are the counters a case adds to: one per group it falls in,
// and, once acknowledged or resolved, the bucket of how long it took and
// whether it was within its clock.
func StatKeys(c *Case) []StatKey {
	r := c.Report
	keys := []StatKey{{DimAll, ""}, {"channel", r.Channel}, {"department", r.DepartmentID}, {"state", string(c.State)}, {"verdict", c.Verdict}}
	for _, cat := range r.Categories {
		keys = append(keys, StatKey{"category", string(cat)})
	}
	for _, s := range r.Subtypes {
		keys = append(keys, StatKey{"subtype", s})
	}
	if !c.AcknowledgedAt.IsZero() {
		keys = append(keys, StatKey{DimAckMinutes, strconv.Itoa(DurationBucket(c.AcknowledgedAt.Sub(c.CreatedAt)))},
			StatKey{DimAckOnTime, strconv.FormatBool(!c.AcknowledgedAt.After(c.AcknowledgeBy))})
	}
	if !c.ResolvedAt.IsZero() {
		keys = append(keys, StatKey{DimResolveMin, strconv.Itoa(DurationBucket(c.ResolvedAt.Sub(c.CreatedAt)))},
			StatKey{DimResolveOnTime, strconv.FormatBool(!c.ResolvedAt.After(c.FeedbackBy))})
	}
	return keys
}

// DurationBucket is the bucket, in minutes, a duration is counted in: the
// lower bound of the bucket it falls in (makeDurationBounds). Medians and
// percentiles are given as the bucket's lower bound: the exact minute below
// 40 minutes, and at most DurationPrecision below the time itself from 40
// minutes to ten years, except from 2 hours to 3 hours 20 minutes, which
// keep the 10-minute steps of the buckets before migration 0052 (at most
// 8.3 %). Writers and readers of the statistics all bucket with it.
func DurationBucket(d time.Duration) int {
	m := int(d / time.Minute)
	if m < 0 {
		return 0
	}
	i, found := slices.BinarySearch(durationBounds, m)
	if !found {
		i--
	}
	return durationBounds[i]
}

// DurationPrecision is the widest a duration bucket is, relative to its
// lower bound, from 40 minutes on (DurationBucket's exception aside): a
// figure shown is at most this much below the time it stands for.
const DurationPrecision = 0.05

// durationBounds are the lower bounds of the duration buckets in minutes,
// ascending from 0; the last bucket is open.
var durationBounds = makeDurationBounds()

// durationSteps are the widths a bucket may have, in minutes: round
// figures, so that the figures shown are too (1 h 30 min, 3 h, 2 days).
var durationSteps = []int{1, 2, 5, 10, 20, 30, 60, 120, 180, 360, 720, 1440, 2880, 7200, 14400, 28800, 43200, 86400, 172800, 432000}

// makeDurationBounds lays the buckets out from 0 to ten years: each as wide
// as the largest round step within DurationPrecision of its lower bound
// that the bound is a multiple of. The buckets before migration 0052 were
// a minute wide below 2 hours, 10 minutes below 2 days, an hour below 30
// days and a day beyond; every bound is on that grid too, so that each old
// bucket falls whole into one new one and the migration keeps every count
// where a count of the cases themselves would put it.
func makeDurationBounds() []int {
	const day = 24 * 60
	edges := []int{120, 2 * day, 30 * day} // where the old grid coarsens
	grid := func(m int) int {
		switch {
		case m < edges[0]:
			return 1
		case m < edges[1]:
			return 10
		case m < edges[2]:
			return 60
		}
		return day
	}
	var bounds []int
	for m := 0; m <= 10*365*day; {
		bounds = append(bounds, m)
		g := grid(m)
		step := g
		for _, s := range durationSteps {
			if s > g && float64(s) <= DurationPrecision*float64(m) && m%s == 0 {
				step = s
			}
		}
		next := m + step
		for _, e := range edges {
			if m < e && next > e {
				next = e
			}
		}
		m = next
	}
	return bounds
}

// Withheld is how a count hidden only to protect a smaller one is written.
const Withheld = "*"

// StatCell is one group's count; Suppressed (fewer than MinShown) or
// Withheld hides it (see Suppress).
type StatCell struct {
	Key        string
	Count      int
	Suppressed bool
	Withheld   bool
}

// Hidden reports whether the count is not shown.
func (c StatCell) Hidden() bool { return c.Suppressed || c.Withheld }

// Shown is the count as displayed: a number, "<3", or "*" when withheld.
func (c StatCell) Shown() string {
	switch {
	case c.Suppressed:
		return Suppressed
	case c.Withheld:
		return Withheld
	}
	return strconv.Itoa(c.Count)
}

// Suppress hides the count of every group with 1 or 2 cases ("<3"). When
// it hides anything, it also withholds ("*", which reads "3 or more") the
// smallest groups shown until at least two groups are hidden and together
// hold at least 2×MinShown−1 cases: then the hidden counts cannot be worked
// out from the total and the groups shown, by subtraction or from a lower
// bound when groups overlap, as categories do (a "<3" of 1 or 2 and a "*"
// of the rest are both possible).
func Suppress(cells []StatCell) {
	hidden, mass := 0, 0
	for i := range cells {
		if cells[i].Count > 0 && cells[i].Count < MinShown {
			cells[i].Suppressed = true
		}
		if cells[i].Hidden() {
			hidden++
			mass += cells[i].Count
		}
	}
	for hidden > 0 && (hidden < 2 || mass < 2*MinShown-1) {
		next := -1
		for i, c := range cells {
			if !c.Hidden() && c.Count > 0 && (next < 0 || c.Count < cells[next].Count) {
				next = i
			}
		}
		if next < 0 {
			return
		}
		cells[next].Withheld = true
		hidden++
		mass += cells[next].Count
	}
}

// SuppressTable suppresses the figures of organisations shown side by side
// with their sum: each column as Suppress does, and across: a group or
// total hidden in any organisation is withheld in the sum (or the sum minus
// the others would give it away), repeated until nothing changes.
func SuppressTable(orgs []OrgStats, sum *OrgStats) {
	cols := make([]*OrgStats, 0, len(orgs)+1)
	for i := range orgs {
		cols = append(cols, &orgs[i])
	}
	if sum != nil {
		cols = append(cols, sum)
	}
	for _, c := range cols {
		if c.Total.Count > 0 && c.Total.Count < MinShown {
			c.Total.Suppressed = true
		}
	}
	for changed := true; changed; {
		changed = false
		for _, c := range cols {
			before := hiddenCount(c.Groups)
			Suppress(c.Groups)
			changed = changed || hiddenCount(c.Groups) != before
		}
		if sum == nil {
			break
		}
		for _, o := range orgs {
			if o.Total.Hidden() && !sum.Total.Hidden() {
				sum.Total.Withheld, changed = true, true
			}
			for _, g := range o.Groups {
				if !g.Hidden() {
					continue
				}
				for i := range sum.Groups {
					if sum.Groups[i].Key == g.Key && !sum.Groups[i].Hidden() {
						sum.Groups[i].Withheld, changed = true, true
					}
				}
			}
		}
	}
}

func hiddenCount(cells []StatCell) int {
	n := 0
	for _, c := range cells {
		if c.Hidden() {
			n++
		}
	}
	return n
}

// MinDurations is the fewest cases whose times are summarised: with few,
// the 90th percentile is one person's case.
const MinDurations = 10

// Durations summarises how long cases took to be acknowledged or
// resolved: Median and P90 in minutes (bucket lower bounds, see
// DurationBucket), and how many were within their clock (OnTimeHidden when
// the cases on time or late are 1 or 2).
type Durations struct {
	Count        int
	Median       int
	P90          int
	OnTime       int
	OnTimeHidden bool
	Suppressed   bool // fewer than MinDurations cases: no figure is shown
	Withheld     bool // hidden with the department it belongs to: not even the count
}

// DurationsOf computes Durations from bucket counts.
func DurationsOf(buckets map[int]int, onTime int) Durations {
	var keys []int
	d := Durations{OnTime: onTime}
	for k, n := range buckets {
		if n > 0 {
			keys = append(keys, k)
			d.Count += n
		}
	}
	sort.Ints(keys)
	at := func(q float64) int {
		// The smallest bucket at which the cumulative count reaches q of all.
		need := int(q*float64(d.Count) + 0.999999)
		if need < 1 {
			need = 1
		}
		seen := 0
		for _, k := range keys {
			seen += buckets[k]
			if seen >= need {
				return k
			}
		}
		return 0
	}
	if d.Count > 0 {
		d.Median, d.P90 = at(0.5), at(0.9)
	}
	d.Suppressed = d.Count > 0 && d.Count < MinDurations
	late := d.Count - d.OnTime
	d.OnTimeHidden = (d.OnTime > 0 && d.OnTime < MinShown) || (late > 0 && late < MinShown)
	return d
}

// OrgStats are one organisation's figures (or the sum of a group's).
type OrgStats struct {
	OrgID   string
	OrgSlug string
	OrgName string
	Total   StatCell
	Groups  []StatCell
	Ack     Durations
	Resolve Durations
}

// StatsQuery selects the cases counted: by the month they were reported
// (From and To inclusive, written 2026-04), grouped by one of StatsGroups.
// Department narrows them to a department and every department below it
// (an area with its stores); Level rolls the groups by department up to
// that level of the hierarchy (1 the top; 0 each department on its own).
// Both are suppressed over the hierarchy (SuppressHierarchy).
type StatsQuery struct {
	From       string
	To         string
	GroupBy    string
	Department string
	Level      int
}

// Validate checks q.
func (q StatsQuery) Validate() error {
	f := FieldErrors{}
	for field, v := range map[string]string{"from": q.From, "to": q.To} {
		if _, err := time.Parse(MonthLayout, v); err != nil {
			f.Add(field, FieldMonth)
		}
	}
	if q.From > q.To && f.Err() == nil {
		f.Add("to", FieldBeforeStart)
	}
	if !slices.Contains(StatsGroups, q.GroupBy) {
		f.Add("group_by", FieldChoice)
	}
	if q.Level < 0 || q.Level > MaxStatsLevel {
		f.Add("level", FieldChoice)
	}
	return f.Err()
}

// Stats are the figures of a query for one organisation or a group: each
// organisation side by side and, for a group, their sum.
type Stats struct {
	Query StatsQuery
	Orgs  []OrgStats
	Sum   *OrgStats // nil for a single organisation
}

// Dashboard holds the figures that are not grouped counts: what is open
// and overdue now, customers, care, policy and training.
type Dashboard struct {
	OpenCases        StatCell
	OverdueCases     StatCell
	RepeatCustomers  StatCell            // customers with two or more cases
	MeasuresInForce  map[string]int      // by level
	CareOffered      map[string]StatCell // by kind, in the period; care concerns a person's health, so it is suppressed
	CareDone         map[string]StatCell // by kind, in the period
	PolicyAckRate    map[string]int      // percent acknowledged, by document title (ja)
	TrainingComplete map[string][2]int   // complete and assigned, by course title (ja)
}

// InsightService computes statistics for the desk, legal and analysts. It
// returns figures only, never case contents or identities. orgIDs is the
// organisation and, for a parent, its subsidiaries.
type InsightService interface {
	// Stats and Dashboard: EFORBIDDEN without view_statistics, ENOTFOUND
	// for an organisation of orgIDs out of the actor's reach.
	Stats(ctx context.Context, actor Actor, orgIDs []string, q StatsQuery) (*Stats, error)
	Dashboard(ctx context.Context, actor Actor, orgIDs []string, q StatsQuery) (*Dashboard, error)
	// RecordExport writes the audit entry of an export: what was exported
	// (kind), how many rows, with which filters.
	RecordExport(ctx context.Context, actor Actor, kind string, rows int, filters map[string]string) error
}
