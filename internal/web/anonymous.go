package web

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/credential"
	"github.com/kasuhara/kasuhara/internal/document"
	"github.com/kasuhara/kasuhara/internal/i18n"
)

// The anonymous channel. Nothing that identifies the reporter is stored or
// logged: no address, no user agent, no session. The receipt travels only
// in request bodies, never in a URL, and is shown once.

// clientKey is the throttling key of a client: an HMAC of its address with
// a key that lives only in this process, so that not even the limiter's
// memory holds addresses.
func (s *Server) clientKey(r *http.Request) string {
	m := hmac.New(sha256.New, s.clientSalt)
	m.Write([]byte(s.clientIP(r)))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

func newSalt() []byte {
	b := make([]byte, 32)
	rand.Read(b)
	return b
}

// Receipt checks are slowed down, never locked (issue 16, finding 8): a
// client's first receiptFreeFailures wrong receipts in 15 minutes cost
// nothing; then each next check waits a second after the last failure,
// doubling up to receiptMostDelay. Behind an untrusted proxy, where every
// reporter is one client, a flood of wrong receipts delays the others'
// follow-up by at most that, instead of shutting it for 15 minutes.
const (
	receiptFreeFailures = 10
	receiptMostDelay    = time.Minute
)

// DefaultAnonymousBudget is how many anonymous reports an hour, from all
// clients together, the server takes before it holds the next ones for the
// desk's review (Deps.AnonymousBudget).
const DefaultAnonymousBudget = 100

// receiptLimit is ERATELIMITED (with Retry-After) while the client must
// still wait after its wrong receipts, so that receipts cannot be guessed.
func (s *Server) receiptLimit(w http.ResponseWriter, r *http.Request) error {
	wait, err := s.receiptClient.Delay(r.Context(), s.clientKey(r), receiptFreeFailures, receiptMostDelay)
	if err != nil {
		return err
	}
	if wait > 0 {
		w.Header().Set("Retry-After", fmt.Sprint(int(math.Ceil(wait.Seconds()))))
		return &kasuhara.Error{Code: kasuhara.ERATELIMITED, Message: "too many wrong receipts; try again later"}
	}
	return nil
}

// anonFilingLimit limits anonymous reports per client (10 an hour), so
// that the channel cannot be flooded; the key is the in-memory HMAC of the
// address, as for receipts.
func (s *Server) anonFilingLimit(w http.ResponseWriter, r *http.Request) error {
	blocked, wait, err := s.anonFiling.Blocked(r.Context(), s.clientKey(r))
	if err != nil {
		return err
	}
	if blocked {
		w.Header().Set("Retry-After", fmt.Sprint(int(math.Ceil(wait.Seconds()))))
		return &kasuhara.Error{Code: kasuhara.ERATELIMITED, Message: "too many reports from this connection; try again later"}
	}
	return nil
}

// receiptFailed counts a wrong receipt.
func (s *Server) receiptFailed(r *http.Request, err error) {
	if kasuhara.ErrorCode(err) == kasuhara.ENOTFOUND {
		s.counted(r, s.receiptClient.Fail(r.Context(), s.clientKey(r)))
	}
}

// anonReportForm is the public report form of an organisation.
func (s *Server) anonReportForm(w http.ResponseWriter, r *http.Request) error {
	if _, closed, err := s.anonOpenOrg(w, r); closed || err != nil {
		return err
	}
	return s.reportFormPage(w, r, http.StatusOK, &page{})
}

// anonOpenOrg returns the organisation the address names, if its anonymous
// channel is open; when it is closed, closed is true and the page that
// says so has been answered (anonClosed).
func (s *Server) anonOpenOrg(w http.ResponseWriter, r *http.Request) (org *kasuhara.Org, closed bool, err error) {
	org, err = s.Orgs.OrgBySlug(r.Context(), r.PathValue("org"))
	if err != nil {
		return nil, false, err
	}
	closed, err = s.anonClosed(w, r, org, nil)
	return org, closed, err
}

// anonClosed answers, when the organisation has switched its anonymous
// channel off (or filing said so, cause), the page that says it receives
// named reports only, with its policy and the follow-up of a receipt
// already given; closed is false when the channel is on.
func (s *Server) anonClosed(w http.ResponseWriter, r *http.Request, org *kasuhara.Org, cause error) (closed bool, err error) {
	st, err := s.Settings.Settings(r.Context(), org.ID)
	if err != nil {
		return false, err
	}
	if st.AnonymousChannel && !errors.Is(cause, kasuhara.ErrAnonymousOff) {
		return false, nil
	}
	return true, s.render(w, r, http.StatusForbidden, "anon_closed", &page{Title: "anon.closed.title", Nav: "report",
		Data: map[string]any{"Org": org, "Sender": st.Sender}})
}

// anonFileReport files an anonymous report and shows the receipt once.
func (s *Server) anonFileReport(w http.ResponseWriter, r *http.Request) error {
	org, closed, err := s.anonOpenOrg(w, r)
	if closed || err != nil {
		return err
	}
	if err := s.anonFilingLimit(w, r); err != nil {
		return err
	}
	sub := s.parseReport(r, nil)
	if sub.err != nil {
		return s.reportFailed(w, r, sub, sub.err)
	}
	key := sub.vals.Get(idempotencyField)
	receipt, held, err := s.fileAnonymous(r, org.Slug, key, formDigest(sub.vals, sub.files()), sub.rep, sub.files()...)
	if errors.Is(err, kasuhara.ErrAnonymousOff) {
		// Switched off while the form was being filled in.
		s.discard(sub.mf)
		_, err = s.anonClosed(w, r, org, err)
		return err
	}
	if err != nil {
		return s.reportFailed(w, r, sub, err)
	}
	if key == "" {
		// A form without a key (drawn by an older release): the receipt
		// can only be shown in this answer.
		return s.renderReceipt(w, r, http.StatusCreated, org, receipt, held)
	}
	// Post/redirect/get: the receipt page is a GET that reload and Back
	// may repeat. It finds the receipt with the form's key, which travels
	// in a cookie of that page alone; the receipt itself never leaves the
	// server but in the page.
	http.SetCookie(w, &http.Cookie{Name: receiptCookie, Value: key, Path: receiptPath(org.Slug), MaxAge: int(receiptCookieAge.Seconds()),
		HttpOnly: true, Secure: s.secureCookies, SameSite: http.SameSiteStrictMode})
	if held {
		// Held for the desk's review (a flood of anonymous reports): the
		// receipt page says so. Not a secret: it is the reporter's own
		// report, and a changed cookie only changes what they read.
		http.SetCookie(w, &http.Cookie{Name: receiptHeldCookie, Value: "1", Path: receiptPath(org.Slug), MaxAge: int(receiptCookieAge.Seconds()),
			HttpOnly: true, Secure: s.secureCookies, SameSite: http.SameSiteStrictMode})
	}
	http.Redirect(w, r, receiptPath(org.Slug), http.StatusSeeOther)
	return nil
}

// The receipt page after an anonymous report (issue 18, the receipt is
// kept). receiptCookie holds the form's idempotency key for the receipt
// page's path only, for a few minutes; the page takes the receipt sealed
// with that key once (receiptShown stays in its place), so that a second
// view, a reload, Back or a repeat of the form shows that the report was
// filed but no longer its receipt.
const (
	receiptCookie     = "ksh_receipt"
	receiptHeldCookie = "ksh_receipt_held"
	receiptCookieAge  = 15 * time.Minute
	receiptShown      = "shown"
)

func receiptPath(slug string) string { return "/o/" + slug + "/receipt" }

// anonReceipt shows the receipt of the report just filed, once.
func (s *Server) anonReceipt(w http.ResponseWriter, r *http.Request) error {
	org, err := s.Orgs.OrgBySlug(r.Context(), r.PathValue("org"))
	if err != nil {
		return err
	}
	receipt := ""
	if c, err := r.Cookie(receiptCookie); err == nil && c.Value != "" && checkIdempotencyKey(c.Value) == nil && s.Idempotency != nil {
		sealed, ok, err := s.Idempotency.TakeIdempotentResult(r.Context(), "anon:"+org.Slug, c.Value, receiptShown)
		if err != nil {
			return err
		}
		if ok {
			if receipt, err = openReceipt(c.Value, sealed); err != nil {
				return err
			}
		}
	}
	held := false
	if c, err := r.Cookie(receiptHeldCookie); err == nil && c.Value == "1" {
		held = true
	}
	for _, name := range []string{receiptCookie, receiptHeldCookie} {
		http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: receiptPath(org.Slug), MaxAge: -1,
			HttpOnly: true, Secure: s.secureCookies, SameSite: http.SameSiteStrictMode})
	}
	return s.renderReceipt(w, r, http.StatusOK, org, receipt, held)
}

// anonReceiptAgain draws the receipt page again from the receipt in the
// form body: the language switch of the receipt page (lang), so that the
// receipt shown once is not lost by it. It files and looks up nothing; a
// text that cannot be a receipt is refused.
func (s *Server) anonReceiptAgain(w http.ResponseWriter, r *http.Request) error {
	org, receipt, err := s.formReceipt(r)
	if err != nil {
		return err
	}
	if lang := r.PostFormValue("lang"); lang != "" {
		if !i18n.Supported(lang) {
			return kasuhara.Invalid(kasuhara.FieldErrors{"lang": kasuhara.OneOf(kasuhara.Languages...)})
		}
		setLangCookie(w, lang, s.secureCookies)
		r = r.WithContext(context.WithValue(r.Context(), keyLang, lang))
	}
	return s.renderReceipt(w, r, http.StatusOK, org, receipt, r.PostFormValue("held") == "1")
}

// anonReceiptFile hands out the receipt as a small text file, or a PDF
// (format=pdf), from the receipt in the form body.
func (s *Server) anonReceiptFile(w http.ResponseWriter, r *http.Request) error {
	org, receipt, err := s.formReceipt(r)
	if err != nil {
		return err
	}
	l, where := s.locale(langFrom(r.Context())), s.BaseURL+"/o/"+org.Slug+"/status"
	f := document.ReceiptText(l, org.Name, receipt, where, s.Now())
	if r.PostFormValue("format") == "pdf" {
		if f, err = document.ReceiptPDF(l, org.Name, receipt, where, s.Now()); err != nil {
			return err
		}
	}
	s.sendFile(w, r, f)
	return nil
}

// formReceipt reads the organisation of the path and the receipt of the
// form body, written as the receipt is shown (six groups of four).
func (s *Server) formReceipt(r *http.Request) (*kasuhara.Org, string, error) {
	org, err := s.Orgs.OrgBySlug(r.Context(), r.PathValue("org"))
	if err != nil {
		return nil, "", err
	}
	l, sec, ok := credential.ParseReceipt(r.PostFormValue("receipt"))
	if !ok {
		return nil, "", kasuhara.InvalidField("receipt", kasuhara.FieldMalformed)
	}
	return org, credential.FormatReceipt(l + sec), nil
}

// renderReceipt draws the receipt page; an empty receipt says the report
// was filed and its receipt can no longer be shown.
func (s *Server) renderReceipt(w http.ResponseWriter, r *http.Request, status int, org *kasuhara.Org, receipt string, held bool) error {
	p := &page{Title: "anon.receipt_title", Brand: org, Data: map[string]any{"Receipt": receipt, "Groups": strings.Split(receipt, "-"), "Org": org, "Held": held}}
	if receipt != "" {
		fields := map[string]string{"receipt": receipt}
		if held {
			fields["held"] = "1"
		}
		p.LangSwitch = &langSwitch{Action: receiptPath(org.Slug), Fields: fields}
	}
	return s.render(w, r, status, "anon_receipt", p)
}

// fileAnonymous files an anonymous report once for the form's key (scope:
// the organisation) and returns its receipt. The receipt a repeat needs is
// kept encrypted with the form's key, which only the reporter's page holds;
// the database alone cannot give it back. A repeat keeps none of the files
// it brought and does not count against the client's limit.
//
// Past the server's hourly budget of anonymous reports (all clients
// together) the report is still taken, with its receipt, but held for the
// desk's review (held is true): a flood cannot shut the channel, nor send
// the desk a notification for each of its reports.
func (s *Server) fileAnonymous(r *http.Request, slug, key, digest string, rep kasuhara.Report, files ...kasuhara.Evidence) (string, bool, error) {
	var receipt string
	held, _, err := s.anonBudget.Blocked(r.Context(), "all")
	if err != nil {
		return "", false, err
	}
	rep.HeldForReview = held
	sealed, repeat, err := s.once(r.Context(), "anon:"+slug, key, digest, func() (string, error) {
		_, rc, err := s.Anonymous.FileAnonymousReport(r.Context(), slug, rep, files...)
		if err != nil {
			return "", err
		}
		receipt = rc
		s.counted(r, s.anonFiling.Fail(r.Context(), s.clientKey(r)))
		s.counted(r, s.anonBudget.Fail(r.Context(), "all"))
		if key == "" {
			return "", nil
		}
		return sealReceipt(key, rc), nil
	})
	if err != nil {
		return "", false, err
	}
	if repeat {
		s.discard(&multipartForm{files: files})
		if sealed == receiptShown {
			// The receipt page has shown it: the report stands, its
			// receipt is not shown again.
			return "", false, nil
		}
		rc, err := openReceipt(key, sealed)
		return rc, false, err
	}
	return receipt, rep.HeldForReview, nil
}

type anonStatusData struct {
	Org      *kasuhara.Org
	Receipt  string
	Case     *kasuhara.Case
	Messages []kasuhara.Message
	MaxMB    int64
	Saved    bool
}

// anonStatusForm asks for the receipt.
func (s *Server) anonStatusForm(w http.ResponseWriter, r *http.Request) error {
	org, err := s.Orgs.OrgBySlug(r.Context(), r.PathValue("org"))
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "anon_status", &page{Title: "anon.status_title", Brand: org, Data: &anonStatusData{Org: org, Saved: r.URL.Query().Get("saved") == "1"}})
}

// anonStatus shows the state and the conversation for a receipt, and takes
// a reply or more evidence (the receipt comes again in the form body).
func (s *Server) anonStatus(w http.ResponseWriter, r *http.Request) error {
	org, err := s.Orgs.OrgBySlug(r.Context(), r.PathValue("org"))
	if err != nil {
		return err
	}
	if err := s.receiptLimit(w, r); err != nil {
		return err
	}
	// The receipt comes in the form body (never in the URL); for files it
	// is a field of the multipart body, read before the files are kept.
	var receipt string
	var mf *multipartForm
	var fileErr error
	action := r.PathValue("action")
	switch action {
	case "", "messages":
		receipt = r.PostFormValue("receipt")
	case "evidence":
		var err error
		if mf, err = s.readMultipart(r); err != nil && mf == nil {
			return err
		}
		// A refused file: the page is drawn again and names it (when the
		// receipt came before it: a missing one must not count as wrong).
		fileErr = err
		receipt = mf.get("receipt")
		if fileErr != nil && receipt == "" {
			return fileErr
		}
	default:
		return s.notFound(w, r)
	}
	// One check of the receipt, for this organisation only, before anything
	// is written: a wrong receipt counts once and changes nothing. The
	// status alone is read with the messages in the same statement.
	var c *kasuhara.Case
	var ms []kasuhara.Message
	if action == "" {
		c, ms, err = s.Anonymous.ReceiptStatus(r.Context(), receipt)
	} else {
		c, err = s.Anonymous.CaseByReceipt(r.Context(), receipt)
	}
	if err == nil && c.OrgID != org.ID {
		err = &kasuhara.Error{Code: kasuhara.ENOTFOUND, Message: "no report has this receipt"}
	}
	if err != nil {
		s.discard(mf)
		s.receiptFailed(r, err)
		if kasuhara.ErrorCode(err) == kasuhara.ENOTFOUND {
			return s.render(w, r, http.StatusNotFound, "anon_status", &page{Title: "anon.status_title", Brand: org, Flash: "anon.unknown_receipt", FlashKind: "error",
				Data: &anonStatusData{Org: org}})
		}
		return err
	}
	flash := ""
	var problem error
	switch action {
	case "messages":
		if _, err := s.Anonymous.AddReceiptMessage(r.Context(), receipt, r.PostFormValue("body")); err != nil {
			problem = err
		} else {
			flash = "anon.message_sent"
		}
	case "evidence":
		problem = fileErr
		for i, e := range mf.files {
			if _, err := s.Anonymous.AddReceiptEvidence(r.Context(), receipt, e); err != nil {
				mf.files = mf.files[i:]
				s.discard(mf)
				problem = err
				break
			}
			flash = "case.evidence_added"
		}
	}
	if action != "" {
		if ms, err = s.Anonymous.ReceiptMessages(r.Context(), receipt); err != nil {
			return err
		}
	}
	p := &page{Title: "anon.status_title", Brand: org, Flash: flash, FlashKind: "ok", Data: &anonStatusData{Org: org, Receipt: receipt, Case: c, Messages: ms, MaxMB: s.MaxUpload >> 20}}
	status := http.StatusOK
	if problem != nil {
		p.Flash, p.FlashKind, status = "form.fix", "error", statusOf(kasuhara.ErrorCode(problem))
		var mbe *http.MaxBytesError
		if errors.As(problem, &mbe) {
			status = http.StatusRequestEntityTooLarge
		}
		loc := s.Catalog.Localizer(langFrom(r.Context()))
		for _, fe := range kasuhara.ErrorFields(problem) {
			p.Flash, p.FlashArgs = "form.not_sent", map[string]any{"Problem": translateField(loc, fe)}
		}
	}
	return s.render(w, r, status, "anon_status", p)
}

// The API of the anonymous channel (CONTRACT.md).

// Messages with named reporters, confidentiality and retaliation.

// counted logs a failure to count something toward a limit (the database
// of shared throttles did not answer) where the request itself succeeded:
// the report filed or the sign-in done stays so.
func (s *Server) counted(r *http.Request, err error) {
	if err != nil {
		s.Logger.Error("throttle", "request_id", requestID(r.Context()), "route", r.Pattern, "err", err)
	}
}
