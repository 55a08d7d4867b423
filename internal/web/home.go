package web

import (
	"net/http"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/access"
)

// homeData is what the start page asks of the viewer: policies to read and
// courses to take.
type homeData struct {
	Unacknowledged []kasuhara.PolicyDocument
	Training       []kasuhara.TrainingItem
	// Approvals counts the measures waiting for the viewer's approval;
	// Exclusions the proposals to exclude a person from a case that wait
	// for the viewer as the second person.
	Approvals, Exclusions int
}

// home is the signed-in start page. What it shows depends on the role: each
// role sees the part of the desk's work that is theirs.
func (s *Server) home(w http.ResponseWriter, r *http.Request) error {
	v := viewerFrom(r.Context())
	d := &homeData{}
	docs, err := s.Policies.EffectivePolicies(r.Context(), v.Org.ID, v.User.ID)
	if err != nil {
		return err
	}
	for _, doc := range docs {
		if doc.AcknowledgedAt.IsZero() {
			d.Unacknowledged = append(d.Unacknowledged, doc)
		}
	}
	items, err := s.Training.MyTraining(r.Context(), v.Actor)
	if err != nil {
		return err
	}
	for _, it := range items {
		if it.Status != kasuhara.TrainingComplete {
			d.Training = append(d.Training, it)
		}
	}
	if access.Can(v.Membership.Role, access.ReadCustomers) {
		xs, err := s.Cases.ExclusionRequests(r.Context(), v.Actor)
		if err != nil {
			return err
		}
		d.Exclusions = len(xs)
	}
	if access.Can(v.Membership.Role, access.ApproveMeasure) {
		if d.Approvals, err = s.Customers.ApprovalsWaiting(r.Context(), v.Actor); err != nil {
			return err
		}
	}
	return s.render(w, r, http.StatusOK, "home", &page{Title: "home.title", Nav: "home", Data: d})
}
