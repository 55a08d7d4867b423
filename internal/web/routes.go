package web

import (
	"net/http"
	"strings"

	"github.com/kasuhara/kasuhara"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// policy is what a route needs besides its handler, declared beside it in
// routes. A route with none needs a signed-in user and may carry a body of
// MaxJSONBytes.
type policy uint8

const (
	// public routes need no sign-in.
	public policy = 1 << iota
	// anonymous routes are the anonymous channel: no sign-in, and no session
	// is read or written, not even a signed-in person's: filing from their
	// browser would otherwise refresh their session at the moment of the
	// report. A bearer token is still honoured.
	anonymous
	// upload routes carry files: a body of up to uploadLimit.
	upload
	// textForm routes are the editors of long texts: MaxTextFormBytes.
	textForm
	// oneTimePassword routes are open to a user who must still change a
	// one-time password (everything else sends them to change it).
	oneTimePassword
	// twoFactorSetup routes are open to a user whose organisation requires
	// a second factor they have not set up (everything else sends them to
	// set it up).
	twoFactorSetup
)

// MaxTextFormBytes limits the forms that carry long texts (a policy or
// course in two languages, percent-encoded by the browser: up to nine bytes
// for a Japanese character).
const MaxTextFormBytes = 4 << 20

// route wraps h in what its policy asks, the same way for every route: the
// body limit, the session, who is asking (identify), the sign-in check, and
// the one answer for an error that h or any of these returns (writeError).
// An error after h has begun its answer can only be logged.
func (s *Server) route(h handler, p policy) http.Handler {
	if p&(public|anonymous) == 0 {
		h = s.requireUser(s.refuseNUL(s.onceForm(h)), p&oneTimePassword != 0, p&twoFactorSetup != 0)
	} else {
		h = s.refuseNUL(h)
	}
	var next http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w}
		r, err := s.identify(sw, r, p&anonymous != 0)
		if err == nil {
			err = h(sw, r)
		}
		switch {
		case err == nil:
		case sw.status != 0:
			s.Logger.Error("error after the answer began", "request_id", requestID(r.Context()), "route", r.Pattern, "err", err)
		default:
			s.writeError(sw, r, err)
		}
	})
	if p&anonymous == 0 {
		next = s.sessions.LoadAndSave(next)
	}
	limit := int64(MaxJSONBytes)
	switch {
	case p&upload != 0:
		limit = s.uploadLimit()
	case p&textForm != 0:
		limit = MaxTextFormBytes
	}
	return http.MaxBytesHandler(next, limit)
}

// httpHandler adapts a handler that never fails.
func httpHandler(h http.Handler) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		h.ServeHTTP(w, r)
		return nil
	}
}

// routes lists every route of the server in one place, each with its
// policy.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	handle := func(pattern string, h handler, ps ...policy) {
		var p policy
		for _, q := range ps {
			p |= q
		}
		mux.Handle(pattern, s.route(h, p))
	}

	// Operations.
	handle("GET /healthz", s.healthz, public)
	handle("GET /readyz", s.readyz, public)
	handle("GET /metrics", httpHandler(promhttp.HandlerFor(s.Registry, promhttp.HandlerOpts{})), public)
	handle("GET /static/{name}", httpHandler(http.HandlerFunc(s.assets.serve)), public)
	handle("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) error {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}, public)

	// Sign-in and account.
	handle("GET /login", s.loginPage, public)
	handle("POST /login", s.login, public)
	handle("POST /logout", s.logout, public)
	handle("POST /login/sso", s.ssoStart, public)
	handle("GET /login/sso/callback", s.ssoCallback, public)
	handle("GET /o/{org}/login", s.orgSignInPage, public)
	handle("POST /language", s.setLanguage, public)
	handle("GET /account/password", s.passwordPage, oneTimePassword)
	handle("POST /account/password", s.changePassword, oneTimePassword)
	handle("GET /account/setup/{token}", s.setupPage, public)
	handle("POST /account/setup/{token}", s.setup, public)
	handle("GET /login/code", s.loginCodePage, public)
	handle("POST /login/code", s.loginCode, public)
	handle("GET /account/two-factor", s.twoFactorPage, twoFactorSetup)
	handle("POST /account/two-factor/start", s.twoFactorStart, twoFactorSetup)
	handle("POST /account/two-factor/confirm", s.twoFactorConfirm, twoFactorSetup)
	handle("GET /account/sessions", s.sessionsPage)
	handle("POST /account/sessions/end-others", s.endOtherSessions)
	handle("GET /account/reauth", s.reauthPage)
	handle("POST /account/reauth", s.reauth)
	handle("POST /account/reauth/sso", s.reauthSSO)

	// The anonymous channel: no sign-in.
	handle("GET /o/{org}/report", s.anonReportForm, anonymous)
	handle("POST /o/{org}/report", s.anonFileReport, anonymous, upload)
	handle("GET /o/{org}/receipt", s.anonReceipt, anonymous)
	handle("POST /o/{org}/receipt", s.anonReceiptAgain, anonymous)
	handle("POST /o/{org}/receipt/file", s.anonReceiptFile, anonymous)
	handle("GET /o/{org}/status", s.anonStatusForm, anonymous)
	handle("POST /o/{org}/status", s.anonStatus, anonymous)
	handle("POST /o/{org}/status/{action}", s.anonStatus, anonymous)

	// The public basic policy: no sign-in.
	handle("GET /o/{org}/policy", s.publicPolicy, anonymous)

	// Signed-in pages.
	handle("GET /{$}", s.home)
	handle("GET /report", s.reportForm)
	handle("POST /report", s.fileReport, upload)
	handle("POST /report/suggest", s.suggestKinds)
	handle("GET /reports", s.myReports)
	handle("GET /report/on-behalf", s.onBehalfForm)
	handle("POST /report/on-behalf", s.fileOnBehalf, upload)
	handle("GET /recorded", s.recordedList)
	handle("GET /recorded/{id}", s.recordedView)
	handle("GET /import/cases", s.importUploadForm)
	handle("POST /import/cases", s.importUpload, upload)
	handle("GET /import/cases/{id}", s.importView)
	handle("POST /import/cases/{id}/run", s.importRun)
	handle("POST /import/cases/{id}/mapping", s.importSaveMapping)
	handle("POST /calls/{id}/dismiss", s.dismissCall)
	handle("GET /cases", s.queue)
	handle("GET /cases/{id}", s.caseView)
	handle("POST /cases/{id}/transition", s.caseTransition)
	handle("POST /cases/{id}/assign", s.caseAssign)
	handle("POST /cases/{id}/assess", s.caseAssess)
	handle("POST /cases/{id}/notes", s.caseNote)
	handle("POST /cases/{id}/contacts", s.caseContact)
	handle("POST /cases/{id}/tasks", s.caseAddTask)
	handle("POST /cases/{id}/tasks/{task}", s.caseTaskDone)
	handle("POST /cases/{id}/care", s.caseAddCare)
	handle("POST /cases/{id}/care/{care}", s.caseCareDone)
	handle("POST /cases/{id}/exclusions", s.caseExclude)
	handle("POST /cases/{id}/evidence", s.uiUploadEvidence, upload)
	handle("POST /cases/{id}/messages", s.caseMessage)
	handle("POST /cases/{id}/referrals", s.caseReferral)
	handle("POST /cases/{id}/referrals/{referral}/outcome", s.caseReferralOutcome)
	handle("GET /cases/{id}/package", s.recentAuth(s.casePackage))
	handle("GET /cases/{id}/summary.pdf", s.caseSummary)
	handle("GET /specialists", s.specialistsPage)
	handle("GET /online-posts", s.postsPage)
	handle("POST /online-posts", s.uiCreatePost)
	handle("GET /online-posts/template", s.removalTemplatePage)
	handle("POST /online-posts/template", s.saveRemovalTemplate)
	handle("GET /online-posts/{id}", s.postPage)
	handle("POST /online-posts/{id}/status", s.uiMovePost)
	handle("POST /online-posts/{id}/consent", s.uiRecordConsent)
	handle("POST /online-posts/{id}/files", s.uiUploadPostFiles, upload)
	handle("GET /online-posts/{id}/files/{file}", s.postFile)
	handle("GET /online-posts/{id}/removal-request", s.removalRequest)
	handle("GET /cooperation", s.cooperationPage)
	handle("POST /cooperation", s.uiCreateCooperation)
	handle("GET /cooperation/{id}", s.cooperationRequestPage)
	handle("POST /cooperation/{id}/state", s.uiMoveCooperation)
	handle("POST /cooperation/{id}/deadline", s.uiCooperationDeadline)
	handle("GET /cooperation/{id}/share", s.cooperationSharePreview)
	handle("POST /cooperation/{id}/share", s.uiCooperationShare)
	handle("GET /cooperation/{id}/shares/{share}", s.cooperationSharePDF)
	handle("POST /specialists", s.addSpecialist)
	handle("POST /specialists/{id}/delete", s.deleteSpecialist)
	handle("POST /cases/{id}/confidential", s.caseConfidential)
	handle("POST /cases/{id}/care-consent", s.caseCareConsent)
	handle("POST /cases/{id}/retaliation", s.caseRetaliation)
	handle("POST /cases/{id}/correct", s.caseCorrect)
	handle("POST /cases/{id}/disown", s.caseDisown)
	handle("POST /cases/{id}/checkin", s.caseCheckin)
	handle("GET /intake", s.intakeList)
	handle("GET /intake/{id}", s.intakePage)
	handle("GET /intake/{id}/files/{attachment}", s.intakeAttachment)
	handle("POST /intake/{id}/file", s.intakeFile)
	handle("POST /intake/{id}/attach", s.intakeAttach)
	handle("POST /intake/{id}/discard", s.intakeDiscard)
	handle("POST /intake/{id}/reply", s.intakeReply)
	handle("GET /retaliation", s.retaliationList)
	handle("POST /retaliation/{id}/handle", s.retaliationHandle)
	handle("GET /notifications", s.notificationsPage)
	handle("POST /notifications/read", s.markNotificationsRead)
	handle("POST /notifications/{id}/read", s.markNotificationRead)
	handle("POST /notifications/mail", s.setNotificationMail)
	handle("POST /notifications/chat", s.addMyChat)
	handle("POST /notifications/chat/{id}/test", s.testMyChat)
	handle("POST /notifications/chat/{id}/delete", s.deleteMyChat)
	handle("POST /notifications/calendar", s.renewCalendar)
	handle("POST /notifications/calendar/stop", s.stopCalendar)
	// A calendar app fetches the feed without a session: the secret in
	// the address is the key, and fetches are limited.
	handle("GET /calendar/{file}", s.calendarFeed, public)
	handle("GET /approvals", s.approvalsPage)
	handle("GET /pick/cases", s.pickCases)
	handle("GET /pick/customers", s.pickCustomers)
	handle("GET /lookup", s.lookupPage)
	handle("GET /timer", s.timerPage)
	handle("GET /customers", s.customersPage)
	handle("GET /customers/letters", s.letterTemplatesPage)
	handle("POST /customers/letters", s.saveLetterTemplate)
	handle("GET /customers/{id}/measures/{measure}/letter", s.letter)
	handle("GET /customers/{id}/measures/{measure}/letter/preview", s.letterPreview)
	handle("GET /customers/{id}", s.customerView)
	handle("POST /customers/{id}/measures", s.customerPropose)
	handle("POST /customers/{id}/addressee", s.customerAddressee)
	handle("POST /customers/{id}/merge", s.customerMerge)
	handle("POST /customers/{id}/split", s.customerSplit)
	handle("POST /customers/{id}/measures/{measure}/approve", s.recentAuth(s.customerApprove))
	handle("POST /customers/{id}/measures/{measure}/lift", s.customerLift)
	handle("POST /customers/{id}/measures/{measure}/response", s.customerResponse)
	handle("GET /cases/{id}/evidence/{evidence}", s.downloadEvidence)
	handle("GET /admin/users", s.adminPage(s.adminUsersPage))
	handle("POST /admin/users", s.adminCreateUser)
	handle("GET /admin/users/import", s.adminImportForm)
	handle("POST /admin/users/import", s.adminImport, upload)
	handle("POST /admin/users/{id}/membership", s.adminSetMembership)
	handle("POST /admin/users/{id}/disable", s.adminDisableUser)
	handle("POST /admin/users/{id}/enable", s.adminEnableUser)
	handle("POST /admin/users/{id}/reset-password", s.adminResetPassword)
	handle("POST /admin/users/{id}/reset-two-factor", s.adminResetTwoFactor)
	handle("POST /admin/users/{id}/end-sessions", s.adminEndSessions)
	handle("GET /admin/departments", s.adminPage(s.adminDepartmentsPage))
	handle("POST /admin/departments", s.adminCreateDepartment)
	handle("POST /admin/departments/{id}/rename", s.adminRenameDepartment)
	handle("POST /admin/departments/{id}/parent", s.adminMoveDepartment)
	handle("GET /admin/audit", s.adminAudit)
	handle("GET /grant-requests", s.grantRequestsPage)
	handle("POST /grant-requests/{id}/approve", s.approveGrant)
	handle("POST /grant-requests/{id}/reject", s.rejectGrant)
	handle("GET /admin/audit.csv", s.recentAuth(s.auditExport))
	handle("GET /policies", s.policiesPage)
	handle("GET /policies/acknowledgements", s.ackReportPage)
	handle("GET /policies/{id}", s.policyPage)
	handle("POST /policies/{id}/acknowledge", s.acknowledgePolicy)
	handle("GET /admin/policies", s.adminPoliciesPage)
	handle("POST /admin/policies", s.adminCreatePolicy)
	handle("GET /admin/policies/{id}", s.adminPolicyPage)
	handle("POST /admin/policies/{id}", s.adminSavePolicy, textForm)
	handle("POST /admin/policies/{id}/discard", s.adminDiscardPolicy)
	handle("POST /admin/policies/{id}/group-wide", s.adminPolicyGroupWide)
	handle("GET /training", s.trainingPage)
	handle("GET /training/report", s.trainingReportPage)
	handle("GET /training/courses/{id}", s.coursePage)
	handle("POST /training/courses/{id}", s.submitCourse)
	handle("GET /training/certificates/{id}", s.certificatePage)
	handle("GET /training/images/{id}", s.trainingImage)
	handle("GET /training/case-studies/{id}", s.caseStudyPage)
	handle("GET /cases/{id}/case-study", s.caseStudyForm)
	handle("POST /cases/{id}/case-study", s.createCaseStudy)
	handle("GET /admin/training", s.adminTrainingPage)
	handle("POST /admin/training/courses", s.adminCreateCourse)
	handle("GET /admin/training/courses/{id}", s.adminCoursePage)
	handle("POST /admin/training/courses/{id}", s.adminSaveCourse, textForm)
	handle("POST /admin/training/courses/{id}/publish", s.adminPublishCourse)
	handle("POST /admin/training/assignments", s.adminAssignCourse)
	handle("POST /admin/training/assignments/{id}/delete", s.adminUnassignCourse)
	handle("POST /admin/training/images", s.adminUploadImage, upload)
	handle("GET /retention", s.retentionPage)
	handle("POST /retention/rules", s.recentAuth(s.addRetentionRule))
	handle("POST /retention/rules/{id}/delete", s.recentAuth(s.deleteRetentionRule))
	handle("POST /retention/holds", s.recentAuth(s.placeHold))
	handle("POST /retention/holds/{id}/release", s.recentAuth(s.releaseHold))
	handle("POST /retention/purge", s.recentAuth(s.purgeNow))
	handle("GET /insight", s.insightPage)
	handle("GET /insight/annual.pdf", s.annualReport)
	handle("GET /compliance", s.compliancePage)
	handle("GET /compliance/report.pdf", s.complianceReport)
	handle("POST /compliance/not-applicable", s.complianceNA)
	handle("GET /admin/sso", s.adminPage(s.adminSSOPage))
	handle("POST /admin/sso", s.adminSaveSSO)
	handle("POST /admin/sso/groups", s.adminAddGroupRole)
	handle("POST /admin/sso/groups/{id}/delete", s.adminRemoveGroupRole)
	handle("POST /admin/sso/emergency/{id}", s.adminSetEmergency)
	handle("POST /admin/sso/scim-tokens", s.adminCreateSCIMToken)
	handle("POST /admin/sso/scim-tokens/{id}/revoke", s.adminRevokeSCIMToken)
	handle("GET /admin/settings", s.adminPage(s.adminSettingsPage))
	handle("POST /admin/settings", s.adminSaveSettings)
	handle("POST /admin/settings/anonymous", s.adminSaveAnonymous)
	handle("POST /admin/settings/sign-in", s.adminSaveSignIn)
	handle("GET /admin/chat", s.adminPage(s.adminChatPage))
	handle("POST /admin/chat", s.adminAddChat)
	handle("POST /admin/chat/{id}/test", s.adminTestChat)
	handle("POST /admin/chat/{id}/delete", s.adminDeleteChat)

	// The API. openapi.json documents every route registered with api().
	api := func(pattern string, h handler, ps ...policy) {
		s.apiPatterns = append(s.apiPatterns, pattern)
		handle(pattern, h, ps...)
	}
	api("GET /api/v1/openapi.json", s.openAPI, public)
	api("GET /api/v1/me", s.apiMe)
	api("POST /api/v1/reports", s.apiFileReport)
	api("POST /api/v1/screen", s.apiScreen)
	api("POST /api/v1/anonymous-reports", s.apiAnonReport, anonymous)
	api("POST /api/v1/anonymous-reports/status", s.apiAnonStatus, anonymous)
	api("POST /api/v1/anonymous-reports/messages", s.apiAnonMessage, anonymous)
	api("GET /api/v1/customers/lookup", s.apiLookup)
	api("POST /api/v1/calls/started", s.apiCallStarted)
	api("POST /api/v1/calls/ended", s.apiCallEnded, upload)
	api("POST /api/v1/o/{org}/calls/twilio", s.twilioCall, anonymous)
	api("POST /api/v1/o/{org}/calls/connect", s.connectCall, anonymous)
	api("POST /api/v1/o/{org}/calls/sip", s.sipCall, anonymous)
	api("GET /api/v1/customers", s.apiCustomers)
	api("GET /api/v1/customers/{id}", s.apiCustomer)
	api("POST /api/v1/customers/{id}/measures", s.apiProposeMeasure)
	api("POST /api/v1/customers/{id}/measures/{measure}/approve", s.recentAuth(s.apiApproveMeasure))
	api("GET /api/v1/approvals", s.apiApprovals)
	api("GET /api/v1/customers/{id}/measures/{measure}/letter", s.letter)
	api("POST /api/v1/customers/{id}/measures/{measure}/lift", customerWrite(http.StatusOK, s.liftJSON))
	api("POST /api/v1/customers/{id}/measures/{measure}/response", customerWrite(http.StatusOK, s.responseJSON))
	api("GET /api/v1/customers/{id}/duplicates", s.apiDuplicates)
	api("POST /api/v1/customers/{id}/merge", customerWrite(http.StatusOK, s.mergeJSON))
	api("POST /api/v1/customers/{id}/split", customerWrite(http.StatusCreated, s.splitJSON))
	api("GET /api/v1/cases/{id}/referrals", caseRead(s.referralsJSON))
	api("POST /api/v1/cases/{id}/referrals", caseWrite(http.StatusCreated, s.addReferralJSON))
	api("GET /api/v1/cases/{id}/package", s.recentAuth(s.casePackage))
	api("POST /api/v1/online-posts", s.apiCreatePost)
	api("GET /api/v1/online-posts", s.apiPosts)
	api("GET /api/v1/online-posts/{id}", s.apiPost)
	api("POST /api/v1/online-posts/{id}/status", s.apiMovePost)
	api("POST /api/v1/online-posts/{id}/files", s.apiUploadPostFiles, upload)
	api("GET /api/v1/online-posts/{id}/removal-request", s.removalRequest)
	api("GET /api/v1/cases/{id}/messages", caseRead(s.messagesJSON))
	api("POST /api/v1/cases/{id}/messages", caseWrite(http.StatusCreated, s.addMessageJSON))
	api("POST /api/v1/cases/{id}/care-consent", caseWrite(http.StatusOK, s.careConsentJSON))
	api("GET /api/v1/cases/{id}/checkins", caseRead(s.checkinsJSON))
	api("POST /api/v1/cases/{id}/checkin", caseWrite(http.StatusOK, s.answerCheckinJSON))
	api("GET /api/v1/cooperation", s.apiCooperationList)
	api("POST /api/v1/cooperation", s.apiCreateCooperation)
	api("GET /api/v1/cooperation/{id}", s.apiCooperation)
	api("POST /api/v1/cooperation/{id}/answer", s.apiMoveCooperation(kasuhara.CooperationAnswered, "answer"))
	api("POST /api/v1/cooperation/{id}/decline", s.apiMoveCooperation(kasuhara.CooperationDeclined, "reason"))
	api("POST /api/v1/cooperation/{id}/close", s.apiMoveCooperation(kasuhara.CooperationClosed, "note"))
	api("POST /api/v1/cooperation/{id}/deadline", s.apiCooperationDeadline)
	api("GET /api/v1/cooperation/{id}/share-preview", s.apiCooperationSharePreview)
	api("POST /api/v1/cooperation/{id}/shares", s.apiCooperationShare)
	api("GET /api/v1/cooperation/{id}/shares/{share}", s.cooperationSharePDF)
	api("GET /api/v1/cases", s.apiCases)
	api("GET /api/v1/cases/{id}", s.apiCase)
	api("POST /api/v1/cases/{id}/transitions", caseWrite(http.StatusOK, s.transitionJSON))
	api("PUT /api/v1/cases/{id}/assignment", caseWrite(http.StatusOK, s.assignJSON))
	api("PUT /api/v1/cases/{id}/assessment", caseWrite(http.StatusOK, s.assessJSON))
	api("GET /api/v1/cases/{id}/assessments", caseRead(s.assessmentsJSON))
	api("POST /api/v1/cases/{id}/notes", caseWrite(http.StatusCreated, s.noteJSON))
	api("POST /api/v1/cases/{id}/contacts", caseWrite(http.StatusCreated, s.contactJSON))
	api("GET /api/v1/cases/{id}/timeline", caseRead(s.timelineJSON))
	api("GET /api/v1/cases/{id}/tasks", caseRead(s.tasksJSON))
	api("POST /api/v1/cases/{id}/tasks", caseWrite(http.StatusCreated, s.addTaskJSON))
	api("PUT /api/v1/cases/{id}/tasks/{task}/done", caseWrite(http.StatusOK, s.taskDoneJSON))
	api("GET /api/v1/cases/{id}/care", caseRead(s.careJSON))
	api("POST /api/v1/cases/{id}/care", caseWrite(http.StatusCreated, s.addCareJSON))
	api("PUT /api/v1/cases/{id}/care/{care}/done", caseWrite(http.StatusOK, s.careDoneJSON))
	api("POST /api/v1/cases/{id}/exclusions", s.excludeJSON)
	api("POST /api/v1/cases/{id}/evidence", s.apiUploadEvidence, upload)
	api("GET /api/v1/cases/{id}/evidence", s.apiEvidenceList)
	api("GET /api/v1/cases/{id}/evidence/{evidence}", s.downloadEvidence)
	api("GET /api/v1/policies", s.apiPolicies)
	api("GET /api/v1/policies/{id}", s.apiPolicy)
	api("POST /api/v1/policies/{id}/acknowledge", s.apiAcknowledge)
	api("GET /api/v1/training/assignments", s.apiTrainingAssignments)
	api("GET /api/v1/training/courses/{id}", s.apiCourse)
	api("POST /api/v1/training/courses/{id}/attempts", s.apiSubmitAttempt)
	api("GET /api/v1/training/report", s.apiTrainingReport)
	api("GET /api/v1/stats", s.apiStats)
	api("GET /api/v1/compliance", s.apiCompliance)
	api("GET /api/v1/exports/stats.csv", s.recentAuth(s.exportStats("csv")))
	api("GET /api/v1/exports/stats.xlsx", s.recentAuth(s.exportStats("xlsx")))
	api("GET /api/v1/exports/cases.csv", s.recentAuth(s.exportCases("csv")))
	api("GET /api/v1/exports/cases.xlsx", s.recentAuth(s.exportCases("xlsx")))
	handle("/api/", s.apiNotFound, public)
	// Unknown paths of the anonymous channel are not found without a
	// session either.
	handle("/api/v1/anonymous-reports/", s.apiNotFound, anonymous)
	handle("/o/", s.notFound, anonymous)
	// SCIM: a directory's bearer token per organisation, SCIM's own errors
	// (scim.go); no session.
	mux.Handle("/scim/v2/", s.scim())

	handle("/", s.notFound, public)

	h := recordRoute(mux)
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
