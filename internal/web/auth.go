package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/i18n"
)

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) error {
	next := nextPath(r.URL.Query().Get("next"))
	if viewerFrom(r.Context()) != nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return nil
	}
	return s.render(w, r, http.StatusOK, "login", &page{Title: "login.title", Data: s.loginOptions(r), Form: &form{Values: map[string]string{"next": next}, Errors: map[string]string{}}})
}

// login signs a person in. Failures are throttled per account and per
// client: past the limit the answer is 429 whatever the password.
func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	email := kasuhara.NormalizeEmail(r.PostFormValue("email"))
	password := r.PostFormValue("password")
	next := nextPath(r.PostFormValue("next"))
	f := &form{Values: map[string]string{"email": email, "next": next}, Errors: map[string]string{}}
	loc := s.Catalog.Localizer(langFrom(r.Context()))
	if email == "" {
		f.Errors["email"] = translateField(loc, kasuhara.FieldError{Code: kasuhara.FieldRequired})
	}
	if password == "" {
		f.Errors["password"] = translateField(loc, kasuhara.FieldError{Code: kasuhara.FieldRequired})
	}
	if len(f.Errors) > 0 {
		return s.render(w, r, http.StatusUnprocessableEntity, "login", &page{Title: "login.title", Data: s.loginOptions(r), Form: f})
	}
	ip := s.clientIP(r)
	acctKey, pairKey, clientKey := "account:"+email, "pair:"+email+"|"+ip, "client:"+ip
	// Failures block the pair of account and address, and the address; the
	// account as a whole is only slowed down, and not for an address it
	// signed in from lately, so that nobody can lock its owner out.
	blockedP, waitP, errP := s.loginPair.Blocked(r.Context(), pairKey)
	blockedC, waitC, errC := s.loginClient.Blocked(r.Context(), clientKey)
	known, errK := s.loginKnown.Has(r.Context(), pairKey)
	if err := errors.Join(errP, errC, errK); err != nil {
		return err
	}
	var waitA time.Duration
	if !known {
		var err error
		if waitA, err = s.loginAccount.Delay(r.Context(), acctKey, loginFreeFailures, loginMostDelay); err != nil {
			return err
		}
	}
	if blockedP || blockedC || waitA > 0 {
		wait := max(waitP, waitC, waitA)
		if !blockedP && !blockedC && s.TwoFactor != nil {
			// Only the account is slowed down: a right password with a
			// right code of its second factor passes (issue 16).
			f.Values["slowed"] = "1"
			if code := r.PostFormValue("code"); code != "" {
				return s.loginPastSlowDown(w, r, email, password, code, next, f, wait, acctKey, pairKey, clientKey)
			}
		}
		return s.loginThrottled(w, r, f, wait)
	}
	u, err := s.Users.Authenticate(r.Context(), email, password)
	if kasuhara.ErrorCode(err) == kasuhara.EUNAUTH {
		s.metrics.loginFailures.Inc()
		if err := errors.Join(s.loginAccount.Fail(r.Context(), acctKey), s.loginPair.Fail(r.Context(), pairKey),
			s.loginClient.Fail(r.Context(), clientKey)); err != nil {
			return err
		}
		return s.render(w, r, http.StatusUnauthorized, "login", &page{Title: "login.title", Data: s.loginOptions(r), Form: f, Flash: "login.failed", FlashKind: "error"})
	}
	if err != nil {
		return err
	}
	if err := s.passwordAllowed(r, u); kasuhara.ErrorCode(err) == kasuhara.EFORBIDDEN {
		return s.render(w, r, http.StatusForbidden, "login", &page{Title: "login.title", Data: s.loginOptions(r), Form: f, Flash: "sso.password_off", FlashKind: "error"})
	} else if err != nil {
		return err
	}
	// Signed in: a failure to forget the failures must not undo it.
	s.counted(r, s.loginPair.Reset(r.Context(), pairKey))
	s.counted(r, s.loginKnown.Add(r.Context(), pairKey))
	// With a second factor, its code next (twofactor.go).
	if on, err := s.secondFactorOn(r, u); err != nil {
		return err
	} else if on {
		return s.askCode(w, r, u, next)
	}
	// Back to the page that was asked for before signing in.
	return s.finishSignIn(w, r, u, false, next)
}

// nextPath is where sign-in leads: a path on this site (never an absolute
// or protocol-relative URL, see localPath), and never the sign-in page.
func nextPath(p string) string {
	p = localPath(p)
	if u, _ := url.Parse(p); u == nil || u.Path == "/login" || u.Path == "/logout" {
		return "/"
	}
	return p
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	if err := s.sessions.Destroy(r.Context()); err != nil {
		return err
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}

func setLangCookie(w http.ResponseWriter, lang string, secure bool) {
	http.SetCookie(w, &http.Cookie{Name: "lang", Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
}

// setLanguage switches the language: a cookie for everyone, and the
// signed-in user's own setting.
func (s *Server) setLanguage(w http.ResponseWriter, r *http.Request) error {
	lang := r.PostFormValue("lang")
	if !i18n.Supported(lang) {
		return kasuhara.Invalid(kasuhara.FieldErrors{"lang": kasuhara.OneOf(kasuhara.Languages...)})
	}
	setLangCookie(w, lang, s.secureCookies)
	if v := viewerFrom(r.Context()); v != nil && v.User.Language != lang {
		if err := s.Users.SetLanguage(r.Context(), v.Actor, v.User.ID, lang); err != nil {
			return err
		}
	}
	http.Redirect(w, r, localPath(r.PostFormValue("back")), http.StatusSeeOther)
	return nil
}

// localPath returns p when it is a path on this site, else "/": a redirect
// target from a form must not lead elsewhere.
func localPath(p string) string {
	u, err := url.Parse(p)
	if err != nil || p == "" || u.IsAbs() || u.Host != "" || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(p, "//") || strings.Contains(p, "\\") {
		return "/"
	}
	return u.RequestURI()
}

func (s *Server) passwordPage(w http.ResponseWriter, r *http.Request) error {
	if viewerFrom(r.Context()).ViaSSO {
		return s.companyManaged(w, r, http.StatusOK, "password.title")
	}
	return s.render(w, r, http.StatusOK, "password", &page{Title: "password.title", Nav: "account"})
}

// companyManaged is the page of a password or second-factor route for a
// session signed in with the company's account, reached by its address
// (no link leads there): the company manages both, Kasuhara has nothing to
// set. status is 403 for a POST, which changes nothing.
func (s *Server) companyManaged(w http.ResponseWriter, r *http.Request, status int, title string) error {
	return s.render(w, r, status, "account_sso", &page{Title: title, Nav: "account"})
}

// changePassword lets the signed-in user set a new password; the current one
// is asked for again so that an unattended session cannot take the account.
// A session signed in with the company's account sets none.
func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) error {
	v := viewerFrom(r.Context())
	if v.ViaSSO {
		return s.companyManaged(w, r, http.StatusForbidden, "password.title")
	}
	loc := s.Catalog.Localizer(langFrom(r.Context()))
	f := &form{Values: map[string]string{}, Errors: map[string]string{}}
	current, next, confirm := r.PostFormValue("current"), r.PostFormValue("new"), r.PostFormValue("confirm")
	if err := kasuhara.ValidatePassword("new", next); err != nil {
		f.Errors["new"] = translateField(loc, kasuhara.ErrorFields(err)["new"])
	} else if next != confirm {
		f.Errors["confirm"] = translateField(loc, kasuhara.FieldError{Code: kasuhara.FieldMismatch})
	}
	if len(f.Errors) == 0 {
		acctKey := "pair:" + v.User.Email + "|" + s.clientIP(r)
		blocked, _, err := s.loginPair.Blocked(r.Context(), acctKey)
		if err != nil {
			return err
		}
		if blocked {
			return s.render(w, r, http.StatusTooManyRequests, "password", &page{Title: "password.title", Nav: "account", Flash: "login.throttled", FlashKind: "error",
				FlashArgs: map[string]any{"Minutes": 15}})
		}
		if _, err := s.Users.Authenticate(r.Context(), v.User.Email, current); err != nil {
			if kasuhara.ErrorCode(err) != kasuhara.EUNAUTH {
				return err
			}
			if err := s.loginPair.Fail(r.Context(), acctKey); err != nil {
				return err
			}
			f.Errors["current"] = translateField(loc, kasuhara.FieldError{Code: kasuhara.FieldWrongPassword})
		} else if next == current {
			f.Errors["new"] = translateField(loc, kasuhara.FieldError{Code: kasuhara.FieldSamePassword})
		}
	}
	if len(f.Errors) > 0 {
		return s.render(w, r, http.StatusUnprocessableEntity, "password", &page{Title: "password.title", Nav: "account", Form: f})
	}
	if err := s.Users.SetPassword(r.Context(), v.Actor, v.User.ID, next); err != nil {
		return err
	}
	// Every other session ends with the old password's stamp; this one
	// takes the new stamp and a new id.
	u, err := s.Users.UserByID(r.Context(), v.User.ID)
	if err != nil {
		return err
	}
	if err := s.sessions.RenewToken(r.Context()); err != nil {
		return err
	}
	s.sessions.Put(r.Context(), sessionStampKey, u.CredentialStamp)
	return s.done(w, r, "password.changed", "/")
}
