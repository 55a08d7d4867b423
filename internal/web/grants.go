package web

import (
	"net/http"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/access"
)

// The second person on grants of the desk and legal roles (issue 16,
// finding 2): the admin's request, legal's decision, and the person's own
// link to set a password. The store decides who may; these pages only
// show.

type grantsData struct {
	Orgs     []kasuhara.Org
	Org      *kasuhara.Org
	Requests []kasuhara.GrantRequest
	Pending  int
}

// grantScope is the organisation whose requests the viewer looks at: the
// org parameter within their reach, else their own.
func (s *Server) grantScope(r *http.Request) (*viewer, []kasuhara.Org, *kasuhara.Org, error) {
	v := viewerFrom(r.Context())
	tree, err := s.Orgs.OrgTree(r.Context(), v.Org.ID)
	if err != nil {
		return nil, nil, nil, err
	}
	if slug := r.FormValue("org"); slug != "" {
		for i := range tree {
			if tree[i].Slug == slug {
				return v, tree, &tree[i], nil
			}
		}
		return nil, nil, nil, kasuhara.Errorf(kasuhara.ENOTFOUND, "organisation not found")
	}
	return v, tree, &tree[0], nil
}

func (s *Server) grantRequestsPage(w http.ResponseWriter, r *http.Request) error {
	v, tree, org, err := s.grantScope(r)
	if err != nil {
		return err
	}
	list, err := s.Users.GrantRequests(r.Context(), v.Actor, org.ID)
	if err != nil {
		return err
	}
	d := &grantsData{Org: org, Requests: list}
	if access.Can(v.Membership.Role, access.ManageUsers) {
		d.Orgs = tree // the admin may look at the subsidiaries'
	}
	for _, g := range list {
		if g.Status == kasuhara.GrantPending {
			d.Pending++
		}
	}
	return s.render(w, r, http.StatusOK, "grant_requests", &page{Title: "grants.title", Nav: "grants", Data: d})
}

func (s *Server) approveGrant(w http.ResponseWriter, r *http.Request) error {
	return s.decideGrant(w, r, true)
}
func (s *Server) rejectGrant(w http.ResponseWriter, r *http.Request) error {
	return s.decideGrant(w, r, false)
}

func (s *Server) decideGrant(w http.ResponseWriter, r *http.Request, approve bool) error {
	v := viewerFrom(r.Context())
	// A decision taken on /approvals goes back there.
	back := "/grant-requests"
	if r.PostFormValue("back") == "approvals" {
		back = "/approvals#grant-approvals"
	}
	g, err := s.Users.DecideGrant(r.Context(), v.Actor, r.PathValue("id"), approve, r.PostFormValue("comment"))
	if kasuhara.ErrorCode(err) == kasuhara.EINVALID {
		s.flash(r, "form.fix", "error")
		http.Redirect(w, r, back, http.StatusSeeOther)
		return nil
	}
	if err != nil {
		return err
	}
	msg := "grants.rejected"
	if approve {
		msg = "grants.approved"
	}
	if back != "/grant-requests" {
		return s.done(w, r, msg, back)
	}
	return s.done(w, r, msg, "/grant-requests?org="+g.OrgSlug)
}

// setupPage shows the form of a mailed link to set one's password. It
// changes nothing; an unknown, used or expired link is not found.
func (s *Server) setupPage(w http.ResponseWriter, r *http.Request) error {
	u, err := s.Users.PasswordLinkUser(r.Context(), r.PathValue("token"))
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "account_setup", &page{Title: "setup.title", Data: map[string]any{"Email": u.Email, "Token": r.PathValue("token")}})
}

// setup sets the password of a link's user, who then signs in with it.
func (s *Server) setup(w http.ResponseWriter, r *http.Request) error {
	token := r.PathValue("token")
	u, err := s.Users.PasswordLinkUser(r.Context(), token)
	if err != nil {
		return err
	}
	loc := s.Catalog.Localizer(langFrom(r.Context()))
	f := &form{Values: map[string]string{}, Errors: map[string]string{}}
	next, confirm := r.PostFormValue("new"), r.PostFormValue("confirm")
	if err := kasuhara.ValidatePassword("new", next); err != nil {
		f.Errors["new"] = translateField(loc, kasuhara.ErrorFields(err)["new"])
	} else if next != confirm {
		f.Errors["confirm"] = translateField(loc, kasuhara.FieldError{Code: kasuhara.FieldMismatch})
	}
	if len(f.Errors) > 0 {
		return s.render(w, r, http.StatusUnprocessableEntity, "account_setup", &page{Title: "setup.title", Form: f,
			Data: map[string]any{"Email": u.Email, "Token": token}})
	}
	if _, err := s.Users.SetPasswordByLink(r.Context(), token, next); err != nil {
		return err
	}
	return s.done(w, r, "setup.done", "/login")
}
