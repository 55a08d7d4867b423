package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/access"
	"github.com/kasuhara/kasuhara/internal/calendar"
	"github.com/kasuhara/kasuhara/internal/document"
	"github.com/kasuhara/kasuhara/internal/i18n"
)

// auditPageSize is how many entries the audit page shows at a time.
const auditPageSize = 200

// auditQuery is the audit page's filters as the person typed them, read
// from the query string so that a filtered view can be bookmarked.
type auditQuery struct {
	Actor, Action, Object, Since, Until string
}

func readAuditQuery(r *http.Request) auditQuery {
	q := r.URL.Query()
	return auditQuery{Actor: q.Get("actor"), Action: q.Get("action"), Object: strings.TrimSpace(q.Get("object")),
		Since: q.Get("since"), Until: q.Get("until")}
}

// values is the query string of the filters that are set.
func (a auditQuery) values() url.Values {
	v := url.Values{}
	for k, x := range map[string]string{"actor": a.Actor, "action": a.Action, "object": a.Object, "since": a.Since, "until": a.Until} {
		if x != "" {
			v.Set(k, x)
		}
	}
	return v
}

// auditActions are the actions a person can filter by: every action the
// catalogue names, and the families they belong to ("case." for every
// action on cases), for a role that may read them.
func (s *Server) auditActions(role kasuhara.Role) []string {
	var out []string
	for _, k := range s.Catalog.Keys("en") {
		a, ok := strings.CutPrefix(k, "audit.")
		if !ok || strings.Count(a, ".") != 1 {
			continue
		}
		if !access.Can(role, access.AuditChoices) && slices.Contains(access.LegalOnlyAudit, a) {
			continue
		}
		out = append(out, a)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// auditFilter checks the filters and turns them into the store's filter:
// the actor among the organisation's members, the action among the known
// ones, the object found by its name or number, the dates as days in the
// organisation's time zone (the end day included).
func (s *Server) auditFilter(ctx context.Context, v *viewer, a auditQuery, members []kasuhara.Member) (kasuhara.AuditFilter, error) {
	f := kasuhara.AuditFilter{Role: v.Membership.Role, OrgID: v.Org.ID}
	fe := kasuhara.FieldErrors{}
	if a.Actor != "" {
		if !slices.ContainsFunc(members, func(m kasuhara.Member) bool { return m.User.ID == a.Actor }) {
			fe.Add("actor", kasuhara.FieldNotMember)
		}
		f.ActorID = a.Actor
	}
	if a.Action != "" {
		actions := s.auditActions(v.Membership.Role)
		family, isFamily := strings.CutSuffix(a.Action, ".")
		ok := slices.Contains(actions, a.Action) ||
			isFamily && slices.ContainsFunc(actions, func(x string) bool { return strings.HasPrefix(x, family+".") })
		if !ok {
			fe.Add("action", kasuhara.FieldChoice)
		}
		f.Action = a.Action
	}
	if a.Object != "" {
		typ, id, err := s.Audit.AuditObject(ctx, v.Org.ID, a.Object)
		switch {
		case kasuhara.ErrorCode(err) == kasuhara.ENOTFOUND:
			fe.Add("object", kasuhara.FieldNoMatch)
		case err != nil:
			return f, err
		}
		f.ObjectType, f.ObjectID = typ, id
	}
	day := func(field, x string) time.Time {
		if x == "" {
			return time.Time{}
		}
		t, err := time.ParseInLocation("2006-01-02", x, calendar.JST)
		if err != nil {
			fe.Add(field, kasuhara.FieldDate)
		}
		return t
	}
	f.From = day("since", a.Since)
	if t := day("until", a.Until); !t.IsZero() {
		f.To = t.AddDate(0, 0, 1)
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.To.After(f.From) {
		fe.Add("until", kasuhara.FieldBeforeStart)
	}
	return f, fe.Err()
}

// auditRows names the actors and objects of entries in the viewer's
// language: a person by name, a case by its number, never an id.
func (s *Server) auditRows(ctx context.Context, role kasuhara.Role, loc *i18n.Localizer, es []kasuhara.AuditEntry) ([]document.AuditRow, error) {
	names, err := s.Audit.AuditNames(ctx, role, es)
	if err != nil {
		return nil, err
	}
	out := make([]document.AuditRow, len(es))
	for i, e := range es {
		row := document.AuditRow{Seq: e.Seq, At: e.At, Action: e.Action, ActionText: loc.T("audit." + e.Action), Hash: e.Hash}
		if !loc.Has("audit." + e.Action) {
			row.ActionText = e.Action
		}
		switch {
		case e.ActorID != "":
			row.Actor = names["user:"+e.ActorID]
			if row.Actor == "" {
				row.Actor = loc.T("admin.audit.unnamed")
			}
		case e.ActorLabel == "cli":
			row.Actor = loc.T("admin.audit.actor_cli")
		case e.ActorLabel == "system":
			row.Actor = loc.T("admin.audit.actor_system")
		case e.ActorLabel == kasuhara.DirectoryActor.Label:
			row.Actor = loc.T("admin.audit.actor_directory")
		default:
			row.Actor = loc.T("admin.audit.actor_none")
		}
		row.ObjectType = e.ObjectType
		if loc.Has("audit_object." + e.ObjectType) {
			row.ObjectType = loc.T("audit_object." + e.ObjectType)
		}
		row.Object = names[e.ObjectType+":"+e.ObjectID]
		out[i] = row
	}
	return out, nil
}

type auditPageData struct {
	Rows    []document.AuditRow
	Members []kasuhara.Member
	Actions []string
	Query   auditQuery
	// Filters is the query string of the filters, Older the link to the
	// next page ("" on the last one), Paged whether this is not the first.
	Filters, Older string
	Paged, Invalid bool
	// PendingGrants is how many grants of desk or legal wait for a second
	// person.
	PendingGrants int
}

// auditRequest is what the audit page and its export start from: the
// reader, who may read the audit trail (view_audit), the organisation's
// members to name actors, and the filters asked for.
func (s *Server) auditRequest(r *http.Request) (*viewer, []kasuhara.Member, auditQuery, error) {
	if err := s.allow(r, access.ViewAudit); err != nil {
		return nil, nil, auditQuery{}, err
	}
	v := viewerFrom(r.Context())
	members, err := s.Users.Members(r.Context(), v.Org.ID)
	return v, members, readAuditQuery(r), err
}

// adminAudit lists the organisation's audit entries, newest first, a page
// at a time, filtered by actor, action, object and days. Entries carry no
// personal data; actors are named, and customers only for a role that may
// read the registry.
func (s *Server) adminAudit(w http.ResponseWriter, r *http.Request) error {
	v, members, a, err := s.auditRequest(r)
	if err != nil {
		return err
	}
	d := &auditPageData{Members: members, Actions: s.auditActions(v.Membership.Role), Query: a, Filters: a.values().Encode()}
	grants, err := s.Users.GrantRequests(r.Context(), v.Actor, v.Org.ID)
	if err != nil {
		return err
	}
	for _, g := range grants {
		if g.Status == kasuhara.GrantPending {
			d.PendingGrants++
		}
	}
	p := &page{Title: "admin.audit.title", Nav: "audit", Data: d}
	f, err := s.auditFilter(r.Context(), v, a, members)
	if kasuhara.ErrorCode(err) == kasuhara.EINVALID {
		p.Form = &form{Values: map[string]string{}, Errors: map[string]string{}}
		loc := s.Catalog.Localizer(langFrom(r.Context()))
		for k, fe := range kasuhara.ErrorFields(err) {
			p.Form.Errors[k] = translateField(loc, fe)
		}
		p.Flash, p.FlashKind, d.Invalid = "form.fix", "error", true
		return s.render(w, r, http.StatusUnprocessableEntity, "admin_audit", p)
	}
	if err != nil {
		return err
	}
	f.Limit = auditPageSize + 1
	if b, err := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64); err == nil && b > 0 {
		f.Before, d.Paged = b, true
	}
	es, err := s.Audit.AuditEntries(r.Context(), v.Actor, f)
	if err != nil {
		return err
	}
	if len(es) > auditPageSize {
		es = es[:auditPageSize]
		q := a.values()
		q.Set("before", strconv.FormatInt(es[len(es)-1].Seq, 10))
		d.Older = "/admin/audit?" + q.Encode()
	}
	if d.Rows, err = s.auditRows(r.Context(), v.Membership.Role, s.Catalog.Localizer(langFrom(r.Context())), es); err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "admin_audit", p)
}

// auditExport answers the entries matching the audit page's filters as
// CSV (formula cells escaped), up to kasuhara.MaxAuditExportRows. The
// export is itself an audit entry, with the filters it used.
func (s *Server) auditExport(w http.ResponseWriter, r *http.Request) error {
	v, members, a, err := s.auditRequest(r)
	if err != nil {
		return err
	}
	f, err := s.auditFilter(r.Context(), v, a, members)
	if err != nil {
		return err
	}
	loc := s.locale(exportLang(r))
	rows := func(yield func(document.AuditRow, error) bool) {
		f.Limit = 1000
		n := 0
		for n < kasuhara.MaxAuditExportRows {
			es, err := s.Audit.AuditEntries(r.Context(), v.Actor, f)
			if err != nil {
				yield(document.AuditRow{}, err)
				return
			}
			named, err := s.auditRows(r.Context(), v.Membership.Role, loc.Loc, es)
			if err != nil {
				yield(document.AuditRow{}, err)
				return
			}
			for _, row := range named {
				if n++; n > kasuhara.MaxAuditExportRows || !yield(row, nil) {
					return
				}
			}
			if len(es) < f.Limit {
				return
			}
			f.Before = es[len(es)-1].Seq
		}
	}
	t, err := document.AuditTable(document.AuditInput{Locale: loc, Now: s.Now(), Rows: rows})
	if err != nil {
		return err
	}
	// The audit entry keeps the filters by their codes; the object typed is
	// kept as its kind, not as the name a person typed.
	filters := map[string]string{}
	for k, x := range map[string]string{"action": a.Action, "since": a.Since, "until": a.Until, "object_type": f.ObjectType} {
		if x != "" {
			filters[k] = x
		}
	}
	if a.Actor != "" {
		filters["actor"] = "(person)"
	}
	if err := s.Insight.RecordExport(r.Context(), v.Actor, "audit.csv", t.Len(), filters); err != nil {
		return err
	}
	s.sendFile(w, r, t.CSV())
	return nil
}
