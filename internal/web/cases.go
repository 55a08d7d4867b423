package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/access"
	"github.com/kasuhara/kasuhara/internal/calendar"
	"github.com/kasuhara/kasuhara/internal/i18n"
)

// names maps user ids of an organisation to display names.
func (s *Server) names(r *http.Request, orgID string) (map[string]string, []kasuhara.Member, error) {
	members, err := s.Users.Members(r.Context(), orgID)
	if err != nil {
		return nil, nil, err
	}
	m := map[string]string{}
	for _, x := range members {
		m[x.User.ID] = x.User.Name
	}
	return m, members, nil
}

// queue is the desk's list of cases with filters, kept in the URL. A case
// number typed into its search opens that case.
func (s *Server) queue(w http.ResponseWriter, r *http.Request) error {
	v := viewerFrom(r.Context())
	if !access.Can(v.Membership.Role, access.ReadCaseContents) {
		// Employees, admins and analysts have no queue: their own reports
		// are under /reports.
		return kasuhara.Errorf(kasuhara.EFORBIDDEN, "no case queue for this role")
	}
	if ref, ok := parseCaseRef(r.URL.Query().Get("q")); ok {
		// A case the viewer may not see is not found, as any other.
		id, err := s.Cases.CaseIDByRef(r.Context(), v.Actor, ref)
		if err != nil {
			return err
		}
		http.Redirect(w, r, "/cases/"+id, http.StatusSeeOther)
		return nil
	}
	f, ferr := caseFilter(r)
	p := &page{Title: "queue.title", Nav: "queue"}
	var list []kasuhara.Case
	next := ""
	if ferr == nil {
		// The queue shows no narrative: the case page reads them.
		f.Summary = true
		var err error
		list, next, err = s.Cases.Cases(r.Context(), v.Actor, f)
		if err != nil {
			return err
		}
	} else {
		p.Form = &form{Errors: map[string]string{}}
		for k, m := range kasuhara.ErrorFields(ferr) {
			p.Form.Errors[k] = translateField(s.Catalog.Localizer(langFrom(r.Context())), m)
		}
	}
	names, members, err := s.names(r, v.Org.ID)
	if err != nil {
		return err
	}
	deps, err := s.Orgs.Departments(r.Context(), v.Org.ID)
	if err != nil {
		return err
	}
	depNames := map[string]string{}
	for _, d := range deps {
		depNames[d.ID] = d.Name
	}
	rows, err := s.queueRows(r, list, names, depNames)
	if err != nil {
		return err
	}
	labels, err := newQueueLabels(s.Catalog.Localizer(langFrom(r.Context())))
	if err != nil {
		return err
	}
	q := r.URL.Query()
	q.Del("cursor")
	nextURL := ""
	if next != "" {
		q.Set("cursor", next)
		nextURL = "/cases?" + q.Encode()
		q.Del("cursor")
	}
	byDeadline := queryWith(q, "sort", "deadline")
	filtered := 0
	for k := range q {
		if k != "sort" && k != "limit" && q.Get(k) != "" {
			filtered++
		}
	}
	p.Data = map[string]any{"Rows": rows, "L": labels, "NextURL": nextURL, "Names": names, "Departments": deps, "DepNames": depNames,
		"Handlers": handlers(members), "Q": r.URL.Query(), "Filtered": filtered, "ByDeadline": "/cases?" + byDeadline.Encode(),
		"Sorts": kasuhara.CaseSorts}
	status := http.StatusOK
	if ferr != nil {
		status = http.StatusUnprocessableEntity
	}
	return s.render(w, r, status, "queue", p)
}

// queryWith is a copy of q with key set to value.
func queryWith(q url.Values, key, value string) url.Values {
	c := url.Values{}
	for k, vs := range q {
		c[k] = slices.Clone(vs)
	}
	c.Set(key, value)
	return c
}

// queueRow is a case of the queue as its row shows it, every cell's text
// made here (issue 21): the template had called a translation, a date's
// format or a map look-up through reflection for each cell, 50 rows a page,
// and the page cost four times the API's list. The deadline is the next
// one, and the time left to it (or past it) is counted as its clock runs:
// business days on the organisation's working calendar, or calendar days
// and hours.
type queueRow struct {
	ID, Ref    string
	OccurredAt string   // the date and time of the incident
	Categories []string // the names of the kinds of conduct
	Department string
	State      string // the state's code, for its badge's class
	StateName  string
	Assignee   string // the assignee's name, when Assigned
	Deadline   string // the next deadline, when HasDeadline
	Remaining  string
	Verdict    string // the verdict's name, "" when none

	HeldForReview, Imported, Consultation, Assigned, HasDeadline, Overdue, Urgent bool
}

// queueLabels are the texts every row repeats: the columns' names (each
// cell's data-label, the heading of a stacked row on a phone) and the badges.
type queueLabels struct {
	Ref, OccurredAt, Kinds, Department, State, Assignee, Deadline, Urgency, Verdict          string
	Held, Imported, Consultation, Unassigned, NoDeadline, Overdue, Urgent, Normal, NoVerdict string
}

func newQueueLabels(loc *i18n.Localizer) (queueLabels, error) {
	var l queueLabels
	for _, f := range []struct {
		to *string
		id string
	}{{&l.Ref, "case.ref"}, {&l.OccurredAt, "case.occurred_at"}, {&l.Kinds, "case.kinds"}, {&l.Department, "case.department"},
		{&l.State, "case.state"}, {&l.Assignee, "case.assignee"}, {&l.Deadline, "queue.deadline"}, {&l.Urgency, "queue.urgency"},
		{&l.Verdict, "case.verdict"}, {&l.Held, "case.held"}, {&l.Imported, "case.imported"}, {&l.Consultation, "case.consultation"},
		{&l.Unassigned, "queue.unassigned"}, {&l.NoDeadline, "queue.no_deadline"}, {&l.Overdue, "case.overdue"},
		{&l.Urgent, "case.urgent"}, {&l.Normal, "queue.normal"}, {&l.NoVerdict, "queue.no_verdict"}} {
		var err error
		if *f.to, err = loc.Translate(f.id, nil); err != nil {
			return l, err
		}
	}
	return l, nil
}

// queueRows are the rows of list; names are the organisation's people and
// depNames its departments, by id.
func (s *Server) queueRows(r *http.Request, list []kasuhara.Case, names, depNames map[string]string) ([]queueRow, error) {
	if len(list) == 0 {
		return nil, nil
	}
	st, err := s.Settings.Settings(r.Context(), list[0].OrgID)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	cal := calendar.Working(st.PublicHolidays, st.YearEndClosure, now)
	business := map[kasuhara.CaseState]bool{}
	for state, clock := range map[kasuhara.CaseState]string{kasuhara.StateNew: st.Acknowledge, kasuhara.StateAcknowledged: st.Feedback,
		kasuhara.StateInProgress: st.Feedback} {
		d, err := calendar.ParseDuration(clock)
		if err != nil {
			d = calendar.DefaultFeedback
			if state == kasuhara.StateNew {
				d = calendar.DefaultAcknowledge
			}
		}
		business[state] = d.Unit == calendar.BusinessDays
	}
	lang := langFrom(r.Context())
	loc := s.Catalog.Localizer(lang)
	// The names of states, kinds and verdicts, each translated once a page.
	named := map[string]string{}
	name := func(id string) (string, error) {
		if n, ok := named[id]; ok {
			return n, nil
		}
		n, err := loc.Translate(id, nil)
		named[id] = n
		return n, err
	}
	rows := make([]queueRow, len(list))
	for i := range list {
		c := &list[i]
		rep := &c.Report
		row := queueRow{ID: c.ID, Ref: c.Ref, OccurredAt: dateTimeText(lang, rep.OccurredAt), Department: depNames[rep.DepartmentID],
			State: string(c.State), HeldForReview: c.HeldForReview, Imported: c.Imported, Consultation: rep.Consultation,
			Assigned: c.AssigneeID != "", Assignee: names[c.AssigneeID], Overdue: c.Overdue(now), Urgent: c.Urgent}
		if row.StateName, err = name("state." + string(c.State)); err != nil {
			return nil, err
		}
		for _, cat := range rep.Categories {
			n, err := name("category." + string(cat))
			if err != nil {
				return nil, err
			}
			row.Categories = append(row.Categories, n)
		}
		if c.Verdict != "" {
			if row.Verdict, err = name("verdict." + c.Verdict); err != nil {
				return nil, err
			}
		}
		if deadline := c.NextDeadline(); !deadline.IsZero() {
			row.HasDeadline, row.Deadline = true, dateTimeText(lang, deadline)
			from, to, key := now, deadline, "queue.left"
			if row.Overdue {
				from, to, key = deadline, now, "queue.over"
			}
			d := to.Sub(from)
			if business[c.State] {
				d = cal.BusinessTime(from, to)
			}
			row.Remaining = loc.T(key, map[string]any{"T": durationText(loc, d, business[c.State])})
		}
		rows[i] = row
	}
	return rows, nil
}

// durationText writes a clock's time as (business) days and hours, hours
// and minutes, or minutes.
func durationText(loc *i18n.Localizer, d time.Duration, business bool) string {
	day := 24 * time.Hour
	switch {
	case d >= day && business:
		return loc.T("queue.dur.business_days", map[string]any{"D": int(d / day), "H": int(d % day / time.Hour)})
	case d >= day:
		return loc.T("queue.dur.days", map[string]any{"D": int(d / day), "H": int(d % day / time.Hour)})
	case d >= time.Hour:
		return loc.T("queue.dur.hours", map[string]any{"H": int(d / time.Hour), "M": int(d % time.Hour / time.Minute)})
	default:
		return loc.T("queue.dur.minutes", map[string]any{"M": int(d / time.Minute)})
	}
}

// handlers are the members who may handle cases (desk and legal); seconds
// adds supervisors, who may join as the second person.
func handlers(ms []kasuhara.Member) []kasuhara.Member {
	return slices.DeleteFunc(slices.Clone(ms), func(m kasuhara.Member) bool {
		return m.User.Disabled || !access.Can(m.Role, access.HandleCases)
	})
}

func seconds(ms []kasuhara.Member) []kasuhara.Member {
	return slices.DeleteFunc(slices.Clone(ms), func(m kasuhara.Member) bool {
		return m.User.Disabled || !access.Can(m.Role, access.SecondOnCase)
	})
}

// caseData is everything the case page shows.
type caseData struct {
	Case       *kasuhara.Case
	Level      access.CaseLevel
	Handler    bool // may do everything
	Supervisor bool // may acknowledge, add notes, contacts, tasks, care
	// CareReadable: may read the care record and the messages (the
	// reporter, the handlers, the supervisor with the reporter's consent).
	CareReadable bool
	Department   string
	Names        map[string]string
	// Things names what the timeline's events refer to by id: tasks by
	// their title, evidence by its file name.
	Things   map[string]string
	Handlers []kasuhara.Member
	Seconds  []kasuhara.Member
	// Timeline is the newest entries, newest first; OlderTimeline the rest.
	Timeline      []kasuhara.Event
	OlderTimeline []kasuhara.Event
	Assessments   []kasuhara.Assessment
	Tasks         []kasuhara.Task
	TasksLeft     int
	Care          []kasuhara.CareAction
	Evidence      []kasuhara.Evidence
	NextStates    []kasuhara.CaseState
	Overdue       bool
	Now           string
	Messages      []kasuhara.Message
	// Checkins are the questions to the reporter after the report, for
	// the reporter and legal; CheckinDue is the one waiting for the
	// reporter's answer.
	Checkins   []kasuhara.Checkin
	CheckinDue *kasuhara.Checkin
	// Borderline are the signs by the organisation's thresholds that the
	// case may be harassment (handlers).
	Borderline  []kasuhara.BorderlineSignal
	Referrals   []kasuhara.Referral
	Specialists []kasuhara.Specialist
	// Customers are the customers the case is linked to (desk and legal),
	// CustomerMeasures their measures that make letters.
	Customers        []kasuhara.Customer
	CustomerMeasures []customerLetters
	Problems         []problem
	// Corrections are the reporter's corrections of and additions to the
	// report; RecordedByName names who took a report on behalf.
	Corrections    []kasuhara.Event
	RecordedByName string
	MaxUploadMB    int64
	// Open is the action section shown open: the one just changed, with
	// its message (SectionFlash) or its problems.
	Open             string
	SectionFlash     string
	SectionFlashKind string
}

// customerLetters is a customer of the case with the measures that make a
// letter (warned, discontinued, banned).
type customerLetters struct {
	Customer kasuhara.Customer
	Letters  []kasuhara.Measure
}

// timelineShown is how many of the newest timeline entries the case page
// shows before "older entries".
const timelineShown = 15

// caseSectionKey is the session key of the action section a full-page
// action changed: the case page opens it and shows the message there.
const caseSectionKey = "case_section"

// problem is a translated field error for the case page's error box.
type problem struct{ Field, Message string }

func (s *Server) casePage(w http.ResponseWriter, r *http.Request, status int, p *page) error {
	v := viewerFrom(r.Context())
	actor := v.Actor
	ctx := r.Context()
	c, err := s.Cases.CaseByID(ctx, actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	d, _ := p.Data.(*caseData)
	if d == nil {
		d = &caseData{}
	}
	if r.Method == http.MethodGet && !v.ViaToken {
		// After a full-page action: the section it changed shows the
		// message (the redirect's fragment scrolls to it).
		if sec := s.sessions.PopString(ctx, caseSectionKey); sec != "" {
			if f := s.sessions.PopString(ctx, "flash"); f != "" {
				d.Open = sec
				d.SectionFlash, d.SectionFlashKind, _ = strings.Cut(f, "|")
			}
		}
	}
	d.Case, d.Level = c, caseLevel(actor, c)
	d.Handler, d.Supervisor = d.Level >= access.CaseHandler, d.Level >= access.CaseSupervisor
	d.CareReadable = c.ReporterID == actor.UserID || access.CareReadable(d.Level, c.CareToSupervisor)
	d.Overdue, d.Now, d.MaxUploadMB = c.Overdue(s.Now()), s.Now().In(calendar.JST).Format("2006-01-02T15:04"), s.MaxUpload>>20
	d.Things = map[string]string{}
	if deps, err := s.Orgs.Departments(ctx, c.OrgID); err == nil {
		for _, dep := range deps {
			if dep.ID == c.Report.DepartmentID {
				d.Department = dep.Name
			}
		}
	}
	if d.Supervisor {
		names, members, err := s.names(r, c.OrgID)
		if err != nil {
			return err
		}
		d.Names, d.Handlers, d.Seconds = names, handlers(members), seconds(members)
		var timeline []kasuhara.Event
		if err := loadAll(
			func() (err error) { timeline, err = s.Cases.Timeline(ctx, actor, c.ID); return },
			func() (err error) { d.Assessments, err = s.Cases.Assessments(ctx, actor, c.ID); return },
			func() (err error) { d.Tasks, err = s.Cases.Tasks(ctx, actor, c.ID); return },
		); err != nil {
			return err
		}
		slices.Reverse(timeline)
		d.Timeline, d.OlderTimeline = timeline[:min(len(timeline), timelineShown)], timeline[min(len(timeline), timelineShown):]
		loc := s.Catalog.Localizer(langFrom(ctx))
		for _, t := range d.Tasks {
			d.Things[t.ID] = t.Title
			if t.Key != "" {
				d.Things[t.ID] = loc.T("task." + t.Key)
			}
			if t.DoneAt.IsZero() {
				d.TasksLeft++
			}
		}
		if d.Handler {
			if d.Borderline, err = s.Cases.Borderline(ctx, actor, c.ID); err != nil {
				return err
			}
			if d.Referrals, err = s.Referrals.Referrals(ctx, actor, c.ID); err != nil {
				return err
			}
			if d.Specialists, err = s.Referrals.Specialists(ctx, actor); err != nil {
				return err
			}
			if err := s.caseCustomers(r, d); err != nil {
				return err
			}
		}
		for _, st := range kasuhara.NextStates(c.State) {
			if d.Handler || st == kasuhara.StateAcknowledged {
				d.NextStates = append(d.NextStates, st)
			}
		}
	}
	if d.CareReadable {
		if d.Messages, err = s.Messages.Messages(ctx, actor, c.ID); err != nil {
			return err
		}
		if d.Supervisor {
			if d.Care, err = s.Cases.CareActions(ctx, actor, c.ID); err != nil {
				return err
			}
		}
	}
	if c.ReporterID == actor.UserID || d.Handler && access.Can(actor.Role, access.ViewRetaliation) {
		if d.Checkins, err = s.Checkins.Checkins(ctx, actor, c.ID); err != nil {
			return err
		}
		for i, k := range d.Checkins {
			if k.AnsweredAt.IsZero() && c.ReporterID == actor.UserID {
				d.CheckinDue = &d.Checkins[i]
				if d.Open == "" {
					d.Open = "reporter" // the question is open when the page opens
				}
				break
			}
		}
	}
	if d.Evidence, err = s.Cases.EvidenceList(ctx, actor, c.ID); err != nil {
		return err
	}
	for _, e := range d.Evidence {
		d.Things[e.ID] = e.Filename
	}
	if c.ReporterID != "" {
		if d.Corrections, err = s.OnBehalf.Corrections(ctx, actor, c.ID); err != nil {
			return err
		}
	}
	if c.RecordedBy != "" {
		if u, err := s.Users.UserByID(ctx, c.RecordedBy); err == nil {
			d.RecordedByName = u.Name
		}
	}
	p.Title, p.Nav, p.Data = "case.title", "queue", d
	if d.Level == access.CaseReporter {
		p.Nav = "reports"
	}
	return s.render(w, r, status, "case", p)
}

// caseCustomers loads the customers of the case with the measures that
// make letters, for a handler whose role reads the registry.
func (s *Server) caseCustomers(r *http.Request, d *caseData) error {
	actor := viewerFrom(r.Context()).Actor
	if !access.Can(actor.Role, access.ReadCustomers) {
		return nil
	}
	list, err := s.Customers.CustomersOfCase(r.Context(), actor, d.Case.ID)
	if err != nil {
		return err
	}
	d.Customers = list
	for _, cu := range list {
		ms, err := s.Customers.Measures(r.Context(), actor, cu.ID)
		if err != nil {
			return err
		}
		cl := customerLetters{Customer: cu}
		for _, m := range ms {
			if slices.Contains([]string{"warned", "discontinued", "banned"}, m.Level) && (m.Status == "active" || m.Status == "proposed") {
				cl.Letters = append(cl.Letters, m)
			}
		}
		d.CustomerMeasures = append(d.CustomerMeasures, cl)
	}
	return nil
}

func (s *Server) caseView(w http.ResponseWriter, r *http.Request) error {
	return s.casePage(w, r, http.StatusOK, &page{})
}

// isHTMX reports whether htmx sent the request (a section of the case page
// posting in place).
func isHTMX(r *http.Request) bool { return r.Header.Get("HX-Request") == "true" }

// caseAction runs a change from a section of the case page. With htmx, the
// answer is the case page drawn again with the section open and its
// message (or its problems) in it: htmx takes the section, the facts and
// the timeline from it. Without JavaScript, success redirects to the case
// page at the section's fragment (#section-…), which shows the message
// there; bad input draws the page again with the problems in the section.
// done is the message (empty when fn flashed its own through flash). A
// form that carries an idempotency key is applied once: a repeat (a double
// tap, Back and send) answers as the first did.
func (s *Server) caseAction(w http.ResponseWriter, r *http.Request, section, done string, fn func(actor kasuhara.Actor, id string) error) error {
	v := viewerFrom(r.Context())
	actor := v.Actor
	id := r.PathValue("id")
	// An upload streams its own body (uploadEvidence): only a plain form
	// is read here, for its key.
	key, digest := "", ""
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
		if err := r.ParseForm(); err != nil {
			return err
		}
		key, digest = r.PostForm.Get(idempotencyField), r.URL.Path+"?"+formDigest(r.PostForm, nil)
	}
	flashed := done
	// The result kept for a repeat is only that it was done.
	_, _, err := s.once(r.Context(), "user:"+v.User.ID, key, digest, func() (string, error) {
		return "done", fn(actor, id)
	})
	if done == "" && err == nil {
		flashed = s.sessions.PopString(r.Context(), "flash")
		flashed, _, _ = strings.Cut(flashed, "|")
	}
	d := &caseData{Open: section}
	c := kasuhara.ErrorCode(err)
	if c == kasuhara.EINVALID || c == kasuhara.ECONFLICT || (c == kasuhara.EUNSUPPORTED || c == kasuhara.ETOOLARGE) && kasuhara.ErrorFields(err) != nil {
		// A refused file (415, 413) is a problem of the form too: the page
		// names it instead of a page without the case.
		loc := s.Catalog.Localizer(langFrom(r.Context()))
		for field, msg := range kasuhara.ErrorFields(err) {
			d.Problems = append(d.Problems, problem{Field: loc.T("fieldname." + field), Message: translateField(loc, msg)})
		}
		slices.SortFunc(d.Problems, func(a, b problem) int { return strings.Compare(a.Field, b.Field) })
		if len(d.Problems) == 0 {
			d.Problems = append(d.Problems, problem{Field: loc.T("form.fix"), Message: loc.T("error." + string(c))})
		}
		return s.casePage(w, r, statusOf(c), &page{Data: d})
	}
	if err != nil {
		return err
	}
	if isHTMX(r) {
		d.SectionFlash, d.SectionFlashKind = flashed, "ok"
		return s.casePage(w, r, http.StatusOK, &page{Data: d})
	}
	if flashed != "" {
		s.flash(r, flashed, "ok")
		s.sessions.Put(r.Context(), caseSectionKey, section)
	}
	http.Redirect(w, r, "/cases/"+url.PathEscape(id)+"#section-"+section, http.StatusSeeOther)
	return nil
}

func (s *Server) caseTransition(w http.ResponseWriter, r *http.Request) error {
	return s.caseAction(w, r, "status", "case.moved", func(actor kasuhara.Actor, id string) error {
		_, err := s.Cases.Transition(r.Context(), actor, id, kasuhara.CaseState(r.PostFormValue("to")), r.PostFormValue("note"))
		return err
	})
}

func (s *Server) caseAssign(w http.ResponseWriter, r *http.Request) error {
	return s.caseAction(w, r, "assign", "case.assigned", func(actor kasuhara.Actor, id string) error {
		_, err := s.Cases.Assign(r.Context(), actor, id, r.PostFormValue("assignee"), r.PostFormValue("second"))
		return err
	})
}

func (s *Server) caseAssess(w http.ResponseWriter, r *http.Request) error {
	return s.caseAction(w, r, "assessment", "case.assessed", func(actor kasuhara.Actor, id string) error {
		if err := r.ParseForm(); err != nil {
			return err
		}
		_, err := s.Cases.Assess(r.Context(), actor, id, kasuhara.Assessment{Request: r.PostFormValue("request"), Manner: r.PostFormValue("manner"),
			MannerReasons: r.PostForm["manner_reasons"], EnvironmentImpaired: r.PostFormValue("environment_impaired") == "on",
			EnvironmentHow: r.PostFormValue("environment_how"), AccommodationRequest: r.PostFormValue("accommodation_request") == "on",
			Verdict: r.PostFormValue("verdict"), Rationale: r.PostFormValue("rationale")})
		return err
	})
}

func (s *Server) caseNote(w http.ResponseWriter, r *http.Request) error {
	return s.caseAction(w, r, "notes", "case.noted", func(actor kasuhara.Actor, id string) error {
		kind := r.PostFormValue("kind")
		if kind == "" {
			kind = kasuhara.EventNote
		}
		_, err := s.Cases.AddNote(r.Context(), actor, id, kind, r.PostFormValue("body"))
		return err
	})
}

func (s *Server) caseContact(w http.ResponseWriter, r *http.Request) error {
	return s.caseAction(w, r, "notes", "case.contact_added", func(actor kasuhara.Actor, id string) error {
		at, err := time.ParseInLocation("2006-01-02T15:04", r.PostFormValue("at"), calendar.JST)
		if err != nil {
			return kasuhara.InvalidField("at", kasuhara.FieldDateTime)
		}
		_, err = s.Cases.AddContact(r.Context(), actor, id, kasuhara.Contact{At: at, Channel: r.PostFormValue("channel"), Summary: r.PostFormValue("summary")})
		return err
	})
}

func (s *Server) caseAddTask(w http.ResponseWriter, r *http.Request) error {
	return s.caseAction(w, r, "tasks", "case.task_added", func(actor kasuhara.Actor, id string) error {
		_, err := s.Cases.AddTask(r.Context(), actor, id, r.PostFormValue("title"))
		return err
	})
}

func (s *Server) caseTaskDone(w http.ResponseWriter, r *http.Request) error {
	return s.caseAction(w, r, "tasks", "case.task_updated", func(actor kasuhara.Actor, id string) error {
		return s.Cases.SetTaskDone(r.Context(), actor, id, r.PathValue("task"), r.PostFormValue("done") == "true")
	})
}

func (s *Server) caseAddCare(w http.ResponseWriter, r *http.Request) error {
	return s.caseAction(w, r, "care", "case.care_added", func(actor kasuhara.Actor, id string) error {
		var due time.Time
		if v := r.PostFormValue("due_on"); v != "" {
			var err error
			if due, err = time.ParseInLocation("2006-01-02", v, calendar.JST); err != nil {
				return kasuhara.InvalidField("due_on", kasuhara.FieldDateTime)
			}
		}
		_, err := s.Cases.AddCare(r.Context(), actor, id, kasuhara.CareAction{Kind: r.PostFormValue("kind"), DueOn: due, Note: r.PostFormValue("note")})
		return err
	})
}

func (s *Server) caseCareDone(w http.ResponseWriter, r *http.Request) error {
	return s.caseAction(w, r, "care", "case.care_updated", func(actor kasuhara.Actor, id string) error {
		return s.Cases.SetCareDone(r.Context(), actor, id, r.PathValue("care"), r.PostFormValue("done") == "true")
	})
}

func (s *Server) caseCareConsent(w http.ResponseWriter, r *http.Request) error {
	return s.caseAction(w, r, "reporter", "case.care_consent_saved", func(actor kasuhara.Actor, id string) error {
		return s.Messages.SetCareConsent(r.Context(), actor, id, r.PostFormValue("share") == "true")
	})
}

func (s *Server) caseExclude(w http.ResponseWriter, r *http.Request) error {
	return s.caseAction(w, r, "assign", "", func(actor kasuhara.Actor, id string) error {
		pending, err := s.Cases.Exclude(r.Context(), actor, id, r.PostFormValue("user"))
		if err == nil {
			s.flash(r, map[bool]string{false: "case.excluded", true: "case.exclusion_proposed"}[pending], "ok")
		}
		return err
	})
}

// caseLevel is the viewer's level for a case they could open (CaseByID
// succeeded, so they are not excluded unless they reported it).
func caseLevel(v kasuhara.Actor, c *kasuhara.Case) access.CaseLevel {
	return access.Case(v, access.CaseFacts{OrgID: c.OrgID, ReporterID: c.ReporterID, DepartmentID: c.Report.DepartmentID,
		DepartmentPath: c.DepartmentPath, HiddenFromSupervisor: c.HideFromSupervisor})
}

// caseFilter reads the list filters from the query string.
func caseFilter(r *http.Request) (kasuhara.CaseFilter, error) {
	q := r.URL.Query()
	f := kasuhara.FieldErrors{}
	yes := func(k string) bool { return q.Get(k) == "true" || q.Get(k) == "1" }
	cf := kasuhara.CaseFilter{State: kasuhara.CaseState(q.Get("state")), Category: kasuhara.Category(q.Get("category")),
		Verdict: q.Get("verdict"), DepartmentID: q.Get("department"), AssigneeID: q.Get("assignee"), Query: q.Get("q"),
		Cursor: q.Get("cursor"), Sort: q.Get("sort"), Overdue: yes("overdue") || q.Get("due") == "overdue",
		DueToday: q.Get("due") == "today", Open: yes("open"), NoSecond: yes("nosecond"), AwaitingReply: yes("awaiting"),
		Mine: yes("mine")}
	if d := q.Get("due"); d != "" && d != "overdue" && d != "today" {
		f.Add("due", kasuhara.FieldChoice)
	}
	if cf.State != "" && !containsState(cf.State) {
		f.Add("state", kasuhara.FieldChoice)
	}
	if cf.Category != "" && !containsCategory(cf.Category) {
		f.Add("category", kasuhara.FieldUnknownCategory)
	}
	if cf.Sort != "" && !slices.Contains(kasuhara.CaseSorts, cf.Sort) {
		f.Add("sort", kasuhara.FieldChoice)
	}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 200 {
			f.AddError("limit", kasuhara.Between(kasuhara.FieldRange, 1, 200))
		}
		cf.Limit = n
	}
	cf.From = parseDateOrTime(f, "from", q.Get("from"))
	cf.To = parseDateOrTime(f, "to", q.Get("to"))
	if !cf.To.IsZero() && len(q.Get("to")) == len("2006-01-02") {
		cf.To = cf.To.AddDate(0, 0, 1) // a date "to" includes that day
	}
	return cf, f.Err()
}

func containsState(s kasuhara.CaseState) bool {
	for _, x := range kasuhara.CaseStates {
		if x == s {
			return true
		}
	}
	return false
}

func containsCategory(c kasuhara.Category) bool {
	for _, x := range kasuhara.Categories {
		if x == c {
			return true
		}
	}
	return false
}
