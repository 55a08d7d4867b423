package web

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/calendar"
)

// timerPage is opened when a difficult call or visit starts: it counts the
// time against the organisation's limit and shows the procedure's steps as
// time passes; at the end it leads to a pre-filled report.
func (s *Server) timerPage(w http.ResponseWriter, r *http.Request) error {
	v := viewerFrom(r.Context())
	st, err := s.Settings.Settings(r.Context(), v.Org.ID)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "timer", &page{Title: "timer.title", Nav: "timer", Data: map[string]any{"Limit": st.ContactLimitMinutes}})
}

// prefillReport takes the query of the timer's "end and report" link
// (channel, duration in minutes, start time) into the report form.
func prefillReport(r *http.Request, f *form) {
	q := r.URL.Query()
	if c := q.Get("channel"); slices.Contains(kasuhara.Channels, c) {
		f.Values["channel"] = c
	}
	if d, err := strconv.Atoi(q.Get("duration")); err == nil && d >= 0 && d <= 7*24*60 {
		f.Values["duration_minutes"] = strconv.Itoa(d)
	}
	if t, err := time.Parse(time.RFC3339, q.Get("started")); err == nil {
		f.Values["occurred_at"] = t.In(calendar.JST).Format("2006-01-02T15:04")
	}
	if q.Get("subtype") == "long_contact" || q.Get("subtype") == "refusal_to_leave" {
		f.Multi["subtypes"] = []string{q.Get("subtype")}
	}
}
