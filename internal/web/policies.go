package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/access"
	"github.com/kasuhara/kasuhara/internal/starter"
)

// publicPolicy is the organisation's basic policy for anyone: GET
// /o/{org}/policy, no sign-in, a page a company links from its website.
func (s *Server) publicPolicy(w http.ResponseWriter, r *http.Request) error {
	org, err := s.Orgs.OrgBySlug(r.Context(), r.PathValue("org"))
	if err != nil {
		return err
	}
	d, err := s.Policies.PublicPolicy(r.Context(), org.ID)
	if err != nil {
		return err
	}
	st, err := s.Settings.Settings(r.Context(), org.ID)
	if err != nil {
		return err
	}
	// A group-wide policy speaks for the organisation whose page this is:
	// the name of the organisation that wrote it (the parent company)
	// becomes this one's.
	body := d.Current.Body(langFrom(r.Context()))
	if d.OrgID != org.ID && d.OrgName != "" {
		body = strings.ReplaceAll(body, d.OrgName, org.Name)
	}
	return s.render(w, r, http.StatusOK, "policy_public", &page{Title: "policy.public_title", Brand: org,
		Data: map[string]any{"Org": org, "Doc": d, "Version": d.Current, "Body": body, "Sender": st.Sender, "Anonymous": st.AnonymousChannel}})
}

// policiesPage lists the documents that apply to the viewer's organisation
// and whether the viewer acknowledged each.
func (s *Server) policiesPage(w http.ResponseWriter, r *http.Request) error {
	v := viewerFrom(r.Context())
	docs, err := s.Policies.EffectivePolicies(r.Context(), v.Org.ID, v.User.ID)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "policies", &page{Title: "policies.title", Nav: "policies", Data: docs})
}

// policyPage shows a document's current version, or an older one with
// ?version=N, and the acknowledgement button.
func (s *Server) policyPage(w http.ResponseWriter, r *http.Request) error {
	v := viewerFrom(r.Context())
	d, err := s.Policies.EffectivePolicy(r.Context(), v.Org.ID, v.User.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	shown := d.Current
	if n := r.URL.Query().Get("version"); n != "" {
		num, err := strconv.Atoi(n)
		shown = nil
		for i := range d.Versions {
			if err == nil && d.Versions[i].Number == num {
				shown = &d.Versions[i]
			}
		}
		if shown == nil {
			return kasuhara.Errorf(kasuhara.ENOTFOUND, "no such version")
		}
	}
	return s.render(w, r, http.StatusOK, "policy", &page{Title: "policies.title", Nav: "policies", Data: map[string]any{"Doc": d, "Version": shown}})
}

func (s *Server) acknowledgePolicy(w http.ResponseWriter, r *http.Request) error {
	v := viewerFrom(r.Context())
	if _, err := s.Policies.Acknowledge(r.Context(), v.Actor, r.PathValue("id")); err != nil {
		return err
	}
	return s.done(w, r, "policies.acknowledged", "/policies/"+r.PathValue("id"))
}

// ackReportPage shows legal and the admin who has not acknowledged the
// current versions, per department.
func (s *Server) ackReportPage(w http.ResponseWriter, r *http.Request) error {
	if err := s.allow(r, access.ViewAcknowledged); err != nil {
		return err
	}
	reports, err := s.Policies.AckReports(r.Context(), viewerFrom(r.Context()).Actor, viewerFrom(r.Context()).Org.ID)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "policy_acks", &page{Title: "acks.title", Nav: "policies", Data: reports})
}

// adminPoliciesPage lists the organisation's own documents for the admin,
// with the form to start a new one.
func (s *Server) adminPoliciesPage(w http.ResponseWriter, r *http.Request) error {
	if err := s.allow(r, access.ManageContent); err != nil {
		return err
	}
	return s.renderAdminPolicies(w, r, http.StatusOK, nil)
}

func (s *Server) renderAdminPolicies(w http.ResponseWriter, r *http.Request, status int, err error) error {
	v := viewerFrom(r.Context())
	docs, lerr := s.Policies.Policies(r.Context(), v.Org.ID)
	if lerr != nil {
		return lerr
	}
	return s.render(w, r, status, "admin_policies", &page{Title: "adminpolicies.title", Nav: "policies", Data: docs,
		Form: s.newForm(r, err, "kind", "start", "group_wide")})
}

// adminCreatePolicy starts a document, blank or from a built-in text.
func (s *Server) adminCreatePolicy(w http.ResponseWriter, r *http.Request) error {
	if err := s.allow(r, access.ManageContent); err != nil {
		return err
	}
	v := viewerFrom(r.Context())
	kind := r.PostFormValue("kind")
	var t kasuhara.PolicyText
	switch start := r.PostFormValue("start"); start {
	case "basic_policy", "procedure":
		p, err := s.starterParams(r)
		if err != nil {
			return err
		}
		t = starter.Policy(start, p)
	case "":
		t = kasuhara.PolicyText{TitleJa: r.PostFormValue("title_ja"), BodyJa: "## " + r.PostFormValue("title_ja") + "\n"}
	default:
		return s.renderAdminPolicies(w, r, http.StatusBadRequest, kasuhara.InvalidField("start", kasuhara.FieldChoice))
	}
	d, err := s.Policies.CreatePolicy(r.Context(), v.Actor, kind, r.PostFormValue("group_wide") == "on", t)
	if err != nil {
		if code := kasuhara.ErrorCode(err); code == kasuhara.EINVALID || code == kasuhara.ECONFLICT {
			return s.renderAdminPolicies(w, r, http.StatusBadRequest, err)
		}
		return err
	}
	return s.done(w, r, "adminpolicies.created", "/admin/policies/"+d.ID)
}

// starterParams fills the built-in texts from the organisation's settings
// (its name, the sender's legal name and representative, the contact time
// limit), with today as the date of enactment.
func (s *Server) starterParams(r *http.Request) (starter.Params, error) {
	st, err := s.Settings.Settings(r.Context(), viewerFrom(r.Context()).Org.ID)
	if err != nil {
		return starter.Params{}, err
	}
	return starter.For(*st, s.Now()), nil
}

// ownPolicy finds one of the organisation's own documents.
func (s *Server) ownPolicy(r *http.Request) (*kasuhara.PolicyDocument, error) {
	docs, err := s.Policies.Policies(r.Context(), viewerFrom(r.Context()).Org.ID)
	if err != nil {
		return nil, err
	}
	for i := range docs {
		if docs[i].ID == r.PathValue("id") {
			return &docs[i], nil
		}
	}
	return nil, kasuhara.Errorf(kasuhara.ENOTFOUND, "policy not found")
}

// adminPolicyPage edits a document's draft and shows its rendering.
func (s *Server) adminPolicyPage(w http.ResponseWriter, r *http.Request) error {
	if err := s.allow(r, access.ManageContent); err != nil {
		return err
	}
	return s.renderPolicyEditor(w, r, http.StatusOK, nil)
}

func (s *Server) renderPolicyEditor(w http.ResponseWriter, r *http.Request, status int, err error) error {
	d, lerr := s.ownPolicy(r)
	if lerr != nil {
		return lerr
	}
	f := s.newForm(r, err, "title_ja", "title_en", "body_ja", "body_en")
	if err == nil {
		src := d.Draft
		if src == nil {
			src = d.Current
		}
		if src != nil {
			f.Values = map[string]string{"title_ja": src.TitleJa, "title_en": src.TitleEn, "body_ja": src.BodyJa, "body_en": src.BodyEn}
		}
	}
	return s.render(w, r, status, "admin_policy", &page{Title: "adminpolicies.edit", Nav: "policies", Data: d, Form: f})
}

func policyTextFrom(r *http.Request) kasuhara.PolicyText {
	return kasuhara.PolicyText{TitleJa: r.PostFormValue("title_ja"), TitleEn: r.PostFormValue("title_en"),
		BodyJa: r.PostFormValue("body_ja"), BodyEn: r.PostFormValue("body_en")}
}

// adminSavePolicy saves the draft, and publishes it when asked to.
func (s *Server) adminSavePolicy(w http.ResponseWriter, r *http.Request) error {
	if err := s.allow(r, access.ManageContent); err != nil {
		return err
	}
	v := viewerFrom(r.Context())
	id := r.PathValue("id")
	_, err := s.Policies.SaveDraft(r.Context(), v.Actor, id, policyTextFrom(r))
	if kasuhara.ErrorCode(err) == kasuhara.EINVALID {
		// Show the text again with the errors: a long text is never lost.
		return s.renderPolicyEditor(w, r, http.StatusBadRequest, err)
	}
	if err == nil && r.PostFormValue("publish") != "" {
		_, err = s.Policies.Publish(r.Context(), v.Actor, id)
		if err == nil {
			s.flash(r, "adminpolicies.published", "ok")
		}
	} else if err == nil {
		s.flash(r, "adminpolicies.saved", "ok")
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/policies/"+id, http.StatusSeeOther)
	return nil
}

func (s *Server) adminDiscardPolicy(w http.ResponseWriter, r *http.Request) error {
	if err := s.allow(r, access.ManageContent); err != nil {
		return err
	}
	v := viewerFrom(r.Context())
	d, err := s.ownPolicy(r)
	if err == nil {
		err = s.Policies.DiscardDraft(r.Context(), v.Actor, d.ID)
	}
	if err != nil {
		return err
	}
	s.flash(r, "adminpolicies.discarded", "ok")
	if d.Current == nil {
		http.Redirect(w, r, "/admin/policies", http.StatusSeeOther)
		return nil
	}
	http.Redirect(w, r, "/admin/policies/"+d.ID, http.StatusSeeOther)
	return nil
}

func (s *Server) adminPolicyGroupWide(w http.ResponseWriter, r *http.Request) error {
	if err := s.allow(r, access.ManageContent); err != nil {
		return err
	}
	v := viewerFrom(r.Context())
	if err := s.Policies.SetGroupWide(r.Context(), v.Actor, r.PathValue("id"), r.PostFormValue("group_wide") == "on"); err != nil {
		return err
	}
	return s.done(w, r, "adminpolicies.saved", "/admin/policies/"+r.PathValue("id"))
}

// The API.
