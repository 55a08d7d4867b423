package web

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/i18n"
)

// statusOf maps an error code to its HTTP status, once for the whole server.
func statusOf(code string) int {
	switch code {
	case kasuhara.EINVALID:
		return http.StatusUnprocessableEntity
	case kasuhara.EUNAUTH:
		return http.StatusUnauthorized
	case kasuhara.EFORBIDDEN:
		return http.StatusForbidden
	case kasuhara.ENOTFOUND:
		return http.StatusNotFound
	case kasuhara.ECONFLICT:
		return http.StatusConflict
	case kasuhara.ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	case kasuhara.EUNSUPPORTED:
		return http.StatusUnsupportedMediaType
	case kasuhara.ERATELIMITED:
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
}

// apiError is the JSON shape of an error (CONTRACT.md).
type apiError struct {
	Error apiErrorBody `json:"error"`
}

type apiErrorBody struct {
	Code      string            `json:"code"`
	Message   string            `json:"message"`
	Fields    map[string]string `json:"fields,omitempty"`
	RequestID string            `json:"request_id,omitempty"`
}

// fail answers with err: JSON for the API, a translated page for the UI.
// Internal errors are logged with the request id and shown without detail.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	code := kasuhara.ErrorCode(err)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		code, err = kasuhara.ETOOLARGE, &kasuhara.Error{Code: kasuhara.ETOOLARGE, Message: "request body too large"}
	}
	if code == kasuhara.EINTERNAL {
		s.serverError(w, r, err)
		return
	}
	status := statusOf(code)
	if isMalformed(err) {
		status = http.StatusBadRequest
	}
	if isAPI(r) {
		loc := s.Catalog.Localizer(apiLang(r))
		msg := loc.T("error." + code)
		fields := map[string]string{}
		for k, v := range kasuhara.ErrorFields(err) {
			fields[k] = translateField(loc, v)
		}
		if len(fields) == 0 {
			fields = nil
		}
		if status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Bearer realm="kasuhara"`)
		}
		writeJSON(w, status, apiError{apiErrorBody{Code: code, Message: msg, Fields: fields, RequestID: requestID(r.Context())}})
		return
	}
	s.renderError(w, r, status, code)
}

// serverError logs err and answers 500 without detail.
func (s *Server) serverError(w http.ResponseWriter, r *http.Request, err error) {
	s.Logger.Error("internal error", "request_id", requestID(r.Context()), "route", r.Pattern, "err", err)
	if isAPI(r) {
		loc := s.Catalog.Localizer(apiLang(r))
		writeJSON(w, http.StatusInternalServerError, apiError{apiErrorBody{Code: kasuhara.EINTERNAL,
			Message: loc.T("error.internal"), RequestID: requestID(r.Context())}})
		return
	}
	s.renderError(w, r, http.StatusInternalServerError, kasuhara.EINTERNAL)
}

// apiLang is the API's language: Japanese when the client's
// Accept-Language prefers it, otherwise English, so that integrations see
// stable messages whoever the token belongs to.
func apiLang(r *http.Request) string {
	if i18n.PrefersJapanese(r.Header.Get("Accept-Language")) {
		return "ja"
	}
	return "en"
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v)
}
