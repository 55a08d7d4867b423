package web

import (
	"net/http"
	"strings"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/access"
	"github.com/kasuhara/kasuhara/internal/calendar"
)

type proposeIn struct {
	Level  string `json:"level"`
	Reason string `json:"reason"`
	// CustomerText is what the customer reads in the letter; reason is
	// internal.
	CustomerText string   `json:"customer_text"`
	CaseIDs      []string `json:"case_ids"`
	ReviewAt     string   `json:"review_at"`
	// Premises are the stores or offices a ban covers, named by its
	// letter (banned only).
	Premises string `json:"premises"`
	// Checks are required for warned and above (issue 22).
	Checks checksIn `json:"checks"`
	// Incidents are, by case id, the conduct as the letter states it.
	Incidents map[string]string `json:"incidents"`
}

// checksIn are the proposer's notes on what was considered.
type checksIn struct {
	Axes          string `json:"axes"`
	Accommodation string `json:"accommodation"`
	DutyToServe   string `json:"duty_to_serve"`
}

func (s *Server) proposeMeasure(r *http.Request, in proposeIn) (*kasuhara.Measure, error) {
	f := kasuhara.FieldErrors{}
	review := parseDateOrTime(f, "review_at", in.ReviewAt)
	if err := f.Err(); err != nil {
		return nil, err
	}
	return s.Customers.ProposeMeasure(r.Context(), viewerFrom(r.Context()).Actor, r.PathValue("id"),
		kasuhara.NewMeasure{Level: in.Level, Reason: in.Reason, CustomerText: in.CustomerText, CaseIDs: in.CaseIDs, ReviewAt: review,
			Premises: in.Premises, Checks: kasuhara.MeasureChecks(in.Checks), Incidents: in.Incidents})
}

// The desk's screens.

func (s *Server) customersPage(w http.ResponseWriter, r *http.Request) error {
	actor := viewerFrom(r.Context()).Actor
	q := r.URL.Query().Get("q")
	list, err := s.Customers.Customers(r.Context(), actor, q)
	if err != nil {
		return err
	}
	review, err := s.Customers.ForReview(r.Context(), actor)
	if err != nil {
		return err
	}
	pending, err := s.Customers.PendingApprovals(r.Context(), actor)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "customers", &page{Title: "customers.title", Nav: "customers",
		Data: map[string]any{"Q": q, "Customers": list, "Review": review, "Pending": pending}})
}

// customerAndMeasures reads the customer the route's {id} names, and its
// measures, as actor sees them: for the customer's page and the API.
func (s *Server) customerAndMeasures(r *http.Request, actor kasuhara.Actor) (*kasuhara.Customer, []kasuhara.Measure, error) {
	c, err := s.Customers.CustomerByID(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		return nil, nil, err
	}
	ms, err := s.Customers.Measures(r.Context(), actor, c.ID)
	if err != nil {
		return nil, nil, err
	}
	return c, ms, nil
}

func (s *Server) customerPage(w http.ResponseWriter, r *http.Request, status int, p *page) error {
	v := viewerFrom(r.Context())
	actor := v.Actor
	c, ms, err := s.customerAndMeasures(r, actor)
	if err != nil {
		return err
	}
	names, _, err := s.names(r, v.Org.ID)
	if err != nil {
		return err
	}
	var cases []kasuhara.Case
	for _, id := range c.CaseIDs {
		// Only the cases the viewer may see are listed (CaseByID audits).
		if cs, err := s.Cases.CaseByID(r.Context(), actor, id); err == nil {
			cases = append(cases, *cs)
		}
	}
	dups, err := s.Customers.PossibleDuplicates(r.Context(), actor, c.ID)
	if err != nil {
		return err
	}
	st, err := s.Settings.Settings(r.Context(), v.Org.ID)
	if err != nil {
		return err
	}
	p.Title, p.Nav = "customers.customer", "customers"
	p.Data = map[string]any{"Customer": c, "Measures": ms, "Names": names, "Cases": cases, "Legal": access.Can(v.Membership.Role, access.ApproveMeasure), "Duplicates": dups,
		"ReviewDefault": s.Now().AddDate(0, 6, 0).In(calendar.JST).Format("2006-01-02"), "ServiceDuties": st.ServiceDuties}
	return s.render(w, r, status, "customer", p)
}

func (s *Server) customerView(w http.ResponseWriter, r *http.Request) error {
	return s.customerPage(w, r, http.StatusOK, &page{})
}

// customerAction runs a change from the customer page.
func (s *Server) customerAction(w http.ResponseWriter, r *http.Request, done string, fn func(actor kasuhara.Actor) error) error {
	actor := viewerFrom(r.Context()).Actor
	err := fn(actor)
	if c := kasuhara.ErrorCode(err); c == kasuhara.EINVALID || c == kasuhara.ECONFLICT {
		return s.customerPage(w, r, statusOf(c), &page{Flash: "form.fix", FlashKind: "error", Form: s.newForm(r, err, "level", "reason", "customer_text", "review_at", "comment", "premises",
			"addressee_kind", "formal_name", "postal_address", "check_axes", "check_accommodation", "check_duty")})
	}
	if err != nil {
		return err
	}
	s.flash(r, done, "ok")
	if r.PostFormValue("back") == "approvals" {
		// Decided from the approvals list: back to it.
		http.Redirect(w, r, "/approvals", http.StatusSeeOther)
		return nil
	}
	http.Redirect(w, r, "/customers/"+r.PathValue("id")+"#measures", http.StatusSeeOther)
	return nil
}

func (s *Server) customerPropose(w http.ResponseWriter, r *http.Request) error {
	return s.customerAction(w, r, "customers.proposed", func(kasuhara.Actor) error {
		r.ParseForm()
		_, err := s.proposeMeasure(r, proposeIn{Level: r.PostFormValue("level"), Reason: r.PostFormValue("reason"), CustomerText: r.PostFormValue("customer_text"),
			CaseIDs: r.PostForm["case_ids"], ReviewAt: r.PostFormValue("review_at"), Premises: r.PostFormValue("premises"),
			Checks:    checksIn{Axes: r.PostFormValue("check_axes"), Accommodation: r.PostFormValue("check_accommodation"), DutyToServe: r.PostFormValue("check_duty")},
			Incidents: incidentsOf(r)})
		return err
	})
}

// incidentsOf reads the propose form's statements of each case's conduct
// (incident_ and the case's id), for the cases ticked.
func incidentsOf(r *http.Request) map[string]string {
	out := map[string]string{}
	for _, id := range r.PostForm["case_ids"] {
		if text := strings.TrimSpace(r.PostFormValue("incident_" + id)); text != "" {
			out[id] = text
		}
	}
	return out
}

// customerAddressee records how letters address the customer: a company
// (御中) or a person (様), the formal name and the postal address.
func (s *Server) customerAddressee(w http.ResponseWriter, r *http.Request) error {
	return s.customerAction(w, r, "customers.addressee_saved", func(actor kasuhara.Actor) error {
		kind := r.PostFormValue("addressee_kind")
		if err := s.allow(r, access.ReadCustomers); err != nil {
			return err
		}
		if kind != "person" && kind != "company" {
			return kasuhara.InvalidField("addressee_kind", kasuhara.FieldChoice)
		}
		return s.Customers.SetAddressee(r.Context(), actor, r.PathValue("id"), kasuhara.Addressee{Company: kind == "company",
			FormalName: r.PostFormValue("formal_name"), Address: r.PostFormValue("postal_address")})
	})
}

func (s *Server) customerApprove(w http.ResponseWriter, r *http.Request) error {
	return s.customerAction(w, r, "customers.approved", func(actor kasuhara.Actor) error {
		_, err := s.Customers.ApproveMeasure(r.Context(), actor, r.PathValue("id"), r.PathValue("measure"), r.PostFormValue("comment"))
		return err
	})
}

func (s *Server) customerLift(w http.ResponseWriter, r *http.Request) error {
	done := "customers.lifted"
	if r.PostFormValue("back") == "approvals" {
		done = "customers.rejected"
	}
	return s.customerAction(w, r, done, func(actor kasuhara.Actor) error {
		return s.Customers.LiftMeasure(r.Context(), actor, r.PathValue("id"), r.PathValue("measure"), r.PostFormValue("reason"))
	})
}

func (s *Server) customerResponse(w http.ResponseWriter, r *http.Request) error {
	return s.customerAction(w, r, "customers.response_saved", func(actor kasuhara.Actor) error {
		return s.Customers.RecordResponse(r.Context(), actor, r.PathValue("id"), r.PathValue("measure"), r.PostFormValue("response"))
	})
}

// lookupPage lets anyone check a customer's status before or during a
// contact: the status and what to do, nothing else.
func (s *Server) lookupPage(w http.ResponseWriter, r *http.Request) error {
	v := viewerFrom(r.Context())
	q := strings.TrimSpace(r.URL.Query().Get("phone"))
	p := &page{Title: "lookup.title", Nav: "lookup", Data: map[string]any{"Q": q}}
	if q != "" {
		if blocked, _, err := s.lookupUser.Blocked(r.Context(), v.User.ID); err != nil {
			return err
		} else if blocked {
			return &kasuhara.Error{Code: kasuhara.ERATELIMITED, Message: "too many lookups"}
		}
		s.counted(r, s.lookupUser.Fail(r.Context(), v.User.ID))
		kind := "phone"
		if strings.Contains(q, "@") {
			kind = "email"
		}
		l, err := s.Customers.LookupCustomer(r.Context(), v.Actor, kind, q)
		if kasuhara.ErrorCode(err) == kasuhara.EINVALID {
			p.Form = s.newForm(r, err)
			p.Form.Errors["phone"] = translateField(s.Catalog.Localizer(langFrom(r.Context())), kasuhara.FieldError{Code: kasuhara.FieldMalformed})
		} else if err != nil {
			return err
		} else {
			p.Data.(map[string]any)["Status"] = l.Status
		}
	}
	return s.render(w, r, http.StatusOK, "lookup", p)
}

func (s *Server) customerMerge(w http.ResponseWriter, r *http.Request) error {
	return s.customerAction(w, r, "customers.merged", func(actor kasuhara.Actor) error {
		return s.Customers.MergeCustomers(r.Context(), actor, r.PathValue("id"), r.PostFormValue("from"))
	})
}

func (s *Server) customerSplit(w http.ResponseWriter, r *http.Request) error {
	return s.customerAction(w, r, "customers.split", func(actor kasuhara.Actor) error {
		_, err := s.Customers.SplitCase(r.Context(), actor, r.PathValue("id"), r.PostFormValue("case"))
		return err
	})
}
