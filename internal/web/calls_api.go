package web

import (
	"encoding/json"
	"io"
	"mime"
	"net/http"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/notify"
	"github.com/kasuhara/kasuhara/internal/phone"
)

// Phone systems (issue 25, docs/intake.md): a call started is answered
// with the caller's status as the front-line lookup gives it to the agent;
// a call ended becomes a draft report for the agent. The API takes them
// with an API token; a phone system without one signs its events with the
// organisation's secret: Twilio (X-Twilio-Signature), an Amazon Connect
// contact flow's Lambda and a PBX (X-Kasuhara-Signature). A bad signature
// is 401 and nothing is stored.

// callLookup answers a started call: the caller's status, looked up as the
// agent taking the call (audited as their lookup, counted toward their
// limit).
func (s *Server) callLookup(w http.ResponseWriter, r *http.Request, actor kasuhara.Actor, orgID string, e phone.Event) error {
	agent, err := s.Calls.CallAgent(r.Context(), actor, orgID, e.AgentEmail)
	if err != nil {
		return err
	}
	if blocked, _, err := s.lookupUser.Blocked(r.Context(), agent.UserID); err != nil {
		return err
	} else if blocked {
		return &kasuhara.Error{Code: kasuhara.ERATELIMITED, Message: "too many lookups; try again in a minute"}
	}
	s.counted(r, s.lookupUser.Fail(r.Context(), agent.UserID))
	l, err := s.Customers.LookupCustomer(r.Context(), agent, "phone", e.Caller)
	if err != nil {
		return err
	}
	loc := s.Catalog.Localizer(apiLang(r))
	return sendJSON(w, http.StatusOK, map[string]string{"status": l.Status, "instructions": loc.T("lookup.instructions." + l.Status)})
}

// callEnded records an ended call for its agent.
func (s *Server) callEnded(w http.ResponseWriter, r *http.Request, actor kasuhara.Actor, orgID string, e phone.Event) error {
	d, repeat, err := s.Calls.CallEnded(r.Context(), actor, orgID, e.CallEvent)
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if repeat {
		status = http.StatusOK
	}
	return sendJSON(w, status, map[string]any{"call_id": d.CallID, "state": d.State, "repeat": repeat})
}

func (s *Server) callEvent(w http.ResponseWriter, r *http.Request, actor kasuhara.Actor, orgID string, e phone.Event) error {
	if e.Kind == phone.Started {
		return s.callLookup(w, r, actor, orgID, e)
	}
	return s.callEnded(w, r, actor, orgID, e)
}

// apiCallStarted is POST /api/v1/calls/started (an API token).
func (s *Server) apiCallStarted(w http.ResponseWriter, r *http.Request) error {
	var g phone.Generic
	if err := decodeJSON(r, &g); err != nil {
		return err
	}
	g.Event = phone.Started
	b, _ := json.Marshal(g)
	e, err := phone.ParseGeneric(b, kasuhara.CallSourceAPI)
	if err != nil {
		return err
	}
	v := viewerFrom(r.Context())
	return s.callLookup(w, r, v.Actor, v.Org.ID, e)
}

// apiCallEnded is POST /api/v1/calls/ended (an API token): JSON, or
// multipart/form-data with the JSON in the field "event" and the
// recording in the file "file", which passes the evidence checks.
func (s *Server) apiCallEnded(w http.ResponseWriter, r *http.Request) error {
	v := viewerFrom(r.Context())
	var body []byte
	var rec *kasuhara.Evidence
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct == "multipart/form-data" {
		mf, err := s.readMultipart(r)
		if err != nil {
			return err
		}
		if len(mf.files) > 1 {
			s.discard(mf)
			return kasuhara.FieldErrors{"file": {Code: kasuhara.FieldAtMost, Args: map[string]any{"Max": 1}}}.Err()
		}
		if len(mf.files) == 1 {
			rec = &mf.files[0]
		}
		if ev := mf.values["event"]; len(ev) > 0 {
			body = []byte(ev[0])
		}
		err = s.apiCallEndedWith(w, r, v, body, rec)
		if err != nil {
			s.discard(mf)
		}
		return err
	}
	// The route takes uploads; its JSON is held to the API's usual limit.
	b, err := io.ReadAll(io.LimitReader(r.Body, MaxJSONBytes+1))
	if err != nil {
		return err
	}
	if len(b) > MaxJSONBytes {
		return &kasuhara.Error{Code: kasuhara.ETOOLARGE, Message: "body too large"}
	}
	return s.apiCallEndedWith(w, r, v, b, nil)
}

func (s *Server) apiCallEndedWith(w http.ResponseWriter, r *http.Request, v *viewer, body []byte, rec *kasuhara.Evidence) error {
	e, err := phone.ParseGeneric(body, kasuhara.CallSourceAPI)
	if err != nil {
		return err
	}
	if e.Kind != phone.Ended {
		return kasuhara.FieldErrors{"event": {Code: kasuhara.FieldChoice}}.Err()
	}
	if rec != nil && !isRecording(rec.MediaType) {
		return kasuhara.FieldErrors{"file": {Code: kasuhara.FieldFileType}}.Err()
	}
	e.Recording = rec
	return s.callEnded(w, r, v.Actor, v.Org.ID, e)
}

func isRecording(mediaType string) bool {
	mt, _, _ := mime.ParseMediaType(mediaType)
	return len(mt) > 6 && (mt[:6] == "audio/" || mt[:6] == "video/")
}

// signedOrg is the organisation of a signed webhook and its secret for
// source; any failure is the same 401, so the webhook tells nothing of
// which organisations exist or have a secret.
func (s *Server) signedOrg(r *http.Request, source string) (string, string, error) {
	unauth := &kasuhara.Error{Code: kasuhara.EUNAUTH, Message: "bad signature"}
	org, err := s.Orgs.OrgBySlug(r.Context(), r.PathValue("org"))
	if err != nil {
		return "", "", unauth
	}
	secret, err := s.Calls.CallSecret(r.Context(), org.ID, source)
	if err != nil {
		return "", "", unauth
	}
	return org.ID, secret, nil
}

// readSigned reads the body and checks X-Kasuhara-Signature, the same
// header as Kasuhara's own webhooks carry.
func (s *Server) readSigned(r *http.Request, source string) (string, []byte, error) {
	orgID, secret, err := s.signedOrg(r, source)
	if err != nil {
		return "", nil, err
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return "", nil, err
	}
	if err := notify.VerifySignature(secret, r.Header.Get(notify.SignatureHeader), body, s.Now(), phone.MaxSkew); err != nil {
		return "", nil, &kasuhara.Error{Code: kasuhara.EUNAUTH, Message: "bad signature"}
	}
	return orgID, body, nil
}

// sipCall is POST /api/v1/o/{org}/calls/sip: a PBX's signed JSON.
func (s *Server) sipCall(w http.ResponseWriter, r *http.Request) error {
	return s.signedCall(w, r, kasuhara.CallSourceSIP, func(body []byte) (phone.Event, error) {
		return phone.ParseGeneric(body, kasuhara.CallSourceSIP)
	})
}

// connectCall is POST /api/v1/o/{org}/calls/connect: an Amazon Connect
// contact flow event, forwarded and signed by its Lambda function.
func (s *Server) connectCall(w http.ResponseWriter, r *http.Request) error {
	return s.signedCall(w, r, kasuhara.CallSourceConnect, phone.ParseConnect)
}

// signedCall records the call event of a body signed with source's secret
// (readSigned), read by parse.
func (s *Server) signedCall(w http.ResponseWriter, r *http.Request, source string, parse func(body []byte) (phone.Event, error)) error {
	orgID, body, err := s.readSigned(r, source)
	if err != nil {
		return err
	}
	e, err := parse(body)
	if err != nil {
		return err
	}
	return s.callEvent(w, r, kasuhara.SystemActor, orgID, e)
}

// twilioCall is POST /api/v1/o/{org}/calls/twilio?agent=…: Twilio's voice
// webhook or status callback, signed with the account's auth token over
// the address Twilio called (the base URL and the path with its query).
func (s *Server) twilioCall(w http.ResponseWriter, r *http.Request) error {
	orgID, token, err := s.signedOrg(r, kasuhara.CallSourceTwilio)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return &kasuhara.Error{Code: kasuhara.EUNAUTH, Message: "bad signature"}
	}
	if err := phone.VerifyTwilio(token, s.BaseURL+r.URL.RequestURI(), r.PostForm, r.Header.Get(phone.TwilioHeader)); err != nil {
		return &kasuhara.Error{Code: kasuhara.EUNAUTH, Message: "bad signature"}
	}
	e, err := phone.ParseTwilio(r.PostForm, r.URL.Query().Get("agent"))
	if err != nil {
		return err
	}
	if e.Kind == phone.Unanswered {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	return s.callEvent(w, r, kasuhara.SystemActor, orgID, e)
}
