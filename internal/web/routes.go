package web

import (
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// routes lists every route of the server in one place.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()

	// Operations.
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.Registry, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /static/{name}", s.assets.serve)
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })

	// Sign-in and account.
	mux.HandleFunc("GET /login", s.loginPage)
	mux.HandleFunc("POST /login", s.login)
	mux.HandleFunc("POST /logout", s.logout)
	mux.HandleFunc("POST /language", s.setLanguage)
	mux.Handle("GET /account/password", s.requireUser(s.passwordPage))
	mux.Handle("POST /account/password", s.requireUser(s.changePassword))

	// The anonymous channel: no sign-in.
	mux.HandleFunc("GET /o/{org}/report", s.anonReportForm)
	mux.HandleFunc("POST /o/{org}/report", s.anonFileReport)
	mux.HandleFunc("GET /o/{org}/status", s.anonStatusForm)
	mux.HandleFunc("POST /o/{org}/status", s.anonStatus)
	mux.HandleFunc("POST /o/{org}/status/{action}", s.anonStatus)

	// Signed-in pages.
	mux.Handle("GET /{$}", s.requireUser(s.home))
	mux.Handle("GET /report", s.requireUser(s.reportForm))
	mux.Handle("POST /report", s.requireUser(s.fileReport))
	mux.Handle("POST /report/suggest", s.requireUser(s.suggestKinds))
	mux.Handle("GET /reports", s.requireUser(s.myReports))
	mux.Handle("GET /cases", s.requireUser(s.queue))
	mux.Handle("GET /cases/{id}", s.requireUser(s.caseView))
	mux.Handle("POST /cases/{id}/transition", s.requireUser(s.caseTransition))
	mux.Handle("POST /cases/{id}/assign", s.requireUser(s.caseAssign))
	mux.Handle("POST /cases/{id}/assess", s.requireUser(s.caseAssess))
	mux.Handle("POST /cases/{id}/notes", s.requireUser(s.caseNote))
	mux.Handle("POST /cases/{id}/contacts", s.requireUser(s.caseContact))
	mux.Handle("POST /cases/{id}/tasks", s.requireUser(s.caseAddTask))
	mux.Handle("POST /cases/{id}/tasks/{task}", s.requireUser(s.caseTaskDone))
	mux.Handle("POST /cases/{id}/care", s.requireUser(s.caseAddCare))
	mux.Handle("POST /cases/{id}/care/{care}", s.requireUser(s.caseCareDone))
	mux.Handle("POST /cases/{id}/exclusions", s.requireUser(s.caseExclude))
	mux.Handle("POST /cases/{id}/evidence", s.requireUser(s.uiUploadEvidence))
	mux.Handle("POST /cases/{id}/messages", s.requireUser(s.caseMessage))
	mux.Handle("POST /cases/{id}/referrals", s.requireUser(s.caseReferral))
	mux.Handle("POST /cases/{id}/referrals/{referral}/outcome", s.requireUser(s.caseReferralOutcome))
	mux.Handle("GET /cases/{id}/package", s.requireUser(s.casePackage))
	mux.Handle("GET /specialists", s.requireUser(s.specialistsPage))
	mux.Handle("POST /specialists", s.requireUser(s.addSpecialist))
	mux.Handle("POST /specialists/{id}/delete", s.requireUser(s.deleteSpecialist))
	mux.Handle("POST /cases/{id}/confidential", s.requireUser(s.caseConfidential))
	mux.Handle("POST /cases/{id}/retaliation", s.requireUser(s.caseRetaliation))
	mux.Handle("GET /retaliation", s.requireUser(s.retaliationList))
	mux.Handle("GET /notifications", s.requireUser(s.notificationsPage))
	mux.Handle("GET /lookup", s.requireUser(s.lookupPage))
	mux.Handle("GET /timer", s.requireUser(s.timerPage))
	mux.Handle("GET /customers", s.requireUser(s.customersPage))
	mux.Handle("GET /customers/letters", s.requireUser(s.letterTemplatesPage))
	mux.Handle("POST /customers/letters", s.requireUser(s.saveLetterTemplate))
	mux.Handle("GET /customers/{id}/measures/{measure}/letter", s.requireUser(s.letter))
	mux.Handle("GET /customers/{id}", s.requireUser(s.customerView))
	mux.Handle("POST /customers/{id}/measures", s.requireUser(s.customerPropose))
	mux.Handle("POST /customers/{id}/merge", s.requireUser(s.customerMerge))
	mux.Handle("POST /customers/{id}/split", s.requireUser(s.customerSplit))
	mux.Handle("POST /customers/{id}/measures/{measure}/approve", s.requireUser(s.customerApprove))
	mux.Handle("POST /customers/{id}/measures/{measure}/lift", s.requireUser(s.customerLift))
	mux.Handle("POST /customers/{id}/measures/{measure}/response", s.requireUser(s.customerResponse))
	mux.Handle("GET /cases/{id}/evidence/{evidence}", s.requireUser(s.downloadEvidence))
	mux.Handle("GET /admin/users", s.requireUser(s.adminUsers))
	mux.Handle("POST /admin/users", s.requireUser(s.adminCreateUser))
	mux.Handle("POST /admin/users/{id}/membership", s.requireUser(s.adminSetMembership))
	mux.Handle("POST /admin/users/{id}/disable", s.requireUser(s.adminDisableUser))
	mux.Handle("POST /admin/users/{id}/enable", s.requireUser(s.adminEnableUser))
	mux.Handle("POST /admin/users/{id}/reset-password", s.requireUser(s.adminResetPassword))
	mux.Handle("GET /admin/departments", s.requireUser(s.adminDepartments))
	mux.Handle("POST /admin/departments", s.requireUser(s.adminCreateDepartment))
	mux.Handle("POST /admin/departments/{id}/rename", s.requireUser(s.adminRenameDepartment))
	mux.Handle("GET /admin/audit", s.requireUser(s.adminAudit))
	mux.Handle("GET /admin/settings", s.requireUser(s.adminSettings))
	mux.Handle("POST /admin/settings", s.requireUser(s.adminSaveSettings))

	// The API. openapi.json documents every route registered with api().
	api := func(pattern string, h http.Handler) {
		s.apiPatterns = append(s.apiPatterns, pattern)
		mux.Handle(pattern, h)
	}
	api("GET /api/v1/openapi.json", http.HandlerFunc(s.openAPI))
	api("GET /api/v1/me", s.requireUser(s.apiMe))
	api("POST /api/v1/reports", s.requireUser(s.apiFileReport))
	api("POST /api/v1/screen", s.requireUser(s.apiScreen))
	api("POST /api/v1/anonymous-reports", http.HandlerFunc(s.apiAnonReport))
	api("POST /api/v1/anonymous-reports/status", http.HandlerFunc(s.apiAnonStatus))
	api("POST /api/v1/anonymous-reports/messages", http.HandlerFunc(s.apiAnonMessage))
	api("GET /api/v1/customers/lookup", s.requireUser(s.apiLookup))
	api("GET /api/v1/customers", s.requireUser(s.apiCustomers))
	api("GET /api/v1/customers/{id}", s.requireUser(s.apiCustomer))
	api("POST /api/v1/customers/{id}/measures", s.requireUser(s.apiProposeMeasure))
	api("POST /api/v1/customers/{id}/measures/{measure}/approve", s.requireUser(s.apiApproveMeasure))
	api("GET /api/v1/customers/{id}/measures/{measure}/letter", s.requireUser(s.letter))
	api("POST /api/v1/customers/{id}/measures/{measure}/lift", s.requireUser(customerWrite(s, http.StatusOK, s.liftJSON)))
	api("POST /api/v1/customers/{id}/measures/{measure}/response", s.requireUser(customerWrite(s, http.StatusOK, s.responseJSON)))
	api("GET /api/v1/customers/{id}/duplicates", s.requireUser(s.apiDuplicates))
	api("POST /api/v1/customers/{id}/merge", s.requireUser(customerWrite(s, http.StatusOK, s.mergeJSON)))
	api("POST /api/v1/customers/{id}/split", s.requireUser(customerWrite(s, http.StatusCreated, s.splitJSON)))
	api("GET /api/v1/cases/{id}/referrals", s.requireUser(caseRead(s, s.referralsJSON)))
	api("POST /api/v1/cases/{id}/referrals", s.requireUser(caseWrite(s, http.StatusCreated, s.addReferralJSON)))
	api("GET /api/v1/cases/{id}/package", s.requireUser(s.casePackage))
	api("GET /api/v1/cases/{id}/messages", s.requireUser(caseRead(s, s.messagesJSON)))
	api("POST /api/v1/cases/{id}/messages", s.requireUser(caseWrite(s, http.StatusCreated, s.addMessageJSON)))
	api("GET /api/v1/cases", s.requireUser(s.apiCases))
	api("GET /api/v1/cases/{id}", s.requireUser(s.apiCase))
	api("POST /api/v1/cases/{id}/transitions", s.requireUser(caseWrite(s, http.StatusOK, s.transitionJSON)))
	api("PUT /api/v1/cases/{id}/assignment", s.requireUser(caseWrite(s, http.StatusOK, s.assignJSON)))
	api("PUT /api/v1/cases/{id}/assessment", s.requireUser(caseWrite(s, http.StatusOK, s.assessJSON)))
	api("GET /api/v1/cases/{id}/assessments", s.requireUser(caseRead(s, s.assessmentsJSON)))
	api("POST /api/v1/cases/{id}/notes", s.requireUser(caseWrite(s, http.StatusCreated, s.noteJSON)))
	api("POST /api/v1/cases/{id}/contacts", s.requireUser(caseWrite(s, http.StatusCreated, s.contactJSON)))
	api("GET /api/v1/cases/{id}/timeline", s.requireUser(caseRead(s, s.timelineJSON)))
	api("GET /api/v1/cases/{id}/tasks", s.requireUser(caseRead(s, s.tasksJSON)))
	api("POST /api/v1/cases/{id}/tasks", s.requireUser(caseWrite(s, http.StatusCreated, s.addTaskJSON)))
	api("PUT /api/v1/cases/{id}/tasks/{task}/done", s.requireUser(caseWrite(s, http.StatusOK, s.taskDoneJSON)))
	api("GET /api/v1/cases/{id}/care", s.requireUser(caseRead(s, s.careJSON)))
	api("POST /api/v1/cases/{id}/care", s.requireUser(caseWrite(s, http.StatusCreated, s.addCareJSON)))
	api("PUT /api/v1/cases/{id}/care/{care}/done", s.requireUser(caseWrite(s, http.StatusOK, s.careDoneJSON)))
	api("POST /api/v1/cases/{id}/exclusions", s.requireUser(caseWrite(s, http.StatusCreated, s.excludeJSON)))
	api("POST /api/v1/cases/{id}/evidence", s.requireUser(s.apiUploadEvidence))
	api("GET /api/v1/cases/{id}/evidence", s.requireUser(s.apiEvidenceList))
	api("GET /api/v1/cases/{id}/evidence/{evidence}", s.requireUser(s.downloadEvidence))
	mux.HandleFunc("/api/", s.apiNotFound)

	mux.HandleFunc("/", s.notFound)

	h := recordRoute(mux)
	h = s.identify(h)
	h = s.withSessions(h)
	h = s.limitBody(h)
	h = s.crossOrigin(h)
	h = s.securityHeaders(h)
	h = s.observe(h)
	return h
}

// APIPatterns lists the API routes, for the OpenAPI test.
func (s *Server) APIPatterns() []string {
	out := make([]string, len(s.apiPatterns))
	for i, p := range s.apiPatterns {
		out[i] = strings.TrimSpace(p)
	}
	return out
}
