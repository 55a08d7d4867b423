package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/access"
)

// principal is one person of the role × route test (or nobody).
type principal struct {
	name    string
	org     string // "p" (the parent), "s1", "s2"; "" for nobody
	actor   kasuhara.Actor
	token   string
	special string // "reporter", "excluded", "otherboss"
}

// rule says whether a principal may use a route on the parent's objects.
type rule func(p principal, w *world) bool

// world is the data set the routes are called on: the parent's objects.
type world struct {
	parent string           // org id
	facts  access.CaseFacts // of the case in ids["cases"]
	ids    map[string]string
	// cases are the parent's cases the case routes are called on: one
	// reported by name, one confidential toward the supervisor, one
	// anonymous.
	cases []caseVariant
}

type caseVariant struct {
	id    string
	facts access.CaseFacts
}

func signedIn(p principal, _ *world) bool { return p.org != "" }
func everyone(principal, *world) bool     { return true }
func nothing(principal, *world) bool      { return false }

// role: the matrix's action for a principal of the parent (the objects are
// the parent's; a subsidiary's people never reach them).
func role(a access.Action) rule {
	return func(p principal, w *world) bool { return p.org == "p" && access.Can(p.actor.Role, a) }
}

// anyOrg: the matrix's action in the principal's own organisation (lists,
// forms, reports of their own organisation).
func anyOrg(a access.Action) rule {
	return func(p principal, _ *world) bool { return p.org != "" && access.Can(p.actor.Role, a) }
}

// caseAt: access.Case's level on the parent's case.
func caseAt(l access.CaseLevel) rule {
	return func(p principal, w *world) bool {
		f := w.facts
		// The excluded desk member is excluded from the first case.
		f.ViewerExcluded = p.special == "excluded" && w.ids["cases"] == w.cases[0].id
		return p.org != "" && access.Case(p.actor, f) >= l
	}
}

// reporter: the case's reporter only.
func reporter(p principal, w *world) bool {
	return p.org != "" && w.facts.ReporterID != "" && p.actor.UserID == w.facts.ReporterID
}

// care: access.CareReadable on the parent's case; no reporter in the data
// set has let the supervisor read the care record and the messages.
func care(min access.CaseLevel) rule {
	return func(p principal, w *world) bool {
		f := w.facts
		f.ViewerExcluded = p.special == "excluded" && w.ids["cases"] == w.cases[0].id
		l := access.Case(p.actor, f)
		return p.org != "" && l >= min && access.CareReadable(l, false)
	}
}

// grantDecider: the parent has legal members, so they decide its grants;
// its admin made the request in the data set.
func grantDecider(p principal, w *world) bool {
	return role(access.DecideGrants)(p, w) && p.actor.Role == kasuhara.RoleLegal
}

// reporterOrLegal: the case's reporter, or legal at the handler level (the
// check-ins after a report).
func reporterOrLegal(p principal, w *world) bool {
	return reporter(p, w) || and(caseAt(access.CaseHandler), role(access.ViewRetaliation))(p, w)
}

func and(a, b rule) rule { return func(p principal, w *world) bool { return a(p, w) && b(p, w) } }
func or(a, b rule) rule  { return func(p principal, w *world) bool { return a(p, w) || b(p, w) } }

// routeMatrix is what each route of routes.go allows on the parent's
// objects. A route missing here fails the test.
var routeMatrix = map[string]rule{
	"GET /healthz":                everyone,
	"GET /readyz":                 everyone,
	"GET /metrics":                everyone,
	"GET /static/{name}":          everyone,
	"GET /favicon.ico":            everyone,
	"GET /login":                  everyone,
	"POST /login":                 everyone,
	"POST /logout":                everyone,
	"POST /language":              everyone,
	"GET /account/password":       signedIn,
	"GET /account/setup/{token}":  nothing, // only with a mailed link's token
	"POST /account/setup/{token}": nothing,
	"POST /account/password":      signedIn,
	// Without a right password first, the code page leads to /login: a
	// refusal for nobody, and nothing more than a redirect for the rest.
	"GET /login/code":  signedIn,
	"POST /login/code": signedIn,
	// The second factor, the list of sessions and re-authentication are
	// the browser's: a token is refused (every principal here uses one).
	"GET /account/two-factor":           nothing,
	"POST /account/two-factor/start":    nothing,
	"POST /account/two-factor/confirm":  nothing,
	"GET /account/sessions":             nothing,
	"POST /account/sessions/end-others": nothing,
	"GET /account/reauth":               nothing,
	"POST /account/reauth":              nothing,
	"POST /account/reauth/sso":          nothing,
	"GET /o/{org}/report":               everyone,
	"POST /o/{org}/report":              everyone,
	"GET /o/{org}/receipt":              everyone,
	"POST /o/{org}/receipt":             everyone,
	"POST /o/{org}/receipt/file":        everyone,
	"GET /o/{org}/status":               everyone,
	"POST /o/{org}/status":              everyone,
	"POST /o/{org}/status/{action}":     everyone,
	"GET /o/{org}/policy":               everyone,
	"/api/":                             nothing,
	"/api/v1/anonymous-reports/":        nothing,
	"/o/":                               nothing,
	"/":                                 nothing,
	"POST /login/sso":                   everyone,
	"GET /login/sso/callback":           everyone, // 400 without a started sign-in
	"GET /o/{org}/login":                everyone,

	"GET /{$}":                             signedIn,
	"GET /report":                          signedIn,
	"POST /report":                         signedIn,
	"POST /report/suggest":                 signedIn,
	"GET /reports":                         signedIn,
	"GET /notifications":                   signedIn,
	"POST /notifications/read":             signedIn,
	"POST /notifications/{id}/read":        signedIn, // marks only the viewer's own
	"POST /notifications/mail":             signedIn, // the viewer's own choice
	"POST /notifications/chat":             signedIn, // the viewer's own destination
	"POST /notifications/chat/{id}/test":   signedIn, // only the viewer's own (another's is not found)
	"POST /notifications/chat/{id}/delete": signedIn,
	"POST /notifications/calendar":         anyOrg(access.ReadCaseContents),
	"POST /notifications/calendar/stop":    signedIn,
	"GET /calendar/{file}":                 everyone, // the secret in the address is the key
	"GET /approvals":                       or(anyOrg(access.ReadCustomers), anyOrg(access.DecideGrants)),
	"GET /lookup":                          signedIn,
	"GET /pick/cases":                      signedIn,
	"GET /pick/customers":                  anyOrg(access.ReadCustomers),
	"GET /timer":                           signedIn,
	"GET /policies":                        signedIn,
	"GET /training":                        signedIn,
	"GET /report/on-behalf":                anyOrg(access.RecordOnBehalf),
	"POST /report/on-behalf":               anyOrg(access.RecordOnBehalf),
	"GET /recorded":                        anyOrg(access.RecordOnBehalf),
	"GET /import/cases":                    anyOrg(access.ImportCases),
	"POST /import/cases":                   anyOrg(access.ImportCases),
	"GET /import/cases/{id}":               nothing, // an upload of the desk's; the world has none
	"POST /import/cases/{id}/run":          nothing,
	"POST /import/cases/{id}/mapping":      nothing,
	"GET /recorded/{id}":                   nothing, // only the recorder's own, and the world has none

	"GET /cases":                                            anyOrg(access.ReadCaseContents),
	"GET /cases/{id}":                                       caseAt(access.CaseReporter),
	"POST /cases/{id}/transition":                           caseAt(access.CaseSupervisor), // the supervisor acknowledges; the store checks each move
	"POST /cases/{id}/assign":                               caseAt(access.CaseHandler),
	"POST /cases/{id}/assess":                               caseAt(access.CaseHandler),
	"POST /cases/{id}/notes":                                caseAt(access.CaseSupervisor),
	"POST /cases/{id}/contacts":                             caseAt(access.CaseSupervisor),
	"POST /cases/{id}/tasks":                                caseAt(access.CaseSupervisor),
	"POST /cases/{id}/tasks/{task}":                         caseAt(access.CaseSupervisor),
	"POST /cases/{id}/care":                                 caseAt(access.CaseSupervisor), // the supervisor adds care without reading it
	"POST /cases/{id}/care/{care}":                          care(access.CaseSupervisor),
	"POST /cases/{id}/exclusions":                           caseAt(access.CaseHandler),
	"POST /cases/{id}/evidence":                             caseAt(access.CaseReporter),
	"POST /cases/{id}/messages":                             care(access.CaseReporter),
	"POST /cases/{id}/referrals":                            caseAt(access.CaseHandler),
	"POST /cases/{id}/referrals/{referral}/outcome":         caseAt(access.CaseHandler),
	"GET /cases/{id}/package":                               caseAt(access.CaseHandler),
	"GET /cases/{id}/summary.pdf":                           caseAt(access.CaseSupervisor),
	"POST /cases/{id}/care-consent":                         reporter,
	"POST /api/v1/cases/{id}/care-consent":                  reporter,
	"POST /cases/{id}/confidential":                         reporter,
	"POST /cases/{id}/retaliation":                          reporter,
	"POST /cases/{id}/correct":                              reporter,
	"POST /cases/{id}/disown":                               reporter,
	"GET /cases/{id}/evidence/{evidence}":                   caseAt(access.CaseReporter),
	"GET /cases/{id}/case-study":                            and(caseAt(access.CaseHandler), role(access.MakeCaseStudy)),
	"POST /cases/{id}/case-study":                           and(caseAt(access.CaseHandler), role(access.MakeCaseStudy)),
	"GET /specialists":                                      anyOrg(access.HandleCases),
	"POST /specialists":                                     anyOrg(access.ManageSpecialists),
	"POST /specialists/{id}/delete":                         role(access.ManageSpecialists),
	"POST /calls/{id}/dismiss":                              func(p principal, w *world) bool { return p.org == "p" && p.actor.UserID == w.ids["call-agent"] },
	"GET /intake":                                           anyOrg(access.HandleCases),
	"GET /intake/{id}":                                      role(access.HandleCases),
	"GET /intake/{id}/files/{attachment}":                   role(access.HandleCases),
	"POST /intake/{id}/file":                                role(access.HandleCases),
	"POST /intake/{id}/attach":                              role(access.HandleCases),
	"POST /intake/{id}/discard":                             role(access.HandleCases),
	"POST /intake/{id}/reply":                               role(access.HandleCases),
	"GET /retaliation":                                      anyOrg(access.ViewRetaliation),
	"GET /cooperation":                                      anyOrg(access.ManageCooperation),
	"POST /cooperation":                                     anyOrg(access.ManageCooperation),
	"GET /cooperation/{id}":                                 and(role(access.ManageCooperation), caseAt(access.CaseHandler)),
	"POST /cooperation/{id}/state":                          and(role(access.ManageCooperation), caseAt(access.CaseHandler)),
	"POST /cooperation/{id}/deadline":                       and(role(access.ManageCooperation), caseAt(access.CaseHandler)),
	"GET /cooperation/{id}/share":                           and(role(access.ManageCooperation), caseAt(access.CaseHandler)),
	"POST /cooperation/{id}/share":                          and(role(access.ManageCooperation), caseAt(access.CaseHandler)),
	"GET /cooperation/{id}/shares/{share}":                  and(role(access.ManageCooperation), caseAt(access.CaseHandler)),
	"GET /online-posts":                                     anyOrg(access.ManagePosts),
	"POST /online-posts":                                    anyOrg(access.ManagePosts),
	"GET /online-posts/template":                            anyOrg(access.ManagePosts),
	"POST /online-posts/template":                           anyOrg(access.ManagePosts),
	"GET /online-posts/{id}":                                role(access.ManagePosts),
	"POST /online-posts/{id}/status":                        role(access.ManagePosts),
	"POST /online-posts/{id}/consent":                       role(access.ManagePosts),
	"POST /online-posts/{id}/files":                         role(access.ManagePosts),
	"GET /online-posts/{id}/files/{file}":                   role(access.ManagePosts),
	"GET /online-posts/{id}/removal-request":                role(access.ManagePosts),
	"GET /customers":                                        anyOrg(access.ReadCustomers),
	"GET /customers/letters":                                anyOrg(access.ManageLetters),
	"POST /customers/letters":                               anyOrg(access.ManageLetters),
	"GET /customers/{id}/measures/{measure}/letter/preview": role(access.ReadCustomers),
	"GET /customers/{id}/measures/{measure}/letter":         role(access.ReadCustomers),
	"GET /customers/{id}":                                   role(access.ReadCustomers),
	"POST /customers/{id}/measures":                         role(access.ReadCustomers),
	"POST /customers/{id}/addressee":                        role(access.ReadCustomers),
	"POST /customers/{id}/merge":                            role(access.ReadCustomers),
	"POST /customers/{id}/split":                            role(access.ReadCustomers),
	"POST /customers/{id}/measures/{measure}/approve":       role(access.ApproveMeasure),
	"POST /customers/{id}/measures/{measure}/lift":          role(access.ReadCustomers),
	"POST /customers/{id}/measures/{measure}/response":      role(access.ReadCustomers),

	"GET /admin/users":                        anyOrg(access.ManageUsers),
	"POST /admin/users":                       anyOrg(access.ManageUsers),
	"GET /admin/users/import":                 anyOrg(access.ManageUsers),
	"POST /admin/users/import":                anyOrg(access.ManageUsers),
	"POST /admin/users/{id}/membership":       role(access.ManageUsers),
	"POST /admin/users/{id}/disable":          role(access.ManageUsers),
	"POST /admin/users/{id}/enable":           role(access.ManageUsers),
	"POST /admin/users/{id}/reset-password":   role(access.ManageUsers),
	"POST /admin/users/{id}/reset-two-factor": role(access.ManageUsers),
	"POST /admin/users/{id}/end-sessions":     role(access.ManageUsers),
	"GET /admin/departments":                  anyOrg(access.ManageDepartments),
	"POST /admin/departments":                 anyOrg(access.ManageDepartments),
	"POST /admin/departments/{id}/rename":     role(access.ManageDepartments),
	"POST /admin/departments/{id}/parent":     role(access.ManageDepartments),
	"GET /admin/audit":                        anyOrg(access.ViewAudit),
	"GET /grant-requests":                     anyOrg(access.DecideGrants),
	"POST /grant-requests/{id}/approve":       grantDecider,
	"POST /grant-requests/{id}/reject":        grantDecider,
	"GET /admin/audit.csv":                    anyOrg(access.ViewAudit),
	"GET /admin/settings":                     anyOrg(access.ManageSettings),
	"POST /admin/settings":                    anyOrg(access.ManageSettings),
	"POST /admin/settings/anonymous":          anyOrg(access.ManageSettings),
	"POST /admin/settings/sign-in":            anyOrg(access.ManageSettings),
	// SCIM answers a directory's SCIM token only, never a person's
	// session or API token.
	"GET /scim/v2/ServiceProviderConfig":      nothing,
	"GET /scim/v2/ResourceTypes":              nothing,
	"GET /scim/v2/ResourceTypes/{name}":       nothing,
	"GET /scim/v2/Schemas":                    nothing,
	"GET /scim/v2/Schemas/{id}":               nothing,
	"GET /scim/v2/Users":                      nothing,
	"POST /scim/v2/Users":                     nothing,
	"GET /scim/v2/Users/{id}":                 nothing,
	"PUT /scim/v2/Users/{id}":                 nothing,
	"PATCH /scim/v2/Users/{id}":               nothing,
	"DELETE /scim/v2/Users/{id}":              nothing,
	"GET /scim/v2/Groups":                     nothing,
	"POST /scim/v2/Groups":                    nothing,
	"GET /scim/v2/Groups/{id}":                nothing,
	"PUT /scim/v2/Groups/{id}":                nothing,
	"PATCH /scim/v2/Groups/{id}":              nothing,
	"DELETE /scim/v2/Groups/{id}":             nothing,
	"GET /admin/sso":                          anyOrg(access.ManageUsers),
	"POST /admin/sso":                         anyOrg(access.ManageUsers),
	"POST /admin/sso/groups":                  anyOrg(access.ManageUsers),
	"POST /admin/sso/groups/{id}/delete":      anyOrg(access.ManageUsers),
	"POST /admin/sso/emergency/{id}":          anyOrg(access.ManageUsers),
	"POST /admin/sso/scim-tokens":             anyOrg(access.ManageUsers),
	"POST /admin/sso/scim-tokens/{id}/revoke": anyOrg(access.ManageUsers),
	"GET /admin/chat":                         anyOrg(access.ManageSettings),
	"POST /admin/chat":                        anyOrg(access.ManageSettings),
	"POST /admin/chat/{id}/test":              anyOrg(access.ManageSettings),
	"POST /admin/chat/{id}/delete":            anyOrg(access.ManageSettings),
	"GET /policies/acknowledgements":          anyOrg(access.ViewAcknowledged),
	"GET /policies/{id}":                      and(signedIn, func(p principal, _ *world) bool { return p.org == "p" }),
	"POST /policies/{id}/acknowledge":         and(signedIn, func(p principal, _ *world) bool { return p.org == "p" }),
	"GET /admin/policies":                     anyOrg(access.ManageContent),
	"POST /admin/policies":                    anyOrg(access.ManageContent),
	"GET /admin/policies/{id}":                role(access.ManageContent),
	"POST /admin/policies/{id}":               role(access.ManageContent),
	"POST /admin/policies/{id}/discard":       role(access.ManageContent),
	"POST /admin/policies/{id}/group-wide":    role(access.ManageContent),
	"GET /training/report":                    anyOrg(access.ViewTraining),
	"GET /training/courses/{id}":              and(signedIn, func(p principal, _ *world) bool { return p.org == "p" }),
	"POST /training/courses/{id}":             and(signedIn, func(p principal, _ *world) bool { return p.org == "p" }),
	"GET /training/certificates/{id}": func(p principal, w *world) bool {
		return p.special == "reporter" || role(access.ViewTrainingNames)(p, w)
	},
	"GET /training/images/{id}":                    and(signedIn, func(p principal, _ *world) bool { return p.org == "p" }),
	"GET /training/case-studies/{id}":              and(signedIn, func(p principal, _ *world) bool { return p.org == "p" }),
	"GET /admin/training":                          anyOrg(access.ManageContent),
	"POST /admin/training/courses":                 anyOrg(access.ManageContent),
	"GET /admin/training/courses/{id}":             role(access.ManageContent),
	"POST /admin/training/courses/{id}":            role(access.ManageContent),
	"POST /admin/training/courses/{id}/publish":    role(access.ManageContent),
	"POST /admin/training/assignments":             anyOrg(access.ManageContent),
	"POST /admin/training/assignments/{id}/delete": role(access.ManageContent),
	"POST /admin/training/images":                  anyOrg(access.ManageContent),
	"GET /retention":                               anyOrg(access.ManageRetention),
	"POST /retention/rules":                        anyOrg(access.ManageRetention),
	"POST /retention/rules/{id}/delete":            role(access.ManageRetention),
	"POST /retention/holds":                        anyOrg(access.ManageRetention),
	"POST /retention/holds/{id}/release":           role(access.ManageRetention),
	"POST /retention/purge":                        anyOrg(access.ManageRetention),
	"GET /insight":                                 anyOrg(access.ViewStatistics),
	"GET /insight/annual.pdf":                      anyOrg(access.ViewStatistics),
	"GET /compliance":                              anyOrg(access.ViewCompliance),
	"GET /compliance/report.pdf":                   anyOrg(access.ViewCompliance),
	"POST /compliance/not-applicable":              anyOrg(access.ManageSettings),
	"POST /cases/{id}/checkin":                     reporter,
	"POST /retaliation/{id}/handle":                role(access.ViewRetaliation),

	"GET /api/v1/openapi.json":                                everyone,
	"GET /api/v1/me":                                          signedIn,
	"POST /api/v1/reports":                                    signedIn,
	"POST /api/v1/screen":                                     signedIn,
	"POST /api/v1/anonymous-reports":                          everyone,
	"POST /api/v1/anonymous-reports/status":                   everyone,
	"POST /api/v1/anonymous-reports/messages":                 everyone,
	"GET /api/v1/customers/lookup":                            signedIn,
	"POST /api/v1/calls/started":                              or(anyOrg(access.ManageSettings), anyOrg(access.HandleCases)),
	"POST /api/v1/calls/ended":                                or(anyOrg(access.ManageSettings), anyOrg(access.HandleCases)),
	"POST /api/v1/o/{org}/calls/twilio":                       nothing, // signed with a secret the world has none of
	"POST /api/v1/o/{org}/calls/connect":                      nothing,
	"POST /api/v1/o/{org}/calls/sip":                          nothing,
	"GET /api/v1/customers":                                   anyOrg(access.ReadCustomers),
	"GET /api/v1/approvals":                                   or(anyOrg(access.ReadCustomers), anyOrg(access.DecideGrants)),
	"GET /api/v1/customers/{id}":                              role(access.ReadCustomers),
	"POST /api/v1/customers/{id}/measures":                    role(access.ReadCustomers),
	"POST /api/v1/customers/{id}/measures/{measure}/approve":  role(access.ApproveMeasure),
	"GET /api/v1/customers/{id}/measures/{measure}/letter":    role(access.ReadCustomers),
	"POST /api/v1/customers/{id}/measures/{measure}/lift":     role(access.ReadCustomers),
	"POST /api/v1/customers/{id}/measures/{measure}/response": role(access.ReadCustomers),
	"GET /api/v1/customers/{id}/duplicates":                   role(access.ReadCustomers),
	"POST /api/v1/customers/{id}/merge":                       role(access.ReadCustomers),
	"POST /api/v1/customers/{id}/split":                       role(access.ReadCustomers),
	"GET /api/v1/cases/{id}/referrals":                        caseAt(access.CaseHandler),
	"POST /api/v1/cases/{id}/referrals":                       caseAt(access.CaseHandler),
	"GET /api/v1/cases/{id}/package":                          caseAt(access.CaseHandler),
	"GET /api/v1/cooperation":                                 anyOrg(access.ManageCooperation),
	"POST /api/v1/cooperation":                                anyOrg(access.ManageCooperation),
	"GET /api/v1/cooperation/{id}":                            and(role(access.ManageCooperation), caseAt(access.CaseHandler)),
	"POST /api/v1/cooperation/{id}/answer":                    and(role(access.ManageCooperation), caseAt(access.CaseHandler)),
	"POST /api/v1/cooperation/{id}/decline":                   and(role(access.ManageCooperation), caseAt(access.CaseHandler)),
	"POST /api/v1/cooperation/{id}/close":                     and(role(access.ManageCooperation), caseAt(access.CaseHandler)),
	"POST /api/v1/cooperation/{id}/deadline":                  and(role(access.ManageCooperation), caseAt(access.CaseHandler)),
	"GET /api/v1/cooperation/{id}/share-preview":              and(role(access.ManageCooperation), caseAt(access.CaseHandler)),
	"POST /api/v1/cooperation/{id}/shares":                    and(role(access.ManageCooperation), caseAt(access.CaseHandler)),
	"GET /api/v1/cooperation/{id}/shares/{share}":             and(role(access.ManageCooperation), caseAt(access.CaseHandler)),
	"POST /api/v1/online-posts":                               anyOrg(access.ManagePosts),
	"GET /api/v1/online-posts":                                anyOrg(access.ManagePosts),
	"GET /api/v1/online-posts/{id}":                           role(access.ManagePosts),
	"POST /api/v1/online-posts/{id}/status":                   role(access.ManagePosts),
	"POST /api/v1/online-posts/{id}/files":                    role(access.ManagePosts),
	"GET /api/v1/online-posts/{id}/removal-request":           role(access.ManagePosts),
	"GET /api/v1/cases/{id}/messages":                         care(access.CaseReporter),
	"POST /api/v1/cases/{id}/messages":                        care(access.CaseReporter),
	"GET /api/v1/cases":                                       signedIn,
	"GET /api/v1/cases/{id}":                                  caseAt(access.CaseReporter),
	"POST /api/v1/cases/{id}/transitions":                     caseAt(access.CaseSupervisor),
	"PUT /api/v1/cases/{id}/assignment":                       caseAt(access.CaseHandler),
	"PUT /api/v1/cases/{id}/assessment":                       caseAt(access.CaseHandler),
	"GET /api/v1/cases/{id}/assessments":                      caseAt(access.CaseSupervisor),
	"POST /api/v1/cases/{id}/notes":                           caseAt(access.CaseSupervisor),
	"POST /api/v1/cases/{id}/contacts":                        caseAt(access.CaseSupervisor),
	"GET /api/v1/cases/{id}/timeline":                         caseAt(access.CaseSupervisor),
	"GET /api/v1/cases/{id}/tasks":                            caseAt(access.CaseSupervisor),
	"POST /api/v1/cases/{id}/tasks":                           caseAt(access.CaseSupervisor),
	"PUT /api/v1/cases/{id}/tasks/{task}/done":                caseAt(access.CaseSupervisor),
	"GET /api/v1/cases/{id}/care":                             care(access.CaseReporter),
	"POST /api/v1/cases/{id}/care":                            caseAt(access.CaseSupervisor), // the supervisor adds care without reading it
	"PUT /api/v1/cases/{id}/care/{care}/done":                 care(access.CaseSupervisor),
	"POST /api/v1/cases/{id}/exclusions":                      caseAt(access.CaseHandler),
	"POST /api/v1/cases/{id}/evidence":                        caseAt(access.CaseReporter),
	"GET /api/v1/cases/{id}/evidence":                         caseAt(access.CaseReporter),
	"GET /api/v1/cases/{id}/evidence/{evidence}":              caseAt(access.CaseReporter),
	"GET /api/v1/policies":                                    signedIn,
	"GET /api/v1/policies/{id}":                               and(signedIn, func(p principal, _ *world) bool { return p.org == "p" }),
	"POST /api/v1/policies/{id}/acknowledge":                  and(signedIn, func(p principal, _ *world) bool { return p.org == "p" }),
	"GET /api/v1/training/assignments":                        signedIn,
	"GET /api/v1/training/courses/{id}":                       and(signedIn, func(p principal, _ *world) bool { return p.org == "p" }),
	"POST /api/v1/training/courses/{id}/attempts":             and(signedIn, func(p principal, _ *world) bool { return p.org == "p" }),
	"GET /api/v1/training/report":                             anyOrg(access.ViewTraining),
	"GET /api/v1/stats":                                       anyOrg(access.ViewStatistics),
	"GET /api/v1/compliance":                                  anyOrg(access.ViewCompliance),
	"GET /api/v1/exports/stats.csv":                           anyOrg(access.ViewStatistics),
	"GET /api/v1/exports/stats.xlsx":                          anyOrg(access.ViewStatistics),
	"GET /api/v1/exports/cases.csv":                           anyOrg(access.ExportCases),
	"GET /api/v1/exports/cases.xlsx":                          anyOrg(access.ExportCases),
	"POST /api/v1/cases/{id}/checkin":                         reporter,
	"GET /api/v1/cases/{id}/checkins":                         reporterOrLegal,
}

// registeredRoutes reads every pattern that routes.go registers.
func registeredRoutes(t *testing.T) []string {
	t.Helper()
	src, err := os.ReadFile("routes.go")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range regexp.MustCompile(`(?m)^\s*(?:handle|api)\("([^"]+)"`).FindAllStringSubmatch(string(src), -1) {
		out = append(out, m[1])
	}
	if len(out) < 100 {
		t.Fatalf("found only %d routes in routes.go", len(out))
	}
	return out
}

// openAPIOperations reads every operation of openapi.json as "METHOD path".
func openAPIOperations(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	var out []string
	for path, ops := range doc.Paths {
		for method := range ops {
			if m := strings.ToUpper(method); slices.Contains([]string{"GET", "POST", "PUT", "DELETE", "PATCH"}, m) {
				out = append(out, m+" "+path)
			}
		}
	}
	sort.Strings(out)
	return out
}

// TestEveryRouteIsInTheMatrix fails on a route of routes.go or an operation
// of openapi.json without its row in routeMatrix.
func TestEveryRouteIsInTheMatrix(t *testing.T) {
	for _, p := range append(registeredRoutes(t), openAPIOperations(t)...) {
		if _, ok := routeMatrix[p]; !ok {
			t.Errorf("route %q is not in the role × route matrix (authz_routes_test.go)", p)
		}
	}
}

// TestRoleByRoute calls every route and every API operation as each of
// about two dozen principals on a small data set and compares each answer
// with the matrix: an answer of success (2xx or 3xx) where the matrix says
// no fails; so does a refusal of a read the matrix allows.
func TestRoleByRoute(t *testing.T) {
	if testing.Short() {
		t.Skip("the role × route walk takes a while")
	}
	onEachEngine(t, func(t *testing.T, e *env) {
		w, people := roleWorld(t, e)
		patterns := registeredRoutes(t)
		for _, op := range openAPIOperations(t) {
			if !slices.Contains(patterns, op) {
				patterns = append(patterns, op)
			}
		}
		// The reporter's choice of confidentiality changes who sees
		// the case: it goes last.
		conf := "POST /cases/{id}/confidential"
		patterns = append(slices.DeleteFunc(patterns, func(p string) bool { return p == conf }), conf)
		var unexpected, refused, past []string
		calls := 0
		for _, pattern := range patterns {
			allow, ok := routeMatrix[pattern]
			if !ok {
				t.Errorf("route %q is not in the matrix", pattern)
				continue
			}
			method, route := "GET", pattern
			if m, p, ok := strings.Cut(pattern, " "); ok {
				method, route = m, p
			}
			variants := w.cases[:1]
			if strings.Contains(route, "/cases/{id}") {
				variants = w.cases
			}
			for _, cv := range variants {
				w.ids["cases"], w.facts = cv.id, cv.facts
				path := w.fill(route)
				if !strings.Contains(pattern, " ") {
					path += "nowhere" // the catch-alls
				}
				for _, p := range people {
					want := allow(p, w)
					got := e.callAs(p, pattern, method, path)
					calls++
					success := got < 400
					switch {
					case success && !want:
						unexpected = append(unexpected, fmt.Sprintf("%s %s as %s: %d", method, path, p.name, got))
					case !want && got != 401 && got != 403 && got != 404 && got != 405:
						past = append(past, fmt.Sprintf("%s %s as %s: %d", method, pattern, p.name, got))
					case !success && want && method == "GET" && (got == 401 || got == 403 || got == 404) && !strings.Contains(path, "none"):
						refused = append(refused, fmt.Sprintf("%s %s as %s: %d", method, pattern, p.name, got))
					}
				}
			}
		}
		for _, u := range unexpected {
			t.Errorf("unexpected success: %s", u)
		}
		for _, r := range past {
			t.Errorf("answered past authorization: %s", r)
		}
		for _, r := range refused {
			t.Errorf("refused although the matrix allows it: %s", r)
		}
		t.Logf("%d calls, %d principals", calls, len(people))
	})
}

// callAs sends one request as p with a body that passes the first checks
// where it matters little, and returns the status.
func (e *env) callAs(p principal, pattern, method, path string) int {
	e.t.Helper()
	var body io.Reader
	ctype := ""
	switch {
	case method == "GET":
	case strings.HasPrefix(path, "/api/") && (strings.HasSuffix(path, "/evidence") || strings.HasSuffix(path, "/files")),
		!strings.HasPrefix(path, "/api/") && (strings.HasSuffix(path, "/evidence") || strings.HasSuffix(path, "/files") ||
			path == "/report" || strings.HasSuffix(path, "/images") || strings.HasSuffix(path, "/report")):
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		fw, _ := mw.CreateFormFile("file", "note.txt")
		fw.Write([]byte("memo"))
		mw.Close()
		body, ctype = &b, mw.FormDataContentType()
	case strings.HasPrefix(path, "/api/"):
		b, _ := json.Marshal(apiBodies[pattern])
		body, ctype = bytes.NewReader(b), "application/json"
	default:
		body, ctype = strings.NewReader(formBodies[pattern]), "application/x-www-form-urlencoded"
	}
	req, err := http.NewRequest(method, e.url+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if p.token != "" {
		req.Header.Set("Authorization", "Bearer "+p.token)
	}
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := hc.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	// A page that sends the signed-out visitor to sign in refuses them.
	if res.StatusCode == http.StatusSeeOther && strings.HasPrefix(res.Header.Get("Location"), "/login") && p.org == "" {
		return http.StatusUnauthorized
	}
	return res.StatusCode
}

// apiBodies are valid inputs of the API's writes: a person refused must be
// refused for who they are, not for what they sent.
var apiBodies = map[string]any{
	"POST /api/v1/cases/{id}/transitions": map[string]string{"to": "acknowledged"},
	"PUT /api/v1/cases/{id}/assignment":   map[string]string{"assignee_id": "none"},
	"PUT /api/v1/cases/{id}/assessment": map[string]any{"request": "not_valid", "manner": "inappropriate",
		"manner_reasons": []string{"threat"}, "environment_impaired": true, "verdict": "harassment", "rationale": "脅迫を伴う"},
	"POST /api/v1/cases/{id}/notes":                           map[string]string{"body": "録音を保全"},
	"POST /api/v1/cases/{id}/contacts":                        map[string]string{"at": time.Now().Format(time.RFC3339), "channel": "phone", "summary": "方針を説明"},
	"POST /api/v1/cases/{id}/care":                            map[string]string{"kind": "counselling", "due_on": "2026-12-01"},
	"POST /api/v1/cases/{id}/tasks":                           map[string]string{"title": "電話"},
	"PUT /api/v1/cases/{id}/tasks/{task}/done":                map[string]bool{"done": true},
	"PUT /api/v1/cases/{id}/care/{care}/done":                 map[string]bool{"done": true},
	"POST /api/v1/cases/{id}/referrals":                       map[string]string{"kind": "police", "organisation": "新宿警察署"},
	"POST /api/v1/cases/{id}/messages":                        map[string]string{"body": "ご連絡します"},
	"POST /api/v1/cases/{id}/exclusions":                      map[string]string{"user_id": "none"},
	"POST /api/v1/customers/{id}/measures":                    map[string]any{"level": "caution", "reason": "繰り返し", "review_at": time.Now().AddDate(0, 3, 0).Format(time.RFC3339)},
	"POST /api/v1/customers/{id}/measures/{measure}/lift":     map[string]string{"reason": "反省"},
	"POST /api/v1/customers/{id}/measures/{measure}/response": map[string]string{"response": "異議あり"},
	"POST /api/v1/customers/{id}/merge":                       map[string]string{"from": "none"},
	"POST /api/v1/customers/{id}/split":                       map[string]string{"case_id": "none"},
	"POST /api/v1/cooperation":                                map[string]string{"direction": "received", "employer": "乙社", "asked": "事実確認"},
	"POST /api/v1/cooperation/{id}/answer":                    map[string]string{"answer": "回答した"},
	"POST /api/v1/cooperation/{id}/decline":                   map[string]string{"reason": "対象外"},
	"POST /api/v1/cooperation/{id}/close":                     map[string]string{"note": ""},
	"POST /api/v1/cooperation/{id}/deadline":                  map[string]string{"due_at": "2030-01-01"},
	"POST /api/v1/cooperation/{id}/shares":                    map[string]any{"fields": []string{"conduct"}},
	"POST /api/v1/online-posts":                               map[string]string{"url": "https://sns.example/p/2", "platform": "X"},
	"POST /api/v1/online-posts/{id}/status":                   map[string]string{"status": "reported"},
	"POST /api/v1/policies/{id}/acknowledge":                  map[string]string{},
	"POST /api/v1/training/courses/{id}/attempts":             map[string]any{"lang": "ja", "answers": [][]int{{0}}},
	"POST /api/v1/reports":                                    validReport(),
	"POST /api/v1/screen":                                     map[string]string{"text": "怒鳴られた"},
	"POST /api/v1/customers/{id}/measures/{measure}/approve":  map[string]string{},
	"POST /api/v1/anonymous-reports/status":                   map[string]string{"receipt": "none"},
	"POST /api/v1/calls/started":                              map[string]string{"caller": "0312345678", "agent": "p-reporter@roles.example"},
	"POST /api/v1/calls/ended":                                map[string]any{"event": "ended", "call_id": "api-1", "agent": "p-reporter@roles.example", "duration_seconds": 60},
}

// formBodies are valid inputs of the pages' forms, for the same reason.
var formBodies = map[string]string{
	"POST /cases/{id}/transition":                   "to=acknowledged",
	"POST /cases/{id}/assess":                       "request=not_valid&manner=inappropriate&manner_reasons=threat&verdict=harassment&rationale=x",
	"POST /cases/{id}/notes":                        "body=memo",
	"POST /cases/{id}/contacts":                     "at=2026-12-01T10:00&channel=phone&summary=x",
	"POST /cases/{id}/tasks":                        "title=x",
	"POST /cases/{id}/care":                         "kind=counselling&due_on=2026-12-01",
	"POST /cases/{id}/referrals":                    "kind=police&organisation=x",
	"POST /cases/{id}/referrals/{referral}/outcome": "outcome=x",
	"POST /cases/{id}/retaliation":                  "body=x",
	"POST /cases/{id}/correct":                      "body=x",
	"POST /cases/{id}/checkin":                      "answer=no",
	"POST /admin/departments/{id}/rename":           "name=x",
	"POST /cases/{id}/confidential":                 "hide=true",
	"POST /cases/{id}/messages":                     "body=x",
	"POST /cooperation":                             "direction=received&employer=x&asked=x",
	"POST /cooperation/{id}/state":                  "to=answered&text_answered=x",
	"POST /intake/{id}/reply":                       "body=x",
	"POST /intake/{id}/discard":                     "reason=x",
	"POST /intake/{id}/attach":                      "case=none",
	"POST /intake/{id}/file":                        "occurred_at=2026-01-01T10:00&channel=phone&categories=violence_abuse&conduct=x",
	"POST /cooperation/{id}/deadline":               "due_at=2030-01-01",
	"POST /cooperation/{id}/share":                  "fields=conduct",
	"POST /customers/{id}/addressee":                "addressee_kind=company&formal_name=x",
	"POST /online-posts/{id}/consent":               "consent_name=x&consent_at=2026-01-01",
	"POST /compliance/not-applicable":               "measure=checkins&reason=x",
}

var pathParam = regexp.MustCompile(`\{([a-z$]+)\}`)

// fill puts the parent's objects into a route's pattern.
func (w *world) fill(path string) string {
	return pathParam.ReplaceAllStringFunc(path, func(m string) string {
		name := strings.Trim(m, "{}")
		key := name
		switch name {
		case "$":
			return ""
		case "id":
			for _, k := range []string{"/admin/users/", "/admin/departments/", "/admin/policies/", "/admin/training/courses/",
				"/admin/training/assignments/", "/retention/rules/", "/retention/holds/", "/specialists/", "/online-posts/", "/cooperation/",
				"/customers/", "/cases/", "/policies/", "/training/courses/", "/training/certificates/", "/training/images/",
				"/training/case-studies/", "/grant-requests/", "/intake/", "/calls/"} {
				if strings.Contains(path, k) {
					key = strings.Trim(strings.TrimPrefix(strings.TrimPrefix(k, "/admin"), "/api/v1"), "/")
					if strings.HasPrefix(k, "/admin/") {
						key = "admin/" + key
					}
					break
				}
			}
		}
		if v, ok := w.ids[key]; ok {
			return v
		}
		return "none"
	})
}

// roleWorld builds the parent (e.org) with two subsidiaries, a person of
// every role in each, the reporter, an excluded desk member, a supervisor
// of another department, and the parent's objects.
func roleWorld(t *testing.T, e *env) (*world, []principal) {
	t.Helper()
	s2, err := e.st.CreateOrg(ctx, kasuhara.CLIActor, kasuhara.NewOrg{Slug: "acme-foods", Name: "Acme Foods", ParentSlug: "acme"})
	if err != nil {
		t.Fatal(err)
	}
	noSecondFactor(t, e.st, s2) // as the fixture's organisations (web_test.go)
	orgs := map[string]string{"p": e.org.ID, "s1": e.sub.ID, "s2": s2.ID}
	shops := map[string]string{}
	for k, id := range orgs {
		d, err := e.st.CreateDepartment(ctx, kasuhara.CLIActor, id, "店舗")
		if err != nil {
			t.Fatal(err)
		}
		shops[k] = d.ID
	}
	hq, err := e.st.CreateDepartment(ctx, kasuhara.CLIActor, e.org.ID, "本社")
	if err != nil {
		t.Fatal(err)
	}
	var people []principal
	add := func(name, org string, r kasuhara.Role, dep, special string) principal {
		u, err := e.st.CreateUser(ctx, kasuhara.CLIActor, kasuhara.NewUser{Email: name + "@roles.example", Name: name, Password: password,
			OrgID: orgs[org], Role: r, DepartmentID: dep})
		if err != nil {
			t.Fatal(err)
		}
		_, tok, err := e.st.CreateToken(ctx, kasuhara.CLIActor, u.ID, "roles")
		if err != nil {
			t.Fatal(err)
		}
		p := principal{name: name, org: org, token: tok, special: special,
			actor: kasuhara.Actor{UserID: u.ID, OrgID: orgs[org], Role: r, DepartmentID: dep}}
		people = append(people, p)
		return p
	}
	for _, org := range []string{"p", "s1", "s2"} {
		for _, r := range kasuhara.Roles {
			dep := ""
			if r == kasuhara.RoleEmployee || r == kasuhara.RoleSupervisor {
				dep = shops[org]
			}
			add(org+"-"+string(r), org, r, dep, "")
		}
	}
	reporter := add("p-reporter", "p", kasuhara.RoleEmployee, shops["p"], "reporter")
	excluded := add("p-excluded-desk", "p", kasuhara.RoleDesk, "", "excluded")
	add("p-other-supervisor", "p", kasuhara.RoleSupervisor, hq.ID, "otherboss")
	add("p-legal2", "p", kasuhara.RoleLegal, "", "")
	// spare is the user the admin pages change; not a caller.
	spare := add("p-spare", "p", kasuhara.RoleEmployee, hq.ID, "")
	people = people[:len(people)-1]
	people = append(people, principal{name: "nobody"})
	var desk, legal, admin kasuhara.Actor
	for _, p := range people {
		switch p.name {
		case "p-desk":
			desk = p.actor
		case "p-legal":
			legal = p.actor
		case "p-admin":
			admin = p.actor
		}
	}

	w := &world{parent: e.org.ID, ids: map[string]string{"org": "acme", "action": "messages"}}
	login := e.client().get("/login")
	if m := regexp.MustCompile(`/static/([^"?]+)`).FindStringSubmatch(login.body); m != nil {
		w.ids["name"] = m[1]
	} else {
		t.Fatal("the sign-in page names no asset")
	}
	file := func(by kasuhara.Actor, dep, phone string, conf bool) *kasuhara.Case {
		t.Helper()
		r := kasuhara.Report{OccurredAt: time.Now().Add(-time.Hour), DurationMinutes: 30, Channel: "in_person", DepartmentID: dep,
			Categories: []kasuhara.Category{"violence_abuse"}, Subtypes: []string{"shouting"}, Conduct: "怒鳴られた",
			Customer: kasuhara.CustomerDetails{Name: "山田 太郎", Phone: phone}}
		c := e.file(t, by, r)
		if conf {
			if err := e.st.SetConfidential(ctx, by, c.ID, true); err != nil {
				t.Fatal(err)
			}
		}
		return c
	}
	c := file(reporter.actor, shops["p"], "090-1111-0000", false)
	hidden := file(reporter.actor, shops["p"], "090-1111-0000", true)
	for _, org := range []string{"s1", "s2"} {
		for _, p := range people {
			if p.name == org+"-employee" {
				file(p.actor, shops[org], "090-2222-0000", false)
			}
		}
	}
	anon, _, err := e.st.FileAnonymousReport(ctx, "acme", kasuhara.Report{OccurredAt: time.Now().Add(-time.Hour), Channel: "phone",
		Categories: []kasuhara.Category{"violence_abuse"}, Subtypes: []string{"shouting"}, Conduct: "匿名の通報"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.Exclude(ctx, legal, c.ID, excluded.actor.UserID); err != nil {
		t.Fatal(err)
	}
	w.ids["cases"] = c.ID
	w.facts = access.CaseFacts{OrgID: e.org.ID, ReporterID: reporter.actor.UserID, DepartmentID: shops["p"]}
	w.cases = []caseVariant{{c.ID, w.facts},
		{hidden.ID, access.CaseFacts{OrgID: e.org.ID, ReporterID: reporter.actor.UserID, DepartmentID: shops["p"], HiddenFromSupervisor: true}},
		{anon.ID, access.CaseFacts{OrgID: e.org.ID}}}
	if task, err := e.st.AddTask(ctx, desk, c.ID, "電話"); err == nil {
		w.ids["task"] = task.ID
	} else {
		t.Fatal(err)
	}
	list, err := e.st.Customers(ctx, desk, "09011110000")
	if err != nil || len(list) != 1 {
		t.Fatalf("customers: %v %v", list, err)
	}
	w.ids["customers"] = list[0].ID
	m, err := e.st.ProposeMeasure(ctx, desk, list[0].ID, kasuhara.NewMeasure{Checks: testChecks, Level: "discontinued", Reason: "繰り返し", ReviewAt: time.Now().AddDate(0, 6, 0)})
	if err != nil {
		t.Fatal(err)
	}
	w.ids["measure"] = m.ID
	post, err := e.st.CreatePost(ctx, desk, kasuhara.OnlinePost{URL: "https://sns.example/p/1", Platform: "X", CapturedText: "晒し"})
	if err != nil {
		t.Fatal(err)
	}
	w.ids["online-posts"] = post.ID
	coop, err := e.st.CreateCooperationRequest(ctx, desk, kasuhara.CooperationRequest{Direction: kasuhara.CooperationReceived, Employer: "乙社",
		Asked: "事実確認", CaseID: c.ID})
	if err != nil {
		t.Fatal(err)
	}
	w.ids["cooperation"] = coop.ID
	share, err := e.st.RecordShare(ctx, desk, coop.ID, kasuhara.ShareChoice{Fields: []string{kasuhara.ShareConduct}}, []byte("%PDF-1.4"))
	if err != nil {
		t.Fatal(err)
	}
	w.ids["share"] = share.ID
	sp, err := e.st.AddSpecialist(ctx, legal, kasuhara.Specialist{Kind: kasuhara.ReferralKinds[0], Name: "弁護士 甲"})
	if err != nil {
		t.Fatal(err)
	}
	w.ids["specialists"] = sp.ID
	doc := e.publishedPolicy(t, admin, kasuhara.PolicyBasic, false, kasuhara.PolicyText{TitleJa: "基本方針", BodyJa: "本文", TitleEn: "Policy", BodyEn: "Body"})
	w.ids["policies"], w.ids["admin/policies"] = doc.ID, doc.ID
	w.ids["admin/users"] = spare.actor.UserID
	g, err := e.st.RequestGrant(ctx, admin, kasuhara.NewGrant{OrgID: e.org.ID, UserID: spare.actor.UserID, Kind: kasuhara.GrantRole, Role: kasuhara.RoleDesk})
	if err != nil {
		t.Fatal(err)
	}
	w.ids["grant-requests"] = g.ID
	w.ids["admin/departments"] = hq.ID
	it, err := e.st.ReceiveMail(ctx, kasuhara.SystemActor, e.org.ID, kasuhara.InboundMail{FromAddress: "someone@else.example", Subject: "相談", Body: "怒鳴られた",
		Attachments: []kasuhara.IntakeAttachment{{BlobID: strings.Repeat("0", 32), Filename: "a.png", MediaType: "image/png", Size: 1, SHA256: strings.Repeat("0", 64)}}})
	if err != nil {
		t.Fatal(err)
	}
	w.ids["intake"], w.ids["attachment"] = it.ID, it.Attachments[0].ID
	call, _, err := e.st.CallEnded(ctx, kasuhara.SystemActor, e.org.ID, kasuhara.CallEvent{Source: kasuhara.CallSourceSIP, CallID: "c1", Caller: "0312345678",
		AgentEmail: "p-reporter@roles.example", DurationSeconds: 60})
	if err != nil {
		t.Fatal(err)
	}
	w.ids["calls"], w.ids["call-agent"] = call.ID, reporter.actor.UserID
	return w, people
}
