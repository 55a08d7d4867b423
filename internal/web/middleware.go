package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"runtime/debug"
	"strings"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/access"
	"github.com/kasuhara/kasuhara/internal/i18n"
)

type ctxKey int

const (
	keyRequestID ctxKey = iota
	keyViewer
	keyLang
	keyRoute
)

// routeHolder carries the matched route pattern out to observe, which runs
// before the mux has matched.
type routeHolder struct{ pattern string }

// recordRoute notes which pattern of mux serves r.
func recordRoute(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h, ok := r.Context().Value(keyRoute).(*routeHolder); ok {
			_, h.pattern = mux.Handler(r)
		}
		mux.ServeHTTP(w, r)
	})
}

// requestID returns the request's id.
func requestID(ctx context.Context) string {
	id, _ := ctx.Value(keyRequestID).(string)
	return id
}

func newRequestID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// statusWriter remembers the status code for logs and metrics.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// observe gives each request an id, recovers from panics, and logs and
// counts the request. The log line has the route pattern, never the URL:
// paths and queries can carry identifiers, phone numbers or tokens.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := newRequestID()
		w.Header().Set("X-Request-Id", id)
		route := &routeHolder{}
		ctx := context.WithValue(r.Context(), keyRequestID, id)
		r = r.WithContext(context.WithValue(ctx, keyRoute, route))
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.Logger.Error("panic", "request_id", id, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				if sw.status == 0 {
					s.writeError(sw, r, fmt.Errorf("panic: %v", v))
				}
			}
			status := sw.status
			if status == 0 {
				status = http.StatusOK
			}
			if route.pattern == "" {
				route.pattern = "unmatched"
			}
			d := time.Since(start)
			s.metrics.observe(route.pattern, r.Method, status, d)
			level := slog.LevelInfo
			if status >= 500 {
				level = slog.LevelError
			}
			s.Logger.LogAttrs(r.Context(), level, "request", slog.String("request_id", id), slog.String("method", r.Method),
				slog.String("route", route.pattern), slog.Int("status", status), slog.Int64("bytes", sw.bytes),
				slog.Float64("ms", float64(d.Microseconds())/1000))
		}()
		next.ServeHTTP(sw, r)
	})
}

// contentSecurityPolicy allows only the server's own scripts, styles and
// images: no inline script or style, no framing, forms only to this site.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
	"connect-src 'self'; media-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// securityHeaders sets the headers every response carries.
func (s *Server) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
		if s.secureCookies {
			h.Set("Strict-Transport-Security", "max-age=63072000")
		}
		next.ServeHTTP(w, r)
	})
}

// crossOrigin refuses state-changing requests from other sites (CSRF), using
// the browser's Sec-Fetch-Site and Origin headers. Requests without them
// (API clients with a bearer token) pass.
func (s *Server) crossOrigin(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, &kasuhara.Error{Code: kasuhara.EFORBIDDEN, Message: "cross-origin request refused"})
	}))
	return cop.Handler(next)
}

// viewer is the signed-in person as a request sees them. Actor is the same
// person as the services take them, made once when the viewer is loaded.
type viewer struct {
	User       *kasuhara.User
	Membership kasuhara.Membership
	Org        *kasuhara.Org
	Actor      kasuhara.Actor
	ViaToken   bool
	// MustSetUpTwoFactor: the organisation requires a second factor of the
	// viewer's role and this session was not signed in with one; only the
	// set-up pages are open (requireUser).
	MustSetUpTwoFactor bool
	// ViaSSO: this session was signed in through the company's provider,
	// so the account's password and second factor are the company's, not
	// Kasuhara's: the account pages leave them out.
	ViaSSO bool
}

func viewerFrom(ctx context.Context) *viewer {
	v, _ := ctx.Value(keyViewer).(*viewer)
	return v
}

// sessionUserKey is the session key of the signed-in user's id.
const sessionUserKey = "user_id"

// sessionStampKey holds the user's CredentialStamp at sign-in: a change of
// password ends every session that holds the old one.
const sessionStampKey = "credential"

// identify finds who is asking, from the bearer token or, except on the
// anonymous channel, the session cookie, and the request's language. It
// returns r with both in its context.
func (s *Server) identify(w http.ResponseWriter, r *http.Request, anonymous bool) (*http.Request, error) {
	ctx := r.Context()
	var v *viewer
	if auth := r.Header.Get("Authorization"); auth != "" {
		secret, ok := strings.CutPrefix(auth, "Bearer ")
		if !ok {
			return r, &kasuhara.Error{Code: kasuhara.EUNAUTH, Message: "use Authorization: Bearer TOKEN"}
		}
		id, err := s.Tokens.TokenIdentity(ctx, strings.TrimSpace(secret))
		if err != nil {
			return r, err
		}
		if v, err = newViewer(id); err != nil {
			return r, err
		}
		v.ViaToken = true
	} else if anonymous {
		// No session on the anonymous channel.
	} else if id := s.sessions.GetString(ctx, sessionUserKey); id != "" {
		who, err := s.Users.UserIdentity(ctx, id)
		if err != nil && kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
			return r, err
		}
		if who == nil || who.User.Disabled || s.sessions.GetString(ctx, sessionStampKey) != who.User.CredentialStamp {
			// The account was removed or disabled, or its password changed,
			// since sign-in.
			s.sessions.Destroy(ctx)
		} else if v, err = newViewer(who); err != nil {
			return r, err
		} else if v, err = s.sessionRules(ctx, v); err != nil {
			return r, err
		}
	}
	if v != nil {
		ctx = context.WithValue(ctx, keyViewer, v)
	}
	userLang := ""
	if v != nil {
		userLang = v.User.Language
	}
	cookie := ""
	if c, err := r.Cookie("lang"); err == nil {
		cookie = c.Value
	}
	lang := i18n.Negotiate(userLang, cookie, r.Header.Get("Accept-Language"))
	ctx = context.WithValue(ctx, keyLang, lang)
	w.Header().Add("Vary", "Accept-Language")
	return r.WithContext(ctx), nil
}

// newViewer is the viewer of an identity: the user's organisation and role
// are those of the oldest membership, read with the user in one statement
// (TokenIdentity, UserIdentity) on every request, never kept.
func newViewer(id *kasuhara.Identity) (*viewer, error) {
	if id.Org == nil {
		return nil, &kasuhara.Error{Code: kasuhara.EFORBIDDEN, Message: "the account belongs to no organisation"}
	}
	u, m := id.User, id.Membership
	return &viewer{User: u, Membership: m, Org: id.Org,
		Actor: kasuhara.Actor{UserID: u.ID, OrgID: id.Org.ID, Role: m.Role, DepartmentID: m.DepartmentID}}, nil
}

func langFrom(ctx context.Context) string {
	if l, ok := ctx.Value(keyLang).(string); ok {
		return l
	}
	return i18n.Default
}

// clientIP is the address of the client: the connection's, or behind a
// trusted reverse proxy (--trusted-proxies) the one the proxies forwarded;
// see docs/operations.md.
func (s *Server) clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil || !s.trusted(peer) {
		return host
	}
	// Behind a trusted proxy: the rightmost address that is not one of the
	// trusted proxies is the client (the addresses left of it are whatever
	// the client wrote). X-Forwarded-For first, else Forwarded's for=.
	hops := forwardedFor(r.Header)
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(hops[i])
		if err != nil {
			break // a hop that is no address (unknown, _hidden): stop here
		}
		client = a.Unmap()
		if !s.trusted(client) {
			break
		}
	}
	return client.String()
}

func (s *Server) trusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range s.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// forwardedFor returns the hops of X-Forwarded-For, or else of Forwarded's
// for= parameters, in order, without ports or brackets.
func forwardedFor(h http.Header) []string {
	var hops []string
	for _, v := range h.Values("X-Forwarded-For") {
		for _, p := range strings.Split(v, ",") {
			hops = append(hops, strings.TrimSpace(p))
		}
	}
	if len(hops) > 0 {
		return hops
	}
	for _, v := range h.Values("Forwarded") {
		for _, elem := range strings.Split(v, ",") {
			for _, pair := range strings.Split(elem, ";") {
				k, val, ok := strings.Cut(strings.TrimSpace(pair), "=")
				if !ok || !strings.EqualFold(k, "for") {
					continue
				}
				val = strings.Trim(val, `"`)
				if strings.HasPrefix(val, "[") {
					if end := strings.Index(val, "]"); end > 0 {
						val = val[1:end]
					}
				} else if host, _, err := net.SplitHostPort(val); err == nil {
					val = host
				}
				hops = append(hops, val)
			}
		}
	}
	return hops
}

// loginURL is the sign-in page that returns to the page asked for (a GET of
// a page other than home; the path and query only, see localPath).
func loginURL(r *http.Request) string {
	if r.Method != http.MethodGet || r.URL.Path == "/" {
		return "/login"
	}
	return "/login?next=" + url.QueryEscape(r.URL.RequestURI())
}

// requireUser sends people who are not signed in to the sign-in page (or a
// 401 for the API), and people who must change a one-time password to the
// password page, unless the route is that page (oneTimePassword), and
// people who must set up a second factor to its pages (twoFactorSetup).
func (s *Server) requireUser(next handler, oneTimePassword, twoFactorSetup bool) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		v := viewerFrom(r.Context())
		if v == nil {
			if isAPI(r) {
				return &kasuhara.Error{Code: kasuhara.EUNAUTH, Message: "sign in or send Authorization: Bearer TOKEN"}
			}
			http.Redirect(w, r, loginURL(r), http.StatusSeeOther)
			return nil
		}
		if v.User.MustChangePassword && !v.ViaToken && !oneTimePassword {
			if isAPI(r) {
				return kasuhara.Errorf(kasuhara.EFORBIDDEN, "change your one-time password first")
			}
			http.Redirect(w, r, "/account/password", http.StatusSeeOther)
			return nil
		}
		if v.MustSetUpTwoFactor && !oneTimePassword && !twoFactorSetup {
			if isAPI(r) {
				return kasuhara.Errorf(kasuhara.EFORBIDDEN, "set up two-step verification first")
			}
			http.Redirect(w, r, "/account/two-factor", http.StatusSeeOther)
			return nil
		}
		return next(w, r)
	}
}

func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }

// allow is EFORBIDDEN unless the viewer's role may perform action.
func (s *Server) allow(r *http.Request, action access.Action) error {
	if !access.Can(viewerFrom(r.Context()).Membership.Role, action) {
		return kasuhara.Errorf(kasuhara.EFORBIDDEN, "not allowed: %s", action)
	}
	return nil
}
