package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"net/http"
	"time"

	"github.com/kasuhara/kasuhara"
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
	if wait := s.receiptClient.Delay(s.clientKey(r), receiptFreeFailures, receiptMostDelay); wait > 0 {
		w.Header().Set("Retry-After", fmt.Sprint(int(math.Ceil(wait.Seconds()))))
		return &kasuhara.Error{Code: kasuhara.ERATELIMITED, Message: "too many wrong receipts; try again later"}
	}
	return nil
}

// anonFilingLimit limits anonymous reports per client (10 an hour), so
// that the channel cannot be flooded; the key is the in-memory HMAC of the
// address, as for receipts.
func (s *Server) anonFilingLimit(w http.ResponseWriter, r *http.Request) error {
	if blocked, wait := s.anonFiling.Blocked(s.clientKey(r)); blocked {
		w.Header().Set("Retry-After", fmt.Sprint(int(math.Ceil(wait.Seconds()))))
		return &kasuhara.Error{Code: kasuhara.ERATELIMITED, Message: "too many reports from this connection; try again later"}
	}
	return nil
}

// receiptFailed counts a wrong receipt.
func (s *Server) receiptFailed(r *http.Request, err error) {
	if kasuhara.ErrorCode(err) == kasuhara.ENOTFOUND {
		s.receiptClient.Fail(s.clientKey(r))
	}
}

// anonReportForm is the public report form of an organisation.
func (s *Server) anonReportForm(w http.ResponseWriter, r *http.Request) error {
	return s.reportFormPage(w, r, http.StatusOK, &page{})
}

// anonFileReport files an anonymous report and shows the receipt once.
func (s *Server) anonFileReport(w http.ResponseWriter, r *http.Request) error {
	org, err := s.Orgs.OrgBySlug(r.Context(), r.PathValue("org"))
	if err != nil {
		return err
	}
	if err := s.anonFilingLimit(w, r); err != nil {
		return err
	}
	sub := s.parseReport(r, nil)
	if sub.err != nil {
		return s.reportFailed(w, r, sub, sub.err)
	}
	receipt, held, err := s.fileAnonymous(r, org.Slug, sub.vals.Get(idempotencyField), formDigest(sub.vals, sub.files()), sub.rep, sub.files()...)
	if err != nil {
		return s.reportFailed(w, r, sub, err)
	}
	return s.render(w, r, http.StatusCreated, "anon_receipt", &page{Title: "anon.receipt_title", Data: map[string]any{"Receipt": receipt, "Org": org, "Held": held}})
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
	rep.HeldForReview, _ = s.anonBudget.Blocked("all")
	sealed, repeat, err := s.once(r.Context(), "anon:"+slug, key, digest, func() (string, error) {
		_, rc, err := s.Anonymous.FileAnonymousReport(r.Context(), slug, rep, files...)
		if err != nil {
			return "", err
		}
		receipt = rc
		s.anonFiling.Fail(s.clientKey(r))
		s.anonBudget.Fail("all")
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
	return s.render(w, r, http.StatusOK, "anon_status", &page{Title: "anon.status_title", Data: &anonStatusData{Org: org, Saved: r.URL.Query().Get("saved") == "1"}})
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
	action := r.PathValue("action")
	switch action {
	case "", "messages":
		receipt = r.PostFormValue("receipt")
	case "evidence":
		var err error
		if mf, err = s.readMultipart(r); err != nil {
			return err
		}
		receipt = mf.get("receipt")
	default:
		return s.notFound(w, r)
	}
	// One check of the receipt, for this organisation only, before anything
	// is written: a wrong receipt counts once and changes nothing.
	c, err := s.Anonymous.CaseByReceipt(r.Context(), receipt)
	if err == nil && c.OrgID != org.ID {
		err = &kasuhara.Error{Code: kasuhara.ENOTFOUND, Message: "no report has this receipt"}
	}
	if err != nil {
		s.discard(mf)
		s.receiptFailed(r, err)
		if kasuhara.ErrorCode(err) == kasuhara.ENOTFOUND {
			return s.render(w, r, http.StatusNotFound, "anon_status", &page{Title: "anon.status_title", Flash: "anon.unknown_receipt", FlashKind: "error",
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
	ms, err := s.Anonymous.ReceiptMessages(r.Context(), receipt)
	if err != nil {
		return err
	}
	p := &page{Title: "anon.status_title", Flash: flash, FlashKind: "ok", Data: &anonStatusData{Org: org, Receipt: receipt, Case: c, Messages: ms, MaxMB: s.MaxUpload >> 20}}
	status := http.StatusOK
	if problem != nil {
		p.Flash, p.FlashKind, status = "form.fix", "error", statusOf(kasuhara.ErrorCode(problem))
	}
	return s.render(w, r, status, "anon_status", p)
}

// The API of the anonymous channel (CONTRACT.md).

// Messages with named reporters, confidentiality and retaliation.
