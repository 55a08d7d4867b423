package web

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/i18n"
)

// statuses maps each error code to its HTTP status, once for the whole
// server; any other code is an internal error.
var statuses = map[string]int{
	kasuhara.EINVALID:     http.StatusUnprocessableEntity,
	kasuhara.EUNAUTH:      http.StatusUnauthorized,
	kasuhara.EFORBIDDEN:   http.StatusForbidden,
	kasuhara.ENOTFOUND:    http.StatusNotFound,
	kasuhara.ECONFLICT:    http.StatusConflict,
	kasuhara.ETOOLARGE:    http.StatusRequestEntityTooLarge,
	kasuhara.EUNSUPPORTED: http.StatusUnsupportedMediaType,
	kasuhara.ERATELIMITED: http.StatusTooManyRequests,
	kasuhara.EUNAVAILABLE: http.StatusServiceUnavailable,
}

// statusOf maps an error code to its HTTP status (statuses).
func statusOf(code string) int {
	if st, ok := statuses[code]; ok {
		return st
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

// handler is the shape of every route: it answers the request, or returns
// the error that the route's wrapper (route, in routes.go) answers for it.
// A handler that shows a form again with its field errors does so itself
// and returns nil.
type handler func(w http.ResponseWriter, r *http.Request) error

// writeError answers err, once for the whole server: the status of its code
// (statusOf), 413 for a body over the route's limit, 400 for malformed
// input; JSON with the translated field errors and the request id for the
// API, the translated error page for the UI. An internal error is logged
// with the request id and route and answered without detail.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := kasuhara.ErrorCode(err)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		code, err = kasuhara.ETOOLARGE, &kasuhara.Error{Code: kasuhara.ETOOLARGE, Message: "request body too large"}
	}
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		// The client went away (a navigation cancels the page's favicon
		// or an htmx request): nothing to answer, nothing wrong.
		w.WriteHeader(statusClientClosed)
		return
	}
	status := statusOf(code)
	if code == kasuhara.EINTERNAL {
		s.Logger.Error("internal error", "request_id", requestID(r.Context()), "route", r.Pattern, "err", err)
	} else if isMalformed(err) {
		status = http.StatusBadRequest
	}
	if isAPI(r) {
		loc := s.Catalog.Localizer(apiLang(r))
		body := apiErrorBody{Code: code, Message: loc.T("error." + code), RequestID: requestID(r.Context())}
		if errors.Is(err, kasuhara.ErrAnonymousOff) {
			body.Message = loc.T("anon.closed.api")
		}
		if code != kasuhara.EINTERNAL {
			for k, v := range kasuhara.ErrorFields(err) {
				if body.Fields == nil {
					body.Fields = map[string]string{}
				}
				body.Fields[k] = translateField(loc, v)
			}
		}
		if status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Bearer realm="kasuhara"`)
		}
		writeJSON(w, status, apiError{body})
		return
	}
	if fe := kasuhara.ErrorFields(err); code == kasuhara.EINVALID && len(fe) > 0 {
		// The page names the fields, as the API does: a form that
		// comes back as a whole page (a NUL refused before its
		// handler, refuseNUL) tells what to correct.
		s.renderErrorFields(w, r, status, code, fe)
		return
	}
	s.renderError(w, r, status, code)
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

// sendJSON is a JSON handler's answer: v written with status, and no
// error for the route's wrapper to answer.
func sendJSON(w http.ResponseWriter, status int, v any) error {
	writeJSON(w, status, v)
	return nil
}

// writeJSON writes v as JSON with status, never to be cached.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v)
}

// statusClientClosed is the status logged for a request whose client went
// away before the answer (nginx's 499): no one reads it.
const statusClientClosed = 499
