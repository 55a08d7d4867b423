package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/access"
	"golang.org/x/text/unicode/norm"
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

// adminPageFunc draws an administration page for org, the organisation the
// administrator chose among tree, with the answer's status and what p
// already holds (a flash, a form sent back with its problems).
type adminPageFunc func(w http.ResponseWriter, r *http.Request, status int, tree []kasuhara.Org, org *kasuhara.Org, p *page) error

// adminPage is the GET of an administration page: drawn for the
// organisation the address names (?org=), nothing sent back.
func (s *Server) adminPage(draw adminPageFunc) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		_, tree, org, err := s.adminScope(r)
		if err != nil {
			return err
		}
		return draw(w, r, http.StatusOK, tree, org, &page{})
	}
}

// adminAction is an administration form with nothing to send back: act
// runs for the organisation the form names, and the administrator is sent
// with the message done to the page at where (a path, and a #fragment if
// any) of that organisation. Any error of act is the answer.
func (s *Server) adminAction(w http.ResponseWriter, r *http.Request, done, where string, act func(v *viewer, org *kasuhara.Org) error) error {
	v, _, org, err := s.adminScope(r)
	if err != nil {
		return err
	}
	if err := act(v, org); err != nil {
		return err
	}
	return s.done(w, r, done, adminURL(where, org))
}

// adminForm is an administration form that may come back: save runs for
// the organisation the form names; bad input (EINVALID) draws the page
// again with the fields sent and their problems; otherwise it answers as
// adminAction.
func (s *Server) adminForm(w http.ResponseWriter, r *http.Request, draw adminPageFunc, fields []string, done, where string,
	save func(v *viewer, org *kasuhara.Org) error) error {
	v, tree, org, err := s.adminScope(r)
	if err != nil {
		return err
	}
	err = save(v, org)
	if kasuhara.ErrorCode(err) == kasuhara.EINVALID {
		return draw(w, r, http.StatusUnprocessableEntity, tree, org, &page{Form: s.newForm(r, err, fields...), Flash: "form.fix", FlashKind: "error"})
	}
	if err != nil {
		return err
	}
	return s.done(w, r, done, adminURL(where, org))
}

// adminURL is the administration page at where (a path, and a #fragment
// if any) for org.
func adminURL(where string, org *kasuhara.Org) string {
	path, fragment, _ := strings.Cut(where, "#")
	to := path + "?org=" + org.Slug
	if fragment != "" {
		to += "#" + fragment
	}
	return to
}

type adminUsersData struct {
	Orgs        []kasuhara.Org
	Org         *kasuhara.Org
	Members     []kasuhara.Member
	Departments []kasuhara.Department
	Query       string // the list's search
	Total       int    // members before the search
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
	d.Orgs, d.Org, d.Departments = tree, org, deps
	// The list's search: a part of a name or e-mail address, in any width
	// or case.
	d.Query = strings.TrimSpace(r.FormValue("q"))
	d.Total = len(members)
	if key := searchKey(d.Query); key != "" {
		members = slices.DeleteFunc(members, func(m kasuhara.Member) bool {
			return !strings.Contains(searchKey(m.User.Name), key) && !strings.Contains(searchKey(m.User.Email), key)
		})
	}
	d.Members = members
	p.Title, p.Nav, p.Data = "admin.users.title", "admin", d
	return s.render(w, r, status, "admin_users", p)
}

// adminCreateUser creates a user with a generated one-time password, shown
// on the answering page. It files once per the form's idempotency key
// (issue 18): a repeat (a double tap, Back and send) answers the page of
// the first, with the same password, instead of "the address is taken".
// The password kept for the repeat is sealed with the form's key
// (sealReceipt), so the database alone does not hold it.
func (s *Server) adminCreateUser(w http.ResponseWriter, r *http.Request) error {
	v, tree, org, err := s.adminScope(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return err
	}
	key := r.PostForm.Get(idempotencyField)
	var created *page
	create := func() (string, error) {
		p, res, err := s.createUser(r, v, org)
		created = p
		return res, err
	}
	scope, digest := "form:"+v.User.ID+":"+r.URL.Path, org.ID+":"+formDigest(r.PostForm, nil)
	res, repeat, err := s.once(r.Context(), scope, key, digest, create)
	if kasuhara.ErrorFields(err)[idempotencyField].Code == kasuhara.FieldKeyReused {
		// The same key with other content: a new submission.
		_, err = create()
	}
	if c := kasuhara.ErrorCode(err); c == kasuhara.EINVALID || c == kasuhara.ECONFLICT {
		return s.adminUsersPage(w, r, statusOf(c), tree, org, &page{Form: s.newForm(r, err, "email", "name", "role", "department", "language"),
			Flash: "form.fix", FlashKind: "error"})
	}
	if err != nil {
		return err
	}
	if repeat {
		if created, err = s.createdPage(key, res); err != nil {
			return err
		}
	}
	status := http.StatusCreated
	if created.Data == nil {
		status = http.StatusAccepted
	}
	return s.adminUsersPage(w, r, status, tree, org, created)
}

// createUser creates the user of the admin's form, or for desk and legal
// asks for the grant; it returns the page to answer and the result kept
// for a repeat ("grant", or "user:" and the sealed address and password).
func (s *Server) createUser(r *http.Request, v *viewer, org *kasuhara.Org) (*page, string, error) {
	key := r.PostForm.Get(idempotencyField)
	if role := kasuhara.Role(r.PostFormValue("role")); role.Privileged() {
		// Desk and legal wait for a second person; the password reaches
		// only the person, by a mailed link.
		_, err := s.Users.RequestGrant(r.Context(), v.Actor, kasuhara.NewGrant{OrgID: org.ID, Email: r.PostFormValue("email"),
			Name: r.PostFormValue("name"), Language: r.PostFormValue("language"), Kind: kasuhara.GrantRole, Role: role,
			DepartmentID: r.PostFormValue("department")})
		if err != nil {
			return nil, "", err
		}
		return &page{Flash: "admin.users.grant_requested", FlashKind: "ok"}, "grant", nil
	}
	pw := generatePassword()
	u, err := s.Users.CreateUser(r.Context(), v.Actor, kasuhara.NewUser{
		Email: r.PostFormValue("email"), Name: r.PostFormValue("name"), Password: pw, MustChangePassword: true,
		OrgID: org.ID, Role: kasuhara.Role(r.PostFormValue("role")), DepartmentID: r.PostFormValue("department"),
		Language: r.PostFormValue("language"),
	})
	if err != nil {
		return nil, "", err
	}
	return &page{Flash: "admin.users.created", FlashKind: "ok", Data: &adminUsersData{Secret: pw, SecretFor: u.Email}},
		"user:" + sealReceipt(key, u.Email+"\n"+pw), nil
}

// createdPage is the page of a create-user form's first result, for its
// repeat.
func (s *Server) createdPage(key, res string) (*page, error) {
	if res == "grant" {
		return &page{Flash: "admin.users.grant_requested", FlashKind: "ok"}, nil
	}
	plain, err := openReceipt(key, strings.TrimPrefix(res, "user:"))
	if err != nil {
		return nil, err
	}
	email, pw, _ := strings.Cut(plain, "\n")
	return &page{Flash: "admin.users.created", FlashKind: "ok", Data: &adminUsersData{Secret: pw, SecretFor: email}}, nil
}

// searchKey folds a name for a search: full-width to half-width, lower
// case, no spaces.
func searchKey(s string) string {
	return strings.ReplaceAll(strings.ToLower(norm.NFKC.String(s)), " ", "")
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
	if m.User.ID == v.User.ID && !access.Can(role, access.ManageUsers) {
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
	if disabled && r.PostFormValue("confirm") != "yes" {
		// Stopping an account signs its person out of their work: the
		// admin confirms on a page of its own, which works without
		// JavaScript.
		return s.render(w, r, http.StatusOK, "admin_user_disable", &page{Title: "admin.users.disable_title", Nav: "admin",
			Data: map[string]any{"Org": org, "Member": m}})
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
	Tree        []kasuhara.DepartmentNode // the departments in the order of the hierarchy
}

func (s *Server) adminDepartmentsPage(w http.ResponseWriter, r *http.Request, status int, tree []kasuhara.Org, org *kasuhara.Org, p *page) error {
	deps, err := s.Orgs.Departments(r.Context(), org.ID)
	if err != nil {
		return err
	}
	p.Title, p.Nav, p.Data = "admin.departments.title", "admin", &adminDepartmentsData{Orgs: tree, Org: org, Departments: deps,
		Tree: kasuhara.DepartmentTree(deps)}
	return s.render(w, r, status, "admin_departments", p)
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

// adminMoveDepartment puts a department under another (an area's store)
// or at the top.
func (s *Server) adminMoveDepartment(w http.ResponseWriter, r *http.Request) error {
	v, tree, org, err := s.adminScope(r)
	if err != nil {
		return err
	}
	err = s.Orgs.SetDepartmentParent(r.Context(), v.Actor, org.ID, r.PathValue("id"), r.PostFormValue("parent"))
	if c := kasuhara.ErrorCode(err); c == kasuhara.EINVALID {
		p := &page{Form: &form{Values: map[string]string{}, Errors: map[string]string{}}, Flash: "form.fix", FlashKind: "error"}
		loc := s.Catalog.Localizer(langFrom(r.Context()))
		for k, fe := range kasuhara.ErrorFields(err) {
			p.Form.Errors[k+"-"+r.PathValue("id")] = translateField(loc, fe)
		}
		return s.adminDepartmentsPage(w, r, http.StatusUnprocessableEntity, tree, org, p)
	}
	if err != nil {
		return err
	}
	s.flash(r, "admin.departments.moved", "ok")
	http.Redirect(w, r, "/admin/departments?org="+org.Slug, http.StatusSeeOther)
	return nil
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

// adminSettingsPage shows an organisation's settings: clocks, calendar, the
// time limit of a contact, the webhook (its secret is never shown again).
func (s *Server) adminSettingsPage(w http.ResponseWriter, r *http.Request, status int, tree []kasuhara.Org, org *kasuhara.Org, p *page) error {
	st, err := s.Settings.Settings(r.Context(), org.ID)
	if err != nil {
		return err
	}
	p.Title, p.Nav = "admin.settings.title", "admin"
	data := map[string]any{"Orgs": tree, "Org": org, "Settings": st, "SecretSet": st.WebhookSecret != "",
		"AnonymousSaved": r.URL.Query().Get("anonymous") == "saved"}
	if err := s.signInSettingsData(r, org, data); err != nil {
		return err
	}
	p.Data = data
	if p.Form == nil {
		p.Form = &form{Errors: map[string]string{}}
	}
	if p.Form.Values == nil {
		// The sign-in rules' form sends back its errors only.
		p.Form.Values = (&form{Values: map[string]string{"acknowledge": st.Acknowledge, "feedback": st.Feedback,
			"contact_limit_minutes": strconv.Itoa(st.ContactLimitMinutes), "webhook_url": st.WebhookURL,
			"review_incidents": strconv.Itoa(st.ReviewIncidents), "review_window_days": strconv.Itoa(st.ReviewWindowDays),
			"org_name": st.OrgName, "legal_name": st.Sender.LegalName, "address": st.Sender.Address, "representative": st.Sender.Representative,
			"contact_phone": st.Sender.Phone, "contact_desk": st.Sender.Desk, "contact_hours": st.Sender.Hours, "checkin_days": kasuhara.FormatCheckinDays(st.CheckinDays),
			"date_style": st.DateStyle, "service_duties": st.ServiceDuties}}).Values
	}
	return s.render(w, r, status, "admin_settings", p)
}

// settingsFields are the text fields of the settings form.
var settingsFields = []string{"org_name", "acknowledge", "feedback", "contact_limit_minutes", "webhook_url", "review_incidents", "review_window_days",
	"legal_name", "address", "representative", "contact_phone", "contact_desk", "contact_hours", "checkin_days", "date_style", "service_duties"}

func (s *Server) adminSaveSettings(w http.ResponseWriter, r *http.Request) error {
	v, tree, org, err := s.adminScope(r)
	if err != nil {
		return err
	}
	limit, _ := strconv.Atoi(r.PostFormValue("contact_limit_minutes"))
	incidents, _ := strconv.Atoi(r.PostFormValue("review_incidents"))
	window, _ := strconv.Atoi(r.PostFormValue("review_window_days"))
	name := r.PostFormValue("org_name")
	if r.PostForm.Has("org_name") && strings.TrimSpace(name) == "" {
		// The name may be changed, not removed; a form without the field
		// keeps it.
		return s.adminSettingsPage(w, r, http.StatusUnprocessableEntity, tree, org, &page{Flash: "form.fix", FlashKind: "error",
			Form: s.newForm(r, kasuhara.InvalidField("org_name", kasuhara.FieldRequired), settingsFields...)})
	}
	// The check-in days: a form without the field keeps them.
	cur, err := s.Settings.Settings(r.Context(), org.ID)
	if err != nil {
		return err
	}
	duties := cur.ServiceDuties
	if r.PostForm.Has("service_duties") {
		duties = r.PostFormValue("service_duties")
	}
	checkins := cur.CheckinDays
	if r.PostForm.Has("checkin_days") {
		if checkins, err = kasuhara.ParseCheckinDays(r.PostFormValue("checkin_days")); err != nil {
			return s.adminSettingsPage(w, r, http.StatusUnprocessableEntity, tree, org, &page{Flash: "form.fix", FlashKind: "error",
				Form: s.newForm(r, err, settingsFields...)})
		}
	}
	err = s.Settings.SaveSettings(r.Context(), v.Actor, kasuhara.OrgSettings{OrgID: org.ID, OrgName: name, Acknowledge: r.PostFormValue("acknowledge"),
		Feedback: r.PostFormValue("feedback"), PublicHolidays: r.PostFormValue("public_holidays") == "on",
		YearEndClosure: r.PostFormValue("year_end_closure") == "on", ContactLimitMinutes: limit,
		WebhookURL: r.PostFormValue("webhook_url"), WebhookSecret: r.PostFormValue("webhook_secret"),
		ReviewIncidents: incidents, ReviewWindowDays: window, CheckinDays: checkins, ServiceDuties: duties,
		Sender: kasuhara.Sender{LegalName: r.PostFormValue("legal_name"), Address: r.PostFormValue("address"),
			Representative: r.PostFormValue("representative"), Phone: r.PostFormValue("contact_phone"), Desk: r.PostFormValue("contact_desk"),
			Hours: r.PostFormValue("contact_hours")},
		DateStyle: r.PostFormValue("date_style")})
	if kasuhara.ErrorCode(err) == kasuhara.EINVALID {
		return s.adminSettingsPage(w, r, http.StatusUnprocessableEntity, tree, org, &page{Flash: "form.fix", FlashKind: "error",
			Form: s.newForm(r, err, settingsFields...)})
	}
	if err != nil {
		return err
	}
	return s.done(w, r, "admin.settings.saved", "/admin/settings?org="+org.Slug)
}

// adminSaveAnonymous switches the anonymous channel on or off (its own form
// on the settings page: saving the other settings does not count as a
// choice).
func (s *Server) adminSaveAnonymous(w http.ResponseWriter, r *http.Request) error {
	v, tree, org, err := s.adminScope(r)
	if err != nil {
		return err
	}
	choice := r.PostFormValue("anonymous")
	if choice != "on" && choice != "off" {
		return s.adminSettingsPage(w, r, http.StatusUnprocessableEntity, tree, org, &page{Flash: "admin.settings.anonymous_choose", FlashKind: "error"})
	}
	if err := s.Settings.SetAnonymousChannel(r.Context(), v.Actor, org.ID, choice == "on"); err != nil {
		return err
	}
	// Back to the section, which says what was saved (the page's flash
	// would be out of sight at its top).
	http.Redirect(w, r, "/admin/settings?org="+org.Slug+"&anonymous=saved#anonymous", http.StatusSeeOther)
	return nil
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
