package web

import (
	"net/http"
	"strconv"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/access"
)

// adminScope checks that the viewer may administer the organisation named by
// the org parameter (default: their own) and returns it with the viewer's
// whole scope. An organisation outside the scope is "not found".
func (s *Server) adminScope(r *http.Request) (*viewer, []kasuhara.Org, *kasuhara.Org, error) {
	v := viewerFrom(r.Context())
	if !access.Can(v.Membership.Role, access.ManageUsers) {
		return nil, nil, nil, kasuhara.Errorf(kasuhara.EFORBIDDEN, "admins only")
	}
	tree, err := s.Orgs.OrgTree(r.Context(), v.Org.ID)
	if err != nil {
		return nil, nil, nil, err
	}
	slug := r.FormValue("org")
	if slug == "" {
		return v, tree, &tree[0], nil
	}
	for i := range tree {
		if tree[i].Slug == slug {
			return v, tree, &tree[i], nil
		}
	}
	return nil, nil, nil, kasuhara.Errorf(kasuhara.ENOTFOUND, "organisation not found")
}

type adminUsersData struct {
	Orgs        []kasuhara.Org
	Org         *kasuhara.Org
	Members     []kasuhara.Member
	Departments []kasuhara.Department
	Secret      string // a one-time password to show once
	SecretFor   string // whose
}

func (s *Server) adminUsersPage(w http.ResponseWriter, r *http.Request, status int, tree []kasuhara.Org, org *kasuhara.Org, p *page) error {
	members, err := s.Users.Members(r.Context(), org.ID)
	if err != nil {
		return err
	}
	deps, err := s.Orgs.Departments(r.Context(), org.ID)
	if err != nil {
		return err
	}
	d, _ := p.Data.(*adminUsersData)
	if d == nil {
		d = &adminUsersData{}
	}
	d.Orgs, d.Org, d.Members, d.Departments = tree, org, members, deps
	p.Title, p.Nav, p.Data = "admin.users.title", "admin", d
	return s.render(w, r, status, "admin_users", p)
}

func (s *Server) adminUsers(w http.ResponseWriter, r *http.Request) error {
	_, tree, org, err := s.adminScope(r)
	if err != nil {
		return err
	}
	return s.adminUsersPage(w, r, http.StatusOK, tree, org, &page{})
}

// adminCreateUser creates a user with a generated one-time password, shown
// once on the answering page.
func (s *Server) adminCreateUser(w http.ResponseWriter, r *http.Request) error {
	v, tree, org, err := s.adminScope(r)
	if err != nil {
		return err
	}
	if role := kasuhara.Role(r.PostFormValue("role")); role.Privileged() {
		// Desk and legal wait for a second person; the password reaches
		// only the person, by a mailed link.
		_, err := s.Users.RequestGrant(r.Context(), v.Actor, kasuhara.NewGrant{OrgID: org.ID, Email: r.PostFormValue("email"),
			Name: r.PostFormValue("name"), Language: r.PostFormValue("language"), Kind: kasuhara.GrantRole, Role: role,
			DepartmentID: r.PostFormValue("department")})
		if c := kasuhara.ErrorCode(err); c == kasuhara.EINVALID || c == kasuhara.ECONFLICT {
			return s.adminUsersPage(w, r, statusOf(c), tree, org, &page{Form: s.newForm(r, err, "email", "name", "role", "department", "language"),
				Flash: "form.fix", FlashKind: "error"})
		}
		if err != nil {
			return err
		}
		return s.adminUsersPage(w, r, http.StatusAccepted, tree, org, &page{Flash: "admin.users.grant_requested", FlashKind: "ok"})
	}
	pw := generatePassword()
	u, err := s.Users.CreateUser(r.Context(), v.Actor, kasuhara.NewUser{
		Email: r.PostFormValue("email"), Name: r.PostFormValue("name"), Password: pw, MustChangePassword: true,
		OrgID: org.ID, Role: kasuhara.Role(r.PostFormValue("role")), DepartmentID: r.PostFormValue("department"),
		Language: r.PostFormValue("language"),
	})
	if c := kasuhara.ErrorCode(err); c == kasuhara.EINVALID || c == kasuhara.ECONFLICT {
		return s.adminUsersPage(w, r, statusOf(c), tree, org, &page{Form: s.newForm(r, err, "email", "name", "role", "department", "language"),
			Flash: "form.fix", FlashKind: "error"})
	}
	if err != nil {
		return err
	}
	return s.adminUsersPage(w, r, http.StatusCreated, tree, org, &page{Flash: "admin.users.created", FlashKind: "ok",
		Data: &adminUsersData{Secret: pw, SecretFor: u.Email}})
}

// adminTarget finds the member {id} of the organisation in scope.
func (s *Server) adminTarget(r *http.Request) (*viewer, []kasuhara.Org, *kasuhara.Org, *kasuhara.Member, error) {
	v, tree, org, err := s.adminScope(r)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	members, err := s.Users.Members(r.Context(), org.ID)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	for i := range members {
		if members[i].User.ID == r.PathValue("id") {
			return v, tree, org, &members[i], nil
		}
	}
	return nil, nil, nil, nil, kasuhara.Errorf(kasuhara.ENOTFOUND, "user not found")
}

func (s *Server) adminSetMembership(w http.ResponseWriter, r *http.Request) error {
	v, tree, org, m, err := s.adminTarget(r)
	if err != nil {
		return err
	}
	role := kasuhara.Role(r.PostFormValue("role"))
	if m.User.ID == v.User.ID && role != kasuhara.RoleAdmin {
		// An admin demoting themselves could leave nobody to administer.
		return s.adminUsersPage(w, r, http.StatusConflict, tree, org, &page{Flash: "admin.users.self", FlashKind: "error"})
	}
	if role.Privileged() && role != m.Role {
		_, err = s.Users.RequestGrant(r.Context(), v.Actor, kasuhara.NewGrant{OrgID: org.ID, UserID: m.User.ID, Kind: kasuhara.GrantRole,
			Role: role, DepartmentID: r.PostFormValue("department")})
		return s.afterGrantRequest(w, r, tree, org, err)
	}
	err = s.Users.SetMembership(r.Context(), v.Actor, kasuhara.Membership{UserID: m.User.ID, OrgID: org.ID, Role: role,
		DepartmentID: r.PostFormValue("department")})
	if kasuhara.ErrorCode(err) == kasuhara.EINVALID {
		return s.adminUsersPage(w, r, http.StatusUnprocessableEntity, tree, org, &page{Flash: "form.fix", FlashKind: "error"})
	}
	if err != nil {
		return err
	}
	return s.done(w, r, "admin.users.updated", "/admin/users?org="+org.Slug)
}

func (s *Server) adminDisableUser(w http.ResponseWriter, r *http.Request) error {
	return s.adminSetDisabled(w, r, true)
}
func (s *Server) adminEnableUser(w http.ResponseWriter, r *http.Request) error {
	return s.adminSetDisabled(w, r, false)
}

func (s *Server) adminSetDisabled(w http.ResponseWriter, r *http.Request, disabled bool) error {
	v, tree, org, m, err := s.adminTarget(r)
	if err != nil {
		return err
	}
	if m.User.ID == v.User.ID {
		return s.adminUsersPage(w, r, http.StatusConflict, tree, org, &page{Flash: "admin.users.self", FlashKind: "error"})
	}
	if err := s.Users.SetDisabled(r.Context(), v.Actor, m.User.ID, disabled); err != nil {
		return err
	}
	msg := "admin.users.enabled"
	if disabled {
		msg = "admin.users.disabled"
	}
	return s.done(w, r, msg, "/admin/users?org="+org.Slug)
}

func (s *Server) adminResetPassword(w http.ResponseWriter, r *http.Request) error {
	v, tree, org, m, err := s.adminTarget(r)
	if err != nil {
		return err
	}
	if m.User.ID == v.User.ID {
		return s.adminUsersPage(w, r, http.StatusConflict, tree, org, &page{Flash: "admin.users.self", FlashKind: "error"})
	}
	if m.Role.Privileged() {
		_, err = s.Users.RequestGrant(r.Context(), v.Actor, kasuhara.NewGrant{OrgID: org.ID, UserID: m.User.ID, Kind: kasuhara.GrantReset})
		return s.afterGrantRequest(w, r, tree, org, err)
	}
	pw, err := s.Users.ResetPassword(r.Context(), v.Actor, m.User.ID)
	if err != nil {
		return err
	}
	return s.adminUsersPage(w, r, http.StatusOK, tree, org, &page{Flash: "admin.users.reset_done", FlashKind: "ok",
		Data: &adminUsersData{Secret: pw, SecretFor: m.User.Email}})
}

type adminDepartmentsData struct {
	Orgs        []kasuhara.Org
	Org         *kasuhara.Org
	Departments []kasuhara.Department
}

func (s *Server) adminDepartmentsPage(w http.ResponseWriter, r *http.Request, status int, tree []kasuhara.Org, org *kasuhara.Org, p *page) error {
	deps, err := s.Orgs.Departments(r.Context(), org.ID)
	if err != nil {
		return err
	}
	p.Title, p.Nav, p.Data = "admin.departments.title", "admin", &adminDepartmentsData{Orgs: tree, Org: org, Departments: deps}
	return s.render(w, r, status, "admin_departments", p)
}

func (s *Server) adminDepartments(w http.ResponseWriter, r *http.Request) error {
	_, tree, org, err := s.adminScope(r)
	if err != nil {
		return err
	}
	return s.adminDepartmentsPage(w, r, http.StatusOK, tree, org, &page{})
}

func (s *Server) adminCreateDepartment(w http.ResponseWriter, r *http.Request) error {
	v, tree, org, err := s.adminScope(r)
	if err != nil {
		return err
	}
	_, err = s.Orgs.CreateDepartment(r.Context(), v.Actor, org.ID, r.PostFormValue("name"))
	if c := kasuhara.ErrorCode(err); c == kasuhara.EINVALID || c == kasuhara.ECONFLICT {
		return s.adminDepartmentsPage(w, r, statusOf(c), tree, org, &page{Form: s.newForm(r, err, "name"), Flash: "form.fix", FlashKind: "error"})
	}
	if err != nil {
		return err
	}
	return s.done(w, r, "admin.departments.created", "/admin/departments?org="+org.Slug)
}

func (s *Server) adminRenameDepartment(w http.ResponseWriter, r *http.Request) error {
	v, tree, org, err := s.adminScope(r)
	if err != nil {
		return err
	}
	_, err = s.Orgs.RenameDepartment(r.Context(), v.Actor, org.ID, r.PathValue("id"), r.PostFormValue("name"))
	if c := kasuhara.ErrorCode(err); c == kasuhara.EINVALID || c == kasuhara.ECONFLICT {
		return s.adminDepartmentsPage(w, r, statusOf(c), tree, org, &page{Flash: "form.fix", FlashKind: "error"})
	}
	if err != nil {
		return err
	}
	return s.done(w, r, "admin.departments.renamed", "/admin/departments?org="+org.Slug)
}

// adminAudit lists the organisation's recent audit entries. Entries carry
// no personal data, so the admin may read them (the store decides who may,
// and which).
func (s *Server) adminAudit(w http.ResponseWriter, r *http.Request) error {
	v := viewerFrom(r.Context())
	es, err := s.Audit.OrgAuditEntries(r.Context(), v.Actor, 200)
	if err != nil {
		return err
	}
	// The grants of desk and legal waiting for a second person.
	grants, err := s.Users.GrantRequests(r.Context(), v.Actor, v.Org.ID)
	if err != nil {
		return err
	}
	pending := 0
	for _, g := range grants {
		if g.Status == kasuhara.GrantPending {
			pending++
		}
	}
	return s.render(w, r, http.StatusOK, "admin_audit", &page{Title: "admin.audit.title", Nav: "audit",
		Data: map[string]any{"Entries": es, "PendingGrants": pending}})
}

// adminSettingsPage shows an organisation's settings: clocks, calendar, the
// time limit of a contact, the webhook (its secret is never shown again).
func (s *Server) adminSettingsPage(w http.ResponseWriter, r *http.Request, status int, tree []kasuhara.Org, org *kasuhara.Org, p *page) error {
	st, err := s.Settings.Settings(r.Context(), org.ID)
	if err != nil {
		return err
	}
	p.Title, p.Nav = "admin.settings.title", "admin"
	p.Data = map[string]any{"Orgs": tree, "Org": org, "Settings": st, "SecretSet": st.WebhookSecret != ""}
	if p.Form == nil {
		p.Form = &form{Values: map[string]string{"acknowledge": st.Acknowledge, "feedback": st.Feedback,
			"contact_limit_minutes": strconv.Itoa(st.ContactLimitMinutes), "webhook_url": st.WebhookURL,
			"review_incidents": strconv.Itoa(st.ReviewIncidents), "review_window_days": strconv.Itoa(st.ReviewWindowDays),
			"legal_name": st.Sender.LegalName, "address": st.Sender.Address, "representative": st.Sender.Representative,
			"contact_phone": st.Sender.Phone, "contact_desk": st.Sender.Desk}, Errors: map[string]string{}}
	}
	return s.render(w, r, status, "admin_settings", p)
}

func (s *Server) adminSettings(w http.ResponseWriter, r *http.Request) error {
	_, tree, org, err := s.adminScope(r)
	if err != nil {
		return err
	}
	return s.adminSettingsPage(w, r, http.StatusOK, tree, org, &page{})
}

func (s *Server) adminSaveSettings(w http.ResponseWriter, r *http.Request) error {
	v, tree, org, err := s.adminScope(r)
	if err != nil {
		return err
	}
	limit, _ := strconv.Atoi(r.PostFormValue("contact_limit_minutes"))
	incidents, _ := strconv.Atoi(r.PostFormValue("review_incidents"))
	window, _ := strconv.Atoi(r.PostFormValue("review_window_days"))
	err = s.Settings.SaveSettings(r.Context(), v.Actor, kasuhara.OrgSettings{OrgID: org.ID, Acknowledge: r.PostFormValue("acknowledge"),
		Feedback: r.PostFormValue("feedback"), PublicHolidays: r.PostFormValue("public_holidays") == "on",
		YearEndClosure: r.PostFormValue("year_end_closure") == "on", ContactLimitMinutes: limit,
		WebhookURL: r.PostFormValue("webhook_url"), WebhookSecret: r.PostFormValue("webhook_secret"),
		ReviewIncidents: incidents, ReviewWindowDays: window,
		Sender: kasuhara.Sender{LegalName: r.PostFormValue("legal_name"), Address: r.PostFormValue("address"),
			Representative: r.PostFormValue("representative"), Phone: r.PostFormValue("contact_phone"), Desk: r.PostFormValue("contact_desk")}})
	if kasuhara.ErrorCode(err) == kasuhara.EINVALID {
		return s.adminSettingsPage(w, r, http.StatusUnprocessableEntity, tree, org, &page{Flash: "form.fix", FlashKind: "error",
			Form: s.newForm(r, err, "acknowledge", "feedback", "contact_limit_minutes", "webhook_url", "review_incidents", "review_window_days",
				"legal_name", "address", "representative", "contact_phone", "contact_desk")})
	}
	if err != nil {
		return err
	}
	return s.done(w, r, "admin.settings.saved", "/admin/settings?org="+org.Slug)
}

// afterGrantRequest answers a request for a second person: back to the
// users, saying it waits (or why it was not made).
func (s *Server) afterGrantRequest(w http.ResponseWriter, r *http.Request, tree []kasuhara.Org, org *kasuhara.Org, err error) error {
	switch c := kasuhara.ErrorCode(err); c {
	case kasuhara.ECONFLICT:
		return s.adminUsersPage(w, r, statusOf(c), tree, org, &page{Flash: "admin.users.grant_pending", FlashKind: "error"})
	case kasuhara.EINVALID:
		return s.adminUsersPage(w, r, statusOf(c), tree, org, &page{Flash: "form.fix", FlashKind: "error"})
	}
	if err != nil {
		return err
	}
	return s.done(w, r, "admin.users.grant_requested", "/admin/users?org="+org.Slug)
}
