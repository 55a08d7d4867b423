package web

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/credential"
	"github.com/kasuhara/kasuhara/internal/i18n"
	"github.com/kasuhara/kasuhara/internal/store"
	"github.com/kasuhara/kasuhara/internal/throttle"
)

// The session keys of issue 23 besides the user and the credential stamp:
// when the session signed in and was last seen (Unix seconds; the
// organisation's absolute and idle lifetimes are counted from them), the
// device in words, whether it signed in with a second factor, when the
// person last proved who they are (the sign-in or a re-authentication),
// and for a company sign-in the organisation whose provider signed the
// person in and the subject it named (re-authentication goes back there
// and must name the same person).
const (
	sessionSignedInKey     = store.SessionSignedInKey
	sessionDeviceKey       = store.SessionDeviceKey
	sessionSeenKey         = "seen"
	sessionSecondFactorKey = "second_factor"
	sessionReauthKey       = "reauth_at"
	sessionSSOOrgKey       = "sso_org"
	sessionSSOSubjectKey   = "sso_subject"
)

// signInBy is how a session signed in: with a second factor after the
// password, or through an organisation's provider (whose sign-in is the
// company's own, second factor included: the TOTP rule is for password
// accounts).
type signInBy struct {
	SecondFactor bool
	SSOOrg       string // the organisation of the provider, for a company sign-in
	SSOSubject   string
}

// reauthWindow is how recently a person must have given their password or
// code before the most sensitive actions (recentAuth).
const reauthWindow = 10 * time.Minute

// startSession signs u in on this request's session: a new id (an id
// planted before sign-in is useless), the user, the stamp of their
// password, the times, the device and how they signed in.
func (s *Server) startSession(r *http.Request, u *kasuhara.User, by signInBy) error {
	ctx := r.Context()
	if err := s.sessions.RenewToken(ctx); err != nil {
		return err
	}
	now := s.Now().Unix()
	for _, k := range []string{pendingUserKey, pendingStampKey, pendingAtKey, sessionSSOOrgKey, sessionSSOSubjectKey} {
		s.sessions.Remove(ctx, k)
	}
	s.sessions.Put(ctx, sessionUserKey, u.ID)
	s.sessions.Put(ctx, sessionStampKey, u.CredentialStamp)
	s.sessions.Put(ctx, sessionSignedInKey, now)
	s.sessions.Put(ctx, sessionSeenKey, now)
	s.sessions.Put(ctx, sessionReauthKey, now)
	s.sessions.Put(ctx, sessionSecondFactorKey, by.SecondFactor)
	s.sessions.Put(ctx, sessionDeviceKey, deviceName(r.UserAgent()))
	if by.SSOOrg != "" {
		s.sessions.Put(ctx, sessionSSOOrgKey, by.SSOOrg)
		s.sessions.Put(ctx, sessionSSOSubjectKey, by.SSOSubject)
	}
	return nil
}

// viaSSO reports whether this request's session signed in through a
// company's provider.
func (s *Server) viaSSO(ctx context.Context) bool {
	return s.sessions.GetString(ctx, sessionSSOOrgKey) != ""
}

// sessionRules applies the organisation's rules to a session's viewer: a
// session past its idle or absolute lifetime ends (nil viewer), and a
// person whose role must use a second factor and whose session signed in
// without one is marked to set it up (not a company sign-in: the
// provider is the second factor). The server's own --session-idle and
// --session-lifetime stay the upper bounds (scs's cookie and store).
func (s *Server) sessionRules(ctx context.Context, v *viewer) (*viewer, error) {
	if s.TwoFactor == nil {
		return v, nil
	}
	rules, err := s.TwoFactor.SignInSettings(ctx, v.Org.ID)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	signedIn, seen := s.sessions.GetInt64(ctx, sessionSignedInKey), s.sessions.GetInt64(ctx, sessionSeenKey)
	if signedIn == 0 {
		// A session from before these rules: counted from now.
		signedIn, seen = now.Unix(), now.Unix()
		s.sessions.Put(ctx, sessionSignedInKey, signedIn)
	}
	if now.Sub(time.Unix(signedIn, 0)) > time.Duration(rules.SessionLifetimeHours)*time.Hour ||
		now.Sub(time.Unix(seen, 0)) > time.Duration(rules.SessionIdleMinutes)*time.Minute {
		return nil, s.sessions.Destroy(ctx)
	}
	s.sessions.Put(ctx, sessionSeenKey, now.Unix())
	v.ViaSSO = s.viaSSO(ctx)
	v.MustSetUpTwoFactor = rules.Requires(v.Membership.Role) && !s.sessions.GetBool(ctx, sessionSecondFactorKey) && !v.ViaSSO
	return v, nil
}

// deviceName is a User-Agent in words, "Chrome / Windows": the browser and
// the system, nothing that tells one person's phone from another's.
func deviceName(ua string) string {
	has := func(s ...string) bool {
		for _, x := range s {
			if strings.Contains(ua, x) {
				return true
			}
		}
		return false
	}
	var browser, system string
	switch {
	case has("Edg/", "EdgA/", "EdgiOS/"):
		browser = "Edge"
	case has("OPR/", "Opera"):
		browser = "Opera"
	case has("SamsungBrowser/"):
		browser = "Samsung Internet"
	case has("Firefox/", "FxiOS/"):
		browser = "Firefox"
	case has("Chrome/", "CriOS/", "Chromium/"):
		browser = "Chrome"
	case has("Safari/"):
		browser = "Safari"
	}
	switch {
	case has("iPhone"):
		system = "iPhone"
	case has("iPad"):
		system = "iPad"
	case has("Android"):
		system = "Android"
	case has("Windows"):
		system = "Windows"
	case has("Mac OS X", "Macintosh"):
		system = "Mac"
	case has("CrOS"):
		system = "ChromeOS"
	case has("Linux"):
		system = "Linux"
	}
	switch {
	case browser != "" && system != "":
		return browser + " / " + system
	case browser != "":
		return browser
	default:
		return system
	}
}

// currentSession is the digest of this request's session id, as the store
// keeps it.
func (s *Server) currentSession(ctx context.Context) string {
	return credential.Digest(s.sessions.Token(ctx))
}

// browserOnly refuses a request with an API token: the second factor,
// the list of sessions and re-authentication belong to the browser's
// session.
func browserOnly(v *viewer) error {
	if v.ViaToken {
		return kasuhara.Errorf(kasuhara.EFORBIDDEN, "this page is for the browser's session, not an API token")
	}
	return nil
}

func (s *Server) sessionsPage(w http.ResponseWriter, r *http.Request) error {
	v := viewerFrom(r.Context())
	if err := browserOnly(v); err != nil {
		return err
	}
	list, err := s.TwoFactor.OwnSessions(r.Context(), v.Actor, s.currentSession(r.Context()))
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "sessions", &page{Title: "sessions.title", Nav: "account", Data: list})
}

// endOtherSessions signs the person out everywhere but here.
func (s *Server) endOtherSessions(w http.ResponseWriter, r *http.Request) error {
	v := viewerFrom(r.Context())
	if err := browserOnly(v); err != nil {
		return err
	}
	if _, err := s.TwoFactor.EndOtherSessions(r.Context(), v.Actor, s.currentSession(r.Context())); err != nil {
		return err
	}
	return s.done(w, r, "sessions.ended_others", "/account/sessions")
}

// adminEndSessions ends every session of a user (the administrator's
// action on the users page; audited, the user mailed).
func (s *Server) adminEndSessions(w http.ResponseWriter, r *http.Request) error {
	v, _, org, m, err := s.adminTarget(r)
	if err != nil {
		return err
	}
	if _, err := s.TwoFactor.EndSessions(r.Context(), v.Actor, m.User.ID); err != nil {
		return err
	}
	return s.done(w, r, "admin.users.sessions_ended", "/admin/users?org="+org.Slug)
}

// recentAuth guards the most sensitive actions (approving a measure,
// exports, the evidence package, retention): the person must have given
// their password or code within reauthWindow. Otherwise a GET shows the
// re-authentication form, which posts to /account/reauth and comes back;
// a POST shows it with the request's own fields, and the form's POST
// re-authenticates and carries the action out. API tokens are not asked
// (a token is a credential of its own, see docs/api.md).
func (s *Server) recentAuth(h handler) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		v := viewerFrom(r.Context())
		if v == nil || v.ViaToken || s.TwoFactor == nil {
			return h(w, r)
		}
		ctx := r.Context()
		if at := s.sessions.GetInt64(ctx, sessionReauthKey); at != 0 && s.Now().Sub(time.Unix(at, 0)) <= reauthWindow {
			return h(w, r)
		}
		if r.Method != http.MethodPost {
			return s.renderReauth(w, r, http.StatusUnauthorized, "/account/reauth", map[string][]string{"next": {r.URL.RequestURI()}}, nil)
		}
		if isAPI(r) {
			return kasuhara.Errorf(kasuhara.EFORBIDDEN, "re-authenticate first: sign in again, or use an API token")
		}
		if err := r.ParseForm(); err != nil {
			return err
		}
		fields := map[string][]string{}
		for k, vs := range r.PostForm {
			if !strings.HasPrefix(k, "reauth_") {
				fields[k] = vs
			}
		}
		if !r.PostForm.Has("reauth_password") && !r.PostForm.Has("reauth_code") {
			return s.renderReauth(w, r, http.StatusUnauthorized, r.URL.Path, fields, nil)
		}
		errs, err := s.checkReauth(r, v)
		if err != nil {
			return err
		}
		if len(errs) > 0 {
			return s.renderReauth(w, r, http.StatusUnauthorized, r.URL.Path, fields, errs)
		}
		for k := range r.PostForm {
			if strings.HasPrefix(k, "reauth_") {
				r.PostForm.Del(k)
				r.Form.Del(k)
			}
		}
		return h(w, r)
	}
}

// reauthData is what the re-authentication form needs: where it posts,
// the fields it carries along, whether a code is an alternative, whether
// the session goes back to its company's provider instead (SSO), and
// whether the person has just confirmed and has only to carry the action
// out (Confirmed).
type reauthData struct {
	Action    string
	Fields    map[string][]string
	TwoFactor bool
	SSO       bool
	Confirmed bool
}

func (s *Server) renderReauth(w http.ResponseWriter, r *http.Request, status int, action string, fields map[string][]string, errs map[string]string) error {
	return s.renderReauthPage(w, r, status, reauthData{Action: action, Fields: fields}, errs, "")
}

func (s *Server) renderReauthPage(w http.ResponseWriter, r *http.Request, status int, d reauthData, errs map[string]string, flash string) error {
	v := viewerFrom(r.Context())
	tf, err := s.TwoFactor.TwoFactor(r.Context(), v.User.ID)
	if err != nil {
		return err
	}
	if errs == nil {
		errs = map[string]string{}
	}
	d.TwoFactor, d.SSO = tf.Enabled, s.viaSSO(r.Context())
	p := &page{Title: "reauth.title", Form: &form{Values: map[string]string{}, Errors: errs}, Data: d}
	if flash != "" {
		p.Flash, p.FlashKind = flash, "error"
	}
	return s.render(w, r, status, "reauth", p)
}

// checkReauth checks the password, or the code for a person with a second
// factor, of a re-authentication form, throttled as at sign-in; the field
// errors when wrong, and the time noted in the session when right.
func (s *Server) checkReauth(r *http.Request, v *viewer) (map[string]string, error) {
	ctx := r.Context()
	loc := s.Catalog.Localizer(langFrom(ctx))
	password, code := r.PostFormValue("reauth_password"), strings.TrimSpace(r.PostFormValue("reauth_code"))
	field := "reauth_password"
	var problem string
	var err error
	switch {
	case code != "":
		field = "reauth_code"
		problem, err = throttledCheck(ctx, loc, s.codeUser, "code:"+v.User.ID, kasuhara.FieldWrongCode, func() error {
			return s.TwoFactor.VerifySecondFactor(ctx, v.User.ID, code)
		})
	case password != "":
		problem, err = throttledCheck(ctx, loc, s.loginPair, "pair:"+v.User.Email+"|"+s.clientIP(r), kasuhara.FieldWrongPassword, func() error {
			_, err := s.Users.Authenticate(ctx, v.User.Email, password)
			return err
		})
	default:
		problem = translateField(loc, kasuhara.FieldError{Code: kasuhara.FieldRequired})
	}
	if err != nil {
		return nil, err
	}
	if problem != "" {
		return map[string]string{field: problem}, nil
	}
	s.sessions.Put(ctx, sessionReauthKey, s.Now().Unix())
	return nil, nil
}

// throttledCheck runs check unless counter blocks key, and counts a wrong
// answer (EUNAUTH) against key; the problem to show in the field, empty
// when check passed.
func throttledCheck(ctx context.Context, loc *i18n.Localizer, counter throttle.Counter, key string, wrong kasuhara.FieldCode, check func() error) (string, error) {
	if blocked, _, err := counter.Blocked(ctx, key); err != nil {
		return "", err
	} else if blocked {
		return loc.T("login.throttled_short"), nil
	}
	if err := check(); kasuhara.ErrorCode(err) == kasuhara.EUNAUTH {
		if err := counter.Fail(ctx, key); err != nil {
			return "", err
		}
		return translateField(loc, kasuhara.FieldError{Code: wrong}), nil
	} else if err != nil {
		return "", err
	}
	return "", nil
}

// reauthPage is the re-authentication form on its own, for a link.
func (s *Server) reauthPage(w http.ResponseWriter, r *http.Request) error {
	if err := browserOnly(viewerFrom(r.Context())); err != nil {
		return err
	}
	return s.renderReauth(w, r, http.StatusOK, "/account/reauth", map[string][]string{"next": {nextPath(r.URL.Query().Get("next"))}}, nil)
}

// reauth re-authenticates and goes on to the page asked for.
func (s *Server) reauth(w http.ResponseWriter, r *http.Request) error {
	if err := browserOnly(viewerFrom(r.Context())); err != nil {
		return err
	}
	next := nextPath(r.PostFormValue("next"))
	errs, err := s.checkReauth(r, viewerFrom(r.Context()))
	if err != nil {
		return err
	}
	if len(errs) > 0 {
		return s.renderReauth(w, r, http.StatusUnauthorized, "/account/reauth", map[string][]string{"next": {next}}, errs)
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

// reauthSSO sends a person who signed in with a company account back to
// its provider to sign in again (prompt=login, max_age=0); ssoCallback
// takes the answer (ssoReauthCallback). The form carries what the
// re-authentication page carried: next for a page, or reauth_action and
// the fields of a form's POST, carried out after.
func (s *Server) reauthSSO(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	v := viewerFrom(ctx)
	if err := browserOnly(v); err != nil {
		return err
	}
	orgID := s.sessions.GetString(ctx, sessionSSOOrgKey)
	if orgID == "" || s.Directory == nil {
		return kasuhara.Errorf(kasuhara.EFORBIDDEN, "this session did not sign in with a company account: confirm with the password")
	}
	if err := r.ParseForm(); err != nil {
		return err
	}
	var flow ssoFlow
	next := "/"
	if action := r.PostFormValue("reauth_action"); action == "" || action == "/account/reauth" {
		next = nextPath(r.PostFormValue("next"))
	} else {
		if localPath(action) != action || strings.ContainsAny(action, "?#") {
			return &kasuhara.Error{Code: kasuhara.EINVALID, Message: "reauth_action: a path of this site"}
		}
		flow.Action, flow.Fields = action, map[string][]string{}
		for k, vs := range r.PostForm {
			if !strings.HasPrefix(k, "reauth_") {
				flow.Fields[k] = vs
			}
		}
		next = action
	}
	st, err := s.Directory.SSOForOrg(ctx, orgID)
	if err != nil {
		return err
	}
	authURL, f, err := s.sso.BeginReauth(ctx, st, next)
	if err != nil {
		s.Logger.Warn("re-authentication: provider unreachable", "request_id", requestID(ctx), "err", err)
		return s.renderReauthPage(w, r, http.StatusBadGateway, reauthData{Action: reauthAction(flow), Fields: reauthFields(flow)}, nil, "sso.provider_down")
	}
	flow.Flow = f
	b, err := json.Marshal(flow)
	if err != nil {
		return err
	}
	s.sessions.Put(ctx, sessionSSOFlowKey, string(b))
	return s.render(w, r, http.StatusOK, "sso_redirect", &page{Title: "sso.redirect.title", Refresh: authURL, Data: authURL})
}

// reauthAction and reauthFields are what a re-authentication page posts
// again for flow: the action and its fields, or a page to go on to.
func reauthAction(f ssoFlow) string {
	if f.Action != "" {
		return f.Action
	}
	return "/account/reauth"
}

func reauthFields(f ssoFlow) map[string][]string {
	if f.Action != "" {
		return f.Fields
	}
	return map[string][]string{"next": {nextPath(f.Next)}}
}

// ssoReauthCallback takes the provider's answer to a re-authentication:
// the ID token must be fresh (sso.ErrNotFresh otherwise) and name the
// person this session signed in as. Then the time is noted, and the person
// goes on to the page, or is shown the form's action to carry out.
func (s *Server) ssoReauthCallback(w http.ResponseWriter, r *http.Request, flow ssoFlow) error {
	ctx := r.Context()
	v := viewerFrom(ctx)
	if v == nil || v.ViaToken || s.sessions.GetString(ctx, sessionSSOOrgKey) != flow.OrgID {
		// Signed out meanwhile, or another session's answer.
		return s.renderLogin(w, r, http.StatusBadRequest, nil, "sso.failed", "error")
	}
	again := func(flash string) error {
		return s.renderReauthPage(w, r, http.StatusUnauthorized, reauthData{Action: reauthAction(flow), Fields: reauthFields(flow)}, nil, flash)
	}
	q := r.URL.Query()
	if q.Get("error") != "" {
		return again("reauth.sso_failed")
	}
	st, err := s.Directory.SSOForOrg(ctx, flow.OrgID)
	if err != nil {
		return err
	}
	person, err := s.sso.Finish(ctx, st, flow.Flow, q.Get("state"), q.Get("code"))
	if err != nil {
		s.Logger.Warn("re-authentication refused", "request_id", requestID(ctx), "err", err)
		return again("reauth.sso_failed")
	}
	if person.Subject != s.sessions.GetString(ctx, sessionSSOSubjectKey) {
		s.Logger.Warn("re-authentication refused: the provider named another person", "request_id", requestID(ctx))
		return again("reauth.sso_other_person")
	}
	s.sessions.Put(ctx, sessionReauthKey, s.Now().Unix())
	if flow.Action == "" {
		http.Redirect(w, r, nextPath(flow.Next), http.StatusSeeOther)
		return nil
	}
	return s.renderReauthPage(w, r, http.StatusOK, reauthData{Action: flow.Action, Fields: flow.Fields, Confirmed: true}, nil, "")
}
