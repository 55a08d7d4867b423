package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/access"
	"github.com/kasuhara/kasuhara/internal/i18n"
	"github.com/kasuhara/kasuhara/internal/notify"
)

// notificationsPage lists the viewer's notifications, grouped by case and
// paged, with how they reach the viewer: mail, chat, the calendar. It
// changes nothing (a GET may come from another site): they are marked read
// by a POST from the page.
func (s *Server) notificationsPage(w http.ResponseWriter, r *http.Request) error {
	return s.notificationsView(w, r, http.StatusOK, &page{})
}

// notificationsView draws the notifications page with p's flash and form
// (a refused chat destination).
func (s *Server) notificationsView(w http.ResponseWriter, r *http.Request, status int, p *page) error {
	v := viewerFrom(r.Context())
	n, _ := strconv.Atoi(r.URL.Query().Get("page"))
	pg, err := s.Notifications.NotificationGroups(r.Context(), v.User.ID, max(n, 1))
	if err != nil {
		return err
	}
	digest, err := s.Notifications.MailDigest(r.Context(), v.User.ID)
	if err != nil {
		return err
	}
	data := map[string]any{"Page": pg, "Digest": digest}
	if s.Chat != nil {
		ds, err := s.Chat.MyChatDestinations(r.Context(), v.Actor)
		if err != nil {
			return err
		}
		data["Chat"], data["ChatKinds"] = ds, s.chatKinds(false)
	}
	if s.Calendar != nil && access.Can(v.Membership.Role, access.ReadCaseContents) {
		info, err := s.Calendar.CalendarFeedInfo(r.Context(), v.Actor)
		if err != nil {
			return err
		}
		data["Calendar"], data["CalendarInfo"] = true, info
		// The address is shown on the page after it was made, once.
		data["CalendarURL"] = s.sessions.PopString(r.Context(), calendarURLKey)
	}
	p.Title, p.Nav, p.Data = "notifications.title", "notifications", data
	if p.Form == nil {
		p.Form = &form{Values: map[string]string{}, Errors: map[string]string{}}
	}
	return s.render(w, r, status, "notifications", p)
}

// markNotificationsRead marks all of the viewer's notifications read.
func (s *Server) markNotificationsRead(w http.ResponseWriter, r *http.Request) error {
	if err := s.Notifications.MarkRead(r.Context(), viewerFrom(r.Context()).User.ID); err != nil {
		return err
	}
	http.Redirect(w, r, "/notifications", http.StatusSeeOther)
	return nil
}

// markNotificationRead marks one of the viewer's notifications read, with
// the earlier ones of its case, and returns to the page it was on.
func (s *Server) markNotificationRead(w http.ResponseWriter, r *http.Request) error {
	if err := s.Notifications.MarkOneRead(r.Context(), viewerFrom(r.Context()).User.ID, r.PathValue("id")); err != nil {
		return err
	}
	to := "/notifications"
	if n, err := strconv.Atoi(r.PostFormValue("page")); err == nil && n > 1 {
		to += "?page=" + strconv.Itoa(n)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// setNotificationMail records how the viewer gets mail: one per event
// ("each") or a daily digest ("digest").
func (s *Server) setNotificationMail(w http.ResponseWriter, r *http.Request) error {
	mode := r.PostFormValue("mail")
	if mode != "each" && mode != "digest" {
		return kasuhara.InvalidField("mail", kasuhara.FieldChoice)
	}
	if err := s.Notifications.SetMailDigest(r.Context(), viewerFrom(r.Context()).Actor, mode == "digest"); err != nil {
		return err
	}
	return s.done(w, r, "notifications.mail_saved", "/notifications#mail")
}

// noticeText says in words what a notification is about: the new state of
// a case, the clock that ran out, the level of a measure. A detail this
// binary does not know is left out.
func noticeText(loc *i18n.Localizer, n kasuhara.Notification) (string, error) {
	key, data := "notice."+n.Type, map[string]any{"Ref": n.CaseRef}
	word := func(k string) string {
		s, err := loc.Translate(k, nil)
		if err != nil {
			return ""
		}
		return s
	}
	switch {
	case n.Type == notify.CaseStateChanged && slices.Contains(kasuhara.CaseStates, kasuhara.CaseState(n.Detail)):
		key, data["State"] = key+".detail", word("state."+n.Detail)
	case (n.Type == notify.CaseClockDue || n.Type == notify.CaseOverdue) && (n.Detail == "acknowledge" || n.Detail == "feedback"):
		key, data["Clock"] = key+".detail", word("notice.clock."+n.Detail)
	case strings.HasPrefix(n.Type, "grant."):
		// A grant of a role, or a reset of a desk or legal member's
		// password or second factor.
		if n.Detail == kasuhara.GrantReset || n.Detail == kasuhara.GrantTwoFactor {
			key += "." + n.Detail
		} else {
			data["Role"] = word("role." + n.Detail)
		}
	case strings.HasPrefix(n.Type, "measure."):
		data["Level"] = ""
		if slices.Contains(kasuhara.MeasureLevels, n.Detail) {
			data["Level"] = word("level." + n.Detail)
		}
	}
	return loc.Translate(key, data)
}

// noticeLink is the page a notification leads to.
func noticeLink(n kasuhara.Notification) string {
	return notify.Path(n.Type, n.CaseID, n.CaseID)
}
