package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"maps"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/access"
	"github.com/kasuhara/kasuhara/internal/calendar"
	"github.com/kasuhara/kasuhara/internal/document"
	"github.com/kasuhara/kasuhara/internal/i18n"
	"github.com/kasuhara/kasuhara/internal/markdown"
)

//go:embed templates
var templateFS embed.FS

// page is what every template gets.
type page struct {
	Title     string // message id of the page title
	Nav       string // the nav item to mark as current
	Lang      string
	Viewer    *viewer
	Flash     string // message id
	FlashKind string // ok, error, warn
	FlashArgs map[string]any
	Path      string // the page's own path and query, for the language switch
	RequestID string
	Version   string
	Form      *form
	Data      any
	Unread    int // the viewer's unread notifications
	// Awaiting counts the measures and grant requests waiting for the
	// viewer's decision (the navigation's link to /approvals).
	Awaiting int
	// Mailbox counts the mail waiting for the desk's decision (the
	// navigation's link to /intake).
	Mailbox int
	// Intake shows the desk's mailbox in the navigation.
	Intake bool
	// LangSwitch, when set, is where the language switch posts and what
	// it carries, for a page that cannot be drawn again from its path
	// (the anonymous receipt, shown once).
	LangSwitch *langSwitch
	// Brand, when set, is the organisation a public page speaks for (the
	// policy page, the anonymous form, receipt and status): its name, not
	// the product's, heads the page, its title and its footer.
	Brand *kasuhara.Org
	// Refresh, when set, is where the page sends the browser at once (the
	// company's sign-in page: a redirect of the sign-in form's POST to
	// another origin would break the form-action policy).
	Refresh string
}

// langSwitch is a page's own language switch: the action that draws the
// page again in the chosen language (field lang) and the hidden fields it
// needs.
type langSwitch struct {
	Action string
	Fields map[string]string
}

// Can reports whether the viewer's role may perform action (templates use
// it to show or hide links; handlers check again).
// UnreadText is the menu's count of unread notifications: "99+" from
// kasuhara.UnreadCap on, where the count stops.
func (p *page) UnreadText() string {
	if p.Unread >= kasuhara.UnreadCap {
		return strconv.Itoa(kasuhara.UnreadCap-1) + "+"
	}
	return strconv.Itoa(p.Unread)
}

func (p *page) Can(action string) bool {
	return p.Viewer != nil && access.Can(p.Viewer.Membership.Role, access.Action(action))
}

// form carries submitted values and translated field errors back to a page.
type form struct {
	Values map[string]string
	Errors map[string]string
	Multi  map[string][]string // multi-valued fields (checkboxes)
}

// summaryItem is one line of a form's error summary: the field's name,
// the id of the element its link leads to, and the message.
type summaryItem struct{ Key, ID, Message string }

// fieldIDs are the elements of fields whose id is not their name.
var fieldIDs = map[string]string{"categories": "kinds-legend", "subtypes": "kinds-legend", "customer.sns_handle": "customer_sns",
	"file": "files"}

// Summary lists the form's errors, in the order of their fields' names
// (app.js puts them in the order of the page).
func (f *form) Summary() []summaryItem {
	if f == nil {
		return nil
	}
	var out []summaryItem
	for _, k := range slices.Sorted(maps.Keys(f.Errors)) {
		id, ok := fieldIDs[k]
		if !ok {
			id = strings.ReplaceAll(k, ".", "_")
		}
		out = append(out, summaryItem{Key: k, ID: id, Message: f.Errors[k]})
	}
	return out
}

// Has reports whether the multi-valued field k holds v.
func (f *form) Has(k, v string) bool {
	if f == nil {
		return false
	}
	for _, x := range f.Multi[k] {
		if x == v {
			return true
		}
	}
	return false
}

func (f *form) Value(k string) string {
	if f == nil {
		return ""
	}
	return f.Values[k]
}

func (f *form) Error(k string) string {
	if f == nil {
		return ""
	}
	return f.Errors[k]
}

// customerField is one customer identifier of the report form.
type customerField struct{ Key, Input, Type string }

var customerFields = []customerField{{"name", "customer_name", "text"}, {"name_kana", "customer_name_kana", "text"},
	{"phone", "customer_phone", "tel"}, {"email", "customer_email", "email"}, {"account", "customer_account", "text"},
	{"sns_handle", "customer_sns", "text"}}

// translateField translates a field error of the domain: its code is the
// catalogue key, its arguments the message's data, a list joined as the
// language joins one.
func translateField(loc *i18n.Localizer, e kasuhara.FieldError) string {
	data := make(map[string]any, len(e.Args))
	for k, v := range e.Args {
		if list, ok := v.([]string); ok {
			v = loc.List(list)
		}
		data[k] = v
	}
	if s, err := loc.Translate("field."+string(e.Code), data); err == nil {
		return s
	}
	return e.String()
}

// newForm returns a form holding r's values and err's field errors, translated.
func (s *Server) newForm(r *http.Request, err error, keys ...string) *form {
	loc := s.Catalog.Localizer(langFrom(r.Context()))
	f := &form{Values: map[string]string{}, Errors: map[string]string{}}
	for _, k := range keys {
		f.Values[k] = r.PostFormValue(k)
	}
	for k, v := range kasuhara.ErrorFields(err) {
		f.Errors[k] = translateField(loc, v)
	}
	return f
}

// dateTimeText is a date and time as a person of lang reads it, in the
// organisation's time zone; "" for the zero time.
func dateTimeText(lang string, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	if lang == "ja" {
		return t.In(calendar.JST).Format("2006年1月2日 15:04")
	}
	return t.In(calendar.JST).Format("2 Jan 2006 15:04")
}

func (s *Server) parseTemplates() (map[string]map[string]*template.Template, error) {
	pages, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	out := map[string]map[string]*template.Template{}
	for _, lang := range i18n.Languages {
		loc := s.Catalog.Localizer(lang)
		funcs := template.FuncMap{
			"T": func(id string, kv ...any) (string, error) {
				if len(kv) == 1 {
					m, ok := kv[0].(map[string]any)
					if !ok && kv[0] != nil {
						return "", fmt.Errorf("template func T(%q): a single argument must be a map", id)
					}
					return loc.Translate(id, m)
				}
				if len(kv)%2 != 0 {
					return "", fmt.Errorf("template func T(%q): odd number of arguments", id)
				}
				data := map[string]any{}
				for i := 0; i < len(kv); i += 2 {
					data[fmt.Sprint(kv[i])] = kv[i+1]
				}
				return loc.Translate(id, data)
			},
			"asset":          s.assets.url,
			"role":           func(r kasuhara.Role) (string, error) { return loc.Translate("role."+string(r), nil) },
			"fieldError":     func(e kasuhara.FieldError) string { return translateField(loc, e) },
			"deptTree":       kasuhara.DepartmentTree,
			"indent":         func(depth int) string { return strings.Repeat("　", depth) },
			"datetime":       func(t time.Time) string { return dateTimeText(lang, t) },
			"roles":          func() []kasuhara.Role { return kasuhara.Roles },
			"channels":       func() []string { return kasuhara.Channels },
			"categories":     func() []kasuhara.Category { return kasuhara.Categories },
			"states":         func() []kasuhara.CaseState { return kasuhara.CaseStates },
			"customerFields": func() []customerField { return customerFields },
			"verdicts":       func() []string { return kasuhara.Verdicts },
			"requestValues":  func() []string { return kasuhara.RequestValues },
			"mannerValues":   func() []string { return kasuhara.MannerValues },
			"mannerReasons":  func() []string { return kasuhara.MannerReasons },
			"careKinds":      func() []string { return kasuhara.CareKinds },
			"measureLevels":  func() []string { return kasuhara.MeasureLevels },
			"needsApproval":  kasuhara.NeedsApproval,
			"referralKinds":  func() []string { return kasuhara.ReferralKinds },
			"bytes":          document.Size,
			"callMinutes":    func(seconds int) int { return (seconds + 59) / 60 },
			"hasPrefix":      strings.HasPrefix,
			// date is a day as a person reads it: 2026年12月6日, 6 December
			// 2026 (never an ISO date).
			"date": func(t time.Time) string {
				if t.IsZero() {
					return ""
				}
				return calendar.DateOf(t).Written(lang, false)
			},
			// docDate is date in the organisation's style of letters and
			// certificates (kasuhara.DateStyleEra: 令和8年12月6日).
			"docDate": func(style string, t time.Time) string {
				if t.IsZero() {
					return ""
				}
				return calendar.DateOf(t).Written(lang, style == kasuhara.DateStyleEra)
			},
			// day is a date kept as text (2027-03-31, a training's due
			// date) as a person reads it; other text is shown as it is.
			"day": func(s string) string {
				d, err := calendar.ParseDate(s)
				if err != nil {
					return s
				}
				return d.Written(lang, false)
			},
			"dateStyles":   func() []string { return kasuhara.DateStyles },
			"langs":        func() []string { return i18n.Languages },
			"uploadLimits": s.uploadLimits,
			// label is a field's name for the error summary, or "".
			"label": func(k string) string {
				if s, err := loc.Translate("fieldname."+k, nil); err == nil {
					return s
				}
				return ""
			},
			"markdown":       markdown.Render,
			"markdownPublic": markdown.RenderPublic,
			"add":            func(a, b int) int { return a + b },
			"percent": func(n, of int) int {
				if of == 0 {
					return 0
				}
				return n * 100 / of
			},
			"policyKinds": func() []string { return kasuhara.PolicyKinds },
			"dict": func(kv ...any) map[string]any {
				m := map[string]any{}
				for i := 0; i+1 < len(kv); i += 2 {
					m[fmt.Sprint(kv[i])] = kv[i+1]
				}
				return m
			},
			"deref": func(p *int) int { return *p },
			// idempotencyKey is a fresh key for a form that creates
			// something (submit once): drawn anew with the form.
			"idempotencyKey": newIdempotencyKey,
			"minutes":        document.Minutes,
			"rowsOf":         statsRows,
			"notice":         func(n kasuhara.Notification) (string, error) { return noticeText(loc, n) },
			"noticeLink":     noticeLink,
		}
		out[lang] = map[string]*template.Template{}
		for _, p := range pages {
			name := path.Base(p)
			if name == "layout.html" {
				continue
			}
			t, err := template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/partials/*.html", p)
			if err != nil {
				return nil, fmt.Errorf("web: template %s: %w", name, err)
			}
			out[lang][strings.TrimSuffix(name, ".html")] = t
		}
	}
	return out, nil
}

// renderForm renders a page with a form that err, when not nil, refused:
// the page then asks to fix the form.
func (s *Server) renderForm(w http.ResponseWriter, r *http.Request, status int, name string, p *page, err error) error {
	if err != nil {
		p.Flash, p.FlashKind = "form.fix", "error"
	}
	return s.render(w, r, status, name, p)
}

// Approves reports whether the viewer's role decides what waits for a
// second person: measures (legal) or grants of the desk and legal roles
// (legal, and an admin while there is no legal member).
func (p *page) Approves() bool {
	return p.Can(string(access.ApproveMeasure)) || p.Can(string(access.DecideGrants))
}

// render writes the page name in the request's language.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, p *page) error {
	ctx := r.Context()
	p.Lang = langFrom(ctx)
	p.Viewer = viewerFrom(ctx)
	p.RequestID = requestID(ctx)
	p.Version = s.Version
	if r.Method == http.MethodGet {
		p.Path = r.URL.RequestURI()
	} else {
		p.Path = r.URL.Path
	}
	if p.Viewer != nil && s.Notifications != nil {
		p.Unread, _ = s.Notifications.UnreadCount(ctx, p.Viewer.User.ID)
	}
	if p.Viewer != nil && s.Intake != nil && p.Can(string(access.HandleCases)) {
		p.Intake = true
		p.Mailbox, _ = s.Intake.OpenIntakeCount(ctx, p.Viewer.Actor)
	}
	if p.Viewer != nil && p.Approves() {
		m, g, _ := s.awaitingApproval(r, p.Viewer)
		p.Awaiting = m + g
	}
	// The anonymous channel loads no session; a viewer there came with a
	// token, so it never reaches this.
	if p.Flash == "" && p.Viewer != nil && !p.Viewer.ViaToken {
		if f := s.sessions.PopString(ctx, "flash"); f != "" {
			p.Flash, p.FlashKind, _ = strings.Cut(f, "|")
		}
	}
	t := s.templates[p.Lang][name]
	if t == nil {
		return fmt.Errorf("web: no template %q", name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		return fmt.Errorf("web: render %s (%s): %w", name, p.Lang, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
	return nil
}

// renderFragment writes the template block name alone (for htmx), in the
// request's language.
func (s *Server) renderFragment(w http.ResponseWriter, r *http.Request, name string, data any) error {
	lang := langFrom(r.Context())
	var buf bytes.Buffer
	// Every page template holds the partials; any one serves.
	if err := s.templates[lang]["home"].ExecuteTemplate(&buf, name, data); err != nil {
		return fmt.Errorf("web: fragment %s (%s): %w", name, lang, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(buf.Bytes())
	return nil
}

// renderError shows the error page for an error code; when even that page
// fails, a line of plain text.
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, status int, code string) {
	s.renderErrorFields(w, r, status, code, nil)
}

// errorField is a field named on the error page, with its translated
// problem.
type errorField struct{ Name, Message string }

// renderErrorFields is renderError naming the fields of fe, in name order.
func (s *Server) renderErrorFields(w http.ResponseWriter, r *http.Request, status int, code string, fe kasuhara.FieldErrors) {
	var fields []errorField
	loc := s.Catalog.Localizer(langFrom(r.Context()))
	for _, k := range slices.Sorted(maps.Keys(fe)) {
		fields = append(fields, errorField{Name: k, Message: translateField(loc, fe[k])})
	}
	err := s.render(w, r, status, "error", &page{Title: "error." + code, Data: map[string]any{"Code": code, "Status": status, "Fields": fields}})
	if err != nil {
		s.Logger.Error("internal error", "request_id", requestID(r.Context()), "route", r.Pattern, "err", err)
		http.Error(w, "Internal error: "+requestID(r.Context()), http.StatusInternalServerError)
	}
}

// flash keeps a message for the next page the user sees.
func (s *Server) flash(r *http.Request, id, kind string) {
	s.sessions.Put(r.Context(), "flash", id+"|"+kind)
}

// done ends a form's POST that succeeded: the message id to show, and a
// redirect (303) to url, so that reloading does not post again.
func (s *Server) done(w http.ResponseWriter, r *http.Request, id, url string) error {
	s.flash(r, id, "ok")
	http.Redirect(w, r, url, http.StatusSeeOther)
	return nil
}
