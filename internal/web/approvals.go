package web

import (
	"net/http"
	"time"

	"github.com/kasuhara/kasuhara/internal/access"
)

// approvalsPage lists what waits for a second person: the measures waiting
// for a legal approver, with what an approver needs to decide: the
// customer, the level, the proposer, the reasons and the cases behind it;
// the grants of the desk and legal roles (and resets of their holders'
// passwords) waiting for a legal member, or an admin while there is none;
// and the proposals to exclude a person from a case. Those the viewer may
// decide carry the forms to approve or reject with a comment (which post
// to the measure's or the request's routes and come back here). Who may
// see each list is the store's: the page asks for what the viewer's role
// reads, and a role that reads neither is refused by the measures' list.
func (s *Server) approvalsPage(w http.ResponseWriter, r *http.Request) error {
	v := viewerFrom(r.Context())
	role := v.Membership.Role
	d := map[string]any{"Legal": access.Can(role, access.ApproveMeasure)}
	nav := "customers" // the desk reaches the list from the customers
	if access.Can(role, access.ApproveMeasure) || access.Can(role, access.DecideGrants) {
		nav = "approvals"
	}
	if access.Can(role, access.ReadCustomers) || !access.Can(role, access.DecideGrants) {
		list, err := s.Customers.Approvals(r.Context(), v.Actor)
		if err != nil {
			return err
		}
		// Proposals to exclude a person from a case that wait for the
		// viewer as the second person; they are confirmed on the case's page.
		exclusions, err := s.Cases.ExclusionRequests(r.Context(), v.Actor)
		if err != nil {
			return err
		}
		names, _, err := s.names(r, v.Org.ID)
		if err != nil {
			return err
		}
		d["Measures"], d["Approvals"], d["Exclusions"], d["Names"] = true, list, exclusions, names
	}
	if access.Can(role, access.DecideGrants) {
		grants, err := s.Users.PendingGrants(r.Context(), v.Actor)
		if err != nil {
			return err
		}
		d["Grants"], d["GrantDecider"] = grants, true
	}
	return s.render(w, r, http.StatusOK, "approvals", &page{Title: "approvals.title", Nav: nav, Data: d})
}

// awaitingApproval counts what waits for the viewer's own decision: the
// measures they may approve and the grant requests they may decide (the
// home's figure and the navigation's count).
func (s *Server) awaitingApproval(r *http.Request, v *viewer) (measures, grants int, err error) {
	if access.Can(v.Membership.Role, access.ApproveMeasure) {
		if measures, err = s.Customers.ApprovalsWaiting(r.Context(), v.Actor); err != nil {
			return 0, 0, err
		}
	}
	if access.Can(v.Membership.Role, access.DecideGrants) {
		gs, err := s.Users.PendingGrants(r.Context(), v.Actor)
		if err != nil {
			return 0, 0, err
		}
		for _, g := range gs {
			if g.MayDecide {
				grants++
			}
		}
	}
	return measures, grants, nil
}

type approvalJSON struct {
	measureJSON
	CustomerID   string        `json:"customer_id"`
	CustomerName string        `json:"customer_name"`
	Ref          string        `json:"ref"`
	Cases        []caseRefJSON `json:"cases"`
	HiddenCases  int           `json:"hidden_cases"`
	MayApprove   bool          `json:"may_approve"`
}

type caseRefJSON struct {
	ID  string `json:"id"`
	Ref string `json:"ref"`
}

// grantApprovalJSON is a pending grant request in the approvals' list.
type grantApprovalJSON struct {
	ID          string    `json:"id"`
	Org         string    `json:"org"`
	UserID      string    `json:"user_id"`
	UserName    string    `json:"user_name"`
	UserEmail   string    `json:"user_email"`
	Kind        string    `json:"kind"`
	Role        string    `json:"role,omitempty"`
	RequestedBy string    `json:"requested_by"`
	Requester   string    `json:"requester"`
	RequestedAt time.Time `json:"requested_at"`
	MayDecide   bool      `json:"may_decide"`
}

// apiApprovals lists the measures waiting for a legal approver
// ("approvals", for the roles that read customers) and the grant requests
// waiting for a decision ("grant_requests", for the roles that decide
// them); a list the role does not read is empty.
func (s *Server) apiApprovals(w http.ResponseWriter, r *http.Request) error {
	v := viewerFrom(r.Context())
	out := make([]approvalJSON, 0)
	grants := make([]grantApprovalJSON, 0)
	if access.Can(v.Membership.Role, access.ReadCustomers) || !access.Can(v.Membership.Role, access.DecideGrants) {
		list, err := s.Customers.Approvals(r.Context(), v.Actor)
		if err != nil {
			return err
		}
		for _, a := range list {
			j := approvalJSON{measureJSON: measureOut(a.Measure), CustomerID: a.CustomerID, CustomerName: a.CustomerName, Ref: a.Ref(),
				Cases: []caseRefJSON{}, HiddenCases: a.Hidden, MayApprove: a.MayApprove}
			for _, c := range a.Cases {
				j.Cases = append(j.Cases, caseRefJSON{ID: c.ID, Ref: c.Ref})
			}
			out = append(out, j)
		}
	}
	if access.Can(v.Membership.Role, access.DecideGrants) {
		list, err := s.Users.PendingGrants(r.Context(), v.Actor)
		if err != nil {
			return err
		}
		for _, g := range list {
			grants = append(grants, grantApprovalJSON{ID: g.ID, Org: g.OrgSlug, UserID: g.UserID, UserName: g.UserName, UserEmail: g.UserEmail,
				Kind: g.Kind, Role: string(g.Role), RequestedBy: g.RequestedBy, Requester: g.Requester, RequestedAt: g.RequestedAt, MayDecide: g.MayDecide})
		}
	}
	return sendJSON(w, http.StatusOK, map[string]any{"approvals": out, "grant_requests": grants})
}
