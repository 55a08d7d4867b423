package web

import (
	"errors"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/totp"
)

// The session keys of a sign-in between the password and the code: whose
// password was right, its stamp, and when (the code is asked for within
// pendingFor).
const (
	pendingUserKey  = "pending_user"
	pendingStampKey = "pending_credential"
	pendingAtKey    = "pending_at"
	pendingFor      = 5 * time.Minute
)

// askCode remembers that u gave the right password and sends them to the
// code page.
func (s *Server) askCode(w http.ResponseWriter, r *http.Request, u *kasuhara.User, next string) error {
	ctx := r.Context()
	// A new id here too: the half-signed-in session is not the one before.
	if err := s.sessions.RenewToken(ctx); err != nil {
		return err
	}
	// Whoever was signed in on this browser is not any more.
	for _, k := range []string{sessionUserKey, sessionStampKey, sessionSecondFactorKey, sessionReauthKey, sessionSSOOrgKey, sessionSSOSubjectKey} {
		s.sessions.Remove(ctx, k)
	}
	s.sessions.Put(ctx, pendingUserKey, u.ID)
	s.sessions.Put(ctx, pendingStampKey, u.CredentialStamp)
	s.sessions.Put(ctx, pendingAtKey, s.Now().Unix())
	target := "/login/code"
	if next != "/" {
		target += "?next=" + url.QueryEscape(next)
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
	return nil
}

// pendingUser is the user who gave the right password on this session and
// has yet to give a code, or nil.
func (s *Server) pendingUser(r *http.Request) (*kasuhara.User, error) {
	ctx := r.Context()
	id, at := s.sessions.GetString(ctx, pendingUserKey), s.sessions.GetInt64(ctx, pendingAtKey)
	if id == "" || s.Now().Sub(time.Unix(at, 0)) > pendingFor {
		return nil, nil
	}
	u, err := s.Users.UserByID(ctx, id)
	if kasuhara.ErrorCode(err) == kasuhara.ENOTFOUND {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if u.Disabled || u.CredentialStamp != s.sessions.GetString(ctx, pendingStampKey) {
		return nil, nil
	}
	return u, nil
}

func (s *Server) loginCodePage(w http.ResponseWriter, r *http.Request) error {
	u, err := s.pendingUser(r)
	if err != nil {
		return err
	}
	if u == nil {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return nil
	}
	next := nextPath(r.URL.Query().Get("next"))
	return s.render(w, r, http.StatusOK, "login_code", &page{Title: "login_code.title",
		Form: &form{Values: map[string]string{"next": next}, Errors: map[string]string{}}})
}

// loginCode takes the code of an authenticator app (or a recovery code)
// after the password. Wrong codes are throttled per account: past the
// limit the answer is 429 whatever the code.
func (s *Server) loginCode(w http.ResponseWriter, r *http.Request) error {
	u, err := s.pendingUser(r)
	if err != nil {
		return err
	}
	if u == nil {
		s.flash(r, "login_code.expired", "error")
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return nil
	}
	next := nextPath(r.PostFormValue("next"))
	f := &form{Values: map[string]string{"next": next}, Errors: map[string]string{}}
	loc := s.Catalog.Localizer(langFrom(r.Context()))
	code := strings.TrimSpace(r.PostFormValue("code"))
	if code == "" {
		f.Errors["code"] = translateField(loc, kasuhara.FieldError{Code: kasuhara.FieldRequired})
		return s.render(w, r, http.StatusUnprocessableEntity, "login_code", &page{Title: "login_code.title", Form: f})
	}
	key := "code:" + u.ID
	blocked, wait, err := s.codeUser.Blocked(r.Context(), key)
	if err != nil {
		return err
	}
	if blocked {
		s.metrics.loginThrottled.Inc()
		w.Header().Set("Retry-After", fmt.Sprint(int(math.Ceil(wait.Seconds()))))
		return s.render(w, r, http.StatusTooManyRequests, "login_code", &page{Title: "login_code.title", Form: f,
			Flash: "login.throttled", FlashKind: "error", FlashArgs: map[string]any{"Minutes": int(math.Ceil(wait.Minutes()))}})
	}
	if err := s.TwoFactor.VerifySecondFactor(r.Context(), u.ID, code); kasuhara.ErrorCode(err) == kasuhara.EUNAUTH {
		s.metrics.loginFailures.Inc()
		if err := s.codeUser.Fail(r.Context(), key); err != nil {
			return err
		}
		f.Errors["code"] = translateField(loc, kasuhara.FieldError{Code: kasuhara.FieldWrongCode})
		return s.render(w, r, http.StatusUnauthorized, "login_code", &page{Title: "login_code.title", Form: f})
	} else if err != nil {
		return err
	}
	s.counted(r, s.codeUser.Reset(r.Context(), key))
	return s.finishSignIn(w, r, u, true, next)
}

// finishSignIn starts u's session and leads on: to change a one-time
// password, or to the page asked for.
func (s *Server) finishSignIn(w http.ResponseWriter, r *http.Request, u *kasuhara.User, secondFactor bool, next string) error {
	if err := s.startSession(r, u, signInBy{SecondFactor: secondFactor}); err != nil {
		return err
	}
	if u.Language != "" {
		setLangCookie(w, u.Language, s.secureCookies)
	}
	if u.MustChangePassword {
		http.Redirect(w, r, "/account/password", http.StatusSeeOther)
		return nil
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

// secondFactorOn reports whether u signs in with a second factor.
func (s *Server) secondFactorOn(r *http.Request, u *kasuhara.User) (bool, error) {
	if s.TwoFactor == nil {
		return false, nil
	}
	tf, err := s.TwoFactor.TwoFactor(r.Context(), u.ID)
	if err != nil {
		return false, err
	}
	return tf.Enabled, nil
}

// twoFactorData is the set-up page: the state, and while a key waits for
// its first code, its QR code and the key typed out.
type twoFactorData struct {
	State    *kasuhara.TwoFactor
	Required bool
	QR       template.HTML
	Key      string // in groups of four, for typing
	Codes    []string
}

func (s *Server) twoFactorPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderTwoFactor(w, r, http.StatusOK, &page{})
}

func (s *Server) renderTwoFactor(w http.ResponseWriter, r *http.Request, status int, p *page) error {
	v := viewerFrom(r.Context())
	if err := browserOnly(v); err != nil {
		return err
	}
	if v.ViaSSO {
		return s.companyManaged(w, r, status, "two_factor.title")
	}
	tf, err := s.TwoFactor.TwoFactor(r.Context(), v.User.ID)
	if err != nil {
		return err
	}
	d := &twoFactorData{State: tf, Required: v.MustSetUpTwoFactor}
	if tf.Pending {
		secret, err := s.TwoFactor.PendingTOTP(r.Context(), v.Actor)
		if err != nil {
			return err
		}
		loc := s.Catalog.Localizer(langFrom(r.Context()))
		svg, err := totp.QRSVG(totp.URI("Kasuhara ("+v.Org.Slug+")", v.User.Email, secret), loc.T("two_factor.qr_label"))
		if err != nil {
			return err
		}
		d.QR = template.HTML(svg) // drawn by totp.QRSVG from numbers only
		key := totp.Encode(secret)
		var groups []string
		for len(key) > 4 {
			groups, key = append(groups, key[:4]), key[4:]
		}
		d.Key = strings.Join(append(groups, key), " ")
	}
	if p.Form == nil {
		p.Form = &form{Values: map[string]string{}, Errors: map[string]string{}}
	}
	p.Title, p.Nav, p.Data = "two_factor.title", "account", d
	return s.render(w, r, status, "two_factor", p)
}

// twoFactorStart makes a new key (a GET of the page changes nothing).
func (s *Server) twoFactorStart(w http.ResponseWriter, r *http.Request) error {
	v := viewerFrom(r.Context())
	if err := browserOnly(v); err != nil {
		return err
	}
	if v.ViaSSO {
		return s.companyManaged(w, r, http.StatusForbidden, "two_factor.title")
	}
	if err := s.TwoFactor.BeginTOTP(r.Context(), v.Actor); kasuhara.ErrorCode(err) == kasuhara.ECONFLICT {
		return s.renderTwoFactor(w, r, http.StatusConflict, &page{Flash: "two_factor.already_on", FlashKind: "error"})
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, "/account/two-factor", http.StatusSeeOther)
	return nil
}

// twoFactorConfirm turns the key on with its first code and shows the
// recovery codes, once: they are not kept but as digests.
func (s *Server) twoFactorConfirm(w http.ResponseWriter, r *http.Request) error {
	v := viewerFrom(r.Context())
	if err := browserOnly(v); err != nil {
		return err
	}
	if v.ViaSSO {
		return s.companyManaged(w, r, http.StatusForbidden, "two_factor.title")
	}
	loc := s.Catalog.Localizer(langFrom(r.Context()))
	code := r.PostFormValue("code")
	f := &form{Values: map[string]string{}, Errors: map[string]string{}}
	if strings.TrimSpace(code) == "" {
		f.Errors["code"] = translateField(loc, kasuhara.FieldError{Code: kasuhara.FieldRequired})
		return s.renderTwoFactor(w, r, http.StatusUnprocessableEntity, &page{Form: f})
	}
	codes, err := s.TwoFactor.ConfirmTOTP(r.Context(), v.Actor, code)
	switch kasuhara.ErrorCode(err) {
	case "":
	case kasuhara.EINVALID:
		f.Errors["code"] = translateField(loc, kasuhara.ErrorFields(err)["code"])
		return s.renderTwoFactor(w, r, http.StatusUnprocessableEntity, &page{Form: f})
	case kasuhara.ECONFLICT, kasuhara.ENOTFOUND:
		// Sent twice (a reload of the codes page), or no key waiting.
		return s.renderTwoFactor(w, r, http.StatusConflict, &page{Flash: "two_factor.already_on", FlashKind: "error"})
	default:
		return err
	}
	// This session has now shown a second factor, like a sign-in with one.
	s.sessions.Put(r.Context(), sessionSecondFactorKey, true)
	s.sessions.Put(r.Context(), sessionReauthKey, s.Now().Unix())
	v.MustSetUpTwoFactor = false
	tf, err := s.TwoFactor.TwoFactor(r.Context(), v.User.ID)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "two_factor", &page{Title: "two_factor.title", Nav: "account", Flash: "two_factor.enabled", FlashKind: "ok",
		Data: &twoFactorData{State: tf, Codes: codes}})
}

// adminResetTwoFactor removes a user's second factor so that they set it
// up again (a lost phone); audited, the user mailed, their sessions ended.
// For a desk or legal member it asks for the reset (a grant request).
func (s *Server) adminResetTwoFactor(w http.ResponseWriter, r *http.Request) error {
	v, tree, org, m, err := s.adminTarget(r)
	if err != nil {
		return err
	}
	if m.User.ID == v.User.ID {
		return s.adminUsersPage(w, r, http.StatusConflict, tree, org, &page{Flash: "admin.users.self", FlashKind: "error"})
	}
	if m.Role.Privileged() {
		// A desk or legal member's second factor: a legal member
		// approves the reset (issue 16, separation of duties).
		_, err = s.Users.RequestGrant(r.Context(), v.Actor, kasuhara.NewGrant{OrgID: org.ID, UserID: m.User.ID, Kind: kasuhara.GrantTwoFactor})
		return s.afterGrantRequest(w, r, tree, org, err)
	}
	if err := s.TwoFactor.ResetTwoFactor(r.Context(), v.Actor, m.User.ID); kasuhara.ErrorCode(err) == kasuhara.ECONFLICT {
		return s.adminUsersPage(w, r, http.StatusConflict, tree, org, &page{Flash: "admin.users.no_two_factor", FlashKind: "error"})
	} else if err != nil {
		return err
	}
	return s.done(w, r, "admin.users.two_factor_reset", "/admin/users?org="+org.Slug)
}

// signInSettingsData adds the organisation's sign-in rules to the
// settings page's data (SignIn, and SignInSaved after a save).
func (s *Server) signInSettingsData(r *http.Request, org *kasuhara.Org, data map[string]any) error {
	if s.TwoFactor == nil {
		return nil
	}
	st, err := s.TwoFactor.SignInSettings(r.Context(), org.ID)
	if err != nil {
		return err
	}
	data["SignIn"], data["SignInSaved"] = st, r.URL.Query().Get("sign-in") == "saved"
	if _, ok := data["SignInErrors"]; !ok {
		data["SignInErrors"] = map[string]string{}
	}
	return nil
}

// adminSaveSignIn saves which roles need a second factor and the session
// lifetimes.
func (s *Server) adminSaveSignIn(w http.ResponseWriter, r *http.Request) error {
	v, tree, org, err := s.adminScope(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return err
	}
	st := kasuhara.SignInSettings{}
	for _, role := range r.PostForm["two_factor_roles"] {
		st.TwoFactorRoles = append(st.TwoFactorRoles, kasuhara.Role(role))
	}
	loc := s.Catalog.Localizer(langFrom(r.Context()))
	errs := map[string]string{}
	for field, dst := range map[string]*int{"session_idle_minutes": &st.SessionIdleMinutes, "session_lifetime_hours": &st.SessionLifetimeHours} {
		n, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue(field)))
		if err != nil {
			errs[field] = translateField(loc, kasuhara.FieldError{Code: kasuhara.FieldNumber})
		}
		*dst = n
	}
	if len(errs) == 0 {
		err = s.TwoFactor.SaveSignInSettings(r.Context(), v.Actor, org.ID, st)
		if kasuhara.ErrorCode(err) == kasuhara.EINVALID {
			for field, fe := range kasuhara.ErrorFields(err) {
				errs[field] = translateField(loc, fe)
			}
		} else if err != nil {
			return err
		}
	}
	if len(errs) > 0 {
		return s.adminSettingsPage(w, r, http.StatusUnprocessableEntity, tree, org, &page{Flash: "form.fix", FlashKind: "error",
			Form: &form{Errors: errs}})
	}
	http.Redirect(w, r, "/admin/settings?org="+org.Slug+"&sign-in=saved#sign-in", http.StatusSeeOther)
	return nil
}

// loginThrottled answers a sign-in past its limits: 429, and when to try
// again.
func (s *Server) loginThrottled(w http.ResponseWriter, r *http.Request, f *form, wait time.Duration) error {
	s.metrics.loginThrottled.Inc()
	w.Header().Set("Retry-After", fmt.Sprint(int(math.Ceil(wait.Seconds()))))
	return s.render(w, r, http.StatusTooManyRequests, "login", &page{Title: "login.title", Data: s.loginOptions(r), Form: f,
		Flash: "login.throttled", FlashKind: "error", FlashArgs: map[string]any{"Minutes": int(math.Ceil(wait.Minutes()))}})
}

// loginPastSlowDown signs in, while the account as a whole is slowed down
// by failures from elsewhere, a person who gives both the right password
// and a right code of their second factor: the slow-down keeps strangers
// from guessing the password, and a stranger who guessed it still lacks
// the code. Anything wrong is answered as the slow-down itself is, so that
// it tells nothing about the password.
func (s *Server) loginPastSlowDown(w http.ResponseWriter, r *http.Request, email, password, code, next string, f *form, wait time.Duration,
	acctKey, pairKey, clientKey string) error {
	ctx := r.Context()
	u, err := s.Users.Authenticate(ctx, email, password)
	if err != nil && kasuhara.ErrorCode(err) != kasuhara.EUNAUTH {
		return err
	}
	ok := false
	if u != nil {
		codeKey := "code:" + u.ID
		blocked, _, err := s.codeUser.Blocked(ctx, codeKey)
		if err != nil {
			return err
		}
		if !blocked {
			switch err := s.TwoFactor.VerifySecondFactor(ctx, u.ID, code); kasuhara.ErrorCode(err) {
			case "":
				ok = true
			case kasuhara.EUNAUTH:
				if err := s.codeUser.Fail(ctx, codeKey); err != nil {
					return err
				}
			default:
				return err
			}
		}
	}
	if !ok {
		s.metrics.loginFailures.Inc()
		if err := errors.Join(s.loginAccount.Fail(ctx, acctKey), s.loginPair.Fail(ctx, pairKey), s.loginClient.Fail(ctx, clientKey)); err != nil {
			return err
		}
		return s.loginThrottled(w, r, f, wait)
	}
	// An organisation that requires company sign-in takes no password
	// here either, but an emergency administrator's.
	if err := s.passwordAllowed(r, u); kasuhara.ErrorCode(err) == kasuhara.EFORBIDDEN {
		return s.render(w, r, http.StatusForbidden, "login", &page{Title: "login.title", Data: s.loginOptions(r), Form: f, Flash: "sso.password_off", FlashKind: "error"})
	} else if err != nil {
		return err
	}
	s.counted(r, s.loginPair.Reset(ctx, pairKey))
	s.counted(r, s.loginKnown.Add(ctx, pairKey))
	return s.finishSignIn(w, r, u, true, next)
}
