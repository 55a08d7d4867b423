package web

import (
	"net/http"
	"time"

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

// checkinOut is a check-in as the API shows it.
type checkinOut struct {
	Day        int        `json:"day"`
	AskedAt    time.Time  `json:"asked_at"`
	AnsweredAt *time.Time `json:"answered_at,omitempty"`
	Answer     string     `json:"answer,omitempty"`
}

func checkinJSON(k kasuhara.Checkin) checkinOut {
	out := checkinOut{Day: k.Day, AskedAt: k.AskedAt, Answer: k.Answer}
	if !k.AnsweredAt.IsZero() {
		out.AnsweredAt = &k.AnsweredAt
	}
	return out
}

func (s *Server) checkinsJSON(r *http.Request, actor kasuhara.Actor, id string) (any, error) {
	ks, err := s.Checkins.Checkins(r.Context(), actor, id)
	out := make([]checkinOut, len(ks))
	for i, k := range ks {
		out[i] = checkinJSON(k)
	}
	return map[string]any{"checkins": out}, err
}

type checkinIn struct {
	Answer string `json:"answer"`
	Body   string `json:"body"`
}

// answerCheckinJSON records the reporter's answer to the check-in that
// waits; a yes raises the retaliation alarm.
func (s *Server) answerCheckinJSON(r *http.Request, actor kasuhara.Actor, id string, in checkinIn) (any, error) {
	k, err := s.Checkins.AnswerCheckin(r.Context(), actor, id, in.Answer, in.Body)
	if err != nil {
		return nil, err
	}
	return checkinJSON(*k), nil
}
