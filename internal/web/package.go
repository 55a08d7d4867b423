package web

import (
	"context"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/access"
	"github.com/kasuhara/kasuhara/internal/blob"
	"github.com/kasuhara/kasuhara/internal/document"
)

// casePackage streams the evidence package of a case: a ZIP with the PDF
// summary, the timeline and audit entries, every evidence file decrypted,
// and the manifest. Desk and legal only; producing it is audited first.
func (s *Server) casePackage(w http.ResponseWriter, r *http.Request) error {
	v := viewerFrom(r.Context())
	actor := v.Actor
	ctx := r.Context()
	lang := r.URL.Query().Get("lang")
	if lang == "" {
		lang = langFrom(ctx)
	}
	if lang != "ja" && lang != "en" {
		return kasuhara.Invalid(kasuhara.FieldErrors{"lang": kasuhara.OneOf(kasuhara.Languages...)})
	}
	recipient := strings.TrimSpace(r.URL.Query().Get("for"))
	// The care record and the messages are left out unless legal includes
	// them with a reason.
	var careReason string
	if r.URL.Query().Get("care") == "include" {
		careReason = strings.TrimSpace(r.URL.Query().Get("care_reason"))
		if careReason == "" {
			return kasuhara.InvalidField("care_reason", kasuhara.FieldRequired)
		}
	}
	c, err := s.Cases.CaseByID(ctx, actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	if caseLevel(actor, c) < access.CaseHandler {
		return kasuhara.Errorf(kasuhara.EFORBIDDEN, "only the desk and legal produce a package")
	}
	if err := s.Referrals.RecordPackage(ctx, actor, c.ID, recipient, careReason); err != nil {
		return err
	}
	var timeline []kasuhara.Event
	var assessments []kasuhara.Assessment
	var evidence []kasuhara.Evidence
	var referrals []kasuhara.Referral
	if err := loadAll(
		func() (err error) { timeline, err = s.Cases.Timeline(ctx, actor, c.ID); return },
		func() (err error) { assessments, err = s.Cases.Assessments(ctx, actor, c.ID); return },
		func() (err error) { evidence, err = s.Cases.EvidenceList(ctx, actor, c.ID); return },
		func() (err error) { referrals, err = s.Referrals.Referrals(ctx, actor, c.ID); return },
	); err != nil {
		return err
	}
	var care []kasuhara.CareAction
	if careReason != "" {
		if care, err = s.Cases.CareActions(ctx, actor, c.ID); err != nil {
			return err
		}
	} else {
		// The desk↔reporter messages (when, and who wrote) go with the
		// care record: both are the reporter's health and support, on a
		// need-to-know basis (issue 16).
		timeline = slices.DeleteFunc(timeline, func(e kasuhara.Event) bool {
			return e.Kind == kasuhara.EventCare || e.Kind == kasuhara.EventMessage
		})
	}
	entries, err := s.allAuditEntries(ctx, actor, kasuhara.AuditFilter{ObjectType: "case", ObjectID: c.ID})
	if err != nil {
		return err
	}
	names, _, err := s.names(r, c.OrgID)
	if err != nil {
		return err
	}
	// A package refuses a file that no longer matches its recorded hash: it
	// is checked whole before the first byte is sent, so that the request
	// fails with the evidence record named instead of a package that lacks
	// a file or holds a wrong one; and checked again as it is packed, in
	// case it changes meanwhile (the ZIP then breaks and will not verify).
	byBlob := map[string]kasuhara.Evidence{}
	for _, e := range evidence {
		if err := s.Blobs.Verify(e.BlobID, e.SHA256); errors.Is(err, blob.ErrCorrupt) {
			return s.evidenceMismatch(r, &e, "package", err)
		} else if err != nil {
			return err
		}
		byBlob[e.BlobID] = e
	}
	f, err := document.CasePackage(document.PackageInput{
		CaseInput: document.CaseInput{Locale: s.locale(lang), Now: s.Now(), Case: c,
			Timeline: timeline, Assessments: assessments, Evidence: evidence, Referrals: referrals, Care: care, Names: names},
		Audit: entries, By: v.User, For: recipient, CareReason: careReason, Generator: "kasuhara " + s.Version,
		Open: func(id string) (io.ReadCloser, error) {
			f, err := s.Blobs.Open(id)
			if err != nil {
				return nil, err
			}
			return checkedFile{blob.NewChecked(f, f.Size(), byBlob[id].SHA256), f}, nil
		},
	})
	if err != nil {
		return err
	}
	s.sendFile(w, r, f)
	return nil
}

// checkedFile reads a blob through its hash check and closes the blob.
type checkedFile struct {
	*blob.Checked
	io.Closer
}

// allAuditEntries reads every entry matching f, newest first, a page of
// 1,000 at a time: a package's audit.json holds the case's whole trail.
func (s *Server) allAuditEntries(ctx context.Context, actor kasuhara.Actor, f kasuhara.AuditFilter) ([]kasuhara.AuditEntry, error) {
	const page = 1000
	f.Limit = page
	var out []kasuhara.AuditEntry
	for {
		es, err := s.Audit.AuditEntries(ctx, actor, f)
		if err != nil {
			return nil, err
		}
		out = append(out, es...)
		if len(es) < page {
			return out, nil
		}
		f.Before = es[len(es)-1].Seq
	}
}

// loadAll runs the loads of a page or a document in order, up to the
// first that fails.
func loadAll(loads ...func() error) error {
	for _, load := range loads {
		if err := load(); err != nil {
			return err
		}
	}
	return nil
}

// caseSummary streams the printable summary of a case for reporting to
// management (A4 PDF, dates in JST): for who may read the case's handling
// (the department's supervisor, the desk and legal), audited before it is
// made. The care record is left out, and so are the care entries of the
// timeline; the referrals only for the desk and legal.
func (s *Server) caseSummary(w http.ResponseWriter, r *http.Request) error {
	actor := viewerFrom(r.Context()).Actor
	ctx := r.Context()
	c, err := s.Cases.CaseByID(ctx, actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	level := caseLevel(actor, c)
	if level < access.CaseSupervisor {
		return kasuhara.Errorf(kasuhara.EFORBIDDEN, "the summary is for who handles the case")
	}
	if err := s.Cases.RecordSummary(ctx, actor, c.ID); err != nil {
		return err
	}
	in := document.CaseInput{Locale: s.locale(langFrom(ctx)), Now: s.Now(), Case: c}
	if err := loadAll(
		func() (err error) { in.Timeline, err = s.Cases.Timeline(ctx, actor, c.ID); return },
		func() (err error) { in.Assessments, err = s.Cases.Assessments(ctx, actor, c.ID); return },
		func() (err error) { in.Evidence, err = s.Cases.EvidenceList(ctx, actor, c.ID); return },
		func() (err error) { in.Names, _, err = s.names(r, c.OrgID); return },
	); err != nil {
		return err
	}
	if level >= access.CaseHandler {
		if in.Referrals, err = s.Referrals.Referrals(ctx, actor, c.ID); err != nil {
			return err
		}
	}
	in.Timeline = slices.DeleteFunc(in.Timeline, func(e kasuhara.Event) bool {
		return e.Kind == kasuhara.EventCare || e.Kind == kasuhara.EventMessage
	})
	f, err := document.ManagementSummary(in)
	if err != nil {
		return err
	}
	s.sendFile(w, r, f)
	return nil
}
