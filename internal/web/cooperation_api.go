package web

import (
	"net/http"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/document"
)

type cooperationContactJSON struct {
	Person string `json:"person"`
	Phone  string `json:"phone"`
	Email  string `json:"email"`
}

type cooperationJSON struct {
	ID          string                 `json:"id"`
	Ref         string                 `json:"ref"`
	Direction   string                 `json:"direction"`
	Employer    string                 `json:"employer"`
	Contact     cooperationContactJSON `json:"contact"`
	CaseID      string                 `json:"case_id,omitempty"`
	CaseRef     string                 `json:"case_ref,omitempty"`
	Asked       string                 `json:"asked"`
	Answer      string                 `json:"answer,omitempty"`
	Reason      string                 `json:"reason,omitempty"`
	State       string                 `json:"state"`
	RequestedAt time.Time              `json:"requested_at"`
	DueAt       time.Time              `json:"due_at"`
	Overdue     bool                   `json:"overdue"`
	AnsweredAt  *time.Time             `json:"answered_at,omitempty"`
	AnsweredBy  string                 `json:"answered_by,omitempty"`
	ClosedAt    *time.Time             `json:"closed_at,omitempty"`
	HandlerID   string                 `json:"handler_id"`
}

func cooperationOut(now time.Time) func(c kasuhara.CooperationRequest) cooperationJSON {
	return func(c kasuhara.CooperationRequest) cooperationJSON {
		return cooperationJSON{ID: c.ID, Ref: c.Ref, Direction: c.Direction, Employer: c.Employer,
			Contact: cooperationContactJSON{Person: c.ContactPerson, Phone: c.ContactPhone, Email: c.ContactEmail},
			CaseID:  c.CaseID, CaseRef: c.CaseRef, Asked: c.Asked, Answer: c.Answer, Reason: c.Reason, State: c.State, RequestedAt: c.RequestedAt,
			DueAt: c.DueAt, Overdue: c.Overdue(now), AnsweredAt: timeOrNil(c.AnsweredAt), AnsweredBy: c.AnsweredBy, ClosedAt: timeOrNil(c.ClosedAt),
			HandlerID: c.HandlerID}
	}
}

type cooperationShareJSON struct {
	ID        string     `json:"id"`
	Fields    []string   `json:"fields"`
	ConsentAt *time.Time `json:"reporter_consent_at,omitempty"`
	ConsentBy string     `json:"consent_recorded_by,omitempty"`
	SHA256    string     `json:"sha256"`
	Size      int64      `json:"size"`
	CreatedBy string     `json:"created_by"`
	CreatedAt time.Time  `json:"created_at"`
}

func shareOut(sh kasuhara.CooperationShare) cooperationShareJSON {
	return cooperationShareJSON{ID: sh.ID, Fields: sh.Fields, ConsentAt: timeOrNil(sh.ConsentAt), ConsentBy: sh.ConsentBy, SHA256: sh.SHA256,
		Size: sh.Size, CreatedBy: sh.CreatedBy, CreatedAt: sh.CreatedAt}
}

type cooperationEventJSON struct {
	At      time.Time  `json:"at"`
	ActorID string     `json:"actor_id"`
	Kind    string     `json:"kind"`
	Note    string     `json:"note,omitempty"`
	Due     *time.Time `json:"due_at,omitempty"`
}

func (s *Server) apiCooperationList(w http.ResponseWriter, r *http.Request) error {
	rs, err := s.Cooperation.CooperationRequests(r.Context(), viewerFrom(r.Context()).Actor, kasuhara.CooperationFilter{State: r.URL.Query().Get("state")})
	if err != nil {
		return err
	}
	return sendJSON(w, http.StatusOK, map[string]any{"cooperation_requests": mapped(rs, cooperationOut(s.Now()))})
}

func (s *Server) apiCreateCooperation(w http.ResponseWriter, r *http.Request) error {
	var in cooperationIn
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.CaseID == "" && in.CaseRef != "" {
		// The case by its number, as on the page.
		id, err := s.pickedCase(r.Context(), viewerFrom(r.Context()).Actor, in.CaseRef)
		if err != nil {
			if f, ok := kasuhara.ErrorFields(err)["case"]; ok {
				return kasuhara.Invalid(kasuhara.FieldErrors{"case_ref": f})
			}
			return err
		}
		in.CaseID = id
	}
	c, err := s.createCooperation(r, in)
	if err != nil {
		return err
	}
	return sendJSON(w, http.StatusCreated, cooperationOut(s.Now())(*c))
}

func (s *Server) apiCooperation(w http.ResponseWriter, r *http.Request) error {
	c, events, shares, err := s.Cooperation.CooperationRequest(r.Context(), viewerFrom(r.Context()).Actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	return sendJSON(w, http.StatusOK, map[string]any{"request": cooperationOut(s.Now())(*c),
		"history": mapped(events, func(e kasuhara.CooperationEvent) cooperationEventJSON {
			return cooperationEventJSON{At: e.At, ActorID: e.ActorID, Kind: e.Kind, Note: e.Note, Due: timeOrNil(e.Due)}
		}),
		"shares": mapped(shares, shareOut)})
}

// apiMoveCooperation answers (answer), declines (reason) or closes (note)
// a request.
func (s *Server) apiMoveCooperation(to, field string) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in map[string]string
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
		c, err := s.Cooperation.MoveCooperationRequest(r.Context(), viewerFrom(r.Context()).Actor, r.PathValue("id"), to, in[field])
		if err != nil {
			return err
		}
		return sendJSON(w, http.StatusOK, cooperationOut(s.Now())(*c))
	}
}

func (s *Server) apiCooperationDeadline(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		DueAt string `json:"due_at"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	f := kasuhara.FieldErrors{}
	due := dueDate(f, "due_at", in.DueAt)
	if err := f.Err(); err != nil {
		return err
	}
	c, err := s.Cooperation.SetCooperationDeadline(r.Context(), viewerFrom(r.Context()).Actor, r.PathValue("id"), due)
	if err != nil {
		return err
	}
	return sendJSON(w, http.StatusOK, cooperationOut(s.Now())(*c))
}

// apiCooperationShare makes the redacted summary of the request's case
// for the fields chosen, keeps it and answers its SHA-256; ?preview=1
// answers the PDF without keeping it.
func (s *Server) apiCooperationShare(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Fields    []string `json:"fields"`
		ConsentAt string   `json:"consent_at"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	choice, err := shareChoiceOf(in.Fields, in.ConsentAt)
	if err != nil {
		return err
	}
	sh, err := s.share(r, r.PathValue("id"), choice)
	if err != nil {
		return err
	}
	return sendJSON(w, http.StatusCreated, shareOut(*sh))
}

func (s *Server) apiCooperationSharePreview(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	choice, err := shareChoiceOf(q["fields"], q.Get("consent_at"))
	if err != nil {
		return err
	}
	_, f, err := s.shareFile(r, r.PathValue("id"), choice)
	if err != nil {
		return err
	}
	s.sendFile(w, r, document.File{Name: "preview-" + f.Name, Type: f.Type, Data: f.Data})
	return nil
}
