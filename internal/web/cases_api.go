package web

import (
	"net/http"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/access"
	"github.com/kasuhara/kasuhara/internal/calendar"
	"github.com/kasuhara/kasuhara/internal/document"
)

// caseOut is a case as the API shows it. Fields the viewer's level does not
// cover are left out.
type caseOut struct {
	ID              string    `json:"id"`
	Ref             string    `json:"ref"`
	State           string    `json:"state"`
	Urgent          bool      `json:"urgent"`
	Consultation    bool      `json:"consultation"`
	OccurredAt      time.Time `json:"occurred_at"`
	DurationMinutes int       `json:"duration_minutes"`
	Channel         string    `json:"channel"`
	Location        string    `json:"location"`
	DepartmentID    string    `json:"department_id,omitempty"`
	Categories      []string  `json:"categories"`
	Subtypes        []string  `json:"subtypes"`
	DangerOngoing   bool      `json:"danger_ongoing"`
	// The narratives: the case, and the list with include=narratives.
	*caseNarratives
	Mine           bool       `json:"mine"`
	HeldForReview  bool       `json:"held_for_review"`
	AssigneeID     string     `json:"assignee_id,omitempty"`
	SecondID       string     `json:"second_id,omitempty"`
	Verdict        string     `json:"verdict,omitempty"`
	AcknowledgeBy  time.Time  `json:"acknowledge_by"`
	FeedbackBy     time.Time  `json:"feedback_by"`
	Overdue        bool       `json:"overdue"`
	AcknowledgedAt *time.Time `json:"acknowledged_at,omitempty"`
	ResolvedAt     *time.Time `json:"resolved_at,omitempty"`
	ClosedAt       *time.Time `json:"closed_at,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
}

// caseNarratives is what the report says in free text, and the customer.
type caseNarratives struct {
	RequestContent string                   `json:"request_content"`
	Conduct        string                   `json:"conduct"`
	Harm           string                   `json:"harm"`
	Wishes         string                   `json:"wishes"`
	Witnesses      string                   `json:"witnesses"`
	Customer       kasuhara.CustomerDetails `json:"customer"`
}

// caseJSON is the case c as the API answers it; without narratives, as
// the list answers it by default, the report's free texts and the customer
// are left out (not empty: absent).
func (s *Server) caseJSON(actor kasuhara.Actor, c *kasuhara.Case, narratives bool) caseOut {
	rep := c.Report
	out := caseOut{ID: c.ID, Ref: c.Ref, State: string(c.State), Urgent: c.Urgent, Consultation: rep.Consultation,
		OccurredAt: rep.OccurredAt, DurationMinutes: rep.DurationMinutes, Channel: rep.Channel, Location: rep.Location,
		DepartmentID: rep.DepartmentID, Categories: []string{}, Subtypes: rep.Subtypes, DangerOngoing: rep.DangerOngoing,
		Mine: c.ReporterID == actor.UserID, AcknowledgeBy: c.AcknowledgeBy, FeedbackBy: c.FeedbackBy,
		Overdue: c.Overdue(s.Now()), AcknowledgedAt: timeOrNil(c.AcknowledgedAt), ResolvedAt: timeOrNil(c.ResolvedAt),
		ClosedAt: timeOrNil(c.ClosedAt), CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt, HeldForReview: c.HeldForReview}
	if out.Subtypes == nil {
		out.Subtypes = []string{}
	}
	for _, cat := range rep.Categories {
		out.Categories = append(out.Categories, string(cat))
	}
	if narratives {
		out.caseNarratives = &caseNarratives{RequestContent: rep.RequestContent, Conduct: rep.Conduct, Harm: rep.Harm,
			Wishes: rep.Wishes, Witnesses: rep.Witnesses, Customer: rep.Customer}
	}
	if caseLevel(actor, c) >= access.CaseSupervisor {
		out.AssigneeID, out.SecondID, out.Verdict = c.AssigneeID, c.SecondID, c.Verdict
	}
	return out
}

func (s *Server) apiCases(w http.ResponseWriter, r *http.Request) error {
	v := viewerFrom(r.Context())
	f, err := caseFilter(r)
	if err != nil {
		return err
	}
	// The list answers what a list shows: the narratives, which the case
	// answers, only when asked for (include=narratives).
	narratives := false
	switch r.URL.Query().Get("include") {
	case "":
	case "narratives":
		narratives = true
	default:
		return kasuhara.InvalidField("include", kasuhara.FieldChoice)
	}
	f.Summary = !narratives
	actor := v.Actor
	list, next, err := s.Cases.Cases(r.Context(), actor, f)
	if err != nil {
		return err
	}
	out := make([]caseOut, 0, len(list))
	for i := range list {
		out = append(out, s.caseJSON(actor, &list[i], narratives))
	}
	return sendCaseList(w, out, next)
}

func (s *Server) apiCase(w http.ResponseWriter, r *http.Request) error {
	actor := viewerFrom(r.Context()).Actor
	c, err := s.Cases.CaseByID(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	return sendJSON(w, http.StatusOK, s.caseJSON(actor, c, true))
}

// caseWrite makes a handler that decodes the JSON body into In, runs fn on
// the case {id} for the caller, and answers fn's result with status.
func caseWrite[In any](status int, fn func(r *http.Request, actor kasuhara.Actor, id string, in In) (any, error)) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in In
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
		out, err := fn(r, viewerFrom(r.Context()).Actor, r.PathValue("id"), in)
		if err != nil {
			return err
		}
		return sendJSON(w, status, out)
	}
}

// caseRead makes a handler that answers fn's result for the case {id}.
func caseRead(fn func(r *http.Request, actor kasuhara.Actor, id string) (any, error)) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		out, err := fn(r, viewerFrom(r.Context()).Actor, r.PathValue("id"))
		if err != nil {
			return err
		}
		return sendJSON(w, http.StatusOK, out)
	}
}

type transitionIn struct {
	To   string `json:"to"`
	Note string `json:"note"`
}

func (s *Server) transitionJSON(r *http.Request, actor kasuhara.Actor, id string, in transitionIn) (any, error) {
	c, err := s.Cases.Transition(r.Context(), actor, id, kasuhara.CaseState(in.To), in.Note)
	if err != nil {
		return nil, err
	}
	return s.caseJSON(actor, c, true), nil
}

type assignIn struct {
	AssigneeID string `json:"assignee_id"`
	SecondID   string `json:"second_id"`
}

func (s *Server) assignJSON(r *http.Request, actor kasuhara.Actor, id string, in assignIn) (any, error) {
	c, err := s.Cases.Assign(r.Context(), actor, id, in.AssigneeID, in.SecondID)
	if err != nil {
		return nil, err
	}
	return s.caseJSON(actor, c, true), nil
}

type assessmentJSON struct {
	ID                   string    `json:"id,omitempty"`
	Request              string    `json:"request"`
	Manner               string    `json:"manner"`
	MannerReasons        []string  `json:"manner_reasons"`
	EnvironmentImpaired  bool      `json:"environment_impaired"`
	EnvironmentHow       string    `json:"environment_how"`
	AccommodationRequest bool      `json:"accommodation_request"`
	Verdict              string    `json:"verdict"`
	Rationale            string    `json:"rationale"`
	AssessorID           string    `json:"assessor_id,omitempty"`
	CreatedAt            time.Time `json:"created_at,omitzero"`
}

func assessmentOut(a kasuhara.Assessment) assessmentJSON {
	if a.MannerReasons == nil {
		a.MannerReasons = []string{}
	}
	return assessmentJSON{ID: a.ID, Request: a.Request, Manner: a.Manner, MannerReasons: a.MannerReasons, EnvironmentImpaired: a.EnvironmentImpaired,
		EnvironmentHow: a.EnvironmentHow, AccommodationRequest: a.AccommodationRequest, Verdict: a.Verdict, Rationale: a.Rationale,
		AssessorID: a.AssessorID, CreatedAt: a.CreatedAt}
}

func (s *Server) assessJSON(r *http.Request, actor kasuhara.Actor, id string, in assessmentJSON) (any, error) {
	a, err := s.Cases.Assess(r.Context(), actor, id, kasuhara.Assessment{
		Request: in.Request, Manner: in.Manner, MannerReasons: in.MannerReasons, EnvironmentImpaired: in.EnvironmentImpaired,
		EnvironmentHow: in.EnvironmentHow, AccommodationRequest: in.AccommodationRequest, Verdict: in.Verdict, Rationale: in.Rationale})
	if err != nil {
		return nil, err
	}
	return assessmentOut(*a), nil
}

func (s *Server) assessmentsJSON(r *http.Request, actor kasuhara.Actor, id string) (any, error) {
	as, err := s.Cases.Assessments(r.Context(), actor, id)
	return map[string]any{"assessments": mapped(as, assessmentOut)}, err
}

type noteIn struct {
	Body string `json:"body"`
	Kind string `json:"kind"`
}

func (s *Server) noteJSON(r *http.Request, actor kasuhara.Actor, id string, in noteIn) (any, error) {
	if in.Kind == "" {
		in.Kind = kasuhara.EventNote
	}
	e, err := s.Cases.AddNote(r.Context(), actor, id, in.Kind, in.Body)
	if err != nil {
		return nil, err
	}
	return document.EventOf(*e), nil
}

type contactIn struct {
	At      string `json:"at"`
	Channel string `json:"channel"`
	Summary string `json:"summary"`
}

func (s *Server) contactJSON(r *http.Request, actor kasuhara.Actor, id string, in contactIn) (any, error) {
	f := kasuhara.FieldErrors{}
	at := parseTime(f, "at", in.At)
	if err := f.Err(); err != nil {
		return nil, err
	}
	e, err := s.Cases.AddContact(r.Context(), actor, id, kasuhara.Contact{At: at, Channel: in.Channel, Summary: in.Summary})
	if err != nil {
		return nil, err
	}
	return document.EventOf(*e), nil
}

func (s *Server) timelineJSON(r *http.Request, actor kasuhara.Actor, id string) (any, error) {
	es, err := s.Cases.Timeline(r.Context(), actor, id)
	return map[string]any{"events": mapped(es, document.EventOf)}, err
}

type taskJSON struct {
	ID     string     `json:"id"`
	Key    string     `json:"key,omitempty"`
	Title  string     `json:"title"`
	Done   bool       `json:"done"`
	DoneAt *time.Time `json:"done_at,omitempty"`
	DoneBy string     `json:"done_by,omitempty"`
}

func (s *Server) tasksJSON(r *http.Request, actor kasuhara.Actor, id string) (any, error) {
	ts, err := s.Cases.Tasks(r.Context(), actor, id)
	loc := s.Catalog.Localizer(apiLang(r))
	out := make([]taskJSON, 0, len(ts))
	for _, t := range ts {
		title := t.Title
		if t.Key != "" {
			title = loc.T("task." + t.Key)
		}
		out = append(out, taskJSON{ID: t.ID, Key: t.Key, Title: title, Done: !t.DoneAt.IsZero(), DoneAt: timeOrNil(t.DoneAt), DoneBy: t.DoneBy})
	}
	return map[string]any{"tasks": out}, err
}

type taskIn struct {
	Title string `json:"title"`
}

func (s *Server) addTaskJSON(r *http.Request, actor kasuhara.Actor, id string, in taskIn) (any, error) {
	t, err := s.Cases.AddTask(r.Context(), actor, id, in.Title)
	if err != nil {
		return nil, err
	}
	return taskJSON{ID: t.ID, Title: t.Title}, nil
}

type doneIn struct {
	Done bool `json:"done"`
}

func (s *Server) taskDoneJSON(r *http.Request, actor kasuhara.Actor, id string, in doneIn) (any, error) {
	return map[string]any{"id": r.PathValue("task"), "done": in.Done}, s.Cases.SetTaskDone(r.Context(), actor, id, r.PathValue("task"), in.Done)
}

type careJSON struct {
	ID     string     `json:"id"`
	Kind   string     `json:"kind"`
	DueOn  string     `json:"due_on,omitempty"`
	Note   string     `json:"note"`
	Done   bool       `json:"done"`
	DoneAt *time.Time `json:"done_at,omitempty"`
	DoneBy string     `json:"done_by,omitempty"`
}

func careOut(c kasuhara.CareAction) careJSON {
	out := careJSON{ID: c.ID, Kind: c.Kind, Note: c.Note, Done: !c.DoneAt.IsZero(), DoneAt: timeOrNil(c.DoneAt), DoneBy: c.DoneBy}
	if !c.DueOn.IsZero() {
		out.DueOn = c.DueOn.In(calendar.JST).Format("2006-01-02")
	}
	return out
}

func (s *Server) careJSON(r *http.Request, actor kasuhara.Actor, id string) (any, error) {
	cs, err := s.Cases.CareActions(r.Context(), actor, id)
	return map[string]any{"care": mapped(cs, careOut)}, err
}

type careIn struct {
	Kind  string `json:"kind"`
	DueOn string `json:"due_on"`
	Note  string `json:"note"`
}

func (s *Server) addCareJSON(r *http.Request, actor kasuhara.Actor, id string, in careIn) (any, error) {
	f := kasuhara.FieldErrors{}
	due := parseDateOrTime(f, "due_on", in.DueOn)
	if err := f.Err(); err != nil {
		return nil, err
	}
	c, err := s.Cases.AddCare(r.Context(), actor, id, kasuhara.CareAction{Kind: in.Kind, DueOn: due, Note: in.Note})
	if err != nil {
		return nil, err
	}
	return careOut(*c), nil
}

func (s *Server) careDoneJSON(r *http.Request, actor kasuhara.Actor, id string, in doneIn) (any, error) {
	return map[string]any{"id": r.PathValue("care"), "done": in.Done}, s.Cases.SetCareDone(r.Context(), actor, id, r.PathValue("care"), in.Done)
}

type excludeIn struct {
	UserID string `json:"user_id"`
}

// excludeJSON answers 201 when the person is excluded and 202 when a desk
// member's proposal waits for a second handler or legal to confirm it.
func (s *Server) excludeJSON(w http.ResponseWriter, r *http.Request) error {
	var in excludeIn
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	pending, err := s.Cases.Exclude(r.Context(), viewerFrom(r.Context()).Actor, r.PathValue("id"), in.UserID)
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if pending {
		status = http.StatusAccepted
	}
	return sendJSON(w, status, map[string]any{"user_id": in.UserID, "pending": pending})
}
