package web

import (
	"net/http"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/access"
	"github.com/kasuhara/kasuhara/internal/document"
)

// complianceOrg is one organisation's measures on the compliance page.
type complianceOrg struct {
	Name     string
	Group    bool
	Measures []document.ComplianceMeasure
}

// complianceData is what the compliance page shows.
type complianceData struct {
	C          *kasuhara.Compliance
	At, Since  string
	VerifiedAt string
	Sections   []complianceOrg
	Orgs       []kasuhara.Org
	Org        string
	// CanSetNA shows the administrator the form that marks a measure
	// not applicable; Measures are its choices.
	CanSetNA bool
	Measures []string
}

// complianceFor asks the service for the compliance of the request's
// organisation, narrowed by ?org=slug.
func (s *Server) complianceFor(r *http.Request) (*kasuhara.Compliance, error) {
	if err := s.allow(r, access.ViewCompliance); err != nil {
		return nil, err
	}
	return s.Compliance.Compliance(r.Context(), viewerFrom(r.Context()).Actor, r.URL.Query().Get("org"))
}

// compliancePage is the law's measures with their status and evidence
// (legal, analyst, admin).
func (s *Server) compliancePage(w http.ResponseWriter, r *http.Request) error {
	return s.renderCompliance(w, r, http.StatusOK, nil)
}

func (s *Server) renderCompliance(w http.ResponseWriter, r *http.Request, status int, ferr error) error {
	c, err := s.complianceFor(r)
	if err != nil {
		return err
	}
	v := viewerFrom(r.Context())
	tree, err := s.Orgs.OrgTree(r.Context(), v.Org.ID)
	if err != nil {
		return err
	}
	l := s.locale(langFrom(r.Context()))
	d := &complianceData{C: c, At: document.ComplianceDate(l, c.At), Since: document.ComplianceDate(l, c.Since), Orgs: tree,
		Org: r.URL.Query().Get("org"), CanSetNA: access.Can(v.Actor.Role, access.ManageSettings)}
	if !c.AuditVerifiedAt.IsZero() {
		d.VerifiedAt = document.ComplianceDate(l, c.AuditVerifiedAt)
	}
	if c.Group != nil {
		d.Sections = append(d.Sections, complianceOrg{Name: l.Loc.T("compliance.group_total"), Group: true, Measures: document.ComplianceMeasures(l, *c.Group)})
	}
	for _, o := range c.Orgs {
		d.Sections = append(d.Sections, complianceOrg{Name: o.OrgName, Measures: document.ComplianceMeasures(l, o)})
	}
	for _, m := range kasuhara.ComplianceMeasures {
		if m != kasuhara.MeasureCooperation {
			d.Measures = append(d.Measures, m)
		}
	}
	p := &page{Title: "compliance.title", Nav: "compliance", Data: d, Form: s.newForm(r, ferr, "measure", "reason")}
	if ferr != nil {
		p.Flash, p.FlashKind = "form.fix", "error"
	}
	return s.render(w, r, status, "compliance", p)
}

// complianceNA marks a measure of the viewer's organisation not
// applicable with a reason, or applicable again without one (the admin).
func (s *Server) complianceNA(w http.ResponseWriter, r *http.Request) error {
	err := s.Compliance.SetNotApplicable(r.Context(), viewerFrom(r.Context()).Actor, r.PostFormValue("measure"), r.PostFormValue("reason"))
	if kasuhara.ErrorCode(err) == kasuhara.EINVALID {
		return s.renderCompliance(w, r, http.StatusBadRequest, err)
	}
	if err != nil {
		return err
	}
	return s.done(w, r, "compliance.na_saved", "/compliance")
}

// complianceReport is the compliance report as an A4 PDF in the
// requested language, for the organisation or the group.
func (s *Server) complianceReport(w http.ResponseWriter, r *http.Request) error {
	c, err := s.complianceFor(r)
	if err != nil {
		return err
	}
	name := c.Orgs[0].OrgName
	f, err := document.ComplianceReport(document.ComplianceInput{Locale: s.locale(exportLang(r)), Org: name, Compliance: c})
	if err != nil {
		return err
	}
	v := viewerFrom(r.Context())
	if err := s.Insight.RecordExport(r.Context(), v.Actor, "compliance.pdf", 1, map[string]string{"org": r.URL.Query().Get("org")}); err != nil {
		return err
	}
	s.sendFile(w, r, f)
	return nil
}

// complianceJSON is GET /api/v1/compliance: each organisation's measures
// (and a group's roll-up) with status, evidence and what is missing.
type complianceJSON struct {
	At              time.Time         `json:"at"`
	Since           time.Time         `json:"since"`
	AuditSeq        int64             `json:"audit_seq"`
	AuditHash       string            `json:"audit_hash"`
	AuditVerifiedAt *time.Time        `json:"audit_verified_at"`
	Orgs            []complianceOrgJS `json:"orgs"`
	Group           *complianceOrgJS  `json:"group,omitempty"`
}

type complianceOrgJS struct {
	Slug     string              `json:"slug,omitempty"`
	Name     string              `json:"name"`
	Measures []complianceRowJSON `json:"measures"`
}

type complianceRowJSON struct {
	Measure  string             `json:"measure"`
	Title    string             `json:"title"`
	Status   string             `json:"status"`
	NAReason string             `json:"not_applicable_reason,omitempty"`
	Evidence []complianceFactJS `json:"evidence"`
	Missing  []complianceGapJS  `json:"missing"`
}

type complianceFactJS struct {
	Key   string     `json:"key"`
	Label string     `json:"label"`
	Value string     `json:"value"` // as the page shows it; counts of cases under 3 as "<3"
	Date  *time.Time `json:"date,omitempty"`
	Link  string     `json:"link,omitempty"`
}

type complianceGapJS struct {
	Key   string   `json:"key"`
	Text  string   `json:"text"`
	Names []string `json:"names,omitempty"`
}

func (s *Server) apiCompliance(w http.ResponseWriter, r *http.Request) error {
	c, err := s.complianceFor(r)
	if err != nil {
		return err
	}
	l := s.locale(apiLang(r))
	out := complianceJSON{At: c.At, Since: c.Since, AuditSeq: c.AuditSeq, AuditHash: c.AuditHash}
	if !c.AuditVerifiedAt.IsZero() {
		out.AuditVerifiedAt = &c.AuditVerifiedAt
	}
	conv := func(o kasuhara.OrgCompliance, name string) complianceOrgJS {
		js := complianceOrgJS{Slug: o.OrgSlug, Name: name}
		words := document.ComplianceMeasures(l, o)
		for i, row := range o.Rows {
			m := complianceRowJSON{Measure: row.Measure, Title: words[i].Heading, Status: string(row.Status), NAReason: words[i].NAReason,
				Evidence: []complianceFactJS{}, Missing: []complianceGapJS{}}
			if row.Status != kasuhara.ComplianceNA {
				m.NAReason = ""
			}
			for j, f := range row.Evidence {
				fj := complianceFactJS{Key: f.Key, Label: words[i].Evidence[j].Label, Value: words[i].Evidence[j].Value, Link: f.Link}
				if !f.Date.IsZero() {
					d := f.Date
					fj.Date = &d
				}
				m.Evidence = append(m.Evidence, fj)
			}
			for j, g := range row.Missing {
				m.Missing = append(m.Missing, complianceGapJS{Key: g.Key, Text: words[i].Missing[j], Names: g.Names})
			}
			js.Measures = append(js.Measures, m)
		}
		return js
	}
	for _, o := range c.Orgs {
		out.Orgs = append(out.Orgs, conv(o, o.OrgName))
	}
	if c.Group != nil {
		g := conv(*c.Group, l.Loc.T("compliance.group_total"))
		out.Group = &g
	}
	return sendJSON(w, http.StatusOK, out)
}
