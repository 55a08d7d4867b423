package web

import "net/http"

// notificationsPage lists the viewer's notifications. It changes nothing
// (a GET may come from another site): they are marked read by a POST from
// the page.
func (s *Server) notificationsPage(w http.ResponseWriter, r *http.Request) error {
	v := viewerFrom(r.Context())
	ns, err := s.Notifications.Notifications(r.Context(), v.User.ID, 100)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "notifications", &page{Title: "notifications.title", Nav: "notifications", Data: ns})
}

// markNotificationsRead marks all of the viewer's notifications read.
func (s *Server) markNotificationsRead(w http.ResponseWriter, r *http.Request) error {
	if err := s.Notifications.MarkRead(r.Context(), viewerFrom(r.Context()).User.ID); err != nil {
		return err
	}
	http.Redirect(w, r, "/notifications", http.StatusSeeOther)
	return nil
}

// markNotificationRead marks one of the viewer's notifications read.
func (s *Server) markNotificationRead(w http.ResponseWriter, r *http.Request) error {
	if err := s.Notifications.MarkOneRead(r.Context(), viewerFrom(r.Context()).User.ID, r.PathValue("id")); err != nil {
		return err
	}
	http.Redirect(w, r, "/notifications", http.StatusSeeOther)
	return nil
}
