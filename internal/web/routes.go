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

	// Sign-in and account.
	mux.HandleFunc("GET /login", s.loginPage)
	mux.HandleFunc("POST /login", s.login)
	mux.HandleFunc("POST /logout", s.logout)
	mux.HandleFunc("POST /language", s.setLanguage)
	mux.Handle("GET /account/password", s.requireUser(s.passwordPage))
	mux.Handle("POST /account/password", s.requireUser(s.changePassword))

	// Signed-in pages.
	mux.Handle("GET /{$}", s.requireUser(s.home))
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

	// The API. openapi.json documents every route registered with api().
	api := func(pattern string, h http.Handler) {
		s.apiPatterns = append(s.apiPatterns, pattern)
		mux.Handle(pattern, h)
	}
	api("GET /api/v1/openapi.json", http.HandlerFunc(s.openAPI))
	api("GET /api/v1/me", s.requireUser(s.apiMe))
	mux.HandleFunc("/api/", s.apiNotFound)

	mux.HandleFunc("/", s.notFound)

	h := recordRoute(mux)
	h = s.identify(h)
	h = s.sessions.LoadAndSave(h)
	h = limitBody(MaxJSONBytes, h)
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
