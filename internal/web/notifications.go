package web

import "net/http"

// notificationsPage lists the viewer's notifications and marks them read.
func (s *Server) notificationsPage(w http.ResponseWriter, r *http.Request) error {
	v := viewerFrom(r.Context())
	ns, err := s.Notifications.Notifications(r.Context(), v.User.ID, 100)
	if err != nil {
		return err
	}
	if err := s.Notifications.MarkRead(r.Context(), v.User.ID); err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "notifications", &page{Title: "notifications.title", Nav: "notifications", Data: ns})
}
