package web

import (
	"net/http"

	"github.com/kasuhara/kasuhara"
)

type messageJSON struct {
	ID           string `json:"id"`
	FromReporter bool   `json:"from_reporter"`
	Body         string `json:"body"`
	CreatedAt    string `json:"created_at"`
}

func messagesOut(ms []kasuhara.Message) []messageJSON {
	out := make([]messageJSON, 0, len(ms))
	for _, m := range ms {
		out = append(out, messageJSON{ID: m.ID, FromReporter: m.FromReporter, Body: m.Body, CreatedAt: m.CreatedAt.Format("2006-01-02T15:04:05Z07:00")})
	}
	return out
}

func (s *Server) messagesJSON(r *http.Request, actor kasuhara.Actor, id string) (any, error) {
	ms, err := s.Messages.Messages(r.Context(), actor, id)
	return map[string]any{"messages": messagesOut(ms)}, err
}

type careConsentIn struct {
	Share bool `json:"share"`
}

// careConsentJSON records the reporter's consent that their supervisor reads
// the care record and the messages, or its revocation.
func (s *Server) careConsentJSON(r *http.Request, actor kasuhara.Actor, id string, in careConsentIn) (any, error) {
	return map[string]any{"share": in.Share}, s.Messages.SetCareConsent(r.Context(), actor, id, in.Share)
}

type messageIn struct {
	Body string `json:"body"`
}

func (s *Server) addMessageJSON(r *http.Request, actor kasuhara.Actor, id string, in messageIn) (any, error) {
	m, err := s.Messages.AddMessage(r.Context(), actor, id, in.Body)
	if err != nil {
		return nil, err
	}
	return messagesOut([]kasuhara.Message{*m})[0], nil
}
