package web

import (
	"net/http"
	"time"

	"github.com/kasuhara/kasuhara"
)

type policyVersionJSON struct {
	Number      int       `json:"number"`
	Title       string    `json:"title"`
	Lang        string    `json:"lang"`
	PublishedAt time.Time `json:"published_at"`
	Body        string    `json:"body,omitempty"` // Markdown
}

type policyJSON struct {
	ID             string              `json:"id"`
	Kind           string              `json:"kind"`
	Org            string              `json:"org"`
	GroupWide      bool                `json:"group_wide"`
	Current        policyVersionJSON   `json:"current"`
	Versions       []policyVersionJSON `json:"versions"`
	AcknowledgedAt *time.Time          `json:"acknowledged_at"`
}

func policyOut(d kasuhara.PolicyDocument, lang string, withBody bool) policyJSON {
	ver := func(v kasuhara.PolicyVersion, body bool) policyVersionJSON {
		out := policyVersionJSON{Number: v.Number, Title: v.Title(lang), Lang: v.Lang(lang), PublishedAt: v.PublishedAt}
		if body {
			out.Body = v.Body(lang)
		}
		return out
	}
	p := policyJSON{ID: d.ID, Kind: d.Kind, Org: d.OrgName, GroupWide: d.GroupWide, Current: ver(*d.Current, withBody),
		Versions: []policyVersionJSON{}, AcknowledgedAt: timeOrNil(d.AcknowledgedAt)}
	for _, v := range d.Versions {
		p.Versions = append(p.Versions, ver(v, false))
	}
	return p
}

// apiPolicies lists the published documents that apply to the caller,
// with their acknowledgement.
func (s *Server) apiPolicies(w http.ResponseWriter, r *http.Request) error {
	v := viewerFrom(r.Context())
	docs, err := s.Policies.EffectivePolicies(r.Context(), v.Org.ID, v.User.ID)
	if err != nil {
		return err
	}
	out := []policyJSON{}
	for _, d := range docs {
		out = append(out, policyOut(d, apiLang(r), false))
	}
	return sendJSON(w, http.StatusOK, map[string]any{"policies": out})
}

// apiPolicy is one document with the Markdown of its current version.
func (s *Server) apiPolicy(w http.ResponseWriter, r *http.Request) error {
	v := viewerFrom(r.Context())
	d, err := s.Policies.EffectivePolicy(r.Context(), v.Org.ID, v.User.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	return sendJSON(w, http.StatusOK, policyOut(*d, apiLang(r), true))
}

func (s *Server) apiAcknowledge(w http.ResponseWriter, r *http.Request) error {
	v := viewerFrom(r.Context())
	ver, err := s.Policies.Acknowledge(r.Context(), v.Actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	d, err := s.Policies.EffectivePolicy(r.Context(), v.Org.ID, v.User.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	return sendJSON(w, http.StatusOK, map[string]any{"id": d.ID, "version": ver.Number, "acknowledged_at": d.AcknowledgedAt})
}
