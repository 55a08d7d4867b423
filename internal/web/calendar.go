package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/credential"
	"github.com/kasuhara/kasuhara/internal/ical"
	"github.com/kasuhara/kasuhara/internal/throttle"
)

// The calendar feed (issue 25): a person makes a secret address on the
// notifications page and subscribes to it in Outlook or Google Calendar,
// which fetch GET /calendar/{secret}.ics without a session. The address is
// shown once, when it is made (the store keeps only its hash); the feed is
// worked out at each fetch with the person's access at that moment.

// calendarURLKey keeps a new address in the session for the one page that
// shows it after the redirect.
const calendarURLKey = "calendar_url"

// calendarURL is the address of the feed with secret token.
func (s *Server) calendarURL(token string) string {
	return strings.TrimRight(s.BaseURL, "/") + "/calendar/" + token + ".ics"
}

// renewCalendar makes the viewer's feed address, or a new one in place of
// the old, and shows it once.
func (s *Server) renewCalendar(w http.ResponseWriter, r *http.Request) error {
	token, err := s.Calendar.RenewCalendarFeed(r.Context(), viewerFrom(r.Context()).Actor)
	if err != nil {
		return err
	}
	s.sessions.Put(r.Context(), calendarURLKey, s.calendarURL(token))
	return s.done(w, r, "notifications.calendar_made", "/notifications#calendar")
}

// stopCalendar ends the viewer's feed.
func (s *Server) stopCalendar(w http.ResponseWriter, r *http.Request) error {
	if err := s.Calendar.StopCalendarFeed(r.Context(), viewerFrom(r.Context()).Actor); err != nil {
		return err
	}
	return s.done(w, r, "notifications.calendar_stopped", "/notifications#calendar")
}

// Calendar fetches allowed per client address and per feed in an hour:
// calendar apps fetch a feed every few hours.
const (
	calendarFetchesPerClient = 120
	calendarFetchesPerFeed   = 30
)

// calendarFeed answers a calendar app: the feed's deadlines as iCalendar,
// in its owner's language, each entry with the kind of deadline, the case
// number and a link, nothing else. An unknown address is 404.
func (s *Server) calendarFeed(w http.ResponseWriter, r *http.Request) error {
	token, ok := strings.CutSuffix(r.PathValue("file"), ".ics")
	if !ok {
		return kasuhara.Errorf(kasuhara.ENOTFOUND, "no such calendar")
	}
	ctx, client, feedKey := r.Context(), s.clientKey(r), credential.Digest(token)
	for _, c := range []struct {
		counter throttle.Counter
		key     string
	}{{s.calendarClients, client}, {s.calendarFeeds, feedKey}} {
		blocked, _, err := c.counter.Blocked(ctx, c.key)
		if err != nil {
			return err
		}
		if blocked {
			return kasuhara.Errorf(kasuhara.ERATELIMITED, "too many calendar fetches; try again later")
		}
	}
	// Every fetch counts, found or not: guessing addresses is slowed too.
	s.counted(r, s.calendarClients.Fail(ctx, client))
	s.counted(r, s.calendarFeeds.Fail(ctx, feedKey))
	feed, err := s.Calendar.CalendarDeadlines(r.Context(), token)
	if err != nil {
		return err
	}
	lang := feed.Lang
	if lang != "en" {
		lang = "ja"
	}
	loc := s.Catalog.Localizer(lang)
	tr := func(key string, data map[string]any) string {
		t, err := loc.Translate(key, data)
		if err != nil {
			return key
		}
		return t
	}
	cal := ical.Calendar{ProdID: "-//Kasuhara//Deadlines//" + strings.ToUpper(lang), Name: tr("notifications.calendar_name", nil), Refresh: time.Hour}
	base := strings.TrimRight(s.BaseURL, "/")
	for _, d := range feed.Deadlines {
		link := base + d.Path
		cal.Events = append(cal.Events, ical.Event{
			UID:         d.UID + "@" + hostOf(s.BaseURL),
			At:          d.At,
			Summary:     tr("notifications.calendar_summary."+d.Kind, map[string]any{"Ref": d.Ref}),
			Description: tr("notifications.calendar_description", map[string]any{"URL": link}),
			URL:         link,
		})
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Content-Disposition", `inline; filename="kasuhara.ics"`)
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("X-Robots-Tag", "noindex")
	_, err = w.Write(cal.Bytes(s.Now()))
	return err
}

// hostOf is the host of a base URL, for the UIDs of calendar entries.
func hostOf(base string) string {
	h := strings.TrimPrefix(strings.TrimPrefix(base, "https://"), "http://")
	h, _, _ = strings.Cut(h, "/")
	return h
}
