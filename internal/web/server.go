// Package web serves the Kasuhara web UI and the /api/v1 JSON API.
//
// NewServer builds the whole http.Handler from its dependencies; routes.go
// lists every route with its policy, and wraps each handler once (a handler
// returns an error; writeError answers it as HTML or JSON). A resource X
// has X.go for its pages and what they share with the API, and X_api.go
// for its JSON handlers (cases.go and cases_api.go, customers.go and
// customers_api.go, ...); stats.go computes the figures that insight.go
// (the dashboard), stats_api.go, exports_api.go and annual_report.go show;
// download.go streams every document.
package web

import (
	"context"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/i18n"
	"github.com/kasuhara/kasuhara/internal/sso"
	"github.com/kasuhara/kasuhara/internal/throttle"
	"github.com/prometheus/client_golang/prometheus"
)

// Deps are what the server needs.
type Deps struct {
	Orgs     kasuhara.OrgService
	Users    kasuhara.UserService
	Tokens   kasuhara.TokenService
	Audit    kasuhara.AuditService
	Cases    kasuhara.CaseService
	Messages kasuhara.MessageService
	Checkins kasuhara.CheckinService
	// OnBehalf takes reports on behalf of employees (issue 25).
	OnBehalf kasuhara.OnBehalfService
	// CaseImports imports the old ledger of incidents (issue 25).
	CaseImports kasuhara.CaseImportService
	// Cooperation is the register of cooperation requests between
	// employers.
	Cooperation kasuhara.CooperationService
	Anonymous   kasuhara.AnonymousService
	Settings    kasuhara.SettingsService
	Customers   kasuhara.CustomerService
	Letters     kasuhara.LetterService
	Referrals   kasuhara.ReferralService
	Posts       kasuhara.OnlinePostService
	Policies    kasuhara.PolicyService
	Training    kasuhara.TrainingService
	Insight     kasuhara.InsightService
	// Compliance is the law's measures with their evidence (issue 22).
	Compliance kasuhara.ComplianceService
	Retention  kasuhara.RetentionService
	// TwoFactor keeps second factors, the organisations' sign-in rules and
	// the list of a person's sessions (issue 23); nil signs in with the
	// password alone and applies no per-organisation session rules.
	TwoFactor kasuhara.TwoFactorService
	// Idempotency keeps the keys of forms and API requests that create
	// something, so that a repeat files nothing; nil files every request.
	Idempotency kasuhara.IdempotencyService
	// Notifications are the in-app notices (the store); nil shows none.
	Notifications kasuhara.NotificationService
	// Intake is the desk's mailbox (the store); nil hides it.
	Intake kasuhara.IntakeService
	// Calls are the phone systems' call drafts (the store).
	Calls kasuhara.CallService
	// Chat are the chat destinations (issue 25); nil hides them.
	Chat kasuhara.ChatService
	// ChatLineWorks: the operator set up a LINE WORKS bot (--lineworks-*),
	// so its destinations are offered.
	ChatLineWorks bool
	// Calendar is the calendar feed of a person's deadlines; nil hides it.
	Calendar kasuhara.CalendarService
	// Directory is company sign-in and provisioning; nil offers neither.
	Directory kasuhara.DirectoryService
	// Provisioning is SCIM at /scim/v2; nil answers 404 there.
	Provisioning kasuhara.ProvisioningService
	Blobs        Blobs
	Sessions     scs.Store
	// Ready reports whether the database answers (for /readyz).
	Ready func(context.Context) error
	// Throttles makes the limiters (sign-in, wrong receipts, anonymous
	// filing, look-ups); nil keeps them in the process, each server
	// counting alone. Several servers on one database share the store's
	// (issue 24).
	Throttles throttle.Factory
	// ClientKey is the key of the HMAC of a client's address that the
	// anonymous channel's limits count by; servers that share their
	// throttles share it. Nil makes a random one that lives in memory only.
	ClientKey []byte

	Catalog *i18n.Catalog
	Logger  *slog.Logger
	// Registry receives the server's metrics; nil makes a new one.
	Registry *prometheus.Registry

	BaseURL         string // https:// makes cookies Secure
	SessionIdle     time.Duration
	SessionLifetime time.Duration
	Version         string
	Now             func() time.Time
	// TrustedProxies are the reverse proxies whose X-Forwarded-For or
	// Forwarded header names the client (see clientIP).
	TrustedProxies []netip.Prefix
	// AnonymousBudget is how many anonymous reports an hour, from all
	// clients together, are taken before the next are held for the desk's
	// review (0: DefaultAnonymousBudget).
	AnonymousBudget int
	// MaxUpload is the largest evidence file accepted (default 100 MiB).
	MaxUpload int64
	// MailConfigured: a mail server is set (--smtp), for the
	// administrator's setup checklist.
	MailConfigured bool
}

// MaxJSONBytes limits every request body except those carrying files
// (see uploadLimit).
const MaxJSONBytes = 1 << 20

// Server is the web application.
type Server struct {
	Deps
	sessions      *scs.SessionManager
	templates     map[string]map[string]*template.Template // language → page → template
	assets        *assets
	metrics       *metrics
	loginAccount  throttle.Counter
	loginPair     throttle.Counter
	loginKnown    throttle.Remembered
	loginClient   throttle.Counter
	codeUser      throttle.Counter // wrong second-factor codes per account
	receiptClient throttle.Counter
	lookupUser    throttle.Counter
	// calendarClients and calendarFeeds count fetches of calendar feeds,
	// per client address and per feed.
	calendarClients throttle.Counter
	calendarFeeds   throttle.Counter
	anonFiling      throttle.Counter
	anonBudget      throttle.Counter // anonymous reports of all clients together
	clientSalt      []byte
	apiPatterns     []string
	handler         http.Handler
	secureCookies   bool
	verified        *verifiedFiles // files whose whole check serves the seeks after it
	sso             *sso.Client
}

// The slow-down of an account: after loginFreeFailures failed sign-ins
// within 15 minutes, one attempt a second after the last failure, doubling
// with each further failure up to loginMostDelay.
const (
	loginFreeFailures = 5
	loginMostDelay    = time.Minute
)

// NewServer returns the server with every route and middleware in place.
func NewServer(d Deps) (*Server, error) {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Registry == nil {
		d.Registry = prometheus.NewRegistry()
	}
	if d.MaxUpload == 0 {
		d.MaxUpload = 100 << 20
	}
	if d.AnonymousBudget <= 0 {
		d.AnonymousBudget = DefaultAnonymousBudget
	}
	if d.SessionIdle == 0 {
		d.SessionIdle = 30 * time.Minute
	}
	if d.SessionLifetime == 0 {
		d.SessionLifetime = 12 * time.Hour
	}
	// In the process, the sign-in limits count on the real clock and the
	// anonymous channel's on the server's; the store's count on its own.
	signIn, anon := d.Throttles, d.Throttles
	if d.Throttles == nil {
		signIn, anon = throttle.InProcess{}, throttle.InProcess{Now: d.Now}
	}
	s := &Server{
		Deps:            d,
		loginAccount:    signIn.Counter("login-account", loginFreeFailures, 15*time.Minute),
		loginPair:       signIn.Counter("login-pair", 5, 15*time.Minute),
		loginKnown:      signIn.Known("login-known", 30*24*time.Hour),
		loginClient:     signIn.Counter("login-client", 20, 15*time.Minute),
		codeUser:        signIn.Counter("login-code", 5, 15*time.Minute),
		lookupUser:      signIn.Counter("customer-lookup", 30, time.Minute),
		receiptClient:   anon.Counter("receipt", 10, 15*time.Minute),
		anonFiling:      anon.Counter("anonymous-filing", 10, time.Hour),
		anonBudget:      anon.Counter("anonymous-budget", d.AnonymousBudget, time.Hour),
		calendarClients: anon.Counter("calendar-client", calendarFetchesPerClient, time.Hour),
		calendarFeeds:   anon.Counter("calendar-feed", calendarFetchesPerFeed, time.Hour),
		clientSalt:      d.ClientKey,
		secureCookies:   strings.HasPrefix(d.BaseURL, "https://"),
		verified:        newVerifiedFiles(d.Now),
	}
	if s.clientSalt == nil {
		s.clientSalt = newSalt()
	}
	var err error
	if s.assets, err = loadAssets(); err != nil {
		return nil, err
	}
	if s.templates, err = s.parseTemplates(); err != nil {
		return nil, err
	}
	if s.metrics, err = newMetrics(d.Registry); err != nil {
		return nil, fmt.Errorf("web: metrics: %w", err)
	}
	sm := new(scs.SessionManager)
	*sm = *sessionDefaults
	sm.Store = d.Sessions
	sm.IdleTimeout = d.SessionIdle
	sm.Lifetime = d.SessionLifetime
	sm.Cookie.Name = "kasuhara_session"
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Secure = s.secureCookies
	sm.Cookie.Persist = false
	sm.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
		s.writeError(w, r, fmt.Errorf("web: session: %w", err))
	}
	s.sessions = sm
	s.sso = sso.NewClient(strings.TrimRight(d.BaseURL, "/") + "/login/sso/callback")
	s.sso.Now = d.Now
	s.handler = s.routes()
	return s, nil
}

// sessionDefaults holds scs's defaults, made once: scs.New also starts the
// cleanup goroutine of an in-memory store that a Server, which keeps its
// sessions in the database, never uses; made per server it was left running
// (and a test in a synctest bubble could not end).
var sessionDefaults = scs.New()

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }
