package web

import (
	"context"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/access"
)

// Pickers let a person choose a case by its number and a customer by name,
// never by an internal id. Each is a field that works as typed without
// JavaScript (a case number; a customer search reloads the page with the
// matches as choices) and, with htmx, asks one of these endpoints as the
// person types. Both answer only what the viewer may see.

// pickLimit is how many matches a picker offers.
const pickLimit = 10

// pickCases answers the options of a case picker's datalist: the cases the
// viewer may see whose number contains what was typed (the field "case",
// or "q").
func (s *Server) pickCases(w http.ResponseWriter, r *http.Request) error {
	v := viewerFrom(r.Context())
	typed := r.URL.Query().Get("q")
	if typed == "" {
		typed = r.URL.Query().Get("case")
	}
	ps, err := s.Cases.PickCases(r.Context(), v.Actor, typed, pickLimit)
	if err != nil {
		return err
	}
	return s.renderFragment(w, r, "pick_cases", ps)
}

// customerPick is what a customer picker shows: the matches for the words
// typed, as choices of the radio buttons named Name.
type customerPick struct {
	Name, Query, Selected string
	Customers             []kasuhara.Customer
}

// findCustomers searches the registry for a picker: by name, phone, e-mail
// or account (store.Customers, which leaves out what the viewer may not
// read and audits the search), from two characters on.
func (s *Server) findCustomers(ctx context.Context, v *viewer, name, q, selected string) (*customerPick, error) {
	p := &customerPick{Name: name, Query: strings.TrimSpace(q), Selected: selected}
	if utf8.RuneCountInString(p.Query) < 2 || !access.Can(v.Membership.Role, access.ReadCustomers) {
		return p, nil
	}
	cs, err := s.Customers.Customers(ctx, v.Actor, p.Query)
	if err != nil {
		return nil, err
	}
	p.Customers = cs[:min(len(cs), pickLimit)]
	return p, nil
}

// pickCustomers answers a customer picker's choices for the words in
// customer_q.
func (s *Server) pickCustomers(w http.ResponseWriter, r *http.Request) error {
	v := viewerFrom(r.Context())
	if !access.Can(v.Membership.Role, access.ReadCustomers) {
		return kasuhara.Errorf(kasuhara.EFORBIDDEN, "not allowed")
	}
	name := r.URL.Query().Get("name")
	if name != "customer" && name != "from" {
		name = "customer"
	}
	p, err := s.findCustomers(r.Context(), v, name, r.URL.Query().Get("customer_q"), "")
	if err != nil {
		return err
	}
	return s.renderFragment(w, r, "pick_customers", p)
}

// caseByNumber is the case a person typed the number of, as the store
// names it ("" when the text is not a case number): a picked or typed
// K-2026-00031, also full-width or without its hyphens.
func caseByNumber(typed string) string {
	if ref, ok := kasuhara.NormalizeCaseRef(typed); ok {
		return ref
	}
	return strings.TrimSpace(typed)
}

// pickedCase is the id of the case whose number was typed or picked into a
// form's field, among those the actor may see: "" for an empty field, a
// field error on field "case" for a number that names no such case.
func (s *Server) pickedCase(ctx context.Context, actor kasuhara.Actor, typed string) (string, error) {
	if strings.TrimSpace(typed) == "" {
		return "", nil
	}
	ref := caseByNumber(typed)
	ps, err := s.Cases.PickCases(ctx, actor, ref, pickLimit)
	if err != nil {
		return "", err
	}
	for _, p := range ps {
		if p.Ref == ref {
			return p.ID, nil
		}
	}
	return "", kasuhara.InvalidField("case", kasuhara.FieldNoMatch)
}
