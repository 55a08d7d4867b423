package web

import (
	"net/http"
	"time"

	"github.com/kasuhara/kasuhara"
)

type customerJSON struct {
	ID            string              `json:"id"`
	DisplayName   string              `json:"display_name"`
	Identifiers   []identifierJSON    `json:"identifiers,omitempty"`
	CaseIDs       []string            `json:"case_ids,omitempty"`
	Measure       string              `json:"measure"`
	IncidentCount int                 `json:"incident_count"`
	ReporterCount int                 `json:"reporter_count"`
	FirstAt       *time.Time          `json:"first_at,omitempty"`
	LastAt        *time.Time          `json:"last_at,omitempty"`
	Categories    []kasuhara.Category `json:"categories,omitempty"`
}

type identifierJSON struct {
	Kind  string `json:"kind"`
	Value string `json:"value"`
}

func customerOut(c kasuhara.Customer) customerJSON {
	out := customerJSON{ID: c.ID, DisplayName: c.DisplayName, CaseIDs: c.CaseIDs, Measure: c.Level, IncidentCount: c.IncidentCount,
		ReporterCount: c.ReporterCount, FirstAt: timeOrNil(c.FirstAt), LastAt: timeOrNil(c.LastAt), Categories: c.Categories}
	for _, i := range c.Identifiers {
		out.Identifiers = append(out.Identifiers, identifierJSON{Kind: i.Kind, Value: i.Value})
	}
	return out
}

type measureJSON struct {
	ID               string     `json:"id"`
	Level            string     `json:"level"`
	Reason           string     `json:"reason"`
	CustomerText     string     `json:"customer_text"`
	CaseIDs          []string   `json:"case_ids"`
	Status           string     `json:"status"`
	EffectiveAt      *time.Time `json:"effective_at,omitempty"`
	ReviewAt         time.Time  `json:"review_at"`
	ProposedBy       string     `json:"proposed_by"`
	ApprovedBy       string     `json:"approved_by,omitempty"`
	ApprovedAt       *time.Time `json:"approved_at,omitempty"`
	ApprovalComment  string     `json:"approval_comment,omitempty"`
	LiftedBy         string     `json:"lifted_by,omitempty"`
	LiftReason       string     `json:"lift_reason,omitempty"`
	CustomerResponse string     `json:"customer_response,omitempty"`
	Premises         string     `json:"premises,omitempty"`
	// Checks are the proposer's notes (warned and above; absent for a
	// measure proposed before they were asked).
	Checks *checksIn `json:"checks,omitempty"`
	// Incidents are the conduct of each case as the letter states it, by
	// case id.
	Incidents map[string]string `json:"incidents,omitempty"`
}

func measureOut(m kasuhara.Measure) measureJSON {
	if m.CaseIDs == nil {
		m.CaseIDs = []string{}
	}
	out := measureJSON{ID: m.ID, Level: m.Level, Reason: m.Reason, CustomerText: m.CustomerText, CaseIDs: m.CaseIDs, Status: m.Status, EffectiveAt: timeOrNil(m.EffectiveAt),
		ReviewAt: m.ReviewAt, ProposedBy: m.ProposedBy, ApprovedBy: m.ApprovedBy, ApprovedAt: timeOrNil(m.ApprovedAt), ApprovalComment: m.ApprovalComment,
		LiftedBy: m.LiftedBy, LiftReason: m.LiftReason, CustomerResponse: m.CustomerResponse,
		Premises: m.Premises, Incidents: m.Incidents}
	if m.Checks.Done() {
		c := checksIn(m.Checks)
		out.Checks = &c
	}
	return out
}

// apiLookup answers the front line (and a phone system on an incoming call)
// with the measure in force and plain instructions, nothing else.
func (s *Server) apiLookup(w http.ResponseWriter, r *http.Request) error {
	v := viewerFrom(r.Context())
	if blocked, _, err := s.lookupUser.Blocked(r.Context(), v.User.ID); err != nil {
		return err
	} else if blocked {
		return &kasuhara.Error{Code: kasuhara.ERATELIMITED, Message: "too many lookups; try again in a minute"}
	}
	s.counted(r, s.lookupUser.Fail(r.Context(), v.User.ID)) // every lookup counts toward the limit
	q := r.URL.Query()
	kind, value := "", ""
	for _, k := range []string{"phone", "email", "account"} {
		if q.Get(k) != "" {
			kind, value = k, q.Get(k)
			break
		}
	}
	l, err := s.Customers.LookupCustomer(r.Context(), v.Actor, kind, value)
	if err != nil {
		return err
	}
	loc := s.Catalog.Localizer(apiLang(r))
	return sendJSON(w, http.StatusOK, map[string]string{"status": l.Status, "instructions": loc.T("lookup.instructions." + l.Status)})
}

func (s *Server) apiCustomers(w http.ResponseWriter, r *http.Request) error {
	cs, err := s.Customers.Customers(r.Context(), viewerFrom(r.Context()).Actor, r.URL.Query().Get("q"))
	if err != nil {
		return err
	}
	return sendJSON(w, http.StatusOK, map[string]any{"customers": mapped(cs, customerOut)})
}

func (s *Server) apiCustomer(w http.ResponseWriter, r *http.Request) error {
	c, ms, err := s.customerAndMeasures(r, viewerFrom(r.Context()).Actor)
	if err != nil {
		return err
	}
	out := struct {
		customerJSON
		Measures []measureJSON `json:"measures"`
	}{customerJSON: customerOut(*c), Measures: []measureJSON{}}
	for _, m := range ms {
		out.Measures = append(out.Measures, measureOut(m))
	}
	return sendJSON(w, http.StatusOK, out)
}

func (s *Server) apiProposeMeasure(w http.ResponseWriter, r *http.Request) error {
	var in proposeIn
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	m, err := s.proposeMeasure(r, in)
	if err != nil {
		return err
	}
	return sendJSON(w, http.StatusCreated, map[string]string{"id": m.ID, "status": m.Status})
}

type approveIn struct {
	Comment string `json:"comment"`
}

// apiApproveMeasure approves a proposal; the body {"comment": "…"} is
// optional (no body, or an empty one, approves without a comment).
func (s *Server) apiApproveMeasure(w http.ResponseWriter, r *http.Request) error {
	var in approveIn
	if r.ContentLength != 0 {
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
	}
	m, err := s.Customers.ApproveMeasure(r.Context(), viewerFrom(r.Context()).Actor, r.PathValue("id"), r.PathValue("measure"), in.Comment)
	if err != nil {
		return err
	}
	return sendJSON(w, http.StatusOK, map[string]string{"id": m.ID, "status": m.Status})
}

// customerWrite makes an API handler for a change to customer {id}: it
// decodes In and answers fn's result with status.
func customerWrite[In any](status int, fn func(r *http.Request, actor kasuhara.Actor, in In) (any, error)) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in In
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
		out, err := fn(r, viewerFrom(r.Context()).Actor, in)
		if err != nil {
			return err
		}
		return sendJSON(w, status, out)
	}
}

type reasonIn struct {
	Reason string `json:"reason"`
}

func (s *Server) liftJSON(r *http.Request, actor kasuhara.Actor, in reasonIn) (any, error) {
	return map[string]string{"id": r.PathValue("measure")}, s.Customers.LiftMeasure(r.Context(), actor, r.PathValue("id"), r.PathValue("measure"), in.Reason)
}

type responseIn struct {
	Response string `json:"response"`
}

func (s *Server) responseJSON(r *http.Request, actor kasuhara.Actor, in responseIn) (any, error) {
	return map[string]string{"id": r.PathValue("measure")}, s.Customers.RecordResponse(r.Context(), actor, r.PathValue("id"), r.PathValue("measure"), in.Response)
}

type mergeIn struct {
	From string `json:"from"`
}

func (s *Server) mergeJSON(r *http.Request, actor kasuhara.Actor, in mergeIn) (any, error) {
	return map[string]string{"id": r.PathValue("id")}, s.Customers.MergeCustomers(r.Context(), actor, r.PathValue("id"), in.From)
}

type splitIn struct {
	CaseID string `json:"case_id"`
}

func (s *Server) splitJSON(r *http.Request, actor kasuhara.Actor, in splitIn) (any, error) {
	id, err := s.Customers.SplitCase(r.Context(), actor, r.PathValue("id"), in.CaseID)
	return map[string]string{"id": id}, err
}

func (s *Server) apiDuplicates(w http.ResponseWriter, r *http.Request) error {
	cs, err := s.Customers.PossibleDuplicates(r.Context(), viewerFrom(r.Context()).Actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	return sendJSON(w, http.StatusOK, map[string]any{"customers": mapped(cs, customerOut)})
}
