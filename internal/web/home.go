package web

import (
	"net/http"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/access"
)

// homeData is what the start page shows the viewer: what needs them
// (figures for the desk, legal and a supervisor, the setup checklist for an
// administrator), then policies to read and courses to take.
type homeData struct {
	Figures        []figure
	Setup          []setupItem
	SetupDone      bool
	Unacknowledged []kasuhara.PolicyDocument
	Training       []kasuhara.TrainingItem
	// AnonymousOff hides the link to the anonymous form: the organisation
	// receives named reports only.
	AnonymousOff bool
	// Approvals counts the measures waiting for the viewer's approval;
	// Grants the grant requests waiting for the viewer's decision;
	// Exclusions the proposals to exclude a person from a case that wait
	// for the viewer as the second person.
	Approvals, Grants, Exclusions int
}

// figure is one count of the home, with the list that shows its cases.
type figure struct {
	ID    string // the element id, and the catalogue key home.figure.ID
	N     int
	Href  string
	Alert bool // overdue and retaliation alarms are red when there are any
}

// home is the signed-in start page. What it shows depends on the role: each
// role sees the part of the desk's work that is theirs.
func (s *Server) home(w http.ResponseWriter, r *http.Request) error {
	v := viewerFrom(r.Context())
	d := &homeData{}
	var counts *kasuhara.CaseCounts
	if access.Can(v.Membership.Role, access.ReadCaseContents) {
		n, err := s.Cases.CaseCounts(r.Context(), v.Actor)
		if err != nil {
			return err
		}
		counts = n
	}
	// Who runs the organisation's settings sees what its setup still lacks.
	if access.Can(v.Membership.Role, access.ManageSettings) {
		var err error
		if d.Setup, err = s.setupChecklist(r, v); err != nil {
			return err
		}
		d.SetupDone = true
		for _, it := range d.Setup {
			d.SetupDone = d.SetupDone && it.Done
		}
	}
	st, err := s.Settings.Settings(r.Context(), v.Org.ID)
	if err != nil {
		return err
	}
	d.AnonymousOff = !st.AnonymousChannel
	docs, err := s.Policies.EffectivePolicies(r.Context(), v.Org.ID, v.User.ID)
	if err != nil {
		return err
	}
	for _, doc := range docs {
		if doc.AcknowledgedAt.IsZero() {
			d.Unacknowledged = append(d.Unacknowledged, doc)
		}
	}
	items, err := s.Training.MyTraining(r.Context(), v.Actor)
	if err != nil {
		return err
	}
	for _, it := range items {
		if it.Status != kasuhara.TrainingComplete {
			d.Training = append(d.Training, it)
		}
	}
	if access.Can(v.Membership.Role, access.ReadCustomers) {
		xs, err := s.Cases.ExclusionRequests(r.Context(), v.Actor)
		if err != nil {
			return err
		}
		d.Exclusions = len(xs)
	}
	if d.Approvals, d.Grants, err = s.awaitingApproval(r, v); err != nil {
		return err
	}
	if counts != nil {
		d.Figures = figures(v.Membership.Role, counts, d.Approvals+d.Grants)
	}
	return s.render(w, r, http.StatusOK, "home", &page{Title: "home.title", Nav: "home", Data: d})
}

// figures are the counts a role sees, each linking to the queue under the
// filter that counts it (store.CaseCounts uses the same conditions). A
// supervisor's queue holds only their department's cases, and a supervisor
// sees no figure of messages (the reporter's to consent to) nor of
// measures and alarms (legal's). approvals are the measures and grant
// requests the viewer may decide (awaitingApproval, the /approvals list's).
func figures(role kasuhara.Role, n *kasuhara.CaseCounts, approvals int) []figure {
	fs := []figure{
		{ID: "new", N: n.New, Href: "/cases?state=new&sort=deadline"},
		{ID: "overdue", N: n.Overdue, Href: "/cases?due=overdue&sort=deadline", Alert: n.Overdue > 0},
		{ID: "due-today", N: n.DueToday, Href: "/cases?due=today&sort=deadline"},
	}
	if !access.Can(role, access.HandleCases) {
		// A reader of case contents who handles none: a supervisor, who
		// sees their department's cases.
		return append(fs, figure{ID: "open", N: n.Open, Href: "/cases?open=1&sort=deadline"})
	}
	fs = append(fs,
		figure{ID: "no-second", N: n.NoSecond, Href: "/cases?nosecond=1&sort=deadline"},
		figure{ID: "awaiting", N: n.AwaitingReply, Href: "/cases?awaiting=1&open=1&sort=deadline"})
	if access.Can(role, access.ApproveMeasure) {
		fs = append(fs, figure{ID: "approvals", N: approvals, Href: "/approvals"})
	}
	if access.Can(role, access.ViewRetaliation) {
		fs = append(fs, figure{ID: "retaliation", N: n.Retaliation, Href: "/retaliation", Alert: n.Retaliation > 0})
	}
	return fs
}

// setupItem is one step of an administrator's setup checklist.
type setupItem struct {
	ID   string // the element id, and the catalogue key home.setup.ID
	Done bool
	Href string    // where to do it; "" for what is done outside the UI
	At   time.Time // when it was last done, where that is recorded (a backup)
}

// setupChecklist is what an installation needs before the desk can work:
// the organisation's name and address (letters and the public pages carry
// them), a desk and a legal user, a published policy, the anonymous channel
// switched on or off by choice, mail, and a backup (kasuhara backup records
// each).
func (s *Server) setupChecklist(r *http.Request, v *viewer) ([]setupItem, error) {
	ctx := r.Context()
	st, err := s.Settings.Settings(ctx, v.Org.ID)
	if err != nil {
		return nil, err
	}
	members, err := s.Users.Members(ctx, v.Org.ID)
	if err != nil {
		return nil, err
	}
	// The desk and legal items ask for the people the access matrix needs
	// for a case to be worked and its severe steps checked: someone who
	// handles cases without approving measures (the desk), and someone who
	// approves them (legal), so that the work and its approval are two
	// persons.
	has := func(want func(kasuhara.Role) bool) bool {
		for _, m := range members {
			if want(m.Role) && !m.User.Disabled {
				return true
			}
		}
		return false
	}
	handler := func(r kasuhara.Role) bool {
		return access.Can(r, access.HandleCases) && !access.Can(r, access.ApproveMeasure)
	}
	approver := func(r kasuhara.Role) bool { return access.Can(r, access.ApproveMeasure) }
	docs, err := s.Policies.EffectivePolicies(ctx, v.Org.ID, v.User.ID)
	if err != nil {
		return nil, err
	}
	backup, err := s.Settings.LastBackup(ctx)
	if err != nil {
		return nil, err
	}
	return []setupItem{
		{ID: "org", Done: v.Org.Name != "" && st.Sender.Address != "", Href: "/admin/settings"},
		{ID: "desk", Done: has(handler), Href: "/admin/users"},
		{ID: "legal", Done: has(approver), Href: "/admin/users"},
		{ID: "policy", Done: len(docs) > 0, Href: "/admin/policies"},
		{ID: "anonymous", Done: st.AnonymousChosen, Href: "/admin/settings#anonymous"},
		{ID: "mail", Done: s.MailConfigured},
		{ID: "backup", Done: !backup.IsZero(), At: backup},
	}, nil
}
