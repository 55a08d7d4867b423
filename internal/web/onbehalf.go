package web

import (
	"net/http"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/access"
)

// onBehalfPath is the report form of a supervisor or desk member taking a
// consultation on behalf of an employee (issue 25).
const onBehalfPath = "/report/on-behalf"

// onBehalfForm draws the report form for a report taken on behalf.
func (s *Server) onBehalfForm(w http.ResponseWriter, r *http.Request) error {
	if err := access.Check(viewerFrom(r.Context()).Actor, access.RecordOnBehalf); err != nil {
		return err
	}
	return s.reportFormPage(w, r, http.StatusOK, &page{})
}

// fileOnBehalf takes the form: the employee (by e-mail address or name),
// how the consultation reached the recorder, and the report. Filed once per
// drawing of the form, as the employee's own report form.
func (s *Server) fileOnBehalf(w http.ResponseWriter, r *http.Request) error {
	v := viewerFrom(r.Context())
	// A role that may not take reports on behalf is refused before its
	// form is read.
	if err := access.Check(v.Actor, access.RecordOnBehalf); err != nil {
		return err
	}
	sub := s.parseReport(r, v)
	if sub.vals == nil {
		return s.reportFailed(w, r, sub, sub.err)
	}
	ob := kasuhara.OnBehalf{Employee: sub.vals.Get("employee"), Unnamed: sub.vals.Get("unnamed") == "on", ReceivedVia: sub.vals.Get("received_via")}
	if sub.err != nil {
		if fields := kasuhara.ErrorFields(sub.err); fields != nil {
			for k, e := range ob.Validate() {
				fields.AddError(k, e)
			}
		}
		return s.reportFailed(w, r, sub, sub.err)
	}
	id, err := s.fileOnce(r, v, sub, func() (*kasuhara.Case, error) {
		return s.OnBehalf.FileOnBehalf(r.Context(), v.Actor, ob, sub.rep, sub.files()...)
	})
	if err != nil {
		return s.reportFailed(w, r, sub, err)
	}
	return s.done(w, r, "onbehalf.filed", "/recorded/"+id)
}

// recordedList lists the reports the viewer took on behalf of others.
func (s *Server) recordedList(w http.ResponseWriter, r *http.Request) error {
	v := viewerFrom(r.Context())
	list, err := s.OnBehalf.RecordedReports(r.Context(), v.Actor, 0)
	if err != nil {
		return err
	}
	names, _, err := s.names(r, v.Org.ID)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "recorded_list", &page{Title: "recorded.title", Nav: "recorded",
		Data: map[string]any{"Reports": list, "Names": names}})
}

// recordedView shows one report as the viewer took it: what they typed,
// for whom and how it reached them, and nothing the desk added.
func (s *Server) recordedView(w http.ResponseWriter, r *http.Request) error {
	v := viewerFrom(r.Context())
	rr, err := s.OnBehalf.RecordedReport(r.Context(), v.Actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	names, _, err := s.names(r, v.Org.ID)
	if err != nil {
		return err
	}
	dep := ""
	if deps, err := s.Orgs.Departments(r.Context(), rr.OrgID); err == nil {
		for _, d := range deps {
			if d.ID == rr.Report.DepartmentID {
				dep = d.Name
			}
		}
	}
	return s.render(w, r, http.StatusOK, "recorded", &page{Title: "recorded.view_title", Nav: "recorded",
		Data: map[string]any{"R": rr, "Employee": names[rr.EmployeeID], "Department": dep,
			"OpensCase": access.Can(v.Actor.Role, access.HandleCases)}})
}

// caseCorrect adds the reporter's correction of or addition to their
// report.
func (s *Server) caseCorrect(w http.ResponseWriter, r *http.Request) error {
	return s.caseAction(w, r, "reporter", "case.correction_added", func(actor kasuhara.Actor, id string) error {
		_, err := s.OnBehalf.CorrectReport(r.Context(), actor, id, r.PostFormValue("body"))
		return err
	})
}

// caseDisown records the employee's word that they did not make a report
// taken on their behalf; legal is alerted.
func (s *Server) caseDisown(w http.ResponseWriter, r *http.Request) error {
	return s.caseAction(w, r, "reporter", "case.disown_sent", func(actor kasuhara.Actor, id string) error {
		return s.OnBehalf.DisownReport(r.Context(), actor, id, r.PostFormValue("body"))
	})
}
