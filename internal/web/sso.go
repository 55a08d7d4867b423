package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/sso"
)

// sessionSSOFlowKey keeps a started company sign-in (state, nonce, PKCE
// verifier) in the session until the provider sends the person back; it is
// taken out at the first answer, so an answer replayed finds nothing.
const sessionSSOFlowKey = "sso_flow"

// ssoFlow is a started company sign-in or re-authentication as the
// session keeps it: the provider's flow and, for a re-authentication
// before a form's POST, the action and the fields to carry it out with.
type ssoFlow struct {
	sso.Flow
	Action string              `json:"action,omitempty"`
	Fields map[string][]string `json:"fields,omitempty"`
}

// ssoStart starts a company sign-in: the organisation is found by the
// e-mail address's domain or, from an organisation's own sign-in page, by
// its short name.
func (s *Server) ssoStart(w http.ResponseWriter, r *http.Request) error {
	if s.Directory == nil {
		return kasuhara.Errorf(kasuhara.ENOTFOUND, "company sign-in is not available")
	}
	ctx := r.Context()
	next := nextPath(r.PostFormValue("next"))
	var st *kasuhara.SSOSettings
	var err error
	if slug := r.PostFormValue("org"); slug != "" {
		var org *kasuhara.Org
		if org, err = s.Orgs.OrgBySlug(ctx, slug); err == nil {
			st, err = s.Directory.SSOForOrg(ctx, org.ID)
		}
	} else {
		email := kasuhara.NormalizeEmail(r.PostFormValue("sso_email"))
		f := &form{Values: map[string]string{"sso_email": email, "next": next}, Errors: map[string]string{}}
		loc := s.Catalog.Localizer(langFrom(ctx))
		if email == "" || !strings.Contains(email, "@") {
			f.Errors["sso_email"] = translateField(loc, kasuhara.FieldError{Code: kasuhara.FieldEmail})
			return s.renderLogin(w, r, http.StatusUnprocessableEntity, f, "", "")
		}
		st, err = s.Directory.SSOForEmail(ctx, email)
		if kasuhara.ErrorCode(err) == kasuhara.ENOTFOUND {
			f.Errors["sso_email"] = loc.T("sso.no_provider")
			return s.renderLogin(w, r, http.StatusUnprocessableEntity, f, "", "")
		}
	}
	if err != nil {
		return err
	}
	authURL, flow, err := s.sso.Begin(ctx, st, next)
	if err != nil {
		s.Logger.Warn("company sign-in: provider unreachable", "request_id", requestID(ctx), "err", err)
		return s.renderLogin(w, r, http.StatusBadGateway, nil, "sso.provider_down", "error")
	}
	b, err := json.Marshal(ssoFlow{Flow: flow})
	if err != nil {
		return err
	}
	s.sessions.Put(ctx, sessionSSOFlowKey, string(b))
	// A page that goes on to the provider at once, with a link for a
	// browser that does not: the form-action policy forbids redirecting the
	// form's POST to another origin.
	return s.render(w, r, http.StatusOK, "sso_redirect", &page{Title: "sso.redirect.title", Refresh: authURL, Data: authURL})
}

// ssoCallback is where the provider sends the person back with a code,
// from a sign-in or a re-authentication.
func (s *Server) ssoCallback(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	raw := s.sessions.PopString(ctx, sessionSSOFlowKey)
	var sf ssoFlow
	if raw == "" || json.Unmarshal([]byte(raw), &sf) != nil || s.Directory == nil {
		return s.renderLogin(w, r, http.StatusBadRequest, nil, "sso.failed", "error")
	}
	if sf.Reauth {
		return s.ssoReauthCallback(w, r, sf)
	}
	flow := sf.Flow
	q := r.URL.Query()
	if q.Get("error") != "" {
		// The person cancelled, or the provider refused them.
		return s.renderLogin(w, r, http.StatusUnauthorized, nil, "sso.refused", "error")
	}
	st, err := s.Directory.SSOForOrg(ctx, flow.OrgID)
	if err != nil {
		return err
	}
	person, err := s.sso.Finish(ctx, st, flow, q.Get("state"), q.Get("code"))
	if err != nil {
		s.metrics.loginFailures.Inc()
		s.Logger.Warn("company sign-in refused", "request_id", requestID(ctx), "err", err)
		return s.renderLogin(w, r, http.StatusUnauthorized, nil, "sso.failed", "error")
	}
	u, err := s.Directory.SSOSignIn(ctx, st.OrgID, person)
	if errors.Is(err, kasuhara.ErrNoPlacement) {
		org, oerr := s.Orgs.OrgByID(ctx, st.OrgID)
		if oerr != nil {
			return oerr
		}
		return s.render(w, r, http.StatusForbidden, "sso_noaccess", &page{Title: "sso.noaccess.title", Data: org})
	}
	if errors.Is(err, kasuhara.ErrSSOLinkRefused) {
		return s.render(w, r, http.StatusForbidden, "sso_linkrefused", &page{Title: "sso.linkrefused.title"})
	}
	if kasuhara.ErrorCode(err) == kasuhara.EFORBIDDEN {
		return s.renderLogin(w, r, http.StatusForbidden, nil, "sso.refused", "error")
	}
	if err != nil {
		return err
	}
	if err := s.startSession(r, u, signInBy{SSOOrg: st.OrgID, SSOSubject: person.Subject}); err != nil {
		return err
	}
	if u.Language != "" {
		setLangCookie(w, u.Language, s.secureCookies)
	}
	http.Redirect(w, r, nextPath(flow.Next), http.StatusSeeOther)
	return nil
}

// orgSignInPage is an organisation's own sign-in address (/o/{org}/login),
// for a QR code on the staff room's wall: one button to the company's
// provider.
func (s *Server) orgSignInPage(w http.ResponseWriter, r *http.Request) error {
	org, err := s.Orgs.OrgBySlug(r.Context(), r.PathValue("org"))
	if err != nil {
		return err
	}
	if s.Directory == nil {
		return kasuhara.Errorf(kasuhara.ENOTFOUND, "company sign-in is not available")
	}
	st, err := s.Directory.SSOForOrg(r.Context(), org.ID)
	if kasuhara.ErrorCode(err) == kasuhara.ENOTFOUND {
		// No company sign-in: the ordinary sign-in page, at this address.
		return s.renderLogin(w, r, http.StatusOK, nil, "", "")
	} else if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "sso_login", &page{Title: "login.title", Brand: org,
		Data: map[string]any{"Org": org, "Required": st.Required}})
}

// renderLogin draws the sign-in page with what the installation offers.
func (s *Server) renderLogin(w http.ResponseWriter, r *http.Request, status int, f *form, flash, kind string) error {
	if f == nil {
		f = &form{Values: map[string]string{}, Errors: map[string]string{}}
	}
	return s.render(w, r, status, "login", &page{Title: "login.title", Form: f, Flash: flash, FlashKind: kind, Data: s.loginOptions(r)})
}

// loginData is what the sign-in page offers.
type loginData struct {
	SSO         bool // a company account can be used
	SSORequired bool // every organisation requires it: the password form is folded away
}

func (s *Server) loginOptions(r *http.Request) loginData {
	if s.Directory == nil {
		return loginData{}
	}
	offered, required, err := s.Directory.SignInOptions(r.Context())
	if err != nil {
		s.Logger.Error("sign-in options", "request_id", requestID(r.Context()), "err", err)
		return loginData{}
	}
	return loginData{SSO: offered, SSORequired: required}
}

// passwordAllowed refuses a password sign-in where the organisation
// requires its company account (its emergency administrators excepted).
func (s *Server) passwordAllowed(r *http.Request, u *kasuhara.User) error {
	if s.Directory == nil {
		return nil
	}
	ok, err := s.Directory.PasswordAllowed(r.Context(), u.ID)
	if err != nil {
		return err
	}
	if !ok {
		return kasuhara.Errorf(kasuhara.EFORBIDDEN, "the organisation requires its company account")
	}
	return nil
}

// adminSSOData is the company sign-in page of the admin.
type adminSSOData struct {
	Orgs        []kasuhara.Org
	Org         *kasuhara.Org
	Settings    *kasuhara.SSOSettings
	Mappings    []kasuhara.GroupRole
	Departments []orgDepartment
	Roles       []kasuhara.Role
	Callback    string           // the address to register at the provider
	OrgLogin    string           // the organisation's own sign-in address
	Admins      []emergencyAdmin // the organisation's administrators
	SCIMURL     string           // the SCIM endpoint to give the directory
	Tokens      []kasuhara.SCIMToken
	NewToken    string // a SCIM token just made, shown once
}

// sessionSCIMTokenKey carries a SCIM token just made from its POST to the
// page that shows it once (the POST redirects, so a repeat makes none).
const sessionSCIMTokenKey = "scim_token"

// emergencyAdmin is an administrator and whether they keep a password
// where company sign-in is required.
type emergencyAdmin struct {
	ID, Name, Email string
	On              bool
}

// orgDepartment is a department with its organisation's name, for a
// choice across the group.
type orgDepartment struct {
	kasuhara.Department
	OrgName string
}

func (s *Server) adminSSOPage(w http.ResponseWriter, r *http.Request, status int, tree []kasuhara.Org, org *kasuhara.Org, p *page) error {
	v := viewerFrom(r.Context())
	ctx := r.Context()
	st, err := s.Directory.SSO(ctx, v.Actor, org.ID)
	if err != nil {
		return err
	}
	ms, err := s.Directory.GroupRoles(ctx, v.Actor, org.ID)
	if err != nil {
		return err
	}
	d := &adminSSOData{Orgs: tree, Org: org, Settings: st, Mappings: ms, Roles: kasuhara.Roles,
		Callback: strings.TrimRight(s.BaseURL, "/") + "/login/sso/callback", OrgLogin: strings.TrimRight(s.BaseURL, "/") + "/o/" + org.Slug + "/login"}
	d.SCIMURL = strings.TrimRight(s.BaseURL, "/") + "/scim/v2"
	if s.Provisioning != nil {
		if d.Tokens, err = s.Provisioning.SCIMTokens(ctx, v.Actor, org.ID); err != nil {
			return err
		}
		d.NewToken = s.sessions.PopString(ctx, sessionSCIMTokenKey)
	}
	members, err := s.Users.Members(ctx, org.ID)
	if err != nil {
		return err
	}
	emergency, err := s.Directory.EmergencyAdmins(ctx, v.Actor, org.ID)
	if err != nil {
		return err
	}
	for _, m := range members {
		if m.Role == kasuhara.RoleAdmin && !m.Disabled {
			d.Admins = append(d.Admins, emergencyAdmin{ID: m.User.ID, Name: m.Name, Email: m.Email, On: slices.Contains(emergency, m.User.ID)})
		}
	}
	sub, err := s.Orgs.OrgTree(ctx, org.ID)
	if err != nil {
		return err
	}
	for _, o := range sub {
		deps, err := s.Orgs.Departments(ctx, o.ID)
		if err != nil {
			return err
		}
		for _, dep := range deps {
			d.Departments = append(d.Departments, orgDepartment{Department: dep, OrgName: o.Name})
		}
	}
	d.Orgs = sub
	if p.Form == nil {
		p.Form = &form{Values: map[string]string{}, Errors: map[string]string{}}
	}
	// The settings' form shows what is saved unless it was just sent.
	if _, sent := p.Form.Values["issuer"]; !sent {
		p.Form.Values["issuer"], p.Form.Values["client_id"] = st.Issuer, st.ClientID
		p.Form.Values["domains"], p.Form.Values["groups_claim"] = strings.Join(st.Domains, "\n"), st.GroupsClaim
		if st.Required {
			p.Form.Values["required"] = "on"
		}
	}
	p.Title, p.Nav, p.Data = "sso.admin.title", "admin", d
	return s.render(w, r, status, "admin_sso", p)
}

func (s *Server) adminSaveSSO(w http.ResponseWriter, r *http.Request) error {
	fields := []string{"issuer", "client_id", "domains", "groups_claim", "required"}
	return s.adminForm(w, r, s.adminSSOPage, fields, "sso.admin.saved", "/admin/sso", func(v *viewer, org *kasuhara.Org) error {
		return s.Directory.SaveSSO(r.Context(), v.Actor, kasuhara.SSOSettings{OrgID: org.ID, Issuer: r.PostFormValue("issuer"), ClientID: r.PostFormValue("client_id"),
			ClientSecret: r.PostFormValue("client_secret"), Domains: kasuhara.ParseDomains(r.PostFormValue("domains")),
			GroupsClaim: r.PostFormValue("groups_claim"), Required: r.PostFormValue("required") == "on"})
	})
}

func (s *Server) adminAddGroupRole(w http.ResponseWriter, r *http.Request) error {
	v, tree, org, err := s.adminScope(r)
	if err != nil {
		return err
	}
	g := kasuhara.GroupRole{OrgID: org.ID, Group: r.PostFormValue("group"), TargetOrgID: r.PostFormValue("target_org"),
		Role: kasuhara.Role(r.PostFormValue("role")), DepartmentID: r.PostFormValue("department")}
	_, err = s.Directory.AddGroupRole(r.Context(), v.Actor, g)
	if c := kasuhara.ErrorCode(err); c == kasuhara.EINVALID || c == kasuhara.ECONFLICT {
		return s.adminSSOPage(w, r, statusOf(c), tree, org, &page{Form: s.newForm(r, err, "group", "target_org", "role", "department"),
			Flash: "form.fix", FlashKind: "error"})
	}
	if c := kasuhara.ErrorCode(err); c == kasuhara.EFORBIDDEN && g.Role.Privileged() {
		return s.adminSSOPage(w, r, http.StatusForbidden, tree, org, &page{Form: s.newForm(r, nil, "group", "target_org", "role", "department"),
			Flash: "sso.admin.privileged", FlashKind: "error"})
	}
	if err != nil {
		return err
	}
	return s.done(w, r, "sso.admin.mapping_added", "/admin/sso?org="+org.Slug)
}

func (s *Server) adminRemoveGroupRole(w http.ResponseWriter, r *http.Request) error {
	return s.adminAction(w, r, "sso.admin.mapping_removed", "/admin/sso", func(v *viewer, org *kasuhara.Org) error {
		return s.Directory.RemoveGroupRole(r.Context(), v.Actor, org.ID, r.PathValue("id"))
	})
}

func (s *Server) adminCreateSCIMToken(w http.ResponseWriter, r *http.Request) error {
	return s.adminForm(w, r, s.adminSSOPage, []string{"label"}, "sso.admin.token_created", "/admin/sso#scim", func(v *viewer, org *kasuhara.Org) error {
		_, secret, err := s.Provisioning.CreateSCIMToken(r.Context(), v.Actor, org.ID, r.PostFormValue("label"))
		if err == nil {
			// Shown once, on the page the answer leads to.
			s.sessions.Put(r.Context(), sessionSCIMTokenKey, secret)
		}
		return err
	})
}

func (s *Server) adminRevokeSCIMToken(w http.ResponseWriter, r *http.Request) error {
	return s.adminAction(w, r, "sso.admin.token_revoked", "/admin/sso#scim", func(v *viewer, org *kasuhara.Org) error {
		return s.Provisioning.RevokeSCIMToken(r.Context(), v.Actor, org.ID, r.PathValue("id"))
	})
}

// adminSetEmergency marks or unmarks an emergency administrator.
func (s *Server) adminSetEmergency(w http.ResponseWriter, r *http.Request) error {
	return s.adminAction(w, r, "sso.admin.emergency_saved", "/admin/sso#emergency", func(v *viewer, org *kasuhara.Org) error {
		return s.Directory.SetEmergencyAdmin(r.Context(), v.Actor, org.ID, r.PathValue("id"), r.PostFormValue("on") == "1")
	})
}
