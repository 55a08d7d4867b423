package web

import (
	"net/http"

	"github.com/kasuhara/kasuhara/internal/access"
)

// approvalsPage lists what waits for a second person: the measures waiting
// for a legal approver, with what
// an approver needs to decide: the customer, the level, the proposer, the
// reasons and the cases behind it. Those the viewer may approve carry the
// forms to approve or reject with a comment (which post to the customer's
// measure routes and come back here).
func (s *Server) approvalsPage(w http.ResponseWriter, r *http.Request) error {
	v := viewerFrom(r.Context())
	list, err := s.Customers.Approvals(r.Context(), v.Actor)
	if err != nil {
		return err
	}
	// Proposals to exclude a person from a case that wait for the viewer
	// as the second person; they are confirmed on the case's page.
	exclusions, err := s.Cases.ExclusionRequests(r.Context(), v.Actor)
	if err != nil {
		return err
	}
	names, _, err := s.names(r, v.Org.ID)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "approvals", &page{Title: "approvals.title", Nav: "customers",
		Data: map[string]any{"Approvals": list, "Exclusions": exclusions, "Names": names, "Legal": access.Can(v.Membership.Role, access.ApproveMeasure)}})
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

// apiApprovals lists the measures waiting for a legal approver.
func (s *Server) apiApprovals(w http.ResponseWriter, r *http.Request) error {
	list, err := s.Customers.Approvals(r.Context(), viewerFrom(r.Context()).Actor)
	if err != nil {
		return err
	}
	out := make([]approvalJSON, 0, len(list))
	for _, a := range list {
		j := approvalJSON{measureJSON: measureOut(a.Measure), CustomerID: a.CustomerID, CustomerName: a.CustomerName, Ref: a.Ref(),
			Cases: []caseRefJSON{}, HiddenCases: a.Hidden, MayApprove: a.MayApprove}
		for _, c := range a.Cases {
			j.Cases = append(j.Cases, caseRefJSON{ID: c.ID, Ref: c.Ref})
		}
		out = append(out, j)
	}
	return sendJSON(w, http.StatusOK, map[string]any{"approvals": out})
}
